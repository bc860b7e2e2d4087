//! Why a calibration could not be made. Each message says what the data lack.

/// A calibration that the data do not allow.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CalibrationError {
    /// Fewer than two frames.
    #[error("a photon-transfer calibration needs at least two frames of the same scene")]
    TooFewFrames,
    /// The reference estimator's weight exponent is not a number in its accepted range.
    #[error(
        "gamma must be a finite number from -8 to 8 (the exponent of the count weights, 0.2 \
         in the reference), got {0}"
    )]
    Gamma(f64),
    /// Frames of different sizes.
    #[error("frames differ in size: {expected} pixels, then {found}")]
    FrameSize {
        /// Pixels of the first frame.
        expected: usize,
        /// Pixels of the offending frame.
        found: usize,
    },
    /// The reference mode's intensity tables cannot hold these levels.
    #[error(
        "intensity {0} is beyond the reference mode's tables (4 194 304); use the default estimator"
    )]
    ReferenceRange(i64),
    /// The reference's own range check failed.
    #[error(
        "the reference estimator needs more than 100 well-populated intensity levels, these data \
         have {} ({start}..{stop}): too few photons or too small a gain; the default estimator \
         handles this", stop.saturating_sub(*start)
    )]
    ReferenceNarrowRange {
        /// First level of the longest populated run.
        start: usize,
        /// One past its last level.
        stop: usize,
    },
    /// A number of pixel groups the raster calibration does not fit.
    #[error("{0} pixel groups: the raster calibration fits 1 to 10")]
    Groups(usize),
    /// Percentile bounds that are not `0 <= min < max <= 100`.
    #[error("percentile bounds {min} and {max}: they must satisfy 0 <= min < max <= 100")]
    Percentiles {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Not enough usable pixels.
    #[error("{0}")]
    Insufficient(String),
    /// The variance does not rise with the mean, or not along a line.
    #[error("{0}")]
    NotShotNoise(String),
}
