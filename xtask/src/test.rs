//! `cargo xtask test`: the project's test command.

use std::process::Command;
use std::time::Instant;

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::python::{install_alone, run_command, venv_python, zarr2_python};
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
pub(crate) const PYTHON_PACKAGE_TESTS: &[&str] = &[
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
    let zarr2 = zarr2_python()?;
    match &zarr2 {
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
    python_package(&python, zarr2.as_deref(), profile)?;
    step::announce(&format!(
        "cargo xtask test: all passed ({} in all)",
        step::elapsed(start)
    ));
    Ok(true)
}

/// Builds the Python package's wheel once (pip runs maturin, which runs `cargo build
/// --release` for the extension), installs it into `.venv` and, where there is one, the
/// zarr-python 2 environment, then runs its tests against the `anscombe` command that `cargo
/// test --workspace` built (the zarr-python 2 round trips through `ANSCOMBE_PYTHON_ZARR2`).
fn python_package(
    python: &std::path::Path,
    zarr2: Option<&std::path::Path>,
    profile: &str,
) -> Result<()> {
    let root = crate::workspace_root();
    let wheel = build_wheel(python)?;
    for venv in std::iter::once(python).chain(zarr2) {
        install_wheel(venv, &wheel)?;
    }
    let mut pytest = Command::new(python);
    pytest
        .current_dir(root.join("crates/anscombe-python"))
        .args(["-m", "pytest", "-ra", "tests"])
        .env(
            "ANSCOMBE_CLI",
            root.join("target").join(profile).join("anscombe"),
        );
    if let Some(zarr2) = zarr2 {
        pytest.env("ANSCOMBE_PYTHON_ZARR2", zarr2);
    }
    run_command(
        &mut pytest,
        "pytest crates/anscombe-python/tests: the NumPy API, zarr-python 3 and numcodecs \
         through the entry points, poisson beside poisson-numcodecs, zarr-python 2 round trips, \
         Dask on a two-process LocalCluster",
    )
}

/// Builds the `anscombe` wheel into `target/wheels` (a release build through maturin) and
/// returns its path.
pub(crate) fn build_wheel(python: &std::path::Path) -> Result<PathBuf> {
    let root = crate::workspace_root();
    let folder = root.join("target/wheels/anscombe-python");
    if folder.is_dir() {
        std::fs::remove_dir_all(&folder).context("clearing target/wheels/anscombe-python")?;
    }
    run_command(
        Command::new(python)
            .current_dir(&root)
            .args([
                "-m",
                "pip",
                "wheel",
                "--disable-pip-version-check",
                "--no-deps",
                "-w",
            ])
            .arg(&folder)
            .arg(root.join("crates/anscombe-python")),
        "pip wheel ./crates/anscombe-python: build the wheel (maturin, a release build of the \
         extension; cargo shows its progress)",
    )?;
    std::fs::read_dir(&folder)
        .context("reading target/wheels/anscombe-python")?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|e| e == "whl"))
        .context("pip wheel made no wheel")
}

/// Installs a wheel of the `anscombe` package into the environment of `python`.
pub(crate) fn install_wheel(python: &std::path::Path, wheel: &std::path::Path) -> Result<()> {
    install_alone(python, &wheel.display().to_string(), &["--force-reinstall"])
}
