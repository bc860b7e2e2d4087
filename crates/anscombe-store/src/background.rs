//! The background group that `anscombe background` writes and reads: a movie's background
//! (dcnum's sparse or rolling median, from `anscombe-background`) as a small Zarr V3 group,
//! and the movie corrected with it.
//!
//! - Sparse median: `image_bg` (the median images), `bg_idx` (the image of every frame) and
//!   `bg_off` (every frame's flicker offset, when computed); the background of frame `i` is
//!   `image_bg[bg_idx[i]] + bg_off[i]`.
//! - Rolling median: `image_bg`, one image per frame.
//!
//! The group's attributes hold the method, its parameters and dcnum's pipeline identifier
//! under `anscombe.background`.

use std::path::{Path, PathBuf};

use anscombe_background::{
    BackgroundError, Converted, Pixel, RollingMedian, SparseBackground, SparseMedian, TimeAxis,
};
use anscombe_core::DataType;
use anscombe_io::{Element, FrameSource, Samples, stream_frames};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::StoreError;
use crate::group::GroupWriter;
use crate::reader::{open_array, read_frames};
use crate::spec::StoreSpec;
use crate::writer::{StoreWriter, batch_frames};

/// Where a movie's background group goes by default: `<stem>.background.zarr` beside the
/// movie (`movie.background.zarr` for a path without a file name).
pub fn beside(movie: &Path) -> PathBuf {
    let stem = movie
        .file_stem()
        .map_or_else(|| "movie".into(), |s| s.to_string_lossy().into_owned());
    movie.with_file_name(format!("{stem}.background.zarr"))
}

/// Why a background could not be computed, stored or applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackgroundGroupError {
    /// The computation.
    #[error(transparent)]
    Background(#[from] BackgroundError),
    /// Writing or reading the group.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A group that is not a background group.
    #[error("{0}: the background group has neither bg_idx nor per-frame images")]
    NotBackground(PathBuf),
}

impl BackgroundGroupError {
    /// The store error inside, if that is what this is (to tell an existing output, say).
    pub fn store_error(&self) -> Option<&StoreError> {
        match self {
            BackgroundGroupError::Store(error) => Some(error),
            _ => None,
        }
    }
}

impl From<anscombe_io::MovieError> for BackgroundGroupError {
    fn from(error: anscombe_io::MovieError) -> Self {
        BackgroundGroupError::Store(error.into())
    }
}

/// Which background to compute.
#[derive(Debug, Clone)]
pub enum BackgroundMethod {
    /// dcnum's sparse median.
    Sparse {
        /// Its parameters.
        params: SparseMedian,
        /// The frames' times.
        time: TimeAxis,
        /// Where the times came from, for the record.
        time_note: String,
    },
    /// dcnum's rolling median.
    Rolling(RollingMedian),
}

/// What was computed.
#[derive(Debug, Clone, Serialize)]
pub struct BackgroundSummary {
    /// `sparse-median` or `rolling-median`.
    pub method: &'static str,
    /// The movie's sample type.
    pub samples: String,
    /// What the samples went through, and the types of the outputs ([`anscombe_background::SamplePlan::describe`]).
    pub conversion: String,
    /// dcnum's pipeline identifier of the parameters.
    pub ppid: String,
    /// Frames of the movie.
    pub frames: usize,
    /// Frames per median actually used.
    pub kernel_size: usize,
    /// Background images stored (sparse: after cleansing; rolling: one per frame).
    pub images: usize,
    /// Background images computed before cleansing (sparse).
    pub images_before_cleansing: Option<usize>,
    /// Where frame times came from (sparse).
    pub time_axis: Option<String>,
}

/// Computes the background of a `(frames, height, width)` movie and writes its group at
/// `output`; `progress(done, total)` as it goes. `source_name` is recorded in the attributes.
/// Medians are taken in the movie's own type, or in the type [`anscombe_background::SamplePlan`] converts it to.
///
/// # Errors
/// [`BackgroundGroupError`] for a movie of another shape or type, parameters out of range, or
/// a write that fails (the group then does not appear).
pub fn compute_background(
    source: &mut dyn FrameSource,
    method: &BackgroundMethod,
    output: &Path,
    source_name: Option<&str>,
    overwrite: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<BackgroundSummary, BackgroundGroupError> {
    let run = Run {
        output,
        source_name,
        overwrite,
    };
    let mut source = Converted::new(source);
    let plan = source.plan();
    let source = &mut source;
    let mut summary = match plan.working {
        Element::U8 => run.typed::<u8>(source, method, progress),
        Element::I8 => run.typed::<i8>(source, method, progress),
        Element::U16 => run.typed::<u16>(source, method, progress),
        Element::I16 => run.typed::<i16>(source, method, progress),
        Element::U32 => run.typed::<u32>(source, method, progress),
        Element::I32 => run.typed::<i32>(source, method, progress),
        Element::F32 => run.typed::<f32>(source, method, progress),
        Element::F64 => run.typed::<f64>(source, method, progress),
        other => Err(BackgroundError::Type(other.to_string()).into()),
    }?;
    summary.samples = plan.input.to_string();
    summary.conversion = plan.describe();
    Ok(summary)
}

/// Where and how a background is written.
struct Run<'a> {
    output: &'a Path,
    source_name: Option<&'a str>,
    overwrite: bool,
}

impl Run<'_> {
    fn typed<T: Pixel>(
        &self,
        source: &mut dyn FrameSource,
        method: &BackgroundMethod,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<BackgroundSummary, BackgroundGroupError> {
        let &[frames, height, width] = source.shape() else {
            return Err(BackgroundError::Shape(source.shape().to_vec()).into());
        };
        let data_type = source
            .element()
            .data_type()
            .ok_or_else(|| BackgroundError::Type(source.element().to_string()))?;
        match method {
            BackgroundMethod::Sparse {
                params,
                time,
                time_note,
            } => {
                let result: SparseBackground<T> = params.compute(source, time, progress)?;
                let provenance = json!({"source": self.source_name, "time_axis": time_note});
                write_sparse(
                    self.output,
                    &result,
                    params,
                    data_type,
                    &provenance,
                    self.overwrite,
                )?;
                Ok(BackgroundSummary {
                    method: "sparse-median",
                    samples: String::new(),
                    conversion: String::new(),
                    ppid: params.ppid(),
                    frames,
                    kernel_size: result.kernel_size,
                    images: result.step_times.len(),
                    images_before_cleansing: Some(result.all_step_times.len()),
                    time_axis: Some(time_note.clone()),
                })
            }
            BackgroundMethod::Rolling(params) => {
                let shape = vec![frames as u64, height as u64, width as u64];
                self.rolling::<T>(source, params, shape, data_type, progress)?;
                Ok(BackgroundSummary {
                    method: "rolling-median",
                    samples: String::new(),
                    conversion: String::new(),
                    ppid: params.ppid(),
                    frames,
                    kernel_size: params.kernel_size,
                    images: frames,
                    images_before_cleansing: None,
                    time_axis: None,
                })
            }
        }
    }

    /// The rolling median, streamed into `image_bg` as it is computed.
    fn rolling<T: Pixel>(
        &self,
        source: &mut dyn FrameSource,
        params: &RollingMedian,
        shape: Vec<u64>,
        data_type: DataType,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), BackgroundGroupError> {
        let mut group = GroupWriter::create(self.output, self.overwrite)?;
        let images = group.add_array("image_bg", &array_spec(shape, data_type))?;
        // The sink's error travels through the computation as a message; keep the original.
        let mut failure = None;
        let computed = params.compute::<T>(
            source,
            &mut |_, image| {
                group
                    .push_frames(images, &T::into_samples(image.to_vec()))
                    .map_err(|e| {
                        let message = e.to_string();
                        failure = Some(e);
                        BackgroundError::Sink(message)
                    })
            },
            progress,
        );
        if let Err(error) = computed {
            return Err(failure.map_or_else(|| error.into(), Into::into));
        }
        let attributes = json!({"anscombe": {"background": {
            "method": "rolling-median", "ppid": params.ppid(), "kernel_size": params.kernel_size,
            "source": self.source_name,
            "note": "frame i's background is the median of frames i..i+kernel_size; the last kernel_size frames repeat the last one computed (as dcnum)",
        }}});
        group.finish(&object(attributes))?;
        Ok(())
    }
}

/// A JSON object's map (empty for anything else).
fn object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// A zstd array with the (t, y, x) or (t) axis names.
fn array_spec(shape: Vec<u64>, data_type: DataType) -> StoreSpec {
    let names = match shape.len() {
        3 => Some(vec!["t".into(), "y".into(), "x".into()]),
        1 => Some(vec!["t".into()]),
        _ => None,
    };
    StoreSpec {
        dimension_names: names,
        ..StoreSpec::new(shape, data_type, None)
    }
}

/// Writes a sparse background as a group at `output`; `provenance` goes into the attributes.
///
/// # Errors
/// [`StoreError`] when the group cannot be written (it then does not appear).
pub fn write_sparse<T: Pixel>(
    output: &Path,
    result: &SparseBackground<T>,
    params: &SparseMedian,
    data_type: DataType,
    provenance: &Value,
    overwrite: bool,
) -> Result<PathBuf, StoreError> {
    let (height, width) = (result.height as u64, result.width as u64);
    let images = result.step_times.len() as u64;
    let frames = result.frame_background.len() as u64;
    let mut group = GroupWriter::create(output, overwrite)?;
    let image_bg = group.add_array(
        "image_bg",
        &array_spec(vec![images, height, width], data_type),
    )?;
    group.push_frames(image_bg, &T::into_samples(result.images.clone()))?;
    let bg_idx = group.add_array("bg_idx", &array_spec(vec![frames], DataType::U32))?;
    let mapping: Vec<u32> = result.frame_background.iter().map(|&i| i as u32).collect();
    group.push_frames(bg_idx, &Samples::U32(mapping))?;
    if let Some(offsets) = &result.offsets {
        let bg_off = group.add_array("bg_off", &array_spec(vec![frames], DataType::F64))?;
        group.push_frames(bg_off, &Samples::F64(offsets.clone()))?;
    }
    let removed: Vec<usize> = result
        .cleansing
        .as_ref()
        .map(|c| (0..c.kept.len()).filter(|&i| !c.kept[i]).collect())
        .unwrap_or_default();
    let attributes = json!({"anscombe": {"background": {
        "method": "sparse-median",
        "ppid": params.ppid(),
        "kernel_size": result.kernel_size,
        "split_time": params.split_time,
        "thresh_cleansing": params.thresh_cleansing,
        "frac_cleansing": params.frac_cleansing,
        "step_times": result.step_times,
        "removed_by_cleansing": removed,
        "provenance": provenance,
        "note": "the background of frame i is image_bg[bg_idx[i]] + bg_off[i]",
    }}});
    group.finish(&object(attributes))
}

/// A 1-D array of the background group as floats, if it has it.
fn optional_array(group: &Path, name: &str) -> Result<Option<Vec<f64>>, StoreError> {
    if !group.join(name).is_dir() {
        return Ok(None);
    }
    let array = open_array(group.join(name))?;
    let length = array.shape().first().copied().unwrap_or(0);
    Ok(Some(read_frames(&array, 0..length)?.1.to_f64()))
}

/// Writes frame minus background to a new store at `corrected`, streaming the movie, as
/// [`anscombe_background::SamplePlan`]'s corrected type (`float32`, or `float64` for 32- and 64-bit samples);
/// `background` is a group [`compute_background`] wrote for it. `progress(done, total)` after
/// each batch.
///
/// # Errors
/// [`BackgroundGroupError`] when the group cannot be read or does not fit the movie, or the
/// store cannot be written (it then does not appear).
pub fn write_corrected(
    source: &mut dyn FrameSource,
    background: &Path,
    corrected: &Path,
    overwrite: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<PathBuf, BackgroundGroupError> {
    let mut source = Converted::new(source);
    let corrected_type = source
        .plan()
        .corrected
        .data_type()
        .ok_or_else(|| BackgroundError::Type(source.plan().corrected.to_string()))?;
    let shape: Vec<u64> = source.shape().iter().map(|&n| n as u64).collect();
    let frames = source.frames();
    let frame_len = source.frame_len();
    let images = open_array(background.join("image_bg"))?;
    let mapping = optional_array(background, "bg_idx")?;
    let offsets = optional_array(background, "bg_off")?;
    // A sparse series is small: read it once. A rolling one is read batch by batch.
    let series = match mapping {
        Some(_) => {
            let count = images.shape().first().copied().unwrap_or(0);
            Some(read_frames(&images, 0..count)?.1.to_f64())
        }
        None => None,
    };
    let writer = StoreWriter::create(corrected, &array_spec(shape, corrected_type), overwrite)?;
    let per_chunk = writer.chunk_shape().first().copied().unwrap_or(1) as usize;
    let batch = batch_frames(frame_len * 8, per_chunk);
    let not_background = || BackgroundGroupError::NotBackground(background.to_path_buf());
    stream_frames(&mut source, batch, |first, samples| {
        let count = samples.len() / frame_len.max(1);
        let values = samples.to_f64();
        let rolling = match series {
            Some(_) => None,
            None => Some(
                read_frames(&images, first as u64..(first + count) as u64)?
                    .1
                    .to_f64(),
            ),
        };
        let mut out = vec![0f64; values.len()];
        for i in 0..count {
            let frame = first + i;
            let (image, offset) = match (&series, &mapping, &rolling) {
                (Some(series), Some(mapping), _) => {
                    let index = *mapping.get(frame).ok_or_else(not_background)? as usize;
                    let offset = offsets.as_ref().and_then(|o| o.get(frame)).copied();
                    let image = series
                        .get(index * frame_len..(index + 1) * frame_len)
                        .ok_or_else(not_background)?;
                    (image, offset.unwrap_or(0.0))
                }
                (_, _, Some(rolling)) => (&rolling[i * frame_len..(i + 1) * frame_len], 0.0),
                _ => return Err(not_background()),
            };
            for ((o, &x), &b) in out[i * frame_len..(i + 1) * frame_len]
                .iter_mut()
                .zip(&values[i * frame_len..(i + 1) * frame_len])
                .zip(image)
            {
                *o = x - (b + offset);
            }
        }
        let out = match corrected_type {
            DataType::F64 => Samples::F64(out),
            _ => Samples::F32(out.into_iter().map(|v| v as f32).collect()),
        };
        writer.write_frames(first as u64, &out)?;
        progress(first + count, frames);
        Ok::<(), BackgroundGroupError>(())
    })?;
    Ok(writer.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_background_goes_beside_the_movie() {
        assert_eq!(
            beside(Path::new("data/run 1.tif")),
            Path::new("data/run 1.background.zarr")
        );
        assert_eq!(
            beside(Path::new("movie.h5")),
            Path::new("movie.background.zarr")
        );
        assert_eq!(beside(Path::new("/")), Path::new("/movie.background.zarr"));
    }
}
