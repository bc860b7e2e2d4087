//! Hostile stores: chunk files replaced by arbitrary bytes never make a read panic; it gives
//! data or an error, for each pipeline the store writers make. Bounded by proptest's case
//! counts, so CI time is fixed.

use std::sync::Arc;

use anscombe_store::{BloscShuffle, Compressor, StoreSpec, ZarrFormat, write_store};
use proptest::prelude::*;
use zarrs::array::Array;
use zarrs::filesystem::FilesystemStore;

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// A real store whose chunk files are replaced by arbitrary bytes: reading gives data or a
    /// clear error, for each pipeline the store helpers write.
    #[test]
    fn arbitrary_chunk_files(bytes in prop::collection::vec(any::<u8>(), 0..400), which in 0usize..5) {
        let dir = hostile_store(which);
        std::fs::write(dir.join(if which == 3 { "0.0.0" } else { "c/0/0/0" }), &bytes).expect("write chunk");
        let store = Arc::new(FilesystemStore::new(&dir).expect("store"));
        let array = Array::open(store, "/").expect("metadata is intact");
        let _ = array.retrieve_array_subset::<Vec<u16>>(&array.subset_all());
    }
}

/// A small store per pipeline, written once per test process.
fn hostile_store(which: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("anscombe-hostile-{}-{which}", std::process::id()));
    if dir.exists() {
        return dir;
    }
    let (compressor, format) = [
        (Compressor::Zstd { level: 3 }, ZarrFormat::V3),
        (
            Compressor::BloscZstd {
                level: 5,
                shuffle: BloscShuffle::Bit,
            },
            ZarrFormat::V3,
        ),
        (Compressor::Pcodec { level: 8 }, ZarrFormat::V3),
        (Compressor::None, ZarrFormat::V2),
        (Compressor::Context, ZarrFormat::V3),
    ][which];
    let params = anscombe_core::TransformParams::new(100.0, 40.0).into();
    let spec = StoreSpec {
        chunk_shape: Some(vec![2, 4, 4]),
        compressor,
        format,
        ..StoreSpec::new(vec![2, 4, 4], anscombe_core::DataType::U16, Some(params))
    };
    let samples = anscombe_io::Samples::U16((0..32).map(|i| 100 + 50 * i).collect());
    write_store(&dir, &spec, &samples, true).expect("store");
    dir
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit: the checksum a chunk of
/// a Zarr V3 store ends with, written here from its definition.
fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A pcodec chunk whose stream holds far more values than the chunk (a bomb: 4 million
/// identical values pack into a few bytes), with a valid checksum: an error naming the chunk,
/// found without decoding the stream whole.
#[test]
fn a_pcodec_stream_beyond_its_chunk_is_an_error_naming_it() {
    assert_eq!(
        crc32c(b"123456789"),
        0xE306_9283,
        "the standard check value"
    );
    let dir = anscombe_testkit::scratch("store-hostile-pcodec-bomb");
    let spec = StoreSpec {
        chunk_shape: Some(vec![2, 4, 4]),
        compressor: Compressor::Pcodec { level: 8 },
        ..StoreSpec::new(
            vec![2, 4, 4],
            anscombe_core::DataType::U16,
            Some(anscombe_core::TransformParams::new(100.0, 40.0).into()),
        )
    };
    let store = dir.join("p.zarr");
    let samples = anscombe_io::Samples::U16((0..32).map(|i| 100 + 50 * i).collect());
    write_store(&store, &spec, &samples, false).expect("store");
    let array = anscombe_store::open_array(&store).expect("open");
    let intact = anscombe_store::read_frames(&array, 0..2).expect("intact");
    for values in [4_000_000usize, 31] {
        let mut stream =
            pco::standalone::simple_compress(&vec![7u16; values], &pco::ChunkConfig::default())
                .expect("pcodec");
        let checksum = crc32c(&stream);
        stream.extend(checksum.to_le_bytes());
        std::fs::write(store.join("c/0/0/0"), &stream).expect("chunk");
        let error = anscombe_store::read_frames(&array, 0..2).expect_err("refused");
        let message = error.to_string();
        assert!(message.contains("c/0/0/0"), "{message}");
        assert!(
            message.contains(if values > 32 {
                "more than the chunk's 32"
            } else {
                "holds 31 values"
            }),
            "{message}"
        );
    }
    // The same stream at the chunk's size reads.
    let mut stream = pco::standalone::simple_compress(&[7u16; 32], &pco::ChunkConfig::default())
        .expect("pcodec");
    let checksum = crc32c(&stream);
    stream.extend(checksum.to_le_bytes());
    std::fs::write(store.join("c/0/0/0"), &stream).expect("chunk");
    let (_, read) = anscombe_store::read_frames(&array, 0..2).expect("reads");
    assert_eq!(read.len(), intact.1.len());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
