//! Encoding and decoding of whole chunks: one walk of the model, rANS over the residual
//! symbols, raw storage of the rare samples the model misses by 128 or more.

use alloc::vec::Vec;

use crate::error::{DecodeError, EncodeError};
use crate::format::{self, FORMAT_VERSION, Header, Mode};
use crate::model::{CONTEXTS, Dims, ESCAPE, Visit, fold, unfold, walk};
use crate::rans::{Decoder, Encoder, Fault, NARROW_LANES, Table, WIDE_LANES};

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
}

/// A sample type the coder takes: `u8` or `u16` codes.
pub trait Sample: Copy + Default + sealed::Sealed {
    /// Bytes per sample in the stream.
    const BYTES: u8;
    /// The largest sample.
    const MAX: u16;
    /// The sample of a 16-bit value, which must be at most [`Sample::MAX`] (higher bits are
    /// dropped).
    fn truncate(value: u16) -> Self;
    /// The sample as 16 bits.
    fn widen(self) -> u16;
    /// The sample of a decoded value, `None` if it does not fit the type.
    fn narrow(value: i32) -> Option<Self>;
}

impl Sample for u8 {
    const BYTES: u8 = 1;
    const MAX: u16 = 0xff;
    #[inline]
    fn truncate(value: u16) -> Self {
        value as u8
    }
    #[inline]
    fn widen(self) -> u16 {
        u16::from(self)
    }
    #[inline]
    fn narrow(value: i32) -> Option<Self> {
        u8::try_from(value).ok()
    }
}

impl Sample for u16 {
    const BYTES: u8 = 2;
    const MAX: u16 = u16::MAX;
    #[inline]
    fn truncate(value: u16) -> Self {
        value
    }
    #[inline]
    fn widen(self) -> u16 {
        self
    }
    #[inline]
    fn narrow(value: i32) -> Option<Self> {
        u16::try_from(value).ok()
    }
}

/// The encoder's first pass: what the model makes of each sample.
struct Modelled<'a, T> {
    samples: &'a [T],
    contexts: Vec<u8>,
    symbols: Vec<u8>,
    /// Per context, the count of each symbol.
    counts: Vec<u32>,
    /// Samples stored raw, little-endian.
    escapes: Vec<u8>,
    escaped: u32,
}

impl<T: Sample> Modelled<'_, T> {
    /// Stores `sample` raw (its symbol is the escape).
    #[cold]
    fn escape(&mut self, sample: u16) {
        self.escapes
            .extend_from_slice(&sample.to_le_bytes()[..usize::from(T::BYTES)]);
        self.escaped += 1;
    }
}

impl<T: Sample> Visit for Modelled<'_, T> {
    #[inline(always)]
    fn visit(&mut self, index: usize, prediction: i32, context: usize) -> u16 {
        let sample = self.samples[index].widen();
        let symbol = fold(i32::from(sample) - prediction).min(ESCAPE);
        if symbol == ESCAPE {
            self.escape(sample);
        }
        self.counts[(context * 256 + symbol as usize) % (CONTEXTS * 256)] += 1;
        self.contexts[index] = context as u8;
        self.symbols[index] = symbol as u8;
        sample
    }

    /// A row in simple loops: its symbols, its escapes (rare), its counts.
    #[inline(always)]
    fn visit_row(
        &mut self,
        start: usize,
        predictions: &[i32],
        contexts: &[u16],
        samples: &mut [u16],
    ) {
        let width = predictions.len();
        let row = &self.samples[start..start + width];
        let symbols = &mut self.symbols[start..start + width];
        let mut escaped = false;
        for (((symbol, sample), &code), &prediction) in symbols
            .iter_mut()
            .zip(samples.iter_mut())
            .zip(row)
            .zip(predictions)
        {
            *sample = code.widen();
            let folded = fold(i32::from(*sample) - prediction).min(ESCAPE);
            escaped |= folded == ESCAPE;
            *symbol = folded as u8;
        }
        if escaped {
            for (x, &sample) in samples.iter().enumerate() {
                if u32::from(self.symbols[start + x]) == ESCAPE {
                    self.escape(sample);
                }
            }
        }
        let symbols = &self.symbols[start..start + width];
        for ((out, &context), &symbol) in self.contexts[start..start + width]
            .iter_mut()
            .zip(contexts)
            .zip(symbols)
        {
            *out = context as u8;
            self.counts[(usize::from(context) * 256 + usize::from(symbol)) % (CONTEXTS * 256)] += 1;
        }
    }
}

/// The decoder's pass: symbols to samples.
struct Decoding<'a, 'b, T, const LANES: usize> {
    decoder: Decoder<LANES>,
    escapes: core::slice::ChunksExact<'a, u8>,
    out: &'b mut [T],
    /// One row's symbols.
    symbols: Vec<u8>,
    /// Whether a sample fell outside its type's range.
    out_of_range: bool,
}

impl<T: Sample, const LANES: usize> Visit for Decoding<'_, '_, T, LANES> {
    #[inline(always)]
    fn visit(&mut self, index: usize, prediction: i32, context: usize) -> u16 {
        let symbol = self.decoder.get(context);
        let value = if symbol == ESCAPE as usize {
            escaped(&mut self.escapes, &mut self.decoder)
        } else {
            prediction + unfold(symbol as u32)
        };
        let sample = T::narrow(value).unwrap_or_else(|| {
            self.decoder.fault(Fault::Range);
            T::default()
        });
        self.out[index] = sample;
        sample.widen()
    }

    /// A row in two tight loops: its symbols (the rANS lanes alone), then its samples.
    #[inline(always)]
    fn visit_row(
        &mut self,
        start: usize,
        predictions: &[i32],
        contexts: &[u16],
        samples: &mut [u16],
    ) {
        let width = predictions.len();
        let symbols = &mut self.symbols[..width];
        self.decoder.get_row(contexts, symbols);
        let out = &mut self.out[start..start + width];
        // Every sample as if none were escaped (a loop without branches), then the escaped
        // ones, if any, from the raw section.
        let mut out_of_range = false;
        let mut any_escape = false;
        for (((out, sample), &symbol), &prediction) in out
            .iter_mut()
            .zip(samples.iter_mut())
            .zip(symbols.iter())
            .zip(predictions)
        {
            let value = prediction + unfold(u32::from(symbol));
            let escape = u32::from(symbol) == ESCAPE;
            any_escape |= escape;
            out_of_range |= !escape & !(0..=i32::from(T::MAX)).contains(&value);
            *sample = value as u16;
            *out = T::truncate(*sample);
        }
        if any_escape {
            for ((out, sample), &symbol) in
                out.iter_mut().zip(samples.iter_mut()).zip(symbols.iter())
            {
                if u32::from(symbol) == ESCAPE {
                    let value = escaped(&mut self.escapes, &mut self.decoder);
                    out_of_range |= !(0..=i32::from(T::MAX)).contains(&value);
                    *sample = value as u16;
                    *out = T::truncate(*sample);
                }
            }
        }
        self.out_of_range |= out_of_range;
    }
}

/// The next escaped sample, or 0 with the fault flagged when there is none.
#[cold]
fn escaped<const LANES: usize>(
    escapes: &mut core::slice::ChunksExact<'_, u8>,
    decoder: &mut Decoder<LANES>,
) -> i32 {
    stored_sample(escapes).unwrap_or_else(|| {
        decoder.fault(Fault::Escapes);
        0
    })
}

/// The next raw sample of the escapes section (kept out of line: escapes are rare).
#[cold]
fn stored_sample(escapes: &mut core::slice::ChunksExact<'_, u8>) -> Option<i32> {
    match *escapes.next()? {
        [low, high] => Some(i32::from(u16::from_le_bytes([low, high]))),
        [low] => Some(i32::from(low)),
        _ => None,
    }
}

/// Most samples in a chunk: every section length then fits the header's 32-bit fields.
const MAX_SAMPLES: usize = (u32::MAX / 2) as usize;

/// The dimensions as the header records them.
fn header_dims(dims: Dims) -> Result<[u32; 3], EncodeError> {
    if dims.len() > MAX_SAMPLES {
        return Err(EncodeError::TooLarge(dims.len()));
    }
    let fit = |n: usize| u32::try_from(n).map_err(|_| EncodeError::TooLarge(n));
    Ok([fit(dims.frames)?, fit(dims.rows)?, fit(dims.width)?])
}

/// Encodes a chunk of `dims` (in C order: frames, rows, samples) into a self-describing stream
/// of format version [`FORMAT_VERSION`].
///
/// # Errors
/// [`EncodeError`] when `samples` does not fill `dims`, or the chunk holds more than 2^31 - 1
/// samples.
pub fn encode<T: Sample>(samples: &[T], dims: Dims) -> Result<Vec<u8>, EncodeError> {
    encode_version(samples, dims, FORMAT_VERSION)
}

/// Encodes a chunk as [`encode`] does, in format `version` (one of
/// [`VERSIONS`](crate::VERSIONS)): version 2 codes the same symbols with 16 rANS lanes instead
/// of 2, which decodes faster.
///
/// # Errors
/// As [`encode`]; also [`EncodeError::Version`] for a version this build does not write.
pub fn encode_version<T: Sample>(
    samples: &[T],
    dims: Dims,
    version: u8,
) -> Result<Vec<u8>, EncodeError> {
    match version {
        1 => encode_lanes::<T, NARROW_LANES>(samples, dims, version),
        2 => encode_lanes::<T, WIDE_LANES>(samples, dims, version),
        other => Err(EncodeError::Version(other)),
    }
}

/// The encoder of every version: the model's symbols coded with `LANES` rANS states.
fn encode_lanes<T: Sample, const LANES: usize>(
    samples: &[T],
    dims: Dims,
    version: u8,
) -> Result<Vec<u8>, EncodeError> {
    let header_dims = header_dims(dims)?;
    if samples.len() != dims.len() {
        return Err(EncodeError::Length {
            samples: samples.len(),
            frames: dims.frames,
            rows: dims.rows,
            width: dims.width,
        });
    }
    // Pass 1: contexts and symbols in sample order, and their counts.
    let mut pass = Modelled {
        samples,
        contexts: alloc::vec![0; samples.len()],
        symbols: alloc::vec![0; samples.len()],
        counts: alloc::vec![0u32; CONTEXTS * 256],
        escapes: Vec::new(),
        escaped: 0,
    };
    walk(dims, &mut pass);
    let Modelled {
        contexts,
        symbols,
        counts,
        escapes,
        escaped,
        ..
    } = pass;
    let stored: Vec<Vec<u32>> = counts.chunks_exact(256).map(stored_counts).collect();
    let tables: Vec<Table> = stored
        .iter()
        .map(|c| {
            if c.is_empty() {
                Table { freq: Vec::new() }
            } else {
                Table::from_counts(c)
            }
        })
        .collect();
    // Pass 2: rANS, backwards.
    let mut encoder = Encoder::<LANES>::new(&tables, samples.len());
    encoder.put_all(&contexts, &symbols);
    let rans = encoder.finish();
    let table_bytes = format::write_tables(&stored);
    let raw_len = samples.len() * usize::from(T::BYTES);
    if table_bytes.len() + rans.len() + escapes.len() >= raw_len {
        // The model does not pay for itself here: store the samples.
        let raw: Vec<u8> = samples
            .iter()
            .flat_map(|s| {
                s.widen()
                    .to_le_bytes()
                    .into_iter()
                    .take(usize::from(T::BYTES))
            })
            .collect();
        let header = Header {
            version,
            sample_bytes: T::BYTES,
            mode: Mode::Stored,
            dims: header_dims,
            tables_len: 0,
            rans_len: 0,
            escapes: samples.len() as u32,
        };
        return Ok(format::write(&header, &[], &[], &raw));
    }
    let header = Header {
        version,
        sample_bytes: T::BYTES,
        mode: Mode::Coded,
        dims: header_dims,
        tables_len: table_bytes.len() as u32,
        rans_len: rans.len() as u32,
        escapes: escaped,
    };
    Ok(format::write(&header, &table_bytes, &rans, &escapes))
}

/// Largest sum of a table's stored counts: the counts of busier contexts are scaled down to
/// it (no symbol that occurs drops to 0), which costs nothing measurable at 11-bit
/// probabilities and keeps each stored count within two bytes.
const STORED_TOTAL: u64 = 1 << 13;

/// The counts a context's table is stored as: empty for an unused context, else up to the
/// last symbol that occurs, scaled to at most [`STORED_TOTAL`].
fn stored_counts(counts: &[u32]) -> Vec<u32> {
    let used = counts.iter().rposition(|&n| n > 0).map_or(0, |s| s + 1);
    let counts = &counts[..used];
    let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    if total <= STORED_TOTAL {
        return counts.to_vec();
    }
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                0
            } else {
                (u64::from(c) * STORED_TOTAL / total).max(1) as u32
            }
        })
        .collect()
}

/// Decodes a stream that [`encode`] made of a chunk of `dims`.
///
/// # Errors
/// [`DecodeError`] for any stream that is not a consistent encoding of such a chunk; hostile
/// bytes never panic and never allocate more than the chunk and its tables.
pub fn decode<T: Sample>(bytes: &[u8], dims: Dims) -> Result<Vec<T>, DecodeError> {
    let mut out = alloc::vec![T::default(); dims.len()];
    decode_into(bytes, dims, &mut out)?;
    Ok(out)
}

/// Decodes into `out`, which must hold exactly the chunk's samples.
///
/// # Errors
/// As [`decode`]; also when `out` is not the chunk's length.
pub fn decode_into<T: Sample>(bytes: &[u8], dims: Dims, out: &mut [T]) -> Result<(), DecodeError> {
    let parsed = format::parse(bytes)?;
    let header = parsed.header;
    let found = header.dims.map(|n| n as usize);
    if header.sample_bytes != T::BYTES
        || found != [dims.frames, dims.rows, dims.width]
        || out.len() != dims.len()
    {
        return Err(DecodeError::Mismatch {
            expected: alloc::format!(
                "{} x {} x {} samples of {} byte(s) into {} slots",
                dims.frames,
                dims.rows,
                dims.width,
                T::BYTES,
                out.len()
            ),
            found: alloc::format!(
                "{} x {} x {} samples of {} byte(s)",
                found[0],
                found[1],
                found[2],
                header.sample_bytes
            ),
        });
    }
    if header.mode == Mode::Stored {
        return stored_samples(parsed.escapes, out);
    }
    if header.version == 1 {
        decode_lanes::<T, NARROW_LANES>(&parsed, dims, out)
    } else {
        decode_lanes::<T, WIDE_LANES>(&parsed, dims, out)
    }
}

/// The decoder of every version's coded mode: the model's walk over `LANES` rANS states.
fn decode_lanes<T: Sample, const LANES: usize>(
    parsed: &format::Parsed<'_>,
    dims: Dims,
    out: &mut [T],
) -> Result<(), DecodeError> {
    let mut pass = Decoding {
        decoder: Decoder::<LANES>::new(&parsed.tables, parsed.rans)?,
        escapes: parsed.escapes.chunks_exact(usize::from(T::BYTES)),
        out,
        symbols: alloc::vec![0; dims.width],
        out_of_range: false,
    };
    walk(dims, &mut pass);
    let Decoding {
        mut decoder,
        mut escapes,
        out_of_range,
        ..
    } = pass;
    if out_of_range {
        decoder.fault(Fault::Range);
    }
    decoder.finish()?;
    if escapes.next().is_some() {
        return Err(DecodeError::Corrupt("stored samples left over"));
    }
    Ok(())
}

/// The samples of a stored chunk.
fn stored_samples<T: Sample>(raw: &[u8], out: &mut [T]) -> Result<(), DecodeError> {
    let width = usize::from(T::BYTES);
    if raw.len() != out.len() * width {
        return Err(DecodeError::Corrupt("a stored chunk of the wrong length"));
    }
    for (sample, bytes) in out.iter_mut().zip(raw.chunks_exact(width)) {
        let value = if let [low, high] = bytes {
            u16::from_le_bytes([*low, *high])
        } else {
            u16::from(bytes[0])
        };
        *sample = T::narrow(i32::from(value))
            .ok_or(DecodeError::Corrupt("a sample outside its type's range"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_u8_and_u16_with_escapes() {
        let dims = Dims::from_shape(&[4, 5, 7]);
        let small: Vec<u8> = (0..dims.len()).map(|i| ((i * 7919) % 13) as u8).collect();
        assert_eq!(
            decode::<u8>(&encode(&small, dims).unwrap(), dims).unwrap(),
            small
        );
        let wide: Vec<u16> = (0..dims.len())
            .map(|i| if i % 11 == 0 { 60_000 } else { (i % 9) as u16 })
            .collect();
        let bytes = encode(&wide, dims).unwrap();
        assert_eq!(decode::<u16>(&bytes, dims).unwrap(), wide);
    }

    #[test]
    fn chunks_the_model_cannot_shrink_are_stored() {
        let dims = Dims::from_shape(&[1, 3, 5]);
        let noise: Vec<u16> = (0..15).map(|i| (i * 40_503 % 65_536) as u16).collect();
        let bytes = encode(&noise, dims).unwrap();
        assert_eq!(bytes.len(), format::HEADER_LEN + 30);
        assert_eq!(bytes[6], Mode::Stored as u8);
        assert_eq!(decode::<u16>(&bytes, dims).unwrap(), noise);
    }

    #[test]
    fn busy_contexts_are_stored_scaled_down() {
        let counts = [0, 100_000, 3, 0, 50_000, 0];
        let stored = stored_counts(&counts);
        assert_eq!(stored.len(), 5);
        assert!(stored.iter().map(|&c| u64::from(c)).sum::<u64>() <= STORED_TOTAL);
        assert_eq!(stored[2], 1);
        assert_eq!(stored_counts(&[0, 2, 0]), [0, 2]);
    }

    #[test]
    fn empty_chunks_round_trip() {
        let dims = Dims::from_shape(&[0, 3, 3]);
        let bytes = encode::<u8>(&[], dims).unwrap();
        assert_eq!(decode::<u8>(&bytes, dims).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn wrong_lengths_and_shapes_are_refused() {
        let dims = Dims::from_shape(&[2, 2]);
        assert!(matches!(
            encode(&[1u8; 3], dims),
            Err(EncodeError::Length { .. })
        ));
        let bytes = encode(&[1u8; 4], dims).unwrap();
        assert!(matches!(
            decode::<u8>(&bytes, Dims::from_shape(&[4])),
            Err(DecodeError::Mismatch { .. })
        ));
        assert!(matches!(
            decode::<u16>(&bytes, dims),
            Err(DecodeError::Mismatch { .. })
        ));
    }
}
