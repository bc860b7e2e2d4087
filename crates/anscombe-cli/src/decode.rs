//! `anscombe decode`.

use anscombe_io::{FrameRange, FrameSource, MovieWriter, stream_frames};
use anscombe_store::{ZarrMovie, batch_frames};
use anyhow::{Context, Result, bail};

use crate::Failure;
use crate::args::DecodeArgs;
use crate::io::{check_output, progress};

/// Parses `first..end` or `first..` against the number of frames.
pub(crate) fn frame_range(text: Option<&str>, frames: usize) -> Result<std::ops::Range<usize>> {
    let Some(text) = text else {
        return Ok(0..frames);
    };
    let (first, end) = text
        .split_once("..")
        .with_context(|| format!("--frames {text}: write first..end or first.."))?;
    let number = |s: &str, default: usize| -> Result<usize> {
        if s.is_empty() {
            Ok(default)
        } else {
            s.trim()
                .parse()
                .with_context(|| format!("--frames {text}: {s} is not a frame number"))
        }
    };
    let (first, end) = (number(first, 0)?, number(end, frames)?);
    if first >= end || end > frames {
        bail!("--frames {text}: the store has frames 0..{frames}");
    }
    Ok(first..end)
}

/// Runs the command; a `--frames` the store does not have is a usage error (exit 2).
pub(crate) fn run(args: &DecodeArgs) -> Result<(), Failure> {
    check_output(&args.output, args.force)?;
    let mut store = ZarrMovie::open(&args.store)
        .with_context(|| format!("cannot read {}", args.store.display()))?;
    // Decoding reproduces the writer's defects bit for bit; say what they cost, once.
    for quirk in store.poisson_quirks() {
        eprintln!("poisson: {quirk}");
    }
    let range = frame_range(args.frames.as_deref(), store.frames()).map_err(Failure::Usage)?;
    let mut part = FrameRange::new(&mut store, range.clone())?;
    let mut writer = MovieWriter::create(&args.output, part.shape(), part.element())?;
    let bar = progress(range.len() as u64, "decoding");
    let batch = batch_frames(part.frame_len() * part.element().size(), 1);
    let frame = part.frame_len().max(1);
    stream_frames(&mut part, batch, |first, samples| {
        writer.write(&samples)?;
        bar.set_position((first + samples.len() / frame) as u64);
        Ok::<(), anscombe_io::MovieError>(())
    })?;
    writer
        .finish()
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    bar.finish_and_clear();
    println!(
        "wrote frames {}..{} of {} to {}",
        range.start,
        range.end,
        args.store.display(),
        args.output.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::frame_range;

    #[test]
    fn frame_ranges() {
        assert_eq!(frame_range(None, 10).expect("all"), 0..10);
        assert_eq!(frame_range(Some("2..5"), 10).expect("range"), 2..5);
        assert_eq!(frame_range(Some("7.."), 10).expect("tail"), 7..10);
        assert!(frame_range(Some("5..2"), 10).is_err());
        assert!(frame_range(Some("0..11"), 10).is_err());
        assert!(frame_range(Some("a..b"), 10).is_err());
    }
}
