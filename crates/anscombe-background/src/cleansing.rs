//! Cleansing of the background series (dcnum's): background images taken while an object sat
//! in view are found from their row profiles and left out.
//!
//! Each image's peak-to-peak along x gives a profile over y; profiles minus their median
//! across images, averaged over the centre rows, trace a baseline that a size-10 median
//! filter smooths; images far from it (beyond `var * 150 / thresh_cleansing`, or beyond the
//! `frac_cleansing` quantile when that threshold would drop too many or is 0) are removed.

use anscombe_numeric::{mean, median, median_filter_reflect, quantile, variance};

/// Every intermediate of cleansing, for inspection and conformance.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleansing {
    /// Peak-to-peak along x of each image, `(images, height)`, row-major.
    pub profiles: Vec<f64>,
    /// Median profile over the images (`height`).
    pub median_profile: Vec<f64>,
    /// Profiles minus the median profile, `(images, height)`.
    pub normalized: Vec<f64>,
    /// Mean of each normalised profile over the centre rows.
    pub centre_means: Vec<f64>,
    /// The centre means through a size-10 median filter: the baseline.
    pub baseline: Vec<f64>,
    /// Centre means minus the baseline.
    pub deviation: Vec<f64>,
    /// Absolute deviation from the median deviation: the score compared with the threshold.
    pub score: Vec<f64>,
    /// Whether each image is kept.
    pub kept: Vec<bool>,
    /// Image height (the profile length).
    pub width: usize,
    /// Half-width of the centre slice, `max(20, height / 4)`.
    pub spread: usize,
    /// The centre slice as dcnum writes it, `(height / 2 - spread, height / 2 + spread)`; a
    /// negative start counts from the end, as Python slices do.
    pub centre_slice: (isize, isize),
    /// `var(score) * 150`.
    pub threshold_factor: f64,
    /// The threshold applied to the scores.
    pub threshold: f64,
    /// Fraction of images removed.
    pub removed_fraction: f64,
    /// The fraction the user's threshold would have removed, when it removed too many and the
    /// quantile was used instead.
    pub rejected_fraction: Option<f64>,
}

/// Cleanses a series of `images` profiles (`peak_to_peak[i * height + y]`, the range along x
/// of row y of image i).
pub(crate) fn cleanse(
    peak_to_peak: &[f64],
    height: usize,
    thresh_cleansing: f64,
    frac_cleansing: f64,
) -> Cleansing {
    let images = peak_to_peak.len().checked_div(height).unwrap_or(0);
    let column =
        |y: usize| -> Vec<f64> { (0..images).map(|i| peak_to_peak[i * height + y]).collect() };
    let median_profile: Vec<f64> = (0..height)
        .map(|y| median(&column(y)).unwrap_or(0.0))
        .collect();
    let normalized: Vec<f64> = peak_to_peak
        .iter()
        .enumerate()
        .map(|(i, &v)| v - median_profile[i % height])
        .collect();
    let spread = 20.max(height / 4);
    let centre_slice = (
        (height / 2) as isize - spread as isize,
        (height / 2 + spread) as isize,
    );
    let rows = python_slice(centre_slice, height);
    let centre_means: Vec<f64> = (0..images)
        .map(|i| mean(&normalized[i * height..(i + 1) * height][rows.clone()]))
        .collect();
    let baseline = median_filter_reflect(&centre_means, 10);
    let deviation: Vec<f64> = centre_means
        .iter()
        .zip(&baseline)
        .map(|(c, b)| c - b)
        .collect();
    let centre = median(&deviation).unwrap_or(0.0);
    let score: Vec<f64> = deviation.iter().map(|x| (x - centre).abs()).collect();
    let threshold_factor = variance(&score) * 150.0;
    let by_quantile = || quantile(&score, frac_cleansing).unwrap_or(0.0);
    let keep = |threshold: f64| -> (Vec<bool>, f64) {
        let kept: Vec<bool> = score.iter().map(|&s| s <= threshold).collect();
        let removed = kept.iter().filter(|k| !**k).count() as f64 / kept.len().max(1) as f64;
        (kept, removed)
    };
    let mut threshold = if thresh_cleansing == 0.0 {
        by_quantile()
    } else {
        threshold_factor / thresh_cleansing
    };
    let (mut kept, mut removed_fraction) = keep(threshold);
    let mut rejected_fraction = None;
    if thresh_cleansing != 0.0 && (1.0 - removed_fraction) < frac_cleansing {
        rejected_fraction = Some(removed_fraction);
        threshold = by_quantile();
        (kept, removed_fraction) = keep(threshold);
    }
    Cleansing {
        profiles: peak_to_peak.to_vec(),
        median_profile,
        normalized,
        centre_means,
        baseline,
        deviation,
        score,
        kept,
        width: height,
        spread,
        centre_slice,
        threshold_factor,
        threshold,
        removed_fraction,
        rejected_fraction,
    }
}

/// The indices a Python slice `start:stop` selects from a sequence of `len`.
fn python_slice((start, stop): (isize, isize), len: usize) -> std::ops::Range<usize> {
    let len = len as isize;
    let clamp = |i: isize| if i < 0 { (i + len).max(0) } else { i.min(len) };
    let (start, stop) = (clamp(start), clamp(stop));
    start as usize..stop.max(start) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_slices_wrap_negative_starts() {
        assert_eq!(python_slice((-8, 32), 24), 16..24);
        assert_eq!(python_slice((-14, 26), 12), 0..12);
        assert_eq!(python_slice((0, 40), 40), 0..40);
        assert_eq!(python_slice((25, 75), 100), 25..75);
    }
}
