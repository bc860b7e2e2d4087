//! Typed errors: a configuration that cannot work, samples that cannot be encoded, codes that
//! cannot be decoded. Each message says what was wrong and what to choose instead.

use crate::dtype::{CodeType, DataType};

/// A codec configuration that is invalid for any data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The conversion gain is not a finite number above zero.
    #[error(
        "conversion_gain must be a finite number above 0 (levels per photon), got {0}; \
         estimate it with `anscombe calibrate`"
    )]
    Gain(f64),
    /// The zero level is not finite.
    #[error("zero_level must be a finite number (the level at zero photons), got {0}")]
    ZeroLevel(f64),
    /// Beta is outside the range the codec accepts.
    #[error("beta must be in {range}, got {value}")]
    Beta {
        /// The value given.
        value: f64,
        /// The accepted range, as text.
        range: &'static str,
    },
    /// The codes of the whole input range do not fit the chosen code type.
    #[error(
        "codes of {data_type} input reach {max_code}, which does not fit {code_type}; \
         use encoded_dtype {}, or omit encoded_dtype to have it chosen",
        CodeType::narrowest_for(*max_code).map_or("(none: raise the gain)", CodeType::name)
    )]
    CodeOverflow {
        /// The input data type.
        data_type: DataType,
        /// The largest code the input range produces.
        max_code: i64,
        /// The code type requested.
        code_type: CodeType,
    },
    /// The parameters put the codes at the ends of the input beyond any code type.
    #[error(
        "zero_level {zero_level} and conversion_gain {gain} put the codes of {data_type} input \
         beyond any code type; check the calibration"
    )]
    Extreme {
        /// The zero level given.
        zero_level: f64,
        /// The gain given.
        gain: f64,
        /// The input data type.
        data_type: DataType,
    },
    /// A typed codec was asked for a code type other than the one the configuration uses.
    #[error("this configuration encodes {data_type} samples as {expected} codes, not {requested}")]
    CodeTypeMismatch {
        /// The input data type.
        data_type: DataType,
        /// The code type the configuration resolves to.
        expected: CodeType,
        /// The code type asked for.
        requested: CodeType,
    },
    /// No code type is wide enough for the input range.
    #[error(
        "codes of {data_type} input reach {max_code}, more than uint32 holds; \
         the conversion gain {gain} is implausibly small"
    )]
    NoCodeType {
        /// The input data type.
        data_type: DataType,
        /// The largest code the input range produces.
        max_code: i64,
        /// The gain given.
        gain: f64,
    },
}

/// Why anscombe-v1 refuses to encode with a configuration (decoding it still works, by code
/// value). Each is a defect of the reference that would silently corrupt data.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum V1Refusal {
    /// The table's largest code does not fit the encoded dtype; the reference wraps it.
    #[error(
        "anscombe-v1 codes reach {max_code}, which does not fit {code_type}: zarr-python's \
         anscombe-transform 1.0.0 would wrap them and decode them wrongly; use encoded_dtype \
         uint16{}",
        if *max_code > 65_535 { " or a larger gain" } else { "" }
    )]
    Wraps {
        /// Largest code of the table.
        max_code: i64,
        /// The encoded dtype.
        code_type: CodeType,
    },
    /// The table skips codes (gain below about 3.27 levels per photon at beta 0.5); the
    /// reference then decodes by rank and shifts every value above the first gap.
    #[error(
        "with conversion_gain {gain} the anscombe-v1 table skips code {missing}: zarr-python's \
         anscombe-transform 1.0.0 decodes by rank and would shift every value above it; use the \
         anscombe-transform codec, which decodes by code value"
    )]
    Skips {
        /// The gain configured.
        gain: f64,
        /// The first code the table never produces.
        missing: i64,
    },
    /// The table starts below zero (a strongly negative zero level); the reference wraps.
    #[error(
        "with zero_level {zero_level} the anscombe-v1 table starts at code {min_code}, below 0: \
         zarr-python's anscombe-transform 1.0.0 would wrap it; use the anscombe-transform codec"
    )]
    Negative {
        /// The zero level configured.
        zero_level: f64,
        /// The table's first code.
        min_code: i64,
    },
    /// anscombe-v1 encodes integer samples only.
    #[error(
        "anscombe-v1 encodes integer samples only ({0} given: the reference uses samples as \
         table indices); use the anscombe-transform codec for float data"
    )]
    FloatInput(DataType),
}

/// A sample that cannot be encoded.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// NaN or an infinity.
    #[error("sample {index} is {value}: NaN and infinities have no code")]
    NotFinite {
        /// Position in the input slice.
        index: usize,
        /// The sample.
        value: f64,
    },
    /// A float sample above the largest level the code type represents.
    #[error(
        "sample {index} is {value}, above {max_level}, the largest level {code_type} codes \
         represent; use a wider encoded_dtype"
    )]
    AboveRange {
        /// Position in the input slice.
        index: usize,
        /// The sample.
        value: f64,
        /// Largest level with a code.
        max_level: f64,
        /// The code type.
        code_type: CodeType,
    },
    /// The configuration is one anscombe-v1 refuses to encode with.
    #[error(transparent)]
    Refused(#[from] V1Refusal),
    /// Slices of other types than the codec's.
    #[error("this codec encodes {} into {} codes, not {} into {}", expected.0, expected.1, given.0, given.1)]
    TypeMismatch {
        /// The codec's sample and code types.
        expected: (DataType, CodeType),
        /// The slices' sample and code types.
        given: (DataType, CodeType),
    },
    /// Input and output slices differ in length.
    #[error("{inputs} samples but room for {outputs} codes")]
    LengthMismatch {
        /// Samples given.
        inputs: usize,
        /// Codes room given.
        outputs: usize,
    },
}

/// A code that cannot be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A code above the largest one encoding produces, or a negative one (corrupt or foreign
    /// data).
    #[error(
        "code {code} at position {index} is outside the codes (0 to {max_code}) of this \
         configuration: the data are corrupt or were written with other parameters"
    )]
    CodeBeyondTable {
        /// Position in the code slice.
        index: usize,
        /// The code.
        code: i64,
        /// Largest valid code.
        max_code: i64,
    },
    /// Slices of other types than the codec's.
    #[error("this codec decodes {} codes into {}, not {} into {}", expected.1, expected.0, given.1, given.0)]
    TypeMismatch {
        /// The codec's sample and code types.
        expected: (DataType, CodeType),
        /// The slices' sample and code types.
        given: (DataType, CodeType),
    },
    /// Input and output slices differ in length.
    #[error("{inputs} codes but room for {outputs} samples")]
    LengthMismatch {
        /// Codes given.
        inputs: usize,
        /// Samples room given.
        outputs: usize,
    },
}
