//! A calibration saved as JSON, and a raster calibration's per-pixel maps beside it: how the
//! maps are written and named in the file, and what a reader gets back (one gain and zero
//! level, or the maps' paths).
//!
//! The file is the calibration's JSON form (see [`crate::Calibration`] and
//! [`RasterCalibration`]); a raster calibration adds `"maps"`, each map's path relative to
//! the file's folder when the map lies inside it, so the file and its maps can move together.

use std::path::{Path, PathBuf};

use anscombe_io::{MovieError, Samples, SmallFileError};

use crate::photons::{PhotonError, PhotonScale};
use crate::raster::RasterCalibration;

/// The largest calibration file read: a saved calibration is a few kilobytes (a raster
/// calibration's maps are separate files).
pub const SAVED_LIMIT: u64 = 16 << 20;

/// One per-pixel map of a raster calibration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapKind {
    /// Each pixel's conversion gain (float64, NaN where not fitted).
    Gain,
    /// Each pixel's zero level (float64, NaN where not fitted).
    ZeroLevel,
    /// Each pixel's group (int16, -1 where not fitted).
    Group,
}

impl MapKind {
    /// The map's key under `"maps"` in the saved file.
    pub fn key(self) -> &'static str {
        match self {
            MapKind::Gain => "gain",
            MapKind::ZeroLevel => "zero_level",
            MapKind::Group => "group",
        }
    }

    /// The map's samples, one per pixel of a frame.
    pub fn samples(self, calibration: &RasterCalibration) -> Samples {
        match self {
            MapKind::Gain => Samples::F64(calibration.gain_map()),
            MapKind::ZeroLevel => Samples::F64(calibration.zero_level_map()),
            MapKind::Group => Samples::I16(calibration.group_map()),
        }
    }
}

/// Writes one map as an image of the frame's shape (`.npy`, or one `.tif` page).
///
/// # Errors
/// [`MovieError`] when the file cannot be written (nothing is left at `path` then).
pub fn write_map(
    calibration: &RasterCalibration,
    kind: MapKind,
    frame_shape: &[usize],
    path: &Path,
) -> Result<PathBuf, MovieError> {
    anscombe_io::image::write_image(path, frame_shape, &kind.samples(calibration))
}

/// The maps' paths as the saved file names them: relative to `base` (the file's folder) when
/// they lie inside it, else absolute; as given when there is no `base` (a report on screen).
pub fn map_paths(
    maps: &[(MapKind, &Path)],
    base: Option<&Path>,
) -> serde_json::Map<String, serde_json::Value> {
    let base = base
        .map(|b| {
            if b.as_os_str().is_empty() {
                Path::new(".")
            } else {
                b
            }
        })
        .and_then(|b| b.canonicalize().ok());
    maps.iter()
        .map(|&(kind, path)| {
            let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
            let shown = match &base {
                None => path.to_path_buf(),
                Some(base) => absolute
                    .strip_prefix(base)
                    .map_or_else(|_| absolute.clone(), Path::to_path_buf),
            };
            (
                kind.key().to_string(),
                serde_json::Value::String(shown.display().to_string()),
            )
        })
        .collect()
}

/// What a saved calibration holds, for the tools that read one.
#[derive(Debug, Clone, PartialEq)]
pub enum Saved {
    /// One gain and zero level.
    Single {
        /// Levels per photon.
        gain: f64,
        /// Level at zero photons.
        zero_level: f64,
    },
    /// A raster calibration's per-pixel maps (paths resolved against the file's folder).
    Maps {
        /// The gain map.
        gain: PathBuf,
        /// The zero-level map.
        zero_level: PathBuf,
    },
}

/// Why a saved calibration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SavedError {
    /// The file cannot be read (or is larger than [`SAVED_LIMIT`]).
    #[error("cannot read the calibration {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: SmallFileError,
    },
    /// The file is not JSON.
    #[error("{}: not JSON", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A number the calibration needs is missing.
    #[error("{}: no number {key}", path.display())]
    MissingNumber {
        /// The file.
        path: PathBuf,
        /// The missing key.
        key: &'static str,
    },
    /// A raster calibration of several groups where one gain and zero level are needed.
    #[error(
        "{}: a raster calibration with {groups} pixel groups (gains {gains}): per-pixel gains \
         cannot be expressed by one codec configuration",
        path.display()
    )]
    SeveralGroups {
        /// The file.
        path: PathBuf,
        /// Its groups.
        groups: usize,
        /// Their gains, as listed.
        gains: String,
    },
    /// A raster calibration of several groups saved without the maps a per-pixel use needs.
    #[error(
        "{}: a raster calibration with {groups} pixel groups, saved without its gain and \
         zero-level maps",
        path.display()
    )]
    MapsMissing {
        /// The file.
        path: PathBuf,
        /// Its groups.
        groups: usize,
    },
    /// A map cannot be read.
    #[error("cannot read the map {}", path.display())]
    Map {
        /// The map.
        path: PathBuf,
        /// Why.
        #[source]
        source: MovieError,
    },
    /// The maps make no photon scale (they differ in size).
    #[error(transparent)]
    Maps(#[from] PhotonError),
    /// The saved gain and zero level make no photon scale.
    #[error("{}", path.display())]
    Scale {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: PhotonError,
    },
}

/// Reads a saved calibration. A raster calibration with several groups yields its maps
/// ([`Saved::Maps`]) when `maps` is true, and is refused otherwise, with the reason: one
/// codec configuration cannot hold per-pixel gains.
///
/// # Errors
/// [`SavedError`] for a file that cannot be read, is not a calibration, or cannot be used so.
pub fn read_saved(path: &Path, maps: bool) -> Result<Saved, SavedError> {
    let text =
        anscombe_io::read_small_text(path, SAVED_LIMIT).map_err(|source| SavedError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| SavedError::Json {
            path: path.to_path_buf(),
            source,
        })?;
    let raster = json["method"] == "raster";
    if raster && maps {
        let folder = path.parent().unwrap_or(Path::new(""));
        let map = |key: &str| json["maps"][key].as_str().map(|p| folder.join(p));
        if let (Some(gain), Some(zero_level)) = (map("gain"), map("zero_level")) {
            return Ok(Saved::Maps { gain, zero_level });
        }
    }
    let groups = json["groups"].as_array().map_or(0, Vec::len);
    if raster && groups != 1 {
        let path = path.to_path_buf();
        if maps {
            return Err(SavedError::MapsMissing { path, groups });
        }
        let gains: Vec<String> = json["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| format!("{:.4}", g["conversion_gain"].as_f64().unwrap_or(f64::NAN)))
            .collect();
        return Err(SavedError::SeveralGroups {
            path,
            groups,
            gains: gains.join(", "),
        });
    }
    let number = |key: &'static str| {
        json[key].as_f64().ok_or_else(|| SavedError::MissingNumber {
            path: path.to_path_buf(),
            key,
        })
    };
    Ok(Saved::Single {
        gain: number("conversion_gain")?,
        zero_level: number("zero_level")?,
    })
}

/// The one gain and zero level of a saved calibration, for a codec; a raster calibration with
/// several groups is refused, saying why.
///
/// # Errors
/// As [`read_saved`].
pub fn read_single(path: &Path) -> Result<(f64, f64), SavedError> {
    match read_saved(path, false)? {
        Saved::Single { gain, zero_level } => Ok((gain, zero_level)),
        // `read_saved` gives maps only when asked for them.
        Saved::Maps { .. } => Err(SavedError::MapsMissing {
            path: path.to_path_buf(),
            groups: 0,
        }),
    }
}

/// A photon scale from two map images (gain, zero level) of a frame's shape.
///
/// # Errors
/// [`SavedError::Map`] for a map that cannot be read, [`SavedError::Maps`] for maps of
/// different sizes.
pub fn scale_from_maps(gain: &Path, zero_level: &Path) -> Result<PhotonScale, SavedError> {
    let read = |path: &Path| {
        anscombe_io::image::read_image(path)
            .map(|samples| samples.to_f64())
            .map_err(|source| SavedError::Map {
                path: path.to_path_buf(),
                source,
            })
    };
    Ok(PhotonScale::per_pixel(read(gain)?, read(zero_level)?)?)
}

/// The photon scale of a saved calibration: its one gain and zero level, or a raster
/// calibration's per-pixel maps.
///
/// # Errors
/// As [`read_saved`] (with maps) and [`scale_from_maps`]; [`SavedError::Scale`] for a gain or
/// zero level that is not usable.
pub fn read_scale(path: &Path) -> Result<PhotonScale, SavedError> {
    match read_saved(path, true)? {
        Saved::Single { gain, zero_level } => {
            PhotonScale::uniform(gain, zero_level).map_err(|source| SavedError::Scale {
                path: path.to_path_buf(),
                source,
            })
        }
        Saved::Maps { gain, zero_level } => scale_from_maps(&gain, &zero_level),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_paths_are_relative_to_the_calibration_folder_when_inside_it() {
        let dir = anscombe_testkit::scratch("calibrate-saved-maps");
        std::fs::create_dir_all(dir.join("maps")).expect("dir");
        let gain = dir.join("maps/gain.npy");
        std::fs::write(&gain, b"x").expect("file");
        let json = map_paths(&[(MapKind::Gain, &gain)], Some(&dir));
        assert_eq!(json["gain"], "maps/gain.npy");
        let elsewhere = map_paths(
            &[(MapKind::Gain, &gain)],
            Some(&dir.join("maps/..").join("maps")),
        );
        assert_eq!(elsewhere["gain"], "gain.npy");
        let outside = map_paths(&[(MapKind::Gain, &gain)], Some(&dir.join("maps/other")));
        assert_eq!(outside["gain"], gain.display().to_string(), "absolute");
        let shown = map_paths(&[(MapKind::ZeroLevel, Path::new("z.npy"))], None);
        assert_eq!(shown["zero_level"], "z.npy", "as given without a base");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_single_calibration_reads_as_its_gain_and_zero_level() {
        let dir = anscombe_testkit::scratch("calibrate-saved-single");
        let path = dir.join("cal.json");
        std::fs::write(&path, r#"{"conversion_gain": 12.5, "zero_level": -3}"#).expect("file");
        assert_eq!(read_single(&path).expect("single"), (12.5, -3.0));
        assert_eq!(
            read_scale(&path).expect("scale"),
            PhotonScale::Uniform {
                gain: 12.5,
                zero_level: -3.0
            }
        );
        std::fs::write(&path, r#"{"conversion_gain": 12.5}"#).expect("file");
        let error = read_single(&path).expect_err("no zero level");
        assert!(
            matches!(
                error,
                SavedError::MissingNumber {
                    key: "zero_level",
                    ..
                }
            ),
            "{error}"
        );
        std::fs::write(&path, "{").expect("file");
        assert!(matches!(read_single(&path), Err(SavedError::Json { .. })));
        std::fs::write(&path, r#"{"conversion_gain": 0, "zero_level": 1}"#).expect("file");
        assert!(matches!(read_scale(&path), Err(SavedError::Scale { .. })));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn several_groups_give_maps_or_a_refusal_that_names_the_gains() {
        let dir = anscombe_testkit::scratch("calibrate-saved-groups");
        let path = dir.join("cal.json");
        let groups = r#""groups": [{"conversion_gain": 10.0}, {"conversion_gain": 15.25}]"#;
        std::fs::write(&path, format!(r#"{{"method": "raster", {groups}}}"#)).expect("file");
        let error = read_single(&path).expect_err("two groups");
        let message = error.to_string();
        assert!(
            message.contains("2 pixel groups (gains 10.0000, 15.2500)") && !message.contains("--"),
            "{message}"
        );
        assert!(matches!(
            read_saved(&path, true),
            Err(SavedError::MapsMissing { groups: 2, .. })
        ));
        let gain = dir.join("gain.npy");
        let zero = dir.join("zero.npy");
        anscombe_io::image::write_image(&gain, &[2], &Samples::F64(vec![10.0, f64::NAN]))
            .expect("gain map");
        anscombe_io::image::write_image(&zero, &[2], &Samples::F64(vec![1.0, 2.0]))
            .expect("zero map");
        std::fs::write(
            &path,
            format!(
                r#"{{"method": "raster", {groups}, "maps": {{"gain": "gain.npy", "zero_level": "zero.npy"}}}}"#
            ),
        )
        .expect("file");
        assert_eq!(
            read_saved(&path, true).expect("maps"),
            Saved::Maps {
                gain: gain.clone(),
                zero_level: zero.clone()
            }
        );
        let scale = read_scale(&path).expect("scale");
        assert_eq!(scale.pixels(), Some(2));
        assert_eq!(scale.pixels_without_scale(), 1, "the NaN gain");
        std::fs::remove_file(&zero).expect("remove");
        assert!(matches!(read_scale(&path), Err(SavedError::Map { .. })));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
