//! `anscombe photons`: a movie converted to photon counts, `(x - zero level) / gain`, per pixel.
#![allow(
    clippy::doc_markdown,
    reason = "the argument comments are --help texts, where backticks would print"
)]

use std::path::{Path, PathBuf};

use anscombe_calibrate::photons::PhotonScale;
use anscombe_io::{Element, Samples, stream_frames};
use anscombe_store::{MovieOutput, batch_frames};
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use serde::Serialize;

use crate::Failure;
use crate::args::InputArgs;
use crate::calibrate_raster::{Saved, read_saved};
use crate::io::{check_output, open_input, progress};

/// `photons`: the movie in photons.
#[derive(Debug, Args)]
pub(crate) struct PhotonsArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// The photon counts (float32): a .npy or .tif/.tiff file, or a .zarr store.
    pub(crate) output: PathBuf,
    /// A calibration saved by `anscombe calibrate --output`; a raster calibration's per-pixel
    /// gain and zero-level maps are used (pixels it did not fit become NaN).
    #[arg(long, conflicts_with_all = ["gain", "gain_map"])]
    pub(crate) calibration: Option<PathBuf>,
    /// Conversion gain, levels per photon, for every pixel (with --zero-level).
    #[arg(
        long,
        requires = "zero_level",
        conflicts_with = "gain_map",
        allow_hyphen_values = true
    )]
    pub(crate) gain: Option<f64>,
    /// Zero level, the level at zero photons, for every pixel.
    #[arg(long, requires = "gain", allow_hyphen_values = true)]
    pub(crate) zero_level: Option<f64>,
    /// Each pixel's gain, an image (.npy or .tif) of the frame's shape (with --zero-level-map);
    /// pixels whose gain is NaN or not positive become NaN.
    #[arg(long, requires = "zero_level_map")]
    pub(crate) gain_map: Option<PathBuf>,
    /// Each pixel's zero level, an image of the frame's shape.
    #[arg(long, requires = "gain_map")]
    pub(crate) zero_level_map: Option<PathBuf>,
    /// Replace an existing output.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// What `photons` reports.
#[derive(Debug, Serialize)]
struct Report {
    frames: usize,
    pixels: usize,
    /// `uniform` (one gain and zero level) or `per-pixel` (maps).
    scale: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversion_gain: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zero_level: Option<f64>,
    /// Pixels without a usable gain and zero level: NaN in every frame.
    pixels_nan: usize,
    output: String,
    stored_bytes: u64,
}

/// Runs the command.
pub(crate) fn run(args: &PhotonsArgs) -> Result<(), Failure> {
    check_output(&args.output, args.force)?;
    let scale = scale(args)?;
    let mut source = open_input(&args.input)?;
    let shape = source.shape().to_vec();
    let frames = source.frames();
    let frame = source.frame_len();
    if let Some(pixels) = scale.pixels()
        && pixels != frame
    {
        return Err(anyhow!(
            "the maps have {pixels} pixels, the movie's frames {frame} (shape {shape:?})"
        )
        .into());
    }
    let [height, width] = [
        shape.iter().skip(1).rev().skip(1).product::<usize>(),
        shape.last().copied().unwrap_or(1),
    ];
    let mut output = MovieOutput::create(
        &args.output,
        &[frames, height, width],
        Element::F32,
        Some(vec!["t".into(), "y".into(), "x".into()]),
        args.force,
    )
    .map_err(anyhow::Error::from)?;
    let batch = batch_frames(frame.saturating_mul(8), output.frames_per_chunk());
    let bar = progress(frames as u64, "converting");
    stream_frames(source.as_mut(), batch, |first, samples| {
        let photons = scale.convert_samples(&samples, frame)?;
        let done = first + photons.len() / frame.max(1);
        output.write(first, &Samples::F32(photons))?;
        bar.set_position(done as u64);
        Ok::<(), anyhow::Error>(())
    })?;
    let (_, stored_bytes) = output.finish().map_err(anyhow::Error::from)?;
    bar.finish_and_clear();
    let (conversion_gain, zero_level) = match scale {
        PhotonScale::Uniform { gain, zero_level } => (Some(gain), Some(zero_level)),
        PhotonScale::PerPixel { .. } => (None, None),
    };
    let report = Report {
        frames,
        pixels: frame,
        scale: if conversion_gain.is_some() {
            "uniform"
        } else {
            "per-pixel"
        },
        conversion_gain,
        zero_level,
        pixels_nan: scale.pixels_without_scale(),
        output: args.output.display().to_string(),
        stored_bytes,
    };
    if args.json {
        crate::io::print_json(&report)?;
    } else {
        match (report.conversion_gain, report.zero_level) {
            (Some(gain), Some(zero)) => println!(
                "{} frames of {} pixels in photons: (x - {zero}) / {gain}",
                report.frames, report.pixels
            ),
            _ => println!(
                "{} frames of {} pixels in photons with per-pixel gains and zero levels; {} \
                 pixels have none (NaN in every frame)",
                report.frames, report.pixels, report.pixels_nan
            ),
        }
        println!(
            "written to {} ({} bytes)",
            report.output, report.stored_bytes
        );
    }
    Ok(())
}

/// The gain and zero level from the flags, the maps or the calibration file.
fn scale(args: &PhotonsArgs) -> Result<PhotonScale> {
    let uniform =
        |gain: f64, zero: f64| PhotonScale::uniform(gain, zero).map_err(anyhow::Error::from);
    if let (Some(gain), Some(zero)) = (args.gain, args.zero_level) {
        return uniform(gain, zero);
    }
    if let (Some(gain), Some(zero)) = (&args.gain_map, &args.zero_level_map) {
        return maps(gain, zero);
    }
    let Some(path) = &args.calibration else {
        bail!("give --calibration, --gain with --zero-level, or --gain-map with --zero-level-map");
    };
    match read_saved(path, true)? {
        Saved::Single { gain, zero_level } => {
            uniform(gain, zero_level).with_context(|| format!("{}", path.display()))
        }
        Saved::Maps { gain, zero_level } => maps(&gain, &zero_level),
    }
}

fn maps(gain: &Path, zero_level: &Path) -> Result<PhotonScale> {
    Ok(PhotonScale::per_pixel(
        read_map(gain)?,
        read_map(zero_level)?,
    )?)
}

/// A map: every sample of an image file, as float64.
fn read_map(path: &Path) -> Result<Vec<f64>> {
    let mut source = anscombe_io::open_movie(path)
        .with_context(|| format!("cannot read the map {}", path.display()))?;
    let samples = source
        .read_frames(0, source.frames())
        .with_context(|| format!("cannot read the map {}", path.display()))?;
    Ok(samples.to_f64())
}
