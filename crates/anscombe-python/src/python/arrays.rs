//! NumPy arrays in and out: the sample type found at run time, the samples borrowed in place
//! when the array is C-contiguous (copied in C order otherwise), results handed to NumPy
//! without a copy.

use std::borrow::Cow;

use anscombe_core::{CodeSlice, CodeSliceMut, DataType, SampleSlice, SampleSliceMut};
use anscombe_io::Samples;
use ndarray::{ArrayD, IxDyn};
use numpy::{Element, PyArray, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError as CodeTypeError;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// A NumPy array of one of the codec's sample types, borrowed read-only.
pub(crate) enum AnyArray<'py> {
    U8(PyReadonlyArrayDyn<'py, u8>),
    I8(PyReadonlyArrayDyn<'py, i8>),
    U16(PyReadonlyArrayDyn<'py, u16>),
    I16(PyReadonlyArrayDyn<'py, i16>),
    U32(PyReadonlyArrayDyn<'py, u32>),
    I32(PyReadonlyArrayDyn<'py, i32>),
    F32(PyReadonlyArrayDyn<'py, f32>),
    F64(PyReadonlyArrayDyn<'py, f64>),
}

/// Applies `$body` to the samples of an [`AnyArray`] as a `Cow<[T]>` bound to `$s`.
macro_rules! with_samples {
    ($array:expr, $s:ident => $body:expr) => {
        match $array {
            $crate::python::arrays::AnyArray::U8(a) => {
                let $s = $crate::python::arrays::contiguous(a);
                $body
            }
            $crate::python::arrays::AnyArray::I8(a) => {
                let $s = $crate::python::arrays::contiguous(a);
                $body
            }
            $crate::python::arrays::AnyArray::U16(a) => {
                let $s = $crate::python::arrays::contiguous(a);
                $body
            }
            $crate::python::arrays::AnyArray::I16(a) => {
                let $s = $crate::python::arrays::contiguous(a);
                $body
            }
            $crate::python::arrays::AnyArray::U32(a) => {
                let $s = $crate::python::arrays::contiguous(a);
                $body
            }
            $crate::python::arrays::AnyArray::I32(a) => {
                let $s = $crate::python::arrays::contiguous(a);
                $body
            }
            $crate::python::arrays::AnyArray::F32(a) => {
                let $s = $crate::python::arrays::contiguous(a);
                $body
            }
            $crate::python::arrays::AnyArray::F64(a) => {
                let $s = $crate::python::arrays::contiguous(a);
                $body
            }
        }
    };
}
pub(crate) use with_samples;

impl<'py> AnyArray<'py> {
    /// The array, or a `TypeError` naming the types that work.
    pub(crate) fn extract(object: &Bound<'py, PyAny>) -> PyResult<Self> {
        macro_rules! attempt {
            ($($variant:ident),*) => {
                $(if let Ok(a) = object.extract::<PyReadonlyArrayDyn<'py, _>>() {
                    return Ok(AnyArray::$variant(a));
                })*
            };
        }
        attempt!(U8, I8, U16, I16, U32, I32, F32, F64);
        let described = object
            .getattr("dtype")
            .map_or_else(|_| object.get_type().to_string(), |d| d.to_string());
        Err(PyTypeError::new_err(format!(
            "expected a NumPy array of uint8, int8, uint16, int16, uint32, int32, float32 or \
             float64 in native byte order, got {described}"
        )))
    }

    /// The array's shape.
    pub(crate) fn shape(&self) -> Vec<usize> {
        match self {
            AnyArray::U8(a) => a.shape().to_vec(),
            AnyArray::I8(a) => a.shape().to_vec(),
            AnyArray::U16(a) => a.shape().to_vec(),
            AnyArray::I16(a) => a.shape().to_vec(),
            AnyArray::U32(a) => a.shape().to_vec(),
            AnyArray::I32(a) => a.shape().to_vec(),
            AnyArray::F32(a) => a.shape().to_vec(),
            AnyArray::F64(a) => a.shape().to_vec(),
        }
    }

    /// The sample type.
    pub(crate) fn data_type(&self) -> DataType {
        match self {
            AnyArray::U8(_) => DataType::U8,
            AnyArray::I8(_) => DataType::I8,
            AnyArray::U16(_) => DataType::U16,
            AnyArray::I16(_) => DataType::I16,
            AnyArray::U32(_) => DataType::U32,
            AnyArray::I32(_) => DataType::I32,
            AnyArray::F32(_) => DataType::F32,
            AnyArray::F64(_) => DataType::F64,
        }
    }

    /// The samples as an owned [`Samples`] (for the streaming APIs that read frame batches).
    pub(crate) fn to_samples(&self) -> Samples {
        match self {
            AnyArray::U8(a) => Samples::U8(contiguous(a).into_owned()),
            AnyArray::I8(a) => Samples::I8(contiguous(a).into_owned()),
            AnyArray::U16(a) => Samples::U16(contiguous(a).into_owned()),
            AnyArray::I16(a) => Samples::I16(contiguous(a).into_owned()),
            AnyArray::U32(a) => Samples::U32(contiguous(a).into_owned()),
            AnyArray::I32(a) => Samples::I32(contiguous(a).into_owned()),
            AnyArray::F32(a) => Samples::F32(contiguous(a).into_owned()),
            AnyArray::F64(a) => Samples::F64(contiguous(a).into_owned()),
        }
    }
}

/// The samples in C order: borrowed when the array is C-contiguous, copied otherwise.
pub(crate) fn contiguous<'a, T: Element + Copy>(
    array: &'a PyReadonlyArrayDyn<'_, T>,
) -> Cow<'a, [T]> {
    // `as_slice` also accepts Fortran order, whose memory is not C order.
    match array.as_slice() {
        Ok(slice) if array.is_c_contiguous() => Cow::Borrowed(slice),
        _ => Cow::Owned(array.as_array().iter().copied().collect()),
    }
}

/// A Rust slice of samples as the core crate's typed view.
pub(crate) trait AsSampleSlice {
    /// The view.
    fn sample_slice(&self) -> SampleSlice<'_>;
}

macro_rules! sample_slices {
    ($($t:ty => $variant:ident),*) => {
        $(impl AsSampleSlice for [$t] {
            fn sample_slice(&self) -> SampleSlice<'_> { SampleSlice::$variant(self) }
        })*
    };
}
sample_slices!(u8 => U8, i8 => I8, u16 => U16, i16 => I16, u32 => U32, i32 => I32, f32 => F32, f64 => F64);

/// An array of codes, borrowed in place when C-contiguous.
pub(crate) enum Codes<'a> {
    U8(Cow<'a, [u8]>),
    I8(Cow<'a, [i8]>),
    U16(Cow<'a, [u16]>),
    I16(Cow<'a, [i16]>),
    U32(Cow<'a, [u32]>),
    I32(Cow<'a, [i32]>),
}

impl Codes<'_> {
    /// How many codes.
    pub(crate) fn len(&self) -> usize {
        self.slice().len()
    }

    /// The core crate's view of the codes.
    pub(crate) fn slice(&self) -> CodeSlice<'_> {
        match self {
            Codes::U8(c) => CodeSlice::U8(c),
            Codes::I8(c) => CodeSlice::I8(c),
            Codes::U16(c) => CodeSlice::U16(c),
            Codes::I16(c) => CodeSlice::I16(c),
            Codes::U32(c) => CodeSlice::U32(c),
            Codes::I32(c) => CodeSlice::I32(c),
        }
    }
}

/// The codes of an array of a code type (an integer type of at most 32 bits).
pub(crate) fn codes<'a>(array: &'a AnyArray<'_>) -> PyResult<Codes<'a>> {
    match array {
        AnyArray::U8(a) => Ok(Codes::U8(contiguous(a))),
        AnyArray::I8(a) => Ok(Codes::I8(contiguous(a))),
        AnyArray::U16(a) => Ok(Codes::U16(contiguous(a))),
        AnyArray::I16(a) => Ok(Codes::I16(contiguous(a))),
        AnyArray::U32(a) => Ok(Codes::U32(contiguous(a))),
        AnyArray::I32(a) => Ok(Codes::I32(contiguous(a))),
        other => Err(CodeTypeError::new_err(format!(
            "codes are integers of at most 32 bits (uint8, int8, uint16, int16, uint32, int32), \
             not {}",
            other.data_type()
        ))),
    }
}

/// An owned result as a NumPy array of `shape`, without a copy.
pub(crate) fn to_numpy<'py, T: Element>(
    py: Python<'py>,
    values: Vec<T>,
    shape: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    let array = ArrayD::from_shape_vec(IxDyn(shape), values)
        .map_err(|e| PyValueError::new_err(format!("result of the wrong size: {e}")))?;
    Ok(PyArray::from_owned_array(py, array).into_any())
}

/// `Samples` as a NumPy array of `shape`.
pub(crate) fn samples_to_numpy<'py>(
    py: Python<'py>,
    samples: Samples,
    shape: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    match samples {
        Samples::Bool(v) => to_numpy(py, v, shape),
        Samples::U8(v) => to_numpy(py, v, shape),
        Samples::I8(v) => to_numpy(py, v, shape),
        Samples::U16(v) => to_numpy(py, v, shape),
        Samples::I16(v) => to_numpy(py, v, shape),
        Samples::U32(v) => to_numpy(py, v, shape),
        Samples::I32(v) => to_numpy(py, v, shape),
        Samples::U64(v) => to_numpy(py, v, shape),
        Samples::I64(v) => to_numpy(py, v, shape),
        Samples::F32(v) => to_numpy(py, v, shape),
        Samples::F64(v) => to_numpy(py, v, shape),
    }
}

/// Encodes an array's samples into codes of `element`, same shape, with the interpreter
/// detached; an error is a `ValueError` prefixed with `what` (the codec's name).
pub(crate) fn encode_array<'py, E: std::fmt::Display>(
    py: Python<'py>,
    array: &AnyArray<'py>,
    element: anscombe_io::Element,
    what: &str,
    encode: impl Fn(SampleSlice<'_>, CodeSliceMut<'_>) -> Result<(), E> + Sync,
) -> PyResult<Bound<'py, PyAny>> {
    let encoded = with_samples!(array, s => py.detach(|| {
        let mut codes = Samples::zeros(element, s.len());
        let room = codes.code_slice_mut().ok_or("no code slice")?;
        encode(s.sample_slice(), room).map_err(|e| e.to_string())?;
        Ok::<Samples, String>(codes)
    }))
    .map_err(|e| value_error(format!("{what}: {e}")))?;
    samples_to_numpy(py, encoded, &array.shape())
}

/// Decodes an array of codes into samples of `element`, same shape, with the interpreter
/// detached; an error is a `ValueError` prefixed with `what` (the codec's name).
pub(crate) fn decode_array<'py, E: std::fmt::Display>(
    py: Python<'py>,
    array: &AnyArray<'py>,
    element: anscombe_io::Element,
    what: &str,
    decode: impl Fn(CodeSlice<'_>, SampleSliceMut<'_>) -> Result<(), E> + Sync,
) -> PyResult<Bound<'py, PyAny>> {
    let codes = codes(array)?;
    let decoded = py
        .detach(|| {
            let mut samples = Samples::zeros(element, codes.len());
            let room = samples.sample_slice_mut().ok_or("no sample slice")?;
            decode(codes.slice(), room).map_err(|e| e.to_string())?;
            Ok::<Samples, String>(samples)
        })
        .map_err(|e| value_error(format!("{what}: {e}")))?;
    samples_to_numpy(py, decoded, &array.shape())
}

/// Any error as a `ValueError` with its message (what the CLI prints).
pub(crate) fn value_error(error: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(error.to_string())
}
