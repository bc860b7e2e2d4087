//! The `anscombe-v1` array-to-array codec: what zarr-python with the `anscombe-transform` 1.0.0
//! package writes and reads, so the stores Python users have today open here unchanged.
//!
//! Each sample becomes the code of its level on the Anscombe curve (a step of half its shot
//! noise), through the reference's tables; decoding gives the midpoint of the code's levels.
//! Configurations the reference would corrupt (codes that wrap) are refused.
//!
//! ### Specification
//! `spec/anscombe-codec.md`, section 8 (the codec) and section 9 (metadata).
//!
//! ### Codec `name` (Zarr V3)
//! - `anscombe-v1`
//!
//! ### Codec `id` (Zarr V2)
//! - `anscombe-v1`, in `filters` or in the `compressor` slot (spec 9.2: V2 stores hold `uint8`
//!   codes, and only `zero_level` and `conversion_gain` are written)
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
//! # use anscombe_zarr::anscombe_v1::{AnscombeV1Codec, AnscombeV1Configuration};
//! # let configuration: AnscombeV1Configuration = serde_json::from_str(JSON).unwrap();
//! # AnscombeV1Codec::new(configuration).unwrap();
//! ```

pub use crate::configuration::AnscombeV1Configuration;
use crate::elementwise::elementwise_codec;

/// The codec's Zarr V3 name and Zarr V2 id.
pub const NAME: &str = "anscombe-v1";

/// The `anscombe-v1` codec (see the [module](self)).
#[derive(Debug, Clone)]
pub struct AnscombeV1Codec(pub(crate) crate::AnscombeCodec);

elementwise_codec!(AnscombeV1Codec, "anscombe-v1", AnscombeV1Configuration, V1);
