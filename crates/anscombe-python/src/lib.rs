//! The Rust side of the `anscombe` Python package (`pip install ./crates/anscombe-python`).
//!
//! The package gives NumPy, zarr-python, numcodecs and Dask users the workspace's codecs
//! (`anscombe-transform`, `anscombe-v1`, the `anscombe-context` entropy stage), its
//! calibrations, the error check, pyramids, backgrounds and detector correction. The Python
//! modules in `python/anscombe/` hold the user-facing API, the zarr-python and numcodecs codec
//! classes, the drop-in modules for the reference packages and the Dask helpers; they call the
//! native module `anscombe._anscombe` that this crate builds.
//!
//! The bindings are behind the `python` feature, which maturin turns on: without it the crate
//! is plain Rust (what its unit tests check), so `cargo build --workspace` and `cargo test
//! --workspace` need neither a Python interpreter nor libpython.

pub mod params;
pub mod verify;

#[cfg(feature = "python")]
mod python;
