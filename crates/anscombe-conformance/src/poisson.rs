//! The poisson-numcodecs family's codec cases and Zarr V2 stores (codec id `poisson`).
//!
//! Every case must match the reference exactly where the reference produced something:
//! tables, codes (through the reference-faithful encoder), decoded values and the manifest's
//! probes. Beyond that, a quirk case must show its quirks in our analysis (reproduced on
//! decode) and be refused by the writing encoder, and an `error_*` case must fail with our
//! own error, before any data is touched. The calibration runs of the same folder are checked
//! in `poisson_calibration`.

use std::collections::BTreeSet;
use std::path::Path;

use anscombe_core::{DataType, PoissonCodec, PoissonEncoderError, PoissonParams, Quirk};
use anscombe_io::{Element, Samples};
use serde_json::Value;

use crate::fixture::{array, number, same, text};
use crate::report::{Outcome, Verdict};

/// One outcome per codec case of the manifest.
pub(crate) fn check_cases(folder: &Path, manifest: &Value) -> Vec<Outcome> {
    manifest["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|case| {
            let name = case["name"].as_str().unwrap_or("(unnamed)");
            Outcome::new("codec", name, check_case(folder, case))
        })
        .collect()
}

/// One outcome per store of the manifest.
pub(crate) fn check_stores(_folder: &Path, manifest: &Value) -> Vec<Outcome> {
    manifest["stores"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| Outcome {
            kind: "store".into(),
            name: entry["name"].as_str().unwrap_or("(unnamed)").into(),
            verdict: Verdict::NotChecked(
                "the poisson zarrs plugin is not in this build yet".into(),
            ),
        })
        .collect()
}

/// The configuration of a case (or a store's `codec_config`), with our parse errors.
pub(crate) fn params(config: &Value) -> Result<PoissonParams, String> {
    let name = |key: &str, default: &'static str| config[key].as_str().unwrap_or(default);
    Ok(PoissonParams {
        dark_signal: number(config, "dark_signal")?,
        photon_sensitivity: number(config, "photon_sensitivity")?,
        encoded_dtype: PoissonParams::parse_encoded_dtype(name("encoded_dtype", "uint8"))
            .map_err(|e| e.to_string())?,
        decoded_dtype: PoissonParams::parse_decoded_dtype(name("decoded_dtype", "int16"))
            .map_err(|e| e.to_string())?,
        beta: config["beta"].as_f64().unwrap_or(0.5),
        use_lookup: config["use_lookup"].as_bool().unwrap_or(true),
    })
}

fn check_case(folder: &Path, case: &Value) -> Result<String, String> {
    if let Some(expected) = case.get("expect_error") {
        return check_error(folder, case, expected);
    }
    let codec = PoissonCodec::new(&params(&case["config"])?).map_err(|e| e.to_string())?;
    let mut notes = Vec::new();
    if case["files"].get("forward_table").is_some() {
        notes.push(check_tables(folder, case, &codec)?);
    }
    if text(case, "api")? == "codec" {
        let input = array(folder, case, "input")?.samples;
        let codes = reference_codes(&codec, &input)?;
        same("codes", &codes, &array(folder, case, "encoded")?.samples)?;
        notes.push(format!("{} codes", codes.len()));
    }
    let encoded = array(folder, case, "encoded")?.samples;
    let decoded = decode(&codec, &encoded)?;
    same(
        "decoded",
        &decoded,
        &array(folder, case, "decoded")?.samples,
    )?;
    notes.push(format!("{} decoded values", decoded.len()));
    let probes = check_probes(case, &codec)?;
    if probes > 0 {
        notes.push(format!("{probes} probes"));
    }
    let mut note = format!("{} exact; ", notes.join(", "));
    note.push_str(&check_quirks(folder, case, &codec)?);
    Ok(note)
}

/// The reference's own tables: the forward table in the encoded type, the `int64` inverse.
fn check_tables(folder: &Path, case: &Value, codec: &PoissonCodec) -> Result<String, String> {
    let table = codec
        .lookup_table()
        .ok_or("the case has tables but the codec is in formula mode")?;
    let forward = array(folder, case, "forward_table")?.samples;
    let ours: Vec<f64> = table.forward().iter().map(|&c| f64::from(c)).collect();
    same(
        "forward table",
        &Samples::from_f64(forward.element(), &ours),
        &forward,
    )?;
    let inverse = array(folder, case, "inverse_table")?.samples;
    same(
        "inverse table",
        &Samples::I64(table.inverse().to_vec()),
        &inverse,
    )?;
    Ok(format!(
        "tables of {} and {} entries",
        forward.len(),
        inverse.len()
    ))
}

/// The manifest's probes: the reference's code and decoded value of chosen inputs and codes.
fn check_probes(case: &Value, codec: &PoissonCodec) -> Result<usize, String> {
    let probes = &case["probes"];
    let mut count = 0;
    for probe in probes["inputs"].as_array().into_iter().flatten() {
        let input = number(probe, "input")?;
        let code = codec.reference_code(input);
        if f64::from(code) != number(probe, "code")? {
            return Err(format!("probe: input {input} gets code {code}"));
        }
        let value = codec.decoded_value(u64::from(code));
        if value != number(probe, "decoded")? {
            return Err(format!("probe: input {input} decodes to {value}"));
        }
        count += 1;
    }
    for probe in probes["codes"].as_array().into_iter().flatten() {
        let code = number(probe, "code")?;
        let value = codec.decoded_value(code as u64);
        if value != number(probe, "decoded")? {
            return Err(format!("probe: code {code} decodes to {value}"));
        }
        count += 1;
    }
    Ok(count)
}

/// The quirks the manifest names are in our analysis (decoding reproduces them), and writing
/// refuses exactly the configurations our analysis finds a quirk in.
fn check_quirks(folder: &Path, case: &Value, codec: &PoissonCodec) -> Result<String, String> {
    let ours: BTreeSet<&str> = codec.quirks().iter().map(Quirk::letter).collect();
    let theirs: BTreeSet<&str> = case["quirk_kinds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !theirs.is_subset(&ours) {
        return Err(format!(
            "quirks {theirs:?} expected, our analysis finds {ours:?}"
        ));
    }
    let input_type = match case["files"].get("input") {
        Some(_) => sample_type(&array(folder, case, "input")?.samples)?,
        None => codec.params().decoded_dtype,
    };
    let refusal = match codec.encoder(input_type) {
        Ok(_) => None,
        Err(PoissonEncoderError::Refused(refusal)) => Some(refusal),
        Err(other) => return Err(format!("encoder: {other}")),
    };
    let list = |set: &BTreeSet<&str>| set.iter().copied().collect::<Vec<_>>().join(", ");
    let Some(refusal) = refusal else {
        // Lookup mode's quirks do not depend on the input type: any of them must refuse.
        if !theirs.is_empty() || (codec.params().use_lookup && !ours.is_empty()) {
            return Err(format!(
                "quirks {ours:?} found, but writing was not refused"
            ));
        }
        return Ok("no quirk; writing accepted".into());
    };
    let reach = if theirs.is_empty() {
        "a quirk of the configuration that the case's data do not reach".to_string()
    } else {
        format!("as the manifest says: {}", list(&theirs))
    };
    Ok(format!(
        "quirks {} reproduced on decode ({reach}); encode refused: {refusal}",
        list(&ours)
    ))
}

/// A case on which the reference raises: ours fails too, with our own message and before any
/// data is encoded or decoded.
fn check_error(folder: &Path, case: &Value, expected: &Value) -> Result<String, String> {
    let raised = format!(
        "{}: {}",
        text(expected, "type")?,
        text(expected, "message")?
    );
    let ours = match params(&case["config"]) {
        Err(message) => format!("configuration refused: {message}"),
        Ok(params) => match PoissonCodec::new(&params) {
            Err(e) => format!("configuration refused: {e}"),
            Ok(codec) => {
                let input = sample_type(&array(folder, case, "input")?.samples)?;
                match codec.reference_encoder(input) {
                    Err(e) => format!("{input} samples refused before encoding: {e}"),
                    Ok(_) => return Err(format!("the reference raised {raised}; ours accepted")),
                }
            }
        },
    };
    let reference_message = text(expected, "message")?;
    if ours.contains(reference_message) || ours.contains(text(expected, "type")?) {
        return Err(format!("our error repeats the reference's: {ours}"));
    }
    Ok(format!("the reference raised {raised}; {ours}"))
}

fn sample_type(samples: &Samples) -> Result<DataType, String> {
    samples
        .element()
        .data_type()
        .ok_or_else(|| format!("{} samples", samples.element()))
}

/// The codes the reference stores for `input`.
pub(crate) fn reference_codes(codec: &PoissonCodec, input: &Samples) -> Result<Samples, String> {
    let encoder = codec
        .reference_encoder(sample_type(input)?)
        .map_err(|e| e.to_string())?;
    let mut codes = Samples::zeros(Element::from(encoder.code_type()), input.len());
    let (Some(samples), Some(room)) = (input.sample_slice(), codes.code_slice_mut()) else {
        return Err(format!("{} input", input.element()));
    };
    encoder.encode(samples, room).map_err(|e| e.to_string())?;
    Ok(codes)
}

/// What decoding returns, in `decoded_dtype`.
pub(crate) fn decode(codec: &PoissonCodec, codes: &Samples) -> Result<Samples, String> {
    let mut out = Samples::zeros(Element::from(codec.params().decoded_dtype), codes.len());
    let (Some(codes), Some(room)) = (codes.code_slice(), out.sample_slice_mut()) else {
        return Err(format!(
            "codes of type {} cannot be decoded",
            codes.element()
        ));
    };
    codec.decode(codes, room).map_err(|e| e.to_string())?;
    Ok(out)
}
