//! `anscombe codec encode|decode`: one codec on one array.

use anscombe_core::{AnyCodec, DataType};
use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anscombe_zarr::AnscombeConfiguration;
use anyhow::{Context, Result, anyhow, bail};

use crate::args::{CodecArgs, CodecCommand};
use crate::io::check_output;

/// Parses a codec's Zarr V3 metadata object.
fn configuration(text: &str) -> Result<AnscombeConfiguration> {
    let json: serde_json::Value = serde_json::from_str(text).context("--codec is not JSON")?;
    let name = json["name"].as_str();
    match name.and_then(|n| AnscombeConfiguration::from_json(n, json["configuration"].clone())) {
        Some(parsed) => parsed.with_context(|| format!("{} configuration", name.unwrap_or("?"))),
        None => bail!("--codec name {name:?}: expected anscombe-v1 or anscombe-transform"),
    }
}

/// Runs the command.
pub(crate) fn run(command: &CodecCommand) -> Result<()> {
    let (args, encoding) = match command {
        CodecCommand::Encode(a) => (a, true),
        CodecCommand::Decode(a) => (a, false),
    };
    check_output(&args.output, args.force)?;
    let configuration = configuration(&args.codec)?;
    let params = configuration.params()?;
    let input = NpyArray::read(&args.input)?;
    let output = if encoding {
        encode(&params, &input)?
    } else {
        decode(&params, &configuration, args, &input)?
    };
    NpyArray::new(input.shape.clone(), output)
        .context("shape")?
        .write(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    Ok(())
}

fn encode(params: &anscombe_core::CodecParams, input: &NpyArray) -> Result<Samples> {
    let data_type = input
        .samples
        .element()
        .data_type()
        .ok_or_else(|| anyhow!("{} samples cannot be encoded", input.samples.element()))?;
    let codec = AnyCodec::new(params, data_type)?;
    let mut codes = Samples::zeros(codec.rule().code_type().into(), input.samples.len());
    let (Some(samples), Some(room)) = (input.samples.sample_slice(), codes.code_slice_mut()) else {
        bail!("unsupported types")
    };
    codec.encode(samples, room)?;
    Ok(codes)
}

fn decode(
    params: &anscombe_core::CodecParams,
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
    if input.samples.element() != codec.rule().code_type().into() {
        bail!(
            "the codes are {}, this configuration uses {} codes",
            input.samples.element(),
            codec.rule().code_type()
        );
    }
    let mut out = Samples::zeros(data_type.into(), input.samples.len());
    let (Some(codes), Some(room)) = (input.samples.code_slice(), out.sample_slice_mut()) else {
        bail!("unsupported types")
    };
    codec.decode(codes, room)?;
    Ok(out)
}
