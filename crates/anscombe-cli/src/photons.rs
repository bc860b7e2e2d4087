//! `anscombe photons`: a movie converted to photon counts, `(x - zero level) / gain`, per pixel.
#![allow(
    clippy::doc_markdown,
    reason = "the argument comments are --help texts, where backticks would print"
)]

use std::path::PathBuf;

use anscombe_calibrate::photons::PhotonScale;
use anscombe_calibrate::saved;
use anscombe_store::photons::{PhotonsError, write_photons};
use anyhow::{Result, bail};
use clap::Args;
use serde::Serialize;

use crate::Failure;
use crate::args::InputArgs;
use crate::calibrate_raster::saved_failure;
use crate::io::{advance, check_output, open_input, progress};

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
    let (frames, frame) = (source.frames(), source.frame_len());
    let bar = progress(frames as u64, "converting");
    let stored_bytes = write_photons(
        source.as_mut(),
        &scale,
        &args.output,
        args.force,
        &mut advance(&bar),
    )
    .map_err(|e| match e {
        // The store error itself, so an existing output gets its hint.
        PhotonsError::Store(e) => anyhow::Error::from(e),
        other => other.into(),
    })?;
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
    if let (Some(gain), Some(zero)) = (args.gain, args.zero_level) {
        return Ok(PhotonScale::uniform(gain, zero)?);
    }
    if let (Some(gain), Some(zero)) = (&args.gain_map, &args.zero_level_map) {
        return Ok(saved::scale_from_maps(gain, zero)?);
    }
    let Some(path) = &args.calibration else {
        bail!("give --calibration, --gain with --zero-level, or --gain-map with --zero-level-map");
    };
    saved::read_scale(path).map_err(saved_failure)
}
