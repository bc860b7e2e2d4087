//! Codec parameters from the keywords a Python caller gives (`codec="anscombe-v1"`,
//! `encoded_dtype="uint16"`, ...), checked with the messages the CLI and the zarrs plugin give.

use anscombe_core::{
    CodeType, CodecParams, ConfigError, DataType, Identity, TransformParams, V1Params,
};

/// Why keywords do not make a codec.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// A codec name that is neither identity.
    #[error("unknown codec {0:?}: expected \"anscombe-transform\" or \"anscombe-v1\"")]
    Codec(String),
    /// A code type name that is not an integer type of at most 32 bits.
    #[error(
        "encoded_dtype {0:?} is not a code type: expected uint8, int8, uint16, int16, uint32 \
         or int32"
    )]
    EncodedDtype(String),
    /// A sample type name the codecs do not take.
    #[error(
        "{0:?} is not a sample type of the codec: expected uint8, int8, uint16, int16, uint32, \
         int32, float32 or float64"
    )]
    SampleType(String),
    /// anscombe-v1 has no beta.
    #[error(
        "anscombe-v1 always uses beta 0.5 (its metadata has no beta), got {0}; use the \
         anscombe-transform codec for another beta"
    )]
    V1Beta(f64),
    /// A parameter out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// A sample type by its NumPy name.
///
/// # Errors
/// [`ParamsError::SampleType`] for names the codecs do not take.
pub fn sample_type(name: &str) -> Result<DataType, ParamsError> {
    DataType::from_name(name).ok_or_else(|| ParamsError::SampleType(name.into()))
}

/// A code type by its NumPy name.
///
/// # Errors
/// [`ParamsError::EncodedDtype`] for names other than the six code types.
pub fn code_type(name: &str) -> Result<CodeType, ParamsError> {
    CodeType::from_name(name).ok_or_else(|| ParamsError::EncodedDtype(name.into()))
}

/// The keywords of a codec, as the Python API and the codecs' JSON configurations name them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodecKeywords<'a> {
    /// Level at zero photons.
    pub zero_level: f64,
    /// Levels per photon.
    pub conversion_gain: f64,
    /// Code step in noise standard deviations (`anscombe-transform`; 0.5 when absent).
    pub beta: Option<f64>,
    /// Code type (`anscombe-transform`: chosen when absent; `anscombe-v1`: `uint8`).
    pub encoded_dtype: Option<&'a str>,
    /// `anscombe-v1`'s decoded type (`int16` when absent, as the reference).
    pub decoded_dtype: Option<&'a str>,
}

/// The validated parameters of codec `name` with these keywords.
///
/// # Errors
/// [`ParamsError`] for an unknown name or type, or a parameter out of range.
pub fn codec_params(name: &str, keywords: &CodecKeywords<'_>) -> Result<CodecParams, ParamsError> {
    let identity = Identity::from_name(name).ok_or_else(|| ParamsError::Codec(name.into()))?;
    let encoded_dtype = keywords.encoded_dtype.map(code_type).transpose()?;
    let params: CodecParams = match identity {
        Identity::V1 => {
            if let Some(beta) = keywords.beta.filter(|&b| b != 0.5) {
                return Err(ParamsError::V1Beta(beta));
            }
            V1Params {
                encoded_dtype: encoded_dtype.unwrap_or(CodeType::U8),
                decoded_dtype: keywords
                    .decoded_dtype
                    .map(sample_type)
                    .transpose()?
                    .unwrap_or(DataType::I16),
                ..V1Params::new(keywords.zero_level, keywords.conversion_gain)
            }
            .into()
        }
        Identity::Transform => TransformParams {
            beta: keywords.beta.unwrap_or(0.5),
            encoded_dtype,
            ..TransformParams::new(keywords.zero_level, keywords.conversion_gain)
        }
        .into(),
    };
    params.validate()?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keywords(zero_level: f64, conversion_gain: f64) -> CodecKeywords<'static> {
        CodecKeywords {
            zero_level,
            conversion_gain,
            ..CodecKeywords::default()
        }
    }

    #[test]
    fn defaults_follow_each_identity() {
        let CodecParams::V1(v1) = codec_params("anscombe-v1", &keywords(100.0, 40.0)).expect("v1")
        else {
            panic!("v1")
        };
        assert_eq!(
            (v1.encoded_dtype, v1.decoded_dtype),
            (CodeType::U8, DataType::I16)
        );
        let CodecParams::Transform(t) =
            codec_params("anscombe-transform", &keywords(100.0, 40.0)).expect("transform")
        else {
            panic!("transform")
        };
        assert_eq!((t.beta, t.encoded_dtype), (0.5, None));
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let message = |name: &str, k: CodecKeywords<'_>| {
            codec_params(name, &k).expect_err("invalid").to_string()
        };
        assert!(message("anscombe", keywords(0.0, 1.0)).contains("unknown codec"));
        assert!(message("anscombe-transform", keywords(0.0, 0.0)).contains("conversion_gain"));
        assert!(message("anscombe-transform", keywords(f64::NAN, 1.0)).contains("zero_level"));
        let beta = CodecKeywords {
            beta: Some(1.5),
            ..keywords(0.0, 1.0)
        };
        assert!(message("anscombe-transform", beta.clone()).contains("beta"));
        assert!(message("anscombe-v1", beta).contains("always uses beta 0.5"));
        // Signed codes are valid (spec, 2); a 64-bit code type is not.
        let int64 = CodecKeywords {
            encoded_dtype: Some("int64"),
            ..keywords(0.0, 1.0)
        };
        assert!(message("anscombe-transform", int64).contains("int64"));
        assert!(sample_type("complex64").is_err());
    }
}
