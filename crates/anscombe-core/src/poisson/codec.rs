//! One configuration with its tables built once: decoding as the reference decodes, and
//! encoders per sample type, checked for writing or faithful to the reference.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::dtype::{Code, CodeType, DataType, Sample};
use crate::dynamic::{CodeSlice, CodeSliceMut, SampleSlice, SampleSliceMut};
use crate::error::{DecodeError, EncodeError};
use crate::numpy::cast_f64;
use crate::poisson::error::{
    PoissonConfigError, PoissonEncoderError, PoissonInputError, PoissonRefusal,
};
use crate::poisson::params::PoissonParams;
use crate::poisson::quirks::{
    InputRange, Quirk, SafeChoice, float_code_limit, formula_quirks, last_float_at_most,
    lookup_quirks,
};
use crate::poisson::rule::PoissonRule;
use crate::poisson::table::{LookupTable, stored_code};

/// The `poisson` codec of one configuration.
///
/// Building it makes the lookup tables (lookup mode, at most 65 536 levels), a decode table
/// with the value of every code (8- and 16-bit codes) and the quirk analysis; keep it and
/// reuse it for every chunk.
///
/// ```
/// use anscombe_core::{CodeSlice, PoissonCodec, PoissonParams, SampleSlice, SampleSliceMut, CodeSliceMut, DataType};
///
/// // The reference's defaults: lookup mode, uint8 codes, int16 values.
/// let codec = PoissonCodec::new(&PoissonParams::new(50.0, 20.0))?;
/// assert!(codec.quirks().is_empty());
///
/// let frame: [i16; 4] = [50, 54, 1_000, 32_767];
/// let mut codes = [0u8; 4];
/// codec.encoder(DataType::I16)?.encode(SampleSlice::I16(&frame), CodeSliceMut::U8(&mut codes))?;
/// assert_eq!(codes, [0, 1, 25, 159]);
///
/// let mut back = [0i16; 4];
/// codec.decode(CodeSlice::U8(&codes), SampleSliceMut::I16(&mut back))?;
/// // The reference's inverse table: code 0 always reads back as 0, not the dark level.
/// assert_eq!(back, [0, 55, 982, 32_623]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PoissonCodec {
    params: PoissonParams,
    rule: PoissonRule,
    table: Option<LookupTable>,
    /// The decoded value of every code (8- and 16-bit codes, or the `N` entries of a
    /// lookup table for 32-bit codes); `None` for 32-bit codes in formula mode.
    decode_table: Option<SampleTable>,
    /// The decoded values of every pair of 8-bit codes, for samples of at most 16 bits.
    pair_table: Option<PairTable>,
    /// Quirks of data stored from samples of the decoded type (a store's array type).
    quirks: Vec<Quirk>,
}

impl PoissonCodec {
    /// Validates `params` and builds the tables.
    ///
    /// # Errors
    /// [`PoissonConfigError`] for a configuration nothing can be read or written with.
    pub fn new(params: &PoissonParams) -> Result<Self, PoissonConfigError> {
        params.validate()?;
        let table = if params.use_lookup {
            Some(LookupTable::build(params)?)
        } else {
            None
        };
        let quirks = match &table {
            Some(table) => lookup_quirks(params, table),
            None => formula_quirks(params, InputRange::of(params.decoded_dtype)),
        };
        let mut codec = PoissonCodec {
            params: *params,
            rule: PoissonRule::new(params),
            table,
            decode_table: None,
            pair_table: None,
            quirks,
        };
        let entries = match (params.encoded_dtype, &codec.table) {
            (CodeType::U8 | CodeType::I8, _) => Some(1 << 8),
            (CodeType::U16 | CodeType::I16, _) => Some(1 << 16),
            (CodeType::U32 | CodeType::I32, Some(table)) => Some(table.inverse().len()),
            (CodeType::U32 | CodeType::I32, None) => None,
        };
        codec.decode_table = entries.map(|n| SampleTable::new(&codec, n));
        codec.pair_table = codec.decode_table.as_ref().and_then(PairTable::new);
        Ok(codec)
    }

    /// The configuration.
    pub fn params(&self) -> &PoissonParams {
        &self.params
    }

    /// The reference's arithmetic for this configuration.
    pub fn rule(&self) -> &PoissonRule {
        &self.rule
    }

    /// The lookup tables (lookup mode).
    pub fn lookup_table(&self) -> Option<&LookupTable> {
        self.table.as_ref()
    }

    /// The reference's defects that stored data of this configuration carry (data encoded
    /// from samples of `decoded_dtype`, as in a store). Reading reproduces them; say them
    /// once to whoever reads.
    pub fn quirks(&self) -> &[Quirk] {
        &self.quirks
    }

    /// The code the reference stores for a sample value. In lookup mode the value is an
    /// integer level, clamped into the table; codes past the encoded type are wrapped.
    pub fn reference_code(&self, value: f64) -> u32 {
        match &self.table {
            Some(table) => table.code_of(value as i64),
            None => stored_code(self.rule.formula_code(value), self.params.encoded_dtype),
        }
    }

    /// What decoding returns for a code, as a float.
    pub fn decoded_value(&self, code: u64) -> f64 {
        match &self.table {
            Some(table) => table.decoded(code) as f64,
            None => cast_f64(
                self.rule.formula_decoded(code as f64),
                self.params.decoded_dtype,
            ),
        }
    }

    /// The decoded value of a code in the decoded type (the one definition the decode table
    /// caches).
    #[inline]
    fn value<T: Sample>(&self, code: u64) -> T {
        match &self.table {
            Some(table) => T::from_i64_wrapping(table.entry(code)),
            None => T::from_f64_numpy(self.rule.formula_decoded(code as f64)),
        }
    }

    /// Decodes codes as the reference does, bit for bit, quirks included: codes past the
    /// table read its last entry, lookup-mode codes index the inverse table by rank, and
    /// values are cast to `decoded_dtype` with NumPy's wrap-around.
    ///
    /// # Errors
    /// [`DecodeError::TypeMismatch`] when the codes are not of `encoded_dtype` or the output
    /// not of `decoded_dtype`; [`DecodeError::LengthMismatch`].
    pub fn decode(&self, codes: CodeSlice<'_>, out: SampleSliceMut<'_>) -> Result<(), DecodeError> {
        let expected = (self.params.decoded_dtype, self.params.encoded_dtype);
        let given = (out.data_type(), codes.code_type());
        if given != expected {
            return Err(DecodeError::TypeMismatch { expected, given });
        }
        let (inputs, outputs) = (codes.len(), out.len());
        if inputs != outputs {
            return Err(DecodeError::LengthMismatch { inputs, outputs });
        }
        macro_rules! decode_as {
            ($($narrow:ident),*; $($variant:ident),*) => {
                match out {
                    // 8-bit codes to samples of at most 16 bits: two codes per table load.
                    $(SampleSliceMut::$narrow(out) => match (&self.pair_table, &self.decode_table, codes) {
                        (
                            Some(PairTable::$narrow(pairs)),
                            Some(SampleTable::$narrow(table)),
                            CodeSlice::U8(codes),
                        ) => {
                            if let (Ok(pairs), Ok(table)) = (
                                <&[[_; 2]; 65_536]>::try_from(&pairs[..]),
                                <&[_; 256]>::try_from(&table[..]),
                            ) {
                                lookup_pairs(pairs, table, codes, out);
                            }
                        }
                        (_, table, codes) => {
                            let table = match table {
                                Some(SampleTable::$narrow(table)) => Some(&table[..]),
                                _ => None,
                            };
                            match codes {
                                CodeSlice::U8(codes) => self.decode_with(table, codes, out),
                                CodeSlice::U16(codes) => self.decode_with(table, codes, out),
                                CodeSlice::U32(codes) => self.decode_with(table, codes, out),
                                // Signed codes never pass the type check above (validate refuses them).
                                CodeSlice::I8(codes) => self.decode_with(table, codes, out),
                                CodeSlice::I16(codes) => self.decode_with(table, codes, out),
                                CodeSlice::I32(codes) => self.decode_with(table, codes, out),
                            }
                        }
                    },)*
                    $(SampleSliceMut::$variant(out) => {
                        let table = match &self.decode_table {
                            Some(SampleTable::$variant(table)) => Some(&table[..]),
                            _ => None,
                        };
                        match codes {
                            CodeSlice::U8(codes) => self.decode_with(table, codes, out),
                            CodeSlice::U16(codes) => self.decode_with(table, codes, out),
                            CodeSlice::U32(codes) => self.decode_with(table, codes, out),
                            // Signed codes never pass the type check above (validate refuses them).
                            CodeSlice::I8(codes) => self.decode_with(table, codes, out),
                            CodeSlice::I16(codes) => self.decode_with(table, codes, out),
                            CodeSlice::I32(codes) => self.decode_with(table, codes, out),
                        }
                    })*
                }
            };
        }
        decode_as!(U8, I8, U16, I16; U32, I32, F32, F64);
        Ok(())
    }

    fn decode_with<C: Code, T: Sample>(&self, table: Option<&[T]>, codes: &[C], out: &mut [T]) {
        let Some(table) = table else {
            for (value, &code) in out.iter_mut().zip(codes) {
                *value = self.value(code.index() as u64);
            }
            return;
        };
        // 8- and 16-bit codes: the table has an entry for every code.
        match C::CODE_TYPE {
            CodeType::U8 | CodeType::I8 => {
                if let Ok(table) = <&[T; 256]>::try_from(table) {
                    return lookup(table, codes, out);
                }
            }
            CodeType::U16 | CodeType::I16 => {
                if let Ok(table) = <&[T; 65_536]>::try_from(table) {
                    return lookup(table, codes, out);
                }
            }
            CodeType::U32 | CodeType::I32 => {}
        }
        let last = table.len() - 1;
        for (value, &code) in out.iter_mut().zip(codes) {
            *value = table[code.index().min(last)];
        }
    }

    /// The problem with writing samples of `input`, if any: an input the reference cannot
    /// encode (`Err`), or its first quirk (`Ok(Some)`).
    fn write_problem(&self, input: DataType) -> Result<Option<Quirk>, PoissonInputError> {
        self.check_input(input)?;
        Ok(match &self.table {
            Some(_) => self.quirks.first().copied(),
            None => formula_quirks(&self.params, InputRange::of(input))
                .first()
                .copied(),
        })
    }

    /// Whether the reference can encode samples of `input` at all.
    fn check_input(&self, input: DataType) -> Result<(), PoissonInputError> {
        let Some(table) = &self.table else {
            return Ok(());
        };
        let top = table.top() as i64;
        match input.integer_range() {
            None => Err(PoissonInputError::LookupFloatInput(input)),
            Some((_, max)) if max < top => Err(PoissonInputError::LookupIndexOverflow {
                input,
                top,
                decoded: self.params.decoded_dtype,
            }),
            Some(_) => Ok(()),
        }
    }

    /// The nearest configuration that writes samples of `input` without any quirk.
    fn nearest_safe(&self, input: DataType, quirk: &Quirk) -> SafeChoice {
        if matches!(quirk, Quirk::NonPositiveSensitivity { .. }) {
            return SafeChoice::PositiveSensitivity;
        }
        let p = self.params;
        let wider = (p.encoded_dtype == CodeType::U8).then_some(CodeType::U16);
        let mut candidates = Vec::new();
        if let Some(wider) = wider {
            candidates.push((p.use_lookup, wider, SafeChoice::EncodedDtype(wider)));
        }
        candidates.push((
            !p.use_lookup,
            p.encoded_dtype,
            SafeChoice::UseLookup(!p.use_lookup),
        ));
        if let Some(wider) = wider {
            candidates.push((
                !p.use_lookup,
                wider,
                SafeChoice::UseLookupWith(!p.use_lookup, wider),
            ));
        }
        candidates
            .into_iter()
            .find(|&(use_lookup, encoded_dtype, _)| {
                let candidate = PoissonParams {
                    encoded_dtype,
                    use_lookup,
                    ..p
                };
                PoissonCodec::new(&candidate)
                    .is_ok_and(|codec| matches!(codec.write_problem(input), Ok(None)))
            })
            .map_or(SafeChoice::AnscombeTransform, |(_, _, choice)| choice)
    }

    /// An encoder for writing samples of `input`: refused when the reference would lose data
    /// with this configuration and that type (a code past the encoded type, a skipped code,
    /// an inverse entry or formula decode past the decoded type, a photon sensitivity not
    /// above 0). Float samples (formula mode) are checked one by one: NaN, infinities and
    /// samples whose code would wrap or decode past the decoded type are errors.
    ///
    /// # Errors
    /// [`PoissonEncoderError::Input`] for a type the reference cannot encode,
    /// [`PoissonEncoderError::Refused`] naming the first quirk and the nearest safe choice.
    pub fn encoder(&self, input: DataType) -> Result<PoissonEncoder, PoissonEncoderError> {
        if let Some(quirk) = self.write_problem(input)? {
            let choice = self.nearest_safe(input, &quirk);
            return Err(PoissonRefusal { quirk, choice }.into());
        }
        Ok(self.build_encoder(input, true))
    }

    /// An encoder that stores exactly what the reference stores, wrapped codes included: for
    /// checking against the reference, never for writing data.
    ///
    /// # Errors
    /// [`PoissonInputError`] where the reference raises instead of encoding.
    pub fn reference_encoder(&self, input: DataType) -> Result<PoissonEncoder, PoissonInputError> {
        self.check_input(input)?;
        Ok(self.build_encoder(input, false))
    }

    fn build_encoder(&self, input: DataType, checked: bool) -> PoissonEncoder {
        let code_type = self.params.encoded_dtype;
        let kind = match (input, &self.table) {
            (DataType::U8 | DataType::I8 | DataType::U16 | DataType::I16, _) => {
                let bits = 8 * input.size();
                EncodeKind::Bits(CodeTable::new(code_type, 1 << bits, |index| {
                    self.reference_code(level_of_bits(input, index))
                }))
            }
            (_, Some(table)) => EncodeKind::Clamped {
                table: CodeTable::new(code_type, table.forward().len(), |level| {
                    table.forward()[level]
                }),
            },
            (_, None) => {
                let limit = (checked && input.is_float()).then(|| {
                    let code = float_code_limit(&self.params);
                    let rule = self.rule;
                    let max_level =
                        last_float_at_most(input, |x| rule.formula_code(x) <= code as f64);
                    (code as f64, max_level)
                });
                EncodeKind::Formula {
                    rule: self.rule,
                    limit,
                    checked,
                }
            }
        };
        PoissonEncoder {
            input,
            code_type,
            kind,
        }
    }
}

/// The value of a bit pattern of an 8- or 16-bit integer type.
fn level_of_bits(input: DataType, index: usize) -> f64 {
    match input {
        DataType::U8 => u8::from_bit_index(index).to_f64(),
        DataType::I8 => i8::from_bit_index(index).to_f64(),
        DataType::U16 => u16::from_bit_index(index).to_f64(),
        _ => i16::from_bit_index(index).to_f64(),
    }
}

/// Encodes samples of one type into codes for a [`PoissonCodec`].
#[derive(Debug, Clone, PartialEq)]
pub struct PoissonEncoder {
    input: DataType,
    code_type: CodeType,
    kind: EncodeKind,
}

#[derive(Debug, Clone, PartialEq)]
enum EncodeKind {
    /// 8- and 16-bit integer samples: the stored code of every bit pattern.
    Bits(CodeTable),
    /// 32-bit integer samples in lookup mode: the forward table, indexed by the clamped level.
    Clamped { table: CodeTable },
    /// 32-bit and float samples in formula mode: the formula per sample. A checked encoder
    /// refuses non-finite samples, and float samples whose code passes `limit.0` (the input
    /// level `limit.1` is the last that does not).
    Formula {
        rule: PoissonRule,
        limit: Option<(f64, f64)>,
        checked: bool,
    },
}

impl PoissonEncoder {
    /// The sample type this encoder takes.
    pub fn input(&self) -> DataType {
        self.input
    }

    /// The code type it writes.
    pub fn code_type(&self) -> CodeType {
        self.code_type
    }

    /// Encodes `samples` into `codes` (same length).
    ///
    /// # Errors
    /// [`EncodeError::TypeMismatch`] or [`EncodeError::LengthMismatch`] for the wrong slices;
    /// from a checked encoder of float samples, [`EncodeError::NotFinite`] and
    /// [`EncodeError::AboveRange`]. On error the content of `codes` is unspecified.
    pub fn encode(
        &self,
        samples: SampleSlice<'_>,
        codes: CodeSliceMut<'_>,
    ) -> Result<(), EncodeError> {
        let expected = (self.input, self.code_type);
        let given = (samples.data_type(), codes.code_type());
        if given != expected {
            return Err(EncodeError::TypeMismatch { expected, given });
        }
        let (inputs, outputs) = (samples.len(), codes.len());
        if inputs != outputs {
            return Err(EncodeError::LengthMismatch { inputs, outputs });
        }
        macro_rules! with_codes {
            ($table:expr, $codes:expr, |$t:ident, $c:ident| $body:expr) => {
                match ($table, $codes) {
                    (CodeTable::U8($t), CodeSliceMut::U8($c)) => $body,
                    (CodeTable::U16($t), CodeSliceMut::U16($c)) => $body,
                    (CodeTable::U32($t), CodeSliceMut::U32($c)) => $body,
                    _ => return Err(EncodeError::TypeMismatch { expected, given }),
                }
            };
        }
        match (&self.kind, samples) {
            (EncodeKind::Bits(table), SampleSlice::U8(s)) => {
                with_codes!(table, codes, |t, c| by_bits(t, s, c));
            }
            (EncodeKind::Bits(table), SampleSlice::I8(s)) => {
                with_codes!(table, codes, |t, c| by_bits(t, s, c));
            }
            (EncodeKind::Bits(table), SampleSlice::U16(s)) => {
                with_codes!(table, codes, |t, c| by_bits(t, s, c));
            }
            (EncodeKind::Bits(table), SampleSlice::I16(s)) => {
                with_codes!(table, codes, |t, c| by_bits(t, s, c));
            }
            (EncodeKind::Clamped { table }, SampleSlice::U32(s)) => {
                with_codes!(table, codes, |t, c| clamped(t, s, c));
            }
            (EncodeKind::Clamped { table }, SampleSlice::I32(s)) => {
                with_codes!(table, codes, |t, c| clamped(t, s, c));
            }
            (EncodeKind::Formula { .. }, samples) => return self.by_formula(samples, codes),
            _ => return Err(EncodeError::TypeMismatch { expected, given }),
        }
        Ok(())
    }

    fn by_formula(
        &self,
        samples: SampleSlice<'_>,
        codes: CodeSliceMut<'_>,
    ) -> Result<(), EncodeError> {
        macro_rules! each {
            ($($variant:ident),*) => {
                match samples {
                    $(SampleSlice::$variant(s) => match codes {
                        CodeSliceMut::U8(c) => self.formula_each(s, c),
                        CodeSliceMut::U16(c) => self.formula_each(s, c),
                        CodeSliceMut::U32(c) => self.formula_each(s, c),
                        // Signed codes never pass the type check (validate refuses them).
                        CodeSliceMut::I8(c) => self.formula_each(s, c),
                        CodeSliceMut::I16(c) => self.formula_each(s, c),
                        CodeSliceMut::I32(c) => self.formula_each(s, c),
                    },)*
                }
            };
        }
        each!(U8, I8, U16, I16, U32, I32, F32, F64)
    }

    fn formula_each<I: Sample, C: Code>(
        &self,
        samples: &[I],
        codes: &mut [C],
    ) -> Result<(), EncodeError> {
        let EncodeKind::Formula {
            rule,
            limit,
            checked,
        } = &self.kind
        else {
            return Ok(());
        };
        for (index, (code, &sample)) in codes.iter_mut().zip(samples).enumerate() {
            let value = sample.to_f64();
            if *checked && !value.is_finite() {
                return Err(EncodeError::NotFinite { index, value });
            }
            let raw = rule.formula_code(value);
            if let Some((largest, max_level)) = limit
                && raw > *largest
            {
                return Err(EncodeError::AboveRange {
                    index,
                    value,
                    max_level: *max_level,
                    code_type: self.code_type,
                });
            }
            *code = C::from_code(i64::from(stored_code(raw, self.code_type)));
        }
        Ok(())
    }
}

/// Codes of one code type, indexed by sample bit pattern or input level.
#[derive(Debug, Clone, PartialEq)]
enum CodeTable {
    U8(Box<[u8]>),
    U16(Box<[u16]>),
    U32(Box<[u32]>),
}

impl CodeTable {
    /// `len` codes (already of `code_type`'s range) from `code`.
    fn new(code_type: CodeType, len: usize, code: impl Fn(usize) -> u32) -> Self {
        match code_type {
            // Signed code types are refused by `PoissonParams::validate` before any table.
            CodeType::U8 | CodeType::I8 => CodeTable::U8((0..len).map(|i| code(i) as u8).collect()),
            CodeType::U16 | CodeType::I16 => {
                CodeTable::U16((0..len).map(|i| code(i) as u16).collect())
            }
            CodeType::U32 | CodeType::I32 => CodeTable::U32((0..len).map(code).collect()),
        }
    }
}

/// Decoded values of one sample type, indexed by code.
#[derive(Debug, Clone, PartialEq)]
enum SampleTable {
    U8(Box<[u8]>),
    I8(Box<[i8]>),
    U16(Box<[u16]>),
    I16(Box<[i16]>),
    U32(Box<[u32]>),
    I32(Box<[i32]>),
    F32(Box<[f32]>),
    F64(Box<[f64]>),
}

impl SampleTable {
    /// The decoded value of codes `0..entries`.
    fn new(codec: &PoissonCodec, entries: usize) -> Self {
        let codes = 0..entries as u64;
        match codec.params.decoded_dtype {
            DataType::U8 => SampleTable::U8(codes.map(|c| codec.value(c)).collect()),
            DataType::I8 => SampleTable::I8(codes.map(|c| codec.value(c)).collect()),
            DataType::U16 => SampleTable::U16(codes.map(|c| codec.value(c)).collect()),
            DataType::I16 => SampleTable::I16(codes.map(|c| codec.value(c)).collect()),
            DataType::U32 => SampleTable::U32(codes.map(|c| codec.value(c)).collect()),
            DataType::I32 => SampleTable::I32(codes.map(|c| codec.value(c)).collect()),
            DataType::F32 => SampleTable::F32(codes.map(|c| codec.value(c)).collect()),
            DataType::F64 => SampleTable::F64(codes.map(|c| codec.value(c)).collect()),
        }
    }
}

/// The decoded values of every pair of 8-bit codes, `[value(c0), value(c1)]` at `c0 | c1 << 8`:
/// one load decodes two codes, which halves the loads that bound decoding (65 536 pairs, at
/// most 256 KiB; the pairs a movie uses are few and stay in the first-level cache).
#[derive(Debug, Clone, PartialEq)]
enum PairTable {
    U8(Box<[[u8; 2]]>),
    I8(Box<[[i8; 2]]>),
    U16(Box<[[u16; 2]]>),
    I16(Box<[[i16; 2]]>),
}

impl PairTable {
    /// The pairs of a 256-entry decode table of samples of at most 16 bits.
    fn new(table: &SampleTable) -> Option<Self> {
        fn pairs<T: Copy>(table: &[T]) -> Option<Box<[[T; 2]]>> {
            let table = <&[T; 256]>::try_from(table).ok()?;
            Some(
                (0..65_536usize)
                    .map(|pair| [table[pair % 256], table[pair / 256 % 256]])
                    .collect(),
            )
        }
        Some(match table {
            SampleTable::U8(t) => PairTable::U8(pairs(t)?),
            SampleTable::I8(t) => PairTable::I8(pairs(t)?),
            SampleTable::U16(t) => PairTable::U16(pairs(t)?),
            SampleTable::I16(t) => PairTable::I16(pairs(t)?),
            _ => return None,
        })
    }
}

/// `out[i] = table[codes[i]]` through the pair table, sixteen codes at a time.
#[inline]
fn lookup_pairs<T: Sample>(
    pairs: &[[T; 2]; 65_536],
    table: &[T; 256],
    codes: &[u8],
    out: &mut [T],
) {
    let (code_groups, code_rest) = codes.as_chunks::<16>();
    let (value_groups, value_rest) = out.as_chunks_mut::<16>();
    for (values, group) in value_groups.iter_mut().zip(code_groups) {
        for (two, codes) in values
            .as_chunks_mut::<2>()
            .0
            .iter_mut()
            .zip(group.as_chunks::<2>().0)
        {
            *two = pairs[usize::from(codes[0]) | usize::from(codes[1]) << 8];
        }
    }
    for (value, &code) in value_rest.iter_mut().zip(code_rest) {
        *value = table[usize::from(code)];
    }
}

/// `out[i] = table[codes[i]]` with a table as long as the code type has values. Eight at a
/// time: the loads of a group issue together (about a fifth faster than one by one).
#[inline]
fn lookup<C: Code, T: Sample, const N: usize>(table: &[T; N], codes: &[C], out: &mut [T]) {
    let mut groups = out.chunks_exact_mut(8);
    let mut code_groups = codes.chunks_exact(8);
    for (values, group) in (&mut groups).zip(&mut code_groups) {
        for (value, code) in values.iter_mut().zip(group) {
            *value = table[code.index() % N];
        }
    }
    for (value, code) in groups
        .into_remainder()
        .iter_mut()
        .zip(code_groups.remainder())
    {
        *value = table[code.index() % N];
    }
}

/// `codes[i] = table[bit pattern of samples[i]]`.
#[inline]
fn by_bits<I: Sample, C: Code>(table: &[C], samples: &[I], codes: &mut [C]) {
    if let Ok(table) = <&[C; 256]>::try_from(table) {
        bits_into(table, samples, codes);
    } else if let Ok(table) = <&[C; 65_536]>::try_from(table) {
        bits_into(table, samples, codes);
    }
}

/// [`by_bits`] for one table length, eight samples at a time.
#[inline]
fn bits_into<I: Sample, C: Code, const N: usize>(table: &[C; N], samples: &[I], codes: &mut [C]) {
    let mut groups = codes.chunks_exact_mut(8);
    let mut sample_groups = samples.chunks_exact(8);
    for (group, values) in (&mut groups).zip(&mut sample_groups) {
        for (code, sample) in group.iter_mut().zip(values) {
            *code = table[sample.bit_index() % N];
        }
    }
    for (code, sample) in groups
        .into_remainder()
        .iter_mut()
        .zip(sample_groups.remainder())
    {
        *code = table[sample.bit_index() % N];
    }
}

/// `codes[i] = table[clamp(samples[i], 0, top)]`: the reference's index clamp.
#[inline]
fn clamped<I: Sample, C: Code>(table: &[C], samples: &[I], codes: &mut [C]) {
    let top = table.len() - 1;
    for (code, sample) in codes.iter_mut().zip(samples) {
        let level = sample.to_f64();
        let index = if level <= 0.0 {
            0
        } else {
            (level as usize).min(top)
        };
        *code = table[index];
    }
}
