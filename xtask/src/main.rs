//! `cargo xtask`: project automation that needs more than cargo.
//!
//! - `test`: the project's test command: the Python environment, then `cargo test`.
//! - `conformance [FOLDER]`: check the workspace against a reference fixture folder.
//! - `fixtures`: regenerate the spec's conformance vectors by running the Python reference.
//! - `bench <SUITE>`: run ours and the Python reference side by side and print ratios.
//! - `soak [--gib N]`: encode and decode a generated movie larger than RAM; throughput, peak RSS.

mod bench;
mod conformance;
mod fixtures;
mod python;
mod soak;
mod step;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Fixtures, conformance and benchmarks of the anscombe workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the Rust code against a fixture folder (one line per case, then a summary).
    ///
    /// FOLDER holds a manifest.json naming cases, stores and calibration runs, laid out like
    /// one of fixtures/ (anscombe-transform, tinybrain, dcnum, detectorcal). Without FOLDER,
    /// the spec's own vectors and the vendored fixture folders that have a checker are
    /// checked. Exits non-zero on any mismatch.
    Conformance {
        /// Fixture folders to check.
        folders: Vec<PathBuf>,
    },
    /// Run the whole test suite, after creating the Python environment the interop tests use.
    ///
    /// This is the project's test command (README, CI). Arguments after `--` go to cargo test.
    Test {
        /// Extra arguments for `cargo test`.
        #[arg(last = true)]
        cargo_args: Vec<String>,
    },
    /// Regenerate spec/vectors by running the Python reference in a virtual environment.
    Fixtures,
    /// Side-by-side benchmark against the Python reference: core, zarr, calibrate, raster, ...
    Bench {
        /// Which suite.
        suite: String,
    },
    /// Encode and decode a generated raw uint16 movie larger than RAM with the release
    /// `anscombe`, streaming: throughput and peak resident memory of each, files removed after.
    ///
    /// Refuses, before writing anything, when the free disk space cannot hold the movie, its
    /// store and its decoded copy (about 2.5 times the movie).
    Soak {
        /// Size of the movie in GiB.
        #[arg(long, default_value_t = 32)]
        gib: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Conformance { folders } => conformance::run(&folders),
        Command::Test { cargo_args } => test::run(&cargo_args),
        Command::Fixtures => fixtures::run(),
        Command::Bench { suite } => bench::run_suite(&suite),
        Command::Soak { gib } => soak::run(gib),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The workspace root (the folder above `xtask/`).
fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| ".".into(), PathBuf::from)
}
