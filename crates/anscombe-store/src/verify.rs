//! How far a store is from the movie it came from: every sample's error in photons, against
//! the bound the codec guarantees at its level (`spec/anscombe-codec.md`, section 7), and
//! every sample the codec could not represent.
//!
//! [`verify_store`] goes through the store chunk row by chunk row (each chunk decoded once, in
//! parallel, while the next rows of the movie are read) and tallies every sample on all cores;
//! [`compare_frames`] does the same for chosen frames (the sample `anscombe encode` reports
//! on). Three things make a store fail besides an error beyond the bound, because the bound
//! says nothing about them:
//!
//! - samples outside the codec's domain (below its lowest level, or above its highest:
//!   anscombe-v1's 32767) were clamped to its ends; more than [`CLIPPING_TOLERANCE`] of them
//!   means a wrong zero level or a saturated movie, not a few hot or dark pixels;
//! - a codec that gives every level of the sample type one code wipes the movie (an absurd
//!   gain puts every sample in code 0, and the error in photons is then tiny): every sample
//!   that does not come back exactly is counted as wiped;
//! - a comparison that checked no sample proves nothing.
//!
//! [`ClipGuard`] counts clamped samples while a movie is encoded and stops the write as soon
//! as the tolerance is certainly exceeded.

use std::fmt;
use std::path::{Path, PathBuf};

use anscombe_core::{CodeRule, CodecParams, ConfigError, Sample};
use anscombe_io::{Element, FrameSource, MovieError, Samples, stream_frames};
use rayon::prelude::*;
use serde::Serialize;

use crate::error::StoreError;
use crate::reader::{ZarrMovie, array_codec};
use crate::writer::batch_frames;

/// The largest fraction of a movie's samples that may be clamped into the codec's domain
/// (0.1 %) before `encode` refuses and `verify` fails, unless clipping is allowed.
pub const CLIPPING_TOLERANCE: f64 = 1e-3;

/// How many samples are in one class, and where the first and last of them are (`[frame,
/// row, column, ...]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Located {
    /// Samples in the class.
    pub count: u64,
    /// Index of the first one, frame first.
    pub first: Option<Vec<usize>>,
    /// Index of the last one.
    pub last: Option<Vec<usize>>,
}

/// Errors of decoded samples against the originals, in photons, and the samples the codec
/// could not represent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ErrorSummary {
    /// Frames compared.
    pub frames: usize,
    /// Samples compared: every sample of those frames.
    pub samples: u64,
    /// Samples inside the codec's domain, where the bound applies (all others are clamped).
    pub samples_checked: u64,
    /// Samples below the domain's lowest level, stored as that level (below the floor: a
    /// zero level set too high, or negative samples).
    pub clamped_below: Located,
    /// Samples above the domain's highest level, stored as that level (saturated: above
    /// anscombe-v1's 32767).
    pub clamped_above: Located,
    /// Samples lost because the codec gives every level of the sample type one code (an
    /// absurd gain): those that did not come back exactly.
    pub wiped: u64,
    /// Largest absolute error.
    pub max_abs_photons: f64,
    /// Root mean square error.
    pub rms_photons: f64,
    /// Mean error (decoded minus original).
    pub bias_photons: f64,
    /// Samples whose error exceeds the spec's bound at their level.
    pub beyond_bound: Located,
}

/// One reason a comparison fails.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// No sample was inside the codec's domain (or there were none).
    NothingChecked,
    /// Samples beyond the spec's bound.
    BeyondBound(u64),
    /// More than [`CLIPPING_TOLERANCE`] of the samples were clamped.
    Clamped {
        /// Clamped samples.
        count: u64,
        /// Their fraction of all samples.
        fraction: f64,
    },
    /// The codec gives every level one code, and these samples were lost to it.
    Wiped(u64),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::NothingChecked => write!(
                f,
                "no sample is inside the codec's domain: nothing was checked"
            ),
            Fault::BeyondBound(n) => write!(f, "{n} samples are beyond the spec's error bound"),
            Fault::Clamped { count, fraction } => write!(
                f,
                "{count} samples ({:.3} %) are outside the codec's domain and were clamped (more than {} %: check the zero level and gain, or allow clipping)",
                fraction * 100.0,
                CLIPPING_TOLERANCE * 100.0
            ),
            Fault::Wiped(n) => write!(
                f,
                "the codec gives every level of the sample type one code: {n} samples are lost (is the gain absurd?)"
            ),
        }
    }
}

impl ErrorSummary {
    /// Samples clamped into the domain, at either end.
    pub fn clamped(&self) -> u64 {
        self.clamped_below.count + self.clamped_above.count
    }

    /// The clamped samples' fraction of all samples (0 for none).
    pub fn clamped_fraction(&self) -> f64 {
        self.clamped() as f64 / self.samples.max(1) as f64
    }

    /// Every reason the comparison fails; clamped samples count only beyond
    /// [`CLIPPING_TOLERANCE`], and not at all with `allow_clipping`.
    pub fn faults(&self, allow_clipping: bool) -> Vec<Fault> {
        let mut faults = Vec::new();
        if self.samples_checked == 0 {
            faults.push(Fault::NothingChecked);
        }
        if self.beyond_bound.count > 0 {
            faults.push(Fault::BeyondBound(self.beyond_bound.count));
        }
        if !allow_clipping && self.clamped_fraction() > CLIPPING_TOLERANCE {
            faults.push(Fault::Clamped {
                count: self.clamped(),
                fraction: self.clamped_fraction(),
            });
        }
        if self.wiped > 0 {
            faults.push(Fault::Wiped(self.wiped));
        }
        faults
    }

    /// True when [`ErrorSummary::faults`] finds none.
    pub fn passed(&self, allow_clipping: bool) -> bool {
        self.faults(allow_clipping).is_empty()
    }
}

/// Count and flat positions of one class of samples within a part.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    count: u64,
    first: Option<u64>,
    last: Option<u64>,
}

impl Span {
    #[inline]
    fn add(&mut self, position: u64) {
        self.count += 1;
        self.first.get_or_insert(position);
        self.last = Some(position);
    }

    fn merge(self, other: Span) -> Span {
        let pick = |a: Option<u64>, b: Option<u64>, f: fn(u64, u64) -> u64| match (a, b) {
            (Some(a), Some(b)) => Some(f(a, b)),
            (a, b) => a.or(b),
        };
        Span {
            count: self.count + other.count,
            first: pick(self.first, other.first, u64::min),
            last: pick(self.last, other.last, u64::max),
        }
    }
}

/// The running sums of one part of a comparison (merged across parts and batches).
#[derive(Debug, Clone, Copy)]
struct Partial {
    checked: u64,
    below: Span,
    above: Span,
    beyond: Span,
    sum: f64,
    sum_squares: f64,
    max_abs: f64,
    /// In-domain samples that did not come back exactly.
    changed: u64,
}

impl Partial {
    const EMPTY: Partial = Partial {
        checked: 0,
        below: Span {
            count: 0,
            first: None,
            last: None,
        },
        above: Span {
            count: 0,
            first: None,
            last: None,
        },
        beyond: Span {
            count: 0,
            first: None,
            last: None,
        },
        sum: 0.0,
        sum_squares: 0.0,
        max_abs: 0.0,
        changed: 0,
    };

    fn merge(self, other: Partial) -> Partial {
        Partial {
            checked: self.checked + other.checked,
            below: self.below.merge(other.below),
            above: self.above.merge(other.above),
            beyond: self.beyond.merge(other.beyond),
            sum: self.sum + other.sum,
            sum_squares: self.sum_squares + other.sum_squares,
            max_abs: self.max_abs.max(other.max_abs),
            changed: self.changed + other.changed,
        }
    }
}

/// Samples per parallel task.
const PART: usize = 1 << 16;

/// True for a level below the domain's lowest `lo`; NaN is in no domain and counts as below.
#[inline]
fn is_below(level: f64, lo: f64) -> bool {
    level < lo || level.is_nan()
}

/// Tallies one part: `original[i]` and `decoded[i]` are the sample at flat position
/// `start + i` of the movie.
fn tally_part<T: Sample>(rule: &CodeRule, original: &[T], decoded: &[T], start: u64) -> Partial {
    let gain = rule.curve().gain();
    let (lo, hi) = rule.clamp_bounds();
    let mut part = Partial::EMPTY;
    for ((&level, &back), position) in original.iter().zip(decoded).zip(start..) {
        let (level, back) = (level.to_f64(), back.to_f64());
        if is_below(level, lo) {
            part.below.add(position);
            continue;
        }
        if level > hi {
            part.above.add(position);
            continue;
        }
        let error = (back - level) / gain;
        part.checked += 1;
        part.sum += error;
        part.sum_squares += error * error;
        part.max_abs = part.max_abs.max(error.abs());
        part.changed += u64::from(back != level);
        // The bound, with room for the last bit of the arithmetic.
        if rule.beyond_error_bound(level, error, SLACK) {
            part.beyond.add(position);
        }
    }
    part
}

/// Room for the last bit of the arithmetic in the bound test.
const SLACK: f64 = 1e-9;

/// A [`LevelTable`] entry: the level is below the codec's domain.
const BELOW: u32 = u32::MAX;
/// A [`LevelTable`] entry: the level is above the codec's domain.
const ABOVE: u32 = u32::MAX - 1;

/// For 8- and 16-bit integer samples, every level's verdict made once: below or above the
/// domain, or the largest difference (decoded minus original, in levels, either sign) the
/// bound allows there. A sample then costs a lookup and integer arithmetic instead of the
/// bound's floating-point test; the verdicts are the test's own, level by level.
#[derive(Debug, Clone)]
struct LevelTable {
    /// The sample type the table is indexed for ([`Sample::bit_index`]).
    element: Element,
    allowed: Vec<u32>,
}

impl LevelTable {
    /// The table for samples of type `T`, or `None` for types too wide for one.
    fn new<T: Sample>(rule: &CodeRule, element: Element) -> Option<LevelTable> {
        if T::TABLE_BITS == 0 || T::TABLE_BITS > 16 {
            return None;
        }
        let (lo, hi) = rule.clamp_bounds();
        let allowed = (0..1usize << T::TABLE_BITS)
            .map(|index| {
                let level = T::from_bit_index(index).to_f64();
                if is_below(level, lo) {
                    BELOW
                } else if level > hi {
                    ABOVE
                } else {
                    allowed_difference(rule, level)
                }
            })
            .collect();
        Some(LevelTable { element, allowed })
    }
}

/// The largest integer difference `d` (up to 65 536: any 16-bit difference) for which
/// `rule.beyond_error_bound(level, d / gain, SLACK)` is false: the bound's own estimate, then
/// stepped to the exact edge (the test grows with the difference, and the estimate is a level
/// or two off at most).
fn allowed_difference(rule: &CodeRule, level: f64) -> u32 {
    const ANY: u32 = 1 << 16;
    let gain = rule.curve().gain();
    let beyond = |d: u32| rule.beyond_error_bound(level, f64::from(d) / gain, SLACK);
    let estimate = (rule.error_bound_photons(level) * gain).floor();
    let mut d = if estimate.is_nan() {
        0
    } else {
        estimate.clamp(0.0, f64::from(ANY)) as u32
    };
    while d > 0 && beyond(d) {
        d -= 1;
    }
    while d < ANY && !beyond(d + 1) {
        d += 1;
    }
    d
}

/// [`tally_part`] through a [`LevelTable`]: the same counts, with the sums taken in levels
/// (exact integers within a part) and turned into photons once.
fn tally_part_table<T: Sample>(
    table: &LevelTable,
    gain: f64,
    original: &[T],
    decoded: &[T],
    start: u64,
) -> Partial {
    let mut part = Partial::EMPTY;
    let (mut sum, mut squares, mut largest) = (0i64, 0u64, 0u64);
    for ((&level, &back), position) in original.iter().zip(decoded).zip(start..) {
        let allowed = table.allowed[level.bit_index()];
        if allowed >= ABOVE {
            if allowed == BELOW {
                part.below.add(position);
            } else {
                part.above.add(position);
            }
            continue;
        }
        // Both are 8- or 16-bit integers: exact in f64 and in i64.
        let difference = back.to_f64() as i64 - level.to_f64() as i64;
        let magnitude = difference.unsigned_abs();
        part.checked += 1;
        sum += difference;
        squares += magnitude * magnitude;
        largest = largest.max(magnitude);
        part.changed += u64::from(magnitude != 0);
        if magnitude > u64::from(allowed) {
            part.beyond.add(position);
        }
    }
    part.sum = sum as f64 / gain;
    part.sum_squares = squares as f64 / (gain * gain);
    part.max_abs = largest as f64 / gain;
    part
}

/// Tallies two sample slices of one type on all cores (through `table` when there is one for
/// this type).
fn tally_slices<T: Sample>(
    rule: &CodeRule,
    table: Option<&LevelTable>,
    original: &[T],
    decoded: &[T],
    start: u64,
) -> Partial {
    let gain = rule.curve().gain();
    original
        .par_chunks(PART)
        .zip(decoded.par_chunks(PART))
        .enumerate()
        .map(|(i, (o, d))| {
            let start = start + (i * PART) as u64;
            match table {
                Some(table) => tally_part_table(table, gain, o, d, start),
                None => tally_part(rule, o, d, start),
            }
        })
        .reduce(|| Partial::EMPTY, Partial::merge)
}

/// Applies `$body` to the two vectors of a pair of [`Samples`] of the same codec type, bound
/// to `$a` and `$b`; `$otherwise` for different or unsupported types.
macro_rules! with_pair {
    ($x:expr, $y:expr, ($a:ident, $b:ident) => $body:expr, $otherwise:expr) => {
        match ($x, $y) {
            (Samples::U8($a), Samples::U8($b)) => $body,
            (Samples::I8($a), Samples::I8($b)) => $body,
            (Samples::U16($a), Samples::U16($b)) => $body,
            (Samples::I16($a), Samples::I16($b)) => $body,
            (Samples::U32($a), Samples::U32($b)) => $body,
            (Samples::I32($a), Samples::I32($b)) => $body,
            (Samples::F32($a), Samples::F32($b)) => $body,
            (Samples::F64($a), Samples::F64($b)) => $body,
            _ => $otherwise,
        }
    };
}

/// The [`LevelTable`] for samples like `_samples` (the slice only names the type).
fn table_for<T: Sample>(rule: &CodeRule, element: Element, _samples: &[T]) -> Option<LevelTable> {
    LevelTable::new::<T>(rule, element)
}

/// The running sums behind an [`ErrorSummary`], fed frame batch by frame batch.
#[derive(Debug, Clone)]
pub struct ErrorTally<'a> {
    rule: &'a CodeRule,
    shape: Vec<usize>,
    frames: usize,
    samples: u64,
    total: Partial,
    /// The verdict of every level, once the samples' type is known (8- and 16-bit integers).
    table: Option<LevelTable>,
}

impl<'a> ErrorTally<'a> {
    /// An empty tally for samples coded by `rule`, of a movie of `shape` (frames first: the
    /// rest locates samples in reports).
    pub fn new(rule: &'a CodeRule, shape: &[usize]) -> Self {
        ErrorTally {
            rule,
            shape: shape.to_vec(),
            frames: 0,
            samples: 0,
            total: Partial::EMPTY,
            table: None,
        }
    }

    fn frame_len(&self) -> usize {
        self.shape.iter().skip(1).product::<usize>().max(1)
    }

    /// Adds consecutive frames from `first_frame` on: the original samples and what the store
    /// gave back for them (same type and length).
    ///
    /// # Errors
    /// [`VerifyError::Element`] when the two differ in type or the type has no codes, and
    /// [`VerifyError::Shape`] when they differ in length.
    pub fn add(
        &mut self,
        original: &Samples,
        decoded: &Samples,
        first_frame: usize,
    ) -> Result<(), VerifyError> {
        if original.len() != decoded.len() {
            return Err(VerifyError::Shape {
                input: vec![original.len()],
                store: vec![decoded.len()],
            });
        }
        let start = (first_frame as u64).saturating_mul(self.frame_len() as u64);
        let rule = self.rule;
        let element = original.element();
        if self.table.as_ref().is_none_or(|t| t.element != element) {
            self.table =
                with_pair!(original, decoded, (a, _b) => table_for(rule, element, a), None);
        }
        let table = self.table.as_ref();
        let part = with_pair!(original, decoded, (a, b) => tally_slices(rule, table, a, b, start),
            return Err(VerifyError::Element { input: original.element(), store: decoded.element() }));
        self.total = self.total.merge(part);
        self.frames += original.len() / self.frame_len();
        self.samples += original.len() as u64;
        Ok(())
    }

    /// The `[frame, row, column, ...]` index of a flat position.
    fn index(&self, position: u64) -> Vec<usize> {
        let mut rest = usize::try_from(position).unwrap_or(usize::MAX);
        let mut index = vec![0; self.shape.len().max(1)];
        for (slot, &extent) in index.iter_mut().zip(&self.shape).skip(1).rev() {
            *slot = rest % extent.max(1);
            rest /= extent.max(1);
        }
        index[0] = rest;
        index
    }

    fn located(&self, span: Span) -> Located {
        Located {
            count: span.count,
            first: span.first.map(|p| self.index(p)),
            last: span.last.map(|p| self.index(p)),
        }
    }

    /// The summary of everything added.
    pub fn summary(&self) -> ErrorSummary {
        let t = &self.total;
        let n = t.checked.max(1) as f64;
        let wiped = one_code_for_all(self.rule);
        ErrorSummary {
            frames: self.frames,
            samples: self.samples,
            samples_checked: t.checked,
            clamped_below: self.located(t.below),
            clamped_above: self.located(t.above),
            wiped: if wiped { t.changed } else { 0 },
            max_abs_photons: t.max_abs,
            rms_photons: (t.sum_squares / n).sqrt(),
            bias_photons: t.sum / n,
            beyond_bound: self.located(t.beyond),
        }
    }
}

/// True when the codec gives every level of its sample type the same code: integer samples
/// whose whole domain is one code, float samples whose code 0 reaches past the type's largest
/// value.
pub fn one_code_for_all(rule: &CodeRule) -> bool {
    match rule.domain() {
        anscombe_core::Domain::Integer { .. } => rule.min_code() == rule.max_code(),
        anscombe_core::Domain::Real { .. } => {
            let largest = match rule.data_type() {
                anscombe_core::DataType::F32 => f64::from(f32::MAX),
                _ => f64::MAX,
            };
            let edge = rule.curve().level(0.5);
            edge.is_nan() || edge > largest
        }
    }
}

/// Samples below and above `(lo, hi)`, counted on all cores.
fn count_outside(samples: &Samples, (lo, hi): (f64, f64)) -> (u64, u64) {
    fn count<T: Sample>(values: &[T], lo: f64, hi: f64) -> (u64, u64) {
        values
            .par_chunks(PART)
            .map(|part| {
                part.iter().fold((0, 0), |(below, above), &v| {
                    let v = v.to_f64();
                    (
                        below + u64::from(is_below(v, lo)),
                        above + u64::from(v > hi),
                    )
                })
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    }
    with_pair!(samples, samples, (a, _b) => count(a, lo, hi), (0, 0))
}

/// A movie being encoded, with its clamped samples counted as they are read: reading fails
/// once more than [`CLIPPING_TOLERANCE`] of the whole movie's samples have clamped (unless
/// clipping is allowed), so a write through it stops and leaves nothing.
pub struct ClipGuard<'a> {
    source: &'a mut dyn FrameSource,
    bounds: (f64, f64),
    limit: Option<u64>,
    below: u64,
    above: u64,
}

impl<'a> ClipGuard<'a> {
    /// Guards `source`, to be encoded by `rule`; `allow_clipping` only counts.
    pub fn new(source: &'a mut dyn FrameSource, rule: &CodeRule, allow_clipping: bool) -> Self {
        let samples = source.shape().iter().map(|&n| n as u64).product::<u64>();
        ClipGuard {
            bounds: rule.clamp_bounds(),
            limit: (!allow_clipping).then_some((samples as f64 * CLIPPING_TOLERANCE) as u64),
            source,
            below: 0,
            above: 0,
        }
    }

    /// Samples clamped so far: below the domain, above it.
    pub fn clamped(&self) -> (u64, u64) {
        (self.below, self.above)
    }

    /// True when the tolerance was exceeded and reading stopped.
    pub fn refused(&self) -> bool {
        self.limit
            .is_some_and(|limit| self.below + self.above > limit)
    }
}

impl FrameSource for ClipGuard<'_> {
    fn shape(&self) -> &[usize] {
        self.source.shape()
    }

    fn element(&self) -> Element {
        self.source.element()
    }

    fn read_frames(&mut self, start: usize, count: usize) -> Result<Samples, MovieError> {
        let samples = self.source.read_frames(start, count)?;
        let (below, above) = count_outside(&samples, self.bounds);
        self.below += below;
        self.above += above;
        if self.refused() {
            return Err(MovieError::Unsupported {
                path: PathBuf::from("the input"),
                message: format!(
                    "more than {} % of its samples are outside the codec's domain ({} below, {} above by frame {}): check the zero level and gain",
                    CLIPPING_TOLERANCE * 100.0,
                    self.below,
                    self.above,
                    start + count
                ),
            });
        }
        Ok(samples)
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

impl From<MovieError> for VerifyError {
    fn from(error: MovieError) -> Self {
        VerifyError::Store(StoreError::Movie(error))
    }
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
/// [`VerifyError`] when a frame cannot be read from either, or they differ in type.
pub fn compare_frames(
    source: &mut dyn FrameSource,
    store: &mut ZarrMovie,
    rule: &CodeRule,
    frames: impl IntoIterator<Item = usize>,
) -> Result<ErrorSummary, VerifyError> {
    let mut tally = ErrorTally::new(rule, source.shape());
    for frame in frames {
        let original = source.read_frames(frame, 1).map_err(StoreError::from)?;
        let decoded = store.read_frames(frame, 1).map_err(StoreError::from)?;
        tally.add(&original, &decoded, frame)?;
    }
    Ok(tally.summary())
}

/// Compares every sample of a movie with the store at `store` made from it, in batches of
/// whole chunk rows (about 64 MB): the movie's next batch is read while the store's chunks
/// of this one are decoded (in parallel) and compared (on all cores);
/// `progress(frames_done, frames)` after each batch.
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
    let mut tally = ErrorTally::new(&rule, source.shape());
    stream_frames(source, batch, |first, original| {
        let count = original.len() / tally.frame_len();
        let decoded = movie.read_frames(first, count).map_err(StoreError::from)?;
        tally.add(&original, &decoded, first)?;
        progress(first + count, frames);
        Ok::<(), VerifyError>(())
    })?;
    Ok(Verification {
        summary: tally.summary(),
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anscombe_core::{DataType, TransformParams, V1Params};

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

    fn summary(
        rule: &CodeRule,
        shape: &[usize],
        original: &[f64],
        decoded: &[f64],
    ) -> ErrorSummary {
        let mut tally = ErrorTally::new(rule, shape);
        tally
            .add(
                &Samples::F64(original.to_vec()),
                &Samples::F64(decoded.to_vec()),
                0,
            )
            .expect("same type and length");
        tally.summary()
    }

    #[test]
    fn the_codec_itself_is_within_the_bound_and_a_shift_is_not() {
        let params = TransformParams::new(100.0, 40.0).into();
        let rule = CodeRule::new(&params, DataType::F64).expect("valid");
        // More than one parallel part, and two batches.
        let levels: Vec<f64> = (0..200_000)
            .map(|i| f64::from(100 + 13 * (i % 5000)))
            .collect();
        let decoded = through_codec(&rule, &levels);
        let mut tally = ErrorTally::new(&rule, &[2, 100_000]);
        let half = levels.len() / 2;
        tally
            .add(
                &Samples::F64(levels[..half].to_vec()),
                &Samples::F64(decoded[..half].to_vec()),
                0,
            )
            .expect("add");
        tally
            .add(
                &Samples::F64(levels[half..].to_vec()),
                &Samples::F64(decoded[half..].to_vec()),
                1,
            )
            .expect("add");
        let s = tally.summary();
        assert!(s.passed(false), "{s:?}");
        assert_eq!(
            (s.frames, s.samples, s.samples_checked),
            (2, 200_000, 200_000)
        );
        assert!(s.max_abs_photons > 0.0 && s.rms_photons <= s.max_abs_photons);
        // Decoded values one code step off are beyond the bound (half a step) somewhere.
        let shifted: Vec<f64> = levels
            .iter()
            .map(|&v| {
                let code = rule.encode_value(v).expect("encodable") + 1;
                rule.decoded_value(code).unwrap_or(v)
            })
            .collect();
        let s = summary(&rule, &[2, 100_000], &levels, &shifted);
        assert!(s.beyond_bound.count > 0 && s.bias_photons > 0.0);
        assert_eq!(s.faults(true), [Fault::BeyondBound(s.beyond_bound.count)]);
    }

    #[test]
    fn samples_outside_the_domain_are_counted_apart_and_located() {
        let params = V1Params {
            decoded_dtype: DataType::U16,
            ..V1Params::new(100.0, 40.0)
        };
        let rule = CodeRule::new(&params.into(), DataType::F64).expect("valid");
        let (lo, hi) = rule.clamp_bounds();
        // A 2 x 2 x 3 movie: one sample below (frame 0, row 1, column 2), two above.
        let mut levels = vec![1000.0; 12];
        levels[5] = lo - 1.0;
        levels[7] = hi + 1.0;
        levels[11] = hi + 5.0;
        let s = summary(&rule, &[2, 2, 3], &levels, &levels);
        assert_eq!((s.samples, s.samples_checked, s.clamped()), (12, 9, 3));
        assert_eq!(s.clamped_below.first, Some(vec![0, 1, 2]));
        assert_eq!(s.clamped_above.first, Some(vec![1, 0, 1]));
        assert_eq!(s.clamped_above.last, Some(vec![1, 1, 2]));
        assert!(!s.passed(false), "3 of 12 is beyond the tolerance");
        assert!(s.passed(true), "clipping allowed");
    }

    #[test]
    fn nothing_checked_never_passes() {
        let rule =
            CodeRule::new(&TransformParams::new(100.0, 40.0).into(), DataType::F64).expect("valid");
        let below = vec![-50.0; 10];
        let s = summary(&rule, &[10], &below, &below);
        assert_eq!(s.samples_checked, 0);
        assert!(s.faults(true).contains(&Fault::NothingChecked));
        let empty = summary(&rule, &[0], &[], &[]);
        assert!(!empty.passed(true));
    }

    #[test]
    fn a_store_of_one_value_for_a_varied_movie_is_wiped() {
        let rule =
            CodeRule::new(&TransformParams::new(0.0, 1e300).into(), DataType::U16).expect("valid");
        let levels: Vec<u16> = (0..1000).map(|i| (i * 60) as u16).collect();
        let codes: Vec<i64> = levels
            .iter()
            .map(|&v| rule.encode_value(f64::from(v)).expect("encodable"))
            .collect();
        assert!(codes.iter().all(|&c| c == 0), "every sample in code 0");
        let back = rule.decoded_value(0).expect("code 0") as u16;
        let decoded = vec![back; levels.len()];
        let mut tally = ErrorTally::new(&rule, &[1, 1000]);
        tally
            .add(&Samples::U16(levels.clone()), &Samples::U16(decoded), 0)
            .expect("add");
        let s = tally.summary();
        assert_eq!(
            s.beyond_bound.count, 0,
            "the bound in photons says nothing here"
        );
        assert_eq!(
            s.wiped,
            levels.iter().filter(|&&v| v != back).count() as u64
        );
        assert_eq!(s.faults(true), [Fault::Wiped(s.wiped)]);
        // A constant movie that comes back exactly is not wiped.
        let flat = vec![back; 10];
        let mut tally = ErrorTally::new(&rule, &[1, 10]);
        tally
            .add(&Samples::U16(flat.clone()), &Samples::U16(flat), 0)
            .expect("add");
        assert_eq!(tally.summary().wiped, 0);
    }

    /// Every 16-bit level, decoded back with differences around the edge the table allows
    /// (and far beyond): the table's counts are the bound test's, sample for sample.
    #[test]
    fn the_level_table_gives_the_bound_tests_verdicts() {
        fn both<T: Sample>(rule: &CodeRule, original: &[T], decoded: &[T]) -> (Partial, Partial) {
            let table = LevelTable::new::<T>(rule, Element::U16).expect("a 16-bit table");
            let gain = rule.curve().gain();
            (
                tally_part(rule, original, decoded, 7),
                tally_part_table(&table, gain, original, decoded, 7),
            )
        }
        let rules = [
            CodeRule::new(&TransformParams::new(100.0, 40.0).into(), DataType::U16),
            CodeRule::new(&TransformParams::new(3.31, 1.47).into(), DataType::U16),
            CodeRule::new(
                &TransformParams {
                    beta: 0.2,
                    ..TransformParams::new(0.0, 0.3)
                }
                .into(),
                DataType::U16,
            ),
            CodeRule::new(
                &V1Params {
                    decoded_dtype: DataType::U16,
                    ..V1Params::new(500.0, 12.0)
                }
                .into(),
                DataType::U16,
            ),
        ];
        for rule in rules {
            let rule = rule.expect("valid");
            let (mut original, mut decoded) = (Vec::new(), Vec::new());
            for level in (0..=u16::MAX).step_by(7) {
                let edge = i64::from(allowed_difference(&rule, f64::from(level)).min(70_000));
                for d in [0, 1, edge - 1, edge, edge + 1, -edge, -edge - 1, 300, -3000] {
                    let back = i64::from(level) + d;
                    if let Ok(back) = u16::try_from(back) {
                        original.push(level);
                        decoded.push(back);
                    }
                }
            }
            let (formula, table) = both(&rule, &original, &decoded);
            assert_eq!(formula.checked, table.checked);
            assert_eq!(formula.changed, table.changed);
            for (f, t) in [
                (formula.below, table.below),
                (formula.above, table.above),
                (formula.beyond, table.beyond),
            ] {
                assert_eq!((f.count, f.first, f.last), (t.count, t.first, t.last));
            }
            assert!(
                formula.beyond.count > 0,
                "differences beyond the edge were tried"
            );
            assert!((formula.max_abs - table.max_abs).abs() <= 1e-12 * formula.max_abs);
            assert!((formula.sum - table.sum).abs() <= 1e-9 * formula.sum_squares.max(1.0));
            let relative = (formula.sum_squares - table.sum_squares).abs() / formula.sum_squares;
            assert!(relative < 1e-12, "{relative}");
        }
    }

    #[test]
    fn different_types_or_lengths_are_errors() {
        let rule =
            CodeRule::new(&TransformParams::new(0.0, 2.0).into(), DataType::U16).expect("valid");
        let mut tally = ErrorTally::new(&rule, &[1, 2]);
        assert!(
            tally
                .add(&Samples::U16(vec![1, 2]), &Samples::I16(vec![1, 2]), 0)
                .is_err()
        );
        assert!(
            tally
                .add(&Samples::U16(vec![1, 2]), &Samples::U16(vec![1]), 0)
                .is_err()
        );
    }

    /// A movie in memory.
    struct Frames(Vec<usize>, Vec<u16>);

    impl FrameSource for Frames {
        fn shape(&self) -> &[usize] {
            &self.0
        }
        fn element(&self) -> Element {
            Element::U16
        }
        fn read_frames(&mut self, start: usize, count: usize) -> Result<Samples, MovieError> {
            let n = self.frame_len();
            Ok(Samples::U16(
                self.1[start * n..(start + count) * n].to_vec(),
            ))
        }
    }

    #[test]
    fn the_guard_stops_reading_beyond_the_tolerance_unless_allowed() {
        let params = V1Params {
            decoded_dtype: DataType::U16,
            ..V1Params::new(100.0, 40.0)
        };
        let rule = CodeRule::new(&params.into(), DataType::U16).expect("valid");
        // 10 frames of 1000 samples; frame 3 holds 20 saturated samples (0.2 % of all).
        let mut samples = vec![500u16; 10_000];
        samples[3000..3020].fill(40_000);
        let mut movie = Frames(vec![10, 1000], samples);
        let mut guard = ClipGuard::new(&mut movie, &rule, false);
        assert!(guard.read_frames(0, 3).is_ok());
        assert!(guard.read_frames(3, 1).is_err());
        assert!(guard.refused());
        assert_eq!(guard.clamped(), (0, 20));
        let mut guard = ClipGuard::new(&mut movie, &rule, true);
        assert!(guard.read_frames(0, 10).is_ok());
        assert!(!guard.refused());
        assert_eq!(guard.clamped(), (0, 20));
    }
}
