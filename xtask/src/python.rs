//! The Python virtual environment the reference packages run in.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Packages every xtask run needs, pinned to the versions the shared fixtures were made with.
pub(crate) const REFERENCE_PACKAGES: &[&str] = &[
    "anscombe-transform==1.0.0",
    "zarr==3.1.6",
    "numcodecs==0.16.6",
    "numpy==2.4.6",
    "scikit-learn==1.9.1",
];

/// Packages of the zarr-python 2 environment (the writer of most poisson-numcodecs stores),
/// pinned to the versions the shared fixtures were made with; poisson-numcodecs is added from
/// its source folder.
/// (`crc32c`: numcodecs 0.15's `crc32c` checksum codec, the last filter of our Zarr V2 stores
/// without zstd, needs it; zarr-python 3 brings its own.)
const ZARR2_PACKAGES: &[&str] = &[
    "zarr==2.18.7",
    "numcodecs==0.15.2",
    "numpy==2.4.6",
    "crc32c==2.9.post0",
];

/// The workspace's `.venv`, created and filled on first use; returns its `python`. It also
/// holds poisson-numcodecs where its source folder is present.
///
/// Each step says what it does, and pip shows what it downloads and installs (on a first run,
/// the wheels of NumPy, SciPy, scikit-learn, zarr and the rest).
pub(crate) fn venv_python(extra: &[&str]) -> Result<PathBuf> {
    let reference = anscombe_testkit::poisson_reference().map(|p| p.display().to_string());
    let wanted: Vec<&str> = REFERENCE_PACKAGES
        .iter()
        .chain(extra)
        .copied()
        .chain(reference.as_deref())
        .collect();
    ensure_venv(".venv", &wanted)
}

/// `.venv-zarr2`: zarr-python 2 with poisson-numcodecs, for the interop tests of `poisson`
/// stores; `None` (and nothing created) where poisson-numcodecs' source is absent.
pub(crate) fn zarr2_python() -> Result<Option<PathBuf>> {
    let Some(reference) = anscombe_testkit::poisson_reference() else {
        return Ok(None);
    };
    let reference = reference.display().to_string();
    let wanted: Vec<&str> = ZARR2_PACKAGES
        .iter()
        .copied()
        .chain([reference.as_str()])
        .collect();
    ensure_venv(".venv-zarr2", &wanted).map(Some)
}

/// A virtual environment under the workspace root with exactly `wanted` installed (pip
/// arguments; entries "--no-deps NAME" without their dependencies); returns its `python`.
fn ensure_venv(name: &str, wanted: &[&str]) -> Result<PathBuf> {
    let venv = crate::workspace_root().join(name);
    let python = venv.join("bin/python");
    if !python.is_file() {
        run_command(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            &format!("creating the Python environment {}", venv.display()),
        )?;
    }
    // A marker of what was installed last: reinstall only when the list changes.
    let marker = venv.join("anscombe-requirements.txt");
    let listed = wanted.join("\n");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(listed.as_str()) {
        crate::step::announce(&format!(
            "Python environment {}: up to date ({} pinned packages)",
            venv.display(),
            wanted.len()
        ));
    } else {
        // Entries "--no-deps NAME" are installed alone, without their dependencies.
        let (alone, with_deps): (Vec<&str>, Vec<&str>) =
            wanted.iter().partition(|p| p.starts_with("--no-deps "));
        run_command(
            Command::new(&python)
                .args(["-m", "pip", "install", "--disable-pip-version-check"])
                .args(&with_deps),
            &format!(
                "installing the Python reference packages into {}: {}",
                venv.display(),
                with_deps.join(" ")
            ),
        )?;
        for package in alone {
            install_alone(&python, package.trim_start_matches("--no-deps "), &[])?;
        }
        std::fs::write(&marker, &listed).context("writing the venv marker")?;
    }
    Ok(python)
}

/// Installs one package (a name, a folder or a wheel) into the environment of `python`
/// without its dependencies; `extra` are more pip options (`--force-reinstall`).
pub(crate) fn install_alone(python: &Path, package: &str, extra: &[&str]) -> Result<()> {
    run_command(
        Command::new(python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-deps",
            ])
            .args(extra)
            .arg(package),
        &format!(
            "installing {package} into {} without its dependencies",
            python.display()
        ),
    )
}

/// Announces `what` (a step line with the time), runs the command with its output shown, and
/// fails with the description.
pub(crate) fn run_command(command: &mut Command, what: &str) -> Result<()> {
    crate::step::announce(what);
    let status = command
        .status()
        .with_context(|| format!("{what}: cannot start"))?;
    if !status.success() {
        bail!("{what}: {status}");
    }
    Ok(())
}

/// Runs a Python script with the venv's interpreter.
pub(crate) fn run_script(python: &Path, script: &Path, args: &[&str]) -> Result<()> {
    run_command(
        Command::new(python).arg(script).args(args),
        &format!("running {}", script.display()),
    )
}
