//! What each pooling method does to the input lines of one output line, and how its carried
//! values become samples.
//!
//! A stage reduces its input into a *carry*: running sums for averages, the pooled samples
//! themselves for the other methods. The next stage reduces carry lines, and emitted levels
//! render carry lines into samples. Everything works one output line at a time, or a group
//! of lines in lockstep (see [`LINES_IN_FLIGHT`]), so a line's carry is still in the L1 cache
//! when it is rendered.

use crate::accumulate::Accumulator;
use crate::kernel::{
    LINES_IN_FLIGHT, add_pass_group, add_pass_with_group, line_pass, pair_pass, pair_pass_group,
    pair_pass_with, pair_pass_with_group, quad_pass, quad_pass_group,
};
use crate::mode;
use crate::plan::Schedule;
use crate::sample::Sample;

/// The input lines of one output line: `(line, offset along it)` per block offset, in the
/// block's combination order.
pub(crate) type Sources<'a, S> = [(&'a [S], usize)];

/// One line of each member of a group (see [`LINES_IN_FLIGHT`]).
pub(crate) type Group<'a, V> = [&'a [V]; LINES_IN_FLIGHT];

/// [`Group`], to write.
pub(crate) type GroupMut<'a, V> = [&'a mut [V]; LINES_IN_FLIGHT];

/// One output line to compute: its input lines, and where its values go.
pub(crate) type LineJob<'s, 'o, S, O> = (&'s Sources<'s, S>, &'o mut [O]);

/// A whole group of [`LINES_IN_FLIGHT`] output lines that each read two input lines, as the
/// group kernels take them: the everyday 2x2 block (a sample pair from each line, see
/// [`pair_pooled_lines`]), or the 2x1 block over carries already summed in pairs along the
/// line (a value from each, see `plan::pair_carries`).
pub(crate) struct LineGroup<'s, 'j, S, O> {
    /// The first input line each output line reads.
    pub(crate) firsts: [&'s [S]; LINES_IN_FLIGHT],
    /// The second input line each output line reads.
    pub(crate) seconds: [&'s [S]; LINES_IN_FLIGHT],
    /// Where each output line's values go.
    pub(crate) outs: [&'j mut [O]; LINES_IN_FLIGHT],
    /// The factor along the lines: 2 for the 2x2 block, 1 for the 2x1 block.
    pub(crate) factor: usize,
}

/// The whole groups of a row (see `cascade::pair_groups`) as four bands of consecutive
/// output lines, each reading two input lines: member `m` of group `t` is line `t` of band
/// `m`. The kernels that take them walk every group in one call, which for short lines costs
/// far less than a call per group.
pub struct Bands<'b, S, T, C> {
    /// Each band's input lines, `line_in` values each: the first then the second line of
    /// each output line.
    pub(crate) inputs: [&'b [S]; LINES_IN_FLIGHT],
    /// Values per input line.
    pub(crate) line_in: usize,
    /// Each band's rendered lines, `line_in / factor` samples each.
    pub(crate) rendered: [&'b mut [T]; LINES_IN_FLIGHT],
    /// The factor along the lines: 2 for the 2x2 block, 1 for the 2x1 block.
    pub(crate) factor: usize,
    /// Each band's carry lines, summed in pairs along the line (half as many values as the
    /// rendered lines), when a later stage needs them.
    pub(crate) carry: Option<[&'b mut [C]; LINES_IN_FLIGHT]>,
}

/// `jobs` as a [`LineGroup`], lines pooled by `f`; `None` unless there are
/// [`LINES_IN_FLIGHT`] jobs, all of the 2x2 block or all of the 2x1 block.
pub(crate) fn paired_group<'s, 'j, S, O>(
    jobs: &'j mut [LineJob<'s, '_, S, O>],
    f: usize,
) -> Option<LineGroup<'s, 'j, S, O>> {
    let jobs: &'j mut [LineJob<'s, '_, S, O>; LINES_IN_FLIGHT] = jobs.try_into().ok()?;
    let mut firsts: [&'s [S]; LINES_IN_FLIGHT] = [&[]; LINES_IN_FLIGHT];
    let mut seconds = firsts;
    for (member, &mut (sources, _)) in jobs.iter_mut().enumerate() {
        (firsts[member], seconds[member]) = match (sources, f) {
            ([(first, 0), (second, 0)], 1) => (*first, *second),
            _ => pair_pooled_lines(sources, f)?,
        };
    }
    let outs = jobs.each_mut().map(|(_, out)| &mut **out);
    Some(LineGroup {
        firsts,
        seconds,
        outs,
        factor: f,
    })
}

/// `scratch` cut into consecutive lines of `lens` values.
fn scratch_lines<A: Copy + Default, const N: usize>(
    scratch: &mut Vec<A>,
    lens: [usize; N],
) -> [&mut [A]; N] {
    scratch.resize(lens.iter().sum(), A::default());
    let mut rest = scratch.as_mut_slice();
    lens.map(|len| {
        let (line, tail) = std::mem::take(&mut rest).split_at_mut(len);
        rest = tail;
        line
    })
}

/// One pooling method.
pub(crate) trait StageOp<T>: Send + Sync {
    /// What a stage passes to the next.
    type Carry: Copy + Send + Sync + Default;
    /// Reduces input lines (pooled by `f` along the line) into a carry line.
    fn input_line(
        &self,
        sources: &Sources<'_, T>,
        f: usize,
        out: &mut [Self::Carry],
        scratch: &mut Vec<Self::Carry>,
    );
    /// Reduces carry lines into a carry line.
    fn carry_line(
        &self,
        sources: &Sources<'_, Self::Carry>,
        f: usize,
        out: &mut [Self::Carry],
        scratch: &mut Vec<Self::Carry>,
    );
    /// Renders a carry line of output `level` into samples (and may rescale the carry).
    fn render_line(&self, level: usize, carry: &mut [Self::Carry], out: &mut [T]);
    /// Whether the method has kernels that take a group of [`LINES_IN_FLIGHT`] lines in
    /// lockstep (see [`StageOp::pairs_rendered`]), so lines are worth visiting in groups.
    fn lockstep(&self) -> bool {
        false
    }
    /// Reduces the input lines of one output line straight into its samples of `level`,
    /// for a stage whose carry goes nowhere but the output: one pass, no carry line written
    /// and read back; `false`, with nothing written, when the method has no such pass for
    /// this line (the caller then reduces and renders it).
    fn input_line_rendered(
        &self,
        level: usize,
        (sources, out): LineJob<'_, '_, T, T>,
        f: usize,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (level, sources, out, f, scratch);
        false
    }
    /// Reduces a whole group of two-line blocks (see [`paired_group`]) into their
    /// carry lines in lockstep, and with `rendered` renders them into those samples of that
    /// level in the same pass; `false`, with nothing written, when the method has no such
    /// pass for these lines (the caller then reduces and renders them one by one).
    fn pairs_carried(
        &self,
        group: LineGroup<'_, '_, T, Self::Carry>,
        rendered: Option<(usize, [&mut [T]; LINES_IN_FLIGHT])>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (group, rendered, scratch);
        false
    }
    /// [`StageOp::input_line_rendered`] for a whole group of two-line blocks (see
    /// [`paired_group`]), in lockstep.
    fn pairs_rendered(
        &self,
        level: usize,
        group: LineGroup<'_, '_, T, T>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (level, group, scratch);
        false
    }
    /// [`StageOp::pairs_carried`] for carry lines.
    fn carry_pairs_carried(
        &self,
        group: LineGroup<'_, '_, Self::Carry, Self::Carry>,
        rendered: Option<(usize, [&mut [T]; LINES_IN_FLIGHT])>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (group, rendered, scratch);
        false
    }
    /// [`StageOp::pairs_carried`] for a stage that hands on its carry summed in pairs along
    /// the line (see [`StageOp::pair_line`]): `group`'s outputs are those pairs, half as
    /// wide as the stage's lines of `width` values.
    fn pairs_paired(
        &self,
        width: usize,
        group: LineGroup<'_, '_, T, Self::Carry>,
        rendered: Option<(usize, [&mut [T]; LINES_IN_FLIGHT])>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (width, group, rendered, scratch);
        false
    }
    /// [`StageOp::pairs_paired`] for carry lines.
    fn carry_pairs_paired(
        &self,
        width: usize,
        group: LineGroup<'_, '_, Self::Carry, Self::Carry>,
        rendered: Option<(usize, [&mut [T]; LINES_IN_FLIGHT])>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (width, group, rendered, scratch);
        false
    }
    /// Reduces every group of a row of the everyday 2x2 block, as [`Bands`], into samples of
    /// `level` and, when a later stage needs it, its carry summed in pairs along the line, in
    /// one call; `false`, with nothing written, when the method has no such pass for these
    /// lines (the caller then takes the groups one by one).
    fn bands_rendered(
        &self,
        level: usize,
        bands: Bands<'_, T, T, Self::Carry>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (level, bands, scratch);
        false
    }
    /// [`StageOp::bands_rendered`] for carry lines summed in pairs along the line (the 2x1
    /// block over them).
    fn carry_bands_rendered(
        &self,
        level: usize,
        bands: Bands<'_, Self::Carry, T, Self::Carry>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (level, bands, scratch);
        false
    }
    /// Adds a carry line's values in pairs along the line into `out` (the last value of an
    /// odd line twice, as edge replication has it). Only averages of integers have a carry
    /// that adds up this way, and only for them does the plan pair carries.
    fn pair_line(&self, line: &[Self::Carry], out: &mut [Self::Carry]) {
        let _ = (line, out);
        debug_assert!(false, "only integer averages pair their carry");
    }
    /// [`StageOp::pairs_rendered`] for carry lines.
    fn carry_pairs_rendered(
        &self,
        level: usize,
        group: LineGroup<'_, '_, Self::Carry, T>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (level, group, scratch);
        false
    }
    /// [`StageOp::input_line_rendered`] for carry lines.
    fn carry_line_rendered(
        &self,
        level: usize,
        (sources, out): LineJob<'_, '_, Self::Carry, T>,
        f: usize,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (level, sources, out, f, scratch);
        false
    }
    /// The output line itself, when the carry is the output (pooled samples), so the last
    /// stage can reduce straight into it.
    fn as_carry<'a>(&self, out: &'a mut [T]) -> Option<&'a mut [Self::Carry]> {
        let _ = out;
        None
    }
}

/// Combines each output sample's block values: `init` with the first, `combine` with each
/// further one, in block order.
#[inline(always)]
fn fold<S: Copy, A: Copy>(
    sources: &Sources<'_, S>,
    f: usize,
    out: &mut [A],
    init: impl Fn(S) -> A + Copy,
    combine: impl Fn(A, S) -> A + Copy,
) {
    let mut sources = sources.iter();
    if let Some(&(src, d)) = sources.next() {
        line_pass(src, d, f, out, move |a, x| *a = init(x));
    }
    for &(src, d) in sources {
        line_pass(src, d, f, out, move |a, x| *a = combine(*a, x));
    }
}

/// Adds up block values into `A`. Exact (integer) sums pooled by 2 along the line add each
/// line's pairs, one line after the other (the plan orders such blocks pair by pair), so
/// memory is read as one forward stream; other sums follow the block order one value at a
/// time.
#[inline(always)]
fn sum<S: Copy, A: Copy + std::ops::Add<Output = A>>(
    sources: &Sources<'_, S>,
    f: usize,
    out: &mut [A],
    order_free: bool,
    lift: impl Fn(S) -> A + Copy,
) {
    if order_free && f == 2 && sources.len().is_multiple_of(2) {
        let mut pairs = sources.chunks_exact(2);
        if let Some(pair) = pairs.next() {
            pair_pass(pair[0].0, out, move |a, x, y| *a = lift(x) + lift(y));
        }
        for pair in pairs {
            pair_pass(pair[0].0, out, move |a, x, y| *a = *a + (lift(x) + lift(y)));
        }
    } else {
        fold(sources, f, out, lift, move |a, x| a + lift(x));
    }
}

/// The first and last input lines of a 2x2 block whose line axis is pooled by 2 (the
/// everyday block): a sample pair from each holds the block's four values, whichever of the
/// two orders the plan combines them in. Averages use them only for exact (integer) sums,
/// where adding one line's pairs and then the other's gives the block's sum.
#[inline(always)]
fn pair_pooled_lines<'a, T>(sources: &Sources<'a, T>, f: usize) -> Option<(&'a [T], &'a [T])> {
    match (sources, f) {
        ([(first, 0), _, _, (last, 1)], 2) => Some((first, last)),
        _ => None,
    }
}

/// Average pooling with running sums in `A`.
pub(crate) struct Average<A> {
    schedule: Schedule,
    _accumulator: std::marker::PhantomData<fn() -> A>,
}

impl<A> Average<A> {
    pub(crate) fn new(schedule: Schedule) -> Self {
        Average {
            schedule,
            _accumulator: std::marker::PhantomData,
        }
    }

    /// The right shift that turns a carried sum of `level` into a sample, when the divisor
    /// is a power of two.
    fn render_shift(&self, level: usize) -> Option<u32> {
        match self.schedule {
            Schedule::Periodic { bits, period, .. } => Some(bits * ((level % period) as u32 + 1)),
            Schedule::Exact { block } if block.is_power_of_two() => {
                Some(block.trailing_zeros() * (level as u32 + 1))
            }
            Schedule::Exact { .. } => None,
        }
    }

    /// Whether rendering `level` also re-scales the carried sums (tinybrain's periodic
    /// truncation).
    fn rescales(&self, level: usize) -> bool {
        matches!(self.schedule, Schedule::Periodic { period, .. } if (level + 1).is_multiple_of(period))
    }

    /// Sums each 2x2 block of one output line and renders it with `level`'s shift. The line
    /// reads its input lines one after the other rather than both at once: one forward stream
    /// through memory, which the hardware prefetcher follows (two interleaved lines of one
    /// page it does not).
    #[inline(always)]
    fn two_by_two_rendered<T: Sample, S: Copy>(
        &self,
        level: usize,
        (sources, out): LineJob<'_, '_, S, T>,
        f: usize,
        scratch: &mut Vec<A>,
        lift: impl Fn(S) -> A + Copy,
    ) -> bool
    where
        A: Accumulator<T>,
    {
        let Some(shift) = self.render_shift(level) else {
            return false;
        };
        let Some((first, second)) = pair_pooled_lines(sources, f).filter(|_| A::ORDER_FREE) else {
            return false;
        };
        scratch.resize(out.len(), A::default());
        pair_pass(first, scratch, move |s, a, b| *s = lift(a) + lift(b));
        pair_pass_with(second, scratch, out, move |o, s, c, d| {
            *o = (*s + (lift(c) + lift(d))).render_shift(shift);
        });
        true
    }

    /// Sums each block (2x2, or 2x1 over paired carries) of a whole group in lockstep into
    /// its carry lines, and with `rendered` renders them into those samples of that level in
    /// the same pass; `false`, with nothing written, for inexact sums and levels that
    /// re-scale their carry.
    #[inline(always)]
    fn group_carried<T: Sample, S: Copy>(
        &self,
        LineGroup {
            firsts,
            seconds,
            mut outs,
            factor,
        }: LineGroup<'_, '_, S, A>,
        rendered: Option<(usize, [&mut [T]; LINES_IN_FLIGHT])>,
        lift: impl Fn(S) -> A + Copy,
    ) -> bool
    where
        A: Accumulator<T>,
    {
        if !A::ORDER_FREE || factor > 2 {
            return false;
        }
        // Rendering in the same pass leaves out render_line's periodic re-scaling: levels
        // that re-scale their carry render it afterwards.
        let shift = match rendered {
            Some((level, _)) if self.rescales(level) => return false,
            Some((level, _)) => match self.render_shift(level) {
                Some(shift) => Some(shift),
                None => return false,
            },
            None => None,
        };
        if factor == 1 {
            // The 2x1 block follows a stage that paired its carry, and every averaging stage
            // is a level: there is always something to render.
            let (Some((_, samples)), Some(shift)) = (rendered, shift) else {
                return false;
            };
            add_pass_with_group(firsts, seconds, outs, samples, move |o, s, a, b| {
                *s = lift(a) + lift(b);
                *o = s.render_shift(shift);
            });
            return true;
        }
        pair_pass_group(firsts, outs.each_mut().map(|o| &mut **o), move |s, a, b| {
            *s = lift(a) + lift(b);
        });
        match (rendered, shift) {
            (Some((_, samples)), Some(shift)) => {
                pair_pass_with_group(seconds, outs, samples, move |o, s, c, d| {
                    *s = *s + (lift(c) + lift(d));
                    *o = s.render_shift(shift);
                });
            }
            _ => pair_pass_group(seconds, outs, move |s, c, d| *s = *s + (lift(c) + lift(d))),
        }
        true
    }

    /// [`Average::group_carried`] for a stage that hands on its carry summed in pairs
    /// along the line: the block sums of lines of `width` go to `scratch`, and their pairs to
    /// the group's outputs.
    #[inline(always)]
    fn group_paired<T: Sample, S: Copy>(
        &self,
        width: usize,
        LineGroup {
            firsts,
            seconds,
            outs,
            factor,
        }: LineGroup<'_, '_, S, A>,
        rendered: Option<(usize, [&mut [T]; LINES_IN_FLIGHT])>,
        scratch: &mut Vec<A>,
        lift: impl Fn(S) -> A + Copy,
    ) -> bool
    where
        A: Accumulator<T>,
    {
        let mut sums = scratch_lines(scratch, [width; LINES_IN_FLIGHT]);
        let group = LineGroup {
            firsts,
            seconds,
            outs: sums.each_mut().map(|s| &mut **s),
            factor,
        };
        if !self.group_carried(group, rendered, lift) {
            return false;
        }
        pair_pass_group(sums.each_ref().map(|s| &**s), outs, |o, a, b| *o = a + b);
        true
    }

    /// The shift that renders `level` in the same pass as its sums, when a vector kernel
    /// (see [`Accumulator::vector_two_by_two`]) written for groups pooled by `kernel_factor`
    /// along the line may take a group pooled by `factor`: not for other blocks, nor for
    /// levels whose rendering also re-scales the carry.
    #[inline(always)]
    fn vector_shift(&self, level: usize, factor: usize, kernel_factor: usize) -> Option<u32> {
        if factor == kernel_factor && !self.rescales(level) {
            self.render_shift(level)
        } else {
            None
        }
    }

    /// [`Average::group_paired`] with a vector kernel first: `head` gets the group's lines,
    /// the rendered lines, the carry lines and the render shift, does the head of every line
    /// and returns the input values per line it did; the portable kernels do the rest. Only
    /// groups that render a level take the kernel (every averaging stage is a level).
    #[inline(always)]
    fn paired_after_head<T: Sample, S: Copy>(
        &self,
        width: usize,
        group: LineGroup<'_, '_, S, A>,
        rendered: Option<(usize, [&mut [T]; LINES_IN_FLIGHT])>,
        scratch: &mut Vec<A>,
        lift: impl Fn(S) -> A + Copy,
        (kernel_factor, head): (
            usize,
            impl FnOnce(
                Group<'_, S>,
                Group<'_, S>,
                GroupMut<'_, T>,
                GroupMut<'_, A>,
                u32,
                &mut Vec<A>,
            ) -> usize,
        ),
    ) -> bool
    where
        A: Accumulator<T>,
    {
        let Some((level, mut samples)) = rendered else {
            return self.group_paired(width, group, None, scratch, lift);
        };
        let LineGroup {
            firsts,
            seconds,
            mut outs,
            factor,
        } = group;
        let done = self
            .vector_shift(level, factor, kernel_factor)
            .map_or(0, |shift| {
                head(
                    firsts,
                    seconds,
                    samples.each_mut().map(|s| &mut **s),
                    outs.each_mut().map(|o| &mut **o),
                    shift,
                    scratch,
                )
            });
        // Every `factor` input values make one sample, every two samples one carry value.
        let rendered_done = done / factor.max(1);
        let rest = width - rendered_done.min(width);
        if done > 0 && rest == 0 {
            return true;
        }
        let group = LineGroup {
            firsts: firsts.map(|line| &line[done..]),
            seconds: seconds.map(|line| &line[done..]),
            outs: outs.map(|out| &mut out[rendered_done / 2..]),
            factor,
        };
        let samples = samples.map(|s| &mut s[rendered_done..]);
        self.group_paired(rest, group, Some((level, samples)), scratch, lift)
    }

    /// [`Average::two_by_two_rendered`] for a whole group in lockstep.
    #[inline(always)]
    fn group_rendered<T: Sample, S: Copy>(
        &self,
        level: usize,
        LineGroup {
            firsts,
            seconds,
            outs,
            factor,
        }: LineGroup<'_, '_, S, T>,
        scratch: &mut Vec<A>,
        lift: impl Fn(S) -> A + Copy,
    ) -> bool
    where
        A: Accumulator<T>,
    {
        let Some(shift) = self.render_shift(level).filter(|_| A::ORDER_FREE) else {
            return false;
        };
        match factor {
            1 => {
                add_pass_group(firsts, seconds, outs, move |o, a, b| {
                    *o = (lift(a) + lift(b)).render_shift(shift);
                });
                return true;
            }
            2 => {}
            _ => return false,
        }
        let mut sums = scratch_lines(scratch, outs.each_ref().map(|o| o.len()));
        pair_pass_group(firsts, sums.each_mut().map(|s| &mut **s), move |s, a, b| {
            *s = lift(a) + lift(b);
        });
        pair_pass_with_group(seconds, sums, outs, move |o, s, c, d| {
            *o = (*s + (lift(c) + lift(d))).render_shift(shift);
        });
        true
    }
}

impl<T: Sample, A: Accumulator<T>> StageOp<T> for Average<A> {
    type Carry = A;

    fn lockstep(&self) -> bool {
        A::ORDER_FREE
    }

    fn input_line(&self, sources: &Sources<'_, T>, f: usize, out: &mut [A], _: &mut Vec<A>) {
        sum(sources, f, out, A::ORDER_FREE, A::from_sample);
    }

    fn carry_line(&self, sources: &Sources<'_, A>, f: usize, out: &mut [A], _: &mut Vec<A>) {
        sum(sources, f, out, A::ORDER_FREE, |a| a);
    }

    fn render_line(&self, level: usize, carry: &mut [A], out: &mut [T]) {
        if let Some(shift) = self.render_shift(level) {
            for (o, &a) in out.iter_mut().zip(carry.iter()) {
                *o = a.render_shift(shift);
            }
        } else if let Schedule::Exact { block } = self.schedule {
            let divisor = block.saturating_pow(level as u32 + 1);
            for (o, &a) in out.iter_mut().zip(carry.iter()) {
                *o = a.render_div(divisor);
            }
        }
        if let Schedule::Periodic { bits, period, .. } = self.schedule
            && self.rescales(level)
        {
            let rescale = bits * period as u32;
            for a in carry.iter_mut() {
                *a = a.floor_shift(rescale);
            }
        }
    }

    #[inline(always)]
    fn pairs_carried(
        &self,
        group: LineGroup<'_, '_, T, A>,
        rendered: Option<(usize, [&mut [T]; LINES_IN_FLIGHT])>,
        _: &mut Vec<A>,
    ) -> bool {
        self.group_carried(group, rendered, A::from_sample)
    }

    #[inline(always)]
    fn carry_pairs_carried(
        &self,
        group: LineGroup<'_, '_, A, A>,
        rendered: Option<(usize, [&mut [T]; LINES_IN_FLIGHT])>,
        _: &mut Vec<A>,
    ) -> bool {
        self.group_carried(group, rendered, |a| a)
    }

    #[inline(always)]
    fn pairs_paired(
        &self,
        width: usize,
        group: LineGroup<'_, '_, T, A>,
        rendered: Option<(usize, [&mut [T]; LINES_IN_FLIGHT])>,
        scratch: &mut Vec<A>,
    ) -> bool {
        let head = |firsts: Group<'_, T>,
                    seconds: Group<'_, T>,
                    samples: GroupMut<'_, T>,
                    outs: GroupMut<'_, A>,
                    shift,
                    scratch: &mut Vec<A>| {
            A::vector_two_by_two(firsts, seconds, samples, shift, Some(outs), scratch)
        };
        self.paired_after_head(width, group, rendered, scratch, A::from_sample, (2, head))
    }

    #[inline(always)]
    fn carry_pairs_paired(
        &self,
        width: usize,
        group: LineGroup<'_, '_, A, A>,
        rendered: Option<(usize, [&mut [T]; LINES_IN_FLIGHT])>,
        scratch: &mut Vec<A>,
    ) -> bool {
        let head = |firsts: Group<'_, A>,
                    seconds: Group<'_, A>,
                    samples: GroupMut<'_, T>,
                    outs: GroupMut<'_, A>,
                    shift,
                    _: &mut Vec<A>| {
            A::vector_add_lines(firsts, seconds, samples, shift, outs)
        };
        self.paired_after_head(width, group, rendered, scratch, |a| a, (1, head))
    }

    #[inline(always)]
    fn bands_rendered(
        &self,
        level: usize,
        bands: Bands<'_, T, T, A>,
        scratch: &mut Vec<A>,
    ) -> bool {
        self.vector_shift(level, bands.factor, 2)
            .is_some_and(|shift| A::vector_bands(bands, shift, scratch))
    }

    #[inline(always)]
    fn carry_bands_rendered(
        &self,
        level: usize,
        bands: Bands<'_, A, T, A>,
        _: &mut Vec<A>,
    ) -> bool {
        self.vector_shift(level, bands.factor, 1)
            .is_some_and(|shift| A::vector_carry_bands(bands, shift))
    }

    fn pair_line(&self, line: &[A], out: &mut [A]) {
        pair_pass(line, out, |o, a, b| *o = a + b);
    }

    fn input_line_rendered(
        &self,
        level: usize,
        line: LineJob<'_, '_, T, T>,
        f: usize,
        scratch: &mut Vec<A>,
    ) -> bool {
        self.two_by_two_rendered(level, line, f, scratch, A::from_sample)
    }

    fn carry_line_rendered(
        &self,
        level: usize,
        line: LineJob<'_, '_, A, T>,
        f: usize,
        scratch: &mut Vec<A>,
    ) -> bool {
        self.two_by_two_rendered(level, line, f, scratch, |a| a)
    }

    #[inline(always)]
    fn pairs_rendered(
        &self,
        level: usize,
        LineGroup {
            firsts,
            seconds,
            mut outs,
            factor,
        }: LineGroup<'_, '_, T, T>,
        scratch: &mut Vec<A>,
    ) -> bool {
        let done = self.vector_shift(level, factor, 2).map_or(0, |shift| {
            let outs = outs.each_mut().map(|o| &mut **o);
            A::vector_two_by_two(firsts, seconds, outs, shift, None, scratch)
        });
        let rest = LineGroup {
            firsts: firsts.map(|line| &line[done..]),
            seconds: seconds.map(|line| &line[done..]),
            outs: outs.map(|out| &mut out[done / 2..]),
            factor,
        };
        if done > 0 && rest.outs.iter().all(|out| out.is_empty()) {
            return true;
        }
        self.group_rendered(level, rest, scratch, A::from_sample)
    }

    #[inline(always)]
    fn carry_pairs_rendered(
        &self,
        level: usize,
        group: LineGroup<'_, '_, A, T>,
        scratch: &mut Vec<A>,
    ) -> bool {
        self.group_rendered(level, group, scratch, |a| a)
    }
}

/// A running sum with its count of non-zero samples (sparse averaging).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SparseSum<A> {
    sum: A,
    count: A,
}

impl<A: std::ops::Add<Output = A>> std::ops::Add for SparseSum<A> {
    type Output = Self;
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        SparseSum {
            sum: self.sum + other.sum,
            count: self.count + other.count,
        }
    }
}

/// Sparse average pooling: zeros are left out of the sum and the count.
pub(crate) struct SparseAverage<A>(std::marker::PhantomData<fn() -> A>);

impl<A> SparseAverage<A> {
    pub(crate) fn new() -> Self {
        SparseAverage(std::marker::PhantomData)
    }
}

impl<T: Sample, A: Accumulator<T>> StageOp<T> for SparseAverage<A> {
    type Carry = SparseSum<A>;

    fn input_line(
        &self,
        sources: &Sources<'_, T>,
        f: usize,
        out: &mut [SparseSum<A>],
        _: &mut Vec<SparseSum<A>>,
    ) {
        let lift = |x: T| SparseSum {
            sum: A::from_sample(x),
            count: A::count(x != T::default()),
        };
        sum(sources, f, out, A::ORDER_FREE, lift);
    }

    fn carry_line(
        &self,
        sources: &Sources<'_, SparseSum<A>>,
        f: usize,
        out: &mut [SparseSum<A>],
        _: &mut Vec<SparseSum<A>>,
    ) {
        sum(sources, f, out, A::ORDER_FREE, |a| a);
    }

    fn render_line(&self, _level: usize, carry: &mut [SparseSum<A>], out: &mut [T]) {
        for (o, a) in out.iter_mut().zip(carry.iter()) {
            *o = a.sum.ratio(a.count);
        }
    }
}

/// Mode pooling by 2x passes: tinybrain's 2x2 rule for blocks of four, the most frequent
/// label otherwise.
pub(crate) struct Mode {
    pub(crate) sparse: bool,
}

impl Mode {
    fn pool<T: Sample>(
        &self,
        sources: &Sources<'_, T>,
        f: usize,
        out: &mut [T],
        lanes: &mut Vec<T>,
    ) {
        if sources.len() == 4 && !self.sparse && two_by_two_fast(sources, f, out, lanes).is_some() {
            return;
        }
        let width = out.len();
        let values = sources.len();
        lanes.resize(values * width + values, T::default());
        let (lanes, gathered) = lanes.split_at_mut(values * width);
        for (lane, &(src, d)) in lanes.chunks_exact_mut(width).zip(sources) {
            line_pass(src, d, f, lane, |a, x| *a = x);
        }
        if values == 4 {
            let (a, rest) = lanes.split_at(width);
            let (b, rest) = rest.split_at(width);
            let (c, d) = rest.split_at(width);
            let rule = if self.sparse {
                mode::two_by_two_sparse
            } else {
                mode::two_by_two
            };
            for (i, o) in out.iter_mut().enumerate() {
                *o = rule([a[i], b[i], c[i], d[i]]);
            }
        } else {
            for (i, o) in out.iter_mut().enumerate() {
                for (k, g) in gathered.iter_mut().enumerate() {
                    *g = lanes[k * width + i];
                }
                *o = mode::most_frequent(gathered, self.sparse);
            }
        }
    }

    /// The 2x2 rule on one output line (see [`two_by_two_fast`]); `false` for sparse mode
    /// and other blocks.
    fn two_by_two_line<T: Sample>(
        &self,
        (sources, out): LineJob<'_, '_, T, T>,
        f: usize,
        copies: &mut Vec<T>,
    ) -> bool {
        !self.sparse && two_by_two_fast(sources, f, out, copies).is_some()
    }

    /// The 2x2 rule on a whole group in lockstep, their first input lines copied first;
    /// `false` for sparse mode.
    fn group_two_by_two<T: Sample>(
        &self,
        LineGroup {
            firsts,
            seconds: lasts,
            outs,
            factor,
        }: LineGroup<'_, '_, T, T>,
        copies: &mut Vec<T>,
    ) -> bool {
        if self.sparse || factor != 2 {
            return false;
        }
        let mut copied = scratch_lines(copies, firsts.map(<[T]>::len));
        for (copy, first) in copied.iter_mut().zip(firsts) {
            copy.copy_from_slice(first);
        }
        quad_pass_group(copied.each_ref().map(|c| &**c), lasts, outs, |o, v| {
            *o = mode::two_by_two(v);
        });
        true
    }
}

/// The 2x2 rule straight from the input lines, for the two common layouts: the line axis
/// pooled by 2 (two lines, a sample pair from each) or kept (four lines). The rule does not
/// depend on which of `b` and `c` is which, so either block order works. `None` for others.
#[inline(always)]
fn two_by_two_fast<T: Sample>(
    sources: &Sources<'_, T>,
    f: usize,
    out: &mut [T],
    copy: &mut Vec<T>,
) -> Option<()> {
    if let Some((s0, s3)) = pair_pooled_lines(sources, f) {
        // The first line is copied (into the L1 cache) before the pass, so memory is read
        // one line after the other: one forward stream, which the hardware prefetcher
        // follows (two interleaved lines of one page it does not).
        copy.clear();
        copy.extend_from_slice(s0);
        quad_pass(copy, s3, out, |o, v| *o = mode::two_by_two(v));
        return Some(());
    }
    let [(s0, d0), (s1, d1), (s2, d2), (s3, d3)] = *sources else {
        return None;
    };
    match (f, d0, d1, d2, d3) {
        (1, 0, 0, 0, 0) => {
            for ((((o, &a), &b), &c), &d) in out.iter_mut().zip(s0).zip(s1).zip(s2).zip(s3) {
                *o = mode::two_by_two([a, b, c, d]);
            }
            Some(())
        }
        _ => None,
    }
}

impl<T: Sample> StageOp<T> for Mode {
    type Carry = T;

    fn lockstep(&self) -> bool {
        !self.sparse
    }

    fn input_line(&self, sources: &Sources<'_, T>, f: usize, out: &mut [T], lanes: &mut Vec<T>) {
        self.pool(sources, f, out, lanes);
    }

    fn carry_line(&self, sources: &Sources<'_, T>, f: usize, out: &mut [T], lanes: &mut Vec<T>) {
        self.pool(sources, f, out, lanes);
    }

    fn render_line(&self, _level: usize, carry: &mut [T], out: &mut [T]) {
        out.copy_from_slice(carry);
    }

    fn input_line_rendered(
        &self,
        _level: usize,
        line: LineJob<'_, '_, T, T>,
        f: usize,
        copies: &mut Vec<T>,
    ) -> bool {
        self.two_by_two_line(line, f, copies)
    }

    fn carry_line_rendered(
        &self,
        _level: usize,
        line: LineJob<'_, '_, T, T>,
        f: usize,
        copies: &mut Vec<T>,
    ) -> bool {
        self.two_by_two_line(line, f, copies)
    }

    fn pairs_rendered(
        &self,
        _level: usize,
        group: LineGroup<'_, '_, T, T>,
        copies: &mut Vec<T>,
    ) -> bool {
        self.group_two_by_two(group, copies)
    }

    fn carry_pairs_rendered(
        &self,
        _level: usize,
        group: LineGroup<'_, '_, T, T>,
        copies: &mut Vec<T>,
    ) -> bool {
        self.group_two_by_two(group, copies)
    }

    fn as_carry<'a>(&self, out: &'a mut [T]) -> Option<&'a mut [T]> {
        Some(out)
    }
}

/// Max or min pooling.
pub(crate) struct Extreme {
    pub(crate) max: bool,
}

impl<T: Sample> StageOp<T> for Extreme {
    type Carry = T;

    fn input_line(&self, sources: &Sources<'_, T>, f: usize, out: &mut [T], _: &mut Vec<T>) {
        if self.max {
            fold(sources, f, out, |x| x, T::max_sample);
        } else {
            fold(sources, f, out, |x| x, T::min_sample);
        }
    }

    fn carry_line(&self, sources: &Sources<'_, T>, f: usize, out: &mut [T], scratch: &mut Vec<T>) {
        self.input_line(sources, f, out, scratch);
    }

    fn render_line(&self, _level: usize, carry: &mut [T], out: &mut [T]) {
        out.copy_from_slice(carry);
    }

    fn as_carry<'a>(&self, out: &'a mut [T]) -> Option<&'a mut [T]> {
        Some(out)
    }
}

/// Striding: the block's first sample (the plan gives stride blocks one offset).
pub(crate) struct Stride;

impl<T: Sample> StageOp<T> for Stride {
    type Carry = T;

    fn input_line(&self, sources: &Sources<'_, T>, f: usize, out: &mut [T], _: &mut Vec<T>) {
        fold(sources, f, out, |x| x, |a, _| a);
    }

    fn carry_line(&self, sources: &Sources<'_, T>, f: usize, out: &mut [T], scratch: &mut Vec<T>) {
        self.input_line(sources, f, out, scratch);
    }

    fn render_line(&self, _level: usize, carry: &mut [T], out: &mut [T]) {
        out.copy_from_slice(carry);
    }

    fn as_carry<'a>(&self, out: &'a mut [T]) -> Option<&'a mut [T]> {
        Some(out)
    }
}
