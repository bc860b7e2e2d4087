//! `cargo xtask soak [--gib N]`: a generated raw `uint16` movie larger than RAM (32 GiB by
//! default), encoded to a store by the release `anscombe`, the store verified against the
//! movie (which decodes every chunk), the movie deleted, and the store decoded to NPY; every
//! step streams. Prints each step's throughput and peak resident memory, and removes its
//! files afterwards. It first checks the free disk space against the peak, the movie and its
//! store (the decoded copy comes after the movie is gone), and refuses when they would not fit.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::step::announce;
use crate::workspace_root;

const FRAME_SIDE: u64 = 512;
const FRAME_BYTES: u64 = FRAME_SIDE * FRAME_SIDE * 2;

/// Runs the soak with a movie of `gib` GiB.
pub(crate) fn run(gib: u64) -> Result<bool> {
    let root = workspace_root();
    let dir = root.join("target/soak");
    // At the peak the movie and its store (no larger than half the movie), plus 1 GiB; the
    // decoded copy is written after the movie is deleted.
    let needed = gib
        .checked_mul(3 << 29)
        .and_then(|n| n.checked_add(1 << 30))
        .filter(|_| gib > 0)
        .with_context(|| format!("--gib {gib}: from 1 to a few thousand"))?;
    let frames = (gib << 30) / FRAME_BYTES;
    fs::create_dir_all(&dir).with_context(|| format!("cannot make {}", dir.display()))?;
    let free = free_bytes(&dir)?;
    if free < needed {
        bail!(
            "a {gib} GiB soak needs {:.1} GiB free in {} (the movie and its store; the decoded \
             copy replaces the movie), and {:.1} GiB are free: pass a smaller --gib",
            gib_of(needed),
            dir.display(),
            gib_of(free)
        );
    }
    announce("building the release anscombe");
    let status = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "-p",
            "anscombe-cli",
            "--bin",
            "anscombe",
        ])
        .status()
        .context("cargo build")?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    let anscombe = root.join("target/release/anscombe");
    let files = Files {
        raw: dir.join("soak.raw"),
        store: dir.join("soak.zarr"),
        decoded: dir.join("soak.npy"),
    };
    let result = soak(&anscombe, &files, frames);
    files.remove();
    result
}

/// The soak's files, removed however it ends.
struct Files {
    raw: PathBuf,
    store: PathBuf,
    decoded: PathBuf,
}

impl Files {
    fn remove(&self) {
        let _ = fs::remove_file(&self.raw);
        let _ = fs::remove_dir_all(&self.store);
        let _ = fs::remove_file(&self.decoded);
    }
}

fn soak(anscombe: &Path, files: &Files, frames: u64) -> Result<bool> {
    let bytes = frames * FRAME_BYTES;
    announce(&format!(
        "writing a {:.1} GiB raw uint16 movie ({frames} x {FRAME_SIDE} x {FRAME_SIDE})",
        gib_of(bytes)
    ));
    let start = Instant::now();
    generate(&files.raw, frames)?;
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "generate: {:.1} GiB in {seconds:.1} s, {:.0} MB/s",
        gib_of(bytes),
        bytes as f64 / seconds / 1e6
    );
    let shape = format!("{frames},{FRAME_SIDE},{FRAME_SIDE}");
    let raw = files.raw.to_string_lossy().into_owned();
    let store = files.store.to_string_lossy().into_owned();
    let decoded = files.decoded.to_string_lossy().into_owned();
    let raw_input = ["--shape", shape.as_str(), "--dtype", "uint16"];
    let encode: Vec<&str> = ["encode", raw.as_str(), store.as_str()]
        .into_iter()
        .chain(raw_input)
        .chain(["--gain", "2", "--zero-level", "100"])
        .collect();
    let verify: Vec<&str> = ["verify", raw.as_str(), store.as_str()]
        .into_iter()
        .chain(raw_input)
        .collect();
    let decode = ["decode", store.as_str(), decoded.as_str()];
    let mut ok = step(anscombe, "encode", &encode, bytes)?;
    let stored = dir_bytes(&files.store);
    println!(
        "store: {:.2} GiB on disk, ratio {:.2}x",
        gib_of(stored),
        bytes as f64 / stored.max(1) as f64
    );
    ok &= step(anscombe, "verify", &verify, bytes)?;
    fs::remove_file(&files.raw)
        .with_context(|| format!("cannot remove {}", files.raw.display()))?;
    ok &= step(anscombe, "decode", &decode, bytes)?;
    let decoded_len = fs::metadata(&files.decoded).map_or(0, |m| m.len());
    if decoded_len < bytes {
        println!("the decoded movie has {decoded_len} bytes, fewer than the {bytes} of samples");
        ok = false;
    }
    Ok(ok)
}

/// Runs one measured step over `bytes` of samples and prints its figures; `false` when its
/// peak resident memory reached 1 GiB.
fn step(anscombe: &Path, what: &str, args: &[&str], bytes: u64) -> Result<bool> {
    announce(what);
    let (seconds, peak) = measured(anscombe, args)?;
    let peak_text = peak.map_or_else(|| "unknown".into(), |kib| format!("{} MiB", kib / 1024));
    println!(
        "{what}: {:.1} GiB in {seconds:.1} s, {:.0} MB/s of samples, peak RSS {peak_text}",
        gib_of(bytes),
        bytes as f64 / seconds / 1e6
    );
    if peak.is_some_and(|kib| kib >= 1 << 20) {
        println!("{what}: peak RSS is 1 GiB or more");
        return Ok(false);
    }
    Ok(true)
}

/// Bytes of the files under `dir` (a store's chunks and metadata).
fn dir_bytes(dir: &Path) -> u64 {
    fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .map(|entry| match entry.file_type() {
                Ok(t) if t.is_dir() => dir_bytes(&entry.path()),
                _ => entry.metadata().map_or(0, |m| m.len()),
            })
            .sum()
    })
}

/// A photon-limited-looking movie: a level near 100 + 2 x a slowly varying count, with a
/// cheap deterministic noise, written 64 frames at a time.
fn generate(path: &Path, frames: u64) -> Result<()> {
    let mut out = BufWriter::with_capacity(
        8 << 20,
        File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    let mut rng = anscombe_testkit::Rng::new(0x9E37_79B9_7F4A_7C15);
    let mut frame = vec![0u8; FRAME_BYTES as usize];
    for t in 0..frames {
        for (i, pair) in frame.chunks_exact_mut(2).enumerate() {
            let signal = ((i as u64 + t) % 64) as u16;
            let level = 100 + 2 * signal + rng.below(8) as u16;
            pair.copy_from_slice(&level.to_le_bytes());
        }
        out.write_all(&frame)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Runs `anscombe args`, returning its seconds and its peak resident memory in KiB (Linux:
/// `VmHWM` of `/proc/PID/status`, sampled until it exits; `None` elsewhere).
fn measured(anscombe: &Path, args: &[&str]) -> Result<(f64, Option<u64>)> {
    let start = Instant::now();
    let mut child = Command::new(anscombe)
        .args(args)
        .spawn()
        .context("start anscombe")?;
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak = None;
    let status = loop {
        if let Some(kib) = fs::read_to_string(&status_file)
            .ok()
            .and_then(|text| high_water_mark(&text))
        {
            peak = Some(peak.map_or(kib, |p: u64| p.max(kib)));
        }
        if let Some(status) = child.try_wait().context("wait for anscombe")? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if !status.success() {
        bail!("anscombe {} failed ({status})", args.join(" "));
    }
    Ok((start.elapsed().as_secs_f64(), peak))
}

/// `VmHWM` (peak resident set, KiB) of a `/proc/PID/status` text.
fn high_water_mark(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Free bytes of the file system holding `dir`, from `df -Pk` (POSIX output).
fn free_bytes(dir: &Path) -> Result<u64> {
    let output = Command::new("df")
        .arg("-Pk")
        .arg(dir)
        .output()
        .context("run df to measure the free disk space")?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .nth(1)
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|kib| kib.parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .with_context(|| format!("cannot read the free space from df: {text}"))
}

fn gib_of(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1u32 << 30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_memory_is_read_from_proc_status() {
        let text = "Name:\tanscombe\nVmPeak:\t  900 kB\nVmHWM:\t   123456 kB\nVmRSS:\t 1 kB\n";
        assert_eq!(high_water_mark(text), Some(123_456));
        assert_eq!(high_water_mark("Name:\tx\n"), None);
    }
}
