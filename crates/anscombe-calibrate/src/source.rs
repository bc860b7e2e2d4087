//! Calibration of a movie read from a file, streamed batch by batch (memory independent of the
//! movie's length), with the next batch read while the current one is worked on.

use anscombe_core::Sample;
use anscombe_io::{Element, FrameSource, MovieError, Samples, stream_frames};

use crate::error::CalibrationError;
use crate::photon_transfer::{PairScreen, PixelAccumulator, PtcOptions};
use crate::reference::{ReferenceEstimator, ReferenceResult};
use crate::result::Calibration;

/// Frames per batch read from the file.
const BATCH: usize = 16;

/// Why a calibration from a file failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// Reading the movie.
    #[error(transparent)]
    Movie(#[from] MovieError),
    /// The calibration itself.
    #[error(transparent)]
    Calibration(#[from] CalibrationError),
}

/// Runs the default estimator over a movie source; `progress(frames_done, frames_total)` is
/// called after each batch of either pass (the total counts both passes).
///
/// # Errors
/// [`SourceError`] when the movie cannot be read, is of a type the codec does not handle, or
/// does not allow a calibration.
pub fn calibrate_source(
    source: &mut dyn FrameSource,
    options: &PtcOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Calibration, SourceError> {
    with_sample_type(source, PhotonTransfer { options, progress })
}

/// Runs the reference estimator ([`ReferenceEstimator`], the Python package's
/// `compute_conversion_gain`) over a movie source, frame by frame as float64 levels, with
/// count weights `counts^gamma`; `progress(frames_done, frames_total)` after each batch.
///
/// # Errors
/// [`SourceError::Movie`] when the movie cannot be read; [`SourceError::Calibration`] for
/// levels the reference does not tabulate, too few frames, or a `gamma` out of range.
pub fn reference_source(
    source: &mut dyn FrameSource,
    gamma: f64,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ReferenceResult, SourceError> {
    let (frames, frame) = (source.frames(), source.frame_len().max(1));
    let mut estimator = ReferenceEstimator::new();
    stream_frames(source, BATCH, |first, samples| {
        for values in samples.to_f64().chunks(frame) {
            estimator.push_frame(values)?;
        }
        progress(first + samples.len() / frame, frames);
        Ok::<(), SourceError>(())
    })?;
    Ok(estimator.finish(gamma)?)
}

/// Work on a movie's samples in their own type (an integer type's limits matter: they are
/// where samples saturate or clip).
pub(crate) trait TypedRun {
    /// What the work gives.
    type Output;
    /// Runs with `T` the source's sample type; `typed` takes a batch's samples as `T`.
    fn run<T: Sample>(
        self,
        source: &mut dyn FrameSource,
        typed: fn(Samples) -> Option<Vec<T>>,
    ) -> Result<Self::Output, SourceError>;
}

/// Calls `work.run::<T>` with `T` the source's sample type.
///
/// # Errors
/// [`SourceError`] for a type the codec does not handle, and whatever the work returns.
pub(crate) fn with_sample_type<R: TypedRun>(
    source: &mut dyn FrameSource,
    work: R,
) -> Result<R::Output, SourceError> {
    macro_rules! typed {
        ($t:ty, $variant:ident) => {
            work.run::<$t>(source, |s| match s {
                Samples::$variant(v) => Some(v),
                _ => None,
            })
        };
    }
    match source.element() {
        Element::U8 => typed!(u8, U8),
        Element::I8 => typed!(i8, I8),
        Element::U16 => typed!(u16, U16),
        Element::I16 => typed!(i16, I16),
        Element::U32 => typed!(u32, U32),
        Element::I32 => typed!(i32, I32),
        Element::F32 => typed!(f32, F32),
        Element::F64 => typed!(f64, F64),
        other => Err(CalibrationError::Insufficient(format!(
            "{other} samples cannot be calibrated"
        ))
        .into()),
    }
}

/// Streams the source's frames in batches of [`BATCH`] as `T`: `visit(first_frame, samples)`.
///
/// # Errors
/// A failed read, a batch of another type, or `visit`'s error.
pub(crate) fn stream_typed<T: Sample>(
    source: &mut dyn FrameSource,
    typed: fn(Samples) -> Option<Vec<T>>,
    mut visit: impl FnMut(usize, &[T]) -> Result<(), SourceError>,
) -> Result<(), SourceError> {
    stream_frames(source, BATCH, |first, samples| {
        let values = typed(samples).ok_or_else(|| {
            SourceError::Movie(MovieError::Unsupported {
                path: "movie".into(),
                message: "frames changed type".into(),
            })
        })?;
        visit(first, &values)
    })
}

/// The default estimator's two passes.
struct PhotonTransfer<'a> {
    options: &'a PtcOptions,
    progress: &'a mut dyn FnMut(usize, usize),
}

impl TypedRun for PhotonTransfer<'_> {
    type Output = Calibration;

    fn run<T: Sample>(
        self,
        source: &mut dyn FrameSource,
        typed: fn(Samples) -> Option<Vec<T>>,
    ) -> Result<Calibration, SourceError> {
        let PhotonTransfer { options, progress } = self;
        let frames = source.frames();
        let frame = source.frame_len();
        if frames < 2 || frame == 0 {
            return Err(CalibrationError::TooFewFrames.into());
        }
        let mut screen = PairScreen::<T>::new();
        stream_typed(source, typed, |first, values| {
            for f in values.chunks(frame) {
                screen.push_frame(f)?;
            }
            progress(first + values.len() / frame, 2 * frames);
            Ok(())
        })?;
        let mut accumulator = PixelAccumulator::<T>::new(screen.finish(options)?);
        stream_typed(source, typed, |first, values| {
            for f in values.chunks(frame) {
                accumulator.push_frame(f)?;
            }
            progress(frames + first + values.len() / frame, 2 * frames);
            Ok(())
        })?;
        Ok(accumulator.finish(options)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::SyntheticSpec;
    use anscombe_io::InMemory;

    #[test]
    fn the_reference_streamed_from_a_source_is_the_estimator_fed_by_hand() {
        let spec = SyntheticSpec {
            frames: 40,
            ..SyntheticSpec::new(4.0, 100.0, 20.0, 3)
        };
        let movie: Vec<u16> = spec.generate();
        let frame = spec.height * spec.width;
        let mut by_hand = ReferenceEstimator::new();
        for f in movie.chunks(frame) {
            by_hand.push_frame(f).expect("frame");
        }
        let expected = by_hand.finish(0.2).expect("fit");
        let mut source = InMemory::new(
            vec![spec.frames, spec.height, spec.width],
            Samples::U16(movie),
        );
        let mut last = (0, 0);
        let streamed = reference_source(&mut source, 0.2, &mut |done, total| {
            last = (done, total);
        })
        .expect("fit");
        assert_eq!(streamed, expected);
        assert_eq!(last, (40, 40), "more than one batch, all frames reported");
        let refused = reference_source(&mut source, f64::NAN, &mut |_, _| {});
        assert!(matches!(
            refused,
            Err(SourceError::Calibration(CalibrationError::Gamma(_)))
        ));
    }
}
