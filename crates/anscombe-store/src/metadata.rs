//! The array metadata a [`StoreSpec`] becomes: `zarr.json` (Zarr V3) or `.zarray` (Zarr V2),
//! with the codec pipeline spelled as zarr-python and zarrs expect it.

use anscombe_core::DataType;
use anscombe_zarr::{AnscombeCodec, CONTEXT_CODEC_NAME, PoissonZarrCodec, zarrs_data_type};
use serde_json::{Value, json};
use zarrs::plugin::ZarrVersion;

use crate::error::StoreError;
use crate::spec::{BloscShuffle, Compressor, StoreSpec, ZarrFormat};

/// The bytes-to-bytes codec that ends every Zarr V3 chain this crate writes (and the last
/// filter of its Zarr V2 stores without zstd).
pub const CHECKSUM_CODEC: &str = "crc32c";

/// The largest chunk written, decoded bytes: every chunk is encoded in memory (several at a
/// time, one per thread).
pub const MAX_CHUNK_BYTES: u64 = 1 << 30;

/// The array metadata JSON of a store (what `zarr.json` or `.zarray` will hold).
///
/// # Errors
/// [`StoreError::Settings`] for combinations the format cannot hold (pcodec or
/// `anscombe-context` in Zarr V2, `anscombe-context` on other than `uint8` or `uint16` values,
/// `uint16` anscombe-v1 codes in Zarr V2, a chunk shape of the wrong rank or a chunk beyond
/// [`MAX_CHUNK_BYTES`]).
pub fn array_metadata(spec: &StoreSpec) -> Result<Value, StoreError> {
    let chunks = spec.chunks();
    if chunks.len() != spec.shape.len() || chunks.contains(&0) {
        return Err(StoreError::Settings(format!(
            "chunk shape {chunks:?} does not fit array shape {:?}",
            spec.shape
        )));
    }
    let chunk_bytes = chunks
        .iter()
        .try_fold(spec.data_type.size() as u64, |n, &c| n.checked_mul(c))
        .filter(|&bytes| bytes <= MAX_CHUNK_BYTES);
    if chunk_bytes.is_none() {
        return Err(StoreError::Settings(format!(
            "chunk shape {chunks:?} of {} samples holds more than {} MiB a chunk; choose \
             smaller chunks",
            spec.data_type.name(),
            MAX_CHUNK_BYTES >> 20
        )));
    }
    let codec = spec.effective_codec().map(AnscombeCodec::new).transpose()?;
    let poisson = spec
        .poisson
        .as_ref()
        .map(|p| poisson_filter(spec, p))
        .transpose()?;
    let code_size = match (&codec, &poisson) {
        (Some(_), Some(_)) => {
            return Err(StoreError::Settings(
                "a store has one codec: an Anscombe codec or poisson, not both".into(),
            ));
        }
        (Some(codec), None) => codec
            .resolve(&zarrs_data_type(spec.data_type))
            .map_err(|e| StoreError::Settings(e.to_string()))?
            .rule()
            .code_type()
            .data_type()
            .size(),
        (None, Some(poisson)) => poisson.params().encoded_dtype.data_type().size(),
        (None, None) => spec.data_type.size(),
    };
    let filter = match (&codec, &poisson) {
        (Some(codec), _) => Some(Filter {
            name: codec.identity().name(),
            v2: codec.configuration_json(ZarrVersion::V2),
            v3: codec.configuration_json(ZarrVersion::V3),
        }),
        (None, Some(poisson)) => Some(Filter {
            name: anscombe_zarr::poisson::NAME,
            v2: poisson.configuration_json(),
            v3: poisson.configuration_json(),
        }),
        (None, None) => None,
    };
    let small_unsigned = match &filter {
        Some(_) => code_size <= 2,
        None => matches!(spec.data_type, DataType::U8 | DataType::U16),
    };
    if spec.compressor == Compressor::Context && !small_unsigned {
        return Err(StoreError::Settings(format!(
            "{} codes uint8 and uint16 arrays, not {} values (put the Anscombe codec before it, \
             or choose another compressor)",
            CONTEXT_CODEC_NAME,
            match &filter {
                Some(_) => format!("{code_size}-byte code"),
                None => spec.data_type.name().to_string(),
            }
        )));
    }
    match spec.format {
        ZarrFormat::V3 => Ok(v3_metadata(spec, &chunks, filter.as_ref(), code_size)),
        ZarrFormat::V2 => v2_metadata(spec, &chunks, codec.as_ref(), filter.as_ref(), code_size),
    }
}

/// The array-to-array codec of a store: its name and its configuration in each format.
struct Filter {
    name: &'static str,
    v2: serde_json::Map<String, Value>,
    v3: serde_json::Map<String, Value>,
}

/// The `poisson` codec of a spec, checked for writing: `decoded_dtype` is the array's type,
/// and the reference would lose no data with it.
fn poisson_filter(
    spec: &StoreSpec,
    params: &anscombe_core::PoissonParams,
) -> Result<PoissonZarrCodec, StoreError> {
    if params.decoded_dtype != spec.data_type {
        return Err(StoreError::Settings(format!(
            "the poisson codec's decoded_dtype is {}, but the array holds {} samples: they must \
             be the same (zarr-python views the decoded values as the array's type)",
            params.decoded_dtype, spec.data_type
        )));
    }
    let codec = PoissonZarrCodec::from_params(params)?;
    codec.encoder()?;
    Ok(codec)
}

fn v3_metadata(
    spec: &StoreSpec,
    chunks: &[u64],
    filter: Option<&Filter>,
    code_size: usize,
) -> Value {
    let mut codecs = Vec::new();
    if let Some(filter) = filter {
        codecs.push(json!({
            "name": filter.name,
            "configuration": filter.v3,
        }));
    }
    match spec.compressor {
        Compressor::Pcodec { level } => codecs.push(json!({
            "name": "numcodecs.pcodec",
            "configuration": {"level": level, "mode_spec": "auto", "delta_spec": "auto", "paging_spec": "equal_pages_up_to", "equal_pages_up_to": 262_144}
        })),
        Compressor::Context => codecs.push(json!({"name": CONTEXT_CODEC_NAME, "configuration": {}})),
        _ => codecs.push(json!({"name": "bytes", "configuration": {"endian": "little"}})),
    }
    match spec.compressor {
        Compressor::Zstd { level } => {
            // zstd's own frame checksum too: zarrs checks it even where it reads part of a
            // chunk, which skips the crc32c below.
            codecs.push(json!({"name": "zstd", "configuration": {"level": level, "checksum": true}}));
        }
        Compressor::BloscZstd { level, shuffle } => codecs.push(json!({
            "name": "blosc",
            "configuration": {"cname": "zstd", "clevel": level, "shuffle": match shuffle {
                BloscShuffle::None => "noshuffle", BloscShuffle::Byte => "shuffle", BloscShuffle::Bit => "bitshuffle",
            }, "typesize": code_size, "blocksize": 0}
        })),
        Compressor::None | Compressor::Pcodec { .. } | Compressor::Context => {}
    }
    // Every chunk ends with its CRC-32C, which readers check: a flipped byte is an error that
    // names the chunk, never wrong samples.
    // With its (empty) configuration: zarr-python 3 does not read the bare-name short form.
    codecs.push(json!({"name": CHECKSUM_CODEC, "configuration": {}}));
    let mut metadata = json!({
        "zarr_format": 3,
        "node_type": "array",
        "shape": spec.shape,
        "data_type": spec.data_type.name(),
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": chunks}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0,
        "codecs": codecs,
        "attributes": spec.attributes,
    });
    if let (Some(names), Some(object)) = (&spec.dimension_names, metadata.as_object_mut()) {
        object.insert("dimension_names".into(), json!(names));
    }
    metadata
}

fn v2_metadata(
    spec: &StoreSpec,
    chunks: &[u64],
    codec: Option<&AnscombeCodec>,
    filter: Option<&Filter>,
    code_size: usize,
) -> Result<Value, StoreError> {
    if let Some(codec) = codec
        && codec.identity() == anscombe_core::Identity::V1
        && code_size != 1
    {
        return Err(StoreError::Settings(
            "Zarr V2 anscombe-v1 stores hold uint8 codes only (zarr-python ignores encoded_dtype \
             in V2 metadata and would misread uint16 codes); use Zarr V3 or a larger gain"
                .into(),
        ));
    }
    let compressor = match spec.compressor {
        Compressor::None => Value::Null,
        // Zarr V2 has no place after the compressor for a checksum codec: with zstd the
        // checksum is zstd's own (numcodecs and zarrs both write and check it), with the
        // others a `crc32c` filter (below).
        Compressor::Zstd { level } => json!({"id": "zstd", "level": level, "checksum": true}),
        Compressor::BloscZstd { level, shuffle } => json!({
            "id": "blosc", "cname": "zstd", "clevel": level, "blocksize": 0,
            "shuffle": match shuffle { BloscShuffle::None => 0, BloscShuffle::Byte => 1, BloscShuffle::Bit => 2 },
        }),
        Compressor::Pcodec { .. } => {
            return Err(StoreError::Settings("pcodec needs Zarr V3".into()));
        }
        Compressor::Context => {
            return Err(StoreError::Settings(format!(
                "{CONTEXT_CODEC_NAME} needs Zarr V3 (it replaces the bytes codec, which V2 cannot express)"
            )));
        }
    };
    let mut filters: Vec<Value> = filter
        .map(|filter| {
            let mut entry = serde_json::Map::new();
            entry.insert("id".into(), json!(filter.name));
            entry.extend(filter.v2.clone());
            // A V2 filter never learns the array's data type, so a numcodecs reader of
            // anscombe-transform could not decode without it (spec section 9.2).
            if codec.is_some_and(|codec| codec.identity() == anscombe_core::Identity::Transform) {
                entry.insert("decoded_dtype".into(), json!(spec.data_type.name()));
            }
            Value::Object(entry)
        })
        .into_iter()
        .collect();
    // Without zstd's checksum, the chunk's bytes before the compressor end with their
    // CRC-32C: numcodecs' `crc32c` checksum codec as the last filter, which zarr-python (2 and
    // 3) and zarrs check on every read.
    if !matches!(spec.compressor, Compressor::Zstd { .. }) {
        filters.push(json!({"id": CHECKSUM_CODEC, "location": "end"}));
    }
    let filters = if filters.is_empty() {
        Value::Null
    } else {
        Value::Array(filters)
    };
    Ok(json!({
        "zarr_format": 2,
        "shape": spec.shape,
        "chunks": chunks,
        "dtype": anscombe_io::npy::descr(spec.data_type.into()),
        "compressor": compressor,
        "fill_value": 0,
        "order": "C",
        "filters": filters,
        "dimension_separator": ".",
        "attributes": spec.attributes,
    }))
}
