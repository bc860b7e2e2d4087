//! Property tests, for every format version: every chunk round-trips bit for bit, and no bytes
//! whatever make the decoder panic or return samples for a stream that was damaged.

use anscombe_entropy::{DecodeError, Dims, VERSIONS, decode, encode, encode_version};
use proptest::prelude::*;

/// Chunk shapes from empty to a few frames of a few rows, as 3-D, 2-D or 1-D.
fn shapes() -> impl Strategy<Value = Vec<u64>> {
    prop_oneof![
        (0u64..6, 0u64..9, 0u64..9).prop_map(|(t, y, x)| vec![t, y, x]),
        (1u64..4, 1u64..4, 1u64..4, 1u64..6).prop_map(|(t, z, y, x)| vec![t, z, y, x]),
        (0u64..12, 0u64..12).prop_map(|(y, x)| vec![y, x]),
        (0u64..40).prop_map(|x| vec![x]),
    ]
}

/// Samples like Anscombe codes (small, slowly varying) with occasional jumps to anywhere.
fn samples<T: Copy + std::fmt::Debug + 'static>(
    len: usize,
    small: impl Strategy<Value = T> + Clone + 'static,
    any_value: impl Strategy<Value = T> + Clone + 'static,
) -> impl Strategy<Value = Vec<T>> {
    prop::collection::vec(prop_oneof![9 => small, 1 => any_value], len)
}

fn shape_and_u8() -> impl Strategy<Value = (Vec<u64>, Vec<u8>)> {
    shapes().prop_flat_map(|shape| {
        let len = Dims::from_shape(&shape).len();
        (Just(shape), samples(len, 0u8..12, any::<u8>()))
    })
}

fn shape_and_u16() -> impl Strategy<Value = (Vec<u64>, Vec<u16>)> {
    shapes().prop_flat_map(|shape| {
        let len = Dims::from_shape(&shape).len();
        (Just(shape), samples(len, 0u16..40, any::<u16>()))
    })
}

/// One of the format versions.
fn version() -> impl Strategy<Value = u8> {
    prop::sample::select(VERSIONS.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn u8_chunks_round_trip((shape, codes) in shape_and_u8(), version in version()) {
        let dims = Dims::from_shape(&shape);
        let bytes = encode_version(&codes, dims, version).unwrap();
        prop_assert_eq!(bytes[4], version);
        prop_assert_eq!(decode::<u8>(&bytes, dims).unwrap(), codes);
    }

    #[test]
    fn u16_chunks_round_trip((shape, codes) in shape_and_u16(), version in version()) {
        let dims = Dims::from_shape(&shape);
        let bytes = encode_version(&codes, dims, version).unwrap();
        prop_assert_eq!(decode::<u16>(&bytes, dims).unwrap(), codes);
    }

    /// Every strict prefix of a valid stream is an error (never samples, never a panic).
    #[test]
    fn every_strict_prefix_is_an_error((shape, codes) in shape_and_u16(), version in version()) {
        let dims = Dims::from_shape(&shape);
        let bytes = encode_version(&codes, dims, version).unwrap();
        for end in 0..bytes.len() {
            prop_assert!(decode::<u16>(&bytes[..end], dims).is_err(), "prefix of {} bytes", end);
        }
    }

    /// Arbitrary bytes, also behind a valid magic and version: an error or samples, never a
    /// panic, and never more memory than the chunk's.
    #[test]
    fn arbitrary_bytes_never_panic(shape in shapes(), mut bytes in prop::collection::vec(any::<u8>(), 0..300), framed in any::<bool>()) {
        if framed && bytes.len() >= 8 {
            let version = VERSIONS[usize::from(bytes[0]) % VERSIONS.len()];
            bytes[..6].copy_from_slice(&[b'A', b'C', b'T', b'X', version, 1]);
            bytes[6] = 0;
            bytes[7] = 0;
        }
        let dims = Dims::from_shape(&shape);
        let _ = decode::<u8>(&bytes, dims);
        let _ = decode::<u16>(&bytes, dims);
    }

    /// A valid stream cut short or extended by a byte is an error; one with a byte changed
    /// fails cleanly or (where the change hits a redundant spot, e.g. a table entry no symbol
    /// uses) decodes, and never panics. (The decoder allocates exactly the chunk's samples, so
    /// a successful decode has the right size by construction; the store's crc32c catches
    /// what decodes.)
    #[test]
    fn damaged_streams_fail_cleanly(
        (shape, codes) in shape_and_u8(),
        version in version(),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
        damage in 0u8..3,
    ) {
        let dims = Dims::from_shape(&shape);
        let mut bytes = encode_version(&codes, dims, version).unwrap();
        match damage {
            0 => { let i = at.index(bytes.len()); bytes[i] ^= flip; }
            1 => { bytes.truncate(at.index(bytes.len())); }
            _ => { bytes.push(flip); }
        }
        let decoded = decode::<u8>(&bytes, dims);
        if damage == 0 {
            if let Err(error) = decoded {
                prop_assert!(!error.to_string().is_empty());
            }
        } else {
            prop_assert!(decoded.is_err(), "damage {damage}: a stream of another length decoded");
        }
    }
}

#[test]
fn truncation_and_trailing_bytes_are_named() {
    let dims = Dims::from_shape(&[2, 3, 4]);
    let codes: Vec<u8> = (0..24).map(|i| (i % 7) as u8).collect();
    let bytes = encode(&codes, dims).unwrap();
    assert!(matches!(
        decode::<u8>(&bytes[..10], dims),
        Err(DecodeError::Truncated(_))
    ));
    assert!(matches!(
        decode::<u8>(&bytes[..bytes.len() - 1], dims),
        Err(DecodeError::Truncated(_))
    ));
    let mut long = bytes.clone();
    long.push(0);
    assert!(matches!(
        decode::<u8>(&long, dims),
        Err(DecodeError::Corrupt(_))
    ));
    let mut future = bytes.clone();
    future[4] = 3;
    assert_eq!(decode::<u8>(&future, dims), Err(DecodeError::Version(3)));
    assert!(matches!(
        encode_version(&codes, dims, 3),
        Err(anscombe_entropy::EncodeError::Version(3))
    ));
    assert_eq!(
        decode::<u8>(b"PNG\x89 not ours, but long enough to have a header", dims),
        Err(DecodeError::Magic)
    );
}
