//! `anscombe background`: dcnum's sparse and rolling median backgrounds, written as a small
//! Zarr group beside the movie, and optionally the corrected movie.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anscombe_background::{
    Converted, Pixel, RollingMedian, SamplePlan, SparseBackground, SparseMedian, TimeAxis,
};
use anscombe_core::DataType;
use anscombe_io::npy::NpyArray;
use anscombe_io::{Element, FrameSource, Samples, stream_frames};
use anscombe_zarr::store::{
    GroupWriter, StoreSpec, StoreWriter, open_array, read_frames, stored_bytes,
};
use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use serde_json::json;

use crate::Failure;
use crate::args::{BackgroundArgs, BackgroundName};
use crate::io::{check_output, open_input, progress};

/// What `background` reports.
#[derive(Debug, Serialize)]
pub(crate) struct BackgroundReport {
    pub(crate) method: &'static str,
    /// The movie's sample type.
    pub(crate) samples: String,
    /// What the samples went through, and the types of the outputs.
    pub(crate) conversion: String,
    /// dcnum's pipeline identifier of the parameters.
    pub(crate) ppid: String,
    pub(crate) frames: usize,
    pub(crate) kernel_size: usize,
    /// Background images stored (sparse: after cleansing; rolling: one per frame).
    pub(crate) images: usize,
    /// Background images computed before cleansing (sparse).
    pub(crate) images_before_cleansing: Option<usize>,
    /// Where frame times came from.
    pub(crate) time_axis: Option<String>,
    pub(crate) output: PathBuf,
    pub(crate) stored_bytes: u64,
    pub(crate) corrected: Option<PathBuf>,
}

/// Runs the command.
pub(crate) fn run(args: &BackgroundArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let report = background(args)?;
    if args.json {
        crate::io::print_json(&report)?;
    } else {
        println!(
            "wrote {} ({}: kernel {}, {} frames, {} background image{}, {} bytes) in {:.1} s",
            report.output.display(),
            report.ppid,
            report.kernel_size,
            report.frames,
            report.images,
            if report.images == 1 { "" } else { "s" },
            report.stored_bytes,
            started.elapsed().as_secs_f64()
        );
        if let (Some(before), "sparse-median") = (report.images_before_cleansing, report.method) {
            println!(
                "  cleansing kept {} of {before} images; time axis: {}",
                report.images,
                report.time_axis.as_deref().unwrap_or("?")
            );
        }
        println!("  {}", report.conversion);
        if let Some(corrected) = &report.corrected {
            println!("  corrected movie: {}", corrected.display());
        }
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
    let mut input = open_input(&args.input)?;
    let mut source = Converted::new(input.as_mut());
    let plan = source.plan();
    let mut report = match plan.working {
        Element::U8 => typed::<u8>(args, &mut source, &output),
        Element::I8 => typed::<i8>(args, &mut source, &output),
        Element::U16 => typed::<u16>(args, &mut source, &output),
        Element::I16 => typed::<i16>(args, &mut source, &output),
        Element::U32 => typed::<u32>(args, &mut source, &output),
        Element::I32 => typed::<i32>(args, &mut source, &output),
        Element::F32 => typed::<f32>(args, &mut source, &output),
        Element::F64 => typed::<f64>(args, &mut source, &output),
        other => Err(anyhow!("{other} movies have no background here").into()),
    }?;
    report.samples = plan.input.to_string();
    report.conversion = plan.describe();
    if let Some(corrected) = &args.corrected {
        write_corrected(&mut source, plan, &output, corrected, args.force)?;
        report.corrected = Some(corrected.clone());
    }
    Ok(report)
}

/// `<input>.background.zarr` beside the input.
fn beside(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map_or_else(|| "movie".into(), |s| s.to_string_lossy().into_owned());
    input.with_file_name(format!("{stem}.background.zarr"))
}

fn typed<T: Pixel>(
    args: &BackgroundArgs,
    source: &mut dyn FrameSource,
    output: &Path,
) -> Result<BackgroundReport, Failure> {
    let data_type = source
        .element()
        .data_type()
        .context("a storable sample type")?;
    let shape: Vec<u64> = source.shape().iter().map(|&n| n as u64).collect();
    let [frames, height, width] = shape[..] else {
        return Err(anyhow!(
            "a background needs a (frames, height, width) movie, got shape {shape:?}"
        )
        .into());
    };
    let name = args
        .input
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let bar = progress(frames, "background");
    let context = Run {
        output,
        data_type,
        name: &name,
        frames: frames as usize,
        height,
        width,
        bar: &bar,
    };
    let mut report = match args.method {
        BackgroundName::SparseMedian => sparse::<T>(args, source, &context)?,
        BackgroundName::RollingMedian => rolling::<T>(args, source, &context)?,
    };
    bar.finish_and_clear();
    report.stored_bytes = stored_bytes(output);
    Ok(report)
}

/// What both methods need to know of the run.
struct Run<'a> {
    output: &'a Path,
    data_type: DataType,
    name: &'a Option<String>,
    frames: usize,
    height: u64,
    width: u64,
    bar: &'a indicatif::ProgressBar,
}

fn sparse<T: Pixel>(
    args: &BackgroundArgs,
    source: &mut dyn FrameSource,
    context: &Run<'_>,
) -> Result<BackgroundReport, Failure> {
    let (output, data_type, name, bar) =
        (context.output, context.data_type, context.name, context.bar);
    let params = SparseMedian {
        kernel_size: args.kernel_size.unwrap_or(200),
        split_time: args.split_time,
        thresh_cleansing: args.thresh_cleansing,
        frac_cleansing: args.frac_cleansing,
        offset_correction: !args.no_offset_correction,
    };
    let (time, time_note) = time_axis(args)?;
    let result: SparseBackground<T> = params
        .compute(source, &time, &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .map_err(anyhow::Error::from)?;
    write_sparse(
        &result,
        &params,
        output,
        data_type,
        &json!({"source": name, "time_axis": time_note}),
    )?;
    Ok(BackgroundReport {
        method: "sparse-median",
        samples: String::new(),
        conversion: String::new(),
        ppid: params.ppid(),
        frames: context.frames,
        kernel_size: result.kernel_size,
        images: result.step_times.len(),
        images_before_cleansing: Some(result.all_step_times.len()),
        time_axis: Some(time_note),
        output: output.to_path_buf(),
        stored_bytes: 0,
        corrected: None,
    })
}

fn rolling<T: Pixel>(
    args: &BackgroundArgs,
    source: &mut dyn FrameSource,
    context: &Run<'_>,
) -> Result<BackgroundReport, Failure> {
    let (output, data_type, name, bar) =
        (context.output, context.data_type, context.name, context.bar);
    let (frames, height, width) = (context.frames as u64, context.height, context.width);
    let params = RollingMedian {
        kernel_size: args.kernel_size.unwrap_or(100),
        ..RollingMedian::default()
    };
    let spec = array_spec(vec![frames, height, width], data_type);
    let mut group = GroupWriter::create(output, args.force)?;
    let images = group.add_array("image_bg", &spec)?;
    let mut failure = None;
    params
        .compute::<T>(
            source,
            &mut |_, image| {
                group
                    .push_frames(images, &T::into_samples(image.to_vec()))
                    .map_err(|e| {
                        let message = e.to_string();
                        failure = Some(e);
                        anscombe_background::BackgroundError::Sink(message)
                    })
            },
            &mut |done, _| bar.set_position(done as u64),
        )
        .map_err(|e| {
            failure
                .take()
                .map_or_else(|| anyhow::Error::from(e), anyhow::Error::from)
        })?;
    let attributes = json!({"anscombe": {"background": {
        "method": "rolling-median", "ppid": params.ppid(), "kernel_size": params.kernel_size,
        "source": name,
        "note": "frame i's background is the median of frames i..i+kernel_size; the last kernel_size frames repeat the last one computed (as dcnum)",
    }}});
    group.finish(&attributes.as_object().cloned().unwrap_or_default())?;
    Ok(BackgroundReport {
        method: "rolling-median",
        samples: String::new(),
        conversion: String::new(),
        ppid: params.ppid(),
        frames: context.frames,
        kernel_size: params.kernel_size,
        images: frames as usize,
        images_before_cleansing: None,
        time_axis: None,
        output: output.to_path_buf(),
        stored_bytes: 0,
        corrected: None,
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

fn array_spec(shape: Vec<u64>, data_type: DataType) -> StoreSpec {
    let names = match shape.len() {
        3 => Some(vec!["t".into(), "y".into(), "x".into()]),
        1 => Some(vec!["t".into()]),
        _ => None,
    };
    StoreSpec {
        dimension_names: names,
        ..StoreSpec::new(shape, data_type, None)
    }
}

/// The sparse background as a group: `image_bg`, `bg_idx`, `bg_off`, and the parameters.
fn write_sparse<T: Pixel>(
    result: &SparseBackground<T>,
    params: &SparseMedian,
    output: &Path,
    data_type: DataType,
    provenance: &serde_json::Value,
) -> Result<()> {
    let (height, width) = (result.height as u64, result.width as u64);
    let images = result.step_times.len() as u64;
    let frames = result.frame_background.len() as u64;
    let mut group = GroupWriter::create(output, true)?;
    let image_bg = group.add_array(
        "image_bg",
        &array_spec(vec![images, height, width], data_type),
    )?;
    group.push_frames(image_bg, &T::into_samples(result.images.clone()))?;
    let bg_idx = group.add_array("bg_idx", &array_spec(vec![frames], DataType::U32))?;
    let mapping: Vec<u32> = result.frame_background.iter().map(|&i| i as u32).collect();
    group.push_frames(bg_idx, &Samples::U32(mapping))?;
    if let Some(offsets) = &result.offsets {
        let bg_off = group.add_array("bg_off", &array_spec(vec![frames], DataType::F64))?;
        group.push_frames(bg_off, &Samples::F64(offsets.clone()))?;
    }
    let removed: Vec<usize> = result
        .cleansing
        .as_ref()
        .map(|c| (0..c.kept.len()).filter(|&i| !c.kept[i]).collect())
        .unwrap_or_default();
    let attributes = json!({"anscombe": {"background": {
        "method": "sparse-median",
        "ppid": params.ppid(),
        "kernel_size": result.kernel_size,
        "split_time": params.split_time,
        "thresh_cleansing": params.thresh_cleansing,
        "frac_cleansing": params.frac_cleansing,
        "step_times": result.step_times,
        "removed_by_cleansing": removed,
        "provenance": provenance,
        "note": "the background of frame i is image_bg[bg_idx[i]] + bg_off[i]",
    }}});
    group.finish(&attributes.as_object().cloned().unwrap_or_default())?;
    Ok(())
}

/// Frame minus background, as the plan's corrected type (float32 or float64), streamed into a
/// store of its own.
fn write_corrected(
    source: &mut dyn FrameSource,
    plan: SamplePlan,
    background: &Path,
    corrected: &Path,
    force: bool,
) -> Result<()> {
    let data_type = plan
        .corrected
        .data_type()
        .context("a storable corrected type")?;
    let shape: Vec<u64> = source.shape().iter().map(|&n| n as u64).collect();
    let frame_len = source.frame_len();
    let images = open_array(background.join("image_bg"))?;
    let mapping = optional_array(background, "bg_idx")?;
    let offsets = optional_array(background, "bg_off")?;
    // A sparse series is small: read it once. A rolling one is read batch by batch.
    let series = match mapping {
        Some(_) => Some(read_frames(&images, 0..images.shape()[0])?.1.to_f64()),
        None => None,
    };
    let writer = StoreWriter::create(corrected, &array_spec(shape.clone(), data_type), force)?;
    let per_chunk = writer.chunk_shape().first().copied().unwrap_or(1).max(1) as usize;
    let batch = ((64 << 20) / (frame_len * 8).max(1) / per_chunk).max(1) * per_chunk;
    let bar = progress(shape[0], "correcting");
    stream_frames(source, batch, |first, samples| {
        let count = samples.len() / frame_len.max(1);
        let frames = samples.to_f64();
        let rolling = match series {
            Some(_) => None,
            None => Some(
                read_frames(&images, first as u64..(first + count) as u64)?
                    .1
                    .to_f64(),
            ),
        };
        let mut out = vec![0f64; frames.len()];
        for i in 0..count {
            let frame = first + i;
            let (image, offset) = match (&series, &mapping, &rolling) {
                (Some(series), Some(mapping), _) => {
                    let index = mapping[frame] as usize;
                    let offset = offsets.as_ref().map_or(0.0, |o| o[frame]);
                    (&series[index * frame_len..(index + 1) * frame_len], offset)
                }
                (_, _, Some(rolling)) => (&rolling[i * frame_len..(i + 1) * frame_len], 0.0),
                _ => bail!("the background group has neither bg_idx nor per-frame images"),
            };
            for ((o, &x), &b) in out[i * frame_len..(i + 1) * frame_len]
                .iter_mut()
                .zip(&frames[i * frame_len..(i + 1) * frame_len])
                .zip(image)
            {
                *o = x - (b + offset);
            }
        }
        let out = match data_type {
            DataType::F64 => Samples::F64(out),
            _ => Samples::F32(out.into_iter().map(|v| v as f32).collect()),
        };
        writer.write_frames(first as u64, &out)?;
        bar.set_position((first + count) as u64);
        Ok::<(), anyhow::Error>(())
    })?;
    writer.finish()?;
    bar.finish_and_clear();
    Ok(())
}

/// A 1-D array of the background group as floats, if it has it.
fn optional_array(group: &Path, name: &str) -> Result<Option<Vec<f64>>> {
    if !group.join(name).is_dir() {
        return Ok(None);
    }
    let array = open_array(group.join(name))?;
    let length = array.shape()[0];
    let (_, values) = read_frames(&array, 0..length)?;
    Ok(Some(values.to_f64()))
}
