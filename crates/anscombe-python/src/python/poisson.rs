//! The `poisson` codec of poisson-numcodecs 0.1.0: one configuration with its tables built
//! once. Decoding reproduces the reference bit for bit, quirks included; encoding is checked
//! (refused where the reference would lose data) unless the reference's own codes are asked
//! for, which only the drop-in module does.

use std::sync::{Arc, OnceLock};

use anscombe_core::{DataType, PoissonCodec as CorePoisson, PoissonEncoder, PoissonParams};
use anscombe_io::Element;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use super::arrays::{AnyArray, decode_array, encode_array, to_numpy, value_error};
use crate::params::sample_type;

/// Encoders of one kind (checked or the reference's), one per sample type, built on first use.
type Encoders = [OnceLock<Result<Arc<PoissonEncoder>, String>>; 8];

/// One `poisson` configuration (the keys poisson-numcodecs writes).
#[pyclass(frozen, module = "anscombe._anscombe")]
pub(crate) struct PoissonCodec {
    codec: Arc<CorePoisson>,
    checked: Encoders,
    reference: Encoders,
}

impl PoissonCodec {
    /// The encoder for samples of `data_type`: checked for writing, or the reference's.
    fn encoder(&self, data_type: DataType, reference: bool) -> PyResult<Arc<PoissonEncoder>> {
        self.cached(data_type, reference)
            .map_err(|e| value_error(format!("{}: {e}", PoissonParams::NAME)))
    }

    /// [`Self::encoder`], built once per sample type, or why it cannot be made.
    fn cached(&self, data_type: DataType, reference: bool) -> Result<Arc<PoissonEncoder>, String> {
        let slot = DataType::ALL
            .iter()
            .position(|d| *d == data_type)
            .unwrap_or(0);
        let (encoders, codec) = (
            if reference {
                &self.reference
            } else {
                &self.checked
            },
            &self.codec,
        );
        encoders[slot]
            .get_or_init(|| {
                let made = if reference {
                    codec
                        .reference_encoder(data_type)
                        .map_err(|e| e.to_string())
                } else {
                    codec.encoder(data_type).map_err(|e| e.to_string())
                };
                made.map(Arc::new)
            })
            .clone()
    }

    fn params(&self) -> &PoissonParams {
        self.codec.params()
    }
}

#[pymethods]
impl PoissonCodec {
    /// Checks the configuration and builds the tables (a `ValueError` says what is wrong).
    #[new]
    #[pyo3(signature = (dark_signal, photon_sensitivity, encoded_dtype="uint8", decoded_dtype="int16", beta=0.5, use_lookup=true))]
    fn new(
        dark_signal: f64,
        photon_sensitivity: f64,
        encoded_dtype: &str,
        decoded_dtype: &str,
        beta: f64,
        use_lookup: bool,
    ) -> PyResult<Self> {
        let params = PoissonParams {
            dark_signal,
            photon_sensitivity,
            encoded_dtype: PoissonParams::parse_encoded_dtype(encoded_dtype)
                .map_err(value_error)?,
            decoded_dtype: PoissonParams::parse_decoded_dtype(decoded_dtype)
                .map_err(value_error)?,
            beta,
            use_lookup,
        };
        let codec = CorePoisson::new(&params)
            .map_err(|e| value_error(format!("{}: {e}", PoissonParams::NAME)))?;
        Ok(PoissonCodec {
            codec: Arc::new(codec),
            checked: Default::default(),
            reference: Default::default(),
        })
    }

    /// Level at zero photons.
    #[getter]
    fn dark_signal(&self) -> f64 {
        self.params().dark_signal
    }

    /// Levels per photon.
    #[getter]
    fn photon_sensitivity(&self) -> f64 {
        self.params().photon_sensitivity
    }

    /// The code type.
    #[getter]
    fn encoded_dtype(&self) -> &'static str {
        self.params().encoded_dtype.name()
    }

    /// The type decoding returns.
    #[getter]
    fn decoded_dtype(&self) -> &'static str {
        self.params().decoded_dtype.name()
    }

    /// Code step in noise standard deviations.
    #[getter]
    fn beta(&self) -> f64 {
        self.params().beta
    }

    /// Lookup mode (True) or formula mode (False).
    #[getter]
    fn use_lookup(&self) -> bool {
        self.params().use_lookup
    }

    /// The reference's defects that data stored with this configuration carry, as
    /// `(letter, name, what it costs)`; decoding reproduces them.
    fn quirks(&self) -> Vec<(&'static str, &'static str, String)> {
        self.codec
            .quirks()
            .iter()
            .map(|q| (q.letter(), q.name(), q.to_string()))
            .collect()
    }

    /// Why writing samples of `dtype` is refused (the reference would lose data, or cannot
    /// encode that type), or None.
    fn refusal(&self, dtype: &str) -> PyResult<Option<String>> {
        let data_type = sample_type(dtype).map_err(value_error)?;
        Ok(self.cached(data_type, false).err())
    }

    /// The code the reference stores for one sample value (a fill value's code).
    fn code_of(&self, value: f64) -> u32 {
        self.codec.reference_code(value)
    }

    /// Encodes samples into codes of `encoded_dtype`, same shape. Checked (a `ValueError` for
    /// a configuration or a sample whose data the reference would lose) unless `reference`,
    /// which stores exactly the reference's codes, wrapped ones included.
    #[pyo3(signature = (samples, reference=false))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        samples: &Bound<'py, PyAny>,
        reference: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let array = AnyArray::extract(samples)?;
        let encoder = self.encoder(array.data_type(), reference)?;
        let element: Element = encoder.code_type().into();
        encode_array(py, &array, element, PoissonParams::NAME, |s, c| {
            encoder.encode(s, c)
        })
    }

    /// Decodes codes of `encoded_dtype` into samples of `decoded_dtype`, same shape, as the
    /// reference does (bit for bit, quirks included).
    fn decode<'py>(
        &self,
        py: Python<'py>,
        codes: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let array = AnyArray::extract(codes)?;
        let code_type = self.params().encoded_dtype;
        if array.data_type() != code_type.data_type() {
            return Err(PyTypeError::new_err(format!(
                "poisson: this configuration stores {code_type} codes, not {}",
                array.data_type()
            )));
        }
        let element: Element = self.params().decoded_dtype.into();
        let codec = &self.codec;
        decode_array(py, &array, element, PoissonParams::NAME, |c, s| {
            codec.decode(c, s)
        })
    }

    /// Lookup mode's forward table (the stored code of every level `0..=iinfo(decoded).max`,
    /// as `uint32`), or None in formula mode.
    fn forward_table<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.codec
            .lookup_table()
            .map(|t| to_numpy(py, t.forward().to_vec(), &[t.forward().len()]))
            .transpose()
    }

    /// Lookup mode's inverse table (`int64`, indexed by code rank, as the reference holds
    /// it), or None in formula mode.
    fn inverse_table<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.codec
            .lookup_table()
            .map(|t| to_numpy(py, t.inverse().to_vec(), &[t.inverse().len()]))
            .transpose()
    }

    fn __repr__(&self) -> String {
        let p = self.params();
        format!(
            "PoissonCodec(dark_signal={}, photon_sensitivity={}, encoded_dtype={:?}, \
             decoded_dtype={:?}, beta={}, use_lookup={})",
            p.dark_signal,
            p.photon_sensitivity,
            p.encoded_dtype.name(),
            p.decoded_dtype.name(),
            p.beta,
            if p.use_lookup { "True" } else { "False" }
        )
    }
}

/// Adds the class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PoissonCodec>()
}
