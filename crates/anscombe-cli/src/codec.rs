//! `anscombe codec encode|decode`: one codec on one array.

use anscombe_core::{AnyCodec, CodecParams, DataType, PoissonCodec};
use anscombe_io::npy::NpyArray;
use anscombe_io::{Element, Samples};
use anscombe_zarr::{AnscombeConfiguration, PoissonConfiguration, PoissonZarrCodec};
use anyhow::{Context, Result, anyhow, bail};

use crate::args::{CodecArgs, CodecCommand};
use crate::io::check_output;

/// The codec a `--codec` metadata object names.
enum Chosen {
    /// `anscombe-v1` or `anscombe-transform`.
    Anscombe(AnscombeConfiguration),
    /// poisson-numcodecs' `poisson`, with its tables built.
    Poisson(PoissonZarrCodec),
}

/// Parses a codec's Zarr V3 metadata object.
fn chosen(text: &str) -> Result<Chosen> {
    let json: serde_json::Value = serde_json::from_str(text).context("--codec is not JSON")?;
    let name = json["name"].as_str();
    let configuration = json["configuration"].clone();
    if name == Some(anscombe_zarr::poisson::NAME) {
        let parsed: PoissonConfiguration =
            serde_json::from_value(configuration).context("poisson configuration")?;
        return Ok(Chosen::Poisson(
            PoissonZarrCodec::new(parsed).context("poisson configuration")?,
        ));
    }
    match name.and_then(|n| AnscombeConfiguration::from_json(n, configuration)) {
        Some(parsed) => {
            Ok(Chosen::Anscombe(parsed.with_context(|| {
                format!("{} configuration", name.unwrap_or("?"))
            })?))
        }
        None => bail!("--codec name {name:?}: expected anscombe-v1, anscombe-transform or poisson"),
    }
}

/// Runs the command.
pub(crate) fn run(command: &CodecCommand) -> Result<()> {
    let (args, encoding) = match command {
        CodecCommand::Encode(a) => (a, true),
        CodecCommand::Decode(a) => (a, false),
    };
    check_output(&args.output, args.force)?;
    let chosen = chosen(&args.codec)?;
    let input = NpyArray::read(&args.input)?;
    let output = match (&chosen, encoding) {
        (Chosen::Anscombe(configuration), true) => encode(&configuration.params()?, &input)?,
        (Chosen::Anscombe(configuration), false) => {
            decode(&configuration.params()?, configuration, args, &input)?
        }
        (Chosen::Poisson(codec), true) => poisson_encode(codec.core(), &input)?,
        (Chosen::Poisson(codec), false) => poisson_decode(codec.core(), args, &input)?,
    };
    NpyArray::new(input.shape.clone(), output)
        .context("shape")?
        .write(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    Ok(())
}

/// The sample type of an array to encode.
fn sample_type(input: &NpyArray) -> Result<DataType> {
    let element = input.samples.element();
    element
        .data_type()
        .ok_or_else(|| anyhow!("{element} samples cannot be encoded"))
}

/// Checks that an array to decode holds codes of `expected`.
fn check_codes(input: &NpyArray, expected: Element) -> Result<()> {
    let given = input.samples.element();
    if given != expected {
        bail!("the codes are {given}, this configuration uses {expected} codes");
    }
    Ok(())
}

fn encode(params: &CodecParams, input: &NpyArray) -> Result<Samples> {
    let codec = AnyCodec::new(params, sample_type(input)?)?;
    let mut codes = Samples::zeros(codec.rule().code_type().into(), input.samples.len());
    let (Some(samples), Some(room)) = (input.samples.sample_slice(), codes.code_slice_mut()) else {
        bail!("unsupported types")
    };
    codec.encode(samples, room)?;
    Ok(codes)
}

fn decode(
    params: &CodecParams,
    configuration: &AnscombeConfiguration,
    args: &CodecArgs,
    input: &NpyArray,
) -> Result<Samples> {
    let name = match (&args.dtype, configuration) {
        (Some(name), _) => name.clone(),
        (None, AnscombeConfiguration::V1(c)) => {
            c.decoded_dtype.clone().unwrap_or_else(|| "int16".into())
        }
        (None, AnscombeConfiguration::Transform(_)) => {
            bail!("--dtype: anscombe-transform decodes to the array's sample type; name it")
        }
    };
    let data_type =
        DataType::from_name(&name).ok_or_else(|| anyhow!("--dtype {name}: not a sample type"))?;
    let codec = AnyCodec::new(params, data_type)?;
    check_codes(input, codec.rule().code_type().into())?;
    let mut out = Samples::zeros(data_type.into(), input.samples.len());
    let (Some(codes), Some(room)) = (input.samples.code_slice(), out.sample_slice_mut()) else {
        bail!("unsupported types")
    };
    codec.decode(codes, room)?;
    Ok(out)
}

/// Encodes with the checked encoder: refused, naming the defect and the nearest safe choice,
/// where poisson-numcodecs would lose data (as `encode --codec poisson` refuses).
fn poisson_encode(codec: &PoissonCodec, input: &NpyArray) -> Result<Samples> {
    let encoder = codec.encoder(sample_type(input)?)?;
    let mut codes = Samples::zeros(encoder.code_type().into(), input.samples.len());
    let (Some(samples), Some(room)) = (input.samples.sample_slice(), codes.code_slice_mut()) else {
        bail!("unsupported types")
    };
    encoder.encode(samples, room)?;
    Ok(codes)
}

/// Decodes as poisson-numcodecs decodes, bit for bit, into `decoded_dtype`; the reference's
/// defects the codes carry are said once on stderr.
fn poisson_decode(codec: &PoissonCodec, args: &CodecArgs, input: &NpyArray) -> Result<Samples> {
    let params = codec.params();
    if let Some(name) = &args.dtype
        && DataType::from_name(name) != Some(params.decoded_dtype)
    {
        bail!(
            "--dtype {name}: poisson decodes to its decoded_dtype, {}",
            params.decoded_dtype
        );
    }
    check_codes(input, params.encoded_dtype.into())?;
    for quirk in codec.quirks() {
        eprintln!("poisson: quirk ({}) {quirk}", quirk.letter());
    }
    let mut out = Samples::zeros(params.decoded_dtype.into(), input.samples.len());
    let (Some(codes), Some(room)) = (input.samples.code_slice(), out.sample_slice_mut()) else {
        bail!("unsupported types")
    };
    codec.decode(codes, room)?;
    Ok(out)
}
