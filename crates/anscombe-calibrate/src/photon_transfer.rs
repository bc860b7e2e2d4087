//! The default estimator: a robust photon-transfer fit over pixels, streaming over frames.
//!
//! Two passes over the frames, memory proportional to one frame:
//!
//! 1. [`PairScreen`] looks at every pair of consecutive frames as a whole. A motion event or a
//!    jump in illumination inflates the squared differences of the whole pair; such pairs are
//!    set aside. It also finds saturation: the sample type's limits, and a pile-up of samples at
//!    the largest (or smallest) value seen, as a detector that clips below the type's range
//!    shows.
//! 2. [`PixelAccumulator`] sums, per pixel and over the accepted pairs, the pair means and half
//!    the squared pair differences. Differences of consecutive frames cancel the static scene
//!    and slow drift; what remains is noise, whose variance is `gain * (mean - zero) + read`.
//!
//! Pixels that ever saturate are left out. The others are sorted by mean level into bins of
//! equal size; within a bin, pixels whose variance is far from the bin's (hot pixels, pixels on
//! moving edges) are left out on a log scale; the bins' pooled variances are fitted with a line
//! by iteratively reweighted least squares (weights from the variance of a variance, and Huber
//! weights against remaining outliers). Slope: the gain. Intercept over slope: the
//! noise-equivalent zero level, `zero - read / gain`, which is the offset the codec needs (the
//! generalised Anscombe transform); darks separate the two (see [`crate::dark_flat`]).

use anscombe_core::Sample;

use crate::error::CalibrationError;
use crate::fit::{BinPoint, FitContext, Limit, fit_points};
use crate::result::{Calibration, PtcPoint};
use crate::stats::median_and_spread;

/// Options of the estimator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PtcOptions {
    /// Level at and above which a sample counts as saturated (besides the detected ones).
    pub saturation: Option<f64>,
    /// Fewest pixels in a bin.
    pub min_pixels_per_bin: usize,
    /// Most bins.
    pub max_bins: usize,
}

impl Default for PtcOptions {
    fn default() -> Self {
        PtcOptions {
            saturation: None,
            min_pixels_per_bin: 40,
            max_bins: 200,
        }
    }
}

/// Pass 1: screens pairs of frames and finds the extremes of the samples.
#[derive(Debug, Clone)]
pub struct PairScreen<T: Sample> {
    previous: Vec<T>,
    pair_variance: Vec<f64>,
    min: f64,
    max: f64,
    type_range: (f64, f64),
    started: bool,
}

/// What pass 1 decided, and what pass 2 checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Screening {
    /// Per pair of consecutive frames: used or set aside.
    pub accepted: Vec<bool>,
    /// Samples at or above this level may be saturated (the largest sample, or the level
    /// given); pass 2 decides.
    pub high: f64,
    /// Samples at or below this level may be clipped (the smallest sample); pass 2 decides.
    pub low: f64,
    /// The sample type's range, whose ends always count as limits.
    pub type_range: (f64, f64),
    /// True when the saturation level was given, not found.
    pub saturation_given: bool,
}

impl<T: Sample> Default for PairScreen<T> {
    fn default() -> Self {
        PairScreen {
            previous: Vec::new(),
            pair_variance: Vec::new(),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            type_range: (f64::NEG_INFINITY, f64::INFINITY),
            started: false,
        }
    }
}

impl<T: Sample> PairScreen<T> {
    /// An empty screen.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next frame.
    ///
    /// # Errors
    /// [`CalibrationError::FrameSize`] for a frame of another size than the first.
    pub fn push_frame(&mut self, frame: &[T]) -> Result<(), CalibrationError> {
        use rayon::prelude::*;
        if self.started && self.previous.len() != frame.len() {
            return Err(CalibrationError::FrameSize {
                expected: self.previous.len(),
                found: frame.len(),
            });
        }
        self.type_range = T::DATA_TYPE
            .integer_range()
            .map_or((f64::NEG_INFINITY, f64::INFINITY), |(lo, hi)| {
                (lo as f64, hi as f64)
            });
        // Extremes of this frame and its squared differences from the previous one.
        let previous = if self.started {
            Some(&self.previous)
        } else {
            None
        };
        let (lo, hi, sum) = frame
            .par_chunks(PIXEL_CHUNK)
            .enumerate()
            .map(|(k, chunk)| {
                let (mut lo, mut hi, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
                let before = previous.map(|p| &p[k * PIXEL_CHUNK..k * PIXEL_CHUNK + chunk.len()]);
                for (i, v) in chunk.iter().enumerate() {
                    let v = v.to_f64();
                    lo = lo.min(v);
                    hi = hi.max(v);
                    if let Some(before) = before {
                        let d = before[i].to_f64() - v;
                        sum += d * d;
                    }
                }
                (lo, hi, sum)
            })
            .reduce(
                || (f64::INFINITY, f64::NEG_INFINITY, 0.0),
                |a, b| (a.0.min(b.0), a.1.max(b.1), a.2 + b.2),
            );
        (self.min, self.max) = (self.min.min(lo), self.max.max(hi));
        if self.started {
            self.pair_variance
                .push(sum / (2.0 * frame.len().max(1) as f64));
        }
        self.previous.clear();
        self.previous.extend_from_slice(frame);
        self.started = true;
        Ok(())
    }

    /// Decides which pairs to use: those whose frame-wide variance is not far above the median
    /// pair's (more than 6 robust deviations and 20 %).
    ///
    /// # Errors
    /// [`CalibrationError::TooFewFrames`] without a pair of frames.
    pub fn finish(&self, options: &PtcOptions) -> Result<Screening, CalibrationError> {
        if self.pair_variance.is_empty() {
            return Err(CalibrationError::TooFewFrames);
        }
        let (typical, spread) = median_and_spread(&self.pair_variance);
        let limit = typical + (6.0 * spread).max(0.2 * typical);
        Ok(Screening {
            accepted: self.pair_variance.iter().map(|&v| v <= limit).collect(),
            high: options.saturation.map_or(self.max, |s| s.min(self.max)),
            low: self.min,
            type_range: self.type_range,
            saturation_given: options.saturation.is_some(),
        })
    }
}

/// Per-pixel sums over the accepted pairs of one half of the movie (every pixel has the same
/// pairs, so one count serves them all).
#[derive(Debug, Clone, Default)]
struct HalfSums {
    pairs: u32,
    sum_mean: Vec<f64>,
    sum_square: Vec<f64>,
    /// Pairs with a sample at or above the screening's high level.
    saturated: Vec<u32>,
    /// Pairs with a sample at or below its low level.
    clipped: Vec<u32>,
}

impl HalfSums {
    fn new(n: usize) -> Self {
        HalfSums {
            pairs: 0,
            sum_mean: vec![0.0; n],
            sum_square: vec![0.0; n],
            saturated: vec![0; n],
            clipped: vec![0; n],
        }
    }
}

/// Samples on the extremes and on the values next to them, to tell a pile-up (a clipped tail)
/// from the thin end of a tail.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct ExtremeCounts {
    at_high: u64,
    below_high: u64,
    at_low: u64,
    above_low: u64,
}

impl std::ops::Add for ExtremeCounts {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        ExtremeCounts {
            at_high: self.at_high + o.at_high,
            below_high: self.below_high + o.below_high,
            at_low: self.at_low + o.at_low,
            above_low: self.above_low + o.above_low,
        }
    }
}

/// Pass 2: per-pixel sums over the accepted pairs, kept separately for the two halves of the
/// movie (the pair in the middle, which shares a frame with each half, is left out).
///
/// Cross-fitting: pixels are binned by their mean in one half and measured in the other, so a
/// bin's selection is independent of the noise it measures. Binning and measuring on the same
/// samples would sort pixels partly by their noise, and at low photon counts, where that noise
/// is as large as the differences between pixels, flatten the curve (regression dilution).
#[derive(Debug, Clone)]
pub struct PixelAccumulator<T: Sample> {
    screening: Screening,
    previous: Vec<T>,
    frames: usize,
    halves: [HalfSums; 2],
    extremes: ExtremeCounts,
}

/// Samples on or next to the extremes in one chunk of a frame.
fn count_extremes<T: Sample>(values: &[T], high: f64, low: f64) -> ExtremeCounts {
    let mut counts = ExtremeCounts::default();
    for v in values {
        let v = v.to_f64();
        counts.at_high += u64::from(v >= high);
        counts.below_high += u64::from(v == high - 1.0);
        counts.at_low += u64::from(v <= low);
        counts.above_low += u64::from(v == low + 1.0);
    }
    counts
}

/// Pixels per parallel task.
const PIXEL_CHUNK: usize = 16_384;

impl<T: Sample> PixelAccumulator<T> {
    /// Starts pass 2 with pass 1's decisions.
    pub fn new(screening: Screening) -> Self {
        PixelAccumulator {
            screening,
            previous: Vec::new(),
            frames: 0,
            halves: [HalfSums::default(), HalfSums::default()],
            extremes: ExtremeCounts::default(),
        }
    }

    /// Adds the next frame (the same frames, in the same order, as pass 1).
    ///
    /// # Errors
    /// [`CalibrationError::FrameSize`] for a frame of another size than the first.
    pub fn push_frame(&mut self, frame: &[T]) -> Result<(), CalibrationError> {
        use rayon::prelude::*;
        if self.frames == 0 {
            self.halves = [HalfSums::new(frame.len()), HalfSums::new(frame.len())];
        }
        if frame.len() != self.halves[0].sum_mean.len() {
            return Err(CalibrationError::FrameSize {
                expected: self.halves[0].sum_mean.len(),
                found: frame.len(),
            });
        }
        let (high, low) = (self.screening.high, self.screening.low);
        let pair = self.frames.wrapping_sub(1);
        let middle = self.screening.accepted.len() / 2;
        let accumulate = self.frames > 0
            && pair != middle
            && self.screening.accepted.get(pair).copied().unwrap_or(false);
        let previous = &self.previous;
        let half = &mut self.halves[usize::from(pair > middle && self.frames > 0)];
        let counts = (
            frame.par_chunks(PIXEL_CHUNK),
            half.sum_mean.par_chunks_mut(PIXEL_CHUNK),
            half.sum_square.par_chunks_mut(PIXEL_CHUNK),
            half.saturated.par_chunks_mut(PIXEL_CHUNK),
            half.clipped.par_chunks_mut(PIXEL_CHUNK),
        )
            .into_par_iter()
            .enumerate()
            .map(|(k, (now, sum_mean, sum_square, saturated, clipped))| {
                let counts = count_extremes(now, high, low);
                if accumulate {
                    let before = &previous[k * PIXEL_CHUNK..k * PIXEL_CHUNK + now.len()];
                    for p in 0..now.len() {
                        let (a, b) = (before[p].to_f64(), now[p].to_f64());
                        sum_mean[p] += 0.5 * (a + b);
                        sum_square[p] += (a - b) * (a - b) / 2.0;
                        saturated[p] += u32::from(a >= high || b >= high);
                        clipped[p] += u32::from(a <= low || b <= low);
                    }
                }
                counts
            })
            .reduce(ExtremeCounts::default, |a, b| a + b);
        self.extremes = self.extremes + counts;
        if accumulate {
            half.pairs += 1;
        }
        self.previous.clear();
        self.previous.extend_from_slice(frame);
        self.frames += 1;
        Ok(())
    }

    /// Which limits are real: the type's ends, a given saturation level, or a pile-up of
    /// samples on an extreme (more than on the value next to it, and at least 10; integer
    /// samples: a thinning tail ends with fewer; float samples: repeated extremes at all).
    fn active_limits(&self) -> (bool, bool) {
        let s = &self.screening;
        let integer = s.type_range.0.is_finite();
        let piled = |at: u64, next: u64| at >= 10 && (!integer || at > next);
        let high = s.saturation_given
            || s.high >= s.type_range.1
            || piled(self.extremes.at_high, self.extremes.below_high);
        let low = s.low <= s.type_range.0 || piled(self.extremes.at_low, self.extremes.above_low);
        (high, low)
    }

    /// Bins the pixels (by one half's mean, measured in the other half, both ways) and fits the
    /// photon-transfer line.
    ///
    /// # Errors
    /// [`CalibrationError`] when too few pixels or frames remain, or the variance does not rise
    /// with the mean.
    pub fn finish(&self, options: &PtcOptions) -> Result<Calibration, CalibrationError> {
        let total = self.halves[0].sum_mean.len();
        let (high_active, low_active) = self.active_limits();
        let touches = |h: &HalfSums, p: usize| {
            (high_active && h.saturated[p] > 0) || (low_active && h.clipped[p] > 0)
        };
        let saturated = (0..total)
            .filter(|&p| self.halves.iter().any(|h| touches(h, p)))
            .count();
        let pairs_rejected = self.screening.accepted.iter().filter(|&&a| !a).count();
        // Round 1 pools every pixel; round 2 leaves out the pixels whose variance is far from the
        // first fit's prediction at their own mean.
        let first = self.bin_points(options, None)?;
        let context = FitContext {
            pixels_total: total,
            saturated,
            rejected_pixels: 0,
            pairs_rejected,
            pairs: self.screening.accepted.len(),
            limits: (self.screening.low, self.screening.high),
        };
        let preliminary = fit_points(first.0, &context)?;
        let model = |mean: f64| preliminary.conversion_gain * (mean - preliminary.zero_level);
        let (points, rejected_pixels) = self.bin_points(options, Some(&model))?;
        fit_points(
            points,
            &FitContext {
                rejected_pixels,
                ..context
            },
        )
    }

    /// Bins pixels by one half's mean and pools their sums from the other half, both ways. With a
    /// `model` of variance against mean, a pixel whose variance in a half is not within a factor
    /// 4 of the model at its own mean in that half is left out: a hot pixel (bright, with no shot
    /// noise) or a pixel on a moving edge. A pixel's photon events raise its mean and variance
    /// together, so dim pixels with a few events are kept.
    fn bin_points(
        &self,
        options: &PtcOptions,
        model: Option<&dyn Fn(f64) -> f64>,
    ) -> Result<(Vec<BinPoint>, usize), CalibrationError> {
        let total = self.halves[0].sum_mean.len();
        let (high_active, low_active) = self.active_limits();
        let mut points = Vec::new();
        let mut rejected_pixels = std::collections::BTreeSet::new();
        for (select, measure) in [(0, 1), (1, 0)] {
            let (by, from) = (&self.halves[select], &self.halves[measure]);
            let mut pixels: Vec<(f64, Pixel)> = Vec::with_capacity(total);
            for p in 0..total {
                if by.pairs < 1 || from.pairs < 2 {
                    continue;
                }
                let pixel = Pixel {
                    pairs: f64::from(from.pairs),
                    sum_mean: from.sum_mean[p],
                    sum_square: from.sum_square[p],
                    saturated: if high_active {
                        f64::from(from.saturated[p])
                    } else {
                        0.0
                    },
                    clipped: if low_active {
                        f64::from(from.clipped[p])
                    } else {
                        0.0
                    },
                };
                if let Some(model) = model {
                    let expected = model(pixel.mean());
                    let ratio = pixel.variance() / expected;
                    if expected > 0.0 && !(0.25..=4.0).contains(&ratio) {
                        rejected_pixels.insert(p);
                        continue;
                    }
                }
                pixels.push((by.sum_mean[p] / f64::from(by.pairs), pixel));
            }
            if pixels.len() < 3 * options.min_pixels_per_bin {
                return Err(CalibrationError::Insufficient(format!(
                    "only {} of {total} pixels have pairs of frames in both halves of the movie: a \
                     photon-transfer fit needs at least {} pixels and 5 frames",
                    pixels.len(),
                    3 * options.min_pixels_per_bin
                )));
            }
            pixels.sort_by(|a, b| a.0.total_cmp(&b.0));
            let bins = (pixels.len() / options.min_pixels_per_bin).clamp(3, options.max_bins / 2);
            for k in 0..bins {
                let members = &pixels[k * pixels.len() / bins..(k + 1) * pixels.len() / bins];
                let selection = members.iter().map(|m| m.0).sum::<f64>() / members.len() as f64;
                points.push(BinPoint {
                    selection,
                    ..pool_bin(members.iter().map(|m| &m.1))
                });
            }
        }
        Ok((points, rejected_pixels.len()))
    }
}

/// One pixel's sums over one half.
#[derive(Debug, Clone, Copy)]
struct Pixel {
    pairs: f64,
    sum_mean: f64,
    sum_square: f64,
    saturated: f64,
    clipped: f64,
}

impl Pixel {
    fn mean(&self) -> f64 {
        self.sum_mean / self.pairs
    }

    fn variance(&self) -> f64 {
        self.sum_square / self.pairs
    }
}

/// A bin's pooled mean and variance. A bin where more than 0.1 % of the pairs hold a saturated
/// or clipped sample is marked unusable: whole bins go, not single pixels, because dropping the
/// pixels whose noise touched a limit would select pixels by their noise (clipping 0.1 % of a
/// Gaussian's tail lowers its variance by 0.2 %).
fn pool_bin<'a>(members: impl Iterator<Item = &'a Pixel>) -> BinPoint {
    let (mut pairs, mut sum_mean, mut sum_square, mut saturated, mut clipped) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    for p in members {
        pairs += p.pairs;
        sum_mean += p.sum_mean;
        sum_square += p.sum_square;
        saturated += p.saturated;
        clipped += p.clipped;
    }
    let limit = match (saturated > 1e-3 * pairs, clipped > 1e-3 * pairs) {
        (_, true) => Some(Limit::Clipped),
        (true, false) => Some(Limit::Saturated),
        (false, false) => None,
    };
    BinPoint {
        point: PtcPoint {
            mean: sum_mean / pairs,
            variance: sum_square / pairs,
            pairs,
            used: limit.is_none(),
        },
        selection: 0.0,
        limit,
    }
}

/// Runs both passes over an in-memory movie of `frames * frame_len` samples.
///
/// # Errors
/// As [`PixelAccumulator::finish`].
pub fn calibrate_movie<T: Sample>(
    movie: &[T],
    frame_len: usize,
    options: &PtcOptions,
) -> Result<Calibration, CalibrationError> {
    if frame_len == 0 || movie.len() < 2 * frame_len {
        return Err(CalibrationError::TooFewFrames);
    }
    let mut screen = PairScreen::<T>::new();
    for frame in movie.chunks_exact(frame_len) {
        screen.push_frame(frame)?;
    }
    let mut accumulator = PixelAccumulator::<T>::new(screen.finish(options)?);
    for frame in movie.chunks_exact(frame_len) {
        accumulator.push_frame(frame)?;
    }
    accumulator.finish(options)
}
