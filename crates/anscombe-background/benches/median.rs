//! Criterion benchmarks of the median kernels (`cargo xtask bench background` has the
//! side-by-side with dcnum).

#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use anscombe_background::select::rank_of_frames;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn frames(count: usize, len: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|f| {
            (0..len)
                .map(|i| ((i * 7 + f * 13) % 97 + 80) as u8)
                .collect()
        })
        .collect()
}

fn median(c: &mut Criterion) {
    let stack = frames(200, 80 * 250);
    let refs: Vec<&[u8]> = stack.iter().map(Vec::as_slice).collect();
    let mut out = vec![0u8; 80 * 250];
    let mut group = c.benchmark_group("median");
    group.throughput(Throughput::Bytes((200 * 80 * 250) as u64));
    group.bench_function("rank 100 of 200 u8 frames of 80x250, 1 thread", |b| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        b.iter(|| pool.install(|| rank_of_frames(&refs, 100, &mut out)));
    });
    group.finish();
}

criterion_group!(benches, median);
criterion_main!(benches);
