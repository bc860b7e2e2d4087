//! Image pyramids (mip levels) of 2-D to 4-D microscopy movies, volumes and label images:
//! average, mode, max and min pooling and striding, several levels from one pass over the
//! input, with the arithmetic of the Python package `tinybrain` and without its defects.
//!
//! ```
//! use anscombe_pyramid::{Method, Pyramid};
//! use ndarray::Array3;
//!
//! // A (x, y, z) volume; halve x and y, keep z, three levels at once.
//! let volume = Array3::<u16>::from_shape_fn((97, 75, 2), |(x, y, z)| (x * 300 + y * 7 + z) as u16);
//! let levels = Pyramid::new(Method::Average, &[2, 2, 1], 3)?.build(volume.view())?;
//! assert_eq!(levels[0].shape(), &[49, 38, 2]);
//! assert_eq!(levels[2].shape(), &[13, 10, 2]);
//! # Ok::<(), anscombe_pyramid::PyramidError>(())
//! ```
//!
//! # Arithmetic
//!
//! - **Edges**: along every axis a level has `ceil(n / factor)` samples; a block that runs
//!   past the end repeats the axis's last sample (tinybrain's edge replication).
//! - **Integer averages** keep the block sums in a wider integer from level to level, so a
//!   level is the mean of the original samples, truncated toward zero, not a mean of rounded
//!   means. For 8- and 16-bit samples pooled 2x2 or 2x2x2, the sums are re-scaled every fourth
//!   (2x2), eighth (2x2x2, 8-bit) or fifth (2x2x2, 16-bit) level exactly as tinybrain does, so
//!   every level matches it bit for bit; other types and factors keep exact sums throughout.
//! - **Float averages** sum in `f64`, first axis fastest (`((a + b) + c) + d` for a 2x2 block),
//!   whatever the memory order, and round once to the sample type.
//! - **Sparse averages** leave zeros out of both the sum and the count; a block of zeros is 0.
//! - **Mode pooling** compares labels by their bits. 2x2 blocks follow tinybrain's rule (`a`
//!   if it equals `b` or `c`, else `b` if it equals `c`, else `d`); other blocks take the most
//!   frequent label, ties to the first in block order (tinybrain's 2x2x2 rule). Sparse mode
//!   lets any label win over background 0. Power-of-two factors pool by 2x passes (a 4x4
//!   block is two 2x2 passes, as in tinybrain); other factors stride, as tinybrain does.
//! - **Max and min** pooling let a NaN win (NumPy's `maximum` and `minimum`).
//!
//! # Where this differs from tinybrain
//!
//! Each of these is a tinybrain defect; the fixture README of the conformance data lists them.
//!
//! - With `num_mips=1` and an odd x size, tinybrain writes the edge average into the previous
//!   column and leaves the last one 0; with odd y it reads past the plane. Here one level is
//!   the first level of a longer pyramid.
//! - tinybrain's sparse averages double the numerator on odd edges but not the denominator,
//!   and after four levels divide a re-scaled sum by an unscaled count. Here edge samples are
//!   repeated in both, and sparse sums are never re-scaled.
//! - tinybrain averages 32- and 64-bit integers over several levels in `float32`, losing
//!   everything below 2^24. Here the sums are exact (128-bit).
//! - tinybrain's 2x2x2 mode pooling assumes Fortran order and a single channel. Here results
//!   do not depend on the memory order, and any number of channels pools correctly.
//!
//! # Memory
//!
//! [`Pyramid::build`] reads C- and Fortran-ordered arrays in place and holds only the input,
//! the levels and a few rows per level. [`Pyramid::build_into`] rebuilds levels the caller
//! already holds, for pyramid after pyramid of one shape without allocating (or zeroing)
//! levels again. [`Streamer`] takes the input rows as they come, for arrays larger than memory.

#![allow(
    clippy::inline_always,
    reason = "the kernels are closures inlined into fixed-size loops: inlining is what lets \
              the compiler vectorise them, so it is asked for, not hoped for"
)]

// The modules from the bottom up; each uses only modules below it (the test
// `layering::no_module_uses_a_later_one` checks it):
// - order, lines, kernel, block, vector, accumulate, sample: memory orders, the lines a
//   stage reads and writes, the loops over them, and the arithmetic of samples and sums;
// - stage, methods::*, methods: what a stage does, one module per pooling method (none uses
//   another), and the list of methods (the public `Method` among them);
// - error, pyramid: what can go wrong, and the recipe;
// - plan, cascade, build, stream: the engine, which knows methods only through `StageOp`.
mod accumulate;
mod block;
mod build;
mod cascade;
mod error;
mod kernel;
mod lines;
mod methods;
mod order;
mod plan;
mod pyramid;
mod sample;
mod stage;
mod stream;
mod vector;

pub use cascade::LevelSink;
pub use error::{PyramidError, SinkError};
pub use methods::Method;
pub use order::MemoryOrder;
pub use pyramid::Pyramid;
pub use sample::{Kind, Sample};
pub use stream::Streamer;

use ndarray::{Array, ArrayView, Dimension};

/// tinybrain's `downsample_with_averaging(img, factor, num_mips, sparse)`.
///
/// # Errors
/// As [`Pyramid::build`].
pub fn average<T: Sample, D: Dimension>(
    input: ArrayView<'_, T, D>,
    factors: &[usize],
    levels: usize,
    sparse: bool,
) -> Result<Vec<Array<T, D>>, PyramidError> {
    Pyramid::new(Method::Average, factors, levels)?
        .sparse(sparse)?
        .build(input)
}

/// tinybrain's `downsample_segmentation(img, factor, sparse, num_mips)`.
///
/// # Errors
/// As [`Pyramid::build`].
pub fn mode<T: Sample, D: Dimension>(
    input: ArrayView<'_, T, D>,
    factors: &[usize],
    levels: usize,
    sparse: bool,
) -> Result<Vec<Array<T, D>>, PyramidError> {
    Pyramid::new(Method::Mode, factors, levels)?
        .sparse(sparse)?
        .build(input)
}

/// tinybrain's `downsample_with_max_pooling(img, factor, num_mips)`, for odd sizes too.
///
/// # Errors
/// As [`Pyramid::build`].
pub fn max_pool<T: Sample, D: Dimension>(
    input: ArrayView<'_, T, D>,
    factors: &[usize],
    levels: usize,
) -> Result<Vec<Array<T, D>>, PyramidError> {
    Pyramid::new(Method::Max, factors, levels)?.build(input)
}

/// tinybrain's `downsample_with_min_pooling(img, factor, num_mips)`, for odd sizes too.
///
/// # Errors
/// As [`Pyramid::build`].
pub fn min_pool<T: Sample, D: Dimension>(
    input: ArrayView<'_, T, D>,
    factors: &[usize],
    levels: usize,
) -> Result<Vec<Array<T, D>>, PyramidError> {
    Pyramid::new(Method::Min, factors, levels)?.build(input)
}

/// tinybrain's `downsample_with_striding(img, factor, num_mips)`.
///
/// # Errors
/// As [`Pyramid::build`].
pub fn stride<T: Sample, D: Dimension>(
    input: ArrayView<'_, T, D>,
    factors: &[usize],
    levels: usize,
) -> Result<Vec<Array<T, D>>, PyramidError> {
    Pyramid::new(Method::Stride, factors, levels)?.build(input)
}

#[cfg(test)]
mod layering {
    use std::path::Path;

    /// The layers from the bottom up. `methods::*` is every module under `methods/` but
    /// its `mod.rs`: one per pooling method, and none uses another.
    const LAYERS: [&str; 16] = [
        "order",
        "lines",
        "kernel",
        "block",
        "vector",
        "accumulate",
        "sample",
        "stage",
        "methods::*",
        "methods",
        "error",
        "pyramid",
        "plan",
        "cascade",
        "build",
        "stream",
    ];

    /// The layer of the module at `path` (`methods::mode`, say), if it has one.
    fn layer(path: &str) -> Option<usize> {
        LAYERS
            .iter()
            .position(|layer| match layer.strip_suffix('*') {
                Some(prefix) => path
                    .strip_prefix(prefix)
                    .is_some_and(|name| !name.is_empty() && !name.contains("::")),
                None => path == *layer,
            })
    }

    /// The modules the module `name` names as `crate::...` or `super::...` outside comments
    /// and unit tests (macros included: a kernel named in a macro call is used): the
    /// longest prefix of each path that is a module; "lib" for what it reaches through the
    /// crate root (its re-exports, or a `use crate::{...}` list, which this does not read).
    fn used(name: &str, source: &str) -> Vec<String> {
        let code = source.split("#[cfg(test)]").next().unwrap_or_default();
        let parent = name.rsplit_once("::").map_or("", |(parent, _)| parent);
        let mut used = Vec::new();
        for line in code.lines() {
            let line = line.split("//").next().unwrap_or_default();
            for (prefix, base) in [
                ("crate::", String::new()),
                ("super::", format!("{parent}::")),
            ] {
                for (at, _) in line.match_indices(prefix) {
                    let path: String = line[at + prefix.len()..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    let path = format!("{base}{path}");
                    let mut segments: Vec<&str> = path.split("::").collect();
                    while !segments.is_empty() && layer(&segments.join("::")).is_none() {
                        segments.pop();
                    }
                    used.push(if segments.is_empty() {
                        "lib".to_string()
                    } else {
                        segments.join("::")
                    });
                }
            }
        }
        used
    }

    /// Every module of the crate but `lib`, by name, with its source.
    fn modules() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        let mut folders = vec![root.clone()];
        while let Some(folder) = folders.pop() {
            let entries = std::fs::read_dir(&folder).expect("the crate's sources");
            for path in entries.map(|entry| entry.expect("a source entry").path()) {
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        files
            .into_iter()
            .filter_map(|path| {
                let relative = path.strip_prefix(&root).ok()?.with_extension("");
                let relative = relative.to_string_lossy().replace('\\', "/");
                let name = relative.strip_suffix("/mod").unwrap_or(&relative);
                let source = std::fs::read_to_string(&path).expect("a readable source");
                (name != "lib").then(|| (name.replace('/', "::"), source))
            })
            .collect()
    }

    #[test]
    fn no_module_uses_a_later_one() {
        let modules = modules();
        assert!(modules.len() > LAYERS.len(), "the sources were found");
        for (name, source) in &modules {
            let at = layer(name).unwrap_or_else(|| panic!("{name} is in no layer"));
            for module in used(name, source) {
                assert!(
                    layer(&module).is_some_and(|layer| layer < at),
                    "{name} uses {module}, which is not in a layer below it (nor through lib's \
                     re-exports)"
                );
            }
        }
    }

    #[test]
    fn the_check_sees_what_it_should() {
        assert_eq!(
            used("stage", "use crate::lines::Bands; // crate::plan"),
            ["lines"]
        );
        assert_eq!(
            used("plan", "crate::methods::average::f(crate::Method)"),
            ["methods::average", "lib"]
        );
        assert_eq!(used("plan", "use crate::{lines, stage};"), ["lib"]);
        assert_eq!(
            used("methods::mode", "use super::average::Overflow;"),
            ["methods::average"]
        );
        // One method's module may not use another's: they share a layer.
        assert_eq!(layer("methods::mode"), layer("methods::average"));
        assert!(layer("methods").is_some_and(|at| Some(at) > layer("methods::mode")));
        assert_eq!(layer("methods::"), None);
        assert_eq!(layer("methods::mode::inner"), None);
    }
}
