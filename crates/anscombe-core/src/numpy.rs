//! NumPy's `astype` from `float64` to the sample types, as it behaves on x86-64, written out by
//! definition so every platform gives the same bits.
//!
//! C leaves an out-of-range float-to-integer conversion undefined; NumPy's x86-64 builds do what
//! the processor's truncating conversion does, and decoders of stores written that way must do
//! the same to read back what the reference reads. Measured with NumPy 2.4.6 (contiguous arrays,
//! the layout every reference call casts):
//!
//! - `int8`, `uint8`, `int16`, `uint16`, `int32`: truncate toward zero to a 32-bit integer, then
//!   keep the low bits (wrap modulo 2^bits). NaN, infinities and values outside the 32-bit range
//!   give the 32-bit "integer indefinite" `-2^31`, whose low 8 or 16 bits are 0: so 270.0 becomes
//!   `uint8` 14, 32852.0 becomes `int16` -32684, and NaN becomes 0 (but `int32` -2^31).
//! - `uint32`: truncate toward zero to a 64-bit integer and keep the low 32 bits, so -1.0
//!   becomes 4294967295; NaN, infinities and values outside the 64-bit range become 0. This is
//!   NumPy's scalar loop. Its vectorised loop, which takes the body of a contiguous array while
//!   the scalar loop takes the tail, agrees on every value in `[-2^31, 2^32)` and differs
//!   outside it (NaN gives 2147483648, 2^32 + 7 gives 0), so outside that range NumPy's result
//!   depends on where the value sits in the array. No configuration the codec writes reaches it.
//! - `float32`: round to nearest; `float64`: unchanged.
//!
//! Integer narrowing (`int64` to a smaller integer type) keeps the low bits in NumPy as in Rust.

#[cfg(feature = "alloc")]
use crate::dtype::{DataType, Sample};

/// `2^31`, the first value past the 32-bit conversion's range.
const TWO_31: f64 = 2_147_483_648.0;

/// The x86-64 truncating conversion of a `float64` to a 32-bit integer (`cvttsd2si`): toward
/// zero, and `i32::MIN` for NaN, infinities and everything whose truncation is outside `i32`.
#[inline]
pub(crate) fn truncate_to_i32(value: f64) -> i32 {
    // Values in (-2^31 - 1, 2^31) truncate into range; `!` of the comparison also catches NaN.
    if !(value > -TWO_31 - 1.0 && value < TWO_31) {
        return i32::MIN;
    }
    value as i32
}

/// NumPy's scalar `float64` to `uint32` cast on x86-64 (see the module documentation): the
/// low 32 bits of the 64-bit truncating conversion, whose out-of-range result `i64::MIN` has
/// none set.
#[inline]
pub(crate) fn float_to_u32(value: f64) -> u32 {
    /// `2^63`, the first value past the 64-bit conversion's range.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if !(-TWO_63..TWO_63).contains(&value) {
        return 0;
    }
    value as i64 as u32
}

#[cfg(feature = "alloc")]
/// `value.astype(to)` from `float64`, as a float (exact for every type but `float32`,
/// whose rounding it includes).
pub(crate) fn cast_f64(value: f64, to: DataType) -> f64 {
    match to {
        DataType::U8 => f64::from(u8::from_f64_numpy(value)),
        DataType::I8 => f64::from(i8::from_f64_numpy(value)),
        DataType::U16 => f64::from(u16::from_f64_numpy(value)),
        DataType::I16 => f64::from(i16::from_f64_numpy(value)),
        DataType::U32 => f64::from(u32::from_f64_numpy(value)),
        DataType::I32 => f64::from(i32::from_f64_numpy(value)),
        DataType::F32 => f64::from(f32::from_f64_numpy(value)),
        DataType::F64 => value,
    }
}

#[cfg(feature = "alloc")]
/// `value.astype(to)` from `int64`: the low bits for integer types (exact as `i64`), and for
/// float types the value rounded (not used by integer-only callers).
pub(crate) fn wrap_i64(value: i64, to: DataType) -> i64 {
    match to {
        DataType::U8 => i64::from(u8::from_i64_wrapping(value)),
        DataType::I8 => i64::from(i8::from_i64_wrapping(value)),
        DataType::U16 => i64::from(u16::from_i64_wrapping(value)),
        DataType::I16 => i64::from(i16::from_i64_wrapping(value)),
        DataType::U32 => i64::from(u32::from_i64_wrapping(value)),
        DataType::I32 => i64::from(i32::from_i64_wrapping(value)),
        DataType::F32 | DataType::F64 => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values and NumPy 2.4.6's casts of them (x86-64, contiguous `astype`), as printed by
    /// `np.array(values).astype(dtype)`.
    const VALUES: [f64; 25] = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        270.0,
        -1.0,
        -1.5,
        255.9,
        65_536.0,
        32_768.0,
        -32_769.0,
        2_147_483_648.0,
        -2_147_483_648.0,
        -2_147_483_649.0,
        2_147_483_653.0,
        4_294_967_303.0,
        -4_294_967_303.0,
        9.223_372_036_854_776e18,
        -9.223_372_036_854_776e18,
        1.844_674_407_370_955_6e19,
        1e300,
        -1e300,
        3e9,
        -3e9,
        5e9,
        9_007_199_254_740_994.0,
    ];

    fn cast<T: Sample>() -> [f64; 25] {
        VALUES.map(|v| T::from_f64_numpy(v).to_f64())
    }

    #[test]
    fn narrow_types_keep_the_low_bits_of_the_32_bit_conversion() {
        let u8s = [0., 0., 0., 14., 255., 255., 255., 0., 0., 255.];
        assert_eq!(cast::<u8>()[..10], u8s);
        assert!(cast::<u8>()[10..].iter().all(|&v| v == 0.0));
        let i8s = [0., 0., 0., 14., -1., -1., -1., 0., 0., -1.];
        assert_eq!(cast::<i8>()[..10], i8s);
        let u16s = [
            0., 0., 0., 270., 65_535., 65_535., 255., 0., 32_768., 32_767.,
        ];
        assert_eq!(cast::<u16>()[..10], u16s);
        assert!(cast::<u16>()[10..].iter().all(|&v| v == 0.0));
        let i16s = [0., 0., 0., 270., -1., -1., 255., 0., -32_768., 32_767.];
        assert_eq!(cast::<i16>()[..10], i16s);
    }

    #[test]
    fn int32_gives_the_integer_indefinite_out_of_range() {
        let expected = [
            -2_147_483_648.,
            -2_147_483_648.,
            -2_147_483_648.,
            270.,
            -1.,
            -1.,
            255.,
            65_536.,
            32_768.,
            -32_769.,
        ];
        assert_eq!(cast::<i32>()[..10], expected);
        assert!(cast::<i32>()[10..].iter().all(|&v| v == -2_147_483_648.0));
    }

    /// NumPy's values where its two loops agree (from 270.0 to -32769.0, and 2^31, -2^31,
    /// 2^31 + 5, 3e9); elsewhere the scalar loop's (the last value sat in the tail).
    #[test]
    fn uint32_follows_numpys_scalar_loop() {
        let expected = [
            0.,
            0.,
            0.,
            270.,
            4_294_967_295.,
            4_294_967_295.,
            255.,
            65_536.,
            32_768.,
            4_294_934_527.,
            2_147_483_648.,
            2_147_483_648.,
            2_147_483_647.,
            2_147_483_653.,
            7.,
            4_294_967_289.,
            0.,
            0.,
            0.,
            0.,
            0.,
            3_000_000_000.,
            1_294_967_296.,
            705_032_704.,
            2.,
        ];
        assert_eq!(cast::<u32>(), expected);
    }

    #[test]
    fn floats_round_to_nearest() {
        assert_eq!(f32::from_f64_numpy(16_777_217.0), 16_777_216.0);
        assert_eq!(f32::from_f64_numpy(32_852.0), 32_852.0);
        assert!(f32::from_f64_numpy(1e300).is_infinite());
        assert_eq!(f64::from_f64_numpy(-0.5), -0.5);
    }

    #[test]
    fn integer_narrowing_wraps() {
        assert_eq!(i16::from_i64_wrapping(32_826), -32_710);
        assert_eq!(u8::from_i64_wrapping(-1), 255);
        assert_eq!(u16::from_i64_wrapping(65_536 + 7), 7);
        assert_eq!(f32::from_i64_wrapping(-5), -5.0);
    }
}
