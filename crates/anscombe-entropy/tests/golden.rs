//! Golden files of format version 1 (`spec/vectors/context/v1`): each stream decodes to its
//! input array, and encoding the input gives the stream byte for byte. A change that breaks
//! either fails here, so stores written by earlier builds stay readable.
//!
//! The inputs come from `spec/vectors/context/make_inputs.py` (NumPy). To add a vector, put its
//! `.npy` there and run this test with `ANSCOMBE_BLESS_CONTEXT=1`: it writes the missing
//! streams (never overwrites one).

use std::path::{Path, PathBuf};

use anscombe_entropy::{Dims, Sample, decode, encode};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors/context/v1")
}

/// The golden check of one input: decode its stream, re-encode its samples.
fn check<T: Sample + npyz::Deserialize + PartialEq + std::fmt::Debug>(name: &str, npy: &[u8]) {
    let file = npyz::NpyFile::new(npy).expect("npy");
    let shape = file.shape().to_vec();
    let samples: Vec<T> = file.into_vec().expect("samples");
    let dims = Dims::from_shape(&shape);
    let stream_path = vectors().join(format!("{name}.actx"));
    let encoded = encode(&samples, dims).expect("encode");
    if !stream_path.exists() && std::env::var_os("ANSCOMBE_BLESS_CONTEXT").is_some() {
        std::fs::write(&stream_path, &encoded).expect("write a new golden stream");
    }
    let stream =
        std::fs::read(&stream_path).unwrap_or_else(|e| panic!("{}: {e}", stream_path.display()));
    assert_eq!(
        decode::<T>(&stream, dims).expect("decode the golden stream"),
        samples,
        "{name}: decoded"
    );
    assert!(
        encoded == stream,
        "{name}: the encoder no longer writes the golden stream"
    );
}

#[test]
fn every_golden_stream_decodes_and_is_reproduced() {
    let mut seen = 0;
    for entry in std::fs::read_dir(vectors()).expect("vectors") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "npy") {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("name")
            .to_string();
        let npy = std::fs::read(&path).expect("read");
        match npyz::NpyFile::new(&npy[..])
            .expect("npy")
            .dtype()
            .descr()
            .trim_matches('\'')
        {
            "|u1" => check::<u8>(&name, &npy),
            "<u2" => check::<u16>(&name, &npy),
            other => panic!("{name}: unexpected dtype {other}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 5, "the five vectors of make_inputs.py");
}
