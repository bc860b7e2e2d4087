//! The real two-photon movies: the bundled thunder movie (`data/`) through the readers and
//! calibration, and the SIMA movie when it is available outside the repository.
//!
//! The SIMA movie is GPL: it is read from the external shared folder (`$ANSCOMBE_SHARED`, or
//! a `shared/` above the workspace) and never copied into this repository; without it, its
//! test prints why it is skipped and passes.

use std::path::Path;

use anscombe_calibrate::{PtcOptions, ReferenceEstimator, Warning, calibrate_movie};
use anscombe_io::open_movie;
use anscombe_testkit::{bundled, external_data, sha256_hex};

const THUNDER: &str = "thunder_mouse_2p/mouse_500x64x64_int16.tif";

fn whole(path: &Path) -> (Vec<usize>, Vec<f64>) {
    let mut movie = open_movie(path).expect("movie");
    let shape = movie.shape().to_vec();
    let samples = movie.read_frames(0, movie.frames()).expect("frames");
    (shape, samples.to_f64())
}

/// SHA-256 of the data section of `mouse_500x64x64_int16.npy` (the file of the shared data
/// folder, sha256 `e17db8b796a0d21f308bb8733109f5858d3588ecc93a9beeab01d8ca08aeae89`): the
/// 500 x 64 x 64 little-endian int16 samples NumPy stacked from the Thunder project's raw
/// frames, the same pixels tifffile wrote into the bundled TIFF. Computed with NumPy and
/// hashlib, not by this workspace.
const THUNDER_PIXELS_SHA256: &str =
    "ddbdf19818fc148c3cde645c0a5598403788a66b345b6eb073bd06f8c6f517bb";

#[test]
fn thunder_tiff_holds_the_pixels_numpy_stacked() {
    let path = bundled(THUNDER);
    let mut movie = open_movie(&path).expect("tiff");
    assert_eq!(movie.shape(), [500, 64, 64]);
    assert_eq!(movie.element(), anscombe_io::Element::I16);
    let all = movie.read_frames(0, 500).expect("all frames");
    assert_eq!(sha256_hex(&all.to_le_bytes()), THUNDER_PIXELS_SHA256);
    // A range in the middle reads the same as the whole does there.
    let mut movie = open_movie(&path).expect("tiff");
    let middle = movie.read_frames(250, 3).expect("frames");
    assert_eq!(middle, all.slice(250 * 4096..253 * 4096));
    assert!(movie.read_frames(499, 2).is_err(), "past the end");
}

#[test]
fn thunder_calibrates_with_the_activity_flagged() {
    let (shape, movie) = whole(&bundled(THUNDER));
    let c =
        calibrate_movie(&movie, shape[1] * shape[2], &PtcOptions::default()).expect("calibration");
    println!("{c}");
    // The data README's unweighted fit gives 1.78 over a curve whose slope rises from about
    // 1.4 (dark pixels) to 1.9 (bright, active neurons); the reference gives 2.22.
    assert!(
        (1.35..1.9).contains(&c.conversion_gain),
        "gain {}",
        c.conversion_gain
    );
    let bend = c.warnings.iter().find_map(|w| match w {
        Warning::NotShotNoiseLimited {
            dark_slope,
            bright_slope,
            ..
        } => Some((*dark_slope, *bright_slope)),
        _ => None,
    });
    let (dark, bright) = bend.expect("the bending curve is reported");
    assert!(
        dark < c.conversion_gain && c.conversion_gain < bright,
        "{dark} < {} < {bright}",
        c.conversion_gain
    );
}

#[test]
fn sima_gets_a_defensible_answer_where_the_reference_does_not() {
    let Some(sima) = external_data("sima_example_2p/example.tif") else {
        return;
    };
    let (shape, movie) = whole(&sima);
    assert_eq!(shape, [20, 128, 256]);
    let frame = shape[1] * shape[2];
    let mut reference = ReferenceEstimator::new();
    for f in movie.chunks(frame) {
        reference.push_frame(f).expect("frame");
    }
    let theirs = reference.finish(0.2).expect("the reference answers");
    // The data README: the reference's zero level is -5942, meaningless for a PMT offset.
    assert!(
        theirs.zero_level < -5000.0,
        "reference zero {}",
        theirs.zero_level
    );
    let ours = calibrate_movie(&movie, frame, &PtcOptions::default()).expect("an answer");
    println!("{ours}");
    // Variance over mean runs from about 400 to 870 levels: a PMT's large pulse heights.
    assert!(
        (300.0..900.0).contains(&ours.conversion_gain),
        "gain {}",
        ours.conversion_gain
    );
    // The zero level stays within a few photons of zero, not 15 photons below it.
    assert!(
        (ours.zero_level / ours.conversion_gain).abs() < 5.0,
        "zero {}",
        ours.zero_level
    );
    assert!(
        ours.warnings
            .iter()
            .any(|w| matches!(w, Warning::NotShotNoiseLimited { .. })),
        "poor fit flagged"
    );
    assert!(
        ours.warnings
            .iter()
            .any(|w| matches!(w, Warning::ZeroExtrapolated { .. })),
        "extrapolated zero flagged"
    );
}
