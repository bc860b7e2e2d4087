//! The decoders fuzzed, each with its seed corpus of valid chunks.

use std::path::PathBuf;

use anscombe_core::{DataType, PoissonParams, TransformParams, V1Params};
use anscombe_entropy::Dims;
use anscombe_store::{BloscShuffle, Compressor, StoreSpec, ZarrFormat, open_array, write_store};
use anscombe_zarr::{AnscombeCodec, PoissonZarrCodec};
use zarrs::array::{Array, data_type};
use zarrs::filesystem::FilesystemStore;

/// A fuzz target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The `anscombe-context` entropy decoder.
    Entropy,
    /// The anscombe-transform and anscombe-v1 codecs' decoders.
    Codec,
    /// The `poisson` codec's decoder.
    Poisson,
    /// Whole stores of each pipeline, a chunk file replaced, read through `anscombe-store`.
    Store,
}

impl Target {
    /// Every target, in the order `all` runs them.
    pub(crate) const ALL: [Target; 4] = [
        Target::Entropy,
        Target::Codec,
        Target::Poisson,
        Target::Store,
    ];

    /// Its name on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Target::Entropy => "entropy",
            Target::Codec => "codec",
            Target::Poisson => "poisson",
            Target::Store => "store",
        }
    }

    /// A harness ready to run.
    pub(crate) fn harness(self) -> Box<dyn Harness> {
        match self {
            Target::Entropy => Box::new(Entropy {
                dims: Dims::from_shape(&SHAPE),
            }),
            Target::Codec => Box::new(Codecs::new()),
            Target::Poisson => Box::new(Poisson {
                codec: PoissonZarrCodec::from_params(&PoissonParams::new(50.0, 20.0))
                    .unwrap_or_else(|e| unreachable!("a valid configuration: {e}")),
            }),
            Target::Store => Box::new(Stores::new()),
        }
    }
}

/// One decoder under test.
pub(crate) trait Harness {
    /// Valid inputs to mutate.
    fn corpus(&self) -> Vec<Vec<u8>>;
    /// Decodes `input`; any outcome but a panic passes.
    fn run(&mut self, input: &[u8]);
}

/// The chunk shape of every target: frames, rows, columns.
const SHAPE: [u64; 3] = [4, 8, 8];

/// Samples of a small photon-limited movie: a ramp plus a deterministic wobble.
fn samples() -> Vec<u16> {
    (0u32..256)
        .map(|i| (100 + 40 * (i % 16) + (i * 7919) % 23) as u16)
        .collect()
}

fn native_bytes(samples: &[u16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_ne_bytes()).collect()
}

struct Entropy {
    dims: Dims,
}

impl Harness for Entropy {
    fn corpus(&self) -> Vec<Vec<u8>> {
        let codes: Vec<u16> = samples().iter().map(|s| s / 16).collect();
        let narrow: Vec<u8> = codes.iter().map(|&c| c as u8).collect();
        // Every format version, so the mutations reach each version's decoder.
        anscombe_entropy::VERSIONS
            .into_iter()
            .flat_map(|version| {
                [
                    anscombe_entropy::encode_version(&codes, self.dims, version),
                    anscombe_entropy::encode_version(&narrow, self.dims, version),
                ]
            })
            .filter_map(Result::ok)
            .collect()
    }

    fn run(&mut self, input: &[u8]) {
        let _ = anscombe_entropy::decode::<u8>(input, self.dims);
        let _ = anscombe_entropy::decode::<u16>(input, self.dims);
    }
}

struct Codecs {
    codecs: Vec<AnscombeCodec>,
}

impl Codecs {
    fn new() -> Self {
        let codecs = [
            TransformParams::new(100.0, 40.0).into(),
            V1Params::new(100.0, 40.0).into(),
        ]
        .into_iter()
        .filter_map(|params| AnscombeCodec::new(params).ok())
        .collect();
        Codecs { codecs }
    }
}

impl Harness for Codecs {
    fn corpus(&self) -> Vec<Vec<u8>> {
        let bytes = native_bytes(&samples());
        self.codecs
            .iter()
            .filter_map(|codec| codec.encode_bytes(&bytes, &data_type::uint16()).ok())
            .collect()
    }

    fn run(&mut self, input: &[u8]) {
        for codec in &self.codecs {
            for data_type in [
                data_type::uint16(),
                data_type::int16(),
                data_type::float32(),
            ] {
                let _ = codec.decode_bytes(input, &data_type);
            }
        }
    }
}

struct Poisson {
    codec: PoissonZarrCodec,
}

impl Harness for Poisson {
    fn corpus(&self) -> Vec<Vec<u8>> {
        let levels: Vec<u8> = samples()
            .iter()
            .flat_map(|&s| (s as i16).to_ne_bytes())
            .collect();
        self.codec
            .encode_bytes(&levels, &self.codec.data_type())
            .into_iter()
            .collect()
    }

    fn run(&mut self, input: &[u8]) {
        let _ = self.codec.decode_bytes(input, &self.codec.data_type());
        let _ = self.codec.decode_bytes(input, &data_type::float64());
    }
}

/// One small store per pipeline; the first input byte picks the store, the rest is its chunk.
struct Stores {
    stores: Vec<(PathBuf, Array<FilesystemStore>)>,
}

impl Stores {
    fn new() -> Self {
        let root = std::env::temp_dir().join(format!("anscombe-fuzz-{}", std::process::id()));
        // Without the folder no store is written, and the target says it has nothing to run.
        let _ = std::fs::create_dir_all(&root);
        let pipelines = [
            (Compressor::Zstd { level: 3 }, ZarrFormat::V3),
            (
                Compressor::BloscZstd {
                    level: 5,
                    shuffle: BloscShuffle::Bit,
                },
                ZarrFormat::V3,
            ),
            (Compressor::Pcodec { level: 8 }, ZarrFormat::V3),
            (Compressor::None, ZarrFormat::V2),
            (Compressor::Context, ZarrFormat::V3),
        ];
        let stores = pipelines
            .into_iter()
            .enumerate()
            .filter_map(|(i, (compressor, format))| {
                let dir = root.join(format!("{i}.zarr"));
                let spec = StoreSpec {
                    chunk_shape: Some(SHAPE.to_vec()),
                    compressor,
                    format,
                    ..StoreSpec::new(
                        SHAPE.to_vec(),
                        DataType::U16,
                        Some(TransformParams::new(100.0, 40.0).into()),
                    )
                };
                let samples = anscombe_io::Samples::U16(samples());
                write_store(&dir, &spec, &samples, true).ok()?;
                let array = open_array(&dir).ok()?;
                Some((dir, array))
            })
            .collect();
        Stores { stores }
    }

    fn chunk_path(dir: &std::path::Path, array: &Array<FilesystemStore>) -> PathBuf {
        dir.join(array.chunk_key(&[0, 0, 0]).to_string())
    }
}

impl Harness for Stores {
    fn corpus(&self) -> Vec<Vec<u8>> {
        self.stores
            .iter()
            .enumerate()
            .filter_map(|(i, (dir, array))| {
                let chunk = std::fs::read(Self::chunk_path(dir, array)).ok()?;
                Some(std::iter::once(i as u8).chain(chunk).collect())
            })
            .collect()
    }

    fn run(&mut self, input: &[u8]) {
        let Some((&which, chunk)) = input.split_first() else {
            return;
        };
        let Some((dir, array)) = self
            .stores
            .get(usize::from(which) % self.stores.len().max(1))
        else {
            return;
        };
        if std::fs::write(Self::chunk_path(dir, array), chunk).is_ok() {
            let _ = anscombe_store::read_chunk(array, &[0, 0, 0]);
        }
    }
}

impl Drop for Stores {
    fn drop(&mut self) {
        if let Some(root) = self.stores.first().and_then(|(dir, _)| dir.parent()) {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}
