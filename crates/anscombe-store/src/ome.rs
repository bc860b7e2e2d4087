//! OME-Zarr 0.5 multiscale images: a Zarr V3 group holding the full-resolution array (`0`,
//! which may use the Anscombe codec) and its downsampled levels (`1`, `2`, ..., standard
//! codecs only, so any viewer can show them), with the `ome` attributes that describe axes and
//! scales. See <https://ngff.openmicroscopy.org/0.5/>.
//!
//! [`OmeWriter`] takes the input frame batch by frame batch (slabs along the first axis) and
//! writes every level chunk row by chunk row, so inputs larger than memory work; like every
//! store helper here it writes to a staging folder and renames it into place at the end.

use std::path::{Path, PathBuf};

use anscombe_core::{CodecParams, DataType};
use anscombe_io::{FrameSource, Samples, stream_frames};
use anscombe_pyramid::{LevelSink, Pyramid, PyramidError, SinkError, Streamer};
use serde_json::{Value, json};

use crate::error::StoreError;
use crate::group::GroupWriter;
use crate::spec::{Compressor, StoreSpec, default_chunk_shape};
use crate::writer::batch_frames;

/// What an axis measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AxisKind {
    /// Time (at most one, first).
    Time,
    /// Channels (at most one, after time).
    Channel,
    /// Space (two or three, last).
    Space,
}

impl AxisKind {
    fn name(self) -> &'static str {
        match self {
            AxisKind::Time => "time",
            AxisKind::Channel => "channel",
            AxisKind::Space => "space",
        }
    }
}

/// One axis of the image.
#[derive(Debug, Clone, PartialEq)]
pub struct OmeAxis {
    /// Its name (`t`, `c`, `z`, `y`, `x`).
    pub name: String,
    /// What it measures.
    pub kind: AxisKind,
    /// Unit of the scale along it (`second`, `micrometer`, ...); none for channels.
    pub unit: Option<String>,
}

impl OmeAxis {
    /// An axis with the conventional kind and unit of its name: `t` time in seconds, `c`
    /// channels, anything else space in micrometers.
    pub fn named(name: &str) -> Self {
        let (kind, unit) = match name {
            "t" => (AxisKind::Time, Some("second")),
            "c" => (AxisKind::Channel, None),
            _ => (AxisKind::Space, Some("micrometer")),
        };
        OmeAxis {
            name: name.into(),
            kind,
            unit: unit.map(String::from),
        }
    }
}

/// Space units the OME-Zarr specification lists (UDUNITS-2 names).
const SPACE_UNITS: &[&str] = &[
    "angstrom",
    "attometer",
    "centimeter",
    "decimeter",
    "exameter",
    "femtometer",
    "foot",
    "gigameter",
    "hectometer",
    "inch",
    "kilometer",
    "megameter",
    "meter",
    "micrometer",
    "mile",
    "millimeter",
    "nanometer",
    "parsec",
    "petameter",
    "picometer",
    "terameter",
    "yard",
    "yoctometer",
    "yottameter",
    "zeptometer",
    "zettameter",
];

/// Time units the OME-Zarr specification lists.
const TIME_UNITS: &[&str] = &[
    "attosecond",
    "centisecond",
    "day",
    "decisecond",
    "exasecond",
    "femtosecond",
    "gigasecond",
    "hectosecond",
    "hour",
    "kilosecond",
    "megasecond",
    "microsecond",
    "millisecond",
    "minute",
    "nanosecond",
    "petasecond",
    "picosecond",
    "second",
    "terasecond",
    "yoctosecond",
    "yottasecond",
    "zeptosecond",
    "zettasecond",
];

/// The conventional axis names of an image of `rank` axes: `y x`, `t y x`, `t z y x`,
/// `t c z y x`; `None` for a rank OME-Zarr does not take.
pub fn default_axis_names(rank: usize) -> Option<&'static [&'static str]> {
    match rank {
        2 => Some(&["y", "x"]),
        3 => Some(&["t", "y", "x"]),
        4 => Some(&["t", "z", "y", "x"]),
        5 => Some(&["t", "c", "z", "y", "x"]),
        _ => None,
    }
}

/// Levels of pooling by `factors` until every pooled space axis of `shape` is at most
/// `top_size` samples long (at least one level, at most 32).
pub fn levels_to_fit(
    shape: &[usize],
    axes: &[OmeAxis],
    factors: &[usize],
    top_size: usize,
) -> usize {
    let pooled_space = |axis: usize| {
        axes.get(axis).is_some_and(|a| a.kind == AxisKind::Space)
            && factors.get(axis).copied().unwrap_or(1) > 1
    };
    let mut sizes: Vec<usize> = shape.to_vec();
    let mut levels = 1;
    loop {
        sizes = sizes
            .iter()
            .zip(factors.iter().chain(std::iter::repeat(&1)))
            .map(|(&n, &f)| n.div_ceil(f.max(1)))
            .collect();
        let small = (0..sizes.len())
            .filter(|&a| pooled_space(a))
            .all(|a| sizes[a] <= top_size);
        if small || levels >= 32 {
            return levels;
        }
        levels += 1;
    }
}

/// What to write.
#[derive(Debug, Clone)]
pub struct OmeSpec {
    /// Shape of the full-resolution image, axes as in `axes`.
    pub shape: Vec<u64>,
    /// Sample type (every level keeps it).
    pub data_type: DataType,
    /// The axes, time first, then channel, then two or three space axes.
    pub axes: Vec<OmeAxis>,
    /// Size of a full-resolution sample along each axis, in the axis's unit.
    pub scale: Vec<f64>,
    /// The pyramid: method, factors (one per axis) and number of downsampled levels.
    pub pyramid: Pyramid,
    /// The Anscombe codec of the full-resolution array (none: the compressor alone).
    pub codec: Option<CodecParams>,
    /// The byte compressor of every level (`anscombe-context` of level 0 only: the other
    /// levels then use zstd, so that viewers without this crate's plugin can show them).
    pub compressor: Compressor,
    /// The image's name in the metadata (`image` when none).
    pub name: Option<String>,
    /// Further group attributes (provenance, say), beside `ome`.
    pub attributes: serde_json::Map<String, Value>,
}

impl OmeSpec {
    /// An image of `shape` with the conventional axes of their names (see [`OmeAxis::named`]),
    /// unit scale, zstd level 3 and no codec.
    pub fn new(shape: Vec<u64>, data_type: DataType, axes: &[&str], pyramid: Pyramid) -> Self {
        let rank = shape.len();
        OmeSpec {
            shape,
            data_type,
            axes: axes.iter().map(|a| OmeAxis::named(a)).collect(),
            scale: vec![1.0; rank],
            pyramid,
            codec: None,
            compressor: Compressor::default(),
            name: None,
            attributes: serde_json::Map::new(),
        }
    }

    /// Checks what the specification requires of the axes and scales.
    ///
    /// # Errors
    /// [`StoreError::Settings`] saying what is wrong.
    pub fn validate(&self) -> Result<(), StoreError> {
        let settings = |message: String| Err(StoreError::Settings(message));
        let rank = self.shape.len();
        if !(2..=5).contains(&rank) {
            return settings(format!("OME-Zarr images have 2 to 5 axes, not {rank}"));
        }
        if self.axes.len() != rank || self.scale.len() != rank {
            return settings(format!(
                "{} axes and {} scales for a {rank}-axis image",
                self.axes.len(),
                self.scale.len()
            ));
        }
        let order = |kind: AxisKind| match kind {
            AxisKind::Time => 0,
            AxisKind::Channel => 1,
            AxisKind::Space => 2,
        };
        let kinds: Vec<usize> = self.axes.iter().map(|a| order(a.kind)).collect();
        let count = |k: usize| kinds.iter().filter(|&&x| x == k).count();
        if !kinds.is_sorted() || count(0) > 1 || count(1) > 1 || !(2..=3).contains(&count(2)) {
            return settings(format!(
                "axes {:?}: OME-Zarr wants at most one time axis, then at most one channel axis, \
                 then two or three space axes",
                self.axes
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
            ));
        }
        for (i, axis) in self.axes.iter().enumerate() {
            if self.axes[..i].iter().any(|a| a.name == axis.name) {
                return settings(format!("axis name {:?} is used twice", axis.name));
            }
            let known = match axis.kind {
                AxisKind::Space => SPACE_UNITS,
                AxisKind::Time => TIME_UNITS,
                AxisKind::Channel => &[],
            };
            if let Some(unit) = &axis.unit
                && !known.contains(&unit.as_str())
            {
                return settings(format!(
                    "unit {unit:?} of axis {} is not one OME-Zarr lists for {} axes{}",
                    axis.name,
                    axis.kind.name(),
                    if known.is_empty() {
                        String::new()
                    } else {
                        format!(" (e.g. {})", known[..3].join(", "))
                    }
                ));
            }
        }
        if let Some(bad) = self.scale.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return settings(format!("scales must be finite and above 0, got {bad}"));
        }
        Ok(())
    }

    /// The shapes of every array, the full resolution first.
    ///
    /// # Errors
    /// [`StoreError::Settings`] when the pyramid does not fit the shape.
    pub fn level_shapes(&self) -> Result<Vec<Vec<u64>>, StoreError> {
        let shape: Vec<usize> = self.shape.iter().map(|&n| n as usize).collect();
        let levels = self.pyramid.level_shapes(&shape).map_err(pyramid_error)?;
        Ok(std::iter::once(shape)
            .chain(levels)
            .map(|s| s.into_iter().map(|n| n as u64).collect())
            .collect())
    }

    /// The pooling factor along every axis.
    ///
    /// # Errors
    /// [`StoreError::Settings`] when the pyramid's factors do not fit the shape.
    pub fn factors(&self) -> Result<Vec<usize>, StoreError> {
        self.pyramid
            .factors_for(self.shape.len())
            .map_err(pyramid_error)
    }

    /// The size of a sample of `level` along every axis: the full resolution's scale times
    /// the `factors` (from [`OmeSpec::factors`]) to the power of the level.
    pub fn level_scale(&self, factors: &[usize], level: usize) -> Vec<f64> {
        self.scale
            .iter()
            .zip(factors)
            .map(|(&s, &f)| s * (f as f64).powi(level as i32))
            .collect()
    }

    /// The group's `zarr.json`.
    ///
    /// # Errors
    /// As [`OmeSpec::validate`] and [`OmeSpec::level_shapes`].
    pub fn group_metadata(&self) -> Result<Value, StoreError> {
        self.validate()?;
        let factors = self.factors()?;
        let levels = self.level_shapes()?.len();
        let datasets: Vec<Value> = (0..levels)
            .map(|level| {
                json!({
                    "path": level.to_string(),
                    "coordinateTransformations": [{"type": "scale", "scale": self.level_scale(&factors, level)}],
                })
            })
            .collect();
        let axes: Vec<Value> = self
            .axes
            .iter()
            .map(|a| {
                let mut axis = json!({"name": a.name, "type": a.kind.name()});
                if let (Some(unit), Some(object)) = (&a.unit, axis.as_object_mut()) {
                    object.insert("unit".into(), json!(unit));
                }
                axis
            })
            .collect();
        let mut multiscale = json!({
            "axes": axes,
            "datasets": datasets,
            "type": self.pyramid.method().name(),
            "metadata": {
                "description": "downsampled by anscombe-pyramid",
                "method": format!("anscombe_pyramid::Method::{:?}", self.pyramid.method()),
                "version": env!("CARGO_PKG_VERSION"),
                "kwargs": {"factors": factors, "sparse": self.pyramid.is_sparse()},
            },
        });
        if let Some(object) = multiscale.as_object_mut() {
            object.insert(
                "name".into(),
                json!(self.name.as_deref().unwrap_or("image")),
            );
        }
        let mut attributes = self.attributes.clone();
        attributes.insert(
            "ome".into(),
            json!({"version": "0.5", "multiscales": [multiscale]}),
        );
        Ok(json!({"zarr_format": 3, "node_type": "group", "attributes": attributes}))
    }

    /// The array spec of `level` (0 is the full resolution).
    fn array_spec(&self, level: usize, shape: Vec<u64>) -> StoreSpec {
        let chunk_shape = Some(default_chunk_shape(&shape, self.data_type.size()));
        // Viewers without our plugin must be able to show every level but the first.
        let compressor = match self.compressor {
            Compressor::Context if level > 0 => Compressor::default(),
            other => other,
        };
        StoreSpec {
            chunk_shape,
            compressor,
            dimension_names: Some(self.axes.iter().map(|a| a.name.clone()).collect()),
            ..StoreSpec::new(
                shape,
                self.data_type,
                if level == 0 { self.codec } else { None },
            )
        }
    }
}

#[allow(clippy::needless_pass_by_value, reason = "used with map_err")]
fn pyramid_error(error: PyramidError) -> StoreError {
    StoreError::Settings(error.to_string())
}

/// Writes an OME-Zarr multiscale image frame batch by frame batch.
pub struct OmeWriter {
    group: GroupWriter,
    levels: usize,
    streamer: Option<TypedStreamer>,
    metadata: Value,
}

impl std::fmt::Debug for OmeWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OmeWriter")
            .field("levels", &self.levels)
            .finish_non_exhaustive()
    }
}

impl OmeWriter {
    /// Prepares the image at `destination`, failing early if it exists and `overwrite` is false.
    ///
    /// # Errors
    /// [`StoreError`] for invalid axes, scales or pyramids, an existing destination, or the
    /// file system.
    pub fn create(
        destination: impl AsRef<Path>,
        spec: &OmeSpec,
        overwrite: bool,
    ) -> Result<Self, StoreError> {
        let metadata = spec.group_metadata()?;
        let shapes = spec.level_shapes()?;
        let shape: Vec<usize> = spec.shape.iter().map(|&n| n as usize).collect();
        let streamer = (spec.pyramid.levels() > 0)
            .then(|| TypedStreamer::new(spec.data_type, &spec.pyramid, &shape))
            .transpose()?;
        let mut group = GroupWriter::create(destination, overwrite)?;
        let levels = shapes.len();
        for (level, shape) in shapes.into_iter().enumerate() {
            group.add_array(&level.to_string(), &spec.array_spec(level, shape))?;
        }
        Ok(OmeWriter {
            group,
            levels,
            streamer,
            metadata,
        })
    }

    /// The group metadata the image will have.
    pub fn group_metadata(&self) -> &Value {
        &self.metadata
    }

    /// Takes the next frames of the full-resolution image (whole frames, in order).
    ///
    /// # Errors
    /// [`StoreError`] for samples of the wrong type or count, or a failure to encode or store.
    pub fn write_frames(&mut self, samples: &Samples) -> Result<(), StoreError> {
        self.group.push_frames(0, samples)?;
        if let Some(streamer) = &mut self.streamer {
            streamer.push(samples, &mut self.group)?;
        }
        Ok(())
    }

    /// Writes the whole image from a movie (frames along the first axis), reading the next
    /// batch while the current one is pooled and encoded, and completes it (see
    /// [`OmeWriter::finish`]); `progress(frames_done, frames)` after each batch.
    ///
    /// # Errors
    /// As [`OmeWriter::write_frames`] and [`OmeWriter::finish`], and [`StoreError::Movie`]
    /// when the movie cannot be read; the image then does not appear.
    pub fn write_movie(
        mut self,
        source: &mut dyn FrameSource,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<PathBuf, StoreError> {
        let frames = source.frames();
        let frame = source.frame_len().max(1);
        let batch = batch_frames(frame * source.element().size(), 1);
        stream_frames(source, batch, |first, samples| {
            self.write_frames(&samples)?;
            progress(first + samples.len() / frame, frames);
            Ok::<(), StoreError>(())
        })?;
        self.finish()
    }

    /// Completes every level, writes all metadata (the group's last), and moves the image to
    /// its destination.
    ///
    /// # Errors
    /// [`StoreError`] when frames are missing, or a write or the rename fails.
    pub fn finish(mut self) -> Result<PathBuf, StoreError> {
        let expected = self
            .group
            .array(0)
            .and_then(|a| {
                a.metadata()
                    .get("shape")
                    .and_then(|s| s.get(0))
                    .and_then(Value::as_u64)
            })
            .unwrap_or(0);
        let given = self.group.frames(0);
        if given != expected {
            return Err(StoreError::MissingFrames { given, expected });
        }
        if let Some(streamer) = self.streamer.take() {
            streamer.finish(&mut self.group)?;
        }
        let attributes = self
            .metadata
            .get("attributes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        self.group.finish(&attributes)
    }
}

/// A downsampled level's row into the group (array `level + 1`).
fn take_row(group: &mut GroupWriter, level: usize, row: &Samples) -> Result<(), SinkError> {
    group
        .push_frames(level + 1, row)
        .map_err(|e| Box::new(e) as SinkError)
}

macro_rules! typed_streamer {
    ($($variant:ident => $t:ty),* $(,)?) => {
        /// The pyramid streamer of the image's sample type.
        enum TypedStreamer {
            $($variant(Streamer<$t>),)*
        }

        impl TypedStreamer {
            fn new(data_type: DataType, pyramid: &Pyramid, shape: &[usize]) -> Result<Self, StoreError> {
                Ok(match data_type {
                    $(DataType::$variant => TypedStreamer::$variant(
                        Streamer::new(pyramid, shape).map_err(pyramid_error)?,
                    ),)*
                })
            }

            fn push(&mut self, samples: &Samples, group: &mut GroupWriter) -> Result<(), StoreError> {
                match (self, samples) {
                    $((TypedStreamer::$variant(streamer), Samples::$variant(values)) => {
                        let mut sink = |level: usize, row: &[$t]| take_row(group, level, &Samples::$variant(row.to_vec()));
                        streamer.push(values, &mut sink as &mut dyn LevelSink<$t>).map_err(stream_error)
                    })*
                    (_, other) => Err(StoreError::DataType(format!("{} samples for this image", other.element()))),
                }
            }

            fn finish(self, group: &mut GroupWriter) -> Result<(), StoreError> {
                match self {
                    $(TypedStreamer::$variant(streamer) => {
                        let mut sink = |level: usize, row: &[$t]| take_row(group, level, &Samples::$variant(row.to_vec()));
                        streamer.finish(&mut sink as &mut dyn LevelSink<$t>).map_err(stream_error)
                    })*
                }
            }
        }
    };
}

typed_streamer!(U8 => u8, I8 => i8, U16 => u16, I16 => i16, U32 => u32, I32 => i32, F32 => f32, F64 => f64);

/// A pyramid error, unwrapping the store error a level's sink reported.
fn stream_error(error: PyramidError) -> StoreError {
    match error {
        PyramidError::Sink { source, .. } => match source.downcast::<StoreError>() {
            Ok(store) => *store,
            Err(other) => StoreError::Zarr(other.to_string()),
        },
        other => pyramid_error(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_levels_stop_at_the_top_level_size() {
        let axes: Vec<OmeAxis> = ["t", "y", "x"].iter().map(|a| OmeAxis::named(a)).collect();
        assert_eq!(
            levels_to_fit(&[1000, 2048, 1024], &axes, &[1, 2, 2], 256),
            3
        );
        assert_eq!(levels_to_fit(&[10, 64, 64], &axes, &[1, 2, 2], 256), 1);
        assert_eq!(default_axis_names(4), Some(&["t", "z", "y", "x"][..]));
        assert_eq!(default_axis_names(6), None);
    }
}
