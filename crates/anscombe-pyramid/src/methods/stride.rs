//! Striding: each block's first sample (the plan gives stride blocks one offset). Mode
//! pooling by factors that are not powers of two strides too, as tinybrain does.

use crate::kernel::fold;
use crate::lines::Sources;
use crate::sample::Sample;
use crate::stage::{Layout, Source, StageOp};

/// Striding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stride;

impl<T: Sample> StageOp<T> for Stride {
    type Carry = T;
    const LAYOUT: Layout = Layout {
        first_only: true,
        ..Layout::IN_ORDER
    };

    fn reduce_line<L: Source<T, T>>(
        &self,
        sources: &Sources<'_, L::Value>,
        f: usize,
        out: &mut [T],
        _: &mut Vec<T>,
    ) {
        fold(L::sources(sources).either(), f, out, |x| x, |a, _| a);
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
    use crate::stage::Samples;

    #[test]
    fn a_block_is_its_first_sample() {
        let line = [1i8, 2, 3, 4, 5, 6, 7];
        let sources: [(&[i8], usize); 1] = [(&line, 0)];
        let mut out = [0i8; 3];
        <Stride as StageOp<i8>>::reduce_line::<Samples>(
            &Stride,
            &sources,
            3,
            &mut out,
            &mut Vec::new(),
        );
        assert_eq!(out, [1, 4, 7]);
    }
}
