//! `anscombe calibrate --method raster`: a gain and zero level per group of pixels, with the
//! maps and the figure; and what the other commands need to know of such a calibration.
#![allow(
    clippy::doc_markdown,
    reason = "the argument comments are --help texts, where backticks would print"
)]

use std::path::{Path, PathBuf};

use anscombe_calibrate::raster::{
    MAX_GROUPS, RasterCalibration, RasterOptions, moments_of_source, raster_calibrate,
};
use anscombe_calibrate::{CalibrationError, SourceError};
use anscombe_io::{MovieWriter, Samples};
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;

use crate::Failure;
use crate::args::{CalibrateArgs, Method};
use crate::io::{check_output, open_input, progress, write_json};

/// The options of `--method raster`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Raster calibration (--method raster)")]
pub(crate) struct RasterArgs {
    /// Pixel groups (detectors, amplifier settings), each with its own gain and zero level: 1
    /// to 10 [default: 1].
    #[arg(long)]
    pub(crate) groups: Option<usize>,
    /// Pixels whose largest sample reaches this level are left out as saturated
    /// [default: 32768].
    #[arg(long)]
    pub(crate) max_pixel_range: Option<f64>,
    /// Pixels whose temporal variance or mean is at or below this percentile of all pixels'
    /// are left out [default: 3].
    #[arg(long)]
    pub(crate) perc_min: Option<f64>,
    /// Pixels whose temporal variance or mean is at or above this percentile are left out
    /// (signal that fluctuates, not shot noise) [default: 90].
    #[arg(long)]
    pub(crate) perc_max: Option<f64>,
    /// Write each pixel's conversion gain (float64, NaN where not fitted) to this .npy or .tif.
    #[arg(long)]
    pub(crate) gain_map: Option<PathBuf>,
    /// Write each pixel's zero level (float64, NaN where not fitted) to this .npy or .tif.
    #[arg(long)]
    pub(crate) zero_level_map: Option<PathBuf>,
    /// Write each pixel's group (int16, -1 where not fitted) to this .npy or .tif.
    #[arg(long)]
    pub(crate) group_map: Option<PathBuf>,
}

impl RasterArgs {
    /// The options, with the reference's defaults for those not given.
    fn options(&self) -> RasterOptions {
        let defaults = RasterOptions::default();
        RasterOptions {
            max_pixel_range: self.max_pixel_range.unwrap_or(defaults.max_pixel_range),
            groups: self.groups.unwrap_or(defaults.groups),
            perc_min: self.perc_min.unwrap_or(defaults.perc_min),
            perc_max: self.perc_max.unwrap_or(defaults.perc_max),
        }
    }

    /// The options given, by flag name.
    fn given(&self) -> Vec<&'static str> {
        [
            ("--groups", self.groups.is_some()),
            ("--max-pixel-range", self.max_pixel_range.is_some()),
            ("--perc-min", self.perc_min.is_some()),
            ("--perc-max", self.perc_max.is_some()),
            ("--gain-map", self.gain_map.is_some()),
            ("--zero-level-map", self.zero_level_map.is_some()),
            ("--group-map", self.group_map.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    /// The maps asked for: (JSON key, path).
    fn maps(&self) -> Vec<(&'static str, &PathBuf)> {
        [
            ("gain", &self.gain_map),
            ("zero_level", &self.zero_level_map),
            ("group", &self.group_map),
        ]
        .into_iter()
        .filter_map(|(key, path)| path.as_ref().map(|p| (key, p)))
        .collect()
    }
}

/// Refuses raster options with another method.
pub(crate) fn check_method(args: &CalibrateArgs) -> Result<()> {
    let given = args.raster.given();
    if args.method != Method::Raster && !given.is_empty() {
        bail!("{} apply to --method raster only", given.join(", "));
    }
    Ok(())
}

/// Runs `calibrate --method raster`.
pub(crate) fn run(args: &CalibrateArgs) -> Result<(), Failure> {
    let raster = &args.raster;
    let maps = raster.maps();
    for output in args
        .output
        .iter()
        .chain(&args.plot)
        .chain(maps.iter().map(|(_, p)| *p))
    {
        check_output(output, args.force)?;
    }
    let options = raster.options();
    if options.groups == 0 || options.groups > MAX_GROUPS {
        return Err(anyhow!("--groups {}: 1 to {MAX_GROUPS}", options.groups).into());
    }
    // clap refuses --darks with --method, and needs INPUT or --darks.
    let Some(input) = &args.input else {
        return Err(anyhow!("--method raster measures a movie: give INPUT").into());
    };
    let mut source = open_input(input)?;
    let shape = source.shape().to_vec();
    let frame_shape = shape.get(1..).unwrap_or_default().to_vec();
    let bar = progress(source.frames() as u64, "calibrating");
    let statistics = moments_of_source(source.as_mut(), &mut |done, _| {
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let refused = |e: CalibrationError| Failure::Check(format!("no calibration: {e}"));
    let statistics = statistics.map_err(|e| match e {
        SourceError::Calibration(e) => refused(e),
        other => Failure::Error(other.into()),
    })?;
    let calibration = raster_calibrate(&statistics, &options).map_err(|e| match e {
        e @ (CalibrationError::Groups(_) | CalibrationError::Percentiles { .. }) => {
            Failure::Error(anyhow!("--groups, --perc-min, --perc-max: {e}"))
        }
        e => refused(e),
    })?;
    for (key, path) in &maps {
        let samples = match *key {
            "gain" => Samples::F64(calibration.gain_map()),
            "zero_level" => Samples::F64(calibration.zero_level_map()),
            _ => Samples::I16(calibration.group_map()),
        };
        write_map(path, &frame_shape, &samples)?;
    }
    if let Some(plot) = &args.plot {
        let width = frame_shape.last().copied().unwrap_or(1);
        let height = frame_shape.iter().rev().skip(1).product::<usize>();
        anscombe_calibrate::raster_plot::plot_raster(&calibration, height, width, plot)
            .context("cannot draw the plot")?;
    }
    let mut json = serde_json::to_value(&calibration).context("calibration as JSON")?;
    if let Some(output) = &args.output {
        let mut saved = json.clone();
        saved["maps"] = maps_json(&maps, output.parent());
        write_json(output, &saved)?;
    }
    json["maps"] = maps_json(&maps, None);
    if args.json {
        crate::io::print_json(&json)?;
    } else {
        print!("{}", report(&calibration, &maps));
    }
    Ok(())
}

/// The human report: the calibration and where its maps went.
fn report(calibration: &RasterCalibration, maps: &[(&str, &PathBuf)]) -> String {
    let mut lines = vec![calibration.to_string()];
    for (key, path) in maps {
        let name = format!("{} map", key.replace('_', " "));
        lines.push(format!("{name:<17}{}\n", path.display()));
    }
    lines.concat()
}

/// The maps' paths as JSON; relative to `base` (the calibration file's folder) when they lie
/// inside it, so the file and its maps can move together.
fn maps_json(maps: &[(&str, &PathBuf)], base: Option<&Path>) -> serde_json::Value {
    let base = base
        .map(|b| {
            if b.as_os_str().is_empty() {
                Path::new(".")
            } else {
                b
            }
        })
        .and_then(|b| b.canonicalize().ok());
    let entries = maps.iter().map(|(key, path)| {
        let absolute = path.canonicalize().unwrap_or_else(|_| (*path).clone());
        let shown = base
            .as_ref()
            .and_then(|b| absolute.strip_prefix(b).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| {
                if base.is_some() {
                    absolute.clone()
                } else {
                    (*path).clone()
                }
            });
        (
            (*key).to_string(),
            serde_json::Value::String(shown.display().to_string()),
        )
    });
    serde_json::Value::Object(entries.collect())
}

/// Writes one map as a single image of the frame's shape: an NPY array of that shape, or one
/// TIFF page (the writer makes a page of a frame's last two axes, so a movie of one frame).
fn write_map(path: &Path, frame_shape: &[usize], samples: &Samples) -> Result<()> {
    let tiff = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"));
    let shape = if tiff {
        [&[1], frame_shape].concat()
    } else {
        frame_shape.to_vec()
    };
    let write = || {
        let mut writer = MovieWriter::create(path, &shape, samples.element())?;
        writer.write(samples)?;
        writer.finish()
    };
    write().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// What a saved calibration holds, for the commands that read one.
pub(crate) enum Saved {
    /// One gain and zero level.
    Single { gain: f64, zero_level: f64 },
    /// A raster calibration's per-pixel maps (paths resolved against the file's folder).
    Maps { gain: PathBuf, zero_level: PathBuf },
}

/// The largest calibration file read: a saved calibration is a few kilobytes (a raster
/// calibration's maps are separate files).
const CALIBRATION_LIMIT: u64 = 16 << 20;

/// Reads a calibration saved by `calibrate --output`. A raster calibration with several
/// groups yields its maps (`Saved::Maps`) when `maps` is true, and is refused otherwise, with
/// the reason: one codec configuration cannot hold per-pixel gains.
pub(crate) fn read_saved(path: &Path, maps: bool) -> Result<Saved> {
    let text = anscombe_io::read_small_text(path, CALIBRATION_LIMIT)
        .with_context(|| format!("cannot read the calibration {}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let raster = json["method"] == "raster";
    if raster && maps {
        let folder = path.parent().unwrap_or(Path::new(""));
        let map = |key: &str| json["maps"][key].as_str().map(|p| folder.join(p));
        if let (Some(gain), Some(zero_level)) = (map("gain"), map("zero_level")) {
            return Ok(Saved::Maps { gain, zero_level });
        }
    }
    let groups = json["groups"].as_array().map_or(0, Vec::len);
    if raster && groups != 1 {
        let gains: Vec<String> = json["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| format!("{:.4}", g["conversion_gain"].as_f64().unwrap_or(f64::NAN)))
            .collect();
        if maps {
            bail!(
                "{}: a raster calibration with {groups} pixel groups, saved without its gain and \
                 zero-level maps; calibrate again with --gain-map and --zero-level-map, or pass \
                 them with --gain-map and --zero-level-map",
                path.display()
            );
        }
        bail!(
            "{}: a raster calibration with {groups} pixel groups (gains {}): per-pixel gains \
             cannot be expressed by one codec configuration. Convert the movie to photons with \
             `anscombe photons` (then encode with --gain 1 --zero-level 0), or split the movie by \
             group (--group-map) and encode each part with its own calibration",
            path.display(),
            gains.join(", ")
        );
    }
    let number = |key: &str| {
        json[key].as_f64().ok_or_else(|| {
            anyhow!(
                "{}: no number {key} (a file from `anscombe calibrate --output`?)",
                path.display()
            )
        })
    };
    Ok(Saved::Single {
        gain: number("conversion_gain")?,
        zero_level: number("zero_level")?,
    })
}

/// The one gain and zero level of a saved calibration, for the codecs; refuses a raster
/// calibration with several groups, saying why.
pub(crate) fn read_single(path: &Path) -> Result<(f64, f64)> {
    match read_saved(path, false)? {
        Saved::Single { gain, zero_level } => Ok((gain, zero_level)),
        Saved::Maps { .. } => bail!("{}: per-pixel maps, not one calibration", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_paths_are_relative_to_the_calibration_folder_when_inside_it() {
        let dir = std::env::temp_dir().join(format!("anscombe-maps-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("maps")).expect("dir");
        let gain = dir.join("maps/gain.npy");
        std::fs::write(&gain, b"x").expect("file");
        let json = maps_json(&[("gain", &gain)], Some(&dir));
        assert_eq!(json["gain"], "maps/gain.npy");
        let elsewhere = maps_json(&[("gain", &gain)], Some(&dir.join("maps/..").join("maps")));
        assert_eq!(elsewhere["gain"], "gain.npy");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
