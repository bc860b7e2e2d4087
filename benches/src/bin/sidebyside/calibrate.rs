//! The default calibration, streaming, against the reference estimator.

use std::path::Path;
use std::process::Command;

use anscombe_benches::sidebyside::{Row, print_table};
use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anyhow::{Context, Result, bail};

use crate::{peak_rss_mib, reference, scratch};

/// Streams a movie file through both passes of the default estimator; prints JSON.
pub(crate) fn stream(movie: &Path) -> Result<()> {
    let start = std::time::Instant::now();
    let mut source = anscombe_io::open_movie(movie)?;
    let result = anscombe_calibrate::calibrate_source(
        source.as_mut(),
        &anscombe_calibrate::PtcOptions::default(),
        &mut |_, _| {},
    )?;
    println!(
        "{}",
        serde_json::json!({"seconds": start.elapsed().as_secs_f64(), "peak_rss_mib": peak_rss_mib(),
                           "gain": result.conversion_gain, "zero": result.zero_level})
    );
    Ok(())
}

/// The default estimator, streaming from disk in its own process, against the reference on
/// the movie in memory: a (500, 512, 512) uint16 synthetic movie, and its first 100 frames (the
/// same peak memory shows that it does not grow with the movie's length).
pub(crate) fn run(python: &Path) -> Result<()> {
    use anscombe_calibrate::synthetic::SyntheticSpec;

    let dir = scratch()?;
    let spec = SyntheticSpec {
        frames: 500,
        height: 512,
        width: 512,
        ..SyntheticSpec::new(20.0, 100.0, 20.0, 17)
    };
    eprintln!("generating a (500, 512, 512) uint16 synthetic movie (gain 20, zero level 100)...");
    let movie: Vec<u16> = spec.generate();
    let frame = 512 * 512;
    let long = dir.join("movie500.npy");
    let short = dir.join("movie100.npy");
    NpyArray::new(vec![500, 512, 512], Samples::U16(movie.clone()))
        .context("shape")?
        .write(&long)?;
    NpyArray::new(
        vec![100, 512, 512],
        Samples::U16(movie[..100 * frame].to_vec()),
    )
    .context("shape")?
    .write(&short)?;
    drop(movie);
    let truth = spec.noise_equivalent_zero(true);
    let me = std::env::current_exe()?;
    let mut rows = Vec::new();
    for (label, path) in [("100 frames", &short), ("500 frames", &long)] {
        let output = Command::new(&me)
            .args(["calibrate-stream", &path.display().to_string()])
            .output()?;
        if !output.status.success() {
            bail!(
                "streaming calibration failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let ours: serde_json::Value = serde_json::from_slice(&output.stdout)?;
        eprintln!("running the reference on {label}...");
        let theirs = reference(python, "bench_calibrate.py", &[path.display().to_string()])?;
        let value = |v: &serde_json::Value, key: &str| v[key].as_f64().unwrap_or(f64::NAN);
        println!(
            "{label}: ours gain {:.4} zero {:.2} (peak memory {:.0} MiB) | reference gain {:.4} zero {:.2} | truth gain 20, zero {truth:.2}",
            value(&ours, "gain"),
            value(&ours, "zero"),
            value(&ours, "peak_rss_mib"),
            value(&theirs, "gain"),
            value(&theirs, "zero")
        );
        let frames = if label.starts_with("100") {
            100.0
        } else {
            500.0
        };
        rows.push(Row {
            label: format!("calibrate {label} (ours streams from disk)"),
            bytes: frames * frame as f64 * 2.0,
            ours: value(&ours, "seconds"),
            reference: value(&theirs, "seconds"),
        });
    }
    print_table(
        "photon-transfer calibration, uint16 512x512 frames, ours one process (two passes over the file)",
        &rows,
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
