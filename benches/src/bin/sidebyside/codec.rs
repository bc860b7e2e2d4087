//! Encode and decode: ours against anscombe-transform 1.0.0.

use std::path::Path;

use anscombe_benches::poisson_movie;
use anscombe_benches::sidebyside::{Row, median_seconds, print_table};
use anscombe_core::{Codec, Sample, V1Params};
use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anyhow::{Context, Result};

use crate::{reference, scratch};

/// Encode and decode, ours against anscombe-transform 1.0.0, on the chunk shapes.
pub(crate) fn run(python: &Path) -> Result<()> {
    let dir = scratch()?;
    let mut rows = Vec::new();
    for (t, y, x, repeats) in [(5, 32, 32, 400), (10, 512, 512, 30)] {
        let levels = poisson_movie(t, y, x, 40.0, 100.0, 20.0, 7);
        let shape = format!("{t}x{y}x{x}");
        rows.extend(core_pair::<u16>(
            python,
            &dir,
            &levels,
            [t, y, x],
            &format!("u16->u8 {shape}"),
            repeats,
        )?);
        rows.extend(core_pair::<i16>(
            python,
            &dir,
            &levels,
            [t, y, x],
            &format!("i16->u8 {shape}"),
            repeats,
        )?);
    }
    print_table(
        "anscombe-v1 (gain 40, zero level 100, uint8 codes), one core, GB/s of samples",
        &rows,
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

fn core_pair<I: Sample>(
    python: &Path,
    dir: &Path,
    levels: &[f64],
    shape: [usize; 3],
    label: &str,
    repeats: usize,
) -> Result<Vec<Row>> {
    let samples: Vec<I> = levels.iter().map(|&v| I::from_f64(v.round())).collect();
    let params = V1Params {
        decoded_dtype: I::DATA_TYPE,
        ..V1Params::new(100.0, 40.0)
    };
    let codec = Codec::<I, u8>::new(&params.into())?;
    let mut codes = vec![u8::default(); samples.len()];
    let mut decoded = vec![I::from_f64(0.0); samples.len()];
    let encode = median_seconds(repeats, || Ok(()), || codec.encode(&samples, &mut codes))?;
    let decode = median_seconds(repeats, || Ok(()), || codec.decode(&codes, &mut decoded))?;

    let path = dir.join(format!("{}.npy", label.replace(['>', ' '], "_")));
    let stored = Samples::from_f64(
        I::DATA_TYPE.into(),
        &levels.iter().map(|v| v.round()).collect::<Vec<_>>(),
    );
    NpyArray::new(shape.to_vec(), stored)
        .context("shape")?
        .write(&path)?;
    let theirs = reference(
        python,
        "bench_core.py",
        &[
            path.display().to_string(),
            "40".into(),
            "100".into(),
            "uint8".into(),
            I::DATA_TYPE.name().into(),
            repeats.to_string(),
        ],
    )?;
    let bytes = (samples.len() * I::DATA_TYPE.size()) as f64;
    let seconds = |key: &str| theirs[key].as_f64().context("reference timing");
    Ok(vec![
        Row {
            label: format!("{label} encode"),
            bytes,
            ours: encode,
            reference: seconds("encode_s")?,
        },
        Row {
            label: format!("{label} decode"),
            bytes,
            ours: decode,
            reference: seconds("decode_s")?,
        },
    ])
}
