//! `cargo xtask bench <suite>`: ours and the Python reference side by side, in one run.

use std::process::Command;

use anyhow::{Result, bail};

use crate::python::{run_command, venv_python};

/// Suites and the extra Python packages their reference needs.
const SUITES: &[(&str, &[&str])] = &[
    ("core", &[]),
    ("poisson", &[]),
    ("zarr", &[]),
    ("calibrate", &[]),
    ("cli", &["tifffile==2026.3.3"]),
    ("pyramid", &["tinybrain==1.7.0"]),
    ("background", &["dcnum==0.31.0"]),
    ("detector", &["detectorcal==0.0.1"]),
    // All peers are zarrs codecs in the runner itself; the venv is only the runner's argument.
    ("ratio", &[]),
];

/// Builds the release runner and runs one suite with the venv's interpreter.
pub(crate) fn run_suite(suite: &str) -> Result<bool> {
    let Some((_, extra)) = SUITES.iter().find(|(name, _)| *name == suite) else {
        let known: Vec<&str> = SUITES.iter().map(|(name, _)| *name).collect();
        bail!("unknown bench suite {suite:?}; known: {}", known.join(", "));
    };
    let python = venv_python(extra)?;
    let root = crate::workspace_root();
    if suite == "cli" {
        run_command(
            Command::new(env!("CARGO")).current_dir(&root).args([
                "build",
                "--release",
                "-p",
                "anscombe-cli",
            ]),
            "building anscombe",
        )?;
    }
    run_command(
        Command::new(env!("CARGO"))
            .current_dir(&root)
            .args([
                "run",
                "--release",
                "-p",
                "anscombe-benches",
                "--bin",
                "sidebyside",
                "--",
            ])
            .arg(suite)
            .arg(&python),
        "the side-by-side runner",
    )?;
    Ok(true)
}
