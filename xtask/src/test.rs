//! `cargo xtask test`: the project's test command.

use std::process::Command;
use std::time::Instant;

use anyhow::Result;

use crate::python::{run_command, venv_python, zarr2_python};
use crate::step;

/// Python packages the interop tests run besides the reference codec: tifffile for TIFF
/// interop, h5py to write HDF5 test files, jsonschema and ome-zarr-models to check OME-Zarr
/// images, and ngff-zarr (without its dependencies) for the published OME-Zarr JSON schemas
/// it ships.
const TEST_PACKAGES: &[&str] = &[
    "tifffile==2026.3.3",
    "h5py==3.16.0",
    "jsonschema==4.26.0",
    "ome-zarr-models==1.7",
    "--no-deps ngff-zarr==0.50.0",
];

/// What the `anscombe` Python package's tests need besides zarr and numcodecs (already among
/// the reference packages): pytest, Dask and a two-process `distributed.LocalCluster`, and
/// matplotlib for `Calibration.plot()`.
const PYTHON_PACKAGE_TESTS: &[&str] = &[
    "pytest==9.2.0",
    "dask[array]==2026.8.0",
    "distributed==2026.8.0",
    "matplotlib==3.11.2",
];

/// Prepares `.venv` (and `.venv-zarr2` where poisson-numcodecs' source is present), runs
/// `cargo test --workspace` with `ANSCOMBE_PYTHON` (and `ANSCOMBE_PYTHON_ZARR2`) pointing at
/// them, then builds the `anscombe` Python package's wheel once (`pip install
/// ./crates/anscombe-python`, a release build through maturin) into `.venv` and runs its pytest
/// suite.
///
/// Every step announces itself with the time; cargo prints its own build progress (a fresh
/// clone compiles for several minutes before the first test runs).
pub(crate) fn run(cargo_args: &[String]) -> Result<bool> {
    let start = Instant::now();
    let packages: Vec<&str> = TEST_PACKAGES
        .iter()
        .chain(PYTHON_PACKAGE_TESTS)
        .copied()
        .collect();
    let python = venv_python(&packages)?;
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(crate::workspace_root())
        .args(["test", "--workspace"])
        .args(cargo_args)
        .env("ANSCOMBE_PYTHON", &python);
    match zarr2_python()? {
        Some(zarr2) => {
            command.env("ANSCOMBE_PYTHON_ZARR2", zarr2);
        }
        None => step::announce(
            "poisson-numcodecs' source (../shared/reference) is absent: the tests that need it \
             skip",
        ),
    }
    run_command(
        &mut command,
        "cargo test --workspace: build the tests (cargo shows its progress), then run them",
    )?;
    let profile = if cargo_args.iter().any(|a| a == "--release") {
        "release"
    } else {
        "debug"
    };
    python_package(&python, profile)?;
    step::announce(&format!(
        "cargo xtask test: all passed ({} in all)",
        step::elapsed(start)
    ));
    Ok(true)
}

/// Builds and installs the Python package (once: pip runs maturin, which runs `cargo build
/// --release` for the extension), then runs its tests against the `anscombe` command that
/// `cargo test --workspace` built.
fn python_package(python: &std::path::Path, profile: &str) -> Result<()> {
    let root = crate::workspace_root();
    let package = root.join("crates/anscombe-python");
    run_command(
        Command::new(python)
            .current_dir(&root)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-deps",
                "--force-reinstall",
            ])
            .arg(&package),
        "pip install ./crates/anscombe-python: build the wheel (maturin, a release build of the \
         extension; cargo shows its progress) and install it into .venv",
    )?;
    run_command(
        Command::new(python)
            .current_dir(&package)
            .args(["-m", "pytest", "-ra", "tests"])
            .env(
                "ANSCOMBE_CLI",
                root.join("target").join(profile).join("anscombe"),
            ),
        "pytest crates/anscombe-python/tests: the NumPy API, zarr-python 3 and numcodecs \
         through the entry points, Dask on a two-process LocalCluster",
    )
}
