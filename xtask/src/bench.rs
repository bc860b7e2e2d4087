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
    // poisson-numcodecs itself is installed from the shared folder when it is there (the
    // registry does not serve it); the runner skips its row otherwise.
    ("raster", &["scipy==1.17.1", "matplotlib==3.11.2"]),
    ("cli", &["tifffile==2026.3.3"]),
    ("pyramid", &["tinybrain==1.7.0"]),
    ("background", &["dcnum==0.31.0"]),
    ("detector", &["detectorcal==0.0.1"]),
    // All peers are zarrs codecs in the runner itself; the venv is only the runner's argument.
    ("ratio", &[]),
    // The context coder's format versions against zstd 1 and 3, all in the runner itself.
    ("entropy", &[]),
    // The `anscombe` Python package against the reference packages, both called from Python
    // (Dask and distributed from the package's test packages).
    ("python", crate::test::PYTHON_PACKAGE_TESTS),
];

/// Builds the release runner and runs one suite with the venv's interpreter.
pub(crate) fn run_suite(suite: &str) -> Result<bool> {
    let Some((_, listed)) = SUITES.iter().find(|(name, _)| *name == suite) else {
        let known: Vec<&str> = SUITES.iter().map(|(name, _)| *name).collect();
        bail!("unknown bench suite {suite:?}; known: {}", known.join(", "));
    };
    let mut extra: Vec<String> = listed.iter().map(|p| (*p).to_string()).collect();
    if suite == "raster"
        && let Some(source) = anscombe_testkit::shared_dir()
            .map(|s| s.join("reference/poisson-numcodecs-0.1.0"))
            .filter(|s| s.is_dir())
    {
        extra.push(format!("--no-deps {}", source.display()));
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let python = venv_python(&extra)?;
    let root = crate::workspace_root();
    if suite == "python" {
        return python_suite(&python);
    }
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

/// `cargo xtask bench python`: builds and installs the wheel into `.venv` (with the test
/// packages: Dask and distributed), then runs `benches/python/bench_python.py`, which times
/// both sides from Python and prints the ratios.
fn python_suite(python: &std::path::Path) -> Result<bool> {
    let wheel = crate::test::build_wheel(python)?;
    crate::test::install_wheel(python, &wheel)?;
    let root = crate::workspace_root();
    run_command(
        Command::new(python)
            .current_dir(&root)
            .arg(root.join("benches/python/bench_python.py"))
            .arg(root.join("target/bench-python")),
        "bench_python.py: the anscombe package against anscombe-transform and poisson-numcodecs",
    )?;
    Ok(true)
}
