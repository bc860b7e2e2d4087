//! `anscombe pyramid`: an OME-Zarr multiscale image of a movie or volume.

use std::path::Path;
use std::time::Instant;

use anscombe_pyramid::{Method, Pyramid};
use anscombe_store::ome::{
    AxisKind, OmeAxis, OmeSpec, OmeWriter, default_axis_names, levels_to_fit,
};
use anscombe_store::{StoreError, stored_bytes};
use anyhow::{Context, Result, anyhow};
use serde::Serialize;

use crate::Failure;
use crate::args::{PoolingName, PyramidArgs};
use crate::encode::{codec_params, compressor, gain_and_zero};
use crate::io::{advance, check_output, open_input, progress};

/// Space axes at most this long at the top level, when the number of levels is not given.
const TOP_LEVEL_SIZE: usize = 256;

/// What `pyramid` reports.
#[derive(Debug, Serialize)]
pub(crate) struct PyramidReport {
    pub(crate) method: &'static str,
    pub(crate) axes: Vec<String>,
    pub(crate) factors: Vec<usize>,
    pub(crate) sparse: bool,
    /// Level 0 codec, if any.
    pub(crate) codec: Option<String>,
    /// The gain and zero level of level 0's codec, and where they came from.
    pub(crate) calibration: Option<CalibrationUsed>,
    pub(crate) levels: Vec<LevelReport>,
}

/// The calibration level 0's codec was made with.
#[derive(Debug, Serialize)]
pub(crate) struct CalibrationUsed {
    pub(crate) conversion_gain: f64,
    pub(crate) zero_level: f64,
    /// `given`, `from <file>` or `calibrated from the input`.
    pub(crate) source: String,
}

/// One array of the image.
#[derive(Debug, Serialize)]
pub(crate) struct LevelReport {
    pub(crate) path: String,
    pub(crate) shape: Vec<u64>,
    pub(crate) scale: Vec<f64>,
    pub(crate) stored_bytes: u64,
}

/// Runs the command.
pub(crate) fn run(args: &PyramidArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let report = build(args)?;
    if args.json {
        crate::io::print_json(&report)?;
    } else {
        print_report(&report, &args.output, started.elapsed().as_secs_f64());
    }
    Ok(())
}

fn print_report(report: &PyramidReport, output: &Path, seconds: f64) {
    println!(
        "wrote {} ({} pooling by {:?} over axes {}{}, {} downsampled level{}) in {seconds:.1} s",
        output.display(),
        report.method,
        report.factors,
        report.axes.join(","),
        if report.sparse { ", sparse" } else { "" },
        report.levels.len().saturating_sub(1),
        if report.levels.len() == 2 { "" } else { "s" },
    );
    for level in &report.levels {
        println!(
            "  {:>2}: shape {:<20} scale {:<24} {:>10} bytes stored",
            level.path,
            format!("{:?}", level.shape),
            format!("{:?}", level.scale),
            level.stored_bytes
        );
    }
    if let Some(codec) = &report.codec {
        let calibration = report.calibration.as_ref().map_or_else(String::new, |c| {
            format!(
                " (gain {:.4} levels/photon, zero level {:.2}: {})",
                c.conversion_gain, c.zero_level, c.source
            )
        });
        println!("  level 0 uses {codec}{calibration}; the other levels use standard codecs only");
    }
}

/// Builds the image; returns the report. Every argument is checked before the calibration
/// and the pooling read the movie.
fn build(args: &PyramidArgs) -> Result<PyramidReport, Failure> {
    crate::validate::compression(&args.compression)?;
    if args.anscombe {
        crate::validate::codec(&args.codec)?;
    }
    check_output(&args.output, args.force)?;
    let mut source = open_input(&args.input)?;
    let data_type = source.element().data_type().ok_or_else(|| {
        anyhow!(
            "{} samples cannot be stored (supported: uint8 to int32, float32, float64)",
            source.element()
        )
    })?;
    let shape: Vec<usize> = source.shape().to_vec();
    let axes = axes(args, shape.len())?;
    let factors = match &args.factors {
        Some(factors) => factors.clone(),
        None => axes
            .iter()
            .map(|a| if a.kind == AxisKind::Space { 2 } else { 1 })
            .collect(),
    };
    let method = method(args.method);
    let given_factors = |e: anscombe_pyramid::PyramidError| {
        let shown = factors.iter().map(usize::to_string).collect::<Vec<_>>();
        if args.factors.is_some() {
            crate::validate::usage("--factors", shown.join(","), e)
        } else {
            Failure::Error(e.into())
        }
    };
    let probe = Pyramid::new(method, &factors, 0).map_err(given_factors)?;
    let possible = probe.possible_levels(&shape).map_err(given_factors)?;
    let levels = match args.levels {
        Some(levels) if levels > possible => {
            return Err(crate::validate::usage(
                "--levels",
                levels,
                format!("this input allows 0 to {possible} downsampled levels"),
            ));
        }
        Some(levels) => levels,
        None => levels_to_fit(&shape, &axes, &factors, TOP_LEVEL_SIZE).min(possible),
    };
    let pyramid = Pyramid::new(method, &factors, levels)
        .and_then(|p| p.sparse(args.sparse))
        .map_err(anyhow::Error::from)?;
    let mut spec = OmeSpec::new(
        shape.iter().map(|&n| n as u64).collect(),
        data_type,
        &[],
        pyramid,
    );
    spec.axes = axes;
    spec.scale = args.scale.clone().unwrap_or_else(|| vec![1.0; shape.len()]);
    // Axes and scales the user gave that OME-Zarr does not take are usage errors; without
    // --axes and --scale they are the input's (its rank).
    spec.validate().map_err(|e| {
        if args.axes.is_some() || args.scale.is_some() {
            Failure::Usage(e.into())
        } else {
            store_failure(e)
        }
    })?;
    let mut calibration = None;
    if args.anscombe {
        let (gain, zero_level, source) = gain_and_zero(&args.codec, source.as_mut())?;
        spec.codec = Some(codec_params(
            args.codec.codec,
            args.codec.beta,
            data_type,
            gain,
            zero_level,
            None,
        )?);
        calibration = Some(CalibrationUsed {
            conversion_gain: gain,
            zero_level,
            source,
        });
    }
    spec.compressor = compressor(&args.compression)?;
    spec.name = args
        .input
        .input
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned());
    spec.attributes.insert(
        "anscombe".into(),
        serde_json::json!({"source": args.input.input.file_name().map(|n| n.to_string_lossy().into_owned())}),
    );
    let writer = OmeWriter::create(&args.output, &spec, args.force).map_err(store_failure)?;
    let bar = progress(source.frames() as u64, "pyramid");
    let path = writer
        .write_movie(source.as_mut(), &mut advance(&bar))
        .map_err(store_failure)?;
    bar.finish_and_clear();
    report(&spec, &path, calibration)
}

fn report(
    spec: &OmeSpec,
    path: &Path,
    calibration: Option<CalibrationUsed>,
) -> Result<PyramidReport, Failure> {
    let factors = spec.factors().map_err(store_failure)?;
    let levels = spec
        .level_shapes()
        .map_err(store_failure)?
        .into_iter()
        .enumerate()
        .map(|(level, shape)| LevelReport {
            path: level.to_string(),
            shape,
            scale: spec.level_scale(&factors, level),
            stored_bytes: stored_bytes(path.join(level.to_string())),
        })
        .collect();
    Ok(PyramidReport {
        method: spec.pyramid.method().name(),
        axes: spec.axes.iter().map(|a| a.name.clone()).collect(),
        factors,
        sparse: spec.pyramid.is_sparse(),
        codec: spec.codec.map(|c| c.identity().name().to_string()),
        calibration,
        levels,
    })
}

/// The axes given, or the conventional ones for the number of axes.
fn axes(args: &PyramidArgs, rank: usize) -> Result<Vec<OmeAxis>, Failure> {
    let names: Vec<String> = match &args.axes {
        Some(names) => names.clone(),
        None => default_axis_names(rank)
            .with_context(|| format!("OME-Zarr images have 2 to 5 axes; the input has {rank}"))?
            .iter()
            .map(|&n| n.to_string())
            .collect(),
    };
    if names.len() != rank {
        return Err(crate::validate::usage(
            "--axes",
            names.join(","),
            format!("names {} axes, the input has {rank}", names.len()),
        ));
    }
    Ok(names.iter().map(|n| OmeAxis::named(n)).collect())
}

fn method(name: PoolingName) -> Method {
    match name {
        PoolingName::Average => Method::Average,
        PoolingName::Mode => Method::Mode,
        PoolingName::Max => Method::Max,
        PoolingName::Min => Method::Min,
        PoolingName::Stride => Method::Stride,
    }
}

fn store_failure(error: StoreError) -> Failure {
    Failure::Error(anyhow::Error::from(error).context("writing the OME-Zarr image"))
}
