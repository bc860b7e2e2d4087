//! `cargo xtask bench entropy`: the context coder's format versions side by side with zstd 1
//! and 3 on the same chunks of codes, one core, `uint8` and `uint16` codes.
//!
//! Each codec is called directly on each chunk (no zarrs chain), so the figures are the coders'
//! own. On a shared machine the absolute GB/s move with the load; the ratios to zstd in the
//! same run are the figures to compare, and the load average is printed beside them.

use std::path::Path;

use anscombe_entropy::{Dims, Sample, decode_into, encode_version};
use anscombe_store::context_chunk_shape;
use anyhow::{Result, bail};

use crate::ratio::{CodeMovie, code_movie, mouse, synthetic_frames, tiles};
use crate::sidebyside::median_seconds;

/// One codec's results on one movie.
struct Outcome {
    label: String,
    bytes: usize,
    encode_s: f64,
    decode_s: f64,
}

/// The load average (1, 5 and 15 minutes), as `uptime` prints it.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_string(),
        |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

/// The mouse movie's first `frames` frames, each tiled to `height` x `width` (the issue's
/// (100, 512, 512) chunk set of real photon-limited data).
fn tiled_mouse(movie: &CodeMovie, frames: usize, height: usize, width: usize) -> CodeMovie {
    let [t, h, w] = movie.shape;
    let frames = frames.min(t);
    let mut codes = Vec::with_capacity(frames * height * width);
    for f in 0..frames {
        for y in 0..height {
            let row = (f * h + y % h) * w;
            codes.extend((0..width).map(|x| movie.codes[row + x % w]));
        }
    }
    code_movie(
        &format!("thunder mouse 2p tiled ({frames}, {height}, {width})"),
        [frames, height, width],
        codes,
    )
}

/// The chunks of `movie` for the context coder (the store helper's chunking for it), as `T`.
fn chunks<T: From<u8>>(movie: &CodeMovie) -> Vec<(Dims, Vec<T>)> {
    let chunk = context_chunk_shape(&movie.shape.map(|n| n as u64), 2);
    let chunk = [chunk[0] as usize, chunk[1] as usize, chunk[2] as usize];
    tiles(movie, chunk)
        .into_iter()
        .map(|(shape, codes)| {
            let shape: Vec<u64> = shape.iter().map(|n| n.get()).collect();
            (
                Dims::from_shape(&shape),
                codes.into_iter().map(T::from).collect(),
            )
        })
        .collect()
}

fn context<T: Sample + PartialEq>(
    chunks: &[(Dims, Vec<T>)],
    version: u8,
    repeats: usize,
) -> Result<Outcome> {
    let encode_all = || -> Result<Vec<Vec<u8>>> {
        chunks
            .iter()
            .map(|(dims, samples)| Ok(encode_version(samples, *dims, version)?))
            .collect()
    };
    let encoded = encode_all()?;
    let mut out: Vec<Vec<T>> = chunks
        .iter()
        .map(|(_, s)| vec![T::default(); s.len()])
        .collect();
    let mut decode_all = || -> Result<()> {
        for ((dims, _), (stream, out)) in chunks.iter().zip(encoded.iter().zip(out.iter_mut())) {
            decode_into(stream, *dims, out)?;
        }
        Ok(())
    };
    let encode_s = median_seconds(repeats, || Ok(()), || encode_all().map(drop))?;
    let decode_s = median_seconds(repeats, || Ok(()), &mut decode_all)?;
    if chunks.iter().zip(&out).any(|((_, s), o)| s != o) {
        bail!("anscombe-context version {version} did not round-trip");
    }
    Ok(Outcome {
        label: format!("anscombe-context v{version}"),
        bytes: encoded.iter().map(Vec::len).sum(),
        encode_s,
        decode_s,
    })
}

fn zstd_level<T: bytemuck::Pod>(
    chunks: &[(Dims, Vec<T>)],
    level: i32,
    repeats: usize,
) -> Result<Outcome> {
    let raw: Vec<&[u8]> = chunks
        .iter()
        .map(|(_, s)| bytemuck::cast_slice(s))
        .collect();
    let mut compressor = zstd::bulk::Compressor::new(level)?;
    let mut encode_all = || -> Result<Vec<Vec<u8>>> {
        raw.iter()
            .map(|bytes| Ok(compressor.compress(bytes)?))
            .collect()
    };
    let encoded = encode_all()?;
    let mut decompressor = zstd::bulk::Decompressor::new()?;
    let mut out: Vec<Vec<u8>> = raw.iter().map(|r| vec![0u8; r.len()]).collect();
    let mut decode_all = || -> Result<()> {
        for (stream, out) in encoded.iter().zip(out.iter_mut()) {
            decompressor.decompress_to_buffer(stream, out.as_mut_slice())?;
        }
        Ok(())
    };
    let encode_s = median_seconds(repeats, || Ok(()), || encode_all().map(drop))?;
    let decode_s = median_seconds(repeats, || Ok(()), &mut decode_all)?;
    if raw.iter().zip(&out).any(|(r, o)| *r != o.as_slice()) {
        bail!("zstd {level} did not round-trip");
    }
    Ok(Outcome {
        label: format!("zstd {level}"),
        bytes: encoded.iter().map(Vec::len).sum(),
        encode_s,
        decode_s,
    })
}

fn table<T: Sample + bytemuck::Pod + PartialEq + From<u8>>(
    movie: &CodeMovie,
    type_name: &str,
) -> Result<()> {
    let chunks = chunks::<T>(movie);
    let pixels = movie.codes.len() as f64;
    let code_bytes = pixels * f64::from(T::BYTES);
    let repeats = 5;
    let outcomes = [
        context(&chunks, 1, repeats)?,
        context(&chunks, 2, repeats)?,
        zstd_level(&chunks, 1, repeats)?,
        zstd_level(&chunks, 3, repeats)?,
    ];
    let zstd3 = &outcomes[3];
    println!(
        "\n{}, {type_name} codes, chunks {:?}, one core (load {})",
        movie.name,
        chunks.first().map(|(d, _)| [d.frames, d.rows, d.width]),
        load()
    );
    println!(
        "{:<22} {:>8} {:>11} {:>11} {:>11} {:>12} {:>12}",
        "coder", "ratio", "bits/pixel", "enc GB/s", "dec GB/s", "enc/zstd 3", "dec/zstd 3"
    );
    for o in &outcomes {
        println!(
            "{:<22} {:>7.3}x {:>11.3} {:>11.3} {:>11.3} {:>11.2}x {:>11.2}x",
            o.label,
            pixels * 2.0 / o.bytes as f64,
            o.bytes as f64 * 8.0 / pixels,
            code_bytes / o.encode_s / 1e9,
            code_bytes / o.decode_s / 1e9,
            zstd3.encode_s / o.encode_s,
            zstd3.decode_s / o.decode_s,
        );
    }
    Ok(())
}

/// Runs the suite: the mouse movie as it is and tiled to (100, 512, 512), and a synthetic
/// Poisson movie of (100, 512, 512), each as `uint8` and as `uint16` codes.
///
/// # Errors
/// A missing sample, a codec error or a failed round trip.
pub fn run(repo: &Path) -> Result<()> {
    println!("load before: {}", load());
    let native = mouse(repo)?;
    let tiled = tiled_mouse(&native, 100, 512, 512);
    let synthetic = synthetic_frames(100)?;
    for movie in [&native, &tiled, &synthetic] {
        table::<u8>(movie, "uint8")?;
        table::<u16>(movie, "uint16")?;
    }
    println!(
        "\nratio: raw int16 bytes over coded bytes; GB/s: of codes (1 or 2 bytes a pixel); \
         x/zstd 3: speed over zstd 3's in the same table. Load after: {}",
        load()
    );
    Ok(())
}
