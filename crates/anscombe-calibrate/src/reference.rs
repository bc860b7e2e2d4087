//! The Python reference's estimator, `compute_conversion_gain` of `anscombe-transform` 1.0.0,
//! step for step, streaming over frames.
//!
//! For every pair of consecutive frames and every pixel: levels clipped below at 0 and truncated
//! to integers, the pair's intensity `(a + b + 1) // 2` and half its squared difference. Per
//! intensity: the count and the mean of those halves (the variance). Intensities kept: the
//! longest run with more than 1 % of the mean count, less its first 3 % (of the run's end); at
//! least 101 of them. Then a Huber regression of variance on intensity with weights
//! `count^gamma`: the slope is the gain, `-intercept / slope` the zero level.

use anscombe_core::Sample;

use crate::error::CalibrationError;
use crate::huber::{HuberFit, HuberOptions, huber_fit};

/// Highest intensity the reference mode tabulates (its tables are indexed by intensity).
const MAX_INTENSITY: i64 = 1 << 22;

/// What the reference computes.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceResult {
    /// Levels per photon (the Huber slope).
    pub conversion_gain: f64,
    /// Level at zero photons (`-intercept / slope`).
    pub zero_level: f64,
    /// First intensity used.
    pub min_intensity: usize,
    /// One past the last intensity used.
    pub max_intensity: usize,
    /// Pixel pairs per intensity used.
    pub counts: Vec<u64>,
    /// Variance per intensity used.
    pub variance: Vec<f64>,
    /// The regression.
    pub huber: HuberFit,
}

impl ReferenceResult {
    /// The result as a [`Calibration`] report: one point per intensity level, the Huber
    /// regression's outliers marked unused.
    pub fn to_calibration(&self) -> crate::result::Calibration {
        use crate::result::{Calibration, Method, PtcPoint};
        let points: Vec<PtcPoint> = (self.min_intensity..self.max_intensity)
            .zip(&self.counts)
            .zip(&self.variance)
            .zip(&self.huber.outliers)
            .map(|(((level, &count), &variance), &outlier)| PtcPoint {
                mean: level as f64,
                variance,
                pairs: count as f64,
                used: !outlier,
            })
            .collect();
        let gain = self.conversion_gain;
        Calibration {
            method: Method::Reference,
            conversion_gain: gain,
            conversion_gain_se: f64::NAN,
            zero_level: self.zero_level,
            zero_level_se: f64::NAN,
            r_squared: f64::NAN,
            reduced_chi_squared: f64::NAN,
            nonlinearity: f64::NAN,
            levels_used: points.iter().filter(|p| p.used).count(),
            pixels_used: 0,
            pixels_saturated: 0,
            pixels_rejected: 0,
            photon_range: (
                (self.min_intensity as f64 - self.zero_level) / gain,
                (self.max_intensity as f64 - self.zero_level) / gain,
            ),
            read_noise: None,
            warnings: Vec::new(),
            points,
        }
    }
}

/// The reference estimator's statistics of a set of frame pairs: per intensity level, the pixel
/// pairs and the sum of half their squared differences.
///
/// They are sums, so the statistics of any split of a movie's frame pairs (blocks of frames on
/// several machines, with the pairs that straddle two blocks counted once) [`merge`] into those
/// of the whole movie, and [`finish`] gives the same answer as the whole movie at once. The
/// merge is exact: every term is a half-integer, and the sums stay far below 2^52.
///
/// [`merge`]: ReferenceStatistics::merge
/// [`finish`]: ReferenceStatistics::finish
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferenceStatistics {
    /// Pixel pairs per intensity level (index = level).
    pub counts: Vec<u64>,
    /// Sum of half the squared pair differences per intensity level.
    pub sums: Vec<f64>,
}

/// A sample as the reference sees it: `np.maximum(0, movie.astype(np.int32))`.
fn reference_level<T: Sample>(value: T) -> i64 {
    i64::from((value.to_f64() as i32).max(0))
}

impl ReferenceStatistics {
    /// No pairs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the pairs of two consecutive frames, pixel by pixel.
    ///
    /// # Errors
    /// [`CalibrationError::FrameSize`] when the frames differ in size, and
    /// [`CalibrationError::ReferenceRange`] for levels beyond what the reference tabulates.
    pub fn add_pair<T: Sample>(
        &mut self,
        first: &[T],
        second: &[T],
    ) -> Result<(), CalibrationError> {
        if first.len() != second.len() {
            return Err(CalibrationError::FrameSize {
                expected: first.len(),
                found: second.len(),
            });
        }
        for (&a, &b) in first.iter().zip(second) {
            self.add_levels(reference_level(a), reference_level(b))?;
        }
        Ok(())
    }

    fn add_levels(&mut self, a: i64, b: i64) -> Result<(), CalibrationError> {
        let intensity = (a + b + 1) / 2;
        if intensity <= 0 {
            return Ok(());
        }
        if intensity > MAX_INTENSITY {
            return Err(CalibrationError::ReferenceRange(intensity));
        }
        let index = intensity as usize;
        if index >= self.counts.len() {
            self.counts.resize(index + 1, 0);
            self.sums.resize(index + 1, 0.0);
        }
        let difference = (a - b) as f64;
        self.counts[index] += 1;
        self.sums[index] += difference * difference / 2.0;
        Ok(())
    }

    /// The statistics of a block of consecutive frames (`frames.len()` a multiple of
    /// `frame_len`): the pairs inside the block, and the pair of `previous` (the frame just
    /// before the block, when the block is not the movie's first) with the block's first frame.
    ///
    /// # Errors
    /// [`CalibrationError::FrameSize`] when `frames` is not whole frames of `frame_len` or
    /// `previous` is of another size, and [`CalibrationError::ReferenceRange`] as
    /// [`ReferenceStatistics::add_pair`].
    pub fn of_block<T: Sample>(
        previous: Option<&[T]>,
        frames: &[T],
        frame_len: usize,
    ) -> Result<Self, CalibrationError> {
        if frame_len == 0 || !frames.len().is_multiple_of(frame_len) {
            return Err(CalibrationError::FrameSize {
                expected: frame_len,
                found: frames.len(),
            });
        }
        let mut statistics = Self::new();
        let mut earlier = previous;
        for frame in frames.chunks_exact(frame_len) {
            if let Some(earlier) = earlier {
                statistics.add_pair(earlier, frame)?;
            }
            earlier = Some(frame);
        }
        Ok(statistics)
    }

    /// Adds another set of pairs' statistics to these.
    pub fn merge(&mut self, other: &Self) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
            self.sums.resize(other.sums.len(), 0.0);
        }
        for (i, (&count, &sum)) in other.counts.iter().zip(&other.sums).enumerate() {
            self.counts[i] += count;
            self.sums[i] += sum;
        }
    }

    /// Selects the intensities and fits, with count weights `counts^gamma` (0.2 in the reference).
    ///
    /// # Errors
    /// [`CalibrationError::TooFewFrames`] without a pair of frames, and
    /// [`CalibrationError::ReferenceNarrowRange`] when 100 intensities or fewer qualify (the
    /// reference's assertion).
    pub fn finish(&self, gamma: f64) -> Result<ReferenceResult, CalibrationError> {
        if self.counts.is_empty() {
            return Err(CalibrationError::TooFewFrames);
        }
        let mean = self.counts.iter().map(|&c| c as f64).sum::<f64>() / self.counts.len() as f64;
        let (start, stop) = longest_run(&self.counts, |c| c as f64 > 0.01 * mean);
        let start = (stop * 3 / 100).max(start);
        if stop - start <= 100 {
            return Err(CalibrationError::ReferenceNarrowRange { start, stop });
        }
        let counts = self.counts[start..stop].to_vec();
        let variance: Vec<f64> = counts
            .iter()
            .zip(&self.sums[start..stop])
            .map(|(&c, &s)| s / c as f64)
            .collect();
        let x: Vec<f64> = (start..stop).map(|i| i as f64).collect();
        let weights: Vec<f64> = counts.iter().map(|&c| (c as f64).powf(gamma)).collect();
        let huber = huber_fit(&x, &variance, &weights, HuberOptions::default());
        Ok(ReferenceResult {
            conversion_gain: huber.coef,
            zero_level: -huber.intercept / huber.coef,
            min_intensity: start,
            max_intensity: stop,
            counts,
            variance,
            huber,
        })
    }
}

/// Accumulates frame pairs for the reference estimator, frame by frame.
#[derive(Debug, Clone, Default)]
pub struct ReferenceEstimator {
    statistics: ReferenceStatistics,
    previous: Option<Vec<i64>>,
}

impl ReferenceEstimator {
    /// An empty estimator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next frame (all frames the same size).
    ///
    /// # Errors
    /// [`CalibrationError::FrameSize`] when the frame differs in size from the first, and
    /// [`CalibrationError::ReferenceRange`] for levels beyond what the reference tabulates.
    pub fn push_frame<T: Sample>(&mut self, frame: &[T]) -> Result<(), CalibrationError> {
        let current: Vec<i64> = frame.iter().map(|&v| reference_level(v)).collect();
        if let Some(previous) = &self.previous {
            if previous.len() != current.len() {
                return Err(CalibrationError::FrameSize {
                    expected: previous.len(),
                    found: current.len(),
                });
            }
            for (&a, &b) in previous.iter().zip(&current) {
                self.statistics.add_levels(a, b)?;
            }
        }
        self.previous = Some(current);
        Ok(())
    }

    /// The statistics of the pairs pushed so far.
    pub fn statistics(&self) -> &ReferenceStatistics {
        &self.statistics
    }

    /// Selects the intensities and fits, as [`ReferenceStatistics::finish`].
    ///
    /// # Errors
    /// As [`ReferenceStatistics::finish`].
    pub fn finish(&self, gamma: f64) -> Result<ReferenceResult, CalibrationError> {
        self.statistics.finish(gamma)
    }
}

/// The first longest run of consecutive entries satisfying `keep`, as `(start, stop)`.
fn longest_run(values: &[u64], keep: impl Fn(u64) -> bool) -> (usize, usize) {
    let (mut best, mut current) = ((0, 0), None::<usize>);
    for (i, &v) in values.iter().chain(std::iter::once(&0)).enumerate() {
        let inside = i < values.len() && keep(v);
        match (inside, current) {
            (true, None) => current = Some(i),
            (false, Some(from)) => {
                if i - from > best.1 - best.0 {
                    best = (from, i);
                }
                current = None;
            }
            _ => {}
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_run_takes_the_first_of_equal_runs() {
        let v = [0, 5, 5, 0, 5, 5, 0, 5];
        assert_eq!(longest_run(&v, |c| c > 1), (1, 3));
        assert_eq!(longest_run(&[5, 5, 5], |c| c > 1), (0, 3));
        assert_eq!(longest_run(&[0, 0], |c| c > 1), (0, 0));
    }

    #[test]
    fn pairs_are_counted_by_rounded_intensity() {
        let mut e = ReferenceEstimator::new();
        e.push_frame(&[10i16, 3, -4]).expect("first");
        e.push_frame(&[13i16, 3, 0]).expect("second");
        // intensities: (10 + 13 + 1) / 2 = 12, 3, and (0 + 0 + 1) / 2 = 0 (dropped)
        let s = e.statistics();
        assert_eq!(s.counts[12], 1);
        assert_eq!(s.sums[12], 4.5);
        assert_eq!(s.counts[3], 1);
        assert_eq!(s.counts[0], 0);
        assert!(matches!(
            e.push_frame(&[1i16, 2]),
            Err(CalibrationError::FrameSize { .. })
        ));
    }

    #[test]
    fn blocks_merge_into_the_whole_movie() {
        // 7 frames of 5 pixels, split into blocks of 3, 1 and 3 frames.
        let movie: Vec<u16> = (0..35u16).map(|i| (i * 37 + i * i) % 400).collect();
        let mut whole = ReferenceEstimator::new();
        for frame in movie.chunks(5) {
            whole.push_frame(frame).expect("frame");
        }
        let mut merged = ReferenceStatistics::new();
        let mut previous: Option<&[u16]> = None;
        for block in [&movie[0..15], &movie[15..20], &movie[20..35]] {
            merged.merge(&ReferenceStatistics::of_block(previous, block, 5).expect("block"));
            previous = Some(&block[block.len() - 5..]);
        }
        assert_eq!(&merged, whole.statistics());
        assert!(matches!(
            ReferenceStatistics::of_block(None, &movie[0..7], 5),
            Err(CalibrationError::FrameSize { .. })
        ));
    }

    proptest::proptest! {
        /// Any split of a movie into blocks merges into the statistics of the whole.
        #[test]
        fn any_split_merges_exactly(
            movie in proptest::collection::vec(-50i32..3000, 4..120),
            cuts in proptest::collection::vec(0usize..40, 0..5),
        ) {
            let frame_len = 4;
            let frames = movie.len() / frame_len;
            let movie = &movie[..frames * frame_len];
            let mut whole = ReferenceEstimator::new();
            for frame in movie.chunks(frame_len) {
                whole.push_frame(frame).expect("frame");
            }
            let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (frames + 1)).collect();
            bounds.extend([0, frames]);
            bounds.sort_unstable();
            bounds.dedup();
            let mut merged = ReferenceStatistics::new();
            for pair in bounds.windows(2) {
                let previous = (pair[0] > 0)
                    .then(|| &movie[(pair[0] - 1) * frame_len..pair[0] * frame_len]);
                let block = &movie[pair[0] * frame_len..pair[1] * frame_len];
                merged.merge(&ReferenceStatistics::of_block(previous, block, frame_len).expect("block"));
            }
            // Merging never shrinks the tables; compare the levels the whole movie has.
            merged.counts.truncate(whole.statistics().counts.len());
            merged.sums.truncate(whole.statistics().sums.len());
            proptest::prop_assert_eq!(&merged, whole.statistics());
        }
    }
}
