//! Average pooling: block sums carried from level to level in an accumulator wider than the
//! samples (see [`crate::accumulate`]), rendered into each level by a shift or a division.
//!
//! Integer sums are exact, so their blocks may be added in any order: the plan pairs the
//! everyday 2x2 blocks' carries along the line (see `plan::pair_carries`), and the group
//! kernels add line pairs in lockstep; `uint8` sums take the SSE2 kernels of
//! [`crate::vector`] where the lines allow. Float sums follow the block order.

use crate::accumulate::{Accumulator, Overflow, check_headroom};
use crate::kernel::{
    add_pass_group, add_pass_with_group, pair_pass, pair_pass_group, pair_pass_with,
    pair_pass_with_group, sum,
};
use crate::lines::{
    Bands, Group, GroupMut, LINES_IN_FLIGHT, LineGroup, LineJob, Sources, pair_pooled_lines,
    scratch_lines,
};
use crate::sample::{Kind, Sample};
use crate::stage::{Layout, Source, StageOp, Typed, WithOp};

/// How average pooling turns running sums into samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schedule {
    /// tinybrain's integer kernels: the sum of level `k` is shifted right by
    /// `bits * (k % period + 1)`, and every `period` levels the running sum itself is shifted
    /// down (floored) so it keeps fitting tinybrain's accumulator.
    Periodic {
        /// Bits per level (2 for 2x2 blocks, 3 for 2x2x2).
        bits: u32,
        /// Levels between re-scalings of the running sum.
        period: usize,
        /// Whether the sums need the wide accumulator (2x2x2).
        wide: bool,
    },
    /// Exact sums: level `k` is the sum divided by `block^(k+1)`.
    Exact {
        /// Samples per block.
        block: u128,
    },
}

impl Schedule {
    /// The schedule of `levels` levels of `T` samples pooled by `factors`: tinybrain's for 8-
    /// and 16-bit integers pooled 2x2 or 2x2x2, exact sums otherwise.
    ///
    /// # Errors
    /// [`Overflow`] when exact sums would not fit the accumulator.
    pub(crate) fn new<T: Sample>(levels: usize, factors: &[usize]) -> Result<Self, Overflow> {
        let halved = factors.iter().filter(|&&f| f == 2).count();
        let pairs_only = factors.iter().all(|&f| f <= 2);
        Ok(match (T::KIND.is_small_integer() && pairs_only, halved) {
            (true, 2) => Schedule::Periodic {
                bits: 2,
                period: 4,
                wide: false,
            },
            (true, 3) => Schedule::Periodic {
                bits: 3,
                period: if matches!(T::KIND, Kind::Unsigned(8) | Kind::Signed(8)) {
                    8
                } else {
                    5
                },
                wide: true,
            },
            _ => {
                check_headroom::<T, T::Exact>(levels, factors)?;
                Schedule::Exact {
                    block: factors.iter().map(|&f| f as u128).product(),
                }
            }
        })
    }

    /// Hands average pooling on this schedule, in the accumulator it needs, to `with`.
    pub(crate) fn with_op<T: Sample, W: WithOp<T>>(self, with: W) -> W::Output {
        match self {
            Schedule::Periodic { wide: false, .. } => with.with(Average::<T::Narrow>::new(self)),
            Schedule::Periodic { wide: true, .. } => with.with(Average::<T::Wide>::new(self)),
            Schedule::Exact { .. } => with.with(Average::<T::Exact>::new(self)),
        }
    }
}

/// The vector kernel written for these lines, where there is one (see `crate::vector`):
/// `uint8` samples in 2x2 blocks (`factor` 2), or their `u16` carries summed in pairs in 2x1
/// blocks (`factor` 1, with `carry`). It sums the head of every line of a group of two-line
/// blocks, renders it with `shift` and, with `carry`, pairs the sums there; returns the
/// input values per line it did (0 when no kernel takes these lines), leaving the rest to
/// the portable kernels.
#[inline(always)]
fn vector_head<T, A: Accumulator<T>, L: Source<T, A>>(
    (firsts, seconds, factor): (Group<'_, L::Value>, Group<'_, L::Value>, usize),
    rendered: GroupMut<'_, T>,
    shift: u32,
    carry: Option<GroupMut<'_, A>>,
    scratch: &mut Vec<A>,
) -> usize {
    match (L::lines(firsts), L::lines(seconds), carry) {
        (Typed::Samples(firsts), Typed::Samples(seconds), carry) if factor == 2 => {
            A::vector_two_by_two(firsts, seconds, rendered, shift, carry, scratch)
        }
        (Typed::Carries(firsts), Typed::Carries(seconds), Some(carry)) if factor == 1 => {
            A::vector_add_lines(firsts, seconds, rendered, shift, carry)
        }
        _ => 0,
    }
}

/// Average pooling with running sums in `A`.
pub(crate) struct Average<A> {
    schedule: Schedule,
    _accumulator: std::marker::PhantomData<fn() -> A>,
}

impl<A> Average<A> {
    /// Average pooling on `schedule`.
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
        match self.schedule {
            Schedule::Periodic { period, .. } => (level + 1).is_multiple_of(period),
            Schedule::Exact { .. } => false,
        }
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
        rendered: Option<(usize, GroupMut<'_, T>)>,
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
        rendered: Option<(usize, GroupMut<'_, T>)>,
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

    /// The shift that renders `level` in the same pass as its sums in a vector kernel (see
    /// [`vector_head`]): not for levels whose rendering also re-scales the carry.
    #[inline(always)]
    fn vector_shift(&self, level: usize) -> Option<u32> {
        if self.rescales(level) {
            None
        } else {
            self.render_shift(level)
        }
    }

    /// [`Average::group_paired`] with the vector kernel for these lines first (see
    /// [`vector_head`]) on the head of every line; the portable kernels do the rest. Only
    /// groups that render a level take the kernel (every averaging stage is a level).
    #[inline(always)]
    fn paired_after_head<T: Sample, L: Source<T, A>>(
        &self,
        width: usize,
        group: LineGroup<'_, '_, L::Value, A>,
        rendered: Option<(usize, GroupMut<'_, T>)>,
        scratch: &mut Vec<A>,
    ) -> bool
    where
        A: Accumulator<T>,
    {
        let lift = move |v| L::lift(v, A::from_sample);
        let Some((level, mut samples)) = rendered else {
            return self.group_paired(width, group, None, scratch, lift);
        };
        let LineGroup {
            firsts,
            seconds,
            mut outs,
            factor,
        } = group;
        let done = self.vector_shift(level).map_or(0, |shift| {
            vector_head::<T, A, L>(
                (firsts, seconds, factor),
                samples.each_mut().map(|s| &mut **s),
                shift,
                Some(outs.each_mut().map(|o| &mut **o)),
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
    const LAYOUT: Layout = Layout {
        order_free: A::ORDER_FREE,
        paired_carries: A::ORDER_FREE,
        first_only: false,
    };

    fn lockstep(&self) -> bool {
        A::ORDER_FREE
    }

    fn reduce_line<L: Source<T, A>>(
        &self,
        sources: &Sources<'_, L::Value>,
        f: usize,
        out: &mut [A],
        _: &mut Vec<A>,
    ) {
        sum(sources, f, out, A::ORDER_FREE, move |v| {
            L::lift(v, A::from_sample)
        });
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

    fn line_rendered<L: Source<T, A>>(
        &self,
        level: usize,
        line: LineJob<'_, '_, L::Value, T>,
        f: usize,
        scratch: &mut Vec<A>,
    ) -> bool {
        self.two_by_two_rendered(level, line, f, scratch, move |v| L::lift(v, A::from_sample))
    }

    #[inline(always)]
    fn pairs_carried<L: Source<T, A>>(
        &self,
        group: LineGroup<'_, '_, L::Value, A>,
        rendered: Option<(usize, GroupMut<'_, T>)>,
        _: &mut Vec<A>,
    ) -> bool {
        self.group_carried(group, rendered, move |v| L::lift(v, A::from_sample))
    }

    #[inline(always)]
    fn pairs_paired<L: Source<T, A>>(
        &self,
        width: usize,
        group: LineGroup<'_, '_, L::Value, A>,
        rendered: Option<(usize, GroupMut<'_, T>)>,
        scratch: &mut Vec<A>,
    ) -> bool {
        self.paired_after_head::<T, L>(width, group, rendered, scratch)
    }

    #[inline(always)]
    fn pairs_rendered<L: Source<T, A>>(
        &self,
        level: usize,
        LineGroup {
            firsts,
            seconds,
            mut outs,
            factor,
        }: LineGroup<'_, '_, L::Value, T>,
        scratch: &mut Vec<A>,
    ) -> bool {
        let done = self.vector_shift(level).map_or(0, |shift| {
            let outs = outs.each_mut().map(|o| &mut **o);
            vector_head::<T, A, L>((firsts, seconds, factor), outs, shift, None, scratch)
        });
        let lift = move |v| L::lift(v, A::from_sample);
        if done == 0 {
            // No kernel for these lines (carry lines, say): the group as it is, no slicing.
            let group = LineGroup {
                firsts,
                seconds,
                outs,
                factor,
            };
            return self.group_rendered(level, group, scratch, lift);
        }
        let rest = LineGroup {
            firsts: firsts.map(|line| &line[done..]),
            seconds: seconds.map(|line| &line[done..]),
            outs: outs.map(|out| &mut out[done / 2..]),
            factor,
        };
        if rest.outs.iter().all(|out| out.is_empty()) {
            return true;
        }
        self.group_rendered(level, rest, scratch, lift)
    }

    #[inline(always)]
    fn bands_rendered<L: Source<T, A>>(
        &self,
        level: usize,
        bands: Bands<'_, L::Value, T, A>,
        scratch: &mut Vec<A>,
    ) -> bool {
        let Some(shift) = self.vector_shift(level) else {
            return false;
        };
        match L::bands(bands) {
            Typed::Samples(bands) => bands.factor == 2 && A::vector_bands(bands, shift, scratch),
            Typed::Carries(bands) => bands.factor == 1 && A::vector_carry_bands(bands, shift),
        }
    }

    fn pair_line(&self, line: &[A], out: &mut [A]) {
        pair_pass(line, out, |o, a, b| *o = a + b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::{Carries, Samples};
    use proptest::prelude::*;

    /// `uint8` averages in 2x2 blocks, as tinybrain sums them (the SSE2 kernels' case).
    type Op = Average<u16>;

    /// What a group hook wrote: its answer, the carry lines and the rendered lines.
    type Written = (bool, Vec<Vec<u16>>, Vec<Vec<u8>>);

    /// The group hooks of [`StageOp`].
    #[derive(Debug, Clone, Copy)]
    enum Hook {
        Carried,
        Paired,
        Rendered,
    }

    /// Runs `hook` of `op` on the group of line pairs `lines` (firsts, then seconds) read as
    /// `L`, pooled by `factor`, rendering `level` when asked.
    fn run<L: Source<u8, u16>>(
        op: &Op,
        hook: Hook,
        lines: &[Vec<L::Value>],
        factor: usize,
        level: Option<usize>,
    ) -> Written {
        let widths: [usize; 4] = std::array::from_fn(|m| lines[m].len().div_ceil(factor));
        let carry_width = |m: usize| match hook {
            Hook::Paired => widths[m].div_ceil(2),
            Hook::Carried | Hook::Rendered => widths[m],
        };
        let mut carry: Vec<Vec<u16>> = (0..4).map(|m| vec![9; carry_width(m)]).collect();
        let mut rendered: Vec<Vec<u8>> = (0..4).map(|m| vec![7; widths[m]]).collect();
        let firsts: Group<'_, L::Value> = std::array::from_fn(|m| lines[m].as_slice());
        let seconds: Group<'_, L::Value> = std::array::from_fn(|m| lines[4 + m].as_slice());
        let mut scratch = Vec::new();
        let done = {
            let mut carry = carry.iter_mut();
            let mut rendered = rendered.iter_mut();
            let carry: GroupMut<'_, u16> =
                std::array::from_fn(|_| carry.next().map_or(&mut [][..], |c| &mut c[..]));
            let rendered: GroupMut<'_, u8> =
                std::array::from_fn(|_| rendered.next().map_or(&mut [][..], |r| &mut r[..]));
            let group = |outs| LineGroup {
                firsts,
                seconds,
                outs,
                factor,
            };
            let rendering = |outs| LineGroup {
                firsts,
                seconds,
                outs,
                factor,
            };
            match (hook, level) {
                (Hook::Carried, level) => op.pairs_carried::<L>(
                    group(carry),
                    level.map(|level| (level, rendered)),
                    &mut scratch,
                ),
                (Hook::Paired, level) => {
                    // Every member's lines alike, as a stage's are.
                    op.pairs_paired::<L>(
                        widths[0],
                        group(carry),
                        level.map(|level| (level, rendered)),
                        &mut scratch,
                    )
                }
                (Hook::Rendered, level) => {
                    op.pairs_rendered::<L>(level.unwrap_or(0), rendering(rendered), &mut scratch)
                }
            }
        };
        (done, carry, rendered)
    }

    proptest! {
        /// A stage's hooks take sample lines and carry lines alike: `uint8` samples (which
        /// the 2x2 SSE2 kernel takes) give what the same values as `u16` carries (which the
        /// portable kernels take) give, and the other way round for the 2x1 block over
        /// paired carries (which the 2x1 SSE2 kernel takes).
        #[test]
        fn sample_lines_and_carry_lines_reduce_alike(
            len in 1usize..100,
            values in proptest::collection::vec(any::<u8>(), 8 * 100),
            hook in prop::sample::select(vec![Hook::Carried, Hook::Paired, Hook::Rendered]),
            factor in 1usize..=2,
            level in proptest::option::of(0usize..8),
        ) {
            let op = Op::new(Schedule::Periodic { bits: 2, period: 4, wide: false });
            // Every line of a group is as long: the engine's groups are lines of one stage.
            let samples: Vec<Vec<u8>> =
                values.chunks_exact(100).map(|c| c[..len].to_vec()).collect();
            let carries: Vec<Vec<u16>> = samples
                .iter()
                .map(|line| line.iter().map(|&v| u16::from(v)).collect())
                .collect();
            let from_samples = run::<Samples>(&op, hook, &samples, factor, level);
            let from_carries = run::<Carries>(&op, hook, &carries, factor, level);
            prop_assert_eq!(&from_samples, &from_carries);
            // And each line reads the same as the line-by-line pass (the 2x2 block as the
            // plan orders it, or the 2x1 block) followed by rendering.
            let (done, carry, rendered) = from_samples;
            if done {
                for m in 0..4 {
                    let (first, second) = (&samples[m][..], &samples[4 + m][..]);
                    let sources: Vec<(&[u8], usize)> = if factor == 2 {
                        vec![(first, 0), (first, 1), (second, 0), (second, 1)]
                    } else {
                        vec![(first, 0), (second, 0)]
                    };
                    let mut sums = vec![0u16; len.div_ceil(factor)];
                    let mut scratch = Vec::new();
                    <Op as StageOp<u8>>::reduce_line::<Samples>(
                        &op, &sources, factor, &mut sums, &mut scratch,
                    );
                    let mut paired = vec![0u16; sums.len().div_ceil(2)];
                    <Op as StageOp<u8>>::pair_line(&op, &sums, &mut paired);
                    let mut expected = vec![7u8; sums.len()];
                    if let Some(level) = level.or(matches!(hook, Hook::Rendered).then_some(0)) {
                        let mut carry = sums.clone();
                        <Op as StageOp<u8>>::render_line(&op, level, &mut carry, &mut expected);
                    }
                    prop_assert_eq!(&rendered[m], &expected, "rendered line {}", m);
                    match hook {
                        Hook::Carried => prop_assert_eq!(&carry[m], &sums, "carry line {}", m),
                        Hook::Paired => prop_assert_eq!(&carry[m], &paired, "paired line {}", m),
                        Hook::Rendered => prop_assert!(carry[m].iter().all(|&v| v == 9)),
                    }
                }
            }
        }
    }

    #[test]
    fn tinybrain_schedules_for_small_integers_only() {
        assert_eq!(
            Schedule::new::<i8>(3, &[2, 2, 2]).unwrap(),
            Schedule::Periodic {
                bits: 3,
                period: 8,
                wide: true
            }
        );
        assert_eq!(
            Schedule::new::<u16>(3, &[2, 4]).unwrap(),
            Schedule::Exact { block: 8 }
        );
        assert!(matches!(
            Schedule::new::<u8>(9, &[16, 16]),
            Err(Overflow { available: 56, .. })
        ));
    }
}
