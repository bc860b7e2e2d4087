//! The codec's errors: configurations no reader can use, inputs the reference cannot encode,
//! and configurations writing refuses because the reference would lose data with them.

use alloc::string::String;

use crate::dtype::DataType;
use crate::poisson::quirks::{Quirk, SafeChoice};

/// A configuration that cannot be used at all (neither to read nor to write).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PoissonConfigError {
    /// `dark_signal`, `photon_sensitivity` or `beta` is NaN or infinite.
    #[error("{key} must be a finite number, got {value}")]
    NotFinite {
        /// The configuration key.
        key: &'static str,
        /// The value given.
        value: f64,
    },
    /// `beta` is not above 0 (the reference divides by it).
    #[error("beta must be above 0 (the quantisation step in noise standard deviations), got {0}")]
    Beta(f64),
    /// An `encoded_dtype` other than `uint8`, `uint16` or `uint32`.
    #[error(
        "encoded_dtype {0:?} is not supported: codes are uint8, uint16 or uint32 (signed codes \
         from the middle of the type up make the reference's decoder raise); use uint8, or \
         uint16 when the codes pass 255"
    )]
    EncodedDtype(String),
    /// A `decoded_dtype` outside `int8` .. `float64`.
    #[error(
        "decoded_dtype {0:?} is not supported: use int8, uint8, int16, uint16, int32, uint32, \
         float32 or float64 (the array's data type)"
    )]
    DecodedDtype(String),
    /// Lookup mode with a float `decoded_dtype`: the reference's table spans
    /// `iinfo(decoded_dtype)`, which floats do not have (it raises `ValueError`).
    #[error(
        "lookup mode needs an integer decoded_dtype, got {0}: its table has one entry per \
         level up to the type's largest value; use use_lookup false (the formulas) for float \
         data"
    )]
    LookupFloat(DataType),
    /// Lookup mode with a 32-bit `decoded_dtype`: a table of 2^31 or 2^32 levels.
    #[error(
        "lookup mode with decoded_dtype {0} would need a table of one entry per level up to \
         the type's largest value (over 2^31 entries); use int16 or uint16, or use_lookup false"
    )]
    LookupTooWide(DataType),
    /// Every level of the lookup table has the same code, so the table has no second code to
    /// build its correction from (the reference raises `IndexError`).
    #[error(
        "every level of the lookup table gets code {code} (photon_sensitivity \
         {photon_sensitivity}), so it cannot decode anything; photon_sensitivity must be the \
         camera's levels per photon, a number above 0"
    )]
    SingleCode {
        /// The only code.
        code: u32,
        /// The photon sensitivity given.
        photon_sensitivity: f64,
    },
}

/// Samples of a type the reference cannot encode with this configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PoissonInputError {
    /// Lookup mode indexes its table with the samples, so they must be integers (the reference
    /// raises `IndexError` on floats).
    #[error(
        "lookup mode encodes integer samples only ({0} given: the samples index its table); \
         use use_lookup false for float data"
    )]
    LookupFloatInput(DataType),
    /// The reference clamps samples to the table's last level, a value their type cannot hold
    /// (NumPy 2 raises `OverflowError`).
    #[error(
        "lookup mode with decoded_dtype {decoded} clamps samples to level {top}, which {input} \
         samples cannot hold (the reference raises an overflow error); store the samples as \
         {decoded}"
    )]
    LookupIndexOverflow {
        /// The samples' type.
        input: DataType,
        /// The table's last level.
        top: i64,
        /// The configured `decoded_dtype`.
        decoded: DataType,
    },
}

/// Why a configuration is not written: with it, the reference would lose data.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error(
    "refusing to write with this poisson configuration, whose data the reference would lose \
     ({quirk}); the nearest safe choice is {choice}"
)]
pub struct PoissonRefusal {
    /// The first defect found.
    pub quirk: Quirk,
    /// The nearest configuration without it (checked with the same analysis).
    pub choice: SafeChoice,
}

/// Why an encoder for a sample type cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PoissonEncoderError {
    /// The reference cannot encode samples of this type.
    #[error(transparent)]
    Input(#[from] PoissonInputError),
    /// The reference would lose data with this configuration.
    #[error(transparent)]
    Refused(#[from] PoissonRefusal),
}
