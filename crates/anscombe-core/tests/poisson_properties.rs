//! Invariants of the `poisson` codec over random configurations: its tables against an
//! independent transcription of the reference's expressions, its encoders and decode table
//! against the one-value definitions, what "no quirk" promises, and that no configuration and
//! no bytes make it panic.

use std::collections::BTreeMap;

use anscombe_core::{
    CodeSlice, CodeSliceMut, CodeType, DataType, PoissonCodec, PoissonEncoderError, PoissonParams,
    Quirk, SampleSlice, SampleSliceMut,
};
use proptest::prelude::*;

/// NumPy's x86-64 `astype` from float64 to a type of at most 32 bits, written independently
/// of the crate: the 32-bit truncating conversion (or 64-bit for uint32), then the low bits.
fn numpy_cast(value: f64, data_type: DataType) -> f64 {
    let bits = 8 * data_type.size() as u32;
    let signed = matches!(data_type, DataType::I8 | DataType::I16 | DataType::I32);
    let wide = data_type == DataType::U32;
    let (lo, hi) = if wide {
        (-(2f64.powi(63)), 2f64.powi(63))
    } else {
        (-(2f64.powi(31)), 2f64.powi(31))
    };
    let integer: i128 = if value.is_nan() || value < lo || value >= hi {
        if wide {
            i128::from(i64::MIN)
        } else {
            i128::from(i32::MIN)
        }
    } else {
        value.trunc() as i128
    };
    let modulus = 1i128 << bits;
    let mut low = integer.rem_euclid(modulus);
    if signed && low >= modulus / 2 {
        low -= modulus;
    }
    low as f64
}

/// The reference's table expression, transcribed from its source into plain `f64` arithmetic.
fn table_code(p: &PoissonParams, level: f64) -> f64 {
    let xx = (level - p.dark_signal) / p.photon_sensitivity;
    let clipped = if xx.is_nan() { f64::NAN } else { xx.max(0.0) };
    (2.0 / p.beta * ((clipped + 0.375).sqrt() - 0.375f64.sqrt())).round_ties_even()
}

fn integer_decoded() -> impl Strategy<Value = DataType> {
    prop_oneof![
        Just(DataType::U8),
        Just(DataType::I8),
        Just(DataType::U16),
        Just(DataType::I16),
    ]
}

fn any_decoded() -> impl Strategy<Value = DataType> {
    prop::sample::select(DataType::ALL.to_vec())
}

fn code_type() -> impl Strategy<Value = CodeType> {
    prop::sample::select(CodeType::UNSIGNED.to_vec())
}

/// Lookup configurations, sensible and not: small and negative sensitivities, negative darks.
fn lookup_params() -> impl Strategy<Value = PoissonParams> {
    (
        -300.0..2000.0f64,
        prop_oneof![0.3..80.0f64, -50.0..-0.1f64],
        code_type(),
        integer_decoded(),
        prop_oneof![Just(0.5), Just(0.25), Just(1.0), 0.1..2.0f64],
    )
        .prop_map(
            |(dark_signal, photon_sensitivity, encoded_dtype, decoded_dtype, beta)| PoissonParams {
                dark_signal,
                photon_sensitivity,
                encoded_dtype,
                decoded_dtype,
                beta,
                use_lookup: true,
            },
        )
}

fn formula_params() -> impl Strategy<Value = PoissonParams> {
    (
        -300.0..2000.0f64,
        prop_oneof![0.3..80.0f64, Just(0.0), -50.0..-0.1f64],
        code_type(),
        any_decoded(),
        prop_oneof![Just(0.5), 0.1..2.0f64],
    )
        .prop_map(
            |(dark_signal, photon_sensitivity, encoded_dtype, decoded_dtype, beta)| PoissonParams {
                dark_signal,
                photon_sensitivity,
                encoded_dtype,
                decoded_dtype,
                beta,
                use_lookup: false,
            },
        )
}

fn decode_all(codec: &PoissonCodec, codes: &[u32]) -> Vec<f64> {
    let p = codec.params();
    let n = codes.len();
    macro_rules! run {
        ($($variant:ident $t:ty),*) => {
            match p.decoded_dtype {
                $(DataType::$variant => {
                    let mut out = vec![<$t>::default(); n];
                    decode_into(codec, codes, SampleSliceMut::$variant(&mut out));
                    out.iter().map(|&v| f64::from(v)).collect()
                })*
            }
        };
    }
    run!(U8 u8, I8 i8, U16 u16, I16 i16, U32 u32, I32 i32, F32 f32, F64 f64)
}

fn decode_into(codec: &PoissonCodec, codes: &[u32], out: SampleSliceMut<'_>) {
    let result = match codec.params().encoded_dtype {
        CodeType::U8 => {
            let c: Vec<u8> = codes.iter().map(|&c| c as u8).collect();
            codec.decode(CodeSlice::U8(&c), out)
        }
        CodeType::U16 => {
            let c: Vec<u16> = codes.iter().map(|&c| c as u16).collect();
            codec.decode(CodeSlice::U16(&c), out)
        }
        CodeType::U32 => codec.decode(CodeSlice::U32(codes), out),
        signed => unreachable!("poisson refuses {signed} codes"),
    };
    result.expect("decoding never fails on codes of the right type");
}

/// Encodes every `int16` value with an encoder, as `u32` codes.
fn encode_i16(encoder: &anscombe_core::PoissonEncoder, values: &[i16]) -> Vec<u32> {
    let samples = SampleSlice::I16(values);
    match encoder.code_type() {
        CodeType::U8 => {
            let mut c = vec![0u8; values.len()];
            encoder
                .encode(samples, CodeSliceMut::U8(&mut c))
                .expect("encode");
            c.into_iter().map(u32::from).collect()
        }
        CodeType::U16 => {
            let mut c = vec![0u16; values.len()];
            encoder
                .encode(samples, CodeSliceMut::U16(&mut c))
                .expect("encode");
            c.into_iter().map(u32::from).collect()
        }
        CodeType::U32 => {
            let mut c = vec![0u32; values.len()];
            encoder
                .encode(samples, CodeSliceMut::U32(&mut c))
                .expect("encode");
            c
        }
        signed => unreachable!("poisson refuses {signed} codes"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Forward table, np.unique and the ramp, recomputed here from the reference's source.
    #[test]
    fn tables_are_the_references_expressions(p in lookup_params()) {
        let Ok(codec) = PoissonCodec::new(&p) else {
            // Only a table of one code is refused.
            let codes: std::collections::BTreeSet<u64> = (0..=p.table_top().unwrap_or(0))
                .map(|v| numpy_cast(table_code(&p, v as f64), p.encoded_dtype.data_type()) as u64)
                .collect();
            prop_assert_eq!(codes.len(), 1);
            return Ok(());
        };
        let table = codec.lookup_table().expect("lookup mode");
        let top = p.table_top().expect("integer type");
        let forward: Vec<u32> = (0..=top)
            .map(|v| numpy_cast(table_code(&p, v as f64), p.encoded_dtype.data_type()) as u32)
            .collect();
        prop_assert_eq!(table.forward(), &forward[..]);
        let mut first: BTreeMap<u32, i64> = BTreeMap::new();
        for (level, &code) in forward.iter().enumerate() {
            first.entry(code).or_insert(level as i64);
        }
        let firsts: Vec<i64> = first.values().copied().collect();
        let n = firsts.len();
        let width = (firsts[n - 1] - firsts[n - 2]) as f64;
        let inverse: Vec<i64> = firsts
            .iter()
            .enumerate()
            .map(|(k, &f)| f + numpy_cast(k as f64 / n as f64 * width / 2.0, p.decoded_dtype) as i64)
            .collect();
        prop_assert_eq!(table.inverse(), &inverse[..]);
    }

    /// The decode table, the typed decoders and the one-value definition agree on every code
    /// (every 8-bit code, a spread of wider ones, and some past the table).
    #[test]
    fn decoding_is_the_definition(p in prop_oneof![lookup_params(), formula_params()], extra in prop::collection::vec(any::<u32>(), 64)) {
        let Ok(codec) = PoissonCodec::new(&p) else { return Ok(()); };
        let max = p.encoded_dtype.max_code() as u32;
        let mut codes: Vec<u32> = (0..=255u32.min(max)).collect();
        codes.extend(extra.iter().map(|&c| c % max.saturating_add(1).max(1)));
        codes.push(max);
        let decoded = decode_all(&codec, &codes);
        for (&code, &value) in codes.iter().zip(&decoded) {
            let definition = if let Some(table) = codec.lookup_table() {
                let entry = table.inverse()[(code as usize).min(table.inverse().len() - 1)];
                numpy_cast(entry as f64, p.decoded_dtype)
            } else {
                let scaled = f64::from(code) * p.beta;
                let raw = ((scaled * scaled / 4.0 - 0.125) * p.photon_sensitivity + p.dark_signal).round_ties_even();
                match p.decoded_dtype {
                    DataType::F32 => f64::from(raw as f32),
                    DataType::F64 => raw,
                    integer => numpy_cast(raw, integer),
                }
            };
            prop_assert_eq!(value.to_bits(), definition.to_bits(), "code {}", code);
            prop_assert_eq!(codec.decoded_value(u64::from(code)).to_bits(), definition.to_bits());
        }
    }

    /// Every `int16` value: the reference encoder is the one-value definition, and a writer,
    /// when it accepts the configuration, writes the same codes.
    #[test]
    fn encoders_are_the_definition(p in prop_oneof![lookup_params(), formula_params()]) {
        let Ok(codec) = PoissonCodec::new(&p) else { return Ok(()); };
        let values: Vec<i16> = (i16::MIN..=i16::MAX).collect();
        let Ok(reference) = codec.reference_encoder(DataType::I16) else {
            // int16 cannot hold the top of a uint16 table: the only input refusal for int16.
            prop_assert!(p.use_lookup && p.decoded_dtype == DataType::U16);
            return Ok(());
        };
        let codes = encode_i16(&reference, &values);
        for (&v, &code) in values.iter().zip(&codes) {
            let raw = if p.use_lookup {
                let level = f64::from(v).clamp(0.0, p.table_top().expect("integer") as f64);
                table_code(&p, level)
            } else {
                let centered = (f64::from(v) - p.dark_signal) / p.photon_sensitivity + 0.375;
                let clipped = if centered.is_nan() { f64::NAN } else { centered.max(0.0) };
                (2.0 * clipped.sqrt() / p.beta).round_ties_even()
            };
            prop_assert_eq!(f64::from(code), numpy_cast(raw, p.encoded_dtype.data_type()), "value {}", v);
            prop_assert_eq!(code, codec.reference_code(f64::from(v)));
        }
        if let Ok(writer) = codec.encoder(DataType::I16) {
            prop_assert_eq!(encode_i16(&writer, &values), codes);
        }
    }

    /// What a writer's acceptance promises on `int16` samples: codes never wrap, lookup codes
    /// are contiguous from 0 (rank is code), no decoded value wraps, and decoding is monotone.
    #[test]
    fn accepted_configurations_lose_nothing(p in prop_oneof![lookup_params(), formula_params()]) {
        let Ok(codec) = PoissonCodec::new(&p) else { return Ok(()); };
        match codec.encoder(DataType::I16) {
            Err(PoissonEncoderError::Refused(refusal)) => {
                prop_assert!(refusal.to_string().contains("nearest safe choice"));
                return Ok(());
            }
            Err(PoissonEncoderError::Input(_)) => return Ok(()),
            Err(other) => panic!("{other}"),
            Ok(_) => {}
        }
        prop_assert!(p.photon_sensitivity > 0.0);
        if let Some(table) = codec.lookup_table() {
            prop_assert!(codec.quirks().is_empty());
            prop_assert!(table.distinct_codes().iter().enumerate().all(|(k, &c)| c as usize == k));
        }
        let values: Vec<i16> = (i16::MIN..=i16::MAX).step_by(7).chain([i16::MAX]).collect();
        let codes = encode_i16(&codec.encoder(DataType::I16).expect("accepted"), &values);
        let decoded = decode_all(&codec, &codes);
        let code_max = p.encoded_dtype.max_code() as f64;
        let (lo, hi) = p.decoded_dtype.integer_range().map_or((f64::MIN, f64::MAX), |(a, b)| (a as f64, b as f64));
        for (i, &v) in values.iter().enumerate() {
            let raw = if p.use_lookup {
                table_code(&p, f64::from(v).clamp(0.0, p.table_top().expect("integer") as f64))
            } else {
                let centered = (f64::from(v) - p.dark_signal) / p.photon_sensitivity + 0.375;
                (2.0 * centered.max(0.0).sqrt() / p.beta).round_ties_even()
            };
            prop_assert!(raw <= code_max, "value {} code {} wraps", v, raw);
            if !p.use_lookup {
                let scaled = raw * p.beta;
                let value = ((scaled * scaled / 4.0 - 0.125) * p.photon_sensitivity + p.dark_signal).round_ties_even();
                prop_assert!(value >= lo && value <= hi, "code {} decodes to {}", raw, value);
            }
            if i > 0 {
                prop_assert!(decoded[i] >= decoded[i - 1], "not monotone at {}", v);
            }
        }
    }

    /// No configuration makes construction, analysis or messages panic, and arbitrary codes
    /// and samples (NaN, infinities, extremes) decode and encode without panicking.
    #[test]
    fn arbitrary_configurations_and_data_never_panic(
        dark in prop_oneof![-1e9..1e9f64, Just(0.0), Just(f64::NAN)],
        ps in prop_oneof![-1e6..1e6f64, Just(0.0), 1e-300..1e-200f64, Just(f64::INFINITY)],
        beta in prop_oneof![-1.0..4.0f64, Just(1e-300)],
        encoded_dtype in code_type(),
        decoded_dtype in any_decoded(),
        use_lookup in any::<bool>(),
        codes in prop::collection::vec(any::<u32>(), 0..64),
        floats in prop::collection::vec(prop_oneof![any::<f64>(), Just(f64::NAN), Just(f64::INFINITY)], 0..64),
    ) {
        let p = PoissonParams { dark_signal: dark, photon_sensitivity: ps, encoded_dtype, decoded_dtype, beta, use_lookup };
        let Ok(codec) = PoissonCodec::new(&p) else { return Ok(()); };
        for quirk in codec.quirks() {
            let _ = (quirk.to_string(), Quirk::letter(quirk));
        }
        let _ = decode_all(&codec, &codes);
        for input in DataType::ALL {
            if let Err(e) = codec.encoder(input) {
                let _ = e.to_string();
            }
        }
        if let Ok(encoder) = codec.reference_encoder(DataType::F64) {
            let mut out = vec![0u32; floats.len()];
            let result = match encoder.code_type() {
                CodeType::U32 => encoder.encode(SampleSlice::F64(&floats), CodeSliceMut::U32(&mut out)),
                CodeType::U16 => encoder.encode(SampleSlice::F64(&floats), CodeSliceMut::U16(&mut vec![0; floats.len()])),
                CodeType::U8 => encoder.encode(SampleSlice::F64(&floats), CodeSliceMut::U8(&mut vec![0; floats.len()])),
                signed => unreachable!("poisson refuses {signed} codes"),
            };
            prop_assert!(result.is_ok());
        }
        if let Ok(encoder) = codec.encoder(DataType::F32) {
            let singles: Vec<f32> = floats.iter().map(|&f| f as f32).collect();
            let mut out = vec![0u8; singles.len()];
            if encoder.code_type() == CodeType::U8 {
                let _ = encoder.encode(SampleSlice::F32(&singles), CodeSliceMut::U8(&mut out));
            }
        }
    }
}

/// A decoder given codes or output of the wrong type or length says so.
#[test]
fn wrong_slices_are_errors() {
    let codec = PoissonCodec::new(&PoissonParams::new(50.0, 20.0)).expect("valid");
    let mut out = [0i16; 2];
    assert!(
        codec
            .decode(CodeSlice::U16(&[0, 1]), SampleSliceMut::I16(&mut out))
            .is_err()
    );
    assert!(
        codec
            .decode(CodeSlice::U8(&[0]), SampleSliceMut::I16(&mut out))
            .is_err()
    );
    assert!(
        codec
            .decode(CodeSlice::U8(&[0, 1]), SampleSliceMut::U16(&mut [0; 2]))
            .is_err()
    );
    let encoder = codec.encoder(DataType::I16).expect("accepted");
    assert!(
        encoder
            .encode(SampleSlice::U16(&[0]), CodeSliceMut::U8(&mut [0]))
            .is_err()
    );
    assert!(
        encoder
            .encode(SampleSlice::I16(&[0, 1]), CodeSliceMut::U8(&mut [0]))
            .is_err()
    );
}

/// Float samples in formula mode: a writer refuses NaN and codes past the type one by one,
/// and takes everything else.
#[test]
fn float_writer_checks_each_sample() {
    let p = PoissonParams {
        use_lookup: false,
        decoded_dtype: DataType::F32,
        ..PoissonParams::new(50.0, 20.0)
    };
    let codec = PoissonCodec::new(&p).expect("valid");
    let writer = codec.encoder(DataType::F32).expect("per-sample checks");
    let mut codes = [0u8; 3];
    writer
        .encode(
            SampleSlice::F32(&[-1e30, 50.0, 32_767.0]),
            CodeSliceMut::U8(&mut codes),
        )
        .expect("in range");
    assert_eq!(codes, [0, 2, 162]);
    let nan = writer.encode(
        SampleSlice::F32(&[1.0, f32::NAN]),
        CodeSliceMut::U8(&mut codes[..2]),
    );
    assert!(nan.expect_err("NaN").to_string().contains("NaN"));
    let above = writer.encode(SampleSlice::F32(&[1e9]), CodeSliceMut::U8(&mut codes[..1]));
    assert!(above.is_err());
    // The reference encoder wraps instead.
    let reference = codec.reference_encoder(DataType::F32).expect("encodes");
    reference
        .encode(SampleSlice::F32(&[1e9]), CodeSliceMut::U8(&mut codes[..1]))
        .expect("wraps");
    assert_eq!(u32::from(codes[0]), codec.reference_code(1e9));
}
