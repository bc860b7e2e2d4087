//! Reading stores: arrays, frames and regions of them, a store as a movie, the Anscombe codec
//! of an array, and what a store holds.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use anscombe_core::CodecParams;
use anscombe_io::{Element, Samples};
use anscombe_zarr::{AnscombeConfiguration, PoissonConfiguration, PoissonZarrCodec, sample_type};
use rayon::prelude::*;
use serde::Serialize;
use zarrs::array::{Array, ArraySubset, FromArrayBytes};
use zarrs::filesystem::FilesystemStore;

use crate::error::{StoreError, zarr_error};

/// Opens an existing array (Zarr V2 or V3) for reading and writing.
///
/// # Errors
/// [`StoreError::NotZarr`] when the path holds no array metadata, or the zarrs error (an
/// unknown codec, say).
pub fn open_array(path: impl AsRef<Path>) -> Result<Array<FilesystemStore>, StoreError> {
    anscombe_zarr::register();
    let path = path.as_ref();
    if !path.join("zarr.json").is_file() && !path.join(".zarray").is_file() {
        return Err(StoreError::NotZarr(path.to_path_buf()));
    }
    anscombe_io::protect_input(path);
    let store = Arc::new(FilesystemStore::new(path).map_err(zarr_error)?);
    Array::open(store, "/").map_err(zarr_error)
}

/// Reads frames `range` (all other axes whole) of an array. Only the chunks the range touches
/// are read and decoded, in parallel.
///
/// # Errors
/// [`StoreError`] for a range past the end, an unsupported type, or a chunk that fails to
/// decode (corrupt or truncated).
pub fn read_frames(
    array: &Array<FilesystemStore>,
    range: Range<u64>,
) -> Result<(Vec<u64>, Samples), StoreError> {
    let shape = array.shape().to_vec();
    let frames = shape.first().copied().unwrap_or(0);
    if range.start > range.end || range.end > frames {
        return Err(StoreError::Settings(format!(
            "frames {range:?} are outside 0..{frames}"
        )));
    }
    let ranges: Vec<Range<u64>> = std::iter::once(range.clone())
        .chain(shape.iter().skip(1).map(|&n| 0..n))
        .collect();
    read_subset(array, &ArraySubset::new_with_ranges(&ranges))
}

/// Reads any region of an array. Every chunk the region touches is decoded whole, in
/// parallel, and the region is copied out of them: zarrs' partial decoders skip the chunk's
/// checksum (and panic on a chunk shorter than it), so a damaged chunk must never be read
/// through them.
///
/// # Errors
/// As [`read_frames`]; a chunk that fails to decode is named ([`StoreError::Chunk`]).
pub fn read_subset(
    array: &Array<FilesystemStore>,
    subset: &ArraySubset,
) -> Result<(Vec<u64>, Samples), StoreError> {
    let shape = subset.shape().to_vec();
    let element = sample_type(array.data_type())
        .map(Element::from)
        .ok_or_else(|| StoreError::DataType(array.data_type().to_string()))?;
    let outside = || {
        StoreError::Settings(format!(
            "region {subset:?} is outside the array's {:?}",
            array.shape()
        ))
    };
    if shape.len() != array.shape().len()
        || subset
            .end_exc()
            .iter()
            .zip(array.shape())
            .any(|(end, n)| end > n)
    {
        return Err(outside());
    }
    let len = usize::try_from(subset.num_elements()).map_err(|_| outside())?;
    let mut samples = Samples::zeros(element, len);
    let chunks: Vec<Vec<u64>> = array
        .chunks_in_array_subset(subset)
        .map_err(zarr_error)?
        .ok_or_else(outside)?
        .indices()
        .into_iter()
        .map(|index| index.to_vec())
        .collect();
    let decoded: Vec<(Vec<u64>, Vec<u8>)> = chunks
        .into_par_iter()
        .map(|index| {
            let bytes = crate::guard::decode_chunk(array, &index)?
                .into_fixed()
                .map(std::borrow::Cow::into_owned)
                .map_err(|e| chunk_error(array, &index, &e))?;
            Ok((index, bytes))
        })
        .collect::<Result<_, StoreError>>()?;
    let output = samples
        .as_bytes_mut()
        .ok_or_else(|| StoreError::DataType(element.to_string()))?;
    for (index, bytes) in decoded {
        let chunk = array.chunk_subset(&index).map_err(zarr_error)?;
        copy_overlap(&bytes, &chunk, output, subset, element.size()).ok_or_else(outside)?;
    }
    Ok((shape, samples))
}

/// Copies the samples of `source` (the whole region `from`, C order) that lie in `to` into
/// `target` (the whole region `to`), a row of the last axis at a time. `None` when the
/// regions do not fit their buffers.
fn copy_overlap(
    source: &[u8],
    from: &ArraySubset,
    target: &mut [u8],
    to: &ArraySubset,
    size: usize,
) -> Option<()> {
    let overlap = from.overlap(to).ok()?;
    let (start, extent) = (overlap.start(), overlap.shape());
    let Some((&row, outer)) = extent.split_last() else {
        return Some(());
    };
    if extent.contains(&0) {
        return Some(());
    }
    // The offset, in samples, of the array position `at` in a C-order region.
    let offset = |region: &ArraySubset, at: &[u64]| -> Option<usize> {
        let mut linear = 0u64;
        for ((&p, &origin), &n) in at.iter().zip(region.start()).zip(region.shape()) {
            linear = linear.checked_mul(n)?.checked_add(p.checked_sub(origin)?)?;
        }
        usize::try_from(linear).ok()
    };
    let row_bytes = usize::try_from(row).ok()?.checked_mul(size)?;
    let mut at = start.to_vec();
    loop {
        let from_at = offset(from, &at)?.checked_mul(size)?;
        let to_at = offset(to, &at)?.checked_mul(size)?;
        target
            .get_mut(to_at..to_at.checked_add(row_bytes)?)?
            .copy_from_slice(source.get(from_at..from_at.checked_add(row_bytes)?)?);
        // Next row: an odometer over every axis but the last.
        let mut axis = outer.len();
        loop {
            if axis == 0 {
                return Some(());
            }
            axis -= 1;
            at[axis] += 1;
            if at[axis] < start[axis] + outer[axis] {
                break;
            }
            at[axis] = start[axis];
        }
    }
}

/// [`StoreError::Chunk`] for the chunk at `index`.
fn chunk_error(
    array: &Array<FilesystemStore>,
    index: &[u64],
    error: &impl std::fmt::Display,
) -> StoreError {
    StoreError::Chunk {
        index: index.to_vec(),
        key: array.chunk_key(index).to_string(),
        message: error.to_string(),
    }
}

/// Reads one whole chunk as zarrs decodes it: the chunk's full shape, so a partial edge
/// chunk includes the values stored past the array's edge, and a chunk that was never
/// written reads as the fill value.
///
/// # Errors
/// As [`read_frames`], and for a chunk index outside the grid.
pub fn read_chunk(
    array: &Array<FilesystemStore>,
    index: &[u64],
) -> Result<(Vec<u64>, Samples), StoreError> {
    let element = sample_type(array.data_type())
        .map(Element::from)
        .ok_or_else(|| StoreError::DataType(array.data_type().to_string()))?;
    let shape = array
        .chunk_grid()
        .chunk_shape_u64(index)
        .map_err(zarr_error)?
        .ok_or_else(|| StoreError::Settings(format!("chunk {index:?} is outside the grid")))?;
    let bytes = crate::guard::decode_chunk(array, index)?;
    macro_rules! read {
        ($variant:ident, $t:ty) => {
            Samples::$variant(
                <Vec<$t> as FromArrayBytes>::from_array_bytes(bytes, &shape, array.data_type())
                    .map_err(|e| chunk_error(array, index, &e))?,
            )
        };
    }
    let samples = match element {
        Element::U8 => read!(U8, u8),
        Element::I8 => read!(I8, i8),
        Element::U16 => read!(U16, u16),
        Element::I16 => read!(I16, i16),
        Element::U32 => read!(U32, u32),
        Element::I32 => read!(I32, i32),
        Element::F32 => read!(F32, f32),
        Element::F64 => read!(F64, f64),
        other => return Err(StoreError::DataType(other.to_string())),
    };
    Ok((shape, samples))
}

/// A Zarr array read as a movie (frames along the first axis).
///
/// Another writer may replace the store while it is read (`encode --force`, which swaps the
/// whole folder by renames): the metadata read at opening would then describe other chunks.
/// Every read checks that the folder is still the one opened, and fails with
/// [`StoreError::Replaced`] otherwise, so a movie is read from one store, never a mix.
pub struct ZarrMovie {
    array: Array<FilesystemStore>,
    shape: Vec<usize>,
    element: Element,
    path: std::path::PathBuf,
    opened: Option<FolderIdentity>,
}

/// What tells one folder from its replacement at the same path: device, inode, and change
/// and modification times (an inode number freed by the old folder may be reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FolderIdentity([i64; 6]);

impl FolderIdentity {
    #[cfg(unix)]
    fn of(path: &Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(FolderIdentity([
            m.dev() as i64,
            m.ino() as i64,
            m.ctime(),
            m.ctime_nsec(),
            m.mtime(),
            m.mtime_nsec(),
        ]))
    }

    #[cfg(not(unix))]
    fn of(path: &Path) -> Option<Self> {
        let modified = std::fs::metadata(path).ok()?.modified().ok()?;
        let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(FolderIdentity([
            since.as_secs() as i64,
            i64::from(since.subsec_nanos()),
            0,
            0,
            0,
            0,
        ]))
    }
}

impl std::fmt::Debug for ZarrMovie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZarrMovie")
            .field("shape", &self.shape)
            .field("element", &self.element)
            .finish_non_exhaustive()
    }
}

impl ZarrMovie {
    /// The reference's defects that this store's values carry, one line each, if its
    /// pipeline has a `poisson` codec (spec/poisson-codec.md, section 6): what a reader is
    /// told once before decoding, since the decoded values reproduce them.
    pub fn poisson_quirks(&self) -> Vec<String> {
        array_poisson_codec(&self.array).map_or_else(Vec::new, |codec| {
            codec
                .quirks()
                .iter()
                .map(|quirk| format!("quirk ({}) {quirk}", quirk.letter()))
                .collect()
        })
    }

    /// Opens an array as a movie.
    ///
    /// # Errors
    /// As [`open_array`], [`StoreError::DataType`] for a type the toolkit does not handle, and
    /// [`StoreError::Settings`] for a shape whose bytes overflow the address space.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        // Taken before the metadata is read, so that a replacement after it is seen.
        let opened = FolderIdentity::of(path);
        let array = open_array(path)?;
        let element = sample_type(array.data_type())
            .map(Element::from)
            .ok_or_else(|| StoreError::DataType(array.data_type().to_string()))?;
        // The shape is the file's word: one that no memory or file can hold is refused here,
        // so frame sizes computed from it downstream cannot overflow.
        let shape: Vec<usize> = array
            .shape()
            .iter()
            .map(|&n| usize::try_from(n).ok())
            .collect::<Option<_>>()
            .filter(|shape: &Vec<usize>| anscombe_io::shape_bytes(shape, element.size()).is_some())
            .ok_or_else(|| {
                StoreError::Settings(format!(
                    "shape {:?} of {element} samples is more than this machine can address",
                    array.shape()
                ))
            })?;
        Ok(ZarrMovie {
            array,
            shape,
            element,
            path: path.to_path_buf(),
            opened,
        })
    }

    /// Fails when the folder at the path is no longer the one opened.
    fn check_unreplaced(&self) -> Result<(), StoreError> {
        if FolderIdentity::of(&self.path) == self.opened {
            Ok(())
        } else {
            Err(StoreError::Replaced(self.path.clone()))
        }
    }

    /// The underlying array.
    pub fn array(&self) -> &Array<FilesystemStore> {
        &self.array
    }
}

impl anscombe_io::FrameSource for ZarrMovie {
    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn element(&self) -> Element {
        self.element
    }

    fn read_frames(
        &mut self,
        start: usize,
        count: usize,
    ) -> Result<Samples, anscombe_io::MovieError> {
        let end = start.saturating_add(count);
        read_frames(&self.array, start as u64..end as u64)
            .and_then(|(_, samples)| {
                // After the chunks: whatever was read came from the store opened.
                self.check_unreplaced()?;
                Ok(samples)
            })
            .map_err(|e| anscombe_io::MovieError::Format {
                path: self.path.clone(),
                message: e.to_string(),
            })
    }
}

/// The Anscombe codec of an array's pipeline, if it has one.
pub fn array_codec(array: &Array<FilesystemStore>) -> Option<CodecParams> {
    let metadata = serde_json::to_value(array.metadata()).ok()?;
    let v3 = metadata["codecs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (c["name"].as_str(), c["configuration"].clone()));
    let v2 = metadata["filters"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(metadata.get("compressor").filter(|c| !c.is_null()))
        .map(|c| (c["id"].as_str(), c.clone()));
    v3.chain(v2).find_map(|(name, configuration)| {
        AnscombeConfiguration::from_json(name?, configuration)?
            .ok()?
            .params()
            .ok()
    })
}

/// The `poisson` codec of an array's pipeline (poisson-numcodecs' Zarr V2 filter, or the V3
/// codec of that name), with its tables and quirk analysis built, if it has one.
pub fn array_poisson_codec(array: &Array<FilesystemStore>) -> Option<PoissonZarrCodec> {
    let metadata = serde_json::to_value(array.metadata()).ok()?;
    let v3 = metadata["codecs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["name"].as_str() == Some(anscombe_zarr::poisson::NAME))
        .map(|c| c["configuration"].clone());
    let v2 = metadata["filters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["id"].as_str() == Some(anscombe_zarr::poisson::NAME))
        .cloned();
    v3.chain(v2).find_map(|configuration| {
        let configuration: PoissonConfiguration = serde_json::from_value(configuration).ok()?;
        PoissonZarrCodec::new(configuration).ok()
    })
}

/// What [`StoreInfo`] says of a `poisson` codec: its configuration and, once, the reference's
/// defects that the store's values carry (spec section 6).
pub fn poisson_summary(codec: &PoissonZarrCodec) -> serde_json::Value {
    let mut summary = serde_json::Map::new();
    summary.insert("codec".into(), anscombe_zarr::poisson::NAME.into());
    summary.extend(codec.configuration_json());
    let quirks: Vec<serde_json::Value> = codec
        .quirks()
        .iter()
        .map(|q| serde_json::json!({"letter": q.letter(), "name": q.name(), "detail": q.to_string()}))
        .collect();
    summary.insert("quirks".into(), quirks.into());
    serde_json::Value::Object(summary)
}

/// Bytes the array's chunks take on disk.
pub fn stored_bytes(path: impl AsRef<Path>) -> u64 {
    stored_files(path.as_ref()).bytes
}

/// Files of a store's metadata, which are not chunks.
const METADATA_FILES: [&str; 5] = ["zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"];

/// What a store folder holds on disk.
#[derive(Debug, Clone, Copy, Default)]
struct StoredFiles {
    /// Bytes of every file.
    bytes: u64,
    /// Files other than metadata: the chunks.
    chunks: u64,
}

/// The files under `path`. Symbolic links to folders are not followed (a link back up the
/// tree would never end).
fn stored_files(path: &Path) -> StoredFiles {
    let Ok(entries) = std::fs::read_dir(path) else {
        return StoredFiles::default();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| {
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                return stored_files(&entry.path());
            }
            let metadata = METADATA_FILES.iter().any(|name| entry.file_name() == *name);
            StoredFiles {
                bytes: entry.metadata().map_or(0, |m| m.len()),
                chunks: u64::from(!metadata),
            }
        })
        .fold(StoredFiles::default(), |a, b| StoredFiles {
            bytes: a.bytes.saturating_add(b.bytes),
            chunks: a.chunks.saturating_add(b.chunks),
        })
}

/// What a store holds: its format, shape, chunks, codec pipeline and parameters, and sizes.
#[derive(Debug, Clone, Serialize)]
pub struct StoreInfo {
    /// 2 or 3.
    pub zarr_format: u64,
    /// Array shape.
    pub shape: Vec<u64>,
    /// The data type, as zarrs names it.
    pub data_type: String,
    /// Chunk shape.
    pub chunks: Vec<u64>,
    /// Number of chunks in the grid.
    pub chunks_total: u64,
    /// Number of chunks stored (files other than metadata); the others read as the fill
    /// value.
    pub chunks_stored: u64,
    /// The codecs in order (Zarr V2: the filters, then the compressor marked as such).
    pub codecs: Vec<String>,
    /// The Anscombe codec's name and parameters, if the pipeline has one.
    pub anscombe: Option<serde_json::Value>,
    /// The `poisson` codec's configuration and quirks ([`poisson_summary`]), if the pipeline
    /// has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poisson: Option<serde_json::Value>,
    /// Bytes of the decoded array.
    pub decoded_bytes: u64,
    /// Bytes the store takes on disk.
    pub stored_bytes: u64,
    /// Decoded bytes of the stored chunks over `stored_bytes` (with every chunk stored, the
    /// array's `decoded_bytes / stored_bytes`; chunks that are not stored are not counted, so
    /// a store declaring a vast shape over a few chunks does not claim a vast ratio).
    pub ratio: f64,
}

impl StoreInfo {
    /// Describes the array at `path`.
    ///
    /// # Errors
    /// As [`open_array`].
    pub fn read(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let array = open_array(path)?;
        let metadata = serde_json::to_value(array.metadata()).map_err(zarr_error)?;
        let format = metadata["zarr_format"].as_u64().unwrap_or(3);
        let name = |value: Option<&str>| value.unwrap_or("?").to_string();
        let codecs: Vec<String> = if format == 2 {
            let filters = metadata["filters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| name(f["id"].as_str()));
            let compressor = metadata
                .get("compressor")
                .filter(|c| !c.is_null())
                .map(|c| format!("{} (compressor)", name(c["id"].as_str())));
            filters.chain(compressor).collect()
        } else {
            metadata["codecs"]
                .as_array()
                .into_iter()
                .flatten()
                // A codec without configuration may be written as its bare name.
                .map(|c| name(c.as_str().or(c["name"].as_str())))
                .collect()
        };
        let shape = array.shape().to_vec();
        let chunks = chunk_shape(&array);
        let size = sample_type(array.data_type()).map_or(0, anscombe_core::DataType::size) as u64;
        // Saturating: the shape is the file's word, and may be absurd.
        let product =
            |values: &mut dyn Iterator<Item = u64>| values.fold(1u64, u64::saturating_mul);
        let decoded = product(&mut shape.iter().copied()).saturating_mul(size);
        let files = stored_files(path);
        let chunks_total = product(
            &mut shape
                .iter()
                .zip(&chunks)
                .map(|(&s, &c)| s.div_ceil(c.max(1))),
        );
        let chunks_stored = files.chunks.min(chunks_total);
        let decoded_stored = if chunks_stored < chunks_total {
            product(&mut chunks.iter().copied())
                .saturating_mul(size)
                .saturating_mul(chunks_stored)
                .min(decoded)
        } else {
            decoded
        };
        let stored = files.bytes;
        Ok(StoreInfo {
            zarr_format: format,
            chunks_total,
            chunks_stored,
            shape,
            data_type: array.data_type().to_string(),
            chunks,
            codecs,
            anscombe: array_codec(&array).map(|p| {
                serde_json::json!({"codec": p.identity().name(), "conversion_gain": p.conversion_gain(),
                                   "zero_level": p.zero_level(), "beta": p.beta()})
            }),
            poisson: array_poisson_codec(&array).map(|c| poisson_summary(&c)),
            decoded_bytes: decoded,
            stored_bytes: stored,
            ratio: decoded_stored as f64 / stored.max(1) as f64,
        })
    }
}

/// The chunk shape of a regular grid (empty for another grid).
pub(crate) fn chunk_shape<S: ?Sized>(array: &Array<S>) -> Vec<u64> {
    array
        .chunk_grid()
        .chunk_shape_u64(&vec![0; array.dimensionality()])
        .ok()
        .flatten()
        .unwrap_or_default()
}
