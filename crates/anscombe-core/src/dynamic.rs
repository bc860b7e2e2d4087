//! Codecs whose sample and code types are known only at run time (from metadata or a file).

use crate::codec::Codec;
use crate::dtype::{CodeType, DataType};
use crate::error::{ConfigError, DecodeError, EncodeError};
use crate::params::CodecParams;
use crate::rule::CodeRule;

/// Borrowed samples of any supported type.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)] // one variant per sample type
pub enum SampleSlice<'a> {
    U8(&'a [u8]),
    I8(&'a [i8]),
    U16(&'a [u16]),
    I16(&'a [i16]),
    U32(&'a [u32]),
    I32(&'a [i32]),
    F32(&'a [f32]),
    F64(&'a [f64]),
}

/// Mutably borrowed samples of any supported type.
#[derive(Debug)]
#[allow(missing_docs)] // one variant per sample type
pub enum SampleSliceMut<'a> {
    U8(&'a mut [u8]),
    I8(&'a mut [i8]),
    U16(&'a mut [u16]),
    I16(&'a mut [i16]),
    U32(&'a mut [u32]),
    I32(&'a mut [i32]),
    F32(&'a mut [f32]),
    F64(&'a mut [f64]),
}

/// Borrowed codes of any code type.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)] // one variant per code type
pub enum CodeSlice<'a> {
    U8(&'a [u8]),
    I8(&'a [i8]),
    U16(&'a [u16]),
    I16(&'a [i16]),
    U32(&'a [u32]),
    I32(&'a [i32]),
}

/// Mutably borrowed codes of any code type.
#[derive(Debug)]
#[allow(missing_docs)] // one variant per code type
pub enum CodeSliceMut<'a> {
    U8(&'a mut [u8]),
    I8(&'a mut [i8]),
    U16(&'a mut [u16]),
    I16(&'a mut [i16]),
    U32(&'a mut [u32]),
    I32(&'a mut [i32]),
}

macro_rules! slice_types {
    ($name:ident, $($variant:ident),*) => {
        impl $name<'_> {
            /// The element type.
            pub fn data_type(&self) -> DataType {
                match self { $($name::$variant(_) => DataType::$variant,)* }
            }

            /// The number of samples.
            pub fn len(&self) -> usize {
                match self { $($name::$variant(s) => s.len(),)* }
            }

            /// Whether there are no samples.
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }
    };
}
slice_types!(SampleSlice, U8, I8, U16, I16, U32, I32, F32, F64);
slice_types!(SampleSliceMut, U8, I8, U16, I16, U32, I32, F32, F64);

macro_rules! code_types {
    ($name:ident) => {
        impl $name<'_> {
            /// The code type.
            pub fn code_type(&self) -> CodeType {
                match self {
                    $name::U8(_) => CodeType::U8,
                    $name::I8(_) => CodeType::I8,
                    $name::U16(_) => CodeType::U16,
                    $name::I16(_) => CodeType::I16,
                    $name::U32(_) => CodeType::U32,
                    $name::I32(_) => CodeType::I32,
                }
            }

            /// The number of codes.
            pub fn len(&self) -> usize {
                match self {
                    $name::U8(c) => c.len(),
                    $name::I8(c) => c.len(),
                    $name::U16(c) => c.len(),
                    $name::I16(c) => c.len(),
                    $name::U32(c) => c.len(),
                    $name::I32(c) => c.len(),
                }
            }

            /// Whether there are no codes.
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }
    };
}
code_types!(CodeSlice);
code_types!(CodeSliceMut);

/// Generates [`AnyCodec`] with one variant per (sample, code) type pair.
macro_rules! any_codec {
    ($(($variant:ident, $sample:ident, $s:ty, $code:ident, $c:ty)),* $(,)?) => {
        /// A [`Codec`] for a sample and code type chosen at run time.
        #[derive(Debug, Clone)]
        #[allow(missing_docs)] // one variant per type pair
        pub enum AnyCodec {
            $($variant(Codec<$s, $c>),)*
        }

        impl AnyCodec {
            /// Resolves `params` for `data_type` and builds the codec with the code type the
            /// configuration uses.
            ///
            /// # Errors
            /// [`ConfigError`] for invalid parameters.
            pub fn new(params: &CodecParams, data_type: DataType) -> Result<Self, ConfigError> {
                let rule = CodeRule::new(params, data_type)?;
                Ok(match (data_type, rule.code_type()) {
                    $((DataType::$sample, CodeType::$code) => AnyCodec::$variant(Codec::from_rule(rule)?),)*
                })
            }

            /// The resolved configuration.
            pub fn rule(&self) -> &CodeRule {
                match self { $(AnyCodec::$variant(c) => c.rule(),)* }
            }

            /// Encodes samples into codes.
            ///
            /// # Errors
            /// [`EncodeError::TypeMismatch`] when the slices are not of this codec's types,
            /// otherwise as [`Codec::encode`].
            pub fn encode(&self, samples: SampleSlice<'_>, codes: CodeSliceMut<'_>) -> Result<(), EncodeError> {
                match (self, samples, codes) {
                    $((AnyCodec::$variant(c), SampleSlice::$sample(s), CodeSliceMut::$code(k)) => c.encode(s, k),)*
                    (codec, samples, codes) => Err(EncodeError::TypeMismatch {
                        expected: (codec.rule().data_type(), codec.rule().code_type()),
                        given: (samples.data_type(), codes.code_type()),
                    }),
                }
            }

            /// Decodes codes into samples.
            ///
            /// # Errors
            /// [`DecodeError::TypeMismatch`] when the slices are not of this codec's types,
            /// otherwise as [`Codec::decode`].
            pub fn decode(&self, codes: CodeSlice<'_>, samples: SampleSliceMut<'_>) -> Result<(), DecodeError> {
                match (self, codes, samples) {
                    $((AnyCodec::$variant(c), CodeSlice::$code(k), SampleSliceMut::$sample(s)) => c.decode(k, s),)*
                    (codec, codes, samples) => Err(DecodeError::TypeMismatch {
                        expected: (codec.rule().data_type(), codec.rule().code_type()),
                        given: (samples.data_type(), codes.code_type()),
                    }),
                }
            }
        }
    };
}

any_codec!(
    (U8U8, U8, u8, U8, u8),
    (U8I8, U8, u8, I8, i8),
    (U8U16, U8, u8, U16, u16),
    (U8I16, U8, u8, I16, i16),
    (U8U32, U8, u8, U32, u32),
    (U8I32, U8, u8, I32, i32),
    (I8U8, I8, i8, U8, u8),
    (I8I8, I8, i8, I8, i8),
    (I8U16, I8, i8, U16, u16),
    (I8I16, I8, i8, I16, i16),
    (I8U32, I8, i8, U32, u32),
    (I8I32, I8, i8, I32, i32),
    (U16U8, U16, u16, U8, u8),
    (U16I8, U16, u16, I8, i8),
    (U16U16, U16, u16, U16, u16),
    (U16I16, U16, u16, I16, i16),
    (U16U32, U16, u16, U32, u32),
    (U16I32, U16, u16, I32, i32),
    (I16U8, I16, i16, U8, u8),
    (I16I8, I16, i16, I8, i8),
    (I16U16, I16, i16, U16, u16),
    (I16I16, I16, i16, I16, i16),
    (I16U32, I16, i16, U32, u32),
    (I16I32, I16, i16, I32, i32),
    (U32U8, U32, u32, U8, u8),
    (U32I8, U32, u32, I8, i8),
    (U32U16, U32, u32, U16, u16),
    (U32I16, U32, u32, I16, i16),
    (U32U32, U32, u32, U32, u32),
    (U32I32, U32, u32, I32, i32),
    (I32U8, I32, i32, U8, u8),
    (I32I8, I32, i32, I8, i8),
    (I32U16, I32, i32, U16, u16),
    (I32I16, I32, i32, I16, i16),
    (I32U32, I32, i32, U32, u32),
    (I32I32, I32, i32, I32, i32),
    (F32U8, F32, f32, U8, u8),
    (F32I8, F32, f32, I8, i8),
    (F32U16, F32, f32, U16, u16),
    (F32I16, F32, f32, I16, i16),
    (F32U32, F32, f32, U32, u32),
    (F32I32, F32, f32, I32, i32),
    (F64U8, F64, f64, U8, u8),
    (F64I8, F64, f64, I8, i8),
    (F64U16, F64, f64, U16, u16),
    (F64I16, F64, f64, I16, i16),
    (F64U32, F64, f64, U32, u32),
    (F64I32, F64, f64, I32, i32),
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{TransformParams, V1Params};

    #[test]
    fn picks_the_configured_types_and_rejects_others() {
        let params = TransformParams::new(100.0, 40.0).into();
        let codec = AnyCodec::new(&params, DataType::U16).expect("valid");
        assert!(matches!(codec, AnyCodec::U16U8(_)));
        let samples = [100u16, 1000, 65_535];
        let mut codes = [0u8; 3];
        codec
            .encode(SampleSlice::U16(&samples), CodeSliceMut::U8(&mut codes))
            .expect("encode");
        let mut wrong = [0u16; 3];
        assert!(matches!(
            codec.encode(SampleSlice::U16(&samples), CodeSliceMut::U16(&mut wrong)),
            Err(EncodeError::TypeMismatch { .. })
        ));
        let mut back = [0u16; 3];
        codec
            .decode(CodeSlice::U8(&codes), SampleSliceMut::U16(&mut back))
            .expect("decode");
        assert!(matches!(
            codec.decode(CodeSlice::U8(&codes), SampleSliceMut::I16(&mut [0; 3])),
            Err(DecodeError::TypeMismatch { .. })
        ));

        let v1 = V1Params {
            encoded_dtype: CodeType::U16,
            ..V1Params::new(0.0, 10.0)
        };
        assert!(matches!(
            AnyCodec::new(&v1.into(), DataType::F32),
            Ok(AnyCodec::F32U16(_))
        ));
    }
}
