//! Golden files of every format version (`spec/vectors/context/v1`, `.../v2`): each stream
//! decodes to its input array, and encoding the input in the stream's version gives the stream
//! byte for byte. They guard format stability: a change that breaks either fails here, so
//! stores written by earlier builds stay readable and the writer of each version stays fixed.
//!
//! The inputs come from `spec/vectors/context/make_inputs.py` (NumPy; each version's folder
//! holds the same inputs). The streams were written once by the encoder of their version and
//! are only checked since; the spec's own decoder (`tests/spec_decoder.rs`) decodes them too.
//! To add a vector, put its `.npy` in a version's folder and run this test with
//! `ANSCOMBE_BLESS_CONTEXT=1`: it writes the missing streams (never overwrites one).

use std::path::{Path, PathBuf};

use anscombe_entropy::{Dims, Sample, decode, encode_version};

fn vectors(version: u8) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../spec/vectors/context/v{version}"))
}

/// The golden check of one input: decode its stream, re-encode its samples.
fn check<T: Sample + npyz::Deserialize + PartialEq + std::fmt::Debug>(
    version: u8,
    name: &str,
    npy: &[u8],
) {
    let file = npyz::NpyFile::new(npy).expect("npy");
    let shape = file.shape().to_vec();
    let samples: Vec<T> = file.into_vec().expect("samples");
    let dims = Dims::from_shape(&shape);
    let stream_path = vectors(version).join(format!("{name}.actx"));
    let encoded = encode_version(&samples, dims, version).expect("encode");
    if !stream_path.exists() && std::env::var_os("ANSCOMBE_BLESS_CONTEXT").is_some() {
        std::fs::write(&stream_path, &encoded).expect("write a new golden stream");
    }
    let stream =
        std::fs::read(&stream_path).unwrap_or_else(|e| panic!("{}: {e}", stream_path.display()));
    assert_eq!(stream[4], version, "{name}: the stream's version byte");
    assert_eq!(
        decode::<T>(&stream, dims).expect("decode the golden stream"),
        samples,
        "{name}: decoded"
    );
    assert!(
        encoded == stream,
        "{name}: the encoder no longer writes the golden stream of version {version}"
    );
}

/// Checks every vector of `version`'s folder; returns how many there were.
fn check_version(version: u8) -> usize {
    let mut seen = 0;
    for entry in std::fs::read_dir(vectors(version)).expect("vectors") {
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
            "|u1" => check::<u8>(version, &name, &npy),
            "<u2" => check::<u16>(version, &name, &npy),
            other => panic!("{name}: unexpected dtype {other}"),
        }
        seen += 1;
    }
    seen
}

#[test]
fn every_golden_stream_decodes_and_is_reproduced() {
    assert_eq!(check_version(1), 5, "the five vectors of make_inputs.py");
}

/// Format version 2 (sixteen rANS lanes): its streams, made once, guard its stability as
/// version 1's do.
#[test]
fn every_version_2_golden_stream_decodes_and_is_reproduced() {
    assert_eq!(check_version(2), 5, "the five vectors of make_inputs.py");
}
