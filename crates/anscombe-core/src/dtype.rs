//! Element types: one [`Element`] enum for every type the workspace reads and writes, and the
//! two subsets the codec works in, [`DataType`] (what a codec's samples may be) and
//! [`CodeType`] (what its codes may be), each convertible to and from [`Element`].
//!
//! The subsets stay enums of their own because they make errors unrepresentable where the
//! codec dispatches on them: a `bool` or `uint64` sample type, or a float code type, cannot
//! reach a `match` that builds a typed codec. Names and sizes live on [`Element`] only.

use core::fmt;

use crate::numpy::{float_to_u32, truncate_to_i32};

/// The element type of an array or a file, with its numpy / Zarr V3 name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Element {
    /// `bool`
    Bool,
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
    /// `uint64`
    U64,
    /// `int64`
    I64,
    /// `float32`
    F32,
    /// `float64`
    F64,
}

impl Element {
    /// Every element type.
    pub const ALL: [Element; 11] = [
        Element::Bool,
        Element::U8,
        Element::I8,
        Element::U16,
        Element::I16,
        Element::U32,
        Element::I32,
        Element::U64,
        Element::I64,
        Element::F32,
        Element::F64,
    ];

    /// The numpy / Zarr V3 name (`"uint16"`, `"float32"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Element::Bool => "bool",
            Element::U8 => "uint8",
            Element::I8 => "int8",
            Element::U16 => "uint16",
            Element::I16 => "int16",
            Element::U32 => "uint32",
            Element::I32 => "int32",
            Element::U64 => "uint64",
            Element::I64 => "int64",
            Element::F32 => "float32",
            Element::F64 => "float64",
        }
    }

    /// Parses a numpy / Zarr V3 name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }

    /// Size of one element in bytes.
    pub const fn size(self) -> usize {
        match self {
            Element::Bool | Element::U8 | Element::I8 => 1,
            Element::U16 | Element::I16 => 2,
            Element::U32 | Element::I32 | Element::F32 => 4,
            Element::U64 | Element::I64 | Element::F64 => 8,
        }
    }

    /// True for `float32` and `float64`.
    pub const fn is_float(self) -> bool {
        matches!(self, Element::F32 | Element::F64)
    }

    /// True for the two's complement integer types.
    pub const fn is_signed_integer(self) -> bool {
        matches!(
            self,
            Element::I8 | Element::I16 | Element::I32 | Element::I64
        )
    }

    /// The codec's sample type for this element, if a codec may take it.
    pub const fn data_type(self) -> Option<DataType> {
        Some(match self {
            Element::U8 => DataType::U8,
            Element::I8 => DataType::I8,
            Element::U16 => DataType::U16,
            Element::I16 => DataType::I16,
            Element::U32 => DataType::U32,
            Element::I32 => DataType::I32,
            Element::F32 => DataType::F32,
            Element::F64 => DataType::F64,
            Element::Bool | Element::U64 | Element::I64 => return None,
        })
    }

    /// The code type for this element, if codes may have it (the integers up to 32 bits).
    pub const fn code_type(self) -> Option<CodeType> {
        Some(match self {
            Element::U8 => CodeType::U8,
            Element::I8 => CodeType::I8,
            Element::U16 => CodeType::U16,
            Element::I16 => CodeType::I16,
            Element::U32 => CodeType::U32,
            Element::I32 => CodeType::I32,
            _ => return None,
        })
    }
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An [`Element`] outside the subset a conversion asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{element} is not {wanted}")]
pub struct NotInSubset {
    /// The element given.
    pub element: Element,
    /// What was wanted, as text (`"a codec sample type"`).
    pub wanted: &'static str,
}

/// The element type of the samples a codec encodes and decodes (the array's data type): the
/// integers up to 32 bits and the two floats.
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

    /// The same type as an [`Element`].
    pub const fn element(self) -> Element {
        match self {
            DataType::U8 => Element::U8,
            DataType::I8 => Element::I8,
            DataType::U16 => Element::U16,
            DataType::I16 => Element::I16,
            DataType::U32 => Element::U32,
            DataType::I32 => Element::I32,
            DataType::F32 => Element::F32,
            DataType::F64 => Element::F64,
        }
    }

    /// The numpy / Zarr V3 name (`"uint16"`, `"float32"`, ...).
    pub const fn name(self) -> &'static str {
        self.element().name()
    }

    /// Parses a numpy / Zarr V3 name; `None` for anything this codec does not handle.
    pub fn from_name(name: &str) -> Option<Self> {
        Element::from_name(name)?.data_type()
    }

    /// True for `float32` and `float64`.
    pub const fn is_float(self) -> bool {
        self.element().is_float()
    }

    /// Size of one element in bytes.
    pub const fn size(self) -> usize {
        self.element().size()
    }

    /// The code type of the same integer type; `None` for floats.
    pub const fn code_type(self) -> Option<CodeType> {
        self.element().code_type()
    }

    /// The smallest and largest value of an integer type; `None` for floats.
    pub const fn integer_range(self) -> Option<(i64, i64)> {
        match self.code_type() {
            Some(code_type) => Some(code_type.range()),
            None => None,
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<DataType> for Element {
    fn from(data_type: DataType) -> Self {
        data_type.element()
    }
}

impl TryFrom<Element> for DataType {
    type Error = NotInSubset;

    fn try_from(element: Element) -> Result<Self, Self::Error> {
        element.data_type().ok_or(NotInSubset {
            element,
            wanted: "a codec sample type",
        })
    }
}

/// The element type of the codes (the encoded representation): any integer type up to 32
/// bits. Codes are never negative, so a signed type holds half the codes of the unsigned one
/// of its width; the narrowest default is always unsigned ([`CodeType::narrowest_for`]).
/// Ordered by width, unsigned first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeType {
    /// `uint8`: up to 256 codes, the common case.
    U8,
    /// `int8`: up to 128 codes.
    I8,
    /// `uint16`: up to 65 536 codes.
    U16,
    /// `int16`: up to 32 768 codes.
    I16,
    /// `uint32`: for very small gains on 32-bit data.
    U32,
    /// `int32`: up to 2^31 codes.
    I32,
}

impl CodeType {
    /// Every code type, narrowest first.
    pub const ALL: [CodeType; 6] = [
        CodeType::U8,
        CodeType::I8,
        CodeType::U16,
        CodeType::I16,
        CodeType::U32,
        CodeType::I32,
    ];

    /// The unsigned code types, from which a code type is chosen when none is given.
    pub const UNSIGNED: [CodeType; 3] = [CodeType::U8, CodeType::U16, CodeType::U32];

    /// The numpy / Zarr V3 name.
    pub const fn name(self) -> &'static str {
        self.data_type().name()
    }

    /// Parses a numpy / Zarr V3 name.
    pub fn from_name(name: &str) -> Option<Self> {
        Element::from_name(name)?.code_type()
    }

    /// True for `int8`, `int16` and `int32`.
    pub const fn is_signed(self) -> bool {
        matches!(self, CodeType::I8 | CodeType::I16 | CodeType::I32)
    }

    /// The smallest and largest value of the type.
    pub const fn range(self) -> (i64, i64) {
        match self {
            CodeType::U8 => (0, u8::MAX as i64),
            CodeType::I8 => (i8::MIN as i64, i8::MAX as i64),
            CodeType::U16 => (0, u16::MAX as i64),
            CodeType::I16 => (i16::MIN as i64, i16::MAX as i64),
            CodeType::U32 => (0, u32::MAX as i64),
            CodeType::I32 => (i32::MIN as i64, i32::MAX as i64),
        }
    }

    /// The largest code this type holds.
    pub const fn max_code(self) -> i64 {
        self.range().1
    }

    /// The narrowest unsigned code type that holds `max_code`, if any: no signed type is
    /// narrower than the unsigned one of its width for codes, which are never negative.
    pub fn narrowest_for(max_code: i64) -> Option<Self> {
        Self::UNSIGNED
            .into_iter()
            .find(|c| max_code <= c.max_code())
    }

    /// The same type as a [`DataType`].
    pub const fn data_type(self) -> DataType {
        match self {
            CodeType::U8 => DataType::U8,
            CodeType::I8 => DataType::I8,
            CodeType::U16 => DataType::U16,
            CodeType::I16 => DataType::I16,
            CodeType::U32 => DataType::U32,
            CodeType::I32 => DataType::I32,
        }
    }

    /// The same type as an [`Element`].
    pub const fn element(self) -> Element {
        self.data_type().element()
    }
}

impl fmt::Display for CodeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<CodeType> for Element {
    fn from(code_type: CodeType) -> Self {
        code_type.element()
    }
}

impl From<CodeType> for DataType {
    fn from(code_type: CodeType) -> Self {
        code_type.data_type()
    }
}

impl TryFrom<Element> for CodeType {
    type Error = NotInSubset;

    fn try_from(element: Element) -> Result<Self, Self::Error> {
        element.code_type().ok_or(NotInSubset {
            element,
            wanted: "a code type (an integer of at most 32 bits)",
        })
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

/// A code element: an integer of at most 32 bits, signed or not.
pub trait Code: Copy + Ord + Default + Send + Sync + fmt::Debug + 'static + sealed::Sealed {
    /// The runtime tag of this type.
    const CODE_TYPE: CodeType;
    /// The code as a table index: its bit pattern read as unsigned, so a negative signed code
    /// (which encoding never produces) lands above every code of its type and is handled as a
    /// code beyond the largest one.
    fn index(self) -> usize;
    /// The code's value, for messages.
    fn value(self) -> i64;
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
    ($t:ty, $unsigned:ty, $tag:ident) => {
        impl Code for $t {
            const CODE_TYPE: CodeType = CodeType::$tag;
            #[inline]
            fn index(self) -> usize {
                self as $unsigned as usize
            }
            #[inline]
            fn value(self) -> i64 {
                i64::from(self)
            }
            #[inline]
            fn from_code(code: i64) -> Self {
                code as $t
            }
        }
    };
}

code_impl!(u8, u8, U8);
code_impl!(i8, u8, I8);
code_impl!(u16, u16, U16);
code_impl!(i16, u16, I16);
code_impl!(u32, u32, U32);
code_impl!(i32, u32, I32);

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
        for e in Element::ALL {
            assert_eq!(Element::from_name(e.name()), Some(e));
            if let Some(d) = e.data_type() {
                assert_eq!(Element::from(d), e);
                assert_eq!(DataType::try_from(e), Ok(d));
            }
            if let Some(c) = e.code_type() {
                assert_eq!(Element::from(c), e);
                assert!(!e.is_float() && e.size() <= 4);
            }
        }
        assert_eq!(DataType::from_name("int64"), None);
        assert_eq!(CodeType::from_name("int8"), Some(CodeType::I8));
        assert_eq!(CodeType::from_name("float32"), None);
        assert!(CodeType::try_from(Element::F32).is_err());
        assert!(DataType::try_from(Element::Bool).is_err());
    }

    #[test]
    fn signed_codes_index_by_bit_pattern() {
        assert_eq!(5i16.index(), 5);
        assert_eq!((-1i16).index(), 65_535);
        assert_eq!((-1i16).value(), -1);
        assert_eq!((-128i8).index(), 128);
        assert_eq!((-1i32).index(), u32::MAX as usize);
        assert_eq!(i16::from_code(32_767), i16::MAX);
        assert_eq!(CodeType::I16.max_code(), 32_767);
    }

    #[test]
    fn narrowest_code_type() {
        assert_eq!(CodeType::narrowest_for(0), Some(CodeType::U8));
        assert_eq!(CodeType::narrowest_for(255), Some(CodeType::U8));
        assert_eq!(CodeType::narrowest_for(256), Some(CodeType::U16));
        assert_eq!(CodeType::narrowest_for(65_536), Some(CodeType::U32));
        assert_eq!(CodeType::narrowest_for(1 << 40), None);
        assert!(CodeType::ALL.windows(2).all(|w| w[0] < w[1]));
        assert!(
            CodeType::ALL
                .iter()
                .all(|c| c.is_signed() != CodeType::UNSIGNED.contains(c))
        );
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
