//! What can go wrong computing a background; each message says what to change.

use anscombe_io::MovieError;

/// Errors of background computation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackgroundError {
    /// The movie could not be read.
    #[error(transparent)]
    Movie(#[from] MovieError),
    /// Not a (frames, height, width) movie.
    #[error("a background needs a (frames, height, width) movie, got shape {0:?}")]
    Shape(Vec<usize>),
    /// A sample type the median is not computed for.
    #[error(
        "{0} movies have no background here (supported: integers of 8 to 32 bits and floats; \
         bool and 64-bit integers through SamplePlan's conversion)"
    )]
    Type(String),
    /// Too few frames for the method.
    #[error("{frames} frames are too few: {needed}")]
    TooShort {
        /// Frames of the movie.
        frames: usize,
        /// What the method needs, in words.
        needed: String,
    },
    /// A parameter out of its range.
    #[error("{0}")]
    Parameter(String),
    /// A time axis that does not fit the movie.
    #[error("time axis: {0}")]
    Time(String),
    /// The sink of the output frames failed.
    #[error("writing the background: {0}")]
    Sink(String),
}
