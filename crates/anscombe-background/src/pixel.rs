//! The sample types a background is computed for, and the order-preserving keys the median
//! selection works on.

use std::fmt::Debug;

use anscombe_io::Samples;
use num_traits::{AsPrimitive, PrimInt, Unsigned};

/// An unsigned key whose order is the samples' order: any unsigned primitive integer. The
/// selections need its bits (`one() << b`, `|`) and, for histograms, its value as an index
/// (`as_()`), all from `num-traits`.
pub trait Key: PrimInt + Unsigned + AsPrimitive<usize> + Default + Send + Sync + Debug {
    /// Width in bits.
    const BITS: u32 = (size_of::<Self>() * 8) as u32;
}

impl<K: PrimInt + Unsigned + AsPrimitive<usize> + Default + Send + Sync + Debug> Key for K {}

/// A sample type of a movie: any integer of 8 to 32 bits, signed or not, `f32` or `f64`.
/// (Movies of other types go through [`crate::SamplePlan`].)
pub trait Pixel: Copy + Send + Sync + Default + PartialEq + Debug + AsPrimitive<f64> {
    /// The order-preserving key.
    type Key: Key;
    /// The key of the sample (floats: NaN above everything, as NumPy sorts).
    fn key(self) -> Self::Key;
    /// The sample of a key.
    fn from_key(key: Self::Key) -> Self;
    /// The sample as a float.
    fn to_f64(self) -> f64 {
        self.as_()
    }
    /// The samples of this type, if `samples` holds them.
    fn from_samples(samples: Samples) -> Option<Vec<Self>>;
    /// The samples as the I/O crate's type.
    fn into_samples(values: Vec<Self>) -> Samples;
}

/// `from_samples` and `into_samples` for the samples' variant of [`Samples`].
macro_rules! samples_of {
    ($variant:ident) => {
        fn from_samples(samples: Samples) -> Option<Vec<Self>> {
            match samples {
                Samples::$variant(v) => Some(v),
                _ => None,
            }
        }
        fn into_samples(values: Vec<Self>) -> Samples {
            Samples::$variant(values)
        }
    };
}

/// Unsigned integer samples are their own keys.
macro_rules! unsigned_pixel {
    ($($t:ty => $variant:ident),*) => {$(
        impl Pixel for $t {
            type Key = $t;
            #[inline(always)]
            fn key(self) -> $t {
                self
            }
            #[inline(always)]
            fn from_key(key: $t) -> Self {
                key
            }
            samples_of!($variant);
        }
    )*};
}

unsigned_pixel!(u8 => U8, u16 => U16, u32 => U32);

/// Signed integer samples: the unsigned key with the sign bit flipped, so that the most
/// negative value is key 0.
macro_rules! signed_pixel {
    ($($t:ty => $key:ty, $variant:ident),*) => {$(
        impl Pixel for $t {
            type Key = $key;
            #[inline(always)]
            fn key(self) -> $key {
                self.cast_unsigned() ^ (1 << (<$key>::BITS - 1))
            }
            #[inline(always)]
            fn from_key(key: $key) -> Self {
                (key ^ (1 << (<$key>::BITS - 1))).cast_signed()
            }
            samples_of!($variant);
        }
    )*};
}

signed_pixel!(i8 => u8, I8, i16 => u16, I16, i32 => u32, I32);

/// Floating-point samples: negative floats reversed below the positives, the IEEE total order
/// (NaN above everything when positive, as NumPy sorts).
macro_rules! float_pixel {
    ($($t:ty => $key:ty, $variant:ident),*) => {$(
        impl Pixel for $t {
            type Key = $key;
            #[inline(always)]
            fn key(self) -> $key {
                let sign = 1 << (<$key>::BITS - 1);
                let bits = self.to_bits();
                if bits & sign != 0 { !bits } else { bits | sign }
            }
            #[inline(always)]
            fn from_key(key: $key) -> Self {
                let sign = 1 << (<$key>::BITS - 1);
                <$t>::from_bits(if key & sign != 0 { key & !sign } else { !key })
            }
            samples_of!($variant);
        }
    )*};
}

float_pixel!(f32 => u32, F32, f64 => u64, F64);

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    #[test]
    fn keys_know_their_width() {
        assert_eq!(<u8 as Key>::BITS, 8);
        assert_eq!(<u16 as Key>::BITS, 16);
        assert_eq!(<u32 as Key>::BITS, 32);
        assert_eq!(<u64 as Key>::BITS, 64);
    }

    /// Keys order as the values do (-0.0 below 0.0, which compare equal) and give them back.
    fn order_kept<T: Pixel + PartialOrd>(a: T, b: T) -> Result<(), TestCaseError> {
        if a != b {
            prop_assert_eq!(
                a.partial_cmp(&b),
                Some(a.key().cmp(&b.key())),
                "{:?} {:?}",
                a,
                b
            );
        }
        prop_assert_eq!(T::from_key(a.key()), a);
        Ok(())
    }

    proptest! {
        #[test]
        fn signed_and_wide_keys_keep_the_order_and_round_trip(
            a in any::<i64>(), b in any::<i64>(), x in any::<f64>(), y in any::<f64>(),
        ) {
            order_kept(a as i8, b as i8)?;
            order_kept(a as i16, b as i16)?;
            order_kept(a as i32, b as i32)?;
            order_kept(a as u32, b as u32)?;
            prop_assume!(!x.is_nan() && !y.is_nan());
            order_kept(x, y)?;
            order_kept(x as f32, y as f32)?;
        }
    }

    #[test]
    fn signed_keys_start_at_the_most_negative() {
        assert_eq!(i16::MIN.key(), 0);
        assert_eq!((-1i16).key(), 0x7FFF);
        assert_eq!(0i16.key(), 0x8000);
        assert_eq!(i8::MAX.key(), u8::MAX);
        assert_eq!((-0.0f64).key() + 1, 0.0f64.key());
    }

    #[test]
    fn float_keys_keep_the_order_and_round_trip() {
        let values = [
            -f32::INFINITY,
            -2.5,
            -0.0,
            0.0,
            1e-30,
            3.0,
            f32::INFINITY,
            f32::NAN,
        ];
        for pair in values.windows(2) {
            assert!(pair[0].key() < pair[1].key(), "{pair:?}");
        }
        for v in values {
            assert_eq!(f32::from_key(v.key()).to_bits(), v.to_bits());
        }
    }
}
