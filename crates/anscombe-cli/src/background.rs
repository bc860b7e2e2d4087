//! `anscombe background`: dcnum's sparse and rolling median backgrounds, written as a small
//! Zarr group beside the movie, and optionally the corrected movie.

use std::path::PathBuf;
use std::time::Instant;

use anscombe_background::{RollingMedian, SparseMedian, TimeAxis};
use anscombe_io::npy::NpyArray;
use anscombe_store::background::{
    BackgroundMethod, BackgroundSummary, beside, compute_background, write_corrected,
};
use anscombe_store::stored_bytes;
use anyhow::{Context, Result};
use serde::Serialize;

use crate::Failure;
use crate::args::{BackgroundArgs, BackgroundName};
use crate::io::{advance, check_output, open_input, progress};

/// What `background` reports.
#[derive(Debug, Serialize)]
pub(crate) struct BackgroundReport {
    #[serde(flatten)]
    pub(crate) summary: BackgroundSummary,
    pub(crate) output: PathBuf,
    pub(crate) stored_bytes: u64,
    pub(crate) corrected: Option<PathBuf>,
}

/// Runs the command.
pub(crate) fn run(args: &BackgroundArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let report = background(args)?;
    if args.json {
        return Ok(crate::io::print_json(&report)?);
    }
    let summary = &report.summary;
    println!(
        "wrote {} ({}: kernel {}, {} frames, {} background image{}, {} bytes) in {:.1} s",
        report.output.display(),
        summary.ppid,
        summary.kernel_size,
        summary.frames,
        summary.images,
        if summary.images == 1 { "" } else { "s" },
        report.stored_bytes,
        started.elapsed().as_secs_f64()
    );
    if let (Some(before), "sparse-median") = (summary.images_before_cleansing, summary.method) {
        println!(
            "  cleansing kept {} of {before} images; time axis: {}",
            summary.images,
            summary.time_axis.as_deref().unwrap_or("?")
        );
    }
    println!("  {}", summary.conversion);
    if let Some(corrected) = &report.corrected {
        println!("  corrected movie: {}", corrected.display());
    }
    Ok(())
}

fn background(args: &BackgroundArgs) -> Result<BackgroundReport, Failure> {
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| beside(&args.input.input));
    check_output(&output, args.force)?;
    if let Some(corrected) = &args.corrected {
        check_output(corrected, args.force)?;
    }
    let mut source = open_input(&args.input)?;
    let method = match args.method {
        BackgroundName::SparseMedian => {
            let (time, time_note) = time_axis(args)?;
            BackgroundMethod::Sparse {
                params: SparseMedian {
                    kernel_size: args.kernel_size.unwrap_or(200),
                    split_time: args.split_time,
                    thresh_cleansing: args.thresh_cleansing,
                    frac_cleansing: args.frac_cleansing,
                    offset_correction: !args.no_offset_correction,
                },
                time,
                time_note,
            }
        }
        BackgroundName::RollingMedian => BackgroundMethod::Rolling(RollingMedian {
            kernel_size: args.kernel_size.unwrap_or(100),
            ..RollingMedian::default()
        }),
    };
    crate::validate::background(&method, source.frames())?;
    let name = args.input.input.file_name().map(|n| n.to_string_lossy());
    let bar = progress(source.frames() as u64, "background");
    let summary = compute_background(
        source.as_mut(),
        &method,
        &output,
        name.as_deref(),
        args.force,
        &mut advance(&bar),
    )?;
    bar.finish_and_clear();
    if let Some(corrected) = &args.corrected {
        let bar = progress(source.frames() as u64, "correcting");
        write_corrected(
            source.as_mut(),
            &output,
            corrected,
            args.force,
            &mut advance(&bar),
        )?;
        bar.finish_and_clear();
    }
    Ok(BackgroundReport {
        summary,
        stored_bytes: stored_bytes(&output),
        output,
        corrected: args.corrected.clone(),
    })
}

/// The frame times from the options; with neither, dcnum's guess (and a warning).
fn time_axis(args: &BackgroundArgs) -> Result<(TimeAxis, String)> {
    if let Some(fps) = args.fps {
        return Ok((TimeAxis::FrameRate(fps), format!("{fps} frames per second")));
    }
    if let Some(path) = &args.times {
        let array = NpyArray::read(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok((
            TimeAxis::Seconds(array.samples.to_f64()),
            format!("times from {}", path.display()),
        ));
    }
    eprintln!(
        "warning: no --fps or --times: using dcnum's guess for arrays (2400 frames per second); \
         --split-time counts seconds of that axis"
    );
    Ok((
        TimeAxis::Guess,
        "dcnum's guess (2400 frames per second)".into(),
    ))
}
