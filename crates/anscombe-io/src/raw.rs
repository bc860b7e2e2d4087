//! Raw binary movies: samples of a given type and shape after an optional header, no metadata.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::movie::{FrameSource, MovieError, check_range};
use crate::{Element, Samples};

/// A raw file read frame range by frame range.
#[derive(Debug)]
pub struct RawMovie {
    path: PathBuf,
    file: File,
    shape: Vec<usize>,
    element: Element,
    little_endian: bool,
    offset: u64,
}

impl RawMovie {
    /// Opens a raw file of `shape` (frames first) and `element` samples, starting `offset`
    /// bytes in; checks that the file is exactly that long.
    ///
    /// # Errors
    /// [`MovieError`] when the file cannot be opened or its length does not match.
    pub fn open(
        path: impl AsRef<Path>,
        shape: Vec<usize>,
        element: Element,
        little_endian: bool,
        offset: u64,
    ) -> Result<Self, MovieError> {
        let path = path.as_ref().to_path_buf();
        crate::protect_input(&path);
        let file = File::open(&path).map_err(MovieError::io(&path))?;
        let length = file.metadata().map_err(MovieError::io(&path))?.len();
        let expected = shape
            .iter()
            .try_fold(element.size() as u64, |n, &d| n.checked_mul(d as u64))
            .and_then(|n| n.checked_add(offset));
        if expected != Some(length) {
            return Err(MovieError::format(
                &path,
                format!(
                    "{length} bytes, but shape {shape:?} of {element} after {offset} header bytes needs {}",
                    expected.map_or_else(|| "more than fits".to_string(), |e| e.to_string())
                ),
            ));
        }
        Ok(RawMovie {
            path,
            file,
            shape,
            element,
            little_endian,
            offset,
        })
    }
}

impl FrameSource for RawMovie {
    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn element(&self) -> Element {
        self.element
    }

    fn read_frames(&mut self, start: usize, count: usize) -> Result<Samples, MovieError> {
        check_range(start, count, self.frames())?;
        let frame_bytes = self.frame_len() * self.element.size();
        let mut bytes = vec![0u8; count * frame_bytes];
        self.file
            .seek(SeekFrom::Start(self.offset + (start * frame_bytes) as u64))
            .map_err(MovieError::io(&self.path))?;
        self.file
            .read_exact(&mut bytes)
            .map_err(MovieError::io(&self.path))?;
        Samples::from_bytes(self.element, &bytes, self.little_endian)
            .ok_or_else(|| MovieError::format(&self.path, "data length"))
    }
}
