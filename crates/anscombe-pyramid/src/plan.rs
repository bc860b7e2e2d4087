//! A recipe turned into the stages the engine runs on one array.
//!
//! The engine sees every array in C order: Fortran-ordered input is the C-ordered array of
//! reversed axes, so its axes and factors are reversed here, and the order in which block
//! values are combined is reversed with them (the first logical axis always varies fastest,
//! so results do not depend on the memory order).

use crate::block::Block;
use crate::error::PyramidError;
use crate::methods::Operation;
use crate::order::MemoryOrder;
use crate::pyramid::Pyramid;
use crate::sample::Sample;
use crate::stage::{Layout, StageOp, WithOp};

/// One reduction pass; a level is one stage, or several 2x passes for mode pooling.
#[derive(Debug, Clone)]
pub(crate) struct Stage {
    pub(crate) block: Block,
    /// The output level this stage's rows are, if any.
    pub(crate) emit: Option<usize>,
    /// Whether the carry this stage hands on is summed in pairs along the line (see
    /// [`pair_carries`]).
    pub(crate) paired_carry: bool,
}

impl Stage {
    /// Values per line of the carry this stage hands on.
    pub(crate) fn carry_width(&self) -> usize {
        let width = self.block.line_width();
        if self.paired_carry {
            width.div_ceil(2)
        } else {
            width
        }
    }

    /// Values in a row of the carry this stage hands on.
    pub(crate) fn carry_len(&self) -> usize {
        self.block.lines() * self.carry_width()
    }
}

/// Everything the engine needs to build one pyramid of one array.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Canonical (C-order) shape of the input, at least 2 axes.
    pub(crate) shape: Vec<usize>,
    pub(crate) stages: Vec<Stage>,
    /// Canonical shapes of the levels.
    pub(crate) level_shapes: Vec<Vec<usize>>,
    /// Shapes of the levels as the caller sees them.
    pub(crate) logical_levels: Vec<Vec<usize>>,
    pub(crate) operation: Operation,
}

/// Bytes of input per engine row that merging small rows aims for: rows of this size (a
/// 1024 x 1024 `uint8` frame) let the lockstep group kernels read streams in different
/// pages, which rows of one or a few pages do not.
const MERGED_ROW_BYTES: usize = 1 << 20;

impl Plan {
    /// Plans `pyramid` for a `T` array of logical `shape` in `order`, whose rows (slabs along
    /// the outermost axis in memory) arrive one by one.
    pub(crate) fn new<T: Sample>(
        pyramid: &Pyramid,
        shape: &[usize],
        order: MemoryOrder,
    ) -> Result<Self, PyramidError> {
        Self::with_rows::<T>(pyramid, shape, order, false)
    }

    /// [`Plan::new`] for an array held whole in memory: the engine may treat several
    /// consecutive small rows as one (see [`rows_to_merge`]), which changes the rows it hands
    /// to its sink but not the samples of any level, in memory order.
    pub(crate) fn in_memory<T: Sample>(
        pyramid: &Pyramid,
        shape: &[usize],
        order: MemoryOrder,
    ) -> Result<Self, PyramidError> {
        Self::with_rows::<T>(pyramid, shape, order, true)
    }

    fn with_rows<T: Sample>(
        pyramid: &Pyramid,
        shape: &[usize],
        order: MemoryOrder,
        merge: bool,
    ) -> Result<Self, PyramidError> {
        let factors = pyramid.factors_for(shape.len())?;
        let logical_levels = pyramid.level_shapes(shape)?;
        let (mut canonical, mut canonical_factors) = (shape.to_vec(), factors.clone());
        let mut level_shapes = logical_levels.clone();
        if order == MemoryOrder::Fortran {
            canonical.reverse();
            canonical_factors.reverse();
            for s in &mut level_shapes {
                s.reverse();
            }
        }
        if canonical.len() == 1 {
            canonical.push(1);
            canonical_factors.push(1);
            for s in &mut level_shapes {
                s.push(1);
            }
        }
        let merged = if merge {
            rows_to_merge(
                &canonical,
                &canonical_factors,
                pyramid.levels,
                size_of::<T>(),
            )
        } else {
            1
        };
        if merged > 1 {
            canonical[0] /= merged;
            canonical[1] *= merged;
            for s in &mut level_shapes {
                s[0] /= merged;
                s[1] *= merged;
            }
        }
        let operation =
            Operation::new::<T>(pyramid.method, pyramid.sparse, pyramid.levels, &factors)?;
        let (layout, passes) = operation.with_op::<T, _>(StagesOf(&canonical_factors));
        // Exact integer sums may be combined in any order; taking the two samples of a line
        // pair together (last axis fastest) lets the kernel add them in one pass.
        let outer_fastest = order == MemoryOrder::C && !layout.order_free;
        let first_only = layout.first_only;
        let mut stages = Vec::new();
        let mut current = canonical.clone();
        for level in 0..pyramid.levels {
            for (i, f) in passes.iter().enumerate() {
                let block = Block::new(f[0], &current[1..], &f[1..], outer_fastest, first_only);
                current = current
                    .iter()
                    .zip(f)
                    .map(|(&n, &f)| n.div_ceil(f))
                    .collect();
                let emit = (i + 1 == passes.len()).then_some(level);
                stages.push(Stage {
                    block,
                    emit,
                    paired_carry: false,
                });
            }
        }
        if layout.paired_carries {
            pair_carries(&mut stages);
        }
        Ok(Plan {
            shape: canonical,
            stages,
            level_shapes,
            logical_levels,
            operation,
        })
    }

    /// Samples per input row.
    pub(crate) fn row_len(&self) -> usize {
        self.shape[1..].iter().product()
    }

    /// Input rows per block of the last stage: segments of the input that start at a
    /// multiple of this are independent.
    pub(crate) fn alignment(&self) -> usize {
        self.stages.iter().map(|s| s.block.f0).product()
    }

    /// Input rows per output row of each level.
    pub(crate) fn rows_per_level_row(&self) -> Vec<usize> {
        let mut per_row = Vec::new();
        let mut product = 1;
        for stage in &self.stages {
            product *= stage.block.f0;
            if stage.emit.is_some() {
                per_row.push(product);
            }
        }
        per_row
    }
}

/// How many consecutive rows of a C-ordered array of `shape` the engine may take as one
/// taller row when pooling by `factors` over `levels` levels: rows are then closer to
/// [`MERGED_ROW_BYTES`] (64 x 64 frames are one page each). Only when no level pools along
/// the outermost axis and every level divides the next axis exactly, so that no block
/// straddles two of the merged rows and no edge is replicated there, and only while at
/// least 16 merged rows remain to share among threads; 1 otherwise.
fn rows_to_merge(shape: &[usize], factors: &[usize], levels: usize, sample_bytes: usize) -> usize {
    if shape.len() < 3 || factors[0] != 1 {
        return 1;
    }
    let Some(whole) = u32::try_from(levels)
        .ok()
        .and_then(|levels| factors[1].checked_pow(levels))
    else {
        return 1;
    };
    let row_bytes = shape[1..].iter().product::<usize>() * sample_bytes;
    if whole == 0 || !shape[1].is_multiple_of(whole) || row_bytes == 0 {
        return 1;
    }
    let most = (MERGED_ROW_BYTES / row_bytes).min(shape[0] / 16);
    (1..=most)
        .rev()
        .find(|&k| shape[0].is_multiple_of(k))
        .unwrap_or(1)
}

/// Moves the pairing along the line of each everyday 2x2 stage (see [`Block::pairs_lines`])
/// that another follows into the stage before it: that stage hands on its block sums already
/// added in pairs along the line, a carry half as wide, and the next stage's block becomes
/// 2x1 over those pairs. The sums are the same (exact integer sums, in any order); the
/// pairing is done while the sums are still in the L1 cache and while the stage before waits
/// on memory for its input, and half as much carry is written and read back.
fn pair_carries(stages: &mut [Stage]) {
    let pairs: Vec<bool> = stages.iter().map(|s| s.block.pairs_lines()).collect();
    for k in 1..stages.len() {
        if pairs[k - 1] && pairs[k] {
            stages[k - 1].paired_carry = true;
            let lines = stages[k].block.in_inner[0];
            let paired = stages[k - 1].carry_width();
            stages[k].block = Block::new(1, &[lines, paired], &[2, 1], false, false);
        }
    }
}

/// What the plan needs of a method's [`StageOp`]: its layout, and the factors of the stages
/// of one level pooled by the factors given.
struct StagesOf<'f>(&'f [usize]);

impl<T: Sample> WithOp<T> for StagesOf<'_> {
    type Output = (Layout, Vec<Vec<usize>>);

    fn with<O: StageOp<T> + 'static>(self, op: O) -> Self::Output {
        (O::LAYOUT, op.passes(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::{Method, Schedule};

    #[test]
    fn tinybrain_schedules_for_small_integers_only() {
        let p = Pyramid::new(Method::Average, &[2, 2, 1], 5).unwrap();
        let plan = Plan::new::<u8>(&p, &[97, 75, 2], MemoryOrder::C).unwrap();
        assert_eq!(
            plan.operation,
            Operation::Average(Schedule::Periodic {
                bits: 2,
                period: 4,
                wide: false
            })
        );
        let plan = Plan::new::<u32>(&p, &[97, 75, 2], MemoryOrder::C).unwrap();
        assert_eq!(
            plan.operation,
            Operation::Average(Schedule::Exact { block: 4 })
        );
        let p = Pyramid::new(Method::Average, &[2, 2, 2], 2).unwrap();
        let plan = Plan::new::<i16>(&p, &[9, 9, 9], MemoryOrder::C).unwrap();
        assert!(matches!(
            plan.operation,
            Operation::Average(Schedule::Periodic { period: 5, .. })
        ));
    }

    #[test]
    fn integer_averages_pair_the_carries_of_everyday_stages() {
        let p = Pyramid::new(Method::Average, &[2, 2, 1], 3).unwrap();
        let plan = Plan::new::<u8>(&p, &[75, 40, 3], MemoryOrder::Fortran).unwrap();
        let paired: Vec<bool> = plan.stages.iter().map(|s| s.paired_carry).collect();
        assert_eq!(paired, [true, true, false]);
        // Stage 0 reduces 40 lines of 75 into 20 of 38 and hands on 20 lines of 19 pairs.
        assert_eq!(plan.stages[0].carry_len(), 20 * 19);
        assert_eq!(plan.stages[1].block.in_inner, [20, 19]);
        assert_eq!(plan.stages[1].block.factors, [2, 1]);
        assert_eq!(plan.stages[1].block.out_inner, [10, 19]);
        assert_eq!(plan.stages[2].block.in_inner, [10, 10]);
        assert_eq!(plan.stages[2].block.out_inner, plan.level_shapes[2][1..]);
        // Not for floats (sums in order), mode, or blocks other than 2x2 inside a row.
        let plan = Plan::new::<f32>(&p, &[75, 40, 3], MemoryOrder::Fortran).unwrap();
        assert!(plan.stages.iter().all(|s| !s.paired_carry));
        let mode = Pyramid::new(Method::Mode, &[2, 2, 1], 3).unwrap();
        let plan = Plan::new::<u8>(&mode, &[75, 40, 3], MemoryOrder::Fortran).unwrap();
        assert!(plan.stages.iter().all(|s| !s.paired_carry));
        let plan = Plan::new::<u8>(&p, &[75, 40, 3], MemoryOrder::C).unwrap();
        assert!(plan.stages.iter().all(|s| !s.paired_carry));
    }

    #[test]
    fn small_rows_are_merged_only_where_no_block_straddles_them() {
        // 64 frames of 8 x 13: 2 levels halve 8 exactly, so up to 64 / 16 = 4 frames merge.
        assert_eq!(rows_to_merge(&[64, 8, 13], &[1, 2, 2], 2, 1), 4);
        assert_eq!(rows_to_merge(&[60, 8, 13], &[1, 2, 2], 2, 1), 3);
        // 4 levels do not divide 8; pooling along frames; rows of 1 MiB or more; few rows.
        assert_eq!(rows_to_merge(&[64, 8, 13], &[1, 2, 2], 4, 1), 1);
        assert_eq!(rows_to_merge(&[64, 8, 13], &[2, 2, 2], 1, 1), 1);
        assert_eq!(rows_to_merge(&[64, 1024, 1024], &[1, 2, 2], 1, 1), 1);
        assert_eq!(rows_to_merge(&[31, 8, 13], &[1, 2, 2], 1, 1), 1);
        assert_eq!(rows_to_merge(&[64, 13], &[1, 2], 1, 1), 1);
        // Only arrays held whole are planned merged; the streamer's rows stay frames.
        let p = Pyramid::new(Method::Average, &[2, 2, 1], 2).unwrap();
        let plan = Plan::in_memory::<u16>(&p, &[13, 8, 64], MemoryOrder::Fortran).unwrap();
        assert_eq!(plan.shape, [16, 32, 13]);
        assert_eq!(plan.level_shapes, [vec![16, 16, 7], vec![16, 8, 4]]);
        assert_eq!(plan.logical_levels, [vec![7, 4, 64], vec![4, 2, 64]]);
        let plan = Plan::new::<u16>(&p, &[13, 8, 64], MemoryOrder::Fortran).unwrap();
        assert_eq!(plan.shape, [64, 8, 13]);
    }

    #[test]
    fn fortran_input_is_planned_on_reversed_axes() {
        let p = Pyramid::new(Method::Mode, &[4, 2, 1], 1).unwrap();
        let plan = Plan::new::<u8>(&p, &[16, 8, 3], MemoryOrder::Fortran).unwrap();
        assert_eq!(plan.shape, [3, 8, 16]);
        assert_eq!(plan.stages.len(), 2);
        assert_eq!(plan.stages[0].block.factors, [2, 2]);
        assert_eq!(plan.stages[1].block.factors, [1, 2]);
        assert_eq!(plan.level_shapes, [vec![3, 4, 4]]);
        assert_eq!(plan.stages[1].emit, Some(0));
    }

    #[test]
    fn mode_with_other_factors_strides_as_tinybrain() {
        let p = Pyramid::new(Method::Mode, &[3, 3, 1], 1).unwrap();
        let plan = Plan::new::<i64>(&p, &[16, 12, 2], MemoryOrder::C).unwrap();
        assert_eq!(plan.operation, Operation::Stride);
        assert_eq!(plan.stages[0].block.offsets.len(), 1);
    }

    #[test]
    fn overflowing_exact_sums_are_refused() {
        let p = Pyramid::new(Method::Average, &[1000, 1000], 6).unwrap();
        let err = Plan::new::<u64>(&p, &[usize::MAX / 2, 2], MemoryOrder::C);
        assert!(matches!(
            err,
            Err(PyramidError::Overflow {
                needed: 120,
                available: 64,
                ..
            })
        ));
    }
}
