//! `anscombe demo`: the whole job on the bundled two-photon movie.

use std::path::Path;

use anscombe_io::write_atomically;
use anscombe_store::verify::verify_store;
use anyhow::Context;

use crate::Failure;
use crate::args::{
    AnscombeArgs, CodecName, CompressorArgs, CompressorName, DemoArgs, EncodeArgs, Format,
    InputArgs, Method,
};
use crate::io::write_json;

/// The bundled sample (Apache-2.0; provenance in `data/thunder_mouse_2p/README.md`), inside the
/// binary so the demo runs wherever the binary is.
static SAMPLE: &[u8] = include_bytes!("../../../data/thunder_mouse_2p/mouse_500x64x64_int16.tif");

/// Who else reads the demo's store (`anscombe-transform`, Zarr V3, zstd, crc32c): tested by
/// the Python package's `test_zarr.py` (plain zarr-python 3 reads it through our entry points,
/// and does not know the codec without them).
const PYTHON_READERS: &str = "   read it back with `anscombe decode`, or in Python with zarr-python 3 once this \
repository's package is installed (`pip install ./crates/anscombe-python`), which registers the \
anscombe-transform codec: zarr-python alone cannot read it";

/// Runs the demo: calibrate, encode, verify, report.
pub(crate) fn run(args: &DemoArgs) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    let sample = args.output.join("mouse_500x64x64_int16.tif");
    write_atomically(&sample, |w| std::io::Write::write_all(w, SAMPLE))
        .context("cannot write the sample")?;
    let input = InputArgs {
        input: sample.clone(),
        shape: None,
        dtype: None,
        offset: 0,
        big_endian: false,
    };
    let say = |text: String| {
        if !args.json {
            println!("{text}");
        }
    };
    say(format!(
        "== 1. calibrate {} (500 frames of 64x64, two-photon, mouse cortex)",
        sample.display()
    ));
    let mut source = crate::io::open_input(&input)?;
    let calibration =
        crate::calibrate::measure(source.as_mut(), Method::PhotonTransfer, 0.2, None)?;
    let calibration_path = args.output.join("calibration.json");
    write_json(
        &calibration_path,
        &serde_json::to_value(&calibration).context("JSON")?,
    )?;
    let plot = args.output.join("photon_transfer.png");
    anscombe_calibrate::plot::plot_photon_transfer(&calibration, &plot)
        .context("cannot draw the plot")?;
    say(format!(
        "{}plot: {}",
        crate::calibrate::show(&calibration),
        plot.display()
    ));

    let store = args.output.join("mouse.zarr");
    say(format!(
        "\n== 2. encode to {} (anscombe-transform, beta 0.5, zstd 3, Zarr V3)",
        store.display()
    ));
    let encode = EncodeArgs {
        input: input.clone(),
        output: store.clone(),
        codec: AnscombeArgs {
            gain: None,
            zero_level: None,
            calibration: Some(calibration_path),
            codec: CodecName::AnscombeTransform,
            beta: 0.5,
        },
        format: Format::V3,
        compression: CompressorArgs {
            compressor: CompressorName::Zstd,
            level: None,
        },
        chunks: None,
        encoded_dtype: None,
        force: true,
        allow_clipping: false,
        json: false,
    };
    let (encoded, seconds) = crate::encode::encode(&encode)?;
    if !args.json {
        crate::encode::print_report(&encoded, &store, seconds);
    }

    say(format!(
        "\n== 3. verify every frame of {} against the original",
        store.display()
    ));
    let mut source = crate::io::open_input(&input)?;
    let bar = crate::io::progress(source.frames() as u64, "verifying");
    let verification = verify_store(source.as_mut(), &store, &mut crate::io::advance(&bar))?;
    bar.finish_and_clear();
    let (error, params) = (verification.summary, verification.params);
    let passed = error.passed(false);
    if args.json {
        let report = serde_json::json!({"calibration": calibration, "encode": encoded, "verify": {"passed": passed, "error": error}});
        crate::io::print_json(&report)?;
    } else {
        crate::verify::print_summary(&error, params.identity().name(), false);
        println!(
            "\n== done: {} is {:.2}x smaller than the raw movie",
            display(&store),
            encoded.ratio
        );
        println!("{PYTHON_READERS}");
    }
    if passed {
        Ok(())
    } else {
        Err(Failure::Check("the demo store failed verification".into()))
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
