//! One configuration resolved for one sample type: the curve, the levels that get codes, the
//! code type, and the decode rule. Scalar and allocation-free; tables are a cache of it.

use crate::curve::Curve;
use crate::dtype::{Code, CodeType, DataType, Sample};
use crate::error::{ConfigError, V1Refusal};
use crate::fmath::{ceil, round_ties_even, trunc};
use crate::params::{CodecParams, Identity, TransformParams, V1Params};

/// The highest level of the anscombe-v1 table; larger samples clamp to it.
pub const V1_INPUT_MAX: i64 = 0x7FFF;

/// The levels a configuration gives codes to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Domain {
    /// Integer levels `lo..=hi`; samples outside are clamped into it.
    Integer {
        /// Lowest level; smaller samples take its code.
        lo: i64,
        /// Highest level; larger samples take its code.
        hi: i64,
    },
    /// Real levels from `floor` up; samples below it are clamped up, samples whose code
    /// exceeds the code type are rejected.
    Real {
        /// Lowest level; smaller samples take its code (0).
        floor: f64,
    },
}

/// How a code interval's midpoint becomes the decoded value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rounding {
    /// Toward zero, then into `[min, max]` (anscombe-v1 with an integer decoded dtype).
    Truncate { min: f64, max: f64 },
    /// Half to even (anscombe-transform, integer samples).
    HalfEven,
    /// Unchanged (float samples).
    Exact,
}

/// What decoding does with a code above the largest one encoding produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeyondMax {
    /// Decode it as the largest code (the reference's behaviour, kept by anscombe-v1).
    Clamp,
    /// Report it as corrupt (anscombe-transform).
    Reject,
}

/// Why one sample has no code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFault {
    /// NaN or an infinity.
    NotFinite,
    /// Above the largest level the code type represents (float samples only).
    AboveRange,
}

/// A configuration resolved for one sample type.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRule {
    identity: Identity,
    data_type: DataType,
    curve: Curve,
    domain: Domain,
    code_type: CodeType,
    min_code: i64,
    max_code: i64,
    beyond_max: BeyondMax,
    rounding: Rounding,
    refusal: Option<V1Refusal>,
}

impl CodeRule {
    /// Resolves `params` for samples of `data_type`, checking everything that can be checked
    /// before seeing data.
    ///
    /// # Errors
    /// [`ConfigError`] for a gain, zero level or beta out of range, and for an
    /// anscombe-transform code type too narrow for the input type.
    pub fn new(params: &CodecParams, data_type: DataType) -> Result<Self, ConfigError> {
        params.validate()?;
        match params {
            CodecParams::V1(p) => Self::v1(p, data_type),
            CodecParams::Transform(p) => Self::transform(p, data_type),
        }
    }

    fn v1(p: &V1Params, data_type: DataType) -> Result<Self, ConfigError> {
        let curve = Curve::new(p.zero_level, p.conversion_gain, p.beta, 0.0);
        let rounding = match p.decoded_dtype.integer_range() {
            Some((min, max)) => Rounding::Truncate {
                min: min as f64,
                max: max as f64,
            },
            None if data_type.is_float() => Rounding::Exact,
            None => Rounding::Truncate {
                min: f64::NEG_INFINITY,
                max: f64::INFINITY,
            },
        };
        let mut rule = CodeRule {
            identity: Identity::V1,
            data_type,
            curve,
            domain: Domain::Integer {
                lo: 0,
                hi: V1_INPUT_MAX,
            },
            code_type: p.encoded_dtype,
            min_code: 0,
            max_code: 0,
            beyond_max: BeyondMax::Clamp,
            rounding,
            refusal: None,
        };
        rule.check_range()?;
        rule.min_code = rule.code_at(0);
        rule.max_code = rule.code_at(V1_INPUT_MAX);
        rule.refusal = if data_type.is_float() {
            Some(V1Refusal::FloatInput(data_type))
        } else {
            rule.v1_table_defect(p)
        };
        Ok(rule)
    }

    /// The first defect of the reference table that would corrupt data, if any.
    fn v1_table_defect(&self, p: &V1Params) -> Option<V1Refusal> {
        if self.min_code < 0 {
            return Some(V1Refusal::Negative {
                zero_level: p.zero_level,
                min_code: self.min_code,
            });
        }
        let mut previous = self.min_code;
        for level in 1..=V1_INPUT_MAX {
            let code = self.code_at(level);
            if code > previous + 1 {
                return Some(V1Refusal::Skips {
                    gain: p.conversion_gain,
                    missing: previous + 1,
                });
            }
            previous = code;
        }
        (self.max_code > self.code_type.max_code()).then_some(V1Refusal::Wraps {
            max_code: self.max_code,
            code_type: self.code_type,
        })
    }

    fn transform(p: &TransformParams, data_type: DataType) -> Result<Self, ConfigError> {
        let (zero_level, gain, requested) = (p.zero_level, p.conversion_gain, p.encoded_dtype);
        let floor = zero_level.min(0.0);
        let curve = Curve::new(zero_level, gain, p.beta, floor);
        let mut rule = CodeRule {
            identity: Identity::Transform,
            data_type,
            curve,
            domain: Domain::Real { floor },
            code_type: requested.unwrap_or(CodeType::U16),
            min_code: 0,
            max_code: 0,
            beyond_max: BeyondMax::Reject,
            rounding: if data_type.is_float() {
                Rounding::Exact
            } else {
                Rounding::HalfEven
            },
            refusal: None,
        };
        match data_type.integer_range() {
            None => {
                rule.max_code = rule.code_type.max_code();
                rule.check_range()?;
            }
            Some((type_min, type_max)) => {
                let lo = type_min.max(ceil(floor) as i64);
                rule.domain = Domain::Integer { lo, hi: type_max };
                rule.check_range()?;
                rule.min_code = rule.code_at(lo);
                rule.max_code = rule.code_at(type_max);
                let max_code = rule.max_code;
                rule.code_type = match requested {
                    Some(code_type) if max_code > code_type.max_code() => {
                        return Err(ConfigError::CodeOverflow {
                            data_type,
                            max_code,
                            code_type,
                        });
                    }
                    Some(code_type) => code_type,
                    None => CodeType::narrowest_for(max_code).ok_or(ConfigError::NoCodeType {
                        data_type,
                        max_code,
                        gain,
                    })?,
                };
            }
        }
        Ok(rule)
    }

    /// Rejects parameters that put the codes at the domain's ends beyond any code type (or
    /// beyond floating-point range), before anything computes with them.
    fn check_range(&self) -> Result<(), ConfigError> {
        /// Far above `uint32`, far below where code arithmetic in `i64` could overflow.
        const LIMIT: f64 = (1u64 << 40) as f64;
        let ends = match self.domain {
            Domain::Integer { lo, hi } => [self.curve.y(lo as f64), self.curve.y(hi as f64)],
            Domain::Real { floor } => [
                self.curve.y(floor),
                self.curve.level(self.max_code as f64 + 0.5),
            ],
        };
        let codes_fine = match self.domain {
            Domain::Integer { .. } => ends.iter().all(|y| y.abs() <= LIMIT),
            Domain::Real { .. } => ends.iter().all(|y| y.is_finite()) && ends[0].abs() <= LIMIT,
        };
        if codes_fine {
            Ok(())
        } else {
            Err(ConfigError::Extreme {
                zero_level: self.curve.zero_level(),
                gain: self.curve.gain(),
                data_type: self.data_type,
            })
        }
    }

    /// The codec identity.
    pub fn identity(&self) -> Identity {
        self.identity
    }

    /// The sample type this rule was resolved for.
    pub fn data_type(&self) -> DataType {
        self.data_type
    }

    /// The curve.
    pub fn curve(&self) -> &Curve {
        &self.curve
    }

    /// The levels that get codes.
    pub fn domain(&self) -> Domain {
        self.domain
    }

    /// The code type (given, or chosen for the input type).
    pub fn code_type(&self) -> CodeType {
        self.code_type
    }

    /// The code of the domain's lowest level.
    pub fn min_code(&self) -> i64 {
        self.min_code
    }

    /// The largest code encoding produces (for float samples: the code type's largest).
    pub fn max_code(&self) -> i64 {
        self.max_code
    }

    /// What decoding does with codes above [`CodeRule::max_code`].
    pub fn beyond_max(&self) -> BeyondMax {
        self.beyond_max
    }

    /// Why anscombe-v1 refuses to encode with this configuration, if it does.
    pub fn refusal(&self) -> Option<V1Refusal> {
        self.refusal
    }

    /// The code of an integer level, without clamping (the level must be in the domain).
    #[inline]
    pub fn code_at(&self, level: i64) -> i64 {
        self.curve.code(level as f64) as i64
    }

    /// The code of one sample value: clamped into the domain, then rounded off the curve.
    ///
    /// # Errors
    /// [`SampleFault`] for NaN, infinities, and float samples above the code type's range.
    #[inline]
    pub fn encode_value(&self, value: f64) -> Result<i64, SampleFault> {
        if !value.is_finite() {
            return Err(SampleFault::NotFinite);
        }
        let (low, high) = self.clamp_bounds();
        let code = self.curve.code(value.clamp(low, high));
        if code > self.max_code as f64 {
            return Err(SampleFault::AboveRange);
        }
        Ok(code as i64)
    }

    /// The levels samples are clamped to before their code is taken: the domain's ends, with
    /// no upper end for float samples.
    pub fn clamp_bounds(&self) -> (f64, f64) {
        match self.domain {
            Domain::Integer { lo, hi } => (lo as f64, hi as f64),
            Domain::Real { floor } => (floor, f64::INFINITY),
        }
    }

    /// The smallest level in an integer domain whose code is at least `code`.
    fn first_at_least(&self, code: i64, lo: i64, hi: i64) -> Option<i64> {
        if self.max_code < code {
            return None;
        }
        if self.min_code >= code {
            return Some(lo);
        }
        // Start from the inverse curve's estimate, widen until code(below) < code <= code(above),
        // then bisect. The estimate is off by a level or two at most; the widening makes the
        // search exact whatever it is.
        let estimate = ceil(self.curve.level(code as f64 - 0.5));
        let start = if estimate.is_finite() {
            (estimate as i64).clamp(lo, hi)
        } else {
            lo
        };
        let (mut below, mut above);
        if self.code_at(start) >= code {
            above = start;
            let mut step = 1_i64;
            loop {
                let probe = above.saturating_sub(step).max(lo);
                if self.code_at(probe) < code {
                    below = probe;
                    break;
                }
                above = probe;
                step = step.saturating_mul(2);
            }
        } else {
            below = start;
            let mut step = 1_i64;
            loop {
                let probe = below.saturating_add(step).min(hi);
                if self.code_at(probe) >= code {
                    above = probe;
                    break;
                }
                below = probe;
                step = step.saturating_mul(2);
            }
        }
        while above - below > 1 {
            let middle = below + (above - below) / 2;
            if self.code_at(middle) >= code {
                above = middle;
            } else {
                below = middle;
            }
        }
        Some(above)
    }

    /// The first and last integer level with this code, or `None` when no level has it
    /// (or the domain is real).
    pub fn interval(&self, code: i64) -> Option<(i64, i64)> {
        let Domain::Integer { lo, hi } = self.domain else {
            return None;
        };
        let first = self.first_at_least(code, lo, hi)?;
        if self.code_at(first) != code {
            return None;
        }
        let last = self
            .first_at_least(code + 1, lo, hi)
            .map_or(hi, |next| next - 1);
        Some((first, last))
    }

    /// The midpoint of the real levels whose code coordinate rounds to `code`.
    #[allow(
        clippy::manual_midpoint,
        reason = "the spec defines the midpoint as (a + b) / 2"
    )]
    fn real_midpoint(&self, code: i64, floor: f64) -> f64 {
        let low = self.curve.level(code as f64 - 0.5).max(floor);
        let high = self.curve.level(code as f64 + 0.5);
        (low + high) / 2.0
    }

    /// The decoded value of a code, before conversion to the sample type; `None` for a code
    /// anscombe-transform rejects (above [`CodeRule::max_code`]).
    #[allow(
        clippy::manual_midpoint,
        reason = "the spec defines the midpoint as (a + b) / 2"
    )]
    pub fn decoded_value(&self, code: i64) -> Option<f64> {
        let code = if code > self.max_code {
            match self.beyond_max {
                BeyondMax::Clamp => self.max_code,
                BeyondMax::Reject => return None,
            }
        } else {
            code
        };
        let midpoint = match self.domain {
            Domain::Integer { .. } => match self.interval(code) {
                Some((first, last)) => (first as f64 + last as f64) / 2.0,
                None => self.real_midpoint(code, f64::NEG_INFINITY),
            },
            Domain::Real { floor } => self.real_midpoint(code, floor),
        };
        Some(match self.rounding {
            Rounding::Truncate { min, max } => trunc(midpoint).clamp(min, max),
            Rounding::HalfEven => round_ties_even(midpoint),
            Rounding::Exact => midpoint,
        })
    }

    /// Fills a forward table indexed by sample bit pattern: `table[i]` is the code of
    /// `I::from_bit_index(i)`. `table` should have `1 << I::TABLE_BITS` entries (256 or
    /// 65 536; wider types have no table). Codes that do not fit `C` wrap, as in the reference;
    /// [`CodeRule::refusal`] reports such a configuration and encoding refuses it.
    pub fn fill_forward_table<I: Sample, C: Code>(&self, table: &mut [C]) {
        for (index, slot) in table.iter_mut().enumerate() {
            // Tables exist for integer samples only, whose domain clamps and never faults.
            let code = self
                .encode_value(I::from_bit_index(index).to_f64())
                .unwrap_or(0);
            *slot = C::from_code(code);
        }
    }

    /// Fills a decode table indexed by code: `table[c]` is the decoded sample of code `c`.
    /// Entries for codes that anscombe-transform rejects hold 0; decoding checks codes
    /// against [`CodeRule::max_code`] before it reads them.
    pub fn fill_decode_table<I: Sample>(&self, table: &mut [I]) {
        let computed = usize::try_from(self.max_code.saturating_add(1))
            .unwrap_or(0)
            .min(table.len());
        let (direct, beyond) = table.split_at_mut(computed);
        for (code, slot) in direct.iter_mut().enumerate() {
            *slot = I::from_f64(self.decoded_value(code as i64).unwrap_or(0.0));
        }
        let fill = I::from_f64(
            self.decoded_value(self.max_code.saturating_add(1))
                .unwrap_or(0.0),
        );
        beyond.fill(fill);
    }

    /// Half a level in photons when integer samples round the midpoint, else 0.
    fn rounding_slack(&self) -> f64 {
        match self.rounding {
            Rounding::Exact => 0.0,
            Rounding::HalfEven | Rounding::Truncate { .. } => 0.5 / self.curve.gain(),
        }
    }

    /// The largest error, in photons, of decoding a level of the domain (the spec's bound):
    /// half a code interval, plus half a level when integer samples round the midpoint.
    pub fn error_bound_photons(&self, level: f64) -> f64 {
        self.curve.half_step_photons(self.curve.photons(level)) + self.rounding_slack()
    }

    /// True when an error of `error` photons at `level` is beyond
    /// [`CodeRule::error_bound_photons`] times `1 + slack`, plus `slack` (room for the last bit
    /// of the arithmetic); without a square root, for checking every sample of a movie.
    #[inline]
    pub fn beyond_error_bound(&self, level: f64, error: f64, slack: f64) -> bool {
        let amount = (error.abs() - slack) / (1.0 + slack) - self.rounding_slack();
        self.curve
            .exceeds_half_step(self.curve.photons(level), amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beyond_the_error_bound_agrees_with_the_bound() {
        let params = TransformParams::new(100.0, 40.0).into();
        let rule = CodeRule::new(&params, DataType::U16).expect("valid");
        for level in [0.0, 100.0, 140.0, 5000.0, 65_535.0] {
            let bound = rule.error_bound_photons(level);
            for error in [
                0.0,
                bound * 0.999,
                -bound * 0.999,
                bound * 1.001,
                -bound * 1.001,
            ] {
                assert_eq!(
                    rule.beyond_error_bound(level, error, 0.0),
                    error.abs() > bound,
                    "{level} {error}"
                );
            }
        }
    }

    fn v1(zero_level: f64, gain: f64, code_type: CodeType) -> CodeRule {
        let params = V1Params {
            encoded_dtype: code_type,
            ..V1Params::new(zero_level, gain)
        };
        CodeRule::new(&params.into(), DataType::I16).expect("valid v1 parameters")
    }

    fn transform(zero_level: f64, gain: f64, data_type: DataType) -> CodeRule {
        CodeRule::new(&TransformParams::new(zero_level, gain).into(), data_type)
            .expect("valid parameters")
    }

    #[test]
    fn v1_refuses_the_reference_defects() {
        assert_eq!(v1(100.0, 40.0, CodeType::U8).refusal(), None);
        assert_eq!(
            v1(100.0, 10.0, CodeType::U8).refusal(),
            Some(V1Refusal::Wraps {
                max_code: 259,
                code_type: CodeType::U8
            })
        );
        assert_eq!(v1(100.0, 10.0, CodeType::U16).refusal(), None);
        assert!(matches!(
            v1(100.0, 2.0, CodeType::U16).refusal(),
            Some(V1Refusal::Skips { missing, .. }) if missing > 0
        ));
        assert!(matches!(
            v1(-1000.0, 10.0, CodeType::U16).refusal(),
            Some(V1Refusal::Negative { min_code: -289, .. })
        ));
        let float =
            CodeRule::new(&V1Params::new(0.0, 40.0).into(), DataType::F32).expect("decodable");
        assert_eq!(float.refusal(), Some(V1Refusal::FloatInput(DataType::F32)));
    }

    #[test]
    fn invalid_parameters_are_errors() {
        for gain in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let params = TransformParams::new(0.0, gain).into();
            assert!(matches!(
                CodeRule::new(&params, DataType::U16),
                Err(ConfigError::Gain(_))
            ));
        }
        for zero_level in [f64::NAN, f64::NEG_INFINITY] {
            let params = TransformParams::new(zero_level, 1.0).into();
            assert!(matches!(
                CodeRule::new(&params, DataType::U16),
                Err(ConfigError::ZeroLevel(_))
            ));
        }
        for beta in [0.0, -0.5, 1.5, f64::NAN] {
            let params = TransformParams {
                beta,
                ..TransformParams::new(0.0, 1.0)
            }
            .into();
            assert!(matches!(
                CodeRule::new(&params, DataType::U16),
                Err(ConfigError::Beta {
                    range: "(0, 1]",
                    ..
                })
            ));
        }
        // The reference's table functions accept any positive beta; so does v1.
        let params = V1Params {
            beta: 2.0,
            ..V1Params::new(50.0, 20.0)
        }
        .into();
        assert!(CodeRule::new(&params, DataType::U16).is_ok());
        let extreme = TransformParams::new(1e300, 1e-300).into();
        assert!(matches!(
            CodeRule::new(&extreme, DataType::I32),
            Err(ConfigError::Extreme { .. } | ConfigError::NoCodeType { .. })
        ));
    }

    #[test]
    fn transform_chooses_or_checks_the_code_type() {
        assert_eq!(
            transform(100.0, 40.0, DataType::U16).code_type(),
            CodeType::U8
        );
        assert_eq!(
            transform(10.0, 4.0, DataType::U16).code_type(),
            CodeType::U16
        );
        assert_eq!(
            transform(0.0, 0.01, DataType::U32).code_type(),
            CodeType::U32
        );
        assert_eq!(
            transform(0.0, 1.0, DataType::F32).code_type(),
            CodeType::U16
        );
        let narrow = TransformParams {
            encoded_dtype: Some(CodeType::U8),
            ..TransformParams::new(10.0, 4.0)
        };
        assert!(matches!(
            CodeRule::new(&narrow.into(), DataType::U16),
            Err(ConfigError::CodeOverflow { max_code, code_type: CodeType::U8, .. }) if max_code > 255
        ));
    }

    #[test]
    fn signed_code_types_are_checked_and_never_chosen() {
        let with = |code_type| {
            CodeRule::new(
                &TransformParams {
                    encoded_dtype: Some(code_type),
                    ..TransformParams::new(100.0, 40.0)
                }
                .into(),
                DataType::U16,
            )
        };
        // Spec section 5: gain 40, zero level 100 on uint16 gives max_code 168.
        assert_eq!(
            with(CodeType::I16).map(|r| r.code_type()),
            Ok(CodeType::I16)
        );
        assert_eq!(with(CodeType::I16).map(|r| r.max_code()), Ok(168));
        let refused = with(CodeType::I8).expect_err("168 does not fit int8");
        assert!(
            matches!(
                refused,
                ConfigError::CodeOverflow {
                    max_code: 168,
                    code_type: CodeType::I8,
                    ..
                }
            ),
            "{refused:?}"
        );
        assert!(
            refused.to_string().contains("use encoded_dtype uint8"),
            "{refused}"
        );
        assert_eq!(
            transform(100.0, 40.0, DataType::U16).code_type(),
            CodeType::U8
        );
    }

    #[test]
    fn transform_floor_is_zero_or_the_zero_level() {
        // Non-negative zero level: code 0 at level 0, negatives clamp to it.
        let rule = transform(100.0, 40.0, DataType::I16);
        assert_eq!(
            rule.domain(),
            Domain::Integer {
                lo: 0,
                hi: i64::from(i16::MAX)
            }
        );
        assert_eq!(rule.encode_value(-500.0), Ok(0));
        // Negative zero level: code 0 at the zero level, so no photon count is clamped.
        let rule = transform(-5.0, 100.0, DataType::I16);
        assert_eq!(
            rule.domain(),
            Domain::Integer {
                lo: -5,
                hi: i64::from(i16::MAX)
            }
        );
        assert_eq!(rule.encode_value(-5.0), Ok(0));
        let rule = transform(-5.5, 1.0, DataType::F32);
        assert_eq!(rule.domain(), Domain::Real { floor: -5.5 });
        assert_eq!(rule.encode_value(-100.0), Ok(0));
    }

    #[test]
    fn float_faults() {
        let rule = transform(0.0, 1.0, DataType::F64);
        assert_eq!(rule.encode_value(f64::NAN), Err(SampleFault::NotFinite));
        assert_eq!(
            rule.encode_value(f64::INFINITY),
            Err(SampleFault::NotFinite)
        );
        assert_eq!(rule.encode_value(1e12), Err(SampleFault::AboveRange));
        assert_eq!(rule.encode_value(1e6), Ok(rule.curve().code(1e6) as i64));
    }

    #[test]
    fn beyond_max_clamps_for_v1_and_is_rejected_by_transform() {
        let rule = v1(100.0, 40.0, CodeType::U8);
        assert_eq!(rule.max_code(), 120);
        assert_eq!(rule.decoded_value(200), rule.decoded_value(120));
        let rule = transform(100.0, 40.0, DataType::U16);
        assert!(rule.decoded_value(rule.max_code()).is_some());
        assert_eq!(rule.decoded_value(rule.max_code() + 1), None);
    }

    #[test]
    fn intervals_match_a_scan_of_every_level() {
        for rule in [
            transform(100.0, 40.0, DataType::U16),
            transform(-30.0, 1.5, DataType::I16),
            v1(100.0, 2.0, CodeType::U16),
        ] {
            let Domain::Integer { lo, hi } = rule.domain() else {
                panic!("integer domain")
            };
            let mut first = lo;
            for level in lo..=hi + 1 {
                if level == hi + 1 || rule.code_at(level) != rule.code_at(first) {
                    assert_eq!(rule.interval(rule.code_at(first)), Some((first, level - 1)));
                    // Codes jumped over have no interval.
                    if level <= hi {
                        for skipped in rule.code_at(first) + 1..rule.code_at(level) {
                            assert_eq!(rule.interval(skipped), None);
                        }
                    }
                    first = level;
                }
            }
        }
    }

    #[test]
    fn unreached_codes_decode_between_their_neighbours() {
        let rule = v1(100.0, 2.0, CodeType::U16);
        let Some(V1Refusal::Skips { missing, .. }) = rule.refusal() else {
            panic!("gaps")
        };
        assert_eq!(rule.interval(missing), None);
        let below = rule.decoded_value(missing - 1).expect("clamped");
        let gap = rule.decoded_value(missing).expect("clamped");
        let above = rule.decoded_value(missing + 1).expect("clamped");
        assert!(below <= gap && gap <= above, "{below} {gap} {above}");
    }
}
