//! `cargo xtask conformance`.

use std::path::PathBuf;

use anscombe_conformance::check_folder;
use anyhow::{Context, Result};

/// The vendored fixture families (`fixtures/<family>`) that have a checker, checked by default
/// with the spec's own vectors. A vendored folder not listed here is named as not checked.
const CHECKED_FAMILIES: [&str; 5] = [
    "anscombe-transform",
    "poisson-numcodecs",
    "tinybrain",
    "dcnum",
    "detectorcal",
];

/// Checks each folder (or the default ones); true when nothing failed.
pub(crate) fn run(folders: &[PathBuf]) -> Result<bool> {
    let (folders, unchecked) = if folders.is_empty() {
        default_folders()?
    } else {
        (folders.to_vec(), Vec::new())
    };
    let mut clean = true;
    for folder in &folders {
        println!("== {}", folder.display());
        let report =
            check_folder(folder).with_context(|| format!("checking {}", folder.display()))?;
        println!("{report}");
        clean &= report.failed() == 0;
    }
    for folder in unchecked {
        println!(
            "== {}: not checked (anscombe-conformance has no checker for this family yet)",
            folder.display()
        );
    }
    Ok(clean)
}

/// `spec/vectors` and the vendored fixture folders that have a checker, and the vendored
/// folders left out.
fn default_folders() -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let root = crate::workspace_root();
    let fixtures = root.join("fixtures");
    let mut folders = vec![root.join("spec/vectors"), root.join("spec/vectors/poisson")];
    folders.extend(CHECKED_FAMILIES.iter().map(|family| fixtures.join(family)));
    let mut unchecked: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .with_context(|| format!("listing {}", fixtures.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("listing {}", fixtures.display()))?;
    unchecked.retain(|folder| folder.is_dir() && !folders.contains(folder));
    unchecked.sort();
    Ok((folders, unchecked))
}
