//! Kernels written for the vector unit, for the everyday case the compiler vectorises
//! poorly: `uint8` samples averaged in 2x2 blocks with `u16` sums (tinybrain's narrow
//! accumulator), rendered and, for pyramids of several levels, handed on summed in pairs
//! along the line (see `plan::pair_carries`). Adding neighbouring sums is a horizontal add,
//! which portable code compiles to shuffles; SSE2's multiply-add does it in one instruction.
//! On a 4-level pyramid of 1024 x 1024 frames (in cache) this made the first stage about a
//! third cheaper. The intrinsics come through `safe_arch`, so this crate stays free of
//! `unsafe`. On other machines the kernels do nothing and the portable kernels do all the
//! work.
//!
//! Each kernel comes in two forms. One takes a group of lines and does the head of each,
//! leaving any tail to the portable kernels. The other takes every group of a row at once
//! (see [`crate::lines::Bands`]) when its lines are whole steps of the kernel: for short lines
//! the calls cost more than the arithmetic (64 x 64 frames, one level: nearly twice as fast).
//!
//! AVX2 (twice as wide) was tried, with the crate built for a machine that has it: a 4-level
//! pyramid of 1024 x 1024 frames ran no faster, in cache or from memory, so these kernels
//! stay on SSE2, which every x86-64 machine has, and need no dispatch at run time.

#[cfg(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2"
))]
pub(crate) use sse2::{add_bands_u8, add_lines_u8, two_by_two_bands_u8, two_by_two_u8};
#[cfg(not(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2"
)))]
pub(crate) use without::{add_bands_u8, add_lines_u8, two_by_two_bands_u8, two_by_two_u8};

/// The kernels, on machines with SSE2.
#[cfg(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2"
))]
mod sse2 {
    use crate::lines::Bands;
    use safe_arch::{
        add_i16_m128i, bitand_m128i, load_unaligned_m128i, m128i, mul_i16_horizontal_add_m128i,
        pack_i16_to_u8_m128i, pack_i32_to_i16_m128i, set_i64_m128i_s, set_splat_i16_m128i,
        shr_all_u16_m128i, shr_imm_u16_m128i, store_unaligned_m128i, unpack_high_i64_m128i,
        unpack_low_i64_m128i,
    };

    /// Input samples per line that one step of the first-stage kernel reads: two vectors.
    const STEP: usize = 32;

    /// Carry values per line that one step of the upper-level kernel reads: two vectors.
    const ADD_STEP: usize = 16;

    /// The first-stage sums of a line's first line, one step (`STEP` samples) per item.
    type StepSums = [[u16; 8]; 2];

    /// The items of four lines (or bands) side by side: zipped iterators check one bound per
    /// step where indexing would check every access.
    fn four<I: IntoIterator>(lines: [I; 4]) -> impl Iterator<Item = [I::Item; 4]> {
        let [a, b, c, d] = lines;
        a.into_iter()
            .zip(b)
            .zip(c)
            .zip(d)
            .map(|(((a, b), c), d)| [a, b, c, d])
    }

    /// Sums `low` and `high` (8 `u16` each) shifted right by `shift`, as 16 bytes; the sums
    /// must fit a byte once shifted (the pack saturates).
    #[inline(always)]
    fn rendered(low: m128i, high: m128i, shift: m128i) -> m128i {
        pack_i16_to_u8_m128i(
            shr_all_u16_m128i(low, shift),
            shr_all_u16_m128i(high, shift),
        )
    }

    /// The sums of neighbouring values of `low` then `high` (8 `u16` each), by multiply-add;
    /// the values and their pairs must fit an `i16` (the pack saturates).
    #[inline(always)]
    fn paired(low: m128i, high: m128i) -> [u16; 8] {
        let ones = set_splat_i16_m128i(1);
        pack_i32_to_i16_m128i(
            mul_i16_horizontal_add_m128i(low, ones),
            mul_i16_horizontal_add_m128i(high, ones),
        )
        .into()
    }

    /// The sum of each pair of neighbouring bytes of `bytes`, as 8 `u16`.
    #[inline(always)]
    fn pair_sums(bytes: &[u8; 16]) -> m128i {
        let v = load_unaligned_m128i(bytes);
        add_i16_m128i(
            bitand_m128i(v, set_splat_i16_m128i(0xff)),
            shr_imm_u16_m128i::<8>(v),
        )
    }

    /// `scratch` as the first-line sums of four lines of `steps` steps each. Every value is
    /// written before it is read: the scratch grows, and is never cleared.
    fn step_sums(scratch: &mut Vec<u16>, steps: usize) -> [&mut [StepSums]; 4] {
        let line_sums = steps * STEP / 2;
        if scratch.len() < 4 * line_sums {
            scratch.resize(4 * line_sums, 0);
        }
        let mut unused = scratch.as_mut_slice();
        std::array::from_fn(|_| {
            let (line, rest) = std::mem::take(&mut unused).split_at_mut(line_sums);
            unused = rest;
            line.as_chunks_mut::<8>().0.as_chunks_mut::<2>().0
        })
    }

    /// The first `STEP * sums[m].len()` samples of four line pairs (`firsts[m]` over
    /// `seconds[m]`) summed in 2x2 blocks, rendered shifted right by `shift` into
    /// `rendered[m]`, and with `carry` summed in pairs along the line there. The first lines
    /// are summed into `sums` on a pass of their own, so that each line is one forward stream
    /// through memory. The caller checks that every line holds the steps.
    #[inline(always)]
    fn two_by_two_steps(
        firsts: [&[u8]; 4],
        seconds: [&[u8]; 4],
        rendered: [&mut [u8]; 4],
        shift: m128i,
        carry: Option<[&mut [u16]; 4]>,
        mut sums: [&mut [StepSums]; 4],
    ) {
        fn steps_of(line: &[u8]) -> &[[[u8; 16]; 2]] {
            line.as_chunks::<16>().0.as_chunks::<2>().0
        }
        for (lines, sums) in four(firsts.map(steps_of)).zip(four(sums.each_mut().map(|s| &mut **s)))
        {
            for (line, sums) in lines.into_iter().zip(sums) {
                *sums = line.each_ref().map(|half| pair_sums(half).into());
            }
        }
        // Blocks sum at most 4 x 255, so the shifted sums fit a byte and the pairs of sums an
        // `i16`: the saturating packs below never saturate.
        let block_sums = |line: &[[u8; 16]; 2], sums: &StepSums, rendered: &mut [u8; 16]| {
            let [low, high] =
                [0, 1].map(|half| add_i16_m128i(pair_sums(&line[half]), m128i::from(sums[half])));
            store_unaligned_m128i(rendered, self::rendered(low, high, shift));
            (low, high)
        };
        let seconds = four(seconds.map(steps_of)).zip(four(sums.each_ref().map(|s| &**s)));
        let rendered = four(rendered.map(|line| line.as_chunks_mut::<16>().0));
        match carry {
            Some(carry) => {
                let carry = four(carry.map(|line| line.as_chunks_mut::<8>().0));
                for (((lines, sums), rendered), carry) in seconds.zip(rendered).zip(carry) {
                    for (((line, sums), rendered), carry) in
                        lines.into_iter().zip(sums).zip(rendered).zip(carry)
                    {
                        let (low, high) = block_sums(line, sums, rendered);
                        *carry = paired(low, high);
                    }
                }
            }
            None => {
                for ((lines, sums), rendered) in seconds.zip(rendered) {
                    for ((line, sums), rendered) in lines.into_iter().zip(sums).zip(rendered) {
                        block_sums(line, sums, rendered);
                    }
                }
            }
        }
    }

    /// Sums the 2x2 blocks of whole groups of line pairs (`firsts[m]` over `seconds[m]`, sample
    /// pairs along the lines) from the start of the lines, renders each sum shifted right by
    /// `shift` into `rendered[m]`, and with `carry` writes the sums of neighbouring blocks there.
    /// Returns the input samples per line it did (a multiple of 4, so the rest of every line
    /// starts at a block pair); the portable kernels do the rest. Does nothing for shifts
    /// below 2, where a sum of four samples may not fit a sample.
    pub(crate) fn two_by_two_u8(
        firsts: [&[u8]; 4],
        seconds: [&[u8]; 4],
        rendered: [&mut [u8]; 4],
        shift: u32,
        carry: Option<[&mut [u16]; 4]>,
        scratch: &mut Vec<u16>,
    ) -> usize {
        let steps = firsts
            .iter()
            .chain(&seconds)
            .map(|line| line.len() / STEP)
            .chain(rendered.iter().map(|line| line.len() / (STEP / 2)))
            .chain(carry.iter().flatten().map(|line| line.len() / (STEP / 4)))
            .min()
            .unwrap_or(0);
        if steps == 0 || !(2..16).contains(&shift) {
            return 0;
        }
        let shift = set_i64_m128i_s(i64::from(shift));
        let sums = step_sums(scratch, steps);
        two_by_two_steps(firsts, seconds, rendered, shift, carry, sums);
        steps * STEP
    }

    /// Each of four line pairs (a first line, then a second as long) as its two lines.
    fn halves<V>(pairs: [&[V]; 4]) -> ([&[V]; 4], [&[V]; 4]) {
        (
            pairs.map(|pair| &pair[..pair.len() / 2]),
            pairs.map(|pair| &pair[pair.len() / 2..]),
        )
    }

    /// The lines of four bands, to walk group by group: each band's line pairs, rendered
    /// lines and carry lines, each line whole steps of a kernel.
    struct WholeLines<'b, S, C> {
        /// Kernel steps per input line.
        steps: usize,
        /// Each band's input lines in pairs: a first line, then a second.
        pairs: [std::slice::ChunksExact<'b, S>; 4],
        /// Each band's rendered lines.
        rendered: [std::slice::ChunksExactMut<'b, u8>; 4],
        /// Each band's carry lines, when a later stage needs them.
        carry: Option<[std::slice::ChunksExactMut<'b, C>; 4]>,
    }

    /// One group of [`WholeLines`]: its first lines, second lines, rendered lines and, when
    /// the bands have them, carry lines.
    type WholeGroup<'b, S, C> = (
        [&'b [S]; 4],
        [&'b [S]; 4],
        [&'b mut [u8]; 4],
        Option<[&'b mut [C]; 4]>,
    );

    impl<'b, S, C> WholeLines<'b, S, C> {
        /// The groups in turn.
        fn groups(self) -> impl Iterator<Item = WholeGroup<'b, S, C>> {
            let mut carry = self.carry.map(four);
            four(self.pairs)
                .zip(four(self.rendered))
                .map(move |(pairs, rendered)| {
                    let (firsts, seconds) = halves(pairs);
                    (
                        firsts,
                        seconds,
                        rendered,
                        carry.as_mut().and_then(Iterator::next),
                    )
                })
        }
    }

    /// `bands` as [`WholeLines`] of kernel steps of `step` input values, when its bands split
    /// into the same number of whole lines of whole steps; `None` otherwise (the caller then
    /// takes the groups one by one).
    fn whole_lines<S, C>(bands: Bands<'_, S, u8, C>, step: usize) -> Option<WholeLines<'_, S, C>> {
        let Bands {
            inputs,
            line_in,
            rendered,
            factor,
            carry,
        } = bands;
        let width = line_in / factor.max(1);
        let lines = rendered[0].len() / width.max(1);
        let exact = line_in > 0
            && line_in.is_multiple_of(step)
            && width * factor == line_in
            && width.is_multiple_of(2)
            && inputs.iter().all(|band| band.len() == 2 * lines * line_in)
            && rendered.iter().all(|band| band.len() == lines * width)
            && carry
                .iter()
                .flatten()
                .all(|band| band.len() == lines * width / 2);
        exact.then(|| WholeLines {
            steps: line_in / step,
            pairs: inputs.map(|band| band.chunks_exact(2 * line_in)),
            rendered: rendered.map(|band| band.chunks_exact_mut(width)),
            carry: carry.map(|bands| bands.map(|band| band.chunks_exact_mut(width / 2))),
        })
    }

    /// [`two_by_two_u8`] for every group of `bands` (pooled by 2 along the line) in one call,
    /// which for short lines costs far less than a call per group; `false`, with nothing
    /// written, unless every line is whole steps of the kernel and the shift one it takes.
    pub(crate) fn two_by_two_bands_u8(
        bands: Bands<'_, u8, u8, u16>,
        shift: u32,
        scratch: &mut Vec<u16>,
    ) -> bool {
        if bands.factor != 2 || !(2..16).contains(&shift) {
            return false;
        }
        let Some(whole) = whole_lines(bands, STEP) else {
            return false;
        };
        let shift = set_i64_m128i_s(i64::from(shift));
        let mut sums = step_sums(scratch, whole.steps);
        for (firsts, seconds, rendered, carry) in whole.groups() {
            let sums = sums.each_mut().map(|s| &mut **s);
            two_by_two_steps(firsts, seconds, rendered, shift, carry, sums);
        }
        true
    }

    /// The first `ADD_STEP * steps` values of four line pairs of carries added (`firsts[m]`
    /// and `seconds[m]`), rendered shifted right by `shift` into `rendered[m]`, and with
    /// `carry` summed in pairs along the line there. The caller checks that every line holds
    /// the steps.
    #[inline(always)]
    fn add_steps(
        firsts: [&[u16]; 4],
        seconds: [&[u16]; 4],
        rendered: [&mut [u8]; 4],
        shift: m128i,
        carry: Option<[&mut [u16]; 4]>,
        steps: usize,
    ) {
        fn pairs_of(line: &[u16], steps: usize) -> &[[[u16; 8]; 2]] {
            &line.as_chunks::<8>().0.as_chunks::<2>().0[..steps]
        }
        let pairs_of = |line| pairs_of(line, steps);
        let lines = four(firsts.map(pairs_of)).zip(four(seconds.map(pairs_of)));
        let rendered = four(rendered.map(|line| line.as_chunks_mut::<16>().0));
        let sums = |first: &[[u16; 8]; 2], second: &[[u16; 8]; 2], rendered: &mut [u8; 16]| {
            let [low, high] = [0, 1]
                .map(|half| add_i16_m128i(m128i::from(first[half]), m128i::from(second[half])));
            store_unaligned_m128i(rendered, self::rendered(low, high, shift));
            (low, high)
        };
        match carry {
            Some(carry) => {
                let carry = four(carry.map(|line| line.as_chunks_mut::<8>().0));
                for (((firsts, seconds), rendered), carry) in lines.zip(rendered).zip(carry) {
                    for (((first, second), rendered), carry) in
                        firsts.into_iter().zip(seconds).zip(rendered).zip(carry)
                    {
                        let (low, high) = sums(first, second, rendered);
                        *carry = paired(low, high);
                    }
                }
            }
            None => {
                for ((firsts, seconds), rendered) in lines.zip(rendered) {
                    for ((first, second), rendered) in firsts.into_iter().zip(seconds).zip(rendered)
                    {
                        sums(first, second, rendered);
                    }
                }
            }
        }
    }

    /// Adds whole groups of line pairs of `u16` carries of `uint8` averages (`firsts[m]` over
    /// `seconds[m]`: the 2x1 block over carries summed in pairs along the line, see
    /// `plan::pair_carries`), renders each sum shifted right by `shift` into `rendered[m]`, and
    /// writes the sums of neighbouring values into `carry[m]`. Returns the values per line it did
    /// (a multiple of 16, so the rest starts at a pair); the portable kernels do the rest.
    ///
    /// The carries are exact sums of `uint8` samples (or of their re-scaled averages) over the
    /// blocks of the level, so each sum is at most `255 << shift`: with shifts up to 6 the
    /// rendered values fit a byte, the sums and their pairs an `i16`, and the saturating packs
    /// never saturate. Does nothing for larger shifts (`uint8` pyramids re-scale their carry
    /// before that).
    pub(crate) fn add_lines_u8(
        firsts: [&[u16]; 4],
        seconds: [&[u16]; 4],
        rendered: [&mut [u8]; 4],
        shift: u32,
        carry: [&mut [u16]; 4],
    ) -> usize {
        let steps = firsts
            .iter()
            .chain(&seconds)
            .map(|line| line.len() / ADD_STEP)
            .chain(rendered.iter().map(|line| line.len() / ADD_STEP))
            .chain(carry.iter().map(|line| line.len() / (ADD_STEP / 2)))
            .min()
            .unwrap_or(0);
        if steps == 0 || !(1..7).contains(&shift) {
            return 0;
        }
        let shift = set_i64_m128i_s(i64::from(shift));
        add_steps(firsts, seconds, rendered, shift, Some(carry), steps);
        steps * ADD_STEP
    }

    /// [`add_bands_u8`] for lines of 4 or 8 carry values, shorter than a step of the kernel
    /// (the top levels of small frames). A band's lines lie one after the other, so a band
    /// is one run of steps, each holding whole lines: of its 32 values, 2 line pairs of 8 or
    /// 4 line pairs of 4, whose sums fill one step's rendered bytes and carry. `false`, with
    /// nothing written, unless every band is whole steps.
    fn add_short_bands_u8(bands: Bands<'_, u16, u8, u16>, shift: m128i) -> bool {
        let Bands {
            inputs,
            line_in,
            rendered,
            carry,
            ..
        } = bands;
        let values = rendered[0].len();
        let exact = values.is_multiple_of(16)
            && inputs.iter().all(|band| band.len() == 2 * values)
            && rendered.iter().all(|band| band.len() == values)
            && carry.iter().flatten().all(|band| band.len() == values / 2);
        if !exact {
            return false;
        }
        // The sums of the line pairs of a step, as the rendered lines lie: 16 values, one
        // vector for each half.
        let line_sums = |step: &[[u16; 8]; 4]| -> (m128i, m128i) {
            let [a, b, c, d] = step.map(m128i::from);
            if line_in == 8 {
                // A vector is a whole line: first, second, first, second.
                (add_i16_m128i(a, b), add_i16_m128i(c, d))
            } else {
                // A vector is a line pair: its halves are the first and the second line.
                let pair =
                    |x, y| add_i16_m128i(unpack_low_i64_m128i(x, y), unpack_high_i64_m128i(x, y));
                (pair(a, b), pair(c, d))
            }
        };
        let steps = inputs.map(|band| band.as_chunks::<8>().0.as_chunks::<4>().0);
        let rendered = rendered.map(|band| band.as_chunks_mut::<16>().0);
        match carry {
            Some(carry) => {
                let carry = carry.map(|band| band.as_chunks_mut::<8>().0);
                for ((steps, rendered), carry) in steps.into_iter().zip(rendered).zip(carry) {
                    for ((step, rendered), carry) in steps.iter().zip(rendered).zip(carry) {
                        let (low, high) = line_sums(step);
                        store_unaligned_m128i(rendered, self::rendered(low, high, shift));
                        *carry = paired(low, high);
                    }
                }
            }
            None => {
                for (steps, rendered) in steps.into_iter().zip(rendered) {
                    for (step, rendered) in steps.iter().zip(rendered) {
                        let (low, high) = line_sums(step);
                        store_unaligned_m128i(rendered, self::rendered(low, high, shift));
                    }
                }
            }
        }
        true
    }

    /// [`add_lines_u8`] for every group of `bands` (pooled by 1 along the line) in one call,
    /// with or without carry lines; `false`, with nothing written, unless every line is whole
    /// steps of the kernel and the shift one it takes.
    pub(crate) fn add_bands_u8(bands: Bands<'_, u16, u8, u16>, shift: u32) -> bool {
        if bands.factor != 1 || !(1..7).contains(&shift) {
            return false;
        }
        if matches!(bands.line_in, 4 | 8) {
            return add_short_bands_u8(bands, set_i64_m128i_s(i64::from(shift)));
        }
        let Some(whole) = whole_lines(bands, ADD_STEP) else {
            return false;
        };
        let shift = set_i64_m128i_s(i64::from(shift));
        let steps = whole.steps;
        for (firsts, seconds, rendered, carry) in whole.groups() {
            add_steps(firsts, seconds, rendered, shift, carry, steps);
        }
        true
    }
}

/// Machines without the vector unit the kernels are written for.
#[cfg(not(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2"
)))]
mod without {
    use crate::lines::Bands;

    /// Declines: the portable kernels do all the work.
    pub(crate) fn two_by_two_bands_u8(
        _bands: Bands<'_, u8, u8, u16>,
        _shift: u32,
        _scratch: &mut Vec<u16>,
    ) -> bool {
        false
    }

    /// Declines: the portable kernels do all the work.
    pub(crate) fn add_bands_u8(_bands: Bands<'_, u16, u8, u16>, _shift: u32) -> bool {
        false
    }

    /// Does nothing: the portable kernels do all the work.
    pub(crate) fn two_by_two_u8(
        _firsts: [&[u8]; 4],
        _seconds: [&[u8]; 4],
        _rendered: [&mut [u8]; 4],
        _shift: u32,
        _carry: Option<[&mut [u16]; 4]>,
        _scratch: &mut Vec<u16>,
    ) -> usize {
        0
    }

    /// Does nothing: the portable kernels do all the work.
    pub(crate) fn add_lines_u8(
        _firsts: [&[u16]; 4],
        _seconds: [&[u16]; 4],
        _rendered: [&mut [u8]; 4],
        _shift: u32,
        _carry: [&mut [u16]; 4],
    ) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::Bands;
    use proptest::prelude::*;

    /// Whether this machine has the kernels (elsewhere they must do nothing).
    const HAS_KERNELS: bool = cfg!(all(
        any(target_arch = "x86", target_arch = "x86_64"),
        target_feature = "sse2"
    ));

    /// Sample `i` of a line, the last one repeated past its end.
    fn at(line: &[u8], i: usize) -> u16 {
        u16::from(line[i.min(line.len() - 1)])
    }

    proptest! {
        /// Every value the kernel writes is the definition's, and it writes nothing past
        /// the samples it says it did.
        #[test]
        fn matches_the_definition(
            lines in proptest::collection::vec(
                proptest::collection::vec(any::<u8>(), 1..200), 8),
            shift in 0u32..18,
            with_carry in any::<bool>(),
        ) {
            let firsts: [&[u8]; 4] = std::array::from_fn(|m| lines[m].as_slice());
            let seconds: [&[u8]; 4] = std::array::from_fn(|m| lines[4 + m].as_slice());
            let width = |m: usize| firsts[m].len().min(seconds[m].len()).div_ceil(2);
            let mut rendered: Vec<Vec<u8>> = (0..4).map(|m| vec![7; width(m)]).collect();
            let mut carry: Vec<Vec<u16>> = (0..4).map(|m| vec![9; width(m).div_ceil(2)]).collect();
            let mut scratch = Vec::new();
            let done = two_by_two_u8(
                firsts,
                seconds,
                rendered.each_mut_array(),
                shift,
                with_carry.then(|| carry.each_mut_array()),
                &mut scratch,
            );
            let shortest = lines.iter().map(Vec::len).min().unwrap_or(0);
            prop_assert!(done <= shortest && done.is_multiple_of(4));
            if HAS_KERNELS && (2..16).contains(&shift) {
                prop_assert_eq!(done, shortest / 32 * 32);
            }
            for m in 0..4 {
                let sum = |i: usize| {
                    at(firsts[m], 2 * i) + at(firsts[m], 2 * i + 1)
                        + at(seconds[m], 2 * i) + at(seconds[m], 2 * i + 1)
                };
                for (i, &value) in rendered[m].iter().enumerate() {
                    let expected = if i < done / 2 { (sum(i) >> shift) as u8 } else { 7 };
                    prop_assert_eq!(value, expected, "line {} sample {}", m, i);
                }
                for (k, &value) in carry[m].iter().enumerate() {
                    let expected = if with_carry && k < done / 4 { sum(2 * k) + sum(2 * k + 1) } else { 9 };
                    prop_assert_eq!(value, expected, "line {} carry {}", m, k);
                }
            }
        }
    }

    proptest! {
        /// As `matches_the_definition`, for the 2x1 block over carries summed in pairs,
        /// with carries as large as `uint8` averages make them.
        #[test]
        fn added_lines_match_the_definition(
            lines in proptest::collection::vec(
                proptest::collection::vec(any::<u16>(), 1..100), 8),
            shift in 0u32..10,
        ) {
            // Two carry values add up to at most `255 << shift`, as in a pyramid.
            let most = (255u32 << shift.min(8)) / 2;
            let lines: Vec<Vec<u16>> = lines
                .iter()
                .map(|line| line.iter().map(|&v| (u32::from(v) % (most + 1)) as u16).collect())
                .collect();
            let firsts: [&[u16]; 4] = std::array::from_fn(|m| lines[m].as_slice());
            let seconds: [&[u16]; 4] = std::array::from_fn(|m| lines[4 + m].as_slice());
            let width = |m: usize| firsts[m].len().min(seconds[m].len());
            let mut rendered: Vec<Vec<u8>> = (0..4).map(|m| vec![7; width(m)]).collect();
            let mut carry: Vec<Vec<u16>> = (0..4).map(|m| vec![9; width(m).div_ceil(2)]).collect();
            let done = add_lines_u8(
                firsts,
                seconds,
                rendered.each_mut_array(),
                shift,
                carry.each_mut_array(),
            );
            let shortest = lines.iter().map(Vec::len).min().unwrap_or(0);
            prop_assert!(done <= shortest && done.is_multiple_of(16));
            if HAS_KERNELS && (1..7).contains(&shift) {
                prop_assert_eq!(done, shortest / 16 * 16);
            }
            for m in 0..4 {
                let sum = |i: usize| firsts[m][i] + seconds[m][i];
                for (i, &value) in rendered[m].iter().enumerate() {
                    let expected = if i < done { (sum(i) >> shift) as u8 } else { 7 };
                    prop_assert_eq!(value, expected, "line {} sample {}", m, i);
                }
                for (k, &value) in carry[m].iter().enumerate() {
                    let expected = if k < done / 2 { sum(2 * k) + sum(2 * k + 1) } else { 9 };
                    prop_assert_eq!(value, expected, "line {} carry {}", m, k);
                }
            }
        }
    }

    /// Four bands of `lines` output lines each, every output line reading two input lines of
    /// `line_in` values drawn by `value`, as the band kernels take them.
    fn bands_of<S: Clone>(lines: usize, line_in: usize, value: impl Fn(usize) -> S) -> Vec<Vec<S>> {
        (0..4)
            .map(|m| {
                (0..2 * lines * line_in)
                    .map(|i| value(m * 7919 + i))
                    .collect()
            })
            .collect()
    }

    proptest! {
        /// The band kernels write what the definition says on every line of every band, or,
        /// when they decline (widths that are not whole steps, shifts they do not take),
        /// nothing at all.
        #[test]
        fn bands_match_the_definition(
            lines in 0usize..9,
            line_in in prop_oneof![
                Just(4usize), Just(8), Just(16), Just(32), Just(48), Just(64), Just(96), 1usize..80
            ],
            seed in any::<u64>(),
            shift in 0u32..10,
            with_carry in any::<bool>(),
            added in any::<bool>(),
        ) {
            let noise = |i: usize| {
                let x = (i as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                (x ^ (x >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 40
            };
            let factor = if added { 1 } else { 2 };
            let width = line_in / factor;
            let mut rendered = vec![vec![7u8; lines * width]; 4];
            let mut carry = vec![vec![9u16; lines * width / 2]; 4];
            // Whether the kernel did the bands, and the sum over the block of each output
            // sample of each band (its lines one after the other).
            let (did, block_sums): (bool, Vec<Vec<u16>>) = if added {
                // Two carry values add up to at most `255 << shift`, as in a pyramid.
                let most = (255u64 << shift.min(8)) / 2;
                let inputs = bands_of(lines, line_in, |i| (noise(i) % (most + 1)) as u16);
                let bands = Bands {
                    inputs: std::array::from_fn(|m| inputs[m].as_slice()),
                    line_in,
                    rendered: rendered.each_mut_array(),
                    factor,
                    carry: with_carry.then(|| carry.each_mut_array()),
                };
                let did = add_bands_u8(bands, shift);
                let sums = inputs.iter().map(|band| {
                    band.chunks_exact(2 * line_in)
                        .flat_map(|pair| (0..width).map(move |i| pair[i] + pair[line_in + i]))
                        .collect()
                });
                (did, sums.collect())
            } else {
                let inputs = bands_of(lines, line_in, |i| noise(i) as u8);
                let bands = Bands {
                    inputs: std::array::from_fn(|m| inputs[m].as_slice()),
                    line_in,
                    rendered: rendered.each_mut_array(),
                    factor,
                    carry: with_carry.then(|| carry.each_mut_array()),
                };
                let did = two_by_two_bands_u8(bands, shift, &mut Vec::new());
                let sums = inputs.iter().map(|band| {
                    band.chunks_exact(2 * line_in).flat_map(|pair| {
                        let (first, second) = pair.split_at(line_in);
                        (0..width).map(move |i| {
                            at(first, 2 * i) + at(first, 2 * i + 1)
                                + at(second, 2 * i) + at(second, 2 * i + 1)
                        })
                    }).collect()
                });
                (did, sums.collect())
            };
            let sum = |m: usize, t: usize, i: usize| block_sums[m][t * width + i];
            let (step, shifts) = if added { (16, 1..7) } else { (32, 2..16) };
            // Carry lines shorter than a step go whole lines to a step.
            let short = added && matches!(line_in, 4 | 8) && (lines * line_in).is_multiple_of(16);
            prop_assert_eq!(
                did,
                HAS_KERNELS && (line_in.is_multiple_of(step) || short) && shifts.contains(&shift),
            );
            for m in 0..4 {
                for t in 0..lines {
                    for i in 0..width {
                        let expected = if did { (sum(m, t, i) >> shift) as u8 } else { 7 };
                        prop_assert_eq!(rendered[m][t * width + i], expected, "band {} line {} sample {}", m, t, i);
                    }
                    for k in 0..width / 2 {
                        let expected = if did && with_carry {
                            sum(m, t, 2 * k) + sum(m, t, 2 * k + 1)
                        } else {
                            9
                        };
                        prop_assert_eq!(carry[m][t * width / 2 + k], expected, "band {} line {} carry {}", m, t, k);
                    }
                }
            }
        }
    }

    /// The lines of `self` as the kernel takes them.
    trait EachMutArray<V> {
        fn each_mut_array(&mut self) -> [&mut [V]; 4];
    }

    impl<V> EachMutArray<V> for Vec<Vec<V>> {
        fn each_mut_array(&mut self) -> [&mut [V]; 4] {
            let mut lines = self.iter_mut();
            std::array::from_fn(|_| lines.next().map_or(&mut [][..], Vec::as_mut_slice))
        }
    }
}
