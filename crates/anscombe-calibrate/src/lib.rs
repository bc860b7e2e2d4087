//! Calibration for photon-limited data: the conversion gain (levels per photon) and zero level
//! the Anscombe codec needs, estimated from the data themselves.
//!
//! - [`calibrate_movie`] (and [`PairScreen`] with [`PixelAccumulator`] for streaming): the
//!   default, a robust photon-transfer fit over pixels.
//! - [`ReferenceEstimator`]: the Python package's `compute_conversion_gain`, step for step.
//! - [`synthetic`]: movies with known gain and zero level, for tests and benchmarks.

pub mod dark_flat;
pub mod detector;
#[cfg(feature = "plot")]
pub mod detector_plot;
pub mod huber;
pub mod photon_transfer;
#[cfg(feature = "plot")]
pub mod plot;
pub mod reference;
pub mod source;
pub mod synthetic;

mod error;
mod fit;
mod result;
mod stats;

pub use error::CalibrationError;
pub use photon_transfer::{PairScreen, PixelAccumulator, PtcOptions, Screening, calibrate_movie};
pub use reference::{ReferenceEstimator, ReferenceResult};
pub use result::{Calibration, Method, PtcPoint, Warning};
pub use source::{SourceError, calibrate_source};
