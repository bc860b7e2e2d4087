//! `anscombe calibrate --method raster` and `anscombe photons` end to end: the report, the
//! JSON, the maps and the plot; `encode` refusing several groups; photons from every kind of
//! calibration.

use std::path::{Path, PathBuf};
use std::process::Output;

use anscombe_calibrate::synthetic::RasterSpec;
use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anscombe_testkit::{fixture, stderr, stdout, text};

fn anscombe(args: &[&str]) -> Output {
    anscombe_testkit::run(env!("CARGO_BIN_EXE_anscombe"), args)
}

fn scratch(name: &str) -> PathBuf {
    anscombe_testkit::scratch(&format!("raster-{name}"))
}

/// A (200, 32, 40) int16 movie of two pixel groups (gains 10 and 15, zero levels 1 and 2), and
/// each pixel's true group.
fn two_group_movie(dir: &Path) -> (PathBuf, Vec<u8>) {
    let spec = RasterSpec::two_detectors(200, 32, 40, 9);
    let (movie, truth) = spec.generate::<i16>();
    let path = dir.join("movie.npy");
    NpyArray::new(vec![200, 32, 40], Samples::I16(movie))
        .expect("shape")
        .write(&path)
        .expect("write");
    (path, truth)
}

/// Runs `args`, which must fail with exit code `code` and a message containing `needle`.
fn fails(args: &[&str], code: i32, needle: &str) {
    let output = anscombe(args);
    assert_eq!(output.status.code(), Some(code), "{args:?}");
    assert!(stderr(&output).contains(needle), "{}", stderr(&output));
}

fn json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[test]
fn help_of_photons_and_the_raster_options() {
    let output = anscombe(&["photons", "--help"]);
    assert!(output.status.success());
    insta::assert_snapshot!("help_photons", stdout(&output));
}

#[test]
fn raster_report_on_the_reference_fixture_movie() {
    let movie = fixture("poisson-numcodecs/calibration/movies/movie_g10_15_o1_2_rate1_5/movie.npy");
    let output = anscombe(&[
        "calibrate",
        &text(&movie),
        "--method",
        "raster",
        "--groups",
        "2",
        "--perc-min",
        "0",
        "--perc-max",
        "100",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("raster_fixture_report", stdout(&output));
}

#[test]
fn two_groups_give_maps_a_plot_and_a_calibration_encode_refuses() {
    let dir = scratch("two");
    let (movie, truth) = two_group_movie(&dir);
    let (gain, zero, group, plot, cal) = (
        dir.join("gain.npy"),
        dir.join("zero.tif"),
        dir.join("group.npy"),
        dir.join("groups.png"),
        dir.join("cal.json"),
    );
    let report = json(&anscombe(&[
        "calibrate",
        &text(&movie),
        "--method",
        "raster",
        "--groups",
        "2",
        "--gain-map",
        &text(&gain),
        "--zero-level-map",
        &text(&zero),
        "--group-map",
        &text(&group),
        "--plot",
        &text(&plot),
        "--output",
        &text(&cal),
        "--json",
    ]));
    assert_eq!(report["method"], "raster");
    assert!(
        report.get("conversion_gain").is_none(),
        "no single gain with two groups"
    );
    let groups = report["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2);
    let gains: Vec<f64> = groups
        .iter()
        .map(|g| g["conversion_gain"].as_f64().expect("gain"))
        .collect();
    assert!(
        (gains[0] - 10.0).abs() < 0.5 && (gains[1] - 15.0).abs() < 0.7,
        "{gains:?}"
    );
    for g in groups {
        for key in [
            "zero_level",
            "conversion_gain_se",
            "zero_level_se",
            "pixels",
        ] {
            assert!(g[key].is_number(), "{key} in {g}");
        }
    }
    let fitted = report["pixels_fitted"].as_u64().expect("count") as usize;
    assert_eq!(report["maps"]["group"], text(&group));

    // The maps: frame-shaped, NaN (or -1) exactly where no pixel was fitted.
    let groups_map = NpyArray::read(&group).expect("group map");
    assert_eq!(groups_map.shape, [32, 40]);
    let Samples::I16(groups_map) = groups_map.samples else {
        panic!("the group map is int16")
    };
    let gain_map = NpyArray::read(&gain).expect("gain map");
    assert_eq!(gain_map.shape, [32, 40]);
    let gain_map = gain_map.samples.to_f64();
    assert_eq!(groups_map.iter().filter(|&&g| g >= 0).count(), fitted);
    for (&g, &v) in groups_map.iter().zip(&gain_map) {
        if g < 0 {
            assert!(v.is_nan());
        } else {
            assert_eq!(v, gains[g as usize]);
        }
    }
    let mut zero_tiff = anscombe_io::open_movie(&zero).expect("zero-level TIFF");
    let zero_map = zero_tiff.read_frames(0, 1).expect("read").to_f64();
    assert_eq!(zero_map.len(), 32 * 40);
    assert_eq!(
        zero_map.iter().filter(|v| v.is_nan()).count(),
        32 * 40 - fitted
    );
    // Sorted by gain: group 0 is the gain-10 pixels (true group 0).
    let agree = groups_map
        .iter()
        .zip(&truth)
        .filter(|&(&g, &t)| g >= 0 && g == i16::from(t))
        .count();
    assert!(agree as f64 > 0.95 * fitted as f64, "{agree} of {fitted}");
    assert!(std::fs::read(&plot).expect("plot").starts_with(b"\x89PNG"));

    // The saved calibration names its maps relative to its folder.
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cal).expect("saved")).expect("JSON");
    assert_eq!(saved["maps"]["gain"], "gain.npy");
    assert_eq!(saved["groups"], report["groups"]);

    encode_refuses(&dir, &movie, &cal);
    photons_follow_the_maps(
        &dir,
        &movie,
        &cal,
        fitted,
        &groups_map,
        &gain_map,
        &zero_map,
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn one_group_calibrates_encode_and_photons_like_a_single_calibration() {
    let dir = scratch("one");
    let (movie, _) = two_group_movie(&dir);
    let cal = dir.join("cal.json");
    let report = json(&anscombe(&[
        "calibrate",
        &text(&movie),
        "--method",
        "raster",
        "--output",
        &text(&cal),
        "--json",
    ]));
    let gain = report["conversion_gain"].as_f64().expect("one gain");
    let zero = report["zero_level"].as_f64().expect("one zero level");
    assert_eq!(report["groups"][0]["conversion_gain"], gain);
    let store = dir.join("movie.zarr");
    let output = anscombe(&[
        "encode",
        &text(&movie),
        &text(&store),
        "--calibration",
        &text(&cal),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    // Saved without maps: photons uses the one line for every pixel.
    let photons = dir.join("photons.tif");
    let report = json(&anscombe(&[
        "photons",
        &text(&movie),
        &text(&photons),
        "--calibration",
        &text(&cal),
        "--json",
    ]));
    assert_eq!(report["scale"], "uniform");
    assert_eq!(report["conversion_gain"], gain);
    assert_eq!(report["pixels_nan"], 0);
    let mut tiff = anscombe_io::open_movie(&photons).expect("TIFF");
    assert_eq!(tiff.shape(), [200, 32, 40]);
    let first = tiff.read_frames(0, 1).expect("frame");
    let Samples::F32(first) = first else {
        panic!("float32 pages")
    };
    let levels = NpyArray::read(&movie).expect("movie").samples.to_f64();
    assert_eq!(first[7], ((levels[7] - zero) / gain) as f32);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn photons_with_flags_and_maps() {
    let dir = scratch("flags");
    let (movie, _) = two_group_movie(&dir);
    let out = dir.join("photons.npy");
    let output = anscombe(&[
        "photons",
        &text(&movie),
        &text(&out),
        "--gain",
        "4",
        "--zero-level",
        "2",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("(x - 2) / 4"),
        "{}",
        stdout(&output)
    );
    let levels = NpyArray::read(&movie).expect("movie").samples.to_f64();
    let Samples::F32(photons) = NpyArray::read(&out).expect("photons").samples else {
        panic!("float32")
    };
    assert_eq!(photons[5], ((levels[5] - 2.0) / 4.0) as f32);
    // The same into a Zarr store, which decodes to the same values.
    let store = dir.join("photons.zarr");
    let output = anscombe(&[
        "photons",
        &text(&movie),
        &text(&store),
        "--gain",
        "4",
        "--zero-level",
        "2",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let back = dir.join("back.npy");
    let output = anscombe(&["decode", &text(&store), &text(&back)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        NpyArray::read(&back).expect("decoded").samples,
        Samples::F32(photons.clone())
    );
    // Maps of the wrong size are refused before anything is written.
    let small = dir.join("small.npy");
    NpyArray::new(vec![2, 2], Samples::F64(vec![1.0; 4]))
        .expect("shape")
        .write(&small)
        .expect("write");
    let refused = dir.join("refused.npy");
    fails(
        &[
            "photons",
            &text(&movie),
            &text(&refused),
            "--gain-map",
            &text(&small),
            "--zero-level-map",
            &text(&small),
        ],
        1,
        "4 pixels",
    );
    assert!(!refused.exists());
    // A non-positive gain is refused.
    fails(
        &[
            "photons",
            &text(&movie),
            &text(&refused),
            "--gain",
            "0",
            "--zero-level",
            "2",
        ],
        1,
        "conversion gain 0",
    );
    // Nothing to convert with.
    fails(
        &["photons", &text(&movie), &text(&refused)],
        1,
        "--calibration",
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn raster_options_are_checked() {
    let dir = scratch("options");
    let (movie, _) = two_group_movie(&dir);
    fails(
        &["calibrate", &text(&movie), "--groups", "2"],
        1,
        "--groups apply to --method raster only",
    );
    fails(
        &[
            "calibrate",
            &text(&movie),
            "--method",
            "raster",
            "--groups",
            "11",
        ],
        1,
        "--groups 11",
    );
    fails(
        &[
            "calibrate",
            &text(&movie),
            "--method",
            "raster",
            "--perc-min",
            "90",
            "--perc-max",
            "3",
        ],
        1,
        "percentile",
    );
    // Every pixel saturated: the data allow no calibration (exit 3).
    fails(
        &[
            "calibrate",
            &text(&movie),
            "--method",
            "raster",
            "--max-pixel-range",
            "1",
        ],
        3,
        "no calibration",
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// `encode` refuses a calibration of several groups, says why, and writes nothing.
fn encode_refuses(dir: &Path, movie: &Path, cal: &Path) {
    // One codec configuration cannot hold two gains: encode says so and writes nothing.
    let store = dir.join("movie.zarr");
    let output = anscombe(&[
        "encode",
        &text(movie),
        &text(&store),
        "--calibration",
        &text(cal),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("2 pixel groups")
            && message.contains("per-pixel gains cannot be expressed by one codec configuration")
            && message.contains("anscombe photons"),
        "{message}"
    );
    assert!(!store.exists());
}

/// `photons` with a raster calibration: (x - zero) / gain per pixel, NaN where not fitted.
fn photons_follow_the_maps(
    dir: &Path,
    movie: &Path,
    cal: &Path,
    fitted: usize,
    groups_map: &[i16],
    gain_map: &[f64],
    zero_map: &[f64],
) {
    // Photons with the maps: (x - zero) / gain per pixel, NaN where not fitted.
    let photons = dir.join("photons.npy");
    let report = json(&anscombe(&[
        "photons",
        &text(movie),
        &text(&photons),
        "--calibration",
        &text(cal),
        "--json",
    ]));
    assert_eq!(report["scale"], "per-pixel");
    assert_eq!(report["pixels_nan"], 32 * 40 - fitted);
    let out = NpyArray::read(&photons).expect("photons");
    assert_eq!(out.shape, [200, 32, 40]);
    let Samples::F32(out) = out.samples else {
        panic!("photons are float32")
    };
    let levels = NpyArray::read(movie).expect("movie").samples.to_f64();
    for (i, (&p, &x)) in out.iter().zip(&levels).enumerate() {
        let pixel = i % (32 * 40);
        if groups_map[pixel] < 0 {
            assert!(p.is_nan());
        } else {
            let expected = ((x - zero_map[pixel]) / gain_map[pixel]) as f32;
            assert_eq!(p, expected, "sample {i}");
        }
    }
}
