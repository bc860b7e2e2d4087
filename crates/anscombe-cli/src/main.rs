//! `anscombe`: one program for calibrating, compressing, checking and viewing photon-limited
//! movies. See `anscombe --help`.

mod args;
mod background;
mod calibrate;
mod calibrate_raster;
mod codec;
mod decode;
mod demo;
mod detector;
mod encode;
mod info;
mod io;
mod photons;
mod pyramid;
mod validate;
mod verify;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Reused memory for the many chunk-sized buffers (fresh pages cost more than the encoding).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How a command failed, which decides the exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad input, settings or I/O: exit 1.
    Error(anyhow::Error),
    /// An argument out of its accepted range, found before any work: exit 2, as clap's own
    /// usage errors.
    Usage(anyhow::Error),
    /// A check did not pass (verification beyond the bound, no calibration possible): exit 3.
    Check(String),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure::Error(error.into())
    }
}

/// The advice the libraries' errors leave to the program, which knows its flags.
fn hint(error: &anyhow::Error) -> String {
    use anscombe_store::StoreError;
    let exists = |e: Option<&StoreError>| matches!(e, Some(StoreError::Exists(_)));
    let exists = error.chain().any(|cause| {
        exists(cause.downcast_ref::<StoreError>())
            || exists(
                cause
                    .downcast_ref::<anscombe_store::verify::VerifyError>()
                    .and_then(|e| e.store_error()),
            )
            || exists(
                cause
                    .downcast_ref::<anscombe_store::background::BackgroundGroupError>()
                    .and_then(|e| e.store_error()),
            )
            || exists(
                cause
                    .downcast_ref::<anscombe_store::detector::DetectorGroupError>()
                    .and_then(|e| e.store_error()),
            )
            || matches!(
                cause.downcast_ref::<anscombe_io::StagingError>(),
                Some(anscombe_io::StagingError::Exists(_))
            )
    });
    if exists {
        format!(" ({})", io::FORCE_HINT)
    } else {
        String::new()
    }
}

/// SIGINT (Ctrl-C) and SIGTERM end the process without unwinding, so the staged outputs'
/// own cleanup would never run: on either, remove every staging of this process, then exit
/// as the signal would have (128 + its number). What SIGKILL leaves, the next write of the
/// same output removes.
#[cfg(unix)]
fn remove_stagings_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            anscombe_io::remove_stagings();
            std::process::exit(128 + signal);
        }
    });
}

#[cfg(not(unix))]
fn remove_stagings_on_signals() {}

fn main() -> ExitCode {
    remove_stagings_on_signals();
    anscombe_zarr::register();
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Demo(a) => demo::run(a),
        Command::Calibrate(a) => calibrate::run(a),
        Command::Encode(a) => encode::run(a),
        Command::Photons(a) => photons::run(a),
        Command::Decode(a) => decode::run(a),
        Command::Info(a) => info::run(a).map_err(Failure::Error),
        Command::Verify(a) => verify::run(a),
        Command::Pyramid(a) => pyramid::run(a),
        Command::Background(a) => background::run(a),
        Command::Detector(c) => detector::run(c),
        Command::Codec(c) => codec::run(c).map_err(Failure::Error),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Error(error)) => {
            eprintln!("error: {error:#}{}", hint(&error));
            ExitCode::from(1)
        }
        Err(Failure::Usage(error)) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
        Err(Failure::Check(message)) => {
            eprintln!("{message}");
            ExitCode::from(3)
        }
    }
}
