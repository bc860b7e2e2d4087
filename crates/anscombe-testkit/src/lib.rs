//! Test support shared by the workspace's tests (and `cargo xtask`): where the Python of the
//! test virtual environment is, and where the shared fixtures and camera data are. One place,
//! so every test looks in the same places and says the same thing when something is missing.

use std::path::{Path, PathBuf};

/// The workspace root (this crate lives in `crates/anscombe-testkit`).
fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The Python the tests run the reference packages with: `$ANSCOMBE_PYTHON`, else the
/// workspace's `.venv` that `cargo xtask test` creates.
///
/// # Panics
/// When there is neither, saying how to get one; `with` names what the test needs of it
/// ("h5py", "the reference packages").
#[allow(clippy::panic)] // A test without its reference cannot run: it fails, with the fix.
pub fn python(with: &str) -> PathBuf {
    let venv = workspace().join(".venv/bin/python");
    let found = std::env::var_os("ANSCOMBE_PYTHON")
        .map(PathBuf::from)
        .or_else(|| venv.is_file().then_some(venv));
    found.unwrap_or_else(|| {
        panic!(
            "no Python with {with}: run the tests with `cargo xtask test`, or set ANSCOMBE_PYTHON"
        )
    })
}

/// poisson-numcodecs 0.1.0's source in the shared folder (`reference/`), which tests of the
/// `poisson` codec against the live reference need: the package registry does not serve it.
/// `None` where it is absent; such a test prints why and skips.
pub fn poisson_reference() -> Option<PathBuf> {
    let folder = shared_dir()?.join("reference/poisson-numcodecs-0.1.0");
    folder.join("pyproject.toml").is_file().then_some(folder)
}

/// The Python of the zarr-python 2 environment (`$ANSCOMBE_PYTHON_ZARR2`, else the
/// workspace's `.venv-zarr2`, both made by `cargo xtask test` where poisson-numcodecs' source
/// is present); `None` when there is neither.
pub fn python_zarr2() -> Option<PathBuf> {
    let venv = workspace().join(".venv-zarr2/bin/python");
    std::env::var_os("ANSCOMBE_PYTHON_ZARR2")
        .map(PathBuf::from)
        .or_else(|| venv.is_file().then_some(venv))
}

/// The shared folder (`fixtures/`, `data/`): `$ANSCOMBE_SHARED`, else the nearest `shared/`
/// beside the workspace or one of its parents that holds `fixtures/`.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ANSCOMBE_SHARED") {
        return Some(PathBuf::from(dir));
    }
    workspace()
        .ancestors()
        .map(|a| a.join("shared"))
        .find(|candidate| candidate.join("fixtures").is_dir())
}

/// `path` inside [`shared_dir`], for a test that cannot run without it.
///
/// # Panics
/// When there is no shared folder, saying where it is looked for.
#[allow(clippy::panic)] // As for `python`: the test fails, saying what is missing.
pub fn shared(path: &str) -> PathBuf {
    shared_dir()
        .unwrap_or_else(|| panic!("the shared folder (../shared, or $ANSCOMBE_SHARED) is missing"))
        .join(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_root_holds_the_workspace_manifest() {
        assert!(workspace().join("Cargo.toml").is_file());
        assert!(workspace().join("crates/anscombe-testkit").is_dir());
    }
}
