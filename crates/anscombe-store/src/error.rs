//! Errors of the store writers and readers.

use std::path::{Path, PathBuf};

use anscombe_io::{MovieError, StagingError};
use anscombe_zarr::AnscombeZarrError;

/// Why a store could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The destination exists and overwriting was not asked for.
    #[error("{0} already exists")]
    Exists(PathBuf),
    /// The path holds no Zarr array.
    #[error("{0} is not a Zarr array (no zarr.json or .zarray)")]
    NotZarr(PathBuf),
    /// A data type the toolkit does not handle.
    #[error("unsupported data type {0}")]
    DataType(String),
    /// The configuration cannot be written.
    #[error("invalid store settings: {0}")]
    Settings(String),
    /// The codec configuration is invalid.
    #[error(transparent)]
    Codec(#[from] AnscombeZarrError),
    /// The `poisson` codec refuses to write with this configuration (the reference would lose
    /// data) or these samples.
    #[error(transparent)]
    PoissonRefused(#[from] anscombe_core::PoissonEncoderError),
    /// Samples do not fill the region they are written to.
    #[error("{given} samples for a region of {expected}")]
    Length {
        /// Samples given.
        given: usize,
        /// Samples the region holds.
        expected: usize,
    },
    /// A stream ended before the array was complete.
    #[error("the stream ended after {given} of the {expected} frames")]
    MissingFrames {
        /// Frames written.
        given: u64,
        /// Frames of the array.
        expected: u64,
    },
    /// The file system.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// What.
        source: std::io::Error,
    },
    /// The movie being stored or compared could not be read (or a movie file written).
    #[error(transparent)]
    Movie(#[from] MovieError),
    /// The output cannot be staged: in use by another writer, an input, not a store.
    #[error(transparent)]
    Staging(StagingError),
    /// The store was replaced (another writer's `--force`) while it was being read, so what
    /// was read may mix the old store and the new one.
    #[error("{0} was replaced by another writer while being read: read it again")]
    Replaced(PathBuf),
    /// A chunk failed to read or decode (damaged, truncated, its checksum wrong).
    #[error("chunk {index:?} ({key}): {message}")]
    Chunk {
        /// Its indices in the chunk grid.
        index: Vec<u64>,
        /// Its key in the store, e.g. `c/0/0/0`.
        key: String,
        /// What zarrs reported.
        message: String,
    },
    /// A chunk's stored bytes decode to more than the chunk holds (or, uncompressed, are not
    /// its length): a damaged or hostile store, refused before decoding.
    #[error("chunk {key}: {stage} of {bytes} bytes, where the chunk holds {expected}")]
    ChunkSize {
        /// The chunk's key in the store (`c/0/0/0`, `0.0.0`).
        key: String,
        /// What was measured: the stored bytes, a zstd frame, a blosc header.
        stage: &'static str,
        /// Bytes found or declared.
        bytes: u64,
        /// Bytes the chunk holds (or at most may).
        expected: u64,
    },
    /// A stored chunk whose shape the metadata declares beyond the largest chunk the writers
    /// make, refused before its buffer is allocated.
    #[error("chunk {key} decodes to {bytes} bytes, beyond the {limit} bytes a chunk may hold")]
    ChunkTooLarge {
        /// The chunk's key in the store.
        key: String,
        /// Its decoded bytes.
        bytes: u64,
        /// The largest chunk decoded.
        limit: u64,
    },
    /// zarrs reported an error (storage, a corrupt chunk, a codec error).
    #[error("{0}")]
    Zarr(String),
}

impl From<StagingError> for StoreError {
    fn from(error: StagingError) -> Self {
        match error {
            StagingError::Exists(path) => StoreError::Exists(path),
            StagingError::Io { path, source } => StoreError::Io { path, source },
            other => StoreError::Staging(other),
        }
    }
}

/// A zarrs error, as its message.
pub(crate) fn zarr_error(error: impl std::fmt::Display) -> StoreError {
    StoreError::Zarr(error.to_string())
}

/// A file system error at `path`.
pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}
