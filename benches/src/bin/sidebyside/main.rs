//! Side-by-side benchmark runner: ours and the Python reference on the same data, in one run.
//!
//! Usage: `sidebyside SUITE PYTHON` (run through `cargo xtask bench SUITE`, which builds this
//! in release mode and provides the virtual environment's interpreter).

mod background;
mod calibrate;
mod cli;
mod codec;
mod detector;
mod poisson;
mod pyramid;
mod raster;
mod zarr;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Reused memory instead of fresh pages per chunk buffer (as the `anscombe` binary does).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(suite), Some(python)) = (args.get(1), args.get(2)) else {
        bail!("usage: sidebyside SUITE PYTHON");
    };
    match suite.as_str() {
        "core" => codec::run(Path::new(python)),
        "poisson" => poisson::run(Path::new(python)),
        "zarr" => zarr::run(Path::new(python)),
        "calibrate" => calibrate::run(Path::new(python)),
        "cli" => cli::run(Path::new(python)),
        "pyramid" => pyramid::run(Path::new(python)),
        "background" => background::run(Path::new(python)),
        "detector" => detector::run(Path::new(python)),
        "ratio" => anscombe_benches::ratio::run(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")),
        "entropy" => {
            anscombe_benches::entropy::run(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        }
        // Internal: one streaming calibration in a process of its own, for its peak memory.
        "calibrate-stream" => calibrate::stream(Path::new(python)),
        "raster" => raster::run(Path::new(python)),
        // Internal: one streaming raster calibration in a process of its own.
        "raster-stream" => raster::stream(Path::new(python)),
        other => bail!(
            "unknown suite {other:?} (known: core, poisson, zarr, calibrate, raster, cli, pyramid, background, detector, ratio, entropy)"
        ),
    }
}

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python")
}

fn scratch() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("anscombe-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Runs a reference script that prints one JSON object.
fn reference(python: &Path, script: &str, args: &[String]) -> Result<serde_json::Value> {
    let output = Command::new(python)
        .arg(scripts().join(script))
        .args(args)
        .output()
        .with_context(|| format!("running {script}"))?;
    if !output.status.success() {
        bail!(
            "{script} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// Peak resident memory of this process, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Wall time of one command.
fn timed(command: &mut Command) -> Result<f64> {
    let start = std::time::Instant::now();
    let output = command.output()?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(start.elapsed().as_secs_f64())
}

/// Largest relative difference between two arrays.
fn relative_error(ours: &[f64], theirs: &[f64]) -> f64 {
    ours.iter()
        .zip(theirs)
        .map(|(a, b)| if a == b { 0.0 } else { (a - b).abs() / b.abs() })
        .fold(0.0, f64::max)
}
