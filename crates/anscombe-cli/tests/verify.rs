//! `verify` means it (issue 22, item 4): samples the codec could not represent make it fail,
//! with how many and where, and `encode` refuses a movie that would clamp beyond the tolerance
//! unless `--allow-clipping`. Each case reproduces a defect as the issue describes it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anscombe_store::verify::CLIPPING_TOLERANCE;

fn anscombe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_anscombe"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("anscombe-verify-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}

fn text(path: &Path) -> String {
    path.display().to_string()
}

fn sample() -> String {
    text(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/thunder_mouse_2p/mouse_500x64x64_int16.tif"),
    )
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

/// A (frames, 16, 16) int32 movie: a ramp of levels from `start`, one per sample.
fn ramp(path: &Path, frames: usize, start: i32) {
    let n = frames * 16 * 16;
    let values: Vec<i32> = (0..n).map(|i| start + (i % 2000) as i32).collect();
    NpyArray::new(vec![frames, 16, 16], Samples::I32(values))
        .expect("shape")
        .write(path)
        .expect("write");
}

#[test]
fn the_tolerance_the_help_states_is_the_one_applied() {
    let stated = format!("{} %", CLIPPING_TOLERANCE * 100.0);
    for command in ["encode", "verify"] {
        let help = anscombe(&[command, "--help"]);
        let help = String::from_utf8_lossy(&help.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            help.contains(&stated),
            "{command} --help does not say {stated}"
        );
    }
}

#[test]
fn the_bundled_sample_passes_with_every_sample_checked() {
    let dir = scratch("sample");
    let store = text(&dir.join("s.zarr"));
    let output = anscombe(&[
        "encode",
        &sample(),
        &store,
        "--gain",
        "1.47",
        "--zero-level",
        "3.31",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = anscombe(&["verify", &sample(), &store, "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["passed"], true);
    assert_eq!(report["error"]["samples"], 500 * 64 * 64);
    assert_eq!(report["error"]["samples_checked"], 500 * 64 * 64);
    assert_eq!(report["faults"], serde_json::json!([]));
}

/// Issue 22: "`encode --gain 1e300` turns every sample into code 0 and `verify` passes".
#[test]
fn an_absurd_gain_is_caught_as_wiped() {
    let dir = scratch("gain");
    let store = text(&dir.join("g.zarr"));
    let output = anscombe(&[
        "encode",
        &sample(),
        &store,
        "--gain",
        "1e300",
        "--zero-level",
        "0",
    ]);
    if !output.status.success() {
        // Refusing such a gain outright is as good (argument validation may do it).
        return;
    }
    let output = anscombe(&["verify", &sample(), &store, "--json"]);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["passed"], false);
    assert!(
        report["error"]["wiped"].as_u64().expect("wiped") > 0,
        "{report}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("one code"));
}

/// Issue 22: "an int32 or float32 movie entirely below the zero level is clamped and `verify`
/// passes with '0 samples checked'".
#[test]
fn a_movie_below_the_domain_is_refused_then_fails_verification_with_where() {
    let dir = scratch("below");
    let movie = dir.join("below.npy");
    ramp(&movie, 4, -3000);
    let store = dir.join("b.zarr");
    let (movie, store_text) = (text(&movie), text(&store));
    let refused = anscombe(&[
        "encode",
        &movie,
        &store_text,
        "--gain",
        "2",
        "--zero-level",
        "0",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--allow-clipping"));
    assert!(!store.exists(), "a refused encode leaves nothing");

    let output = anscombe(&[
        "encode",
        &movie,
        &store_text,
        "--gain",
        "2",
        "--zero-level",
        "0",
        "--allow-clipping",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("were clamped"));

    let output = anscombe(&["verify", &movie, &store_text, "--json"]);
    assert_eq!(output.status.code(), Some(3));
    let report = json(&output);
    let below = &report["error"]["clamped_below"];
    // Every sample of the ramp (-3000 to -1977) is below the domain.
    assert_eq!(below["count"], 4 * 256);
    assert_eq!(below["first"], serde_json::json!([0, 0, 0]));
    assert_eq!(below["last"], serde_json::json!([3, 15, 15]));
    assert_eq!(report["error"]["samples_checked"], 0);
    let faults = report["faults"].to_string();
    assert!(
        faults.contains("nothing was checked") && faults.contains("clamped"),
        "{faults}"
    );

    // Clipping allowed: still nothing checked, which never passes.
    let output = anscombe(&["verify", &movie, &store_text, "--allow-clipping"]);
    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn a_few_clamped_samples_warn_but_pass() {
    let dir = scratch("few");
    let movie = dir.join("few.npy");
    let mut values = vec![500i32; 100 * 256];
    values[7] = -40; // one sample of 25 600 below the domain: 0.004 %
    NpyArray::new(vec![100, 16, 16], Samples::I32(values))
        .expect("shape")
        .write(&movie)
        .expect("write");
    let store = text(&dir.join("f.zarr"));
    let output = anscombe(&[
        "encode",
        &text(&movie),
        &store,
        "--gain",
        "2",
        "--zero-level",
        "0",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 samples"));
    let output = anscombe(&["verify", &text(&movie), &store, "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["error"]["clamped_below"]["count"], 1);
    assert_eq!(
        report["error"]["clamped_below"]["first"],
        serde_json::json!([0, 0, 7])
    );
}

#[test]
fn saturated_samples_of_anscombe_v1_are_counted_above() {
    let dir = scratch("above");
    let movie = dir.join("above.npy");
    ramp(&movie, 2, 32_500);
    let store = text(&dir.join("a.zarr"));
    let movie = text(&movie);
    let output = anscombe(&[
        "encode",
        &movie,
        &store,
        "--gain",
        "40",
        "--zero-level",
        "0",
        "--codec",
        "anscombe-v1",
        "--allow-clipping",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = anscombe(&["verify", &movie, &store, "--json"]);
    assert_eq!(output.status.code(), Some(3));
    let above = json(&output)["error"]["clamped_above"].clone();
    // The ramp's levels above anscombe-v1's 32 767.
    let expected = (0..512).filter(|i| 32_500 + i > 32_767).count();
    assert_eq!(above["count"], expected);
    let output = anscombe(&["verify", &movie, &store, "--allow-clipping"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}
