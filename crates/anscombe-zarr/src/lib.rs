//! The Anscombe codecs as a plugin of the [`zarrs`] crate, so any Rust program that depends on
//! this crate reads and writes Anscombe-compressed Zarr arrays, including the stores Python
//! users already have. Writing whole movies, OME-Zarr pyramids and result groups is the
//! `anscombe-store` crate's job; this one is only the codecs.
//!
//! ### Codecs, one module each
//! | module | Zarr V3 `name` | Zarr V2 `id` | kind |
//! | --- | --- | --- | --- |
//! | [`anscombe_v1`] | `anscombe-v1` | `anscombe-v1` | array to array (what zarr-python writes today) |
//! | [`anscombe_transform`] | `anscombe-transform` | `anscombe-transform` | array to array (the spec's fuller codec) |
//! | [`anscombe_context`] | `anscombe-context` | none | array to bytes (entropy coder of the codes) |
//! | [`poisson`] | `poisson` | `poisson` | array to array (what poisson-numcodecs 0.1.0 writes) |
//!
//! Each module's documentation follows one template: what the codec does, its specification,
//! its names, and a configuration example that is tested. Shared internals have their own
//! modules: the configurations and their parsing ([`AnscombeConfiguration`]), the
//! implementation behind both elementwise codecs ([`AnscombeCodec`]) with the macro that
//! implements zarrs' traits for them, the partial decoder that keeps fill values exact, the byte
//! views, and the data type mapping ([`sample_type`], [`zarrs_data_type`]).
//!
//! To add a codec: a module `src/<name>.rs` with the template's documentation, its
//! registration (`inventory::submit!`, as [`anscombe_context`] does, or the elementwise macro),
//! a `pub mod` line below, and its name in `registered_names`.
//!
//! ### Registration
//! The codecs register themselves with zarrs when this crate is linked. A binary that never
//! names anything from this crate may not link it; call [`register`] once (it does nothing
//! else) to be sure `Array::open` finds the codecs.
//!
//! ```rust
//! use std::sync::Arc;
//! use zarrs::array::{Array, ArrayBuilder, data_type};
//! use zarrs::storage::store::MemoryStore;
//!
//! anscombe_zarr::register();
//! let store = Arc::new(MemoryStore::new());
//! let codec = anscombe_zarr::array_to_array_codec(anscombe_core::V1Params::new(100.0, 40.0).into())?;
//! let array = ArrayBuilder::new(vec![4, 8], vec![2, 8], data_type::uint16(), 0u16)
//!     .array_to_array_codecs(vec![codec])
//!     .build(store.clone(), "/movie")?;
//! array.store_metadata()?;
//! array.store_array_subset(&array.subset_all(), vec![140u16; 32])?;
//!
//! let reopened = Array::open(store, "/movie")?;
//! let back: Vec<u16> = reopened.retrieve_array_subset(&reopened.subset_all())?;
//! assert_eq!(back[0], 131); // code 10: the midpoint of levels 121..=142, as zarr-python reads it
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod anscombe_context;
pub mod anscombe_transform;
pub mod anscombe_v1;
pub mod poisson;

mod codec;
mod configuration;
mod data_type;
mod elementwise;
mod error;
mod partial;
mod view;

use std::sync::Arc;

use anscombe_core::CodecParams;
use zarrs::array::codec::api::ArrayToArrayCodecTraits;

pub use anscombe_context::{AnscombeContextCodec, ContextConfiguration};
pub use anscombe_transform::AnscombeTransformCodec;
pub use anscombe_v1::AnscombeV1Codec;
pub use codec::AnscombeCodec;
pub use configuration::{
    AnscombeConfiguration, AnscombeTransformConfiguration, AnscombeV1Configuration,
};
pub use data_type::{sample_type, zarrs_data_type};
pub use error::AnscombeZarrError;
pub use poisson::{PoissonChunkError, PoissonConfiguration, PoissonZarrCodec};

/// The Zarr V3 name of `anscombe-context` (also [`anscombe_context::NAME`]).
pub const CONTEXT_CODEC_NAME: &str = anscombe_context::NAME;

/// The registered zarrs codec for parameters of either elementwise identity.
///
/// # Errors
/// When the parameters are out of range.
pub fn array_to_array_codec(
    params: CodecParams,
) -> Result<Arc<dyn ArrayToArrayCodecTraits>, AnscombeZarrError> {
    let codec = AnscombeCodec::new(params)?;
    Ok(match params {
        CodecParams::V1(_) => Arc::new(AnscombeV1Codec(codec)),
        CodecParams::Transform(_) => Arc::new(AnscombeTransformCodec(codec)),
    })
}

/// The names this crate registers, one per codec module.
pub fn registered_names() -> [&'static str; 4] {
    [
        anscombe_v1::NAME,
        anscombe_transform::NAME,
        anscombe_context::NAME,
        poisson::NAME,
    ]
}

/// Makes sure this crate, and with it the codec registration, is linked into the binary.
///
/// Calling it is needed only by programs that use zarrs to open Anscombe stores without naming
/// anything else from this crate.
#[inline(never)]
pub fn register() {
    std::hint::black_box(registered_names());
}
