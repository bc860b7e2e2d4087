//! The zarrs side of the elementwise codecs (`anscombe-v1`, `anscombe-transform`): one macro
//! implements zarrs' codec traits, and the registration, for a newtype around
//! [`AnscombeCodec`](crate::AnscombeCodec), so each codec's module says only its name, its
//! configuration type and its documentation.
//!
//! zarrs changes these traits between minor versions: a zarrs upgrade is a change to this file,
//! `anscombe_context.rs` and `partial.rs` only.

/// Implements zarrs' codec traits for `$type`, a newtype around
/// [`AnscombeCodec`](crate::AnscombeCodec), and registers it for Zarr V3 and V2 under `$name`;
/// `$configuration` is its configuration type, `$variant` the matching
/// [`AnscombeConfiguration`](crate::AnscombeConfiguration) variant.
macro_rules! elementwise_codec {
    ($type:ident, $name:literal, $configuration:ty, $variant:ident) => {
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

    zarrs::plugin::impl_extension_aliases!($type, v3: $name, [], v2: $name, []);

            inventory::submit! { CodecPluginV3::new::<$type>() }
            inventory::submit! { CodecPluginV2::new::<$type>() }

            impl $type {
                /// The codec from its configuration.
                ///
                /// # Errors
                /// When a parameter is out of range or names an unknown type.
                pub fn new(
                    configuration: $configuration,
                ) -> Result<Self, crate::AnscombeZarrError> {
                    $crate::AnscombeCodec::from_configuration(
                        $crate::AnscombeConfiguration::$variant(configuration),
                    )
                    .map($type)
                }

                /// The shared implementation.
                pub fn codec(&self) -> &$crate::AnscombeCodec {
                    &self.0
                }

                fn create(configuration: $configuration) -> Result<Codec, PluginCreateError> {
                    let codec = Self::new(configuration)
                        .map_err(|e| PluginCreateError::Other(format!("{}: {e}", $name)))?;
                    Ok(Codec::ArrayToArray(Arc::new(codec)))
                }
            }

            impl CodecTraitsV3 for $type {
                fn create(metadata: &MetadataV3) -> Result<Codec, PluginCreateError> {
                    Self::create(metadata.to_typed_configuration()?)
                }
            }

            impl CodecTraitsV2 for $type {
                fn create(metadata: &MetadataV2) -> Result<Codec, PluginCreateError> {
                    Self::create(metadata.to_typed_configuration()?)
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
                    Some(Configuration::from(self.0.configuration_json(version)))
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
                    self.0.encoded_data_type(decoded_data_type)
                }

                fn encoded_fill_value(
                    &self,
                    data_type: &DataType,
                    fill_value: &FillValue,
                ) -> Result<FillValue, CodecError> {
                    self.0.encoded_fill_value(data_type, fill_value)
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
                    Ok(self.0.encode_bytes(&samples, data_type)?.into())
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
                    Ok(self.0.decode_bytes(&codes, data_type)?.into())
                }
            }
        };
    };
}

pub(crate) use elementwise_codec;
