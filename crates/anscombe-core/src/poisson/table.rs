//! Lookup mode's two tables, built as the reference builds them, with the facts the quirk
//! analysis needs recorded on the way.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::dtype::{CodeType, DataType, Sample};
use crate::numpy::{cast_f64, wrap_i64};
use crate::poisson::error::PoissonConfigError;
use crate::poisson::params::PoissonParams;
use crate::poisson::rule::PoissonRule;

/// The forward table (code per input level) and the inverse table (value per code rank).
#[derive(Debug, Clone, PartialEq)]
pub struct LookupTable {
    /// The stored code of every input level `0..=top`, after the cast to `encoded_dtype`.
    forward: Box<[u32]>,
    /// The first input level whose code (before the cast) is outside the encoded type.
    first_wrapped: Option<usize>,
    /// The largest code before the cast.
    raw_max: f64,
    /// The distinct stored codes, ascending (`np.unique`).
    distinct: Box<[u32]>,
    /// The first input level of each distinct code (`return_index=True`).
    first: Box<[i64]>,
    /// `first` plus the ramp cast to `decoded_dtype`: the reference's `inverse_table`.
    inverse: Box<[i64]>,
    decoded_dtype: DataType,
}

impl LookupTable {
    /// Builds both tables for a validated lookup-mode configuration.
    ///
    /// # Errors
    /// [`PoissonConfigError::SingleCode`] when every level gets the same code (the reference
    /// raises `IndexError` building its ramp).
    pub(crate) fn build(params: &PoissonParams) -> Result<Self, PoissonConfigError> {
        let rule = PoissonRule::new(params);
        let top = params.table_top().unwrap_or(0);
        let code_max = params.encoded_dtype.max_code() as f64;
        let mut first_wrapped = None;
        let mut raw_max = f64::NEG_INFINITY;
        let forward: Box<[u32]> = (0..=top)
            .map(|level| {
                let raw = rule.table_code(level as f64);
                if !(raw >= 0.0 && raw <= code_max) && first_wrapped.is_none() {
                    first_wrapped = Some(level as usize);
                }
                if raw > raw_max {
                    raw_max = raw;
                }
                stored_code(raw, params.encoded_dtype)
            })
            .collect();
        // np.unique(return_index=True): ascending codes, each with its first level.
        let mut pairs: Vec<(u32, u32)> = forward
            .iter()
            .enumerate()
            .map(|(level, &code)| (code, level as u32))
            .collect();
        pairs.sort_unstable();
        pairs.dedup_by_key(|pair| pair.0);
        let distinct: Box<[u32]> = pairs.iter().map(|&(code, _)| code).collect();
        let first: Box<[i64]> = pairs.iter().map(|&(_, level)| i64::from(level)).collect();
        let count = first.len();
        if count < 2 {
            return Err(PoissonConfigError::SingleCode {
                code: distinct.first().copied().unwrap_or(0),
                photon_sensitivity: params.photon_sensitivity,
            });
        }
        let top_width = first[count - 1] - first[count - 2];
        let inverse = first
            .iter()
            .enumerate()
            .map(|(rank, &level)| {
                let ramp = cast_f64(
                    PoissonRule::ramp(rank, count, top_width),
                    params.decoded_dtype,
                );
                level + ramp as i64
            })
            .collect();
        Ok(LookupTable {
            forward,
            first_wrapped,
            raw_max,
            distinct,
            first,
            inverse,
            decoded_dtype: params.decoded_dtype,
        })
    }

    /// The stored code of every input level `0..=top` (`forward_table`).
    pub fn forward(&self) -> &[u32] {
        &self.forward
    }

    /// The reference's `inverse_table` (`int64`), indexed by code rank.
    pub fn inverse(&self) -> &[i64] {
        &self.inverse
    }

    /// The distinct stored codes, ascending.
    pub fn distinct_codes(&self) -> &[u32] {
        &self.distinct
    }

    /// The first input level of each distinct code.
    pub fn first_levels(&self) -> &[i64] {
        &self.first
    }

    /// The first input level whose code does not fit the encoded type, if any.
    pub fn first_wrapped(&self) -> Option<usize> {
        self.first_wrapped
    }

    /// The largest code of the table before the cast.
    pub fn raw_max(&self) -> f64 {
        self.raw_max
    }

    /// The type decoding returns.
    pub fn decoded_dtype(&self) -> DataType {
        self.decoded_dtype
    }

    /// The highest input level of the table (larger inputs take its code).
    pub fn top(&self) -> usize {
        self.forward.len() - 1
    }

    /// The entry decoding reads for a stored code: `inverse[min(code, N - 1)]`, before the
    /// cast to `decoded_dtype`.
    pub fn entry(&self, code: u64) -> i64 {
        let last = self.inverse.len() - 1;
        self.inverse[usize::try_from(code).map_or(last, |c| c.min(last))]
    }

    /// What decoding returns for a stored code (the entry cast to `decoded_dtype`).
    pub fn decoded(&self, code: u64) -> i64 {
        wrap_i64(self.entry(code), self.decoded_dtype)
    }

    /// The stored code of an input level, clamped into the table as the reference clamps.
    pub fn code_of(&self, level: i64) -> u32 {
        let index = usize::try_from(level.max(0)).map_or(self.top(), |l| l.min(self.top()));
        self.forward[index]
    }
}

/// A code as `astype(encoded_dtype)` stores it.
pub(crate) fn stored_code(raw: f64, code_type: CodeType) -> u32 {
    match code_type {
        // Signed code types are refused by `PoissonParams::validate` before any table.
        CodeType::U8 | CodeType::I8 => u32::from(u8::from_f64_numpy(raw)),
        CodeType::U16 | CodeType::I16 => u32::from(u16::from_f64_numpy(raw)),
        CodeType::U32 | CodeType::I32 => u32::from_f64_numpy(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(params: PoissonParams) -> LookupTable {
        LookupTable::build(&params).expect("a table")
    }

    /// The README's everyday case: 160 codes, ramp step 401/2/160.
    #[test]
    fn everyday_table() {
        let t = table(PoissonParams::new(50.0, 20.0));
        assert_eq!(t.forward().len(), 32_768);
        assert_eq!(t.inverse().len(), 160);
        assert_eq!(t.first_wrapped(), None);
        assert_eq!(t.raw_max(), 159.0);
        assert_eq!(&t.inverse()[..2], &[0, 55]);
        assert_eq!(t.inverse()[25], 982);
        assert_eq!(t.inverse()[159], 32_623);
        assert_eq!(t.decoded(255), 32_623);
        assert_eq!(t.code_of(1000), 25);
        assert_eq!(t.code_of(-5), 0);
        assert_eq!(t.code_of(1 << 40), 159);
    }

    /// README quirk (a): the table reaches 540 and wraps above input 7401.
    #[test]
    fn wrapping_table() {
        let t = table(PoissonParams::new(0.0, 1.78));
        assert_eq!(t.raw_max(), 540.0);
        assert_eq!(t.first_wrapped(), Some(7402));
        assert_eq!(t.code_of(7401), 255);
        assert_eq!(t.code_of(7402), 0);
        assert_eq!(t.code_of(32_767), 28);
        assert_eq!(t.decoded(28), 103);
        assert_eq!(t.inverse().len(), 256);
    }

    /// README quirks (b) and (c) with uint16 codes at ps 1, and (c) at beta 0.25.
    #[test]
    fn gaps_and_ramp_overflow() {
        let t = table(PoissonParams {
            encoded_dtype: CodeType::U16,
            ..PoissonParams::new(0.0, 1.0)
        });
        assert_eq!(&t.distinct_codes()[..4], &[0, 2, 4, 5]);
        assert_eq!(t.inverse().len(), 721);
        assert_eq!(t.decoded(u64::from(t.code_of(100))), 112);
        assert_eq!(t.entry(720), 32_802);
        assert_eq!(t.decoded(722), -32_734);
        let t = table(PoissonParams {
            encoded_dtype: CodeType::U16,
            beta: 0.25,
            ..PoissonParams::new(50.0, 20.0)
        });
        assert_eq!(t.entry(319), 32_826);
        assert_eq!(t.decoded(319), -32_710);
    }

    /// README: ps -20 gives the inverse table [47, 38, 25, 10, -5].
    #[test]
    fn negative_sensitivity() {
        let t = table(PoissonParams::new(50.0, -20.0));
        assert_eq!(t.inverse(), &[47, 38, 25, 10, -5]);
        assert_eq!(t.decoded(u64::from(t.code_of(32_767))), 47);
    }

    #[test]
    fn a_single_code_is_an_error() {
        assert!(matches!(
            LookupTable::build(&PoissonParams::new(50.0, 0.0)),
            Err(PoissonConfigError::SingleCode { code: 0, .. })
        ));
        assert!(matches!(
            LookupTable::build(&PoissonParams::new(50.0, 1e12)),
            Err(PoissonConfigError::SingleCode { .. })
        ));
    }
}
