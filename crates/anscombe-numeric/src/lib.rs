//! NumPy's and SciPy's arithmetic, step for step, where a Python reference's results depend on
//! it: the calibration and background crates reproduce `anscombe-transform`, `detectorcal` and
//! `dcnum` to the last bit, and those round as NumPy rounds.
//!
//! - [`sum`]: NumPy's pairwise summation, and the means and variances built on it (a plain
//!   loop rounds differently once there are more than eight values).
//! - [`order`]: medians, the linear quantile, the median absolute deviation, and SciPy's 1-D
//!   median filter in `reflect` mode.
//! - [`grid`]: `linspace`, `arange`, and the nearest point of a grid.
//!
//! Every function says which NumPy or SciPy call it reproduces; the tests pin the values
//! NumPy 2.4 and SciPy 1.17 give (`tests/python/pins.py` prints them).
//!
//! ```
//! // NumPy: np.sum(np.arange(1, 201) * 0.1) == 2010.0; a loop in order gives 2010.0000000000002.
//! let tenths: Vec<f64> = (1..=200).map(|i| f64::from(i) * 0.1).collect();
//! assert_eq!(anscombe_numeric::pairwise_sum(&tenths), 2010.0);
//! ```

pub mod grid;
pub mod order;
pub mod sum;

pub use grid::{arange, linspace, nearest};
pub use order::{median, median_abs_deviation, median_filter_reflect, quantile};
pub use sum::{mean, pairwise_sum, variance};
