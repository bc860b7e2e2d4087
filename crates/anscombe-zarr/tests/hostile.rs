//! Hostile input: arbitrary configurations, chunk bytes and chunk files never panic; they
//! decode or give an error. Bounded by proptest's case counts, so CI time is fixed.

use std::sync::Arc;

use anscombe_zarr::{
    AnscombeCodec, AnscombeConfiguration, AnscombeTransformConfiguration, AnscombeV1Configuration,
};
use proptest::prelude::*;
use zarrs::array::{Array, data_type};
use zarrs::filesystem::FilesystemStore;

fn data_types() -> impl Strategy<Value = zarrs::array::DataType> {
    prop_oneof![
        Just(data_type::uint8()),
        Just(data_type::int8()),
        Just(data_type::uint16()),
        Just(data_type::int16()),
        Just(data_type::uint32()),
        Just(data_type::int32()),
        Just(data_type::float32()),
        Just(data_type::float64()),
        Just(data_type::int64()),
        Just(data_type::bool()),
    ]
}

fn numbers() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        (-1.0e3..1.0e4_f64).prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("forty")),
        Just(serde_json::Value::Null),
    ]
}

fn dtype_names() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::json!("uint8")),
        Just(serde_json::json!("uint16")),
        Just(serde_json::json!("uint32")),
        Just(serde_json::json!("int8")),
        Just(serde_json::json!("float32")),
        Just(serde_json::json!("complex64")),
        Just(serde_json::json!(7)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Any configuration JSON: a codec or an error; any bytes through a codec: samples or an
    /// error.
    #[test]
    fn arbitrary_configurations_and_chunk_bytes(
        zero in numbers(), gain in numbers(), beta in numbers(), encoded in dtype_names(), decoded in dtype_names(),
        transform in any::<bool>(), data_type in data_types(),
        bytes in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let json = serde_json::json!({"zero_level": zero, "conversion_gain": gain, "beta": beta,
                                      "encoded_dtype": encoded, "decoded_dtype": decoded});
        let configuration = if transform {
            serde_json::from_value::<AnscombeTransformConfiguration>(json).map(AnscombeConfiguration::Transform).ok()
        } else {
            serde_json::from_value::<AnscombeV1Configuration>(json).map(AnscombeConfiguration::V1).ok()
        };
        if let Some(Ok(codec)) = configuration.map(AnscombeCodec::from_configuration) {
            let _ = codec.decode_bytes(&bytes, &data_type);
            let _ = codec.encode_bytes(&bytes, &data_type);
        }
    }

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
    use anscombe_zarr::store::{BloscShuffle, Compressor, StoreSpec, ZarrFormat, write_store};
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
