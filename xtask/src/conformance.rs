//! `cargo xtask conformance`.

use std::path::PathBuf;

use anscombe_conformance::{check_folder, shared_dir};
use anyhow::{Context, Result};

/// Checks each folder (or the default ones); true when nothing failed.
pub(crate) fn run(folders: &[PathBuf]) -> Result<bool> {
    let folders = if folders.is_empty() {
        default_folders()?
    } else {
        folders.to_vec()
    };
    let mut clean = true;
    for folder in &folders {
        println!("== {}", folder.display());
        let report =
            check_folder(folder).with_context(|| format!("checking {}", folder.display()))?;
        println!("{report}");
        clean &= report.failed() == 0;
    }
    Ok(clean)
}

fn default_folders() -> Result<Vec<PathBuf>> {
    let shared =
        shared_dir().context("no shared fixtures folder: pass FOLDER or set ANSCOMBE_SHARED")?;
    let mut folders = vec![crate::workspace_root().join("spec/vectors")];
    folders.push(shared.join("fixtures/anscombe-transform"));
    folders.push(shared.join("fixtures/poisson-numcodecs"));
    folders.push(shared.join("fixtures/tinybrain"));
    folders.push(shared.join("fixtures/dcnum"));
    folders.push(shared.join("fixtures/detectorcal"));
    Ok(folders
        .into_iter()
        .filter(|f| f.join("manifest.json").is_file())
        .collect())
}
