//! Background images of movies with a static scene and moving objects (flow and imaging
//! cytometry, any fixed camera), as the Python package `dcnum` computes them, exactly, in
//! bounded memory and many times faster.
//!
//! - [`SparseMedian`] (dcnum's `BackgroundSparseMed`): a median image every `split_time`
//!   seconds over `kernel_size` frames; cleansing drops images taken while an object sat in
//!   view; every frame maps to the nearest image, plus a per-frame flicker offset. The result
//!   is tiny: the image series, an index and an offset per frame.
//! - [`RollingMedian`] (dcnum's `BackgroundRollMed`): a median over the next `kernel_size`
//!   frames for every frame, in one streaming pass.
//!
//! Medians are the sample of rank `kernel_size / 2` (the upper middle for even kernels), as
//! dcnum takes them. They are selected, not sorted: bit by bit over the stack for the sparse
//! median, with a per-pixel histogram (8-bit) or sorted window (16-bit, float) that slides
//! for the rolling median. Samples may be integers of 8 to 32 bits, signed or not, `f32` or
//! `f64`; images keep the movie's type (dcnum stores `uint8` whatever the input, wrapping
//! other types). [`SamplePlan`] says what other types are converted to, and why.
//!
//! # dcnum's conventions, kept
//!
//! - Time: seconds from a given axis or a frame rate; without either, dcnum's guess for
//!   arrays, `linspace(0, frames / 3600 * 1.5, frames)` ([`TimeAxis::Guess`]).
//! - A kernel longer than the movie is clamped to its length.
//! - Background image `i` is computed over the frames starting at the frame nearest to
//!   `i * split_time` (moved back to fit at the end of the movie).
//! - The offset compares the mean of the top 20 rows (all rows of shorter frames).
//! - The rolling median leaves the last frame out of every window and repeats the last
//!   computed image for the last `kernel_size` frames.
//!
//! # Where this differs
//!
//! SciPy's 1-D median filter, which cleansing uses with a window of 10, reads past the end of
//! series of exactly 4 background images (SciPy 1.17); [`anscombe_numeric::median_filter_reflect`]
//! is the filter's definition for every length.

#![allow(
    clippy::inline_always,
    reason = "key conversions sit in per-pixel loops; inlining them is what lets them vectorise"
)]

mod cleansing;
mod conversion;
mod error;
mod pixel;
mod rolling;
pub mod select;
mod sliding;
mod sparse;
mod time;

pub use cleansing::Cleansing;
pub use conversion::{Converted, SamplePlan};
pub use error::BackgroundError;
pub use pixel::{Key, Pixel};
pub use rolling::{FrameSink, RollingMedian};
pub use sparse::{OFFSET_ROWS, SparseBackground, SparseMedian};
pub use time::TimeAxis;
