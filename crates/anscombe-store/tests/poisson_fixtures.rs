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

/// A fresh scratch folder in the system temporary folder.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "anscombe-store-poisson-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

#[test]
fn poisson_stores_are_written_in_both_formats_and_read_back_as_the_reference_reads() {
    use anscombe_core::{
        CodeSlice, CodeSliceMut, DataType, PoissonCodec, PoissonParams, SampleSlice, SampleSliceMut,
    };
    use anscombe_store::{Compressor, StoreSpec, ZarrFormat, write_store};
    let dir = scratch("write");
    let params = PoissonParams::new(50.0, 20.0);
    let core = PoissonCodec::new(&params).expect("valid");
    let samples: Vec<i16> = (0..7 * 24 * 20)
        .map(|i| ((i * 97) % 4000 - 20) as i16)
        .collect();
    let mut codes = vec![0u8; samples.len()];
    core.encoder(DataType::I16)
        .expect("accepted")
        .encode(SampleSlice::I16(&samples), CodeSliceMut::U8(&mut codes))
        .expect("encode");
    let mut expected = vec![0i16; samples.len()];
    core.decode(CodeSlice::U8(&codes), SampleSliceMut::I16(&mut expected))
        .expect("decode");
    for (i, format) in [ZarrFormat::V2, ZarrFormat::V3].into_iter().enumerate() {
        let path = dir.join(format!("p{i}.zarr"));
        let spec = StoreSpec {
            chunk_shape: Some(vec![3, 16, 16]),
            compressor: Compressor::Zstd { level: 3 },
            format,
            poisson: Some(params),
            ..StoreSpec::new(vec![7, 24, 20], DataType::I16, None)
        };
        write_store(
            &path,
            &spec,
            &anscombe_io::Samples::I16(samples.clone()),
            false,
        )
        .expect("write");
        let array = open_array(&path).expect("open");
        let (_, back) = read_subset(&array, &array.subset_all()).expect("read");
        assert!(
            back == anscombe_io::Samples::I16(expected.clone()),
            "{format:?}"
        );
        let info = StoreInfo::read(&path).expect("info");
        let poisson = info.poisson.expect("poisson");
        assert_eq!(poisson["photon_sensitivity"], 20.0);
        assert_eq!(poisson["quirks"].as_array().map(Vec::len), Some(0));
        if format == ZarrFormat::V2 {
            let zarray: Value = serde_json::from_str(
                &std::fs::read_to_string(path.join(".zarray")).expect(".zarray"),
            )
            .expect("json");
            assert_eq!(zarray["filters"][0]["id"], "poisson");
            assert_eq!(zarray["filters"][0]["decoded_dtype"], "int16");
            assert_eq!(zarray["dtype"], "<i2");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn poisson_stores_the_reference_would_lose_are_refused_before_writing() {
    use anscombe_core::{DataType, PoissonEncoderError, PoissonParams};
    use anscombe_store::{StoreError, StoreSpec, array_metadata};
    // The reference test-suite's parameters: uint8 codes wrap.
    let spec = StoreSpec {
        poisson: Some(PoissonParams::new(0.0, 1.0)),
        ..StoreSpec::new(vec![2, 8, 8], DataType::I16, None)
    };
    let error = array_metadata(&spec).expect_err("refused");
    assert!(
        matches!(
            error,
            StoreError::PoissonRefused(PoissonEncoderError::Refused(_))
        ),
        "{error}"
    );
    // decoded_dtype must be the array's type.
    let spec = StoreSpec {
        poisson: Some(PoissonParams::new(50.0, 20.0)),
        ..StoreSpec::new(vec![2, 8, 8], DataType::U16, None)
    };
    let error = array_metadata(&spec).expect_err("mismatch");
    assert!(error.to_string().contains("decoded_dtype"), "{error}");
}
