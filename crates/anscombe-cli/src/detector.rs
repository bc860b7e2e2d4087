//! `anscombe detector fit` and `anscombe detector correct`.

use std::path::Path;
use std::time::Instant;

use anscombe_calibrate::detector::{Correction, DetectorCalibration, Gaussian, ResponseFit};
use anscombe_io::Element;
use anscombe_store::detector::{correct_stack, read_coefficients, read_image, write_calibration};
use anyhow::anyhow;
use serde::Serialize;

use crate::Failure;
use crate::args::{DetectorCommand, DetectorCorrectArgs, DetectorFitArgs, FloatName};
use crate::io::{advance, check_output, open_input, progress};

/// What `detector fit` reports.
#[derive(Debug, Serialize)]
pub(crate) struct FitReport {
    pub(crate) frames: usize,
    pub(crate) height: usize,
    pub(crate) width: usize,
    pub(crate) sigma: f64,
    pub(crate) cutoff: f64,
    pub(crate) median_coefficient: f64,
    /// Coefficient spread: half the 2.5-97.5 % range, relative to the median.
    pub(crate) relative_spread: f64,
    pub(crate) median_r_squared: f64,
    pub(crate) bad_pixels: usize,
    pub(crate) unfitted_pixels: usize,
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
    let report = fit_report(&calibration, &args.output);
    if args.json {
        crate::io::print_json(&report)?;
    } else {
        println!(
            "fitted {} x {} pixels on {} frames in {:.1} s: median coefficient {:.5}, spread ±{:.2} %, \
             median R² {:.5}; {} bad pixels ({} without usable samples)\nwrote {}",
            report.height,
            report.width,
            report.frames,
            started.elapsed().as_secs_f64(),
            report.median_coefficient,
            report.relative_spread * 100.0,
            report.median_r_squared,
            report.bad_pixels,
            report.unfitted_pixels,
            report.output
        );
    }
    Ok(())
}

fn fit_report(c: &DetectorCalibration, output: &Path) -> FitReport {
    let mut good: Vec<f64> = c
        .coefficients
        .iter()
        .zip(&c.bad)
        .filter(|(_, b)| !**b)
        .map(|(&v, _)| v)
        .collect();
    good.sort_by(f64::total_cmp);
    let at = |q: f64| {
        good.get(((good.len().saturating_sub(1)) as f64 * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let median = at(0.5);
    let mut r2 = c.r_squared.clone();
    r2.sort_by(f64::total_cmp);
    FitReport {
        frames: c.frames,
        height: c.height,
        width: c.width,
        sigma: c.fit.sigma,
        cutoff: c.fit.cutoff,
        median_coefficient: median,
        relative_spread: if median == 0.0 {
            0.0
        } else {
            (at(0.975) - at(0.025)) / 2.0 / median
        },
        median_r_squared: r2.get(r2.len() / 2).copied().unwrap_or(0.0),
        bad_pixels: c.bad_pixels(),
        unfitted_pixels: c.points.iter().filter(|&&n| n < 2).count(),
        output: output.display().to_string(),
    }
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
    let [frames, height, width] = *source.shape() else {
        return Err(anyhow!(
            "a stack to correct is (frames, height, width), got shape {:?}",
            source.shape()
        )
        .into());
    };
    let coefficients = read_coefficients(&args.calibration)?;
    if coefficients.len() != height * width {
        return Err(anyhow!(
            "the calibration has {} pixels, the images {height} x {width}",
            coefficients.len()
        )
        .into());
    }
    let dark = args.dark.as_deref().map(read_image).transpose()?;
    let flat = args.flat.as_deref().map(read_image).transpose()?;
    let correction = Correction::new(
        height,
        width,
        coefficients,
        dark,
        flat.as_ref(),
        &smoothing,
        args.residual_sigma,
    )
    .map_err(anyhow::Error::from)?;
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
