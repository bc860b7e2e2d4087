//! rANS with static per-context tables (Duda's asymmetric numeral systems), in the 31-bit
//! state, 16-bit word variant: at most one word moves per symbol, so the renormalisation needs
//! no loop and compiles without unpredictable branches. `LANES` states take turns (symbol `i`
//! is coded by state `i mod LANES`) over one word stream, so a processor works on that many
//! symbols at once: format version 1 has 2 lanes, version 2 has [`WIDE_LANES`]. The encoder
//! runs backwards over the symbols and the decoder forwards; the encoder divides by
//! multiplying with a reciprocal (exact for states below 2^31).

use alloc::vec::Vec;

/// Probabilities are multiples of 2^-11.
pub(crate) const PROB_BITS: u32 = 11;
/// Their sum.
pub(crate) const TOTAL: u32 = 1 << PROB_BITS;
/// The state's lower bound; it stays in `[LOWER, LOWER << 16)` between symbols.
pub(crate) const LOWER: u32 = 1 << 15;

/// Frequencies of a context's symbols, summing to [`TOTAL`] (empty for an unused context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    /// Frequency per symbol.
    pub(crate) freq: Vec<u16>,
}

impl Table {
    /// Frequencies proportional to `counts`, every counted symbol at least 1, summing to
    /// [`TOTAL`]; all zero for no counts.
    pub(crate) fn from_counts(counts: &[u32]) -> Table {
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        if total == 0 {
            return Table {
                freq: alloc::vec![0; counts.len()],
            };
        }
        let mut freq: Vec<u16> = counts
            .iter()
            .map(|&c| {
                if c == 0 {
                    0
                } else {
                    ((u64::from(c) * u64::from(TOTAL) / total) as u16).max(1)
                }
            })
            .collect();
        // Settle the rounding on the most frequent symbols, where it costs least.
        let mut sum: i64 = freq.iter().map(|&f| i64::from(f)).sum();
        let mut order: Vec<usize> = (0..freq.len()).filter(|&s| freq[s] > 0).collect();
        order.sort_by_key(|&s| (core::cmp::Reverse(freq[s]), s));
        while sum != i64::from(TOTAL) {
            for &s in &order {
                if sum < i64::from(TOTAL) {
                    freq[s] += 1;
                    sum += 1;
                } else if freq[s] > 1 {
                    freq[s] -= 1;
                    sum -= 1;
                }
                if sum == i64::from(TOTAL) {
                    break;
                }
            }
        }
        Table { freq }
    }

    /// Whether the table describes a distribution (frequencies summing to [`TOTAL`]).
    pub(crate) fn is_valid(&self) -> bool {
        self.freq.iter().map(|&f| u32::from(f)).sum::<u32>() == TOTAL
    }
}

/// A symbol's coding constants (for the encoder).
#[derive(Debug, Clone, Copy, Default)]
struct EncodeSymbol {
    /// States at or above this emit a word first.
    bound: u32,
    reciprocal: u32,
    bias: u32,
    complement: u16,
    shift: u16,
}

impl EncodeSymbol {
    fn new(start: u32, freq: u32) -> Self {
        let bound = ((LOWER >> PROB_BITS) << 16) * freq;
        let complement = (TOTAL - freq) as u16;
        if freq < 2 {
            // x / 1 = x: a reciprocal of all ones, and a bias that makes the product come out
            // right.
            EncodeSymbol {
                bound,
                reciprocal: u32::MAX,
                bias: start + TOTAL - 1,
                complement,
                shift: 0,
            }
        } else {
            let mut shift = 0;
            while freq > (1 << shift) {
                shift += 1;
            }
            let reciprocal = (1u64 << (shift + 31)).div_ceil(u64::from(freq)) as u32;
            EncodeSymbol {
                bound,
                reciprocal,
                bias: start,
                complement,
                shift: (shift - 1) as u16,
            }
        }
    }
}

/// The lanes of format version 1.
pub(crate) const NARROW_LANES: usize = 2;
/// The lanes of format version 2: enough independent states that the decoder's critical path
/// is no longer one state's chain of multiplications and table loads.
pub(crate) const WIDE_LANES: usize = 16;

/// Encodes symbols backwards; words come out in reverse and are flipped at the end.
pub(crate) struct Encoder<const LANES: usize> {
    /// One state per lane.
    states: [u32; LANES],
    /// The lane of the next symbol put (symbols come last first).
    lane: usize,
    /// Room for one word per symbol and a spare: a word is written at `used` for every
    /// symbol, and kept (`used` advances) only when the state had to emit it.
    words: Vec<u16>,
    used: usize,
    /// Per context, where its symbols start in `symbols`.
    offsets: Vec<usize>,
    symbols: Vec<EncodeSymbol>,
}

impl<const LANES: usize> Encoder<LANES> {
    /// An encoder of `count` symbols (put last first) under `tables`.
    pub(crate) fn new(tables: &[Table], count: usize) -> Self {
        let mut offsets = Vec::with_capacity(tables.len());
        let mut symbols = Vec::new();
        for table in tables {
            offsets.push(symbols.len());
            let mut start = 0u32;
            for &f in &table.freq {
                symbols.push(EncodeSymbol::new(start, u32::from(f)));
                start += u32::from(f);
            }
        }
        Encoder {
            states: [LOWER; LANES],
            lane: count.wrapping_sub(1) % LANES,
            words: alloc::vec![0; count + 1],
            used: 0,
            offsets,
            symbols,
        }
    }

    /// Encodes `symbol` in `context` (call in reverse order, once for each of the `count`
    /// symbols; the symbol must have a non-zero frequency in its context's table).
    #[inline(always)]
    pub(crate) fn put(&mut self, context: usize, symbol: usize) {
        let s = self.symbols[self.offsets[context] + symbol];
        let lane = self.lane;
        let mut x = self.states[lane];
        // Without a branch: whether a word moves is a coin toss.
        let emit = x >= s.bound;
        self.words[self.used] = x as u16;
        self.used += usize::from(emit);
        x >>= 16 * u32::from(emit);
        let q = ((u64::from(x) * u64::from(s.reciprocal)) >> 32) as u32 >> s.shift;
        self.states[lane] = x + s.bias + q * u32::from(s.complement);
        self.lane = if lane == 0 { LANES - 1 } else { lane - 1 };
    }

    /// Encodes all `count` symbols, `symbols[i]` in context `contexts[i]`: [`Encoder::put`]
    /// from the last to the first, whole turns of the lanes unrolled.
    pub(crate) fn put_all(&mut self, contexts: &[u8], symbols: &[u8]) {
        let whole = symbols.len() / LANES * LANES;
        for (&context, &symbol) in contexts[whole..].iter().zip(&symbols[whole..]).rev() {
            self.put(usize::from(context), usize::from(symbol));
        }
        let mut states = self.states;
        let mut used = self.used;
        for (turn, turn_contexts) in symbols[..whole]
            .chunks_exact(LANES)
            .zip(contexts[..whole].chunks_exact(LANES))
            .rev()
        {
            for j in (0..LANES).rev() {
                let s = self.symbols
                    [self.offsets[usize::from(turn_contexts[j])] + usize::from(turn[j])];
                let mut x = states[j];
                let emit = x >= s.bound;
                self.words[used] = x as u16;
                used += usize::from(emit);
                x >>= 16 * u32::from(emit);
                let q = ((u64::from(x) * u64::from(s.reciprocal)) >> 32) as u32 >> s.shift;
                states[j] = x + s.bias + q * u32::from(s.complement);
            }
        }
        self.states = states;
        self.used = used;
        self.lane = LANES - 1;
    }

    /// The coded bytes in decoding order: the final states (little-endian, lane 0 first), then
    /// the words.
    pub(crate) fn finish(self) -> Vec<u8> {
        let words = &self.words[..self.used];
        let mut bytes = Vec::with_capacity(4 * LANES + 2 * words.len());
        for state in self.states {
            bytes.extend_from_slice(&state.to_le_bytes());
        }
        for &word in words.iter().rev() {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
        bytes
    }
}

/// Decodes symbols forwards. Malformed data never panic: they raise a flag that
/// [`Decoder::finish`] reports, and decoding runs on with harmless values.
pub(crate) struct Decoder<const LANES: usize> {
    /// One state per lane.
    states: [u32; LANES],
    /// The lane of the next symbol.
    lane: usize,
    words: Vec<u16>,
    at: usize,
    /// Per context, the index of its table in `tables` (0: the empty table of an unused
    /// context).
    index: [u32; CONTEXT_TABLES],
    /// The decoding tables, [`TOTAL`] slots each ([`slot_entry`]), the empty one first.
    slots: Vec<u32>,
    /// Faults seen, one bit per [`Fault`].
    faults: u8,
}

/// The decoder's position in its words and its fault flags, as locals of a loop.
struct Walker<'a> {
    words: &'a [u16],
    at: usize,
    faults: u8,
}

impl Walker<'_> {
    /// Decodes one symbol from `state` in `context`: the symbol and the next state.
    #[inline(always)]
    fn step(
        &mut self,
        slots: &[u32],
        index: &[u32; CONTEXT_TABLES],
        state: u32,
        context: usize,
    ) -> (u8, u32) {
        let slot = state & (TOTAL - 1);
        let entry = slots[index[context % CONTEXT_TABLES] as usize + slot as usize];
        let freq = (entry >> 8) & 0xfff;
        self.faults |= u8::from(freq == 0) * Fault::NoTable as u8;
        // Below 2^32 for any state and table, so corrupt data cannot overflow it; with a
        // symbol of the table the state stays in [LOWER, 2^31).
        let mut x = freq * (state >> PROB_BITS) + (entry >> 20);
        // Renormalise without a branch: whether a word is needed is a coin toss.
        let need = x < LOWER;
        let last = self.words.len() - 1;
        let word = u32::from(self.words[self.at]);
        self.faults |= u8::from(need && self.at == last) * Fault::Early as u8;
        let mask = 0u32.wrapping_sub(u32::from(need));
        x = (x & !mask) | ((x << 16 | word) & mask);
        self.at = (self.at + usize::from(need)).min(last);
        (entry as u8, x)
    }

    /// A whole turn of the lanes, `LANES` symbols, where at least `LANES` words are left (so
    /// none can be missing): the words of the turn are a fixed-size window, and a context
    /// without a table only shows as a frequency of 0 in `least`.
    #[inline(always)]
    fn turn<const LANES: usize>(
        &mut self,
        slots: &[u32],
        index: &[u32; CONTEXT_TABLES],
        states: &mut [u32; LANES],
        contexts: &[u16],
        symbols: &mut [u8],
        least: &mut u32,
    ) {
        let Some(window) = self
            .words
            .get(self.at..self.at + LANES)
            .and_then(|w| <&[u16; LANES]>::try_from(w).ok())
        else {
            return;
        };
        let (Ok(contexts), Ok(symbols)) = (
            <&[u16; LANES]>::try_from(contexts),
            <&mut [u8; LANES]>::try_from(symbols),
        ) else {
            return;
        };
        // The table entries first (independent loads), then the states in turn.
        let mut entries = [0u32; LANES];
        for (entry, (&context, state)) in entries.iter_mut().zip(contexts.iter().zip(&*states)) {
            let slot = *state & (TOTAL - 1);
            *entry = slots
                .get(index[usize::from(context as u8)] as usize + slot as usize)
                .copied()
                .unwrap_or(0);
        }
        let mut taken = 0usize;
        for ((state, &entry), symbol) in states.iter_mut().zip(&entries).zip(symbols) {
            *least = (*least).min(entry & 0xf_ff00);
            let mut x = ((entry >> 8) & 0xfff) * (*state >> PROB_BITS) + (entry >> 20);
            let need = x < LOWER;
            let word = u32::from(window[taken % LANES]);
            let mask = 0u32.wrapping_sub(u32::from(need));
            x = (x & !mask) | ((x << 16 | word) & mask);
            taken += usize::from(need);
            *state = x;
            *symbol = entry as u8;
        }
        self.at += taken;
    }
}

/// Entries of the decoder's context index: one per context.
const CONTEXT_TABLES: usize = 256;

/// A slot of a decoding table: its symbol (bits 0-7), the symbol's frequency (bits 8-19) and
/// the slot's offset from the symbol's first slot (bits 20-30), so that one load decodes.
fn slot_entry(symbol: usize, freq: usize, offset: usize) -> u32 {
    symbol as u32 | (freq as u32) << 8 | (offset as u32) << 20
}

/// What can be wrong with coded data, as bits of [`Decoder::faults`].
#[derive(Debug, Clone, Copy)]
#[repr(u8)]
pub(crate) enum Fault {
    /// A context that has no table was used.
    NoTable = 1,
    /// A word was needed after the last one.
    Early = 2,
    /// A decoded sample does not fit its type.
    Range = 4,
    /// An escape with no stored sample left.
    Escapes = 8,
}

impl Fault {
    const ALL: [Fault; 4] = [Fault::NoTable, Fault::Early, Fault::Range, Fault::Escapes];

    fn message(self) -> &'static str {
        match self {
            Fault::NoTable => "a symbol in a context without a table",
            Fault::Early => "the coded data end early",
            Fault::Range => "a sample outside its type's range",
            Fault::Escapes => "more escapes than stored samples",
        }
    }
}

impl<const LANES: usize> Decoder<LANES> {
    /// A decoder of `bytes` (the states, then 16-bit words) with `tables` (each valid, or
    /// empty for an unused context).
    pub(crate) fn new(tables: &[Table], bytes: &[u8]) -> Result<Self, crate::DecodeError> {
        use crate::DecodeError;
        let (head, body) = bytes
            .split_at_checked(4 * LANES)
            .ok_or(DecodeError::Truncated("coded data"))?;
        let mut states = [0u32; LANES];
        for (state, b) in states.iter_mut().zip(head.chunks_exact(4)) {
            *state = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        if !states.iter().all(|s| (LOWER..LOWER << 16).contains(s)) {
            return Err(DecodeError::Corrupt("initial state out of range"));
        }
        if body.len() % 2 != 0 {
            return Err(DecodeError::Corrupt("coded data of an odd length"));
        }
        // One padding word, so that the decoder reads a word for every symbol, needed or not.
        let mut words: Vec<u16> = body
            .chunks_exact(2)
            .map(|w| u16::from_le_bytes([w[0], w[1]]))
            .collect();
        words.push(0);
        // Contexts beyond the tables given (none in a stream) keep the empty table.
        let mut index = [0u32; CONTEXT_TABLES];
        // The first table is the empty one (frequency 0 everywhere) of unused contexts.
        let slot_count = TOTAL as usize;
        let used = tables.iter().filter(|t| t.is_valid()).count();
        let mut slots = alloc::vec![0u32; slot_count * (1 + used)];
        let mut next = slot_count;
        for (table, place) in tables.iter().zip(index.iter_mut()) {
            if !table.is_valid() || table.freq.len() > 256 {
                continue;
            }
            *place = next as u32;
            for (symbol, &f) in table.freq.iter().enumerate() {
                let f = usize::from(f);
                for (offset, entry) in slots[next..next + f].iter_mut().enumerate() {
                    *entry = slot_entry(symbol, f, offset);
                }
                next += f;
            }
        }
        Ok(Decoder {
            states,
            lane: 0,
            words,
            at: 0,
            index,
            slots,
            faults: 0,
        })
    }

    /// Decodes the next symbol, coded in `context`.
    #[inline(always)]
    pub(crate) fn get(&mut self, context: usize) -> usize {
        let lane = self.lane;
        let (symbol, state) = self.step(self.states[lane], context);
        self.states[lane] = state;
        self.lane = (lane + 1) % LANES;
        usize::from(symbol)
    }

    /// Decodes the next `symbols.len()` symbols, coded in `contexts`: [`Decoder::get`] in a
    /// loop, with the word position and the fault flags kept in registers.
    #[inline(always)]
    pub(crate) fn get_row(&mut self, contexts: &[u16], symbols: &mut [u8]) {
        let mut walker = Walker {
            words: &self.words,
            at: self.at,
            faults: self.faults,
        };
        let mut lane = self.lane;
        let mut states = self.states;
        let mut symbols = symbols;
        let mut contexts = &contexts[..symbols.len()];
        // Single symbols up to lane 0, then whole turns of the lanes (unrolled, each lane's
        // state at a fixed place), then the rest.
        while lane != 0 && !symbols.is_empty() {
            let (s, state) = walker.step(
                &self.slots,
                &self.index,
                states[lane],
                usize::from(contexts[0]),
            );
            states[lane] = state;
            lane = (lane + 1) % LANES;
            symbols[0] = s;
            symbols = &mut symbols[1..];
            contexts = &contexts[1..];
        }
        let mut turns = symbols.chunks_exact_mut(LANES);
        let mut turn_contexts = contexts.chunks_exact(LANES);
        let mut least = u32::MAX;
        let last = walker.words.len() - 1;
        for (turn, turn_context) in (&mut turns).zip(&mut turn_contexts) {
            if walker.at + LANES <= last {
                walker.turn(
                    &self.slots,
                    &self.index,
                    &mut states,
                    turn_context,
                    turn,
                    &mut least,
                );
            } else {
                // Near the end of the words: symbol by symbol, each checked.
                for j in 0..LANES {
                    let (s, state) = walker.step(
                        &self.slots,
                        &self.index,
                        states[j],
                        usize::from(turn_context[j]),
                    );
                    states[j] = state;
                    turn[j] = s;
                }
            }
        }
        walker.faults |= u8::from(least == 0) * Fault::NoTable as u8;
        for (symbol, &context) in turns
            .into_remainder()
            .iter_mut()
            .zip(turn_contexts.remainder())
        {
            let (s, state) =
                walker.step(&self.slots, &self.index, states[lane], usize::from(context));
            states[lane] = state;
            lane = (lane + 1) % LANES;
            *symbol = s;
        }
        self.states = states;
        self.lane = lane;
        self.at = walker.at;
        self.faults = walker.faults;
    }

    /// One symbol from `state` in `context`: the symbol and the next state.
    #[inline(always)]
    fn step(&mut self, state: u32, context: usize) -> (u8, u32) {
        let mut walker = Walker {
            words: &self.words,
            at: self.at,
            faults: self.faults,
        };
        let out = walker.step(&self.slots, &self.index, state, context);
        self.at = walker.at;
        self.faults = walker.faults;
        out
    }

    /// Flags a fault found outside the coder (a sample out of range, a missing escape).
    #[inline(always)]
    pub(crate) fn fault(&mut self, fault: Fault) {
        self.faults |= fault as u8;
    }

    /// Checks the stream decoded cleanly and was consumed exactly as it was written.
    pub(crate) fn finish(self) -> Result<(), crate::DecodeError> {
        if let Some(fault) = Fault::ALL.into_iter().find(|&f| self.faults & f as u8 != 0) {
            return Err(crate::DecodeError::Corrupt(fault.message()));
        }
        if self.states.iter().all(|&s| s == LOWER) && self.at == self.words.len() - 1 {
            Ok(())
        } else {
            Err(crate::DecodeError::Corrupt(
                "the coded data do not end where they should",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_sum_to_the_total_and_keep_every_symbol() {
        let t = Table::from_counts(&[1, 0, 1_000_000, 3, 1]);
        assert!(t.is_valid());
        assert!(t.freq[0] >= 1 && t.freq[3] >= 1 && t.freq[4] >= 1);
        assert_eq!(t.freq[1], 0);
        let one = Table::from_counts(&[0, 5]);
        assert_eq!(one.freq, [0, TOTAL as u16]);
        let many = Table::from_counts(&[1; 256]);
        assert!(many.is_valid());
    }

    #[test]
    fn symbols_round_trip() {
        let tables = [
            Table::from_counts(&[10, 1, 0, 300]),
            Table::from_counts(&[0, 7, 7, 0]),
        ];
        let message: Vec<(usize, usize)> = (0..5000)
            .map(|i| {
                if i % 3 == 0 {
                    (1, 1 + i % 2)
                } else {
                    (0, [0, 1, 3][i % 3])
                }
            })
            .collect();
        round_trip::<NARROW_LANES>(&tables, &message);
        round_trip::<WIDE_LANES>(&tables, &message);
        // Fewer symbols than lanes: the unused lanes keep their initial state.
        round_trip::<WIDE_LANES>(&tables, &message[..5]);
        round_trip::<WIDE_LANES>(&tables, &[]);
    }

    fn round_trip<const LANES: usize>(tables: &[Table], message: &[(usize, usize)]) {
        let mut encoder = Encoder::<LANES>::new(tables, message.len());
        for &(c, s) in message.iter().rev() {
            encoder.put(c, s);
        }
        let bytes = encoder.finish();
        let mut decoder = Decoder::<LANES>::new(tables, &bytes).unwrap();
        for &(c, s) in message {
            assert_eq!(decoder.get(c), s);
        }
        decoder.finish().unwrap();
    }

    #[test]
    fn a_single_symbol_costs_nothing() {
        let tables = [Table::from_counts(&[0, 0, 9])];
        let mut encoder = Encoder::<WIDE_LANES>::new(&tables, 10_000);
        for _ in 0..10_000 {
            encoder.put(0, 2);
        }
        assert_eq!(encoder.finish().len(), 4 * WIDE_LANES);
    }
}
