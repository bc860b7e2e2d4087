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

mod rng;

pub use rng::Rng;

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

/// A fresh, empty folder `anscombe-<name>-<pid>` in the temporary folder: one per test (give
/// each test its own name, e.g. `<suite>-<test>`), so tests running in parallel do not meet.
///
/// # Panics
/// When it cannot be made: the test cannot run.
#[allow(clippy::panic, reason = "a test without its scratch folder cannot run")]
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("anscombe-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(error) = std::fs::create_dir_all(&dir) {
        panic!("cannot make {}: {error}", dir.display());
    }
    dir
}

/// A folder `anscombe-<name>-<pid>` in the temporary folder, made by `build` once per test
/// process and shared by every test that asks for the same `name`. Tests run on parallel
/// threads: a second caller waits for the first build instead of racing it (two writers of one
/// store meet each other's staging lock).
///
/// # Panics
/// When an earlier build panicked (the lock is poisoned): the tests sharing it cannot run.
#[allow(clippy::panic, reason = "a test without its shared folder cannot run")]
pub fn built_once(name: &str, build: impl FnOnce(&Path)) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let dir = std::env::temp_dir().join(format!("anscombe-{name}-{}", std::process::id()));
    let Ok(mut built) = BUILT.lock() else {
        panic!("an earlier build of a shared test folder failed");
    };
    if !built.iter().any(|done| done == name) {
        let _ = std::fs::remove_dir_all(&dir);
        build(&dir);
        built.push(name.to_owned());
    }
    dir
}

/// The names in a folder (hidden ones too), sorted: what a test compares to prove that no
/// partial output, staging or lock file was left behind.
///
/// # Panics
/// When the folder cannot be listed.
#[allow(
    clippy::panic,
    reason = "a test that cannot list its folder cannot check it"
)]
pub fn entries(dir: &Path) -> Vec<String> {
    let listing = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
    let mut names: Vec<String> = listing
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
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

/// Runs a test's binary (`env!("CARGO_BIN_EXE_<name>")`) with `args` and returns what it did.
///
/// # Panics
/// When the binary cannot be started at all: the test cannot say anything then.
#[allow(clippy::missing_panics_doc, reason = "documented above")]
pub fn run(binary: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(binary)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A process's standard output as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A process's standard error as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A path as a command-line argument.
pub fn text(path: &Path) -> String {
    path.display().to_string()
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
