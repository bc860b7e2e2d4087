//! Calibration for photon-limited data: the conversion gain (levels per photon) and zero level
//! the Anscombe codec needs, estimated from the data themselves.
//!
//! - [`calibrate_movie`] (and [`PairScreen`] with [`PixelAccumulator`] for streaming): the
//!   default, a robust photon-transfer fit over pixels.
//! - [`ReferenceEstimator`]: the Python package's `compute_conversion_gain`, step for step
//!   (= poisson-numcodecs' `SequentialCalibratePhotons`).
//! - [`raster`]: a gain and zero level per group of pixels, from per-pixel moments
//!   (poisson-numcodecs' `RasterCalibratePhotons`); [`photons`] converts levels to photons
//!   with one calibration or per-pixel maps; [`saved`] reads and writes a calibration's file
//!   and a raster calibration's maps.
//! - [`synthetic`]: movies with known gain and zero level, for tests and benchmarks.

pub mod dark_flat;
pub mod detector;
#[cfg(feature = "plot")]
pub mod detector_plot;
pub mod huber;
pub mod photon_transfer;
pub mod photons;
#[cfg(feature = "plot")]
pub mod plot;
pub mod raster;
#[cfg(feature = "plot")]
pub mod raster_plot;
pub mod reference;
pub mod saved;
pub mod source;
pub mod synthetic;

mod error;
mod fit;
mod result;
mod stats;

pub use error::CalibrationError;
pub use photon_transfer::{PairScreen, PixelAccumulator, PtcOptions, Screening, calibrate_movie};
pub use reference::{ReferenceEstimator, ReferenceResult, ReferenceStatistics};
pub use result::{Calibration, Method, PtcPoint, Warning};
pub use source::{SourceError, calibrate_source, reference_source};
