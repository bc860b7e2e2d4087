//! How a stage maps its input rows to an output row: the block's offsets in combination
//! order, and the input lines each output line reads.
//!
//! A stage turns `f0` rows of its input (slabs along the outermost axis in memory) into one
//! row of output. Every output line (a run along the last axis) reads one input line per
//! block offset. Blocks that run past the end of an axis repeat its last element (edge
//! replication, as tinybrain does).

use crate::lines::{LINES_IN_FLIGHT, LineSources};

/// One element position inside a pooling block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Offset {
    /// Which of the `f0` input rows.
    pub(crate) row: usize,
    /// The offset along each axis inside a row.
    pub(crate) inner: Vec<usize>,
}

/// How a stage maps input rows to an output row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// Rows reduced into one (the factor of the outermost axis).
    pub(crate) f0: usize,
    /// Shape of an input row.
    pub(crate) in_inner: Vec<usize>,
    /// Shape of an output row.
    pub(crate) out_inner: Vec<usize>,
    /// Factors of the axes inside a row.
    pub(crate) factors: Vec<usize>,
    /// Block offsets in the order values are combined.
    pub(crate) offsets: Vec<Offset>,
    in_strides: Vec<usize>,
    /// Where each offset's input line starts relative to its block's first line, for blocks
    /// that do not run past an edge (most of them).
    line_deltas: Vec<usize>,
}

impl Block {
    /// A block for rows of `in_inner` with `factors` (outermost first) whose offsets are
    /// visited with the axis `fastest` varying fastest; `first_only` keeps just the block's
    /// first element (striding).
    pub(crate) fn new(
        f0: usize,
        in_inner: &[usize],
        factors: &[usize],
        outer_fastest: bool,
        first_only: bool,
    ) -> Self {
        let out_inner = in_inner
            .iter()
            .zip(factors)
            .map(|(&n, &f)| n.div_ceil(f))
            .collect();
        let mut in_strides = vec![1; in_inner.len()];
        for j in (0..in_inner.len().saturating_sub(1)).rev() {
            in_strides[j] = in_strides[j + 1] * in_inner[j + 1];
        }
        let radices: Vec<usize> = std::iter::once(f0).chain(factors.iter().copied()).collect();
        let count = if first_only {
            1
        } else {
            radices.iter().product()
        };
        let offsets: Vec<Offset> = (0..count)
            .map(|p| {
                let digits = mixed_radix(p, &radices, outer_fastest);
                Offset {
                    row: digits[0],
                    inner: digits[1..].to_vec(),
                }
            })
            .collect();
        let outer = in_inner.len().saturating_sub(1);
        let line_deltas = offsets
            .iter()
            .map(|o: &Offset| (0..outer).map(|j| o.inner[j] * in_strides[j]).sum())
            .collect();
        Block {
            f0,
            in_inner: in_inner.to_vec(),
            out_inner,
            factors: factors.to_vec(),
            offsets,
            in_strides,
            line_deltas,
        }
    }

    /// Samples in an output row.
    pub(crate) fn out_len(&self) -> usize {
        self.out_inner.iter().product()
    }

    /// Calls `visit(lines)` with the output lines from line `from` on in groups of up to
    /// `group` (at most [`LINES_IN_FLIGHT`]), each as `(out_start, sources)` with one `(input
    /// line, offset along the line)` per block offset, in combination order. A group is lines
    /// `i`, `i + q`, `i + 2q`, ... of the `n` lines walked, `q = ceil(n / group)`, so kernels
    /// that take a whole group at once read streams far apart in memory; the last groups of
    /// an uneven count are smaller. Groups of one visit the lines in order.
    #[inline]
    pub(crate) fn for_each_line_group<'a, S>(
        &self,
        rows: &[&'a [S]],
        group: usize,
        from: usize,
        mut visit: impl FnMut(&[LineSources<'_, 'a, S>]),
    ) {
        let lines = self.lines();
        let width = self.line_width();
        // Nothing allocated when no line is left (the everyday 2x2 block takes every line of
        // most rows without source lists, and small frames have many rows).
        if self.in_inner.is_empty() || width == 0 || from >= lines {
            return;
        }
        let mut index = Vec::new();
        let mut sources: [Vec<(&'a [S], usize)>; LINES_IN_FLIGHT] =
            std::array::from_fn(|_| Vec::with_capacity(self.offsets.len()));
        if group <= 1 {
            for line in from..lines {
                self.line_sources(rows, line, &mut index, &mut sources[0]);
                visit(&[(line * width, &sources[0])]);
            }
            return;
        }
        let stride = lines
            .saturating_sub(from)
            .div_ceil(group.min(LINES_IN_FLIGHT));
        for first in from..from + stride {
            let mut count = 0;
            for (member, line) in (first..lines).step_by(stride).enumerate() {
                self.line_sources(rows, line, &mut index, &mut sources[member]);
                count += 1;
            }
            let group: [LineSources<'_, 'a, S>; LINES_IN_FLIGHT] = std::array::from_fn(|member| {
                ((first + member * stride) * width, &sources[member][..])
            });
            visit(&group[..count]);
        }
    }

    /// The input lines of output line `line` (counted in C order over the row's lines), one
    /// `(line, offset along it)` per block offset, into `sources`.
    fn line_sources<'a, S>(
        &self,
        rows: &[&'a [S]],
        line: usize,
        index: &mut Vec<usize>,
        sources: &mut Vec<(&'a [S], usize)>,
    ) {
        let outer = self.in_inner.len() - 1;
        let line_in = self.in_inner[outer];
        // The line's position along each axis but the last, worked out once for all offsets.
        index.resize(outer.max(1), 0);
        let mut rest = line;
        for j in (1..outer).rev() {
            index[j] = rest % self.out_inner[j];
            rest /= self.out_inner[j];
        }
        index[0] = rest;
        let (mut first, mut inside) = (0, true);
        let axes = (self.factors.iter())
            .zip(&self.in_strides)
            .zip(&self.in_inner)
            .take(outer);
        for (&i, ((&f, &stride), &n)) in index.iter().zip(axes) {
            first += i * f * stride;
            inside &= i * f + f <= n;
        }
        sources.clear();
        for (offset, &delta) in self.offsets.iter().zip(&self.line_deltas) {
            let start: usize = if inside {
                first + delta
            } else {
                // The block runs past an edge: its last sample along that axis repeats.
                (0..outer)
                    .map(|j| {
                        let at = (index[j] * self.factors[j] + offset.inner[j])
                            .min(self.in_inner[j] - 1);
                        at * self.in_strides[j]
                    })
                    .sum()
            };
            sources.push((
                &rows[offset.row][start..start + line_in],
                offset.inner[outer],
            ));
        }
    }

    /// Output lines in a row.
    pub(crate) fn lines(&self) -> usize {
        self.out_inner[..self.in_inner.len().saturating_sub(1)]
            .iter()
            .product()
    }

    /// Whether this is the everyday block of rows with two axes, 2 x 2 inside a row and
    /// nothing along the outer axis: output line `j` reads input lines `2j` and `2j + 1`,
    /// a sample pair from each.
    pub(crate) fn pairs_lines(&self) -> bool {
        self.f0 == 1 && self.factors == [2, 2] && self.offsets.len() == 4
    }

    /// Whether this is the 2x1 block of rows with two axes that adds lines `2j` and `2j + 1`
    /// into output line `j`, value by value: the everyday 2x2 block over carries already
    /// summed in pairs along the line (see `plan::pair_carries`).
    pub(crate) fn adds_lines(&self) -> bool {
        self.f0 == 1 && self.factors == [2, 1] && self.offsets.len() == 2
    }

    /// Output samples per line.
    pub(crate) fn line_width(&self) -> usize {
        self.out_inner.last().copied().unwrap_or(1)
    }

    /// The factor along output lines.
    pub(crate) fn line_factor(&self) -> usize {
        self.factors.last().copied().unwrap_or(1)
    }
}

/// The digits of `p` in the mixed radix `radices`, first digit fastest or last digit fastest.
fn mixed_radix(mut p: usize, radices: &[usize], first_fastest: bool) -> Vec<usize> {
    let mut digits = vec![0; radices.len()];
    let order: Vec<usize> = if first_fastest {
        (0..radices.len()).collect()
    } else {
        (0..radices.len()).rev().collect()
    };
    for axis in order {
        digits[axis] = p % radices[axis];
        p /= radices[axis];
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_the_requested_axis_order() {
        let c = Block::new(2, &[4], &[2], true, false);
        let order: Vec<(usize, usize)> = c.offsets.iter().map(|o| (o.row, o.inner[0])).collect();
        assert_eq!(order, [(0, 0), (1, 0), (0, 1), (1, 1)]);
        let f = Block::new(2, &[4], &[2], false, false);
        let order: Vec<(usize, usize)> = f.offsets.iter().map(|o| (o.row, o.inner[0])).collect();
        assert_eq!(order, [(0, 0), (0, 1), (1, 0), (1, 1)]);
    }

    #[test]
    fn only_the_everyday_block_pairs_lines() {
        assert!(Block::new(1, &[3, 5], &[2, 2], true, false).pairs_lines());
        assert!(Block::new(1, &[3, 5], &[2, 2], false, false).pairs_lines());
        assert!(!Block::new(2, &[3, 5], &[2, 2], true, false).pairs_lines());
        assert!(!Block::new(1, &[3, 5], &[2, 2], true, true).pairs_lines());
        assert!(!Block::new(1, &[3, 5, 4], &[2, 2, 1], true, false).pairs_lines());
        assert!(!Block::new(1, &[3, 5], &[2, 3], true, false).pairs_lines());
    }

    #[test]
    fn lines_walk_every_output_position() {
        // rows of 3 x 5, factors 2 x 2: output rows of 2 x 3 = 2 lines of 3, one group.
        let block = Block::new(1, &[3, 5], &[2, 2], true, false);
        let row: Vec<u8> = (0..15).collect();
        let mut groups = Vec::new();
        block.for_each_line_group(&[&row], LINES_IN_FLIGHT, 0, |lines| {
            groups.push(
                lines
                    .iter()
                    .map(|(start, sources)| {
                        let firsts: Vec<(u8, usize)> =
                            sources.iter().map(|(s, d)| (s[0], *d)).collect();
                        (*start, firsts)
                    })
                    .collect::<Vec<_>>(),
            );
        });
        assert_eq!(
            groups,
            [[
                (0, vec![(0, 0), (5, 0), (0, 1), (5, 1)]),
                (3, vec![(10, 0), (10, 0), (10, 1), (10, 1)]),
            ]]
        );
        // Ten lines in groups of four: a stride of 3, so (0, 3, 6, 9), (1, 4, 7), (2, 5, 8).
        let block = Block::new(1, &[20, 4], &[2, 2], true, false);
        let row: Vec<u8> = (0..80).collect();
        let mut starts = Vec::new();
        block.for_each_line_group(&[&row], LINES_IN_FLIGHT, 0, |lines| {
            starts.push(
                lines
                    .iter()
                    .map(|(start, _)| *start / 2)
                    .collect::<Vec<_>>(),
            );
        });
        assert_eq!(starts, [vec![0, 3, 6, 9], vec![1, 4, 7], vec![2, 5, 8]]);
        // Groups of one: every line alone, in order.
        let mut order = Vec::new();
        block.for_each_line_group(&[&row], 1, 0, |lines| {
            order.extend(lines.iter().map(|(start, _)| *start / 2));
        });
        assert_eq!(order, (0..10).collect::<Vec<_>>());
    }
}
