//! `anscombe encode`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anscombe_core::{
    CodeRule, CodeType, CodecParams, DataType, PoissonCodec, PoissonParams, TransformParams,
    V1Params,
};
use anscombe_io::FrameSource;
use anscombe_store::verify::{CLIPPING_TOLERANCE, ClipGuard, ErrorSummary, compare_frames};
use anscombe_store::{
    BloscShuffle, Compressor, StoreSpec, ZarrFormat, ZarrMovie, stored_bytes, write_movie,
};
use anyhow::{Context, Result, anyhow, bail};
use clap::ValueEnum;
use serde::Serialize;

use crate::Failure;
use crate::args::{
    AnscombeArgs, AnscombeCodecName, CompressorArgs, CompressorName, EncodeArgs, Format, Method,
};
use crate::io::{advance, check_output, open_input, progress};

/// What `encode` reports.
#[derive(Debug, Serialize)]
pub(crate) struct EncodeReport {
    pub(crate) codec: CodecParamsReport,
    pub(crate) shape: Vec<usize>,
    pub(crate) data_type: String,
    pub(crate) chunks: Vec<u64>,
    pub(crate) raw_bytes: u64,
    pub(crate) stored_bytes: u64,
    pub(crate) ratio: f64,
    /// Error on a sample of frames, in photons.
    pub(crate) sample_error: ErrorSummary,
}

/// The codec parameters as written.
#[derive(Debug, Serialize)]
pub(crate) struct CodecParamsReport {
    pub(crate) name: &'static str,
    pub(crate) conversion_gain: f64,
    pub(crate) zero_level: f64,
    pub(crate) beta: f64,
    pub(crate) encoded_dtype: String,
    /// Why this code type: `"given"` (--encoded-dtype) or how it was chosen.
    pub(crate) encoded_dtype_choice: String,
    /// Where the gain and zero level came from.
    pub(crate) source: String,
}

/// Runs the command.
pub(crate) fn run(args: &EncodeArgs) -> Result<(), Failure> {
    let (report, seconds) = encode(args)?;
    if args.json {
        crate::io::print_json(&report)?;
    } else {
        print_report(&report, &args.output, seconds);
    }
    Ok(())
}

pub(crate) fn print_report(report: &EncodeReport, output: &Path, seconds: f64) {
    let c = &report.codec;
    println!(
        "wrote {} ({:?} {}, chunks {:?}) in {seconds:.2} s",
        output.display(),
        report.shape,
        report.data_type,
        report.chunks
    );
    println!(
        "codec {} gain {:.4} zero level {:.2} beta {} ({} codes, {}; gain and zero level {})",
        c.name,
        c.conversion_gain,
        c.zero_level,
        c.beta,
        c.encoded_dtype,
        c.encoded_dtype_choice,
        c.source
    );
    println!(
        "size {} -> {} bytes, ratio {:.3}x",
        report.raw_bytes, report.stored_bytes, report.ratio
    );
    let e = &report.sample_error;
    println!(
        "error on {} frames: max {:.3} photons, RMS {:.3}, bias {:+.4}; {} of {} samples beyond the spec's bound",
        e.frames,
        e.max_abs_photons,
        e.rms_photons,
        e.bias_photons,
        e.beyond_bound.count,
        e.samples_checked
    );
    if e.wiped > 0 {
        println!(
            "WARNING: the codec gives every level one code ({} samples of those frames lost): is the gain right?",
            e.wiped
        );
    }
}

/// Writes the store through a [`ClipGuard`]: refused when more than [`CLIPPING_TOLERANCE`] of
/// the samples clamp (unless `--allow-clipping`), a warning when any do.
fn write_guarded(
    source: &mut dyn FrameSource,
    rule: &CodeRule,
    args: &EncodeArgs,
    spec: &StoreSpec,
    bar: &indicatif::ProgressBar,
) -> Result<PathBuf, Failure> {
    let mut guard = ClipGuard::new(source, rule, args.allow_clipping);
    let written = write_movie(
        &mut guard,
        &args.output,
        spec,
        args.force,
        &mut advance(bar),
    );
    bar.finish_and_clear();
    let (below, above) = guard.clamped();
    if guard.refused() {
        return Err(Failure::Error(anyhow!(
            "refused: more than {} % of the samples are outside the codec's domain and would be \
             clamped ({below} below its lowest level, {above} above its highest, in the frames \
             read so far); check the zero level and gain, or pass --allow-clipping",
            CLIPPING_TOLERANCE * 100.0
        )));
    }
    let path = written?;
    if below + above > 0 {
        eprintln!(
            "warning: {} samples ({below} below the codec's domain, {above} above it) were clamped to its ends",
            below + above
        );
    }
    Ok(path)
}

/// Encodes; returns the report and the seconds the write took.
pub(crate) fn encode(args: &EncodeArgs) -> Result<(EncodeReport, f64), Failure> {
    crate::validate::codec(&args.codec)?;
    crate::validate::compression(&args.compression)?;
    let mut source = open_input(&args.input)?;
    crate::validate::chunks(args.chunks.as_deref(), source.shape())?;
    check_output(&args.output, args.force)?;
    let data_type = source.element().data_type().ok_or_else(|| {
        anyhow!(
            "{} samples cannot be encoded (supported: uint8 to int32, float32, float64)",
            source.element()
        )
    })?;
    let (gain, zero_level, origin) = gain_and_zero(&args.codec, source.as_mut())?;
    let identity = args.codec.codec.anscombe();
    let requested = args.encoded_dtype;
    let poisson = identity
        .is_none()
        .then(|| poisson_params(args.codec.beta, data_type, gain, zero_level, requested))
        .transpose()?;
    let params = match identity {
        Some(identity) => codec_params(
            identity,
            args.codec.beta,
            data_type,
            gain,
            zero_level,
            requested,
        )?,
        // The error report measures against anscombe-transform's bound at the same gain, zero
        // level and beta (poisson-numcodecs has no bound of its own).
        None => TransformParams {
            beta: args.codec.beta.min(1.0),
            ..TransformParams::new(zero_level, gain)
        }
        .into(),
    };
    let shape: Vec<u64> = source.shape().iter().map(|&n| n as u64).collect();
    let spec = StoreSpec {
        chunk_shape: args.chunks.clone(),
        compressor: compressor(&args.compression)?,
        format: if args.format == Format::V2 { ZarrFormat::V2 } else { ZarrFormat::V3 },
        dimension_names: (args.format == Format::V3 && shape.len() == 3).then(|| vec!["t".into(), "y".into(), "x".into()]),
        attributes: serde_json::json!({"anscombe": {"source": args.input.input.file_name().map(|n| n.to_string_lossy().into_owned()), "calibration": origin}})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        poisson,
        ..StoreSpec::new(shape.clone(), data_type, poisson.is_none().then_some(params))
    };
    let chunks = spec.chunks();
    let rule = CodeRule::new(&spec.effective_codec().unwrap_or(params), data_type)
        .map_err(anyhow::Error::from)?;
    if poisson.is_none() {
        crate::validate::codes_span(&args.codec, &rule, data_type)?;
    }
    let started = Instant::now();
    let frames = source.frames();
    let bar = progress(frames as u64, "encoding");
    let path = write_guarded(source.as_mut(), &rule, args, &spec, &bar)?;
    let seconds = started.elapsed().as_secs_f64();
    let stored = stored_bytes(&path);
    let raw = shape
        .iter()
        .fold(data_type.size() as u64, |n, &d| n.saturating_mul(d));
    let mut store = ZarrMovie::open(&path)?;
    let sample_error = compare_frames(source.as_mut(), &mut store, &rule, sample_frames(frames))
        .map_err(anyhow::Error::from)?;
    let code_type = poisson.map_or(rule.code_type(), |p| p.encoded_dtype);
    let report = EncodeReport {
        codec: CodecParamsReport {
            name: match &poisson {
                Some(_) => anscombe_zarr::poisson::NAME,
                None => params.identity().name(),
            },
            conversion_gain: gain,
            zero_level,
            beta: poisson.map_or(params.beta(), |p| p.beta),
            encoded_dtype: code_type.name().into(),
            encoded_dtype_choice: code_type_choice(requested, code_type, &rule, poisson.is_some()),
            source: origin,
        },
        shape: shape.iter().map(|&n| n as usize).collect(),
        data_type: data_type.name().into(),
        chunks,
        raw_bytes: raw,
        stored_bytes: stored,
        ratio: raw as f64 / stored.max(1) as f64,
        sample_error,
    };
    Ok((report, seconds))
}

/// Why the codes have `code_type`, for the report: given, or chosen as the narrowest.
fn code_type_choice(
    requested: Option<CodeType>,
    code_type: CodeType,
    rule: &CodeRule,
    poisson: bool,
) -> String {
    match requested {
        Some(given) if given == code_type => "given".into(),
        Some(given) => format!("{given} given, widened for pcodec (no 8-bit integers)"),
        None if poisson => "chosen: uint8 unless the reference would lose data with it".into(),
        None if rule.data_type().is_float() => "chosen: the default for float samples".into(),
        None => format!(
            "chosen: the narrowest that holds code {} of the input's highest level",
            rule.max_code()
        ),
    }
}

/// Up to 16 frames spread over the movie, for the error report.
fn sample_frames(frames: usize) -> Vec<usize> {
    let n = frames.min(16);
    (0..n).map(|i| i * frames / n.max(1)).collect()
}

/// Gain and zero level from the flags, a calibration file, or a calibration made now.
pub(crate) fn gain_and_zero<C: ValueEnum + Default + Copy + Send + Sync + 'static>(
    args: &AnscombeArgs<C>,
    source: &mut dyn FrameSource,
) -> Result<(f64, f64, String), Failure> {
    if let (Some(gain), Some(zero)) = (args.gain, args.zero_level) {
        return Ok((gain, zero, "given".into()));
    }
    if let Some(path) = &args.calibration {
        let (gain, zero_level) = crate::calibrate_raster::read_single(path)?;
        CodecParams::from(TransformParams::new(zero_level, gain))
            .validate()
            .with_context(|| format!("{}: not a usable calibration", path.display()))?;
        return Ok((gain, zero_level, format!("from {}", path.display())));
    }
    let calibration = crate::calibrate::measure(source, Method::PhotonTransfer, 0.2, None)?;
    eprint!("{}", crate::calibrate::show(&calibration));
    Ok((
        calibration.conversion_gain,
        calibration.zero_level,
        "calibrated from the input".into(),
    ))
}

/// poisson-numcodecs' parameters for samples of `data_type` (`photon_sensitivity` = gain,
/// `dark_signal` = zero level, `decoded_dtype` = the samples' type, lookup mode): the
/// `requested` code type, else `uint8` codes, else `uint16`; refused, with the core's error,
/// when the reference would lose data with the requested type or with both.
pub(crate) fn poisson_params(
    beta: f64,
    data_type: DataType,
    gain: f64,
    zero_level: f64,
    requested: Option<CodeType>,
) -> Result<PoissonParams> {
    let narrow = PoissonParams {
        decoded_dtype: data_type,
        beta,
        ..PoissonParams::new(zero_level, gain)
    };
    let accepts = |p: &PoissonParams| -> Result<Option<anscombe_core::PoissonEncoderError>> {
        let codec = PoissonCodec::new(p)?;
        Ok(codec.encoder(data_type).err())
    };
    if let Some(encoded_dtype) = requested {
        let given = PoissonParams {
            encoded_dtype,
            ..narrow
        };
        return match accepts(&given)? {
            None => Ok(given),
            Some(refusal) => Err(anyhow!(refusal)),
        };
    }
    let wide = PoissonParams {
        encoded_dtype: CodeType::U16,
        ..narrow
    };
    match (accepts(&narrow)?, accepts(&wide)?) {
        (None, _) => Ok(narrow),
        (Some(_), None) => Ok(wide),
        (Some(refusal), Some(_)) => Err(anyhow!(refusal)),
    }
}

/// The codec parameters for the chosen identity, from a calibrated (or given) gain and zero
/// level, with the `requested` code type or a chosen one: anscombe-transform takes the
/// narrowest that holds every code (the core refuses a requested type too narrow, naming the
/// one that fits); anscombe-v1 refuses what the reference would corrupt, and gets uint16 codes
/// when uint8 would wrap.
pub(crate) fn codec_params(
    identity: AnscombeCodecName,
    beta: f64,
    data_type: DataType,
    gain: f64,
    zero_level: f64,
    requested: Option<CodeType>,
) -> Result<CodecParams> {
    match identity {
        AnscombeCodecName::AnscombeTransform => {
            let params = TransformParams {
                beta,
                encoded_dtype: requested,
                ..TransformParams::new(zero_level, gain)
            }
            .into();
            CodeRule::new(&params, data_type)?;
            Ok(params)
        }
        AnscombeCodecName::AnscombeV1 => {
            if beta != 0.5 {
                bail!(
                    "anscombe-v1 has no beta (it is always 0.5); use --codec anscombe-transform for beta {beta}"
                );
            }
            let narrow = V1Params {
                decoded_dtype: data_type,
                ..V1Params::new(zero_level, gain)
            };
            let fits = |p: &V1Params| CodeRule::new(&(*p).into(), data_type).map(|r| r.refusal());
            if let Some(encoded_dtype) = requested {
                let given = V1Params {
                    encoded_dtype,
                    ..narrow
                };
                return match fits(&given)? {
                    None => Ok(given.into()),
                    Some(refusal) => Err(anyhow!(refusal)),
                };
            }
            let wide = V1Params {
                encoded_dtype: CodeType::U16,
                ..narrow
            };
            match (fits(&narrow)?, fits(&wide)?) {
                (None, _) => Ok(narrow.into()),
                (Some(_), None) => Ok(wide.into()),
                (Some(_), Some(refusal)) => Err(anyhow!(refusal)),
            }
        }
    }
}

pub(crate) fn compressor(args: &CompressorArgs) -> Result<Compressor> {
    let (name, level) = (args.compressor, args.level);
    let level_in = |lo: i32, hi: i32, default: i32| -> Result<i32> {
        let l = level.unwrap_or(default);
        if (lo..=hi).contains(&l) {
            Ok(l)
        } else {
            bail!("--level {l} is outside {lo}..={hi} for this compressor")
        }
    };
    Ok(match name {
        CompressorName::Zstd => Compressor::Zstd {
            level: level_in(-7, 22, 3)?,
        },
        CompressorName::Blosc => Compressor::BloscZstd {
            level: level_in(0, 9, 5)? as u8,
            shuffle: BloscShuffle::Bit,
        },
        CompressorName::Pcodec => Compressor::Pcodec {
            level: level_in(0, 12, 8)? as u8,
        },
        CompressorName::Context => {
            if let Some(level) = level {
                bail!(
                    "--level {level} does not apply to the context compressor (it has no levels)"
                );
            }
            Compressor::Context
        }
        CompressorName::None => Compressor::None,
    })
}
