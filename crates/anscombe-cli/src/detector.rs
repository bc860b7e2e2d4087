//! `anscombe detector fit` and `anscombe detector correct`.

use std::time::Instant;

use anscombe_calibrate::detector::{FitSummary, Gaussian, ResponseFit};
use anscombe_io::Element;
use anscombe_store::detector::{
    CorrectionFiles, correct_stack, read_correction, read_image, write_calibration,
};
use serde::Serialize;

use crate::Failure;
use crate::args::{DetectorCommand, DetectorCorrectArgs, DetectorFitArgs, FloatName};
use crate::io::{advance, check_output, open_input, progress};

/// What `detector fit` reports.
#[derive(Debug, Serialize)]
pub(crate) struct FitReport {
    #[serde(flatten)]
    pub(crate) summary: FitSummary,
    pub(crate) output: String,
}

/// What `detector correct` reports.
#[derive(Debug, Serialize)]
pub(crate) struct CorrectReport {
    pub(crate) frames: usize,
    pub(crate) flat: bool,
    pub(crate) residual_sigma: Option<f64>,
    /// Column-to-column variation of the first frame's row means, before and after.
    pub(crate) ring_index_before: f64,
    pub(crate) ring_index_after: f64,
    pub(crate) output: String,
    pub(crate) stored_bytes: u64,
}

/// detectorcal cuts the flat's smoothing Gaussian at 4 standard deviations (SciPy's default).
const SMOOTHING_TRUNCATE: f64 = 4.0;

/// Runs a `detector` subcommand.
pub(crate) fn run(command: &DetectorCommand) -> Result<(), Failure> {
    match command {
        DetectorCommand::Fit(args) => fit(args),
        DetectorCommand::Correct(args) => correct(args),
    }
}

fn fit(args: &DetectorFitArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let params = ResponseFit {
        sigma: args.sigma,
        truncate: args.truncate,
        cutoff: args.cutoff,
        min_r_squared: args.min_r_squared,
        ..ResponseFit::default()
    };
    // The library's message names sigma, truncate or the cutoff with their values.
    params
        .validate()
        .map_err(|e| Failure::Usage(anyhow::Error::from(e)))?;
    check_output(&args.output, args.force)?;
    if let Some(plot) = &args.plot {
        check_output(plot, args.force)?;
    }
    let mut sweep = open_input(&args.input)?;
    let dark = args.dark.as_deref().map(read_image).transpose()?;
    let bar = progress(sweep.frames() as u64, "fitting");
    let calibration = params
        .fit(sweep.as_mut(), dark.as_ref(), &mut |done, _| {
            bar.set_position(done as u64);
        })
        .map_err(anyhow::Error::from)?;
    bar.finish_and_clear();
    let name = args.input.input.file_name().map(|n| n.to_string_lossy());
    write_calibration(&calibration, &args.output, name.as_deref(), args.force)?;
    if let Some(plot) = &args.plot {
        anscombe_calibrate::detector_plot::plot_coefficient_map(&calibration, plot)
            .map_err(anyhow::Error::from)?;
    }
    let report = FitReport {
        summary: calibration.summary(),
        output: args.output.display().to_string(),
    };
    if args.json {
        crate::io::print_json(&report)?;
    } else {
        let summary = &report.summary;
        println!(
            "fitted {} x {} pixels on {} frames in {:.1} s: median coefficient {:.5}, spread ±{:.2} %, \
             median R² {:.5}; {} bad pixels ({} without usable samples)\nwrote {}",
            summary.height,
            summary.width,
            summary.frames,
            started.elapsed().as_secs_f64(),
            summary.median_coefficient,
            summary.relative_spread * 100.0,
            summary.median_r_squared,
            summary.bad_pixels,
            summary.unfitted_pixels,
            report.output
        );
    }
    Ok(())
}

fn correct(args: &DetectorCorrectArgs) -> Result<(), Failure> {
    let smoothing = Gaussian::new(args.smooth_radius, SMOOTHING_TRUNCATE).map_err(|e| {
        let radius = crate::validate::number(args.smooth_radius);
        crate::validate::usage("--smooth-radius", radius, e)
    })?;
    check_output(&args.output, args.force)?;
    if let Some(plot) = &args.plot {
        check_output(plot, args.force)?;
    }
    let mut source = open_input(&args.input)?;
    let files = CorrectionFiles {
        calibration: &args.calibration,
        dark: args.dark.as_deref(),
        flat: args.flat.as_deref(),
    };
    let correction = read_correction(source.shape(), &files, &smoothing, args.residual_sigma)?;
    let frames = source.frames();
    let element = match args.output_type {
        FloatName::Float32 => Element::F32,
        FloatName::Float64 => Element::F64,
    };
    let bar = progress(frames as u64, "correcting");
    let outcome = correct_stack(
        source.as_mut(),
        &correction,
        &args.output,
        element,
        args.force,
        &mut advance(&bar),
    )?;
    bar.finish_and_clear();
    if let Some(plot) = &args.plot {
        anscombe_calibrate::detector_plot::plot_ring_profile(
            &outcome.profile_before,
            &outcome.profile_after,
            plot,
        )
        .map_err(anyhow::Error::from)?;
    }
    let report = CorrectReport {
        frames,
        flat: args.flat.is_some(),
        residual_sigma: args.residual_sigma,
        ring_index_before: outcome.ring_index_before(),
        ring_index_after: outcome.ring_index_after(),
        output: args.output.display().to_string(),
        stored_bytes: outcome.stored_bytes,
    };
    if args.json {
        crate::io::print_json(&report)?;
    } else {
        println!(
            "corrected {} frames into {}: ring index (column-to-column variation of the row means) {:.3e} before, {:.3e} after",
            report.frames, report.output, report.ring_index_before, report.ring_index_after
        );
    }
    Ok(())
}
