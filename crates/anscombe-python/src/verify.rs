//! The check `anscombe verify` makes, on arrays in memory: the error of decoded samples against
//! the originals, in photons, and how many exceed the specification's bound.

use anscombe_core::{CodeRule, Domain, Sample};
use rayon::prelude::*;
use serde::Serialize;

/// Errors of decoded samples against the originals, in photons (the CLI's report).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ErrorSummary {
    /// Samples inside the codec's domain, where the bound applies.
    pub samples_checked: u64,
    /// Samples outside it (clamped by design: below the floor, or above anscombe-v1's 32767).
    pub samples_clamped: u64,
    /// Largest absolute error.
    pub max_abs_photons: f64,
    /// Root mean square error.
    pub rms_photons: f64,
    /// Mean error (decoded minus original).
    pub bias_photons: f64,
    /// Samples whose error exceeds the bound at their level.
    pub beyond_bound: u64,
}

impl ErrorSummary {
    /// True when no sample is beyond the bound.
    pub fn passed(&self) -> bool {
        self.beyond_bound == 0
    }
}

/// Running sums of one part of the arrays.
#[derive(Debug, Clone, Copy, Default)]
struct Partial {
    checked: u64,
    clamped: u64,
    max_abs: f64,
    sum: f64,
    sum_squares: f64,
    beyond: u64,
}

impl Partial {
    fn merge(self, other: Partial) -> Partial {
        Partial {
            checked: self.checked + other.checked,
            clamped: self.clamped + other.clamped,
            max_abs: self.max_abs.max(other.max_abs),
            sum: self.sum + other.sum,
            sum_squares: self.sum_squares + other.sum_squares,
            beyond: self.beyond + other.beyond,
        }
    }
}

/// Samples per parallel task.
const PART: usize = 1 << 16;

/// Compares decoded samples with the originals they came from, sample by sample, under `rule`
/// (the codec resolved for the samples' type). Arrays of different lengths compare their
/// common prefix; callers check shapes first.
pub fn compare<T: Sample>(rule: &CodeRule, original: &[T], decoded: &[T]) -> ErrorSummary {
    let gain = rule.curve().gain();
    let in_domain = |v: f64| match rule.domain() {
        Domain::Integer { lo, hi } => v >= lo as f64 && v <= hi as f64,
        Domain::Real { floor } => v >= floor,
    };
    let total = original
        .par_chunks(PART)
        .zip(decoded.par_chunks(PART))
        .map(|(original, decoded)| {
            let mut part = Partial::default();
            for (&level, &back) in original.iter().zip(decoded) {
                let (level, back) = (level.to_f64(), back.to_f64());
                if !in_domain(level) {
                    part.clamped += 1;
                    continue;
                }
                let error = (back - level) / gain;
                part.checked += 1;
                part.sum += error;
                part.sum_squares += error * error;
                part.max_abs = part.max_abs.max(error.abs());
                // The bound, with room for the last bit of the arithmetic (as the CLI).
                part.beyond +=
                    u64::from(error.abs() > rule.error_bound_photons(level) * (1.0 + 1e-9) + 1e-9);
            }
            part
        })
        .reduce(Partial::default, Partial::merge);
    let n = total.checked.max(1) as f64;
    ErrorSummary {
        samples_checked: total.checked,
        samples_clamped: total.clamped,
        max_abs_photons: total.max_abs,
        rms_photons: (total.sum_squares / n).sqrt(),
        bias_photons: total.sum / n,
        beyond_bound: total.beyond,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anscombe_core::{Codec, DataType, TransformParams, V1Params};

    #[test]
    fn a_round_trip_is_within_the_bound_and_a_shift_is_not() {
        let params = TransformParams::new(100.0, 40.0).into();
        let codec = Codec::<u16, u8>::new(&params).expect("codec");
        let original: Vec<u16> = (0..200_000u32).map(|i| (i % 6000) as u16).collect();
        let mut codes = vec![0u8; original.len()];
        codec.encode(&original, &mut codes).expect("encode");
        let mut decoded = vec![0u16; original.len()];
        codec.decode(&codes, &mut decoded).expect("decode");
        let summary = compare(codec.rule(), &original, &decoded);
        assert!(summary.passed(), "{summary:?}");
        assert_eq!(summary.samples_checked + summary.samples_clamped, 200_000);
        assert!(summary.max_abs_photons > 0.0 && summary.bias_photons.abs() < 0.1);

        let shifted: Vec<u16> = decoded.iter().map(|&v| v.saturating_add(200)).collect();
        let summary = compare(codec.rule(), &original, &shifted);
        assert!(!summary.passed());
        assert!((summary.bias_photons - 5.0).abs() < 0.1, "{summary:?}");
    }

    #[test]
    fn samples_outside_the_domain_are_counted_apart() {
        let rule = CodeRule::new(&V1Params::new(100.0, 40.0).into(), DataType::I32).expect("rule");
        let summary = compare(&rule, &[-5i32, 40_000, 500], &[0, 32_767, 500]);
        assert_eq!((summary.samples_checked, summary.samples_clamped), (1, 2));
        assert_eq!(summary.max_abs_photons, 0.0);
    }
}
