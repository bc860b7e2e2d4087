//! The zarrs side of this crate's elementwise array-to-array codecs (`anscombe-v1`,
//! `anscombe-transform`, `poisson`): one macro implements zarrs' codec traits, and the
//! registration, on top of [`ChunkCodec`], so each codec's module says only its name, its
//! configuration type, its chunk operations and its documentation.
//!
//! zarrs changes these traits between minor versions: a zarrs upgrade is a change to this file,
//! `anscombe_context.rs` and `partial.rs` only.

use zarrs::array::codec::api::CodecError;
use zarrs::array::{DataType, FillValue};
use zarrs::plugin::ZarrVersion;

/// What an elementwise codec does with one chunk; [`zarrs_codec`] builds zarrs' traits on it.
pub(crate) trait ChunkCodec {
    /// The configuration written in metadata for a Zarr version.
    fn chunk_configuration(
        &self,
        version: ZarrVersion,
    ) -> serde_json::Map<String, serde_json::Value>;
    /// The codes' data type for an array data type.
    fn chunk_encoded_data_type(&self, data_type: &DataType) -> Result<DataType, CodecError>;
    /// The code of the array's fill value (what later codecs see for a region of fill).
    fn chunk_encoded_fill_value(
        &self,
        data_type: &DataType,
        fill: &FillValue,
    ) -> Result<FillValue, CodecError>;
    /// Native-endian samples of one chunk to native-endian codes.
    fn encode_chunk(&self, samples: &[u8], data_type: &DataType) -> Result<Vec<u8>, CodecError>;
    /// Native-endian codes of one chunk to native-endian samples.
    fn decode_chunk(&self, codes: &[u8], data_type: &DataType) -> Result<Vec<u8>, CodecError>;
}

/// Implements zarrs' codec traits for `$type`, a newtype around
/// [`AnscombeCodec`](crate::AnscombeCodec), and registers it for Zarr V3 and V2 under `$name`;
/// `$configuration` is its configuration type, `$variant` the matching
/// [`AnscombeConfiguration`](crate::AnscombeConfiguration) variant.
macro_rules! elementwise_codec {
    ($type:ident, $name:literal, $configuration:ty, $variant:ident) => {
        impl $type {
            /// The codec from its configuration.
            ///
            /// # Errors
            /// When a parameter is out of range or names an unknown type.
            pub fn new(configuration: $configuration) -> Result<Self, crate::AnscombeZarrError> {
                $crate::AnscombeCodec::from_configuration($crate::AnscombeConfiguration::$variant(
                    configuration,
                ))
                .map($type)
            }

            /// The shared implementation.
            pub fn codec(&self) -> &$crate::AnscombeCodec {
                &self.0
            }
        }

        $crate::elementwise::zarrs_codec!($type, $name, $configuration, |codec| &codec.0);
    };
}

/// Implements zarrs' codec traits for `$type` and registers it for Zarr V3 and V2 under
/// `$name`. `$type::new($configuration)` makes it; `|$this| $chunks` gives its
/// [`ChunkCodec`].
macro_rules! zarrs_codec {
    ($type:ident, $name:literal, $configuration:ty, |$this:ident| $chunks:expr) => {
        const _: () = {
            use std::num::NonZeroU64;
            use std::sync::Arc;

            use zarrs::array::codec::api::{
                ArrayBytes, ArrayCodecTraits, ArrayPartialDecoderTraits, ArrayToArrayCodecTraits,
                Codec, CodecError, CodecMetadataOptions, CodecOptions, CodecPluginV2,
                CodecPluginV3, CodecTraits, CodecTraitsV2, CodecTraitsV3, PartialDecoderCapability,
                PartialEncoderCapability, RecommendedConcurrency,
            };
            use zarrs::array::{DataType, FillValue};
            use zarrs::metadata::Configuration;
            use zarrs::metadata::v2::MetadataV2;
            use zarrs::metadata::v3::MetadataV3;
            use zarrs::plugin::{PluginCreateError, ZarrVersion};

            use $crate::elementwise::ChunkCodec;

    zarrs::plugin::impl_extension_aliases!($type, v3: $name, [], v2: $name, []);

            inventory::submit! { CodecPluginV3::new::<$type>() }
            inventory::submit! { CodecPluginV2::new::<$type>() }

            fn chunks($this: &$type) -> &impl ChunkCodec {
                $chunks
            }

            fn create(configuration: $configuration) -> Result<Codec, PluginCreateError> {
                let codec = $type::new(configuration)
                    .map_err(|e| PluginCreateError::Other(format!("{}: {e}", $name)))?;
                Ok(Codec::ArrayToArray(Arc::new(codec)))
            }

            impl CodecTraitsV3 for $type {
                fn create(metadata: &MetadataV3) -> Result<Codec, PluginCreateError> {
                    create(metadata.to_typed_configuration()?)
                }
            }

            impl CodecTraitsV2 for $type {
                fn create(metadata: &MetadataV2) -> Result<Codec, PluginCreateError> {
                    create(metadata.to_typed_configuration()?)
                }
            }

            impl CodecTraits for $type {
                fn as_any(&self) -> &dyn std::any::Any {
                    self
                }

                fn configuration(
                    &self,
                    version: ZarrVersion,
                    _: &CodecMetadataOptions,
                ) -> Option<Configuration> {
                    Some(Configuration::from(
                        chunks(self).chunk_configuration(version),
                    ))
                }

                fn partial_decoder_capability(&self) -> PartialDecoderCapability {
                    // Elementwise: zarrs' default array-to-array partial decoder decodes only the
                    // requested elements.
                    PartialDecoderCapability {
                        partial_read: true,
                        partial_decode: true,
                    }
                }

                fn partial_encoder_capability(&self) -> PartialEncoderCapability {
                    PartialEncoderCapability {
                        partial_encode: false,
                    }
                }
            }

            impl ArrayCodecTraits for $type {
                fn recommended_concurrency(
                    &self,
                    _: &[NonZeroU64],
                    _: &DataType,
                ) -> Result<RecommendedConcurrency, CodecError> {
                    // A table lookup per element: chunks, not the codec, are the unit of parallelism.
                    Ok(RecommendedConcurrency::new_maximum(1))
                }
            }

            impl ArrayToArrayCodecTraits for $type {
                fn into_dyn(self: Arc<Self>) -> Arc<dyn ArrayToArrayCodecTraits> {
                    self as Arc<dyn ArrayToArrayCodecTraits>
                }

                fn encoded_data_type(
                    &self,
                    decoded_data_type: &DataType,
                ) -> Result<DataType, CodecError> {
                    chunks(self).chunk_encoded_data_type(decoded_data_type)
                }

                fn encoded_fill_value(
                    &self,
                    data_type: &DataType,
                    fill_value: &FillValue,
                ) -> Result<FillValue, CodecError> {
                    chunks(self).chunk_encoded_fill_value(data_type, fill_value)
                }

                fn partial_decoder(
                    self: Arc<Self>,
                    input_handle: Arc<dyn ArrayPartialDecoderTraits>,
                    _shape: &[NonZeroU64],
                    data_type: &DataType,
                    fill_value: &FillValue,
                    _options: &CodecOptions,
                ) -> Result<Arc<dyn ArrayPartialDecoderTraits>, CodecError> {
                    Ok(Arc::new($crate::partial::FillAwarePartialDecoder::new(
                        input_handle,
                        self.into_dyn(),
                        data_type.clone(),
                        fill_value.clone(),
                    )))
                }

                fn encode<'a>(
                    &self,
                    bytes: ArrayBytes<'a>,
                    _shape: &[NonZeroU64],
                    data_type: &DataType,
                    _fill_value: &FillValue,
                    _options: &CodecOptions,
                ) -> Result<ArrayBytes<'a>, CodecError> {
                    let samples = bytes.into_fixed()?;
                    Ok(chunks(self).encode_chunk(&samples, data_type)?.into())
                }

                fn decode<'a>(
                    &self,
                    bytes: ArrayBytes<'a>,
                    _shape: &[NonZeroU64],
                    data_type: &DataType,
                    _fill_value: &FillValue,
                    _options: &CodecOptions,
                ) -> Result<ArrayBytes<'a>, CodecError> {
                    let codes = bytes.into_fixed()?;
                    Ok(chunks(self).decode_chunk(&codes, data_type)?.into())
                }
            }
        };
    };
}

pub(crate) use elementwise_codec;
pub(crate) use zarrs_codec;
