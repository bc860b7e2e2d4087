//! A lossless entropy coder for the integer codes that the Anscombe codec makes of a
//! photon-limited movie.
//!
//! General byte compressors see the codes as bytes; they miss that a pixel's next code is well
//! predicted by its own recent frames. This coder predicts each sample from its pixel's history
//! (the first frame of a chunk from its neighbours), chooses one of 256 contexts from the
//! prediction and the local activity, and codes the residual with rANS under per-context
//! frequency tables stored in the stream. Chunks are independent. The byte format is written in
//! `spec/anscombe-context-codec.md`; [`encode`] writes version [`FORMAT_VERSION`],
//! [`encode_version`] any of [`VERSIONS`], and [`decode`] reads them all.
//!
//! ```
//! use anscombe_entropy::{decode, encode, Dims};
//! let dims = Dims::from_shape(&[3, 2, 4]);
//! let codes: Vec<u8> = (0..24).map(|i| (i % 5) as u8).collect();
//! let bytes = encode(&codes, dims).unwrap();
//! assert_eq!(decode::<u8>(&bytes, dims).unwrap(), codes);
//! ```
#![no_std]
#![allow(
    clippy::inline_always,
    reason = "measured: the model walk, its visitors and the rANS steps must fuse into one loop \
              for the decoder to keep its states in registers (25% faster decoding)"
)]

extern crate alloc;

mod codec;
mod error;
mod format;
mod model;
mod rans;

pub use codec::{Sample, decode, decode_into, encode, encode_version};
pub use error::{DecodeError, EncodeError};
pub use format::{FORMAT_VERSION, MAGIC, VERSIONS};
pub use model::Dims;
