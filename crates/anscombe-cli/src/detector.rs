//! `anscombe detector fit` and `anscombe detector correct`.

use std::path::Path;
use std::time::Instant;

use anscombe_calibrate::detector::{Correction, DetectorCalibration, Gaussian, Plane, ResponseFit};
use anscombe_core::DataType;
use anscombe_io::{Samples, stream_frames};
use anscombe_zarr::store::{GroupWriter, StoreSpec, open_array, read_frames};
use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use serde_json::json;

use crate::Failure;
use crate::args::{DetectorCommand, DetectorCorrectArgs, DetectorFitArgs, FloatName, InputArgs};
use crate::io::{FramesOutput, check_output, open_input, progress};

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

/// Runs a `detector` subcommand.
pub(crate) fn run(command: &DetectorCommand) -> Result<(), Failure> {
    match command {
        DetectorCommand::Fit(args) => fit(args),
        DetectorCommand::Correct(args) => correct(args),
    }
}

fn fit(args: &DetectorFitArgs) -> Result<(), Failure> {
    let started = Instant::now();
    check_output(&args.output, args.force)?;
    if let Some(plot) = &args.plot {
        check_output(plot, args.force)?;
    }
    let mut sweep = open_input(&args.input)?;
    let dark = args.dark.as_deref().map(read_image).transpose()?;
    let params = ResponseFit {
        sigma: args.sigma,
        truncate: args.truncate,
        cutoff: args.cutoff,
        min_r_squared: args.min_r_squared,
        ..ResponseFit::default()
    };
    let bar = progress(sweep.frames() as u64, "fitting");
    let calibration = params
        .fit(sweep.as_mut(), dark.as_ref(), &mut |done, _| {
            bar.set_position(done as u64);
        })
        .map_err(anyhow::Error::from)?;
    bar.finish_and_clear();
    write_calibration(&calibration, &args.output, &args.input)?;
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

/// The calibration as a Zarr group: `coefficients`, `r_squared`, `points`, `bad`.
fn write_calibration(c: &DetectorCalibration, output: &Path, input: &InputArgs) -> Result<()> {
    let shape = vec![c.height as u64, c.width as u64];
    let spec = |data_type| StoreSpec {
        dimension_names: Some(vec!["y".into(), "x".into()]),
        ..StoreSpec::new(shape.clone(), data_type, None)
    };
    let mut group = GroupWriter::create(output, true)?;
    let arrays: [(&str, DataType, Samples); 4] = [
        (
            "coefficients",
            DataType::F64,
            Samples::F64(c.coefficients.clone()),
        ),
        (
            "r_squared",
            DataType::F64,
            Samples::F64(c.r_squared.clone()),
        ),
        ("points", DataType::U32, Samples::U32(c.points.clone())),
        (
            "bad",
            DataType::U8,
            Samples::U8(c.bad.iter().map(|&b| u8::from(b)).collect()),
        ),
    ];
    for (name, data_type, samples) in arrays {
        let index = group.add_array(name, &spec(data_type))?;
        group.push_frames(index, &samples)?;
    }
    let attributes = json!({"anscombe": {"detector": {
        "method": "pixel-wise linear response (detectorcal fit_response)",
        "sigma": c.fit.sigma, "truncate": c.fit.truncate, "cutoff": c.fit.cutoff,
        "min_r_squared": c.fit.min_r_squared, "frames": c.frames,
        "source": input.input.file_name().map(|n| n.to_string_lossy().into_owned()),
        "note": "corrected = (image - dark) * coefficients [/ smoothed flat]",
    }}});
    group.finish(attributes.as_object().unwrap_or(&serde_json::Map::new()))?;
    Ok(())
}

fn correct(args: &DetectorCorrectArgs) -> Result<(), Failure> {
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
    let smoothing = Gaussian::new(args.smooth_radius, 4.0).map_err(anyhow::Error::from)?;
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
        FloatName::Float32 => anscombe_io::Element::F32,
        FloatName::Float64 => anscombe_io::Element::F64,
    };
    let mut output =
        FramesOutput::create(&args.output, [frames, height, width], element, args.force)?;
    let per_chunk = output.frames_per_chunk();
    let batch = (((64 << 20) / (height * width * 8).max(1)) / per_chunk).max(1) * per_chunk;
    let bar = progress(frames as u64, "correcting");
    let mut profiles: Option<(Vec<f64>, Vec<f64>)> = None;
    stream_frames(source.as_mut(), batch, |first, samples| {
        let plane = Plane::from_samples(samples)?;
        let mut out = vec![0.0; plane.len()];
        correction.apply(&plane, &mut out)?;
        if profiles.is_none() {
            let raw = plane.to_f64();
            profiles = Some((
                row_means(&raw[..height * width], width),
                row_means(&out[..height * width], width),
            ));
        }
        let samples = match element {
            anscombe_io::Element::F32 => Samples::F32(out.iter().map(|&v| v as f32).collect()),
            _ => Samples::F64(out),
        };
        output.write(first, &samples)?;
        bar.set_position((first + samples.len() / (height * width).max(1)) as u64);
        Ok::<(), anyhow::Error>(())
    })?;
    let bytes = output.finish(&args.output)?;
    bar.finish_and_clear();
    let (before, after) = profiles.unwrap_or_default();
    if let Some(plot) = &args.plot {
        anscombe_calibrate::detector_plot::plot_ring_profile(&before, &after, plot)
            .map_err(anyhow::Error::from)?;
    }
    let report = CorrectReport {
        frames,
        flat: args.flat.is_some(),
        residual_sigma: args.residual_sigma,
        ring_index_before: ring_index(&before),
        ring_index_after: ring_index(&after),
        output: args.output.display().to_string(),
        stored_bytes: bytes,
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

/// Mean over rows of each column.
fn row_means(frame: &[f64], width: usize) -> Vec<f64> {
    let rows = frame.len() / width.max(1);
    (0..width)
        .map(|x| (0..rows).map(|y| frame[y * width + x]).sum::<f64>() / rows.max(1) as f64)
        .collect()
}

/// Relative root-mean-square difference of neighbouring columns: what rings are made of.
fn ring_index(profile: &[f64]) -> f64 {
    let mean = profile.iter().sum::<f64>() / profile.len().max(1) as f64;
    if profile.len() < 2 || mean == 0.0 {
        return 0.0;
    }
    let squares: f64 = profile.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    (squares / (profile.len() - 1) as f64).sqrt() / mean.abs()
}

/// A dark or flat image: a single image as it is, or the mean of a stack.
fn read_image(path: &Path) -> Result<Plane> {
    let mut source =
        anscombe_io::open_movie(path).with_context(|| format!("reading {}", path.display()))?;
    let shape = source.shape().to_vec();
    let samples = source.read_frames(0, source.frames())?;
    match shape.len() {
        2 => Ok(Plane::from_samples(samples)?),
        3 if shape[0] == 1 => Ok(Plane::from_samples(samples)?),
        3 => {
            let pixels = shape[1] * shape[2];
            let values = samples.to_f64();
            let mut mean = vec![0.0; pixels];
            for frame in values.chunks_exact(pixels.max(1)) {
                for (m, &v) in mean.iter_mut().zip(frame) {
                    *m += v;
                }
            }
            Ok(Plane::F64(
                mean.iter().map(|m| m / shape[0] as f64).collect(),
            ))
        }
        _ => bail!(
            "{}: an image is 2-D (or a stack of them), got shape {shape:?}",
            path.display()
        ),
    }
}

/// Coefficients from a calibration group or an image file.
fn read_coefficients(path: &Path) -> Result<Vec<f64>> {
    if path.is_dir() {
        let array = open_array(path.join("coefficients")).with_context(|| {
            format!("{}: not a calibration from `detector fit`", path.display())
        })?;
        let rows = array.shape()[0];
        return Ok(read_frames(&array, 0..rows)?.1.to_f64());
    }
    Ok(read_image(path)?.to_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_show_in_the_index() {
        assert_eq!(ring_index(&[5.0, 5.0, 5.0]), 0.0);
        assert!(ring_index(&[5.0, 6.0, 5.0, 6.0]) > 0.1);
        assert_eq!(row_means(&[1.0, 2.0, 3.0, 4.0], 2), [2.0, 3.0]);
    }
}
