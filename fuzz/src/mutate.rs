//! Mutations of valid inputs, and the small random generator that drives them.

/// xorshift64*: deterministic for a seed, and enough for choosing mutations.
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced: xorshift has no zero state).
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// A random byte.
    pub(crate) fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}

/// A corpus entry with one to four random mutations.
pub(crate) fn mutated(corpus: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
    let mut input = corpus
        .get(rng.below(corpus.len()))
        .cloned()
        .unwrap_or_default();
    for _ in 0..=rng.below(4) {
        mutate(&mut input, corpus, rng);
    }
    input
}

fn mutate(input: &mut Vec<u8>, corpus: &[Vec<u8>], rng: &mut Rng) {
    let len = input.len();
    match rng.below(7) {
        0 if len > 0 => {
            let at = rng.below(len);
            if let Some(byte) = input.get_mut(at) {
                *byte ^= 1 << rng.below(8);
            }
        }
        1 if len > 0 => {
            let at = rng.below(len);
            if let Some(byte) = input.get_mut(at) {
                *byte = rng.byte();
            }
        }
        2 => {
            let at = rng.below(len + 1);
            let count = 1 + rng.below(16);
            let bytes: Vec<u8> = (0..count).map(|_| rng.byte()).collect();
            input.splice(at..at, bytes);
        }
        3 if len > 0 => {
            let at = rng.below(len);
            let end = (at + 1 + rng.below(16)).min(len);
            input.drain(at..end);
        }
        4 => input.truncate(rng.below(len + 1)),
        5 => {
            // Another entry's tail after this one's head.
            let other = corpus
                .get(rng.below(corpus.len()))
                .cloned()
                .unwrap_or_default();
            let head = rng.below(len + 1);
            let tail = rng.below(other.len() + 1);
            input.truncate(head);
            input.extend(other.get(tail..).unwrap_or_default());
        }
        _ => {
            // An interesting value (0, 0xff, a length-like 0x7f) over a 4-byte field.
            let value = [0u8, 0xff, 0x7f, 0x80][rng.below(4)];
            let at = rng.below(len + 1);
            for byte in input.iter_mut().skip(at).take(4) {
                *byte = value;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_deterministic_for_a_seed_and_change_the_input() {
        let corpus = vec![vec![1u8, 2, 3, 4, 5, 6, 7, 8]];
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..50)
                .map(|_| mutated(&corpus, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert!(run(7).iter().any(|m| m != &corpus[0]));
    }
}
