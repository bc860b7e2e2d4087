//! The pooling methods a recipe names.

use std::fmt;

/// How a block of samples becomes one sample of the next level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// The mean of the block (images). Integers keep a wide running sum across levels, so a
    /// level is the truncated mean of the original samples, not a mean of rounded means.
    Average,
    /// The most frequent value of the block (label images). Power-of-two factors pool by
    /// repeated 2x passes; other factors take the block's first sample, as tinybrain does.
    Mode,
    /// The largest value of the block (a NaN wins).
    Max,
    /// The smallest value of the block (a NaN wins).
    Min,
    /// The block's first sample.
    Stride,
}

impl Method {
    /// The method's name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Average => "average",
            Method::Mode => "mode",
            Method::Max => "max",
            Method::Min => "min",
            Method::Stride => "stride",
        }
    }

    /// Whether the method has a sparse mode (zeros as background).
    pub(crate) fn has_sparse_mode(self) -> bool {
        matches!(self, Method::Average | Method::Mode)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
