//! The image tools around the codec: pyramids, backgrounds, detector response and correction.

use anscombe_background::{Pixel, RollingMedian, SparseMedian, TimeAxis};
use anscombe_calibrate::detector::{Correction, Gaussian, Plane, ResponseFit};
use anscombe_io::InMemory;
use anscombe_pyramid::{Method, Pyramid};
use numpy::{PyArray, PyReadonlyArrayDyn};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::arrays::{AnyArray, to_numpy, value_error};

fn method(name: &str) -> PyResult<Method> {
    match name {
        "average" => Ok(Method::Average),
        "mode" => Ok(Method::Mode),
        "max" => Ok(Method::Max),
        "min" => Ok(Method::Min),
        "stride" => Ok(Method::Stride),
        other => Err(value_error(format!(
            "unknown pooling method {other:?}: expected average, mode, max, min or stride"
        ))),
    }
}

/// The levels below an array (level 1 first), pooled by blocks of `factors` samples.
#[pyfunction]
#[pyo3(signature = (array, factors, levels=1, method_name="average", sparse=false))]
fn pyramid<'py>(
    py: Python<'py>,
    array: &Bound<'py, PyAny>,
    factors: Vec<usize>,
    levels: usize,
    method_name: &str,
    sparse: bool,
) -> PyResult<Bound<'py, PyList>> {
    let plan = Pyramid::new(method(method_name)?, &factors, levels)
        .and_then(|p| p.sparse(sparse))
        .map_err(value_error)?;
    let input = AnyArray::extract(array)?;
    macro_rules! build {
        ($($variant:ident),*) => {
            match &input {
                $(AnyArray::$variant(a) => {
                    let view = a.as_array();
                    let built = py.detach(|| plan.build(view)).map_err(value_error)?;
                    let out: Vec<Bound<'py, PyAny>> = built
                        .into_iter()
                        .map(|level| PyArray::from_owned_array(py, level).into_any())
                        .collect();
                    PyList::new(py, out)
                })*
            }
        };
    }
    build!(U8, I8, U16, I16, U32, I32, F32, F64)
}

/// A `(frames, height, width)` movie in memory as a frame source.
fn source(array: &AnyArray<'_>) -> PyResult<InMemory> {
    let shape = array.shape();
    if shape.len() != 3 {
        return Err(value_error(format!(
            "a movie is a (frames, height, width) array, got shape {shape:?}"
        )));
    }
    Ok(InMemory::new(shape, array.to_samples()))
}

fn sparse_typed<'py, T: Pixel + numpy::Element>(
    py: Python<'py>,
    parameters: &SparseMedian,
    movie: &mut InMemory,
    time: &TimeAxis,
) -> PyResult<Bound<'py, PyDict>> {
    let result = py
        .detach(|| parameters.compute::<T>(movie, time, &mut |_, _| {}))
        .map_err(value_error)?;
    let dict = PyDict::new(py);
    let kept = result.step_times.len();
    dict.set_item(
        "images",
        to_numpy(py, result.images, &[kept, result.height, result.width])?,
    )?;
    let frames = result.frame_background.len();
    let index: Vec<i64> = result.frame_background.iter().map(|&i| i as i64).collect();
    dict.set_item("frame_background", to_numpy(py, index, &[frames])?)?;
    match result.offsets {
        Some(offsets) => dict.set_item("offsets", to_numpy(py, offsets, &[frames])?)?,
        None => dict.set_item("offsets", py.None())?,
    }
    dict.set_item("step_times", result.step_times)?;
    dict.set_item("times", result.times)?;
    dict.set_item("kernel_size", result.kernel_size)?;
    Ok(dict)
}

/// dcnum's sparse median background of a `(frames, height, width)` movie.
#[pyfunction]
#[pyo3(signature = (movie, kernel_size=200, split_time=1.0, thresh_cleansing=0.0, frac_cleansing=0.8, offset_correction=true, fps=None, times=None))]
#[allow(
    clippy::too_many_arguments,
    reason = "dcnum's keyword arguments, one for one"
)]
fn sparse_median<'py>(
    py: Python<'py>,
    movie: &Bound<'py, PyAny>,
    kernel_size: usize,
    split_time: f64,
    thresh_cleansing: f64,
    frac_cleansing: f64,
    offset_correction: bool,
    fps: Option<f64>,
    times: Option<Vec<f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let parameters = SparseMedian {
        kernel_size,
        split_time,
        thresh_cleansing,
        frac_cleansing,
        offset_correction,
    };
    let time = match (fps, times) {
        (Some(_), Some(_)) => return Err(value_error("give fps or times, not both")),
        (Some(rate), None) => TimeAxis::FrameRate(rate),
        (None, Some(seconds)) => TimeAxis::Seconds(seconds),
        (None, None) => TimeAxis::Guess,
    };
    let array = AnyArray::extract(movie)?;
    let mut movie = source(&array)?;
    match array {
        AnyArray::U8(_) => sparse_typed::<u8>(py, &parameters, &mut movie, &time),
        AnyArray::U16(_) => sparse_typed::<u16>(py, &parameters, &mut movie, &time),
        AnyArray::F32(_) => sparse_typed::<f32>(py, &parameters, &mut movie, &time),
        other => Err(PyTypeError::new_err(format!(
            "backgrounds take uint8, uint16 or float32 movies, not {}",
            other.data_type()
        ))),
    }
}

fn rolling_typed<'py, T: Pixel + numpy::Element>(
    py: Python<'py>,
    kernel_size: usize,
    movie: &mut InMemory,
    shape: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    let parameters = RollingMedian {
        kernel_size,
        ..RollingMedian::default()
    };
    let mut images: Vec<T> = Vec::new();
    py.detach(|| {
        parameters.compute::<T>(
            movie,
            &mut |_, image: &[T]| {
                images.extend_from_slice(image);
                Ok(())
            },
            &mut |_, _| {},
        )
    })
    .map_err(value_error)?;
    to_numpy(py, images, shape)
}

/// dcnum's rolling median background: one image per frame of a `(frames, height, width)` movie.
#[pyfunction]
#[pyo3(signature = (movie, kernel_size=100))]
fn rolling_median<'py>(
    py: Python<'py>,
    movie: &Bound<'py, PyAny>,
    kernel_size: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let array = AnyArray::extract(movie)?;
    let shape = array.shape();
    let mut movie = source(&array)?;
    match array {
        AnyArray::U8(_) => rolling_typed::<u8>(py, kernel_size, &mut movie, &shape),
        AnyArray::U16(_) => rolling_typed::<u16>(py, kernel_size, &mut movie, &shape),
        AnyArray::F32(_) => rolling_typed::<f32>(py, kernel_size, &mut movie, &shape),
        other => Err(PyTypeError::new_err(format!(
            "backgrounds take uint8, uint16 or float32 movies, not {}",
            other.data_type()
        ))),
    }
}

fn plane(image: &Bound<'_, PyAny>) -> PyResult<Plane> {
    Plane::from_samples(AnyArray::extract(image)?.to_samples()).map_err(value_error)
}

/// detectorcal's pixel-wise response fit of a `(frames, height, width)` beam sweep.
#[pyfunction]
#[pyo3(signature = (sweep, dark=None, sigma=50.0, truncate=4.0, cutoff=300.0, min_r_squared=0.98))]
fn detector_fit<'py>(
    py: Python<'py>,
    sweep: &Bound<'py, PyAny>,
    dark: Option<&Bound<'py, PyAny>>,
    sigma: f64,
    truncate: f64,
    cutoff: f64,
    min_r_squared: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let parameters = ResponseFit {
        sigma,
        truncate,
        cutoff,
        min_r_squared,
        ..ResponseFit::default()
    };
    let array = AnyArray::extract(sweep)?;
    let mut movie = source(&array)?;
    let dark = dark.map(plane).transpose()?;
    let fit = py
        .detach(|| parameters.fit(&mut movie, dark.as_ref(), &mut |_, _| {}))
        .map_err(value_error)?;
    let shape = [fit.height, fit.width];
    let dict = PyDict::new(py);
    dict.set_item("coefficients", to_numpy(py, fit.coefficients, &shape)?)?;
    dict.set_item("r_squared", to_numpy(py, fit.r_squared, &shape)?)?;
    dict.set_item("points", to_numpy(py, fit.points, &shape)?)?;
    dict.set_item("bad", to_numpy(py, fit.bad, &shape)?)?;
    Ok(dict)
}

/// detectorcal's correction of a `(frames, height, width)` stack: `(image - dark) *
/// coefficients`, divided by the smoothed flat when one is given.
#[pyfunction]
#[pyo3(signature = (images, coefficients, dark=None, flat=None, residual_sigma=None, smooth_radius=50.0))]
fn detector_correct<'py>(
    py: Python<'py>,
    images: &Bound<'py, PyAny>,
    coefficients: PyReadonlyArrayDyn<'py, f64>,
    dark: Option<&Bound<'py, PyAny>>,
    flat: Option<&Bound<'py, PyAny>>,
    residual_sigma: Option<f64>,
    smooth_radius: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let array = AnyArray::extract(images)?;
    let shape = array.shape();
    let [_, height, width] = shape[..] else {
        return Err(value_error(format!(
            "a stack to correct is (frames, height, width), got shape {shape:?}"
        )));
    };
    let smoothing = Gaussian::new(smooth_radius, 4.0).map_err(value_error)?;
    let correction = Correction::new(
        height,
        width,
        coefficients.as_array().iter().copied().collect(),
        dark.map(plane).transpose()?,
        flat.map(plane).transpose()?.as_ref(),
        &smoothing,
        residual_sigma,
    )
    .map_err(value_error)?;
    let frames = Plane::from_samples(array.to_samples()).map_err(value_error)?;
    let mut out = vec![0.0; frames.len()];
    py.detach(|| correction.apply(&frames, &mut out))
        .map_err(value_error)?;
    to_numpy(py, out, &shape)
}

/// Adds the image functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(pyramid, m)?)?;
    m.add_function(wrap_pyfunction!(sparse_median, m)?)?;
    m.add_function(wrap_pyfunction!(rolling_median, m)?)?;
    m.add_function(wrap_pyfunction!(detector_fit, m)?)?;
    m.add_function(wrap_pyfunction!(detector_correct, m)?)?;
    Ok(())
}
