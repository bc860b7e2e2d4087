//! The `poisson` codec through zarrs: arrays written and read back (Zarr V3, and Zarr V2
//! metadata as zarr-python writes it), edge chunks, never-written chunks, refused
//! configurations, and chunk bytes that match the core codec for any samples.

use std::sync::Arc;

use anscombe_core::{
    CodeSlice, CodeSliceMut, DataType, PoissonParams, SampleSlice, SampleSliceMut,
};
use anscombe_zarr::{PoissonConfiguration, PoissonZarrCodec};
use proptest::prelude::*;
use zarrs::array::{Array, ArrayBuilder, ArraySubset, data_type};
use zarrs::storage::store::MemoryStore;
use zarrs::storage::{StoreKey, WritableStorageTraits};

fn builder(codec: PoissonZarrCodec, fill: i16) -> ArrayBuilder {
    let mut builder = ArrayBuilder::new(vec![5, 7], vec![2, 4], data_type::int16(), fill);
    builder.array_to_array_codecs(vec![Arc::new(codec)]);
    builder
}

fn everyday() -> PoissonZarrCodec {
    PoissonZarrCodec::from_params(&PoissonParams::new(50.0, 20.0)).expect("valid")
}

/// What the core codec reads back for samples: decode(encode(x)).
fn core_round_trip(codec: &PoissonZarrCodec, samples: &[i16]) -> Vec<i16> {
    let encoder = codec.core().encoder(DataType::I16).expect("accepted");
    let mut codes = vec![0u8; samples.len()];
    encoder
        .encode(SampleSlice::I16(samples), CodeSliceMut::U8(&mut codes))
        .expect("encode");
    let mut back = vec![0i16; samples.len()];
    codec
        .core()
        .decode(CodeSlice::U8(&codes), SampleSliceMut::I16(&mut back))
        .expect("decode");
    back
}

#[test]
fn v3_arrays_round_trip_with_edge_and_missing_chunks() {
    anscombe_zarr::register();
    let store = Arc::new(MemoryStore::new());
    let codec = everyday();
    let array = builder(codec.clone(), -1)
        .build(store.clone(), "/movie")
        .expect("array");
    array.store_metadata().expect("metadata");
    // Write only the first two rows: chunks of rows 4.. stay unwritten; columns 4..7 are an
    // edge chunk (7 is not a multiple of 4).
    let samples: Vec<i16> = (0..28).map(|i| 40 + i * 37).collect();
    let written = ArraySubset::new_with_ranges(&[0..4, 0..7]);
    array
        .store_array_subset(&written, samples.clone())
        .expect("write");

    let reopened = Array::open(store, "/movie").expect("open");
    let metadata = serde_json::to_value(reopened.metadata()).expect("json");
    assert_eq!(metadata["codecs"][0]["name"], "poisson");
    assert_eq!(metadata["codecs"][0]["configuration"]["dark_signal"], 50);
    let back: Vec<i16> = reopened
        .retrieve_array_subset(&reopened.subset_all())
        .expect("read");
    assert_eq!(&back[..28], core_round_trip(&codec, &samples).as_slice());
    assert!(
        back[28..].iter().all(|&v| v == -1),
        "never written: fill value as is"
    );
    // A region read through the partial decoder, inside the edge chunk and the missing row.
    let region: Vec<i16> = reopened
        .retrieve_array_subset(&ArraySubset::new_with_ranges(&[3..5, 5..7]))
        .expect("read");
    assert_eq!(region, [back[3 * 7 + 5], back[3 * 7 + 6], -1, -1]);
}

#[test]
fn zarr_python_v2_metadata_opens() {
    anscombe_zarr::register();
    let store = Arc::new(MemoryStore::new());
    let zarray = serde_json::json!({
        "zarr_format": 2, "shape": [3, 5], "chunks": [2, 4], "dtype": "<u2", "fill_value": 0,
        "order": "C", "compressor": null,
        "filters": [{"id": "poisson", "dark_signal": 86.3, "photon_sensitivity": 25.0,
                     "encoded_dtype": "uint8", "decoded_dtype": "uint16", "beta": 0.5,
                     "use_lookup": true}]
    });
    store
        .set(
            &StoreKey::new("a/.zarray").expect("key"),
            serde_json::to_vec(&zarray).expect("json").into(),
        )
        .expect("set");
    // Chunk 0.0 as zarr-python writes it: the raw codes of the whole (padded) chunk.
    let codes: Vec<u8> = (0..8).collect();
    store
        .set(&StoreKey::new("a/0.0").expect("key"), codes.clone().into())
        .expect("set");
    let array = Array::open(store, "/a").expect("open");
    let back: Vec<u16> = array
        .retrieve_array_subset(&array.subset_all())
        .expect("read");
    let codec = PoissonZarrCodec::new(
        serde_json::from_value::<PoissonConfiguration>(zarray["filters"][0].clone())
            .expect("configuration"),
    )
    .expect("valid");
    let value = |code: u64| codec.core().decoded_value(code) as u16;
    assert_eq!(&back[..4], &[value(0), value(1), value(2), value(3)]);
    assert_eq!(&back[5..9], &[value(4), value(5), value(6), value(7)]);
    assert_eq!(back[4], 0, "chunk 0.1 was never written");
    assert!(back[10..].iter().all(|&v| v == 0));
}

#[test]
fn refused_configurations_fail_to_write_with_the_cores_error() {
    anscombe_zarr::register();
    let store = Arc::new(MemoryStore::new());
    // ps 1, dark 0, uint8 codes: the reference's codes wrap past 255.
    let codec = PoissonZarrCodec::from_params(&PoissonParams::new(0.0, 1.0)).expect("readable");
    let array = builder(codec, 0).build(store, "/x").expect("array");
    let error = array
        .store_array_subset(&array.subset_all(), vec![100i16; 35])
        .expect_err("refused");
    let message = error.to_string();
    assert!(message.contains("refusing to write"), "{message}");
    assert!(
        message.contains("uint16"),
        "names the nearest safe choice: {message}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any int16 samples through zarrs read back as the core codec's round trip.
    #[test]
    fn zarrs_matches_the_core(samples in prop::collection::vec(any::<i16>(), 35)) {
        anscombe_zarr::register();
        let store = Arc::new(MemoryStore::new());
        let codec = everyday();
        let array = builder(codec.clone(), 0).build(store, "/p").expect("array");
        array.store_array_subset(&array.subset_all(), samples.clone()).expect("write");
        let back: Vec<i16> = array.retrieve_array_subset(&array.subset_all()).expect("read");
        prop_assert_eq!(back, core_round_trip(&codec, &samples));
    }

    /// Any configuration JSON and chunk bytes: a codec or an error, samples or an error.
    #[test]
    fn hostile_configurations_and_bytes_never_panic(
        dark in prop_oneof![any::<f64>(), -1.0e3..1.0e4_f64],
        ps in prop_oneof![any::<f64>(), 0.5..100.0_f64],
        beta in prop_oneof![any::<f64>(), 0.1..2.0_f64],
        encoded in prop::sample::select(vec!["uint8", "uint16", "uint32", "int8", "float32"]),
        decoded in prop::sample::select(vec!["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64", "complex64"]),
        lookup in any::<bool>(),
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let json = serde_json::json!({"dark_signal": dark, "photon_sensitivity": ps, "beta": beta,
            "encoded_dtype": encoded, "decoded_dtype": decoded, "use_lookup": lookup});
        if let Ok(configuration) = serde_json::from_value::<PoissonConfiguration>(json)
            && let Ok(codec) = PoissonZarrCodec::new(configuration)
        {
            let data_type = codec.data_type();
            let _ = codec.decode_bytes(&bytes, &data_type);
            let _ = codec.encode_bytes(&bytes, &data_type);
            let _ = codec.decode_bytes(&bytes, &data_type::float64());
        }
    }
}
