//! Writing arrays chunk row by chunk row: one array ([`ArrayWriter`]), a store of one array
//! ([`StoreWriter`], [`write_store`], [`write_movie`]). Chunks are encoded in parallel.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anscombe_io::{Element, FrameSource, Samples, stream_frames};
use anscombe_zarr::sample_type;
use rayon::prelude::*;
use serde_json::Value;
use zarrs::array::{Array, ArrayMetadata, ArraySubset};
use zarrs::filesystem::FilesystemStore;

use crate::error::{StoreError, zarr_error};
use crate::metadata::array_metadata;
use crate::spec::StoreSpec;
use crate::staging::StagedStore;

/// One array of a store being written, chunk row by chunk row. Its metadata is stored last.
#[derive(Debug)]
pub struct ArrayWriter {
    array: Array<FilesystemStore>,
    metadata: Value,
}

impl ArrayWriter {
    /// An array of `spec` at `path` (`"/"` for the root) of `store`.
    pub(crate) fn create(
        store: Arc<FilesystemStore>,
        path: &str,
        spec: &StoreSpec,
    ) -> Result<Self, StoreError> {
        let metadata = array_metadata(spec)?;
        let parsed: ArrayMetadata = serde_json::from_value(metadata.clone())
            .map_err(|e| StoreError::Settings(e.to_string()))?;
        let array = Array::new_with_metadata(store, path, parsed)
            .map_err(|e| StoreError::Settings(e.to_string()))?;
        Ok(ArrayWriter { array, metadata })
    }

    /// The metadata JSON the array will have.
    pub fn metadata(&self) -> &Value {
        &self.metadata
    }

    /// The chunk shape.
    pub fn chunk_shape(&self) -> Vec<u64> {
        crate::reader::chunk_shape(&self.array)
    }

    /// Writes samples for frames `first..first + n` (C order, all other axes whole). Chunks are
    /// encoded in parallel. Write whole chunk rows (a multiple of the chunk's frame count, or
    /// up to the end) so no chunk is written twice.
    ///
    /// # Errors
    /// [`StoreError`] for a wrong sample count or type, or a failure to encode or store.
    pub fn write_frames(&self, first: u64, samples: &Samples) -> Result<(), StoreError> {
        let shape = self.array.shape();
        let frame: u64 = shape.iter().skip(1).product();
        let frames = (samples.len() as u64).checked_div(frame).unwrap_or(0);
        if frames * frame != samples.len() as u64
            || first + frames > shape.first().copied().unwrap_or(0)
        {
            return Err(StoreError::Length {
                given: samples.len(),
                expected: (frames.max(1) * frame) as usize,
            });
        }
        let chunk = self.chunk_shape();
        let per_chunk = chunk.first().copied().unwrap_or(1).max(1);
        // Chunks of whole frames starting at a chunk boundary are contiguous runs of the
        // samples: encode them straight from the caller's buffer, one chunk per task.
        let direct = if chunk.get(1..) == shape.get(1..) && first.is_multiple_of(per_chunk) {
            (frames / per_chunk) * per_chunk
        } else {
            0
        };
        if direct > 0 {
            let chunk_len = (per_chunk * frame) as usize;
            let first_chunk = first / per_chunk;
            let rank = shape.len();
            let head = (direct * frame) as usize;
            anscombe_io::for_samples!(samples, v => {
                v[..head].par_chunks(chunk_len).enumerate().try_for_each(|(i, data)| {
                    let mut indices = vec![0u64; rank];
                    indices[0] = first_chunk + i as u64;
                    self.array.store_chunk(&indices, data)
                })
            })
            .map_err(zarr_error)?;
        }
        if direct < frames {
            let rest = samples.slice((direct * frame) as usize..samples.len());
            let ranges: Vec<Range<u64>> = std::iter::once(first + direct..first + frames)
                .chain(shape.iter().skip(1).map(|&n| 0..n))
                .collect();
            store_samples(&self.array, &ArraySubset::new_with_ranges(&ranges), &rest)?;
        }
        Ok(())
    }

    /// Stores the array's metadata (after its chunks).
    pub(crate) fn store_metadata(&self) -> Result<(), StoreError> {
        self.array.store_metadata().map_err(zarr_error)
    }
}

/// Writes a store chunk row by chunk row; the store appears at its destination on
/// [`StoreWriter::finish`] only.
#[derive(Debug)]
pub struct StoreWriter {
    staging: StagedStore,
    array: ArrayWriter,
}

impl StoreWriter {
    /// Prepares a store at `destination` (a folder), failing early if it exists and
    /// `overwrite` is false.
    ///
    /// # Errors
    /// [`StoreError`] for an existing destination, invalid settings, or the file system.
    pub fn create(
        destination: impl AsRef<Path>,
        spec: &StoreSpec,
        overwrite: bool,
    ) -> Result<Self, StoreError> {
        let staging = StagedStore::create(destination.as_ref(), overwrite)?;
        let array = ArrayWriter::create(staging.store(), "/", spec)?;
        Ok(StoreWriter { staging, array })
    }

    /// The metadata JSON the store will have.
    pub fn metadata(&self) -> &Value {
        self.array.metadata()
    }

    /// The chunk shape.
    pub fn chunk_shape(&self) -> Vec<u64> {
        self.array.chunk_shape()
    }

    /// Writes samples for frames `first..first + n`; see [`ArrayWriter::write_frames`].
    ///
    /// # Errors
    /// As [`ArrayWriter::write_frames`].
    pub fn write_frames(&self, first: u64, samples: &Samples) -> Result<(), StoreError> {
        self.array.write_frames(first, samples)
    }

    /// Writes the metadata, then moves the store to its destination (replacing an old one
    /// when overwriting was asked for).
    ///
    /// # Errors
    /// [`StoreError::Io`] when the metadata or the rename fails.
    pub fn finish(self) -> Result<PathBuf, StoreError> {
        self.array.store_metadata()?;
        self.staging.commit()
    }
}

fn store_samples(
    array: &Array<FilesystemStore>,
    subset: &ArraySubset,
    samples: &Samples,
) -> Result<(), StoreError> {
    let expected = sample_type(array.data_type()).map(Element::from);
    if expected != Some(samples.element()) {
        return Err(StoreError::DataType(format!(
            "{} samples for a {} array",
            samples.element(),
            array.data_type()
        )));
    }
    anscombe_io::for_samples!(samples, v => array.store_array_subset(subset, v.as_slice()))
        .map_err(zarr_error)
}

/// Writes a whole array in one call (see [`StoreWriter`] for streaming).
///
/// # Errors
/// As [`StoreWriter::create`], [`StoreWriter::write_frames`] and [`StoreWriter::finish`].
pub fn write_store(
    destination: impl AsRef<Path>,
    spec: &StoreSpec,
    samples: &Samples,
    overwrite: bool,
) -> Result<PathBuf, StoreError> {
    let writer = StoreWriter::create(destination, spec, overwrite)?;
    writer.write_frames(0, samples)?;
    writer.finish()
}

/// Frames per batch of a streamed write: about 64 MB of samples, in whole chunk rows of
/// `chunk_frames` frames, so that no chunk is written twice.
pub fn batch_frames(frame_bytes: usize, chunk_frames: usize) -> usize {
    let per = (64 << 20) / frame_bytes.max(1);
    let multiple = chunk_frames.max(1);
    (per / multiple).max(1) * multiple
}

/// Writes a whole movie to a new store, batch of chunk rows by batch, reading the next batch
/// while the current one is encoded; `progress(frames_done, frames)` after each batch.
///
/// # Errors
/// As [`StoreWriter`], and [`StoreError::Movie`] when the movie cannot be read; the store then
/// does not appear.
pub fn write_movie(
    source: &mut dyn FrameSource,
    destination: impl AsRef<Path>,
    spec: &StoreSpec,
    overwrite: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<PathBuf, StoreError> {
    let writer = StoreWriter::create(destination, spec, overwrite)?;
    let frames = source.frames();
    let frame = source.frame_len().max(1);
    let chunk_frames = writer.chunk_shape().first().copied().unwrap_or(1) as usize;
    let batch = batch_frames(frame * source.element().size(), chunk_frames);
    stream_frames(source, batch, |first, samples| {
        writer.write_frames(first as u64, &samples)?;
        progress(first + samples.len() / frame, frames);
        Ok::<(), StoreError>(())
    })?;
    writer.finish()
}
