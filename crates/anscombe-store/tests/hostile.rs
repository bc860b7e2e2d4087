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
