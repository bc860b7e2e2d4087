//! Outputs appear complete or not at all: the one write-then-rename mechanism of the toolkit,
//! for single files and for store directories alike.
//!
//! An output is staged beside its destination under a hidden name (same folder, so the same
//! file system, so the rename is atomic). [`Staged::commit`] then
//! 1. makes the staged output durable: fsync of the file, or of every file and every directory
//!    of a staged directory;
//! 2. renames it into place (a replaced directory is first moved aside, and moved back should
//!    the rename fail, so the old destination survives a failed replacement);
//! 3. fsyncs the parent directory, so that the rename itself survives a crash.
//!
//! A staged output dropped before its commit (an error, a panic unwinding) is removed, so a
//! failure leaves nothing behind. Signals do not unwind: a program removes its stagings on
//! SIGINT and SIGTERM by calling [`crate::remove_stagings`] from its handler, and what SIGKILL
//! leaves is removed by the next writer of that destination (see `lock`).
//!
//! Staging takes the destination's lock (one writer at a time, [`StagingError::InUse`] for
//! the others) and refuses, before any work, to replace what must not be replaced: an input
//! of this process ([`crate::protect_input`]), a folder that is not a Zarr store, a folder
//! by a file.

use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::inputs::input_at;
use crate::lock::{DestinationLock, file_name, recover, remove};

/// Numbers the stagings of this process, so concurrent writers of one destination never share
/// a staging name.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// What a commit does when its destination already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse with [`StagingError::Exists`], leaving the destination as it is.
    Keep,
    /// Replace it; a replacement that fails leaves the old destination in place.
    Replace,
}

/// Why an output could not be staged or committed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StagingError {
    /// The destination exists and [`Existing::Keep`] was asked for.
    #[error("{0} already exists")]
    Exists(PathBuf),
    /// Another writer (this process or another) is writing the destination.
    #[error("{0} is in use: another writer is writing it (its lock file is held)")]
    InUse(PathBuf),
    /// Replacing the destination would destroy an input being read.
    #[error("refusing to replace {destination}: it is (or holds) the input {input}")]
    IsInput {
        /// The output asked for.
        destination: PathBuf,
        /// The input it is or holds.
        input: PathBuf,
    },
    /// The destination is something an output of this kind never replaces.
    #[error("refusing to replace {path}: {reason}")]
    NotReplaceable {
        /// The destination.
        path: PathBuf,
        /// What it is.
        reason: &'static str,
    },
    /// The file system.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// What.
        source: io::Error,
    },
}

impl StagingError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(io::Error) -> StagingError + '_ {
        move |source| StagingError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl From<StagingError> for io::Error {
    fn from(error: StagingError) -> Self {
        match error {
            StagingError::Exists(_) => io::Error::new(io::ErrorKind::AlreadyExists, error),
            StagingError::InUse(_) => io::Error::new(io::ErrorKind::ResourceBusy, error),
            StagingError::IsInput { .. } | StagingError::NotReplaceable { .. } => {
                io::Error::new(io::ErrorKind::InvalidInput, error)
            }
            StagingError::Io { ref source, .. } => io::Error::new(source.kind(), error),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Directory,
}

/// A file or directory being written under a hidden name beside its destination; it appears
/// at the destination on [`Staged::commit`] only, and is removed if dropped before that.
#[derive(Debug)]
pub struct Staged {
    path: PathBuf,
    destination: PathBuf,
    kind: Kind,
    existing: Existing,
    committed: bool,
    // Released after the staging is removed (fields drop after `Drop::drop`).
    _lock: DestinationLock,
}

impl Staged {
    /// Stages a file for `destination`: creates it, empty, under its hidden name. The name
    /// keeps the destination's extension, for writers that choose a format by it.
    ///
    /// # Errors
    /// [`StagingError::Exists`] when the destination exists and `existing` is
    /// [`Existing::Keep`] (checked now, to fail before any work, and again on commit);
    /// [`StagingError::InUse`] when another writer holds the destination;
    /// [`StagingError::IsInput`] and [`StagingError::NotReplaceable`] for a destination that
    /// is an input or is a folder; or the file system's error.
    pub fn file(destination: impl AsRef<Path>, existing: Existing) -> Result<Self, StagingError> {
        let staged = Staged::new(destination.as_ref(), Kind::File, existing)?;
        File::options()
            .write(true)
            .create_new(true)
            .open(&staged.path)
            .map_err(StagingError::io(&staged.path))?;
        Ok(staged)
    }

    /// Stages a directory for `destination`: creates it, empty, under its hidden name. A
    /// directory replaces only a Zarr store (a folder holding `zarr.json`, `.zarray` or
    /// `.zgroup`), the only folders the toolkit writes.
    ///
    /// # Errors
    /// As [`Staged::file`], with [`StagingError::NotReplaceable`] for a destination that is
    /// not a Zarr store.
    pub fn directory(
        destination: impl AsRef<Path>,
        existing: Existing,
    ) -> Result<Self, StagingError> {
        let staged = Staged::new(destination.as_ref(), Kind::Directory, existing)?;
        fs::create_dir(&staged.path).map_err(StagingError::io(&staged.path))?;
        Ok(staged)
    }

    fn new(destination: &Path, kind: Kind, existing: Existing) -> Result<Self, StagingError> {
        check_replaceable(destination, kind, existing)?;
        let lock = DestinationLock::acquire(destination)?;
        recover(destination);
        // The recovery may have put back an old store: check again, holding the lock.
        check_replaceable(destination, kind, existing)?;
        Ok(Staged {
            path: staging_path(destination, "partial", true),
            destination: destination.to_path_buf(),
            kind,
            existing,
            committed: false,
            _lock: lock,
        })
    }

    /// Where to write: the staged file or directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the output appears on commit.
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Makes the output durable, moves it to its destination, and makes the move durable.
    ///
    /// # Errors
    /// [`StagingError::Exists`] when the destination appeared meanwhile and may not be
    /// replaced, or the file system's error; the staged output is then removed and the
    /// destination is as it was.
    pub fn commit(mut self) -> Result<PathBuf, StagingError> {
        match self.kind {
            Kind::File => sync_file(&self.path),
            Kind::Directory => sync_tree(&self.path),
        }
        .map_err(StagingError::io(&self.path))?;
        self.publish()?;
        self.committed = true;
        let parent = parent_of(&self.destination);
        sync_directory(&parent).map_err(StagingError::io(&parent))?;
        Ok(self.destination.clone())
    }

    /// The rename into place.
    fn publish(&self) -> Result<(), StagingError> {
        let renamed = |result: io::Result<()>| result.map_err(StagingError::io(&self.destination));
        if !exists(&self.destination) {
            return renamed(fs::rename(&self.path, &self.destination));
        }
        check_replaceable(&self.destination, self.kind, self.existing)?;
        match self.kind {
            // rename(2) replaces a file in one step: readers see the old or the new one.
            Kind::File => renamed(fs::rename(&self.path, &self.destination)),
            // A directory is not replaced by rename(2) unless empty: move the old one aside
            // first, and back should the new one fail to take its place.
            Kind::Directory => {
                let aside = staging_path(&self.destination, "replaced", false);
                renamed(fs::rename(&self.destination, &aside))?;
                if let Err(error) = fs::rename(&self.path, &self.destination) {
                    let _ = fs::rename(&aside, &self.destination);
                    return renamed(Err(error));
                }
                remove(&aside);
                Ok(())
            }
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            remove(&self.path);
        }
    }
}

/// True when something (even a dangling link) is at `path`.
fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Refuses, before any work, what a commit must never do: replace an existing destination
/// when [`Existing::Keep`] was asked for, an input of this process, a folder that is not a
/// Zarr store, or a folder by a file.
fn check_replaceable(
    destination: &Path,
    kind: Kind,
    existing: Existing,
) -> Result<(), StagingError> {
    let Ok(metadata) = fs::metadata(destination) else {
        return if exists(destination) && existing == Existing::Keep {
            Err(StagingError::Exists(destination.to_path_buf()))
        } else {
            Ok(())
        };
    };
    if existing == Existing::Keep {
        return Err(StagingError::Exists(destination.to_path_buf()));
    }
    if let Some(input) = input_at(destination) {
        return Err(StagingError::IsInput {
            destination: destination.to_path_buf(),
            input,
        });
    }
    let refuse = |reason| {
        Err(StagingError::NotReplaceable {
            path: destination.to_path_buf(),
            reason,
        })
    };
    match kind {
        Kind::File if metadata.is_dir() => refuse("it is a folder, and the output is a file"),
        Kind::Directory if !metadata.is_dir() => {
            refuse("it is a file, and the output is a Zarr store (a folder)")
        }
        Kind::Directory if !is_zarr_store(destination) => refuse(
            "it is a folder but not a Zarr store (no zarr.json, .zarray or .zgroup in it); \
             only stores are replaced",
        ),
        _ => Ok(()),
    }
}

/// True for a folder holding Zarr metadata (`zarr.json`, `.zarray` or `.zgroup`).
pub fn is_zarr_store(path: &Path) -> bool {
    ["zarr.json", ".zarray", ".zgroup"]
        .iter()
        .any(|name| path.join(name).is_file())
}

/// `dir/.name.<what>-<pid>-<n>[.ext]`: hidden, unique, in the destination's folder, and
/// with the destination's extension when asked (for writers that choose a format by it).
fn staging_path(destination: &Path, what: &str, keep_extension: bool) -> PathBuf {
    let extension = destination
        .extension()
        .filter(|_| keep_extension)
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    destination.with_file_name(format!(
        ".{}.{what}-{}-{n}{extension}",
        file_name(destination),
        std::process::id()
    ))
}

/// The folder holding `path` (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sync_file(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

/// Fsyncs every file under `root`, then every directory, children before their parents.
fn sync_tree(root: &Path) -> io::Result<()> {
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            sync_tree(&entry.path())?;
        } else if kind.is_file() {
            sync_file(&entry.path())?;
        }
    }
    sync_directory(root)
}

/// Fsyncs a directory's entries (the names of what was created or renamed in it).
#[cfg(unix)]
fn sync_directory(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()
}

/// Directories cannot be opened for syncing here; the file system orders renames itself.
#[cfg(not(unix))]
fn sync_directory(_: &Path) -> io::Result<()> {
    Ok(())
}

/// A file written through a buffer into its staging; it appears at its destination only on
/// [`AtomicFile::commit`], and is removed if dropped before that (an error, a panic
/// unwinding; for SIGINT and SIGTERM, which do not unwind, see [`crate::remove_stagings`]).
/// An existing destination is replaced on commit.
#[derive(Debug)]
pub struct AtomicFile {
    staged: Staged,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `destination` (see [`Staged::file`]).
    ///
    /// # Errors
    /// When the staging file cannot be created.
    pub fn create(destination: impl AsRef<Path>) -> io::Result<Self> {
        let staged = Staged::file(destination, Existing::Replace)?;
        let file = File::options().write(true).open(staged.path())?;
        Ok(AtomicFile {
            staged,
            writer: Some(BufWriter::new(file)),
        })
    }

    /// Where the file appears on commit.
    pub fn destination(&self) -> &Path {
        self.staged.destination()
    }

    /// Flushes the buffer and commits the file (see [`Staged::commit`]).
    ///
    /// # Errors
    /// When flushing, syncing or renaming fails; the staging file is then removed.
    pub fn commit(mut self) -> io::Result<()> {
        if let Some(writer) = self.writer.take() {
            writer
                .into_inner()
                .map_err(io::IntoInnerError::into_error)?;
        }
        self.staged.commit()?;
        Ok(())
    }

    fn writer(&mut self) -> io::Result<&mut BufWriter<File>> {
        self.writer
            .as_mut()
            .ok_or_else(|| io::Error::other("atomic file already committed"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.writer {
            Some(writer) => writer.flush(),
            None => Ok(()),
        }
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        self.writer()?.seek(position)
    }
}

/// Writes `destination` atomically with the bytes `fill` produces.
///
/// # Errors
/// Whatever `fill` or the file system reports; the destination is then untouched.
pub fn write_atomically(
    destination: impl AsRef<Path>,
    fill: impl FnOnce(&mut AtomicFile) -> io::Result<()>,
) -> io::Result<()> {
    let mut output = AtomicFile::create(destination)?;
    fill(&mut output)?;
    output.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("anscombe-io-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn commit_publishes_and_failure_leaves_nothing() {
        let dir = scratch("atomic");
        let target = dir.join("out.bin");
        write_atomically(&target, |w| w.write_all(b"hello")).expect("write");
        assert_eq!(fs::read(&target).expect("read"), b"hello");

        let failed = write_atomically(&target, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(
            fs::read(&target).expect("read"),
            b"hello",
            "old content kept"
        );
        assert_eq!(names(&dir), ["out.bin"], "no staging file left behind");
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn staged_files_are_hidden_keep_their_extension_and_respect_existing() {
        let dir = scratch("staged-file");
        let target = dir.join("plot.png");
        let staged = Staged::file(&target, Existing::Keep).expect("stage");
        let name = staged.path().file_name().expect("name").to_string_lossy();
        assert!(
            name.starts_with(".plot.png.partial-") && name.ends_with(".png"),
            "{name}"
        );
        fs::write(staged.path(), b"new").expect("write");
        assert_eq!(staged.commit().expect("commit"), target);
        assert_eq!(fs::read(&target).expect("read"), b"new");

        assert!(matches!(
            Staged::file(&target, Existing::Keep),
            Err(StagingError::Exists(_))
        ));
        // The destination appears while the staging is written: Keep refuses at commit.
        let other = dir.join("late.txt");
        let staged = Staged::file(&other, Existing::Keep).expect("stage");
        fs::write(&other, b"first").expect("someone else");
        assert!(matches!(staged.commit(), Err(StagingError::Exists(_))));
        assert_eq!(fs::read(&other).expect("read"), b"first");
        assert_eq!(names(&dir), ["late.txt", "plot.png"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn staged_directories_commit_whole_and_replace_or_keep_the_old_one() {
        let dir = scratch("staged-dir");
        let target = dir.join("movie.zarr");
        let staged = Staged::directory(&target, Existing::Keep).expect("stage");
        fs::create_dir_all(staged.path().join("c/0")).expect("nested");
        fs::write(staged.path().join("c/0/0"), b"chunk").expect("chunk");
        fs::write(staged.path().join("zarr.json"), b"{}").expect("metadata");
        assert!(
            !target.exists(),
            "nothing at the destination before the commit"
        );
        staged.commit().expect("commit");
        assert_eq!(fs::read(target.join("c/0/0")).expect("chunk"), b"chunk");

        assert!(matches!(
            Staged::directory(&target, Existing::Keep),
            Err(StagingError::Exists(_))
        ));
        let staged = Staged::directory(&target, Existing::Replace).expect("stage");
        fs::write(staged.path().join("zarr.json"), b"{\"new\": 1}").expect("metadata");
        staged.commit().expect("replace");
        assert_eq!(names(&target), ["zarr.json"], "the old tree is gone");
        assert_eq!(names(&dir), ["movie.zarr"], "nothing set aside is left");
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn failures_and_drops_leave_the_old_destination_and_no_staging() {
        let dir = scratch("staged-fail");
        let target = dir.join("movie.zarr");
        fs::create_dir(&target).expect("old");
        fs::write(target.join("zarr.json"), b"old").expect("old metadata");
        // Dropped unfinished (an error while writing): the staging goes, the old store stays.
        let staged = Staged::directory(&target, Existing::Replace).expect("stage");
        fs::write(staged.path().join("zarr.json"), b"half").expect("write");
        drop(staged);
        assert_eq!(names(&dir), ["movie.zarr"]);
        // A replacement whose staging vanished fails, and the old store is moved back.
        let staged = Staged::directory(&target, Existing::Replace).expect("stage");
        fs::remove_dir(staged.path()).expect("sabotage");
        assert!(staged.commit().is_err());
        assert_eq!(fs::read(target.join("zarr.json")).expect("old"), b"old");
        assert_eq!(names(&dir), ["movie.zarr"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn one_writer_per_destination_and_dead_writers_are_cleaned_up() {
        let dir = scratch("staged-lock");
        let target = dir.join("movie.zarr");
        let first = Staged::directory(&target, Existing::Replace).expect("stage");
        assert!(matches!(
            Staged::directory(&target, Existing::Replace),
            Err(StagingError::InUse(_))
        ));
        assert!(matches!(
            Staged::file(&target, Existing::Replace),
            Err(StagingError::InUse(_))
        ));
        fs::write(first.path().join("zarr.json"), b"{}").expect("metadata");
        first.commit().expect("commit");
        assert_eq!(
            names(&dir),
            ["movie.zarr"],
            "the lock file goes with its writer"
        );

        // A writer killed between the two renames of a replacement: the destination is
        // missing, the old store set aside, a staging beside it; and an old staging.
        fs::rename(&target, dir.join(".movie.zarr.replaced-1-0")).expect("aside");
        fs::create_dir(dir.join(".movie.zarr.partial-1-1.zarr")).expect("staging");
        fs::write(dir.join(".movie.zarr.partial-2-0.zarr"), b"").expect("staging file");
        fs::write(dir.join(".movie.zarr.notes"), b"mine").expect("not a leftover");
        let staged = Staged::directory(&target, Existing::Replace).expect("stage");
        assert_eq!(
            names(&dir).len(),
            4,
            "old store back, leftovers gone: {:?}",
            names(&dir)
        );
        assert_eq!(fs::read(target.join("zarr.json")).expect("back"), b"{}");
        drop(staged);
        assert_eq!(names(&dir), [".movie.zarr.notes", "movie.zarr"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn only_stores_are_replaced_by_directories_and_files_by_files() {
        let dir = scratch("staged-refuse");
        let folder = dir.join("photos");
        fs::create_dir(&folder).expect("folder");
        fs::write(folder.join("a.txt"), b"mine").expect("user file");
        let refused = |result: Result<Staged, StagingError>| {
            matches!(result, Err(StagingError::NotReplaceable { .. }))
        };
        assert!(refused(Staged::directory(&folder, Existing::Replace)));
        assert!(refused(Staged::file(&folder, Existing::Replace)));
        let file = dir.join("out.zarr");
        fs::write(&file, b"x").expect("file");
        assert!(refused(Staged::directory(&file, Existing::Replace)));
        for marker in ["zarr.json", ".zarray", ".zgroup"] {
            let store = dir.join(format!("{marker}.zarr"));
            fs::create_dir(&store).expect("store");
            fs::write(store.join(marker), b"{}").expect("marker");
            Staged::directory(&store, Existing::Replace)
                .expect("a store is replaced")
                .commit()
                .expect("commit");
        }
        assert_eq!(names(&folder), ["a.txt"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn bare_names_commit_in_the_current_folder() {
        assert_eq!(parent_of(Path::new("out.npy")), PathBuf::from("."));
        assert_eq!(parent_of(Path::new("a/out.npy")), PathBuf::from("a"));
    }
}
