//! The pooling methods, one module each, and the one list of them.
//!
//! A method is a [`StageOp`](crate::stage::StageOp): how the plan lays out its stages, and what a stage does. To
//! add one, write its module (a type implementing [`StageOp`](crate::stage::StageOp)), name it in the public
//! [`Method`] enum, and give it a variant and its arms in [`Operation`] below.

mod average;
mod extreme;
mod mode;
mod sparse_average;
mod stride;

pub(crate) use average::Schedule;
pub(crate) use extreme::Extreme;
pub(crate) use mode::Mode;
pub(crate) use sparse_average::SparseAverage;
pub(crate) use stride::Stride;

use crate::error::PyramidError;
use crate::method::Method;
use crate::sample::Sample;
#[cfg(doc)]
use crate::stage::StageOp;
use crate::stage::WithOp;

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
    /// [`PyramidError::Overflow`] for averages whose exact sums would not fit.
    pub(crate) fn new<T: Sample>(
        method: Method,
        sparse: bool,
        levels: usize,
        factors: &[usize],
    ) -> Result<Self, PyramidError> {
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
            Err(PyramidError::Overflow { .. })
        ));
    }
}
