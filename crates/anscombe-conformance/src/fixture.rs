//! Reading a fixture folder: its manifest and the arrays it names.

use std::path::{Path, PathBuf};

use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use serde_json::Value;

/// A fixture folder that cannot be checked at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// No manifest, or not JSON.
    #[error("cannot read {path}: {reason}")]
    Manifest {
        /// The manifest path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A manifest of a family this build does not know.
    #[error("no checker for the fixture family {0} in this build")]
    UnknownFamily(String),
}

pub(crate) fn read_manifest(folder: &Path) -> Result<Value, FixtureError> {
    let path = folder.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| FixtureError::Manifest {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| FixtureError::Manifest {
        path,
        reason: e.to_string(),
    })
}

/// The array a case's `files.<key>` entry names, checked against the manifest's shape.
pub(crate) fn array(folder: &Path, case: &Value, key: &str) -> Result<NpyArray, String> {
    let entry = &case["files"][key];
    let file = entry["file"]
        .as_str()
        .ok_or_else(|| format!("manifest has no files.{key}"))?;
    let array = NpyArray::read(folder.join(file)).map_err(|e| e.to_string())?;
    let shape: Option<Vec<usize>> = entry["shape"].as_array().map(|dims| {
        dims.iter()
            .filter_map(|d| d.as_u64().map(|d| d as usize))
            .collect()
    });
    if shape.as_ref().is_some_and(|s| *s != array.shape) {
        return Err(format!(
            "{file}: shape {:?}, manifest says {shape:?}",
            array.shape
        ));
    }
    Ok(array)
}

/// A number from the case's JSON.
pub(crate) fn number(value: &Value, key: &str) -> Result<f64, String> {
    value[key]
        .as_f64()
        .ok_or_else(|| format!("manifest has no number {key}"))
}

/// A string from the case's JSON.
pub(crate) fn text<'a>(value: &'a Value, key: &str) -> Result<&'a str, String> {
    value[key]
        .as_str()
        .ok_or_else(|| format!("manifest has no string {key}"))
}

/// Exact equality, with the first difference and the count in the message.
pub(crate) fn same(what: &str, ours: &Samples, theirs: &Samples) -> Result<(), String> {
    if ours.element() != theirs.element() {
        return Err(format!(
            "{what}: ours are {}, reference {}",
            ours.element(),
            theirs.element()
        ));
    }
    if ours.len() != theirs.len() {
        return Err(format!(
            "{what}: {} values, reference {}",
            ours.len(),
            theirs.len()
        ));
    }
    if ours == theirs {
        return Ok(());
    }
    let (a, b) = (ours.to_f64(), theirs.to_f64());
    let differing: Vec<usize> = (0..a.len())
        .filter(|&i| a[i].to_bits() != b[i].to_bits())
        .collect();
    let first = differing.first().copied().unwrap_or(0);
    Err(format!(
        "{what}: {} of {} differ; first at {first}: ours {}, reference {}",
        differing.len(),
        a.len(),
        a[first],
        b[first]
    ))
}
