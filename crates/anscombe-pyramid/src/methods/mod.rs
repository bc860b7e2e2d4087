//! The pooling methods: the public list of them ([`Method`]), what each becomes once planned
//! for a sample type ([`Operation`]), and one module per method with its
//! [`StageOp`](crate::stage::StageOp).
//!
//! The engine (plan, cascade) knows a method only through its `StageOp`: how the plan lays
//! out its stages ([`StageOp::LAYOUT`](crate::stage::StageOp::LAYOUT),
//! [`StageOp::passes`](crate::stage::StageOp::passes)) and what a stage does. So a new method
//! is its own module here, plus its entries in the two lists of this file: a variant of
//! [`Method`] (with its name), and a variant of [`Operation`] with its arms.

mod average;
mod extreme;
mod mode;
mod sparse_average;
mod stride;

use std::fmt;

pub(crate) use average::Schedule;
pub(crate) use extreme::Extreme;
pub(crate) use mode::Mode;
pub(crate) use sparse_average::SparseAverage;
pub(crate) use stride::Stride;

use crate::accumulate::Overflow;
use crate::sample::Sample;
use crate::stage::WithOp;

/// How a block of samples becomes one sample of the next level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// The mean of the block (images). Integers keep a wide running sum across levels, so a
    /// level is the truncated mean of the original samples, not a mean of rounded means.
    Average,
    /// The most frequent value of the block (label images). Power-of-two factors pool by
    /// repeated 2x passes; other factors take the block's first sample, as tinybrain does.
    Mode,
    /// The largest value of the block (a NaN wins).
    Max,
    /// The smallest value of the block (a NaN wins).
    Min,
    /// The block's first sample.
    Stride,
}

impl Method {
    /// The method's name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Average => "average",
            Method::Mode => "mode",
            Method::Max => "max",
            Method::Min => "min",
            Method::Stride => "stride",
        }
    }

    /// Whether the method has a sparse mode (zeros as background).
    pub(crate) fn has_sparse_mode(self) -> bool {
        matches!(self, Method::Average | Method::Mode)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A method as planned for one sample type and one set of factors: what every stage of the
/// pyramid does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    /// Average pooling on this schedule.
    Average(Schedule),
    /// Sparse average pooling (exact sums and counts).
    SparseAverage,
    /// Mode pooling by 2x passes.
    Mode(Mode),
    /// Max or min pooling.
    Extreme(Extreme),
    /// Striding.
    Stride,
}

impl Operation {
    /// The operation of `method` (sparse or not) over `levels` levels of `T` samples pooled
    /// by `factors` (one per axis).
    ///
    /// # Errors
    /// [`Overflow`] for averages whose exact sums would not fit.
    pub(crate) fn new<T: Sample>(
        method: Method,
        sparse: bool,
        levels: usize,
        factors: &[usize],
    ) -> Result<Self, Overflow> {
        Ok(match method {
            Method::Average if sparse => {
                SparseAverage::<T::Exact>::check::<T>(levels, factors)?;
                Operation::SparseAverage
            }
            Method::Average => Operation::Average(Schedule::new::<T>(levels, factors)?),
            Method::Mode => Mode::new(factors, sparse).map_or(Operation::Stride, Operation::Mode),
            Method::Max => Operation::Extreme(Extreme::MAX),
            Method::Min => Operation::Extreme(Extreme::MIN),
            Method::Stride => Operation::Stride,
        })
    }

    /// Hands the operation's [`StageOp`](crate::stage::StageOp) for `T` samples to `with`.
    pub(crate) fn with_op<T: Sample, W: WithOp<T>>(self, with: W) -> W::Output {
        match self {
            Operation::Average(schedule) => schedule.with_op(with),
            Operation::SparseAverage => with.with(SparseAverage::<T::Exact>::new()),
            Operation::Mode(mode) => with.with(mode),
            Operation::Extreme(extreme) => with.with(extreme),
            Operation::Stride => with.with(Stride),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::{Layout, StageOp};

    /// The name of the stage op an operation hands on, and its layout.
    struct Described;

    impl<T: Sample> WithOp<T> for Described {
        type Output = (&'static str, Layout);
        fn with<O: StageOp<T> + 'static>(self, _op: O) -> Self::Output {
            let name = std::any::type_name::<O>();
            (name.rsplit("::").next().unwrap_or(name), O::LAYOUT)
        }
    }

    #[test]
    fn each_method_runs_its_own_stage_op() {
        let op = |method, sparse, factors: &[usize]| {
            Operation::new::<u8>(method, sparse, 2, factors)
                .map(|operation| operation.with_op::<u8, _>(Described))
        };
        let (name, layout) = op(Method::Average, false, &[2, 2]).unwrap();
        assert_eq!(name, "Average<u16>");
        assert!(layout.order_free && layout.paired_carries && !layout.first_only);
        let (name, layout) = op(Method::Average, true, &[2, 2]).unwrap();
        assert_eq!(name, "SparseAverage<u64>");
        assert!(layout.order_free && !layout.paired_carries);
        assert_eq!(op(Method::Mode, false, &[4, 2]).unwrap().0, "Mode");
        // Mode by factors that are not powers of two strides, as tinybrain does.
        let (name, layout) = op(Method::Mode, false, &[3, 3]).unwrap();
        assert_eq!(name, "Stride");
        assert!(layout.first_only);
        assert_eq!(
            op(Method::Max, false, &[2]).unwrap(),
            ("Extreme", Layout::IN_ORDER)
        );
        // Float sums follow the block order; they are not paired.
        let layout = Operation::new::<f32>(Method::Average, false, 2, &[2, 2])
            .unwrap()
            .with_op::<f32, _>(Described)
            .1;
        assert_eq!(layout, Layout::IN_ORDER);
        assert!(matches!(
            Operation::new::<u64>(Method::Average, true, 30, &[4, 4]),
            Err(Overflow { .. })
        ));
    }
}
