//! Free space on the file system an output goes to, so that a write that cannot fit is refused
//! before it starts instead of filling the disk.

use std::path::Path;

/// Bytes this user may still write on the file system that holds `path` (its nearest existing
/// folder); `None` where that is unknown (not a Unix system, or the query failed), in which
/// case callers skip the check.
pub fn available_space(path: &Path) -> Option<u64> {
    let folder = path
        .ancestors()
        .find(|p| !p.as_os_str().is_empty() && p.is_dir())
        .unwrap_or(Path::new("."));
    free_bytes(folder)
}

#[cfg(unix)]
fn free_bytes(folder: &Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(folder).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_folder: &Path) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_temporary_folder_has_some_space_and_a_missing_file_asks_its_folder() {
        let dir = std::env::temp_dir();
        let free = available_space(&dir);
        if cfg!(unix) {
            assert!(free.is_some_and(|bytes| bytes > 0), "{free:?}");
            assert!(available_space(&dir.join("not-there/nor-this.npy")).is_some());
        }
    }
}
