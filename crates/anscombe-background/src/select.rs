//! The sample of a given rank at every pixel over a stack of frames, without sorting: the
//! answer is found bit by bit from the top, counting at each step how many frames lie below
//! the candidate. Every step is a pass over contiguous frames that compilers vectorise, for
//! 8-, 16- and 32-bit keys alike.

use num_traits::One;
use rayon::prelude::*;

use crate::pixel::{Key, Pixel};

/// Pixels per unit of work: the candidate keys and counts stay in the L1 cache.
const CHUNK: usize = 2048;

/// Writes, at every pixel, the sample of rank `rank` (0-based, in increasing order) among
/// `frames` (each a whole frame, all the same length) into `out`. NumPy's `partition` at
/// `kth = rank` gives the same value.
///
/// # Panics
/// When `rank` is not below the number of frames or the frames differ in length (callers
/// check both).
pub fn rank_of_frames<T: Pixel>(frames: &[&[T]], rank: usize, out: &mut [T]) {
    assert!(
        rank < frames.len(),
        "rank {rank} of {} frames",
        frames.len()
    );
    assert!(
        frames.iter().all(|f| f.len() == out.len()),
        "frames of one size"
    );
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(chunk, out)| {
            let start = chunk * CHUNK;
            let rows: Vec<&[T]> = frames
                .iter()
                .map(|f| &f[start..start + out.len()])
                .collect();
            // The narrowest counter that holds the number of frames: more lanes per vector
            // (the rank is below the number of frames, so it fits too).
            match frames.len() {
                0..=255 => rank_of_chunk::<T, u8>(&rows, rank as u8, out),
                256..=65_535 => rank_of_chunk::<T, u16>(&rows, rank as u16, out),
                _ => rank_of_chunk::<T, u32>(&rows, rank as u32, out),
            }
        });
}

fn rank_of_chunk<T: Pixel, C>(rows: &[&[T]], rank: C, out: &mut [T])
where
    C: Copy + Default + PartialOrd + From<bool> + std::ops::Add<Output = C>,
{
    let n = out.len();
    let mut prefix = vec![T::Key::default(); n];
    let mut candidate = vec![T::Key::default(); n];
    let mut below = vec![C::default(); n];
    for bit in (0..T::Key::BITS).rev() {
        let b = T::Key::one() << bit as usize;
        for (c, &p) in candidate.iter_mut().zip(&prefix) {
            *c = p | b;
        }
        below.fill(C::default());
        for row in rows {
            for ((count, &x), &c) in below.iter_mut().zip(row.iter()).zip(&candidate) {
                *count = *count + C::from(x.key() < c);
            }
        }
        // The sample of rank r is at least the candidate when at most r samples lie below it.
        for ((p, &c), &count) in prefix.iter_mut().zip(&candidate).zip(&below) {
            if count <= rank {
                *p = c;
            }
        }
    }
    for (o, &p) in out.iter_mut().zip(&prefix) {
        *o = T::from_key(p);
    }
}

/// Each pixel's `rank`-th value over the frames by a full sort: the definition the selections
/// are tested against.
#[cfg(test)]
pub(crate) fn by_sorting<T: Pixel>(frames: &[Vec<T>], rank: usize) -> Vec<T> {
    (0..frames[0].len())
        .map(|i| {
            let mut column: Vec<T> = frames.iter().map(|f| f[i]).collect();
            column.sort_by_key(|v| v.key());
            column[rank]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_rank_of_u8_stacks_matches_sorting(
            frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 37), 1..40),
            rank_seed in any::<usize>(),
        ) {
            let rank = rank_seed % frames.len();
            let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
            let mut out = vec![0u8; 37];
            rank_of_frames(&refs, rank, &mut out);
            prop_assert_eq!(out, by_sorting(&frames, rank));
        }

        #[test]
        fn u16_and_f32_stacks_match_sorting(
            frames in prop::collection::vec(prop::collection::vec(any::<u16>(), 5000), 1..6),
            rank_seed in any::<usize>(),
        ) {
            let rank = rank_seed % frames.len();
            let refs: Vec<&[u16]> = frames.iter().map(Vec::as_slice).collect();
            let mut out = vec![0u16; 5000];
            rank_of_frames(&refs, rank, &mut out);
            prop_assert_eq!(out, by_sorting(&frames, rank));
            let floats: Vec<Vec<f32>> = frames
                .iter()
                .map(|f| f.iter().map(|&v| (f32::from(v) - 30000.0) / 7.0).collect())
                .collect();
            let refs: Vec<&[f32]> = floats.iter().map(Vec::as_slice).collect();
            let mut out = vec![0f32; 5000];
            rank_of_frames(&refs, rank, &mut out);
            prop_assert_eq!(out, by_sorting(&floats, rank));
        }

        #[test]
        fn signed_and_wide_stacks_match_sorting(
            frames in prop::collection::vec(prop::collection::vec(any::<i32>(), 300), 1..8),
            rank_seed in any::<usize>(),
        ) {
            fn check<T: Pixel>(frames: &[Vec<T>], rank: usize) -> Result<(), TestCaseError> {
                let refs: Vec<&[T]> = frames.iter().map(Vec::as_slice).collect();
                let mut out = vec![T::default(); frames[0].len()];
                rank_of_frames(&refs, rank, &mut out);
                prop_assert_eq!(out, by_sorting(frames, rank));
                Ok(())
            }
            let rank = rank_seed % frames.len();
            check(&frames, rank)?;
            let shorts: Vec<Vec<i16>> = frames
                .iter()
                .map(|v| v.iter().map(|&x| x as i16).collect())
                .collect();
            check(&shorts, rank)?;
            let bytes: Vec<Vec<i8>> = frames.iter().map(|v| v.iter().map(|&x| x as i8).collect()).collect();
            check(&bytes, rank)?;
            let wide: Vec<Vec<f64>> = frames.iter().map(|v| v.iter().map(|&x| f64::from(x) / 3.0).collect()).collect();
            check(&wide, rank)?;
            let unsigned: Vec<Vec<u32>> = frames.iter().map(|v| v.iter().map(|&x| x.cast_unsigned()).collect()).collect();
            check(&unsigned, rank)?;
        }
    }
}
