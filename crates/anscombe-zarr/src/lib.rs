//! The Anscombe codec as a plugin of the [`zarrs`] crate, so any Rust program that depends on
//! this crate reads and writes Anscombe-compressed Zarr arrays, including the stores Python
//! users already have.
//!
//! ### Specification
//! `spec/anscombe-codec.md` in this repository.
//!
//! ### Codec `name` (Zarr V3) and `id` (Zarr V2)
//! - `anscombe-v1`: what zarr-python with `anscombe-transform` 1.0.0 writes ([`AnscombeV1Codec`]).
//!   In Zarr V2 it may sit in `filters` or in the `compressor` slot.
//! - `anscombe-transform`: the fuller codec of the spec ([`AnscombeTransformCodec`]).
//! - `anscombe-context` (Zarr V3, array-to-bytes): the lossless context-modelling entropy coder
//!   of `spec/anscombe-context-codec.md` for the codes, in place of `bytes` and a compressor
//!   ([`AnscombeContextCodec`]).
//!
//! ### Codec `configuration` example ([`AnscombeV1Configuration`])
//! ```rust
//! # let JSON = r#"
//! {
//!     "zero_level": 100,
//!     "conversion_gain": 40.0,
//!     "encoded_dtype": "uint8",
//!     "decoded_dtype": "uint16"
//! }
//! # "#;
//! # use anscombe_zarr::AnscombeV1Configuration;
//! # let configuration: AnscombeV1Configuration = serde_json::from_str(JSON).unwrap();
//! ```
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

mod codec;
mod configuration;
mod context;
mod error;
pub mod ome;
mod partial;
mod plugin;
pub mod store;

pub use codec::AnscombeCodec;
pub use configuration::{
    AnscombeConfiguration, AnscombeTransformConfiguration, AnscombeV1Configuration,
};
pub use context::{AnscombeContextCodec, CONTEXT_CODEC_NAME, ContextConfiguration};
pub use error::AnscombeZarrError;
pub use plugin::{AnscombeTransformCodec, AnscombeV1Codec, array_to_array_codec};

/// Makes sure this crate, and with it the codec registration, is linked into the binary.
///
/// Calling it is needed only by programs that use zarrs to open Anscombe stores without naming
/// anything else from this crate.
#[inline(never)]
pub fn register() {
    std::hint::black_box(plugin::registered_names());
}
