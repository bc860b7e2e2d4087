//! The codecs' JSON configurations (Zarr V3 `configuration`, or the Zarr V2 fields beside
//! `id`), as `spec/anscombe-codec.md` section 9 defines them.
//!
//! Numbers keep the form they were written in (`100` stays `100`, `40.0` stays `40.0`), so
//! metadata we rewrite reads the same in zarr-python. Unknown keys are accepted and ignored.

use anscombe_core::{CodeType, CodecParams, DataType, TransformParams, V1Params};
use serde::{Deserialize, Serialize};
use serde_json::Number;

use crate::error::AnscombeZarrError;

/// Configuration of `anscombe-v1`, as zarr-python's `anscombe-transform` 1.0.0 writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnscombeV1Configuration {
    /// Level at zero photons.
    pub zero_level: Number,
    /// Levels per photon.
    pub conversion_gain: Number,
    /// Code type; `uint8` when absent (always absent in Zarr V2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded_dtype: Option<String>,
    /// Type the reference decodes to before the array's type; `int16` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded_dtype: Option<String>,
}

/// Configuration of `anscombe-transform`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnscombeTransformConfiguration {
    /// Level at zero photons.
    pub zero_level: Number,
    /// Levels per photon.
    pub conversion_gain: Number,
    /// Code step in shot-noise standard deviations, in (0, 1]; 0.5 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<Number>,
    /// Code type; chosen for the array's data type when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded_dtype: Option<String>,
}

/// Either configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum AnscombeConfiguration {
    /// `anscombe-v1`.
    V1(AnscombeV1Configuration),
    /// `anscombe-transform`.
    Transform(AnscombeTransformConfiguration),
}

/// A JSON number for an integral-looking level: written as an integer when it is one, as Python
/// writes `zero_level`.
pub(crate) fn level_number(value: f64) -> Number {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Number::from(value as i64)
    } else {
        float_number(value)
    }
}

/// A JSON number for an `f64` (validated parameters are finite).
pub(crate) fn float_number(value: f64) -> Number {
    Number::from_f64(value).unwrap_or_else(|| Number::from(0))
}

fn number(field: &'static str, value: &Number) -> Result<f64, AnscombeZarrError> {
    value.as_f64().ok_or(AnscombeZarrError::NotANumber(field))
}

fn code_type(name: Option<&str>) -> Result<Option<CodeType>, AnscombeZarrError> {
    name.map(|n| CodeType::from_name(n).ok_or_else(|| AnscombeZarrError::EncodedDtype(n.into())))
        .transpose()
}

impl AnscombeConfiguration {
    /// The configuration of the codec `name` (a V3 `name` or V2 `id`) from its JSON; `None`
    /// when `name` is not an elementwise Anscombe codec.
    ///
    /// # Errors
    /// The JSON error when the configuration does not have the codec's fields.
    pub fn from_json(
        name: &str,
        configuration: serde_json::Value,
    ) -> Option<Result<Self, serde_json::Error>> {
        match name {
            crate::anscombe_v1::NAME => {
                Some(serde_json::from_value(configuration).map(AnscombeConfiguration::V1))
            }
            crate::anscombe_transform::NAME => {
                Some(serde_json::from_value(configuration).map(AnscombeConfiguration::Transform))
            }
            _ => None,
        }
    }

    /// The codec parameters, validated as far as they can be without the array's data type.
    ///
    /// # Errors
    /// [`AnscombeZarrError`] for a number out of range or an unknown data type name.
    pub fn params(&self) -> Result<CodecParams, AnscombeZarrError> {
        let params: CodecParams = match self {
            AnscombeConfiguration::V1(c) => {
                let decoded_dtype = match c.decoded_dtype.as_deref() {
                    None => DataType::I16,
                    Some(name) => DataType::from_name(name)
                        .ok_or_else(|| AnscombeZarrError::DecodedDtype(name.into()))?,
                };
                V1Params {
                    zero_level: number("zero_level", &c.zero_level)?,
                    conversion_gain: number("conversion_gain", &c.conversion_gain)?,
                    encoded_dtype: code_type(c.encoded_dtype.as_deref())?.unwrap_or(CodeType::U8),
                    decoded_dtype,
                    beta: 0.5,
                }
                .into()
            }
            AnscombeConfiguration::Transform(c) => TransformParams {
                zero_level: number("zero_level", &c.zero_level)?,
                conversion_gain: number("conversion_gain", &c.conversion_gain)?,
                beta: c.beta.as_ref().map_or(Ok(0.5), |b| number("beta", b))?,
                encoded_dtype: code_type(c.encoded_dtype.as_deref())?,
            }
            .into(),
        };
        params.validate()?;
        Ok(params)
    }

    /// The configuration of parameters (`decoded_dtype` of anscombe-v1 from the parameters).
    pub fn from_params(params: &CodecParams) -> Self {
        match params {
            CodecParams::V1(p) => AnscombeConfiguration::V1(AnscombeV1Configuration {
                zero_level: level_number(p.zero_level),
                conversion_gain: float_number(p.conversion_gain),
                encoded_dtype: Some(p.encoded_dtype.name().into()),
                decoded_dtype: Some(p.decoded_dtype.name().into()),
            }),
            CodecParams::Transform(p) => {
                AnscombeConfiguration::Transform(AnscombeTransformConfiguration {
                    zero_level: level_number(p.zero_level),
                    conversion_gain: float_number(p.conversion_gain),
                    beta: Some(float_number(p.beta)),
                    encoded_dtype: p.encoded_dtype.map(|c| c.name().into()),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_zarr_python_writes_and_ignores_unknown_keys() {
        let json = r#"{"zero_level": 100, "conversion_gain": 40.0, "encoded_dtype": "uint8",
                       "decoded_dtype": "uint16", "written_by": "someone"}"#;
        let c: AnscombeV1Configuration = serde_json::from_str(json).expect("valid");
        let params = AnscombeConfiguration::V1(c.clone())
            .params()
            .expect("valid");
        assert_eq!(params.conversion_gain(), 40.0);
        assert_eq!(
            serde_json::to_string(&c).expect("json"),
            r#"{"zero_level":100,"conversion_gain":40.0,"encoded_dtype":"uint8","decoded_dtype":"uint16"}"#
        );
    }

    #[test]
    fn configurations_are_found_by_codec_name() {
        let json =
            serde_json::json!({"zero_level": 1, "conversion_gain": 2.0, "id": "anscombe-v1"});
        assert!(matches!(
            AnscombeConfiguration::from_json("anscombe-v1", json.clone()),
            Some(Ok(AnscombeConfiguration::V1(_)))
        ));
        assert!(matches!(
            AnscombeConfiguration::from_json("anscombe-transform", json.clone()),
            Some(Ok(AnscombeConfiguration::Transform(_)))
        ));
        assert!(AnscombeConfiguration::from_json("zstd", json).is_none());
        let missing = serde_json::json!({"zero_level": 1});
        assert!(matches!(
            AnscombeConfiguration::from_json("anscombe-v1", missing),
            Some(Err(_))
        ));
    }

    #[test]
    fn v2_fields_default_like_the_reference() {
        let c: AnscombeV1Configuration =
            serde_json::from_str(r#"{"zero_level": 120, "conversion_gain": 55.0}"#).expect("valid");
        let CodecParams::V1(p) = AnscombeConfiguration::V1(c).params().expect("valid") else {
            panic!("v1")
        };
        assert_eq!(
            (p.encoded_dtype, p.decoded_dtype),
            (CodeType::U8, DataType::I16)
        );
    }

    #[test]
    fn bad_values_are_clear_errors() {
        let bad = |json: &str| {
            let c: AnscombeTransformConfiguration = serde_json::from_str(json).expect("json");
            AnscombeConfiguration::Transform(c)
                .params()
                .expect_err("invalid")
                .to_string()
        };
        assert!(bad(r#"{"zero_level": 0, "conversion_gain": 0}"#).contains("conversion_gain"));
        assert!(bad(r#"{"zero_level": 0, "conversion_gain": -3}"#).contains("conversion_gain"));
        assert!(bad(r#"{"zero_level": 0, "conversion_gain": 3, "beta": 1.5}"#).contains("beta"));
        assert!(
            bad(r#"{"zero_level": 0, "conversion_gain": 3, "encoded_dtype": "int64"}"#)
                .contains("int64")
        );
    }
}
