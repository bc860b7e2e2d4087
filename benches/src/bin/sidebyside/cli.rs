//! `anscombe encode` as a whole process against the Python script it replaces.

use std::path::Path;
use std::process::Command;

use anscombe_benches::sidebyside::{Row, print_table};
use anyhow::{Result, bail};

use crate::{scratch, scripts, timed};

/// `anscombe encode` on a 1 GB uint16 TIFF stack against the Python script it replaces, both
/// whole processes, same gain, codec (anscombe-v1, uint8 codes), zstd level and chunks.
pub(crate) fn run(python: &Path) -> Result<()> {
    let dir = scratch()?;
    let stack = dir.join("stack.tif");
    let frames = 2000;
    eprintln!("writing a ({frames}, 512, 512) uint16 TIFF stack with tifffile...");
    let script = scripts().join("bench_cli.py");
    timed(Command::new(python).arg(&script).args([
        "write",
        &stack.display().to_string(),
        &frames.to_string(),
    ]))?;
    let bytes = std::fs::metadata(&stack)?.len() as f64;
    let anscombe = std::env::current_exe()?.with_file_name("anscombe");
    if !anscombe.is_file() {
        bail!(
            "{} is missing: build it with `cargo build --release -p anscombe-cli`",
            anscombe.display()
        );
    }
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..3 {
        let out = dir.join(format!("ours{round}.zarr"));
        ours.push(timed(Command::new(&anscombe).args([
            "encode",
            &stack.display().to_string(),
            &out.display().to_string(),
            "--codec",
            "anscombe-v1",
            "--gain",
            "20",
            "--zero-level",
            "100",
            "--chunks",
            "4,512,512",
        ]))?);
        let out = dir.join(format!("python{round}.zarr"));
        theirs.push(timed(Command::new(python).arg(&script).args([
            "encode",
            &stack.display().to_string(),
            &out.display().to_string(),
            "20",
            "100",
            "4",
        ]))?);
    }
    ours.sort_by(f64::total_cmp);
    theirs.sort_by(f64::total_cmp);
    let same = anscombe_store::stored_bytes(dir.join("ours0.zarr")) as f64
        / anscombe_store::stored_bytes(dir.join("python0.zarr")) as f64;
    println!("store sizes, ours over Python's: {same:.4}");
    print_table(
        &format!(
            "encode a {:.2} GB uint16 TIFF stack to Zarr V3 (anscombe-v1, zstd 3), whole processes, median of 3",
            bytes / 1e9
        ),
        &[Row {
            label: "anscombe encode vs tifffile+zarr+anscombe".into(),
            bytes,
            ours: ours[1],
            reference: theirs[1],
        }],
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
