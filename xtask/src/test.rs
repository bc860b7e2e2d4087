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

/// Prepares `.venv` (and `.venv-zarr2` where poisson-numcodecs' source is present) and runs
/// `cargo test --workspace` with `ANSCOMBE_PYTHON` (and `ANSCOMBE_PYTHON_ZARR2`) pointing at
/// them.
///
/// Every step announces itself with the time; cargo prints its own build progress (a fresh
/// clone compiles for several minutes before the first test runs).
pub(crate) fn run(cargo_args: &[String]) -> Result<bool> {
    let start = Instant::now();
    let python = venv_python(TEST_PACKAGES)?;
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
    step::announce(&format!(
        "cargo xtask test: all passed ({} in all)",
        step::elapsed(start)
    ));
    Ok(true)
}
