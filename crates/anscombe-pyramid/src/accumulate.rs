//! Running sums of average pooling: a type wider than the samples, and how a sum becomes a
//! sample again.
//!
//! Integer averages truncate toward zero, as tinybrain's C++ renders them (`-(|sum| >> k)` for
//! negative sums); tinybrain's periodic re-scaling of its accumulator is a floor shift.

use std::fmt::Debug;
use std::ops::Add;

use crate::lines::{Bands, LINES_IN_FLIGHT};

/// A running sum of samples of type `T`.
pub trait Accumulator<T>:
    Copy + Send + Sync + Default + PartialEq + Debug + Add<Output = Self>
{
    /// How many bits wider than `T` the sum may grow (`u32::MAX` for floats).
    const HEADROOM_BITS: u32;
    /// Whether sums are exact, so the order of additions does not matter (integers).
    const ORDER_FREE: bool;
    /// The sample as a sum of one.
    fn from_sample(x: T) -> Self;
    /// One for a foreground sample, zero for the background (the sparse denominator).
    fn count(foreground: bool) -> Self;
    /// `self / 2^bits`, rounded down (tinybrain's periodic truncation).
    fn floor_shift(self, bits: u32) -> Self;
    /// `self / 2^bits` as a sample, truncated toward zero.
    fn render_shift(self, bits: u32) -> T;
    /// `self / divisor` as a sample, truncated toward zero.
    fn render_div(self, divisor: u128) -> T;
    /// `self / count` as a sample, truncated toward zero; zero when the count is zero.
    fn ratio(self, count: Self) -> T;
    /// The kernel written for the vector unit for 2x2 blocks of `T` summed in `Self`, where
    /// there is one (`u8` in `u16`, see `crate::vector`): sums, renders and carries whole
    /// groups of line pairs from the start of the lines, and returns the input samples per
    /// line it did, leaving the rest to the portable kernels. The default does nothing.
    #[inline(always)]
    fn vector_two_by_two(
        firsts: [&[T]; LINES_IN_FLIGHT],
        seconds: [&[T]; LINES_IN_FLIGHT],
        rendered: [&mut [T]; LINES_IN_FLIGHT],
        shift: u32,
        carry: Option<[&mut [Self]; LINES_IN_FLIGHT]>,
        scratch: &mut Vec<Self>,
    ) -> usize {
        let _ = (firsts, seconds, rendered, shift, carry, scratch);
        0
    }
    /// The kernel written for the vector unit for the 2x1 block over carries of `T` summed
    /// in `Self` and in pairs along the line, where there is one (`u8` in `u16`, see
    /// `crate::vector`): adds, renders and pairs whole groups of line pairs from the start
    /// of the lines, and returns the values per line it did, leaving the rest to the
    /// portable kernels. The default does nothing.
    #[inline(always)]
    fn vector_add_lines(
        firsts: [&[Self]; LINES_IN_FLIGHT],
        seconds: [&[Self]; LINES_IN_FLIGHT],
        rendered: [&mut [T]; LINES_IN_FLIGHT],
        shift: u32,
        carry: [&mut [Self]; LINES_IN_FLIGHT],
    ) -> usize {
        let _ = (firsts, seconds, rendered, shift, carry);
        0
    }
    /// The kernel written for the vector unit for every group of a row of 2x2 blocks of `T`
    /// summed in `Self`, where there is one (`u8` in `u16`, see `crate::vector`): renders
    /// with `shift` and carries, as [`crate::stage::StageOp::bands_rendered`]. The default
    /// declines.
    #[inline(always)]
    fn vector_bands(bands: Bands<'_, T, T, Self>, shift: u32, scratch: &mut Vec<Self>) -> bool {
        let _ = (bands, shift, scratch);
        false
    }
    /// [`Accumulator::vector_bands`] for the 2x1 block over carries summed in pairs along
    /// the line. The default declines.
    #[inline(always)]
    fn vector_carry_bands(bands: Bands<'_, Self, T, Self>, shift: u32) -> bool {
        let _ = (bands, shift);
        false
    }
}

/// Exact running sums that would not fit their accumulator: `levels` levels of blocks of
/// `block` samples need `needed` bits of headroom over a sample, the accumulator has
/// `available`. (The crate's error type, in a module above the methods, names it
/// `PyramidError::Overflow`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overflow {
    /// Levels asked for.
    pub(crate) levels: usize,
    /// Samples per pooling block.
    pub(crate) block: usize,
    /// Bits of headroom needed.
    pub(crate) needed: u32,
    /// Bits of headroom there are.
    pub(crate) available: u32,
}

/// Exact sums over `levels` levels of blocks of `factors` must fit the accumulator `A`'s
/// headroom over a sample.
///
/// # Errors
/// [`Overflow`] when they would not.
pub(crate) fn check_headroom<T, A: Accumulator<T>>(
    levels: usize,
    factors: &[usize],
) -> Result<(), Overflow> {
    let block: usize = factors.iter().product();
    let total = u32::try_from(levels)
        .ok()
        .and_then(|levels| (block as u128).checked_pow(levels));
    let needed = total.map_or(u32::MAX, |t| u128::BITS - (t.max(1) - 1).leading_zeros());
    if needed > A::HEADROOM_BITS {
        return Err(Overflow {
            levels,
            block,
            needed,
            available: A::HEADROOM_BITS,
        });
    }
    Ok(())
}

/// `self / 2^bits` truncated toward zero: a plain shift for unsigned sums; for signed ones the
/// magnitude is shifted, as tinybrain does (`unsigned_abs` keeps the most negative sum
/// representable).
trait ShiftTowardZero: Sized {
    fn shift_toward_zero(self, bits: u32) -> Self;
}

macro_rules! shift_toward_zero {
    (unsigned: $($acc:ty),*) => {$(
        impl ShiftTowardZero for $acc {
            #[inline(always)]
            fn shift_toward_zero(self, bits: u32) -> Self {
                self >> bits
            }
        }
    )*};
    (signed: $($acc:ty),*) => {$(
        impl ShiftTowardZero for $acc {
            #[inline(always)]
            fn shift_toward_zero(self, bits: u32) -> Self {
                let magnitude = (self.unsigned_abs() >> bits) as Self;
                if self < 0 { magnitude.wrapping_neg() } else { magnitude }
            }
        }
    )*};
}

shift_toward_zero!(unsigned: u16, u32, u64, u128);
shift_toward_zero!(signed: i16, i32, i64, i128);

macro_rules! integer_accumulator {
    ($acc:ty => $($t:ty),*) => {$(
        integer_accumulator!(@one $acc => $t);
    )*};
    (@one $acc:ty => $t:ty $(, vector: $two_by_two:path, $add_lines:path, $bands:path, $carry_bands:path)?) => {
        impl Accumulator<$t> for $acc {
            const HEADROOM_BITS: u32 = <$acc>::BITS - <$t>::BITS;
            const ORDER_FREE: bool = true;
            #[inline(always)]
            fn from_sample(x: $t) -> Self {
                Self::from(x)
            }
            #[inline(always)]
            fn count(foreground: bool) -> Self {
                Self::from(foreground)
            }
            #[inline(always)]
            fn floor_shift(self, bits: u32) -> Self {
                self >> bits
            }
            #[inline(always)]
            fn render_shift(self, bits: u32) -> $t {
                self.shift_toward_zero(bits) as $t
            }
            #[inline(always)]
            fn render_div(self, divisor: u128) -> $t {
                (self / divisor as Self) as $t
            }
            #[inline(always)]
            fn ratio(self, count: Self) -> $t {
                self.checked_div(count).unwrap_or(0) as $t
            }
            $(
            #[inline(always)]
            fn vector_two_by_two(
                firsts: [&[$t]; LINES_IN_FLIGHT],
                seconds: [&[$t]; LINES_IN_FLIGHT],
                rendered: [&mut [$t]; LINES_IN_FLIGHT],
                shift: u32,
                carry: Option<[&mut [Self]; LINES_IN_FLIGHT]>,
                scratch: &mut Vec<Self>,
            ) -> usize {
                $two_by_two(firsts, seconds, rendered, shift, carry, scratch)
            }
            #[inline(always)]
            fn vector_add_lines(
                firsts: [&[Self]; LINES_IN_FLIGHT],
                seconds: [&[Self]; LINES_IN_FLIGHT],
                rendered: [&mut [$t]; LINES_IN_FLIGHT],
                shift: u32,
                carry: [&mut [Self]; LINES_IN_FLIGHT],
            ) -> usize {
                $add_lines(firsts, seconds, rendered, shift, carry)
            }
            #[inline(always)]
            fn vector_bands(
                bands: Bands<'_, $t, $t, Self>,
                shift: u32,
                scratch: &mut Vec<Self>,
            ) -> bool {
                $bands(bands, shift, scratch)
            }
            #[inline(always)]
            fn vector_carry_bands(bands: Bands<'_, Self, $t, Self>, shift: u32) -> bool {
                $carry_bands(bands, shift)
            }
            )?
        }
    };
}

integer_accumulator!(
    @one u16 => u8,
    vector: crate::vector::two_by_two_u8,
    crate::vector::add_lines_u8,
    crate::vector::two_by_two_bands_u8,
    crate::vector::add_bands_u8
);
integer_accumulator!(u32 => u8, u16);
integer_accumulator!(u64 => u8, u16);
integer_accumulator!(u128 => u32, u64);
integer_accumulator!(i16 => i8);
integer_accumulator!(i32 => i8, i16);
integer_accumulator!(i64 => i8, i16);
integer_accumulator!(i128 => i32, i64);

macro_rules! float_accumulator {
    ($($t:ty),*) => {$(
        impl Accumulator<$t> for f64 {
            const HEADROOM_BITS: u32 = u32::MAX;
            const ORDER_FREE: bool = false;
            #[inline(always)]
            fn from_sample(x: $t) -> Self {
                f64::from(x)
            }
            #[inline(always)]
            fn count(foreground: bool) -> Self {
                f64::from(u8::from(foreground))
            }
            #[inline(always)]
            fn floor_shift(self, _bits: u32) -> Self {
                self
            }
            #[inline(always)]
            fn render_shift(self, bits: u32) -> $t {
                (self / f64::from(bits).exp2()) as $t
            }
            #[inline(always)]
            fn render_div(self, divisor: u128) -> $t {
                (self / divisor as f64) as $t
            }
            #[inline(always)]
            fn ratio(self, count: Self) -> $t {
                if count == 0.0 { 0.0 } else { (self / count) as $t }
            }
        }
    )*};
}

float_accumulator!(f32, f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_averages_truncate_toward_zero() {
        assert_eq!(<i16 as Accumulator<i8>>::render_shift(-5, 2), -1);
        assert_eq!(<i16 as Accumulator<i8>>::render_shift(5, 2), 1);
        assert_eq!(<i16 as Accumulator<i8>>::render_shift(i16::MIN, 8), -128);
        assert_eq!(<i32 as Accumulator<i8>>::render_div(-7, 4), -1);
    }

    #[test]
    fn periodic_truncation_floors() {
        assert_eq!(<i16 as Accumulator<i8>>::floor_shift(-5, 2), -2);
        assert_eq!(<u16 as Accumulator<u8>>::floor_shift(1023, 8), 3);
    }

    #[test]
    fn empty_sparse_blocks_render_zero() {
        assert_eq!(<u64 as Accumulator<u8>>::ratio(0, 0), 0);
        assert_eq!(<f64 as Accumulator<f32>>::ratio(0.0, 0.0), 0.0);
        assert_eq!(<u64 as Accumulator<u16>>::ratio(7, 2), 3);
    }
}
