//! `anscombe calibrate`.

use anscombe_calibrate::dark_flat::{calibrate_darks_flats, dark_source, flat_source};
use anscombe_calibrate::{
    Calibration, PtcOptions, SourceError, calibrate_source, reference_source,
};
use anscombe_io::FrameSource;
use anyhow::{Context, Result};

use crate::Failure;
use crate::args::{CalibrateArgs, InputArgs, Method};
use crate::io::{advance, check_output, open_input, progress, write_json};

/// Runs the command; prints the result; `Failure::Check` when the data allow no calibration.
pub(crate) fn run(args: &CalibrateArgs) -> Result<(), Failure> {
    crate::calibrate_raster::check_method(args)?;
    if args.method == Method::Raster {
        return crate::calibrate_raster::run(args);
    }
    if args.method == Method::Reference {
        anscombe_calibrate::reference::validate_gamma(args.gamma).map_err(|e| {
            crate::validate::usage("--gamma", crate::validate::number(args.gamma), e)
        })?;
    }
    if let Some(level) = args.saturation.filter(|s| !s.is_finite()) {
        return Err(crate::validate::usage(
            "--saturation",
            crate::validate::number(level),
            "must be a finite level",
        ));
    }
    for output in args.output.iter().chain(&args.plot) {
        check_output(output, args.force)?;
    }
    let calibration = match (&args.darks, &args.input) {
        (Some(darks), _) => darks_and_flats(darks, &args.flats)?,
        (None, Some(input)) => {
            let mut source = open_input(input)?;
            measure(source.as_mut(), args.method, args.gamma, args.saturation)?
        }
        // The argument group requires one of them.
        (None, None) => {
            return Err(anyhow::anyhow!("give a movie, or --darks and --flats").into());
        }
    };
    if let Some(plot) = &args.plot {
        anscombe_calibrate::plot::plot_photon_transfer(&calibration, plot)
            .context("cannot draw the plot")?;
    }
    let json = serde_json::to_value(&calibration).context("calibration as JSON")?;
    if let Some(output) = &args.output {
        write_json(output, &json)?;
    }
    if args.json {
        crate::io::print_json(&json)?;
    } else {
        print!("{}", show(&calibration));
    }
    Ok(())
}

/// The calibration as text, with the flags that answer its warnings.
pub(crate) fn show(calibration: &Calibration) -> String {
    let extrapolated = calibration
        .warnings
        .iter()
        .any(|w| matches!(w, anscombe_calibrate::Warning::ZeroExtrapolated { .. }));
    if extrapolated {
        format!("{calibration}hint             measure the zero level with --darks and --flats\n")
    } else {
        calibration.to_string()
    }
}

/// Calibrates a movie with the chosen estimator, with a progress bar.
pub(crate) fn measure(
    source: &mut dyn FrameSource,
    method: Method,
    gamma: f64,
    saturation: Option<f64>,
) -> Result<Calibration, Failure> {
    let frames = source.frames() as u64;
    // Data that allow no calibration fail the check (exit 3); unreadable input is an error.
    let refused = |e: SourceError| match e {
        SourceError::Calibration(refusal) => Failure::Check(format!("no calibration: {refusal}")),
        other => Failure::Error(other.into()),
    };
    match method {
        Method::PhotonTransfer => {
            let bar = progress(2 * frames, "calibrating");
            let options = PtcOptions {
                saturation,
                ..PtcOptions::default()
            };
            let result = calibrate_source(source, &options, &mut |done, _| {
                bar.set_position(done as u64);
            });
            bar.finish_and_clear();
            result.map_err(refused)
        }
        Method::Reference => {
            let bar = progress(frames, "calibrating");
            let result = reference_source(source, gamma, &mut advance(&bar));
            bar.finish_and_clear();
            Ok(result.map_err(refused)?.to_calibration())
        }
        Method::Raster => Err(Failure::Error(anyhow::anyhow!(
            "the raster calibration gives a gain per pixel group, not one calibration"
        ))),
    }
}

/// Gain and zero level from dark frames and flat stacks, each read in its own sample type.
fn darks_and_flats(
    darks: &std::path::Path,
    flats: &[std::path::PathBuf],
) -> Result<Calibration, Failure> {
    let open = |path: &std::path::Path| {
        open_input(&InputArgs {
            input: path.to_path_buf(),
            shape: None,
            dtype: None,
            offset: 0,
            big_endian: false,
        })
    };
    let refused = |path: &std::path::Path, e: SourceError| match e {
        SourceError::Calibration(refusal) => {
            Failure::Check(format!("{}: {refusal}", path.display()))
        }
        other => Failure::Error(anyhow::Error::from(other).context(path.display().to_string())),
    };
    let dark = dark_source(open(darks)?.as_mut()).map_err(|e| refused(darks, e))?;
    let flats = flats
        .iter()
        .map(|f| flat_source(open(f)?.as_mut(), &dark).map_err(|e| refused(f, e)))
        .collect::<Result<Vec<_>, _>>()?;
    calibrate_darks_flats(&dark.statistics, &flats)
        .map_err(|e| Failure::Check(format!("no calibration: {e}")))
}
