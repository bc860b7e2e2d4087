//! What a pooling method does in one stage, written once for both kinds of lines a stage
//! reads: the input's samples (stage 0) and the carry of the stage before (later stages).
//!
//! A stage reduces its input lines into a *carry* (running sums for averages, the pooled
//! samples themselves for the other methods); the next stage reduces carry lines, and
//! emitted levels render carry lines into samples. Every hook of [`StageOp`] is generic over
//! the [`Source`] of its lines. Most methods never look at which one it is (their carry is
//! the sample type); averages do where the two differ: how a sample becomes a sum, and
//! which vector kernel takes the lines.

use crate::lines::{Bands, Group, GroupMut, LineGroup, LineJob, Sources};

/// One pooling method: how the plan lays out its stages, and what a stage does.
///
/// Only [`StageOp::reduce_line`] and [`StageOp::render_line`] are needed; the other hooks
/// are faster passes for common blocks, which decline (return `false` with nothing
/// written) by default, and the engine then takes the lines one by one.
pub(crate) trait StageOp<T>: Send + Sync {
    /// What a stage passes to the next.
    type Carry: Copy + Send + Sync + Default;
    /// How the plan lays out the method's stages.
    const LAYOUT: Layout = Layout::IN_ORDER;

    /// The canonical factors of each stage of one level: by default one stage of the
    /// level's factors.
    fn passes(&self, factors: &[usize]) -> Vec<Vec<usize>> {
        vec![factors.to_vec()]
    }
    /// Reduces input lines (pooled by `f` along the line) into a carry line.
    fn reduce_line<L: Source<T, Self::Carry>>(
        &self,
        sources: &Sources<'_, L::Value>,
        f: usize,
        out: &mut [Self::Carry],
        scratch: &mut Vec<Self::Carry>,
    );
    /// Renders a carry line of output `level` into samples (and may rescale the carry).
    fn render_line(&self, level: usize, carry: &mut [Self::Carry], out: &mut [T]);
    /// Whether the method has kernels that take a group of lines in lockstep (see
    /// [`StageOp::pairs_rendered`]), so lines are worth visiting in groups.
    fn lockstep(&self) -> bool {
        false
    }
    /// Reduces the input lines of one output line straight into its samples of `level`,
    /// for a stage whose carry goes nowhere but the output: one pass, no carry line written
    /// and read back.
    fn line_rendered<L: Source<T, Self::Carry>>(
        &self,
        level: usize,
        line: LineJob<'_, '_, L::Value, T>,
        f: usize,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (level, line, f, scratch);
        false
    }
    /// Reduces a whole group of two-line blocks (see [`crate::lines::paired_group`]) into
    /// their carry lines in lockstep, and with `rendered` renders them into those samples of
    /// that level in the same pass.
    fn pairs_carried<L: Source<T, Self::Carry>>(
        &self,
        group: LineGroup<'_, '_, L::Value, Self::Carry>,
        rendered: Option<(usize, GroupMut<'_, T>)>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (group, rendered, scratch);
        false
    }
    /// [`StageOp::pairs_carried`] for a stage that hands on its carry summed in pairs along
    /// the line (see [`StageOp::pair_line`]): `group`'s outputs are those pairs, half as
    /// wide as the stage's lines of `width` values.
    fn pairs_paired<L: Source<T, Self::Carry>>(
        &self,
        width: usize,
        group: LineGroup<'_, '_, L::Value, Self::Carry>,
        rendered: Option<(usize, GroupMut<'_, T>)>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (width, group, rendered, scratch);
        false
    }
    /// [`StageOp::line_rendered`] for a whole group of two-line blocks, in lockstep.
    fn pairs_rendered<L: Source<T, Self::Carry>>(
        &self,
        level: usize,
        group: LineGroup<'_, '_, L::Value, T>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (level, group, scratch);
        false
    }
    /// Reduces every group of a row of two-line blocks, as [`Bands`], into samples of
    /// `level` and, when a later stage needs it, its carry summed in pairs along the line, in
    /// one call.
    fn bands_rendered<L: Source<T, Self::Carry>>(
        &self,
        level: usize,
        bands: Bands<'_, L::Value, T, Self::Carry>,
        scratch: &mut Vec<Self::Carry>,
    ) -> bool {
        let _ = (level, bands, scratch);
        false
    }
    /// Adds a carry line's values in pairs along the line into `out` (the last value of an
    /// odd line twice, as edge replication has it). Only methods whose [`Layout`] pairs
    /// carries are asked to.
    fn pair_line(&self, line: &[Self::Carry], out: &mut [Self::Carry]) {
        let _ = (line, out);
        debug_assert!(false, "only methods that pair their carry pair lines");
    }
    /// The output line itself, when the carry is the output (pooled samples), so the last
    /// stage can reduce straight into it.
    fn as_carry<'a>(&self, out: &'a mut [T]) -> Option<&'a mut [Self::Carry]> {
        let _ = out;
        None
    }
}

/// Something to do with a method's [`StageOp`] once its type is known (see
/// `methods::Operation::with_op`): build a cascade of it, say.
pub(crate) trait WithOp<T> {
    /// What it gives.
    type Output;
    /// Does it with `op`.
    fn with<O: StageOp<T> + 'static>(self, op: O) -> Self::Output;
}

/// How the plan lays out a method's stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Whether block values may be combined in any order (exact sums): the plan then visits
    /// the two samples of a line pair one after the other, which the kernels add in one
    /// pass; otherwise the first logical axis varies fastest, whatever the memory order.
    pub(crate) order_free: bool,
    /// Whether a stage may hand on its carry summed in pairs along the line, so the next
    /// everyday 2x2 stage becomes a 2x1 stage (see `plan::pair_carries`).
    pub(crate) paired_carries: bool,
    /// Whether a block is its first value alone (striding).
    pub(crate) first_only: bool,
}

impl Layout {
    /// Every block value, combined in order, carries as they are.
    pub(crate) const IN_ORDER: Layout = Layout {
        order_free: false,
        paired_carries: false,
        first_only: false,
    };
}

/// Lines told apart by what their values are, for code written for one kind: a kernel of
/// `uint8` samples, say. Both kinds hold the same type when the carry is the sample (see
/// [`Typed::either`]).
pub(crate) enum Typed<S, C> {
    /// Samples of the input.
    Samples(S),
    /// Carry values of the stage before.
    Carries(C),
}

impl<V> Typed<V, V> {
    /// The lines, whichever kind they are.
    #[inline(always)]
    pub(crate) fn either(self) -> V {
        match self {
            Typed::Samples(v) | Typed::Carries(v) => v,
        }
    }
}

/// What a stage reads, for samples `T` and carry values `C`: [`Samples`] at stage 0,
/// [`Carries`] after it. The hooks of [`StageOp`] are generic over it, and see its lines as
/// what they are through [`Source::lift`] and the casts to [`Typed`].
pub(crate) trait Source<T, C> {
    /// The values of the lines.
    type Value: Copy + Send + Sync;
    /// `value` as a carry value: a sample through `sample` (the method's), a carry value
    /// as it is.
    fn lift(value: Self::Value, sample: impl Fn(T) -> C) -> C;
    /// The input lines of one output line, as what they are.
    fn sources<'a, 's>(
        sources: &'a Sources<'s, Self::Value>,
    ) -> Typed<&'a Sources<'s, T>, &'a Sources<'s, C>>;
    /// One line of each member of a group, as what they are.
    fn lines(lines: Group<'_, Self::Value>) -> Typed<Group<'_, T>, Group<'_, C>>;
    /// Bands (see [`Bands`]) rendering into `R`, as what their input lines are.
    fn bands<R>(
        bands: Bands<'_, Self::Value, R, C>,
    ) -> Typed<Bands<'_, T, R, C>, Bands<'_, C, R, C>>;
}

/// Stage 0 reads the input's samples.
pub(crate) struct Samples;

/// Later stages read the carry of the stage before.
pub(crate) struct Carries;

impl<T: Copy + Send + Sync, C> Source<T, C> for Samples {
    type Value = T;

    #[inline(always)]
    fn lift(value: T, sample: impl Fn(T) -> C) -> C {
        sample(value)
    }

    #[inline(always)]
    fn sources<'a, 's>(
        sources: &'a Sources<'s, T>,
    ) -> Typed<&'a Sources<'s, T>, &'a Sources<'s, C>> {
        Typed::Samples(sources)
    }

    #[inline(always)]
    fn lines(lines: Group<'_, T>) -> Typed<Group<'_, T>, Group<'_, C>> {
        Typed::Samples(lines)
    }

    #[inline(always)]
    fn bands<R>(bands: Bands<'_, T, R, C>) -> Typed<Bands<'_, T, R, C>, Bands<'_, C, R, C>> {
        Typed::Samples(bands)
    }
}

impl<T, C: Copy + Send + Sync> Source<T, C> for Carries {
    type Value = C;

    #[inline(always)]
    fn lift(value: C, _sample: impl Fn(T) -> C) -> C {
        value
    }

    #[inline(always)]
    fn sources<'a, 's>(
        sources: &'a Sources<'s, C>,
    ) -> Typed<&'a Sources<'s, T>, &'a Sources<'s, C>> {
        Typed::Carries(sources)
    }

    #[inline(always)]
    fn lines(lines: Group<'_, C>) -> Typed<Group<'_, T>, Group<'_, C>> {
        Typed::Carries(lines)
    }

    #[inline(always)]
    fn bands<R>(bands: Bands<'_, C, R, C>) -> Typed<Bands<'_, T, R, C>, Bands<'_, C, R, C>> {
        Typed::Carries(bands)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind of `line`'s values as `L` sees them, and their first value as a carry.
    fn seen<L: Source<u8, u16>>(line: &[L::Value]) -> (&'static str, u16) {
        let kind = match L::lines([line; 4]) {
            Typed::Samples(_) => "samples",
            Typed::Carries(_) => "carries",
        };
        (kind, L::lift(line[0], |x| u16::from(x) * 100))
    }

    #[test]
    fn samples_lift_through_the_method_and_carries_stay() {
        assert_eq!(seen::<Samples>(&[3u8]), ("samples", 300));
        assert_eq!(seen::<Carries>(&[3u16]), ("carries", 3));
        let sources: [(&[u8], usize); 1] = [(&[7], 0)];
        assert!(matches!(
            <Samples as Source<u8, u16>>::sources(&sources),
            Typed::Samples(_)
        ));
        // A carry of the sample type: both kinds are the same lines.
        let line = [9u8];
        assert_eq!(
            <Carries as Source<u8, u8>>::lines([&line[..]; 4]).either()[2],
            [9]
        );
        assert_eq!(
            <Samples as Source<u8, u8>>::lines([&line[..]; 4]).either()[2],
            [9]
        );
    }
}
