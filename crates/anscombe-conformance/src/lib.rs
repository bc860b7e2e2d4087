//! Conformance of the workspace with the reference packages' fixtures.
//!
//! A fixture folder holds a `manifest.json` naming cases and the `.npy` files the reference
//! produced. [`check_folder`] recognises the family from the manifest, runs every case through
//! our code and compares, and returns one [`Outcome`] per case. `cargo xtask conformance` prints
//! the report; the tests assert it is clean.

mod anscombe;
mod dcnum;
mod detectorcal;
mod fixture;
mod poisson;
mod report;
mod tinybrain;

use std::path::Path;

pub use fixture::FixtureError;
pub use report::{Outcome, Report, Verdict};

/// Runs every case of a fixture folder.
///
/// # Errors
/// [`FixtureError`] when the folder has no readable manifest or is of an unknown family.
/// Problems with single cases are failed outcomes, not errors.
pub fn check_folder(folder: &Path) -> Result<Report, FixtureError> {
    let manifest = fixture::read_manifest(folder)?;
    // tinybrain, dcnum and detectorcal name their package at the top; poisson-numcodecs names
    // it under `generated_with.reference` (its layout is otherwise the anscombe-transform one,
    // which names no package).
    let family = manifest
        .get("package")
        .or_else(|| manifest.pointer("/generated_with/reference/package"))
        .and_then(serde_json::Value::as_str);
    match family {
        // Has stores too, but names its package: never taken for anscombe-transform.
        Some("poisson-numcodecs") => Ok(poisson_numcodecs(folder, &manifest)),
        None if manifest.get("stores").is_some() => Ok(anscombe::check(folder, &manifest)),
        Some("tinybrain") => Ok(tinybrain::check(folder, &manifest)),
        Some("dcnum") => Ok(dcnum::check(folder, &manifest)),
        Some("detectorcal") => Ok(detectorcal::check(folder, &manifest)),
        Some(other) => Err(FixtureError::UnknownFamily(other.to_string())),
        None => Err(FixtureError::UnknownFamily(
            "(manifest names no package)".into(),
        )),
    }
}

/// The poisson-numcodecs family: codec cases, then stores.
fn poisson_numcodecs(folder: &Path, manifest: &serde_json::Value) -> Report {
    let mut outcomes = poisson::check_cases(folder, manifest);
    outcomes.extend(poisson::check_stores(folder, manifest));
    Report { outcomes }
}
