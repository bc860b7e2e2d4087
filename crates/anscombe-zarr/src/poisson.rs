//! The `poisson` array-to-array codec: what zarr-python with poisson-numcodecs 0.1.0 writes and
//! reads (numcodecs id `poisson`), in both of its modes, so the stores written with it open here
//! and read back bit for bit as zarr-python reads them, defects included.
//!
//! Each sample becomes the code of its level on an Anscombe curve in steps of `beta` noise
//! standard deviations, through the reference's tables (lookup mode, the default) or its
//! formulas (`use_lookup: false`); decoding indexes the reference's inverse table (or evaluates
//! its inverse formula) and casts with NumPy's wrap-around. The tables and the analysis of the
//! reference's defects ([`Quirk`]) are built once per codec instance, when the configuration
//! is read, and shared by every chunk. Reading reproduces the defects; writing refuses every
//! configuration with which the reference would lose data ([`PoissonEncoderError`], naming the
//! defect and the nearest safe choice). The array's data type must be `decoded_dtype`.
//!
//! ### Specification
//! `spec/poisson-codec.md` (sections 1 and 3 for the metadata, 4 to 7 for the codec).
//!
//! ### Codec `name` (Zarr V3)
//! - `poisson`
//!
//! ### Codec `id` (Zarr V2)
//! - `poisson`, in `filters` (followed by the compressor)
//!
//! ### Codec `configuration` example ([`PoissonConfiguration`])
//! ```rust
//! # let JSON = r#"
//! {
//!     "dark_signal": 50,
//!     "photon_sensitivity": 20.0,
//!     "encoded_dtype": "uint8",
//!     "decoded_dtype": "int16",
//!     "beta": 0.5,
//!     "use_lookup": true
//! }
//! # "#;
//! # use anscombe_zarr::poisson::{PoissonConfiguration, PoissonZarrCodec};
//! # let configuration: PoissonConfiguration = serde_json::from_str(JSON).unwrap();
//! # let codec = PoissonZarrCodec::new(configuration).unwrap();
//! # assert!(codec.quirks().is_empty());
//! ```

use std::sync::{Arc, OnceLock};

use anscombe_core::{
    DataType, DecodeError, EncodeError, PoissonCodec, PoissonEncoder, PoissonEncoderError,
    PoissonParams, Quirk,
};
use serde::{Deserialize, Serialize};
use serde_json::Number;
use zarrs::array::codec::api::CodecError;
use zarrs::array::{DataType as ZarrDataType, FillValue};
use zarrs::plugin::ZarrVersion;

use crate::configuration::{float_number, level_number};
use crate::data_type::{sample_type, zarrs_data_type};
use crate::elementwise::{ChunkCodec, zarrs_codec};
use crate::error::AnscombeZarrError;
use crate::view::{code_ne_bytes, decode_with, encode_with, first_value, with_samples};

/// The codec's Zarr V3 name and Zarr V2 id.
pub const NAME: &str = "poisson";

/// Configuration of `poisson`, key for key as poisson-numcodecs 0.1.0's `get_config` writes it
/// (spec section 1). Absent keys take the reference's defaults; numbers keep their written
/// form (`50` stays `50`, `50.0` stays `50.0`), and unknown keys are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoissonConfiguration {
    /// Level at zero photons.
    pub dark_signal: Number,
    /// Levels per photon.
    pub photon_sensitivity: Number,
    /// Code type: `uint8` (the default), `uint16` or `uint32`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded_dtype: Option<String>,
    /// Type decoding returns, which must be the array's data type; `int16` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded_dtype: Option<String>,
    /// Code step in noise standard deviations; 0.5 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<Number>,
    /// Lookup mode (`true`, the default) or formula mode (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_lookup: Option<bool>,
}

fn number(field: &'static str, value: &Number) -> Result<f64, AnscombeZarrError> {
    value.as_f64().ok_or(AnscombeZarrError::NotANumber(field))
}

impl PoissonConfiguration {
    /// The parameters, with the reference's defaults for absent keys, validated as far as
    /// they can be without building tables.
    ///
    /// # Errors
    /// [`AnscombeZarrError::NotANumber`] for a number JSON cannot give as a double,
    /// [`AnscombeZarrError::Poisson`] for unknown type names and values out of range.
    pub fn params(&self) -> Result<PoissonParams, AnscombeZarrError> {
        let defaults = PoissonParams::new(0.0, 1.0);
        let params = PoissonParams {
            dark_signal: number("dark_signal", &self.dark_signal)?,
            photon_sensitivity: number("photon_sensitivity", &self.photon_sensitivity)?,
            encoded_dtype: match self.encoded_dtype.as_deref() {
                None => defaults.encoded_dtype,
                Some(name) => PoissonParams::parse_encoded_dtype(name)?,
            },
            decoded_dtype: match self.decoded_dtype.as_deref() {
                None => defaults.decoded_dtype,
                Some(name) => PoissonParams::parse_decoded_dtype(name)?,
            },
            beta: match &self.beta {
                None => defaults.beta,
                Some(beta) => number("beta", beta)?,
            },
            use_lookup: self.use_lookup.unwrap_or(defaults.use_lookup),
        };
        params.validate()?;
        Ok(params)
    }

    /// The configuration of parameters, with every key written (as the reference writes it).
    pub fn from_params(params: &PoissonParams) -> Self {
        PoissonConfiguration {
            dark_signal: level_number(params.dark_signal),
            photon_sensitivity: float_number(params.photon_sensitivity),
            encoded_dtype: Some(params.encoded_dtype.name().into()),
            decoded_dtype: Some(params.decoded_dtype.name().into()),
            beta: Some(float_number(params.beta)),
            use_lookup: Some(params.use_lookup),
        }
    }
}

/// Why a chunk cannot go through the `poisson` codec.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PoissonChunkError {
    /// The array's data type is not the configuration's `decoded_dtype` (zarr-python would
    /// reinterpret the decoded bytes as the array's type).
    #[error(
        "the array's data type is {array}, but this poisson configuration decodes to {decoded}: \
         decoded_dtype must be the array's data type"
    )]
    DataType {
        /// The array's data type, as zarrs names it.
        array: String,
        /// The configuration's `decoded_dtype`.
        decoded: DataType,
    },
    /// Writing is refused with this configuration (the reference would lose data).
    #[error(transparent)]
    Encoder(#[from] PoissonEncoderError),
    /// A sample cannot be encoded (NaN, say, in formula mode).
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The codes cannot be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// The `poisson` codec (see the [module](self)): the configuration as written, and the core
/// codec with its tables, built once and shared by clones.
#[derive(Debug, Clone)]
pub struct PoissonZarrCodec {
    configuration: PoissonConfiguration,
    codec: Arc<PoissonCodec>,
    /// The checked encoder for `decoded_dtype` samples, built on the first chunk written.
    encoder: Arc<OnceLock<Result<Arc<PoissonEncoder>, PoissonEncoderError>>>,
}

zarrs_codec!(PoissonZarrCodec, "poisson", PoissonConfiguration, |codec| {
    codec
});

impl PoissonZarrCodec {
    /// The codec from its configuration: validates it and builds the tables.
    ///
    /// # Errors
    /// [`AnscombeZarrError`] for a value out of range, an unknown type name, or a configuration
    /// nothing can be read with (a lookup table with a single code).
    pub fn new(configuration: PoissonConfiguration) -> Result<Self, AnscombeZarrError> {
        let params = configuration.params()?;
        let codec = PoissonCodec::new(&params)?;
        Ok(PoissonZarrCodec {
            configuration,
            codec: Arc::new(codec),
            encoder: Arc::default(),
        })
    }

    /// The codec from parameters (its configuration writes every key).
    ///
    /// # Errors
    /// As [`PoissonZarrCodec::new`].
    pub fn from_params(params: &PoissonParams) -> Result<Self, AnscombeZarrError> {
        Self::new(PoissonConfiguration::from_params(params))
    }

    /// The configuration, as written in metadata.
    pub fn configuration(&self) -> &PoissonConfiguration {
        &self.configuration
    }

    /// The parameters.
    pub fn params(&self) -> &PoissonParams {
        self.codec.params()
    }

    /// The core codec (tables, reference arithmetic).
    pub fn core(&self) -> &PoissonCodec {
        &self.codec
    }

    /// The reference's defects that data stored with this configuration carry; reading
    /// reproduces them, so say them once to whoever reads.
    pub fn quirks(&self) -> &[Quirk] {
        self.codec.quirks()
    }

    /// The configuration as a JSON object (the same keys in Zarr V2 and V3).
    pub fn configuration_json(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(&self.configuration) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        }
    }

    /// The array data type this codec takes and returns: `decoded_dtype`.
    pub fn data_type(&self) -> ZarrDataType {
        zarrs_data_type(self.params().decoded_dtype)
    }

    /// The code type as a zarrs data type.
    pub fn code_data_type(&self) -> ZarrDataType {
        zarrs_data_type(self.params().encoded_dtype.data_type())
    }

    /// Checks that an array data type is `decoded_dtype`.
    ///
    /// # Errors
    /// [`PoissonChunkError::DataType`] when it is not.
    pub fn check_data_type(&self, data_type: &ZarrDataType) -> Result<DataType, PoissonChunkError> {
        let decoded = self.params().decoded_dtype;
        match sample_type(data_type) {
            Some(t) if t == decoded => Ok(t),
            _ => Err(PoissonChunkError::DataType {
                array: data_type.to_string(),
                decoded,
            }),
        }
    }

    /// The checked encoder for writing (built once, on first use).
    ///
    /// # Errors
    /// The core's [`PoissonEncoderError`]: the reference would lose data with this
    /// configuration, or cannot encode its `decoded_dtype` samples.
    pub fn encoder(&self) -> Result<Arc<PoissonEncoder>, PoissonEncoderError> {
        self.encoder
            .get_or_init(|| {
                self.codec
                    .encoder(self.params().decoded_dtype)
                    .map(Arc::new)
            })
            .clone()
    }

    /// The code zarr-python stores for the fill value (the padding of partial edge chunks):
    /// the reference's code of it.
    ///
    /// # Errors
    /// [`PoissonChunkError::DataType`] when `data_type` is not `decoded_dtype`.
    pub fn fill_code(
        &self,
        data_type: &ZarrDataType,
        fill: &FillValue,
    ) -> Result<u32, PoissonChunkError> {
        let sample = self.check_data_type(data_type)?;
        let value = with_samples(sample, fill.as_ne_bytes(), first_value)
            .ok()
            .flatten()
            .unwrap_or(0.0);
        Ok(self.codec.reference_code(value))
    }

    /// Encodes the native-endian samples of one chunk into native-endian codes, with the
    /// checked encoder.
    ///
    /// # Errors
    /// A [`CodecError`] naming the codec: a refused configuration, a sample that cannot be
    /// encoded, the wrong data type, bytes that are not whole samples.
    pub fn encode_bytes(
        &self,
        samples: &[u8],
        data_type: &ZarrDataType,
    ) -> Result<Vec<u8>, CodecError> {
        let sample = self.check_data_type(data_type).map_err(error)?;
        let encoder = self.encoder().map_err(error)?;
        encode_with(
            samples,
            sample,
            self.params().encoded_dtype,
            |samples, codes| encoder.encode(samples, codes),
        )?
        .map_err(|e| error(PoissonChunkError::from(e)))
    }

    /// Decodes the native-endian codes of one chunk into native-endian samples, as the
    /// reference decodes them (bit for bit, quirks included).
    ///
    /// # Errors
    /// A [`CodecError`] naming the codec: the wrong data type, or bytes that are not whole
    /// codes.
    pub fn decode_bytes(
        &self,
        codes: &[u8],
        data_type: &ZarrDataType,
    ) -> Result<Vec<u8>, CodecError> {
        let sample = self.check_data_type(data_type).map_err(error)?;
        decode_with(
            codes,
            self.params().encoded_dtype,
            sample,
            |codes, samples| self.codec.decode(codes, samples),
        )?
        .map_err(|e| error(PoissonChunkError::from(e)))
    }
}

/// A chunk error as zarrs' error, naming the codec.
fn error(error: impl std::fmt::Display) -> CodecError {
    CodecError::Other(format!("{NAME}: {error}"))
}

impl ChunkCodec for PoissonZarrCodec {
    /// The same keys in Zarr V2 and V3.
    fn chunk_configuration(&self, _: ZarrVersion) -> serde_json::Map<String, serde_json::Value> {
        self.configuration_json()
    }

    fn chunk_encoded_data_type(
        &self,
        decoded_data_type: &ZarrDataType,
    ) -> Result<ZarrDataType, CodecError> {
        self.check_data_type(decoded_data_type).map_err(error)?;
        Ok(self.code_data_type())
    }

    fn chunk_encoded_fill_value(
        &self,
        data_type: &ZarrDataType,
        fill: &FillValue,
    ) -> Result<FillValue, CodecError> {
        let code = self.fill_code(data_type, fill).map_err(error)?;
        // `reference_code` already wraps into the code type, so the casts keep every bit.
        Ok(FillValue::new(code_ne_bytes(
            self.params().encoded_dtype,
            i64::from(code),
        )))
    }

    fn encode_chunk(
        &self,
        samples: &[u8],
        data_type: &ZarrDataType,
    ) -> Result<Vec<u8>, CodecError> {
        self.encode_bytes(samples, data_type)
    }

    fn decode_chunk(&self, codes: &[u8], data_type: &ZarrDataType) -> Result<Vec<u8>, CodecError> {
        self.decode_bytes(codes, data_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zarrs::array::codec::api::ArrayToArrayCodecTraits;
    use zarrs::array::data_type;

    fn codec(json: serde_json::Value) -> PoissonZarrCodec {
        PoissonZarrCodec::new(serde_json::from_value(json).expect("json")).expect("valid")
    }

    fn everyday() -> PoissonZarrCodec {
        codec(serde_json::json!({"dark_signal": 50, "photon_sensitivity": 20.0}))
    }

    #[test]
    fn configuration_keeps_written_numbers_and_fills_defaults() {
        let json = r#"{"id": "poisson", "dark_signal": 50, "photon_sensitivity": 20.0, "encoded_dtype": "uint8", "decoded_dtype": "int16", "beta": 0.5, "use_lookup": true}"#;
        let c: PoissonConfiguration = serde_json::from_str(json).expect("json");
        assert_eq!(
            serde_json::to_string(&c).expect("json"),
            r#"{"dark_signal":50,"photon_sensitivity":20.0,"encoded_dtype":"uint8","decoded_dtype":"int16","beta":0.5,"use_lookup":true}"#
        );
        let bare: PoissonConfiguration =
            serde_json::from_str(r#"{"dark_signal": 50.0, "photon_sensitivity": 20}"#)
                .expect("json");
        assert_eq!(bare.params().expect("valid"), c.params().expect("valid"));
        let written = PoissonConfiguration::from_params(&PoissonParams::new(86.3, 25.0));
        assert_eq!(written.use_lookup, Some(true));
        assert_eq!(
            written.params().expect("valid"),
            PoissonParams::new(86.3, 25.0)
        );
    }

    #[test]
    fn bad_configurations_are_typed_errors() {
        let bad = |json: serde_json::Value| {
            let c: PoissonConfiguration = serde_json::from_value(json).expect("json");
            PoissonZarrCodec::new(c).expect_err("invalid")
        };
        let e = bad(
            serde_json::json!({"dark_signal": 0, "photon_sensitivity": 1, "encoded_dtype": "int8"}),
        );
        assert!(matches!(e, AnscombeZarrError::Poisson(_)), "{e}");
        assert!(e.to_string().contains("int8"));
        let e = bad(
            serde_json::json!({"dark_signal": 0, "photon_sensitivity": 1, "decoded_dtype": "float32"}),
        );
        assert!(e.to_string().contains("lookup mode"), "{e}");
        let e = bad(serde_json::json!({"dark_signal": 0, "photon_sensitivity": 0}));
        assert!(e.to_string().contains("photon_sensitivity"), "{e}");
        let e = bad(serde_json::json!({"dark_signal": 0, "photon_sensitivity": 1, "beta": 0}));
        assert!(e.to_string().contains("beta"), "{e}");
        assert!(
            serde_json::from_value::<PoissonConfiguration>(
                serde_json::json!({"dark_signal": "x", "photon_sensitivity": 1})
            )
            .is_err()
        );
    }

    #[test]
    fn tables_are_built_once_per_configuration() {
        let first = everyday();
        let clone = first.clone();
        assert!(std::ptr::eq(first.core(), clone.core()));
        let a = first.encoder().expect("accepted");
        let b = clone.encoder().expect("accepted");
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn decodes_and_encodes_as_the_reference() {
        let c = everyday();
        let samples: Vec<i16> = vec![50, 54, 1_000, 32_767, -5];
        let codes = c
            .encode_bytes(bytemuck::cast_slice(&samples), &data_type::int16())
            .expect("encode");
        assert_eq!(codes, [0, 1, 25, 159, 0]);
        let back = c.decode_bytes(&codes, &data_type::int16()).expect("decode");
        let back: Vec<i16> = bytemuck::pod_collect_to_vec(&back);
        assert_eq!(back, [0, 55, 982, 32_623, 0]);
        // Codes past the table read its last entry.
        let back = c.decode_bytes(&[200], &data_type::int16()).expect("decode");
        assert_eq!(bytemuck::pod_collect_to_vec::<u8, i16>(&back), [32_623]);
    }

    #[test]
    fn writing_is_refused_where_the_reference_loses_data_and_reading_is_not() {
        // The reference test-suite's parameters: codes wrap past 255 (quirk a).
        let c = codec(serde_json::json!({"dark_signal": 0, "photon_sensitivity": 1.0}));
        assert!(c.quirks().iter().any(|q| q.letter() == "a"));
        assert!(matches!(c.encoder(), Err(PoissonEncoderError::Refused(_))));
        let e = c
            .encode_bytes(&[0, 0], &data_type::int16())
            .expect_err("refused");
        assert!(e.to_string().starts_with("poisson: refusing"), "{e}");
        // Reading still reproduces the reference: code 1 is rank 1, which is code 2's entry.
        let back = c
            .decode_bytes(&[0, 1], &data_type::int16())
            .expect("decode");
        let expected: Vec<i16> = [0u64, 1]
            .iter()
            .map(|&code| c.core().decoded_value(code) as i16)
            .collect();
        assert_eq!(bytemuck::pod_collect_to_vec::<u8, i16>(&back), expected);
    }

    #[test]
    fn the_array_type_must_be_decoded_dtype() {
        let c = everyday();
        let e = c
            .check_data_type(&data_type::uint16())
            .expect_err("mismatch");
        assert!(matches!(
            e,
            PoissonChunkError::DataType {
                decoded: DataType::I16,
                ..
            }
        ));
        assert!(c.decode_bytes(&[0, 1], &data_type::uint16()).is_err());
        assert!(c.encoded_data_type(&data_type::float32()).is_err());
        assert_eq!(
            c.encoded_data_type(&data_type::int16()).expect("int16"),
            data_type::uint8()
        );
        assert!(
            c.decode_bytes(&[0, 1, 2], &data_type::int16())
                .is_ok_and(|b| b.len() == 6)
        );
    }

    #[test]
    fn fill_values_become_the_reference_code() {
        let c = everyday();
        let fill = c
            .encoded_fill_value(&data_type::int16(), &FillValue::from(1_000i16))
            .expect("fill");
        assert_eq!(fill.as_ne_bytes(), [25]);
        let wide = codec(
            serde_json::json!({"dark_signal": 50, "photon_sensitivity": 2.5, "encoded_dtype": "uint16"}),
        );
        let fill = wide
            .encoded_fill_value(&data_type::int16(), &FillValue::from(-1i16))
            .expect("fill");
        assert_eq!(fill.as_ne_bytes(), 0u16.to_ne_bytes());
        let formula = codec(
            serde_json::json!({"dark_signal": 50, "photon_sensitivity": 20.0, "decoded_dtype": "float32", "use_lookup": false}),
        );
        let nan = formula
            .encoded_fill_value(&data_type::float32(), &FillValue::from(f32::NAN))
            .expect("fill");
        assert_eq!(nan.as_ne_bytes().len(), 1);
    }

    #[test]
    fn formula_mode_refuses_nan_samples() {
        let c = codec(
            serde_json::json!({"dark_signal": 50, "photon_sensitivity": 20.0, "decoded_dtype": "float32", "use_lookup": false}),
        );
        let samples = [100.0f32, f32::NAN];
        let e = c
            .encode_bytes(bytemuck::cast_slice(&samples), &data_type::float32())
            .expect_err("NaN");
        assert!(e.to_string().contains("NaN"), "{e}");
    }
}
