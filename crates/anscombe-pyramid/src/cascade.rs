//! The streaming engine: rows of the input go in, rows of every level come out, and only a
//! block's worth of rows per stage is held in between.
//!
//! Stage 0 waits for `f0` input rows (borrowing them from the caller when a block arrives
//! whole), reduces them into a carry row and hands it up: an emitting stage renders it to the
//! sink, and the next stage collects `f0` carry rows before reducing them in turn. At the end
//! of the input, partial blocks repeat their last row (edge replication).

use std::sync::Arc;

use crate::error::{PyramidError, SinkError};
use crate::lines::{
    Bands, LINES_IN_FLIGHT, LineGroup, LineJob, LineSources, Sources, paired_group,
};
use crate::plan::{Plan, Stage};
use crate::sample::Sample;
use crate::stage::{Carries, Samples, Source, StageOp, WithOp};

/// Where the rows of each level go (a chunk writer, say). Rows arrive in order within a level,
/// in C order, each a slab along the outermost axis in memory.
pub trait LevelSink<T> {
    /// Takes the next row of `level`.
    ///
    /// # Errors
    /// Whatever the sink cannot do; the build stops with [`PyramidError::Sink`].
    fn row(&mut self, level: usize, row: &[T]) -> Result<(), SinkError>;

    /// The memory the next row of `level` (of `len` samples) belongs in, if the sink has
    /// it: the row is then rendered there, and counts as taken, instead of being passed to
    /// [`LevelSink::row`].
    fn row_slot(&mut self, level: usize, len: usize) -> Option<&mut [T]> {
        let _ = (level, len);
        None
    }
}

impl<T, F: FnMut(usize, &[T]) -> Result<(), SinkError>> LevelSink<T> for F {
    fn row(&mut self, level: usize, row: &[T]) -> Result<(), SinkError> {
        self(level, row)
    }
}

/// A cascade of any pooling method, behind one object-safe face.
pub(crate) trait Pipeline<T>: Send {
    /// Takes whole input rows.
    fn push(&mut self, rows: &[T], sink: &mut dyn LevelSink<T>) -> Result<(), PyramidError>;
    /// Flushes the partial blocks at the end of the input.
    fn finish(&mut self, sink: &mut dyn LevelSink<T>) -> Result<(), PyramidError>;
}

/// The cascade for `plan`'s operation.
pub(crate) fn pipeline<T: Sample>(plan: Arc<Plan>) -> Box<dyn Pipeline<T>> {
    let operation = plan.operation;
    operation.with_op::<T, _>(NewCascade(plan))
}

/// Builds the cascade of a method's [`StageOp`] for a plan.
struct NewCascade(Arc<Plan>);

impl<T: Sample> WithOp<T> for NewCascade {
    type Output = Box<dyn Pipeline<T>>;

    fn with<O: StageOp<T> + 'static>(self, op: O) -> Box<dyn Pipeline<T>> {
        Box::new(Cascade::new(self.0, op))
    }
}

struct Cascade<T, O: StageOp<T>> {
    plan: Arc<Plan>,
    op: O,
    row_len: usize,
    /// Input rows of an unfinished stage-0 block.
    pending_input: Vec<T>,
    /// Carry rows waiting at each stage (index 0 unused).
    pending: Vec<Vec<Vec<O::Carry>>>,
    /// Carry rows to reuse, by the stage that made them (so they have its row length).
    spare: Vec<Vec<Vec<O::Carry>>>,
    /// A rendered row, for sinks that take rows by copy.
    rendered: Vec<T>,
    /// One line of carry, for stages whose carry goes nowhere but the output.
    line: Vec<O::Carry>,
    /// The operation's own scratch space.
    scratch: Vec<O::Carry>,
}

impl<T: Sample, O: StageOp<T>> Cascade<T, O> {
    fn new(plan: Arc<Plan>, op: O) -> Self {
        let stages = plan.stages.len();
        Cascade {
            row_len: plan.row_len(),
            plan,
            op,
            pending_input: Vec::new(),
            pending: (0..stages).map(|_| Vec::new()).collect(),
            spare: (0..stages).map(|_| Vec::new()).collect(),
            rendered: Vec::new(),
            line: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Reduces one block of `stage` and renders it if the stage is a level, line by line;
    /// returns the carry row when a later stage needs it.
    fn reduce_block<L: Source<T, O::Carry>>(
        &mut self,
        stage: usize,
        rows: &[&[L::Value]],
        sink: &mut dyn LevelSink<T>,
    ) -> Result<Option<Vec<O::Carry>>, PyramidError> {
        let plan = Arc::clone(&self.plan);
        let current = &plan.stages[stage];
        let block = &current.block;
        let keep = stage + 1 < plan.stages.len();
        let out_len = block.out_len();
        let mut carry = if keep {
            let mut row = self.spare[stage].pop().unwrap_or_default();
            row.resize(current.carry_len(), O::Carry::default());
            row
        } else {
            Vec::new()
        };
        let mut line = std::mem::take(&mut self.line);
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut rendered = std::mem::take(&mut self.rendered);
        let op = &self.op;
        let mut copy_to = None;
        {
            let mut slot: &mut [T] = &mut [];
            if let Some(level) = current.emit {
                slot = if let Some(slot) = sink.row_slot(level, out_len) {
                    slot
                } else {
                    copy_to = Some(level);
                    rendered.resize(out_len, T::default());
                    &mut rendered
                };
            }
            // Lines in groups only for methods with lockstep kernels; others go in order.
            let group = if op.lockstep() { LINES_IN_FLIGHT } else { 1 };
            let mut from = 0;
            if group > 1 {
                let carry = keep.then_some(&mut carry[..]);
                let rendered = current.emit.map(|level| (level, &mut *slot));
                from = pair_groups::<T, O, L>(op, current, rows, carry, rendered, &mut scratch);
            }
            block.for_each_line_group(rows, group, from, |lines| {
                reduce_group::<T, O, L>(
                    op,
                    current,
                    lines,
                    keep.then_some(&mut carry[..]),
                    slot,
                    (&mut line, &mut scratch),
                );
            });
        }
        let result = match copy_to {
            Some(level) => sink
                .row(level, &rendered)
                .map_err(|source| PyramidError::Sink { level, source }),
            None => Ok(()),
        };
        self.line = line;
        self.scratch = scratch;
        self.rendered = rendered;
        result?;
        Ok(keep.then_some(carry))
    }

    /// Reduces `rows` (at most `f0` rows; the last repeats) through stage 0 and up.
    fn first_stage(&mut self, rows: &[T], sink: &mut dyn LevelSink<T>) -> Result<(), PyramidError> {
        let f0 = self.plan.stages[0].block.f0;
        let have = rows.len() / self.row_len;
        let refs: Vec<&[T]> = (0..f0)
            .map(|i| {
                let r = i.min(have - 1);
                &rows[r * self.row_len..(r + 1) * self.row_len]
            })
            .collect();
        let carry = self.reduce_block::<Samples>(0, &refs, sink)?;
        self.advance(0, carry, sink)
    }

    /// Feeds a stage's carry row to the following stages, reducing each whose block is full.
    fn advance(
        &mut self,
        mut stage: usize,
        mut carry: Option<Vec<O::Carry>>,
        sink: &mut dyn LevelSink<T>,
    ) -> Result<(), PyramidError> {
        while let Some(row) = carry {
            let next = stage + 1;
            self.pending[next].push(row);
            if self.pending[next].len() < self.plan.stages[next].block.f0 {
                return Ok(());
            }
            carry = self.reduce_pending(next, sink)?;
            stage = next;
        }
        Ok(())
    }

    /// Reduces the rows waiting at `stage` (repeating the last for a partial block).
    fn reduce_pending(
        &mut self,
        stage: usize,
        sink: &mut dyn LevelSink<T>,
    ) -> Result<Option<Vec<O::Carry>>, PyramidError> {
        let rows = std::mem::take(&mut self.pending[stage]);
        let f0 = self.plan.stages[stage].block.f0;
        let refs: Vec<&[O::Carry]> = (0..f0)
            .map(|i| rows[i.min(rows.len() - 1)].as_slice())
            .collect();
        let carry = self.reduce_block::<Carries>(stage, &refs, sink);
        drop(refs);
        self.spare[stage - 1].extend(rows);
        carry
    }
}

/// Reduces one group of `stage`'s lines (from [`crate::block::Block::for_each_line_group`])
/// into its carry row, when a later stage needs it, and renders them into `slot` when the
/// stage is a level (`slot` is empty when it is not). Takes the fastest pass the method has
/// for the group.
fn reduce_group<T: Sample, O: StageOp<T>, L: Source<T, O::Carry>>(
    op: &O,
    stage: &Stage,
    lines: &[LineSources<'_, '_, L::Value>],
    carry: Option<&mut [O::Carry]>,
    slot: &mut [T],
    (line, scratch): (&mut Vec<O::Carry>, &mut Vec<O::Carry>),
) {
    let block = &stage.block;
    let (width, f) = (block.line_width(), block.line_factor());
    let Some(carry) = carry else {
        if let Some(level) = stage.emit
            && group_jobs(lines, slot, width).is_some_and(|mut jobs| {
                paired_group(&mut jobs, f)
                    .is_some_and(|group| op.pairs_rendered::<L>(level, group, scratch))
            })
        {
            // A whole group reduced and rendered in lockstep, in one pass.
            return;
        }
        for &(start, sources) in lines {
            let target = line_slot(slot, start, width);
            if let Some(level) = stage.emit
                && target.len() == width
                && op.line_rendered::<L>(level, (sources, &mut *target), f, scratch)
            {
                // Reduced and rendered in one pass: no carry line.
            } else if let Some(out) = op.as_carry(target).filter(|t| t.len() == width) {
                // The pooled samples are the output: no carry line, no copy.
                op.reduce_line::<L>(sources, f, out, scratch);
            } else {
                line.resize(width, O::Carry::default());
                op.reduce_line::<L>(sources, f, line, scratch);
                if let Some(level) = stage.emit {
                    op.render_line(level, line, target);
                }
            }
        }
        return;
    };
    if stage.paired_carry {
        reduce_paired_group::<T, O, L>(op, stage, lines, carry, slot, (line, scratch));
        return;
    }
    let mut rendered_all = false;
    let carried_all = group_jobs(lines, carry, width).is_some_and(|mut jobs| {
        if let Some(level) = stage.emit
            && let Some(targets) = group_jobs(lines, slot, width)
        {
            let targets = targets.map(|(_, target)| target);
            rendered_all = paired_group(&mut jobs, f)
                .is_some_and(|group| op.pairs_carried::<L>(group, Some((level, targets)), scratch));
            if rendered_all {
                return true;
            }
        }
        paired_group(&mut jobs, f).is_some_and(|group| op.pairs_carried::<L>(group, None, scratch))
    });
    for &(start, sources) in lines {
        let target = line_slot(slot, start, width);
        let out = &mut carry[start..start + width];
        if !carried_all {
            op.reduce_line::<L>(sources, f, out, scratch);
        }
        if let Some(level) = stage.emit
            && !rendered_all
        {
            op.render_line(level, out, target);
        }
    }
}

/// [`reduce_group`] for a stage that hands on its carry summed in pairs along the line (see
/// [`Stage::paired_carry`]): a whole group in one pass when the method can, otherwise line
/// by line, the sums in `line`, rendered (and re-scaled) and then paired into the carry.
fn reduce_paired_group<T: Sample, O: StageOp<T>, L: Source<T, O::Carry>>(
    op: &O,
    stage: &Stage,
    lines: &[LineSources<'_, '_, L::Value>],
    carry: &mut [O::Carry],
    slot: &mut [T],
    (line, scratch): (&mut Vec<O::Carry>, &mut Vec<O::Carry>),
) {
    let block = &stage.block;
    let (width, f, paired) = (block.line_width(), block.line_factor(), stage.carry_width());
    // Where each line's pairs go in the carry row (a group has at most LINES_IN_FLIGHT).
    let mut carry_lines: [LineSources<'_, '_, L::Value>; LINES_IN_FLIGHT] =
        [(0, &[]); LINES_IN_FLIGHT];
    for (at, &(start, sources)) in carry_lines.iter_mut().zip(lines) {
        *at = (start.checked_div(width).unwrap_or(0) * paired, sources);
    }
    let carry_lines = &carry_lines[..lines.len().min(LINES_IN_FLIGHT)];
    let done = group_jobs(carry_lines, carry, paired).is_some_and(|mut jobs| {
        let rendered = match stage.emit {
            Some(level) => match group_jobs(lines, slot, width) {
                Some(targets) => Some((level, targets.map(|(_, target)| target))),
                None => return false,
            },
            None => None,
        };
        paired_group(&mut jobs, f)
            .is_some_and(|g| op.pairs_paired::<L>(width, g, rendered, scratch))
    });
    if done {
        return;
    }
    for (&(start, sources), &(at, _)) in lines.iter().zip(carry_lines) {
        line.resize(width, O::Carry::default());
        op.reduce_line::<L>(sources, f, line, scratch);
        if let Some(level) = stage.emit {
            op.render_line(level, line, line_slot(slot, start, width));
        }
        op.pair_line(line, &mut carry[at..at + paired]);
    }
}

/// The `width` samples of the output line at `start` in a level's row slot; empty (or
/// short) when the stage renders nothing there (`slot` is empty when it is not a level).
fn line_slot<T>(slot: &mut [T], start: usize, width: usize) -> &mut [T] {
    let len = slot.len();
    &mut slot[start.min(len)..(start + width).min(len)]
}

/// Reduces the whole groups of a row of the everyday 2x2 block (see
/// [`crate::block::Block::pairs_lines`]), or of the 2x1 block over carries summed in pairs
/// (see [`crate::block::Block::adds_lines`]), straight from the row's layout: output line
/// `j` reads input lines `2j` and `2j + 1`, so no per-line source lists are built, which for
/// frames of 256 x 256 cost as much as the arithmetic. Groups are lines `t`, `t + q`,
/// `t + 2q`, `t + 3q` of the first `4q` lines whose blocks lie inside the row, as the general
/// walk forms them. Writes the carry row `carry` (when a later stage needs it; summed in
/// pairs along the line when the stage pairs its carry) and renders into `rendered`'s level
/// (when the stage is one) in one pass; returns `4q` (the general walk does the rest), or 0
/// when the method has no such pass. Where the method has a kernel for all the groups at
/// once (see [`Bands`]), they go to it in one call.
fn pair_groups<T: Sample, O: StageOp<T>, L: Source<T, O::Carry>>(
    op: &O,
    stage: &Stage,
    rows: &[&[L::Value]],
    carry: Option<&mut [O::Carry]>,
    rendered: Option<(usize, &mut [T])>,
    scratch: &mut Vec<O::Carry>,
) -> usize {
    let block = &stage.block;
    let ([row], true) = (rows, block.pairs_lines() || block.adds_lines()) else {
        return 0;
    };
    let factor = block.line_factor();
    let (line_in, width) = (block.in_inner[1], block.line_width());
    let carry_width = stage.carry_width();
    let stride = block.in_inner[0] / 2 / LINES_IN_FLIGHT;
    let covered = stride * LINES_IN_FLIGHT;
    if stride == 0
        || width == 0
        || row.len() < 2 * covered * line_in
        || carry
            .as_ref()
            .is_some_and(|c| c.len() < covered * carry_width)
        || rendered
            .as_ref()
            .is_some_and(|(_, r)| r.len() < covered * width)
    {
        return 0;
    }
    let mut carry = carry.map(|c| quarters(c, stride * carry_width));
    let (level, mut samples) = match rendered {
        Some((level, samples)) => (Some(level), Some(quarters(samples, stride * width))),
        None => (None, None),
    };
    if let (Some(level), Some(samples)) = (level, &mut samples)
        && (carry.is_none() || stage.paired_carry)
    {
        let band_len = 2 * stride * line_in;
        let bands = Bands {
            inputs: std::array::from_fn(|m| &row[m * band_len..(m + 1) * band_len]),
            line_in,
            rendered: samples.each_mut().map(|s| &mut **s),
            factor,
            carry: carry.as_mut().map(|c| c.each_mut().map(|c| &mut **c)),
        };
        if op.bands_rendered::<L>(level, bands, scratch) {
            return covered;
        }
    }
    for step in 0..stride {
        let input = |member: usize, second: usize| {
            let line = 2 * (member * stride + step) + second;
            &row[line * line_in..(line + 1) * line_in]
        };
        let (firsts, seconds) = (
            std::array::from_fn(|member| input(member, 0)),
            std::array::from_fn(|member| input(member, 1)),
        );
        let done = match (&mut carry, &mut samples, level) {
            (Some(carry), samples, _) => {
                let group = LineGroup {
                    firsts,
                    seconds,
                    outs: lines_at(carry, step, carry_width),
                    factor,
                };
                let rendered = level.zip(samples.as_mut().map(|s| lines_at(s, step, width)));
                if stage.paired_carry {
                    op.pairs_paired::<L>(width, group, rendered, scratch)
                } else {
                    op.pairs_carried::<L>(group, rendered, scratch)
                }
            }
            (None, Some(samples), Some(level)) => op.pairs_rendered::<L>(
                level,
                LineGroup {
                    firsts,
                    seconds,
                    outs: lines_at(samples, step, width),
                    factor,
                },
                scratch,
            ),
            _ => false,
        };
        if !done {
            // The method decides alike for every group of a stage, so this is the first and
            // nothing is written; were it not, the general walk still redoes every line.
            return 0;
        }
    }
    covered
}

/// Line `step` (of `width` values) of each quarter.
fn lines_at<'q, V>(
    quarters: &'q mut [&mut [V]; LINES_IN_FLIGHT],
    step: usize,
    width: usize,
) -> [&'q mut [V]; LINES_IN_FLIGHT] {
    quarters
        .each_mut()
        .map(|quarter| &mut quarter[step * width..(step + 1) * width])
}

/// The first [`LINES_IN_FLIGHT`] runs of `run` values of `values`.
fn quarters<V>(values: &mut [V], run: usize) -> [&mut [V]; LINES_IN_FLIGHT] {
    let mut runs = values.chunks_exact_mut(run);
    std::array::from_fn(|_| runs.next().unwrap_or_default())
}

/// The lines of a whole group (see [`LINES_IN_FLIGHT`]), each with its `width` values of
/// `row`; `None` for a smaller group, or lines that overlap or do not fit.
fn group_jobs<'s, 'o, S, V>(
    lines: &[(usize, &'s Sources<'s, S>)],
    row: &'o mut [V],
    width: usize,
) -> Option<[LineJob<'s, 'o, S, V>; LINES_IN_FLIGHT]> {
    let lines: &[(usize, &'s Sources<'s, S>); LINES_IN_FLIGHT] = lines.try_into().ok()?;
    let mut end = 0;
    for &(start, _) in lines {
        if start < end {
            return None;
        }
        end = start.checked_add(width)?;
    }
    if end > row.len() {
        return None;
    }
    // Checked above: every split below is in bounds.
    let (mut rest, mut at) = (row, 0);
    Some(lines.map(|(start, sources)| {
        let (_, tail) = std::mem::take(&mut rest).split_at_mut(start - at);
        let (target, tail) = tail.split_at_mut(width);
        (rest, at) = (tail, start + width);
        (sources, target)
    }))
}

impl<T: Sample, O: StageOp<T>> Pipeline<T> for Cascade<T, O> {
    fn push(&mut self, mut rows: &[T], sink: &mut dyn LevelSink<T>) -> Result<(), PyramidError> {
        let block_len = self.plan.stages[0].block.f0 * self.row_len;
        if !self.pending_input.is_empty() {
            let take = (block_len - self.pending_input.len()).min(rows.len());
            self.pending_input.extend_from_slice(&rows[..take]);
            rows = &rows[take..];
            if self.pending_input.len() < block_len {
                return Ok(());
            }
            let block = std::mem::take(&mut self.pending_input);
            self.first_stage(&block, sink)?;
            self.pending_input = block;
            self.pending_input.clear();
        }
        let mut blocks = rows.chunks_exact(block_len);
        for block in &mut blocks {
            self.first_stage(block, sink)?;
        }
        self.pending_input.extend_from_slice(blocks.remainder());
        Ok(())
    }

    fn finish(&mut self, sink: &mut dyn LevelSink<T>) -> Result<(), PyramidError> {
        if !self.pending_input.is_empty() {
            let block = std::mem::take(&mut self.pending_input);
            self.first_stage(&block, sink)?;
        }
        for stage in 1..self.plan.stages.len() {
            if !self.pending[stage].is_empty() {
                let carry = self.reduce_pending(stage, sink)?;
                self.advance(stage, carry, sink)?;
            }
        }
        Ok(())
    }
}
