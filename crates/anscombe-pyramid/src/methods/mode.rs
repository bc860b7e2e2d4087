//! Mode pooling (label images): the most frequent label of each block, by 2x passes.
//!
//! Labels are compared by their bits, and values arrive in block order: the first axis
//! fastest, so for a 2x2 block `a = (x, y)`, `b = (x+1, y)`, `c = (x, y+1)`,
//! `d = (x+1, y+1)`. Blocks of four follow tinybrain's 2x2 rule; larger blocks take the most
//! frequent label, ties to the first in block order (tinybrain's 2x2x2 rule).

use crate::kernel::{line_pass, quad_pass, quad_pass_group};
use crate::lines::{LineGroup, LineJob, Sources, pair_pooled_lines, scratch_lines};
use crate::sample::{LabelBits, Sample};
use crate::stage::{Source, StageOp};

/// Mode pooling by 2x passes: tinybrain's 2x2 rule for blocks of four, the most frequent
/// label otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mode {
    /// Whether any label wins over background 0.
    sparse: bool,
}

impl Mode {
    /// Mode pooling by `factors`, `None` unless every factor is a power of two (other factors
    /// stride, as tinybrain does).
    pub(crate) fn new(factors: &[usize], sparse: bool) -> Option<Self> {
        factors
            .iter()
            .all(|f| f.is_power_of_two())
            .then_some(Mode { sparse })
    }

    fn pool<T: Sample>(
        self,
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
                two_by_two_sparse
            } else {
                two_by_two
            };
            for (i, o) in out.iter_mut().enumerate() {
                *o = rule([a[i], b[i], c[i], d[i]]);
            }
        } else {
            for (i, o) in out.iter_mut().enumerate() {
                for (k, g) in gathered.iter_mut().enumerate() {
                    *g = lanes[k * width + i];
                }
                *o = most_frequent(gathered, self.sparse);
            }
        }
    }

    /// The 2x2 rule on one output line (see [`two_by_two_fast`]); `false` for sparse mode
    /// and other blocks.
    fn two_by_two_line<T: Sample>(
        self,
        (sources, out): LineJob<'_, '_, T, T>,
        f: usize,
        copies: &mut Vec<T>,
    ) -> bool {
        !self.sparse && two_by_two_fast(sources, f, out, copies).is_some()
    }

    /// The 2x2 rule on a whole group in lockstep, their first input lines copied first;
    /// `false` for sparse mode.
    fn group_two_by_two<T: Sample>(
        self,
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
            *o = two_by_two(v);
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
        quad_pass(copy, s3, out, |o, v| *o = two_by_two(v));
        return Some(());
    }
    let [(s0, d0), (s1, d1), (s2, d2), (s3, d3)] = *sources else {
        return None;
    };
    match (f, d0, d1, d2, d3) {
        (1, 0, 0, 0, 0) => {
            for ((((o, &a), &b), &c), &d) in out.iter_mut().zip(s0).zip(s1).zip(s2).zip(s3) {
                *o = two_by_two([a, b, c, d]);
            }
            Some(())
        }
        _ => None,
    }
}

/// tinybrain's 2x2 rule: `a` if it equals `b` or `c`, else `b` if `b` equals `c`, else `d`.
/// (A value found twice is a mode; with two pairs the rule picks either, and it is symmetric
/// in `b` and `c`, so the order of the two pooled axes does not matter.)
/// Branch-free (masks, not jumps) so that loops of it vectorise.
#[inline(always)]
#[allow(clippy::needless_bitwise_bool, reason = "`|`, not `||`: no branch")]
fn two_by_two<T: Sample>(v: [T; 4]) -> T {
    let [a, b, c, d] = v.map(T::label_bits);
    let take_a = <T::Bits as LabelBits>::mask((a == b) | (a == c));
    let take_b = <T::Bits as LabelBits>::mask(b == c);
    let b_or_d = (b & take_b) | (d & !take_b);
    T::from_label_bits((a & take_a) | (b_or_d & !take_a))
}

/// tinybrain's sparse 2x2 rule (its "stippled COUNTLESS"): background (0) never wins over a
/// label. A repeated label as in [`two_by_two`]; else `d` if it is a label; else the first
/// label of `a`, `c`, `b` (that order is the reference's), else background.
#[inline]
fn two_by_two_sparse<T: Sample>(v: [T; 4]) -> T {
    let [a, b, c, d] = v;
    let (ab, bb, cb) = (a.label_bits(), b.label_bits(), c.label_bits());
    if !a.is_background() && (ab == bb || ab == cb) {
        a
    } else if !b.is_background() && bb == cb {
        b
    } else if !d.is_background() {
        d
    } else if !a.is_background() {
        a
    } else if !c.is_background() {
        c
    } else {
        b
    }
}

/// The most frequent label, ties going to the one met first (tinybrain's 2x2x2 rule); in
/// sparse mode background is not counted, and a block of background pools to background.
#[inline]
fn most_frequent<T: Sample>(v: &[T], sparse: bool) -> T {
    let mut best = T::default();
    let mut best_count = 0usize;
    for (i, &candidate) in v.iter().enumerate() {
        if sparse && candidate.is_background() {
            continue;
        }
        let bits = candidate.label_bits();
        // Earlier equal values were already counted with this one.
        if v[..i].iter().any(|x| x.label_bits() == bits) {
            continue;
        }
        let count = v[i..].iter().filter(|x| x.label_bits() == bits).count();
        if count > best_count {
            best = candidate;
            best_count = count;
        }
    }
    best
}

impl<T: Sample> StageOp<T> for Mode {
    type Carry = T;

    /// One 2x pass per halving: a factor of 4 is two passes of 2 (as in tinybrain), and an
    /// axis whose factor is spent is pooled by 1 in the passes left.
    fn passes(&self, factors: &[usize]) -> Vec<Vec<usize>> {
        let passes = factors
            .iter()
            .map(|f| f.trailing_zeros())
            .max()
            .unwrap_or(0);
        (0..passes)
            .map(|pass| {
                factors
                    .iter()
                    .map(|f| if f.trailing_zeros() > pass { 2 } else { 1 })
                    .collect()
            })
            .collect()
    }

    fn lockstep(&self) -> bool {
        !self.sparse
    }

    fn reduce_line<L: Source<T, T>>(
        &self,
        sources: &Sources<'_, L::Value>,
        f: usize,
        out: &mut [T],
        lanes: &mut Vec<T>,
    ) {
        self.pool(L::sources(sources).either(), f, out, lanes);
    }

    fn render_line(&self, _level: usize, carry: &mut [T], out: &mut [T]) {
        out.copy_from_slice(carry);
    }

    fn line_rendered<L: Source<T, T>>(
        &self,
        _level: usize,
        (sources, out): LineJob<'_, '_, L::Value, T>,
        f: usize,
        copies: &mut Vec<T>,
    ) -> bool {
        self.two_by_two_line((L::sources(sources).either(), out), f, copies)
    }

    fn pairs_rendered<L: Source<T, T>>(
        &self,
        _level: usize,
        LineGroup {
            firsts,
            seconds,
            outs,
            factor,
        }: LineGroup<'_, '_, L::Value, T>,
        copies: &mut Vec<T>,
    ) -> bool {
        let group = LineGroup {
            firsts: L::lines(firsts).either(),
            seconds: L::lines(seconds).either(),
            outs,
            factor,
        };
        self.group_two_by_two(group, copies)
    }

    fn as_carry<'a>(&self, out: &'a mut [T]) -> Option<&'a mut [T]> {
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_by_two_rule_picks_as_tinybrain() {
        assert_eq!(two_by_two([1u8, 1, 2, 3]), 1);
        assert_eq!(two_by_two([1u8, 2, 1, 3]), 1);
        assert_eq!(two_by_two([1u8, 2, 2, 3]), 2);
        // Only a == d: the rule falls through to d, which is the mode anyway.
        assert_eq!(two_by_two([1u8, 2, 3, 1]), 1);
        assert_eq!(two_by_two([1u8, 2, 3, 4]), 4);
        // Two pairs a == d and b == c: the rule says b.
        assert_eq!(two_by_two([1u8, 2, 2, 1]), 2);
    }

    #[test]
    fn sparse_rule_prefers_labels_over_background() {
        assert_eq!(two_by_two_sparse([0u8, 0, 0, 5]), 5);
        assert_eq!(two_by_two_sparse([5u8, 0, 0, 0]), 5);
        assert_eq!(two_by_two_sparse([0u8, 0, 7, 0]), 7);
        assert_eq!(two_by_two_sparse([0u8, 3, 7, 0]), 7);
        assert_eq!(two_by_two_sparse([0u8, 3, 0, 0]), 3);
        assert_eq!(two_by_two_sparse([0u8, 0, 0, 0]), 0);
        assert_eq!(two_by_two_sparse([4u8, 9, 9, 0]), 9);
    }

    #[test]
    fn most_frequent_breaks_ties_by_first_occurrence() {
        assert_eq!(most_frequent(&[1u16, 2, 2, 1, 3, 3, 3, 1], false), 1);
        assert_eq!(most_frequent(&[1u16, 2, 2, 1, 3, 3, 3, 3], false), 3);
        assert_eq!(most_frequent(&[0u16, 0, 0, 0, 0, 2, 4, 4], true), 4);
        assert_eq!(most_frequent(&[0u16; 8], true), 0);
        assert_eq!(
            most_frequent(&[f32::NAN, 1.0, f32::NAN, 2.0], false).to_bits(),
            f32::NAN.to_bits()
        );
    }

    #[test]
    fn power_of_two_factors_pool_by_2x_passes() {
        let mode = Mode::new(&[4, 2, 1], false).expect("powers of two");
        assert_eq!(
            <Mode as StageOp<u8>>::passes(&mode, &[4, 2, 1]),
            [vec![2, 2, 1], vec![2, 1, 1]]
        );
        assert_eq!(Mode::new(&[3, 2], false), None);
    }

    #[test]
    fn sample_lines_and_carry_lines_pool_alike() {
        use crate::stage::{Carries, Samples};
        // A 2x2 block per output sample, either of the plan's orders.
        let (a, b) = ([1u16, 1, 2, 3, 5], [2u16, 4, 2, 3, 6]);
        let sources: [(&[u16], usize); 4] = [(&a, 0), (&b, 0), (&a, 1), (&b, 1)];
        for sparse in [false, true] {
            let mode = Mode { sparse };
            let (mut from_samples, mut from_carries) = ([0u16; 3], [0u16; 3]);
            let mut scratch = Vec::new();
            <Mode as StageOp<u16>>::reduce_line::<Samples>(
                &mode,
                &sources,
                2,
                &mut from_samples,
                &mut scratch,
            );
            <Mode as StageOp<u16>>::reduce_line::<Carries>(
                &mode,
                &sources,
                2,
                &mut from_carries,
                &mut scratch,
            );
            assert_eq!(from_samples, [1, 2, 5]);
            assert_eq!(from_samples, from_carries);
        }
    }
}
