//! Max and min pooling: the largest or smallest value of each block, a NaN winning (NumPy's
//! `maximum` and `minimum`).

use crate::kernel::fold;
use crate::lines::Sources;
use crate::sample::Sample;
use crate::stage::{Source, StageOp};

/// Max or min pooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Extreme {
    /// Max pooling, or min pooling.
    max: bool,
}

impl Extreme {
    /// Max pooling.
    pub(crate) const MAX: Extreme = Extreme { max: true };
    /// Min pooling.
    pub(crate) const MIN: Extreme = Extreme { max: false };
}

impl<T: Sample> StageOp<T> for Extreme {
    type Carry = T;

    fn reduce_line<L: Source<T, T>>(
        &self,
        sources: &Sources<'_, L::Value>,
        f: usize,
        out: &mut [T],
        _: &mut Vec<T>,
    ) {
        let sources = L::sources(sources).either();
        if self.max {
            fold(sources, f, out, |x| x, T::max_sample);
        } else {
            fold(sources, f, out, |x| x, T::min_sample);
        }
    }

    fn render_line(&self, _level: usize, carry: &mut [T], out: &mut [T]) {
        out.copy_from_slice(carry);
    }

    fn as_carry<'a>(&self, out: &'a mut [T]) -> Option<&'a mut [T]> {
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::{Carries, Samples};

    #[test]
    fn a_nan_wins_at_every_stage() {
        let (a, b) = ([1.0f32, 5.0, f32::NAN], [3.0f32, -2.0, 0.5]);
        // 2x1 blocks: a value from each line.
        let sources: [(&[f32], usize); 2] = [(&a, 0), (&b, 0)];
        for (op, expected) in [(Extreme::MAX, [3.0, 5.0]), (Extreme::MIN, [1.0, -2.0])] {
            let mut out = [0.0f32; 3];
            <Extreme as StageOp<f32>>::reduce_line::<Samples>(
                &op,
                &sources,
                1,
                &mut out,
                &mut Vec::new(),
            );
            assert_eq!(out[..2], expected);
            assert!(out[2].is_nan());
            let mut again = [0.0f32; 3];
            <Extreme as StageOp<f32>>::reduce_line::<Carries>(
                &op,
                &sources,
                1,
                &mut again,
                &mut Vec::new(),
            );
            assert_eq!(out.map(f32::to_bits), again.map(f32::to_bits));
        }
    }
}
