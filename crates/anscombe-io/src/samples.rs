//! A buffer of samples of one of the element types files hold.

use anscombe_core::{CodeSlice, CodeSliceMut, SampleSlice, SampleSliceMut};

/// Element type of a file's samples: the workspace's one element enum, defined in
/// `anscombe-core` beside the codec's subsets of it.
pub use anscombe_core::Element;

/// Samples of one element type, in C order.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // one variant per element type, named alike
pub enum Samples {
    Bool(Vec<bool>),
    U8(Vec<u8>),
    I8(Vec<i8>),
    U16(Vec<u16>),
    I16(Vec<i16>),
    U32(Vec<u32>),
    I32(Vec<i32>),
    U64(Vec<u64>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// Applies `$body` to the vector inside any [`Samples`], bound to `$v`.
#[macro_export]
macro_rules! for_samples {
    ($samples:expr, $v:ident => $body:expr) => {
        match $samples {
            $crate::Samples::Bool($v) => $body,
            $crate::Samples::U8($v) => $body,
            $crate::Samples::I8($v) => $body,
            $crate::Samples::U16($v) => $body,
            $crate::Samples::I16($v) => $body,
            $crate::Samples::U32($v) => $body,
            $crate::Samples::I32($v) => $body,
            $crate::Samples::U64($v) => $body,
            $crate::Samples::I64($v) => $body,
            $crate::Samples::F32($v) => $body,
            $crate::Samples::F64($v) => $body,
        }
    };
}

impl Samples {
    /// The element type.
    pub fn element(&self) -> Element {
        match self {
            Samples::Bool(_) => Element::Bool,
            Samples::U8(_) => Element::U8,
            Samples::I8(_) => Element::I8,
            Samples::U16(_) => Element::U16,
            Samples::I16(_) => Element::I16,
            Samples::U32(_) => Element::U32,
            Samples::I32(_) => Element::I32,
            Samples::U64(_) => Element::U64,
            Samples::I64(_) => Element::I64,
            Samples::F32(_) => Element::F32,
            Samples::F64(_) => Element::F64,
        }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        for_samples!(self, v => v.len())
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Decodes little-endian bytes (`bytes.len()` must be a multiple of the element size).
    pub fn from_le_bytes(element: Element, bytes: &[u8]) -> Option<Samples> {
        Self::from_bytes(element, bytes, true)
    }

    /// Decodes bytes in the given byte order.
    pub fn from_bytes(element: Element, bytes: &[u8], little_endian: bool) -> Option<Samples> {
        macro_rules! decode {
            ($t:ty, $variant:ident) => {{
                let chunks = bytes.chunks_exact(std::mem::size_of::<$t>());
                if !chunks.remainder().is_empty() {
                    return None;
                }
                Samples::$variant(
                    chunks
                        .map(|c| {
                            let array = c.try_into().unwrap_or_default();
                            if little_endian {
                                <$t>::from_le_bytes(array)
                            } else {
                                <$t>::from_be_bytes(array)
                            }
                        })
                        .collect(),
                )
            }};
        }
        Some(match element {
            Element::Bool => Samples::Bool(bytes.iter().map(|&b| b != 0).collect()),
            Element::U8 => Samples::U8(bytes.to_vec()),
            Element::I8 => Samples::I8(bytes.iter().map(|&b| b as i8).collect()),
            Element::U16 => decode!(u16, U16),
            Element::I16 => decode!(i16, I16),
            Element::U32 => decode!(u32, U32),
            Element::I32 => decode!(i32, I32),
            Element::U64 => decode!(u64, U64),
            Element::I64 => decode!(i64, I64),
            Element::F32 => decode!(f32, F32),
            Element::F64 => decode!(f64, F64),
        })
    }

    /// Little-endian bytes.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        macro_rules! encode {
            ($v:expr) => {
                $v.iter().flat_map(|x| x.to_le_bytes()).collect()
            };
        }
        match self {
            Samples::Bool(v) => v.iter().map(|&b| u8::from(b)).collect(),
            Samples::U8(v) => v.clone(),
            Samples::I8(v) => encode!(v),
            Samples::U16(v) => encode!(v),
            Samples::I16(v) => encode!(v),
            Samples::U32(v) => encode!(v),
            Samples::I32(v) => encode!(v),
            Samples::U64(v) => encode!(v),
            Samples::I64(v) => encode!(v),
            Samples::F32(v) => encode!(v),
            Samples::F64(v) => encode!(v),
        }
    }

    /// Every sample as `f64` (exact except 64-bit integers beyond 2^53).
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Samples::Bool(v) => v.iter().map(|&b| f64::from(u8::from(b))).collect(),
            Samples::U64(v) => v.iter().map(|&x| x as f64).collect(),
            Samples::I64(v) => v.iter().map(|&x| x as f64).collect(),
            Samples::U8(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Samples::I8(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Samples::U16(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Samples::I16(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Samples::U32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Samples::I32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Samples::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Samples::F64(v) => v.clone(),
        }
    }

    /// `len` zeros of an element type.
    pub fn zeros(element: Element, len: usize) -> Samples {
        match element {
            Element::Bool => Samples::Bool(vec![false; len]),
            Element::U8 => Samples::U8(vec![0; len]),
            Element::I8 => Samples::I8(vec![0; len]),
            Element::U16 => Samples::U16(vec![0; len]),
            Element::I16 => Samples::I16(vec![0; len]),
            Element::U32 => Samples::U32(vec![0; len]),
            Element::I32 => Samples::I32(vec![0; len]),
            Element::U64 => Samples::U64(vec![0; len]),
            Element::I64 => Samples::I64(vec![0; len]),
            Element::F32 => Samples::F32(vec![0.0; len]),
            Element::F64 => Samples::F64(vec![0.0; len]),
        }
    }

    /// The samples as codec input; `None` for types the codec does not take.
    pub fn sample_slice(&self) -> Option<SampleSlice<'_>> {
        Some(match self {
            Samples::U8(v) => SampleSlice::U8(v),
            Samples::I8(v) => SampleSlice::I8(v),
            Samples::U16(v) => SampleSlice::U16(v),
            Samples::I16(v) => SampleSlice::I16(v),
            Samples::U32(v) => SampleSlice::U32(v),
            Samples::I32(v) => SampleSlice::I32(v),
            Samples::F32(v) => SampleSlice::F32(v),
            Samples::F64(v) => SampleSlice::F64(v),
            Samples::Bool(_) | Samples::U64(_) | Samples::I64(_) => return None,
        })
    }

    /// The samples as codec output.
    pub fn sample_slice_mut(&mut self) -> Option<SampleSliceMut<'_>> {
        Some(match self {
            Samples::U8(v) => SampleSliceMut::U8(v),
            Samples::I8(v) => SampleSliceMut::I8(v),
            Samples::U16(v) => SampleSliceMut::U16(v),
            Samples::I16(v) => SampleSliceMut::I16(v),
            Samples::U32(v) => SampleSliceMut::U32(v),
            Samples::I32(v) => SampleSliceMut::I32(v),
            Samples::F32(v) => SampleSliceMut::F32(v),
            Samples::F64(v) => SampleSliceMut::F64(v),
            Samples::Bool(_) | Samples::U64(_) | Samples::I64(_) => return None,
        })
    }

    /// The samples as codes; `None` unless they are integers of at most 32 bits.
    pub fn code_slice(&self) -> Option<CodeSlice<'_>> {
        Some(match self {
            Samples::U8(v) => CodeSlice::U8(v),
            Samples::I8(v) => CodeSlice::I8(v),
            Samples::U16(v) => CodeSlice::U16(v),
            Samples::I16(v) => CodeSlice::I16(v),
            Samples::U32(v) => CodeSlice::U32(v),
            Samples::I32(v) => CodeSlice::I32(v),
            Samples::Bool(_)
            | Samples::U64(_)
            | Samples::I64(_)
            | Samples::F32(_)
            | Samples::F64(_) => return None,
        })
    }

    /// The samples as room for codes.
    pub fn code_slice_mut(&mut self) -> Option<CodeSliceMut<'_>> {
        Some(match self {
            Samples::U8(v) => CodeSliceMut::U8(v),
            Samples::I8(v) => CodeSliceMut::I8(v),
            Samples::U16(v) => CodeSliceMut::U16(v),
            Samples::I16(v) => CodeSliceMut::I16(v),
            Samples::U32(v) => CodeSliceMut::U32(v),
            Samples::I32(v) => CodeSliceMut::I32(v),
            Samples::Bool(_)
            | Samples::U64(_)
            | Samples::I64(_)
            | Samples::F32(_)
            | Samples::F64(_) => return None,
        })
    }

    /// Converts `f64` values with Rust `as` semantics (truncating and saturating for integers).
    pub fn from_f64(element: Element, values: &[f64]) -> Samples {
        macro_rules! cast {
            ($variant:ident, $t:ty) => {
                Samples::$variant(values.iter().map(|&v| v as $t).collect())
            };
        }
        match element {
            Element::Bool => Samples::Bool(values.iter().map(|&v| v != 0.0).collect()),
            Element::U8 => cast!(U8, u8),
            Element::I8 => cast!(I8, i8),
            Element::U16 => cast!(U16, u16),
            Element::I16 => cast!(I16, i16),
            Element::U32 => cast!(U32, u32),
            Element::I32 => cast!(I32, i32),
            Element::U64 => cast!(U64, u64),
            Element::I64 => cast!(I64, i64),
            Element::F32 => cast!(F32, f32),
            Element::F64 => Samples::F64(values.to_vec()),
        }
    }

    /// A copy of the samples in `range`.
    #[must_use]
    pub fn slice(&self, range: std::ops::Range<usize>) -> Samples {
        macro_rules! part {
            ($variant:ident, $v:expr) => {
                Samples::$variant($v[range].to_vec())
            };
        }
        match self {
            Samples::Bool(v) => part!(Bool, v),
            Samples::U8(v) => part!(U8, v),
            Samples::I8(v) => part!(I8, v),
            Samples::U16(v) => part!(U16, v),
            Samples::I16(v) => part!(I16, v),
            Samples::U32(v) => part!(U32, v),
            Samples::I32(v) => part!(I32, v),
            Samples::U64(v) => part!(U64, v),
            Samples::I64(v) => part!(I64, v),
            Samples::F32(v) => part!(F32, v),
            Samples::F64(v) => part!(F64, v),
        }
    }

    /// The samples of several buffers of one element type, one after the other; `None` for no
    /// buffers or mixed types.
    pub fn concat(parts: &[Samples]) -> Option<Samples> {
        let first = parts.first()?;
        let mut all = Samples::zeros(first.element(), 0);
        macro_rules! extend {
            ($variant:ident, $v:expr) => {{
                for part in parts {
                    let Samples::$variant(p) = part else {
                        return None;
                    };
                    $v.extend_from_slice(p);
                }
            }};
        }
        match &mut all {
            Samples::Bool(v) => extend!(Bool, v),
            Samples::U8(v) => extend!(U8, v),
            Samples::I8(v) => extend!(I8, v),
            Samples::U16(v) => extend!(U16, v),
            Samples::I16(v) => extend!(I16, v),
            Samples::U32(v) => extend!(U32, v),
            Samples::I32(v) => extend!(I32, v),
            Samples::U64(v) => extend!(U64, v),
            Samples::I64(v) => extend!(I64, v),
            Samples::F32(v) => extend!(F32, v),
            Samples::F64(v) => extend!(F64, v),
        }
        Some(all)
    }

    /// The samples' bytes in native byte order, to be filled in place (by a decoder, say);
    /// `None` for booleans, whose bytes may not hold other values than 0 and 1.
    pub fn as_bytes_mut(&mut self) -> Option<&mut [u8]> {
        Some(match self {
            Samples::Bool(_) => return None,
            Samples::U8(v) => v.as_mut_slice(),
            Samples::I8(v) => bytemuck::cast_slice_mut(v.as_mut_slice()),
            Samples::U16(v) => bytemuck::cast_slice_mut(v.as_mut_slice()),
            Samples::I16(v) => bytemuck::cast_slice_mut(v.as_mut_slice()),
            Samples::U32(v) => bytemuck::cast_slice_mut(v.as_mut_slice()),
            Samples::I32(v) => bytemuck::cast_slice_mut(v.as_mut_slice()),
            Samples::U64(v) => bytemuck::cast_slice_mut(v.as_mut_slice()),
            Samples::I64(v) => bytemuck::cast_slice_mut(v.as_mut_slice()),
            Samples::F32(v) => bytemuck::cast_slice_mut(v.as_mut_slice()),
            Samples::F64(v) => bytemuck::cast_slice_mut(v.as_mut_slice()),
        })
    }

    /// Reorders samples by `order`: `result[i] = self[order[i]]`.
    #[must_use]
    pub fn permute(&self, order: &[usize]) -> Samples {
        macro_rules! pick {
            ($variant:ident, $v:expr) => {
                Samples::$variant(order.iter().map(|&i| $v[i]).collect())
            };
        }
        match self {
            Samples::Bool(v) => pick!(Bool, v),
            Samples::U8(v) => pick!(U8, v),
            Samples::I8(v) => pick!(I8, v),
            Samples::U16(v) => pick!(U16, v),
            Samples::I16(v) => pick!(I16, v),
            Samples::U32(v) => pick!(U32, v),
            Samples::I32(v) => pick!(I32, v),
            Samples::U64(v) => pick!(U64, v),
            Samples::I64(v) => pick!(I64, v),
            Samples::F32(v) => pick!(F32, v),
            Samples::F64(v) => pick!(F64, v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let s = Samples::I16(vec![-2, 0, 300]);
        let bytes = s.to_le_bytes();
        assert_eq!(bytes, [0xfe, 0xff, 0, 0, 0x2c, 0x01]);
        assert_eq!(Samples::from_le_bytes(Element::I16, &bytes), Some(s));
        assert_eq!(Samples::from_le_bytes(Element::I16, &bytes[..5]), None);
        assert_eq!(
            Samples::from_bytes(Element::U16, &[1, 2], false),
            Some(Samples::U16(vec![0x0102]))
        );
    }

    #[test]
    fn signed_codes_are_code_slices() {
        let codes = Samples::I16(vec![0, 5]);
        assert_eq!(
            codes.code_slice().map(|c| c.code_type()),
            Some(anscombe_core::CodeType::I16)
        );
        assert!(Samples::F32(vec![0.0]).code_slice().is_none());
    }
}
