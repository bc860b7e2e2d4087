//! The defects of issue 22 that a hostile or unlucky argument or store caused, each reproduced
//! as the issue wrote it: every one now exits with one clear line (or succeeds correctly),
//! within seconds, leaving no file behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anscombe_testkit::entries;

fn anscombe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_anscombe"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    anscombe_testkit::scratch(&format!("hostile-{name}"))
}

fn sample() -> String {
    anscombe_testkit::bundled("thunder_mouse_2p/mouse_500x64x64_int16.tif")
        .display()
        .to_string()
}

fn text(path: &Path) -> String {
    path.display().to_string()
}

/// Fails with `code`, one line on stderr holding every one of `says`, and leaves `dir` as it
/// was (`left`).
fn refused(args: &[&str], code: i32, says: &[&str], dir: &Path, left: &[&str]) {
    let output = anscombe(args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(code), "{args:?}: {message}");
    for part in says {
        assert!(
            message.contains(part),
            "{args:?}: expected '{part}' in: {message}"
        );
    }
    assert_eq!(
        message.trim().lines().count(),
        1,
        "{args:?}: one line: {message}"
    );
    assert_eq!(entries(dir), left, "{args:?} left files behind");
}

/// Encodes the bundled sample with a fixed gain and zero level and `extra` options.
fn encode(store: &Path, extra: &[&str]) {
    let sample = sample();
    let store = text(store);
    let mut args = vec![
        "encode",
        &sample,
        &store,
        "--gain",
        "2",
        "--zero-level",
        "0",
    ];
    args.extend(extra);
    let output = anscombe(&args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
}

fn chunk_shape(store: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(store.join("zarr.json")).expect("metadata");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    json["chunk_grid"]["configuration"]["chunk_shape"].clone()
}

#[test]
fn chunk_shapes_beyond_the_array_are_clamped_not_a_panic() {
    let dir = scratch("chunks");
    // `encode --chunks 18446744073709551615,64,64` panicked (capacity overflow).
    encode(
        &dir.join("huge.zarr"),
        &["--chunks", "18446744073709551615,64,64"],
    );
    assert_eq!(
        chunk_shape(&dir.join("huge.zarr")),
        serde_json::json!([500, 64, 64])
    );
    // A chunk shape larger than the array was written as given.
    encode(&dir.join("large.zarr"), &["--chunks", "1000,100,100"]);
    assert_eq!(
        chunk_shape(&dir.join("large.zarr")),
        serde_json::json!([500, 64, 64])
    );
    let left = ["huge.zarr", "large.zarr"];
    let out = text(&dir.join("out.zarr"));
    let sample = sample();
    let base = [
        "encode",
        &sample,
        &out,
        "--gain",
        "2",
        "--zero-level",
        "0",
        "--chunks",
    ];
    let with = |chunks: &'static str| [&base[..], &[chunks]].concat();
    refused(
        &with("0,64,64"),
        2,
        &["--chunks 0,64,64", "at least 1"],
        &dir,
        &left,
    );
    refused(
        &with("8,64"),
        2,
        &["--chunks 8,64", "one length per axis"],
        &dir,
        &left,
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn absurd_counts_and_sizes_are_refused_naming_the_argument() {
    let dir = scratch("counts");
    let out = |name: &str| text(&dir.join(name));
    let sample = sample();
    // `pyramid --levels 18446744073709551615` panicked (capacity overflow).
    refused(
        &[
            "pyramid",
            &sample,
            &out("p.zarr"),
            "--levels",
            "18446744073709551615",
        ],
        2,
        &["--levels 18446744073709551615", "0 to 6"],
        &dir,
        &[],
    );
    // `background --fps 1e-300` and `--split-time 1e-300` panicked (capacity overflow); they
    // are now refused as usage errors before any frame is read.
    for (flag, other, value) in [
        ("--fps", "--split-time", "1"),
        ("--split-time", "--fps", "10"),
    ] {
        refused(
            &[
                "background",
                &sample,
                &out("b.zarr"),
                flag,
                "1e-300",
                other,
                value,
            ],
            2,
            &["split_time", "background images, more than the 500 frames"],
            &dir,
            &[],
        );
    }
    // `detector fit` with a huge sigma or truncate panicked (slice index).
    for flag in ["--sigma", "--truncate"] {
        refused(
            &[
                "detector",
                "fit",
                &sample,
                "-o",
                &out("d.zarr"),
                flag,
                "1e300",
            ],
            2,
            &["radius", "must be at most 262144 pixels", "1e300"],
            &dir,
            &[],
        );
    }
    // The same Gaussian smooths the flat of `detector correct`.
    refused(
        &[
            "detector",
            "correct",
            &sample,
            &out("c.npy"),
            "--calibration",
            &sample,
            "--smooth-radius",
            "1e300",
        ],
        2,
        &["--smooth-radius 1e300", "radius"],
        &dir,
        &[],
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Usage errors that the commands found themselves (past clap) exited 1 like failures of the
/// work; they exit 2, as clap's own, before anything is written.
#[test]
fn usage_errors_found_inside_the_commands_exit_2() {
    let dir = scratch("usage");
    let store = dir.join("movie.zarr");
    encode(&store, &[]);
    let out = |name: &str| text(&dir.join(name));
    let (sample, store) = (sample(), text(&store));
    let kept = ["movie.zarr"];
    for (args, says) in [
        (
            vec!["decode", &store, &out("f.npy"), "--frames", "5..2"],
            "--frames 5..2",
        ),
        (
            vec!["decode", &store, &out("f.npy"), "--frames", "0..501"],
            "frames 0..500",
        ),
        (
            vec![
                "encode",
                &sample,
                &out("e.zarr"),
                "--gain",
                "2",
                "--zero-level",
                "0",
                "--level",
                "23",
            ],
            "--level 23: outside -7..=22",
        ),
        (
            vec![
                "encode",
                &sample,
                &out("e.zarr"),
                "--gain",
                "2",
                "--zero-level",
                "0",
                "--compressor",
                "context",
                "--level",
                "3",
            ],
            "no levels",
        ),
        (
            vec![
                "encode",
                &sample,
                &out("e.zarr"),
                "--gain",
                "2",
                "--zero-level",
                "0",
                "--codec",
                "anscombe-v1",
                "--beta",
                "0.25",
            ],
            "--beta 0.25: anscombe-v1 has no beta",
        ),
        (
            vec!["pyramid", &sample, &out("p.zarr"), "--factors", "1,0,2"],
            "--factors 1,0,2",
        ),
        (
            vec!["pyramid", &sample, &out("p.zarr"), "--axes", "y,x"],
            "--axes y,x: names 2 axes, the input has 3",
        ),
        (
            vec!["pyramid", &sample, &out("p.zarr"), "--axes", "y,t,x"],
            "at most one time axis",
        ),
        (
            vec![
                "background",
                &sample,
                &out("b.zarr"),
                "--fps",
                "120",
                "--split-time",
                "0",
            ],
            "split_time must be a positive number",
        ),
    ] {
        refused(&args, 2, &[says], &dir, &kept);
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn nan_inf_and_absurd_codec_arguments_are_refused_as_such() {
    let dir = scratch("codec");
    let out = text(&dir.join("out.zarr"));
    let sample = sample();
    let encode = |gain: &'static str, zero: &'static str| {
        vec![
            "encode",
            &sample,
            &out,
            "--gain",
            gain,
            "--zero-level",
            zero,
        ]
    };
    // NaN and inf were reported as "got 0".
    refused(
        &encode("NaN", "0"),
        2,
        &["--gain NaN", "got NaN"],
        &dir,
        &[],
    );
    refused(
        &encode("inf", "0"),
        2,
        &["--gain inf", "got inf"],
        &dir,
        &[],
    );
    refused(
        &encode("2", "-inf"),
        2,
        &["--zero-level -inf", "got -inf"],
        &dir,
        &[],
    );
    // `encode --gain 1e300` turned every sample into code 0 and exited 0.
    refused(
        &encode("1e300", "0"),
        2,
        &["--gain 1e300", "every int16 level encodes to code 0"],
        &dir,
        &[],
    );
    // `calibrate --method reference --gamma NaN` ran on (and once exited 0 with a null gain).
    refused(
        &[
            "calibrate",
            &sample,
            "--method",
            "reference",
            "--gamma",
            "NaN",
        ],
        2,
        &["--gamma NaN", "from -8 to 8"],
        &dir,
        &[],
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_calibration_that_is_not_a_small_regular_file_fails_fast() {
    let dir = scratch("calibration");
    let out = text(&dir.join("out.zarr"));
    let sample = sample();
    // `--calibration /dev/zero` read forever.
    if Path::new("/dev/zero").exists() {
        refused(
            &["encode", &sample, &out, "--calibration", "/dev/zero"],
            1,
            &["/dev/zero", "not a regular file"],
            &dir,
            &[],
        );
    }
    let big = dir.join("big.json");
    let file = std::fs::File::create(&big).expect("file");
    file.set_len(64 << 20).expect("sparse 64 MiB");
    refused(
        &["encode", &sample, &out, "--calibration", &text(&big)],
        1,
        &["big.json", "beyond the 16777216-byte limit"],
        &dir,
        &["big.json"],
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// The store's `zarr.json` with its first axis set to `frames`.
fn declare_frames(store: &Path, frames: u64) {
    let path = store.join("zarr.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("metadata")).expect("JSON");
    json["shape"][0] = frames.into();
    std::fs::write(&path, serde_json::to_string(&json).expect("JSON")).expect("write");
}

#[test]
fn a_store_declaring_a_vast_shape_is_described_honestly_and_not_decoded() {
    let dir = scratch("vast");
    let store = dir.join("vast.zarr");
    encode(&store, &["--chunks", "100,64,64"]);
    declare_frames(&store, 1_000_000_000_000);
    // `info` printed an absurd ratio and said nothing of the missing chunks.
    let output = anscombe(&["info", &text(&store)]);
    let report = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        report.contains("(5 stored of 10000000000 expected)"),
        "{report}"
    );
    assert!(report.contains("missing    9999999995 chunks"), "{report}");
    let ratio_line = report
        .lines()
        .find(|l| l.starts_with("size"))
        .expect("a size line");
    let ratio: f64 = ratio_line
        .split("ratio ")
        .nth(1)
        .and_then(|r| r.split('x').next())
        .and_then(|r| r.parse().ok())
        .expect("a ratio");
    assert!(ratio > 1.0 && ratio < 10.0, "{ratio_line}");
    assert!(
        ratio_line.contains("over the stored chunks"),
        "{ratio_line}"
    );
    // `decode` wrote fill values into a .partial file until the disk was full.
    refused(
        &["decode", &text(&store), &text(&dir.join("all.npy"))],
        1,
        &["all.npy", "needs 8192000000000000 bytes", "free"],
        &dir,
        &["vast.zarr"],
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// A zstd frame that declares and holds `bytes` zeros, made without holding them.
fn zstd_bomb(bytes: u64) -> Vec<u8> {
    let mut frame = Vec::new();
    let mut encoder = zstd::stream::write::Encoder::new(&mut frame, 1).expect("encoder");
    encoder.set_pledged_src_size(Some(bytes)).expect("pledge");
    let block = vec![0u8; 1 << 20];
    for _ in 0..bytes / block.len() as u64 {
        std::io::Write::write_all(&mut encoder, &block).expect("write");
    }
    encoder.finish().expect("finish");
    frame
}

#[test]
fn a_chunk_decoding_to_more_than_its_shape_is_an_error_naming_it() {
    let dir = scratch("bomb");
    let store = dir.join("bomb.zarr");
    encode(&store, &["--chunks", "500,64,64"]);
    // A chunk whose zstd frame decompresses to a gigabyte made `verify` run for minutes at
    // 6 GB of memory.
    std::fs::write(store.join("c/0/0/0"), zstd_bomb(1 << 30)).expect("bomb");
    let sample = sample();
    let output = anscombe(&["verify", &sample, &text(&store)]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        // Counted while streaming (the chain ends with crc32c, so the frame is read as stored
        // bytes less the checksum), stopped one byte past what the chunk holds.
        message.contains("chunk c/0/0/0")
            && message.contains("zstd frame")
            && message.contains("the chunk holds 4096000"),
        "{message}"
    );
    refused(
        &["decode", &text(&store), &text(&dir.join("out.npy"))],
        1,
        &["chunk c/0/0/0", "zstd frame"],
        &dir,
        &["bomb.zarr"],
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_partial_decode_of_an_uncompressed_chunk_longer_than_its_shape_fails() {
    let dir = scratch("partial");
    let store = dir.join("raw.zarr");
    encode(&store, &["--chunks", "100,64,64", "--compressor", "none"]);
    let chunk = store.join("c/0/0/0");
    let mut bytes = std::fs::read(&chunk).expect("chunk");
    bytes.extend([0u8; 4096]);
    std::fs::write(&chunk, bytes).expect("longer chunk");
    // `decode --frames 0..1` read the bytes it needed and exited 0.
    refused(
        &[
            "decode",
            &text(&store),
            &text(&dir.join("one.npy")),
            "--frames",
            "0..1",
        ],
        1,
        &[
            "chunk c/0/0/0",
            "stored (uncompressed) of 823296 bytes",
            "holds 819200",
        ],
        &dir,
        &["raw.zarr"],
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
