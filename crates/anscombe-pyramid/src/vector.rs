//! Kernels written for the vector unit, for the everyday case the compiler vectorises
//! poorly: `uint8` samples averaged in 2x2 blocks with `u16` sums (tinybrain's narrow
//! accumulator), rendered and, for pyramids of several levels, handed on summed in pairs
//! along the line (see `plan::pair_carries`). Adding neighbouring sums is a horizontal add,
//! which portable code compiles to shuffles; SSE2's multiply-add does it in one instruction.
//! On a 4-level pyramid of 1024 x 1024 frames (in cache) this made the first stage about a
//! third cheaper. The intrinsics come through `safe_arch`, so this crate stays free of
//! `unsafe`. On other machines the kernels do nothing and the portable kernels do all the
//! work.

#[cfg(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2"
))]
pub(crate) use sse2::{add_lines_u8, two_by_two_u8};
#[cfg(not(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2"
)))]
pub(crate) use without::{add_lines_u8, two_by_two_u8};

/// The kernels, on machines with SSE2.
#[cfg(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2"
))]
mod sse2 {
    use safe_arch::{
        add_i16_m128i, bitand_m128i, load_unaligned_m128i, m128i, mul_i16_horizontal_add_m128i,
        pack_i16_to_u8_m128i, pack_i32_to_i16_m128i, set_i64_m128i_s, set_splat_i16_m128i,
        shr_all_u16_m128i, shr_imm_u16_m128i, store_unaligned_m128i,
    };

    /// Input samples per line that one step of the kernel reads: two vectors.
    const STEP: usize = 32;

    /// The values of four lines side by side, one step at a time: zipped slice iterators
    /// check one bound per step where indexing would check every access.
    fn four<V>(lines: [&[V]; 4]) -> impl Iterator<Item = [&V; 4]> {
        let [a, b, c, d] = lines;
        a.iter()
            .zip(b)
            .zip(c)
            .zip(d)
            .map(|(((a, b), c), d)| [a, b, c, d])
    }

    /// [`four`], to write.
    fn four_mut<V>(lines: [&mut [V]; 4]) -> impl Iterator<Item = [&mut V; 4]> {
        let [a, b, c, d] = lines;
        a.iter_mut()
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

    /// Sums the 2x2 blocks of whole groups of line pairs (`firsts[m]` over `seconds[m]`, sample
    /// pairs along the lines) from the start of the lines, renders each sum shifted right by
    /// `shift` into `rendered[m]`, and with `carry` writes the sums of neighbouring blocks there;
    /// the first lines are summed into `scratch` on a pass of their own, so that each line is one
    /// forward stream through memory. Returns the input samples per line it did (a multiple of
    /// 4, so the rest of every line starts at a block pair); the portable kernels do the rest.
    /// Does nothing for shifts below 2, where a sum of four samples may not fit a sample.
    pub(crate) fn two_by_two_u8<'a>(
        firsts: [&'a [u8]; 4],
        seconds: [&'a [u8]; 4],
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
        let low_bytes = set_splat_i16_m128i(0xff);
        // The sum of each pair of neighbouring bytes, as 8 `u16`.
        let pair_sums = |bytes: &[u8; 16]| {
            let v = load_unaligned_m128i(bytes);
            add_i16_m128i(bitand_m128i(v, low_bytes), shr_imm_u16_m128i::<8>(v))
        };
        // Every value is written before it is read: grow the scratch, never clear it.
        let line_sums = steps * STEP / 2;
        if scratch.len() < 4 * line_sums {
            scratch.resize(4 * line_sums, 0);
        }
        let mut unused = scratch.as_mut_slice();
        let mut sums: [&mut [[[u16; 8]; 2]]; 4] = std::array::from_fn(|_| {
            let (line, rest) = std::mem::take(&mut unused).split_at_mut(line_sums);
            unused = rest;
            line.as_chunks_mut::<8>().0.as_chunks_mut::<2>().0
        });
        let steps_of = |line: &'a [u8]| line.as_chunks::<16>().0.as_chunks::<2>().0;
        for (lines, sums) in
            four(firsts.map(steps_of)).zip(four_mut(sums.each_mut().map(|s| &mut **s)))
        {
            for (line, sums) in lines.into_iter().zip(sums) {
                *sums = line.each_ref().map(|half| pair_sums(half).into());
            }
        }
        let shift = set_i64_m128i_s(i64::from(shift));
        // Blocks sum at most 4 x 255, so the shifted sums fit a byte and the pairs of sums an
        // `i16`: the saturating packs below never saturate.
        let block_sums = |line: &[[u8; 16]; 2], sums: &[[u16; 8]; 2], rendered: &mut [u8; 16]| {
            let [low, high] =
                [0, 1].map(|half| add_i16_m128i(pair_sums(&line[half]), m128i::from(sums[half])));
            store_unaligned_m128i(rendered, self::rendered(low, high, shift));
            (low, high)
        };
        let seconds = four(seconds.map(steps_of)).zip(four(sums.each_ref().map(|s| &**s)));
        let rendered = four_mut(rendered.map(|line| line.as_chunks_mut::<16>().0));
        match carry {
            Some(carry) => {
                let carry = four_mut(carry.map(|line| line.as_chunks_mut::<8>().0));
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
        steps * STEP
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
    pub(crate) fn add_lines_u8<'a>(
        firsts: [&'a [u16]; 4],
        seconds: [&'a [u16]; 4],
        rendered: [&mut [u8]; 4],
        shift: u32,
        carry: [&mut [u16]; 4],
    ) -> usize {
        let steps = firsts
            .iter()
            .chain(&seconds)
            .map(|line| line.len() / 16)
            .chain(rendered.iter().map(|line| line.len() / 16))
            .chain(carry.iter().map(|line| line.len() / 8))
            .min()
            .unwrap_or(0);
        if steps == 0 || !(1..7).contains(&shift) {
            return 0;
        }
        let shift = set_i64_m128i_s(i64::from(shift));
        let pairs_of = |line: &'a [u16]| line.as_chunks::<8>().0.as_chunks::<2>().0;
        let lines = four(firsts.map(pairs_of)).zip(four(seconds.map(pairs_of)));
        let rendered = four_mut(rendered.map(|line| line.as_chunks_mut::<16>().0));
        let carry = four_mut(carry.map(|line| line.as_chunks_mut::<8>().0));
        for (((firsts, seconds), rendered), carry) in lines.zip(rendered).zip(carry) {
            for (((first, second), rendered), carry) in
                firsts.into_iter().zip(seconds).zip(rendered).zip(carry)
            {
                let [low, high] = [0, 1]
                    .map(|half| add_i16_m128i(m128i::from(first[half]), m128i::from(second[half])));
                store_unaligned_m128i(rendered, self::rendered(low, high, shift));
                *carry = paired(low, high);
            }
        }
        steps * 16
    }
}

/// Machines without the vector unit the kernels are written for.
#[cfg(not(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2"
)))]
mod without {
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
