//! The variance-stabilising curve: raw level to code coordinate and back.
//!
//! With photons `x = (v - zero_level) / gain`, the curve is
//! `y = offset + 2/beta * (sqrt(x + 3/8) - sqrt(3/8))` for `x >= 0` and the tangent line
//! `y = offset + x * zero_slope` below zero, where `zero_slope = 1 / beta / sqrt(3/8)`.
//! The code of a sample is `y` rounded half to even. Every operation below is written in the
//! order of the Python reference, because reordering changes the last bit of `y` and, at exact
//! ties, the code (see `spec/anscombe-codec.md`, section "Forward rule").

use crate::fmath::{round_ties_even, sqrt};

/// `3/8`, the Anscombe constant (exact in binary).
pub(crate) const THREE_EIGHTHS: f64 = 0.375;

/// The curve of one configuration, with its derived constants precomputed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Curve {
    zero_level: f64,
    gain: f64,
    beta: f64,
    zero_slope: f64,
    two_over_beta: f64,
    sqrt_three_eighths: f64,
    offset: f64,
}

impl Curve {
    /// The curve whose code 0 sits at the level `floor` (`floor <= zero_level`).
    ///
    /// `offset = (zero_level - floor) * zero_slope / gain` lifts the tangent line so that the
    /// level `floor` lands on `y = 0` when `floor` is on the tangent line. With `floor = 0` this
    /// is the reference's own offset, `zero_level * zero_slope / gain`, bit for bit (for any
    /// zero level: with a negative one the reference's level 0 is on the square-root branch and
    /// its code is then below 0, which anscombe-v1 validation reports).
    pub(crate) fn new(zero_level: f64, gain: f64, beta: f64, floor: f64) -> Self {
        let sqrt_three_eighths = sqrt(THREE_EIGHTHS);
        let zero_slope = 1.0 / beta / sqrt_three_eighths;
        Curve {
            zero_level,
            gain,
            beta,
            zero_slope,
            two_over_beta: 2.0 / beta,
            sqrt_three_eighths,
            offset: (zero_level - floor) * zero_slope / gain,
        }
    }

    /// Conversion gain, in levels per photon.
    pub fn gain(&self) -> f64 {
        self.gain
    }

    /// Zero level, in levels.
    pub fn zero_level(&self) -> f64 {
        self.zero_level
    }

    /// Quantisation step in units of the shot-noise standard deviation.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// Photons for a raw level.
    #[inline]
    pub fn photons(&self, level: f64) -> f64 {
        (level - self.zero_level) / self.gain
    }

    /// The code coordinate of a raw level (before rounding).
    #[inline]
    pub fn y(&self, level: f64) -> f64 {
        let x = self.photons(level);
        if x < 0.0 {
            self.offset + x * self.zero_slope
        } else {
            self.offset + self.two_over_beta * (sqrt(x + THREE_EIGHTHS) - self.sqrt_three_eighths)
        }
    }

    /// The code of a raw level: `y` rounded half to even, as an `f64` integer.
    #[inline]
    pub fn code(&self, level: f64) -> f64 {
        round_ties_even(self.y(level))
    }

    /// The raw level at code coordinate `y`: the inverse of [`Curve::y`] up to rounding.
    ///
    /// Used for estimates and for the bounds of code intervals; exact codes always come from
    /// [`Curve::code`].
    #[inline]
    pub fn level(&self, y: f64) -> f64 {
        let t = y - self.offset;
        let x = if t < 0.0 {
            t / self.zero_slope
        } else {
            let r = t / self.two_over_beta + self.sqrt_three_eighths;
            r * r - THREE_EIGHTHS
        };
        self.zero_level + self.gain * x
    }

    /// Half the width, in photons, of the code interval that holds `photons`: the largest
    /// error midpoint decoding can make there (see the spec's error bound).
    pub fn half_step_photons(&self, photons: f64) -> f64 {
        let x = if photons > 0.0 { photons } else { 0.0 };
        0.5 * self.beta * sqrt(x + THREE_EIGHTHS) + self.beta * self.beta / 8.0
    }

    /// True when `amount` photons exceed [`Curve::half_step_photons`] at `photons`; the same
    /// comparison squared, without the square root, for checking every sample of a movie.
    #[inline]
    pub fn exceeds_half_step(&self, photons: f64, amount: f64) -> bool {
        let x = if photons > 0.0 { photons } else { 0.0 };
        let over = amount - self.beta * self.beta / 8.0;
        over > 0.0 && over * over > 0.25 * self.beta * self.beta * (x + THREE_EIGHTHS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_maps_to_zero() {
        for &(z, g) in &[(100.0, 40.0), (0.0, 3.0), (86.3, 97.0), (2000.0, 0.5)] {
            let c = Curve::new(z, g, 0.5, 0.0);
            assert_eq!(c.code(0.0), 0.0, "z={z} g={g}");
        }
        let c = Curve::new(-5.0, 100.0, 0.5, -5.0);
        assert_eq!(c.y(-5.0), 0.0);
    }

    #[test]
    fn level_inverts_y() {
        let c = Curve::new(100.0, 40.0, 0.5, 0.0);
        for v in [0.0, 37.0, 100.0, 101.0, 5000.0, 65_535.0] {
            let back = c.level(c.y(v));
            assert!((back - v).abs() < 1e-6 * (1.0 + v), "{v} -> {back}");
        }
    }

    #[test]
    fn exceeding_the_half_step_agrees_with_the_half_step() {
        let c = Curve::new(100.0, 40.0, 0.5, 0.0);
        for photons in [-3.0, 0.0, 0.7, 12.0, 5000.0] {
            let step = c.half_step_photons(photons);
            for amount in [0.0, step * 0.999, step * 1.001, step + 1.0] {
                assert_eq!(
                    c.exceeds_half_step(photons, amount),
                    amount > step,
                    "{photons} {amount}"
                );
            }
        }
    }

    #[test]
    fn curve_is_smooth_at_zero_photons() {
        let c = Curve::new(0.0, 1.0, 0.5, 0.0);
        let h = 1e-7;
        let left = (c.y(0.0) - c.y(-h)) / h;
        let right = (c.y(h) - c.y(0.0)) / h;
        assert!((left - right).abs() < 1e-5, "{left} vs {right}");
    }
}
