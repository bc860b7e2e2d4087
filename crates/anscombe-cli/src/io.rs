//! Inputs, outputs and progress shared by the commands.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anscombe_io::{AtomicFile, Element, FrameSource, Samples};
use anscombe_zarr::store::{StoreSpec, StoreWriter, stored_bytes};
use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::InputArgs;

/// Opens the input movie: raw with `--shape`, a Zarr store (a folder with array metadata), or
/// a TIFF, NPY or HDF5 file (`FILE.h5:/dataset`) by extension.
pub(crate) fn open_input(args: &InputArgs) -> Result<Box<dyn FrameSource>> {
    let path = &args.input;
    let (file, _) = anscombe_io::hdf5::split_dataset_path(path);
    if !file.exists() {
        bail!("{}: no such file or folder", file.display());
    }
    if let Some(shape) = &args.shape {
        let name = args.dtype.as_deref().unwrap_or_default();
        let element = Element::from_name(name).with_context(|| {
            format!("--dtype {name}: not a sample type (uint8, int16, uint16, float32, ...)")
        })?;
        let movie = anscombe_io::raw::RawMovie::open(
            path,
            shape.clone(),
            element,
            !args.big_endian,
            args.offset,
        )?;
        return Ok(Box::new(movie));
    }
    if path.is_dir() {
        let movie = anscombe_zarr::store::ZarrMovie::open(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(Box::new(movie));
    }
    Ok(anscombe_io::open_movie(path)?)
}

/// Prints a report as pretty JSON on stdout: the `--json` output of every command.
pub(crate) fn print_json(report: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(report).context("JSON")?);
    Ok(())
}

/// Refuses to replace an existing output unless `--force` was given.
pub(crate) fn check_output(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        bail!(
            "{} already exists (pass --force to replace it)",
            path.display()
        );
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        bail!("{}: the folder does not exist", parent.display());
    }
    Ok(())
}

/// A progress bar on stderr, or nothing when stderr is not a terminal.
pub(crate) fn progress(length: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(length);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>12} [{bar:40}] {pos}/{len} frames, {elapsed} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Frames per batch so a batch holds about 64 MB, rounded to whole `multiple`s.
pub(crate) fn batch_frames(frame_bytes: usize, multiple: usize) -> usize {
    let per = (64 << 20) / frame_bytes.max(1);
    (per / multiple.max(1)).max(1) * multiple.max(1)
}

/// Writes a JSON value to a file atomically.
pub(crate) fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    anscombe_io::write_atomically(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        w.write_all(b"\n")
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

/// An [`AtomicFile`] the TIFF encoder can write through while we keep the handle to commit it
/// (the encoder does not give its writer back).
#[derive(Clone)]
pub(crate) struct SharedFile(std::rc::Rc<std::cell::RefCell<AtomicFile>>);

impl Write for SharedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

impl std::io::Seek for SharedFile {
    fn seek(&mut self, position: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.borrow_mut().seek(position)
    }
}

/// A movie written frame batch by frame batch to `.npy` or `.tif`, appearing at its path only
/// when complete.
pub(crate) enum MovieWriter {
    Npy(AtomicFile),
    Tiff(
        Box<tiff::encoder::TiffEncoder<SharedFile>>,
        SharedFile,
        [usize; 2],
        Element,
    ),
    BigTiff(
        Box<tiff::encoder::TiffEncoder<SharedFile, tiff::encoder::TiffKindBig>>,
        SharedFile,
        [usize; 2],
        Element,
    ),
}

impl MovieWriter {
    /// Starts a movie of `shape` (frames first) at `path`, by extension.
    pub(crate) fn create(path: &Path, shape: &[usize], element: Element) -> Result<Self> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let frame = [
            shape
                .get(shape.len().saturating_sub(2))
                .copied()
                .unwrap_or(1),
            shape.last().copied().unwrap_or(1),
        ];
        let file = AtomicFile::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        match extension.as_deref() {
            Some("npy") => {
                let mut file = file;
                file.write_all(&anscombe_io::npy::header(shape, element))?;
                Ok(MovieWriter::Npy(file))
            }
            Some("tif" | "tiff") => {
                let bytes: usize = shape.iter().product::<usize>() * element.size();
                let shared = SharedFile(std::rc::Rc::new(std::cell::RefCell::new(file)));
                // Classic TIFF addresses 4 GiB; above 3 GiB of samples, BigTIFF.
                if bytes > 3 << 30 {
                    Ok(MovieWriter::BigTiff(
                        Box::new(tiff::encoder::TiffEncoder::new_big(shared.clone())?),
                        shared,
                        frame,
                        element,
                    ))
                } else {
                    Ok(MovieWriter::Tiff(
                        Box::new(tiff::encoder::TiffEncoder::new(shared.clone())?),
                        shared,
                        frame,
                        element,
                    ))
                }
            }
            _ => bail!("{}: write .npy, .tif or .tiff", path.display()),
        }
    }

    /// Appends frames.
    pub(crate) fn write(&mut self, samples: &Samples) -> Result<()> {
        match self {
            MovieWriter::Npy(file) => Ok(file.write_all(&samples.to_le_bytes())?),
            MovieWriter::Tiff(encoder, _, frame, element) => {
                write_pages(encoder, *frame, *element, samples)
            }
            MovieWriter::BigTiff(encoder, _, frame, element) => {
                write_pages(encoder, *frame, *element, samples)
            }
        }
    }

    /// Completes the file and moves it into place.
    pub(crate) fn finish(self) -> Result<()> {
        // The encoder completes each page's directory as it writes it; once dropped, the
        // shared handle is the only one left.
        let shared = match self {
            MovieWriter::Npy(file) => return Ok(file.commit()?),
            MovieWriter::Tiff(encoder, shared, ..) => {
                drop(encoder);
                shared
            }
            MovieWriter::BigTiff(encoder, shared, ..) => {
                drop(encoder);
                shared
            }
        };
        let file = std::rc::Rc::try_unwrap(shared.0)
            .map_err(|_| anyhow::anyhow!("the TIFF encoder still holds the file"))?;
        Ok(file.into_inner().commit()?)
    }
}

fn write_pages<K: tiff::encoder::TiffKind>(
    encoder: &mut tiff::encoder::TiffEncoder<SharedFile, K>,
    [height, width]: [usize; 2],
    element: Element,
    samples: &Samples,
) -> Result<()> {
    use tiff::encoder::colortype;
    let frame = height * width;
    let (w, h) = (u32::try_from(width)?, u32::try_from(height)?);
    macro_rules! pages {
        ($v:expr, $colour:ty) => {
            for page in $v.chunks(frame.max(1)) {
                encoder.write_image::<$colour>(w, h, page)?;
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
        _ => bail!("{element} samples cannot be written to TIFF"),
    }
    Ok(())
}

/// Where frames go: a Zarr store (by the `.zarr` extension), or a TIFF or NPY file.
pub(crate) enum FramesOutput {
    Store(Box<StoreWriter>),
    Movie(MovieWriter),
}

impl FramesOutput {
    pub(crate) fn create(
        path: &Path,
        shape: [usize; 3],
        element: anscombe_io::Element,
        force: bool,
    ) -> Result<Self> {
        if path.extension().is_some_and(|e| e == "zarr") {
            let data_type = element.data_type().context("a storable type")?;
            let spec = StoreSpec {
                dimension_names: Some(vec!["t".into(), "y".into(), "x".into()]),
                ..StoreSpec::new(shape.iter().map(|&n| n as u64).collect(), data_type, None)
            };
            Ok(FramesOutput::Store(Box::new(StoreWriter::create(
                path, &spec, force,
            )?)))
        } else {
            Ok(FramesOutput::Movie(MovieWriter::create(
                path, &shape, element,
            )?))
        }
    }

    /// Frames per chunk row (write batches of whole chunk rows).
    pub(crate) fn frames_per_chunk(&self) -> usize {
        match self {
            FramesOutput::Store(store) => {
                store.chunk_shape().first().copied().unwrap_or(1).max(1) as usize
            }
            FramesOutput::Movie(_) => 1,
        }
    }

    pub(crate) fn write(&mut self, first: usize, samples: &Samples) -> Result<()> {
        match self {
            FramesOutput::Store(store) => Ok(store.write_frames(first as u64, samples)?),
            FramesOutput::Movie(movie) => movie.write(samples),
        }
    }

    /// Completes the output; returns the bytes it takes.
    pub(crate) fn finish(self, path: &Path) -> Result<u64> {
        match self {
            FramesOutput::Store(store) => {
                store.finish()?;
                Ok(stored_bytes(path))
            }
            FramesOutput::Movie(movie) => {
                movie.finish()?;
                Ok(std::fs::metadata(path).map_or(0, |m| m.len()))
            }
        }
    }
}
