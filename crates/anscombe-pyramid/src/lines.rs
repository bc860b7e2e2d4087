//! The lines a stage reads and writes, as the kernels take them: the input lines of one
//! output line ([`Sources`]), a group of output lines computed in lockstep ([`LineGroup`]),
//! and every group of a row at once ([`Bands`]).
//!
//! A stage reduces its input into a *carry* (running sums for averages, the pooled samples
//! themselves for the other methods) one output line at a time, or a group of lines in
//! lockstep, so a line's carry is still in the L1 cache when it is rendered.

/// Output lines the group kernels compute in lockstep. Each line reads its own forward
/// stream through memory, and one core keeps reads of several streams in flight where a
/// pass over one short line leaves it waiting: a 2x2 average of `uint8` planes with lines
/// of 1 KiB ran at 8.5 GB/s on one core line by line, 11.5 with 2 streams, 15.5 with 4 and
/// 14.9 with 8 (the machine streams 14-19 GB/s per core).
pub(crate) const LINES_IN_FLIGHT: usize = 4;

/// The input lines of one output line: `(line, offset along it)` per block offset, in the
/// block's combination order.
pub(crate) type Sources<'a, S> = [(&'a [S], usize)];

/// One output line of a row: where it starts in the output row, and its input lines (see
/// [`Sources`]).
pub(crate) type LineSources<'s, 'a, S> = (usize, &'s Sources<'a, S>);

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
    pub(crate) firsts: Group<'s, S>,
    /// The second input line each output line reads.
    pub(crate) seconds: Group<'s, S>,
    /// Where each output line's values go.
    pub(crate) outs: GroupMut<'j, O>,
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
    pub(crate) inputs: Group<'b, S>,
    /// Values per input line.
    pub(crate) line_in: usize,
    /// Each band's rendered lines, `line_in / factor` samples each.
    pub(crate) rendered: GroupMut<'b, T>,
    /// The factor along the lines: 2 for the 2x2 block, 1 for the 2x1 block.
    pub(crate) factor: usize,
    /// Each band's carry lines, summed in pairs along the line (half as many values as the
    /// rendered lines), when a later stage needs them.
    pub(crate) carry: Option<GroupMut<'b, C>>,
}

/// `jobs` as a [`LineGroup`], lines pooled by `f`; `None` unless there are
/// [`LINES_IN_FLIGHT`] jobs, all of the 2x2 block or all of the 2x1 block.
pub(crate) fn paired_group<'s, 'j, S, O>(
    jobs: &'j mut [LineJob<'s, '_, S, O>],
    f: usize,
) -> Option<LineGroup<'s, 'j, S, O>> {
    let jobs: &'j mut [LineJob<'s, '_, S, O>; LINES_IN_FLIGHT] = jobs.try_into().ok()?;
    let mut firsts: Group<'s, S> = [&[]; LINES_IN_FLIGHT];
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

/// The first and last input lines of a 2x2 block whose line axis is pooled by 2 (the
/// everyday block): a sample pair from each holds the block's four values, whichever of the
/// two orders the plan combines them in. Averages use them only for exact (integer) sums,
/// where adding one line's pairs and then the other's gives the block's sum.
#[inline(always)]
pub(crate) fn pair_pooled_lines<'a, T>(
    sources: &Sources<'a, T>,
    f: usize,
) -> Option<(&'a [T], &'a [T])> {
    match (sources, f) {
        ([(first, 0), _, _, (last, 1)], 2) => Some((first, last)),
        _ => None,
    }
}

/// `scratch` cut into consecutive lines of `lens` values.
pub(crate) fn scratch_lines<A: Copy + Default, const N: usize>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_take_two_line_blocks_only() {
        let (a, b, c, d): ([u8; 4], [u8; 4], [u8; 4], [u8; 4]) = ([1; 4], [2; 4], [3; 4], [4; 4]);
        // The 2x2 block as the plan orders it (pair by pair): lines a and b.
        let two_by_two: [(&[u8], usize); 4] = [(&a, 0), (&b, 0), (&a, 1), (&b, 1)];
        // The 2x1 block over paired carries: lines c and d.
        let two_by_one: [(&[u8], usize); 2] = [(&c, 0), (&d, 0)];
        let mut outs = [[0u16; 2]; 4];
        let mut jobs: Vec<LineJob<'_, '_, u8, u16>> = outs
            .iter_mut()
            .map(|out| (&two_by_two[..], &mut out[..]))
            .collect();
        let group = paired_group(&mut jobs, 2).expect("a group of the 2x2 block");
        assert_eq!(group.firsts, [&a[..]; 4]);
        assert_eq!(group.seconds, [&b[..]; 4]);
        assert_eq!(group.factor, 2);
        let mut jobs: Vec<LineJob<'_, '_, u8, u16>> = outs
            .iter_mut()
            .map(|out| (&two_by_one[..], &mut out[..]))
            .collect();
        let group = paired_group(&mut jobs, 1).expect("a group of the 2x1 block");
        assert_eq!((group.firsts, group.seconds), ([&c[..]; 4], [&d[..]; 4]));
        // Three jobs, or a block of another shape, make no group.
        let mut jobs: Vec<LineJob<'_, '_, u8, u16>> = outs
            .iter_mut()
            .take(3)
            .map(|out| (&two_by_two[..], &mut out[..]))
            .collect();
        assert!(paired_group(&mut jobs, 2).is_none());
        let mut jobs: Vec<LineJob<'_, '_, u8, u16>> = outs
            .iter_mut()
            .map(|out| (&two_by_one[..], &mut out[..]))
            .collect();
        assert!(paired_group(&mut jobs, 2).is_none());
    }

    #[test]
    fn scratch_lines_are_consecutive_and_as_long_as_asked() {
        let mut scratch = vec![5u32; 2];
        let [a, b, c] = scratch_lines(&mut scratch, [3, 0, 2]);
        assert_eq!((a.len(), b.len(), c.len()), (3, 0, 2));
        a.fill(1);
        c.fill(2);
        assert_eq!(scratch, [1, 1, 1, 2, 2]);
    }
}
