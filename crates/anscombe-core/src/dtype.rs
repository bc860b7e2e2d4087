//! Sample and code element types, with the numpy names used in Zarr metadata.

use core::fmt;

use crate::numpy::{float_to_u32, truncate_to_i32};

/// The element type of the samples a codec encodes and decodes (the array's data type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    /// `uint8`
    U8,
    /// `int8`
    I8,
    /// `uint16`
    U16,
    /// `int16`
    I16,
    /// `uint32`
    U32,
    /// `int32`
    I32,
    /// `float32`
    F32,
    /// `float64`
    F64,
}

impl DataType {
    /// Every supported data type, narrowest first.
    pub const ALL: [DataType; 8] = [
        DataType::U8,
        DataType::I8,
        DataType::U16,
        DataType::I16,
        DataType::U32,
        DataType::I32,
        DataType::F32,
        DataType::F64,
    ];

    /// The numpy / Zarr V3 name (`"uint16"`, `"float32"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            DataType::U8 => "uint8",
            DataType::I8 => "int8",
            DataType::U16 => "uint16",
            DataType::I16 => "int16",
            DataType::U32 => "uint32",
            DataType::I32 => "int32",
            DataType::F32 => "float32",
            DataType::F64 => "float64",
        }
    }

    /// Parses a numpy / Zarr V3 name; `None` for anything this codec does not handle.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// True for `float32` and `float64`.
    pub const fn is_float(self) -> bool {
        matches!(self, DataType::F32 | DataType::F64)
    }

    /// Size of one element in bytes.
    pub const fn size(self) -> usize {
        match self {
            DataType::U8 | DataType::I8 => 1,
            DataType::U16 | DataType::I16 => 2,
            DataType::U32 | DataType::I32 | DataType::F32 => 4,
            DataType::F64 => 8,
        }
    }

    /// The smallest and largest value of an integer type; `None` for floats.
    pub const fn integer_range(self) -> Option<(i64, i64)> {
        match self {
            DataType::U8 => Some((0, u8::MAX as i64)),
            DataType::I8 => Some((i8::MIN as i64, i8::MAX as i64)),
            DataType::U16 => Some((0, u16::MAX as i64)),
            DataType::I16 => Some((i16::MIN as i64, i16::MAX as i64)),
            DataType::U32 => Some((0, u32::MAX as i64)),
            DataType::I32 => Some((i32::MIN as i64, i32::MAX as i64)),
            DataType::F32 | DataType::F64 => None,
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The element type of the codes (the encoded representation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeType {
    /// `uint8`: up to 256 codes, the common case.
    U8,
    /// `uint16`: up to 65 536 codes.
    U16,
    /// `uint32`: for very small gains on 32-bit data.
    U32,
}

impl CodeType {
    /// Every code type, narrowest first.
    pub const ALL: [CodeType; 3] = [CodeType::U8, CodeType::U16, CodeType::U32];

    /// The numpy / Zarr V3 name.
    pub const fn name(self) -> &'static str {
        match self {
            CodeType::U8 => "uint8",
            CodeType::U16 => "uint16",
            CodeType::U32 => "uint32",
        }
    }

    /// Parses a numpy / Zarr V3 name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The largest code this type holds.
    pub const fn max_code(self) -> i64 {
        match self {
            CodeType::U8 => u8::MAX as i64,
            CodeType::U16 => u16::MAX as i64,
            CodeType::U32 => u32::MAX as i64,
        }
    }

    /// The narrowest code type that holds `max_code`, if any.
    pub fn narrowest_for(max_code: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|c| max_code <= c.max_code())
    }

    /// The same type as a [`DataType`].
    pub const fn data_type(self) -> DataType {
        match self {
            CodeType::U8 => DataType::U8,
            CodeType::U16 => DataType::U16,
            CodeType::U32 => DataType::U32,
        }
    }
}

impl fmt::Display for CodeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A sample element: one of the eight [`DataType`]s.
pub trait Sample: Copy + PartialOrd + Send + Sync + fmt::Debug + 'static + sealed::Sealed {
    /// The runtime tag of this type.
    const DATA_TYPE: DataType;
    /// Bits of a table indexed by the sample's bit pattern (8 or 16), or 0 when the type is
    /// too wide for a table and goes through the formula.
    const TABLE_BITS: u32;
    /// The value as `f64` (exact for every supported type).
    fn to_f64(self) -> f64;
    /// Converts with Rust `as` semantics: integers truncate toward zero and saturate, NaN becomes 0.
    fn from_f64(value: f64) -> Self;
    /// Converts as NumPy's `astype` does on x86-64: integers truncate toward zero and wrap
    /// modulo 2^bits, NaN and infinities become 0 in 8- and 16-bit types (the rules, with
    /// their exceptions for 32-bit types, are in the `numpy` module). Defined for every value.
    fn from_f64_numpy(value: f64) -> Self;
    /// Converts an integer as NumPy's `astype` from `int64` does: integers keep the low bits
    /// (wrap), floats round to nearest.
    fn from_i64_wrapping(value: i64) -> Self;
    /// Position of this value in a table indexed by bit pattern (`TABLE_BITS` > 0 only).
    fn bit_index(self) -> usize;
    /// The value at a bit-pattern table position (inverse of [`Sample::bit_index`]).
    fn from_bit_index(index: usize) -> Self;
}

/// A code element: `u8`, `u16` or `u32`.
pub trait Code: Copy + Ord + Default + Send + Sync + fmt::Debug + 'static + sealed::Sealed {
    /// The runtime tag of this type.
    const CODE_TYPE: CodeType;
    /// The code as a table index.
    fn index(self) -> usize;
    /// The code from a value already checked to fit.
    fn from_code(code: i64) -> Self;
}

macro_rules! sample_impl {
    ($t:ty, $tag:ident, $bits:expr, |$v:ident| $index:expr, |$i:ident| $from_index:expr, |$f:ident| $numpy:expr) => {
        impl sealed::Sealed for $t {}
        impl Sample for $t {
            const DATA_TYPE: DataType = DataType::$tag;
            const TABLE_BITS: u32 = $bits;
            #[inline]
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
            #[inline]
            fn from_f64(value: f64) -> Self {
                value as $t
            }
            #[inline]
            fn from_f64_numpy($f: f64) -> Self {
                $numpy
            }
            #[inline]
            fn from_i64_wrapping(value: i64) -> Self {
                value as $t
            }
            #[inline]
            fn bit_index(self) -> usize {
                let $v = self;
                $index
            }
            #[inline]
            fn from_bit_index(index: usize) -> Self {
                let $i = index;
                $from_index
            }
        }
    };
}

sample_impl!(
    u8,
    U8,
    8,
    |v| usize::from(v),
    |i| i as u8,
    |v| truncate_to_i32(v) as u8
);
sample_impl!(
    i8,
    I8,
    8,
    |v| usize::from(v as u8),
    |i| i as u8 as i8,
    |v| truncate_to_i32(v) as i8
);
sample_impl!(
    u16,
    U16,
    16,
    |v| usize::from(v),
    |i| i as u16,
    |v| truncate_to_i32(v) as u16
);
sample_impl!(
    i16,
    I16,
    16,
    |v| usize::from(v as u16),
    |i| i as u16 as i16,
    |v| truncate_to_i32(v) as i16
);
sample_impl!(u32, U32, 0, |v| v as usize, |i| i as u32, |v| float_to_u32(
    v
));
sample_impl!(
    i32,
    I32,
    0,
    |v| v as u32 as usize,
    |i| i as u32 as i32,
    |v| truncate_to_i32(v)
);
sample_impl!(f32, F32, 0, |_v| 0, |i| i as f32, |v| v as f32);
sample_impl!(f64, F64, 0, |_v| 0, |i| i as f64, |v| v);

macro_rules! code_impl {
    ($t:ty, $tag:ident) => {
        impl Code for $t {
            const CODE_TYPE: CodeType = CodeType::$tag;
            #[inline]
            fn index(self) -> usize {
                self as usize
            }
            #[inline]
            fn from_code(code: i64) -> Self {
                code as $t
            }
        }
    };
}

code_impl!(u8, U8);
code_impl!(u16, U16);
code_impl!(u32, U32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in DataType::ALL {
            assert_eq!(DataType::from_name(d.name()), Some(d));
        }
        for c in CodeType::ALL {
            assert_eq!(CodeType::from_name(c.name()), Some(c));
            assert_eq!(c.data_type().name(), c.name());
        }
        assert_eq!(DataType::from_name("int64"), None);
        assert_eq!(CodeType::from_name("int8"), None);
    }

    #[test]
    fn narrowest_code_type() {
        assert_eq!(CodeType::narrowest_for(0), Some(CodeType::U8));
        assert_eq!(CodeType::narrowest_for(255), Some(CodeType::U8));
        assert_eq!(CodeType::narrowest_for(256), Some(CodeType::U16));
        assert_eq!(CodeType::narrowest_for(65_536), Some(CodeType::U32));
        assert_eq!(CodeType::narrowest_for(1 << 40), None);
    }

    #[test]
    fn bit_index_covers_signed_values() {
        assert_eq!((-1i16).bit_index(), 65_535);
        assert_eq!(i16::MIN.bit_index(), 32_768);
        assert_eq!((-128i8).bit_index(), 128);
        assert_eq!(u16::MAX.bit_index(), 65_535);
        for i in [0usize, 1, 127, 128, 255] {
            assert_eq!(i8::from_bit_index(i).bit_index(), i);
        }
        for i in [0usize, 1, 32_767, 32_768, 65_535] {
            assert_eq!(i16::from_bit_index(i).bit_index(), i);
        }
    }

    #[test]
    fn from_f64_truncates_and_saturates() {
        assert_eq!(u8::from_f64(300.7), 255);
        assert_eq!(i16::from_f64(-12.9), -12);
        assert_eq!(u16::from_f64(-3.0), 0);
        assert_eq!(f32::from_f64(0.5), 0.5);
    }
}
