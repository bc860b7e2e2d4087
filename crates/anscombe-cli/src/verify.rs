//! `anscombe verify`, and the comparison `encode` reports on a sample of frames.

use anscombe_core::{CodeRule, Domain};
use anscombe_io::FrameSource;
use anscombe_zarr::store::{ZarrMovie, array_codec};
use anyhow::{Context, anyhow};
use serde::Serialize;

use crate::Failure;
use crate::args::VerifyArgs;
use crate::io::{batch_frames, open_input, progress};

/// Errors of decoded samples against the originals, in photons.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct ErrorSummary {
    /// Frames compared.
    pub(crate) frames: usize,
    /// Samples inside the codec's domain, where the bound applies.
    pub(crate) samples_checked: u64,
    /// Samples outside it (clamped by design: below the floor, or above anscombe-v1's 32767).
    pub(crate) samples_clamped: u64,
    /// Largest absolute error.
    pub(crate) max_abs_photons: f64,
    /// Root mean square error.
    pub(crate) rms_photons: f64,
    /// Mean error (decoded minus original).
    pub(crate) bias_photons: f64,
    /// Samples whose error exceeds the spec's bound at their level.
    pub(crate) beyond_bound: u64,
}

/// Compares `frames` of the source with the store, sample by sample.
pub(crate) fn compare(
    source: &mut dyn FrameSource,
    store: &mut ZarrMovie,
    rule: &CodeRule,
    frames: impl IntoIterator<Item = usize>,
) -> anyhow::Result<ErrorSummary> {
    let gain = rule.curve().gain();
    let in_domain = |v: f64| match rule.domain() {
        Domain::Integer { lo, hi } => v >= lo as f64 && v <= hi as f64,
        Domain::Real { floor } => v >= floor,
    };
    let mut summary = ErrorSummary::default();
    let (mut sum, mut sum_squares) = (0.0, 0.0);
    for frame in frames {
        let original = source.read_frames(frame, 1)?.to_f64();
        let decoded = store.read_frames(frame, 1)?.to_f64();
        summary.frames += 1;
        for (&level, &back) in original.iter().zip(&decoded) {
            if !in_domain(level) {
                summary.samples_clamped += 1;
                continue;
            }
            let error = (back - level) / gain;
            summary.samples_checked += 1;
            sum += error;
            sum_squares += error * error;
            summary.max_abs_photons = summary.max_abs_photons.max(error.abs());
            // The bound, with room for the last bit of the arithmetic.
            summary.beyond_bound +=
                u64::from(error.abs() > rule.error_bound_photons(level) * (1.0 + 1e-9) + 1e-9);
        }
    }
    let n = summary.samples_checked.max(1) as f64;
    summary.bias_photons = sum / n;
    summary.rms_photons = (sum_squares / n).sqrt();
    Ok(summary)
}

/// Runs the command: every frame; `Failure::Check` when any sample is beyond the bound.
pub(crate) fn run(args: &VerifyArgs) -> Result<(), Failure> {
    let mut source = open_input(&args.input)?;
    let (summary, params) = verify_all(source.as_mut(), &args.store)?;
    let passed = summary.beyond_bound == 0;
    if args.json {
        let report = serde_json::json!({"passed": passed, "codec": params.identity().name(), "error": summary});
        crate::io::print_json(&report)?;
    } else {
        print_summary(&summary, params.identity().name(), passed);
    }
    if passed {
        Ok(())
    } else {
        Err(Failure::Check(format!(
            "{} samples are beyond the spec's error bound",
            summary.beyond_bound
        )))
    }
}

/// Compares every frame of a movie with the store made from it.
pub(crate) fn verify_all(
    source: &mut dyn FrameSource,
    store: &std::path::Path,
) -> Result<(ErrorSummary, anscombe_core::CodecParams), Failure> {
    let args_store = store;
    let mut store = ZarrMovie::open(args_store)
        .with_context(|| format!("cannot read {}", args_store.display()))?;
    if source.shape() != FrameSource::shape(&store) {
        return Err(anyhow!(
            "the input is {:?}, the store {:?}: not the same movie",
            source.shape(),
            FrameSource::shape(&store)
        )
        .into());
    }
    let data_type = source
        .element()
        .data_type()
        .ok_or_else(|| anyhow!("{} samples", source.element()))?;
    if FrameSource::element(&store) != source.element() {
        return Err(anyhow!(
            "the input holds {}, the store {}",
            source.element(),
            FrameSource::element(&store)
        )
        .into());
    }
    let params = array_codec(store.array()).ok_or_else(|| {
        anyhow!(
            "{} has no Anscombe codec in its pipeline",
            args_store.display()
        )
    })?;
    let rule = CodeRule::new(&params, data_type).map_err(anyhow::Error::from)?;
    let frames = source.frames();
    let bar = progress(frames as u64, "verifying");
    let batch = batch_frames(source.frame_len() * data_type.size(), 1);
    let mut summary = ErrorSummary::default();
    let (mut sum, mut sum_squares) = (0.0, 0.0);
    for first in (0..frames).step_by(batch) {
        let part = compare(
            &mut *source,
            &mut store,
            &rule,
            first..(first + batch).min(frames),
        )?;
        summary.frames += part.frames;
        summary.samples_checked += part.samples_checked;
        summary.samples_clamped += part.samples_clamped;
        summary.max_abs_photons = summary.max_abs_photons.max(part.max_abs_photons);
        summary.beyond_bound += part.beyond_bound;
        sum += part.bias_photons * part.samples_checked as f64;
        sum_squares += part.rms_photons.powi(2) * part.samples_checked as f64;
        bar.set_position(summary.frames as u64);
    }
    bar.finish_and_clear();
    let n = summary.samples_checked.max(1) as f64;
    summary.bias_photons = sum / n;
    summary.rms_photons = (sum_squares / n).sqrt();
    Ok((summary, params))
}

pub(crate) fn print_summary(summary: &ErrorSummary, codec: &str, passed: bool) {
    println!(
        "{codec}: {} frames, {} samples checked ({} clamped by design)",
        summary.frames, summary.samples_checked, summary.samples_clamped
    );
    println!(
        "error in photons: max {:.4}, RMS {:.4}, bias {:+.5}",
        summary.max_abs_photons, summary.rms_photons, summary.bias_photons
    );
    println!(
        "{}",
        if passed {
            "every sample is within the spec's bound (beta/2 of the shot noise, plus rounding)"
                .to_string()
        } else {
            format!(
                "{} samples are BEYOND the spec's bound",
                summary.beyond_bound
            )
        }
    );
}
