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

/// A sample type of a movie: `u8`, `u16` or `f32`.
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
            fn from_samples(samples: Samples) -> Option<Vec<Self>> {
                match samples {
                    Samples::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn into_samples(values: Vec<Self>) -> Samples {
                Samples::$variant(values)
            }
        }
    )*};
}

unsigned_pixel!(u8 => U8, u16 => U16);

impl Pixel for f32 {
    type Key = u32;
    #[inline(always)]
    fn key(self) -> u32 {
        // Negative floats reversed below the positives: the IEEE total order.
        let bits = self.to_bits();
        if bits >> 31 == 1 {
            !bits
        } else {
            bits | 0x8000_0000
        }
    }
    #[inline(always)]
    fn from_key(key: u32) -> Self {
        f32::from_bits(if key >> 31 == 1 {
            key & 0x7FFF_FFFF
        } else {
            !key
        })
    }
    fn from_samples(samples: Samples) -> Option<Vec<Self>> {
        match samples {
            Samples::F32(v) => Some(v),
            _ => None,
        }
    }
    fn into_samples(values: Vec<Self>) -> Samples {
        Samples::F32(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_know_their_width() {
        assert_eq!(<u8 as Key>::BITS, 8);
        assert_eq!(<u16 as Key>::BITS, 16);
        assert_eq!(<u32 as Key>::BITS, 32);
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
