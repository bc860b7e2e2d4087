//! The `anscombe` binary end to end: help texts and JSON reports as snapshots, the whole job on
//! the bundled sample and the shared real data, and every bad input a user can type.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anscombe_testkit::{python, shared};

fn anscombe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_anscombe"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("anscombe-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/thunder_mouse_2p/mouse_500x64x64_int16.tif")
}

fn text(path: &Path) -> String {
    path.display().to_string()
}

/// Nothing but the expected files: no partial outputs left behind.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn help_texts() {
    for command in [
        "",
        "demo",
        "calibrate",
        "encode",
        "decode",
        "info",
        "verify",
        "pyramid",
        "background",
        "detector fit",
        "detector correct",
        "codec encode",
    ] {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("--help");
        let output = anscombe(&args);
        assert!(output.status.success());
        let name = if command.is_empty() {
            "main".to_string()
        } else {
            command.replace(' ', "_")
        };
        insta::assert_snapshot!(format!("help_{name}"), stdout(&output));
    }
}

#[test]
fn the_whole_job_on_the_bundled_sample() {
    let dir = scratch("job");
    let calibration = dir.join("calibration.json");
    let plot = dir.join("ptc.svg");
    let output = anscombe(&[
        "calibrate",
        &text(&sample()),
        "--output",
        &text(&calibration),
        "--plot",
        &text(&plot),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let gain = json["conversion_gain"].as_f64().expect("gain");
    assert!((1.35..1.9).contains(&gain), "{gain}");
    insta::assert_json_snapshot!(
        "calibrate_sample_summary",
        serde_json::json!({
            "method": json["method"],
            "conversion_gain": format!("{gain:.4}"),
            "zero_level": format!("{:.3}", json["zero_level"].as_f64().expect("zero")),
            "levels_used": json["levels_used"],
            "warnings": json["warnings"].as_array().expect("warnings").iter().map(|w| w["kind"].clone()).collect::<Vec<_>>(),
        })
    );
    assert!(
        std::fs::read_to_string(&plot)
            .expect("plot")
            .contains("<svg")
    );

    let store = dir.join("mouse.zarr");
    let output = anscombe(&[
        "encode",
        &text(&sample()),
        &text(&store),
        "--calibration",
        &text(&calibration),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert!(report["ratio"].as_f64().expect("ratio") > 2.5, "{report}");
    assert_eq!(report["sample_error"]["beyond_bound"], 0);

    let output = anscombe(&["verify", &text(&sample()), &text(&store), "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let verdict: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(verdict["passed"], true);
    assert_eq!(verdict["error"]["samples_checked"], 500 * 64 * 64);

    let output = anscombe(&["info", &text(&store), "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut info: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    info["stored_bytes"] = "(bytes)".into();
    info["ratio"] = "(ratio)".into();
    info["anscombe"]["conversion_gain"] = "(gain)".into();
    info["anscombe"]["zero_level"] = "(zero)".into();
    insta::assert_json_snapshot!("info_sample_store", info);

    // Decoding a range to NPY and to TIFF gives what the store holds there.
    let npy = dir.join("frames.npy");
    let tif = dir.join("frames.tif");
    for out in [&npy, &tif] {
        let output = anscombe(&["decode", &text(&store), &text(out), "--frames", "100..140"]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let from_npy = anscombe_io::npy::NpyArray::read(&npy).expect("npy");
    assert_eq!(from_npy.shape, [40, 64, 64]);
    let mut tiff = anscombe_io::open_movie(&tif).expect("tiff");
    assert_eq!(tiff.read_frames(0, 40).expect("pages"), from_npy.samples);
    let mut zarr = anscombe_store::ZarrMovie::open(&store).expect("store");
    assert_eq!(
        anscombe_io::FrameSource::read_frames(&mut zarr, 100, 40).expect("frames"),
        from_npy.samples
    );
    assert_eq!(
        entries(&dir),
        [
            "calibration.json",
            "frames.npy",
            "frames.tif",
            "mouse.zarr",
            "ptc.svg"
        ]
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn the_gpl_sima_movie_from_the_shared_folder() {
    let dir = scratch("sima");
    let movie = shared("data/sima_example_2p/example.tif");
    let store = dir.join("sima.zarr");
    let output = anscombe(&["encode", &text(&movie), &text(&store), "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    // The calibration made on the fly says what is wrong with this movie.
    assert!(
        stderr(&output).contains("not shot-noise limited"),
        "{}",
        stderr(&output)
    );
    let output = anscombe(&["verify", &text(&movie), &text(&store)]);
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn v1_stores_for_python_users_and_the_refusals() {
    let dir = scratch("v1");
    let store = dir.join("v1.zarr");
    let output = anscombe(&[
        "encode",
        &text(&sample()),
        &text(&store),
        "--codec",
        "anscombe-v1",
        "--gain",
        "40",
        "--zero-level",
        "100",
        "--format",
        "v2",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        std::fs::read_to_string(store.join(".zarray"))
            .expect("v2")
            .contains("anscombe-v1")
    );
    // Gain 1.5 makes the reference's table skip codes: refused with advice, nothing written.
    let refused = dir.join("refused.zarr");
    let output = anscombe(&[
        "encode",
        &text(&sample()),
        &text(&refused),
        "--codec",
        "anscombe-v1",
        "--gain",
        "1.5",
        "--zero-level",
        "3",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("skips code") && stderr(&output).contains("anscombe-transform"),
        "{}",
        stderr(&output)
    );
    assert_eq!(entries(&dir), ["v1.zarr"]);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn codec_subcommand_matches_the_reference_fixture() {
    let dir = scratch("codec");
    let case = shared("fixtures/anscombe-transform/cases/u16_poisson_cg40_zl100");
    let codec = r#"{"name": "anscombe-v1", "configuration": {"zero_level": 100, "conversion_gain": 40.0, "encoded_dtype": "uint8", "decoded_dtype": "uint16"}}"#;
    let codes = dir.join("codes.npy");
    let decoded = dir.join("decoded.npy");
    assert!(
        anscombe(&[
            "codec",
            "encode",
            "--codec",
            codec,
            &text(&case.join("input.npy")),
            &text(&codes)
        ])
        .status
        .success()
    );
    assert!(
        anscombe(&[
            "codec",
            "decode",
            "--codec",
            codec,
            &text(&codes),
            &text(&decoded)
        ])
        .status
        .success()
    );
    let read = |p: &Path| anscombe_io::npy::NpyArray::read(p).expect("npy");
    assert_eq!(read(&codes), read(&case.join("encoded.npy")));
    assert_eq!(read(&decoded), read(&case.join("decoded.npy")));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// One clear line on stderr, the exit code, and no output left behind.
fn fails(args: &[&str], code: i32, says: &str, dir: &Path, left: &[&str]) {
    let output = anscombe(args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(code), "{args:?}: {message}");
    assert!(
        message.contains(says),
        "{args:?}: expected '{says}' in: {message}"
    );
    assert_eq!(message.trim().lines().count(), 1, "one line: {message}");
    assert_eq!(entries(dir), left, "{args:?} left files behind");
}

#[test]
fn missing_malformed_and_truncated_inputs() {
    let dir = scratch("bad-input");
    let d = |name: &str| text(&dir.join(name));
    fails(
        &["encode", &d("missing.tif"), &d("out.zarr")],
        1,
        "no such file",
        &dir,
        &[],
    );
    std::fs::write(dir.join("movie.raw"), vec![0u8; 1000]).expect("raw");
    fails(
        &[
            "encode",
            &d("movie.raw"),
            &d("out.zarr"),
            "--shape",
            "10,10,10",
            "--dtype",
            "uint12",
        ],
        1,
        "--dtype uint12",
        &dir,
        &["movie.raw"],
    );
    fails(
        &[
            "encode",
            &d("movie.raw"),
            &d("out.zarr"),
            "--shape",
            "10,10,10",
            "--dtype",
            "uint16",
            "--gain",
            "2",
            "--zero-level",
            "0",
        ],
        1,
        "needs 2000",
        &dir,
        &["movie.raw"],
    );
    let tiff = std::fs::read(sample()).expect("sample");
    std::fs::write(dir.join("cut.tif"), &tiff[..tiff.len() / 2]).expect("truncated");
    fails(
        &[
            "encode",
            &d("cut.tif"),
            &d("out.zarr"),
            "--gain",
            "2",
            "--zero-level",
            "0",
        ],
        1,
        "cut.tif",
        &dir,
        &["cut.tif", "movie.raw"],
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn stores_that_are_not_zarr_or_not_the_movie() {
    let dir = scratch("bad-store");
    std::fs::create_dir(dir.join("empty.zarr")).expect("folder");
    let empty = text(&dir.join("empty.zarr"));
    fails(
        &["info", &empty],
        1,
        "not a Zarr array",
        &dir,
        &["empty.zarr"],
    );
    fails(
        &["verify", &text(&sample()), &empty],
        1,
        "not a Zarr array",
        &dir,
        &["empty.zarr"],
    );
    let other = shared("fixtures/anscombe-transform/stores/v3_u16_anscombe_zstd.zarr");
    fails(
        &["verify", &text(&sample()), &text(&other)],
        1,
        "not the same movie",
        &dir,
        &["empty.zarr"],
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn existing_outputs_and_values_out_of_range() {
    let dir = scratch("bad-values");
    let d = |name: &str| text(&dir.join(name));
    std::fs::create_dir(dir.join("taken.zarr")).expect("folder");
    std::fs::write(dir.join("taken.tif"), b"keep me").expect("file");
    let left = ["taken.tif", "taken.zarr"];
    fails(
        &[
            "encode",
            &text(&sample()),
            &d("taken.zarr"),
            "--gain",
            "2",
            "--zero-level",
            "0",
        ],
        1,
        "--force",
        &dir,
        &left,
    );
    let other = shared("fixtures/anscombe-transform/stores/v3_u16_anscombe_zstd.zarr");
    fails(
        &["decode", &text(&other), &d("taken.tif")],
        1,
        "--force",
        &dir,
        &left,
    );
    assert_eq!(
        std::fs::read(dir.join("taken.tif")).expect("kept"),
        b"keep me"
    );
    fails(
        &[
            "encode",
            &text(&sample()),
            &d("out.zarr"),
            "--gain",
            "-2",
            "--zero-level",
            "0",
        ],
        1,
        "conversion_gain",
        &dir,
        &left,
    );
    fails(
        &[
            "decode",
            &text(&other),
            &d("frames.npy"),
            "--frames",
            "10..99",
        ],
        1,
        "frames 0..20",
        &dir,
        &left,
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_full_disk_leaves_no_half_written_output() {
    let dir = scratch("full");
    // Files may grow to 64 KiB only; with SIGXFSZ ignored, writes then fail as on a full disk.
    let script = format!(
        "trap '' XFSZ; ulimit -f 64; exec {} encode {} {} --gain 1.5 --zero-level 3 --compressor none",
        env!("CARGO_BIN_EXE_anscombe"),
        sample().display(),
        dir.join("big.zarr").display()
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("too large") || stderr(&output).contains("space"),
        "{}",
        stderr(&output)
    );
    assert!(entries(&dir).is_empty(), "left behind: {:?}", entries(&dir));
    let script = format!(
        "trap '' XFSZ; ulimit -f 64; exec {} decode {} {}",
        env!("CARGO_BIN_EXE_anscombe"),
        shared("fixtures/anscombe-transform/stores/v3_u16_anscombe_zstd.zarr").display(),
        dir.join("big.npy").display()
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(entries(&dir).is_empty(), "left behind: {:?}", entries(&dir));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_pyramid_of_the_bundled_sample_opens_as_ome_zarr() {
    let dir = scratch("pyramid");
    let image = dir.join("mouse.ome.zarr");
    let output = anscombe(&[
        "pyramid",
        &text(&sample()),
        &text(&image),
        "--anscombe",
        "--gain",
        "1.47",
        "--zero-level",
        "3.3",
        "--scale",
        "0.033,0.8,0.8",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    for level in report["levels"].as_array_mut().expect("levels") {
        let stored = level["stored_bytes"].as_u64().expect("bytes");
        assert!(stored > 0);
        level["stored_bytes"] = serde_json::json!("(size)");
    }
    insta::assert_json_snapshot!("pyramid_sample_report", report);
    // Every level is a Zarr array the store helpers (and so `decode`, `info`) read.
    let level1 = image.join("1");
    let output = anscombe(&["info", &text(&level1), "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let group: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(image.join("zarr.json")).expect("group"))
            .expect("JSON");
    assert_eq!(group["attributes"]["ome"]["version"], "0.5");
    assert_eq!(
        group["attributes"]["ome"]["multiscales"][0]["datasets"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    fails(
        &["pyramid", &text(&sample()), &text(&image)],
        1,
        "already exists",
        &dir,
        &["mouse.ome.zarr"],
    );
    fails(
        &[
            "pyramid",
            &text(&sample()),
            &text(&dir.join("bad.ome.zarr")),
            "--axes",
            "y,t,x",
        ],
        1,
        "at most one time axis",
        &dir,
        &["mouse.ome.zarr"],
    );
    fails(
        &[
            "pyramid",
            &text(&sample()),
            &text(&dir.join("bad.ome.zarr")),
            "--levels",
            "9",
        ],
        1,
        "at most 6 levels",
        &dir,
        &["mouse.ome.zarr"],
    );
}

/// A Zarr array of a group as floats.
fn zarr_values(path: &Path) -> Vec<f64> {
    let array = anscombe_store::open_array(path).expect("array");
    let frames = array.shape()[0];
    anscombe_store::read_frames(&array, 0..frames)
        .expect("read")
        .1
        .to_f64()
}

fn npy_values(path: &Path) -> Vec<f64> {
    anscombe_io::npy::NpyArray::read(path)
        .expect("npy")
        .samples
        .to_f64()
}

#[test]
fn backgrounds_of_the_dcnum_fixtures_match_and_correct_the_movie() {
    let dir = scratch("background");
    let case = shared("fixtures/dcnum/cases/sparsemed_hdf5_defaults");
    let group = dir.join("sparse.zarr");
    let corrected = dir.join("corrected.zarr");
    let output = anscombe(&[
        "background",
        &text(&case.join("input.npy")),
        &text(&group),
        "--fps",
        "120",
        "--corrected",
        &text(&corrected),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        zarr_values(&group.join("image_bg")),
        npy_values(&case.join("bg_images.npy"))
    );
    assert_eq!(
        zarr_values(&group.join("bg_idx")),
        npy_values(&case.join("bg_idx.npy"))
    );
    let offsets = zarr_values(&group.join("bg_off"));
    assert_eq!(offsets, npy_values(&case.join("bg_off.npy")));
    // The corrected movie is the frame minus its background and offset.
    let movie = npy_values(&case.join("input.npy"));
    let fixed = zarr_values(&corrected);
    let images = npy_values(&case.join("bg_images.npy"));
    let mapping = npy_values(&case.join("bg_idx.npy"));
    let frame_len = 40 * 28;
    for frame in [0usize, 451, 899] {
        let image = mapping[frame] as usize;
        for p in [0usize, 517, frame_len - 1] {
            let expected =
                movie[frame * frame_len + p] - (images[image * frame_len + p] + offsets[frame]);
            assert_eq!(fixed[frame * frame_len + p], f64::from(expected as f32));
        }
    }
    let rolling_case = shared("fixtures/dcnum/cases/rollmed_k10_b50");
    let rolling = dir.join("rolling.zarr");
    let output = anscombe(&[
        "background",
        &text(&rolling_case.join("input.npy")),
        &text(&rolling),
        "--method",
        "rolling-median",
        "--kernel-size",
        "10",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        zarr_values(&rolling.join("image_bg")),
        npy_values(&rolling_case.join("image_bg.npy"))
    );
    fails(
        &[
            "background",
            &text(&case.join("input.npy")),
            &text(&group),
            "--fps",
            "120",
        ],
        1,
        "already exists",
        &dir,
        &["corrected.zarr", "rolling.zarr", "sparse.zarr"],
    );
    fails(
        &[
            "background",
            &text(&rolling_case.join("input.npy")),
            &text(&dir.join("x.zarr")),
            "--method",
            "rolling-median",
            "--kernel-size",
            "260",
        ],
        1,
        "too few",
        &dir,
        &["corrected.zarr", "rolling.zarr", "sparse.zarr"],
    );
}

#[test]
fn detector_fit_and_correct_reproduce_the_detectorcal_fixtures() {
    let dir = scratch("detector");
    let fit_case = shared("fixtures/detectorcal/cases/fit_default_f64_dark");
    let calibration = dir.join("calibration.zarr");
    let map = dir.join("map.png");
    let output = anscombe(&[
        "detector",
        "fit",
        &text(&fit_case.join("volume.npy")),
        "--dark",
        &text(&fit_case.join("dark.npy")),
        "--output",
        &text(&calibration),
        "--plot",
        &text(&map),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let ours = zarr_values(&calibration.join("coefficients"));
    let theirs = npy_values(&fit_case.join("coefficients.npy"));
    for (a, b) in ours.iter().zip(&theirs) {
        assert!((a - b).abs() <= 1e-9 * b.abs(), "{a} vs {b}");
    }
    assert!(std::fs::read(&map).expect("map").starts_with(b"\x89PNG"));
    let correct_case = shared("fixtures/detectorcal/cases/correct_flat_residual_sigma3");
    let corrected = dir.join("corrected.zarr");
    let output = anscombe(&[
        "detector",
        "correct",
        &text(&correct_case.join("ct.npy")),
        &text(&corrected),
        "--calibration",
        &text(&correct_case.join("coefficients.npy")),
        "--dark",
        &text(&correct_case.join("dark.npy")),
        "--flat",
        &text(&correct_case.join("flat.npy")),
        "--residual-sigma",
        "3",
        "--output-type",
        "float64",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let ours = zarr_values(&corrected);
    let theirs = npy_values(&correct_case.join("corrected.npy"));
    for (a, b) in ours.iter().zip(&theirs) {
        assert!((a - b).abs() <= 1e-12 * b.abs(), "{a} vs {b}");
    }
    fails(
        &[
            "detector",
            "correct",
            &text(&correct_case.join("ct.npy")),
            &text(&dir.join("x.zarr")),
            "--calibration",
            &text(&shared(
                "fixtures/detectorcal/cases/fit_u16_sigma6_dark_u16/coefficients.npy",
            )),
        ],
        1,
        "pixels",
        &dir,
        &["calibration.zarr", "corrected.zarr", "map.png"],
    );
}

/// `--compressor context` on the sample: a smaller store than zstd's that verifies and that
/// `info` describes; the settings it cannot take are refused in one line.
#[test]
fn the_context_compressor_end_to_end() {
    let dir = scratch("context");
    let mut sizes = Vec::new();
    for compressor in ["context", "zstd"] {
        let store = dir.join(format!("{compressor}.zarr"));
        let output = anscombe(&[
            "encode",
            &text(&sample()),
            &text(&store),
            "--gain",
            "1.78",
            "--zero-level",
            "0",
            "--compressor",
            compressor,
            "--json",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        sizes.push(report["stored_bytes"].as_u64().expect("stored bytes"));
        let output = anscombe(&["verify", &text(&sample()), &text(&store)]);
        assert!(
            output.status.success(),
            "{}{}",
            stdout(&output),
            stderr(&output)
        );
    }
    assert!(
        sizes[0] * 5 < sizes[1] * 4,
        "context {} bytes against zstd {}",
        sizes[0],
        sizes[1]
    );
    let output = anscombe(&["info", &text(&dir.join("context.zarr"))]);
    assert!(
        stdout(&output).contains("anscombe-context"),
        "{}",
        stdout(&output)
    );
    let store = text(&dir.join("refused.zarr"));
    let sample = text(&sample());
    let base = [
        "encode",
        &sample,
        &store,
        "--gain",
        "1.78",
        "--zero-level",
        "0",
        "--compressor",
        "context",
    ];
    let left = ["context.zarr", "zstd.zarr"];
    fails(
        &[&base[..], &["--level", "3"]].concat(),
        1,
        "does not apply",
        &dir,
        &left,
    );
    fails(
        &[&base[..], &["--format", "v2"]].concat(),
        1,
        "needs Zarr V3",
        &dir,
        &left,
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// The sample as an HDF5 dataset (chunked, gzip) encodes to the same store as the TIFF, and
/// verifies against it.
#[test]
fn hdf5_datasets_are_inputs() {
    let dir = scratch("hdf5");
    let h5 = dir.join("sample.h5");
    let script = "import sys, h5py, tifffile\n\
                  with h5py.File(sys.argv[2], 'w') as f:\n    \
                  f.create_dataset('imaging/raw', data=tifffile.imread(sys.argv[1]), chunks=(50, 64, 64), compression='gzip')";
    let status = Command::new(python("h5py and tifffile"))
        .args(["-c", script, &text(&sample()), &text(&h5)])
        .status()
        .expect("start python");
    assert!(status.success());
    let dataset = format!("{}:/imaging/raw", text(&h5));
    let mut chunks = Vec::new();
    for (input, store) in [
        (dataset.as_str(), "h5.zarr"),
        (&text(&sample()), "tif.zarr"),
    ] {
        let store = dir.join(store);
        let args = [
            "encode",
            input,
            &text(&store),
            "--gain",
            "1.78",
            "--zero-level",
            "0",
        ];
        let output = anscombe(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        // The chunks, byte for byte (the metadata names the input, so it differs).
        let chunk = |i: usize| std::fs::read(store.join(format!("c/{i}/0/0"))).expect("chunk");
        chunks.push([chunk(0), chunk(1)]);
    }
    assert!(
        chunks[0] == chunks[1],
        "the HDF5 and TIFF inputs gave different chunks"
    );
    let output = anscombe(&["verify", &dataset, &text(&dir.join("tif.zarr"))]);
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let missing = format!("{}:/imaging/nope", text(&h5));
    let output = anscombe(&["info", &missing]);
    assert_ne!(output.status.code(), Some(0));
    let output = anscombe(&[
        "encode",
        &missing,
        &text(&dir.join("nope.zarr")),
        "--gain",
        "1",
        "--zero-level",
        "0",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no dataset"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
