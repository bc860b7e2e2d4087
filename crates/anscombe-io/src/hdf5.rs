//! HDF5 movies: one dataset of an HDF5 file (`movie.h5:/acquisition/frames`), read frame range
//! by frame range through a hyperslab, so files larger than memory stream. Pure Rust (the
//! `hdf5-reader` crate): no libhdf5 to install. Contiguous and chunked datasets with the usual
//! filters (deflate, shuffle, Fletcher-32, n-bit, scale-offset) are read; szip is not.

use std::path::{Path, PathBuf};

use hdf5_reader::{Dataset, Datatype, H5Type, Hdf5File, SliceInfo, SliceInfoElem};

use crate::movie::{FrameSource, MovieError, check_range};
use crate::{Element, Samples};

/// File name extensions taken as HDF5.
pub const EXTENSIONS: [&str; 4] = ["h5", "hdf5", "hdf", "he5"];

/// A dataset of an HDF5 file, first axis as time.
pub struct Hdf5Movie {
    path: PathBuf,
    /// Keeps the file open for the dataset.
    _file: Hdf5File,
    dataset: Dataset,
    shape: Vec<usize>,
    element: Element,
}

/// Splits `file.h5:/group/dataset` into the file and the dataset path (`None` when the
/// argument names the file alone).
pub fn split_dataset_path(argument: &Path) -> (PathBuf, Option<String>) {
    let text = argument.to_string_lossy();
    for extension in EXTENSIONS {
        for cut in [
            format!(".{extension}:"),
            format!(".{}:", extension.to_uppercase()),
        ] {
            if let Some(at) = text.find(&cut) {
                let file = &text[..at + cut.len() - 1];
                let dataset = &text[at + cut.len()..];
                return (PathBuf::from(file), Some(dataset.to_string()));
            }
        }
    }
    (argument.to_path_buf(), None)
}

fn element_of(datatype: &Datatype) -> Option<Element> {
    match *datatype {
        Datatype::FixedPoint {
            size: 1, signed, ..
        } => Some(if signed { Element::I8 } else { Element::U8 }),
        Datatype::FixedPoint {
            size: 2, signed, ..
        } => Some(if signed { Element::I16 } else { Element::U16 }),
        Datatype::FixedPoint {
            size: 4, signed, ..
        } => Some(if signed { Element::I32 } else { Element::U32 }),
        Datatype::FixedPoint {
            size: 8, signed, ..
        } => Some(if signed { Element::I64 } else { Element::U64 }),
        Datatype::FloatingPoint { size: 4, .. } => Some(Element::F32),
        Datatype::FloatingPoint { size: 8, .. } => Some(Element::F64),
        _ => None,
    }
}

/// Every dataset in the file with a numeric type and at least two dimensions, by path.
fn movie_datasets(file: &Hdf5File) -> hdf5_reader::error::Result<Vec<(String, Dataset)>> {
    let mut found = Vec::new();
    let mut pending = vec![(String::new(), file.root_group()?)];
    while let Some((prefix, group)) = pending.pop() {
        let (groups, datasets) = group.members()?;
        for dataset in datasets {
            if dataset.ndim() >= 2 && element_of(dataset.dtype()).is_some() {
                found.push((format!("{prefix}/{}", dataset.name()), dataset));
            }
        }
        for child in groups {
            pending.push((format!("{prefix}/{}", child.name()), child));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// The file's one movie-like dataset, or why there is none to choose.
fn only_movie_dataset(file: &Hdf5File, path: &Path) -> Result<Dataset, MovieError> {
    let mut candidates =
        movie_datasets(file).map_err(|e| MovieError::format(path, e.to_string()))?;
    match candidates.len() {
        1 => Ok(candidates.remove(0).1),
        0 => Err(MovieError::format(
            path,
            "no numeric dataset of two or more dimensions",
        )),
        _ => {
            let names: Vec<&str> = candidates.iter().map(|(n, _)| n.as_str()).collect();
            Err(MovieError::format(
                path,
                format!(
                    "several datasets; name one as FILE:DATASET, one of {}",
                    names.join(", ")
                ),
            ))
        }
    }
}

impl Hdf5Movie {
    /// Opens `dataset` of `path`; without a dataset path, the file's only movie-like dataset
    /// (numeric, two or more dimensions).
    ///
    /// # Errors
    /// [`MovieError`] when the file is not HDF5, the dataset is missing or ambiguous, or its
    /// type is not numeric.
    pub fn open(path: impl AsRef<Path>, dataset: Option<&str>) -> Result<Self, MovieError> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(MovieError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        let file = Hdf5File::open(path)
            .map_err(|e| MovieError::format(path, format!("not a readable HDF5 file ({e})")))?;
        let dataset = if let Some(name) = dataset {
            file.dataset(name)
                .map_err(|e| MovieError::format(path, format!("no dataset {name:?} ({e})")))?
        } else {
            only_movie_dataset(&file, path)?
        };
        let element = element_of(dataset.dtype()).ok_or_else(|| MovieError::Unsupported {
            path: path.to_path_buf(),
            message: format!(
                "dataset {} has a non-numeric type ({:?})",
                dataset.name(),
                dataset.dtype()
            ),
        })?;
        let shape = dataset
            .shape()
            .iter()
            .map(|&n| {
                usize::try_from(n).map_err(|_| {
                    MovieError::format(path, "a dimension beyond this machine's memory")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if crate::shape_bytes(&shape, element.size()).is_none() {
            return Err(MovieError::format(
                path,
                format!("a dataset of shape {shape:?} is beyond this machine's memory"),
            ));
        }
        Ok(Hdf5Movie {
            path: path.to_path_buf(),
            _file: file,
            dataset,
            shape,
            element,
        })
    }

    fn read_typed<T: H5Type>(&self, start: usize, count: usize) -> Result<Vec<T>, MovieError> {
        let mut selection = SliceInfo::all(self.shape.len());
        selection.selections[0] = SliceInfoElem::Slice {
            start: start as u64,
            end: (start + count) as u64,
            step: 1,
        };
        let array = self.dataset.read_slice::<T>(&selection).map_err(|e| {
            MovieError::format(
                &self.path,
                format!("reading frames {start}..{}: {e}", start + count),
            )
        })?;
        Ok(array.into_iter().collect())
    }
}

impl FrameSource for Hdf5Movie {
    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn element(&self) -> Element {
        self.element
    }

    fn read_frames(&mut self, start: usize, count: usize) -> Result<Samples, MovieError> {
        check_range(start, count, self.frames())?;
        if count == 0 {
            return Ok(Samples::zeros(self.element, 0));
        }
        Ok(match self.element {
            Element::U8 => Samples::U8(self.read_typed(start, count)?),
            Element::I8 => Samples::I8(self.read_typed(start, count)?),
            Element::U16 => Samples::U16(self.read_typed(start, count)?),
            Element::I16 => Samples::I16(self.read_typed(start, count)?),
            Element::U32 => Samples::U32(self.read_typed(start, count)?),
            Element::I32 => Samples::I32(self.read_typed(start, count)?),
            Element::U64 => Samples::U64(self.read_typed(start, count)?),
            Element::I64 => Samples::I64(self.read_typed(start, count)?),
            Element::F32 => Samples::F32(self.read_typed(start, count)?),
            Element::F64 => Samples::F64(self.read_typed(start, count)?),
            Element::Bool => {
                return Err(MovieError::format(
                    &self.path,
                    "boolean datasets are not movies",
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_paths_split_after_the_extension() {
        assert_eq!(
            split_dataset_path(Path::new("/data/run.h5:/acq/frames")),
            (
                PathBuf::from("/data/run.h5"),
                Some("/acq/frames".to_string())
            )
        );
        assert_eq!(
            split_dataset_path(Path::new("run.HDF5:movie")),
            (PathBuf::from("run.HDF5"), Some("movie".to_string()))
        );
        assert_eq!(
            split_dataset_path(Path::new("run.h5")),
            (PathBuf::from("run.h5"), None)
        );
        assert_eq!(
            split_dataset_path(Path::new("c:/x/movie.tif")),
            (PathBuf::from("c:/x/movie.tif"), None)
        );
    }
}
