//! The anscombe-transform family: codec cases, Zarr stores, calibration runs.

use std::path::Path;

use anscombe_core::{
    AnyCodec, CodeRule, CodeType, CodecParams, ConfigError, DataType, DecodeError, EncodeError,
    Identity, TransformParams, V1Params, V1Refusal,
};
use anscombe_io::{Element, Samples};
use serde_json::Value;

use crate::fixture::{array, number, same, text};
use crate::report::{Outcome, Report};

pub(crate) fn check(folder: &Path, manifest: &Value) -> Report {
    let mut report = Report::default();
    for case in manifest["cases"].as_array().into_iter().flatten() {
        let name = case["name"].as_str().unwrap_or("(unnamed)");
        report
            .outcomes
            .push(Outcome::new("codec", name, check_case(folder, case)));
    }
    for store in manifest["stores"].as_array().into_iter().flatten() {
        let name = store["name"].as_str().unwrap_or("(unnamed)");
        report
            .outcomes
            .push(Outcome::new("store", name, check_store(folder, store)));
    }
    for case in manifest["calibration"].as_array().into_iter().flatten() {
        let name = case["name"].as_str().unwrap_or("(unnamed)");
        report.outcomes.push(Outcome::new(
            "calibration",
            name,
            check_calibration(folder, case),
        ));
    }
    report
}

/// Why our side of a case stopped, with the stage and kind the vectors name.
#[derive(Debug)]
enum Failure {
    Config(ConfigError),
    UnknownEncodedDtype(String),
    Encode(EncodeError),
    Decode(DecodeError),
    Case(String),
}

impl Failure {
    /// `(stage, kind)` as in the manifest's `expect_error`.
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            Failure::Config(ConfigError::Gain(_)) => ("config", "gain"),
            Failure::Config(ConfigError::ZeroLevel(_)) => ("config", "zero_level"),
            Failure::Config(ConfigError::Beta { .. }) => ("config", "beta"),
            Failure::Config(ConfigError::CodeOverflow { .. } | ConfigError::NoCodeType { .. }) => {
                ("config", "code_overflow")
            }
            Failure::Config(_) => ("config", "other"),
            Failure::UnknownEncodedDtype(_) => ("config", "encoded_dtype"),
            Failure::Encode(EncodeError::NotFinite { .. }) => ("encode", "not_finite"),
            Failure::Encode(EncodeError::AboveRange { .. }) => ("encode", "above_range"),
            Failure::Encode(_) => ("encode", "other"),
            Failure::Decode(DecodeError::CodeBeyondTable { .. }) => ("decode", "code_beyond"),
            Failure::Decode(_) => ("decode", "other"),
            Failure::Case(_) => ("case", "other"),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Config(e) => e.fmt(f),
            Failure::UnknownEncodedDtype(name) => write!(f, "unknown encoded_dtype {name:?}"),
            Failure::Encode(e) => e.fmt(f),
            Failure::Decode(e) => e.fmt(f),
            Failure::Case(message) => f.write_str(message),
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Case(message)
    }
}

/// A case's codec: its parameters and the sample type decoding returns (the reference's
/// `decoded_dtype` for anscombe-v1, the sample type for anscombe-transform).
struct CaseCodec {
    params: CodecParams,
    decoded_type: DataType,
}

fn case_codec(case: &Value) -> Result<CaseCodec, Failure> {
    let config = &case["config"];
    let code_type = |key: &str| -> Result<Option<CodeType>, Failure> {
        config[key].as_str().map_or(Ok(None), |name| {
            CodeType::from_name(name)
                .map(Some)
                .ok_or_else(|| Failure::UnknownEncodedDtype(name.to_string()))
        })
    };
    let zero_level = number(config, "zero_level")?;
    let conversion_gain = number(config, "conversion_gain")?;
    let beta = config["beta"].as_f64().unwrap_or(0.5);
    let data_type = |key: &str, within: &Value| -> Result<DataType, Failure> {
        let name = text(within, key)?;
        DataType::from_name(name).ok_or_else(|| Failure::Case(format!("{key} {name}")))
    };
    if case["codec"].as_str() == Some(Identity::Transform.name()) {
        let params = TransformParams {
            zero_level,
            conversion_gain,
            beta,
            encoded_dtype: code_type("encoded_dtype")?,
        };
        return Ok(CaseCodec {
            params: params.into(),
            decoded_type: data_type("sample_dtype", case)?,
        });
    }
    let decoded_type = data_type("decoded_dtype", config)?;
    let params = V1Params {
        zero_level,
        conversion_gain,
        encoded_dtype: code_type("encoded_dtype")?.unwrap_or(CodeType::U8),
        decoded_dtype: decoded_type,
        beta,
    };
    Ok(CaseCodec {
        params: params.into(),
        decoded_type,
    })
}

fn check_case(folder: &Path, case: &Value) -> Result<String, String> {
    if let Some(expected) = case
        .get("expect_error")
        .filter(|e| e.get("stage").is_some())
    {
        return check_expected_failure(folder, case, expected);
    }
    let codec = case_codec(case).map_err(|e| e.to_string())?;
    if case.get("expect_error").is_some() {
        return check_reference_error(folder, case, &codec);
    }
    if case["quirk"].as_bool() == Some(true) {
        return check_quirk(folder, case, &codec);
    }
    match text(case, "api")? {
        "codec" => check_round_trip(folder, case, &codec),
        "codec_decode_only" | "decode_only" => {
            let codes = array(folder, case, "encoded")?;
            let ours = decode(&codec, &codes.samples).map_err(|e| e.to_string())?;
            same("decoded", &ours, &array(folder, case, "decoded")?.samples)?;
            Ok(format!("{} codes decode exactly", codes.samples.len()))
        }
        "lut_functions" => {
            let note = check_round_trip(folder, case, &codec)?;
            Ok(format!("{note}; {}", check_tables(folder, case, &codec)?))
        }
        other => Err(format!("unknown api {other}")),
    }
}

/// A vector that must fail at a given stage with a given kind of error.
fn check_expected_failure(folder: &Path, case: &Value, expected: &Value) -> Result<String, String> {
    let wanted = (text(expected, "stage")?, text(expected, "kind")?);
    let outcome = case_codec(case).and_then(|codec| {
        if case["api"].as_str() == Some("decode_only") {
            decode(&codec, &array(folder, case, "encoded")?.samples)
        } else {
            encode(&codec, &array(folder, case, "input")?.samples)
        }
    });
    match outcome {
        Err(failure) if failure.kind() == wanted => {
            Ok(format!("{} error as specified: {failure}", wanted.0))
        }
        Err(failure) => Err(format!(
            "expected a {wanted:?} error, got {:?}: {failure}",
            failure.kind()
        )),
        Ok(_) => Err(format!("expected a {wanted:?} error, got none")),
    }
}

/// Encode the input and decode the reference's codes: both exact.
fn check_round_trip(folder: &Path, case: &Value, codec: &CaseCodec) -> Result<String, String> {
    let input = array(folder, case, "input")?;
    let encoded = array(folder, case, "encoded")?;
    same(
        "codes",
        &encode(codec, &input.samples).map_err(|e| e.to_string())?,
        &encoded.samples,
    )?;
    let decoded = decode(codec, &encoded.samples).map_err(|e| e.to_string())?;
    same(
        "decoded",
        &decoded,
        &array(folder, case, "decoded")?.samples,
    )?;
    Ok(format!(
        "{} codes and decoded values exact",
        input.samples.len()
    ))
}

/// The reference's own tables (`make_anscombe_lookup`, `make_inverse_lookup`).
fn check_tables(folder: &Path, case: &Value, codec: &CaseCodec) -> Result<String, String> {
    let rule = CodeRule::new(&codec.params, codec.decoded_type).map_err(|e| e.to_string())?;
    let forward = array(folder, case, "forward_lut")?.samples;
    let codes: Vec<f64> = (0..forward.len() as i64)
        .map(|level| rule.code_at(level) as f64)
        .collect();
    same(
        "forward table",
        &Samples::from_f64(forward.element(), &codes),
        &forward,
    )?;
    // The reference indexes its inverse table by rank; for a table without gaps rank is code.
    let inverse = array(folder, case, "inverse_lut")?.samples;
    let decoded: Vec<f64> = (0..inverse.len() as i64)
        .map(|code| {
            rule.decoded_value(code)
                .ok_or(format!("code {code} rejected"))
        })
        .collect::<Result<_, _>>()?;
    same(
        "inverse table",
        &Samples::from_f64(inverse.element(), &decoded),
        &inverse,
    )?;
    Ok(format!(
        "tables of {} and {} entries exact",
        forward.len(),
        inverse.len()
    ))
}

/// A reference defect: we refuse to encode, and decode by code value within the error bound
/// where the reference does not.
fn check_quirk(folder: &Path, case: &Value, codec: &CaseCodec) -> Result<String, String> {
    let input = array(folder, case, "input")?.samples;
    let refusal = match encode(codec, &input) {
        Ok(_) => return Err("encoding was not refused".into()),
        Err(failure) => failure.to_string(),
    };
    let rule = CodeRule::new(&codec.params, codec.decoded_type).map_err(|e| e.to_string())?;
    if !matches!(
        rule.refusal(),
        Some(V1Refusal::Wraps { .. } | V1Refusal::Skips { .. })
    ) {
        return Err(format!("refused for another reason: {refusal}"));
    }
    let codes = array(folder, case, "encoded")?.samples;
    let theirs = array(folder, case, "decoded")?.samples.to_f64();
    let ours = decode(codec, &codes).map_err(|e| e.to_string())?.to_f64();
    let (mut checked, mut reference_wrong) = (0, 0);
    for (i, (&level, &code)) in input.to_f64().iter().zip(&codes.to_f64()).enumerate() {
        let level = level.clamp(0.0, 32_767.0);
        if rule.code_at(level as i64) as f64 != code {
            continue; // a wrapped code: its level cannot be recovered by anyone
        }
        let bound = rule.error_bound_photons(level) * rule.curve().gain();
        if (ours[i] - level).abs() > bound {
            return Err(format!(
                "sample {i}: level {level} decodes to {}, beyond the bound",
                ours[i]
            ));
        }
        checked += 1;
        reference_wrong += usize::from((theirs[i] - level).abs() > bound);
    }
    Ok(format!(
        "encoding refused ({refusal}); {checked} samples decode within the bound by code value, \
         where the reference misses it on {reference_wrong}"
    ))
}

/// Inputs the reference cannot encode: integers we encode, floats anscombe-v1 refuses.
fn check_reference_error(folder: &Path, case: &Value, codec: &CaseCodec) -> Result<String, String> {
    let input = array(folder, case, "input")?.samples;
    let raised = case["expect_error"]["type"].as_str().unwrap_or("an error");
    if input.element() == Element::F32 || input.element() == Element::F64 {
        return match encode(codec, &input) {
            Err(Failure::Encode(EncodeError::Refused(V1Refusal::FloatInput(_)))) => Ok(format!(
                "the reference raised {raised}; refused, pointing to anscombe-transform"
            )),
            Err(failure) => Err(format!("refused for another reason: {failure}")),
            Ok(_) => Err("float samples were encoded by anscombe-v1".into()),
        };
    }
    let ours = encode(codec, &input).map_err(|e| e.to_string())?;
    let widened = Samples::I32(input.to_f64().iter().map(|&v| v as i32).collect());
    let reference_path = encode(codec, &widened).map_err(|e| e.to_string())?;
    same("codes of the same values as int32", &ours, &reference_path)?;
    Ok(format!(
        "the reference raised {raised}; encoded, same codes as int32 input"
    ))
}

fn encode(codec: &CaseCodec, input: &Samples) -> Result<Samples, Failure> {
    let data_type = input
        .element()
        .data_type()
        .ok_or(format!("{} input", input.element()))?;
    let any = AnyCodec::new(&codec.params, data_type).map_err(Failure::Config)?;
    let mut codes = Samples::zeros(any.rule().code_type().into(), input.len());
    let (Some(samples), Some(room)) = (input.sample_slice(), codes.code_slice_mut()) else {
        return Err(Failure::Case("unsupported types".into()));
    };
    any.encode(samples, room).map_err(Failure::Encode)?;
    Ok(codes)
}

/// Decodes into the case's decoded type (the reference's `_decode` returns `decoded_dtype`).
fn decode(codec: &CaseCodec, codes: &Samples) -> Result<Samples, Failure> {
    let any = AnyCodec::new(&codec.params, codec.decoded_type).map_err(Failure::Config)?;
    let mut out = Samples::zeros(codec.decoded_type.into(), codes.len());
    let (Some(codes), Some(room)) = (codes.code_slice(), out.sample_slice_mut()) else {
        return Err(Failure::Case(format!(
            "codes of type {} cannot be decoded",
            codes.element()
        )));
    };
    any.decode(codes, room).map_err(Failure::Decode)?;
    Ok(out)
}

/// A Zarr store written by zarr-python: decodes to exactly what zarr-python read back, and our
/// codes of its input are the reference's.
fn check_store(folder: &Path, store: &Value) -> Result<String, String> {
    let path = folder.join(text(store, "store")?);
    let zarr = anscombe_store::open_array(&path).map_err(|e| e.to_string())?;
    let (_, ours) =
        anscombe_store::read_subset(&zarr, &zarr.subset_all()).map_err(|e| e.to_string())?;
    let decoded = array(folder, store, "decoded")?.samples;
    same("decoded store", &ours, &decoded)?;
    let codec = case_codec(&serde_json::json!({"config": store["codec_config"]}))
        .map_err(|e| e.to_string())?;
    let input = array(folder, store, "input")?.samples;
    let codes = encode(&codec, &input).map_err(|e| e.to_string())?;
    same("codes", &codes, &array(folder, store, "encoded")?.samples)?;
    let missing = store["missing_chunks"].as_array().map_or(0, Vec::len);
    Ok(format!(
        "{} values exact through zarrs ({missing} missing chunk(s) read as the fill value); codes exact",
        decoded.len()
    ))
}

/// The reference's photon-transfer fit: intensity range, counts and variances exact (to float
/// rounding), gain and zero level within 1e-4 relative of scikit-learn's L-BFGS-B result.
fn check_calibration(folder: &Path, case: &Value) -> Result<String, String> {
    let movie = array(folder, case, "movie")?;
    let frame = movie.shape.iter().skip(1).product::<usize>().max(1);
    let values = movie.samples.to_f64();
    let mut estimator = anscombe_calibrate::ReferenceEstimator::new();
    for frame_values in values.chunks(frame) {
        estimator
            .push_frame(frame_values)
            .map_err(|e| e.to_string())?;
    }
    let gamma = number(case, "count_weight_gamma")?;
    let ours = estimator.finish(gamma).map_err(|e| e.to_string())?;
    let expected = &case["result"];
    let range = (ours.min_intensity as f64, ours.max_intensity as f64);
    if range
        != (
            number(expected, "min_intensity")?,
            number(expected, "max_intensity")?,
        )
    {
        return Err(format!(
            "intensity range {range:?} differs from the reference's"
        ));
    }
    let counts = Samples::I64(ours.counts.iter().map(|&c| c as i64).collect());
    same("counts", &counts, &array(folder, case, "counts")?.samples)?;
    let variance = array(folder, case, "variance")?.samples.to_f64();
    let worst = ours
        .variance
        .iter()
        .zip(&variance)
        .map(|(a, b)| ((a - b) / b).abs())
        .fold(0.0, f64::max);
    if worst > 1e-12 {
        return Err(format!("variances differ by up to {worst:e} relative"));
    }
    let relative =
        |ours: f64, key: &str| number(expected, key).map(|theirs| ((ours - theirs) / theirs).abs());
    let gain_error = relative(ours.conversion_gain, "conversion_gain")?;
    let zero_error = relative(ours.zero_level, "zero_level")?;
    if gain_error > 1e-4 || zero_error > 1e-4 {
        return Err(format!(
            "gain {} (relative error {gain_error:.1e}), zero level {} ({zero_error:.1e}): beyond 1e-4",
            ours.conversion_gain, ours.zero_level
        ));
    }
    let theirs_outliers = array(folder, case, "huber_outliers")?.samples.to_f64();
    let flips = ours
        .huber
        .outliers
        .iter()
        .zip(&theirs_outliers)
        .filter(|&(&a, &b)| a != (b != 0.0))
        .count();
    Ok(format!(
        "range, {} counts and variances exact; gain {:.6} ({gain_error:.1e} rel.), zero {:.4} ({zero_error:.1e} rel.); \
         Huber outlier flags differ on {flips} of {}",
        ours.counts.len(),
        ours.conversion_gain,
        ours.zero_level,
        theirs_outliers.len()
    ))
}
