//! Whole pyramids of in-memory arrays, in parallel.
//!
//! The input is cut along its outermost axis (in memory) into segments that start at a
//! multiple of the rows one top-level row covers, so every segment's cascade is independent;
//! each writes its rows of every level straight into its part of the outputs. C- and
//! Fortran-ordered arrays are read in place; other layouts are copied to C order first.

use std::borrow::Cow;
use std::sync::Arc;

use ndarray::{Array, ArrayView, ArrayViewMut, Dimension, IxDyn, ShapeBuilder};
use rayon::prelude::*;

use crate::cascade::{LevelSink, pipeline};
use crate::error::{PyramidError, SinkError};
use crate::order::MemoryOrder;
use crate::plan::Plan;
use crate::pyramid::Pyramid;
use crate::sample::Sample;

impl Pyramid {
    /// Builds every level of `input` (any dimensionality; factors apply to its axes in order,
    /// axis 0 first). Levels come back in the memory order of the input.
    ///
    /// Several levels come from one pass: only the input, the outputs and a few rows per level
    /// are in memory. Runs on the rayon thread pool.
    ///
    /// # Errors
    /// As [`Pyramid::level_shapes`], and [`PyramidError::Overflow`] for averages whose exact
    /// sums would not fit.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "views are cheap handles; by value is the idiom"
    )]
    pub fn build<T: Sample, D: Dimension>(
        &self,
        input: ArrayView<'_, T, D>,
    ) -> Result<Vec<Array<T, D>>, PyramidError> {
        let shape = input.shape().to_vec();
        let (order, data) = in_memory_order(&input);
        let plan = Arc::new(Plan::in_memory::<T>(self, &shape, order)?);
        let levels = run(&plan, &data)?;
        levels
            .into_iter()
            .zip(&plan.logical_levels)
            .map(|(samples, logical)| {
                let shape = IxDyn(logical);
                let array = match order {
                    MemoryOrder::C => Array::from_shape_vec(shape, samples),
                    MemoryOrder::Fortran => Array::from_shape_vec(shape.f(), samples),
                };
                array
                    .map_err(|_| internal("level shape"))?
                    .into_dimensionality::<D>()
                    .map_err(|_| internal("level dimensionality"))
            })
            .collect()
    }

    /// [`Pyramid::build`] into levels the caller holds, so that building pyramid after
    /// pyramid of arrays of one shape reuses their memory: nothing as large as a level is
    /// allocated, and no page of it is zeroed or faulted in again. Each of `levels` must
    /// have its level's shape and be contiguous in the memory order of `input` (C order for
    /// inputs of other layouts), as [`Pyramid::build`] returns them.
    ///
    /// ```
    /// use anscombe_pyramid::{Method, Pyramid};
    /// use ndarray::Array2;
    ///
    /// let pyramid = Pyramid::new(Method::Average, &[2, 2], 2)?;
    /// let mut levels = pyramid.build(Array2::<u8>::zeros((8, 8)).view())?;
    /// for value in [10u8, 20] {
    ///     let frame = Array2::from_elem((8, 8), value);
    ///     let mut views: Vec<_> = levels.iter_mut().map(|l| l.view_mut()).collect();
    ///     pyramid.build_into(frame.view(), &mut views)?;
    ///     assert!(levels.iter().flatten().all(|&v| v == value));
    /// }
    /// # Ok::<(), anscombe_pyramid::PyramidError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Pyramid::build`], and [`PyramidError::LevelLayout`] for a level of the wrong
    /// number, shape or memory order.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "views are cheap handles; by value is the idiom"
    )]
    pub fn build_into<T: Sample, D: Dimension>(
        &self,
        input: ArrayView<'_, T, D>,
        levels: &mut [ArrayViewMut<'_, T, D>],
    ) -> Result<(), PyramidError> {
        let shape = input.shape().to_vec();
        let (order, data) = in_memory_order(&input);
        let plan = Arc::new(Plan::in_memory::<T>(self, &shape, order)?);
        let layout = |level: usize, got: Option<&[usize]>| PyramidError::LevelLayout {
            level,
            expected: plan.logical_levels.get(level).cloned(),
            got: got.map(<[usize]>::to_vec),
            order,
        };
        if levels.len() != plan.logical_levels.len() {
            return Err(layout(levels.len().min(plan.logical_levels.len()), None));
        }
        let mut outputs = Vec::with_capacity(levels.len());
        for (level, (view, expected)) in levels.iter_mut().zip(&plan.logical_levels).enumerate() {
            let got = view.shape().to_vec();
            let samples = match order {
                MemoryOrder::C => view.view_mut().into_slice(),
                MemoryOrder::Fortran => view.view_mut().reversed_axes().into_slice(),
            };
            match samples {
                Some(samples) if got == *expected => outputs.push(samples),
                _ => return Err(layout(level, Some(&got))),
            }
        }
        run_into(&plan, &data, outputs)
    }
}

/// The samples of `input` in C order of its own axes or of its reversed axes (Fortran
/// order), read in place; other layouts are copied to C order.
fn in_memory_order<'a, T: Sample, D: Dimension>(
    input: &ArrayView<'a, T, D>,
) -> (MemoryOrder, Cow<'a, [T]>) {
    if let Some(data) = input.to_slice() {
        (MemoryOrder::C, Cow::Borrowed(data))
    } else if let Some(data) = input.clone().reversed_axes().to_slice() {
        (MemoryOrder::Fortran, Cow::Borrowed(data))
    } else {
        (MemoryOrder::C, Cow::Owned(input.iter().copied().collect()))
    }
}

/// An invariant of the engine that did not hold (a bug, reported rather than panicking).
fn internal(what: &str) -> PyramidError {
    PyramidError::Sink {
        level: 0,
        source: format!("internal error: {what}").into(),
    }
}

/// Runs the plan over C-ordered `data`, returning each level's samples.
fn run<T: Sample>(plan: &Arc<Plan>, data: &[T]) -> Result<Vec<Vec<T>>, PyramidError> {
    let mut outputs: Vec<Vec<T>> = plan
        .level_shapes
        .iter()
        .map(|s| zeroed_in_parallel(s.iter().product()))
        .collect();
    run_into(
        plan,
        data,
        outputs.iter_mut().map(Vec::as_mut_slice).collect(),
    )?;
    Ok(outputs)
}

/// Runs the plan over C-ordered `data`, writing each level's samples into `outputs` (C order,
/// each as long as its level).
pub(crate) fn run_into<T: Sample>(
    plan: &Arc<Plan>,
    data: &[T],
    outputs: Vec<&mut [T]>,
) -> Result<(), PyramidError> {
    let rows = plan.shape[0];
    let row_len = plan.row_len();
    let per_level_row = plan.rows_per_level_row();
    let level_row_len: Vec<usize> = plan
        .level_shapes
        .iter()
        .map(|s| s[1..].iter().product())
        .collect();
    if data.is_empty() || outputs.is_empty() {
        return Ok(());
    }
    let align = plan.alignment();
    let blocks = rows.div_ceil(align);
    let parts = blocks.min(4 * rayon::current_num_threads()).max(1);
    let bounds: Vec<usize> = (0..=parts)
        .map(|i| (blocks * i / parts * align).min(rows))
        .collect();
    let mut segments: Vec<Vec<&mut [T]>> = (0..parts).map(|_| Vec::new()).collect();
    for (level, output) in outputs.into_iter().enumerate() {
        let mut rest: &mut [T] = output;
        for (segment, slices) in segments.iter_mut().enumerate() {
            let per_row = per_level_row[level];
            let level_rows = bounds[segment + 1].div_ceil(per_row) - bounds[segment] / per_row;
            let (head, tail) = rest.split_at_mut(level_rows * level_row_len[level]);
            slices.push(head);
            rest = tail;
        }
    }
    segments
        .into_par_iter()
        .enumerate()
        .try_for_each(|(segment, slices)| {
            let mut sink = SliceSink {
                cursors: vec![0; slices.len()],
                levels: slices,
            };
            let mut cascade = pipeline::<T>(Arc::clone(plan));
            let input = &data[bounds[segment] * row_len..bounds[segment + 1] * row_len];
            cascade.push(input, &mut sink)?;
            cascade.finish(&mut sink)
        })
}

/// `len` default samples, written by every thread of the pool: a level is as large as a
/// quarter of the input, and zeroing it on one thread while the others wait cost a tenth of a
/// two-thread build.
fn zeroed_in_parallel<T: Sample>(len: usize) -> Vec<T> {
    if rayon::current_num_threads() == 1 {
        return vec![T::default(); len];
    }
    let mut samples = Vec::new();
    samples.par_extend(rayon::iter::repeat_n(T::default(), len));
    samples
}

/// Writes each level's rows one after the other into its slice.
struct SliceSink<'a, T> {
    levels: Vec<&'a mut [T]>,
    cursors: Vec<usize>,
}

impl<T: Copy> LevelSink<T> for SliceSink<'_, T> {
    fn row(&mut self, level: usize, row: &[T]) -> Result<(), SinkError> {
        let at = self.cursors[level];
        let slot = self.levels[level]
            .get_mut(at..at + row.len())
            .ok_or("internal error: more rows than the level holds")?;
        slot.copy_from_slice(row);
        self.cursors[level] += row.len();
        Ok(())
    }

    fn row_slot(&mut self, level: usize, len: usize) -> Option<&mut [T]> {
        let at = self.cursors[level];
        let slot = self.levels[level].get_mut(at..at + len)?;
        self.cursors[level] += len;
        Some(slot)
    }
}
