//! Store helpers: every compressor and format round-trips, writes are all-or-nothing, and bad
//! stores give errors, not panics.

use std::path::PathBuf;

use anscombe_core::{AnyCodec, CodeType, CodecParams, DataType, TransformParams, V1Params};
use anscombe_io::Samples;
use anscombe_store::{
    BloscShuffle, Compressor, StoreError, StoreSpec, StoreWriter, ZarrFormat, array_metadata,
    context_chunk_shape, default_chunk_shape, open_array, read_frames, write_store,
};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("anscombe-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}

fn movie(frames: usize, height: usize, width: usize) -> Vec<u16> {
    (0..frames * height * width)
        .map(|i| (100 + (i * 7919) % 5000) as u16)
        .collect()
}

/// What the codec alone makes of the samples: the store must give exactly this back.
fn codec_round_trip(params: &CodecParams, samples: &[u16]) -> Vec<u16> {
    let codec = AnyCodec::new(params, DataType::U16).expect("valid");
    let mut codes = Samples::zeros(codec.rule().code_type().into(), samples.len());
    codec
        .encode(
            anscombe_core::SampleSlice::U16(samples),
            codes.code_slice_mut().expect("codes"),
        )
        .expect("encode");
    let mut out = vec![0u16; samples.len()];
    codec
        .decode(
            codes.code_slice().expect("codes"),
            anscombe_core::SampleSliceMut::U16(&mut out),
        )
        .expect("decode");
    out
}

#[test]
fn every_compressor_and_format_round_trips() {
    let dir = scratch("round-trip");
    let samples = movie(7, 24, 20);
    let v1: CodecParams = V1Params {
        decoded_dtype: DataType::U16,
        ..V1Params::new(100.0, 40.0)
    }
    .into();
    let transform: CodecParams = TransformParams::new(100.0, 3.0).into();
    let transform_u8: CodecParams = TransformParams::new(100.0, 40.0).into();
    let cases = [
        (v1, Compressor::Zstd { level: 3 }, ZarrFormat::V3),
        (
            v1,
            Compressor::BloscZstd {
                level: 5,
                shuffle: BloscShuffle::Bit,
            },
            ZarrFormat::V3,
        ),
        (v1, Compressor::Pcodec { level: 8 }, ZarrFormat::V3),
        (v1, Compressor::None, ZarrFormat::V3),
        (v1, Compressor::Context, ZarrFormat::V3),
        (transform, Compressor::Context, ZarrFormat::V3),
        (v1, Compressor::Zstd { level: 1 }, ZarrFormat::V2),
        (
            v1,
            Compressor::BloscZstd {
                level: 3,
                shuffle: BloscShuffle::Byte,
            },
            ZarrFormat::V2,
        ),
        (transform, Compressor::Zstd { level: 3 }, ZarrFormat::V3),
        (transform, Compressor::Zstd { level: 3 }, ZarrFormat::V2),
        (
            transform_u8,
            Compressor::Pcodec { level: 8 },
            ZarrFormat::V3,
        ),
    ];
    for (i, (params, compressor, format)) in cases.into_iter().enumerate() {
        let path = dir.join(format!("movie{i}.zarr"));
        let spec = StoreSpec {
            chunk_shape: Some(vec![3, 16, 16]),
            compressor,
            format,
            ..StoreSpec::new(vec![7, 24, 20], DataType::U16, Some(params))
        };
        write_store(&path, &spec, &Samples::U16(samples.clone()), false).expect("write");
        let array = open_array(&path).expect("open");
        let (shape, back) = read_frames(&array, 0..7).expect("read");
        assert_eq!(shape, [7, 24, 20]);
        assert_eq!(
            back,
            Samples::U16(codec_round_trip(&params, &samples)),
            "case {i}: {compressor:?} {format:?}"
        );
        // A range of frames reads the same values as the whole.
        let (_, part) = read_frames(&array, 2..5).expect("read");
        assert_eq!(
            part,
            Samples::U16(codec_round_trip(&params, &samples[2 * 480..5 * 480]))
        );
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn an_unfinished_write_leaves_nothing() {
    let dir = scratch("unfinished");
    let path = dir.join("movie.zarr");
    let spec = StoreSpec::new(
        vec![4, 8, 8],
        DataType::U16,
        Some(V1Params::new(100.0, 40.0).into()),
    );
    {
        let writer = StoreWriter::create(&path, &spec, false).expect("create");
        writer
            .write_frames(0, &Samples::U16(movie(2, 8, 8)))
            .expect("first half");
        // dropped here: an error or an interruption before finish()
    }
    assert!(!path.exists(), "no store at the destination");
    assert_eq!(
        std::fs::read_dir(&dir).expect("list").count(),
        0,
        "no staging folder left"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn existing_destinations_are_kept_unless_overwriting() {
    let dir = scratch("exists");
    let path = dir.join("movie.zarr");
    let spec = StoreSpec::new(
        vec![2, 8, 8],
        DataType::U16,
        Some(V1Params::new(100.0, 40.0).into()),
    );
    write_store(&path, &spec, &Samples::U16(movie(2, 8, 8)), false).expect("first");
    assert!(matches!(
        write_store(&path, &spec, &Samples::U16(movie(2, 8, 8)), false),
        Err(StoreError::Exists(_))
    ));
    let brighter: Vec<u16> = movie(2, 8, 8).iter().map(|v| v + 1000).collect();
    write_store(&path, &spec, &Samples::U16(brighter.clone()), true).expect("overwrite");
    let (_, back) = read_frames(&open_array(&path).expect("open"), 0..2).expect("read");
    let params: CodecParams = V1Params::new(100.0, 40.0).into();
    assert_eq!(back, Samples::U16(codec_round_trip(&params, &brighter)));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn bad_stores_and_chunks_are_errors() {
    let dir = scratch("bad");
    assert!(matches!(open_array(&dir), Err(StoreError::NotZarr(_))));
    let path = dir.join("movie.zarr");
    let spec = StoreSpec {
        chunk_shape: Some(vec![2, 8, 8]),
        ..StoreSpec::new(
            vec![4, 8, 8],
            DataType::U16,
            Some(V1Params::new(100.0, 40.0).into()),
        )
    };
    write_store(&path, &spec, &Samples::U16(movie(4, 8, 8)), false).expect("write");
    let chunk = path.join("c/0/0/0");
    let bytes = std::fs::read(&chunk).expect("chunk");
    std::fs::write(&chunk, &bytes[..bytes.len() / 2]).expect("truncate");
    let array = open_array(&path).expect("metadata is intact");
    let error = read_frames(&array, 0..2).expect_err("a truncated chunk");
    assert!(!error.to_string().is_empty());
    // The other chunk still reads.
    assert!(read_frames(&array, 2..4).is_ok());
    std::fs::write(&chunk, b"definitely not zstd").expect("garble");
    assert!(read_frames(&array, 0..2).is_err());
    std::fs::write(path.join("zarr.json"), "{not json").expect("garble metadata");
    assert!(open_array(&path).is_err());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn refused_v1_configurations_and_v2_limits_are_errors() {
    let dir = scratch("refused");
    // anscombe-v1 with gain 10 reaches code 259: refused for uint8 codes.
    let spec = StoreSpec::new(
        vec![2, 8, 8],
        DataType::U16,
        Some(V1Params::new(100.0, 10.0).into()),
    );
    let error = write_store(
        dir.join("wrap.zarr"),
        &spec,
        &Samples::U16(movie(2, 8, 8)),
        false,
    )
    .expect_err("refused");
    assert!(error.to_string().contains("uint16"), "{error}");
    assert!(!dir.join("wrap.zarr").exists());
    // uint16 anscombe-v1 codes cannot be written to Zarr V2.
    let params = V1Params {
        encoded_dtype: CodeType::U16,
        ..V1Params::new(100.0, 10.0)
    };
    let spec = StoreSpec {
        format: ZarrFormat::V2,
        ..StoreSpec::new(vec![2, 8, 8], DataType::U16, Some(params.into()))
    };
    assert!(matches!(
        write_store(
            dir.join("v2.zarr"),
            &spec,
            &Samples::U16(movie(2, 8, 8)),
            false
        ),
        Err(StoreError::Settings(_))
    ));
    // anscombe-context needs Zarr V3, and uint8 or uint16 values.
    let v1: CodecParams = V1Params::new(100.0, 40.0).into();
    for (data_type, codec, format) in [
        (DataType::U16, Some(v1), ZarrFormat::V2),
        (DataType::I16, None, ZarrFormat::V3),
    ] {
        let spec = StoreSpec {
            format,
            compressor: Compressor::Context,
            ..StoreSpec::new(vec![2, 8, 8], data_type, codec)
        };
        let error = array_metadata(&spec).expect_err("refused");
        assert!(matches!(error, StoreError::Settings(_)), "{error}");
        assert!(error.to_string().contains("anscombe-context"), "{error}");
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn context_chunks_are_deep_in_time() {
    // Deep already: unchanged.
    assert_eq!(context_chunk_shape(&[500, 64, 64], 2), [256, 64, 64]);
    // Large frames: 32 frames in bands of whole rows, about 2 MB.
    assert_eq!(context_chunk_shape(&[200, 512, 512], 2), [32, 64, 512]);
    assert_eq!(context_chunk_shape(&[10, 2048, 2048], 2), [10, 51, 2048]);
    assert_eq!(context_chunk_shape(&[3, 4096, 8192], 2), [3, 42, 8192]);
    // Not (T, Y, X): the default.
    assert_eq!(
        context_chunk_shape(&[4, 5], 1),
        default_chunk_shape(&[4, 5], 1)
    );
    let spec = StoreSpec {
        compressor: Compressor::Context,
        ..StoreSpec::new(vec![200, 512, 512], DataType::U16, None)
    };
    assert_eq!(spec.chunks(), [32, 64, 512]);
}

#[test]
fn default_chunks_are_frame_aligned_and_about_2_mb() {
    assert_eq!(default_chunk_shape(&[500, 64, 64], 2), [256, 64, 64]);
    assert_eq!(default_chunk_shape(&[200, 512, 512], 2), [4, 512, 512]);
    assert_eq!(default_chunk_shape(&[3, 512, 512], 2), [3, 512, 512]);
    assert_eq!(default_chunk_shape(&[10, 2048, 2048], 2), [1, 512, 2048]);
}

/// Chunks equal to the fill value are not written; reading them, also through a partial edge
/// chunk, gives the fill value itself, not the decoded value of its code (spec 9.3).
#[test]
fn missing_chunks_read_as_the_fill_value_even_at_the_edges() {
    let dir = scratch("missing");
    let path = dir.join("dark.zarr");
    let spec = StoreSpec {
        chunk_shape: Some(vec![1, 16, 24]),
        ..StoreSpec::new(
            vec![2, 19, 24],
            DataType::U16,
            Some(V1Params::new(50.0, 82.5).into()),
        )
    };
    let mut samples = vec![0u16; 2 * 19 * 24];
    samples[19 * 24..].fill(900); // the second frame is bright, the first all fill value
    write_store(&path, &spec, &Samples::U16(samples), false).expect("write");
    assert!(
        !path.join("c/0/0/0").exists() && !path.join("c/0/1/0").exists(),
        "fill chunks not stored"
    );
    let array = open_array(&path).expect("open");
    let (_, first) = read_frames(&array, 0..1).expect("read");
    assert_eq!(first, Samples::U16(vec![0; 19 * 24]));
    let (_, edge) = anscombe_store::read_subset(
        &array,
        &zarrs::array::ArraySubset::new_with_ranges(&[0..1, 17..19, 0..24]),
    )
    .expect("read");
    assert_eq!(edge, Samples::U16(vec![0; 2 * 24]));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn v2_anscombe_transform_filters_name_the_array_type() {
    let spec = StoreSpec {
        format: ZarrFormat::V2,
        ..StoreSpec::new(
            vec![4, 8, 8],
            DataType::I32,
            Some(TransformParams::new(100.0, 3.0).into()),
        )
    };
    let metadata = array_metadata(&spec).expect("metadata");
    assert_eq!(metadata["filters"][0]["id"], "anscombe-transform");
    assert_eq!(metadata["filters"][0]["decoded_dtype"], "int32");
    // anscombe-v1 keeps the reference's two keys.
    let spec = StoreSpec {
        format: ZarrFormat::V2,
        ..StoreSpec::new(
            vec![4, 8, 8],
            DataType::I16,
            Some(V1Params::new(100.0, 40.0).into()),
        )
    };
    let metadata = array_metadata(&spec).expect("metadata");
    assert!(metadata["filters"][0].get("decoded_dtype").is_none());
}
