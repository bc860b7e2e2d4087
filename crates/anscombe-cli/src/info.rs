//! `anscombe info`.

use anscombe_store::StoreInfo;
use anyhow::{Context, Result};

use crate::args::InfoArgs;

/// Runs the command.
pub(crate) fn run(args: &InfoArgs) -> Result<()> {
    let info = StoreInfo::read(&args.store)
        .with_context(|| format!("cannot read {}", args.store.display()))?;
    if args.json {
        return crate::io::print_json(&info);
    }
    println!("{} (Zarr V{})", args.store.display(), info.zarr_format);
    println!("shape      {:?} {}", info.shape, info.data_type);
    println!(
        "chunks     {:?} ({} stored of {} expected)",
        info.chunks, info.chunks_stored, info.chunks_total
    );
    if info.chunks_stored < info.chunks_total {
        println!(
            "missing    {} chunks are not stored and read as the fill value",
            info.chunks_total - info.chunks_stored
        );
    }
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
    if let Some(p) = &info.poisson {
        println!(
            "poisson    photon_sensitivity {} dark_signal {} beta {} {} -> {} codes, {} mode",
            p["photon_sensitivity"],
            p["dark_signal"],
            p.get("beta").unwrap_or(&serde_json::json!(0.5)),
            p["decoded_dtype"].as_str().unwrap_or("int16"),
            p["encoded_dtype"].as_str().unwrap_or("uint8"),
            if p["use_lookup"].as_bool().unwrap_or(true) {
                "lookup"
            } else {
                "formula"
            }
        );
        // The reference's defects these values carry, said once (spec/poisson-codec.md, 6).
        for quirk in p["quirks"].as_array().into_iter().flatten() {
            println!(
                "  quirk ({}) {}",
                quirk["letter"].as_str().unwrap_or("?"),
                quirk["detail"].as_str().unwrap_or("?")
            );
        }
    }
    let over = if info.chunks_stored < info.chunks_total {
        " (over the stored chunks)"
    } else {
        ""
    };
    println!(
        "size       {} bytes decoded, {} stored, ratio {:.3}x{over}",
        info.decoded_bytes, info.stored_bytes, info.ratio
    );
    Ok(())
}
