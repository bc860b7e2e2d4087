//! The `anscombe-transform` array-to-array codec: the fuller codec of the specification, for
//! every sample type from `uint8` to `float64`, any beta in (0, 1], a code type checked against
//! the samples' range, and strict decoding (codes beyond the table are errors).
//!
//! Each sample becomes the code of its level on the Anscombe curve, in steps of beta times its
//! shot noise; decoding gives the midpoint of the code's levels, within beta/2 of the shot noise
//! of the original (the bound `anscombe verify` checks). NaN and codes that would overflow are
//! refused.
//!
//! ### Specification
//! `spec/anscombe-codec.md`, sections 2 to 7 (the codec) and section 9 (metadata).
//!
//! ### Codec `name` (Zarr V3)
//! - `anscombe-transform`
//!
//! ### Codec `id` (Zarr V2)
//! - `anscombe-transform`, in `filters` or in the `compressor` slot
//!
//! ### Codec `configuration` example ([`AnscombeTransformConfiguration`])
//! ```rust
//! # let JSON = r#"
//! {
//!     "zero_level": 100.0,
//!     "conversion_gain": 40.0,
//!     "beta": 0.5,
//!     "encoded_dtype": "uint8"
//! }
//! # "#;
//! # use anscombe_zarr::anscombe_transform::{AnscombeTransformCodec, AnscombeTransformConfiguration};
//! # let configuration: AnscombeTransformConfiguration = serde_json::from_str(JSON).unwrap();
//! # AnscombeTransformCodec::new(configuration).unwrap();
//! ```

pub use crate::configuration::AnscombeTransformConfiguration;
use crate::elementwise::elementwise_codec;

/// The codec's Zarr V3 name and Zarr V2 id.
pub const NAME: &str = "anscombe-transform";

/// The `anscombe-transform` codec (see the [module](self)).
#[derive(Debug, Clone)]
pub struct AnscombeTransformCodec(pub(crate) crate::AnscombeCodec);

elementwise_codec!(
    AnscombeTransformCodec,
    "anscombe-transform",
    AnscombeTransformConfiguration,
    Transform
);
