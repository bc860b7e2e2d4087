//! Arguments checked before any work, each failure one line naming the argument, the value
//! (NaN and infinities as such) and what is accepted. The limits themselves live in the
//! libraries (the codec's parameters, the Gaussian's radius, the count-weight exponent, the
//! chunk size); this module gives their errors the argument's name and exit code 2.

use std::fmt::Display;

use anscombe_core::{CodeRule, CodecParams, ConfigError, DataType, TransformParams};
use anyhow::anyhow;
use clap::ValueEnum;

use crate::Failure;
use crate::args::{AnscombeArgs, CodecName};

/// A number as an argument is shown: `1e300`, `NaN`, `inf`, `0.2` (not 300 digits).
pub(crate) fn number(value: f64) -> String {
    format!("{value:?}")
}

/// A usage failure for `argument`: `--gain NaN: <why>`.
pub(crate) fn usage(argument: &str, value: impl Display, why: impl Display) -> Failure {
    Failure::Usage(anyhow!("{argument} {value}: {why}"))
}

/// `--gain`, `--zero-level` and `--beta`, by the codec's own rules.
pub(crate) fn codec<C>(args: &AnscombeArgs<C>) -> Result<(), Failure>
where
    C: ValueEnum + Default + Copy + Send + Sync + Into<CodecName> + 'static,
{
    let identity: CodecName = args.codec.into();
    let (gain, zero_level) = (args.gain.unwrap_or(1.0), args.zero_level.unwrap_or(0.0));
    // poisson-numcodecs takes any beta above 0, anscombe-v1 has none (encode says so): the
    // gain and zero level are checked by the transform's rules, beta by each codec's.
    let beta = match identity {
        CodecName::AnscombeTransform => args.beta,
        CodecName::AnscombeV1 | CodecName::Poisson => 0.5,
    };
    let params: CodecParams = TransformParams {
        beta,
        ..TransformParams::new(zero_level, gain)
    }
    .into();
    params.validate().map_err(|error| match error {
        ConfigError::Gain(g) => usage("--gain", number(g), error),
        ConfigError::ZeroLevel(z) => usage("--zero-level", number(z), error),
        ConfigError::Beta { value, .. } => usage("--beta", number(value), error),
        other => Failure::Usage(other.into()),
    })?;
    if identity == CodecName::Poisson && !(args.beta.is_finite() && args.beta > 0.0) {
        return Err(usage(
            "--beta",
            number(args.beta),
            "poisson's beta must be a finite number above 0",
        ));
    }
    Ok(())
}

/// A gain so large (or so small) that every level of an integer sample type encodes to one
/// code: the codec would store a constant movie. Float samples have no fixed range and are
/// left to the encoder's clipping checks.
pub(crate) fn codes_span<C>(
    args: &AnscombeArgs<C>,
    rule: &CodeRule,
    data_type: DataType,
) -> Result<(), Failure>
where
    C: ValueEnum + Default + Copy + Send + Sync + 'static,
{
    if data_type.integer_range().is_none() || rule.max_code() > rule.min_code() {
        return Ok(());
    }
    let gain = args
        .gain
        .map_or_else(|| "(from the calibration)".to_string(), number);
    Err(usage(
        "--gain",
        gain,
        format!(
            "every {} level encodes to code {}, so the store would hold no image; accepted: a \
             gain at which the sample type's levels span more than one code (measure it with \
             `anscombe calibrate`)",
            data_type.name(),
            rule.min_code()
        ),
    ))
}

/// `--chunks`: one length per axis of the input, each at least 1 (lengths beyond the array are
/// clamped to it by the store).
pub(crate) fn chunks(chunks: Option<&[u64]>, shape: &[usize]) -> Result<(), Failure> {
    let Some(chunks) = chunks else {
        return Ok(());
    };
    let shown = chunks
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    if chunks.len() != shape.len() {
        return Err(usage(
            "--chunks",
            shown,
            format!(
                "give one length per axis of the input, {} here (its shape is {shape:?})",
                shape.len()
            ),
        ));
    }
    if chunks.contains(&0) {
        return Err(usage("--chunks", shown, "every length must be at least 1"));
    }
    Ok(())
}

/// dcnum's guess of the frame rate of a movie given without `--fps` or `--times` (its
/// frames spread over `frames / 2400` seconds).
pub(crate) const GUESSED_FPS: f64 = 2400.0;

/// `--fps` and `--split-time` of the sparse median over `frames` frames (known once the
/// input's header is read, before any frame): both finite and above 0, and together asking
/// for at most one background image per frame. `fps` is `None` for dcnum's guess
/// ([`GUESSED_FPS`]); a `--times` file is data, checked by the library.
pub(crate) fn background_times(
    fps: Option<f64>,
    split_time: f64,
    frames: usize,
) -> Result<(), Failure> {
    if let Some(fps) = fps
        && !(fps.is_finite() && fps > 0.0)
    {
        return Err(usage(
            "--fps",
            number(fps),
            "accepted: a finite number of frames per second above 0",
        ));
    }
    if !(split_time.is_finite() && split_time > 0.0) {
        return Err(usage(
            "--split-time",
            number(split_time),
            "accepted: a finite number of seconds above 0",
        ));
    }
    let frames_f = frames.max(1) as f64;
    // Frame i at i / fps; dcnum's guess spreads the frames over frames / 2400 seconds.
    let duration = match fps {
        Some(fps) => frames.saturating_sub(1) as f64 / fps,
        None => frames as f64 / GUESSED_FPS,
    };
    let images = (duration / split_time).ceil();
    if images.is_finite() && images <= frames_f {
        return Ok(());
    }
    // One image per frame at most: split_time >= duration / frames.
    let least_split = duration / frames_f;
    let least_fps = frames.saturating_sub(1) as f64 / (frames_f * split_time);
    let fps_text = fps.map_or_else(
        || format!("dcnum's guessed {} frames per second", number(GUESSED_FPS)),
        |fps| format!("--fps {}", number(fps)),
    );
    // The product of the two is what counts; the one named is the further from 1 (on a log
    // scale), the likelier slip.
    let fps_is_off = fps.is_some_and(|fps| fps.ln().abs() > split_time.ln().abs());
    let (argument, value) = match fps {
        Some(fps) if fps_is_off => ("--fps", number(fps)),
        _ => ("--split-time", number(split_time)),
    };
    let accepted = match fps {
        Some(_) => format!(
            "accepted: --fps of at least {least_fps:.6e} with this --split-time, or --split-time \
             of at least {least_split:.6e} s with this --fps"
        ),
        None => format!("accepted: --split-time of at least {least_split:.6e} s, or give --fps"),
    };
    Err(usage(
        argument,
        value,
        format!(
            "{fps_text} and --split-time {} over {frames} frames ask for {images:e} background \
             images, more than one per frame; {accepted}",
            number(split_time)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(gain: f64, zero_level: f64, beta: f64) -> AnscombeArgs {
        AnscombeArgs {
            gain: Some(gain),
            zero_level: Some(zero_level),
            calibration: None,
            codec: CodecName::AnscombeTransform,
            beta,
        }
    }

    fn message(failure: Failure) -> String {
        let Failure::Usage(error) = failure else {
            return format!("not a usage failure: {failure:?}");
        };
        format!("{error:#}")
    }

    #[test]
    fn non_finite_codec_arguments_are_named_with_their_value() {
        let m = message(codec(&args(f64::NAN, 0.0, 0.5)).expect_err("NaN gain"));
        assert!(m.starts_with("--gain NaN:") && m.contains("got NaN"), "{m}");
        let m = message(codec(&args(2.0, f64::INFINITY, 0.5)).expect_err("inf zero"));
        assert!(m.starts_with("--zero-level inf:"), "{m}");
        let m = message(codec(&args(2.0, 0.0, 1.5)).expect_err("beta"));
        assert!(m.starts_with("--beta 1.5:") && m.contains("(0, 1]"), "{m}");
        assert!(codec(&args(2.0, 100.0, 0.5)).is_ok());
    }

    #[test]
    fn chunk_lengths_need_one_per_axis_and_at_least_one() {
        assert!(chunks(None, &[5, 4, 4]).is_ok());
        assert!(chunks(Some(&[u64::MAX, 4, 4]), &[5, 4, 4]).is_ok());
        let m = message(chunks(Some(&[1, 4]), &[5, 4, 4]).expect_err("rank"));
        assert!(m.starts_with("--chunks 1,4:"), "{m}");
        let m = message(chunks(Some(&[0, 4, 4]), &[5, 4, 4]).expect_err("zero"));
        assert!(m.contains("at least 1"), "{m}");
    }

    #[test]
    fn background_times_ask_for_at_most_one_image_per_frame() {
        // 500 frames at 30 frames per second span 499/30 s: 17 images of 1 s.
        assert!(background_times(Some(30.0), 1.0, 500).is_ok());
        assert!(background_times(None, 1.0, 500).is_ok());
        let m = message(background_times(Some(1e-300), 1.0, 500).expect_err("fps"));
        assert!(
            m.starts_with("--fps 1e-300:") && m.contains("at least 9.98"),
            "{m}"
        );
        let m = message(background_times(Some(30.0), 1e-300, 500).expect_err("split"));
        assert!(
            m.starts_with("--split-time 1e-300:") && m.contains("at least 3.32"),
            "{m}"
        );
        let m = message(background_times(None, 1e-300, 500).expect_err("guess"));
        assert!(
            m.starts_with("--split-time 1e-300:") && m.contains("guessed"),
            "{m}"
        );
        let m = message(background_times(Some(f64::NAN), 1.0, 500).expect_err("NaN"));
        assert!(m.starts_with("--fps NaN:"), "{m}");
        let m = message(background_times(Some(30.0), -1.0, 500).expect_err("negative"));
        assert!(m.starts_with("--split-time -1.0:"), "{m}");
    }
}
