//! The codecs: `Codec` (either identity, tables built once per sample type) and the
//! `anscombe-context` entropy stage.

use std::sync::{Arc, OnceLock};

use anscombe_core::{AnyCodec, CodecParams, ConfigError, DataType};
use anscombe_entropy::Dims;
use anscombe_io::Element;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::arrays::{AnyArray, contiguous, decode_array, encode_array, value_error};
use crate::params::{CodecKeywords, codec_params, sample_type};
use crate::verify::compare;

/// One Anscombe codec configuration (`anscombe-transform` or `anscombe-v1`).
#[pyclass(frozen, module = "anscombe._anscombe")]
pub(crate) struct Codec {
    name: String,
    params: CodecParams,
    encoded_dtype: Option<String>,
    decoded_dtype: Option<String>,
    /// One resolved codec per sample type, in the order of [`DataType::ALL`].
    resolved: [OnceLock<Result<Arc<AnyCodec>, ConfigError>>; 8],
}

impl Codec {
    /// The codec for one sample type (tables built on first use, then shared).
    fn resolve(&self, data_type: DataType) -> PyResult<Arc<AnyCodec>> {
        let slot = DataType::ALL
            .iter()
            .position(|d| *d == data_type)
            .unwrap_or(0);
        self.resolved[slot]
            .get_or_init(|| AnyCodec::new(&self.params, data_type).map(Arc::new))
            .clone()
            .map_err(|e| value_error(format!("{}: {e}", self.name)))
    }

    fn resolve_named(&self, dtype: &str) -> PyResult<Arc<AnyCodec>> {
        self.resolve(sample_type(dtype).map_err(value_error)?)
    }
}

#[pymethods]
impl Codec {
    /// Checks the parameters (a `ValueError` says which is wrong).
    #[new]
    #[pyo3(signature = (name, zero_level, conversion_gain, beta=None, encoded_dtype=None, decoded_dtype=None))]
    fn new(
        name: &str,
        zero_level: f64,
        conversion_gain: f64,
        beta: Option<f64>,
        encoded_dtype: Option<String>,
        decoded_dtype: Option<String>,
    ) -> PyResult<Self> {
        let keywords = CodecKeywords {
            zero_level,
            conversion_gain,
            beta,
            encoded_dtype: encoded_dtype.as_deref(),
            decoded_dtype: decoded_dtype.as_deref(),
        };
        let params = codec_params(name, &keywords).map_err(value_error)?;
        Ok(Codec {
            name: name.to_string(),
            params,
            encoded_dtype,
            decoded_dtype,
            resolved: Default::default(),
        })
    }

    /// The codec's name in metadata.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// Level at zero photons.
    #[getter]
    fn zero_level(&self) -> f64 {
        self.params.zero_level()
    }

    /// Levels per photon.
    #[getter]
    fn conversion_gain(&self) -> f64 {
        self.params.conversion_gain()
    }

    /// Code step in shot-noise standard deviations.
    #[getter]
    fn beta(&self) -> f64 {
        self.params.beta()
    }

    /// The code type as configured (None: chosen per sample type).
    #[getter]
    fn encoded_dtype(&self) -> Option<&str> {
        self.encoded_dtype.as_deref()
    }

    /// anscombe-v1's decoded type as configured.
    #[getter]
    fn decoded_dtype(&self) -> Option<&str> {
        self.decoded_dtype.as_deref()
    }

    /// The code type this configuration uses for samples of `dtype`.
    fn code_dtype(&self, dtype: &str) -> PyResult<&'static str> {
        Ok(self.resolve_named(dtype)?.rule().code_type().name())
    }

    /// The largest code samples of `dtype` produce.
    fn max_code(&self, dtype: &str) -> PyResult<i64> {
        Ok(self.resolve_named(dtype)?.rule().max_code())
    }

    /// The code of one sample value of `dtype` (0 for NaN), clamped to the code type: what
    /// codecs after this one see for a fill value.
    fn code_of(&self, value: f64, dtype: &str) -> PyResult<i64> {
        let codec = self.resolve_named(dtype)?;
        let rule = codec.rule();
        let code = rule.encode_value(value).unwrap_or(0);
        Ok(code.clamp(0, rule.code_type().max_code()))
    }

    /// Why anscombe-v1 refuses to encode samples of `dtype` with this configuration (a defect of
    /// the reference it would reproduce), or None.
    fn refusal(&self, dtype: &str) -> PyResult<Option<String>> {
        Ok(self
            .resolve_named(dtype)?
            .rule()
            .refusal()
            .map(|r| r.to_string()))
    }

    /// The spec's error bound, in photons, at a level of samples of `dtype`.
    fn error_bound_photons(&self, level: f64, dtype: &str) -> PyResult<f64> {
        Ok(self.resolve_named(dtype)?.rule().error_bound_photons(level))
    }

    /// Encodes an array of samples into an array of codes of the same shape.
    fn encode<'py>(
        &self,
        py: Python<'py>,
        samples: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let array = AnyArray::extract(samples)?;
        let codec = self.resolve(array.data_type())?;
        let element: Element = codec.rule().code_type().into();
        encode_array(py, &array, element, &self.name, |s, c| codec.encode(s, c))
    }

    /// Decodes an array of codes into samples of `dtype`, same shape.
    fn decode<'py>(
        &self,
        py: Python<'py>,
        codes_array: &Bound<'py, PyAny>,
        dtype: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let array = AnyArray::extract(codes_array)?;
        let codec = self.resolve_named(dtype)?;
        let code_type = codec.rule().code_type();
        if array.data_type() != code_type.data_type() {
            return Err(PyTypeError::new_err(format!(
                "{}: this configuration stores {dtype} samples as {code_type} codes, not {}",
                self.name,
                array.data_type()
            )));
        }
        let element: Element = codec.rule().data_type().into();
        decode_array(py, &array, element, &self.name, |c, s| codec.decode(c, s))
    }

    /// Compares decoded samples with their originals (same type and shape); the report as
    /// JSON (`anscombe verify --json`'s `error` object).
    fn verify(
        &self,
        py: Python<'_>,
        original: &Bound<'_, PyAny>,
        decoded: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let (original, decoded) = (AnyArray::extract(original)?, AnyArray::extract(decoded)?);
        if original.shape() != decoded.shape() || original.data_type() != decoded.data_type() {
            return Err(value_error(format!(
                "the original is {} {:?}, the decoded array {} {:?}: not the same movie",
                original.data_type(),
                original.shape(),
                decoded.data_type(),
                decoded.shape()
            )));
        }
        let codec = self.resolve(original.data_type())?;
        let rule = codec.rule();
        macro_rules! pairs {
            ($($variant:ident),*) => {
                match (&original, &decoded) {
                    $((AnyArray::$variant(a), AnyArray::$variant(b)) => {
                        let (a, b) = (contiguous(a), contiguous(b));
                        py.detach(|| compare(rule, &a, &b))
                    })*
                    _ => return Err(PyTypeError::new_err("arrays of different types")),
                }
            };
        }
        let summary = pairs!(U8, I8, U16, I16, U32, I32, F32, F64);
        serde_json::to_string(&summary).map_err(value_error)
    }

    fn __repr__(&self) -> String {
        format!(
            "Codec({:?}, zero_level={}, conversion_gain={}, beta={})",
            self.name,
            self.params.zero_level(),
            self.params.conversion_gain(),
            self.params.beta()
        )
    }
}

fn dims(shape: &[usize]) -> Dims {
    Dims::from_shape(&shape.iter().map(|&n| n as u64).collect::<Vec<_>>())
}

/// Codes one chunk of `uint8` or `uint16` codes with the `anscombe-context` entropy coder; the
/// stream of `spec/anscombe-context-codec.md`.
#[pyfunction]
fn context_encode<'py>(
    py: Python<'py>,
    codes: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let array = AnyArray::extract(codes)?;
    let dims = dims(&array.shape());
    let bytes = match &array {
        AnyArray::U8(a) => {
            let c = contiguous(a);
            py.detach(|| anscombe_entropy::encode(&c, dims))
        }
        AnyArray::U16(a) => {
            let c = contiguous(a);
            py.detach(|| anscombe_entropy::encode(&c, dims))
        }
        other => {
            return Err(PyTypeError::new_err(format!(
                "anscombe-context codes uint8 or uint16 arrays (Anscombe codes), not {}",
                other.data_type()
            )));
        }
    }
    .map_err(|e| value_error(format!("anscombe-context: {e}")))?;
    Ok(PyBytes::new(py, &bytes))
}

/// Decodes one `anscombe-context` stream (a `uint8` array of its bytes) into codes of `shape`
/// and `dtype` (`uint8` or `uint16`).
#[pyfunction]
fn context_decode<'py>(
    py: Python<'py>,
    stream: numpy::PyReadonlyArray1<'py, u8>,
    shape: Vec<usize>,
    dtype: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = stream.as_slice().map_err(value_error)?;
    let dims = dims(&shape);
    let context = |e: anscombe_entropy::DecodeError| value_error(format!("anscombe-context: {e}"));
    match dtype {
        "uint8" => {
            let codes = py
                .detach(|| anscombe_entropy::decode::<u8>(bytes, dims))
                .map_err(context)?;
            super::arrays::to_numpy(py, codes, &shape)
        }
        "uint16" => {
            let codes = py
                .detach(|| anscombe_entropy::decode::<u16>(bytes, dims))
                .map_err(context)?;
            super::arrays::to_numpy(py, codes, &shape)
        }
        other => Err(PyTypeError::new_err(format!(
            "anscombe-context codes uint8 or uint16 arrays (Anscombe codes), not {other}"
        ))),
    }
}

/// The codes of levels `0..=input_max` under anscombe-v1's curve with any beta, before any
/// cast (anscombe-transform's `make_anscombe_lookup` table; its callers cast and wrap).
#[pyfunction]
fn v1_lookup(
    py: Python<'_>,
    conversion_gain: f64,
    zero_level: f64,
    beta: f64,
    input_max: usize,
) -> PyResult<Bound<'_, PyAny>> {
    let params = anscombe_core::V1Params {
        beta,
        encoded_dtype: anscombe_core::CodeType::U32,
        decoded_dtype: DataType::I32,
        ..anscombe_core::V1Params::new(zero_level, conversion_gain)
    };
    CodecParams::V1(params).validate().map_err(value_error)?;
    let rule = anscombe_core::CodeRule::new(&params.into(), DataType::I32).map_err(value_error)?;
    let codes: Vec<i64> = py.detach(|| (0..=input_max as i64).map(|l| rule.code_at(l)).collect());
    super::arrays::to_numpy(py, codes, &[input_max + 1])
}

/// Adds the codec classes and functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Codec>()?;
    m.add_function(wrap_pyfunction!(context_encode, m)?)?;
    m.add_function(wrap_pyfunction!(context_decode, m)?)?;
    m.add_function(wrap_pyfunction!(v1_lookup, m)?)?;
    Ok(())
}
