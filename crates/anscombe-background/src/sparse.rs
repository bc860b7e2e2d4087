//! The sparse median background (dcnum's `BackgroundSparseMed`): one median image every
//! `split_time` seconds over `kernel_size` frames, a cleansed series, the nearest image for
//! every frame, and a per-frame flicker offset.

use anscombe_io::{FrameSource, stream_frames};

use crate::cleansing::{Cleansing, cleanse};
use crate::error::BackgroundError;
use crate::pixel::Pixel;
use crate::select::rank_of_frames;
use crate::time::TimeAxis;
use anscombe_numeric::{arange, nearest};

/// Rows at the top of the frame the flicker offset compares (the channel wall in dcnum's
/// cytometry images).
pub const OFFSET_ROWS: usize = 20;

/// The parameters, with dcnum's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseMedian {
    /// Frames per median (clamped to the movie's length, as dcnum does).
    pub kernel_size: usize,
    /// Seconds between background images.
    pub split_time: f64,
    /// Cleansing threshold factor: images scoring above `var * 150 / thresh_cleansing` are
    /// removed; 0 removes a fixed fraction instead (see `frac_cleansing`).
    pub thresh_cleansing: f64,
    /// Fraction of images that must survive cleansing (the quantile used when the threshold
    /// is 0 or would remove more); 1 disables cleansing.
    pub frac_cleansing: f64,
    /// Whether to compute the per-frame flicker offset.
    pub offset_correction: bool,
}

impl Default for SparseMedian {
    fn default() -> Self {
        SparseMedian {
            kernel_size: 200,
            split_time: 1.0,
            thresh_cleansing: 0.0,
            frac_cleansing: 0.8,
            offset_correction: true,
        }
    }
}

/// A background series and how the frames map onto it.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseBackground<T> {
    /// Frame height.
    pub height: usize,
    /// Frame width.
    pub width: usize,
    /// Frames per median actually used.
    pub kernel_size: usize,
    /// Time of every frame, first at 0.
    pub times: Vec<f64>,
    /// The time of every background image before cleansing.
    pub all_step_times: Vec<f64>,
    /// Every background image before cleansing, one after the other.
    pub all_images: Vec<T>,
    /// The cleansing step, unless disabled.
    pub cleansing: Option<Cleansing>,
    /// The times of the kept images.
    pub step_times: Vec<f64>,
    /// The kept background images, one after the other.
    pub images: Vec<T>,
    /// For every frame, the index of its background image.
    pub frame_background: Vec<usize>,
    /// For every frame, its offset: the frame's background is `image + offset`.
    pub offsets: Option<Vec<f64>>,
}

impl<T: Pixel> SparseBackground<T> {
    /// Kept background image `index`.
    pub fn image(&self, index: usize) -> &[T] {
        let len = self.height * self.width;
        &self.images[index * len..(index + 1) * len]
    }
}

impl SparseMedian {
    /// Checks the parameters (dcnum's assertions).
    ///
    /// # Errors
    /// [`BackgroundError::Parameter`] naming the parameter.
    pub fn validate(&self) -> Result<(), BackgroundError> {
        let bad = |message: &str| Err(BackgroundError::Parameter(message.into()));
        if self.kernel_size == 0 {
            return bad("kernel_size must be at least 1 frame");
        }
        if !(self.split_time.is_finite() && self.split_time > 0.0) {
            return bad("split_time must be a positive number of seconds");
        }
        if !(self.thresh_cleansing.is_finite() && self.thresh_cleansing >= 0.0) {
            return bad("thresh_cleansing must be 0 or more");
        }
        if !(self.frac_cleansing > 0.0 && self.frac_cleansing <= 1.0) {
            return bad("frac_cleansing must be above 0 and at most 1");
        }
        Ok(())
    }

    /// Checks the parameters ([`SparseMedian::validate`]) and the time axis against a movie of
    /// `frames` frames before any frame is read; returns every frame's time.
    ///
    /// # Errors
    /// [`BackgroundError::Parameter`] for bad parameters or a `split_time` asking for more
    /// background images than frames, [`BackgroundError::Time`] for a bad time axis.
    pub fn check(&self, time: &TimeAxis, frames: usize) -> Result<Vec<f64>, BackgroundError> {
        self.validate()?;
        let times = time.times(frames)?;
        let duration = times.last().copied().unwrap_or(0.0) - times.first().copied().unwrap_or(0.0);
        check_image_count(duration, self.split_time, frames)?;
        Ok(times)
    }

    /// dcnum's pipeline identifier of these parameters.
    pub fn ppid(&self) -> String {
        format!(
            "sparsemed:k={}^s={}^t={}^f={}^o={}",
            self.kernel_size,
            short(self.split_time),
            short(self.thresh_cleansing),
            short(self.frac_cleansing),
            u8::from(self.offset_correction)
        )
    }

    /// Computes the background of the (frames, height, width) movie in `source`.
    ///
    /// Memory holds one kernel of frames and the background series, never the movie: the
    /// medians read their `kernel_size` frames each, the offsets one more pass.
    ///
    /// # Errors
    /// [`BackgroundError`] for bad parameters or time axes, a movie of another shape or type,
    /// one too short for a single background image, or a read that fails.
    pub fn compute<T: Pixel>(
        &self,
        source: &mut dyn FrameSource,
        time: &TimeAxis,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<SparseBackground<T>, BackgroundError> {
        let (frames, height, width) = movie_shape(source)?;
        let kernel_size = self.kernel_size.min(frames);
        let times = self.check(time, frames)?;
        let duration = times.last().copied().unwrap_or(0.0) - times.first().copied().unwrap_or(0.0);
        let all_step_times = arange(duration, self.split_time);
        if all_step_times.is_empty() {
            return Err(BackgroundError::TooShort {
                frames,
                needed: format!(
                    "the movie spans {duration} s of its time axis, less than one split_time ({} s); \
                     give the frame rate or a shorter split_time",
                    self.split_time
                ),
            });
        }
        let frame_len = height * width;
        let steps = all_step_times.len();
        let total_work = steps + if self.offset_correction { frames } else { 0 };
        let mut all_images = vec![T::default(); steps * frame_len];
        // The frames of the last window: consecutive windows often overlap, and frames read
        // once are not read again.
        let mut window: Vec<T> = Vec::new();
        let mut window_start = 0usize;
        for (s, &t) in all_step_times.iter().enumerate() {
            let mut start = nearest(&times, t).unwrap_or(0);
            let mut stop = start + kernel_size;
            if stop >= frames {
                stop = frames;
                start = frames - kernel_size;
            }
            let image = &mut all_images[s * frame_len..(s + 1) * frame_len];
            let window_frames = window.len() / frame_len.max(1);
            let overlap = (window_start + window_frames)
                .saturating_sub(start)
                .min(stop - start);
            if start >= window_start && overlap > 0 {
                window.drain(..(start - window_start) * frame_len);
                window.truncate(overlap * frame_len);
                window.extend(read::<T>(source, start + overlap, stop - start - overlap)?);
            } else {
                window = read::<T>(source, start, stop - start)?;
            }
            window_start = start;
            let refs: Vec<&[T]> = window.chunks_exact(frame_len.max(1)).collect();
            rank_of_frames(&refs, kernel_size / 2, image);
            progress(s + 1, total_work);
        }
        let cleansing = (self.frac_cleansing != 1.0).then(|| {
            let peak_to_peak: Vec<f64> = all_images
                .chunks_exact(width.max(1))
                .map(|row| {
                    let (lo, hi) = row
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                            (lo.min(v.to_f64()), hi.max(v.to_f64()))
                        });
                    hi - lo
                })
                .collect();
            cleanse(
                &peak_to_peak,
                height,
                self.thresh_cleansing,
                self.frac_cleansing,
            )
        });
        let kept: Vec<usize> = match &cleansing {
            Some(c) => (0..steps).filter(|&s| c.kept[s]).collect(),
            None => (0..steps).collect(),
        };
        let step_times: Vec<f64> = kept.iter().map(|&s| all_step_times[s]).collect();
        let images: Vec<T> = kept
            .iter()
            .flat_map(|&s| {
                all_images[s * frame_len..(s + 1) * frame_len]
                    .iter()
                    .copied()
            })
            .collect();
        let frame_background = frame_background(&times, &step_times, self.split_time);
        let mut background = SparseBackground {
            height,
            width,
            kernel_size,
            times,
            all_step_times,
            all_images,
            cleansing,
            step_times,
            images,
            frame_background,
            offsets: None,
        };
        if self.offset_correction {
            background.offsets = Some(offsets(source, &background, steps, total_work, progress)?);
        }
        Ok(background)
    }
}

/// A float as dcnum's identifiers write it: integers without a decimal point.
fn short(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// `(frames, height, width)` of a 3-D movie of a supported type.
pub(crate) fn movie_shape(
    source: &dyn FrameSource,
) -> Result<(usize, usize, usize), BackgroundError> {
    match *source.shape() {
        [frames, height, width] => Ok((frames, height, width)),
        ref other => Err(BackgroundError::Shape(other.to_vec())),
    }
}

/// Frames `start..start + count` as samples of `T`.
pub(crate) fn read<T: Pixel>(
    source: &mut dyn FrameSource,
    start: usize,
    count: usize,
) -> Result<Vec<T>, BackgroundError> {
    let samples = source.read_frames(start, count)?;
    let element = samples.element();
    T::from_samples(samples).ok_or_else(|| BackgroundError::Type(element.to_string()))
}

/// dcnum's mapping: image `i` serves the frames from the end of image `i - 1`'s span up to the
/// frame nearest its time plus half a split, the last image all remaining frames.
fn frame_background(times: &[f64], step_times: &[f64], split_time: f64) -> Vec<usize> {
    let mut mapping = vec![0usize; times.len()];
    let mut from = 0usize;
    let mut last = None;
    for (i, &t) in step_times.iter().enumerate() {
        let shifted: Vec<f64> = times.iter().map(|&ti| ti - t - split_time / 2.0).collect();
        let to = nearest(&shifted, 0.0).unwrap_or(0);
        if to > from {
            mapping[from..to].fill(i);
        }
        from = to;
        last = Some((i, to));
    }
    if let Some((i, to)) = last {
        mapping[to..].fill(i);
    }
    mapping
}

/// Mean of the top rows of each frame minus that of its background image.
fn offsets<T: Pixel>(
    source: &mut dyn FrameSource,
    background: &SparseBackground<T>,
    steps: usize,
    total_work: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<f64>, BackgroundError> {
    let (height, width) = (background.height, background.width);
    let rows = OFFSET_ROWS.min(height);
    let top_mean = |frame: &[T]| -> f64 {
        // NumPy's float64 mean: exact for integer samples (their sums fit a float64), in
        // NumPy's pairwise order for floats.
        let values: Vec<f64> = frame[..rows * width].iter().map(|v| v.to_f64()).collect();
        anscombe_numeric::mean(&values)
    };
    let image_means: Vec<f64> = (0..background.step_times.len())
        .map(|i| top_mean(background.image(i)))
        .collect();
    let frames = background.times.len();
    let mut offsets = Vec::with_capacity(frames);
    let batch = (64 << 20) / (height * width * std::mem::size_of::<T>()).max(1);
    stream_frames(source, batch.max(1), |first, samples| {
        let element = samples.element();
        let values =
            T::from_samples(samples).ok_or_else(|| BackgroundError::Type(element.to_string()))?;
        for (i, frame) in values.chunks_exact((height * width).max(1)).enumerate() {
            let index = background.frame_background[first + i];
            offsets.push(top_mean(frame) - image_means[index]);
        }
        progress(
            steps + first + values.len() / (height * width).max(1),
            total_work,
        );
        Ok::<(), BackgroundError>(())
    })?;
    Ok(offsets)
}

/// One background image per `split_time` over `duration` seconds: more images than frames is
/// a time axis or a `split_time` off by orders of magnitude (and a grid of times that would not
/// fit in memory).
fn check_image_count(duration: f64, split_time: f64, frames: usize) -> Result<(), BackgroundError> {
    let images = (duration / split_time).ceil();
    if images.is_finite() && images <= frames as f64 {
        return Ok(());
    }
    Err(BackgroundError::Parameter(format!(
        "split_time {split_time:?} s over a time axis of {duration:?} s asks for {images:?} \
         background images, more than the {frames} frames: give a split_time of at least {:?} \
         s, or check the frame rate",
        duration / frames.max(1) as f64
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_match_dcnum() {
        assert_eq!(
            SparseMedian::default().ppid(),
            "sparsemed:k=200^s=1^t=0^f=0.8^o=1"
        );
        let p = SparseMedian {
            kernel_size: 24,
            split_time: 0.01,
            thresh_cleansing: 270.0,
            frac_cleansing: 0.8,
            offset_correction: true,
        };
        assert_eq!(p.ppid(), "sparsemed:k=24^s=0.01^t=270^f=0.8^o=1");
    }

    #[test]
    fn frames_map_to_the_nearest_image_span() {
        let times: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(
            frame_background(&times, &[0.0, 4.0], 4.0),
            [0, 0, 1, 1, 1, 1, 1, 1, 1, 1]
        );
    }

    /// A `split_time` or frame rate off by orders of magnitude is refused before a grid of
    /// background times is allocated (it once asked for 1e302 of them).
    #[test]
    fn more_background_images_than_frames_is_a_parameter_error() {
        use anscombe_io::{InMemory, Samples};
        let run = |split_time: f64, rate: f64| {
            let mut source = InMemory::new(vec![20, 4, 4], Samples::U8(vec![7; 20 * 16]));
            SparseMedian {
                kernel_size: 5,
                split_time,
                ..SparseMedian::default()
            }
            .compute::<u8>(&mut source, &TimeAxis::FrameRate(rate), &mut |_, _| {})
            .map(|_| ())
        };
        for (split_time, rate) in [(1e-300, 10.0), (1.0, 1e-300)] {
            let error = run(split_time, rate).expect_err("refused");
            assert!(
                matches!(error, BackgroundError::Parameter(ref m) if m.contains("split_time")),
                "{error}"
            );
        }
        assert!(run(0.5, 10.0).is_ok());
    }

    /// A signed movie gets the backgrounds of the same movie shifted into `uint8`, shifted
    /// back: medians are taken in the movie's own type, not wrapped into dcnum's `uint8`.
    #[test]
    fn signed_movies_keep_their_values() {
        use anscombe_io::{InMemory, Samples};
        fn compute<T: Pixel>(params: &SparseMedian, samples: Samples) -> SparseBackground<T> {
            let mut source = InMemory::new(vec![60, 24, 8], samples);
            params
                .compute(&mut source, &TimeAxis::FrameRate(100.0), &mut |_, _| {})
                .expect("a background")
        }
        let (frames, height, width) = (60, 24, 8);
        let mut state = 12345u32;
        let bytes: Vec<u8> = (0..frames * height * width)
            .map(|i| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (100 + (state >> 24) % 40 + (i % width) as u32) as u8
            })
            .collect();
        let params = SparseMedian {
            kernel_size: 10,
            split_time: 0.2,
            ..SparseMedian::default()
        };
        let unsigned: SparseBackground<u8> = compute(&params, Samples::U8(bytes.clone()));
        let signed: SparseBackground<i16> = compute(
            &params,
            Samples::I16(bytes.iter().map(|&b| i16::from(b) - 200).collect()),
        );
        assert_eq!(
            signed.images,
            unsigned
                .images
                .iter()
                .map(|&b| i16::from(b) - 200)
                .collect::<Vec<_>>()
        );
        assert!(signed.images.iter().any(|&v| v < 0));
        assert_eq!(signed.frame_background, unsigned.frame_background);
        let (a, b) = (signed.offsets.expect("on"), unsigned.offsets.expect("on"));
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        let p = SparseMedian {
            frac_cleansing: 0.0,
            ..SparseMedian::default()
        };
        assert!(
            matches!(p.validate(), Err(BackgroundError::Parameter(m)) if m.contains("frac_cleansing"))
        );
    }
}
