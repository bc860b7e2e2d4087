//! Background correction: ours against dcnum 0.31.0.

use std::path::Path;

use anscombe_benches::sidebyside::{Row, median_seconds, print_table};
use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anscombe_testkit::sha256_hex;
use anyhow::{Context, Result};

use crate::{reference, scratch};

/// Background correction, ours against dcnum 0.31.0 on the (2000, 80, 250) `uint8`
/// movie at 120 frames per second: the sparse median with every default and the rolling
/// median (kernel 100), both with two cores. dcnum reads an HDF5 file it is given, we stream
/// the same movie from an NPY file; results are compared by digest.
pub(crate) fn run(python: &Path) -> Result<()> {
    use anscombe_background::RollingMedian;

    let dir = scratch()?;
    let (frames, height, width, fps, roll_kernel) = (2000, 80, 250, 120.0, 100);
    let movie = anscombe_benches::cytometry_movie(frames, height, width, 7);
    let movie_path = dir.join("movie.npy");
    NpyArray::new(vec![frames, height, width], Samples::U8(movie))
        .context("shape")?
        .write(&movie_path)?;
    eprintln!("running dcnum (sparse median, rolling median k={roll_kernel}, 2 cores)...");
    let theirs = reference(
        python,
        "bench_background.py",
        &[
            movie_path.display().to_string(),
            fps.to_string(),
            roll_kernel.to_string(),
            dir.display().to_string(),
        ],
    )?;
    let (sparse_seconds, sparse_digests) = time_sparse_median(&movie_path, fps)?;
    let sparse_same = theirs["sparse"]["image_bg"] == sparse_digests.0
        && theirs["sparse"]["bg_off"] == sparse_digests.1;
    let rolling = RollingMedian {
        kernel_size: roll_kernel,
        ..RollingMedian::default()
    };
    let (rolling_seconds, rolling_digest) = time_rolling_median(&movie_path, rolling)?;
    let rolling_same = theirs["rolling"]["image_bg"] == rolling_digest;
    let bytes = (frames * height * width) as f64;
    let seconds = |key: &str| theirs[key]["seconds"].as_f64().context("reference timing");
    print_table(
        "background: anscombe-background against dcnum 0.31.0 (2 cores each; input GB/s)",
        &[
            Row {
                label: "sparse median (defaults, 120 fps)".into(),
                bytes,
                ours: sparse_seconds,
                reference: seconds("sparse")?,
            },
            Row {
                label: format!("rolling median (kernel {roll_kernel})"),
                bytes,
                ours: rolling_seconds,
                reference: seconds("rolling")?,
            },
        ],
    );
    println!(
        "sparse median: background images and offsets identical to dcnum's: {}",
        if sparse_same { "yes" } else { "NO" }
    );
    println!(
        "rolling median: background images identical to dcnum's: {}",
        if rolling_same { "yes" } else { "NO" }
    );
    Ok(())
}

/// Median seconds of our sparse median (defaults, two threads, streamed from the NPY file),
/// and the digests of the per-frame backgrounds and of the offsets.
fn time_sparse_median(movie: &Path, fps: f64) -> Result<(f64, (String, String))> {
    use anscombe_background::{SparseMedian, TimeAxis};
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build()?;
    let sparse = SparseMedian::default();
    let mut result = None;
    let seconds = median_seconds(
        3,
        || Ok::<(), anyhow::Error>(()),
        || {
            let mut source = anscombe_io::open_movie(movie)?;
            result = Some(pool.install(|| {
                sparse.compute::<u8>(source.as_mut(), &TimeAxis::FrameRate(fps), &mut |_, _| {})
            })?);
            Ok(())
        },
    )?;
    let background = result.context("a sparse background")?;
    let per_frame: Vec<u8> = background
        .frame_background
        .iter()
        .flat_map(|&i| background.image(i).iter().copied())
        .collect();
    let offsets: Vec<u8> = background
        .offsets
        .iter()
        .flatten()
        .flat_map(|o| o.to_le_bytes())
        .collect();
    Ok((seconds, (sha256_hex(&per_frame), sha256_hex(&offsets))))
}

/// Median seconds of our rolling median (two threads, streamed from the NPY file) and the
/// digest of its images.
fn time_rolling_median(
    movie: &Path,
    rolling: anscombe_background::RollingMedian,
) -> Result<(f64, String)> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build()?;
    let mut images: Vec<u8> = Vec::new();
    let seconds = median_seconds(
        3,
        || Ok::<(), anyhow::Error>(()),
        || {
            images.clear();
            let mut source = anscombe_io::open_movie(movie)?;
            pool.install(|| {
                rolling.compute::<u8>(
                    source.as_mut(),
                    &mut |_, image| {
                        images.extend_from_slice(image);
                        Ok(())
                    },
                    &mut |_, _| {},
                )
            })?;
            Ok(())
        },
    )?;
    Ok((seconds, sha256_hex(&images)))
}
