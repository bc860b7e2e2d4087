//! The detector group that `anscombe detector fit` writes and `detector correct` reads: a
//! pixel-wise response calibration (from `anscombe-calibrate`) as a Zarr V3 group of
//! `coefficients`, `r_squared`, `points` and `bad` (y, x) arrays, with the fit's parameters
//! under `anscombe.detector` in its attributes; and the correction of a stack with it, streamed
//! into a store or a TIFF or NPY file, with the ring index that measures what it removed.

use std::path::{Path, PathBuf};

use anscombe_calibrate::detector::{
    Correction, DetectorCalibration, DetectorError, Gaussian, Plane,
};
use anscombe_core::DataType;
use anscombe_io::{Element, FrameSource, MovieError, Samples, stream_frames};
use serde_json::json;

use crate::error::StoreError;
use crate::group::GroupWriter;
use crate::output::MovieOutput;
use crate::reader::{open_array, read_frames};
use crate::spec::StoreSpec;
use crate::writer::batch_frames;

/// Why a detector calibration could not be stored, read or applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DetectorGroupError {
    /// The calibration or the correction.
    #[error(transparent)]
    Detector(#[from] DetectorError),
    /// Writing or reading a store or a file.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A folder that holds no calibration.
    #[error("{0}: not a detector calibration group (no coefficients array)")]
    NotCalibration(PathBuf),
    /// An image or stack of the wrong shape.
    #[error("{path}: {message}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl DetectorGroupError {
    /// The store error inside, if that is what this is (to tell an existing output, say).
    pub fn store_error(&self) -> Option<&StoreError> {
        match self {
            DetectorGroupError::Store(error) => Some(error),
            _ => None,
        }
    }
}

impl From<MovieError> for DetectorGroupError {
    fn from(error: MovieError) -> Self {
        DetectorGroupError::Store(error.into())
    }
}

/// Writes a calibration as a group at `output`; `source_name` (the sweep's file name) is
/// recorded in the attributes.
///
/// # Errors
/// [`StoreError`] when the group cannot be written (it then does not appear).
pub fn write_calibration(
    calibration: &DetectorCalibration,
    output: &Path,
    source_name: Option<&str>,
    overwrite: bool,
) -> Result<PathBuf, StoreError> {
    let c = calibration;
    let shape = vec![c.height as u64, c.width as u64];
    let spec = |data_type| StoreSpec {
        dimension_names: Some(vec!["y".into(), "x".into()]),
        ..StoreSpec::new(shape.clone(), data_type, None)
    };
    let mut group = GroupWriter::create(output, overwrite)?;
    let arrays: [(&str, DataType, Samples); 4] = [
        (
            "coefficients",
            DataType::F64,
            Samples::F64(c.coefficients.clone()),
        ),
        (
            "r_squared",
            DataType::F64,
            Samples::F64(c.r_squared.clone()),
        ),
        ("points", DataType::U32, Samples::U32(c.points.clone())),
        (
            "bad",
            DataType::U8,
            Samples::U8(c.bad.iter().map(|&b| u8::from(b)).collect()),
        ),
    ];
    for (name, data_type, samples) in arrays {
        let index = group.add_array(name, &spec(data_type))?;
        group.push_frames(index, &samples)?;
    }
    let attributes = json!({"anscombe": {"detector": {
        "method": "pixel-wise linear response (detectorcal fit_response)",
        "sigma": c.fit.sigma, "truncate": c.fit.truncate, "cutoff": c.fit.cutoff,
        "min_r_squared": c.fit.min_r_squared, "frames": c.frames,
        "source": source_name,
        "note": "corrected = (image - dark) * coefficients [/ smoothed flat]",
    }}});
    group.finish(attributes.as_object().unwrap_or(&serde_json::Map::new()))
}

/// The coefficients of a calibration: from a group [`write_calibration`] wrote, or from an
/// image file (see [`read_image`]).
///
/// # Errors
/// [`DetectorGroupError`] for a folder without coefficients or an unreadable file.
pub fn read_coefficients(path: &Path) -> Result<Vec<f64>, DetectorGroupError> {
    if path.is_dir() {
        let array = open_array(path.join("coefficients"))
            .map_err(|_| DetectorGroupError::NotCalibration(path.to_path_buf()))?;
        let rows = array.shape().first().copied().unwrap_or(0);
        return Ok(read_frames(&array, 0..rows)?.1.to_f64());
    }
    Ok(read_image(path)?.to_f64())
}

/// A dark or flat image from a movie file: a single image as it is, or the mean of a stack.
///
/// # Errors
/// [`DetectorGroupError`] for an unreadable file, a sample type the calibration does not take,
/// or a shape that is not an image or a stack of them.
pub fn read_image(path: &Path) -> Result<Plane, DetectorGroupError> {
    let mut source = anscombe_io::open_movie(path)?;
    let shape = source.shape().to_vec();
    let samples = source.read_frames(0, source.frames())?;
    match *shape.as_slice() {
        [_, _] | [1, _, _] => Ok(Plane::from_samples(samples)?),
        [frames, height, width] => {
            let pixels = height * width;
            let values = samples.to_f64();
            let mut mean = vec![0.0; pixels];
            for frame in values.chunks_exact(pixels.max(1)) {
                for (m, &v) in mean.iter_mut().zip(frame) {
                    *m += v;
                }
            }
            Ok(Plane::F64(mean.iter().map(|m| m / frames as f64).collect()))
        }
        _ => Err(DetectorGroupError::Shape {
            path: path.to_path_buf(),
            message: format!("an image is 2-D (or a stack of them), got shape {shape:?}"),
        }),
    }
}

/// The files a correction is made of: the calibration (a group from [`write_calibration`] or
/// a coefficient image), and optional dark and flat images (or stacks, averaged).
#[derive(Debug, Clone, Copy)]
pub struct CorrectionFiles<'a> {
    /// The calibration group or coefficient image.
    pub calibration: &'a Path,
    /// The dark image.
    pub dark: Option<&'a Path>,
    /// The flat-field image.
    pub flat: Option<&'a Path>,
}

/// The correction for a stack of `shape` (frames, height, width) from its files, the flat
/// smoothed with `smoothing` (see [`Correction::new`]).
///
/// # Errors
/// [`DetectorGroupError`] for a stack that is not 3-D, a file that cannot be read, or images
/// of another size than the stack's.
pub fn read_correction(
    shape: &[usize],
    files: &CorrectionFiles<'_>,
    smoothing: &Gaussian,
    residual_sigma: Option<f64>,
) -> Result<Correction, DetectorGroupError> {
    let &[_, height, width] = shape else {
        return Err(stack_shape(shape).into());
    };
    let coefficients = read_coefficients(files.calibration)?;
    let dark = files.dark.map(read_image).transpose()?;
    let flat = files.flat.map(read_image).transpose()?;
    Ok(Correction::new(
        height,
        width,
        coefficients,
        dark,
        flat.as_ref(),
        smoothing,
        residual_sigma,
    )?)
}

/// The error for a stack to correct that is not (frames, height, width).
fn stack_shape(shape: &[usize]) -> DetectorError {
    DetectorError::Shape(format!(
        "a stack to correct is (frames, height, width), got shape {shape:?}"
    ))
}

/// What a correction did.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrectionOutcome {
    /// Frames corrected.
    pub frames: usize,
    /// The column profile (mean over rows) of the first frame, before correction.
    pub profile_before: Vec<f64>,
    /// The same after correction.
    pub profile_after: Vec<f64>,
    /// Bytes the output takes.
    pub stored_bytes: u64,
}

impl CorrectionOutcome {
    /// [`ring_index`] of the first frame before correction.
    pub fn ring_index_before(&self) -> f64 {
        ring_index(&self.profile_before)
    }

    /// [`ring_index`] of the first frame after correction.
    pub fn ring_index_after(&self) -> f64 {
        ring_index(&self.profile_after)
    }
}

/// Corrects every frame of a `(frames, height, width)` stack and writes the result, as
/// `element` (`float32` or `float64`), to `output` (a store for a `.zarr` path, else TIFF or
/// NPY by the extension); `progress(done, total)` after each batch.
///
/// # Errors
/// [`DetectorGroupError`] for a stack of another shape or type, or a write that fails (the
/// output then does not appear).
pub fn correct_stack(
    source: &mut dyn FrameSource,
    correction: &Correction,
    output: &Path,
    element: Element,
    overwrite: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<CorrectionOutcome, DetectorGroupError> {
    let &[frames, height, width] = source.shape() else {
        return Err(stack_shape(source.shape()).into());
    };
    let names = Some(vec!["t".into(), "y".into(), "x".into()]);
    let mut writer =
        MovieOutput::create(output, &[frames, height, width], element, names, overwrite)?;
    let batch = batch_frames(height * width * 8, writer.frames_per_chunk());
    let pixels = height * width;
    let mut profiles: Option<(Vec<f64>, Vec<f64>)> = None;
    stream_frames(source, batch, |first, samples| {
        let plane = Plane::from_samples(samples)?;
        let mut out = vec![0.0; plane.len()];
        correction.apply(&plane, &mut out)?;
        if profiles.is_none() {
            let raw = plane.slice(0..pixels).to_f64();
            profiles = Some((row_means(&raw, width), row_means(&out[..pixels], width)));
        }
        let count = out.len() / pixels.max(1);
        let samples = match element {
            Element::F32 => Samples::F32(out.iter().map(|&v| v as f32).collect()),
            _ => Samples::F64(out),
        };
        writer.write(first, &samples)?;
        progress(first + count, frames);
        Ok::<(), DetectorGroupError>(())
    })?;
    let (_, stored_bytes) = writer.finish()?;
    let (profile_before, profile_after) = profiles.unwrap_or_default();
    Ok(CorrectionOutcome {
        frames,
        profile_before,
        profile_after,
        stored_bytes,
    })
}

/// Mean over rows of each column.
pub fn row_means(frame: &[f64], width: usize) -> Vec<f64> {
    let rows = frame.len() / width.max(1);
    (0..width)
        .map(|x| (0..rows).map(|y| frame[y * width + x]).sum::<f64>() / rows.max(1) as f64)
        .collect()
}

/// Relative root-mean-square difference of neighbouring columns of a column profile: what
/// rings are made of (0 for a flat profile).
pub fn ring_index(profile: &[f64]) -> f64 {
    let mean = profile.iter().sum::<f64>() / profile.len().max(1) as f64;
    if profile.len() < 2 || mean == 0.0 {
        return 0.0;
    }
    let squares: f64 = profile.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    (squares / (profile.len() - 1) as f64).sqrt() / mean.abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_show_in_the_index() {
        assert_eq!(ring_index(&[5.0, 5.0, 5.0]), 0.0);
        assert!(ring_index(&[5.0, 6.0, 5.0, 6.0]) > 0.1);
        assert_eq!(row_means(&[1.0, 2.0, 3.0, 4.0], 2), [2.0, 3.0]);
    }

    #[test]
    fn a_correction_from_files_needs_a_stack_of_the_images_size() {
        let dir = anscombe_testkit::scratch("store-detector-read-correction");
        let coefficients = dir.join("coefficients.npy");
        let dark = dir.join("dark.npy");
        let image = |path: &Path, values: Vec<f64>| {
            anscombe_io::image::write_image(path, &[2, 3], &Samples::F64(values)).expect("image");
        };
        image(&coefficients, vec![1.0, 2.0, 1.0, 0.5, 1.0, 1.0]);
        image(&dark, vec![10.0; 6]);
        let smoothing = Gaussian::new(1.0, 4.0).expect("gaussian");
        let files = CorrectionFiles {
            calibration: &coefficients,
            dark: Some(&dark),
            flat: None,
        };
        let correction = read_correction(&[4, 2, 3], &files, &smoothing, None).expect("fits");
        // (image - dark) * coefficients, by hand.
        let frame = Plane::F64(vec![12.0, 14.0, 10.0, 30.0, 11.0, 10.0]);
        let mut out = vec![0.0; 6];
        correction.apply(&frame, &mut out).expect("applies");
        assert_eq!(out, [2.0, 8.0, 0.0, 10.0, 1.0, 0.0]);
        let message = |shape: &[usize]| {
            read_correction(shape, &files, &smoothing, None)
                .expect_err("refused")
                .to_string()
        };
        let wrong_size = message(&[4, 2, 2]);
        assert!(
            wrong_size.contains("the coefficient map has 6 pixels, the images 2 x 2"),
            "{wrong_size}"
        );
        let not_a_stack = message(&[2, 3]);
        assert!(
            not_a_stack.contains("(frames, height, width)"),
            "{not_a_stack}"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
