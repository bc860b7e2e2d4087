//! Writing a Zarr V3 group of arrays frame batch by frame batch (an OME-Zarr image, a result
//! group): each array's frames wait until they make whole chunk rows.

use std::path::{Path, PathBuf};

use anscombe_core::DataType;
use anscombe_io::Samples;
use serde_json::Value;

use crate::error::{StoreError, io_error};
use crate::spec::StoreSpec;
use crate::staging::StagedStore;
use crate::writer::ArrayWriter;

/// Writes a Zarr V3 group of arrays frame batch by frame batch: each array's frames are held
/// until they make whole chunk rows, metadata comes last (the group's after the arrays'),
/// and the group appears at its destination in one rename on [`GroupWriter::finish`].
#[derive(Debug)]
pub struct GroupWriter {
    staging: StagedStore,
    arrays: Vec<(String, ArrayWriter, ChunkRows)>,
}

impl GroupWriter {
    /// Prepares a group at `destination`, failing early if it exists and `overwrite` is
    /// false.
    ///
    /// # Errors
    /// [`StoreError`] for an existing destination or the file system.
    pub fn create(destination: impl AsRef<Path>, overwrite: bool) -> Result<Self, StoreError> {
        Ok(GroupWriter {
            staging: StagedStore::create(destination.as_ref(), overwrite)?,
            arrays: Vec::new(),
        })
    }

    /// Adds the array `name` (a path inside the group, like `0` or `image_bg`); returns its
    /// index for [`GroupWriter::push_frames`].
    ///
    /// # Errors
    /// [`StoreError::Settings`] for settings the format cannot hold.
    pub fn add_array(&mut self, name: &str, spec: &StoreSpec) -> Result<usize, StoreError> {
        let array = ArrayWriter::create(self.staging.store(), &format!("/{name}"), spec)?;
        let frame: u64 = spec.shape.iter().skip(1).product();
        let rows = array.chunk_shape().first().copied().unwrap_or(1).max(1);
        let buffer = ChunkRows::new(spec.data_type, frame as usize, rows as usize);
        self.arrays.push((name.to_string(), array, buffer));
        Ok(self.arrays.len() - 1)
    }

    /// The array at `index`.
    pub fn array(&self, index: usize) -> Option<&ArrayWriter> {
        self.arrays.get(index).map(|(_, array, _)| array)
    }

    /// Appends whole frames to array `index`; full chunk rows are written at once.
    ///
    /// # Errors
    /// [`StoreError`] for samples of the wrong type or count, a missing array, or a failure
    /// to encode or store.
    pub fn push_frames(&mut self, index: usize, samples: &Samples) -> Result<(), StoreError> {
        let (_, array, buffer) = self
            .arrays
            .get_mut(index)
            .ok_or_else(|| StoreError::Settings(format!("no array {index} in the group")))?;
        buffer.push(samples, array)
    }

    /// Frames pushed to array `index` so far.
    pub fn frames(&self, index: usize) -> u64 {
        self.arrays
            .get(index)
            .map_or(0, |(_, _, buffer)| buffer.frames())
    }

    /// Writes the last partial chunk rows, checks every array is complete, writes the
    /// arrays' metadata and the group's (with `attributes`), and moves the group into place.
    ///
    /// # Errors
    /// [`StoreError::MissingFrames`] for an incomplete array, or a write or rename failure.
    pub fn finish(
        mut self,
        attributes: &serde_json::Map<String, Value>,
    ) -> Result<PathBuf, StoreError> {
        for (_, array, buffer) in &mut self.arrays {
            buffer.flush(array)?;
            let expected = array
                .metadata()
                .get("shape")
                .and_then(|s| s.get(0))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if buffer.written != expected {
                return Err(StoreError::MissingFrames {
                    given: buffer.written,
                    expected,
                });
            }
            array.store_metadata()?;
        }
        let group =
            serde_json::json!({"zarr_format": 3, "node_type": "group", "attributes": attributes});
        let path = self.staging.root().join("zarr.json");
        let text =
            serde_json::to_vec_pretty(&group).map_err(|e| StoreError::Settings(e.to_string()))?;
        std::fs::write(&path, text).map_err(io_error(&path))?;
        self.staging.commit()
    }
}

/// Frames of one array waiting for a whole chunk row.
#[derive(Debug)]
struct ChunkRows {
    pending: Samples,
    frame: usize,
    rows_per_chunk: usize,
    written: u64,
}

impl ChunkRows {
    fn new(data_type: DataType, frame: usize, rows_per_chunk: usize) -> Self {
        ChunkRows {
            pending: Samples::zeros(data_type.into(), 0),
            frame,
            rows_per_chunk,
            written: 0,
        }
    }

    /// Adds frames and writes every whole chunk row.
    fn push(&mut self, samples: &Samples, array: &ArrayWriter) -> Result<(), StoreError> {
        if samples.element() != self.pending.element() {
            return Err(StoreError::DataType(format!(
                "{} samples for a {} image",
                samples.element(),
                self.pending.element()
            )));
        }
        let joined = if self.pending.is_empty() {
            samples.clone()
        } else {
            Samples::concat(&[
                std::mem::replace(&mut self.pending, samples.slice(0..0)),
                samples.clone(),
            ])
            .ok_or_else(|| StoreError::DataType("mixed sample types".into()))?
        };
        let chunk_len = self.frame * self.rows_per_chunk;
        let whole = joined.len().checked_div(chunk_len).unwrap_or(0) * chunk_len;
        if whole > 0 {
            array.write_frames(self.written, &joined.slice(0..whole))?;
            self.written += (whole / self.frame) as u64;
        }
        self.pending = joined.slice(whole..joined.len());
        Ok(())
    }

    /// Frames taken so far, written or waiting.
    fn frames(&self) -> u64 {
        self.written + (self.pending.len() / self.frame.max(1)) as u64
    }

    /// Writes what is left (the last, partial chunk row).
    fn flush(&mut self, array: &ArrayWriter) -> Result<(), StoreError> {
        if !self.pending.is_empty() {
            array.write_frames(self.written, &self.pending)?;
            self.written += (self.pending.len() / self.frame.max(1)) as u64;
            self.pending = self.pending.slice(0..0);
        }
        Ok(())
    }
}
