//! The `anscombe` binary end to end: help texts and JSON reports as snapshots, the whole job on
//! the bundled sample, the vendored fixtures and (when present) the external GPL movie, and
//! every bad input a user can type.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anscombe_testkit::{external_data, fixture, python, stderr, stdout, text};

fn anscombe(args: &[&str]) -> Output {
    anscombe_testkit::run(env!("CARGO_BIN_EXE_anscombe"), args)
}

fn scratch(name: &str) -> PathBuf {
    anscombe_testkit::scratch(&format!("cli-{name}"))
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/thunder_mouse_2p/mouse_500x64x64_int16.tif")
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
    assert_eq!(report["sample_error"]["beyond_bound"]["count"], 0);

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
    let Some(movie) = external_data("sima_example_2p/example.tif") else {
        return;
    };
    let dir = scratch("sima");
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
fn poisson_stores_for_python_users_and_info_on_the_fixtures() {
    let dir = scratch("poisson");
    let store = dir.join("poisson.zarr");
    let output = anscombe(&[
        "encode",
        &text(&sample()),
        &text(&store),
        "--codec",
        "poisson",
        "--gain",
        "20",
        "--zero-level",
        "50",
        "--format",
        "v2",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(report["codec"]["name"], "poisson");
    let zarray: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store.join(".zarray")).expect("v2"))
            .expect("JSON");
    assert_eq!(zarray["filters"][0]["id"], "poisson");
    assert_eq!(zarray["filters"][0]["photon_sensitivity"], 20.0);
    let output = anscombe(&["info", &text(&store), "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let info: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(info["poisson"]["codec"], "poisson");
    assert_eq!(info["poisson"]["quirks"], serde_json::json!([]));

    // The reference test-suite's parameters: codes wrap with uint8 and uint16 does not help
    // (the table skips codes): refused with the core's error, nothing written.
    let refused = dir.join("refused.zarr");
    let output = anscombe(&[
        "encode",
        &text(&sample()),
        &text(&refused),
        "--codec",
        "poisson",
        "--gain",
        "1",
        "--zero-level",
        "0",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("refusing to write with this poisson configuration"),
        "{}",
        stderr(&output)
    );
    assert_eq!(entries(&dir), ["poisson.zarr"]);

    // A store poisson-numcodecs wrote: the filter, and its quirk said once.
    let fixture_store = fixture("poisson-numcodecs/stores/v2_i16_poisson_nolookup_zstd.zarr");
    let output = anscombe(&["info", &text(&fixture_store)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let shown = stdout(&output);
    assert!(
        shown.contains("poisson    photon_sensitivity 20.0"),
        "{shown}"
    );
    assert!(shown.contains("formula mode"), "{shown}");
    assert_eq!(shown.matches("quirk (d)").count(), 1, "{shown}");
    // Decoding it says the same quirk once, on stderr, and still decodes.
    let decoded = dir.join("fixture.npy");
    let output = anscombe(&["decode", &text(&fixture_store), &text(&decoded)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stderr(&output).matches("poisson: quirk (d)").count(),
        1,
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn codec_subcommand_matches_the_reference_fixture() {
    let dir = scratch("codec");
    let case = fixture("anscombe-transform/cases/u16_poisson_cg40_zl100");
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
    let other = fixture("anscombe-transform/stores/v3_u16_anscombe_zstd.zarr");
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
    let other = fixture("anscombe-transform/stores/v3_u16_anscombe_zstd.zarr");
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
        2,
        "--gain -2.0: conversion_gain",
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
        2,
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
        fixture("anscombe-transform/stores/v3_u16_anscombe_zstd.zarr").display(),
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
        2,
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
        2,
        "--levels 9: this input allows 0 to 6 downsampled levels",
        &dir,
        &["mouse.ome.zarr"],
    );
}

/// `pyramid`'s levels are what its `--help` promises by default: enough to bring every pooled
/// space axis to 256 samples or fewer, and at least one; and it says which calibration level 0's
/// codec was made with.
#[test]
fn pyramid_levels_and_calibration_are_as_its_help_says() {
    let dir = scratch("pyramid-levels");
    let tall = dir.join("tall.npy");
    // y: 1030 -> 515 -> 258 -> 129 needs three levels; x (20) would allow more.
    anscombe_io::npy::NpyArray::new(
        vec![1, 1030, 20],
        anscombe_io::Samples::U8(vec![7; 1030 * 20]),
    )
    .expect("shape")
    .write(&tall)
    .expect("written");
    let levels = |input: &Path, image: &str, extra: &[&str]| -> serde_json::Value {
        let image = text(&dir.join(image));
        let output = anscombe(&[&["pyramid", &text(input), &image, "--json"], extra].concat());
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_str(&stdout(&output)).expect("JSON")
    };
    let report = levels(&tall, "tall.ome.zarr", &[]);
    let shapes: Vec<_> = report["levels"]
        .as_array()
        .expect("levels")
        .iter()
        .map(|l| l["shape"].clone())
        .collect();
    assert_eq!(
        shapes,
        [
            serde_json::json!([1, 1030, 20]),
            serde_json::json!([1, 515, 10]),
            serde_json::json!([1, 258, 5]),
            serde_json::json!([1, 129, 3])
        ]
    );
    assert!(report["calibration"].is_null(), "no codec, no calibration");
    // 64 x 64 frames are under 256 already: one level all the same.
    let report = levels(&sample(), "sample.ome.zarr", &["--anscombe"]);
    assert_eq!(report["levels"].as_array().map(Vec::len), Some(2));
    assert_eq!(report["calibration"]["source"], "calibrated from the input");
    let gain = report["calibration"]["conversion_gain"]
        .as_f64()
        .expect("gain");
    assert!((1.35..1.9).contains(&gain), "{gain}");
    let output = anscombe(&[
        "pyramid",
        &text(&sample()),
        &text(&dir.join("given.ome.zarr")),
        "--anscombe",
        "--gain",
        "1.5",
        "--zero-level",
        "3",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains(
            "level 0 uses anscombe-transform (gain 1.5000 levels/photon, zero level 3.00: given)"
        ),
        "{}",
        stdout(&output)
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
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
    let case = fixture("dcnum/cases/sparsemed_hdf5_defaults");
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
    let rolling_case = fixture("dcnum/cases/rollmed_k10_b50");
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
    let fit_case = fixture("detectorcal/cases/fit_default_f64_dark");
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
    let correct_case = fixture("detectorcal/cases/correct_flat_residual_sigma3");
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
            &text(&fixture(
                "detectorcal/cases/fit_u16_sigma6_dark_u16/coefficients.npy",
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
        2,
        "this compressor has no levels",
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

/// Writes a synthetic stack (96 x 96 frames, gain 12, zero level 200) as NPY.
fn synthetic_stack(path: &Path, photons: f64, flicker: f64, seed: u64) {
    use anscombe_calibrate::synthetic::SyntheticSpec;
    let spec = SyntheticSpec {
        frames: 40,
        drift: 0.0,
        shifts: 0,
        hot_fraction: 0.001,
        flicker,
        ..SyntheticSpec::new(12.0, 200.0, photons, seed)
    };
    let samples: Vec<u16> = spec.generate();
    anscombe_io::npy::NpyArray::new(
        vec![spec.frames, spec.height, spec.width],
        anscombe_io::Samples::U16(samples),
    )
    .expect("shape")
    .write(path)
    .expect("written");
}

#[test]
fn darks_and_flats_need_no_movie_and_ignore_flicker() {
    let dir = scratch("darks-flats");
    let d = |name: &str| text(&dir.join(name));
    synthetic_stack(&dir.join("dark.npy"), 0.0, 0.05, 1);
    for (i, photons) in [20.0, 80.0, 300.0].into_iter().enumerate() {
        synthetic_stack(
            &dir.join(format!("flat{i}.npy")),
            photons,
            0.05,
            30 + i as u64,
        );
    }
    let (dark, flat0, flat1, flat2) = (
        d("dark.npy"),
        d("flat0.npy"),
        d("flat1.npy"),
        d("flat2.npy"),
    );
    let args = vec![
        "calibrate",
        "--darks",
        &dark,
        "--flats",
        &flat0,
        "--flats",
        &flat1,
        "--flats",
        &flat2,
    ];
    let output = anscombe(&[&args[..], &["--json", "--plot", &d("ptc.svg")]].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(json["method"], "darks-and-flats");
    let gain = json["conversion_gain"].as_f64().expect("gain");
    assert!((gain / 12.0 - 1.0).abs() < 0.01, "gain {gain}");
    let flicker = json["illumination_flicker"].as_f64().expect("flicker");
    assert!((0.03..0.08).contains(&flicker), "flicker {flicker}");
    let svg = std::fs::read_to_string(dir.join("ptc.svg")).expect("plot");
    assert!(svg.contains("mean (levels)") && svg.contains("(photons²)"));
    let output = anscombe(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("each frame was scaled to its stack's mean light"),
        "{}",
        stdout(&output)
    );
    // Usage errors: no movie and no darks, a movie and darks, darks with the reference method.
    for wrong in [
        vec!["calibrate"],
        [&args[..], &[dark.as_str()]].concat(),
        [&args[..], &["--method", "reference"]].concat(),
        vec!["calibrate", "--darks", &dark],
    ] {
        let output = anscombe(&wrong);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{wrong:?}: {}",
            stderr(&output)
        );
    }
    // Flats of another frame size than the darks'.
    let small = dir.join("small.npy");
    anscombe_io::npy::NpyArray::new(vec![2, 2, 2], anscombe_io::Samples::U16(vec![300; 8]))
        .expect("shape")
        .write(&small)
        .expect("written");
    let output = anscombe(&[
        "calibrate",
        "--darks",
        &d("dark.npy"),
        "--flats",
        &text(&small),
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("frames differ in size"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn reference_calibration_says_how_sure_it_is() {
    let output = anscombe(&["calibrate", &text(&sample()), "--method", "reference"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(!report.contains("NaN"), "{report}");
    assert!(
        report.contains("jackknife over blocks of frames"),
        "{report}"
    );
    let output = anscombe(&[
        "calibrate",
        &text(&sample()),
        "--method",
        "reference",
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let (gain, se) = (
        json["conversion_gain"].as_f64().expect("gain"),
        json["conversion_gain_se"]
            .as_f64()
            .expect("a number, not null"),
    );
    assert!(se > 0.0 && se < 0.1 * gain, "{gain} ± {se}");
    assert!(json["zero_level_se"].as_f64().expect("a number") > 0.0);
}

/// The `data_type` of a Zarr V3 array.
fn zarr_data_type(array: &Path) -> String {
    let metadata: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(array.join("zarr.json")).expect("metadata"))
            .expect("JSON");
    metadata["data_type"].as_str().expect("a name").to_string()
}

/// The README's `background` example on the bundled int16 movie: medians in int16.
#[test]
fn the_readme_background_example_on_the_bundled_int16_movie() {
    let dir = scratch("background-int16");
    let movie = dir.join("movie.tif");
    std::fs::copy(sample(), &movie).expect("copy");
    let output = anscombe(&["background", &text(&movie), "--fps", "120"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("medians taken in int16"),
        "{}",
        stdout(&output)
    );
    let images = dir.join("movie.background.zarr/image_bg");
    assert_eq!(zarr_data_type(&images), "int16");
    // Image 0 is the sample of rank 100 of frames 0..200 at every pixel.
    let mut source = anscombe_io::open_movie(sample()).expect("the sample");
    let frames = source.read_frames(0, 200).expect("frames").to_f64();
    let first = &zarr_values(&images)[..64 * 64];
    for p in (0..64 * 64).step_by(97) {
        let mut column: Vec<f64> = (0..200).map(|t| frames[t * 64 * 64 + p]).collect();
        column.sort_by(f64::total_cmp);
        assert_eq!(first[p], column[100], "pixel {p}");
    }
}

/// A sample type, how dcnum's uint8 fixture is taken to it, and the types of the outputs.
struct TypeCase {
    name: &'static str,
    map: fn(f64) -> f64,
    samples: fn(&[f64]) -> anscombe_io::Samples,
    stored: &'static str,
    corrected: &'static str,
}

const TYPE_CASES: [TypeCase; 5] = [
    TypeCase {
        name: "int8",
        map: |v| v - 128.0,
        samples: |v| anscombe_io::Samples::I8(v.iter().map(|&x| (x - 128.0) as i8).collect()),
        stored: "int8",
        corrected: "float32",
    },
    TypeCase {
        name: "int32",
        map: |v| v - 1e6,
        samples: |v| anscombe_io::Samples::I32(v.iter().map(|&x| (x - 1e6) as i32).collect()),
        stored: "int32",
        corrected: "float64",
    },
    TypeCase {
        name: "uint32",
        map: |v| v + 70_000.0,
        samples: |v| anscombe_io::Samples::U32(v.iter().map(|&x| (x + 70_000.0) as u32).collect()),
        stored: "uint32",
        corrected: "float64",
    },
    TypeCase {
        name: "float64",
        map: |v| v / 4.0,
        samples: |v| anscombe_io::Samples::F64(v.iter().map(|&x| x / 4.0).collect()),
        stored: "float64",
        corrected: "float64",
    },
    TypeCase {
        name: "int64",
        map: |v| v * 3.0 - 500.0,
        samples: |v| {
            anscombe_io::Samples::I64(v.iter().map(|&x| (x * 3.0 - 500.0) as i64).collect())
        },
        stored: "float64",
        corrected: "float64",
    },
];

/// dcnum's uint8 fixture taken to other sample types: the backgrounds are the fixture's,
/// mapped alike, in the movie's type (or the type it is converted to, as the report says), and
/// the offsets scale with the map.
#[test]
fn backgrounds_of_movies_of_any_sample_type() {
    let dir = scratch("background-types");
    let case = fixture("dcnum/cases/sparsemed_hdf5_defaults");
    let bytes = anscombe_io::npy::NpyArray::read(case.join("input.npy")).expect("fixture");
    let values = bytes.samples.to_f64();
    let expected_images = npy_values(&case.join("bg_images.npy"));
    let expected_offsets = npy_values(&case.join("bg_off.npy"));
    for c in &TYPE_CASES {
        let name = c.name;
        let input = dir.join(format!("{name}.npy"));
        anscombe_io::npy::NpyArray::new(bytes.shape.clone(), (c.samples)(&values))
            .expect("shape")
            .write(&input)
            .expect("written");
        let group = dir.join(format!("{name}.zarr"));
        let corrected = dir.join(format!("{name}-corrected.zarr"));
        let output = anscombe(&[
            "background",
            &text(&input),
            &text(&group),
            "--fps",
            "120",
            "--corrected",
            &text(&corrected),
            "--json",
        ]);
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
        assert_eq!(report["samples"], name);
        let said = report["conversion"].as_str().expect("said");
        assert!(said.contains(&format!("stored as {}", c.stored)), "{said}");
        assert_eq!(zarr_data_type(&group.join("image_bg")), c.stored, "{name}");
        assert_eq!(zarr_data_type(&corrected), c.corrected, "{name}");
        let mapped: Vec<f64> = expected_images.iter().map(|&v| (c.map)(v)).collect();
        assert_eq!(zarr_values(&group.join("image_bg")), mapped, "{name}");
        assert_eq!(
            zarr_values(&group.join("bg_idx")),
            npy_values(&case.join("bg_idx.npy"))
        );
        let scale = (c.map)(1.0) - (c.map)(0.0);
        for (ours, theirs) in zarr_values(&group.join("bg_off"))
            .iter()
            .zip(&expected_offsets)
        {
            let tolerance = 1e-9 * (1.0 + theirs.abs());
            assert!(
                (ours - scale * theirs).abs() < tolerance,
                "{name}: {ours} vs {theirs}"
            );
        }
    }
    // 64-bit samples beyond 2^53 would round in float64: refused, nothing written.
    let wide = dir.join("wide.npy");
    let samples = anscombe_io::Samples::U64(vec![1, 2, 3, 4, 5, u64::MAX]);
    anscombe_io::npy::NpyArray::new(vec![3, 1, 2], samples)
        .expect("shape")
        .write(&wide)
        .expect("written");
    let output = anscombe(&[
        "background",
        &text(&wide),
        &text(&dir.join("wide.zarr")),
        "--method",
        "rolling-median",
        "--kernel-size",
        "2",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("beyond 2^53"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.join("wide.zarr").exists(), "no partial output");
}

/// `encode --codec poisson` writes V2 stores that zarr-python 3 and 2 with poisson-numcodecs
/// read back to exactly what `anscombe decode` gives. Skips (saying why) where poisson-numcodecs'
/// source is absent: the registry does not serve it, so `cargo xtask test` installs it only
/// from the shared folder.
#[test]
fn poisson_stores_read_back_in_zarr_python_with_poisson_numcodecs() {
    if anscombe_testkit::poisson_reference().is_none() {
        println!("skipped: poisson-numcodecs' source (../shared/reference) is absent");
        return;
    }
    let dir = scratch("poisson-live");
    let store = dir.join("poisson.zarr");
    let ours = dir.join("ours.npy");
    let output = anscombe(&[
        "encode",
        &text(&sample()),
        &text(&store),
        "--codec",
        "poisson",
        "--gain",
        "20",
        "--zero-level",
        "50",
        "--format",
        "v2",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = anscombe(&["decode", &text(&store), &text(&ours)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let expected = anscombe_io::npy::NpyArray::read(&ours).expect("npy");
    let script = "import sys, numpy, zarr, poisson_numcodecs\n\
                  numpy.save(sys.argv[2], zarr.open_array(sys.argv[1], mode='r')[:])";
    let zarr2 = anscombe_testkit::python_zarr2();
    let pythons = std::iter::once(python("zarr-python 3 and poisson-numcodecs")).chain(zarr2);
    let mut readers = 0;
    for (index, interpreter) in pythons.enumerate() {
        let theirs = dir.join(format!("theirs{index}.npy"));
        let output = Command::new(&interpreter)
            .args(["-c", script, &text(&store), &text(&theirs)])
            .output()
            .expect("start python");
        assert!(
            output.status.success(),
            "{}: {}",
            interpreter.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let read = anscombe_io::npy::NpyArray::read(&theirs).expect("npy");
        assert_eq!(read.shape, expected.shape, "{}", interpreter.display());
        assert!(
            read.samples == expected.samples,
            "{}: values differ",
            interpreter.display()
        );
        readers += 1;
    }
    println!("read back exactly by {readers} zarr-python environment(s)");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
