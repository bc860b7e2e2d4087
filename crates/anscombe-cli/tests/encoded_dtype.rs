//! `--encoded-dtype`: every integer code type of the spec, signed included, chosen narrowest by
//! default and said in the report; signed codes checked against the reference's own vectors.

use std::path::{Path, PathBuf};
use std::process::Output;

use anscombe_io::npy::NpyArray;
use anscombe_testkit::{stderr, stdout, text};

fn anscombe(args: &[&str]) -> Output {
    anscombe_testkit::run(env!("CARGO_BIN_EXE_anscombe"), args)
}

fn scratch(name: &str) -> PathBuf {
    anscombe_testkit::scratch(&format!("encoded-dtype-{name}"))
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/thunder_mouse_2p/mouse_500x64x64_int16.tif")
}

fn spec_case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../spec/vectors/cases")
        .join(name)
}

/// Encodes the bundled movie at the demo's calibration, with `extra` options; the JSON report.
fn encode(store: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["encode", "--gain", "1.47", "--zero-level", "3.31", "--json"];
    let (movie, out) = (text(&sample()), text(store));
    args.extend([movie.as_str(), out.as_str()]);
    args.extend(extra);
    let output = anscombe(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("JSON")
}

fn decode(store: &Path, npy: &Path) -> NpyArray {
    let output = anscombe(&["decode", &text(store), &text(npy)]);
    assert!(output.status.success(), "{}", stderr(&output));
    NpyArray::read(npy).expect("npy")
}

#[test]
fn int16_codes_store_the_same_codes_as_the_chosen_type() {
    let dir = scratch("int16");
    let chosen = dir.join("chosen.zarr");
    let report = encode(&chosen, &[]);
    // int16 samples at 1.47 levels per photon: the highest level's code is above 255.
    assert_eq!(report["codec"]["encoded_dtype"], "uint16", "{report}");
    let choice = report["codec"]["encoded_dtype_choice"]
        .as_str()
        .expect("choice");
    assert!(choice.starts_with("chosen: the narrowest"), "{choice}");

    let signed = dir.join("signed.zarr");
    let report = encode(&signed, &["--encoded-dtype", "int16"]);
    assert_eq!(report["codec"]["encoded_dtype"], "int16", "{report}");
    assert_eq!(report["codec"]["encoded_dtype_choice"], "given");
    assert_eq!(report["sample_error"]["beyond_bound"]["count"], 0);
    let metadata = std::fs::read_to_string(signed.join("zarr.json")).expect("metadata");
    assert!(
        metadata.contains(r#""encoded_dtype": "int16""#),
        "{metadata}"
    );

    // A code is the same number in either type (spec section 5): identical decoded movies.
    assert_eq!(
        decode(&chosen, &dir.join("chosen.npy")),
        decode(&signed, &dir.join("signed.npy"))
    );
    let output = anscombe(&["verify", &text(&sample()), &text(&signed)]);
    assert!(output.status.success(), "{}", stdout(&output));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_code_type_too_narrow_is_refused_naming_the_one_that_fits() {
    let dir = scratch("narrow");
    let store = dir.join("narrow.zarr");
    for (code_type, fits) in [("int8", "uint16"), ("uint8", "uint16")] {
        let output = anscombe(&[
            "encode",
            &text(&sample()),
            &text(&store),
            "--gain",
            "1.47",
            "--zero-level",
            "3.31",
            "--encoded-dtype",
            code_type,
        ]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert!(
            stderr(&output).contains(&format!("does not fit {code_type}"))
                && stderr(&output).contains(&format!("use encoded_dtype {fits}")),
            "{}",
            stderr(&output)
        );
        assert!(!store.exists());
    }
    // poisson-numcodecs cannot decode signed codes: refused before anything is written.
    let output = anscombe(&[
        "encode",
        &text(&sample()),
        &text(&store),
        "--codec",
        "poisson",
        "--gain",
        "20",
        "--zero-level",
        "50",
        "--encoded-dtype",
        "int16",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("int16"), "{}", stderr(&output));
    assert!(!store.exists());
    let output = anscombe(&["encode", "--encoded-dtype", "float32", "a.tif", "b.zarr"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The reference (anscombe-transform 1.0.0) ran on a uint16 ramp with int16 codes and int32
/// decoded values (spec/vectors, made by `cargo xtask fixtures`): the CLI's codec subcommand
/// gives its codes and decoded values exactly.
#[test]
fn uint16_ramp_int16_codes_int32_out_as_the_reference() {
    let dir = scratch("ramp");
    let case = spec_case("v1_u16_ramp_cg4_zl10_enc_i16_dec_i32");
    let codec = r#"{"name": "anscombe-v1", "configuration": {"zero_level": 10, "conversion_gain": 4.0, "encoded_dtype": "int16", "decoded_dtype": "int32"}}"#;
    let (codes, decoded) = (dir.join("codes.npy"), dir.join("decoded.npy"));
    for (command, from, to) in [
        ("encode", case.join("input.npy"), &codes),
        ("decode", codes.clone(), &decoded),
    ] {
        let output = anscombe(&["codec", command, "--codec", codec, &text(&from), &text(to)]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let read = |p: &Path| NpyArray::read(p).expect("npy");
    assert_eq!(read(&codes), read(&case.join("encoded.npy")));
    assert_eq!(read(&decoded), read(&case.join("decoded.npy")));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
