//! Which of the reference's defects a configuration has, with the numbers that say what they
//! cost. One analysis serves reading (what a store's values mean, said once to the user) and
//! writing (refused when any defect would lose data), so every caller says the same thing.

use alloc::vec::Vec;
use core::fmt;

use crate::dtype::{CodeType, DataType};
use crate::numpy::{cast_f64, wrap_i64};
use crate::poisson::params::PoissonParams;
use crate::poisson::rule::PoissonRule;
use crate::poisson::table::{LookupTable, stored_code};

/// One defect of the reference that a configuration has.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Quirk {
    /// `photon_sensitivity` is 0 or below: the reference accepts it, and what it computes is
    /// meaningless.
    NonPositiveSensitivity {
        /// The value configured.
        photon_sensitivity: f64,
    },
    /// (a) Codes past the encoded type wrap modulo 2^bits.
    CodeWrap(CodeWrap),
    /// (b) The inverse table is indexed by rank, and the table skips codes.
    RankDecode(RankDecode),
    /// (c) An inverse-table entry is past the decoded type and wraps.
    RampOverflow(RampOverflow),
    /// (d) Formula decoding leaves the decoded type and wraps.
    DecodeOverflow(DecodeOverflow),
}

impl Quirk {
    /// The letter the fixtures' README gives the quirk (`a` .. `d`, or `nonsense`).
    pub const fn letter(&self) -> &'static str {
        match self {
            Quirk::NonPositiveSensitivity { .. } => "nonsense",
            Quirk::CodeWrap(_) => "a",
            Quirk::RankDecode(_) => "b",
            Quirk::RampOverflow(_) => "c",
            Quirk::DecodeOverflow(_) => "d",
        }
    }

    /// A short name.
    pub const fn name(&self) -> &'static str {
        match self {
            Quirk::NonPositiveSensitivity { .. } => "non-positive photon_sensitivity",
            Quirk::CodeWrap(_) => "code wrap",
            Quirk::RankDecode(_) => "rank-indexed inverse table",
            Quirk::RampOverflow(_) => "inverse-table overflow",
            Quirk::DecodeOverflow(_) => "formula decode overflow",
        }
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quirk::NonPositiveSensitivity { photon_sensitivity } => write!(
                f,
                "photon_sensitivity {photon_sensitivity} is not above 0: the reference accepts \
                 it, and every code and decoded value is meaningless"
            ),
            Quirk::CodeWrap(q) => q.fmt(f),
            Quirk::RankDecode(q) => q.fmt(f),
            Quirk::RampOverflow(q) => q.fmt(f),
            Quirk::DecodeOverflow(q) => q.fmt(f),
        }
    }
}

/// (a) Codes above the encoded type's largest value, stored modulo 2^bits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodeWrap {
    /// The encoded type.
    pub code_type: CodeType,
    /// The largest code before the cast (may be infinite in formula mode).
    pub max_code: f64,
    /// The largest input whose code fits; `None` when none does.
    pub last_kept: Option<f64>,
    /// An input whose code wraps: the range's largest.
    pub example_input: f64,
    /// The code it is stored as.
    pub example_code: u32,
    /// What decoding returns for it.
    pub example_decoded: f64,
}

impl fmt::Display for CodeWrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("code wrap: ")?;
        match self.last_kept {
            Some(level) => write!(f, "inputs above {}", Num(level))?,
            None => f.write_str("all inputs")?,
        }
        write!(
            f,
            " get codes past {} (up to {}), which are stored modulo 2^{} (input {} as code {}, \
             which reads back as {}); those samples cannot be recovered",
            self.code_type,
            Num(self.max_code),
            8 * self.code_type.data_type().size(),
            Num(self.example_input),
            self.example_code,
            Num(self.example_decoded)
        )
    }
}

/// (b) Codes the table skips, so that decoding (by rank) returns a higher code's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankDecode {
    /// The first code value the table never produces.
    pub first_skipped: u32,
    /// How many code values below the largest one it never produces.
    pub skipped: u64,
    /// The first input level whose code is decoded as another code's.
    pub first_input: i64,
    /// The input with the largest shift: the first level of its code.
    pub example_input: i64,
    /// Its code.
    pub example_code: u32,
    /// What decoding returns for it.
    pub example_decoded: i64,
    /// What the code's own entry (by rank) holds.
    pub own_entry: i64,
}

impl fmt::Display for RankDecode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rank-indexed inverse table: the table never produces code {}{} and the reference \
             looks codes up by rank, so inputs from {} up read back in a higher code's range \
             (input {} has code {} and reads back as {}, where its own entry is {}); the \
             stored codes are intact",
            self.first_skipped,
            if self.skipped > 1 {
                alloc::format!(" (nor {} more)", self.skipped - 1)
            } else {
                alloc::string::String::new()
            },
            self.first_input,
            self.example_input,
            self.example_code,
            self.example_decoded,
            self.own_entry
        )
    }
}

/// (c) An inverse-table entry (after the reference's ramp) outside the decoded type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RampOverflow {
    /// The decoded type.
    pub decoded_dtype: DataType,
    /// The first entry (rank) past the type; codes from here up read it or later ones.
    pub rank: usize,
    /// Its value.
    pub entry: i64,
    /// What it reads back as.
    pub reads_as: i64,
    /// The first input level whose code reads an overflowing entry.
    pub first_input: i64,
}

impl fmt::Display for RampOverflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "inverse-table overflow: the reference's correction ramp lifts table entry {} to \
             {}, past {}, so it reads back as {}; inputs from {} up come back as about {} \
             (the stored codes are intact)",
            self.rank,
            self.entry,
            self.decoded_dtype,
            self.reads_as,
            self.first_input,
            self.reads_as
        )
    }
}

/// (d) Formula decoding beyond the decoded type, which wraps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodeOverflow {
    /// The decoded type.
    pub decoded_dtype: DataType,
    /// Above the type's largest value (`true`) or below its smallest.
    pub high: bool,
    /// The first code past the type going outward (the smallest such code for `high`, the
    /// largest for the low end).
    pub code: u64,
    /// What the formula gives it.
    pub value: f64,
    /// What that reads back as.
    pub reads_as: f64,
    /// The first input level (for `high`) or the last (for the low end) with such a code.
    pub input: f64,
}

impl fmt::Display for DecodeOverflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (side, extreme, codes, inputs) = if self.high {
            ("above", "largest", "from", "from")
        } else {
            ("below", "smallest", "up to", "up to")
        };
        let inputs_end = if self.high { " up" } else { "" };
        write!(
            f,
            "formula decode overflow: codes {codes} {} decode {side} the {extreme} {} value \
             (code {} gives {}, which reads back as {}), so inputs {inputs} {}{inputs_end} \
             cannot be read back (the stored codes are intact)",
            self.code,
            self.decoded_dtype,
            self.code,
            Num(self.value),
            Num(self.reads_as),
            Num(self.input)
        )
    }
}

/// A configuration to write with instead, free of every quirk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SafeChoice {
    /// The same, with another `encoded_dtype` (uint16).
    EncodedDtype(CodeType),
    /// The same, in the other mode (`use_lookup`).
    UseLookup(bool),
    /// The other mode with another `encoded_dtype`.
    UseLookupWith(bool, CodeType),
    /// A photon sensitivity above 0.
    PositiveSensitivity,
    /// The `anscombe-transform` codec: every code decoded by its own value, no wrap.
    AnscombeTransform,
}

impl fmt::Display for SafeChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SafeChoice::EncodedDtype(code_type) => write!(f, "encoded_dtype {code_type}"),
            SafeChoice::UseLookup(lookup) => write!(f, "use_lookup {lookup}"),
            SafeChoice::UseLookupWith(lookup, code_type) => {
                write!(f, "use_lookup {lookup} with encoded_dtype {code_type}")
            }
            SafeChoice::PositiveSensitivity => {
                f.write_str("the camera's photon_sensitivity (levels per photon, above 0)")
            }
            SafeChoice::AnscombeTransform => f.write_str(
                "the anscombe-transform codec, which decodes every code by its own value and \
                 checks that codes fit",
            ),
        }
    }
}

/// Integers without a fraction, other numbers with up to 4 decimals.
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.is_finite() || crate::fmath::trunc(self.0) == self.0 {
            write!(f, "{}", self.0)
        } else {
            let rounded = crate::fmath::round_ties_even(self.0 * 1e4) / 1e4;
            write!(f, "{rounded}")
        }
    }
}

/// The levels a formula-mode analysis considers: an integer type's range, or floats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum InputRange {
    /// Every integer from `lo` to `hi`.
    Integer {
        /// Smallest.
        lo: i64,
        /// Largest.
        hi: i64,
    },
    /// Float samples: their codes are checked one by one when writing, and a store of them
    /// says nothing of which codes were reached.
    Float,
}

impl InputRange {
    /// The range of samples of `data_type`.
    pub(crate) fn of(data_type: DataType) -> Self {
        match data_type.integer_range() {
            Some((lo, hi)) => InputRange::Integer { lo, hi },
            None => InputRange::Float,
        }
    }
}

/// Lookup mode: the quirks of a table (inputs always span the whole table).
pub(crate) fn lookup_quirks(params: &PoissonParams, table: &LookupTable) -> Vec<Quirk> {
    if params.photon_sensitivity <= 0.0 {
        return alloc::vec![Quirk::NonPositiveSensitivity {
            photon_sensitivity: params.photon_sensitivity
        }];
    }
    let mut quirks = Vec::new();
    if let Some(first) = table.first_wrapped() {
        let top = table.top();
        let code = table.forward()[top];
        quirks.push(Quirk::CodeWrap(CodeWrap {
            code_type: params.encoded_dtype,
            max_code: table.raw_max(),
            last_kept: first.checked_sub(1).map(|level| level as f64),
            example_input: top as f64,
            example_code: code,
            example_decoded: table.decoded(u64::from(code)) as f64,
        }));
    }
    if let Some(rank) = rank_decode(table) {
        quirks.push(Quirk::RankDecode(rank));
    }
    if let Some(overflow) = ramp_overflow(params, table) {
        quirks.push(Quirk::RampOverflow(overflow));
    }
    quirks
}

fn rank_decode(table: &LookupTable) -> Option<RankDecode> {
    let distinct = table.distinct_codes();
    let start = distinct
        .iter()
        .enumerate()
        .position(|(rank, &code)| code as usize != rank)?;
    let count = distinct.len();
    let inverse = table.inverse();
    // The code whose value lands furthest from its own entry.
    let (rank, _) = (start..count)
        .map(|rank| {
            let read = table.entry(u64::from(distinct[rank]));
            (rank, read.abs_diff(inverse[rank]))
        })
        .max_by_key(|&(rank, shift)| (shift, core::cmp::Reverse(rank)))?;
    let code = distinct[rank];
    Some(RankDecode {
        first_skipped: start as u32,
        skipped: u64::from(distinct[count - 1]) + 1 - count as u64,
        first_input: table.first_levels()[start],
        example_input: table.first_levels()[rank],
        example_code: code,
        example_decoded: table.decoded(u64::from(code)),
        own_entry: wrap_i64(inverse[rank], table.decoded_dtype()),
    })
}

fn ramp_overflow(params: &PoissonParams, table: &LookupTable) -> Option<RampOverflow> {
    let inverse = table.inverse();
    let overflows = |rank: usize| wrap_i64(inverse[rank], params.decoded_dtype) != inverse[rank];
    let rank = (0..inverse.len()).find(|&rank| overflows(rank))?;
    let last = inverse.len() - 1;
    let first_input = table
        .forward()
        .iter()
        .position(|&code| overflows((code as usize).min(last)))
        .map_or(table.top() as i64, |level| level as i64);
    Some(RampOverflow {
        decoded_dtype: params.decoded_dtype,
        rank,
        entry: inverse[rank],
        reads_as: wrap_i64(inverse[rank], params.decoded_dtype),
        first_input,
    })
}

/// Whether a decoded value leaves the type (integers past their range, floats past
/// `float32`'s largest finite value).
fn outside(value: f64, data_type: DataType) -> Option<bool> {
    let (min, max) = match data_type.integer_range() {
        Some((min, max)) => (min as f64, max as f64),
        None if data_type == DataType::F32 => (-f64::from(f32::MAX), f64::from(f32::MAX)),
        None => return None,
    };
    if value > max {
        Some(true)
    } else if value < min {
        Some(false)
    } else {
        None
    }
}

/// Formula mode: the quirks over a range of inputs.
pub(crate) fn formula_quirks(params: &PoissonParams, range: InputRange) -> Vec<Quirk> {
    if params.photon_sensitivity <= 0.0 {
        return alloc::vec![Quirk::NonPositiveSensitivity {
            photon_sensitivity: params.photon_sensitivity
        }];
    }
    let rule = PoissonRule::new(params);
    let InputRange::Integer { lo, hi } = range else {
        return float_low_end(params, &rule).into_iter().collect();
    };
    let code = |level: i64| rule.formula_code(level as f64);
    let code_max = params.encoded_dtype.max_code() as f64;
    let mut quirks = Vec::new();
    // Codes grow with the input (photon_sensitivity above 0), so one bisection finds where.
    let fits = |level: i64| code(level) <= code_max;
    let wrapped = !fits(hi);
    if wrapped {
        let first = first_integer(lo, hi, |level| !fits(level));
        let stored = stored_code(code(hi), params.encoded_dtype);
        quirks.push(Quirk::CodeWrap(CodeWrap {
            code_type: params.encoded_dtype,
            max_code: code(hi),
            last_kept: (first > lo).then(|| (first - 1) as f64),
            example_input: hi as f64,
            example_code: stored,
            example_decoded: cast_f64(
                rule.formula_decoded(f64::from(stored)),
                params.decoded_dtype,
            ),
        }));
    }
    // The codes a store can hold: all of the type's when they wrap, else those of the range.
    let (low_code, high_code) = if wrapped {
        (0, code_max as u64)
    } else {
        (code(lo) as u64, code(hi) as u64)
    };
    let decoded = |c: u64| rule.formula_decoded(c as f64);
    let overflow = |c: u64| outside(decoded(c), params.decoded_dtype);
    if overflow(high_code) == Some(true) {
        let first = first_integer(low_code as i64, high_code as i64, |c| {
            overflow(c as u64) == Some(true)
        }) as u64;
        let input = first_integer(lo, hi, |level| code(level) >= first as f64);
        quirks.push(Quirk::DecodeOverflow(DecodeOverflow {
            decoded_dtype: params.decoded_dtype,
            high: true,
            code: first,
            value: decoded(first),
            reads_as: cast_f64(decoded(first), params.decoded_dtype),
            input: input as f64,
        }));
    }
    if overflow(low_code) == Some(false) {
        // The last code below the type: one before the first that is not.
        let first_fine = first_integer(low_code as i64, high_code as i64 + 1, |c| {
            c > high_code as i64 || overflow(c as u64) != Some(false)
        });
        let last = (first_fine - 1) as u64;
        let input = first_integer(lo, hi, |level| code(level) > last as f64) - 1;
        quirks.push(Quirk::DecodeOverflow(DecodeOverflow {
            decoded_dtype: params.decoded_dtype,
            high: false,
            code: last,
            value: decoded(last),
            reads_as: cast_f64(decoded(last), params.decoded_dtype),
            input: input.max(lo) as f64,
        }));
    }
    quirks
}

/// Float samples far below the dark level get code 0 whatever their type, so a formula that
/// decodes the lowest codes below the decoded type loses them; the top is checked per sample.
fn float_low_end(params: &PoissonParams, rule: &PoissonRule) -> Option<Quirk> {
    let decoded = |c: u64| rule.formula_decoded(c as f64);
    if outside(decoded(0), params.decoded_dtype) != Some(false) {
        return None;
    }
    let limit = float_code_limit(params);
    let last = (first_integer(0, limit as i64, |c| {
        outside(decoded(c as u64), params.decoded_dtype) != Some(false)
    }) - 1) as u64;
    Some(Quirk::DecodeOverflow(DecodeOverflow {
        decoded_dtype: params.decoded_dtype,
        high: false,
        code: last,
        value: decoded(last),
        reads_as: cast_f64(decoded(last), params.decoded_dtype),
        input: last_float_at_most(DataType::F64, |x| rule.formula_code(x) <= last as f64),
    }))
}

/// Floats in a total order as integers (the order of `f64::total_cmp`); its own inverse.
fn ordered(bits: i64) -> i64 {
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// The largest finite value of a float type (as `f64`) where a predicate holds, given that it
/// holds for small values and not for large ones; the type's smallest when it holds nowhere.
pub(crate) fn last_float_at_most(input: DataType, holds: impl Fn(f64) -> bool) -> f64 {
    let max = if input == DataType::F32 {
        f64::from(f32::MAX)
    } else {
        f64::MAX
    };
    let key = |x: f64| ordered(x.to_bits() as i64);
    let value = |k: i64| f64::from_bits(ordered(k) as u64);
    let first_failing = first_integer(key(-max), key(max), |k| !holds(value(k)));
    value((first_failing - 1).max(key(-max)))
}

/// The smallest integer in `lo..=hi` where a monotone predicate holds (`hi + 1` when it
/// holds nowhere).
fn first_integer(lo: i64, hi: i64, holds: impl Fn(i64) -> bool) -> i64 {
    let (mut below, mut above) = (lo, hi.saturating_add(1));
    while below < above {
        // The span of float keys can exceed i64; it always fits u64.
        let middle = below.wrapping_add((above.wrapping_sub(below) as u64 / 2) as i64);
        if holds(middle) {
            above = middle;
        } else {
            below = middle + 1;
        }
    }
    below
}

/// The largest code a writer lets float samples reach in formula mode: the encoded type's
/// largest, or less where decoding would leave the decoded type.
pub(crate) fn float_code_limit(params: &PoissonParams) -> u64 {
    let rule = PoissonRule::new(params);
    let code_max = params.encoded_dtype.max_code();
    let fits = |c: i64| outside(rule.formula_decoded(c as f64), params.decoded_dtype) != Some(true);
    // Decoded values grow with the code; the first that does not fit ends the range.
    (first_integer(0, code_max, |c| !fits(c)) - 1).max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(params: PoissonParams) -> Vec<Quirk> {
        lookup_quirks(&params, &LookupTable::build(&params).expect("table"))
    }

    fn letters(quirks: &[Quirk]) -> Vec<&'static str> {
        quirks.iter().map(Quirk::letter).collect()
    }

    #[test]
    fn the_everyday_case_has_none() {
        assert!(lookup(PoissonParams::new(50.0, 20.0)).is_empty());
        let formula = PoissonParams {
            use_lookup: false,
            decoded_dtype: DataType::F32,
            ..PoissonParams::new(50.0, 20.0)
        };
        assert!(formula_quirks(&formula, InputRange::Float).is_empty());
    }

    #[test]
    fn wrap_names_the_last_input_kept() {
        let quirks = lookup(PoissonParams::new(0.0, 1.78));
        assert_eq!(letters(&quirks), ["a"]);
        let Quirk::CodeWrap(wrap) = quirks[0] else {
            panic!("a wrap")
        };
        assert_eq!(wrap.last_kept, Some(7401.0));
        assert_eq!(wrap.max_code, 540.0);
        assert_eq!((wrap.example_code, wrap.example_decoded), (28, 103.0));
        let text = alloc::format!("{}", quirks[0]);
        assert!(
            text.contains("inputs above 7401 get codes past uint8 (up to 540)"),
            "{text}"
        );
    }

    #[test]
    fn readme_examples_of_b_and_c() {
        let negative = lookup(PoissonParams::new(-10.0, 20.0));
        assert_eq!(letters(&negative), ["b"]);
        let Quirk::RankDecode(rank) = negative[0] else {
            panic!("b")
        };
        assert_eq!(
            (rank.first_skipped, rank.skipped, rank.first_input),
            (0, 1, 0)
        );
        let gaps = lookup(PoissonParams {
            encoded_dtype: CodeType::U16,
            ..PoissonParams::new(0.0, 1.0)
        });
        assert_eq!(letters(&gaps), ["b", "c"]);
        let Quirk::RankDecode(rank) = gaps[0] else {
            panic!("b")
        };
        assert_eq!(
            (rank.first_skipped, rank.skipped, rank.first_input),
            (1, 2, 1)
        );
        let Quirk::RampOverflow(ramp) = gaps[1] else {
            panic!("c")
        };
        assert_eq!(
            (ramp.rank, ramp.entry, ramp.reads_as),
            (720, 32_802, -32_734)
        );
        let beta = lookup(PoissonParams {
            encoded_dtype: CodeType::U16,
            beta: 0.25,
            ..PoissonParams::new(50.0, 20.0)
        });
        assert_eq!(letters(&beta), ["c"]);
        let Quirk::RampOverflow(ramp) = beta[0] else {
            panic!("c")
        };
        assert_eq!(
            (ramp.entry, ramp.reads_as, ramp.first_input),
            (32_826, -32_710, 32_726)
        );
    }

    #[test]
    fn formula_wrap_and_overflow() {
        let test_params = PoissonParams {
            use_lookup: false,
            ..PoissonParams::new(0.0, 1.0)
        };
        let quirks = formula_quirks(&test_params, InputRange::of(DataType::I16));
        assert_eq!(letters(&quirks)[0], "a");
        let Quirk::CodeWrap(wrap) = quirks[0] else {
            panic!("a")
        };
        assert_eq!(wrap.last_kept, Some(4079.0));
        let everyday = PoissonParams {
            use_lookup: false,
            ..PoissonParams::new(50.0, 20.0)
        };
        let quirks = formula_quirks(&everyday, InputRange::of(DataType::I16));
        assert_eq!(letters(&quirks), ["d"]);
        let Quirk::DecodeOverflow(over) = quirks[0] else {
            panic!("d")
        };
        assert_eq!(
            (over.code, over.value, over.reads_as),
            (162, 32_852.0, -32_684.0)
        );
        assert!(over.high);
        // Dark -100: input 0 gets code 9, which decodes to -1.25, below uint16's 0.
        let low = PoissonParams {
            use_lookup: false,
            decoded_dtype: DataType::U16,
            ..PoissonParams::new(-100.0, 20.0)
        };
        let quirks = formula_quirks(&low, InputRange::of(DataType::U16));
        assert_eq!(letters(&quirks), ["d"]);
        let Quirk::DecodeOverflow(under) = quirks[0] else {
            panic!("d")
        };
        assert!(!under.high);
        assert_eq!(
            (under.code, under.value, under.reads_as),
            (9, -1.0, 65_535.0)
        );
        assert_eq!(under.input, 5.0);
    }

    #[test]
    fn nonsense_sensitivity_is_reported_alone() {
        assert_eq!(
            letters(&lookup(PoissonParams::new(50.0, -20.0))),
            ["nonsense"]
        );
        let zero = PoissonParams {
            use_lookup: false,
            ..PoissonParams::new(50.0, 0.0)
        };
        assert_eq!(
            letters(&formula_quirks(&zero, InputRange::Float)),
            ["nonsense"]
        );
    }

    #[test]
    fn float_order_and_search() {
        for x in [-f64::MAX, -1.5, -0.0, 0.0, 1e-300, 2.5, f64::MAX] {
            let k = ordered(x.to_bits() as i64);
            assert_eq!(f64::from_bits(ordered(k) as u64).to_bits(), x.to_bits());
        }
        assert!(ordered((-1.0f64).to_bits() as i64) < ordered(1.0f64.to_bits() as i64));
        assert_eq!(last_float_at_most(DataType::F64, |x| x <= 2.5), 2.5);
        assert_eq!(
            last_float_at_most(DataType::F32, |_| true),
            f64::from(f32::MAX)
        );
        // ps 20, dark 50: code 161 covers inputs up to about 32 852.
        let rule = PoissonRule::new(&PoissonParams::new(50.0, 20.0));
        let level = last_float_at_most(DataType::F32, |x| rule.formula_code(x) <= 161.0);
        assert_eq!(rule.formula_code(level), 161.0);
        assert_eq!(rule.formula_code(level.next_up()), 162.0);
    }

    #[test]
    fn float_samples_below_an_unsigned_type() {
        let low = PoissonParams {
            use_lookup: false,
            decoded_dtype: DataType::U16,
            ..PoissonParams::new(0.0, 20.0)
        };
        let quirks = formula_quirks(&low, InputRange::Float);
        assert_eq!(letters(&quirks), ["d"]);
    }

    #[test]
    fn bisection_finds_the_first() {
        assert_eq!(first_integer(0, 100, |n| n >= 37), 37);
        assert_eq!(first_integer(0, 100, |_| false), 101);
        assert_eq!(first_integer(-5, 5, |_| true), -5);
    }

    #[test]
    fn float_limit_stops_where_decoding_leaves_the_type() {
        let everyday = PoissonParams {
            use_lookup: false,
            ..PoissonParams::new(50.0, 20.0)
        };
        assert_eq!(float_code_limit(&everyday), 161);
        let float = PoissonParams {
            decoded_dtype: DataType::F32,
            ..everyday
        };
        assert_eq!(float_code_limit(&float), 255);
    }
}
