//! `anscombe calibrate`.

use anscombe_calibrate::dark_flat::{calibrate_darks_flats, stack_statistics};
use anscombe_calibrate::{
    Calibration, PtcOptions, ReferenceEstimator, SourceError, calibrate_source,
};
use anscombe_io::{FrameSource, MovieError, stream_frames};
use anyhow::{Context, Result};

use crate::Failure;
use crate::args::{CalibrateArgs, InputArgs, Method};
use crate::io::{check_output, open_input, progress, write_json};

/// Runs the command; prints the result; `Failure::Check` when the data allow no calibration.
pub(crate) fn run(args: &CalibrateArgs) -> Result<(), Failure> {
    for output in args.output.iter().chain(&args.plot) {
        check_output(output, args.force)?;
    }
    let calibration = if let Some(darks) = &args.darks {
        darks_and_flats(darks, &args.flats)?
    } else {
        let mut source = open_input(&args.input)?;
        measure(source.as_mut(), args.method, args.gamma, args.saturation)?
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
            result.map_err(|e| match e {
                SourceError::Calibration(refusal) => {
                    Failure::Check(format!("no calibration: {refusal}"))
                }
                SourceError::Movie(e) => Failure::Error(e.into()),
                other => Failure::Error(other.into()),
            })
        }
        Method::Reference => {
            let bar = progress(frames, "calibrating");
            let frame = source.frame_len();
            let mut estimator = ReferenceEstimator::new();
            stream_frames(source, 16, |first, samples| {
                for values in samples.to_f64().chunks(frame) {
                    estimator
                        .push_frame(values)
                        .map_err(|e| MovieError::Unsupported {
                            path: "movie".into(),
                            message: e.to_string(),
                        })?;
                }
                bar.set_position((first + samples.len() / frame.max(1)) as u64);
                Ok::<(), MovieError>(())
            })?;
            bar.finish_and_clear();
            let result = estimator
                .finish(gamma)
                .map_err(|e| Failure::Check(format!("no calibration: {e}")))?;
            Ok(result.to_calibration())
        }
    }
}

/// Gain and zero level from dark frames and flat stacks.
fn darks_and_flats(
    darks: &std::path::Path,
    flats: &[std::path::PathBuf],
) -> Result<Calibration, Failure> {
    let statistics = |path: &std::path::Path| -> Result<_, Failure> {
        let input = InputArgs {
            input: path.to_path_buf(),
            shape: None,
            dtype: None,
            offset: 0,
            big_endian: false,
        };
        let mut source = open_input(&input)?;
        let samples = source.read_frames(0, source.frames())?;
        let frame = source.frame_len();
        stack_statistics(&samples.to_f64(), frame)
            .map_err(|e| Failure::Check(format!("{}: {e}", path.display())))
    };
    let dark = statistics(darks)?;
    let flats = flats
        .iter()
        .map(|f| statistics(f))
        .collect::<Result<Vec<_>, _>>()?;
    calibrate_darks_flats(&dark, &flats).map_err(|e| Failure::Check(format!("no calibration: {e}")))
}
