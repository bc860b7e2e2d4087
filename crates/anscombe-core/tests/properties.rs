//! Invariants of the codec over random parameters, for every sample type.
//!
//! 8- and 16-bit types are checked on every value they hold; wider types on random samples.

use anscombe_core::{
    Code, CodeRule, CodeType, Codec, CodecParams, ConfigError, DataType, Domain, Sample,
    TransformParams, V1Params,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// anscombe-transform parameters over the whole range the issue asks for.
fn transform_params() -> impl Strategy<Value = CodecParams> {
    (-200.0..3000.0_f64, 0.3..250.0_f64, 0.05..=1.0_f64).prop_map(|(z, g, beta)| {
        TransformParams {
            beta,
            ..TransformParams::new(z, g)
        }
        .into()
    })
}

/// [`transform_params`] with any code type requested, signed ones included (or none); callers
/// pass them through [`fitting_code_type`].
fn transform_params_any_code_type() -> impl Strategy<Value = CodecParams> {
    (
        transform_params(),
        prop::option::of(prop::sample::select(CodeType::ALL.to_vec())),
    )
        .prop_map(|(params, code_type)| match params {
            CodecParams::Transform(p) => TransformParams {
                encoded_dtype: code_type,
                ..p
            }
            .into(),
            other @ CodecParams::V1(_) => other,
        })
}

/// anscombe-v1 parameters where the reference is correct (no wrap, no gaps): uint16 codes.
fn v1_params() -> impl Strategy<Value = CodecParams> {
    (0.0..3000.0_f64, 3.3..250.0_f64).prop_map(|(z, g)| {
        V1Params {
            encoded_dtype: CodeType::U16,
            ..V1Params::new(z, g)
        }
        .into()
    })
}

/// Photons between a sample and its decoded value must stay within the spec's bound.
fn check_bound(rule: &CodeRule, value: f64, decoded: f64, extra: f64) -> Result<(), TestCaseError> {
    let error = (decoded - value).abs() / rule.curve().gain();
    let bound = rule.error_bound_photons(value);
    prop_assert!(
        error <= bound * (1.0 + 1e-12) + extra,
        "value {value} decoded {decoded}: error {error} photons above bound {bound}"
    );
    Ok(())
}

fn in_domain(rule: &CodeRule, value: f64) -> bool {
    match rule.domain() {
        Domain::Integer { lo, hi } => value >= lo as f64 && value <= hi as f64,
        Domain::Real { floor } => value >= floor,
    }
}

/// Every value of an 8- or 16-bit type: monotone codes, the round trip of every code produced,
/// and the error bound for every value in the domain.
fn exhaustive<I: Sample, C: Code>(params: &CodecParams) -> Result<(), TestCaseError> {
    let codec = Codec::<I, C>::new(params).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut values: Vec<I> = (0..1usize << I::TABLE_BITS)
        .map(I::from_bit_index)
        .collect();
    values.sort_by(|a, b| a.partial_cmp(b).expect("integers are ordered"));
    let mut codes = vec![C::default(); values.len()];
    codec
        .encode(&values, &mut codes)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(codes.windows(2).all(|w| w[0] <= w[1]), "codes not monotone");
    let mut decoded = vec![I::from_f64(0.0); values.len()];
    codec
        .decode(&codes, &mut decoded)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut again = vec![C::default(); values.len()];
    codec
        .encode(&decoded, &mut again)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&again, &codes, "encode(decode(c)) != c");
    for (value, back) in values.iter().zip(&decoded) {
        if in_domain(codec.rule(), value.to_f64()) {
            check_bound(codec.rule(), value.to_f64(), back.to_f64(), 0.0)?;
        }
    }
    Ok(())
}

/// Random samples of a wide type: monotone, round trip, bound. `precision` is the relative
/// rounding of the sample type (0 for integers).
fn sampled<I: Sample, C: Code>(
    params: &CodecParams,
    mut values: Vec<I>,
    precision: f64,
) -> Result<(), TestCaseError> {
    let codec = Codec::<I, C>::new(params).map_err(|e| TestCaseError::fail(e.to_string()))?;
    values.sort_by(|a, b| a.partial_cmp(b).expect("finite samples"));
    let mut codes = vec![C::default(); values.len()];
    if codec.encode(&values, &mut codes).is_err() {
        // Float samples beyond the code type's range are rejected; keep the rest.
        let max_code = codec.rule().max_code();
        values.retain(|v| {
            codec
                .rule()
                .encode_value(v.to_f64())
                .is_ok_and(|c| c <= max_code)
        });
        codes.truncate(values.len());
        codec
            .encode(&values, &mut codes)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    prop_assert!(codes.windows(2).all(|w| w[0] <= w[1]), "codes not monotone");
    let mut decoded = vec![I::from_f64(0.0); values.len()];
    codec
        .decode(&codes, &mut decoded)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut again = vec![C::default(); values.len()];
    codec
        .encode(&decoded, &mut again)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&again, &codes, "encode(decode(c)) != c");
    for (value, back) in values.iter().zip(&decoded) {
        let value = value.to_f64();
        if in_domain(codec.rule(), value) {
            let extra = precision * value.abs() / codec.rule().curve().gain();
            check_bound(codec.rule(), value, back.to_f64(), extra)?;
        }
    }
    Ok(())
}

/// The parameters with their requested code type, or with the chosen one when the requested
/// type is too narrow for `data_type` (that refusal is tested in the rule's unit tests).
fn fitting_code_type(params: &CodecParams, data_type: DataType) -> CodecParams {
    match (params, CodeRule::new(params, data_type)) {
        (CodecParams::Transform(p), Err(ConfigError::CodeOverflow { .. })) => TransformParams {
            encoded_dtype: None,
            ..*p
        }
        .into(),
        _ => *params,
    }
}

/// Runs `$check::<I, C>` with the code type the configuration resolves to.
macro_rules! with_code_type {
    ($params:expr, $sample:ty, $check:ident ( $($arg:expr),* )) => {{
        let fitting = fitting_code_type($params, <$sample as Sample>::DATA_TYPE);
        let params = &fitting;
        let rule = CodeRule::new(params, <$sample as Sample>::DATA_TYPE)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        match rule.code_type() {
            CodeType::U8 => $check::<$sample, u8>(params $(, $arg)*),
            CodeType::U16 => $check::<$sample, u16>(params $(, $arg)*),
            CodeType::U32 => $check::<$sample, u32>(params $(, $arg)*),
            CodeType::I8 => $check::<$sample, i8>(params $(, $arg)*),
            CodeType::I16 => $check::<$sample, i16>(params $(, $arg)*),
            CodeType::I32 => $check::<$sample, i32>(params $(, $arg)*),
        }
    }};
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn transform_small_types_exhaustively(params in transform_params_any_code_type()) {
        with_code_type!(&params, u8, exhaustive())?;
        with_code_type!(&params, i8, exhaustive())?;
        with_code_type!(&params, u16, exhaustive())?;
        with_code_type!(&params, i16, exhaustive())?;
    }

    #[test]
    fn v1_small_types_exhaustively(params in v1_params()) {
        with_code_type!(&params, u16, exhaustive())?;
        with_code_type!(&params, i16, exhaustive())?;
    }

    #[test]
    fn transform_wide_integers(
        params in transform_params_any_code_type(),
        signed in prop::collection::vec(any::<i32>(), 1..400),
        unsigned in prop::collection::vec(any::<u32>(), 1..400),
    ) {
        with_code_type!(&params, i32, sampled(signed, 0.0))?;
        with_code_type!(&params, u32, sampled(unsigned, 0.0))?;
    }

    #[test]
    fn transform_floats(
        params in transform_params(),
        samples in prop::collection::vec(-1.0e3..1.0e7_f64, 1..400),
    ) {
        let narrow: Vec<f32> = samples.iter().map(|&v| v as f32).collect();
        with_code_type!(&params, f64, sampled(samples, f64::EPSILON))?;
        with_code_type!(&params, f32, sampled(narrow, f64::from(f32::EPSILON)))?;
    }

    /// 16-bit samples go through a table, 32-bit ones through the formula: same codes, and
    /// the same decoded values wherever the 16-bit domain does not cut the code's interval.
    #[test]
    fn table_and_formula_agree(params in transform_params()) {
        let narrow = CodeRule::new(&params, DataType::I16).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let wide = CodeRule::new(&params, DataType::I32).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let Domain::Integer { lo, hi } = narrow.domain() else { unreachable!() };
        let mut table = vec![0u32; 1 << 16];
        narrow.fill_forward_table::<i16, u32>(&mut table);
        for value in i16::MIN..=i16::MAX {
            let code = i64::from(table[value.bit_index()]);
            prop_assert_eq!(Ok(code), wide.encode_value(f64::from(value)), "value {}", value);
            if narrow.interval(code).is_some_and(|(a, b)| a > lo && b < hi) {
                prop_assert_eq!(narrow.decoded_value(code), wide.decoded_value(code));
            }
        }
        let real = CodeRule::new(&params, DataType::F64).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for value in (lo..=hi).step_by(7) {
            let value = value as f64;
            if real.encode_value(value).is_ok() {
                prop_assert_eq!(real.encode_value(value), wide.encode_value(value));
            }
        }
    }

    /// Decoding never panics, whatever the codes: every code decodes or is reported.
    #[test]
    fn any_code_decodes_or_is_reported(params in transform_params_any_code_type(), codes in prop::collection::vec(any::<u32>(), 1..200)) {
        let params = fitting_code_type(&params, DataType::U16);
        let rule = CodeRule::new(&params, DataType::U16).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let max_code = rule.max_code();
        match rule.code_type() {
            CodeType::U8 => {
                let codec = Codec::<u16, u8>::from_rule(rule).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let all: Vec<u8> = (0..=255).collect();
                let mut out = vec![0u16; all.len()];
                prop_assert_eq!(codec.decode(&all, &mut out).is_ok(), max_code >= 255);
            }
            CodeType::U16 => {
                let codec = Codec::<u16, u16>::from_rule(rule).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let codes: Vec<u16> = codes.iter().map(|&c| c as u16).collect();
                let mut out = vec![0u16; codes.len()];
                let valid = codes.iter().all(|&c| i64::from(c) <= max_code);
                prop_assert_eq!(codec.decode(&codes, &mut out).is_ok(), valid);
            }
            CodeType::I8 => {
                let codec = Codec::<u16, i8>::from_rule(rule).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let all: Vec<i8> = (-128..=127).collect();
                let mut out = vec![0u16; all.len()];
                // Negative codes are never valid.
                prop_assert!(codec.decode(&all, &mut out).is_err());
                let valid: Vec<i8> = (0..=127).filter(|&c| i64::from(c) <= max_code).collect();
                let mut out = vec![0u16; valid.len()];
                prop_assert!(codec.decode(&valid, &mut out).is_ok());
            }
            CodeType::I16 => {
                let codec = Codec::<u16, i16>::from_rule(rule).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let codes: Vec<i16> = codes.iter().map(|&c| c as i16).collect();
                let mut out = vec![0u16; codes.len()];
                let valid = codes.iter().all(|&c| (0..=max_code).contains(&i64::from(c)));
                prop_assert_eq!(codec.decode(&codes, &mut out).is_ok(), valid);
            }
            CodeType::U32 => {
                let codec = Codec::<u16, u32>::from_rule(rule).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let mut out = vec![0u16; codes.len()];
                let valid = codes.iter().all(|&c| i64::from(c) <= max_code);
                prop_assert_eq!(codec.decode(&codes, &mut out).is_ok(), valid);
            }
            CodeType::I32 => {
                let codec = Codec::<u16, i32>::from_rule(rule).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let codes: Vec<i32> = codes.iter().map(|&c| c as i32).collect();
                let mut out = vec![0u16; codes.len()];
                let valid = codes.iter().all(|&c| (0..=max_code).contains(&i64::from(c)));
                prop_assert_eq!(codec.decode(&codes, &mut out).is_ok(), valid);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Any parameters at all (NaN, infinities, subnormals, huge): a rule or an error, and a
    /// rule answers every question without panicking.
    #[test]
    fn any_parameters_give_a_rule_or_an_error(
        zero_level in prop_oneof![any::<f64>(), -1e6..1e6_f64],
        gain in prop_oneof![any::<f64>(), 1e-9..1e4_f64],
        beta in prop_oneof![any::<f64>(), 0.0..2.0_f64],
        v1 in any::<bool>(),
        type_index in 0usize..8,
        value in any::<f64>(),
        code in any::<u32>(),
    ) {
        let params: CodecParams = if v1 {
            V1Params { beta, encoded_dtype: CodeType::U16, ..V1Params::new(zero_level, gain) }.into()
        } else {
            TransformParams { beta, ..TransformParams::new(zero_level, gain) }.into()
        };
        if let Ok(rule) = CodeRule::new(&params, DataType::ALL[type_index]) {
            let _ = rule.encode_value(value);
            let _ = rule.decoded_value(i64::from(code));
            let _ = rule.decoded_value(rule.max_code());
            let _ = rule.interval(rule.min_code());
            let _ = rule.error_bound_photons(value);
        }
    }
}
