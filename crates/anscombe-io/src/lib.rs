//! File formats of the anscombe toolkit: typed sample buffers, movies read frame by frame
//! (TIFF stacks, NPY, HDF5 datasets, raw binary) and written frame by frame (TIFF, NPY), and
//! the one atomic-write mechanism of every writer (files and store directories), so an
//! interrupted write never leaves an output that looks complete.

mod atomic;
pub mod hdf5;
pub mod image;
mod inputs;
mod lock;
pub mod movie;
pub mod npy;
pub mod raw;
mod samples;
mod small;
mod space;
pub mod tiff;
mod writer;

use std::path::Path;

pub use atomic::{AtomicFile, Existing, Staged, StagingError, is_zarr_store, write_atomically};
pub use inputs::protect_input;
pub use lock::remove_stagings;
pub use movie::{
    FrameRange, FrameSource, InMemory, MAX_FRAME_BYTES, MovieError, check_frame_size, shape_bytes,
    stream_frames,
};
pub use samples::{Element, Samples};
pub use small::{SmallFileError, read_small, read_small_text};
pub use space::available_space;
pub use writer::MovieWriter;

/// Opens a movie by its extension: `.tif`/`.tiff` (a stack of pages), `.npy`, or an HDF5 file
/// (`.h5`, `.hdf5`, `.hdf`, `.he5`) with its dataset as `FILE.h5:/path/to/dataset` (optional
/// when the file holds one movie-like dataset). Raw files need their shape and type: see
/// [`raw::RawMovie`].
///
/// # Errors
/// [`MovieError`] when the file cannot be read, or the extension is neither.
pub fn open_movie(path: impl AsRef<Path>) -> Result<Box<dyn FrameSource>, MovieError> {
    let (path, dataset) = hdf5::split_dataset_path(path.as_ref());
    let path = path.as_path();
    protect_input(path);
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("tif" | "tiff") => Ok(Box::new(tiff::TiffStack::open(path)?)),
        Some("npy") => npy::open_stream(path),
        Some(e) if hdf5::EXTENSIONS.contains(&e) => {
            Ok(Box::new(hdf5::Hdf5Movie::open(path, dataset.as_deref())?))
        }
        _ => Err(MovieError::Unsupported {
            path: path.to_path_buf(),
            message: "not a .tif, .tiff, .npy or HDF5 (.h5, .hdf5) file (a raw file needs its shape and sample type given)"
                .into(),
        }),
    }
}
