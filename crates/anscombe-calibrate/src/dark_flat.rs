//! The dark-and-flat path, the X-ray and camera convention: dark frames give each pixel's
//! offset and the read noise, flat frames (one or several intensities) the gain, from means and
//! temporal variances (differences of consecutive frames cancel fixed-pattern noise).
//!
//! # Flicker
//!
//! A flat's illumination is rarely steady: an X-ray beam or an arc lamp changes from frame to
//! frame by a few per cent. Plain differences of consecutive flats keep that change, which is
//! not shot noise: with frame `t` lit at `s_t` times the mean, a pixel of `λ` photons gains
//! `g² λ² Var(s_t - s_{t-1}) / 2` of variance, a fraction `λ Var(s)` of its shot noise (75 % at
//! 300 photons and 5 % flicker). So each flat frame's illumination is measured and removed
//! before the variance is taken.
//!
//! Frame `t`'s light is `c_t`, the mean over the usable pixels of the frame less each pixel's
//! dark offset `o_p`; it is proportional to `s_t` (the flicker is one factor for the whole
//! frame, whatever the flat's pattern). With weights `w_t = c̄ / c_t`, which scale every frame
//! to the stack's mean light, each pixel's consecutive pair gives
//!
//! ```text
//! d = w_t (x_t - o) - w_{t-1} (x_{t-1} - o)
//! ```
//!
//! For `x_t = o + g N_t + e_t`, `N_t` Poisson of mean `s_t λ`, `e_t` read noise of variance
//! `σ²`, and `w_t s_t` the same for every frame: `E d = 0` (the flicker is gone) and
//!
//! ```text
//! Var d = w_t² (g μ_t + σ²) + w_{t-1}² (g μ_{t-1} + σ²),   μ_t = g s_t λ = E x_t - o.
//! ```
//!
//! Summed over pixels and pairs and divided by `Σ (w_t² + w_{t-1}²)` per pixel, this is
//! `V = g (M - ō) + σ²` with `M = ō + Σ (w_t² c_t + w_{t-1}² c_{t-1}) / Σ (w_t² + w_{t-1}²)`:
//! the photon-transfer line of the darks, unbiased for any flicker, so the flats' `(M, V)`
//! points go on one line with the dark point `(ō, σ²)` and its slope is the gain. Without
//! flicker the weights are 1 and `V` is half the mean squared difference, the usual estimate.
//!
//! The weights are measured, not known: `c_t` has a relative error of about
//! `sqrt((g c̄ + σ²) / n) / c̄` over `n` pixels. It enters `V` squared, and since it comes from
//! the same noise it is `1 / n` of `V` (0.01 % for 100 x 100 pixels). A frame whose light is not
//! measured to 10 % (too dim, or a shutter that missed) is refused rather than weighted.

use anscombe_core::Sample;
use anscombe_io::{FrameSource, Samples};

use crate::error::CalibrationError;
use crate::result::{Calibration, Method, PtcPoint, Warning};
use crate::source::{SourceError, TypedRun, stream_typed, with_sample_type};
use crate::stats::{median_and_spread, weighted_line};

/// Mean level and temporal variance of one stack of frames of a uniform exposure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StackStatistics {
    /// Mean level over the usable pixels and the frames (for flats, of the frames scaled to
    /// the stack's mean light).
    pub mean: f64,
    /// Temporal variance (half the mean squared difference of consecutive frames; for flats,
    /// of consecutive frames scaled to the stack's mean light).
    pub variance: f64,
    /// Pixel pairs behind the variance.
    pub pairs: f64,
    /// Pixels left out (saturated or clipped, or far from the others: hot or dead pixels).
    pub pixels_left_out: usize,
    /// Flats: the relative standard deviation of the frames' light about its mean, beyond what
    /// the frames' own noise gives (the flicker removed before the variance was taken). `None`
    /// for darks, which have no light.
    pub illumination_flicker: Option<f64>,
}

/// The dark frames: their statistics and each pixel's offset, which the flats are measured
/// from.
#[derive(Debug, Clone, PartialEq)]
pub struct Darks {
    /// Mean and read-noise variance.
    pub statistics: StackStatistics,
    /// Each pixel's mean dark level.
    offsets: Vec<f64>,
    /// Whether each pixel is usable (not saturated, clipped, hot or dead in the darks).
    usable: Vec<bool>,
}

impl Darks {
    /// Each pixel's mean dark level, frame after frame in C order.
    pub fn offsets(&self) -> &[f64] {
        &self.offsets
    }
}

/// Statistics of a stack of `frames * frame_len` samples, from plain differences of consecutive
/// frames: what darks need, and what flats with a steady illumination would (see
/// [`flat_statistics`] for flats). Pixels that ever reach the type's top or bottom are left out,
/// and so are hot and dead pixels: those whose mean is more than 6 robust deviations from the
/// median pixel's. (The selection is by mean, which is mostly signal, not by variance: choosing
/// pixels by their noisy variance would bias the variance of the ones kept.)
///
/// # Errors
/// [`CalibrationError::TooFewFrames`] for fewer than two frames, and
/// [`CalibrationError::Insufficient`] when no pixel remains.
pub fn stack_statistics<T: Sample>(
    stack: &[T],
    frame_len: usize,
) -> Result<StackStatistics, CalibrationError> {
    dark_statistics(stack, frame_len).map(|d| d.statistics)
}

/// The darks' statistics and per-pixel offsets, as [`stack_statistics`] measures them.
///
/// # Errors
/// As [`stack_statistics`].
pub fn dark_statistics<T: Sample>(
    stack: &[T],
    frame_len: usize,
) -> Result<Darks, CalibrationError> {
    let (statistics, offsets, usable) = measure_in_memory(stack, frame_len, None)?;
    Ok(Darks {
        statistics,
        offsets,
        usable,
    })
}

/// A flat stack's statistics, each frame scaled to the stack's mean light before the
/// variance is taken (the module's doc gives the algebra): flicker of the illumination from
/// frame to frame does not reach the variance. Pixels the darks found unusable are left out,
/// besides the flats' own saturated, clipped, hot and dead ones.
///
/// # Errors
/// [`CalibrationError::FrameSize`] when the flats' frames differ in size from the darks',
/// [`CalibrationError::NotShotNoise`] when a frame's light is not measured to 10 % (a frame no
/// brighter than the darks), and the errors of [`stack_statistics`].
pub fn flat_statistics<T: Sample>(
    stack: &[T],
    frame_len: usize,
    darks: &Darks,
) -> Result<StackStatistics, CalibrationError> {
    let (statistics, _, _) = measure_in_memory(stack, frame_len, Some(darks))?;
    Ok(statistics)
}

/// [`dark_statistics`] of a movie source, read in batches (three passes over the file, memory
/// of a few frames).
///
/// # Errors
/// [`SourceError`] for a movie that cannot be read or is of a type the codec does not handle,
/// and the errors of [`dark_statistics`].
pub fn dark_source(source: &mut dyn FrameSource) -> Result<Darks, SourceError> {
    with_sample_type(source, Stack { darks: None }).map(|(statistics, offsets, usable)| Darks {
        statistics,
        offsets,
        usable,
    })
}

/// [`flat_statistics`] of a movie source, read in batches (three passes over the file).
///
/// # Errors
/// As [`dark_source`] and [`flat_statistics`].
pub fn flat_source(
    source: &mut dyn FrameSource,
    darks: &Darks,
) -> Result<StackStatistics, SourceError> {
    with_sample_type(source, Stack { darks: Some(darks) }).map(|(statistics, _, _)| statistics)
}

/// [`measure`] of a stack in memory (at least two frames).
fn measure_in_memory<T: Sample>(
    stack: &[T],
    frame_len: usize,
    darks: Option<&Darks>,
) -> Result<(StackStatistics, Vec<f64>, Vec<bool>), CalibrationError> {
    if frame_len == 0 || stack.len() < 2 * frame_len {
        return Err(CalibrationError::TooFewFrames);
    }
    measure(frame_len, stack.len() / frame_len, darks, &mut |visit| {
        for (t, frame) in stack.chunks_exact(frame_len).enumerate() {
            visit(t, frame);
        }
        Ok(())
    })
}

/// A stack read from a source, in its own sample type.
struct Stack<'a> {
    darks: Option<&'a Darks>,
}

impl TypedRun for Stack<'_> {
    type Output = (StackStatistics, Vec<f64>, Vec<bool>);

    fn run<T: Sample>(
        self,
        source: &mut dyn FrameSource,
        typed: fn(Samples) -> Option<Vec<T>>,
    ) -> Result<Self::Output, SourceError> {
        let (frames, frame_len) = (source.frames(), source.frame_len());
        if frame_len == 0 || frames < 2 {
            return Err(CalibrationError::TooFewFrames.into());
        }
        measure(frame_len, frames, self.darks, &mut |visit| {
            stream_typed(source, typed, |first, values| {
                for (i, frame) in values.chunks_exact(frame_len).enumerate() {
                    visit(first + i, frame);
                }
                Ok(())
            })
        })
    }
}

/// Calls its argument with `(index, frame)` for every frame, in order.
type Visit<'a, T, E> = dyn FnMut(&mut dyn FnMut(usize, &[T])) -> Result<(), E> + 'a;

/// The statistics of a stack whose frames `frames_of` visits (three times), each pixel's mean
/// and whether it was used. With `darks`, the stack is a flat: measured from the darks'
/// offsets, each frame scaled to the stack's mean light.
fn measure<T: Sample, E: From<CalibrationError>>(
    frame_len: usize,
    frames: usize,
    darks: Option<&Darks>,
    frames_of: &mut Visit<'_, T, E>,
) -> Result<(StackStatistics, Vec<f64>, Vec<bool>), E> {
    if let Some(d) = darks
        && d.offsets.len() != frame_len
    {
        return Err(CalibrationError::FrameSize {
            expected: d.offsets.len(),
            found: frame_len,
        }
        .into());
    }
    // Pass 1: each pixel's mean, and whether it touches the type's limits.
    let (bottom, top) = T::DATA_TYPE
        .integer_range()
        .map_or((f64::NEG_INFINITY, f64::INFINITY), |(lo, hi)| {
            (lo as f64, hi as f64)
        });
    let mut means = vec![0.0; frame_len];
    let mut limited = vec![false; frame_len];
    frames_of(&mut |_, frame| {
        for ((m, l), v) in means.iter_mut().zip(&mut limited).zip(frame) {
            let v = v.to_f64();
            *m += v;
            *l |= v >= top || v <= bottom;
        }
    })?;
    for m in &mut means {
        *m /= frames as f64;
    }
    let (centre, spread) = median_and_spread(&means);
    let usable: Vec<bool> = (0..frame_len)
        .map(|p| {
            !limited[p]
                && (spread == 0.0 || (means[p] - centre).abs() <= 6.0 * spread)
                && darks.is_none_or(|d| d.usable[p])
        })
        .collect();
    let keep: Vec<usize> = (0..frame_len).filter(|&p| usable[p]).collect();
    if keep.is_empty() {
        return Err(CalibrationError::Insufficient(
            "every pixel of a dark or flat stack saturates, clips or is an outlier".into(),
        )
        .into());
    }
    let n = keep.len() as f64;
    let offset = |p: usize| darks.map_or(0.0, |d| d.offsets[p]);
    // Pass 2: each frame's light above the darks (for darks: its mean level).
    let mut light = vec![0.0; frames];
    frames_of(&mut |t, frame| {
        light[t] = keep
            .iter()
            .map(|&p| frame[p].to_f64() - offset(p))
            .sum::<f64>()
            / n;
    })?;
    let mean_light = light.iter().sum::<f64>() / frames as f64;
    let weights: Vec<f64> = match darks {
        Some(_) => light.iter().map(|&c| mean_light / c).collect(),
        None => vec![1.0; frames],
    };
    // Pass 3: the weighted differences of consecutive frames.
    let mut previous: Vec<f64> = Vec::new();
    let mut squares = 0.0;
    frames_of(&mut |t, frame| {
        let current: Vec<f64> = keep
            .iter()
            .map(|&p| weights[t] * (frame[p].to_f64() - offset(p)))
            .collect();
        if t > 0 {
            squares += current
                .iter()
                .zip(&previous)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>();
        }
        previous = current;
    })?;
    let (mut weight_sum, mut level_sum) = (0.0, 0.0);
    for t in 1..frames {
        let (a, b) = (weights[t].powi(2), weights[t - 1].powi(2));
        weight_sum += a + b;
        level_sum += a * light[t] + b * light[t - 1];
    }
    let variance = squares / (n * weight_sum);
    let base = keep.iter().map(|&p| offset(p)).sum::<f64>() / n;
    let illumination_flicker = match darks {
        Some(_) => Some(flicker(&light, mean_light, variance, n).map_err(E::from)?),
        None => None,
    };
    let statistics = StackStatistics {
        mean: base + level_sum / weight_sum,
        variance,
        pairs: n * (frames - 1) as f64,
        pixels_left_out: frame_len - keep.len(),
        illumination_flicker,
    };
    Ok((statistics, means, usable))
}

/// The flicker of a flat stack's light (per frame, above the darks): its relative standard
/// deviation beyond what the frames' noise gives (`variance` per pixel over `pixels`).
///
/// # Errors
/// [`CalibrationError::NotShotNoise`] when a frame's light is not measured to 10 %.
fn flicker(
    light: &[f64],
    mean_light: f64,
    variance: f64,
    pixels: f64,
) -> Result<f64, CalibrationError> {
    let light_se = (variance.max(0.0) / pixels).sqrt();
    if let Some((t, &c)) = light
        .iter()
        .enumerate()
        .find(|&(_, &c)| c.partial_cmp(&(10.0 * light_se)) != Some(std::cmp::Ordering::Greater))
    {
        return Err(CalibrationError::NotShotNoise(format!(
            "flat frame {t} is {c:.3} levels above the darks, which does not measure its light \
             to 10 % (± {light_se:.3}): check that every flat frame was exposed"
        )));
    }
    let relative = light
        .iter()
        .map(|&c| (c / mean_light - 1.0).powi(2))
        .sum::<f64>()
        / (light.len() as f64 - 1.0);
    Ok((relative - (light_se / mean_light).powi(2)).max(0.0).sqrt())
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
    let flicker = flats
        .iter()
        .filter_map(|f| f.illumination_flicker)
        .fold(None, |most: Option<f64>, f| {
            Some(most.map_or(f, |m| m.max(f)))
        });
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
        illumination_flicker: flicker,
        warnings,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::SyntheticSpec;

    fn spec(gain: f64, photons: f64, flicker: f64, seed: u64) -> SyntheticSpec {
        SyntheticSpec {
            frames: 20,
            drift: 0.0,
            shifts: 0,
            hot_fraction: 0.001,
            flicker,
            ..SyntheticSpec::new(gain, 200.0, photons, seed)
        }
    }

    fn stack(gain: f64, photons: f64, seed: u64) -> (Vec<u16>, usize) {
        let spec = spec(gain, photons, 0.0, seed);
        (spec.generate(), spec.height * spec.width)
    }

    #[test]
    fn gain_offset_and_read_noise_from_darks_and_flats() {
        let gain = 12.0;
        let (darks, n) = stack(gain, 0.0, 1);
        let dark = dark_statistics(&darks, n).expect("darks");
        assert_eq!(dark.statistics, stack_statistics(&darks, n).expect("same"));
        let flats: Vec<StackStatistics> = [20.0, 80.0, 300.0]
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let (s, n) = stack(gain, p, 10 + i as u64);
                flat_statistics(&s, n, &dark).expect("flat")
            })
            .collect();
        let c = calibrate_darks_flats(&dark.statistics, &flats).expect("calibration");
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
        // A steady source: the frames' light varies by its shot noise only.
        assert!(c.illumination_flicker.expect("flats") < 0.002, "{c}");
        // One flat is enough for an answer.
        let single = calibrate_darks_flats(&dark.statistics, &flats[1..2]).expect("one flat");
        assert!(
            (single.conversion_gain / gain - 1.0).abs() < 0.03,
            "{single}"
        );
        assert!(calibrate_darks_flats(&dark.statistics, &[]).is_err());
    }

    /// Flats whose illumination flickers by 5 % from frame to frame (independently per frame):
    /// scaling each frame to the stack's light gives the true gain within 1 %; plain
    /// differences of consecutive flats (the estimator before, and [`stack_statistics`] still)
    /// keep the flicker and miss by far more.
    #[test]
    fn flicker_of_the_flats_does_not_reach_the_gain() {
        let gain = 12.0;
        let generate = |photons: f64, flicker: f64, seed: u64| -> Vec<u16> {
            SyntheticSpec {
                frames: 40,
                ..spec(gain, photons, flicker, seed)
            }
            .generate()
        };
        let n = 96 * 96;
        let dark = dark_statistics(&generate(0.0, 0.05, 1), n).expect("darks");
        let intensities = [20.0, 80.0, 300.0];
        let stacks: Vec<Vec<u16>> = intensities
            .iter()
            .enumerate()
            .map(|(i, &p)| generate(p, 0.05, 30 + i as u64))
            .collect();
        let scaled: Vec<StackStatistics> = stacks
            .iter()
            .map(|s| flat_statistics(s, n, &dark).expect("flat"))
            .collect();
        let c = calibrate_darks_flats(&dark.statistics, &scaled).expect("calibration");
        let error = c.conversion_gain / gain - 1.0;
        assert!(error.abs() < 0.01, "gain error {error:+.4}: {c}");
        let flicker = c.illumination_flicker.expect("measured");
        assert!((0.03..0.08).contains(&flicker), "flicker {flicker}");
        // Each flat point lies on the true line: variance = gain * (mean - zero).
        let zero = spec(gain, 0.0, 0.0, 0).noise_equivalent_zero(true);
        for s in &scaled {
            let predicted = gain * (s.mean - zero);
            assert!((s.variance / predicted - 1.0).abs() < 0.02, "{s:?}");
        }
        // The old estimator, plain differences, on the same frames.
        let plain: Vec<StackStatistics> = stacks
            .iter()
            .map(|s| stack_statistics(s, n).expect("flat"))
            .collect();
        let old = calibrate_darks_flats(&dark.statistics, &plain).expect("calibration");
        let old_error = old.conversion_gain / gain - 1.0;
        assert!(old_error > 0.1, "plain differences: {old_error:+.4}");
    }

    #[test]
    fn flats_must_match_the_darks_and_every_frame_be_lit() {
        let gain = 12.0;
        let (darks, n) = stack(gain, 0.0, 1);
        let dark = dark_statistics(&darks, n).expect("darks");
        let (mut flat, _) = stack(gain, 50.0, 2);
        assert!(matches!(
            flat_statistics(&flat[..flat.len() / 2], n / 2, &dark),
            Err(CalibrationError::FrameSize { .. })
        ));
        // Frame 7 came out dark: the shutter missed.
        flat[7 * n..8 * n].copy_from_slice(&darks[7 * n..8 * n]);
        let refusal = flat_statistics(&flat, n, &dark).expect_err("a dark flat frame");
        assert!(refusal.to_string().contains("flat frame 7"), "{refusal}");
    }

    #[test]
    fn sources_give_what_slices_give() {
        let gain = 5.0;
        let (darks, n) = stack(gain, 0.0, 3);
        let (flats, _) = stack(gain, 40.0, 4);
        let source = |samples: Vec<u16>| {
            anscombe_io::InMemory::new(vec![samples.len() / n, 96, 96], Samples::U16(samples))
        };
        let dark = dark_statistics(&darks, n).expect("darks");
        let from_source = dark_source(&mut source(darks)).expect("darks");
        assert_eq!(from_source, dark);
        assert_eq!(
            flat_source(&mut source(flats.clone()), &dark).expect("flats"),
            flat_statistics(&flats, n, &dark).expect("flats")
        );
    }
}
