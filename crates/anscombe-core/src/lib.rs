//! Math and lookup tables of the Anscombe codec: variance-stabilising re-quantisation of
//! photon-limited images (raw levels to small integer codes and back).
//!
//! Shot noise grows with the square root of the signal, so a camera's 12 to 16 bits spend most
//! of their resolution on noise. The Anscombe curve maps levels to codes whose spacing follows
//! the noise (`beta` noise standard deviations per code), so a 16-bit movie fits in `uint8`
//! codes that compress well, and decoding returns each code's midpoint: the error is at most
//! about `beta / 2` of the shot noise (see [`CodeRule::error_bound_photons`] and the
//! specification in `spec/anscombe-codec.md`).
//!
//! Two codec identities share one engine:
//!
//! - [`Identity::V1`] (`anscombe-v1`) is bit-exact with the Python `anscombe-transform` 1.0.0
//!   package, whose stores carry that name. Configurations on which the reference corrupts
//!   data (codes wrapping past the code type, codes skipped at gains below about 3.27) are
//!   refused for encoding ([`V1Refusal`]) and decoded by code value.
//! - [`Identity::Transform`] (`anscombe-transform`) takes every sample type from `uint8` to
//!   `float64`, beta in (0, 1], chooses or checks the code type so no code overflows, rejects
//!   NaN and infinities, and reports corrupt codes.
//!
//! The crate is `#![no_std]`. [`CodeRule`] works without allocation; the `alloc` feature adds
//! [`Codec`], which owns its tables; `std` (default) uses hardware square roots, with results
//! identical to `libm`'s.
//!
//! ```
//! use anscombe_core::{Codec, TransformParams};
//!
//! // A camera with 40 levels per photon and a zero level of 100.
//! let params = TransformParams::new(100.0, 40.0).into();
//! let codec = Codec::<u16, u8>::new(&params)?;
//!
//! let frame: Vec<u16> = vec![80, 100, 140, 1_000, 40_000];
//! let mut codes = vec![0u8; frame.len()];
//! codec.encode(&frame, &mut codes)?;
//! // The first four are what the Python reference gives; 40 000 is past its table, not ours.
//! assert_eq!(codes, [7, 8, 10, 25, 132]);
//!
//! let mut decoded = vec![0u16; frame.len()];
//! codec.decode(&codes, &mut decoded)?;
//! // Every sample comes back within the bound, in photons.
//! for (&raw, &back) in frame.iter().zip(&decoded) {
//!     let error = (f64::from(raw) - f64::from(back)).abs() / 40.0;
//!     assert!(error <= codec.rule().error_bound_photons(f64::from(raw)));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(dead_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(feature = "alloc")]
mod codec;
mod curve;
mod dtype;
#[cfg(feature = "alloc")]
mod dynamic;
mod error;
mod fmath;
mod numpy;
mod params;
#[cfg(feature = "alloc")]
mod poisson;
mod rule;

#[cfg(feature = "alloc")]
pub use codec::Codec;
pub use curve::Curve;
pub use dtype::{Code, CodeType, DataType, Element, NotInSubset, Sample};
#[cfg(feature = "alloc")]
pub use dynamic::{AnyCodec, CodeSlice, CodeSliceMut, SampleSlice, SampleSliceMut};
pub use error::{ConfigError, DecodeError, EncodeError, V1Refusal};
pub use params::{CodecParams, Identity, TransformParams, V1Params};
#[cfg(feature = "alloc")]
pub use poisson::{
    CodeWrap, DecodeOverflow, LookupTable, PoissonCodec, PoissonConfigError, PoissonEncoder,
    PoissonEncoderError, PoissonInputError, PoissonParams, PoissonRefusal, PoissonRule, Quirk,
    RampOverflow, RankDecode, SafeChoice,
};
pub use rule::{BeyondMax, CodeRule, Domain, SampleFault, V1_INPUT_MAX};

/// The workspace README's Rust examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
