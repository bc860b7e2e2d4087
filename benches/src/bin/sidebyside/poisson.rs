//! The `poisson` codec: ours against poisson-numcodecs 0.1.0, both modes.

use std::path::Path;

use anscombe_benches::poisson_movie;
use anscombe_benches::sidebyside::{Row, median_seconds, print_table};
use anscombe_core::Sample;
use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anscombe_testkit::sha256_hex;
use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use crate::{reference, scratch};

/// The `poisson` codec, ours against poisson-numcodecs 0.1.0 on a (100, 512, 512) int16
/// movie, both modes: ours on one thread, and on every core with the movie cut in frames (as
/// a store's chunks are coded in parallel); NumPy's reference runs on one. The configuration is one our writer accepts in both modes,
/// which few are with uint8 codes and int16 values (dark 50: of photon sensitivities 15 to 30
/// in steps of 0.5, only 17): at 20 formula mode is refused (code 162, input 32767, decodes to
/// 32852, past int16), at 22 lookup mode (its ramp lifts the top entry to 32839).
pub(crate) fn run(python: &Path) -> Result<()> {
    use anscombe_core::{PoissonCodec, PoissonParams};

    if anscombe_testkit::poisson_reference().is_none() {
        println!(
            "poisson suite skipped: poisson-numcodecs' source (../shared/reference) is absent, \
             so the reference cannot run"
        );
        return Ok(());
    }
    let dir = scratch()?;
    let (frames, height, width, repeats) = (100, 512, 512, 7);
    let (dark, sensitivity) = (50.0, 17.0);
    eprintln!("generating a ({frames}, {height}, {width}) int16 Poisson movie...");
    let levels = poisson_movie(frames, height, width, sensitivity, dark, 20.0, 13);
    let samples: Vec<i16> = levels.iter().map(|&v| i16::from_f64(v.round())).collect();
    let path = dir.join("movie.npy");
    NpyArray::new(vec![frames, height, width], Samples::I16(samples.clone()))
        .context("shape")?
        .write(&path)?;
    let bytes = (samples.len() * 2) as f64;
    let threads = rayon::current_num_threads();
    let mut rows = Vec::new();
    for use_lookup in [true, false] {
        let mode = if use_lookup { "lookup" } else { "formula" };
        let params = PoissonParams {
            use_lookup,
            ..PoissonParams::new(dark, sensitivity)
        };
        let ours = poisson_ours(
            &PoissonCodec::new(&params)?,
            &samples,
            height * width,
            repeats,
        )?;
        let (codes, decoded) = (&ours.codes, &ours.decoded);
        eprintln!("running poisson-numcodecs, {mode} mode ({repeats} repeats)...");
        let theirs = reference(
            python,
            "bench_poisson.py",
            &[
                path.display().to_string(),
                dark.to_string(),
                sensitivity.to_string(),
                use_lookup.to_string(),
                repeats.to_string(),
            ],
        )?;
        // The same codes and values as the reference, or the timing means nothing.
        if theirs["codes_sha256"].as_str() != Some(sha256_hex(codes).as_str())
            || theirs["decoded_sha256"].as_str()
                != Some(sha256_hex(bytemuck::cast_slice(decoded)).as_str())
        {
            bail!("{mode} mode: our codes or decoded values differ from the reference's");
        }
        let seconds = |key: &str| theirs[key].as_f64().context("reference timing");
        rows.push(Row {
            label: format!("{mode} encode int16 -> uint8"),
            bytes,
            ours: ours.encode,
            reference: seconds("encode_s")?,
        });
        rows.push(Row {
            label: format!("{mode} decode uint8 -> int16"),
            bytes,
            ours: ours.decode,
            reference: seconds("decode_s")?,
        });
        rows.push(Row {
            label: format!("{mode} encode, ours on {threads} threads"),
            bytes,
            ours: ours.encode_all,
            reference: seconds("encode_s")?,
        });
        rows.push(Row {
            label: format!("{mode} decode, ours on {threads} threads"),
            bytes,
            ours: ours.decode_all,
            reference: seconds("decode_s")?,
        });
    }
    print_table(
        &format!(
            "poisson codec ({frames}, {height}, {width}) int16, dark 50, photon sensitivity 17, \
             uint8 codes; identical codes and values checked; ours on 1 thread unless marked, \
             the reference on 1; GB/s of samples"
        ),
        &rows,
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// Our side of one `poisson` mode: the codes and values, and the median seconds of encoding
/// and decoding the movie on one thread and with its frames on every thread.
struct PoissonTimes {
    codes: Vec<u8>,
    decoded: Vec<i16>,
    encode: f64,
    decode: f64,
    encode_all: f64,
    decode_all: f64,
}

fn poisson_ours(
    codec: &anscombe_core::PoissonCodec,
    samples: &[i16],
    frame: usize,
    repeats: usize,
) -> Result<PoissonTimes> {
    use anscombe_core::{CodeSlice, CodeSliceMut, DataType, SampleSlice, SampleSliceMut};

    let encoder = codec.encoder(DataType::I16)?;
    let mut codes = vec![0u8; samples.len()];
    let mut decoded = vec![0i16; samples.len()];
    let encode = median_seconds(
        repeats,
        || Ok(()),
        || encoder.encode(SampleSlice::I16(samples), CodeSliceMut::U8(&mut codes)),
    )?;
    let decode = median_seconds(
        repeats,
        || Ok(()),
        || codec.decode(CodeSlice::U8(&codes), SampleSliceMut::I16(&mut decoded)),
    )?;
    let mut codes_all = vec![0u8; samples.len()];
    let encode_all = median_seconds(
        repeats,
        || Ok(()),
        || {
            samples
                .par_chunks(frame)
                .zip(codes_all.par_chunks_mut(frame))
                .try_for_each(|(s, c)| encoder.encode(SampleSlice::I16(s), CodeSliceMut::U8(c)))
        },
    )?;
    let mut decoded_all = vec![0i16; samples.len()];
    let decode_all = median_seconds(
        repeats,
        || Ok(()),
        || {
            codes
                .par_chunks(frame)
                .zip(decoded_all.par_chunks_mut(frame))
                .try_for_each(|(c, d)| codec.decode(CodeSlice::U8(c), SampleSliceMut::I16(d)))
        },
    )?;
    if codes_all != codes || decoded_all != decoded {
        bail!("coding in parallel gave other codes or values");
    }
    Ok(PoissonTimes {
        codes,
        decoded,
        encode,
        decode,
        encode_all,
        decode_all,
    })
}
