//! What can go wrong building a pyramid; each message says what to change.

use crate::accumulate::Overflow;
use crate::methods::Method;
use crate::order::MemoryOrder;

/// An error a [`LevelSink`](crate::LevelSink) reports (a failed chunk write, say).
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Errors of pyramid building.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PyramidError {
    /// A factor of zero.
    #[error("pooling factors must be at least 1 along every axis, got {0:?}")]
    ZeroFactor(Vec<usize>),
    /// All factors are 1.
    #[error("factors {0:?} reduce no axis: at least one must be 2 or more")]
    NoReduction(Vec<usize>),
    /// More factors than axes, or an array of no axes.
    #[error("{factors} pooling factors for an array of {rank} axes")]
    Rank {
        /// Factors given.
        factors: usize,
        /// Axes of the array.
        rank: usize,
    },
    /// Sparse mode asked of a method without one.
    #[error("sparse mode exists for average and mode pooling, not {0}")]
    Sparse(Method),
    /// A level would leave the array as it is.
    #[error(
        "level {level} would not shrink the array further (the previous level is {shape:?}); \
         ask for at most {possible} levels"
    )]
    TooManyLevels {
        /// The first level that cannot be made (0 is the first downsampled level).
        level: usize,
        /// Shape of the level before it.
        shape: Vec<usize>,
        /// How many levels this array and these factors allow.
        possible: usize,
    },
    /// The exact running sums of an average would not fit the accumulator.
    #[error(
        "{levels} levels of {block}-sample blocks need sums of {needed} bits more than a sample, \
         the accumulator has {available}; ask for fewer levels"
    )]
    Overflow {
        /// Levels asked for.
        levels: usize,
        /// Samples per pooling block.
        block: usize,
        /// Bits of headroom needed.
        needed: u32,
        /// Bits of headroom there are.
        available: u32,
    },
    /// Samples pushed to a [`Streamer`](crate::Streamer) that do not make whole rows.
    #[error("{len} samples are not a whole number of rows of {row_len}")]
    PartialRow {
        /// Samples pushed.
        len: usize,
        /// Samples per row.
        row_len: usize,
    },
    /// More rows pushed than the array has.
    #[error("more than the {rows} rows the array has were pushed")]
    TooManyRows {
        /// Rows of the array.
        rows: usize,
    },
    /// Fewer rows pushed than the array has.
    #[error("the stream ended after {pushed} of {rows} rows")]
    MissingRows {
        /// Rows pushed.
        pushed: usize,
        /// Rows of the array.
        rows: usize,
    },
    /// Levels handed to [`Pyramid::build_into`](crate::Pyramid::build_into) that do not
    /// fit the pyramid.
    #[error(
        "level {level} must be a contiguous array of shape {expected:?} in the input's memory \
         order ({order:?}), got {}",
        got.as_ref().map_or("no such level".to_string(), |g| format!("one of shape {g:?} or another layout"))
    )]
    LevelLayout {
        /// The level (the first missing or surplus one when the count is wrong).
        level: usize,
        /// Its shape, or `None` for a level the pyramid does not have.
        expected: Option<Vec<usize>>,
        /// The shape given, or `None` for a missing level.
        got: Option<Vec<usize>>,
        /// The memory order the level must have.
        order: MemoryOrder,
    },
    /// The sink could not take a level's rows.
    #[error("writing level {level}: {source}")]
    Sink {
        /// The level.
        level: usize,
        /// What the sink reported.
        source: SinkError,
    },
}

impl From<Overflow> for PyramidError {
    fn from(
        Overflow {
            levels,
            block,
            needed,
            available,
        }: Overflow,
    ) -> Self {
        PyramidError::Overflow {
            levels,
            block,
            needed,
            available,
        }
    }
}
