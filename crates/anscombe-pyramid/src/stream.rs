//! Pyramids of arrays larger than memory: push the input a few rows at a time, take each
//! level's rows as they are ready.

use std::sync::Arc;

use crate::cascade::{LevelSink, Pipeline, pipeline};
use crate::error::PyramidError;
use crate::order::MemoryOrder;
use crate::plan::Plan;
use crate::pyramid::Pyramid;
use crate::sample::Sample;

/// Builds a pyramid of a C-ordered array whose rows (slabs along axis 0) arrive in order.
///
/// Memory is a block of rows per level; a level's rows reach the [`LevelSink`] as soon as
/// they are complete, so a writer can store each level chunk row by chunk row.
///
/// ```
/// use anscombe_pyramid::{Method, Pyramid, Streamer};
///
/// let pyramid = Pyramid::new(Method::Average, &[2, 2], 2)?;
/// let mut streamer = Streamer::<u8>::new(&pyramid, &[4, 4])?;
/// let mut levels: Vec<Vec<u8>> = vec![Vec::new(); 2];
/// let mut sink = |level: usize, row: &[u8]| {
///     levels[level].extend_from_slice(row);
///     Ok(())
/// };
/// for row in (0u8..16).collect::<Vec<_>>().chunks(4) {
///     streamer.push(row, &mut sink)?;
/// }
/// streamer.finish(&mut sink)?;
/// assert_eq!(levels, [vec![2, 4, 10, 12], vec![7]]);
/// # Ok::<(), anscombe_pyramid::PyramidError>(())
/// ```
pub struct Streamer<T: Sample> {
    plan: Arc<Plan>,
    cascade: Box<dyn Pipeline<T>>,
    pushed: usize,
}

impl<T: Sample> std::fmt::Debug for Streamer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streamer")
            .field("shape", &self.plan.shape)
            .field("pushed", &self.pushed)
            .finish_non_exhaustive()
    }
}

impl<T: Sample> Streamer<T> {
    /// A streamer for a C-ordered array of `shape`.
    ///
    /// # Errors
    /// As [`Pyramid::level_shapes`]; [`PyramidError::Overflow`] for averages whose exact sums
    /// would not fit.
    pub fn new(pyramid: &Pyramid, shape: &[usize]) -> Result<Self, PyramidError> {
        let plan = Arc::new(Plan::new::<T>(pyramid, shape, MemoryOrder::C)?);
        Ok(Streamer {
            cascade: pipeline::<T>(Arc::clone(&plan)),
            plan,
            pushed: 0,
        })
    }

    /// The shape of each level.
    #[allow(
        clippy::misnamed_getters,
        reason = "the shapes as the caller sees them, not the engine's"
    )]
    pub fn level_shapes(&self) -> &[Vec<usize>] {
        &self.plan.logical_levels
    }

    /// Samples per input row.
    pub fn row_len(&self) -> usize {
        self.plan.row_len()
    }

    /// Takes the next whole rows of the input.
    ///
    /// # Errors
    /// [`PyramidError::PartialRow`], [`PyramidError::TooManyRows`], or the sink's error.
    pub fn push(&mut self, rows: &[T], sink: &mut dyn LevelSink<T>) -> Result<(), PyramidError> {
        let row_len = self.row_len();
        if row_len == 0 || !rows.len().is_multiple_of(row_len) {
            return Err(PyramidError::PartialRow {
                len: rows.len(),
                row_len,
            });
        }
        let total = self.plan.shape[0];
        let count = rows.len() / row_len;
        if self.pushed + count > total {
            return Err(PyramidError::TooManyRows { rows: total });
        }
        self.pushed += count;
        self.cascade.push(rows, sink)
    }

    /// Ends the input: the last partial blocks are pooled and every level is complete.
    ///
    /// # Errors
    /// [`PyramidError::MissingRows`] when fewer rows than the shape has were pushed, or the
    /// sink's error.
    pub fn finish(mut self, sink: &mut dyn LevelSink<T>) -> Result<(), PyramidError> {
        let rows = self.plan.shape[0];
        if self.pushed != rows && self.row_len() > 0 {
            return Err(PyramidError::MissingRows {
                pushed: self.pushed,
                rows,
            });
        }
        self.cascade.finish(sink)
    }
}
