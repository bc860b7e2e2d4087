//! The reference's arithmetic, one value at a time, in its own order of operations.
//!
//! Every function returns the value *before* the final `astype`: a float that is already
//! rounded half to even (`np.round`). The cast to the encoded or decoded type is the caller's
//! (see [`crate::Sample::from_f64_numpy`]), because whether it wraps is what the quirk analysis
//! looks at.

use crate::curve::THREE_EIGHTHS;
use crate::fmath::{round_ties_even, sqrt};
use crate::poisson::params::PoissonParams;

/// `np.maximum(a, b)`: the larger, and NaN when either is NaN (unlike `f64::max`).
#[inline]
fn np_maximum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a >= b {
        a
    } else {
        b
    }
}

/// One configuration's constants, precomputed as the reference computes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoissonRule {
    dark_signal: f64,
    photon_sensitivity: f64,
    beta: f64,
    /// `2.0 / beta`, a Python float in the reference's table expression.
    two_over_beta: f64,
    /// `np.sqrt(3/8)`.
    sqrt_three_eighths: f64,
}

impl PoissonRule {
    /// The constants of `params` (not validated here).
    pub fn new(params: &PoissonParams) -> Self {
        PoissonRule {
            dark_signal: params.dark_signal,
            photon_sensitivity: params.photon_sensitivity,
            beta: params.beta,
            two_over_beta: 2.0 / params.beta,
            sqrt_three_eighths: sqrt(THREE_EIGHTHS),
        }
    }

    /// Lookup mode: the table entry of input level `level`,
    /// `round(2/beta * (sqrt(max(0, (level - dark) / ps) + 3/8) - sqrt(3/8)))`.
    #[inline]
    pub fn table_code(&self, level: f64) -> f64 {
        let photons = (level - self.dark_signal) / self.photon_sensitivity;
        let root = sqrt(np_maximum(0.0, photons) + THREE_EIGHTHS);
        round_ties_even(self.two_over_beta * (root - self.sqrt_three_eighths))
    }

    /// Formula mode: the code of a sample,
    /// `round(2 * sqrt(max(0, (x - dark) / ps + 3/8)) / beta)`. No `- sqrt(3/8)` term, and the
    /// `3/8` inside the maximum: these codes are 2 or 3 above lookup mode's.
    #[inline]
    pub fn formula_code(&self, value: f64) -> f64 {
        let centered = (value - self.dark_signal) / self.photon_sensitivity;
        let encoded = 2.0 * sqrt(np_maximum(0.0, centered + THREE_EIGHTHS));
        round_ties_even(encoded / self.beta)
    }

    /// Formula mode: the decoded value of a code,
    /// `round(((code * beta)^2 / 4 - 1/8) * ps + dark)`.
    #[inline]
    pub fn formula_decoded(&self, code: f64) -> f64 {
        let scaled = code * self.beta;
        let photons = scaled * scaled / 4.0 - 0.125;
        round_ties_even(photons * self.photon_sensitivity + self.dark_signal)
    }

    /// Lookup mode: the correction the reference adds to the inverse-table entry of rank
    /// `rank` of `count`, before its cast to `decoded_dtype`:
    /// `rank / count * (first[count-1] - first[count-2]) / 2`.
    #[inline]
    pub fn ramp(rank: usize, count: usize, top_width: i64) -> f64 {
        rank as f64 / count as f64 * top_width as f64 / 2.0
    }

    /// The photon sensitivity.
    pub fn photon_sensitivity(&self) -> f64 {
        self.photon_sensitivity
    }

    /// The dark signal.
    pub fn dark_signal(&self) -> f64 {
        self.dark_signal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::Sample;

    fn everyday() -> PoissonRule {
        PoissonRule::new(&PoissonParams::new(50.0, 20.0))
    }

    /// The README's mode comparison (probes of `lut_i16_movie_g20_d50_u8` and
    /// `nolookup_i16_movie_g20_d50_u8`).
    #[test]
    fn the_two_modes_differ_as_the_fixtures_say() {
        let rule = everyday();
        for (input, lookup, formula) in [
            (50.0, 0.0, 2.0),
            (1000.0, 25.0, 28.0),
            (32_767.0, 159.0, 162.0),
        ] {
            assert_eq!(rule.table_code(input), lookup, "lookup code of {input}");
            assert_eq!(rule.formula_code(input), formula, "formula code of {input}");
        }
        assert_eq!(rule.table_code(53.0), 0.0);
        assert_eq!(rule.table_code(54.0), 1.0);
    }

    #[test]
    fn formula_decode_rounds_half_to_even_and_wraps() {
        let rule = everyday();
        assert_eq!(rule.formula_decoded(0.0), 48.0); // 47.5
        assert_eq!(rule.formula_decoded(2.0), 52.0); // 52.5
        assert_eq!(rule.formula_decoded(28.0), 1028.0);
        assert_eq!(rule.formula_decoded(162.0), 32_852.0);
        assert_eq!(i16::from_f64_numpy(rule.formula_decoded(162.0)), -32_684);
        assert_eq!(i16::from_f64_numpy(rule.formula_decoded(255.0)), 15_793);
    }

    #[test]
    fn maximum_propagates_nan() {
        assert!(np_maximum(0.0, f64::NAN).is_nan());
        assert_eq!(np_maximum(0.0, f64::NEG_INFINITY), 0.0);
        assert_eq!(np_maximum(0.0, 3.5), 3.5);
        // photon_sensitivity 0: NaN at the dark level, infinities elsewhere.
        let zero = PoissonRule::new(&PoissonParams::new(50.0, 0.0));
        assert!(zero.table_code(50.0).is_nan());
        assert_eq!(zero.table_code(49.0), 0.0);
        assert_eq!(zero.table_code(51.0), f64::INFINITY);
    }

    #[test]
    fn ramp_is_the_references() {
        // Everyday case: N = 160, top width 401: code 25 gets 31, code 159 gets 199.
        assert_eq!(PoissonRule::ramp(25, 160, 401).trunc(), 31.0);
        assert_eq!(PoissonRule::ramp(159, 160, 401).trunc(), 199.0);
        assert_eq!(PoissonRule::ramp(0, 160, 401), 0.0);
    }
}
