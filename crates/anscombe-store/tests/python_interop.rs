//! Round trips with the real Python stack (zarr-python with `anscombe-transform` 1.0.0), in
//! both directions. The interpreter comes from `ANSCOMBE_PYTHON`, which `cargo xtask test`
//! sets after creating the virtual environment; without it these tests fail and say so.

use std::path::{Path, PathBuf};
use std::process::Command;

use anscombe_testkit::python;

use anscombe_core::{CodeRule, CodeType, CodecParams, DataType, V1Params};
use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anscombe_store::{
    BloscShuffle, Compressor, StoreSpec, ZarrFormat, open_array, read_subset, write_store,
};
use serde_json::{Value, json};

fn run_python(script: &str, args: &[String]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let output = Command::new(python("the reference packages"))
        .arg(&script)
        .args(args)
        .output()
        .expect("start python");
    assert!(
        output.status.success(),
        "{} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON from the script")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("anscombe-interop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}

#[test]
fn stores_written_here_read_identically_in_zarr_python() {
    let dir = scratch("rust-to-python");
    let mut draws = anscombe_testkit::Rng::new(0x5eed_1234_abcd_0001);
    let mut cases = Vec::new();
    for i in 0..24 {
        let shape = vec![1 + draws.below(9), 1 + draws.below(45), 1 + draws.below(45)];
        let chunks: Vec<u64> = shape.iter().map(|&n| 1 + draws.below(n)).collect();
        let format = if i % 3 == 0 {
            ZarrFormat::V2
        } else {
            ZarrFormat::V3
        };
        let (params, encoded) = loop {
            let gain = (draws.uniform(3.4, 200.0) * 100.0).round() / 100.0;
            let zero_level = draws.below(600) as f64 - 10.0;
            let mut p = V1Params::new(zero_level, gain);
            p.decoded_dtype = if i % 2 == 0 {
                DataType::U16
            } else {
                DataType::I16
            };
            let narrow = CodeRule::new(&p.into(), p.decoded_dtype).expect("valid");
            if narrow.refusal().is_none() {
                break (p, CodeType::U8);
            }
            p.encoded_dtype = CodeType::U16;
            let wide = CodeRule::new(&p.into(), p.decoded_dtype).expect("valid");
            if wide.refusal().is_none() && format == ZarrFormat::V3 {
                break (p, CodeType::U16);
            }
        };
        let count = shape.iter().product::<u64>() as usize;
        let samples: Vec<f64> = (0..count)
            .map(|_| {
                (params.zero_level + params.conversion_gain * draws.uniform(0.0, 60.0))
                    .round()
                    .clamp(0.0, 40_000.0)
            })
            .collect();
        let samples = Samples::from_f64(params.decoded_dtype.into(), &samples);
        let compressor = match draws.below(4) {
            0 => Compressor::Zstd {
                level: 1 + draws.below(9) as i32,
            },
            1 => Compressor::BloscZstd {
                level: 5,
                shuffle: BloscShuffle::Bit,
            },
            2 => Compressor::BloscZstd {
                level: 3,
                shuffle: BloscShuffle::Byte,
            },
            _ => Compressor::None,
        };
        let store = dir.join(format!("rust_{i}.zarr"));
        let spec = StoreSpec {
            chunk_shape: Some(chunks),
            compressor,
            format,
            ..StoreSpec::new(
                shape.clone(),
                params.decoded_dtype,
                Some(CodecParams::V1(params)),
            )
        };
        write_store(&store, &spec, &samples, false).expect("write");
        let input = dir.join(format!("rust_{i}.input.npy"));
        NpyArray::new(shape.iter().map(|&n| n as usize).collect(), samples)
            .expect("shape")
            .write(&input)
            .expect("npy");
        cases.push(json!({
            "store": store, "input": input, "zero_level": params.zero_level,
            "conversion_gain": params.conversion_gain, "encoded_dtype": encoded.name(),
            "read_back": dir.join(format!("rust_{i}.python.npy")),
        }));
    }
    let list = dir.join("cases.json");
    std::fs::write(&list, serde_json::to_vec(&cases).expect("json")).expect("cases");
    let verdict = run_python("read_rust_stores.py", &[list.display().to_string()]);
    assert_eq!(verdict["checked"], 24);
    assert_eq!(
        verdict["mismatches"],
        json!([]),
        "zarr-python read differently: {verdict}"
    );
    // And zarr-python reads what we read.
    for case in &cases {
        let (_, ours) = read_subset(
            &open_array(case["store"].as_str().expect("path")).expect("open"),
            &open_array(case["store"].as_str().expect("path"))
                .expect("open")
                .subset_all(),
        )
        .expect("read");
        let theirs = NpyArray::read(case["read_back"].as_str().expect("path")).expect("npy");
        assert_eq!(ours, theirs.samples, "{}", case["store"]);
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn stores_written_by_zarr_python_read_identically_here() {
    let dir = scratch("python-to-rust");
    let records = run_python(
        "write_python_stores.py",
        &[dir.display().to_string(), "18".into(), "20261122".into()],
    );
    let records = records.as_array().expect("list");
    assert_eq!(records.len(), 18);
    for record in records {
        let store = record["store"].as_str().expect("path");
        let array = open_array(store).expect("open");
        let (_, ours) = read_subset(&array, &array.subset_all()).expect("read");
        let expected = NpyArray::read(record["expected"].as_str().expect("path")).expect("npy");
        assert_eq!(ours, expected.samples, "{store}");
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Zarr V2 stores without zstd end each chunk's bytes with numcodecs' `crc32c` checksum (the
/// last filter): zarr-python 2 (numcodecs 0.15 with its `crc32c` package) reads them exactly
/// as here, and refuses a damaged chunk. Skips (saying why) without the zarr-python 2
/// environment.
#[test]
fn checksummed_v2_stores_read_identically_in_zarr_python_2() {
    let Some(zarr2) = anscombe_testkit::python_zarr2() else {
        println!("skipped: no zarr-python 2 environment (.venv-zarr2, ANSCOMBE_PYTHON_ZARR2)");
        return;
    };
    let dir = scratch("zarr2-crc32c");
    let shape = vec![6u64, 20, 24];
    let samples: Vec<u16> = (0..2880u32).map(|i| (i * 7919 % 4000) as u16).collect();
    let samples = Samples::U16(samples);
    let blosc = Compressor::BloscZstd {
        level: 5,
        shuffle: BloscShuffle::Bit,
    };
    for (name, compressor) in [("none", Compressor::None), ("blosc", blosc)] {
        let store = dir.join(format!("{name}.zarr"));
        let spec = StoreSpec {
            chunk_shape: Some(vec![4, 20, 24]),
            compressor,
            format: ZarrFormat::V2,
            ..StoreSpec::new(shape.clone(), DataType::U16, None)
        };
        write_store(&store, &spec, &samples, false).expect("write");
        let zarray: Value =
            serde_json::from_slice(&std::fs::read(store.join(".zarray")).expect("zarray"))
                .expect("json");
        assert_eq!(
            zarray["filters"],
            json!([{"id": "crc32c", "location": "end"}])
        );
        let read = dir.join(format!("{name}.npy"));
        let script = "import sys, numpy, zarr\n\
                      numpy.save(sys.argv[2], zarr.open_array(sys.argv[1], mode='r')[:])";
        let output = Command::new(&zarr2)
            .args(["-c", script])
            .arg(&store)
            .arg(&read)
            .output()
            .expect("start python");
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let theirs = NpyArray::read(&read).expect("npy");
        assert_eq!(theirs.samples, samples, "{name}");
        // A flipped byte in the first chunk: zarr-python 2 fails too.
        let chunk = store.join("0.0.0");
        let mut bytes = std::fs::read(&chunk).expect("chunk");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(&chunk, bytes).expect("damage");
        let output = Command::new(&zarr2)
            .args(["-c", script])
            .arg(&store)
            .arg(&read)
            .output()
            .expect("start python");
        assert!(!output.status.success(), "{name}: a damaged chunk read");
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
