//! Per-pixel mean, variance and maximum over time, in one streaming pass over the frames.
//!
//! Memory is five numbers per pixel, whatever the movie's length. The mean is NumPy's
//! `np.mean(movie, axis=0)` bit for bit for integer and float64 samples: NumPy sums along the
//! frame axis in frame order, in float64, and divides by the count; so do we. The variance is
//! `np.var(movie, axis=0)` to float rounding: NumPy makes a second pass over the movie with the
//! mean; we accumulate the sums of `x - s` and `(x - s)^2` about a shift `s`, the pixel's first
//! sample, which lies within the pixel's noise of its mean, so the difference of the two sums
//! loses nothing that matters (for 8- and 16-bit samples both sums are exact integers).

use rayon::prelude::*;

use crate::error::CalibrationError;

/// Pixels per parallel task (accumulators of 40 bytes: 320 kB, cache-sized).
const PIXEL_CHUNK: usize = 8192;

/// A sample type the accumulator reads, widened to float64.
pub trait Level: Copy + Send + Sync {
    /// The value as float64 (`false` and `true` are 0 and 1): exact for every type but 64-bit
    /// integers, which round beyond 2^53.
    fn level(self) -> f64;
}

macro_rules! level_from {
    ($($t:ty),*) => {$(
        impl Level for $t {
            #[inline]
            fn level(self) -> f64 {
                f64::from(self)
            }
        }
    )*};
}
level_from!(u8, i8, u16, i16, u32, i32, f32, f64, bool);

macro_rules! level_rounded {
    ($($t:ty),*) => {$(
        impl Level for $t {
            #[inline]
            #[allow(clippy::cast_precision_loss, reason = "64-bit levels beyond 2^53 round, as NumPy's float64 mean does")]
            fn level(self) -> f64 {
                self as f64
            }
        }
    )*};
}
level_rounded!(u64, i64);

/// One pixel's running sums.
#[derive(Debug, Clone, Copy)]
struct Sums {
    /// The pixel's first sample.
    shift: f64,
    /// Sum of the samples, in frame order (NumPy's mean).
    sum: f64,
    /// Sum of `x - shift`.
    shifted: f64,
    /// Sum of `(x - shift)^2`.
    squares: f64,
    /// Largest sample; NaN once a NaN was seen (as `np.max`).
    max: f64,
}

impl Sums {
    #[inline]
    fn first(x: f64) -> Self {
        Sums {
            shift: x,
            sum: x,
            shifted: 0.0,
            squares: 0.0,
            max: x,
        }
    }

    #[inline]
    fn push(&mut self, x: f64) {
        let d = x - self.shift;
        self.sum += x;
        self.shifted += d;
        self.squares += d * d;
        // NaN propagates, as in np.max: `x > NaN` is false, so test the NaN explicitly.
        if x > self.max || x.is_nan() {
            self.max = x;
        }
    }
}

/// Accumulates per-pixel moments frame batch by frame batch.
#[derive(Debug, Clone, Default)]
pub struct PixelMoments {
    frames: usize,
    sums: Vec<Sums>,
}

/// Per-pixel statistics over time: what [`PixelMoments::finish`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct PixelStatistics {
    /// Frames accumulated.
    pub frames: usize,
    /// `np.mean(movie, axis=0)`, flattened in C order.
    pub mean: Vec<f64>,
    /// `np.var(movie, axis=0)` (population variance).
    pub variance: Vec<f64>,
    /// `np.max(movie, axis=0)` (NaN where a sample is NaN).
    pub max: Vec<f64>,
}

impl PixelMoments {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Frames accumulated so far.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Adds a batch of whole frames of `frame_len` pixels each, in order.
    ///
    /// # Errors
    /// [`CalibrationError::FrameSize`] when `frame_len` differs from the first batch's or the
    /// batch is not whole frames.
    pub fn push_frames<T: Level>(
        &mut self,
        batch: &[T],
        frame_len: usize,
    ) -> Result<(), CalibrationError> {
        if frame_len == 0 || !batch.len().is_multiple_of(frame_len) {
            return Err(CalibrationError::FrameSize {
                expected: frame_len,
                found: batch.len() % frame_len.max(1),
            });
        }
        if self.frames > 0 && self.sums.len() != frame_len {
            return Err(CalibrationError::FrameSize {
                expected: self.sums.len(),
                found: frame_len,
            });
        }
        let count = batch.len() / frame_len;
        if count == 0 {
            return Ok(());
        }
        let starting = self.frames == 0;
        if starting {
            self.sums = vec![Sums::first(0.0); frame_len];
        }
        // Pixel chunk by pixel chunk, every frame of the batch: each pixel's samples are added
        // in frame order, so the sums do not depend on the chunking or the thread count.
        self.sums
            .par_chunks_mut(PIXEL_CHUNK)
            .enumerate()
            .for_each(|(chunk, sums)| {
                let start = chunk * PIXEL_CHUNK;
                for f in 0..count {
                    let frame = &batch[f * frame_len + start..f * frame_len + start + sums.len()];
                    if starting && f == 0 {
                        for (s, &x) in sums.iter_mut().zip(frame) {
                            *s = Sums::first(x.level());
                        }
                    } else {
                        for (s, &x) in sums.iter_mut().zip(frame) {
                            s.push(x.level());
                        }
                    }
                }
            });
        self.frames += count;
        Ok(())
    }

    /// The mean, variance and maximum of every pixel.
    ///
    /// # Errors
    /// [`CalibrationError::TooFewFrames`] without any frame.
    pub fn finish(&self) -> Result<PixelStatistics, CalibrationError> {
        if self.frames == 0 {
            return Err(CalibrationError::TooFewFrames);
        }
        let n = self.frames as f64;
        let mean = self.sums.iter().map(|s| s.sum / n).collect();
        let variance = self
            .sums
            .iter()
            .map(|s| ((s.squares - s.shifted * s.shifted / n) / n).max(0.0))
            .collect();
        let max = self.sums.iter().map(|s| s.max).collect();
        Ok(PixelStatistics {
            frames: self.frames,
            mean,
            variance,
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The per-pixel series of a movie of `frames` frames of `len` pixels.
    fn series(movie: &[f64], len: usize, pixel: usize) -> Vec<f64> {
        movie.iter().skip(pixel).step_by(len).copied().collect()
    }

    #[test]
    fn mean_variance_and_max_per_pixel() {
        // Two pixels, three frames: [1, 4, 7] and [10, 10, 13].
        let movie: [i16; 6] = [1, 10, 4, 10, 7, 13];
        let mut m = PixelMoments::new();
        m.push_frames(&movie[..2], 2).expect("first frame");
        m.push_frames(&movie[2..], 2).expect("two more");
        let s = m.finish().expect("statistics");
        assert_eq!(s.frames, 3);
        assert_eq!(s.mean, [4.0, 11.0]);
        assert_eq!(s.variance, [6.0, 2.0]);
        assert_eq!(s.max, [7.0, 13.0]);
    }

    #[test]
    fn refuses_other_frame_sizes_and_no_frames() {
        let mut m = PixelMoments::new();
        assert!(matches!(m.finish(), Err(CalibrationError::TooFewFrames)));
        m.push_frames(&[1u16, 2, 3, 4], 2).expect("two frames");
        assert!(m.push_frames(&[1u16, 2, 3], 3).is_err());
        assert!(m.push_frames(&[1u16, 2, 3], 2).is_err());
    }

    #[test]
    fn nan_propagates_to_the_max() {
        let mut m = PixelMoments::new();
        m.push_frames(&[1.0f32, f32::NAN, 2.0, 5.0], 2)
            .expect("frames");
        let s = m.finish().expect("statistics");
        assert_eq!(s.max[0], 2.0);
        assert!(s.max[1].is_nan());
    }

    proptest! {
        /// Means exactly as NumPy sums (in frame order), variances to float rounding of the
        /// two-pass definition, whatever the batching.
        #[test]
        fn matches_the_two_pass_definition(
            frames in 1usize..40,
            len in 1usize..20,
            batch in 1usize..8,
            seed in any::<u64>(),
        ) {
            let mut rng = anscombe_testkit::Rng::new(seed | 1);
            let movie: Vec<i16> = (0..frames * len)
                .map(|_| rng.below(4000) as i16 - 100)
                .collect();
            let mut m = PixelMoments::new();
            for part in movie.chunks(batch * len) {
                m.push_frames(part, len).expect("batch");
            }
            let s = m.finish().expect("statistics");
            let wide: Vec<f64> = movie.iter().map(|&v| f64::from(v)).collect();
            for p in 0..len {
                let x = series(&wide, len, p);
                let sum = x.iter().fold(0.0, |a, &v| a + v);
                prop_assert_eq!(s.mean[p], sum / frames as f64);
                let mean = sum / frames as f64;
                let two_pass =
                    x.iter().fold(0.0, |a, &v| a + (v - mean) * (v - mean)) / frames as f64;
                prop_assert!((s.variance[p] - two_pass).abs() <= 1e-12 * two_pass.max(1.0));
                let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                prop_assert_eq!(s.max[p], max);
            }
        }
    }
}
