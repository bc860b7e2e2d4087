//! Encode and decode throughput of the context entropy coder on Anscombe codes of a synthetic
//! Poisson movie, in bytes of codes per second (one core), for each format version. `cargo
//! xtask bench entropy` gives the versions side by side with zstd 1 and 3, `cargo xtask bench
//! ratio` the table against zstd, blosc and pcodec.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use anscombe_benches::poisson_movie;
use anscombe_core::{Codec, V1Params};
use anscombe_entropy::{Dims, VERSIONS, decode_into, encode_version};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("anscombe-context");
    // A long narrow chunk like the two-photon sample's, and a wide short one.
    for (t, y, x) in [(256, 64, 64), (16, 256, 256)] {
        let levels = poisson_movie(t, y, x, 10.0, 0.0, 20.0, 5);
        let samples: Vec<u16> = levels
            .iter()
            .map(|&v| v.round().clamp(0.0, 65_535.0) as u16)
            .collect();
        let codec =
            Codec::<u16, u8>::new(&V1Params::new(0.0, 10.0).into()).expect("valid parameters");
        let mut codes = vec![0u8; samples.len()];
        codec.encode(&samples, &mut codes).expect("encode");
        let dims = Dims::from_shape(&[t as u64, y as u64, x as u64]);
        group.throughput(Throughput::Bytes(codes.len() as u64));
        for version in VERSIONS {
            let shape = format!("v{version} {t}x{y}x{x}");
            group.bench_function(BenchmarkId::new("encode", &shape), |b| {
                b.iter(|| encode_version(&codes, dims, version).expect("encode"));
            });
            let stream = encode_version(&codes, dims, version).expect("encode");
            let mut decoded = vec![0u8; codes.len()];
            group.bench_function(BenchmarkId::new("decode", &shape), |b| {
                b.iter(|| decode_into(&stream, dims, &mut decoded).expect("decode"));
            });
            assert_eq!(decoded, codes);
        }
    }
    group.finish();
}

criterion_group!(entropy, benches);
criterion_main!(entropy);
