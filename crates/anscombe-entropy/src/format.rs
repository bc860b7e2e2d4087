//! The byte layout of a coded chunk (format versions 1 and 2 share it): a fixed header, the frequency tables,
//! the rANS data and the escaped samples. Parsing checks every length against the bytes at hand
//! before anything is allocated from it.

use alloc::vec::Vec;

use crate::error::DecodeError;
use crate::model::CONTEXTS;
use crate::rans::Table;

/// The first four bytes of every stream.
pub const MAGIC: [u8; 4] = *b"ACTX";
/// The format version [`encode`](crate::encode) writes (what stores hold by default).
pub const FORMAT_VERSION: u8 = 1;
/// Every format version this build reads and [`encode_version`](crate::encode_version) writes:
/// 1 (two rANS lanes) and 2 (sixteen lanes, the same model and tables).
pub const VERSIONS: [u8; 2] = [1, 2];
/// Bytes of the fixed header.
pub(crate) const HEADER_LEN: usize = 32;
/// Symbols per context.
const SYMBOLS: usize = 256;

/// How the samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Modelled and entropy coded (escapes stored raw).
    Coded = 0,
    /// All samples stored raw in the escapes section: for chunks too small or too random for
    /// the model to pay for its tables.
    Stored = 1,
}

/// The fixed header's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// The format version.
    pub(crate) version: u8,
    /// Bytes per sample: 1 or 2.
    pub(crate) sample_bytes: u8,
    /// How the samples are stored.
    pub(crate) mode: Mode,
    /// Frames, rows per frame, samples per row.
    pub(crate) dims: [u32; 3],
    /// Bytes of the serialised tables.
    pub(crate) tables_len: u32,
    /// Bytes of rANS data.
    pub(crate) rans_len: u32,
    /// Escaped samples stored raw.
    pub(crate) escapes: u32,
}

/// A parsed stream: its header and its three sections.
pub(crate) struct Parsed<'a> {
    pub(crate) header: Header,
    pub(crate) tables: Vec<Table>,
    pub(crate) rans: &'a [u8],
    pub(crate) escapes: &'a [u8],
}

/// Appends `value` as LEB128.
fn put_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a LEB128 value of at most 3 bytes (the format never needs more).
fn get_varint(bytes: &[u8], at: &mut usize) -> Result<u32, DecodeError> {
    let mut value = 0u32;
    for shift in [0, 7, 14] {
        let byte = *bytes
            .get(*at)
            .ok_or(DecodeError::Truncated("frequency tables"))?;
        *at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(DecodeError::Corrupt("an over-long number in the tables"))
}

/// The tables section: a bitmap of the contexts that have a table (bit `c % 8` of byte
/// `c / 8`), then for each of them in order its symbol count and each symbol's stored count.
/// Both sides derive the frequencies from the stored counts ([`Table::from_counts`]).
pub(crate) fn write_tables(stored: &[Vec<u32>]) -> Vec<u8> {
    let mut out = alloc::vec![0u8; CONTEXTS / 8];
    for (context, counts) in stored.iter().enumerate() {
        if !counts.is_empty() {
            out[context / 8] |= 1 << (context % 8);
        }
    }
    for counts in stored.iter().filter(|c| !c.is_empty()) {
        put_varint(&mut out, counts.len() as u32);
        for &c in counts {
            put_varint(&mut out, c);
        }
    }
    out
}

/// Parses and validates the tables section, which must be consumed exactly.
fn read_tables(bytes: &[u8]) -> Result<Vec<Table>, DecodeError> {
    let (bitmap, body) = bytes
        .split_at_checked(CONTEXTS / 8)
        .ok_or(DecodeError::Truncated("frequency tables"))?;
    let mut at = 0;
    let mut tables = Vec::with_capacity(CONTEXTS);
    for context in 0..CONTEXTS {
        if bitmap[context / 8] & (1 << (context % 8)) == 0 {
            tables.push(Table { freq: Vec::new() });
            continue;
        }
        let symbols = get_varint(body, &mut at)? as usize;
        if symbols == 0 || symbols > SYMBOLS {
            return Err(DecodeError::Table(context));
        }
        let mut counts = Vec::with_capacity(symbols);
        for _ in 0..symbols {
            counts.push(get_varint(body, &mut at)?);
        }
        if counts.iter().all(|&c| c == 0) {
            return Err(DecodeError::Table(context));
        }
        tables.push(Table::from_counts(&counts));
    }
    if at != body.len() {
        return Err(DecodeError::Corrupt(
            "the tables section has trailing bytes",
        ));
    }
    Ok(tables)
}

/// The whole stream.
pub(crate) fn write(header: &Header, tables: &[u8], rans: &[u8], escapes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + tables.len() + rans.len() + escapes.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&[header.version, header.sample_bytes, header.mode as u8, 0]);
    for value in header.dims {
        out.extend_from_slice(&value.to_le_bytes());
    }
    for value in [header.tables_len, header.rans_len, header.escapes] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(tables);
    out.extend_from_slice(rans);
    out.extend_from_slice(escapes);
    out
}

/// Splits a stream into its header and sections, checking that they fill it exactly.
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed<'_>, DecodeError> {
    let head = bytes
        .get(..HEADER_LEN)
        .ok_or(DecodeError::Truncated("header"))?;
    if head[..4] != MAGIC {
        return Err(DecodeError::Magic);
    }
    let version = head[4];
    if !VERSIONS.contains(&version) {
        return Err(DecodeError::Version(version));
    }
    let sample_bytes = head[5];
    if !matches!(sample_bytes, 1 | 2) {
        return Err(DecodeError::Corrupt(
            "sample width is neither 1 nor 2 bytes",
        ));
    }
    let mode = match head[6] {
        0 => Mode::Coded,
        1 => Mode::Stored,
        _ => return Err(DecodeError::Corrupt("unknown storage mode")),
    };
    if head[7] != 0 {
        return Err(DecodeError::Corrupt("the reserved header byte is not zero"));
    }
    let word = |k: usize| u32::from_le_bytes([head[k], head[k + 1], head[k + 2], head[k + 3]]);
    let header = Header {
        version,
        sample_bytes,
        mode,
        dims: [word(8), word(12), word(16)],
        tables_len: word(20),
        rans_len: word(24),
        escapes: word(28),
    };
    let body = &bytes[HEADER_LEN..];
    let tables_len = header.tables_len as usize;
    let rans_len = header.rans_len as usize;
    let escape_len = (header.escapes as usize)
        .checked_mul(usize::from(sample_bytes))
        .ok_or(DecodeError::Corrupt("escape count overflows"))?;
    let expected = tables_len
        .checked_add(rans_len)
        .and_then(|n| n.checked_add(escape_len))
        .ok_or(DecodeError::Corrupt("section lengths overflow"))?;
    if body.len() < expected {
        return Err(DecodeError::Truncated("sections"));
    }
    if body.len() > expected {
        return Err(DecodeError::Corrupt("bytes after the last section"));
    }
    let (tables, rest) = body.split_at(tables_len);
    let (rans, escapes) = rest.split_at(rans_len);
    let tables = match mode {
        Mode::Coded => read_tables(tables)?,
        Mode::Stored if tables.is_empty() && rans.is_empty() => Vec::new(),
        Mode::Stored => return Err(DecodeError::Corrupt("a stored chunk with coded sections")),
    };
    Ok(Parsed {
        header,
        tables,
        rans,
        escapes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        for value in [0, 1, 127, 128, 2047, 2048, 16_383, 16_384, 2_000_000] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            let mut at = 0;
            assert_eq!(get_varint(&out, &mut at).unwrap(), value);
            assert_eq!(at, out.len());
        }
        let mut at = 0;
        assert!(get_varint(&[0x80, 0x80, 0x80, 0x01], &mut at).is_err());
    }

    #[test]
    fn tables_round_trip_and_bad_ones_are_refused() {
        let mut stored = alloc::vec![Vec::new(); CONTEXTS];
        stored[3] = alloc::vec![5, 0, 9];
        stored[200] = alloc::vec![1];
        let bytes = write_tables(&stored);
        assert_eq!(bytes.len(), 32 + 4 + 2);
        let tables = read_tables(&bytes).unwrap();
        assert_eq!(tables[3], Table::from_counts(&[5, 0, 9]));
        assert_eq!(tables[200].freq, [2048]);
        assert!(tables[4].freq.is_empty());
        let mut zero = stored.clone();
        zero[7] = alloc::vec![0, 0];
        assert_eq!(
            read_tables(&write_tables(&zero)),
            Err(DecodeError::Table(7))
        );
        let mut long = bytes.clone();
        long.push(0);
        assert!(read_tables(&long).is_err());
        assert!(read_tables(&bytes[..20]).is_err());
    }
}
