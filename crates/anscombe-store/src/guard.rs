//! Reading one chunk: its stored bytes read once, checked, then decoded. zarrs sizes its zstd
//! output by what the frame declares (or streams without a limit), its blosc output by the
//! blosc header, its pcodec output by what the stream's chunks declare and its gzip output not
//! at all, so a few kilobytes of a hostile chunk could ask for gigabytes; and a partial read of an uncompressed chunk reads only the bytes it needs, so
//! a chunk of the wrong length would pass unseen. Here each is an error naming the chunk,
//! found on the bytes that are then decoded (one read of the file).

use std::borrow::Cow;
use std::sync::Arc;

use anscombe_zarr::sample_type;
use zarrs::array::codec::api::{ArrayToBytesCodecTraits, CodecOptions};
use zarrs::array::codec::{BytesCodec, CodecChain};
use zarrs::array::{Array, ArrayBytes, BytesRepresentation, DataType};
use zarrs::filesystem::FilesystemStore;
use zarrs::plugin::ExtensionName;

use crate::error::{StoreError, zarr_error};

/// Decodes chunk `index` of `array` (its whole shape, C order; the fill value for a chunk not
/// stored), its stored bytes read once and checked by [`check_chunk`] before they are decoded.
///
/// # Errors
/// As [`check_chunk`]; [`StoreError::Chunk`] naming the chunk when it does not decode
/// (corrupt, truncated, a checksum that does not match).
pub(crate) fn decode_chunk(
    array: &Array<FilesystemStore>,
    index: &[u64],
) -> Result<ArrayBytes<'static>, StoreError> {
    let named = |message: String| StoreError::Chunk {
        index: index.to_vec(),
        key: array.chunk_key(index).to_string(),
        message,
    };
    let shape = array.chunk_shape(index).map_err(zarr_error)?;
    let Some(stored) = array.retrieve_encoded_chunk(index).map_err(zarr_error)? else {
        let samples = shape
            .iter()
            .try_fold(1u64, |n, d| n.checked_mul(d.get()))
            .ok_or_else(|| named("its shape overflows".into()))?;
        return ArrayBytes::new_fill_value(array.data_type(), samples, array.fill_value())
            .map_err(|e| named(e.to_string()));
    };
    let code_type = check_chunk(array, index, &stored)?;
    let chain = array.codecs();
    let options = CodecOptions::default();
    let is_pcodec = chain
        .array_to_bytes_codec()
        .name_v3()
        .is_some_and(|name| name.contains("pcodec"));
    if !is_pcodec {
        return chain
            .decode(
                Cow::Owned(stored),
                &shape,
                array.data_type(),
                array.fill_value(),
                &options,
            )
            .map(ArrayBytes::into_owned)
            .map_err(|e| named(e.to_string()));
    }
    // pcodec: zarrs grows its output by what each of the stream's chunks declares, so a few
    // bytes could declare gigabytes. Decoded here into the chunk's samples and no further;
    // the bytes-to-bytes stages before it (the checksum) and the array-to-array codecs after
    // it are zarrs'.
    let mut bytes: Cow<'_, [u8]> = Cow::Owned(stored);
    for codec in chain.bytes_to_bytes_codecs().iter().rev() {
        bytes = codec
            .decode(bytes, &BytesRepresentation::UnboundedSize, &options)
            .map_err(|e| named(e.to_string()))?;
    }
    let samples = shape.iter().map(|d| d.get()).product::<u64>();
    let codes = pcodec_codes(&bytes, &code_type, samples).map_err(named)?;
    CodecChain::new(
        chain.array_to_array_codecs().to_vec(),
        Arc::new(BytesCodec::little()),
        Vec::new(),
    )
    .decode(
        Cow::Owned(codes),
        &shape,
        array.data_type(),
        array.fill_value(),
        &options,
    )
    .map(ArrayBytes::into_owned)
    .map_err(|e| named(e.to_string()))
}

/// A pcodec stream of `data_type` values decoded into exactly `samples` values, as
/// little-endian bytes: a stream holding more (or fewer) is an error, found without holding
/// more than the chunk.
fn pcodec_codes(bytes: &[u8], data_type: &DataType, samples: u64) -> Result<Vec<u8>, String> {
    let count = usize::try_from(samples).map_err(|_| format!("{samples} samples"))?;
    macro_rules! decode {
        ($t:ty) => {{
            let mut values: Vec<$t> = vec![<$t>::default(); count];
            let progress = pco::standalone::simple_decompress_into(bytes, &mut values)
                .map_err(|e| format!("pcodec: {e}"))?;
            if !progress.finished {
                return Err(format!(
                    "its pcodec stream holds more than the chunk's {samples} values"
                ));
            }
            if progress.n_processed != count {
                return Err(format!(
                    "its pcodec stream holds {} values, the chunk {samples}",
                    progress.n_processed
                ));
            }
            values.iter().flat_map(|v| v.to_le_bytes()).collect()
        }};
    }
    Ok(match sample_type(data_type) {
        Some(anscombe_core::DataType::U16) => decode!(u16),
        Some(anscombe_core::DataType::I16) => decode!(i16),
        Some(anscombe_core::DataType::U32) => decode!(u32),
        Some(anscombe_core::DataType::I32) => decode!(i32),
        Some(anscombe_core::DataType::F32) => decode!(f32),
        Some(anscombe_core::DataType::F64) => decode!(f64),
        _ => return Err(format!("pcodec does not hold {data_type} values")),
    })
}

/// Checks `stored`, the bytes of chunk `index` of `array`.
///
/// # Errors
/// [`StoreError::ChunkSize`] for a chunk that decodes to more bytes than it holds, or an
/// uncompressed chunk of another length; [`StoreError::ChunkTooLarge`] for a chunk beyond
/// [`MAX_CHUNK_BYTES`](crate::metadata::MAX_CHUNK_BYTES) decoded; the zarrs error when the
/// chunk's shape cannot be known. On success, the data type the array-to-bytes codec holds
/// (the codes).
fn check_chunk(
    array: &Array<FilesystemStore>,
    index: &[u64],
    stored: &[u8],
) -> Result<DataType, StoreError> {
    let shape = array
        .chunk_grid()
        .chunk_shape_u64(index)
        .map_err(zarr_error)?
        .ok_or_else(|| StoreError::Settings(format!("chunk {index:?} is outside the grid")))?;
    let chain = array.codecs();
    let mut data_type = array.data_type().clone();
    for codec in chain.array_to_array_codecs() {
        data_type = codec.encoded_data_type(&data_type).map_err(zarr_error)?;
    }
    // Every data type this toolkit reads has a fixed size; 8 bytes bounds the others.
    let element = data_type.fixed_size().unwrap_or(8) as u64;
    let decoded = shape
        .iter()
        .try_fold(element, |n, &d| n.checked_mul(d))
        .unwrap_or(u64::MAX);
    // A stored chunk is decoded whole: one that the metadata declares beyond what the writers
    // make is refused before its buffer is allocated.
    let samples = shape
        .iter()
        .try_fold(
            array.data_type().fixed_size().unwrap_or(8) as u64,
            |n, &d| n.checked_mul(d),
        )
        .unwrap_or(u64::MAX);
    if samples > crate::metadata::MAX_CHUNK_BYTES {
        return Err(StoreError::ChunkTooLarge {
            key: array.chunk_key(index).to_string(),
            bytes: samples,
            limit: crate::metadata::MAX_CHUNK_BYTES,
        });
    }
    let plain = chain
        .array_to_bytes_codec()
        .name_v3()
        .is_some_and(|name| name == "bytes");
    let stages: Vec<String> = chain
        .bytes_to_bytes_codecs()
        .iter()
        .map(|codec| {
            codec
                .name_v3()
                .map(std::borrow::Cow::into_owned)
                .unwrap_or_default()
        })
        .collect();
    check_bytes(
        &array.chunk_key(index).to_string(),
        stored,
        decoded,
        plain,
        &stages,
    )?;
    Ok(data_type)
}

/// The check of [`check_chunk`] on the bytes themselves: `decoded` is what the chunk's
/// array-to-bytes stage holds (exactly, when `plain`, the `bytes` codec), `stages` the names
/// of the bytes-to-bytes codecs in order.
///
/// The outermost compressor is bounded: zstd and blosc by the size their header declares,
/// and a zstd frame without one, or a gzip stream, by counting what it decodes to, at most one
/// byte past the bound, in constant memory. A `crc32c` stage adds its 4 bytes wherever it
/// stands (Zarr V3 puts it last, Zarr V2 as a filter before the compressor).
pub(crate) fn check_bytes(
    key: &str,
    stored: &[u8],
    decoded: u64,
    plain: bool,
    stages: &[String],
) -> Result<(), StoreError> {
    // The compressor's output is the raw codes when it follows `bytes`; after another
    // array-to-bytes codec (pcodec, anscombe-context) its size is that codec's, bounded here
    // generously.
    let mut limit = if plain {
        decoded
    } else {
        decoded.saturating_mul(2).saturating_add(1 << 16)
    };
    // What each stage decodes to, at most: a checksum before it adds 4 bytes.
    let mut bounds = Vec::with_capacity(stages.len());
    for stage in stages {
        bounds.push(limit);
        if stage == CRC32C {
            limit = limit.saturating_add(4);
        }
    }
    // Checksums at the end of the chain come off first; the compressor's data is before them.
    let mut data = stored;
    let mut stages = stages;
    while let Some((last, rest)) = stages.split_last()
        && last == CRC32C
    {
        data = data.get(..data.len().saturating_sub(4)).unwrap_or_default();
        stages = rest;
    }
    let bound = stages
        .len()
        .checked_sub(1)
        .and_then(|i| bounds.get(i))
        .copied()
        .unwrap_or(limit);
    let too_large = |stage: &'static str, bytes: u64| StoreError::ChunkSize {
        key: key.to_string(),
        stage,
        bytes,
        expected: bound,
    };
    match stages.last().map(String::as_str) {
        // Checksums are off `data` already: compare with the chunk's own bytes.
        None if plain && data.len() as u64 != decoded => Err(StoreError::ChunkSize {
            key: key.to_string(),
            stage: "stored (uncompressed)",
            bytes: data.len() as u64,
            expected: decoded,
        }),
        Some("zstd") => {
            // A frame that declares its size: zarrs allocates the frames' bound, which is then
            // the sum of the declared sizes (without zstd's experimental API, no bound: count).
            let declared = zstd::zstd_safe::get_frame_content_size(data).ok().flatten();
            if declared.is_some()
                && let Some(size) = zstd::bulk::Decompressor::upper_bound(data)
            {
                return if size as u64 > bound {
                    Err(too_large("zstd frame (declared)", size as u64))
                } else {
                    Ok(())
                };
            }
            // No declared size: count. A frame that does not decode is left to zarrs, which
            // reports it.
            match zstd::stream::read::Decoder::new(data) {
                Ok(decoder) => counted(decoder, bound)
                    .map_or(Ok(()), |bytes| Err(too_large("zstd frame", bytes))),
                Err(_) => Ok(()),
            }
        }
        Some("gzip") => counted(flate2::read::GzDecoder::new(data), bound)
            .map_or(Ok(()), |bytes| Err(too_large("gzip stream", bytes))),
        Some("blosc") => {
            // Blosc's header holds the decoded size at bytes 4..8, little-endian.
            let declared = data
                .get(4..8)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(|b| u64::from(u32::from_le_bytes(b)));
            match declared {
                Some(bytes) if bytes > bound => Err(too_large("blosc header", bytes)),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// The bytes-to-bytes checksum codec's name.
const CRC32C: &str = "crc32c";

/// `Some(bytes)` when `decoder` yields more than `bound` bytes (it is read to one byte past
/// it, into nothing); `None` when it ends within the bound or fails (the failure is left to
/// zarrs, which reports it).
fn counted(decoder: impl std::io::Read, bound: u64) -> Option<u64> {
    std::io::copy(
        &mut std::io::Read::take(decoder, bound.saturating_add(1)),
        &mut std::io::sink(),
    )
    .ok()
    .filter(|&bytes| bytes > bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_string()).collect()
    }

    #[test]
    fn an_uncompressed_chunk_must_have_its_exact_length() {
        assert!(check_bytes("c/0", &[0; 8], 8, true, &[]).is_ok());
        let error = check_bytes("c/0", &[0; 9], 8, true, &[]).expect_err("longer");
        assert!(error.to_string().contains("c/0"), "{error}");
        assert!(check_bytes("c/0", &[0; 7], 8, true, &[]).is_err());
        assert!(check_bytes("c/0", &[0; 12], 8, true, &stages(&["crc32c"])).is_ok());
    }

    #[test]
    fn a_zstd_frame_decoding_beyond_the_chunk_is_refused_declared_or_not() {
        let zeros = vec![0u8; 1 << 20];
        let frame = zstd::bulk::compress(&zeros, 3).expect("compress");
        let zstd = stages(&["zstd"]);
        assert!(check_bytes("c/0/0", &frame, 1 << 20, true, &zstd).is_ok());
        let error = check_bytes("c/0/0", &frame, 1000, true, &zstd).expect_err("bomb");
        assert!(matches!(error, StoreError::ChunkSize { ref key, .. } if key == "c/0/0"));
        // Streamed frames declare no size: counted, and stopped past the limit.
        let mut streamed = Vec::new();
        let mut encoder = zstd::stream::write::Encoder::new(&mut streamed, 3).expect("encoder");
        std::io::Write::write_all(&mut encoder, &zeros).expect("write");
        encoder.finish().expect("finish");
        assert!(check_bytes("c/0/0", &streamed, 1 << 20, true, &zstd).is_ok());
        assert!(check_bytes("c/0/0", &streamed, 1000, true, &zstd).is_err());
    }

    #[test]
    fn a_blosc_header_declaring_more_than_the_chunk_is_refused() {
        let mut header = vec![2u8, 1, 0, 2];
        header.extend(4_000_000_000u32.to_le_bytes());
        header.extend([0u8; 8]);
        assert!(check_bytes("0.0", &header, 1 << 20, true, &stages(&["blosc"])).is_err());
        assert!(check_bytes("0.0", &header, 1 << 32, true, &stages(&["blosc"])).is_ok());
        // Zarr V2 puts the checksum before the compressor: 4 bytes more for blosc to hold.
        let mut exact = vec![2u8, 1, 0, 2];
        exact.extend(1004u32.to_le_bytes());
        exact.extend([0u8; 8]);
        let v2 = stages(&["crc32c", "blosc"]);
        assert!(check_bytes("0.0", &exact, 1000, true, &v2).is_ok());
        let error = check_bytes("0.0", &exact, 999, true, &v2).expect_err("beyond");
        assert!(error.to_string().contains("0.0"), "{error}");
    }

    #[test]
    fn a_gzip_stream_decoding_beyond_the_chunk_is_refused() {
        let mut gzip = Vec::new();
        let mut encoder = flate2::write::GzEncoder::new(&mut gzip, flate2::Compression::default());
        std::io::Write::write_all(&mut encoder, &vec![0u8; 1 << 20]).expect("write");
        encoder.finish().expect("finish");
        let chain = stages(&["gzip"]);
        assert!(check_bytes("c/0", &gzip, 1 << 20, true, &chain).is_ok());
        let error = check_bytes("c/0", &gzip, (1 << 20) - 1, true, &chain).expect_err("bomb");
        assert!(
            matches!(error, StoreError::ChunkSize { ref key, stage: "gzip stream", bytes, .. }
                if key == "c/0" && bytes == 1 << 20),
            "{error}"
        );
        // With the V3 checksum after it, the same.
        let mut checked = gzip.clone();
        checked.extend([0u8; 4]);
        let chain = stages(&["gzip", "crc32c"]);
        assert!(check_bytes("c/0", &checked, 1000, true, &chain).is_err());
    }
}
