//! Test support shared by the workspace's tests (and `cargo xtask`): where the Python of the
//! test virtual environment is, where the fixtures and the bundled sample data are, and where
//! the optional external data is. One place, so every test looks in the same places and says
//! the same thing when something is missing.
//!
//! Everything the tests need is in the repository: the reference packages' fixtures in
//! `fixtures/<family>/` ([`fixture`]) and the bundled sample movie in `data/` ([`bundled`]).
//! The one exception is data whose licence keeps it out of the repository (the GPL SIMA
//! movie): [`external_data`] finds it in a `shared/` folder when there is one and otherwise
//! tells the test to skip, saying why on the terminal.

use std::io::Write;
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
#[allow(
    clippy::panic,
    reason = "a test without its reference cannot run: it fails, with the fix"
)]
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

/// The vendored fixture folders, `fixtures/` at the workspace root: one folder per reference
/// package (`anscombe-transform`, `tinybrain`, `dcnum`, `detectorcal`, `poisson-numcodecs`),
/// each with its `README.md` and a `manifest.json` naming every file with its SHA-256.
pub fn fixtures_dir() -> PathBuf {
    workspace().join("fixtures")
}

/// A fresh, empty folder for one test: `<temp>/anscombe-<name>-<process id>`, emptied first.
///
/// # Panics
/// When the folder cannot be made: the test cannot run without it.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("anscombe-{name}-{}", std::process::id()));
    // Absent the first time; any other failure shows in create_dir_all.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder in the temporary folder");
    dir
}

/// The sorted names in a folder: what a test checks a command left behind (an unreadable
/// folder lists as empty, and the comparison then says so).
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `path` inside [`fixtures_dir`], e.g. `fixture("dcnum/cases/rollmed_k10_b50")`.
pub fn fixture(path: &str) -> PathBuf {
    fixtures_dir().join(path)
}

/// `path` inside the repository's `data/` folder of bundled sample data, e.g.
/// `bundled("thunder_mouse_2p/mouse_500x64x64_int16.tif")`.
pub fn bundled(path: &str) -> PathBuf {
    workspace().join("data").join(path)
}

/// The optional shared folder outside the repository: `$ANSCOMBE_SHARED`, else the nearest
/// `shared/` beside the workspace or one of its parents that holds `data/`. No test needs it:
/// [`external_data`] and [`poisson_reference`] look there, and their tests skip without it.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ANSCOMBE_SHARED") {
        return Some(PathBuf::from(dir));
    }
    workspace()
        .ancestors()
        .map(|a| a.join("shared"))
        .find(|candidate| candidate.join("data").is_dir())
}

/// `data/<path>` inside [`shared_dir`], for data that may not be in the repository (the GPL
/// SIMA movie). `None` when it is absent: the test then returns early, and this prints
/// `skipped: <test>: ...` with how to provide the data.
///
/// The line goes straight to the process's stderr, not through the test harness's captured
/// output, so it shows in a normal `cargo test` run although the test passes.
pub fn external_data(path: &str) -> Option<PathBuf> {
    let found = find_external_data(path);
    if found.is_none() {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a test");
        let searched = shared_dir().map_or_else(
            || "no shared/ folder above the workspace".to_string(),
            |dir| format!("not in {}", dir.join("data").display()),
        );
        let line = format!(
            "skipped: {test}: external data {path} not found ({searched}); set ANSCOMBE_SHARED \
             to a folder holding data/{path} to run it\n"
        );
        // One write, so the line does not interleave with the harness's output. A failed write
        // to stderr leaves nothing better to do: the skip stands regardless.
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
    found
}

/// `data/<path>` inside [`shared_dir`] when it is there.
fn find_external_data(path: &str) -> Option<PathBuf> {
    shared_dir()
        .map(|dir| dir.join("data").join(path))
        .filter(|candidate| candidate.exists())
}

/// The SHA-256 of `bytes` in lowercase hex, as the fixture manifests write it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    use std::fmt::Write as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            // Writing to a String cannot fail.
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_root_holds_the_workspace_manifest() {
        assert!(workspace().join("Cargo.toml").is_file());
        assert!(workspace().join("crates/anscombe-testkit").is_dir());
    }

    #[test]
    fn fixtures_and_bundled_data_are_in_the_repository() {
        for family in ["anscombe-transform", "tinybrain", "dcnum", "detectorcal"] {
            assert!(fixture(family).join("manifest.json").is_file(), "{family}");
        }
        assert!(bundled("thunder_mouse_2p/mouse_500x64x64_int16.tif").is_file());
    }

    #[test]
    fn sha256_of_known_inputs() {
        // FIPS 180-2's examples.
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn absent_external_data_is_none() {
        // The lookup itself: `external_data` would also print a skip line for this test.
        assert_eq!(find_external_data("no-such-folder/no-such-movie.tif"), None);
    }
}
