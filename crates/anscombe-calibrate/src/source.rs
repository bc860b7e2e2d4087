//! Calibration of a movie read from a file, streamed batch by batch (memory independent of the
//! movie's length), with the next batch read while the current one is worked on.

use anscombe_core::Sample;
use anscombe_io::{Element, FrameSource, MovieError, Samples, stream_frames};

use crate::error::CalibrationError;
use crate::photon_transfer::{PairScreen, PixelAccumulator, PtcOptions};
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
