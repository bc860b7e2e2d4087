//! `anscombe info`.

use anscombe_zarr::store::{array_codec, open_array, stored_bytes};
use anyhow::{Context, Result};
use serde::Serialize;

use crate::args::InfoArgs;

/// What `info` reports.
#[derive(Debug, Serialize)]
struct Info {
    zarr_format: u64,
    shape: Vec<u64>,
    data_type: String,
    chunks: Vec<u64>,
    chunks_total: u64,
    codecs: Vec<String>,
    anscombe: Option<serde_json::Value>,
    decoded_bytes: u64,
    stored_bytes: u64,
    ratio: f64,
}

/// Runs the command.
pub(crate) fn run(args: &InfoArgs) -> Result<()> {
    let array =
        open_array(&args.store).with_context(|| format!("cannot read {}", args.store.display()))?;
    let metadata = serde_json::to_value(array.metadata()).context("metadata")?;
    let format = metadata["zarr_format"].as_u64().unwrap_or(3);
    let codecs: Vec<String> = if format == 2 {
        let filters = metadata["filters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| f["id"].as_str().unwrap_or("?").to_string());
        let compressor = metadata
            .get("compressor")
            .filter(|c| !c.is_null())
            .map(|c| format!("{} (compressor)", c["id"].as_str().unwrap_or("?")));
        filters.chain(compressor).collect()
    } else {
        metadata["codecs"]
            .as_array()
            .into_iter()
            .flatten()
            // A codec without configuration may be written as its bare name.
            .map(|c| c.as_str().or(c["name"].as_str()).unwrap_or("?").to_string())
            .collect()
    };
    let shape = array.shape().to_vec();
    let chunks = array
        .chunk_grid()
        .chunk_shape_u64(&vec![0; shape.len()])
        .ok()
        .flatten()
        .unwrap_or_default();
    let size = anscombe_zarr::store::ZarrMovie::open(&args.store)
        .map_or(0, |m| anscombe_io::FrameSource::element(&m).size());
    let decoded = shape.iter().product::<u64>() * size as u64;
    let stored = stored_bytes(&args.store);
    let info = Info {
        zarr_format: format,
        chunks_total: shape.iter().zip(&chunks).map(|(&s, &c)| s.div_ceil(c.max(1))).product(),
        shape,
        data_type: array.data_type().to_string(),
        chunks,
        codecs,
        anscombe: array_codec(&array).map(|p| {
            serde_json::json!({"codec": p.identity().name(), "conversion_gain": p.conversion_gain(), "zero_level": p.zero_level(), "beta": p.beta()})
        }),
        decoded_bytes: decoded,
        stored_bytes: stored,
        ratio: decoded as f64 / stored.max(1) as f64,
    };
    if args.json {
        crate::io::print_json(&info)?;
        return Ok(());
    }
    println!("{} (Zarr V{})", args.store.display(), info.zarr_format);
    println!("shape      {:?} {}", info.shape, info.data_type);
    println!(
        "chunks     {:?} ({} in all)",
        info.chunks, info.chunks_total
    );
    println!("codecs     {}", info.codecs.join(" -> "));
    if let Some(a) = &info.anscombe {
        println!(
            "anscombe   {} gain {} zero level {} beta {}",
            a["codec"].as_str().unwrap_or("?"),
            a["conversion_gain"],
            a["zero_level"],
            a["beta"]
        );
    }
    println!(
        "size       {} bytes decoded, {} stored, ratio {:.3}x",
        info.decoded_bytes, info.stored_bytes, info.ratio
    );
    Ok(())
}
