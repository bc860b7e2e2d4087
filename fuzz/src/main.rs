//! `anscombe-fuzz`: feeds mutated chunk bytes to every chunk decoder of the workspace, on
//! stable Rust (no `cargo fuzz`, no sanitizer): the context entropy decoder, the Anscombe
//! codecs, the `poisson` codec, and whole stores read through `anscombe-store` (its chunk
//! bounds, then zarrs' zstd, blosc, pcodec and uncompressed pipelines).
//!
//! Each target starts from valid chunks (its seed corpus) and applies a few random mutations
//! per run: bit flips, random bytes, insertions, deletions, truncations, splices. A decoder
//! must give data or an error; a panic is a bug, and its input is saved under
//! `fuzz/artifacts/` for a test to reproduce. Deterministic for a given `--seed`.
//!
//! ```text
//! cargo run -p anscombe-fuzz -- [entropy|codec|poisson|store|all] [--seconds N] [--seed S]
//! ```

mod mutate;
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mutate::Rng;
use targets::Target;

/// What to run, from the command line.
struct Options {
    targets: Vec<Target>,
    seconds: f64,
    seed: u64,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        targets: Target::ALL.to_vec(),
        seconds: 10.0,
        seed: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--seconds" => {
                options.seconds = value("--seconds")?
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or("--seconds takes a positive number")?;
            }
            "--seed" => {
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed takes a whole number")?;
            }
            "all" => options.targets = Target::ALL.to_vec(),
            name => {
                let target = Target::ALL
                    .into_iter()
                    .find(|t| t.name() == name)
                    .ok_or(format!(
                        "unknown target {name}: entropy, codec, poisson, store or all"
                    ))?;
                options.targets = vec![target];
            }
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    for target in &options.targets {
        let mut rng = Rng::new(options.seed);
        let mut harness = target.harness();
        let corpus = harness.corpus();
        if corpus.is_empty() {
            println!("{}: no valid chunk to start from", target.name());
            failed = true;
            continue;
        }
        // Panics of the decoder are caught and reported with their input; the default
        // hook's lines would drown the summary.
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let budget = Duration::from_secs_f64(options.seconds);
        let started = Instant::now();
        let mut runs = 0u64;
        while started.elapsed() < budget {
            let input = mutate::mutated(&corpus, &mut rng);
            runs += 1;
            if catch_unwind(AssertUnwindSafe(|| harness.run(&input))).is_err() {
                let saved = save(target.name(), runs, &input);
                println!(
                    "{}: PANIC on run {runs}; input saved to {}",
                    target.name(),
                    saved.display()
                );
                failed = true;
                break;
            }
        }
        std::panic::set_hook(default_hook);
        if !failed {
            println!(
                "{}: {runs} runs in {:.1} s, no panic",
                target.name(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Saves a panicking input as `fuzz/artifacts/<target>-<run>.bin`.
fn save(target: &str, run: u64, input: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    let path = dir.join(format!("{target}-{run}.bin"));
    if let Err(error) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        eprintln!("could not save {}: {error}", path.display());
    }
    path
}
