//! A movie written frame batch by frame batch to a Zarr store (a `.zarr` path) or to a TIFF or
//! NPY file (by the extension), for the tools whose output may be either.

use std::path::{Path, PathBuf};

use anscombe_io::{Element, MovieWriter, Samples};

use crate::error::StoreError;
use crate::reader::stored_bytes;
use crate::spec::StoreSpec;
use crate::writer::StoreWriter;

/// Where a movie goes: a store (no codec, zstd) or a TIFF or NPY file.
#[derive(Debug)]
pub enum MovieOutput {
    /// A Zarr V3 store.
    Store(Box<StoreWriter>),
    /// A TIFF or NPY file.
    File(MovieWriter),
}

impl MovieOutput {
    /// Starts a movie of `shape` (frames first) of `element` samples at `path`: a store when
    /// the path ends in `.zarr` (with `dimension_names` when given), a file otherwise.
    ///
    /// # Errors
    /// [`StoreError::Exists`] when the path exists and `overwrite` is false; the writers'
    /// errors (settings, a sample type the format cannot hold, the file system).
    pub fn create(
        path: &Path,
        shape: &[usize],
        element: Element,
        dimension_names: Option<Vec<String>>,
        overwrite: bool,
    ) -> Result<Self, StoreError> {
        if path.extension().is_some_and(|e| e == "zarr") {
            let data_type = element
                .data_type()
                .ok_or_else(|| StoreError::DataType(element.to_string()))?;
            let spec = StoreSpec {
                dimension_names,
                ..StoreSpec::new(shape.iter().map(|&n| n as u64).collect(), data_type, None)
            };
            Ok(MovieOutput::Store(Box::new(StoreWriter::create(
                path, &spec, overwrite,
            )?)))
        } else {
            if !overwrite && path.exists() {
                return Err(StoreError::Exists(path.to_path_buf()));
            }
            Ok(MovieOutput::File(MovieWriter::create(
                path, shape, element,
            )?))
        }
    }

    /// Frames per chunk row: batches of a multiple of it write every chunk once.
    pub fn frames_per_chunk(&self) -> usize {
        match self {
            MovieOutput::Store(store) => {
                store.chunk_shape().first().copied().unwrap_or(1).max(1) as usize
            }
            MovieOutput::File(_) => 1,
        }
    }

    /// Writes frames `first..` (in order, whole frames).
    ///
    /// # Errors
    /// The writer's error.
    pub fn write(&mut self, first: usize, samples: &Samples) -> Result<(), StoreError> {
        match self {
            MovieOutput::Store(store) => store.write_frames(first as u64, samples),
            MovieOutput::File(movie) => Ok(movie.write(samples)?),
        }
    }

    /// Completes the output and moves it into place; returns its path and the bytes it takes.
    ///
    /// # Errors
    /// The writer's error; the output then does not appear.
    pub fn finish(self) -> Result<(PathBuf, u64), StoreError> {
        let path = match self {
            MovieOutput::Store(store) => store.finish()?,
            MovieOutput::File(movie) => movie.finish()?,
        };
        let bytes = if path.is_dir() {
            stored_bytes(&path)
        } else {
            std::fs::metadata(&path).map_or(0, |m| m.len())
        };
        Ok((path, bytes))
    }
}
