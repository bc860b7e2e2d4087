//! Writing and reading stores: ours against zarr-python with anscombe-transform 1.0.0.

use std::path::Path;

use anscombe_benches::poisson_movie;
use anscombe_benches::sidebyside::{Row, median_seconds, print_table};
use anscombe_core::V1Params;
use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anyhow::{Context, Result};

use crate::{reference, scratch};

/// Writing and reading a (200, 512, 512) uint16 movie: Anscombe + zstd 3 and zstd alone, ours
/// (all cores) against zarr-python with anscombe-transform 1.0.0, same data and chunks.
pub(crate) fn run(python: &Path) -> Result<()> {
    use anscombe_store::{StoreSpec, open_array, read_frames, write_store};

    let dir = scratch()?;
    let (frames, height, width) = (200, 512, 512);
    eprintln!("generating a ({frames}, {height}, {width}) uint16 Poisson movie...");
    let levels = poisson_movie(frames, height, width, 40.0, 100.0, 20.0, 11);
    let samples = Samples::U16(
        levels
            .iter()
            .map(|&v| v.round().clamp(0.0, 65_535.0) as u16)
            .collect(),
    );
    let movie_path = dir.join("movie.npy");
    NpyArray::new(vec![frames, height, width], samples.clone())
        .context("shape")?
        .write(&movie_path)?;
    let raw_bytes = (frames * height * width * 2) as f64;
    let shape = vec![frames as u64, height as u64, width as u64];
    let params = V1Params {
        decoded_dtype: anscombe_core::DataType::U16,
        ..V1Params::new(100.0, 40.0)
    };
    let chunk_frames = anscombe_store::default_chunk_shape(&shape, 2)[0];
    let repeats = 3;

    let mut ours = std::collections::BTreeMap::new();
    for (label, codec) in [("anscombe", Some(params.into())), ("raw", None)] {
        let spec = StoreSpec::new(shape.clone(), anscombe_core::DataType::U16, codec);
        let path = dir.join(format!("rust_{label}.zarr"));
        // As on the Python side, the previous store is removed before the clock starts.
        let remove = || match std::fs::remove_dir_all(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(anyhow::Error::from(e)),
            _ => Ok(()),
        };
        let write = median_seconds(repeats, remove, || {
            Ok(write_store(&path, &spec, &samples, false).map(drop)?)
        })?;
        let array = open_array(&path)?;
        let read = median_seconds(
            repeats,
            || Ok::<(), anyhow::Error>(()),
            || Ok(read_frames(&array, 0..frames as u64).map(drop)?),
        )?;
        ours.insert(label, (write, read, anscombe_store::stored_bytes(&path)));
    }
    eprintln!("running zarr-python ({repeats} repeats)...");
    let theirs = reference(
        python,
        "bench_zarr.py",
        &[
            movie_path.display().to_string(),
            dir.display().to_string(),
            chunk_frames.to_string(),
            "40".into(),
            "100".into(),
            repeats.to_string(),
        ],
    )?;
    let mut rows = Vec::new();
    for label in ["anscombe", "raw"] {
        let (write, read, bytes) = ours[label];
        let python_side = &theirs[label];
        let seconds = |key: &str| python_side[key].as_f64().context("reference timing");
        rows.push(Row {
            label: format!("{label} + zstd 3 write"),
            bytes: raw_bytes,
            ours: write,
            reference: seconds("write_s")?,
        });
        rows.push(Row {
            label: format!("{label} + zstd 3 read"),
            bytes: raw_bytes,
            ours: read,
            reference: seconds("read_s")?,
        });
        let python_bytes = python_side["bytes"].as_f64().unwrap_or(f64::NAN);
        println!(
            "{label}: ratio {:.3}x here, {:.3}x zarr-python (store bytes {bytes} vs {python_bytes})",
            raw_bytes / bytes as f64,
            raw_bytes / python_bytes
        );
    }
    print_table(
        &format!(
            "Zarr V3 ({frames}, {height}, {width}) uint16, chunks ({chunk_frames}, {height}, {width}); ours on {} threads",
            std::thread::available_parallelism().map_or(1, usize::from)
        ),
        &rows,
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
