//! OME-Zarr multiscale images: every level matches the in-memory pyramid, the metadata
//! validates against the published OME-Zarr 0.5 schema and opens in the OME community's
//! models and zarr-python, interrupted writes leave nothing, bad axes are refused.

use std::path::{Path, PathBuf};
use std::process::Command;

use anscombe_testkit::python;

use anscombe_core::{CodecParams, DataType, V1Params};
use anscombe_io::Samples;
use anscombe_pyramid::{Method, Pyramid};
use anscombe_store::ome::{AxisKind, OmeAxis, OmeSpec, OmeWriter};
use anscombe_store::{StoreError, open_array, read_frames};
use ndarray::{ArrayD, IxDyn};
use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("anscombe-ome-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// A (t, y, x) movie of photon-like counts.
fn movie(shape: [usize; 3]) -> Vec<u16> {
    (0..shape.iter().product::<usize>())
        .map(|i| (100 + (i * 7919 % 613) + (i / shape[2]) % 50) as u16)
        .collect()
}

/// Writes `samples` through an [`OmeWriter`] in batches of `batch` frames.
fn write(path: &Path, spec: &OmeSpec, samples: &Samples, batch: usize) -> PathBuf {
    let frame: usize = spec.shape.iter().skip(1).product::<u64>() as usize;
    let mut writer = OmeWriter::create(path, spec, false).expect("create");
    let mut first = 0;
    while first < samples.len() {
        let end = (first + batch * frame).min(samples.len());
        writer
            .write_frames(&samples.slice(first..end))
            .expect("write");
        first = end;
    }
    writer.finish().expect("finish")
}

fn level_u16(path: &Path, level: usize) -> (Vec<u64>, Vec<u16>) {
    let array = open_array(path.join(level.to_string())).expect("level array");
    let frames = array.shape()[0];
    let (shape, samples) = read_frames(&array, 0..frames).expect("read");
    let Samples::U16(values) = samples else {
        panic!("level {level} is not uint16")
    };
    (shape, values)
}

#[test]
fn every_level_matches_the_in_memory_pyramid_whatever_the_batch_size() {
    let dir = scratch("levels");
    let shape = [7usize, 37, 29];
    let values = movie(shape);
    let pyramid = Pyramid::new(Method::Average, &[1, 2, 2], 3).expect("pyramid");
    let input = ArrayD::from_shape_vec(IxDyn(&shape), values.clone()).expect("movie");
    let expected = pyramid.build(input.view()).expect("in memory");
    let spec = OmeSpec::new(
        shape.iter().map(|&n| n as u64).collect(),
        DataType::U16,
        &["t", "y", "x"],
        pyramid,
    );
    for batch in [1, 3, 7] {
        let path = write(
            &dir.join(format!("b{batch}.ome.zarr")),
            &spec,
            &Samples::U16(values.clone()),
            batch,
        );
        let (_, level0) = level_u16(&path, 0);
        assert_eq!(level0, values, "the full resolution is the input itself");
        for (level, expected) in expected.iter().enumerate() {
            let (shape, got) = level_u16(&path, level + 1);
            assert_eq!(
                shape.iter().map(|&n| n as usize).collect::<Vec<_>>(),
                expected.shape()
            );
            assert_eq!(
                got,
                expected.iter().copied().collect::<Vec<_>>(),
                "level {level}, batches of {batch}"
            );
        }
    }
}

#[test]
fn volumes_pool_along_the_first_axis_too() {
    let dir = scratch("volume");
    let shape = [9usize, 10, 11];
    let values: Vec<u16> = (0..990u16).map(|i| (i / 37) % 4).collect();
    let pyramid = Pyramid::new(Method::Mode, &[2, 2, 2], 2).expect("pyramid");
    let input = ArrayD::from_shape_vec(IxDyn(&shape), values.clone()).expect("volume");
    let expected = pyramid.build(input.view()).expect("in memory");
    let spec = OmeSpec::new(vec![9, 10, 11], DataType::U16, &["z", "y", "x"], pyramid);
    let path = write(&dir.join("v.ome.zarr"), &spec, &Samples::U16(values), 2);
    for (level, expected) in expected.iter().enumerate() {
        let (_, got) = level_u16(&path, level + 1);
        assert_eq!(got, expected.iter().copied().collect::<Vec<_>>());
    }
}

#[test]
fn only_the_full_resolution_uses_the_anscombe_codec() {
    let dir = scratch("codec");
    let shape = [4usize, 32, 32];
    let values = movie(shape);
    let mut spec = OmeSpec::new(
        vec![4, 32, 32],
        DataType::U16,
        &["t", "y", "x"],
        Pyramid::new(Method::Average, &[1, 2, 2], 2).expect("pyramid"),
    );
    spec.codec = Some(CodecParams::V1(V1Params {
        decoded_dtype: DataType::U16,
        ..V1Params::new(100.0, 20.0)
    }));
    let path = write(&dir.join("c.ome.zarr"), &spec, &Samples::U16(values), 4);
    let codecs = |level: usize| -> Vec<String> {
        let text = std::fs::read_to_string(path.join(level.to_string()).join("zarr.json"))
            .expect("array metadata");
        let json: Value = serde_json::from_str(&text).expect("json");
        json["codecs"]
            .as_array()
            .expect("codecs")
            .iter()
            .map(|c| c["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(codecs(0), ["anscombe-v1", "bytes", "zstd", "crc32c"]);
    assert_eq!(codecs(1), ["bytes", "zstd", "crc32c"]);
    assert_eq!(codecs(2), ["bytes", "zstd", "crc32c"]);
}

#[test]
fn group_metadata_has_axes_datasets_and_scales() {
    let mut spec = OmeSpec::new(
        vec![100, 512, 512],
        DataType::U16,
        &["t", "y", "x"],
        Pyramid::new(Method::Average, &[1, 2, 2], 2).expect("pyramid"),
    );
    spec.scale = vec![0.033, 0.5, 0.5];
    spec.name = Some("mouse".into());
    insta::assert_json_snapshot!(spec.group_metadata().expect("metadata"));
}

#[test]
fn bad_axes_and_units_are_refused_with_the_rule() {
    let pyramid = Pyramid::new(Method::Average, &[2, 2], 1).expect("pyramid");
    let mut spec = OmeSpec::new(
        vec![8, 8, 8],
        DataType::U8,
        &["y", "t", "x"],
        pyramid.clone(),
    );
    let Err(StoreError::Settings(message)) = spec.validate() else {
        panic!("space before time accepted")
    };
    assert!(message.contains("at most one time axis"), "{message}");
    spec.axes = ["t", "y", "x"].iter().map(|a| OmeAxis::named(a)).collect();
    spec.axes[1].unit = Some("micron".into());
    let Err(StoreError::Settings(message)) = spec.validate() else {
        panic!("unknown unit accepted")
    };
    assert!(message.contains("micron"), "{message}");
    spec.axes[1] = OmeAxis {
        name: "x".into(),
        kind: AxisKind::Space,
        unit: None,
    };
    assert!(matches!(spec.validate(), Err(StoreError::Settings(m)) if m.contains("twice")));
    let one_space = OmeSpec::new(vec![8, 8], DataType::U8, &["t", "x"], pyramid);
    assert!(one_space.validate().is_err());
}

#[test]
fn an_unfinished_write_leaves_nothing_behind() {
    let dir = scratch("interrupted");
    let spec = OmeSpec::new(
        vec![4, 16, 16],
        DataType::U16,
        &["t", "y", "x"],
        Pyramid::new(Method::Average, &[1, 2, 2], 2).expect("pyramid"),
    );
    let destination = dir.join("i.ome.zarr");
    let mut writer = OmeWriter::create(&destination, &spec, false).expect("create");
    writer
        .write_frames(&Samples::U16(vec![1; 2 * 16 * 16]))
        .expect("write");
    drop(writer);
    assert!(!destination.exists());
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        0,
        "no staging folder left"
    );
    let mut writer = OmeWriter::create(&destination, &spec, false).expect("create");
    writer
        .write_frames(&Samples::U16(vec![1; 2 * 16 * 16]))
        .expect("write");
    assert!(
        matches!(
            writer.finish(),
            Err(StoreError::MissingFrames {
                given: 2,
                expected: 4
            })
        ),
        "missing frames are an error"
    );
    assert!(!destination.exists());
}

#[test]
fn the_published_schema_the_ome_models_and_zarr_python_accept_the_image() {
    let dir = scratch("python");
    let shape = [5usize, 40, 30];
    let values = movie(shape);
    let mut spec = OmeSpec::new(
        vec![5, 40, 30],
        DataType::U16,
        &["t", "y", "x"],
        Pyramid::new(Method::Average, &[1, 2, 2], 3).expect("pyramid"),
    );
    spec.scale = vec![0.1, 0.8, 0.8];
    let path = write(&dir.join("p.ome.zarr"), &spec, &Samples::U16(values), 2);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/ome_check.py");
    let output = Command::new(python("the reference packages"))
        .arg(script)
        .arg(&path)
        .output()
        .expect("start python");
    assert!(
        output.status.success(),
        "ome_check.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("json report");
    assert_eq!(report["schema_errors"], serde_json::json!([]), "{report}");
    assert_eq!(
        report["schema_rejects_broken"], true,
        "the validators can fail"
    );
    let levels = report["levels"].as_array().expect("levels");
    assert_eq!(levels.len(), 4);
    let input = ArrayD::from_shape_vec(IxDyn(&shape), movie(shape)).expect("movie");
    let expected = spec.pyramid.build(input.view()).expect("in memory");
    for (level, reported) in levels.iter().enumerate() {
        assert_eq!(reported["path"], level.to_string());
        assert_eq!(
            reported["dimension_names"],
            serde_json::json!(["t", "y", "x"])
        );
        assert_eq!(reported["dtype"], "uint16");
        let sum: f64 = if level == 0 {
            input.iter().map(|&v| f64::from(v)).sum()
        } else {
            expected[level - 1].iter().map(|&v| f64::from(v)).sum()
        };
        assert_eq!(reported["sum"].as_f64(), Some(sum), "level {level}");
    }
}
