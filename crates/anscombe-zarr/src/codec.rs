//! The implementation behind both elementwise codecs (`anscombe-v1`, `anscombe-transform`):
//! parameters, tables cached per data type, and the byte-level encode and decode zarrs calls
//! for every chunk.

use std::sync::{Arc, OnceLock};

use anscombe_core::{AnyCodec, CodecParams, ConfigError, DataType, Identity};
use zarrs::array::codec::api::CodecError;
use zarrs::array::{DataType as ZarrDataType, FillValue};
use zarrs::plugin::ZarrVersion;

use crate::configuration::AnscombeConfiguration;
use crate::data_type::{sample_type, zarrs_data_type};
use crate::elementwise::ChunkCodec;
use crate::error::AnscombeZarrError;
use crate::view::{code_ne_bytes, decode_with, encode_with, first_value, with_samples};

/// The Anscombe array-to-array codec (either identity), ready to encode and decode chunks.
///
/// The tables for a data type are built the first time a chunk of that type passes through,
/// then shared by every later chunk and thread.
#[derive(Debug)]
pub struct AnscombeCodec {
    configuration: AnscombeConfiguration,
    params: CodecParams,
    /// One resolved codec per sample type, in the order of [`DataType::ALL`].
    resolved: [OnceLock<Result<Arc<AnyCodec>, ConfigError>>; 8],
}

impl Clone for AnscombeCodec {
    fn clone(&self) -> Self {
        AnscombeCodec {
            configuration: self.configuration.clone(),
            params: self.params,
            resolved: Default::default(),
        }
    }
}

impl AnscombeCodec {
    /// A codec from its JSON configuration.
    ///
    /// # Errors
    /// [`AnscombeZarrError`] for parameters out of range or unknown type names.
    pub fn from_configuration(
        configuration: AnscombeConfiguration,
    ) -> Result<Self, AnscombeZarrError> {
        let params = configuration.params()?;
        Ok(AnscombeCodec {
            configuration,
            params,
            resolved: Default::default(),
        })
    }

    /// A codec from parameters.
    ///
    /// # Errors
    /// [`AnscombeZarrError::Config`] for parameters out of range.
    pub fn new(params: CodecParams) -> Result<Self, AnscombeZarrError> {
        // Checked before the JSON form, which has no NaN or infinity (they would read as 0).
        params.validate()?;
        Self::from_configuration(AnscombeConfiguration::from_params(&params))
    }

    /// The identity (which name the codec is written under).
    pub fn identity(&self) -> Identity {
        self.params.identity()
    }

    /// The parameters.
    pub fn params(&self) -> &CodecParams {
        &self.params
    }

    /// The configuration, as written in metadata.
    pub fn configuration(&self) -> &AnscombeConfiguration {
        &self.configuration
    }

    /// The JSON configuration for a Zarr version. Zarr V2 `anscombe-v1` keeps only the fields
    /// zarr-python's V2 class reads (spec section 9.2).
    pub fn configuration_json(
        &self,
        version: ZarrVersion,
    ) -> serde_json::Map<String, serde_json::Value> {
        let value = match &self.configuration {
            AnscombeConfiguration::V1(c) if version == ZarrVersion::V2 => {
                serde_json::json!({"zero_level": c.zero_level, "conversion_gain": c.conversion_gain})
            }
            AnscombeConfiguration::V1(c) => serde_json::to_value(c).unwrap_or_default(),
            AnscombeConfiguration::Transform(c) => serde_json::to_value(c).unwrap_or_default(),
        };
        match value {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        }
    }

    /// The codec resolved for one array data type (tables built on first use).
    ///
    /// # Errors
    /// [`CodecError::UnsupportedDataType`] for a type the codec does not take, or the
    /// configuration error for this type (a code type too narrow, say).
    pub fn resolve(&self, data_type: &ZarrDataType) -> Result<Arc<AnyCodec>, CodecError> {
        let sample_type = sample_type(data_type).ok_or_else(|| {
            CodecError::UnsupportedDataType(data_type.clone(), self.identity().name().into())
        })?;
        let slot = DataType::ALL
            .iter()
            .position(|d| *d == sample_type)
            .unwrap_or(0);
        self.resolved[slot]
            .get_or_init(|| AnyCodec::new(&self.params, sample_type).map(Arc::new))
            .clone()
            .map_err(|e| self.error(e))
    }

    /// The code type for an array data type, as a zarrs data type.
    ///
    /// # Errors
    /// As [`AnscombeCodec::resolve`].
    pub fn encoded_data_type(&self, data_type: &ZarrDataType) -> Result<ZarrDataType, CodecError> {
        Ok(zarrs_data_type(
            self.resolve(data_type)?.rule().code_type().data_type(),
        ))
    }

    /// The code of the fill value (0 when it has none, e.g. NaN): what codecs after this one
    /// see for a chunk region that holds only the fill value.
    ///
    /// # Errors
    /// As [`AnscombeCodec::resolve`].
    pub fn encoded_fill_value(
        &self,
        data_type: &ZarrDataType,
        fill: &FillValue,
    ) -> Result<FillValue, CodecError> {
        let codec = self.resolve(data_type)?;
        let rule = codec.rule();
        let value = with_samples(rule.data_type(), fill.as_ne_bytes(), |samples| {
            first_value(samples)
        })?;
        let code = value.and_then(|v| rule.encode_value(v).ok()).unwrap_or(0);
        let code = code.clamp(0, rule.code_type().max_code());
        Ok(FillValue::new(code_ne_bytes(rule.code_type(), code)))
    }

    /// Encodes the native-endian samples of one chunk into native-endian codes.
    ///
    /// # Errors
    /// A [`CodecError`] that names the codec and says why (NaN, a refused anscombe-v1
    /// configuration, bytes that are not whole samples).
    pub fn encode_bytes(
        &self,
        samples: &[u8],
        data_type: &ZarrDataType,
    ) -> Result<Vec<u8>, CodecError> {
        let codec = self.resolve(data_type)?;
        let rule = codec.rule();
        encode_with(
            samples,
            rule.data_type(),
            rule.code_type(),
            |samples, codes| codec.encode(samples, codes),
        )?
        .map_err(|e| self.error(e))
    }

    /// Decodes the native-endian codes of one chunk into native-endian samples.
    ///
    /// # Errors
    /// A [`CodecError`] for truncated code bytes or (anscombe-transform) codes beyond the table.
    pub fn decode_bytes(
        &self,
        codes: &[u8],
        data_type: &ZarrDataType,
    ) -> Result<Vec<u8>, CodecError> {
        let codec = self.resolve(data_type)?;
        let rule = codec.rule();
        decode_with(
            codes,
            rule.code_type(),
            rule.data_type(),
            |codes, samples| codec.decode(codes, samples),
        )?
        .map_err(|e| self.error(e))
    }

    fn error(&self, error: impl std::fmt::Display) -> CodecError {
        CodecError::Other(format!("{}: {error}", self.identity().name()))
    }
}

impl ChunkCodec for AnscombeCodec {
    fn chunk_configuration(
        &self,
        version: ZarrVersion,
    ) -> serde_json::Map<String, serde_json::Value> {
        self.configuration_json(version)
    }

    fn chunk_encoded_data_type(
        &self,
        data_type: &ZarrDataType,
    ) -> Result<ZarrDataType, CodecError> {
        self.encoded_data_type(data_type)
    }

    fn chunk_encoded_fill_value(
        &self,
        data_type: &ZarrDataType,
        fill: &FillValue,
    ) -> Result<FillValue, CodecError> {
        self.encoded_fill_value(data_type, fill)
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
    use anscombe_core::{TransformParams, V1Params};
    use zarrs::array::data_type;

    #[test]
    fn misaligned_bytes_go_through_a_copy() {
        let codec = AnscombeCodec::new(TransformParams::new(100.0, 40.0).into()).expect("valid");
        let samples: Vec<u16> = vec![0, 100, 1000, 65_535];
        let mut padded = vec![0u8];
        padded.extend(samples.iter().flat_map(|s| s.to_ne_bytes()));
        let aligned = codec
            .encode_bytes(bytemuck::cast_slice(&samples), &data_type::uint16())
            .expect("encode");
        let shifted = codec
            .encode_bytes(&padded[1..], &data_type::uint16())
            .expect("encode");
        assert_eq!(aligned, shifted);
        let odd = codec.encode_bytes(&padded[1..6], &data_type::uint16());
        assert!(odd.is_err_and(|e| e.to_string().contains("truncated")));
    }

    #[test]
    fn tables_are_built_once_per_type() {
        let codec = AnscombeCodec::new(V1Params::new(100.0, 40.0).into()).expect("valid");
        let first = codec.resolve(&data_type::int16()).expect("int16");
        let again = codec.resolve(&data_type::int16()).expect("int16");
        assert!(Arc::ptr_eq(&first, &again));
        assert!(matches!(
            codec.resolve(&data_type::int64()),
            Err(CodecError::UnsupportedDataType(..))
        ));
    }

    #[test]
    fn fill_values_encode_by_value() {
        let codec = AnscombeCodec::new(V1Params::new(100.0, 40.0).into()).expect("valid");
        let fill = codec
            .encoded_fill_value(&data_type::uint16(), &FillValue::from(0u16))
            .expect("fill");
        assert_eq!(fill.as_ne_bytes(), [0]);
        let codec = AnscombeCodec::new(TransformParams::new(0.0, 1.0).into()).expect("valid");
        let nan = codec
            .encoded_fill_value(&data_type::float32(), &FillValue::from(f32::NAN))
            .expect("fill");
        assert_eq!(nan.as_ne_bytes(), [0, 0]);
    }
}
