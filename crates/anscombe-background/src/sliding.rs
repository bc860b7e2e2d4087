//! Medians of a sliding window of frames at every pixel, updated frame by frame: a histogram
//! per pixel for 8-bit samples (an update moves a counter and nudges the median), a sorted
//! window per pixel otherwise (an update is two binary searches and two short moves).

use num_traits::AsPrimitive;
use rayon::prelude::*;

use crate::pixel::{Key, Pixel};

/// Pixels per unit of parallel work.
const CHUNK: usize = 4096;

/// The window's sample of one rank at every pixel.
#[derive(Debug, Clone)]
pub(crate) struct Sliding<T: Pixel> {
    rank: usize,
    kind: Kind<T>,
}

#[derive(Debug, Clone)]
enum Kind<T: Pixel> {
    /// 8-bit samples: 256 counts per pixel, the current answer and how many lie below it.
    Histogram {
        counts: Vec<u32>,
        answer: Vec<u8>,
        below: Vec<u32>,
    },
    /// Other samples: each pixel's window of keys, sorted.
    Sorted { window: usize, keys: Vec<T::Key> },
}

impl<T: Pixel> Sliding<T> {
    /// The state of the window `frames` (all the same length), for the sample of `rank`.
    pub(crate) fn new(frames: &[&[T]], rank: usize) -> Self {
        let pixels = frames.first().map_or(0, |f| f.len());
        let window = frames.len();
        let kind = if T::Key::BITS == 8 {
            let mut counts = vec![0u32; pixels * 256];
            for frame in frames {
                for (p, &x) in frame.iter().enumerate() {
                    counts[p * 256 + x.key().as_()] += 1;
                }
            }
            let mut answer = vec![0u8; pixels];
            let mut below = vec![0u32; pixels];
            for p in 0..pixels {
                let bins = &counts[p * 256..(p + 1) * 256];
                let (mut value, mut under) = (0usize, 0u32);
                while under + bins[value] <= rank as u32 {
                    under += bins[value];
                    value += 1;
                }
                answer[p] = value as u8;
                below[p] = under;
            }
            Kind::Histogram {
                counts,
                answer,
                below,
            }
        } else {
            let mut keys = vec![T::Key::default(); pixels * window];
            for (f, frame) in frames.iter().enumerate() {
                for (p, &x) in frame.iter().enumerate() {
                    keys[p * window + f] = x.key();
                }
            }
            keys.par_chunks_mut(window.max(1))
                .for_each(<[T::Key]>::sort_unstable);
            Kind::Sorted { window, keys }
        };
        Sliding { rank, kind }
    }

    /// Writes the current answer at every pixel into `out`.
    pub(crate) fn answer(&self, out: &mut [T]) {
        match &self.kind {
            Kind::Histogram { answer, .. } => {
                for (o, &a) in out.iter_mut().zip(answer) {
                    *o = T::from_key(bin_key(usize::from(a)));
                }
            }
            Kind::Sorted { window, keys } => {
                for (o, w) in out.iter_mut().zip(keys.chunks_exact((*window).max(1))) {
                    *o = T::from_key(w[self.rank]);
                }
            }
        }
    }

    /// Moves the window on by one frame (`outgoing` leaves, `incoming` enters) and writes the
    /// new answer into `out`.
    pub(crate) fn slide(&mut self, outgoing: &[T], incoming: &[T], out: &mut [T]) {
        let rank = self.rank as u32;
        match &mut self.kind {
            Kind::Histogram {
                counts,
                answer,
                below,
            } => {
                counts
                    .par_chunks_mut(CHUNK * 256)
                    .zip(answer.par_chunks_mut(CHUNK))
                    .zip(below.par_chunks_mut(CHUNK))
                    .zip(out.par_chunks_mut(CHUNK))
                    .enumerate()
                    .for_each(|(chunk, (((counts, answer), below), out))| {
                        let start = chunk * CHUNK;
                        let old = &outgoing[start..start + out.len()];
                        let new = &incoming[start..start + out.len()];
                        for p in 0..out.len() {
                            let bins = &mut counts[p * 256..(p + 1) * 256];
                            let (a, b) = (old[p].key().as_(), new[p].key().as_());
                            let (mut m, mut under) = (usize::from(answer[p]), below[p]);
                            if a != b {
                                bins[a] -= 1;
                                bins[b] += 1;
                                under = under - u32::from(a < m) + u32::from(b < m);
                                while under > rank {
                                    m -= 1;
                                    under -= bins[m];
                                }
                                while under + bins[m] <= rank {
                                    under += bins[m];
                                    m += 1;
                                }
                                answer[p] = m as u8;
                                below[p] = under;
                            }
                            out[p] = T::from_key(bin_key(m));
                        }
                    });
            }
            Kind::Sorted { window, keys } => {
                let window = (*window).max(1);
                let r = self.rank;
                keys.par_chunks_mut(CHUNK * window)
                    .zip(out.par_chunks_mut(CHUNK))
                    .enumerate()
                    .for_each(|(chunk, (keys, out))| {
                        let start = chunk * CHUNK;
                        for (p, (w, o)) in keys.chunks_exact_mut(window).zip(out).enumerate() {
                            let (a, b) = (outgoing[start + p].key(), incoming[start + p].key());
                            if a != b {
                                replace_sorted(w, a, b);
                            }
                            *o = T::from_key(w[r]);
                        }
                    });
            }
        }
    }
}

/// The key of a histogram bin (histograms are kept for 8-bit keys only, so every bin fits).
#[inline(always)]
fn bin_key<K: Key>(bin: usize) -> K {
    <K as num_traits::NumCast>::from(bin).unwrap_or_default()
}

/// Replaces one `old` in the sorted `window` by `new`, keeping it sorted.
fn replace_sorted<K: Ord + Copy>(window: &mut [K], old: K, new: K) {
    let Ok(at) = window.binary_search(&old) else {
        return;
    };
    if new > old {
        // Shift the keys in (old, new] one place down.
        let end = at + window[at..].partition_point(|k| *k <= new);
        window.copy_within(at + 1..end, at);
        window[end - 1] = new;
    } else {
        let begin = window[..at].partition_point(|k| *k < new);
        window.copy_within(begin..at, begin + 1);
        window[begin] = new;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::by_sorting;
    use proptest::prelude::*;

    fn check_sliding<T: Pixel>(
        movie: &[Vec<T>],
        window: usize,
        rank: usize,
    ) -> Result<(), TestCaseError> {
        let first: Vec<&[T]> = movie[..window].iter().map(Vec::as_slice).collect();
        let mut sliding = Sliding::new(&first, rank);
        let mut out = vec![T::default(); movie[0].len()];
        sliding.answer(&mut out);
        prop_assert_eq!(&out, &by_sorting(&movie[..window], rank));
        for i in 1..=movie.len() - window {
            sliding.slide(&movie[i - 1], &movie[i + window - 1], &mut out);
            prop_assert_eq!(
                &out,
                &by_sorting(&movie[i..i + window], rank),
                "window at {}",
                i
            );
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn sliding_u8_medians_match_sorting(
            movie in prop::collection::vec(prop::collection::vec(0u8..12, 9), 2..30),
            window_seed in any::<usize>(),
            rank_seed in any::<usize>(),
        ) {
            let window = 1 + window_seed % (movie.len() - 1);
            check_sliding(&movie, window, rank_seed % window)?;
        }

        #[test]
        fn sliding_u16_and_f32_medians_match_sorting(
            movie in prop::collection::vec(prop::collection::vec(0u16..40, 7), 2..25),
            window_seed in any::<usize>(),
            rank_seed in any::<usize>(),
        ) {
            let window = 1 + window_seed % (movie.len() - 1);
            check_sliding(&movie, window, rank_seed % window)?;
            let floats: Vec<Vec<f32>> = movie.iter().map(|f| f.iter().map(|&v| f32::from(v) - 20.5).collect()).collect();
            check_sliding(&floats, window, rank_seed % window)?;
        }

        #[test]
        fn sliding_signed_and_wide_medians_match_sorting(
            movie in prop::collection::vec(prop::collection::vec(-20i16..20, 7), 2..25),
            window_seed in any::<usize>(),
            rank_seed in any::<usize>(),
        ) {
            let window = 1 + window_seed % (movie.len() - 1);
            check_sliding(&movie, window, rank_seed % window)?;
            let bytes: Vec<Vec<i8>> = movie.iter().map(|f| f.iter().map(|&v| v as i8).collect()).collect();
            check_sliding(&bytes, window, rank_seed % window)?;
            let wide: Vec<Vec<f64>> = movie.iter().map(|f| f.iter().map(|&v| f64::from(v) * 1e10).collect()).collect();
            check_sliding(&wide, window, rank_seed % window)?;
            let ints: Vec<Vec<i32>> = movie.iter().map(|f| f.iter().map(|&v| i32::from(v) << 16).collect()).collect();
            check_sliding(&ints, window, rank_seed % window)?;
        }
    }

    #[test]
    fn replacing_keeps_the_window_sorted() {
        let mut w = [1, 3, 3, 5, 8];
        replace_sorted(&mut w, 3, 9);
        assert_eq!(w, [1, 3, 5, 8, 9]);
        replace_sorted(&mut w, 8, 0);
        assert_eq!(w, [0, 1, 3, 5, 9]);
        replace_sorted(&mut w, 5, 5);
        assert_eq!(w, [0, 1, 3, 5, 9]);
    }
}
