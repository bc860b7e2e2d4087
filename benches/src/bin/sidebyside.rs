//! Side-by-side benchmark runner: ours and the Python reference on the same data, in one run.
//!
//! Usage: `sidebyside SUITE PYTHON` (run through `cargo xtask bench SUITE`, which builds this
//! in release mode and provides the virtual environment's interpreter).

use std::path::{Path, PathBuf};
use std::process::Command;

use anscombe_benches::poisson_movie;
use anscombe_benches::sidebyside::{Row, median_seconds, print_table};
use anscombe_core::{Codec, Sample, V1Params};
use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anscombe_testkit::sha256_hex;
use anyhow::{Context, Result, bail};
use rayon::prelude::*;

/// Reused memory instead of fresh pages per chunk buffer (as the `anscombe` binary does).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(suite), Some(python)) = (args.get(1), args.get(2)) else {
        bail!("usage: sidebyside SUITE PYTHON");
    };
    match suite.as_str() {
        "core" => core(Path::new(python)),
        "poisson" => poisson(Path::new(python)),
        "zarr" => zarr(Path::new(python)),
        "calibrate" => calibrate(Path::new(python)),
        "cli" => cli(Path::new(python)),
        "pyramid" => pyramid(Path::new(python)),
        "background" => background(Path::new(python)),
        "detector" => detector(Path::new(python)),
        "ratio" => anscombe_benches::ratio::run(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")),
        "entropy" => {
            anscombe_benches::entropy::run(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        }
        // Internal: one streaming calibration in a process of its own, for its peak memory.
        "calibrate-stream" => calibrate_stream(Path::new(python)),
        "raster" => raster(Path::new(python)),
        // Internal: one streaming raster calibration in a process of its own.
        "raster-stream" => raster_stream(Path::new(python)),
        other => bail!(
            "unknown suite {other:?} (known: core, poisson, zarr, calibrate, raster, cli, pyramid, background, detector, ratio, entropy)"
        ),
    }
}

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python")
}

fn scratch() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("anscombe-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Runs a reference script that prints one JSON object.
fn reference(python: &Path, script: &str, args: &[String]) -> Result<serde_json::Value> {
    let output = Command::new(python)
        .arg(scripts().join(script))
        .args(args)
        .output()
        .with_context(|| format!("running {script}"))?;
    if !output.status.success() {
        bail!(
            "{script} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// Encode and decode, ours against anscombe-transform 1.0.0, on the chunk shapes.
fn core(python: &Path) -> Result<()> {
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

/// The `poisson` codec, ours against poisson-numcodecs 0.1.0 on a (100, 512, 512) int16
/// movie, both modes: ours on one thread, and on every core with the movie cut in frames (as
/// a store's chunks are coded in parallel); NumPy's reference runs on one. The configuration is one our writer accepts in both modes,
/// which few are with uint8 codes and int16 values (dark 50: of photon sensitivities 15 to 30
/// in steps of 0.5, only 17): at 20 formula mode is refused (code 162, input 32767, decodes to
/// 32852, past int16), at 22 lookup mode (its ramp lifts the top entry to 32839).
fn poisson(python: &Path) -> Result<()> {
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

/// Writing and reading a (200, 512, 512) uint16 movie: Anscombe + zstd 3 and zstd alone, ours
/// (all cores) against zarr-python with anscombe-transform 1.0.0, same data and chunks.
fn zarr(python: &Path) -> Result<()> {
    use anscombe_store::{StoreSpec, open_array, read_frames, write_store};

    let dir = scratch()?;
    let (frames, height, width) = (200, 512, 512);
    eprintln!("generating a ({frames}, {height}, {width}) uint16 Poisson movie...");
    let levels = poisson_movie(frames, height, width, 40.0, 100.0, 20.0, 11);
    let samples = Samples::U16(
        levels
            .iter()
            .map(|&v| v.round().clamp(0.0, 65_535.0) as u16)
            .collect(),
    );
    let movie_path = dir.join("movie.npy");
    NpyArray::new(vec![frames, height, width], samples.clone())
        .context("shape")?
        .write(&movie_path)?;
    let raw_bytes = (frames * height * width * 2) as f64;
    let shape = vec![frames as u64, height as u64, width as u64];
    let params = V1Params {
        decoded_dtype: anscombe_core::DataType::U16,
        ..V1Params::new(100.0, 40.0)
    };
    let chunk_frames = anscombe_store::default_chunk_shape(&shape, 2)[0];
    let repeats = 3;

    let mut ours = std::collections::BTreeMap::new();
    for (label, codec) in [("anscombe", Some(params.into())), ("raw", None)] {
        let spec = StoreSpec::new(shape.clone(), anscombe_core::DataType::U16, codec);
        let path = dir.join(format!("rust_{label}.zarr"));
        // As on the Python side, the previous store is removed before the clock starts.
        let remove = || match std::fs::remove_dir_all(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(anyhow::Error::from(e)),
            _ => Ok(()),
        };
        let write = median_seconds(repeats, remove, || {
            Ok(write_store(&path, &spec, &samples, false).map(drop)?)
        })?;
        let array = open_array(&path)?;
        let read = median_seconds(
            repeats,
            || Ok::<(), anyhow::Error>(()),
            || Ok(read_frames(&array, 0..frames as u64).map(drop)?),
        )?;
        ours.insert(label, (write, read, anscombe_store::stored_bytes(&path)));
    }
    eprintln!("running zarr-python ({repeats} repeats)...");
    let theirs = reference(
        python,
        "bench_zarr.py",
        &[
            movie_path.display().to_string(),
            dir.display().to_string(),
            chunk_frames.to_string(),
            "40".into(),
            "100".into(),
            repeats.to_string(),
        ],
    )?;
    let mut rows = Vec::new();
    for label in ["anscombe", "raw"] {
        let (write, read, bytes) = ours[label];
        let python_side = &theirs[label];
        let seconds = |key: &str| python_side[key].as_f64().context("reference timing");
        rows.push(Row {
            label: format!("{label} + zstd 3 write"),
            bytes: raw_bytes,
            ours: write,
            reference: seconds("write_s")?,
        });
        rows.push(Row {
            label: format!("{label} + zstd 3 read"),
            bytes: raw_bytes,
            ours: read,
            reference: seconds("read_s")?,
        });
        let python_bytes = python_side["bytes"].as_f64().unwrap_or(f64::NAN);
        println!(
            "{label}: ratio {:.3}x here, {:.3}x zarr-python (store bytes {bytes} vs {python_bytes})",
            raw_bytes / bytes as f64,
            raw_bytes / python_bytes
        );
    }
    print_table(
        &format!(
            "Zarr V3 ({frames}, {height}, {width}) uint16, chunks ({chunk_frames}, {height}, {width}); ours on {} threads",
            std::thread::available_parallelism().map_or(1, usize::from)
        ),
        &rows,
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// Peak resident memory of this process, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Streams a movie file through both passes of the default estimator; prints JSON.
fn calibrate_stream(movie: &Path) -> Result<()> {
    let start = std::time::Instant::now();
    let mut source = anscombe_io::open_movie(movie)?;
    let result = anscombe_calibrate::calibrate_source(
        source.as_mut(),
        &anscombe_calibrate::PtcOptions::default(),
        &mut |_, _| {},
    )?;
    println!(
        "{}",
        serde_json::json!({"seconds": start.elapsed().as_secs_f64(), "peak_rss_mib": peak_rss_mib(),
                           "gain": result.conversion_gain, "zero": result.zero_level})
    );
    Ok(())
}

/// The default estimator, streaming from disk in its own process, against the reference on
/// the movie in memory: a (500, 512, 512) uint16 synthetic movie, and its first 100 frames (the
/// same peak memory shows that it does not grow with the movie's length).
fn calibrate(python: &Path) -> Result<()> {
    use anscombe_calibrate::synthetic::SyntheticSpec;

    let dir = scratch()?;
    let spec = SyntheticSpec {
        frames: 500,
        height: 512,
        width: 512,
        ..SyntheticSpec::new(20.0, 100.0, 20.0, 17)
    };
    eprintln!("generating a (500, 512, 512) uint16 synthetic movie (gain 20, zero level 100)...");
    let movie: Vec<u16> = spec.generate();
    let frame = 512 * 512;
    let long = dir.join("movie500.npy");
    let short = dir.join("movie100.npy");
    NpyArray::new(vec![500, 512, 512], Samples::U16(movie.clone()))
        .context("shape")?
        .write(&long)?;
    NpyArray::new(
        vec![100, 512, 512],
        Samples::U16(movie[..100 * frame].to_vec()),
    )
    .context("shape")?
    .write(&short)?;
    drop(movie);
    let truth = spec.noise_equivalent_zero(true);
    let me = std::env::current_exe()?;
    let mut rows = Vec::new();
    for (label, path) in [("100 frames", &short), ("500 frames", &long)] {
        let output = Command::new(&me)
            .args(["calibrate-stream", &path.display().to_string()])
            .output()?;
        if !output.status.success() {
            bail!(
                "streaming calibration failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let ours: serde_json::Value = serde_json::from_slice(&output.stdout)?;
        eprintln!("running the reference on {label}...");
        let theirs = reference(python, "bench_calibrate.py", &[path.display().to_string()])?;
        let value = |v: &serde_json::Value, key: &str| v[key].as_f64().unwrap_or(f64::NAN);
        println!(
            "{label}: ours gain {:.4} zero {:.2} (peak memory {:.0} MiB) | reference gain {:.4} zero {:.2} | truth gain 20, zero {truth:.2}",
            value(&ours, "gain"),
            value(&ours, "zero"),
            value(&ours, "peak_rss_mib"),
            value(&theirs, "gain"),
            value(&theirs, "zero")
        );
        let frames = if label.starts_with("100") {
            100.0
        } else {
            500.0
        };
        rows.push(Row {
            label: format!("calibrate {label} (ours streams from disk)"),
            bytes: frames * frame as f64 * 2.0,
            ours: value(&ours, "seconds"),
            reference: value(&theirs, "seconds"),
        });
    }
    print_table(
        "photon-transfer calibration, uint16 512x512 frames, ours one process (two passes over the file)",
        &rows,
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// Streams a movie file through the raster calibration (2 groups, the reference's default
/// filters) and makes its maps; prints JSON.
fn raster_stream(movie: &Path) -> Result<()> {
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
fn raster(python: &Path) -> Result<()> {
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

/// Wall time of one command.
fn timed(command: &mut Command) -> Result<f64> {
    let start = std::time::Instant::now();
    let output = command.output()?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(start.elapsed().as_secs_f64())
}

/// `anscombe encode` on a 1 GB uint16 TIFF stack against the Python script it replaces, both
/// whole processes, same gain, codec (anscombe-v1, uint8 codes), zstd level and chunks.
fn cli(python: &Path) -> Result<()> {
    let dir = scratch()?;
    let stack = dir.join("stack.tif");
    let frames = 2000;
    eprintln!("writing a ({frames}, 512, 512) uint16 TIFF stack with tifffile...");
    let script = scripts().join("bench_cli.py");
    timed(Command::new(python).arg(&script).args([
        "write",
        &stack.display().to_string(),
        &frames.to_string(),
    ]))?;
    let bytes = std::fs::metadata(&stack)?.len() as f64;
    let anscombe = std::env::current_exe()?.with_file_name("anscombe");
    if !anscombe.is_file() {
        bail!(
            "{} is missing: build it with `cargo build --release -p anscombe-cli`",
            anscombe.display()
        );
    }
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..3 {
        let out = dir.join(format!("ours{round}.zarr"));
        ours.push(timed(Command::new(&anscombe).args([
            "encode",
            &stack.display().to_string(),
            &out.display().to_string(),
            "--codec",
            "anscombe-v1",
            "--gain",
            "20",
            "--zero-level",
            "100",
            "--chunks",
            "4,512,512",
        ]))?);
        let out = dir.join(format!("python{round}.zarr"));
        theirs.push(timed(Command::new(python).arg(&script).args([
            "encode",
            &stack.display().to_string(),
            &out.display().to_string(),
            "20",
            "100",
            "4",
        ]))?);
    }
    ours.sort_by(f64::total_cmp);
    theirs.sort_by(f64::total_cmp);
    let same = anscombe_store::stored_bytes(dir.join("ours0.zarr")) as f64
        / anscombe_store::stored_bytes(dir.join("python0.zarr")) as f64;
    println!("store sizes, ours over Python's: {same:.4}");
    print_table(
        &format!(
            "encode a {:.2} GB uint16 TIFF stack to Zarr V3 (anscombe-v1, zstd 3), whole processes, median of 3",
            bytes / 1e9
        ),
        &[Row {
            label: "anscombe encode vs tifffile+zarr+anscombe".into(),
            bytes,
            ours: ours[1],
            reference: theirs[1],
        }],
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// The pyramid cases: key (as `bench_pyramid.py` names it), label, method and levels; all
/// pool by 2x2x1.
const PYRAMID_CASES: [(&str, &str, anscombe_pyramid::Method, usize); 8] = [
    (
        "average_1",
        "average u8 1024x1024x100 2x2x1, 1 level",
        anscombe_pyramid::Method::Average,
        1,
    ),
    (
        "average_4",
        "average u8 1024x1024x100 2x2x1, 4 levels",
        anscombe_pyramid::Method::Average,
        4,
    ),
    (
        "mode_1",
        "mode u32 512x512x64 2x2x1, 1 level",
        anscombe_pyramid::Method::Mode,
        1,
    ),
    (
        "frames_512_1",
        "average u8 512x512x400 2x2x1, 1 level",
        anscombe_pyramid::Method::Average,
        1,
    ),
    (
        "frames_256_1",
        "average u8 256x256x1600 2x2x1, 1 level",
        anscombe_pyramid::Method::Average,
        1,
    ),
    (
        "frames_256_4",
        "average u8 256x256x1600 2x2x1, 4 levels",
        anscombe_pyramid::Method::Average,
        4,
    ),
    (
        "frames_64_1",
        "average u8 64x64x25600 2x2x1, 1 level",
        anscombe_pyramid::Method::Average,
        1,
    ),
    (
        "frames_64_4",
        "average u8 64x64x25600 2x2x1, 4 levels",
        anscombe_pyramid::Method::Average,
        4,
    ),
];

/// Pyramids, ours against tinybrain 1.7.0's C++ fast paths, on the arrays: a
/// 1024x1024x100 `uint8` image (2x2x1, one and four levels) and 512x512x64 `uint32` labels
/// (2x2x1 mode); and, beyond the issue, the same number of bytes as smaller frames, 512x512
/// and 256x256 (common two-photon sizes) and 64x64 (cropped regions), where the cost per
/// line counts for more. Both sides get Fortran-ordered arrays (tinybrain's own layout) and
/// allocate their outputs on every call; a third row of ours rebuilds levels it already holds (`build_into`, no allocation),
/// as the memory-bandwidth floor does. Results are compared by SHA-256 of every level.
fn pyramid(python: &Path) -> Result<()> {
    use anscombe_pyramid::Pyramid;

    let dir = scratch()?;
    let image = anscombe_benches::pyramid_image([1024, 1024, 100], 5);
    let frames_512 = anscombe_benches::pyramid_image([512, 512, 400], 7);
    let frames_256 = anscombe_benches::pyramid_image([256, 256, 1600], 8);
    let frames_64 = anscombe_benches::pyramid_image([64, 64, 25600], 9);
    let labels = anscombe_benches::pyramid_labels([512, 512, 64], 6);
    let image_path = dir.join("image.npy");
    let frames_512_path = dir.join("frames_512.npy");
    let frames_256_path = dir.join("frames_256.npy");
    let frames_64_path = dir.join("frames_64.npy");
    let labels_path = dir.join("labels.npy");
    for (array, path) in [
        (&image, &image_path),
        (&frames_512, &frames_512_path),
        (&frames_256, &frames_256_path),
        (&frames_64, &frames_64_path),
    ] {
        NpyArray::new(
            array.shape().to_vec(),
            Samples::U8(array.iter().copied().collect()),
        )
        .context("shape")?
        .write(path)?;
    }
    NpyArray::new(
        labels.shape().to_vec(),
        Samples::U32(labels.iter().copied().collect()),
    )
    .context("shape")?
    .write(&labels_path)?;
    let image = anscombe_benches::fortran(&image);
    let frames_512 = anscombe_benches::fortran(&frames_512);
    let frames_256 = anscombe_benches::fortran(&frames_256);
    let frames_64 = anscombe_benches::fortran(&frames_64);
    let labels = anscombe_benches::fortran(&labels);
    let repeats = 15;
    eprintln!("running tinybrain ({repeats} repeats)...");
    let theirs = reference(
        python,
        "bench_pyramid.py",
        &[
            image_path.display().to_string(),
            labels_path.display().to_string(),
            frames_512_path.display().to_string(),
            frames_256_path.display().to_string(),
            frames_64_path.display().to_string(),
            repeats.to_string(),
        ],
    )?;
    let mut rows = Vec::new();
    let mut identical = Vec::new();
    for (key, label, method, levels) in PYRAMID_CASES {
        let recipe = Pyramid::new(method, &[2, 2, 1], levels)?;
        let expected: Vec<String> = theirs[key]["sha256"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str().map(String::from))
            .collect();
        let reference_seconds = theirs[key]["seconds"]
            .as_f64()
            .context("reference timing")?;
        for (threads, reuse) in [(1, false), (2, false), (2, true)] {
            let (seconds, digests, bytes) = match key {
                "mode_1" => time_pyramid(&recipe, &labels, threads, repeats, reuse)?,
                "frames_512_1" => time_pyramid(&recipe, &frames_512, threads, repeats, reuse)?,
                "frames_256_1" | "frames_256_4" => {
                    time_pyramid(&recipe, &frames_256, threads, repeats, reuse)?
                }
                "frames_64_1" | "frames_64_4" => {
                    time_pyramid(&recipe, &frames_64, threads, repeats, reuse)?
                }
                _ => time_pyramid(&recipe, &image, threads, repeats, reuse)?,
            };
            identical.push((key, digests == expected));
            rows.push(Row {
                label: format!(
                    "{label}, {threads} thread{}{}",
                    if threads == 1 { "" } else { "s" },
                    if reuse { ", reused levels" } else { "" }
                ),
                bytes: bytes as f64,
                ours: seconds,
                reference: reference_seconds,
            });
        }
    }
    report_pyramids(
        &rows,
        &identical,
        image.as_slice_memory_order().context("contiguous")?,
    );
    Ok(())
}

/// Median seconds of `recipe` on `input` with `threads` threads, the levels' digests, and the
/// input's size in bytes.
fn time_pyramid<T: anscombe_pyramid::Sample + bytemuck::Pod>(
    recipe: &anscombe_pyramid::Pyramid,
    input: &ndarray::Array3<T>,
    threads: usize,
    repeats: usize,
    reuse: bool,
) -> Result<(f64, Vec<String>, usize)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let run = || pool.install(|| recipe.build(input.view()));
    let (seconds, levels) = if reuse {
        // Levels built once, then rebuilt in place by `build_into`, as a program building
        // pyramid after pyramid of one shape would (the floor below reuses its output too);
        // the digests are of the last rebuild.
        let mut levels = run()?;
        let seconds = median_seconds(
            repeats,
            || Ok::<(), anyhow::Error>(()),
            || {
                let mut views: Vec<_> = levels.iter_mut().map(|l| l.view_mut()).collect();
                Ok(pool.install(|| recipe.build_into(input.view(), &mut views))?)
            },
        )?;
        (seconds, levels)
    } else {
        let seconds = median_seconds(
            repeats,
            || Ok::<(), anyhow::Error>(()),
            || Ok(run().map(drop)?),
        )?;
        (seconds, run()?)
    };
    let digests = anscombe_benches::digests(&levels);
    Ok((seconds, digests, input.len() * std::mem::size_of::<T>()))
}

/// Prints the pyramid table, how close two threads come to the memory bandwidth, and whether
/// every level matched tinybrain's.
fn report_pyramids(rows: &[Row], identical: &[(&str, bool)], image: &[u8]) {
    let bandwidth = anscombe_benches::read_bandwidth(image);
    let streaming = anscombe_benches::quarter_stream_bandwidth(image);
    print_table(
        "pyramids: anscombe-pyramid against tinybrain 1.7.0 (input GB/s; tinybrain is single-threaded)",
        rows,
    );
    println!(
        "memory bandwidth of this machine, 2 threads, best of 5: reading the image {:.2} GB/s; \
         reading it and writing a quarter as much (a 2x2 level's traffic, no arithmetic) {:.2} GB/s",
        bandwidth / 1e9,
        streaming / 1e9
    );
    let two_threads: Vec<&Row> = rows
        .iter()
        .filter(|r| r.label.contains("2 threads"))
        .collect();
    let width = two_threads.iter().map(|r| r.label.len()).max().unwrap_or(0);
    for row in two_threads {
        let ours = row.bytes / row.ours;
        println!(
            "  {:<width$} {:>5.0}% of reading, {:>5.0}% of read + write",
            row.label,
            100.0 * ours / bandwidth,
            100.0 * ours / streaming
        );
    }
    for &(key, same) in identical {
        println!(
            "{key}: levels identical to tinybrain's: {}",
            if same { "yes" } else { "NO" }
        );
    }
}

/// Background correction, ours against dcnum 0.31.0 on the (2000, 80, 250) `uint8`
/// movie at 120 frames per second: the sparse median with every default and the rolling
/// median (kernel 100), both with two cores. dcnum reads an HDF5 file it is given, we stream
/// the same movie from an NPY file; results are compared by digest.
fn background(python: &Path) -> Result<()> {
    use anscombe_background::RollingMedian;

    let dir = scratch()?;
    let (frames, height, width, fps, roll_kernel) = (2000, 80, 250, 120.0, 100);
    let movie = anscombe_benches::cytometry_movie(frames, height, width, 7);
    let movie_path = dir.join("movie.npy");
    NpyArray::new(vec![frames, height, width], Samples::U8(movie))
        .context("shape")?
        .write(&movie_path)?;
    eprintln!("running dcnum (sparse median, rolling median k={roll_kernel}, 2 cores)...");
    let theirs = reference(
        python,
        "bench_background.py",
        &[
            movie_path.display().to_string(),
            fps.to_string(),
            roll_kernel.to_string(),
            dir.display().to_string(),
        ],
    )?;
    let (sparse_seconds, sparse_digests) = time_sparse_median(&movie_path, fps)?;
    let sparse_same = theirs["sparse"]["image_bg"] == sparse_digests.0
        && theirs["sparse"]["bg_off"] == sparse_digests.1;
    let rolling = RollingMedian {
        kernel_size: roll_kernel,
        ..RollingMedian::default()
    };
    let (rolling_seconds, rolling_digest) = time_rolling_median(&movie_path, rolling)?;
    let rolling_same = theirs["rolling"]["image_bg"] == rolling_digest;
    let bytes = (frames * height * width) as f64;
    let seconds = |key: &str| theirs[key]["seconds"].as_f64().context("reference timing");
    print_table(
        "background: anscombe-background against dcnum 0.31.0 (2 cores each; input GB/s)",
        &[
            Row {
                label: "sparse median (defaults, 120 fps)".into(),
                bytes,
                ours: sparse_seconds,
                reference: seconds("sparse")?,
            },
            Row {
                label: format!("rolling median (kernel {roll_kernel})"),
                bytes,
                ours: rolling_seconds,
                reference: seconds("rolling")?,
            },
        ],
    );
    println!(
        "sparse median: background images and offsets identical to dcnum's: {}",
        if sparse_same { "yes" } else { "NO" }
    );
    println!(
        "rolling median: background images identical to dcnum's: {}",
        if rolling_same { "yes" } else { "NO" }
    );
    Ok(())
}

/// Median seconds of our sparse median (defaults, two threads, streamed from the NPY file),
/// and the digests of the per-frame backgrounds and of the offsets.
fn time_sparse_median(movie: &Path, fps: f64) -> Result<(f64, (String, String))> {
    use anscombe_background::{SparseMedian, TimeAxis};
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build()?;
    let sparse = SparseMedian::default();
    let mut result = None;
    let seconds = median_seconds(
        3,
        || Ok::<(), anyhow::Error>(()),
        || {
            let mut source = anscombe_io::open_movie(movie)?;
            result = Some(pool.install(|| {
                sparse.compute::<u8>(source.as_mut(), &TimeAxis::FrameRate(fps), &mut |_, _| {})
            })?);
            Ok(())
        },
    )?;
    let background = result.context("a sparse background")?;
    let per_frame: Vec<u8> = background
        .frame_background
        .iter()
        .flat_map(|&i| background.image(i).iter().copied())
        .collect();
    let offsets: Vec<u8> = background
        .offsets
        .iter()
        .flatten()
        .flat_map(|o| o.to_le_bytes())
        .collect();
    Ok((seconds, (sha256_hex(&per_frame), sha256_hex(&offsets))))
}

/// Median seconds of our rolling median (two threads, streamed from the NPY file) and the
/// digest of its images.
fn time_rolling_median(
    movie: &Path,
    rolling: anscombe_background::RollingMedian,
) -> Result<(f64, String)> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build()?;
    let mut images: Vec<u8> = Vec::new();
    let seconds = median_seconds(
        3,
        || Ok::<(), anyhow::Error>(()),
        || {
            images.clear();
            let mut source = anscombe_io::open_movie(movie)?;
            pool.install(|| {
                rolling.compute::<u8>(
                    source.as_mut(),
                    &mut |_, image| {
                        images.extend_from_slice(image);
                        Ok(())
                    },
                    &mut |_, _| {},
                )
            })?;
            Ok(())
        },
    )?;
    Ok((seconds, sha256_hex(&images)))
}

/// Detector calibration, ours against detectorcal 0.0.1 on the same simulated float32 data: the
/// fit of a (50, 512, 512) beam sweep with a dark image (sigma 50) and the correction of a
/// (100, 512, 512) stack with dark, flat and residual correction (sigma 3). detectorcal uses a
/// dask cluster of two threads for the smoothing; we use two threads. Both sides work in
/// memory; results are compared with detectorcal's.
fn detector(python: &Path) -> Result<()> {
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

/// Largest relative difference between two arrays.
fn relative_error(ours: &[f64], theirs: &[f64]) -> f64 {
    ours.iter()
        .zip(theirs)
        .map(|(a, b)| if a == b { 0.0 } else { (a - b).abs() / b.abs() })
        .fold(0.0, f64::max)
}
