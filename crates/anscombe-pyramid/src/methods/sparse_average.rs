//! Sparse average pooling: zeros are background, left out of both the sum and the count,
//! so a block of zeros stays 0. Sums are exact (never re-scaled), in the widest accumulator.

use crate::accumulate::{Accumulator, Overflow, check_headroom};
use crate::kernel::sum;
use crate::lines::Sources;
use crate::sample::Sample;
use crate::stage::{Layout, Source, StageOp};

/// A running sum with its count of non-zero samples.
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

/// Sparse average pooling with running sums in `A`.
pub(crate) struct SparseAverage<A>(std::marker::PhantomData<fn() -> A>);

impl<A> SparseAverage<A> {
    /// Sparse average pooling.
    pub(crate) fn new() -> Self {
        SparseAverage(std::marker::PhantomData)
    }
}

impl<A> SparseAverage<A> {
    /// Checks that the exact sums of `levels` levels of blocks of `factors` of `T` samples
    /// fit `A`.
    ///
    /// # Errors
    /// [`Overflow`] when they would not.
    pub(crate) fn check<T: Sample>(levels: usize, factors: &[usize]) -> Result<(), Overflow>
    where
        A: Accumulator<T>,
    {
        check_headroom::<T, A>(levels, factors)
    }
}

/// A sample as a sparse sum: itself, counted unless it is zero.
#[inline(always)]
fn lift<T: Sample, A: Accumulator<T>>(x: T) -> SparseSum<A> {
    SparseSum {
        sum: A::from_sample(x),
        count: A::count(x != T::default()),
    }
}

impl<T: Sample, A: Accumulator<T>> StageOp<T> for SparseAverage<A> {
    type Carry = SparseSum<A>;
    const LAYOUT: Layout = Layout {
        order_free: A::ORDER_FREE,
        ..Layout::IN_ORDER
    };

    fn reduce_line<L: Source<T, SparseSum<A>>>(
        &self,
        sources: &Sources<'_, L::Value>,
        f: usize,
        out: &mut [SparseSum<A>],
        _: &mut Vec<SparseSum<A>>,
    ) {
        sum(sources, f, out, A::ORDER_FREE, move |v| L::lift(v, lift));
    }

    fn render_line(&self, _level: usize, carry: &mut [SparseSum<A>], out: &mut [T]) {
        for (o, a) in out.iter_mut().zip(carry.iter()) {
            *o = a.sum.ratio(a.count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::{Carries, Samples};

    #[test]
    fn zeros_count_for_nothing() {
        type Op = SparseAverage<u64>;
        let op = Op::new();
        // A 2x2 block per output sample, as the plan orders it: (a, b) from the first line,
        // then (c, d) from the second.
        let first = [0u8, 0, 4, 0, 6, 9];
        let second = [0u8, 0, 0, 8, 3];
        let sources: [(&[u8], usize); 4] = [(&first, 0), (&first, 1), (&second, 0), (&second, 1)];
        let mut carry = [SparseSum::default(); 3];
        <Op as StageOp<u8>>::reduce_line::<Samples>(&op, &sources, 2, &mut carry, &mut Vec::new());
        let mut out = [0u8; 3];
        <Op as StageOp<u8>>::render_line(&op, 0, &mut carry, &mut out);
        // Blocks: all zeros; 4 and 8 (12 / 2); 6, 9 and the repeated 3 twice (21 / 4).
        assert_eq!(out, [0, 6, 5]);
        // A later stage adds the carried sums and counts as they are.
        let carry_sources: [(&[SparseSum<u64>], usize); 2] = [(&carry, 0), (&carry, 1)];
        let mut next = [SparseSum::default(); 2];
        <Op as StageOp<u8>>::reduce_line::<Carries>(
            &op,
            &carry_sources,
            2,
            &mut next,
            &mut Vec::new(),
        );
        let mut out = [0u8; 2];
        <Op as StageOp<u8>>::render_line(&op, 1, &mut next, &mut out);
        // The block of zeros adds nothing; the edge block repeats, sum and count alike.
        assert_eq!(out, [6, 5]);
    }
}
