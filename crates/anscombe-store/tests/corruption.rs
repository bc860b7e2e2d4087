//! The deterministic corruption sweep: for a small store of every compressor and format the
//! writers make, every chunk is damaged in every way of two kinds, one at a time: each byte
//! inverted (`^ 0xFF`), and the file cut to each shorter length (0 to its length - 1). After
//! each damage the whole array and a part of one chunk are read. A read must never panic;
//! with a checksum in the store (every store written here: Zarr V3's `crc32c`, Zarr V2's zstd
//! checksum or `crc32c` filter) it must be an error naming the chunk or the exact data, never
//! other samples.
//!
//! Two chunks of 4 x 8 x 8 `uint16` samples per store keep the sweep (a few thousand reads
//! per store) to seconds.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anscombe_core::{DataType, TransformParams};
use anscombe_io::Samples;
use anscombe_store::{BloscShuffle, Compressor, StoreSpec, ZarrFormat, read_frames, write_store};
use zarrs::array::Array;
use zarrs::filesystem::FilesystemStore;

const SHAPE: [u64; 3] = [8, 8, 8];
const CHUNK: [u64; 3] = [4, 8, 8];

/// What the sweep found for one store.
#[derive(Debug, Default)]
struct Tally {
    reads: usize,
    errors: usize,
    exact: usize,
    wrong: usize,
}

fn store(name: &str, compressor: Compressor, format: ZarrFormat) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("anscombe-corruption-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let spec = StoreSpec {
        chunk_shape: Some(CHUNK.to_vec()),
        compressor,
        format,
        ..StoreSpec::new(
            SHAPE.to_vec(),
            DataType::U16,
            Some(TransformParams::new(100.0, 4.0).into()),
        )
    };
    // A bright, varied movie: many distinct codes, so a damaged byte changes samples.
    let samples: Vec<u16> = (0..512u32)
        .map(|i| (100 + (i * 7919 % 2000)) as u16)
        .collect();
    write_store(&dir, &spec, &Samples::U16(samples), false).expect("store");
    dir
}

fn chunk_files(dir: &Path, format: ZarrFormat) -> Vec<PathBuf> {
    match format {
        ZarrFormat::V3 => vec![dir.join("c/0/0/0"), dir.join("c/1/0/0")],
        ZarrFormat::V2 => vec![dir.join("0.0.0"), dir.join("1.0.0")],
    }
}

/// Reads `range` of frames; a panic is reported with what was damaged.
fn read(
    array: &Array<FilesystemStore>,
    range: Range<u64>,
    damage: &str,
) -> Result<Samples, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_frames(array, range.clone())
    }))
    .unwrap_or_else(|_| panic!("reading frames {range:?} panicked after {damage}"))
    .map(|(_, samples)| samples)
    .map_err(|e| e.to_string())
}

fn sweep(name: &str, compressor: Compressor, format: ZarrFormat, checksummed: bool) -> Tally {
    sweep_with(name, compressor, format, checksummed, |_| {})
}

/// [`sweep`] of the store as `alter` leaves it.
fn sweep_with(
    name: &str,
    compressor: Compressor,
    format: ZarrFormat,
    checksummed: bool,
    alter: impl Fn(&Path),
) -> Tally {
    let dir = store(name, compressor, format);
    alter(&dir);
    let array = Array::open(Arc::new(FilesystemStore::new(&dir).expect("fs")), "/").expect("open");
    let whole = read(&array, 0..SHAPE[0], "nothing").expect("intact store reads");
    let mut tally = Tally::default();
    for (index, file) in chunk_files(&dir, format).iter().enumerate() {
        let original = fs::read(file).expect("chunk");
        let frames = index as u64 * CHUNK[0];
        // A part of the damaged chunk: zarrs reads it through its partial decoders.
        let part = frames + 1..frames + 3;
        let expected_part = whole.slice((part.start * 64) as usize..(part.end * 64) as usize);
        let flips = (0..original.len()).map(|i| {
            let mut bytes = original.clone();
            bytes[i] ^= 0xFF;
            (format!("inverting byte {i} of {}", file.display()), bytes)
        });
        let cuts = (0..original.len()).map(|n| {
            (
                format!("cutting {} to {n} bytes", file.display()),
                original[..n].to_vec(),
            )
        });
        for (damage, bytes) in flips.chain(cuts) {
            fs::write(file, &bytes).expect("damage");
            for (range, expected) in [(0..SHAPE[0], &whole), (part.clone(), &expected_part)] {
                tally.reads += 1;
                match read(&array, range.clone(), &damage) {
                    Err(message) => {
                        tally.errors += 1;
                        if checksummed {
                            let key = file
                                .strip_prefix(&dir)
                                .expect("inside")
                                .display()
                                .to_string();
                            let named = message.contains(&key)
                                || message.contains(&format!("[{index}, 0, 0]"));
                            assert!(
                                named,
                                "{name}: the error after {damage} names no chunk: {message}"
                            );
                        }
                    }
                    Ok(samples) if samples == *expected => tally.exact += 1,
                    Ok(_) => {
                        tally.wrong += 1;
                        assert!(
                            !checksummed,
                            "{name}: frames {range:?} read wrong samples without an error after {damage}"
                        );
                    }
                }
            }
        }
        fs::write(file, &original).expect("repair");
    }
    fs::remove_dir_all(&dir).expect("cleanup");
    println!("{name}: {tally:?}");
    tally
}

#[test]
fn every_checksummed_store_reads_exact_data_or_fails_naming_the_chunk() {
    let blosc = Compressor::BloscZstd {
        level: 5,
        shuffle: BloscShuffle::Bit,
    };
    for (name, compressor) in [
        ("v3-zstd", Compressor::Zstd { level: 3 }),
        ("v3-blosc", blosc),
        ("v3-pcodec", Compressor::Pcodec { level: 8 }),
        ("v3-context", Compressor::Context),
        ("v3-none", Compressor::None),
    ] {
        let tally = sweep(name, compressor, ZarrFormat::V3, true);
        assert!(tally.errors > 0 && tally.wrong == 0, "{name}: {tally:?}");
    }
    for (name, compressor) in [
        ("v2-zstd", Compressor::Zstd { level: 3 }),
        ("v2-blosc", blosc),
        ("v2-none", Compressor::None),
    ] {
        let tally = sweep(name, compressor, ZarrFormat::V2, true);
        assert!(tally.errors > 0 && tally.wrong == 0, "{name}: {tally:?}");
    }
}

/// A store without a checksum (a Zarr V2 store without compression as other writers make it:
/// here ours with its `crc32c` filter taken out, and each chunk's 4 checksum bytes) still
/// reads, and its damage may read as other samples, but never panics.
#[test]
fn stores_without_a_checksum_still_read_and_never_panic() {
    let tally = sweep_with(
        "v2-unchecked",
        Compressor::None,
        ZarrFormat::V2,
        false,
        |dir| {
            let path = dir.join(".zarray");
            let mut zarray: serde_json::Value =
                serde_json::from_slice(&fs::read(&path).expect(".zarray")).expect("json");
            let filters = zarray["filters"].as_array_mut().expect("filters");
            assert_eq!(filters.pop().expect("a filter")["id"], "crc32c");
            fs::write(&path, serde_json::to_vec(&zarray).expect("json")).expect("write");
            for file in chunk_files(dir, ZarrFormat::V2) {
                let bytes = fs::read(&file).expect("chunk");
                fs::write(&file, &bytes[..bytes.len() - 4]).expect("strip");
            }
        },
    );
    assert!(
        tally.wrong > 0,
        "without a checksum some damage reads as samples: {tally:?}"
    );
}
