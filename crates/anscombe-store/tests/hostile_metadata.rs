//! Hostile metadata: a store's `zarr.json` or `.zarray` replaced by arbitrary bytes, or with
//! arbitrary shapes, chunk shapes, types and fill values, never makes `StoreInfo::read`,
//! opening the store as a movie or reading its first frame panic; each gives a value or an
//! error. Bounded by proptest's case counts, so CI time is fixed.

use std::path::{Path, PathBuf};

use anscombe_io::FrameSource;
use anscombe_store::{StoreInfo, StoreSpec, ZarrFormat, ZarrMovie, write_store};
use proptest::prelude::*;

/// A small store (4 frames of 4 x 4 `uint16`, chunks of 2 frames), written once per format
/// and shared by both properties, which run on parallel threads.
fn store(format: ZarrFormat) -> PathBuf {
    let name = if format == ZarrFormat::V2 { "v2" } else { "v3" };
    anscombe_testkit::built_once(&format!("hostile-metadata-{name}"), |dir| {
        let spec = StoreSpec {
            chunk_shape: Some(vec![2, 4, 4]),
            format,
            ..StoreSpec::new(vec![4, 4, 4], anscombe_core::DataType::U16, None)
        };
        let samples = anscombe_io::Samples::U16((0..64).collect());
        write_store(dir, &spec, &samples, true).expect("store");
    })
}

/// A copy of `source` to mutate, one per case.
fn copy(source: &Path, case: &str) -> PathBuf {
    let dir = source.with_extension(case);
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(source, &dir);
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    for entry in std::fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Describes, opens and reads the first frame; any outcome but a panic passes.
fn exercise(dir: &Path) {
    let _ = StoreInfo::read(dir);
    if let Ok(mut movie) = ZarrMovie::open(dir) {
        // A frame the metadata declares larger than this test's memory is not read: the
        // property is about panics, and the allocation would be the test's own.
        if movie.frames() > 0 && movie.frame_len() <= 1 << 20 {
            let _ = movie.read_frames(0, 1);
        }
    }
}

fn lengths() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        (0u64..6).prop_map(serde_json::Value::from),
        Just(serde_json::Value::from(u64::MAX)),
        Just(serde_json::Value::from(1u64 << 62)),
        Just(serde_json::Value::from(1_000_000_000_000u64)),
        Just(serde_json::Value::from(-1)),
        Just(serde_json::Value::from(2.5)),
        Just(serde_json::Value::Null),
    ]
}

fn data_types() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::json!("uint16")),
        Just(serde_json::json!("uint8")),
        Just(serde_json::json!("float64")),
        Just(serde_json::json!("bool")),
        Just(serde_json::json!("string")),
        Just(serde_json::json!(7)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The metadata file replaced by arbitrary bytes.
    #[test]
    fn arbitrary_metadata_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300), v2 in any::<bool>()) {
        let (format, file) = if v2 { (ZarrFormat::V2, ".zarray") } else { (ZarrFormat::V3, "zarr.json") };
        let dir = copy(&store(format), "bytes");
        std::fs::write(dir.join(file), &bytes).expect("write");
        exercise(&dir);
    }

    /// Valid JSON with hostile values: shapes and chunk shapes of any rank and size (up to
    /// u64::MAX), other types, odd fill values.
    #[test]
    fn hostile_metadata_values(
        shape in prop::collection::vec(lengths(), 0..4),
        chunks in prop::collection::vec(lengths(), 0..4),
        data_type in data_types(),
        fill in prop_oneof![Just(serde_json::json!(0)), Just(serde_json::json!("NaN")), Just(serde_json::json!([1, 2])), Just(serde_json::Value::Null)],
        v2 in any::<bool>(),
    ) {
        let (format, file) = if v2 { (ZarrFormat::V2, ".zarray") } else { (ZarrFormat::V3, "zarr.json") };
        let dir = copy(&store(format), "values");
        let path = dir.join(file);
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        json["shape"] = shape.into();
        if v2 {
            json["chunks"] = chunks.into();
            json["dtype"] = data_type;
        } else {
            json["chunk_grid"]["configuration"]["chunk_shape"] = chunks.into();
            json["data_type"] = data_type;
        }
        json["fill_value"] = fill;
        std::fs::write(&path, serde_json::to_vec(&json).expect("JSON")).expect("write");
        exercise(&dir);
    }
}
