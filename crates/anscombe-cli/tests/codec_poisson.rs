//! `anscombe codec` with poisson-numcodecs' `poisson` codec on the reference's fixture cases
//! (lookup and formula mode, and a configuration whose data the reference wrapped), and
//! `pyramid` taking only the codecs it can write.

use std::path::{Path, PathBuf};
use std::process::Output;

use anscombe_io::npy::NpyArray;
use anscombe_testkit::{fixture, stderr, text};

fn anscombe(args: &[&str]) -> Output {
    anscombe_testkit::run(env!("CARGO_BIN_EXE_anscombe"), args)
}

fn scratch(name: &str) -> PathBuf {
    anscombe_testkit::scratch(&format!("codec-poisson-{name}"))
}

fn read(path: &Path) -> NpyArray {
    NpyArray::read(path).expect("npy")
}

/// The `--codec` argument of a fixture case's configuration.
fn codec_of(case: &str) -> String {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("poisson-numcodecs/manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    let entry = manifest["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == case)
        .expect("the case is listed");
    serde_json::json!({"name": "poisson", "configuration": entry["config"]}).to_string()
}

/// Runs `args`, which must fail saying `needle`.
fn says(args: &[&str], needle: &str) {
    let output = anscombe(args);
    assert!(!output.status.success(), "{args:?}");
    assert!(stderr(&output).contains(needle), "{}", stderr(&output));
}

/// Runs `anscombe codec <direction>` and returns the output array and stderr.
fn codec(direction: &str, codec: &str, input: &Path, output: &Path) -> (NpyArray, String) {
    let run = anscombe(&[
        "codec",
        direction,
        "--codec",
        codec,
        &text(input),
        &text(output),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    (read(output), stderr(&run))
}

#[test]
fn both_modes_encode_and_decode_as_the_reference() {
    let dir = scratch("modes");
    for case in [
        "lut_i16_movie_g20_d50_u8",
        "nolookup_f32_in_f32_out_g20_d50",
    ] {
        let folder = fixture(&format!("poisson-numcodecs/cases/{case}"));
        let configuration = codec_of(case);
        let codes = dir.join(format!("{case}-codes.npy"));
        let (encoded, _) = codec("encode", &configuration, &folder.join("input.npy"), &codes);
        assert_eq!(encoded, read(&folder.join("encoded.npy")), "{case} codes");
        let values = dir.join(format!("{case}-values.npy"));
        let (decoded, said) = codec("decode", &configuration, &codes, &values);
        assert_eq!(decoded, read(&folder.join("decoded.npy")), "{case} values");
        assert!(!said.contains("quirk"), "{case}: {said}");
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn wrapped_data_decode_as_stored_and_say_so_but_encoding_is_refused() {
    let dir = scratch("quirk");
    let case = "quirk_lut_wrap_u8_g1p78_d0";
    let folder = fixture(&format!("poisson-numcodecs/cases/{case}"));
    let configuration = codec_of(case);
    let values = dir.join("values.npy");
    let (decoded, said) = codec(
        "decode",
        &configuration,
        &folder.join("encoded.npy"),
        &values,
    );
    assert_eq!(decoded, read(&folder.join("decoded.npy")));
    assert_eq!(said.matches("quirk (a)").count(), 1, "{said}");

    let codes = dir.join("codes.npy");
    let refused = anscombe(&[
        "codec",
        "encode",
        "--codec",
        &configuration,
        &text(&folder.join("input.npy")),
        &text(&codes),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("refusing"),
        "{}",
        stderr(&refused)
    );
    assert!(stderr(&refused).contains("uint16"), "{}", stderr(&refused));
    assert!(!codes.exists(), "nothing written when refused");

    // Decoding goes to decoded_dtype only, and takes only codes of encoded_dtype.
    let other = text(&dir.join("other.npy"));
    let decode = ["codec", "decode", "--codec", &configuration];
    let encoded = text(&folder.join("encoded.npy"));
    says(
        &[&decode[..], &["--dtype", "uint16", &encoded, &other]].concat(),
        "poisson decodes to its decoded_dtype, int16",
    );
    let input = text(&folder.join("input.npy"));
    says(
        &[&decode[..], &[&input, &other]].concat(),
        "this configuration uses uint8 codes",
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn unknown_codec_names_list_the_three() {
    let dir = scratch("unknown");
    says(
        &[
            "codec",
            "encode",
            "--codec",
            r#"{"name": "zstd", "configuration": {}}"#,
            &text(&fixture(
                "poisson-numcodecs/cases/lut_i16_movie_g20_d50_u8/input.npy",
            )),
            &text(&dir.join("out.npy")),
        ],
        "expected anscombe-v1, anscombe-transform or poisson",
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn pyramid_lists_only_the_codecs_it_writes() {
    says(
        &["pyramid", "--codec", "poisson", "in.tif", "out.zarr"],
        "[possible values: anscombe-transform, anscombe-v1]",
    );
}
