//! Raster calibration: a gain and zero level per group of pixels, from each pixel's own mean
//! and variance over time (poisson-numcodecs' `RasterCalibratePhotons`, with a deterministic
//! fit in place of its random restarts).
//!
//! A raster-scanning microscope may route pixels through several detectors or amplifier
//! settings, each with its own conversion gain and zero level. Every pixel of a static scene
//! gives one point (its mean, its variance over time); each group's points lie on its own
//! line `variance = gain * (mean - zero level)`.
//!
//! 1. **Moments** ([`PixelMoments`]): per-pixel mean, variance and maximum, in one streaming
//!    pass; memory is a few numbers per pixel, not the movie. The mean is NumPy's
//!    `np.mean(movie, axis=0)` bit for bit, the variance `np.var(movie, axis=0)` to float
//!    rounding.
//! 2. **Filters**, as the reference: pixels whose maximum reaches `max_pixel_range` are left
//!    out (saturated), and so are pixels with a NaN or infinite sample (where the reference would
//!    fit nothing). Of the rest, a pixel is kept only if its variance and its mean both lie
//!    strictly between their `perc_min` and `perc_max` percentiles (NumPy's linear percentile),
//!    so even 0 and 100 drop the extremes.
//! 3. **Lines.** Each group's line is the exact least-squares line of variance on mean
//!    through its pixels: with one group, the reference's line (its Powell search
//!    approximates it, to about 3e-4 relative in gain).
//!
//!    With several groups, which pixel belongs to which line is decided by the classification
//!    likelihood of a model in which each pixel's variance scatters about its group's line as
//!    a variance estimate does: a sample variance is a scaled chi-square, that is a Gamma
//!    variable, with a standard deviation proportional to its mean. Pixel `i` on a line that
//!    predicts `mu` at its mean costs `shape * (v_i / mu + ln mu) - ln fraction`, the negative
//!    Gamma log-likelihood plus the log of the line's share of the pixels. The fit alternates:
//!    each line is refitted to its pixels by maximum likelihood (a Gamma regression with
//!    identity link, by least squares reweighted with `1 / mu^2`), the shape and shares are
//!    re-estimated, and every pixel moves to its cheapest line, until no pixel moves.
//!    The reference's criterion, the squared distance to the nearest line, sets the boundary
//!    between two lines halfway, where the noisier upper line's low draws fall; the pixels it
//!    misassigns bend the lines (on the fixture movie its gain-10 line comes out at 10.27). The
//!    shares keep a small group from taking the tail of a large one.
//!
//!    The alternation finds a local optimum, so it is started from several assignments and
//!    the best likelihood wins. Starts: every choice of `groups - 1` of the nine deciles of
//!    each pixel's variance relative to the single least-squares line (pixels above the
//!    common line start in steeper groups), at most 126 starts, tried on an even subsample of
//!    at most 8192 fitted pixels; the winner is then refined on every pixel. Nothing is
//!    random: the same input gives the same answer on every run and every thread count (the
//!    sums are taken in a fixed order). Lines are reported in increasing gain.
//! 4. **Uncertainties**: each line's standard errors of gain and zero level are those of its
//!    least-squares fit to its pixels, scaled by the residual dispersion; the zero level's by
//!    the delta method with the covariance of slope and intercept. They are conditional on the
//!    assignment: they do not include the uncertainty of which pixel belongs to which line.

mod lines;
mod moments;

use std::fmt;

use anscombe_io::{FrameSource, stream_frames};
use serde::{Serialize, Serializer};

use crate::error::CalibrationError;
use crate::source::SourceError;

pub use moments::{Level, PixelMoments, PixelStatistics};

/// Most pixel groups: every start of the fit is a choice of `groups - 1` of nine deciles.
pub const MAX_GROUPS: usize = 10;

/// Bytes of frames per batch read from a file (two batches are in memory at once).
const BATCH_BYTES: usize = 32 << 20;

/// Options of the raster calibration; the defaults are the reference's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RasterOptions {
    /// Pixels whose largest sample is at or above this level are left out as saturated
    /// (default 2^15).
    pub max_pixel_range: f64,
    /// Pixel groups, each with its own line (1 to [`MAX_GROUPS`]; default 1).
    pub groups: usize,
    /// Lower percentile of the variance and mean filters (default 3).
    pub perc_min: f64,
    /// Upper percentile of the variance and mean filters (default 90).
    pub perc_max: f64,
}

impl Default for RasterOptions {
    fn default() -> Self {
        RasterOptions {
            max_pixel_range: 32768.0,
            groups: 1,
            perc_min: 3.0,
            perc_max: 90.0,
        }
    }
}

/// One group's line: its gain and zero level with their standard errors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RasterLine {
    /// Levels per photon (the line's slope).
    pub conversion_gain: f64,
    /// Its standard error.
    pub conversion_gain_se: f64,
    /// Level at zero photons (where the line reaches zero variance).
    pub zero_level: f64,
    /// Its standard error.
    pub zero_level_se: f64,
    /// Pixels assigned to the line.
    pub pixels: usize,
}

/// The result: the lines, and which pixel follows which.
#[derive(Debug, Clone, PartialEq)]
pub struct RasterCalibration {
    /// The options used.
    pub options: RasterOptions,
    /// Frames the moments were taken over.
    pub frames: usize,
    /// Pixels of a frame.
    pub pixels: usize,
    /// Pixels left out as saturated, or with a NaN or infinite sample.
    pub pixels_saturated: usize,
    /// Pixels left out by the percentile filters.
    pub pixels_outliers: usize,
    /// The lines, in increasing gain.
    pub groups: Vec<RasterLine>,
    /// Flat indices of the fitted pixels, increasing.
    pub fitted: Vec<usize>,
    /// Mean of each fitted pixel.
    pub fitted_mean: Vec<f64>,
    /// Variance of each fitted pixel.
    pub fitted_variance: Vec<f64>,
    /// Line of each fitted pixel (an index into `groups`).
    pub assignment: Vec<u8>,
}

/// Group map value of a pixel that was not fitted.
pub const NOT_FITTED: i16 = -1;

impl RasterCalibration {
    /// Each pixel's group, [`NOT_FITTED`] (-1) where it was left out.
    pub fn group_map(&self) -> Vec<i16> {
        let mut map = vec![NOT_FITTED; self.pixels];
        for (&p, &g) in self.fitted.iter().zip(&self.assignment) {
            map[p] = i16::from(g);
        }
        map
    }

    /// Each pixel's conversion gain, NaN where it was left out.
    pub fn gain_map(&self) -> Vec<f64> {
        self.map(|line| line.conversion_gain)
    }

    /// Each pixel's zero level, NaN where it was left out.
    pub fn zero_level_map(&self) -> Vec<f64> {
        self.map(|line| line.zero_level)
    }

    fn map(&self, value: impl Fn(&RasterLine) -> f64) -> Vec<f64> {
        let mut map = vec![f64::NAN; self.pixels];
        for (&p, &g) in self.fitted.iter().zip(&self.assignment) {
            map[p] = value(&self.groups[usize::from(g)]);
        }
        map
    }

    /// The single line, when there is one group.
    pub fn single(&self) -> Option<&RasterLine> {
        match self.groups.as_slice() {
            [line] => Some(line),
            _ => None,
        }
    }
}

/// Filters the pixels and fits the lines.
///
/// # Errors
/// [`CalibrationError::Groups`] and [`CalibrationError::Percentiles`] for options out of range;
/// [`CalibrationError::Insufficient`] when too few pixels remain or they do not form the groups;
/// [`CalibrationError::NotShotNoise`] when a line's gain is not positive.
pub fn raster_calibrate(
    statistics: &PixelStatistics,
    options: &RasterOptions,
) -> Result<RasterCalibration, CalibrationError> {
    let (lo, hi) = (options.perc_min, options.perc_max);
    if !(0.0 <= lo && lo < hi && hi <= 100.0) {
        return Err(CalibrationError::Percentiles { min: lo, max: hi });
    }
    if options.groups == 0 || options.groups > MAX_GROUPS {
        return Err(CalibrationError::Groups(options.groups));
    }
    let PixelStatistics {
        mean,
        variance,
        max,
        ..
    } = statistics;
    let usable: Vec<usize> = (0..mean.len())
        .filter(|&p| {
            max[p] < options.max_pixel_range && mean[p].is_finite() && variance[p].is_finite()
        })
        .collect();
    if usable.is_empty() {
        return Err(CalibrationError::Insufficient(format!(
            "every pixel reaches {} or holds a NaN or infinite sample: nothing to fit",
            options.max_pixel_range
        )));
    }
    let pick = |values: &[f64]| usable.iter().map(|&p| values[p]).collect::<Vec<f64>>();
    let bounds = |values: &[f64]| {
        anscombe_numeric::quantiles(values, &[lo / 100.0, hi / 100.0])
            .map_or((f64::NAN, f64::NAN), |q| (q[0], q[1]))
    };
    let (v_lo, v_hi) = bounds(&pick(variance));
    let (m_lo, m_hi) = bounds(&pick(mean));
    let fitted: Vec<usize> = usable
        .iter()
        .copied()
        .filter(|&p| variance[p] > v_lo && variance[p] < v_hi && mean[p] > m_lo && mean[p] < m_hi)
        .collect();
    let fitted_mean = fitted.iter().map(|&p| mean[p]).collect::<Vec<f64>>();
    let fitted_variance = fitted.iter().map(|&p| variance[p]).collect::<Vec<f64>>();
    let lines = lines::fit_lines(&fitted_mean, &fitted_variance, options.groups)?;
    let mut groups = Vec::with_capacity(lines.lines.len());
    for (g, (line, &pixels)) in lines.lines.iter().zip(&lines.counts).enumerate() {
        if !(line.slope > 0.0 && line.slope.is_finite()) {
            return Err(CalibrationError::NotShotNoise(format!(
                "the variance of pixel group {g} does not rise with the mean (slope {}): these \
                 pixels are not shot-noise limited",
                line.slope
            )));
        }
        let (zero_level, zero_level_se) = line.zero_crossing();
        groups.push(RasterLine {
            conversion_gain: line.slope,
            conversion_gain_se: line.slope_se,
            zero_level,
            zero_level_se,
            pixels,
        });
    }
    Ok(RasterCalibration {
        options: *options,
        frames: statistics.frames,
        pixels: mean.len(),
        pixels_saturated: mean.len() - usable.len(),
        pixels_outliers: usable.len() - fitted.len(),
        groups,
        fitted,
        fitted_mean,
        fitted_variance,
        assignment: lines.assignment,
    })
}

/// The per-pixel moments of a movie read from a file, frame batch by frame batch;
/// `progress(frames_done, frames_total)` after each batch.
///
/// # Errors
/// [`SourceError`] when the movie cannot be read or has no frames.
pub fn moments_of_source(
    source: &mut dyn FrameSource,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<PixelStatistics, SourceError> {
    let frames = source.frames();
    let frame = source.frame_len();
    if frames == 0 || frame == 0 {
        return Err(CalibrationError::TooFewFrames.into());
    }
    let batch = (BATCH_BYTES / frame.saturating_mul(source.element().size()).max(1)).max(1);
    let mut moments = PixelMoments::new();
    stream_frames(source, batch, |first, samples| {
        anscombe_io::for_samples!(&samples, v => moments.push_frames(v, frame))?;
        progress(first + samples.len() / frame, frames);
        Ok::<(), SourceError>(())
    })?;
    Ok(moments.finish()?)
}

/// What the report and the JSON show of a calibration, borrowed.
#[derive(Serialize)]
struct Report<'a> {
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversion_gain: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversion_gain_se: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zero_level: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zero_level_se: Option<f64>,
    groups: &'a [RasterLine],
    frames: usize,
    pixels: usize,
    pixels_saturated: usize,
    pixels_outliers: usize,
    pixels_fitted: usize,
    max_pixel_range: f64,
    perc_min: f64,
    perc_max: f64,
}

/// As JSON: `method: "raster"`, the `groups` (each with `conversion_gain`, `zero_level`, their
/// standard errors and `pixels`), the pixel counts and options; the top-level
/// `conversion_gain` and `zero_level` only when there is one group.
impl Serialize for RasterCalibration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let single = self.single();
        Report {
            method: "raster",
            conversion_gain: single.map(|l| l.conversion_gain),
            conversion_gain_se: single.map(|l| l.conversion_gain_se),
            zero_level: single.map(|l| l.zero_level),
            zero_level_se: single.map(|l| l.zero_level_se),
            groups: &self.groups,
            frames: self.frames,
            pixels: self.pixels,
            pixels_saturated: self.pixels_saturated,
            pixels_outliers: self.pixels_outliers,
            pixels_fitted: self.fitted.len(),
            max_pixel_range: self.options.max_pixel_range,
            perc_min: self.options.perc_min,
            perc_max: self.options.perc_max,
        }
        .serialize(serializer)
    }
}

impl fmt::Display for RasterCalibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "raster calibration, {} group{}: {} of {} pixels fitted over {} frames ({} saturated, \
             {} outside the {}-{} % percentiles of variance or mean)",
            self.groups.len(),
            if self.groups.len() == 1 { "" } else { "s" },
            self.fitted.len(),
            self.pixels,
            self.frames,
            self.pixels_saturated,
            self.pixels_outliers,
            self.options.perc_min,
            self.options.perc_max,
        )?;
        for (g, line) in self.groups.iter().enumerate() {
            writeln!(
                f,
                "group {g}  conversion gain {:.4} ± {:.4} levels per photon, zero level {:.2} ± \
                 {:.2} levels, {} pixels",
                line.conversion_gain,
                line.conversion_gain_se,
                line.zero_level,
                line.zero_level_se,
                line.pixels
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{RasterSpec, SyntheticSpec};

    fn statistics(mean: Vec<f64>, variance: Vec<f64>) -> PixelStatistics {
        PixelStatistics {
            frames: 10,
            max: mean.clone(),
            mean,
            variance,
        }
    }

    #[test]
    fn filters_are_strict_and_drop_saturated_and_nan_pixels() {
        // Variance = 2 (mean - 10) on 20 pixels, plus one saturated and one NaN pixel.
        let mut mean: Vec<f64> = (0..20).map(|i| 20.0 + f64::from(i)).collect();
        let mut variance: Vec<f64> = mean.iter().map(|m| 2.0 * (m - 10.0)).collect();
        mean.extend([40_000.0, f64::NAN]);
        variance.extend([1.0, 5.0]);
        let options = RasterOptions {
            perc_min: 0.0,
            perc_max: 100.0,
            ..RasterOptions::default()
        };
        let c = raster_calibrate(&statistics(mean, variance), &options).expect("fit");
        assert_eq!(c.pixels_saturated, 2);
        // 0 and 100 % are the extremes, which the strict comparisons drop.
        assert_eq!(c.pixels_outliers, 2);
        assert_eq!(c.fitted, (1..19).collect::<Vec<_>>());
        let line = c.single().expect("one line");
        assert!((line.conversion_gain - 2.0).abs() < 1e-12);
        assert!((line.zero_level - 10.0).abs() < 1e-9);
        assert_eq!(line.pixels, 18);
        let map = c.group_map();
        assert_eq!(map[0], NOT_FITTED);
        assert_eq!(map[1], 0);
        assert!(c.gain_map()[0].is_nan());
        assert_eq!(c.zero_level_map()[5], line.zero_level);
        let json = serde_json::to_value(&c).expect("json");
        assert_eq!(json["method"], "raster");
        assert_eq!(
            json["conversion_gain"],
            json["groups"][0]["conversion_gain"]
        );
        assert_eq!(json["pixels_fitted"], 18);
    }

    #[test]
    fn refuses_bad_options() {
        let s = statistics(vec![1.0; 10], vec![1.0; 10]);
        for (lo, hi) in [
            (90.0, 3.0),
            (-1.0, 50.0),
            (5.0, 101.0),
            (f64::NAN, 50.0),
            (7.0, 7.0),
        ] {
            let options = RasterOptions {
                perc_min: lo,
                perc_max: hi,
                ..RasterOptions::default()
            };
            assert!(matches!(
                raster_calibrate(&s, &options),
                Err(CalibrationError::Percentiles { .. })
            ));
        }
        let options = RasterOptions {
            groups: 11,
            ..RasterOptions::default()
        };
        assert!(matches!(
            raster_calibrate(&s, &options),
            Err(CalibrationError::Groups(11))
        ));
    }

    #[test]
    fn synthetic_movie_gives_its_gain_and_zero_level() {
        let spec = SyntheticSpec {
            frames: 200,
            drift: 0.0,
            shifts: 0,
            hot_fraction: 0.0,
            ..SyntheticSpec::new(4.0, 100.0, 30.0, 3)
        };
        let movie: Vec<u16> = spec.generate();
        let mut moments = PixelMoments::new();
        moments
            .push_frames(&movie, spec.height * spec.width)
            .expect("frames");
        // Without the percentile filters: cutting the variance at its 90th percentile drops
        // the bright pixels' upward noise and flattens the line (the reference's bias, which
        // its own fixture shows: 2.44 for a true gain of 2.5).
        let options = RasterOptions {
            perc_min: 0.0,
            perc_max: 100.0,
            ..RasterOptions::default()
        };
        let c = raster_calibrate(&moments.finish().expect("moments"), &options).expect("fit");
        let line = c.single().expect("one line");
        assert!(
            (line.conversion_gain - 4.0).abs() < 4.0 * line.conversion_gain_se + 0.02,
            "{line:?}"
        );
        let zero = spec.noise_equivalent_zero(true);
        assert!(
            (line.zero_level - zero).abs() < 4.0 * line.zero_level_se + 0.5,
            "{line:?} against {zero}"
        );
        assert!(line.conversion_gain_se > 0.0 && line.zero_level_se > 0.0);
        let text = c.to_string();
        assert!(text.contains("group 0  conversion gain"), "{text}");
    }

    #[test]
    fn two_detectors_are_told_apart_the_same_way_on_any_thread_count() {
        let spec = RasterSpec {
            frames: 300,
            height: 40,
            width: 40,
            gains: vec![15.0, 10.0],
            zero_levels: vec![2.0, 1.0],
            rates: (1.0, 5.0),
            seed: 11,
        };
        let (movie, truth) = spec.generate::<i16>();
        let options = RasterOptions {
            groups: 2,
            perc_min: 0.0,
            perc_max: 100.0,
            ..RasterOptions::default()
        };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            pool.install(|| {
                let mut moments = PixelMoments::new();
                // Uneven batches: the result must not depend on them either.
                for part in movie.chunks(7 * 1600) {
                    moments.push_frames(part, 1600).expect("frames");
                }
                raster_calibrate(&moments.finish().expect("moments"), &options).expect("fit")
            })
        };
        let c = run(1);
        assert_eq!(c, run(3), "same answer on 1 and 3 threads");
        // Sorted by gain: group 0 is the gain-10 detector (truth group 1).
        let [low, high] = [c.groups[0], c.groups[1]];
        assert!((low.conversion_gain - 10.0).abs() < 0.3, "{low:?}");
        assert!((high.conversion_gain - 15.0).abs() < 0.4, "{high:?}");
        let agree = c
            .fitted
            .iter()
            .zip(&c.assignment)
            .filter(|&(&p, &g)| (g == 0) == (truth[p] == 1))
            .count();
        assert!(
            agree as f64 > 0.97 * c.fitted.len() as f64,
            "{agree} of {} pixels in their true group",
            c.fitted.len()
        );
    }
}
