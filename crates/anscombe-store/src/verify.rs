//! How far a store is from the movie it came from: every sample's error in photons, against
//! the bound the codec guarantees at its level (`spec/anscombe-codec.md`, section 7).
//!
//! [`verify_store`] goes through the store chunk row by chunk row (each chunk is decoded once)
//! and tallies the errors of every sample; [`compare_frames`] does the same for chosen frames
//! (the sample `anscombe encode` reports on). Samples outside the codec's domain (below the
//! floor, above anscombe-v1's 32767) are clamped by design and counted apart.

use std::path::{Path, PathBuf};

use anscombe_core::{CodeRule, CodecParams, ConfigError, Domain};
use anscombe_io::{Element, FrameSource};
use serde::Serialize;

use crate::error::StoreError;
use crate::reader::{ZarrMovie, array_codec};
use crate::writer::batch_frames;

/// Errors of decoded samples against the originals, in photons.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ErrorSummary {
    /// Frames compared.
    pub frames: usize,
    /// Samples inside the codec's domain, where the bound applies.
    pub samples_checked: u64,
    /// Samples outside it (clamped by design: below the floor, or above anscombe-v1's 32767).
    pub samples_clamped: u64,
    /// Largest absolute error.
    pub max_abs_photons: f64,
    /// Root mean square error.
    pub rms_photons: f64,
    /// Mean error (decoded minus original).
    pub bias_photons: f64,
    /// Samples whose error exceeds the spec's bound at their level.
    pub beyond_bound: u64,
}

impl ErrorSummary {
    /// True when no sample is beyond the bound.
    pub fn passed(&self) -> bool {
        self.beyond_bound == 0
    }
}

/// The running sums behind an [`ErrorSummary`], fed frame batch by frame batch.
#[derive(Debug, Clone)]
pub struct ErrorTally<'a> {
    rule: &'a CodeRule,
    frames: usize,
    checked: u64,
    clamped: u64,
    sum: f64,
    sum_squares: f64,
    max_abs: f64,
    beyond: u64,
}

impl<'a> ErrorTally<'a> {
    /// An empty tally for samples coded by `rule`.
    pub fn new(rule: &'a CodeRule) -> Self {
        ErrorTally {
            rule,
            frames: 0,
            checked: 0,
            clamped: 0,
            sum: 0.0,
            sum_squares: 0.0,
            max_abs: 0.0,
            beyond: 0,
        }
    }

    /// Adds `frames` frames: the original levels and what the store gave back for them.
    pub fn add(&mut self, original: &[f64], decoded: &[f64], frames: usize) {
        let gain = self.rule.curve().gain();
        let in_domain = |v: f64| match self.rule.domain() {
            Domain::Integer { lo, hi } => v >= lo as f64 && v <= hi as f64,
            Domain::Real { floor } => v >= floor,
        };
        self.frames += frames;
        for (&level, &back) in original.iter().zip(decoded) {
            if !in_domain(level) {
                self.clamped += 1;
                continue;
            }
            let error = (back - level) / gain;
            self.checked += 1;
            self.sum += error;
            self.sum_squares += error * error;
            self.max_abs = self.max_abs.max(error.abs());
            // The bound, with room for the last bit of the arithmetic.
            self.beyond +=
                u64::from(error.abs() > self.rule.error_bound_photons(level) * (1.0 + 1e-9) + 1e-9);
        }
    }

    /// The summary of everything added.
    pub fn summary(&self) -> ErrorSummary {
        let n = self.checked.max(1) as f64;
        ErrorSummary {
            frames: self.frames,
            samples_checked: self.checked,
            samples_clamped: self.clamped,
            max_abs_photons: self.max_abs,
            rms_photons: (self.sum_squares / n).sqrt(),
            bias_photons: self.sum / n,
            beyond_bound: self.beyond,
        }
    }
}

/// Why a store could not be verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The movie and the store differ in shape.
    #[error("the input is {input:?}, the store {store:?}: not the same movie")]
    Shape {
        /// The movie's shape.
        input: Vec<usize>,
        /// The store's shape.
        store: Vec<usize>,
    },
    /// The movie and the store differ in sample type.
    #[error("the input holds {input}, the store {store}")]
    Element {
        /// The movie's sample type.
        input: Element,
        /// The store's sample type.
        store: Element,
    },
    /// A sample type the codecs do not take.
    #[error("{0} samples have no Anscombe codes")]
    Unsupported(Element),
    /// The store's pipeline has no Anscombe codec, so there is no bound to check.
    #[error("{0} has no Anscombe codec in its pipeline")]
    NoCodec(PathBuf),
    /// The store's codec parameters do not fit its data type.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store or the movie could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl VerifyError {
    /// The store error inside, if that is what this is (to tell an existing output, say).
    pub fn store_error(&self) -> Option<&StoreError> {
        match self {
            VerifyError::Store(error) => Some(error),
            _ => None,
        }
    }
}

/// The outcome of [`verify_store`].
#[derive(Debug, Clone)]
pub struct Verification {
    /// The errors.
    pub summary: ErrorSummary,
    /// The store's codec parameters.
    pub params: CodecParams,
}

/// Compares `frames` (frame indices, each read on its own) of a movie with a store made from
/// it, for a codec `rule`.
///
/// # Errors
/// [`StoreError`] when a frame cannot be read from either.
pub fn compare_frames(
    source: &mut dyn FrameSource,
    store: &mut ZarrMovie,
    rule: &CodeRule,
    frames: impl IntoIterator<Item = usize>,
) -> Result<ErrorSummary, StoreError> {
    let mut tally = ErrorTally::new(rule);
    for frame in frames {
        let original = source.read_frames(frame, 1)?.to_f64();
        let decoded = store.read_frames(frame, 1)?.to_f64();
        tally.add(&original, &decoded, 1);
    }
    Ok(tally.summary())
}

/// Compares every frame of a movie with the store at `store` made from it, chunk row by chunk
/// row (batches of whole chunk rows of about 64 MB); `progress(frames_done, frames)` after
/// each batch.
///
/// # Errors
/// [`VerifyError`] for a store that is not this movie's, has no Anscombe codec, or cannot be
/// read.
pub fn verify_store(
    source: &mut dyn FrameSource,
    store: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Verification, VerifyError> {
    let mut movie = ZarrMovie::open(store)?;
    if source.shape() != FrameSource::shape(&movie) {
        return Err(VerifyError::Shape {
            input: source.shape().to_vec(),
            store: FrameSource::shape(&movie).to_vec(),
        });
    }
    let data_type = source
        .element()
        .data_type()
        .ok_or(VerifyError::Unsupported(source.element()))?;
    if FrameSource::element(&movie) != source.element() {
        return Err(VerifyError::Element {
            input: source.element(),
            store: FrameSource::element(&movie),
        });
    }
    let params =
        array_codec(movie.array()).ok_or_else(|| VerifyError::NoCodec(store.to_path_buf()))?;
    let rule = CodeRule::new(&params, data_type)?;
    let frames = source.frames();
    let chunk_frames = crate::reader::chunk_shape(movie.array())
        .first()
        .copied()
        .unwrap_or(1) as usize;
    let batch = batch_frames(source.frame_len() * data_type.size(), chunk_frames);
    let mut tally = ErrorTally::new(&rule);
    for first in (0..frames).step_by(batch.max(1)) {
        let count = batch.min(frames - first);
        let original = source.read_frames(first, count).map_err(StoreError::from)?;
        let decoded = movie.read_frames(first, count).map_err(StoreError::from)?;
        tally.add(&original.to_f64(), &decoded.to_f64(), count);
        progress(first + count, frames);
    }
    Ok(Verification {
        summary: tally.summary(),
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anscombe_core::{TransformParams, V1Params};

    /// What the codec alone gives back for `levels`.
    fn through_codec(rule: &CodeRule, levels: &[f64]) -> Vec<f64> {
        levels
            .iter()
            .map(|&v| {
                let code = rule.encode_value(v).expect("encodable");
                rule.decoded_value(code).expect("a code of the table")
            })
            .collect()
    }

    #[test]
    fn the_codec_itself_is_within_the_bound_and_a_shift_is_not() {
        let params = TransformParams::new(100.0, 40.0).into();
        let rule = CodeRule::new(&params, anscombe_core::DataType::U16).expect("valid");
        let levels: Vec<f64> = (0..5000).map(|i| f64::from(100 + 13 * i)).collect();
        let decoded = through_codec(&rule, &levels);
        let mut tally = ErrorTally::new(&rule);
        tally.add(&levels[..2500], &decoded[..2500], 1);
        tally.add(&levels[2500..], &decoded[2500..], 1);
        let summary = tally.summary();
        assert!(summary.passed(), "{summary:?}");
        assert_eq!((summary.frames, summary.samples_checked), (2, 5000));
        assert!(summary.max_abs_photons > 0.0 && summary.rms_photons <= summary.max_abs_photons);
        // Decoded values one code step off are beyond the bound (half a step) somewhere.
        let shifted: Vec<f64> = levels
            .iter()
            .map(|&v| {
                let code = rule.encode_value(v).expect("encodable") + 1;
                rule.decoded_value(code).unwrap_or(v)
            })
            .collect();
        let mut tally = ErrorTally::new(&rule);
        tally.add(&levels, &shifted, 1);
        assert!(tally.summary().beyond_bound > 0);
        assert!(tally.summary().bias_photons > 0.0);
    }

    #[test]
    fn samples_outside_the_domain_are_counted_apart() {
        let params = V1Params {
            decoded_dtype: anscombe_core::DataType::U16,
            ..V1Params::new(100.0, 40.0)
        };
        let rule = CodeRule::new(&params.into(), anscombe_core::DataType::U16).expect("valid");
        let Domain::Integer { lo, hi } = rule.domain() else {
            panic!("anscombe-v1 has integer levels")
        };
        let levels = [lo as f64 - 1.0, lo as f64, hi as f64, hi as f64 + 1.0];
        let mut tally = ErrorTally::new(&rule);
        tally.add(&levels, &levels, 1);
        let summary = tally.summary();
        assert_eq!((summary.samples_checked, summary.samples_clamped), (2, 2));
        assert_eq!(summary.max_abs_photons, 0.0);
    }
}
