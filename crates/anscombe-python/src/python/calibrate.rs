//! Calibration: the photon-transfer fit, the reference estimator (whole, or from per-block
//! statistics that merge), darks and flats. Results go to Python as the JSON the CLI's
//! `calibrate --json` prints, so one Python class reads both.

use anscombe_calibrate::dark_flat::{StackStatistics, calibrate_darks_flats, stack_statistics};
use anscombe_calibrate::raster::{PixelMoments, PixelStatistics, RasterOptions, raster_calibrate};
use anscombe_calibrate::{
    PtcOptions, ReferenceEstimator, ReferenceResult, ReferenceStatistics, calibrate_movie,
};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use rayon::prelude::*;
use serde_json::json;

use super::arrays::{AnyArray, contiguous, to_numpy, value_error, with_samples};

/// Samples per frame of a `(frames, ...)` array, and the number of frames.
fn frames_of(array: &AnyArray<'_>) -> PyResult<(usize, usize)> {
    let shape = array.shape();
    match shape.split_first() {
        Some((&frames, rest)) if !rest.is_empty() => Ok((frames, rest.iter().product())),
        _ => Err(value_error(format!(
            "a movie is a (frames, height, width) array, got shape {shape:?}"
        ))),
    }
}

fn to_json(value: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(value).map_err(value_error)
}

/// The robust photon-transfer fit (the CLI's default method) of a `(frames, ...)` movie.
#[pyfunction]
#[pyo3(signature = (movie, saturation=None, min_pixels_per_bin=40, max_bins=200))]
fn calibrate_photon_transfer(
    py: Python<'_>,
    movie: &Bound<'_, PyAny>,
    saturation: Option<f64>,
    min_pixels_per_bin: usize,
    max_bins: usize,
) -> PyResult<String> {
    let array = AnyArray::extract(movie)?;
    let (_, frame_len) = frames_of(&array)?;
    let options = PtcOptions {
        saturation,
        min_pixels_per_bin,
        max_bins,
    };
    let calibration =
        with_samples!(&array, s => py.detach(|| calibrate_movie(&s, frame_len, &options)))
            .map_err(|e| value_error(format!("no calibration: {e}")))?;
    to_json(&calibration)
}

/// The reference result as JSON: the calibration report and the reference's own numbers.
fn reference_json(result: &ReferenceResult) -> PyResult<String> {
    to_json(&json!({
        "calibration": result.to_calibration(),
        "min_intensity": result.min_intensity,
        "max_intensity": result.max_intensity,
        "counts": result.counts,
        "variance": result.variance,
        "outliers": result.huber.outliers,
        "coef": result.huber.coef,
        "intercept": result.huber.intercept,
        "scale": result.huber.scale,
        "iterations": result.huber.iterations,
    }))
}

/// Blocks of frames the reference estimator's statistics are taken in (in parallel): the
/// estimator's own bound on its jackknife groups.
const REFERENCE_BLOCKS: usize = 32;

/// anscombe-transform's `compute_conversion_gain` on a `(frames, ...)` movie.
#[pyfunction]
#[pyo3(signature = (movie, gamma=0.2))]
fn calibrate_reference(py: Python<'_>, movie: &Bound<'_, PyAny>, gamma: f64) -> PyResult<String> {
    let array = AnyArray::extract(movie)?;
    let (frames, frame_len) = frames_of(&array)?;
    // Contiguous blocks of frames, their statistics taken in parallel (each with the frame
    // before it, so no pair is lost); they add up to the whole movie's, and are the
    // jackknife's groups for the standard errors, as the estimator's own time blocks are.
    let per_block = frames.div_ceil(REFERENCE_BLOCKS).max(1);
    let starts: Vec<usize> = (0..frames).step_by(per_block).collect();
    let result = with_samples!(&array, s => py.detach(|| {
        let blocks = starts
            .par_iter()
            .map(|&start| {
                let stop = (start + per_block).min(frames);
                let previous = start
                    .checked_sub(1)
                    .map(|p| &s[p * frame_len..start * frame_len]);
                ReferenceStatistics::of_block(previous, &s[start * frame_len..stop * frame_len], frame_len)
            })
            .collect::<Result<Vec<_>, _>>()?;
        ReferenceEstimator::from_blocks(blocks).finish(gamma)
    }))
    .map_err(|e| value_error(format!("no calibration: {e}")))?;
    reference_json(&result)
}

/// The reference estimator's statistics of a block of frames, as `(frame_pairs, counts, sums)`
/// (`counts` and `sums` per intensity level): the pairs inside the block, and the pair
/// (`previous`, first frame) when `previous` (the frame before the block) is given. Blocks'
/// statistics add up exactly.
#[pyfunction]
#[pyo3(signature = (frames, previous=None))]
fn reference_statistics<'py>(
    py: Python<'py>,
    frames: &Bound<'py, PyAny>,
    previous: Option<&Bound<'py, PyAny>>,
) -> PyResult<(usize, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let array = AnyArray::extract(frames)?;
    let (_, frame_len) = frames_of(&array)?;
    let previous = previous.map(AnyArray::extract).transpose()?;
    macro_rules! typed {
        ($($variant:ident),*) => {
            match (&array, &previous) {
                $((AnyArray::$variant(a), None) => {
                    let a = contiguous(a);
                    py.detach(|| ReferenceStatistics::of_block(None, &a, frame_len))
                }
                (AnyArray::$variant(a), Some(AnyArray::$variant(p))) => {
                    let (a, p) = (contiguous(a), contiguous(p));
                    py.detach(|| ReferenceStatistics::of_block(Some(&p), &a, frame_len))
                })*
                _ => return Err(pyo3::exceptions::PyTypeError::new_err(
                    "the previous frame must be of the frames' type",
                )),
            }
        };
    }
    let statistics = typed!(U8, I8, U16, I16, U32, I32, F32, F64)
        .map_err(|e| value_error(format!("no calibration: {e}")))?;
    let n = statistics.counts.len();
    Ok((
        statistics.frame_pairs,
        to_numpy(py, statistics.counts, &[n])?,
        to_numpy(py, statistics.sums, &[n])?,
    ))
}

/// The reference fit of statistics made block by block: one `(frame_pairs, counts, sums)` per
/// block of frames, in time order (each merged over its pixels). The blocks are the
/// jackknife's groups for the standard errors.
#[pyfunction]
#[pyo3(signature = (blocks, gamma=0.2))]
fn reference_fit(
    py: Python<'_>,
    blocks: Vec<(usize, PyReadonlyArray1<'_, u64>, PyReadonlyArray1<'_, f64>)>,
    gamma: f64,
) -> PyResult<String> {
    let blocks = blocks
        .iter()
        .map(|(frame_pairs, counts, sums)| {
            let (counts, sums) = (counts.as_array(), sums.as_array());
            if counts.len() != sums.len() {
                return Err(value_error("counts and sums differ in length"));
            }
            Ok(ReferenceStatistics {
                frame_pairs: *frame_pairs,
                counts: counts.to_vec(),
                sums: sums.to_vec(),
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let result = py
        .detach(|| ReferenceEstimator::from_blocks(blocks).finish(gamma))
        .map_err(|e| value_error(format!("no calibration: {e}")))?;
    reference_json(&result)
}

/// The raster fit's arrays: the JSON report, each pixel's mean over time, the fitted pixels'
/// flat indices, their means and variances, and each one's group.
type RasterArrays<'py> = (
    String,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
);

/// The raster calibration (`anscombe calibrate --method raster`) of a `(frames, ...)` movie:
/// one line per pixel group, with the group of every fitted pixel.
#[pyfunction]
#[pyo3(signature = (movie, groups=1, max_pixel_range=32768.0, perc_min=3.0, perc_max=90.0))]
fn calibrate_raster<'py>(
    py: Python<'py>,
    movie: &Bound<'py, PyAny>,
    groups: usize,
    max_pixel_range: f64,
    perc_min: f64,
    perc_max: f64,
) -> PyResult<RasterArrays<'py>> {
    let array = AnyArray::extract(movie)?;
    let (_, frame_len) = frames_of(&array)?;
    let options = RasterOptions {
        max_pixel_range,
        groups,
        perc_min,
        perc_max,
    };
    let (statistics, calibration) = with_samples!(&array, s => py.detach(|| {
        let mut moments = PixelMoments::new();
        moments.push_frames(&s, frame_len)?;
        let statistics = moments.finish()?;
        let calibration = raster_calibrate(&statistics, &options)?;
        Ok::<_, anscombe_calibrate::CalibrationError>((statistics, calibration))
    }))
    .map_err(|e| value_error(format!("no calibration: {e}")))?;
    let fitted: Vec<u64> = calibration.fitted.iter().map(|&p| p as u64).collect();
    let n = fitted.len();
    Ok((
        to_json(&calibration)?,
        to_numpy(py, statistics.mean, &[frame_len])?,
        to_numpy(py, fitted, &[n])?,
        to_numpy(py, calibration.fitted_mean, &[n])?,
        to_numpy(py, calibration.fitted_variance, &[n])?,
        to_numpy(py, calibration.assignment, &[n])?,
    ))
}

/// The raster fit of given points (each pixel's mean and variance), with no pixel filtered
/// out by saturation and the percentile filters at 0 and 100 (which drop each axis' extremes);
/// the report as JSON.
#[pyfunction]
#[pyo3(signature = (mean, variance, groups=1))]
fn calibrate_raster_points(
    py: Python<'_>,
    mean: PyReadonlyArray1<'_, f64>,
    variance: PyReadonlyArray1<'_, f64>,
    groups: usize,
) -> PyResult<String> {
    let (mean, variance) = (mean.as_array().to_vec(), variance.as_array().to_vec());
    if mean.len() != variance.len() {
        return Err(value_error("mean and variance differ in length"));
    }
    let statistics = PixelStatistics {
        frames: 0,
        max: vec![f64::NEG_INFINITY; mean.len()],
        mean,
        variance,
    };
    let options = RasterOptions {
        max_pixel_range: f64::INFINITY,
        groups,
        perc_min: 0.0,
        perc_max: 100.0,
    };
    let calibration = py
        .detach(|| raster_calibrate(&statistics, &options))
        .map_err(|e| value_error(format!("no calibration: {e}")))?;
    to_json(&calibration)
}

fn stack(py: Python<'_>, frames: &Bound<'_, PyAny>, what: &str) -> PyResult<StackStatistics> {
    let array = AnyArray::extract(frames)?;
    let (_, frame_len) = frames_of(&array)?;
    with_samples!(&array, s => py.detach(|| stack_statistics(&s, frame_len)))
        .map_err(|e| value_error(format!("{what}: {e}")))
}

/// Gain and zero level from a stack of dark frames and one or more stacks of flat frames.
#[pyfunction]
fn calibrate_darks_and_flats(
    py: Python<'_>,
    darks: &Bound<'_, PyAny>,
    flats: Vec<Bound<'_, PyAny>>,
) -> PyResult<String> {
    let dark = stack(py, darks, "darks")?;
    let flats = flats
        .iter()
        .enumerate()
        .map(|(i, f)| stack(py, f, &format!("flats {i}")))
        .collect::<PyResult<Vec<_>>>()?;
    let calibration = calibrate_darks_flats(&dark, &flats)
        .map_err(|e| value_error(format!("no calibration: {e}")))?;
    to_json(&calibration)
}

/// Adds the calibration functions to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(calibrate_photon_transfer, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate_reference, m)?)?;
    m.add_function(wrap_pyfunction!(reference_statistics, m)?)?;
    m.add_function(wrap_pyfunction!(reference_fit, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate_darks_and_flats, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate_raster, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate_raster_points, m)?)?;
    Ok(())
}
