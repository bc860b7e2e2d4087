//! The inputs this process reads, which no output may replace: `--force` pointed at the input
//! (the same file or folder, by another name, through a link, or a folder holding it) is
//! refused instead of destroying what is being read.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// One input: its canonical path and, on Unix, its device and inode (a hard link has another
/// path but the same inode).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Input {
    path: PathBuf,
    inode: Option<(u64, u64)>,
}

static INPUTS: Mutex<Vec<Input>> = Mutex::new(Vec::new());

/// Records `path` as an input of this process: [`crate::Staged`] then refuses to replace it,
/// or a folder that holds it. Readers of this crate and of `anscombe-store` call it when they
/// open a file or a store; a path that does not exist is ignored.
pub fn protect_input(path: impl AsRef<Path>) {
    let Ok(canonical) = fs::canonicalize(path.as_ref()) else {
        return;
    };
    let input = Input {
        inode: inode(&canonical),
        path: canonical,
    };
    let mut inputs = INPUTS.lock().unwrap_or_else(PoisonError::into_inner);
    if !inputs.contains(&input) {
        inputs.push(input);
    }
}

/// The input that replacing `destination` would destroy, if any: `destination` is an input
/// (by canonical path or inode) or a folder holding one.
pub(crate) fn input_at(destination: &Path) -> Option<PathBuf> {
    let canonical = fs::canonicalize(destination).ok()?;
    let inode = inode(&canonical);
    let inputs = INPUTS.lock().unwrap_or_else(PoisonError::into_inner);
    inputs
        .iter()
        .find(|input| {
            input.path.starts_with(&canonical) || (inode.is_some() && input.inode == inode)
        })
        .map(|input| input.path.clone())
}

#[cfg(unix)]
fn inode(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn inode(_: &Path) -> Option<(u64, u64)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_found_by_path_link_and_parent_folder() {
        let dir = std::env::temp_dir().join(format!("anscombe-io-inputs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("store.zarr")).expect("dir");
        let movie = dir.join("store.zarr/movie.npy");
        fs::write(&movie, b"x").expect("input");
        let other = dir.join("other.npy");
        fs::write(&other, b"y").expect("other");
        assert_eq!(input_at(&movie), None, "not yet an input");
        protect_input(&movie);
        assert!(input_at(&movie).is_some());
        assert!(input_at(&dir.join("store.zarr/../store.zarr/movie.npy")).is_some());
        assert!(
            input_at(&dir.join("store.zarr")).is_some(),
            "a folder holding it"
        );
        assert_eq!(input_at(&other), None);
        #[cfg(unix)]
        {
            let link = dir.join("hard.npy");
            fs::hard_link(&movie, &link).expect("hard link");
            assert!(input_at(&link).is_some(), "same inode");
        }
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
