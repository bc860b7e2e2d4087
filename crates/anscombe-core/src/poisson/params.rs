//! The codec's configuration, under the keys poisson-numcodecs writes.

use alloc::string::ToString;

use crate::dtype::{CodeType, DataType};
use crate::poisson::error::PoissonConfigError;

/// The configuration of the `poisson` codec, field for field as poisson-numcodecs 0.1.0's
/// `get_config` writes it (the V2 filter entry with `"id": "poisson"`, and the V3
/// configuration under the name `poisson`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoissonParams {
    /// Level at zero photons (`dark_signal`).
    pub dark_signal: f64,
    /// Levels per photon (`photon_sensitivity`).
    pub photon_sensitivity: f64,
    /// Type of the codes (`encoded_dtype`); the reference's default is `uint8`.
    pub encoded_dtype: CodeType,
    /// Type decoding returns (`decoded_dtype`); `int16` by default. In lookup mode it also
    /// sets the table's length, `iinfo(decoded_dtype).max + 1` input levels.
    pub decoded_dtype: DataType,
    /// Quantisation step in noise standard deviations (`beta`); 0.5 by default.
    pub beta: f64,
    /// Tables (`true`, the default) or the formulas (`false`); the two give different codes.
    pub use_lookup: bool,
}

impl PoissonParams {
    /// The codec name: V2 filter id and V3 codec name.
    pub const NAME: &'static str = "poisson";

    /// The reference's defaults around a dark signal and a photon sensitivity: `uint8` codes,
    /// `int16` decoded values, beta 0.5, lookup mode.
    pub const fn new(dark_signal: f64, photon_sensitivity: f64) -> Self {
        PoissonParams {
            dark_signal,
            photon_sensitivity,
            encoded_dtype: CodeType::U8,
            decoded_dtype: DataType::I16,
            beta: 0.5,
            use_lookup: true,
        }
    }

    /// `"lookup"` or `"formula"`, for messages.
    pub const fn mode_name(&self) -> &'static str {
        if self.use_lookup { "lookup" } else { "formula" }
    }

    /// Parses an `encoded_dtype` name. Only unsigned codes are taken: the reference cannot
    /// decode signed codes past the type's positive half (`int8` codes 128 and up raise).
    ///
    /// # Errors
    /// [`PoissonConfigError::EncodedDtype`] naming the type and what to use instead.
    pub fn parse_encoded_dtype(name: &str) -> Result<CodeType, PoissonConfigError> {
        CodeType::from_name(name)
            .filter(|code_type| !code_type.is_signed())
            .ok_or_else(|| PoissonConfigError::EncodedDtype(name.to_string()))
    }

    /// Parses a `decoded_dtype` name.
    ///
    /// # Errors
    /// [`PoissonConfigError::DecodedDtype`] for a type outside `int8` .. `float64`.
    pub fn parse_decoded_dtype(name: &str) -> Result<DataType, PoissonConfigError> {
        DataType::from_name(name).ok_or_else(|| PoissonConfigError::DecodedDtype(name.to_string()))
    }

    /// Checks what can be checked without building tables: finite numbers, beta above 0, and
    /// in lookup mode an integer `decoded_dtype` of at most 16 bits.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), PoissonConfigError> {
        for (key, value) in [
            ("dark_signal", self.dark_signal),
            ("photon_sensitivity", self.photon_sensitivity),
            ("beta", self.beta),
        ] {
            if !value.is_finite() {
                return Err(PoissonConfigError::NotFinite { key, value });
            }
        }
        if self.beta <= 0.0 {
            return Err(PoissonConfigError::Beta(self.beta));
        }
        if self.encoded_dtype.is_signed() {
            return Err(PoissonConfigError::EncodedDtype(
                self.encoded_dtype.name().to_string(),
            ));
        }
        if self.use_lookup {
            match self.decoded_dtype {
                DataType::F32 | DataType::F64 => {
                    return Err(PoissonConfigError::LookupFloat(self.decoded_dtype));
                }
                DataType::U32 | DataType::I32 => {
                    return Err(PoissonConfigError::LookupTooWide(self.decoded_dtype));
                }
                DataType::U8 | DataType::I8 | DataType::U16 | DataType::I16 => {}
            }
        }
        Ok(())
    }

    /// Input levels of the lookup table, `0..=table_top()` (`iinfo(decoded_dtype).max`); `None`
    /// for a float decoded type.
    pub fn table_top(&self) -> Option<i64> {
        self.decoded_dtype.integer_range().map(|(_, max)| max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_references() {
        let p = PoissonParams::new(50.0, 20.0);
        assert_eq!(p.encoded_dtype, CodeType::U8);
        assert_eq!(p.decoded_dtype, DataType::I16);
        assert_eq!(p.beta, 0.5);
        assert!(p.use_lookup);
        assert_eq!(p.table_top(), Some(32_767));
        assert!(p.validate().is_ok());
    }

    #[test]
    fn validation_names_the_problem() {
        let bad = |p: PoissonParams| p.validate().expect_err("invalid");
        assert!(matches!(
            bad(PoissonParams::new(f64::NAN, 20.0)),
            PoissonConfigError::NotFinite {
                key: "dark_signal",
                ..
            }
        ));
        assert!(matches!(
            bad(PoissonParams {
                beta: 0.0,
                ..PoissonParams::new(50.0, 20.0)
            }),
            PoissonConfigError::Beta(_)
        ));
        assert!(matches!(
            bad(PoissonParams {
                decoded_dtype: DataType::F32,
                ..PoissonParams::new(50.0, 20.0)
            }),
            PoissonConfigError::LookupFloat(DataType::F32)
        ));
        assert!(matches!(
            bad(PoissonParams {
                decoded_dtype: DataType::I32,
                ..PoissonParams::new(50.0, 20.0)
            }),
            PoissonConfigError::LookupTooWide(DataType::I32)
        ));
        // Formula mode decodes into any type, and takes photon sensitivities the reference
        // accepts without raising (0 and below are reported as quirks, not rejected here).
        let formula = PoissonParams {
            decoded_dtype: DataType::F32,
            use_lookup: false,
            ..PoissonParams::new(50.0, 0.0)
        };
        assert!(formula.validate().is_ok());
        assert!(PoissonParams::parse_encoded_dtype("int8").is_err());
        assert!(matches!(
            bad(PoissonParams {
                encoded_dtype: CodeType::I16,
                ..PoissonParams::new(50.0, 20.0)
            }),
            PoissonConfigError::EncodedDtype(_)
        ));
        assert_eq!(
            PoissonParams::parse_encoded_dtype("uint16"),
            Ok(CodeType::U16)
        );
        assert!(PoissonParams::parse_decoded_dtype("int64").is_err());
    }
}
