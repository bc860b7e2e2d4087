//! A store (a directory) being written: a zarrs filesystem store over the staged directory of
//! [`anscombe_io::Staged`], the toolkit's one atomic-write mechanism. Chunks are written first,
//! metadata last, and on [`StagedStore::commit`] everything is synced and renamed into place,
//! so an interrupted write leaves no store at the destination (and no metadata anywhere that
//! claims chunks which were never written).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anscombe_io::{Existing, Staged};
use zarrs::filesystem::FilesystemStore;

use crate::error::{StoreError, zarr_error};

/// A store being written beside its destination.
#[derive(Debug)]
pub(crate) struct StagedStore {
    // Declared first, so that it is dropped (closing nothing, but no longer used) before the
    // staging removes its directory.
    store: Arc<FilesystemStore>,
    staged: Staged,
}

impl StagedStore {
    /// Stages a store for `destination`, failing early if it exists and `overwrite` is false.
    pub(crate) fn create(destination: &Path, overwrite: bool) -> Result<Self, StoreError> {
        anscombe_zarr::register();
        let existing = if overwrite {
            Existing::Replace
        } else {
            Existing::Keep
        };
        let staged = Staged::directory(destination, existing)?;
        let store = FilesystemStore::new(staged.path()).map_err(zarr_error)?;
        Ok(StagedStore {
            store: Arc::new(store),
            staged,
        })
    }

    /// The zarrs store inside the staged directory.
    pub(crate) fn store(&self) -> Arc<FilesystemStore> {
        Arc::clone(&self.store)
    }

    /// The staged directory.
    pub(crate) fn root(&self) -> &Path {
        self.staged.path()
    }

    /// Syncs the store and moves it to its destination (replacing an old one when overwriting
    /// was asked for).
    pub(crate) fn commit(self) -> Result<PathBuf, StoreError> {
        Ok(self.staged.commit()?)
    }
}
