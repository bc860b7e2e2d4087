//! The five Zarr V2 stores poisson-numcodecs 0.1.0 wrote through zarr-python
//! (`fixtures/poisson-numcodecs/stores`), read through this crate's reader: every value equal
//! to what zarr-python read back, never-written chunks as the fill value, partial edge chunks
//! cut, and the configuration's quirks reported by `StoreInfo`.

use std::path::Path;

use anscombe_io::npy::NpyArray;
use anscombe_store::{StoreInfo, array_poisson_codec, open_array, read_subset};
use anscombe_testkit::fixture;
use serde_json::Value;
use zarrs::array::ArraySubset;

fn manifest() -> Value {
    let path = fixture("poisson-numcodecs/manifest.json");
    let text = std::fs::read_to_string(&path).expect("manifest");
    serde_json::from_str(&text).expect("manifest JSON")
}

fn npy(folder: &Path, entry: &Value, key: &str) -> NpyArray {
    let file = entry["files"][key]["file"].as_str().expect("file name");
    NpyArray::read(folder.join(file)).expect("npy")
}

fn stores() -> Vec<Value> {
    manifest()["stores"].as_array().cloned().unwrap_or_default()
}

#[test]
fn every_fixture_store_reads_exactly_as_zarr_python_read_it() {
    let folder = fixture("poisson-numcodecs");
    let stores = stores();
    assert_eq!(stores.len(), 5, "the manifest's five stores");
    for entry in &stores {
        let name = entry["name"].as_str().expect("name");
        let array = open_array(folder.join(entry["store"].as_str().expect("path")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (shape, ours) =
            read_subset(&array, &array.subset_all()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = npy(&folder, entry, "decoded");
        assert_eq!(
            shape.iter().map(|&n| n as usize).collect::<Vec<_>>(),
            expected.shape,
            "{name}"
        );
        assert!(ours == expected.samples, "{name}: decoded values differ");
    }
}

#[test]
fn never_written_chunks_read_as_the_fill_value_itself() {
    let folder = fixture("poisson-numcodecs");
    let entry = stores()
        .into_iter()
        .find(|s| !s["missing_chunks"].as_array().is_none_or(Vec::is_empty))
        .expect("a store with a missing chunk");
    let array = open_array(folder.join(entry["store"].as_str().expect("path"))).expect("open");
    let fill = entry["fill_value"].as_i64().expect("fill value");
    let chunks: Vec<u64> = entry["chunks"]
        .as_array()
        .expect("chunks")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    for missing in entry["missing_chunks"].as_array().expect("missing") {
        let index: Vec<u64> = missing
            .as_array()
            .expect("index")
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        let ranges: Vec<_> = index
            .iter()
            .zip(&chunks)
            .map(|(&i, &c)| i * c..(i + 1) * c)
            .collect();
        // The whole chunk, and a region that straddles it and a written neighbour.
        let (_, whole) = read_subset(&array, &ArraySubset::new_with_ranges(&ranges)).expect("read");
        assert!(
            whole.to_f64().iter().all(|&v| v == fill as f64),
            "missing chunk {index:?} reads as {fill}"
        );
        let mut straddle = ranges.clone();
        straddle[0] = ranges[0].start.saturating_sub(1)..ranges[0].start + 1;
        let (_, region) =
            read_subset(&array, &ArraySubset::new_with_ranges(&straddle)).expect("read");
        let frame = region.len() / 2;
        assert!(region.to_f64()[frame..].iter().all(|&v| v == fill as f64));
        let decoded = npy(&folder, &entry, "decoded").samples.to_f64();
        let shape: Vec<u64> = array.shape().to_vec();
        let start = ((straddle[0].start * shape[1] + straddle[1].start) * shape[2]
            + straddle[2].start) as usize;
        assert_eq!(region.to_f64()[0], decoded[start]);
    }
}

#[test]
fn partial_edge_chunks_are_cut_at_the_array_edge() {
    let folder = fixture("poisson-numcodecs");
    for entry in stores().iter().filter(|s| s["edge_chunks"] == true) {
        let array = open_array(folder.join(entry["store"].as_str().expect("path"))).expect("open");
        let shape = array.shape().to_vec();
        // The last element of every axis lies in a partial edge chunk.
        let ranges: Vec<_> = shape.iter().map(|&n| n - 3..n).collect();
        let (_, corner) =
            read_subset(&array, &ArraySubset::new_with_ranges(&ranges)).expect("read");
        let decoded = npy(&folder, entry, "decoded").samples.to_f64();
        let mut expected = Vec::new();
        for i in ranges[0].clone() {
            for j in ranges[1].clone() {
                for k in ranges[2].clone() {
                    expected.push(decoded[((i * shape[1] + j) * shape[2] + k) as usize]);
                }
            }
        }
        assert_eq!(corner.to_f64(), expected, "{}", entry["name"]);
    }
}

#[test]
fn store_info_reports_the_codec_and_its_quirks_once() {
    let folder = fixture("poisson-numcodecs");
    for entry in stores() {
        let path = folder.join(entry["store"].as_str().expect("path"));
        let info = StoreInfo::read(&path).expect("info");
        let poisson = info.poisson.expect("a poisson filter");
        assert_eq!(poisson["codec"], "poisson");
        assert_eq!(
            poisson["use_lookup"].as_bool().unwrap_or(true),
            entry["codec_config"]["use_lookup"]
                .as_bool()
                .unwrap_or(true)
        );
        let codec = array_poisson_codec(&open_array(&path).expect("open")).expect("codec");
        let quirks = poisson["quirks"].as_array().expect("quirks");
        assert_eq!(quirks.len(), codec.quirks().len());
        if entry["codec_config"]["use_lookup"] == false {
            // Formula mode at ps 20, dark 50: input 32767 decodes to 32852, which wraps.
            assert!(quirks.iter().any(|q| q["letter"] == "d"), "{quirks:?}");
        }
    }
}
