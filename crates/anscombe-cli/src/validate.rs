//! Arguments checked before any work, each failure one line naming the argument, the value
//! (NaN and infinities as such) and what is accepted. The limits themselves live in the
//! libraries (the codec's parameters, the Gaussian's radius, the count-weight exponent, the
//! chunk size); this module gives their errors the argument's name and exit code 2.

use std::fmt::Display;

use anscombe_core::{CodeRule, CodecParams, ConfigError, DataType, TransformParams};
use anyhow::anyhow;
use clap::ValueEnum;

use anscombe_store::background::BackgroundMethod;

use crate::Failure;
use crate::args::{AnscombeArgs, CodecName, CompressorArgs, CompressorName};

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
    if identity == CodecName::AnscombeV1 && args.beta != 0.5 {
        return Err(usage(
            "--beta",
            number(args.beta),
            "anscombe-v1 has no beta (it is always 0.5); use --codec anscombe-transform for \
             another",
        ));
    }
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

/// `--level`: in the chosen compressor's range (zstd -7..=22, blosc 0..=9, pcodec 0..=12), and
/// none for `context`, which has no levels.
pub(crate) fn compression(args: &CompressorArgs) -> Result<(), Failure> {
    let Some(level) = args.level else {
        return Ok(());
    };
    let range = match args.compressor {
        CompressorName::Zstd => -7..=22,
        CompressorName::Blosc => 0..=9,
        CompressorName::Pcodec => 0..=12,
        CompressorName::Context | CompressorName::None => {
            return Err(usage(
                "--level",
                level,
                "this compressor has no levels (zstd, blosc and pcodec have)",
            ));
        }
    };
    if range.contains(&level) {
        Ok(())
    } else {
        Err(usage(
            "--level",
            level,
            format!(
                "outside {}..={} for this compressor",
                range.start(),
                range.end()
            ),
        ))
    }
}

/// The background's parameters and frame times, checked against the movie's `frames` before
/// any frame is read: `--kernel-size`, `--split-time` (and the images it asks for), the
/// cleansing options, `--fps` (a rate at which the frames' times overflow is none) and the
/// length and order of `--times`.
pub(crate) fn background(method: &BackgroundMethod, frames: usize) -> Result<(), Failure> {
    match method {
        BackgroundMethod::Sparse { params, time, .. } => {
            params
                .check(time, frames)
                .map_err(|e| Failure::Usage(e.into()))?;
        }
        BackgroundMethod::Rolling(params) if params.kernel_size == 0 => {
            return Err(usage("--kernel-size", 0, "must be at least 1 frame"));
        }
        BackgroundMethod::Rolling(_) => {}
    }
    Ok(())
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
    fn compressor_levels_in_range_and_none_for_context() {
        let args = |compressor, level| CompressorArgs { compressor, level };
        assert!(compression(&args(CompressorName::Zstd, Some(22))).is_ok());
        assert!(compression(&args(CompressorName::Context, None)).is_ok());
        let m = message(compression(&args(CompressorName::Zstd, Some(23))).expect_err("23"));
        assert!(m.starts_with("--level 23:") && m.contains("-7..=22"), "{m}");
        let m = message(compression(&args(CompressorName::Blosc, Some(10))).expect_err("10"));
        assert!(m.contains("0..=9"), "{m}");
        let m = message(compression(&args(CompressorName::Context, Some(3))).expect_err("ctx"));
        assert!(m.contains("no levels"), "{m}");
    }

    #[test]
    fn anscombe_v1_takes_no_other_beta() {
        let v1 = |beta| AnscombeArgs {
            codec: CodecName::AnscombeV1,
            ..args(2.0, 100.0, beta)
        };
        assert!(codec(&v1(0.5)).is_ok());
        let m = message(codec(&v1(0.25)).expect_err("beta"));
        assert!(
            m.starts_with("--beta 0.25:") && m.contains("always 0.5"),
            "{m}"
        );
    }

    #[test]
    fn background_parameters_and_frame_rates_before_any_frame() {
        use anscombe_background::{RollingMedian, SparseMedian, TimeAxis};
        let sparse = |split_time, time| BackgroundMethod::Sparse {
            params: SparseMedian {
                split_time,
                ..SparseMedian::default()
            },
            time,
            time_note: String::new(),
        };
        assert!(background(&sparse(1.0, TimeAxis::FrameRate(120.0)), 500).is_ok());
        let m =
            message(background(&sparse(1.0, TimeAxis::FrameRate(1e-300)), 500).expect_err("rate"));
        assert!(m.contains("frame rate"), "{m}");
        let m =
            message(background(&sparse(0.0, TimeAxis::FrameRate(120.0)), 500).expect_err("split"));
        assert!(m.contains("split_time"), "{m}");
        let m = message(
            background(&sparse(1e-300, TimeAxis::FrameRate(10.0)), 500).expect_err("images"),
        );
        assert!(m.contains("more than the 500 frames"), "{m}");
        let m = message(
            background(&sparse(1.0, TimeAxis::Seconds(vec![0.0, 1.0])), 500).expect_err("times"),
        );
        assert!(m.contains("2 times for 500 frames"), "{m}");
        let rolling = BackgroundMethod::Rolling(RollingMedian {
            kernel_size: 0,
            ..RollingMedian::default()
        });
        assert!(
            message(background(&rolling, 500).expect_err("kernel")).starts_with("--kernel-size 0")
        );
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
}
