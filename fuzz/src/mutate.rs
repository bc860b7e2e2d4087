//! Mutations of valid inputs, drawn by the seeded generator the tests share (`anscombe_testkit::Rng`).

pub(crate) use anscombe_testkit::Rng;

/// A corpus entry with one to four random mutations.
pub(crate) fn mutated(corpus: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
    let mut input = corpus
        .get(rng.index(corpus.len()))
        .cloned()
        .unwrap_or_default();
    for _ in 0..=rng.index(4) {
        mutate(&mut input, corpus, rng);
    }
    input
}

fn mutate(input: &mut Vec<u8>, corpus: &[Vec<u8>], rng: &mut Rng) {
    let len = input.len();
    match rng.index(7) {
        0 if len > 0 => {
            let at = rng.index(len);
            if let Some(byte) = input.get_mut(at) {
                *byte ^= 1 << rng.index(8);
            }
        }
        1 if len > 0 => {
            let at = rng.index(len);
            if let Some(byte) = input.get_mut(at) {
                *byte = rng.byte();
            }
        }
        2 => {
            let at = rng.index(len + 1);
            let count = 1 + rng.index(16);
            let bytes: Vec<u8> = (0..count).map(|_| rng.byte()).collect();
            input.splice(at..at, bytes);
        }
        3 if len > 0 => {
            let at = rng.index(len);
            let end = (at + 1 + rng.index(16)).min(len);
            input.drain(at..end);
        }
        4 => input.truncate(rng.index(len + 1)),
        5 => {
            // Another entry's tail after this one's head.
            let other = corpus
                .get(rng.index(corpus.len()))
                .cloned()
                .unwrap_or_default();
            let head = rng.index(len + 1);
            let tail = rng.index(other.len() + 1);
            input.truncate(head);
            input.extend(other.get(tail..).unwrap_or_default());
        }
        _ => {
            // An interesting value (0, 0xff, a length-like 0x7f) over a 4-byte field.
            let value = [0u8, 0xff, 0x7f, 0x80][rng.index(4)];
            let at = rng.index(len + 1);
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
