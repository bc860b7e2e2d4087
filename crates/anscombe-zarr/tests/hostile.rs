//! Hostile input: arbitrary configurations and chunk bytes never panic; they decode or give an
//! error. Bounded by proptest's case counts, so CI time is fixed. (Whole stores with hostile
//! chunk files: `anscombe-store`'s `tests/hostile.rs`.)

use anscombe_zarr::{
    AnscombeCodec, AnscombeConfiguration, AnscombeTransformConfiguration, AnscombeV1Configuration,
};
use proptest::prelude::*;
use zarrs::array::data_type;

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
}
