//! `cargo xtask bench ratio`: the entropy stage after the Anscombe codec, ours against the
//! byte compressors and pcodec, on the same codes cut into the same chunks, one core.
//!
//! Every codec runs as the zarrs codec chain a store would hold, chunk by chunk, so the sizes
//! are what the stores hold (less metadata) and every round trip is checked.

use std::collections::HashMap;
use std::num::NonZeroU64;
use std::path::Path;

use anscombe_core::{Codec, V1Params};
use anscombe_io::Samples;
use anscombe_store::{BloscShuffle, Compressor, StoreSpec, array_metadata, context_chunk_shape};
use anyhow::{Context, Result, bail};
use zarrs::array::codec::CodecChain;
use zarrs::array::codec::api::{ArrayBytes, ArrayToBytesCodecTraits, CodecOptions};
use zarrs::array::{DataType, FillValue, data_type};
use zarrs::metadata::v3::MetadataV3;

use crate::poisson_movie;
use crate::sidebyside::median_seconds;

/// A movie of codes and the chunking the store helper would give it.
pub(crate) struct CodeMovie {
    pub(crate) name: String,
    pub(crate) shape: [usize; 3],
    pub(crate) codes: Vec<u8>,
    /// The store helper's default chunk shape (frames whole).
    pub(crate) chunk: [usize; 3],
}

/// One compressor's results on one movie.
struct Outcome {
    label: &'static str,
    bytes: usize,
    encode_s: f64,
    decode_s: f64,
}

/// The compressors compared: label, whether the codes go as `uint16`, and the store helper's
/// setting (so the chains are exactly what `anscombe encode --compressor` writes).
fn pipelines() -> Vec<(&'static str, bool, Compressor)> {
    let blosc = |shuffle| Compressor::BloscZstd { level: 5, shuffle };
    vec![
        ("anscombe-context", false, Compressor::Context),
        ("zstd 1", false, Compressor::Zstd { level: 1 }),
        ("zstd 3", false, Compressor::Zstd { level: 3 }),
        ("zstd 19", false, Compressor::Zstd { level: 19 }),
        ("blosc zstd 5 shuffle", false, blosc(BloscShuffle::Byte)),
        ("blosc zstd 5 bitshuffle", false, blosc(BloscShuffle::Bit)),
        // pcodec has no 8-bit type: the same code values as uint16.
        (
            "pcodec 8 (uint16 codes)",
            true,
            Compressor::Pcodec { level: 8 },
        ),
    ]
}

/// The V3 codec chain the store helper writes for codes of this type with `compressor`.
fn chain_metadata(compressor: Compressor, widen: bool) -> Result<Vec<MetadataV3>> {
    let data_type = if widen {
        anscombe_core::DataType::U16
    } else {
        anscombe_core::DataType::U8
    };
    let spec = StoreSpec {
        compressor,
        ..StoreSpec::new(vec![1, 1, 1], data_type, None)
    };
    let metadata = array_metadata(&spec)?;
    Ok(serde_json::from_value(metadata["codecs"].clone())?)
}

/// The codes of the bundled thunder mouse movie (gain 1.78, zero level 0, beta 0.5).
pub(crate) fn mouse(repo: &Path) -> Result<CodeMovie> {
    let path = repo.join("data/thunder_mouse_2p/mouse_500x64x64_int16.tif");
    let mut source = anscombe_io::open_movie(&path)?;
    let shape: [usize; 3] = source
        .shape()
        .try_into()
        .map_err(|_| anyhow::anyhow!("{} is not a (T, Y, X) movie", path.display()))?;
    let Samples::I16(samples) = source.read_frames(0, shape[0])? else {
        bail!("{} is not int16", path.display());
    };
    // At this gain the int16 range needs uint16 codes; this movie's codes all fit in a byte.
    let params = V1Params {
        encoded_dtype: anscombe_core::CodeType::U16,
        ..V1Params::new(0.0, 1.78)
    };
    let codec = Codec::<i16, u16>::new(&params.into())?;
    let mut wide = vec![0u16; samples.len()];
    codec.encode(&samples, &mut wide)?;
    let codes = wide
        .iter()
        .map(|&c| u8::try_from(c))
        .collect::<Result<Vec<u8>, _>>()
        .context("a code of the mouse movie exceeds 255")?;
    Ok(code_movie(
        "thunder mouse 2p (500, 64, 64) int16",
        shape,
        codes,
    ))
}

/// The codes of the synthetic Poisson movie of the Zarr benchmark (gain 40, zero level 100).
pub(crate) fn synthetic() -> Result<CodeMovie> {
    synthetic_frames(200)
}

/// [`synthetic`] with `frames` frames.
pub(crate) fn synthetic_frames(frames: usize) -> Result<CodeMovie> {
    let shape = [frames, 512, 512];
    let levels = poisson_movie(shape[0], shape[1], shape[2], 40.0, 100.0, 20.0, 11);
    let samples: Vec<u16> = levels
        .iter()
        .map(|&v| v.round().clamp(0.0, 65_535.0) as u16)
        .collect();
    let codec = Codec::<u16, u8>::new(&V1Params::new(100.0, 40.0).into())?;
    let mut codes = vec![0u8; samples.len()];
    codec.encode(&samples, &mut codes)?;
    Ok(code_movie(
        &format!("synthetic Poisson ({frames}, 512, 512) uint16"),
        shape,
        codes,
    ))
}

pub(crate) fn code_movie(name: &str, shape: [usize; 3], codes: Vec<u8>) -> CodeMovie {
    let chunk = anscombe_store::default_chunk_shape(&shape.map(|n| n as u64), 2);
    CodeMovie {
        name: name.to_string(),
        shape,
        codes,
        chunk: [chunk[0] as usize, chunk[1] as usize, chunk[2] as usize],
    }
}

/// Empirical entropies in bits per pixel: of a code alone, and of a code given the same
/// pixel's code in the previous frame (over all frames after the first).
fn entropy_bounds(movie: &CodeMovie) -> (f64, f64) {
    let frame = movie.shape[1] * movie.shape[2];
    let entropy = |counts: &HashMap<u32, u64>| {
        let total: u64 = counts.values().sum();
        counts
            .values()
            .map(|&n| {
                let p = n as f64 / total as f64;
                -(n as f64) * p.log2()
            })
            .sum::<f64>()
    };
    let mut alone = HashMap::new();
    for &c in &movie.codes {
        *alone.entry(u32::from(c)).or_insert(0u64) += 1;
    }
    let mut joint = HashMap::new();
    let mut previous = HashMap::new();
    for (now, before) in movie.codes[frame..].iter().zip(&movie.codes) {
        *joint
            .entry(u32::from(*before) << 8 | u32::from(*now))
            .or_insert(0u64) += 1;
        *previous.entry(u32::from(*before)).or_insert(0u64) += 1;
    }
    let pairs = (movie.codes.len() - frame) as f64;
    (
        entropy(&alone) / movie.codes.len() as f64,
        (entropy(&joint) - entropy(&previous)) / pairs,
    )
}

/// The movie cut into chunks of `chunk` (edge chunks cut short rather than padded, for every
/// codec alike), each with its shape.
pub(crate) fn tiles(movie: &CodeMovie, chunk: [usize; 3]) -> Vec<(Vec<NonZeroU64>, Vec<u8>)> {
    let [t, h, w] = movie.shape;
    let mut out = Vec::new();
    for t0 in (0..t).step_by(chunk[0]) {
        for y0 in (0..h).step_by(chunk[1]) {
            for x0 in (0..w).step_by(chunk[2]) {
                let size = [
                    chunk[0].min(t - t0),
                    chunk[1].min(h - y0),
                    chunk[2].min(w - x0),
                ];
                let mut codes = Vec::with_capacity(size.iter().product());
                for f in t0..t0 + size[0] {
                    for y in y0..y0 + size[1] {
                        let row = (f * h + y) * w;
                        codes.extend_from_slice(&movie.codes[row + x0..row + x0 + size[2]]);
                    }
                }
                let shape = size.map(|n| NonZeroU64::new(n as u64).expect("non-empty chunk"));
                out.push((shape.to_vec(), codes));
            }
        }
    }
    out
}

fn run_pipeline(
    movie: &CodeMovie,
    chunk: [usize; 3],
    label: &'static str,
    widen: bool,
    compressor: Compressor,
) -> Result<Outcome> {
    let metadata = chain_metadata(compressor, widen)?;
    let chain = CodecChain::from_metadata(&metadata).with_context(|| label.to_string())?;
    let (data_type, fill): (DataType, FillValue) = if widen {
        (data_type::uint16(), FillValue::from(0u16))
    } else {
        (data_type::uint8(), FillValue::from(0u8))
    };
    let chunks: Vec<(Vec<NonZeroU64>, Vec<u8>)> = tiles(movie, chunk)
        .into_iter()
        .map(|(shape, codes)| {
            let bytes = if widen {
                codes
                    .iter()
                    .flat_map(|&c| u16::from(c).to_ne_bytes())
                    .collect()
            } else {
                codes
            };
            (shape, bytes)
        })
        .collect();
    let options = CodecOptions::default().with_concurrent_target(1);
    let encode_all = || -> Result<Vec<Vec<u8>>> {
        chunks
            .iter()
            .map(|(shape, bytes)| {
                let encoded = chain.encode(
                    ArrayBytes::from(bytes.as_slice()),
                    shape,
                    &data_type,
                    &fill,
                    &options,
                )?;
                Ok(encoded.into_owned())
            })
            .collect()
    };
    let encoded = encode_all()?;
    let decode_all = || -> Result<()> {
        for ((shape, original), stored) in chunks.iter().zip(&encoded) {
            let decoded =
                chain.decode(stored.as_slice().into(), shape, &data_type, &fill, &options)?;
            if decoded.into_fixed()?.as_ref() != original.as_slice() {
                bail!("{label} did not round-trip");
            }
        }
        Ok(())
    };
    let repeats = 5;
    let encode_s = median_seconds(repeats, || Ok(()), || encode_all().map(drop))?;
    let decode_s = median_seconds(repeats, || Ok(()), decode_all)?;
    Ok(Outcome {
        label,
        bytes: encoded.iter().map(Vec::len).sum(),
        encode_s,
        decode_s,
    })
}

/// Runs the suite and prints one table per movie.
///
/// # Errors
/// A missing sample, a codec error or a failed round trip.
pub fn run(repo: &Path) -> Result<()> {
    anscombe_zarr::register();
    for movie in [mouse(repo)?, synthetic()?] {
        let pixels = movie.codes.len() as f64;
        let raw = pixels * 2.0;
        let (h0, conditional) = entropy_bounds(&movie);
        println!(
            "\n{}: anscombe-v1 uint8 codes, chunks {:?}, one core",
            movie.name, movie.chunk
        );
        println!(
            "entropy of the codes: order 0 {h0:.3} bits/pixel; given the previous frame's code {conditional:.3} bits/pixel (ratio {:.2}x against int16)",
            16.0 / conditional
        );
        println!(
            "{:<26} {:>8} {:>11} {:>15} {:>15}",
            "entropy stage", "ratio", "bits/pixel", "encode MB/s", "decode MB/s"
        );
        let mut runs = pipelines()
            .into_iter()
            .map(|(label, widen, compressor)| (label, widen, compressor, movie.chunk))
            .collect::<Vec<_>>();
        // The context coder's own default chunking, deeper in time, where it differs.
        let own = context_chunk_shape(&movie.shape.map(|n| n as u64), 2);
        let own = [own[0] as usize, own[1] as usize, own[2] as usize];
        if own != movie.chunk {
            runs.push(("context, own chunks", false, Compressor::Context, own));
            println!("(\"context, own chunks\": the store helper's chunks for it, {own:?})");
        }
        for (label, widen, compressor, chunk) in runs {
            let outcome = run_pipeline(&movie, chunk, label, widen, compressor)?;
            println!(
                "{:<26} {:>7.3}x {:>11.3} {:>15.1} {:>15.1}",
                outcome.label,
                raw / outcome.bytes as f64,
                outcome.bytes as f64 * 8.0 / pixels,
                raw / outcome.encode_s / 1e6,
                raw / outcome.decode_s / 1e6,
            );
        }
    }
    println!(
        "\nratio: raw int16 bytes over stored chunk bytes; MB/s: of raw int16 input (2 bytes a pixel)."
    );
    Ok(())
}
