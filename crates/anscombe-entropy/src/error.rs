//! Why bytes could not be decoded. Every malformed input is one of these, never a panic.

/// A stream that is not a valid encoding of the expected chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The stream ends before its header or data do.
    #[error("the stream is truncated ({0})")]
    Truncated(&'static str),
    /// Not this codec's magic bytes.
    #[error("not an anscombe-context stream (bad magic bytes)")]
    Magic,
    /// A format version this build does not know.
    #[error("format version {0} is not supported (this build reads versions 1 and 2)")]
    Version(u8),
    /// The stream holds another sample width or shape than the chunk.
    #[error("the stream holds {found}, the chunk is {expected}")]
    Mismatch {
        /// What the chunk is.
        expected: alloc::string::String,
        /// What the stream says.
        found: alloc::string::String,
    },
    /// A frequency table that does not describe a distribution.
    #[error("corrupt frequency table for context {0}")]
    Table(usize),
    /// The coded data do not decode consistently.
    #[error("corrupt data: {0}")]
    Corrupt(&'static str),
}

/// Samples that cannot be encoded as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The sample count is not the product of the dimensions.
    #[error("{samples} samples do not fill a chunk of {frames} x {rows} x {width}")]
    Length {
        /// Samples given.
        samples: usize,
        /// Frames of the chunk.
        frames: usize,
        /// Rows per frame.
        rows: usize,
        /// Samples per row.
        width: usize,
    },
    /// A format version this build does not write.
    #[error("format version {0} is not one this build writes (1 or 2)")]
    Version(u8),
    /// A chunk beyond what the format records (2^31 - 1 samples).
    #[error("a chunk of {0} samples exceeds the format's limit of 2147483647")]
    TooLarge(usize),
}
