//! The fixture folders vendored in `fixtures/` are, byte for byte, what their manifests
//! describe: every file a manifest names has the SHA-256 it gives, and no file is there that
//! the manifest does not name (besides the folder's own description: README, manifest,
//! generator script and its configuration). A folder that drifted from its manifest (a partial
//! copy, a line-ending conversion, a hand edit) fails here before it can mislead a checker.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anscombe_testkit::{fixture, fixtures_dir, sha256_hex};
use serde_json::Value;

/// The vendored families, each copied whole from the shared reference fixture sets.
const FAMILIES: [&str; 5] = [
    "anscombe-transform",
    "dcnum",
    "detectorcal",
    "poisson-numcodecs",
    "tinybrain",
];

/// Files that describe a folder rather than being described by its manifest.
const DESCRIPTION: [&str; 4] = [
    "README.md",
    "manifest.json",
    "gen_fixtures.py",
    "set_config.json",
];

/// Every `{"file": ..., "sha256": ...}` entry anywhere in the manifest.
fn named_files(value: &Value, into: &mut BTreeMap<String, BTreeSet<String>>) {
    match value {
        Value::Object(entries) => {
            if let (Some(Value::String(file)), Some(Value::String(sha))) =
                (entries.get("file"), entries.get("sha256"))
            {
                into.entry(file.clone()).or_default().insert(sha.clone());
            }
            entries.values().for_each(|v| named_files(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| named_files(v, into)),
        _ => {}
    }
}

/// Every file below `dir`, as a path relative to `root` with `/` separators.
fn files_on_disk(root: &Path, dir: &Path, into: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("list") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files_on_disk(root, &path, into);
        } else {
            let relative = path.strip_prefix(root).expect("below the root");
            let parts: Vec<_> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            into.insert(parts.join("/"));
        }
    }
}

#[test]
fn the_vendored_families_are_the_expected_ones() {
    let mut found: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(found, FAMILIES);
}

#[test]
fn every_vendored_file_is_the_one_its_manifest_names() {
    for family in FAMILIES {
        let folder = fixture(family);
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).expect("manifest"))
                .expect("manifest JSON");
        let mut named = BTreeMap::new();
        named_files(&manifest, &mut named);
        assert!(named.len() > 20, "{family}: {} files named", named.len());
        for (file, hashes) in &named {
            let bytes =
                std::fs::read(folder.join(file)).unwrap_or_else(|e| panic!("{family}/{file}: {e}"));
            let actual = sha256_hex(&bytes);
            for expected in hashes {
                assert_eq!(&actual, expected, "{family}/{file}");
            }
        }
        let mut on_disk = BTreeSet::new();
        files_on_disk(&folder, &folder, &mut on_disk);
        for description in DESCRIPTION {
            on_disk.remove(description);
        }
        let named: BTreeSet<String> = named.into_keys().collect();
        assert_eq!(on_disk, named, "{family}: files and manifest differ");
    }
}
