//! The `poisson` codec of poisson-numcodecs 0.1.0 (numcodecs id `poisson`), exact to the bit,
//! in both of its modes, with an analysis of its defects.
//!
//! The reference re-quantises photon-limited samples through the Anscombe transform with a
//! step of `beta` noise standard deviations, like `anscombe-v1`, but its arithmetic differs:
//!
//! - **Lookup mode** (`use_lookup: true`, the default) builds a forward table over the levels
//!   `0..=iinfo(decoded_dtype).max` and an inverse table from `np.unique` of it, plus a ramp
//!   correction; decoding indexes the inverse table with the code's value.
//! - **Formula mode** (`use_lookup: false`) evaluates its own forward and inverse formulas on
//!   every sample; its codes are 2 or 3 above lookup mode's, so the modes do not mix.
//!
//! Both end in NumPy's float-to-integer cast, which wraps. Reading reproduces the reference
//! bit for bit, defects included, because that is what stored data means today; the defects
//! ([`Quirk`]) are analysed once per configuration so that whoever reads can say what they
//! cost. Writing ([`PoissonCodec::encoder`]) refuses every configuration with which the
//! reference would lose data, naming the nearest safe choice ([`SafeChoice`]). The
//! specification is `spec/poisson-codec.md`.
//!
//! The module needs the `alloc` feature: lookup mode is its tables.

mod codec;
mod error;
mod params;
mod quirks;
mod rule;
mod table;

pub use codec::{PoissonCodec, PoissonEncoder};
pub use error::{PoissonConfigError, PoissonEncoderError, PoissonInputError, PoissonRefusal};
pub use params::PoissonParams;
pub use quirks::{CodeWrap, DecodeOverflow, Quirk, RampOverflow, RankDecode, SafeChoice};
pub use rule::PoissonRule;
pub use table::LookupTable;
