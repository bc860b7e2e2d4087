//! What one chunk may decode to, checked on its stored bytes before zarrs decodes them. zarrs
//! sizes its zstd output by what the frame declares (or streams without a limit) and its blosc
//! output by the blosc header, so a few kilobytes of a hostile chunk could ask for gigabytes;
//! and a partial read of an uncompressed chunk reads only the bytes it needs, so a chunk of
//! the wrong length would pass unseen. Here each is an error naming the chunk.

use std::io::Read;

use zarrs::array::Array;
use zarrs::filesystem::FilesystemStore;
use zarrs::plugin::ExtensionName;

use crate::error::{StoreError, zarr_error};

/// Checks the stored bytes of chunk `index` of `array` (a chunk not stored passes: it reads as
/// the fill value).
///
/// # Errors
/// [`StoreError::ChunkSize`] for a chunk that decodes to more bytes than it holds, or an
/// uncompressed chunk of another length; [`StoreError::ChunkTooLarge`] for a chunk beyond
/// [`MAX_CHUNK_BYTES`](crate::metadata::MAX_CHUNK_BYTES) decoded; the zarrs error when the
/// chunk cannot be read.
pub(crate) fn check_chunk(array: &Array<FilesystemStore>, index: &[u64]) -> Result<(), StoreError> {
    let Some(stored) = array.retrieve_encoded_chunk(index).map_err(zarr_error)? else {
        return Ok(());
    };
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
        &stored,
        decoded,
        plain,
        &stages,
    )
}

/// The check of [`check_chunk`] on the bytes themselves: `decoded` is what the chunk's
/// array-to-bytes stage holds (exactly, when `plain`, the `bytes` codec), `stages` the names
/// of the bytes-to-bytes codecs in order.
pub(crate) fn check_bytes(
    key: &str,
    stored: &[u8],
    decoded: u64,
    plain: bool,
    stages: &[String],
) -> Result<(), StoreError> {
    // A checksum at the end of the chain adds 4 bytes; the compressor's frame is before it.
    let mut data = stored;
    let mut stages = stages;
    while let Some((last, rest)) = stages.split_last()
        && last == "crc32c"
    {
        data = data.get(..data.len().saturating_sub(4)).unwrap_or_default();
        stages = rest;
    }
    // The compressor's output is the raw codes when it follows `bytes`; after another
    // array-to-bytes codec (pcodec, anscombe-context) its size is that codec's, bounded here
    // generously.
    let limit = if plain {
        decoded
    } else {
        decoded.saturating_mul(2).saturating_add(1 << 16)
    };
    let too_large = |stage: &'static str, bytes: u64| StoreError::ChunkSize {
        key: key.to_string(),
        stage,
        bytes,
        expected: limit,
    };
    match stages {
        [] if plain && data.len() as u64 != decoded => {
            Err(too_large("stored (uncompressed)", data.len() as u64))
        }
        [only] if only == "zstd" => {
            // A frame that declares its size: zarrs allocates the frames' bound, which is then
            // the sum of the declared sizes (without zstd's experimental API, no bound: count).
            let declared = zstd::zstd_safe::get_frame_content_size(data).ok().flatten();
            if declared.is_some()
                && let Some(bound) = zstd::bulk::Decompressor::upper_bound(data)
            {
                return if bound as u64 > limit {
                    Err(too_large("zstd frame (declared)", bound as u64))
                } else {
                    Ok(())
                };
            }
            // No declared size: count what it decodes to, up to one byte past the limit. A
            // frame that does not decode is left to zarrs, which reports it.
            let Ok(decoder) = zstd::stream::read::Decoder::new(data) else {
                return Ok(());
            };
            match std::io::copy(
                &mut decoder.take(limit.saturating_add(1)),
                &mut std::io::sink(),
            ) {
                Ok(bytes) if bytes > limit => Err(too_large("zstd frame", bytes)),
                _ => Ok(()),
            }
        }
        [only] if only == "blosc" => {
            // Blosc's header holds the decoded size at bytes 4..8, little-endian.
            let declared = data
                .get(4..8)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(|b| u64::from(u32::from_le_bytes(b)));
            match declared {
                Some(bytes) if bytes > limit => Err(too_large("blosc header", bytes)),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
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
    }
}
