//! Criterion benchmarks of the pooling kernels: the everyday cases at a size that runs
//! in seconds (`cargo xtask bench pyramid` has the full-size side-by-side with tinybrain).

#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use anscombe_pyramid::{Method, Pyramid};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{Array3, ShapeBuilder};

fn image() -> Array3<u8> {
    Array3::from_shape_fn((1024, 1024, 16).f(), |(x, y, z)| {
        ((x / 8 + y / 16 + z * 5 + (x * 31 + y * 17) % 23) % 256) as u8
    })
}

/// 4096 frames of 64 x 64 (16 MiB, as `image`).
fn frames() -> Array3<u8> {
    Array3::from_shape_fn((64, 64, 4096).f(), |(x, y, z)| {
        ((x / 8 + y / 16 + z * 5 + (x * 31 + y * 17) % 23) % 256) as u8
    })
}

fn labels() -> Array3<u32> {
    Array3::from_shape_fn((512, 512, 16).f(), |(x, y, z)| {
        ((x / 24) * 7919 + (y / 24) * 104_729 + z / 6) as u32 % 50_000
    })
}

fn single_threaded<R: Send>(run: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_or_else(
            |_| unreachable!("a one-thread pool"),
            |pool| pool.install(run),
        )
}

fn pooling(c: &mut Criterion) {
    let image = image();
    let labels = labels();
    let mut group = c.benchmark_group("pooling");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(image.len() as u64));
    for levels in [1, 4] {
        let recipe = Pyramid::new(Method::Average, &[2, 2, 1], levels).expect("recipe");
        group.bench_function(
            format!("average u8 1024x1024x16, {levels} levels, 1 thread"),
            |b| {
                b.iter(|| single_threaded(|| recipe.build(image.view())));
            },
        );
        group.bench_function(
            format!("average u8 1024x1024x16, {levels} levels, all threads"),
            |b| {
                b.iter(|| recipe.build(image.view()));
            },
        );
    }
    // uint16 samples (sums in u32, the portable kernels) and small frames (64 x 64: per-row
    // and per-call costs weigh more than on 1024 x 1024).
    let u16_image = image.mapv(|v| u16::from(v) * 257);
    let frames = frames();
    for levels in [1, 4] {
        let recipe = Pyramid::new(Method::Average, &[2, 2, 1], levels).expect("recipe");
        group.throughput(Throughput::Bytes(u16_image.len() as u64 * 2));
        group.bench_function(
            format!("average u16 1024x1024x16, {levels} levels, 1 thread"),
            |b| {
                b.iter(|| single_threaded(|| recipe.build(u16_image.view())));
            },
        );
        group.throughput(Throughput::Bytes(frames.len() as u64));
        group.bench_function(
            format!("average u8 64x64x4096, {levels} levels, 1 thread"),
            |b| {
                b.iter(|| single_threaded(|| recipe.build(frames.view())));
            },
        );
        let u16_frames = frames.mapv(|v| u16::from(v) * 257);
        group.throughput(Throughput::Bytes(u16_frames.len() as u64 * 2));
        group.bench_function(
            format!("average u16 64x64x4096, {levels} levels, 1 thread"),
            |b| {
                b.iter(|| single_threaded(|| recipe.build(u16_frames.view())));
            },
        );
    }
    let f32_image = image.mapv(f32::from);
    group.throughput(Throughput::Bytes(f32_image.len() as u64 * 4));
    let recipe = Pyramid::new(Method::Average, &[2, 2, 1], 1).expect("recipe");
    group.bench_function("average f32 1024x1024x16, 1 level, 1 thread", |b| {
        b.iter(|| single_threaded(|| recipe.build(f32_image.view())));
    });
    group.throughput(Throughput::Bytes(labels.len() as u64 * 4));
    for (name, recipe) in [
        ("mode", Pyramid::new(Method::Mode, &[2, 2, 1], 1)),
        ("mode 2x2x2", Pyramid::new(Method::Mode, &[2, 2, 2], 1)),
        ("max", Pyramid::new(Method::Max, &[2, 2, 1], 1)),
    ] {
        let recipe = recipe.expect("recipe");
        group.bench_function(format!("{name} u32 512x512x16, 1 level, 1 thread"), |b| {
            b.iter(|| single_threaded(|| recipe.build(labels.view())));
        });
    }
    group.finish();
}

criterion_group!(benches, pooling);
criterion_main!(benches);
