//! Errors of the codecs' configurations.

use anscombe_core::{ConfigError, PoissonConfigError};

/// Why a codec configuration was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnscombeZarrError {
    /// The parameters are out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A `poisson` configuration is out of range or names an unknown type.
    #[error(transparent)]
    Poisson(#[from] PoissonConfigError),
    /// A configuration field is not a number.
    #[error("{0} must be a number")]
    NotANumber(&'static str),
    /// `encoded_dtype` names no code type.
    #[error(
        "unknown encoded_dtype {0:?}: expected an integer type of at most 32 bits (uint8, \
         int8, uint16, int16, uint32 or int32)"
    )]
    EncodedDtype(String),
    /// `decoded_dtype` names no supported type.
    #[error("unsupported decoded_dtype {0:?}")]
    DecodedDtype(String),
}
