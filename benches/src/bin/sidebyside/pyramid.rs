//! Pyramids: ours against tinybrain 1.7.0.

use std::path::Path;

use anscombe_benches::sidebyside::{Row, median_seconds, print_table};
use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anyhow::{Context, Result};

use crate::{reference, scratch};

/// The pyramid cases: key (as `bench_pyramid.py` names it), label, method and levels; all
/// pool by 2x2x1.
const PYRAMID_CASES: [(&str, &str, anscombe_pyramid::Method, usize); 8] = [
    (
        "average_1",
        "average u8 1024x1024x100 2x2x1, 1 level",
        anscombe_pyramid::Method::Average,
        1,
    ),
    (
        "average_4",
        "average u8 1024x1024x100 2x2x1, 4 levels",
        anscombe_pyramid::Method::Average,
        4,
    ),
    (
        "mode_1",
        "mode u32 512x512x64 2x2x1, 1 level",
        anscombe_pyramid::Method::Mode,
        1,
    ),
    (
        "frames_512_1",
        "average u8 512x512x400 2x2x1, 1 level",
        anscombe_pyramid::Method::Average,
        1,
    ),
    (
        "frames_256_1",
        "average u8 256x256x1600 2x2x1, 1 level",
        anscombe_pyramid::Method::Average,
        1,
    ),
    (
        "frames_256_4",
        "average u8 256x256x1600 2x2x1, 4 levels",
        anscombe_pyramid::Method::Average,
        4,
    ),
    (
        "frames_64_1",
        "average u8 64x64x25600 2x2x1, 1 level",
        anscombe_pyramid::Method::Average,
        1,
    ),
    (
        "frames_64_4",
        "average u8 64x64x25600 2x2x1, 4 levels",
        anscombe_pyramid::Method::Average,
        4,
    ),
];

/// Pyramids, ours against tinybrain 1.7.0's C++ fast paths, on the arrays: a
/// 1024x1024x100 `uint8` image (2x2x1, one and four levels) and 512x512x64 `uint32` labels
/// (2x2x1 mode); and, beyond the issue, the same number of bytes as smaller frames, 512x512
/// and 256x256 (common two-photon sizes) and 64x64 (cropped regions), where the cost per
/// line counts for more. Both sides get Fortran-ordered arrays (tinybrain's own layout) and
/// allocate their outputs on every call; a third row of ours rebuilds levels it already holds (`build_into`, no allocation),
/// as the memory-bandwidth floor does. Results are compared by SHA-256 of every level.
pub(crate) fn run(python: &Path) -> Result<()> {
    use anscombe_pyramid::Pyramid;

    let dir = scratch()?;
    let image = anscombe_benches::pyramid_image([1024, 1024, 100], 5);
    let frames_512 = anscombe_benches::pyramid_image([512, 512, 400], 7);
    let frames_256 = anscombe_benches::pyramid_image([256, 256, 1600], 8);
    let frames_64 = anscombe_benches::pyramid_image([64, 64, 25600], 9);
    let labels = anscombe_benches::pyramid_labels([512, 512, 64], 6);
    let image_path = dir.join("image.npy");
    let frames_512_path = dir.join("frames_512.npy");
    let frames_256_path = dir.join("frames_256.npy");
    let frames_64_path = dir.join("frames_64.npy");
    let labels_path = dir.join("labels.npy");
    for (array, path) in [
        (&image, &image_path),
        (&frames_512, &frames_512_path),
        (&frames_256, &frames_256_path),
        (&frames_64, &frames_64_path),
    ] {
        NpyArray::new(
            array.shape().to_vec(),
            Samples::U8(array.iter().copied().collect()),
        )
        .context("shape")?
        .write(path)?;
    }
    NpyArray::new(
        labels.shape().to_vec(),
        Samples::U32(labels.iter().copied().collect()),
    )
    .context("shape")?
    .write(&labels_path)?;
    let image = anscombe_benches::fortran(&image);
    let frames_512 = anscombe_benches::fortran(&frames_512);
    let frames_256 = anscombe_benches::fortran(&frames_256);
    let frames_64 = anscombe_benches::fortran(&frames_64);
    let labels = anscombe_benches::fortran(&labels);
    let repeats = 15;
    eprintln!("running tinybrain ({repeats} repeats)...");
    let theirs = reference(
        python,
        "bench_pyramid.py",
        &[
            image_path.display().to_string(),
            labels_path.display().to_string(),
            frames_512_path.display().to_string(),
            frames_256_path.display().to_string(),
            frames_64_path.display().to_string(),
            repeats.to_string(),
        ],
    )?;
    let mut rows = Vec::new();
    let mut identical = Vec::new();
    for (key, label, method, levels) in PYRAMID_CASES {
        let recipe = Pyramid::new(method, &[2, 2, 1], levels)?;
        let expected: Vec<String> = theirs[key]["sha256"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str().map(String::from))
            .collect();
        let reference_seconds = theirs[key]["seconds"]
            .as_f64()
            .context("reference timing")?;
        for (threads, reuse) in [(1, false), (2, false), (2, true)] {
            let (seconds, digests, bytes) = match key {
                "mode_1" => time_pyramid(&recipe, &labels, threads, repeats, reuse)?,
                "frames_512_1" => time_pyramid(&recipe, &frames_512, threads, repeats, reuse)?,
                "frames_256_1" | "frames_256_4" => {
                    time_pyramid(&recipe, &frames_256, threads, repeats, reuse)?
                }
                "frames_64_1" | "frames_64_4" => {
                    time_pyramid(&recipe, &frames_64, threads, repeats, reuse)?
                }
                _ => time_pyramid(&recipe, &image, threads, repeats, reuse)?,
            };
            identical.push((key, digests == expected));
            rows.push(Row {
                label: format!(
                    "{label}, {threads} thread{}{}",
                    if threads == 1 { "" } else { "s" },
                    if reuse { ", reused levels" } else { "" }
                ),
                bytes: bytes as f64,
                ours: seconds,
                reference: reference_seconds,
            });
        }
    }
    report_pyramids(
        &rows,
        &identical,
        image.as_slice_memory_order().context("contiguous")?,
    );
    Ok(())
}

/// Median seconds of `recipe` on `input` with `threads` threads, the levels' digests, and the
/// input's size in bytes.
fn time_pyramid<T: anscombe_pyramid::Sample + bytemuck::Pod>(
    recipe: &anscombe_pyramid::Pyramid,
    input: &ndarray::Array3<T>,
    threads: usize,
    repeats: usize,
    reuse: bool,
) -> Result<(f64, Vec<String>, usize)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let run = || pool.install(|| recipe.build(input.view()));
    let (seconds, levels) = if reuse {
        // Levels built once, then rebuilt in place by `build_into`, as a program building
        // pyramid after pyramid of one shape would (the floor below reuses its output too);
        // the digests are of the last rebuild.
        let mut levels = run()?;
        let seconds = median_seconds(
            repeats,
            || Ok::<(), anyhow::Error>(()),
            || {
                let mut views: Vec<_> = levels.iter_mut().map(|l| l.view_mut()).collect();
                Ok(pool.install(|| recipe.build_into(input.view(), &mut views))?)
            },
        )?;
        (seconds, levels)
    } else {
        let seconds = median_seconds(
            repeats,
            || Ok::<(), anyhow::Error>(()),
            || Ok(run().map(drop)?),
        )?;
        (seconds, run()?)
    };
    let digests = anscombe_benches::digests(&levels);
    Ok((seconds, digests, input.len() * std::mem::size_of::<T>()))
}

/// Prints the pyramid table, how close two threads come to the memory bandwidth, and whether
/// every level matched tinybrain's.
fn report_pyramids(rows: &[Row], identical: &[(&str, bool)], image: &[u8]) {
    let bandwidth = anscombe_benches::read_bandwidth(image);
    let streaming = anscombe_benches::quarter_stream_bandwidth(image);
    print_table(
        "pyramids: anscombe-pyramid against tinybrain 1.7.0 (input GB/s; tinybrain is single-threaded)",
        rows,
    );
    println!(
        "memory bandwidth of this machine, 2 threads, best of 5: reading the image {:.2} GB/s; \
         reading it and writing a quarter as much (a 2x2 level's traffic, no arithmetic) {:.2} GB/s",
        bandwidth / 1e9,
        streaming / 1e9
    );
    let two_threads: Vec<&Row> = rows
        .iter()
        .filter(|r| r.label.contains("2 threads"))
        .collect();
    let width = two_threads.iter().map(|r| r.label.len()).max().unwrap_or(0);
    for row in two_threads {
        let ours = row.bytes / row.ours;
        println!(
            "  {:<width$} {:>5.0}% of reading, {:>5.0}% of read + write",
            row.label,
            100.0 * ours / bandwidth,
            100.0 * ours / streaming
        );
    }
    for &(key, same) in identical {
        println!(
            "{key}: levels identical to tinybrain's: {}",
            if same { "yes" } else { "NO" }
        );
    }
}
