//! Files are never lost or mixed (issue 22): one test per defect as the issue writes it.
//! `--force` replaces only a Zarr store and never the input; concurrent writers of one
//! output get "in use"; SIGINT and SIGTERM leave no staging; what SIGKILL leaves is removed
//! by the next write; a reader never decodes a mix of two stores; a damaged chunk is an error
//! naming it, never other samples.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anscombe_testkit::{entries, scratch};

fn anscombe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_anscombe"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_anscombe"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn text(path: &Path) -> &str {
    path.to_str().expect("UTF-8 test path")
}

/// A `uint16` movie of `frames` frames of `side` x `side` around level 100 + `offset`.
fn movie(dir: &Path, name: &str, frames: usize, side: usize, offset: u16) -> PathBuf {
    let path = dir.join(name);
    let samples = (0..frames * side * side)
        .map(|i| 100 + offset + (i * 7919 % 997) as u16)
        .collect();
    NpyArray::new(vec![frames, side, side], Samples::U16(samples))
        .expect("shape fits")
        .write(&path)
        .expect("write movie");
    path
}

fn encode(input: &Path, output: &Path, gain: &str, more: &[&str]) -> Output {
    let mut args = vec![
        "encode",
        text(input),
        text(output),
        "--gain",
        gain,
        "--zero-level",
        "100",
    ];
    args.extend_from_slice(more);
    anscombe(&args)
}

/// The bytes `decode` writes for a store.
fn decoded(store: &Path, scratch: &Path) -> Vec<u8> {
    let out = scratch.join("decoded.npy");
    let output = anscombe(&["decode", text(store), text(&out), "--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let bytes = fs::read(&out).expect("decoded");
    fs::remove_file(&out).expect("remove");
    bytes
}

#[test]
fn force_replaces_only_a_zarr_store() {
    let dir = scratch("replace-only-stores");
    let input = movie(&dir, "movie.npy", 4, 8, 0);
    // A folder of the user's that is not a store.
    let folder = dir.join("photos");
    fs::create_dir(&folder).expect("folder");
    fs::write(folder.join("notes.txt"), b"mine").expect("user file");
    let output = encode(&input, &folder, "2", &["--force"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("not a Zarr store"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fs::read(folder.join("notes.txt")).expect("kept"), b"mine");
    // A file where the store should go.
    let file = dir.join("file.zarr");
    fs::write(&file, b"not a store").expect("file");
    let output = encode(&input, &file, "2", &["--force"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("is a file"), "{}", stderr(&output));
    assert_eq!(fs::read(&file).expect("kept"), b"not a store");
    // A folder where a decoded file should go.
    let store = dir.join("movie.zarr");
    assert!(encode(&input, &store, "2", &[]).status.success());
    let npy_folder = dir.join("frames.npy");
    fs::create_dir(&npy_folder).expect("folder");
    fs::write(npy_folder.join("notes.txt"), b"mine").expect("user file");
    let output = anscombe(&["decode", text(&store), text(&npy_folder), "--force"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("is a folder"),
        "{}",
        stderr(&output)
    );
    assert_eq!(entries(&npy_folder), ["notes.txt"]);
    // A store is replaced.
    let output = encode(&input, &store, "3", &["--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        entries(&dir),
        [
            "file.zarr",
            "frames.npy",
            "movie.npy",
            "movie.zarr",
            "photos"
        ],
        "nothing else touched or left behind"
    );
    assert_eq!(entries(&folder), ["notes.txt"]);
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn force_never_replaces_the_input() {
    let dir = scratch("replace-input");
    let input = movie(&dir, "movie.npy", 4, 8, 0);
    let store = dir.join("movie.zarr");
    assert!(encode(&input, &store, "2", &[]).status.success());
    let before = decoded(&store, &dir);
    // The store as its own output, by its name and by another spelling of it.
    let other_spelling = dir.join(".").join("movie.zarr");
    for output_path in [&store, &other_spelling] {
        let output = encode(&store, output_path, "3", &["--force"]);
        assert!(!output.status.success());
        assert!(stderr(&output).contains("input"), "{}", stderr(&output));
    }
    assert_eq!(decoded(&store, &dir), before, "the input is untouched");
    // A movie file as its own output.
    let original = fs::read(&input).expect("input");
    let output = anscombe(&[
        "photons",
        text(&input),
        text(&input),
        "--gain",
        "2",
        "--zero-level",
        "100",
        "--force",
    ]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("input"), "{}", stderr(&output));
    assert_eq!(fs::read(&input).expect("input"), original);
    #[cfg(unix)]
    {
        // The same file by another name (a hard link).
        let link = dir.join("link.npy");
        fs::hard_link(&input, &link).expect("hard link");
        let args = ["photons", text(&input), text(&link), "--gain", "2"];
        let output = anscombe(&[&args[..], &["--zero-level", "100", "--force"]].concat());
        assert!(!output.status.success());
        assert!(stderr(&output).contains("input"), "{}", stderr(&output));
        assert_eq!(fs::read(&input).expect("input"), original);
        fs::remove_file(&link).expect("unlink");
    }
    assert_eq!(entries(&dir), ["movie.npy", "movie.zarr"]);
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_second_writer_of_one_output_is_told_it_is_in_use() {
    let dir = scratch("replace-in-use");
    let input = movie(&dir, "movie.npy", 4, 8, 0);
    let store = dir.join("movie.zarr");
    // Another writer holds the lock.
    let lock = File::create(dir.join(".movie.zarr.lock")).expect("lock file");
    lock.try_lock().expect("the test takes the lock");
    let output = encode(&input, &store, "2", &["--force"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("in use"), "{}", stderr(&output));
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
    assert!(!store.exists());
    drop(lock);
    fs::remove_file(dir.join(".movie.zarr.lock")).expect("release");

    // Two writers started together: each writes or is told the output is in use, and the
    // result is one of the two stores, whole, with nothing left beside it.
    let big = movie(&dir, "big.npy", 64, 64, 0);
    for _ in 0..3 {
        let args = |gain| {
            let mut a = vec!["encode", text(&big), text(&store), "--gain", gain];
            a.extend(["--zero-level", "100", "--force"]);
            a.into_iter().map(str::to_owned).collect::<Vec<_>>()
        };
        let a = args("2");
        let b = args("3");
        let first = spawn(&a.iter().map(String::as_str).collect::<Vec<_>>());
        let second = spawn(&b.iter().map(String::as_str).collect::<Vec<_>>());
        let outcomes = [first, second].map(|child| child.wait_with_output().expect("wait"));
        assert!(outcomes.iter().any(|o| o.status.success()));
        for outcome in &outcomes {
            let message = stderr(outcome);
            assert!(
                outcome.status.success() || message.contains("in use"),
                "{message}"
            );
        }
        assert_eq!(entries(&dir), ["big.npy", "movie.npy", "movie.zarr"]);
    }
    decoded(&store, &dir);
    fs::remove_dir_all(&dir).expect("cleanup");
}

/// Starts `args`, waits until its staging beside `target` appears, and returns the child.
fn started_with_staging(args: &[&str], dir: &Path, target: &str) -> Child {
    let mut child = spawn(args);
    let prefix = format!(".{target}.partial-");
    let started = Instant::now();
    loop {
        if entries(dir).iter().any(|name| name.starts_with(&prefix)) {
            return child;
        }
        if let Some(status) = child.try_wait().expect("poll") {
            panic!("{args:?} ended ({status}) before its staging was seen");
        }
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "no staging seen"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[cfg(unix)]
fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_remove_the_staging_and_keep_the_old_output() {
    let dir = scratch("replace-signals");
    let small = movie(&dir, "small.npy", 4, 8, 0);
    // Large enough that encoding and decoding it takes longer than the test's reaction.
    let big = movie(&dir, "big.npy", 512, 128, 0);
    let store = dir.join("movie.zarr");
    assert!(encode(&small, &store, "2", &[]).status.success());
    let before = decoded(&store, &dir);
    let decoded_file = dir.join("out.npy");
    fs::write(&decoded_file, b"old").expect("old output");
    for (name, code) in [("INT", 130), ("TERM", 143)] {
        let args = ["encode", text(&big), text(&store), "--gain", "2"];
        let args = [&args[..], &["--zero-level", "100", "--force"]].concat();
        let child = started_with_staging(&args, &dir, "movie.zarr");
        signal(&child, name);
        let output = child.wait_with_output().expect("wait");
        assert_eq!(
            output.status.code(),
            Some(code),
            "SIG{name}: {}",
            stderr(&output)
        );
        assert_eq!(
            entries(&dir),
            ["big.npy", "movie.zarr", "out.npy", "small.npy"]
        );
        assert_eq!(decoded(&store, &dir), before, "the old store is kept");

        // A file output (decode to .npy) the same way.
        let big_store = dir.join("big.zarr");
        assert!(encode(&big, &big_store, "2", &[]).status.success());
        let args = ["decode", text(&big_store), text(&decoded_file), "--force"];
        let child = started_with_staging(&args, &dir, "out.npy");
        signal(&child, name);
        let output = child.wait_with_output().expect("wait");
        assert_eq!(
            output.status.code(),
            Some(code),
            "SIG{name}: {}",
            stderr(&output)
        );
        fs::remove_dir_all(&big_store).expect("remove");
        assert_eq!(
            entries(&dir),
            ["big.npy", "movie.zarr", "out.npy", "small.npy"]
        );
        assert_eq!(fs::read(&decoded_file).expect("old"), b"old");
    }
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn what_sigkill_leaves_is_removed_by_the_next_write() {
    let dir = scratch("replace-sigkill");
    let big = movie(&dir, "big.npy", 512, 128, 0);
    let store = dir.join("movie.zarr");
    let args = ["encode", text(&big), text(&store), "--gain", "2"];
    let args = [&args[..], &["--zero-level", "100", "--force"]].concat();
    let mut child = started_with_staging(&args, &dir, "movie.zarr");
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let left = entries(&dir);
    assert!(
        left.iter().any(|n| n.starts_with(".movie.zarr.partial-")),
        "SIGKILL leaves the staging: {left:?}"
    );
    let small = movie(&dir, "small.npy", 4, 8, 0);
    let output = encode(&small, &store, "2", &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(entries(&dir), ["big.npy", "movie.zarr", "small.npy"]);
    decoded(&store, &dir);
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_reader_never_decodes_a_mix_of_the_old_and_the_new_store() {
    let dir = scratch("replace-reader");
    let input = movie(&dir, "movie.npy", 16, 32, 0);
    // The same samples under two gains: the old metadata with the new chunks decodes to
    // other values without any error.
    let versions: Vec<Vec<u8>> = ["2", "7"]
        .iter()
        .map(|gain| {
            let store = dir.join(format!("gain{gain}.zarr"));
            assert!(
                encode(&input, &store, gain, &["--chunks", "1,32,32"])
                    .status
                    .success()
            );
            let bytes = decoded(&store, &dir);
            fs::remove_dir_all(&store).expect("remove");
            bytes
        })
        .collect();
    assert_ne!(versions[0], versions[1]);
    let store = dir.join("movie.zarr");
    assert!(
        encode(&input, &store, "2", &["--chunks", "1,32,32"])
            .status
            .success()
    );

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, input, store) = (stop.clone(), input.clone(), store.clone());
        std::thread::spawn(move || {
            let mut writes = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let gain = if writes % 2 == 0 { "7" } else { "2" };
                let output = encode(&input, &store, gain, &["--chunks", "1,32,32", "--force"]);
                assert!(output.status.success(), "{}", stderr(&output));
                writes += 1;
            }
            writes
        })
    };
    let out = dir.join("out.npy");
    let (mut whole, mut refused) = (0, 0);
    for _ in 0..40 {
        let output = anscombe(&["decode", text(&store), text(&out), "--force"]);
        if output.status.success() {
            let bytes = fs::read(&out).expect("decoded");
            assert!(
                versions.contains(&bytes),
                "decode exited 0 with samples of neither store"
            );
            whole += 1;
        } else {
            assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
            refused += 1;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.join().expect("writer");
    println!("{whole} whole decodes, {refused} refused, during {writes} replacements");
    assert!(writes > 1 && whole > 0);
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_flipped_byte_in_a_chunk_is_an_error_naming_the_chunk() {
    let dir = scratch("replace-checksum");
    let input = movie(&dir, "movie.npy", 4, 8, 0);
    for (format, chunk) in [("v3", "c/0/0/0"), ("v2", "0.0.0")] {
        let store = dir.join(format!("{format}.zarr"));
        let output = encode(&input, &store, "2", &["--format", format]);
        assert!(output.status.success(), "{}", stderr(&output));
        let path = store.join(chunk);
        let mut bytes = fs::read(&path).expect("chunk");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        fs::write(&path, bytes).expect("flip");
        let out = dir.join("out.npy");
        let output = anscombe(&["decode", text(&store), text(&out)]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: decoded a damaged chunk"
        );
        let message = stderr(&output);
        assert!(
            message.contains("[0, 0, 0]") || message.contains(chunk),
            "{message}"
        );
        assert!(!out.exists());
    }
    fs::remove_dir_all(&dir).expect("cleanup");
}
