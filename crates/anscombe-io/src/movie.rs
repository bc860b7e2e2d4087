//! Reading movies frame by frame, whatever the file: TIFF stacks, NPY arrays, raw binary.
//!
//! A movie is `(frames, height, width)` samples (or any array whose first axis is time). Sources
//! read ranges of frames on request, so a pass over a movie never holds more than the frames in
//! hand: calibration streams, and encoding works through files larger than memory.

use std::path::{Path, PathBuf};

use crate::Element;
use crate::Samples;

/// Why a movie could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MovieError {
    /// The file system.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not what its extension says, or is damaged.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A valid file the toolkit cannot read.
    #[error("{path}: {message}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What is missing.
        message: String,
    },
    /// The output would not fit on its file system (checked before writing).
    #[error("{path}: the output needs {needed} bytes, its file system has {available} free")]
    NoSpace {
        /// The output.
        path: PathBuf,
        /// Bytes the output needs (at least).
        needed: u64,
        /// Bytes free.
        available: u64,
    },
    /// One frame is more than a pass over a movie holds in memory at a time.
    #[error(
        "one frame of shape {shape:?} holds {bytes} bytes, more than the {limit} bytes ({} GiB) \
         a pass over a movie reads at a time; split the frames into smaller ones",
        limit >> 30
    )]
    FrameTooLarge {
        /// The frame's shape (the movie's without its first axis).
        shape: Vec<usize>,
        /// Its bytes.
        bytes: u64,
        /// [`MAX_FRAME_BYTES`].
        limit: u64,
    },
    /// Frames beyond the end were asked for.
    #[error("frames {start}..{end} asked for, the movie has {frames}")]
    Range {
        /// First frame asked for.
        start: usize,
        /// One past the last.
        end: usize,
        /// Frames in the movie.
        frames: usize,
    },
}

impl MovieError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MovieError + '_ {
        move |source| MovieError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn format(path: &Path, message: impl Into<String>) -> MovieError {
        MovieError::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// A movie read frame range by frame range.
pub trait FrameSource: Send {
    /// `[frames, rest of the shape...]`.
    fn shape(&self) -> &[usize];

    /// Element type of the samples.
    fn element(&self) -> Element;

    /// Reads frames `start..start + count`, in C order.
    ///
    /// # Errors
    /// [`MovieError`] when the range is past the end or the file cannot be read.
    fn read_frames(&mut self, start: usize, count: usize) -> Result<Samples, MovieError>;

    /// Number of frames.
    fn frames(&self) -> usize {
        self.shape().first().copied().unwrap_or(0)
    }

    /// Samples per frame.
    fn frame_len(&self) -> usize {
        self.shape().iter().skip(1).product()
    }
}

/// Bytes of an array of `shape` with `element_size`-byte samples, `None` when that overflows
/// the address space: a shape read from a file is refused with it before any size derived
/// from it (a frame's length, say) can overflow.
pub fn shape_bytes(shape: &[usize], element_size: usize) -> Option<usize> {
    shape
        .iter()
        .try_fold(element_size, |n, &d| n.checked_mul(d))
        .filter(|&bytes| isize::try_from(bytes).is_ok())
}

/// Checks a frame range against the movie's length.
pub(crate) fn check_range(start: usize, count: usize, frames: usize) -> Result<(), MovieError> {
    match start.checked_add(count) {
        Some(end) if end <= frames => Ok(()),
        _ => Err(MovieError::Range {
            start,
            end: start.saturating_add(count),
            frames,
        }),
    }
}

/// A movie in memory, as a source (for tests and small arrays).
#[derive(Debug, Clone)]
pub struct InMemory {
    shape: Vec<usize>,
    samples: Samples,
}

impl InMemory {
    /// A source over samples of `shape` (the first axis is time).
    pub fn new(shape: Vec<usize>, samples: Samples) -> Self {
        InMemory { shape, samples }
    }
}

impl FrameSource for InMemory {
    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn element(&self) -> Element {
        self.samples.element()
    }

    fn read_frames(&mut self, start: usize, count: usize) -> Result<Samples, MovieError> {
        check_range(start, count, self.frames())?;
        let n = self.frame_len();
        Ok(self.samples.slice(start * n..(start + count) * n))
    }
}

/// Frames `range` of another source, as a source of its own (frame 0 is `range.start`).
pub struct FrameRange<'a> {
    source: &'a mut dyn FrameSource,
    first: usize,
    shape: Vec<usize>,
}

impl std::fmt::Debug for FrameRange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameRange")
            .field("first", &self.first)
            .field("shape", &self.shape)
            .finish_non_exhaustive()
    }
}

impl<'a> FrameRange<'a> {
    /// Frames `range` of `source`.
    ///
    /// # Errors
    /// [`MovieError::Range`] when the range is not inside the source.
    pub fn new(
        source: &'a mut dyn FrameSource,
        range: std::ops::Range<usize>,
    ) -> Result<Self, MovieError> {
        let count = range
            .end
            .checked_sub(range.start)
            .ok_or(MovieError::Range {
                start: range.start,
                end: range.end,
                frames: source.frames(),
            })?;
        check_range(range.start, count, source.frames())?;
        let mut shape = source.shape().to_vec();
        if let Some(frames) = shape.first_mut() {
            *frames = count;
        }
        Ok(FrameRange {
            source,
            first: range.start,
            shape,
        })
    }
}

impl FrameSource for FrameRange<'_> {
    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn element(&self) -> Element {
        self.source.element()
    }

    fn read_frames(&mut self, start: usize, count: usize) -> Result<Samples, MovieError> {
        check_range(start, count, self.frames())?;
        self.source.read_frames(self.first + start, count)
    }
}

/// The largest frame a pass over a movie reads: frames are its unit, two batches of at least
/// one frame are in memory at a time (one read, one worked on), and a header may declare any
/// shape, so a frame beyond this is refused before it is allocated.
pub const MAX_FRAME_BYTES: u64 = 1 << 30;

/// [`MovieError::FrameTooLarge`] when one frame of `source` is beyond [`MAX_FRAME_BYTES`].
///
/// # Errors
/// As said.
pub fn check_frame_size(source: &dyn FrameSource) -> Result<(), MovieError> {
    let shape = source.shape().get(1..).unwrap_or_default();
    let bytes = shape
        .iter()
        .try_fold(source.element().size() as u64, |n, &d| {
            n.checked_mul(d as u64)
        })
        .unwrap_or(u64::MAX);
    if bytes > MAX_FRAME_BYTES {
        return Err(MovieError::FrameTooLarge {
            shape: shape.to_vec(),
            bytes,
            limit: MAX_FRAME_BYTES,
        });
    }
    Ok(())
}

/// Calls `visit(first_frame, samples)` for consecutive batches of `batch` frames (the last one
/// shorter), reading the next batch on another thread while `visit` works on the current one.
///
/// # Errors
/// [`MovieError::FrameTooLarge`] for a frame beyond [`MAX_FRAME_BYTES`], before reading; the
/// first error of reading or of `visit`; reading stops then.
pub fn stream_frames<E: From<MovieError> + Send>(
    source: &mut dyn FrameSource,
    batch: usize,
    mut visit: impl FnMut(usize, Samples) -> Result<(), E>,
) -> Result<(), E> {
    check_frame_size(source)?;
    let frames = source.frames();
    let batch = batch.max(1);
    std::thread::scope(|scope| {
        let (sender, receiver) =
            std::sync::mpsc::sync_channel::<Result<(usize, Samples), MovieError>>(1);
        let reader = scope.spawn(move || {
            for first in (0..frames).step_by(batch) {
                let read = source
                    .read_frames(first, batch.min(frames - first))
                    .map(|s| (first, s));
                let failed = read.is_err();
                if sender.send(read).is_err() || failed {
                    break;
                }
            }
        });
        let mut outcome = Ok(());
        for read in &receiver {
            if let Err(error) = read
                .map_err(E::from)
                .and_then(|(first, samples)| visit(first, samples))
            {
                outcome = Err(error);
                break;
            }
        }
        // Dropping the receiver stops the reader at its next send.
        drop(receiver);
        let _ = reader.join();
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_bytes_refuses_what_overflows_the_address_space() {
        assert_eq!(shape_bytes(&[3, 4, 5], 2), Some(120));
        assert_eq!(shape_bytes(&[], 8), Some(8));
        assert_eq!(shape_bytes(&[usize::MAX, 2], 1), None);
        assert_eq!(shape_bytes(&[1 << 40, 1 << 40], 2), None);
        assert_eq!(shape_bytes(&[isize::MAX as usize], 2), None);
    }

    #[test]
    fn a_frame_beyond_the_limit_is_refused_before_any_read() {
        // The shape is a header's word: no samples stand behind it.
        let mut vast = InMemory::new(vec![1, 200_000, 200_000], Samples::U16(Vec::new()));
        let mut visits = 0;
        let error = stream_frames::<MovieError>(&mut vast, 1, |_, _| {
            visits += 1;
            Ok(())
        })
        .expect_err("refused");
        assert_eq!(visits, 0);
        assert!(
            matches!(error, MovieError::FrameTooLarge { bytes: 80_000_000_000, limit, .. }
                if limit == MAX_FRAME_BYTES),
            "{error}"
        );
        // At the limit exactly: accepted (2^29 uint16 samples).
        let edge = InMemory::new(vec![0, 1 << 14, 1 << 15], Samples::U16(Vec::new()));
        assert!(check_frame_size(&edge).is_ok());
        let beyond = InMemory::new(vec![0, 1 << 14, (1 << 15) + 1], Samples::U16(Vec::new()));
        assert!(check_frame_size(&beyond).is_err());
    }

    #[test]
    fn streams_every_frame_in_order_and_stops_on_error() {
        let mut movie = InMemory::new(vec![7, 2], Samples::U16((0..14).collect()));
        let mut seen = Vec::new();
        stream_frames::<MovieError>(&mut movie, 3, |first, samples| {
            seen.push((first, samples.len()));
            Ok(())
        })
        .expect("stream");
        assert_eq!(seen, [(0, 6), (3, 6), (6, 2)]);
        let mut calls = 0;
        let stopped = stream_frames::<MovieError>(&mut movie, 2, |first, _| {
            calls += 1;
            if first == 2 {
                Err(MovieError::Range {
                    start: 2,
                    end: 4,
                    frames: 0,
                })
            } else {
                Ok(())
            }
        });
        assert!(stopped.is_err());
        assert_eq!(calls, 2);
    }

    #[test]
    fn frame_ranges_are_sources_of_their_own() {
        let mut movie = InMemory::new(vec![7, 2], Samples::U16((0..14).collect()));
        let mut part = FrameRange::new(&mut movie, 2..5).expect("inside");
        assert_eq!(part.shape(), [3, 2]);
        assert_eq!(
            part.read_frames(1, 2).expect("read"),
            Samples::U16(vec![6, 7, 8, 9])
        );
        assert!(part.read_frames(2, 2).is_err(), "past the range's end");
        assert!(FrameRange::new(&mut movie, 5..8).is_err());
        #[allow(
            clippy::reversed_empty_ranges,
            reason = "the reversed range is the case under test"
        )]
        let reversed = FrameRange::new(&mut movie, 5..2);
        assert!(reversed.is_err());
    }
}
