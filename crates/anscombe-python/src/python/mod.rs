//! The native module `anscombe._anscombe`: thin `PyO3` bindings over the workspace's crates.
//! Kernels run with the interpreter detached (other Python threads, Dask's among them, go on),
//! and read NumPy arrays in place when they are C-contiguous and of a supported type.
#![allow(
    clippy::needless_pass_by_value,
    reason = "PyO3 hands functions their arguments as owned values (extracted vectors, array borrows)"
)]

mod arrays;
mod calibrate;
mod codec;
mod images;
mod poisson;

use pyo3::prelude::*;

/// Registers the module's classes and functions.
#[pymodule]
fn _anscombe(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    codec::register(m)?;
    calibrate::register(m)?;
    images::register(m)?;
    poisson::register(m)?;
    Ok(())
}
