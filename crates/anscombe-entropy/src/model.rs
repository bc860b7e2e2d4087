//! What the coder predicts and in which context, shared by the encoder and the decoder so the
//! two cannot drift apart.
//!
//! Frames after a chunk's first are predicted from each pixel's own history: an exponential
//! moving average (weight 1/4 for the newest frame, 4 fractional bits), which for shot-noise
//! codes beats the previous frame alone (it averages the noise away). A chunk's first frame is
//! predicted spatially, from the sample above (the left one in its first row). The context of a
//! pixel is the predicted level (capped at 15) and the local activity: absolute residuals of
//! neighbours that the decoder already knows, chosen so that no sample's context waits for the
//! sample just before it (the decoder's critical path stays the entropy coder's alone).

/// Contexts: two frame kinds (first or later), 16 levels, 8 activity classes.
pub(crate) const CONTEXTS: usize = 2 * 16 * 8;

/// Residuals folded to symbols at or above this are escaped: the sample is stored raw.
pub(crate) const ESCAPE: u32 = 255;

/// Shape of a chunk as the coder sees it: frames of rows of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    /// Frames (the first axis of 3-D and higher chunks; 1 otherwise).
    pub frames: usize,
    /// Rows per frame (the middle axes multiplied; the first axis of a 2-D chunk).
    pub rows: usize,
    /// Samples per row (the last axis).
    pub width: usize,
}

impl Dims {
    /// The frames, rows and width of a chunk of `shape`: 3-D and higher chunks are
    /// `(frames, rows..., width)`, 2-D chunks one frame of `(rows, width)`, 1-D chunks one row.
    pub fn from_shape(shape: &[u64]) -> Dims {
        let dim = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        match shape {
            [] => Dims {
                frames: 1,
                rows: 1,
                width: 1,
            },
            [w] => Dims {
                frames: 1,
                rows: 1,
                width: dim(*w),
            },
            [h, w] => Dims {
                frames: 1,
                rows: dim(*h),
                width: dim(*w),
            },
            [t, middle @ .., w] => Dims {
                frames: dim(*t),
                rows: middle.iter().fold(1usize, |a, &n| a.saturating_mul(dim(n))),
                width: dim(*w),
            },
        }
    }

    /// Samples in the chunk (saturating).
    pub fn len(&self) -> usize {
        self.frames
            .saturating_mul(self.rows)
            .saturating_mul(self.width)
    }

    /// Whether the chunk has no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Activity classes of the summed absolute residuals of the left and upper neighbours:
/// 0, 1, 2, 3-4, 5-7, 8-11, 12-19, 20 and more: the class is the number of these lower bounds
/// (after the first) that the activity reaches.
const CLASS_BOUNDS: [u32; 7] = [1, 2, 3, 5, 8, 12, 20];

/// The context of a pixel from its frame kind (0 first, 1 later), prediction and the summed
/// activity of its neighbours. Comparisons rather than a table, so a row's contexts vectorise.
#[inline]
fn context(kind: usize, prediction: i32, activity: u32) -> usize {
    let level = prediction.clamp(0, 15) as usize;
    let class: usize = CLASS_BOUNDS
        .iter()
        .map(|&bound| usize::from(activity >= bound))
        .sum();
    (kind * 16 + level) * 8 + class
}

/// A sample's absolute residual, saturated to 16 bits.
#[inline]
fn residual(sample: u16, prediction: i32) -> u16 {
    (i32::from(sample) - prediction)
        .unsigned_abs()
        .min(u32::from(u16::MAX)) as u16
}

/// What the encoder and the decoder do at each sample of the walk.
pub(crate) trait Visit {
    /// Gets the sample at `index` (in storage order) with its prediction and context, and
    /// gives it back for the model to learn. Used where a sample's context waits for the
    /// sample before it (the first row of a chunk).
    fn visit(&mut self, index: usize, prediction: i32, context: usize) -> u16;

    /// Gets a whole row from `start` on (in storage order), whose predictions and contexts are
    /// all known beforehand, and gives its samples back in `samples`. Rows after a chunk's
    /// first take this path, so a coder can work on a row's symbols in a tight loop of their
    /// own (the default visits one sample after the other).
    #[inline(always)]
    fn visit_row(
        &mut self,
        start: usize,
        predictions: &[i32],
        contexts: &[u16],
        samples: &mut [u16],
    ) {
        for (x, ((&prediction, &context), sample)) in predictions
            .iter()
            .zip(contexts)
            .zip(samples.iter_mut())
            .enumerate()
        {
            *sample = self.visit(start + x, prediction, usize::from(context));
        }
    }
}

/// Walks a chunk in storage order: for each sample, `visitor` gets its index, prediction and
/// context and gives back the sample, which the model then learns. The encoder and the decoder
/// both run this one walk, so they see the same predictions by construction.
///
/// The model (`spec/anscombe-context-codec.md` is normative):
/// - later frames: the prediction is the pixel's running average (kept times 16,
///   `a += (16 s - a) >> 2`, read as `(a + 8) >> 4`); the activity is the pixel's own absolute
///   residual in the previous frame plus that of the pixel above in this frame;
/// - the first frame, first row: the left sample predicts (0 for the first), the left residual
///   is the activity;
/// - the first frame, other rows: the sample above predicts; the residuals above and above
///   left (above, in the first column) are the activity.
///
/// Every row but the chunk's first is done in three passes, each a simple loop over the row:
/// its predictions and contexts (from earlier frames and the row above), the visitor's row,
/// then what the model learns from the row's samples.
#[inline(always)]
pub(crate) fn walk(dims: Dims, visitor: &mut impl Visit) {
    let width = dims.width;
    let frame_len = dims.rows * width;
    if frame_len == 0 {
        return;
    }
    // Per pixel: the running average times 16 (in the first frame, the sample times 16).
    let mut average = alloc::vec![0i32; frame_len];
    // Per pixel: this frame's absolute residual, after a leading row of zeros for "no row above".
    let mut activity = alloc::vec![0u16; frame_len + width];
    // One row's predictions, contexts and samples.
    let mut predictions = alloc::vec![0i32; width];
    let mut contexts = alloc::vec![0u16; width];
    let mut samples = alloc::vec![0u16; width];
    for frame in 0..dims.frames {
        let base = frame * frame_len;
        for y in 0..dims.rows {
            let row = y * width;
            let (above, current) = activity.split_at_mut(row + width);
            let above = &above[row..];
            let current = &mut current[..width];
            if frame == 0 && y == 0 {
                // The first row: the left sample predicts, and the left residual is the
                // activity.
                let mut left = 0u16;
                let mut previous = 0;
                for x in 0..width {
                    let prediction = previous;
                    let ctx = context(0, prediction, u32::from(left));
                    let sample = visitor.visit(base + x, prediction, ctx);
                    left = residual(sample, prediction);
                    current[x] = left;
                    average[x] = i32::from(sample) << 4;
                    previous = i32::from(sample);
                }
            } else if frame == 0 {
                // Later rows: the sample above predicts (its average is 16 times it), and the
                // residuals above and above left are the activity, so that no sample waits
                // for its left neighbour.
                let (up, here) = average.split_at_mut(row);
                let up = &up[row - width..];
                let here = &mut here[..width];
                for x in 0..width {
                    let prediction = up[x] >> 4;
                    let near = u32::from(above[x]) + u32::from(above[x.saturating_sub(1)]);
                    predictions[x] = prediction;
                    contexts[x] = context(0, prediction, near) as u16;
                }
                visitor.visit_row(base + row, &predictions, &contexts, &mut samples);
                for (((act, avg), &sample), &prediction) in current
                    .iter_mut()
                    .zip(here.iter_mut())
                    .zip(&samples)
                    .zip(&predictions)
                {
                    *act = residual(sample, prediction);
                    *avg = i32::from(sample) << 4;
                }
            } else {
                let averages = &mut average[row..row + width];
                for ((((prediction, context_out), avg), up), act) in predictions
                    .iter_mut()
                    .zip(contexts.iter_mut())
                    .zip(averages.iter())
                    .zip(above)
                    .zip(current.iter())
                {
                    *prediction = (*avg + 8) >> 4;
                    *context_out = context(1, *prediction, u32::from(*act) + u32::from(*up)) as u16;
                }
                visitor.visit_row(base + row, &predictions, &contexts, &mut samples);
                for (((act, avg), &sample), &prediction) in current
                    .iter_mut()
                    .zip(averages.iter_mut())
                    .zip(&samples)
                    .zip(&predictions)
                {
                    *act = residual(sample, prediction);
                    *avg += ((i32::from(sample) << 4) - *avg) >> 2;
                }
            }
        }
    }
}

/// A residual folded onto the naturals: 0, -1, 1, -2, 2, ... become 0, 1, 2, 3, 4, ...
#[inline]
pub(crate) fn fold(residual: i32) -> u32 {
    if residual >= 0 {
        (residual as u32) << 1
    } else {
        ((-(residual + 1)) as u32) << 1 | 1
    }
}

/// The residual of a folded symbol.
#[inline]
pub(crate) fn unfold(symbol: u32) -> i32 {
    if symbol & 1 == 0 {
        (symbol >> 1) as i32
    } else {
        -((symbol >> 1) as i32) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_round_trips() {
        for r in -70_000..70_000 {
            assert_eq!(unfold(fold(r)), r);
        }
        assert_eq!([0, -1, 1, -2, 2].map(fold), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn shapes_become_frames_rows_and_width() {
        assert_eq!(
            Dims::from_shape(&[10, 4, 3, 5]),
            Dims {
                frames: 10,
                rows: 12,
                width: 5
            }
        );
        assert_eq!(
            Dims::from_shape(&[4, 5]),
            Dims {
                frames: 1,
                rows: 4,
                width: 5
            }
        );
        assert_eq!(
            Dims::from_shape(&[7]),
            Dims {
                frames: 1,
                rows: 1,
                width: 7
            }
        );
    }
}
