//! Raster calibration: ours, streaming, against poisson-numcodecs.

use std::path::Path;
use std::process::Command;

use anscombe_benches::sidebyside::{Row, print_table};
use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anyhow::{Context, Result, bail};

use crate::{peak_rss_mib, reference, scratch};

/// Streams a movie file through the raster calibration (2 groups, the reference's default
/// filters) and makes its maps; prints JSON.
pub(crate) fn stream(movie: &Path) -> Result<()> {
    use anscombe_calibrate::raster::{RasterOptions, moments_of_source, raster_calibrate};

    let start = std::time::Instant::now();
    let mut source = anscombe_io::open_movie(movie)?;
    let statistics = moments_of_source(source.as_mut(), &mut |_, _| {})?;
    let options = RasterOptions {
        groups: 2,
        ..RasterOptions::default()
    };
    let result = raster_calibrate(&statistics, &options)?;
    // The maps, as the reference's assignment images make them.
    let maps = (
        result.gain_map(),
        result.zero_level_map(),
        result.group_map(),
    );
    let seconds = start.elapsed().as_secs_f64();
    std::hint::black_box(&maps);
    println!(
        "{}",
        serde_json::json!({"seconds": seconds, "peak_rss_mib": peak_rss_mib(),
                           "gains": result.groups.iter().map(|l| l.conversion_gain).collect::<Vec<_>>(),
                           "zero_levels": result.groups.iter().map(|l| l.zero_level).collect::<Vec<_>>(),
                           "pixels_fitted": result.fitted.len()})
    );
    Ok(())
}

/// Raster calibration with 2 pixel groups (gains 10 and 15, zero levels 1 and 2, 1 to 5
/// photons a frame), ours streaming from disk against poisson-numcodecs with the movie in
/// memory, on a (300, 512, 512) int16 movie; ours again on the movie three times over, whose
/// same peak memory shows that it does not grow with the movie's length. The reference row is
/// skipped, with the reason, when poisson-numcodecs is not there.
pub(crate) fn run(python: &Path) -> Result<()> {
    use anscombe_calibrate::synthetic::RasterSpec;

    let dir = scratch()?;
    let spec = RasterSpec::two_detectors(300, 512, 512, 23);
    eprintln!("generating a (300, 512, 512) int16 movie of two pixel groups...");
    let (movie, _) = spec.generate::<i16>();
    let path = dir.join("movie300.npy");
    let long = dir.join("movie900.npy");
    NpyArray::new(vec![300, 512, 512], Samples::I16(movie.clone()))
        .context("shape")?
        .write(&path)?;
    let thrice: Vec<i16> = movie.iter().chain(&movie).chain(&movie).copied().collect();
    drop(movie);
    NpyArray::new(vec![900, 512, 512], Samples::I16(thrice))
        .context("shape")?
        .write(&long)?;
    let me = std::env::current_exe()?;
    let ours = |movie: &Path| -> Result<serde_json::Value> {
        let output = Command::new(&me)
            .args(["raster-stream", &movie.display().to_string()])
            .output()?;
        if !output.status.success() {
            bail!(
                "streaming raster calibration failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(serde_json::from_slice(&output.stdout)?)
    };
    let value = |v: &serde_json::Value, key: &str| v[key].as_f64().unwrap_or(f64::NAN);
    let short = ours(&path)?;
    let tripled = ours(&long)?;
    println!("truth: gains 10/15, zero levels 1/2");
    println!(
        "ours, 300 frames: {} ({:.2} s, peak memory {:.0} MiB)",
        raster_lines(&short),
        value(&short, "seconds"),
        value(&short, "peak_rss_mib")
    );
    println!(
        "ours, 900 frames: {} ({:.2} s, peak memory {:.0} MiB)",
        raster_lines(&tripled),
        value(&tripled, "seconds"),
        value(&tripled, "peak_rss_mib")
    );
    let theirs = raster_reference(python, &path)?;
    let rows = [Row {
        label: "raster, 2 groups, 300 frames (ours streams from disk)".into(),
        bytes: 300.0 * 512.0 * 512.0 * 2.0,
        ours: value(&short, "seconds"),
        reference: theirs.as_ref().map_or(f64::NAN, |t| value(t, "seconds")),
    }];
    print_table(
        "raster calibration, int16 512x512 frames, constructor + fit + maps (reference: movie in memory)",
        &rows,
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// The lines of a raster calibration's JSON, in a few words.
fn raster_lines(v: &serde_json::Value) -> String {
    let list = |key: &str| {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| format!("{:.3}", x.as_f64().unwrap_or(f64::NAN)))
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    };
    format!(
        "gains {}, zero levels {}, {} pixels fitted",
        list("gains"),
        list("zero_levels"),
        v["pixels_fitted"]
    )
}

/// poisson-numcodecs on the movie, or `None` with the reason printed when it is not there.
fn raster_reference(python: &Path, movie: &Path) -> Result<Option<serde_json::Value>> {
    let present = anscombe_testkit::shared_dir()
        .map(|s| s.join("reference/poisson-numcodecs-0.1.0"))
        .is_some_and(|f| f.is_dir());
    if !present {
        println!(
            "reference row skipped: the poisson-numcodecs source \
             (../shared/reference/poisson-numcodecs-0.1.0) is absent"
        );
        return Ok(None);
    }
    eprintln!("running poisson-numcodecs (5 Powell searches on 262144 pixels)...");
    let theirs = reference(
        python,
        "bench_raster.py",
        &[movie.display().to_string(), "2".into()],
    )?;
    if let Some(reason) = theirs["skipped"].as_str() {
        println!("reference row skipped: {reason}");
        return Ok(None);
    }
    println!(
        "reference, 300 frames: {} ({:.2} s)",
        raster_lines(&theirs),
        theirs["seconds"].as_f64().unwrap_or(f64::NAN)
    );
    Ok(Some(theirs))
}
