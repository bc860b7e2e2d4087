//! Encode and decode throughput of the core codec (bytes of samples per second).
//!
//! Chunks: (5, 32, 32), a typical small Zarr chunk, and (10, 512, 512), a large one. Pairs:
//! uint16 to uint8 (anscombe-v1 and anscombe-transform), int16 to uint8, uint16 to uint16 and
//! float32 to uint16.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use anscombe_benches::poisson_movie;
use anscombe_core::{Code, CodeType, Codec, CodecParams, Sample, TransformParams, V1Params};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const SHAPES: [(usize, usize, usize); 2] = [(5, 32, 32), (10, 512, 512)];

fn bench_pair<I: Sample, C: Code>(c: &mut Criterion, label: &str, params: &CodecParams) {
    let codec = Codec::<I, C>::new(params).expect("benchmark parameters are valid");
    let mut group = c.benchmark_group(label);
    for (t, y, x) in SHAPES {
        let levels = poisson_movie(t, y, x, 40.0, 100.0, 20.0, 7);
        let samples: Vec<I> = levels.iter().map(|&v| I::from_f64(v.round())).collect();
        let mut codes = vec![C::default(); samples.len()];
        let mut decoded = vec![I::from_f64(0.0); samples.len()];
        let bytes = (samples.len() * I::DATA_TYPE.size()) as u64;
        group.throughput(Throughput::Bytes(bytes));
        let shape = format!("{t}x{y}x{x}");
        group.bench_function(BenchmarkId::new("encode", &shape), |b| {
            b.iter(|| codec.encode(&samples, &mut codes).expect("encode"));
        });
        codec.encode(&samples, &mut codes).expect("encode");
        group.bench_function(BenchmarkId::new("decode", &shape), |b| {
            b.iter(|| codec.decode(&codes, &mut decoded).expect("decode"));
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let v1: CodecParams = V1Params::new(100.0, 40.0).into();
    let transform: CodecParams = TransformParams::new(100.0, 40.0).into();
    let transform_u16: CodecParams = TransformParams {
        encoded_dtype: Some(CodeType::U16),
        ..TransformParams::new(100.0, 40.0)
    }
    .into();
    bench_pair::<u16, u8>(c, "v1 u16->u8", &v1);
    bench_pair::<u16, u8>(c, "transform u16->u8", &transform);
    bench_pair::<i16, u8>(c, "v1 i16->u8", &v1);
    bench_pair::<u16, u16>(c, "transform u16->u16", &transform_u16);
    bench_pair::<f32, u16>(c, "transform f32->u16", &transform);
}

criterion_group! {
    name = core;
    config = Criterion::default();
    targets = benches
}
criterion_main!(core);
