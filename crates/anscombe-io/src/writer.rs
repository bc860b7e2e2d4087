//! Writing movies frame batch by frame batch: NPY (one array) or TIFF (one page per frame;
//! BigTIFF when the samples pass 3 GiB), appearing at their path only when complete.

use std::cell::RefCell;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use tiff::encoder::{TiffEncoder, TiffKind, TiffKindBig, TiffKindStandard, colortype};

use crate::movie::MovieError;
use crate::{AtomicFile, Element, Samples};

/// Classic TIFF addresses 4 GiB; above this many bytes of samples, BigTIFF.
const BIG_TIFF_ABOVE: usize = 3 << 30;

/// A movie being written: `.npy`, `.tif` or `.tiff` by the extension. Frames are appended in
/// order; the file appears at its path on [`MovieWriter::finish`] only, once every frame of
/// the shape is there (see [`AtomicFile`]), and an existing file there is then replaced.
#[derive(Debug)]
pub struct MovieWriter {
    path: PathBuf,
    shape: Vec<usize>,
    element: Element,
    frames_written: usize,
    format: Format,
}

enum Format {
    Npy(AtomicFile),
    Tiff(Pages<TiffKindStandard>),
    BigTiff(Pages<TiffKindBig>),
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Npy(_) => "Npy",
            Format::Tiff(_) => "Tiff",
            Format::BigTiff(_) => "BigTiff",
        })
    }
}

/// The TIFF encoder and the file it writes through.
struct Pages<K: TiffKind> {
    encoder: TiffEncoder<SharedFile, K>,
    file: SharedFile,
}

/// An [`AtomicFile`] the TIFF encoder writes through while the writer keeps a handle to commit
/// it (the encoder does not give its writer back).
#[derive(Clone)]
struct SharedFile(Rc<RefCell<AtomicFile>>);

impl Write for SharedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

impl Seek for SharedFile {
    fn seek(&mut self, position: SeekFrom) -> std::io::Result<u64> {
        self.0.borrow_mut().seek(position)
    }
}

impl MovieWriter {
    /// Starts a movie of `shape` (frames first; a TIFF page is the last two axes) of `element`
    /// samples at `path`.
    ///
    /// # Errors
    /// [`MovieError::Unsupported`] for another extension or a sample type TIFF cannot hold,
    /// [`MovieError::NoSpace`] when the samples alone need more than the file system has free,
    /// [`MovieError::Io`] when the file cannot be created.
    pub fn create(
        path: impl AsRef<Path>,
        shape: &[usize],
        element: Element,
    ) -> Result<Self, MovieError> {
        Self::create_with(path.as_ref(), shape, element, BIG_TIFF_ABOVE)
    }

    fn create_with(
        path: &Path,
        shape: &[usize],
        element: Element,
        big_tiff_above: usize,
    ) -> Result<Self, MovieError> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let unsupported = |message: String| MovieError::Unsupported {
            path: path.to_path_buf(),
            message,
        };
        let tiff = match extension.as_deref() {
            Some("npy") => false,
            Some("tif" | "tiff") => true,
            _ => {
                return Err(unsupported(
                    "movies are written as .npy, .tif or .tiff".into(),
                ));
            }
        };
        if tiff && matches!(element, Element::Bool | Element::U64 | Element::I64) {
            return Err(unsupported(format!(
                "{element} samples cannot be written to TIFF"
            )));
        }
        // The samples alone, before any file is made: a shape no file system holds (a store
        // declaring 1e12 frames, say) is refused here, not after the disk is full.
        let bytes = crate::shape_bytes(shape, element.size()).unwrap_or(usize::MAX);
        if let Some(available) = crate::available_space(path)
            && bytes as u64 > available
        {
            return Err(MovieError::NoSpace {
                path: path.to_path_buf(),
                needed: bytes as u64,
                available,
            });
        }
        let file = AtomicFile::create(path).map_err(MovieError::io(path))?;
        let format = if tiff {
            let file = SharedFile(Rc::new(RefCell::new(file)));
            let damaged = |e: tiff::TiffError| MovieError::format(path, e.to_string());
            if bytes > big_tiff_above {
                Format::BigTiff(Pages {
                    encoder: TiffEncoder::new_big(file.clone()).map_err(damaged)?,
                    file,
                })
            } else {
                Format::Tiff(Pages {
                    encoder: TiffEncoder::new(file.clone()).map_err(damaged)?,
                    file,
                })
            }
        } else {
            let mut file = file;
            file.write_all(&crate::npy::header(shape, element))
                .map_err(MovieError::io(path))?;
            Format::Npy(file)
        };
        Ok(MovieWriter {
            path: path.to_path_buf(),
            shape: shape.to_vec(),
            element,
            frames_written: 0,
            format,
        })
    }

    /// Samples per frame.
    fn frame_len(&self) -> usize {
        self.shape.iter().skip(1).product()
    }

    /// Frames appended so far.
    pub fn frames_written(&self) -> usize {
        self.frames_written
    }

    /// Appends whole frames.
    ///
    /// # Errors
    /// [`MovieError::Format`] for samples of another type, not whole frames, or more frames
    /// than the shape holds; [`MovieError::Io`] or [`MovieError::Format`] when writing fails.
    pub fn write(&mut self, samples: &Samples) -> Result<(), MovieError> {
        let frame = self.frame_len();
        let frames = samples.len().checked_div(frame).unwrap_or(0);
        let total = self.shape.first().copied().unwrap_or(0);
        if samples.element() != self.element
            || frames * frame != samples.len()
            || self.frames_written + frames > total
        {
            return Err(MovieError::format(
                &self.path,
                format!(
                    "{} {} samples do not continue a movie of {:?} {} samples at frame {}",
                    samples.len(),
                    samples.element(),
                    self.shape,
                    self.element,
                    self.frames_written
                ),
            ));
        }
        // A page is the last two axes (one row for a movie of 1-D frames).
        let height = match self.shape.len() {
            0..=2 => 1,
            rank => self.shape[rank - 2],
        };
        let width = self.shape.last().copied().unwrap_or(1);
        match &mut self.format {
            Format::Npy(file) => file
                .write_all(&samples.to_le_bytes())
                .map_err(MovieError::io(&self.path)),
            Format::Tiff(pages) => {
                write_pages(&mut pages.encoder, [height, width], samples, &self.path)
            }
            Format::BigTiff(pages) => {
                write_pages(&mut pages.encoder, [height, width], samples, &self.path)
            }
        }?;
        self.frames_written += frames;
        Ok(())
    }

    /// Completes the file and moves it into place.
    ///
    /// # Errors
    /// [`MovieError::Format`] when frames are missing, [`MovieError::Io`] when the file
    /// cannot be completed; the destination is then untouched.
    pub fn finish(self) -> Result<PathBuf, MovieError> {
        let total = self.shape.first().copied().unwrap_or(0);
        if self.frames_written != total {
            return Err(MovieError::format(
                &self.path,
                format!("{} of the {total} frames were written", self.frames_written),
            ));
        }
        // The encoder completes each page's directory as it writes it; once dropped, the
        // shared handle is the only one left.
        let file = match self.format {
            Format::Npy(file) => file,
            Format::Tiff(Pages { encoder, file }) => {
                drop(encoder);
                unshare(file, &self.path)?
            }
            Format::BigTiff(Pages { encoder, file }) => {
                drop(encoder);
                unshare(file, &self.path)?
            }
        };
        file.commit().map_err(MovieError::io(&self.path))?;
        Ok(self.path)
    }
}

fn unshare(file: SharedFile, path: &Path) -> Result<AtomicFile, MovieError> {
    Rc::try_unwrap(file.0)
        .map(RefCell::into_inner)
        .map_err(|_| MovieError::format(path, "the TIFF encoder still holds the file"))
}

fn write_pages<K: TiffKind>(
    encoder: &mut TiffEncoder<SharedFile, K>,
    [height, width]: [usize; 2],
    samples: &Samples,
    path: &Path,
) -> Result<(), MovieError> {
    let too_large = || {
        MovieError::format(
            path,
            format!("pages of {height}x{width} are too large for TIFF"),
        )
    };
    let (w, h) = (
        u32::try_from(width).map_err(|_| too_large())?,
        u32::try_from(height).map_err(|_| too_large())?,
    );
    let page = (height * width).max(1);
    let failed = |e: tiff::TiffError| MovieError::format(path, e.to_string());
    macro_rules! pages {
        ($v:expr, $colour:ty) => {
            for data in $v.chunks(page) {
                encoder.write_image::<$colour>(w, h, data).map_err(failed)?;
            }
        };
    }
    match samples {
        Samples::U8(v) => pages!(v, colortype::Gray8),
        Samples::I8(v) => pages!(v, colortype::GrayI8),
        Samples::U16(v) => pages!(v, colortype::Gray16),
        Samples::I16(v) => pages!(v, colortype::GrayI16),
        Samples::U32(v) => pages!(v, colortype::Gray32),
        Samples::I32(v) => pages!(v, colortype::GrayI32),
        Samples::F32(v) => pages!(v, colortype::Gray32Float),
        Samples::F64(v) => pages!(v, colortype::Gray64Float),
        other => {
            return Err(MovieError::Unsupported {
                path: path.to_path_buf(),
                message: format!("{} samples cannot be written to TIFF", other.element()),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FrameSource;
    use crate::npy::NpyArray;
    use crate::tiff::TiffStack;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("anscombe-io-writer-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    fn movie(element: Element, len: usize) -> Samples {
        let values: Vec<f64> = (0..len).map(|i| ((i * 37) % 251) as f64 - 20.0).collect();
        Samples::from_f64(element, &values)
    }

    /// Writes in batches of two frames, then reads back through our own readers.
    fn round_trip(path: &Path, shape: &[usize], samples: &Samples, big_above: usize) -> Samples {
        let frame: usize = shape[1..].iter().product();
        let mut writer =
            MovieWriter::create_with(path, shape, samples.element(), big_above).expect("create");
        for first in (0..shape[0]).step_by(2) {
            let end = (first + 2).min(shape[0]);
            writer
                .write(&samples.slice(first * frame..end * frame))
                .expect("write");
        }
        assert!(!path.exists(), "nothing at the path before finish");
        writer.finish().expect("finish");
        if path.extension().is_some_and(|e| e == "npy") {
            let array = NpyArray::read(path).expect("npy");
            assert_eq!(array.shape, shape);
            array.samples
        } else {
            let mut stack = TiffStack::open(path).expect("tiff");
            assert_eq!(stack.shape(), [shape[0], shape[1], shape[2]]);
            stack.read_frames(0, shape[0]).expect("frames")
        }
    }

    #[test]
    fn a_movie_larger_than_the_free_space_is_refused_before_any_file() {
        let dir = std::env::temp_dir().join(format!("anscombe-nospace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        let path = dir.join("huge.npy");
        let shape = [1usize << 40, 1 << 10, 1 << 10];
        let error = MovieWriter::create(&path, &shape, Element::U16).expect_err("refused");
        if cfg!(unix) {
            assert!(matches!(error, MovieError::NoSpace { .. }), "{error}");
            let message = error.to_string();
            assert!(
                message.contains("bytes") && message.contains("free"),
                "{message}"
            );
        }
        let left: Vec<_> = std::fs::read_dir(&dir).expect("list").collect();
        assert!(left.is_empty(), "files left: {left:?}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn tiff_and_npy_movies_read_back_through_our_readers() {
        let dir = scratch("round-trip");
        let shape = [5, 3, 4];
        for element in [
            Element::U8,
            Element::I8,
            Element::U16,
            Element::I16,
            Element::U32,
            Element::I32,
            Element::F32,
            Element::F64,
        ] {
            let samples = movie(element, 60);
            for name in ["movie.tif", "movie.npy"] {
                let path = dir.join(format!("{element}-{name}"));
                assert_eq!(
                    round_trip(&path, &shape, &samples, BIG_TIFF_ABOVE),
                    samples,
                    "{element} {name}"
                );
            }
            // The BigTIFF layout, chosen here for a small movie.
            let path = dir.join(format!("{element}-big.tiff"));
            assert_eq!(
                round_trip(&path, &shape, &samples, 0),
                samples,
                "{element} BigTIFF"
            );
            let bytes = std::fs::read(&path).expect("read");
            assert_eq!(&bytes[2..4], &43u16.to_le_bytes(), "BigTIFF magic");
        }
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn incomplete_or_mismatched_movies_are_errors_and_leave_nothing() {
        let dir = scratch("refused");
        let path = dir.join("movie.tif");
        let mut writer = MovieWriter::create(&path, &[3, 2, 2], Element::U16).expect("create");
        assert!(
            writer.write(&movie(Element::I16, 4)).is_err(),
            "another type"
        );
        assert!(
            writer.write(&movie(Element::U16, 3)).is_err(),
            "not whole frames"
        );
        assert!(
            writer.write(&movie(Element::U16, 16)).is_err(),
            "more frames than the shape"
        );
        writer.write(&movie(Element::U16, 8)).expect("two frames");
        assert_eq!(writer.frames_written(), 2);
        assert!(writer.finish().is_err(), "a frame is missing");
        assert!(matches!(
            MovieWriter::create(dir.join("movie.png"), &[1, 2, 2], Element::U8),
            Err(MovieError::Unsupported { .. })
        ));
        assert!(matches!(
            MovieWriter::create(dir.join("movie.tif"), &[1, 2, 2], Element::I64),
            Err(MovieError::Unsupported { .. })
        ));
        assert_eq!(
            std::fs::read_dir(&dir).expect("list").count(),
            0,
            "nothing left behind"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
