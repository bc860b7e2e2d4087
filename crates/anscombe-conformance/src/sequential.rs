//! The sequential (frame-pair) photon-transfer estimator against a reference run. It is one
//! algorithm in two packages: anscombe-transform's `compute_conversion_gain` and
//! poisson-numcodecs' `SequentialCalibratePhotons` agree bit for bit, and our
//! [`ReferenceEstimator`](anscombe_calibrate::ReferenceEstimator) reproduces both.

use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;

use crate::fixture::same;

/// What the reference returned.
pub(crate) struct Expected {
    /// The Huber slope.
    pub(crate) conversion_gain: f64,
    /// `-intercept / slope`.
    pub(crate) zero_level: f64,
    /// First intensity used and one past the last.
    pub(crate) intensity_range: (f64, f64),
    /// Pixel pairs per intensity (int64).
    pub(crate) counts: Samples,
    /// Variance per intensity.
    pub(crate) variance: Vec<f64>,
    /// The Huber regression's outlier flags.
    pub(crate) outliers: Vec<f64>,
    /// The intensities as the reference lists them, where it does.
    pub(crate) levels: Option<Vec<f64>>,
}

/// Runs the estimator on `movie` and compares: the intensity range, the counts and the levels
/// exactly, the variances to float rounding (1e-12 relative), gain and zero level to 1e-4
/// relative (the reference's L-BFGS-B stops at its own tolerance).
pub(crate) fn check(movie: &NpyArray, gamma: f64, expected: &Expected) -> Result<String, String> {
    let frame = movie.shape.iter().skip(1).product::<usize>().max(1);
    let values = movie.samples.to_f64();
    let mut estimator = anscombe_calibrate::ReferenceEstimator::new();
    for frame_values in values.chunks(frame) {
        estimator
            .push_frame(frame_values)
            .map_err(|e| e.to_string())?;
    }
    let ours = estimator.finish(gamma).map_err(|e| e.to_string())?;
    let range = (ours.min_intensity as f64, ours.max_intensity as f64);
    if range != expected.intensity_range {
        return Err(format!(
            "intensity range {range:?} differs from the reference's {:?}",
            expected.intensity_range
        ));
    }
    if let Some(levels) = &expected.levels {
        let ours_levels: Vec<f64> = (ours.min_intensity..ours.max_intensity)
            .map(|l| l as f64)
            .collect();
        if &ours_levels != levels {
            return Err("the intensity levels differ from the reference's".into());
        }
    }
    let counts = Samples::I64(ours.counts.iter().map(|&c| c as i64).collect());
    same("counts", &counts, &expected.counts)?;
    let worst = ours
        .variance
        .iter()
        .zip(&expected.variance)
        .map(|(a, b)| ((a - b) / b).abs())
        .fold(0.0, f64::max);
    if ours.variance.len() != expected.variance.len() || worst > 1e-12 {
        return Err(format!("variances differ by up to {worst:e} relative"));
    }
    let relative = |ours: f64, theirs: f64| ((ours - theirs) / theirs).abs();
    let gain_error = relative(ours.conversion_gain, expected.conversion_gain);
    let zero_error = relative(ours.zero_level, expected.zero_level);
    if gain_error > 1e-4 || zero_error > 1e-4 {
        return Err(format!(
            "gain {} (relative error {gain_error:.1e}), zero level {} ({zero_error:.1e}): beyond 1e-4",
            ours.conversion_gain, ours.zero_level
        ));
    }
    let flips = ours
        .huber
        .outliers
        .iter()
        .zip(&expected.outliers)
        .filter(|&(&a, &b)| a != (b != 0.0))
        .count();
    Ok(format!(
        "range, {} counts{} and variances exact; gain {:.6} ({gain_error:.1e} rel.), zero {:.4} \
         ({zero_error:.1e} rel.); Huber outlier flags differ on {flips} of {}",
        ours.counts.len(),
        if expected.levels.is_some() {
            ", levels"
        } else {
            ""
        },
        ours.conversion_gain,
        ours.zero_level,
        expected.outliers.len()
    ))
}
