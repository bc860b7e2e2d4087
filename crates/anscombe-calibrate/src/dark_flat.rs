//! The dark-and-flat path, the X-ray and camera convention: dark frames give the offset and
//! the read noise, flat frames (one or several intensities) the gain, from means and temporal
//! variances (differences of consecutive frames cancel fixed-pattern noise).

use anscombe_core::Sample;

use crate::error::CalibrationError;
use crate::result::{Calibration, Method, PtcPoint, Warning};
use crate::stats::{median_and_spread, weighted_line};

/// Mean level and temporal variance of one stack of frames of a uniform exposure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StackStatistics {
    /// Mean level over pixels and frames.
    pub mean: f64,
    /// Temporal variance (half the mean squared difference of consecutive frames).
    pub variance: f64,
    /// Pixel pairs behind the variance.
    pub pairs: f64,
    /// Pixels left out (saturated, or variance far from the others': hot or dead pixels).
    pub pixels_left_out: usize,
}

/// Statistics of a stack of `frames * frame_len` samples: per pixel the mean and the pair
/// variance. Pixels that saturate at the type's top are left out, and so are hot and dead
/// pixels: those whose mean is more than 6 robust deviations from the median pixel's. (The
/// selection is by mean, which is mostly signal, not by variance: choosing pixels by their noisy
/// variance would bias the variance of the ones kept.)
///
/// # Errors
/// [`CalibrationError::TooFewFrames`] for fewer than two frames, and
/// [`CalibrationError::Insufficient`] when no pixel remains.
pub fn stack_statistics<T: Sample>(
    stack: &[T],
    frame_len: usize,
) -> Result<StackStatistics, CalibrationError> {
    if frame_len == 0 || stack.len() < 2 * frame_len {
        return Err(CalibrationError::TooFewFrames);
    }
    let frames = stack.len() / frame_len;
    let top = T::DATA_TYPE
        .integer_range()
        .map_or(f64::INFINITY, |(_, hi)| hi as f64);
    let mut means = vec![0.0; frame_len];
    let mut variances = vec![0.0; frame_len];
    let mut saturated = vec![false; frame_len];
    for t in 0..frames {
        let frame = &stack[t * frame_len..(t + 1) * frame_len];
        for p in 0..frame_len {
            let v = frame[p].to_f64();
            means[p] += v;
            saturated[p] |= v >= top;
            if t > 0 {
                let d = stack[(t - 1) * frame_len + p].to_f64() - v;
                variances[p] += d * d / 2.0;
            }
        }
    }
    let (centre, spread) = median_and_spread(&means);
    let keep: Vec<usize> = (0..frame_len)
        .filter(|&p| !saturated[p] && (spread == 0.0 || (means[p] - centre).abs() <= 6.0 * spread))
        .collect();
    if keep.is_empty() {
        return Err(CalibrationError::Insufficient(
            "every pixel of a dark or flat stack saturates or is an outlier".into(),
        ));
    }
    let pairs = (keep.len() * (frames - 1)) as f64;
    Ok(StackStatistics {
        mean: keep.iter().map(|&p| means[p]).sum::<f64>() / (keep.len() * frames) as f64,
        variance: keep.iter().map(|&p| variances[p]).sum::<f64>() / pairs,
        pairs,
        pixels_left_out: frame_len - keep.len(),
    })
}

/// Gain and zero level from the statistics of the darks and of one or more flat stacks:
/// a weighted line through the dark point and the flat points (`variance = gain * (mean -
/// offset) + read`). The zero level reported is the noise-equivalent one the codec needs,
/// `offset - read / gain`; the read noise is reported beside it.
///
/// # Errors
/// [`CalibrationError::Insufficient`] without a flat, and
/// [`CalibrationError::NotShotNoise`] when the flats are no brighter or no noisier than the darks.
pub fn calibrate_darks_flats(
    dark: &StackStatistics,
    flats: &[StackStatistics],
) -> Result<Calibration, CalibrationError> {
    if flats.is_empty() {
        return Err(CalibrationError::Insufficient(
            "the dark/flat path needs at least one stack of flat frames".into(),
        ));
    }
    let points: Vec<PtcPoint> = std::iter::once(dark)
        .chain(flats)
        .map(|s| PtcPoint {
            mean: s.mean,
            variance: s.variance,
            pairs: s.pairs,
            used: true,
        })
        .collect();
    let x: Vec<f64> = points.iter().map(|p| p.mean).collect();
    let y: Vec<f64> = points.iter().map(|p| p.variance).collect();
    // The variance of a variance estimate from n pairs of consecutive frames is about 3 v^2 / n.
    let weights: Vec<f64> = points
        .iter()
        .map(|p| p.pairs / (3.0 * p.variance.max(f64::MIN_POSITIVE).powi(2)))
        .collect();
    let line = weighted_line(&x, &y, &weights);
    let gain = line.slope;
    if gain.is_nan() || gain <= 0.0 || flats.iter().all(|f| f.mean <= dark.mean) {
        return Err(CalibrationError::NotShotNoise(format!(
            "the flats are not brighter and noisier than the darks (slope {gain:.4}): check that the \
             flats were exposed and the darks were not"
        )));
    }
    // With one flat the line goes through two points: its uncertainty comes from theirs.
    let (gain_se, dispersion) = if points.len() > 2 {
        (line.slope_se, line.dispersion)
    } else {
        let f = &flats[0];
        let var_f = 3.0 * f.variance.powi(2) / f.pairs;
        let var_d = 3.0 * dark.variance.powi(2) / dark.pairs;
        (((var_f + var_d).sqrt()) / (f.mean - dark.mean), 1.0)
    };
    let read = dark.variance;
    let zero = dark.mean - read / gain;
    // zero = offset - read / gain: the read variance over the gain carries the gain's error.
    let read_se = read * (3.0 / dark.pairs).sqrt();
    let offset_se = (read / dark.pairs).sqrt();
    let zero_se =
        (offset_se.powi(2) + (read_se / gain).powi(2) + (read / gain * gain_se / gain).powi(2))
            .sqrt();
    let photons = |m: f64| (m - zero) / gain;
    let mut warnings = Vec::new();
    let brightest = flats.iter().map(|f| photons(f.mean)).fold(0.0, f64::max);
    if brightest < 3.0 {
        warnings.push(Warning::FewPhotons {
            max_photons: brightest,
        });
    }
    Ok(Calibration {
        method: Method::DarksAndFlats,
        conversion_gain: gain,
        conversion_gain_se: gain_se,
        zero_level: zero,
        zero_level_se: zero_se,
        r_squared: if points.len() > 2 {
            line.r_squared
        } else {
            1.0
        },
        reduced_chi_squared: dispersion,
        nonlinearity: 0.0,
        levels_used: points.len(),
        pixels_used: 0,
        pixels_saturated: 0,
        pixels_rejected: dark.pixels_left_out
            + flats.iter().map(|f| f.pixels_left_out).sum::<usize>(),
        photon_range: (photons(dark.mean), brightest),
        read_noise: Some(read.sqrt()),
        warnings,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::SyntheticSpec;

    fn stack(gain: f64, photons: f64, seed: u64) -> (Vec<u16>, usize) {
        let spec = SyntheticSpec {
            frames: 20,
            drift: 0.0,
            shifts: 0,
            hot_fraction: 0.001,
            ..SyntheticSpec::new(gain, 200.0, photons, seed)
        };
        (spec.generate(), spec.height * spec.width)
    }

    #[test]
    fn gain_offset_and_read_noise_from_darks_and_flats() {
        let gain = 12.0;
        let (darks, n) = stack(gain, 0.0, 1);
        let dark = stack_statistics(&darks, n).expect("darks");
        let flats: Vec<StackStatistics> = [20.0, 80.0, 300.0]
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let (s, n) = stack(gain, p, 10 + i as u64);
                stack_statistics(&s, n).expect("flat")
            })
            .collect();
        let c = calibrate_darks_flats(&dark, &flats).expect("calibration");
        assert!((c.conversion_gain / gain - 1.0).abs() < 0.02, "{c}");
        let spec = SyntheticSpec::new(gain, 200.0, 0.0, 0);
        let truth = spec.noise_equivalent_zero(true);
        assert!(
            ((c.zero_level - truth) / gain).abs() < 0.2,
            "{} vs {truth}",
            c.zero_level
        );
        let read = spec.read_variance(true).sqrt();
        assert!((c.read_noise.expect("measured") / read - 1.0).abs() < 0.05);
        // One flat is enough for an answer.
        let single = calibrate_darks_flats(&dark, &flats[1..2]).expect("one flat");
        assert!(
            (single.conversion_gain / gain - 1.0).abs() < 0.03,
            "{single}"
        );
        assert!(calibrate_darks_flats(&dark, &[]).is_err());
    }
}
