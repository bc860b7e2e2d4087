//! Zarr stores of photon-limited movies, on top of the codecs of `anscombe-zarr`: write a movie
//! to a store with the Anscombe codec and a byte compressor, read frames back, describe a
//! store, and check a store against the movie it came from; OME-Zarr 0.5 multiscale images;
//! the result groups of the background and detector tools.
//!
//! Every writer stages its output beside the destination and renames it into place when
//! complete (`anscombe_io::Staged`): a failed write leaves nothing (and what SIGKILL leaves is
//! removed by the next write of that destination), a replaced store survives a failed
//! replacement, only a Zarr store is ever replaced, and two writers of one store do not race
//! (the second is told it is in use). Every Zarr V3 chunk ends with a CRC-32C (Zarr V2 with
//! zstd: zstd's checksum), so a damaged chunk is an error, never other samples.
//!
//! | module | what |
//! | --- | --- |
//! | [`spec`] | what a store holds: [`StoreSpec`], [`Compressor`], chunk shapes |
//! | [`metadata`] | the `zarr.json` / `.zarray` a spec becomes |
//! | [`writer`], [`group`] | writing arrays and groups chunk row by chunk row |
//! | [`reader`] | opening arrays, reading frames, [`ZarrMovie`], [`StoreInfo`] |
//! | [`output`] | a movie written to a store or to a TIFF or NPY file |
//! | [`photons`] | a movie converted to photon counts, written as either |
//! | [`ome`] | OME-Zarr 0.5 multiscale images |
//! | [`background`], [`detector`] | the result groups of `anscombe background` and `anscombe detector` |
//! | [`verify`] | the error of a store in photons against the codec's bound |

pub mod background;
mod checksum;
pub mod detector;
mod error;
pub mod group;
mod guard;
pub mod metadata;
pub mod ome;
pub mod output;
pub mod photons;
pub mod reader;
pub mod spec;
mod staging;
pub mod verify;
pub mod writer;

pub use error::StoreError;
pub use group::GroupWriter;
pub use metadata::array_metadata;
pub use output::MovieOutput;
pub use reader::{
    StoreInfo, ZarrMovie, array_codec, array_poisson_codec, open_array, poisson_summary,
    read_chunk, read_frames, read_subset, stored_bytes,
};
pub use spec::{
    BloscShuffle, Compressor, StoreSpec, ZarrFormat, context_chunk_shape, default_chunk_shape,
};
pub use writer::{ArrayWriter, StoreWriter, batch_frames, write_movie, write_store};
