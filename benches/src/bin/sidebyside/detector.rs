//! Detector calibration: ours against detectorcal 0.0.1.

use std::path::Path;

use anscombe_benches::sidebyside::{Row, median_seconds, print_table};
use anscombe_io::npy::NpyArray;
use anyhow::{Context, Result, bail};

use crate::{reference, relative_error, scratch};

/// Detector calibration, ours against detectorcal 0.0.1 on the same simulated float32 data: the
/// fit of a (50, 512, 512) beam sweep with a dark image (sigma 50) and the correction of a
/// (100, 512, 512) stack with dark, flat and residual correction (sigma 3). detectorcal uses a
/// dask cluster of two threads for the smoothing; we use two threads. Both sides work in
/// memory; results are compared with detectorcal's.
pub(crate) fn run(python: &Path) -> Result<()> {
    use anscombe_calibrate::detector::{Correction, Gaussian, Plane, ResponseFit};

    let dir = scratch()?;
    eprintln!("simulating the detector and running detectorcal (fit, then correct)...");
    let theirs = reference(python, "bench_detector.py", &[dir.display().to_string()])?;
    let load = |name: &str| NpyArray::read(dir.join(format!("{name}.npy")));
    let (sweep, dark, ct, flat) = (load("sweep")?, load("dark")?, load("ct")?, load("flat")?);
    let [_, height, width] = ct.shape[..] else {
        bail!("ct shape {:?}", ct.shape)
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build()?;
    let dark = Plane::from_samples(dark.samples)?;
    let flat = Plane::from_samples(flat.samples)?;
    let fit = ResponseFit::default();
    let mut calibration = None;
    let fit_seconds = median_seconds(
        3,
        || Ok::<(), anyhow::Error>(()),
        || {
            let mut source = anscombe_io::InMemory::new(sweep.shape.clone(), sweep.samples.clone());
            calibration = Some(pool.install(|| fit.fit(&mut source, Some(&dark), &mut |_, _| {}))?);
            Ok(())
        },
    )?;
    let calibration = calibration.context("a calibration")?;
    let reference_coefficients = load("coefficients_ref")?.samples.to_f64();
    let fit_error = relative_error(&calibration.coefficients, &reference_coefficients);
    let stack = Plane::from_samples(ct.samples)?;
    let mut corrected = vec![0.0; stack.len()];
    let correct_seconds = median_seconds(
        3,
        || Ok::<(), anyhow::Error>(()),
        || {
            let correction = Correction::new(
                height,
                width,
                reference_coefficients.clone(),
                Some(dark.clone()),
                Some(&flat),
                &Gaussian::new(50.0, 4.0)?,
                Some(3.0),
            )?;
            pool.install(|| {
                use rayon::prelude::*;
                let pixels = height * width;
                let frames: Vec<Plane> = (0..stack.len() / pixels)
                    .map(|i| stack.slice(i * pixels..(i + 1) * pixels))
                    .collect();
                corrected
                    .par_chunks_mut(pixels)
                    .zip(frames.par_iter())
                    .try_for_each(|(out, frame)| correction.apply(frame, out))
            })?;
            Ok(())
        },
    )?;
    let correct_error = relative_error(&corrected, &load("corrected_ref")?.samples.to_f64());
    let seconds = |key: &str| theirs[key].as_f64().context("reference timing");
    print_table(
        "detector: anscombe-calibrate against detectorcal 0.0.1 (2 threads each; input GB/s)",
        &[
            Row {
                label: "fit (50, 512, 512) float32 sweep, sigma 50".into(),
                bytes: (sweep.shape.iter().product::<usize>() * 4) as f64,
                ours: fit_seconds,
                reference: seconds("fit")?,
            },
            Row {
                label: "correct (100, 512, 512) float32, flat + residual".into(),
                bytes: (stack.len() * 4) as f64,
                ours: correct_seconds,
                reference: seconds("correct")?,
            },
        ],
    );
    println!(
        "largest relative difference from detectorcal: coefficients {fit_error:.1e} (float32 lstsq), corrected {correct_error:.1e}"
    );
    Ok(())
}
