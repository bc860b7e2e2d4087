//! Inputs, outputs and progress shared by the commands.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anscombe_io::{Element, FrameSource, MovieError};
use anyhow::{Context, Result, anyhow, bail};
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
        let movie = anscombe_store::ZarrMovie::open(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(Box::new(movie));
    }
    anscombe_io::open_movie(path).map_err(|e| match e {
        MovieError::Unsupported { .. } if path.extension().is_none_or(|e| e == "raw") => {
            anyhow!("{e}; for a raw file, pass --shape and --dtype")
        }
        other => other.into(),
    })
}

/// Prints a report as pretty JSON on stdout: the `--json` output of every command.
pub(crate) fn print_json(report: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(report).context("JSON")?);
    Ok(())
}

/// The hint `--force` gives an output that already exists.
pub(crate) const FORCE_HINT: &str = "pass --force to replace it";

/// Refuses to replace an existing output unless `--force` was given.
pub(crate) fn check_output(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        bail!("{} already exists ({FORCE_HINT})", path.display());
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

/// The `(done, total)` callback the libraries report progress through, drawn on `bar`.
pub(crate) fn advance(bar: &ProgressBar) -> impl FnMut(usize, usize) + '_ {
    |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    }
}

/// Writes a JSON value to a file atomically.
pub(crate) fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    anscombe_io::write_atomically(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        w.write_all(b"\n")
    })
    .with_context(|| format!("cannot write {}", path.display()))
}
