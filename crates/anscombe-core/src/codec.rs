//! A configuration with its tables built once, for encoding and decoding whole slices.

use alloc::boxed::Box;
use alloc::vec;

use crate::dtype::{Code, Sample};
use crate::error::{ConfigError, DecodeError, EncodeError};
use crate::params::CodecParams;
use crate::rule::{BeyondMax, CodeRule, SampleFault};

/// Encoder and decoder for samples of type `I` and codes of type `C`.
///
/// Building one evaluates the curve once per table entry (at most 65 536 square roots);
/// keep it and reuse it for every chunk with the same configuration.
#[derive(Debug, Clone)]
pub struct Codec<I: Sample, C: Code> {
    rule: CodeRule,
    /// Code per sample bit pattern, for 8- and 16-bit samples.
    forward: Option<Box<[C]>>,
    /// Decoded sample per code, for 8- and 16-bit codes.
    inverse: Option<Box<[I]>>,
}

impl<I: Sample, C: Code> Codec<I, C> {
    /// Resolves the configuration for `I` and builds its tables.
    ///
    /// # Errors
    /// [`ConfigError`] for invalid parameters, or when the configuration's code type is not `C`
    /// (see [`CodeRule::code_type`] to find it first).
    pub fn new(params: &CodecParams) -> Result<Self, ConfigError> {
        Self::from_rule(CodeRule::new(params, I::DATA_TYPE)?)
    }

    /// Builds the tables of an already resolved rule.
    ///
    /// # Errors
    /// [`ConfigError::CodeTypeMismatch`] when the rule is for another sample or code type.
    pub fn from_rule(rule: CodeRule) -> Result<Self, ConfigError> {
        if rule.code_type() != C::CODE_TYPE || rule.data_type() != I::DATA_TYPE {
            return Err(ConfigError::CodeTypeMismatch {
                data_type: rule.data_type(),
                expected: rule.code_type(),
                requested: C::CODE_TYPE,
            });
        }
        let forward = (I::TABLE_BITS > 0).then(|| {
            let mut table = vec![C::default(); 1 << I::TABLE_BITS].into_boxed_slice();
            rule.fill_forward_table::<I, C>(&mut table);
            table
        });
        let code_bits = 8 * C::CODE_TYPE.data_type().size();
        let inverse = (code_bits <= 16).then(|| {
            let mut table = vec![I::from_f64(0.0); 1 << code_bits].into_boxed_slice();
            rule.fill_decode_table(&mut table);
            table
        });
        Ok(Codec {
            rule,
            forward,
            inverse,
        })
    }

    /// The resolved configuration.
    pub fn rule(&self) -> &CodeRule {
        &self.rule
    }

    /// The forward table indexed by sample bit pattern (8- and 16-bit samples).
    pub fn forward_table(&self) -> Option<&[C]> {
        self.forward.as_deref()
    }

    /// The decoded sample of every code (8- and 16-bit codes).
    pub fn decode_table(&self) -> Option<&[I]> {
        self.inverse.as_deref()
    }

    /// Encodes `samples` into `codes` (same length).
    ///
    /// # Errors
    /// [`EncodeError`] for a length mismatch, an anscombe-v1 configuration that would corrupt
    /// data, NaN or infinite samples, or float samples beyond the code type. On error the
    /// content of `codes` is unspecified.
    pub fn encode(&self, samples: &[I], codes: &mut [C]) -> Result<(), EncodeError> {
        if samples.len() != codes.len() {
            return Err(EncodeError::LengthMismatch {
                inputs: samples.len(),
                outputs: codes.len(),
            });
        }
        if let Some(refusal) = self.rule.refusal() {
            return Err(refusal.into());
        }
        if let Some(table) = self.forward.as_deref() {
            if let Ok(table) = <&[C; 256]>::try_from(table) {
                lookup_bits(table, samples, codes);
                return Ok(());
            }
            if let Ok(table) = <&[C; 65_536]>::try_from(table) {
                lookup_bits(table, samples, codes);
                return Ok(());
            }
        }
        self.encode_by_formula(samples, codes)
    }

    /// The formula path, for 32-bit and float samples.
    fn encode_by_formula(&self, samples: &[I], codes: &mut [C]) -> Result<(), EncodeError> {
        for (index, (code, &sample)) in codes.iter_mut().zip(samples).enumerate() {
            let value = sample.to_f64();
            *code = match self.rule.encode_value(value) {
                Ok(c) => C::from_code(c),
                Err(SampleFault::NotFinite) => return Err(EncodeError::NotFinite { index, value }),
                Err(SampleFault::AboveRange) => {
                    return Err(EncodeError::AboveRange {
                        index,
                        value,
                        max_level: self.rule.curve().level(self.rule.max_code() as f64 + 0.5),
                        code_type: C::CODE_TYPE,
                    });
                }
            };
        }
        Ok(())
    }

    /// Decodes `codes` into `samples` (same length).
    ///
    /// # Errors
    /// [`DecodeError`] for a length mismatch, or (anscombe-transform) a code above the largest
    /// one encoding produces. On error the content of `samples` is unspecified.
    pub fn decode(&self, codes: &[C], samples: &mut [I]) -> Result<(), DecodeError> {
        if samples.len() != codes.len() {
            return Err(DecodeError::LengthMismatch {
                inputs: codes.len(),
                outputs: samples.len(),
            });
        }
        if self.rule.beyond_max() == BeyondMax::Reject {
            self.check_codes(codes)?;
        }
        if let Some(table) = self.inverse.as_deref() {
            if let Ok(table) = <&[I; 256]>::try_from(table) {
                lookup_codes(table, codes, samples);
                return Ok(());
            }
            if let Ok(table) = <&[I; 65_536]>::try_from(table) {
                lookup_codes(table, codes, samples);
                return Ok(());
            }
        }
        for (sample, &code) in samples.iter_mut().zip(codes) {
            // Codes were checked above, so the rule has a value for each.
            *sample = I::from_f64(self.rule.decoded_value(code.index() as i64).unwrap_or(0.0));
        }
        Ok(())
    }

    /// Rejects codes above the largest one encoding produces, and negative ones (whose
    /// [`Code::index`] lies above every code of their type).
    fn check_codes(&self, codes: &[C]) -> Result<(), DecodeError> {
        let beyond = |c: &C| c.index() as i64 > self.rule.max_code();
        if !codes.iter().any(beyond) {
            return Ok(());
        }
        let (index, code) = codes
            .iter()
            .enumerate()
            .find(|(_, c)| beyond(c))
            .map_or((0, 0), |(i, c)| (i, c.value()));
        Err(DecodeError::CodeBeyondTable {
            index,
            code,
            max_code: self.rule.max_code(),
        })
    }
}

/// `codes[i] = table[samples[i]]`; the array length makes every index provably in bounds.
#[inline]
fn lookup_bits<I: Sample, C: Code, const N: usize>(table: &[C; N], samples: &[I], codes: &mut [C]) {
    for (code, sample) in codes.iter_mut().zip(samples) {
        *code = table[sample.bit_index() % N];
    }
}

/// `samples[i] = table[codes[i]]`, for 8- and 16-bit codes.
#[inline]
fn lookup_codes<I: Sample, C: Code, const N: usize>(
    table: &[I; N],
    codes: &[C],
    samples: &mut [I],
) {
    for (sample, code) in samples.iter_mut().zip(codes) {
        *sample = table[code.index() % N];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{TransformParams, V1Params};
    use crate::{CodeType, DecodeError};

    fn with_codes(code_type: CodeType) -> CodecParams {
        TransformParams {
            encoded_dtype: Some(code_type),
            ..TransformParams::new(100.0, 40.0)
        }
        .into()
    }

    /// Signed codes are the same code values as unsigned ones; a negative code is corrupt.
    #[test]
    fn int16_codes_hold_the_uint16_codes_and_refuse_negative_ones() {
        let ramp: Vec<u16> = (0..=u16::MAX).collect();
        let unsigned = Codec::<u16, u16>::new(&with_codes(CodeType::U16)).expect("uint16");
        let signed = Codec::<u16, i16>::new(&with_codes(CodeType::I16)).expect("int16");
        let (mut u, mut s) = (vec![0u16; ramp.len()], vec![0i16; ramp.len()]);
        unsigned.encode(&ramp, &mut u).expect("encode");
        signed.encode(&ramp, &mut s).expect("encode");
        assert!(
            u.iter()
                .zip(&s)
                .all(|(&u, &s)| i64::from(u) == i64::from(s))
        );
        let (mut a, mut b) = (vec![0u16; ramp.len()], vec![0u16; ramp.len()]);
        unsigned.decode(&u, &mut a).expect("decode");
        signed.decode(&s, &mut b).expect("decode");
        assert_eq!(a, b);
        assert_eq!(
            signed.decode(&[3, -1], &mut [0; 2]),
            Err(DecodeError::CodeBeyondTable {
                index: 1,
                code: -1,
                max_code: 168
            })
        );
        // 32-bit codes have no table: the check is the same.
        let wide = Codec::<u16, i32>::new(&with_codes(CodeType::I32)).expect("int32");
        assert!(matches!(
            wide.decode(&[i32::MIN], &mut [0]),
            Err(DecodeError::CodeBeyondTable { code, .. }) if code == i64::from(i32::MIN)
        ));
    }

    /// anscombe-v1 never fails to decode: a negative code reads as one above the table.
    #[test]
    fn v1_clamps_negative_codes_like_codes_above_the_table() {
        let params = V1Params {
            encoded_dtype: CodeType::I16,
            ..V1Params::new(100.0, 40.0)
        };
        let codec = Codec::<u16, i16>::new(&params.into()).expect("v1");
        let top = codec.rule().max_code() as i16;
        let mut out = [0u16; 3];
        codec
            .decode(&[top, top + 1, -1], &mut out)
            .expect("v1 decodes");
        assert_eq!(out[1], out[0]);
        assert_eq!(out[2], out[0]);
    }
}
