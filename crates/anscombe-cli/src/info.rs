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
