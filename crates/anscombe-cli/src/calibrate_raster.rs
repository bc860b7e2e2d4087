//! `anscombe calibrate --method raster`: a gain and zero level per group of pixels, with the
//! maps and the figure; and the advice for a saved calibration the other commands cannot use.
#![allow(
    clippy::doc_markdown,
    reason = "the argument comments are --help texts, where backticks would print"
)]

use std::path::{Path, PathBuf};

use anscombe_calibrate::raster::{
    MAX_GROUPS, RasterCalibration, RasterOptions, moments_of_source, raster_calibrate,
};
use anscombe_calibrate::saved::{self, MapKind, SavedError};
use anscombe_calibrate::{CalibrationError, SourceError};
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

    /// The maps asked for.
    fn maps(&self) -> Vec<(MapKind, &Path)> {
        [
            (MapKind::Gain, &self.gain_map),
            (MapKind::ZeroLevel, &self.zero_level_map),
            (MapKind::Group, &self.group_map),
        ]
        .into_iter()
        .filter_map(|(kind, path)| path.as_deref().map(|p| (kind, p)))
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
        .map(PathBuf::as_path)
        .chain(maps.iter().map(|&(_, p)| p))
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
    for &(kind, path) in &maps {
        saved::write_map(&calibration, kind, &frame_shape, path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(plot) = &args.plot {
        let width = frame_shape.last().copied().unwrap_or(1);
        let height = frame_shape.iter().rev().skip(1).product::<usize>();
        anscombe_calibrate::raster_plot::plot_raster(&calibration, height, width, plot)
            .context("cannot draw the plot")?;
    }
    let mut json = serde_json::to_value(&calibration).context("calibration as JSON")?;
    if let Some(output) = &args.output {
        let mut record = json.clone();
        record["maps"] = saved::map_paths(&maps, output.parent()).into();
        write_json(output, &record)?;
    }
    json["maps"] = saved::map_paths(&maps, None).into();
    if args.json {
        crate::io::print_json(&json)?;
    } else {
        print!("{}", report(&calibration, &maps));
    }
    Ok(())
}

/// The human report: the calibration and where its maps went.
fn report(calibration: &RasterCalibration, maps: &[(MapKind, &Path)]) -> String {
    let mut lines = vec![calibration.to_string()];
    for (kind, path) in maps {
        let name = format!("{} map", kind.key().replace('_', " "));
        lines.push(format!("{name:<17}{}\n", path.display()));
    }
    lines.concat()
}

/// A saved calibration's error, with the advice the library leaves to the program: the
/// commands and flags that answer it.
pub(crate) fn saved_failure(error: SavedError) -> anyhow::Error {
    match &error {
        SavedError::SeveralGroups { .. } => anyhow!(
            "{error}. Convert the movie to photons with `anscombe photons` (then encode with \
             --gain 1 --zero-level 0), or split the movie by group (--group-map) and encode each \
             part with its own calibration"
        ),
        SavedError::MapsMissing { .. } => anyhow!(
            "{error}; calibrate again with --gain-map and --zero-level-map, or pass them with \
             --gain-map and --zero-level-map"
        ),
        SavedError::MissingNumber { .. } => {
            anyhow!("{error} (a file from `anscombe calibrate --output`?)")
        }
        _ => error.into(),
    }
}

/// The one gain and zero level of a saved calibration, for the codecs; refuses a raster
/// calibration with several groups, saying why.
pub(crate) fn read_single(path: &Path) -> Result<(f64, f64)> {
    saved::read_single(path).map_err(saved_failure)
}
