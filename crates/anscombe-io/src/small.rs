//! Small inputs (a calibration, a time axis, a store's metadata) read whole, but only from a
//! regular file and only up to a size limit: a path to `/dev/zero`, a FIFO or a huge file is an
//! error at once, not a read that never ends or fills memory.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a small input was not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmallFileError {
    /// The path is a device, a FIFO, a socket or a folder.
    #[error("{0}: not a regular file")]
    NotRegular(PathBuf),
    /// The file holds more than the limit.
    #[error("{path}: {size} bytes or more, beyond the {limit}-byte limit for this input")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (at least this many bytes).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The file system.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// The bytes of the regular file at `path`, refused beyond `limit` bytes (also when the file
/// grows while it is read).
///
/// # Errors
/// [`SmallFileError`] for anything but a regular file of at most `limit` bytes.
pub fn read_small(path: impl AsRef<Path>, limit: u64) -> Result<Vec<u8>, SmallFileError> {
    let path = path.as_ref();
    let io = |source| SmallFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if !metadata.is_file() {
        return Err(SmallFileError::NotRegular(path.to_path_buf()));
    }
    let too_large = |size| SmallFileError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit,
    };
    if metadata.len() > limit {
        return Err(too_large(metadata.len()));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// [`read_small`] as UTF-8 text.
///
/// # Errors
/// As [`read_small`], and [`SmallFileError::Io`] (invalid data) for text that is not UTF-8.
pub fn read_small_text(path: impl AsRef<Path>, limit: u64) -> Result<String, SmallFileError> {
    let path = path.as_ref();
    String::from_utf8(read_small(path, limit)?).map_err(|e| SmallFileError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("anscombe-small-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    }

    #[test]
    fn reads_a_file_within_the_limit() {
        let dir = scratch("within");
        let path = dir.join("a.json");
        std::fs::write(&path, b"{}").expect("write");
        assert_eq!(read_small(&path, 2).expect("read"), b"{}");
        assert_eq!(read_small_text(&path, 16).expect("read"), "{}");
        std::fs::remove_dir_all(dir).expect("cleanup");
    }

    #[test]
    fn refuses_a_file_beyond_the_limit_naming_sizes() {
        let dir = scratch("beyond");
        let path = dir.join("a.json");
        std::fs::write(&path, b"{ }").expect("write");
        let error = read_small(&path, 2).expect_err("too large");
        assert!(
            matches!(
                error,
                SmallFileError::TooLarge {
                    size: 3,
                    limit: 2,
                    ..
                }
            ),
            "{error}"
        );
        std::fs::remove_dir_all(dir).expect("cleanup");
    }

    #[test]
    fn refuses_a_folder_and_a_device() {
        let dir = scratch("folder");
        assert!(matches!(
            read_small(&dir, 16),
            Err(SmallFileError::NotRegular(_))
        ));
        std::fs::remove_dir_all(dir).expect("cleanup");
        let zero = Path::new("/dev/zero");
        if zero.exists() {
            assert!(matches!(
                read_small(zero, 16),
                Err(SmallFileError::NotRegular(_))
            ));
        }
    }
}
