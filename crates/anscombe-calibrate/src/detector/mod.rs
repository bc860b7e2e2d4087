//! Pixel-wise detector response calibration and ring-artefact correction, as the Python
//! package `detectorcal` does them (Croton et al., Optics Express 27, 2019).
//!
//! A beam sweep (frames at increasing intensity) is smoothed with a wide Gaussian, whose output
//! estimates the true, artefact-free intensity at each pixel; each pixel's response is then fitted
//! by least squares through the origin, smoothed ≈ coefficient × measured, over the frames whose
//! smoothed value is above a cutoff ([`ResponseFit`]). Multiplying images by the coefficients
//! removes the pixel-to-pixel gain differences that become rings in CT reconstructions;
//! flat-field division and a residual correction are optional ([`Correction`]).
//!
//! Both stream: the fit accumulates per-pixel sums frame by frame, the correction works frame
//! by frame, so stacks larger than memory work.

mod correct;
mod fit;
mod gaussian;
mod plane;

pub use correct::Correction;
pub use fit::{DetectorCalibration, FitSummary, ResponseFit};
pub use gaussian::{Gaussian, MAX_RADIUS};
pub use plane::Plane;

/// Why a detector calibration or correction could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DetectorError {
    /// A parameter out of its range.
    #[error("{0}")]
    Parameter(String),
    /// Images of the wrong shape.
    #[error("{0}")]
    Shape(String),
    /// A sample type the calibration does not handle.
    #[error("{0} images are not handled here (supported: uint16, float32, float64)")]
    Type(String),
    /// The stack could not be read.
    #[error(transparent)]
    Movie(#[from] anscombe_io::MovieError),
}
