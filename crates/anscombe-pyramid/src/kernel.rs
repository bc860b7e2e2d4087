//! The loops every pooling method runs: passes along one line, or a group of lines in
//! lockstep, that apply a method's closure to each output value and its input values.
//!
//! Inside a row the last axis is contiguous; every output line (a run along that axis) is
//! computed by one pass per block offset over a contiguous or strided input line, in
//! fixed-size chunks the compiler vectorises. Blocks that run past the end of a line repeat
//! its last element (edge replication, as tinybrain does).

use crate::lines::Sources;

/// Outputs per step of the vectorised loops: a fixed-size inner loop the compiler turns
/// into SIMD instructions for every sample width.
const LANES: usize = 16;

/// Full chunks all lines of a group have: `LANES` outputs and `LANES * f` inputs each.
fn group_chunks<S, A>(src: &[&[S]], out: &[&mut [A]], f: usize) -> usize {
    src.iter()
        .map(|s| s.len() / (f * LANES))
        .chain(out.iter().map(|o| o.len() / LANES))
        .min()
        .unwrap_or(0)
}

/// Applies `apply(out[i], src[i * f + d])` along one line, the last block of a short line
/// taking the line's last element.
#[inline(always)]
pub(crate) fn line_pass<S: Copy, A: Copy>(
    src: &[S],
    d: usize,
    f: usize,
    out: &mut [A],
    apply: impl Fn(&mut A, S),
) {
    let n = src.len();
    let full = (n / f).min(out.len());
    let done = match (f, d) {
        (1, _) => {
            let (outs, _) = out[..full].as_chunks_mut::<LANES>();
            let (ins, _) = src.as_chunks::<LANES>();
            for (o, s) in outs.iter_mut().zip(ins) {
                let (s, mut r) = (*s, *o);
                for k in 0..LANES {
                    apply(&mut r[k], s[k]);
                }
                *o = r;
            }
            outs.len() * LANES
        }
        (2, 0 | 1) => {
            let (outs, _) = out[..full].as_chunks_mut::<LANES>();
            let (ins, _) = src.as_chunks::<{ 2 * LANES }>();
            if d == 0 {
                for (o, s) in outs.iter_mut().zip(ins) {
                    let (s, mut r) = (*s, *o);
                    for k in 0..LANES {
                        apply(&mut r[k], s[2 * k]);
                    }
                    *o = r;
                }
            } else {
                for (o, s) in outs.iter_mut().zip(ins) {
                    let (s, mut r) = (*s, *o);
                    for k in 0..LANES {
                        apply(&mut r[k], s[2 * k + 1]);
                    }
                    *o = r;
                }
            }
            outs.len() * LANES
        }
        _ => 0,
    };
    for (a, block) in out[done..full]
        .iter_mut()
        .zip(src[done * f..].chunks_exact(f))
    {
        apply(a, block[d]);
    }
    if f > 1 && out.len() > full && n > 0 {
        apply(&mut out[full], src[(full * f + d).min(n - 1)]);
    }
}

/// Applies `apply(out[i], src[2i], src[2i + 1])` along one line pooled by 2, the last
/// block of an odd line taking its last element twice.
#[inline(always)]
pub(crate) fn pair_pass<S: Copy, A: Copy>(src: &[S], out: &mut [A], apply: impl Fn(&mut A, S, S)) {
    let n = src.len();
    let full = (n / 2).min(out.len());
    let (outs, _) = out[..full].as_chunks_mut::<LANES>();
    let (ins, _) = src.as_chunks::<{ 2 * LANES }>();
    for (o, s) in outs.iter_mut().zip(ins) {
        // Whole chunks through locals: nothing for the compiler to prove about aliasing.
        let (s, mut r) = (*s, *o);
        for k in 0..LANES {
            apply(&mut r[k], s[2 * k], s[2 * k + 1]);
        }
        *o = r;
    }
    let done = outs.len() * LANES;
    for (a, pair) in out[done..full]
        .iter_mut()
        .zip(src[2 * done..].chunks_exact(2))
    {
        apply(a, pair[0], pair[1]);
    }
    if out.len() > full && n > 0 {
        let last = src[n - 1];
        apply(&mut out[full], last, last);
    }
}

/// Applies `apply(out[i], with[i], src[2i], src[2i + 1])`: [`pair_pass`] that also takes a
/// line of earlier results (the first line's pair sums, say), which it may update, and
/// writes another type.
#[inline(always)]
pub(crate) fn pair_pass_with<S: Copy, P: Copy, A: Copy>(
    src: &[S],
    with: &mut [P],
    out: &mut [A],
    apply: impl Fn(&mut A, &mut P, S, S),
) {
    let n = src.len();
    let full = (n / 2).min(out.len()).min(with.len());
    let (outs, _) = out[..full].as_chunks_mut::<LANES>();
    let (ins, _) = src.as_chunks::<{ 2 * LANES }>();
    let (earlier, _) = with.as_chunks_mut::<LANES>();
    for ((o, s), w) in outs.iter_mut().zip(ins).zip(earlier) {
        let (s, mut v, mut r) = (*s, *w, *o);
        for k in 0..LANES {
            apply(&mut r[k], &mut v[k], s[2 * k], s[2 * k + 1]);
        }
        (*o, *w) = (r, v);
    }
    let done = outs.len() * LANES;
    for ((a, pair), w) in out[done..full]
        .iter_mut()
        .zip(src[2 * done..].chunks_exact(2))
        .zip(&mut with[done..])
    {
        apply(a, w, pair[0], pair[1]);
    }
    if out.len() > full && n > 0 && with.len() > full {
        let last = src[n - 1];
        apply(&mut out[full], &mut with[full], last, last);
    }
}

/// [`pair_pass`] on a group of lines in lockstep (see
/// [`LINES_IN_FLIGHT`](crate::lines::LINES_IN_FLIGHT)).
#[inline(always)]
pub(crate) fn pair_pass_group<S: Copy, A: Copy, const N: usize>(
    src: [&[S]; N],
    mut out: [&mut [A]; N],
    apply: impl Fn(&mut A, S, S) + Copy,
) {
    let chunks = group_chunks(&src, &out, 2);
    {
        let ins = src.map(|s| s.as_chunks::<{ 2 * LANES }>().0);
        let mut outs = out.each_mut().map(|o| o.as_chunks_mut::<LANES>().0);
        for c in 0..chunks {
            for (o, s) in outs.iter_mut().zip(&ins) {
                // Whole chunks through locals: nothing for the compiler to prove about aliasing.
                let (s, mut r) = (s[c], o[c]);
                for k in 0..LANES {
                    apply(&mut r[k], s[2 * k], s[2 * k + 1]);
                }
                o[c] = r;
            }
        }
    }
    let done = chunks * LANES;
    for (s, o) in src.into_iter().zip(out) {
        pair_pass(&s[2 * done..], &mut o[done..], apply);
    }
}

/// [`pair_pass_with`] on a group of lines in lockstep (see
/// [`LINES_IN_FLIGHT`](crate::lines::LINES_IN_FLIGHT)).
#[inline(always)]
pub(crate) fn pair_pass_with_group<S: Copy, P: Copy, A: Copy, const N: usize>(
    src: [&[S]; N],
    mut with: [&mut [P]; N],
    mut out: [&mut [A]; N],
    apply: impl Fn(&mut A, &mut P, S, S) + Copy,
) {
    let chunks =
        group_chunks(&src, &out, 2).min(with.iter().map(|w| w.len() / LANES).min().unwrap_or(0));
    {
        let ins = src.map(|s| s.as_chunks::<{ 2 * LANES }>().0);
        let mut earlier = with.each_mut().map(|w| w.as_chunks_mut::<LANES>().0);
        let mut outs = out.each_mut().map(|o| o.as_chunks_mut::<LANES>().0);
        for c in 0..chunks {
            for ((o, s), w) in outs.iter_mut().zip(&ins).zip(&mut earlier) {
                let (s, mut v, mut r) = (s[c], w[c], o[c]);
                for k in 0..LANES {
                    apply(&mut r[k], &mut v[k], s[2 * k], s[2 * k + 1]);
                }
                (o[c], w[c]) = (r, v);
            }
        }
    }
    let done = chunks * LANES;
    for ((s, w), o) in src.into_iter().zip(with).zip(out) {
        pair_pass_with(&s[2 * done..], &mut w[done..], &mut o[done..], apply);
    }
}

/// Applies `apply(out[i], a[i], b[i])` on a group of line pairs in lockstep (see
/// [`LINES_IN_FLIGHT`](crate::lines::LINES_IN_FLIGHT)): the 2x1 block over carries
/// already summed in pairs along the line (see
/// [`Block::adds_lines`](crate::block::Block::adds_lines)).
#[inline(always)]
pub(crate) fn add_pass_group<S: Copy, A: Copy, const N: usize>(
    a: [&[S]; N],
    b: [&[S]; N],
    mut out: [&mut [A]; N],
    apply: impl Fn(&mut A, S, S) + Copy,
) {
    let chunks = group_chunks(&a, &out, 1).min(group_chunks(&b, &out, 1));
    {
        let firsts = a.map(|s| s.as_chunks::<LANES>().0);
        let seconds = b.map(|s| s.as_chunks::<LANES>().0);
        let mut outs = out.each_mut().map(|o| o.as_chunks_mut::<LANES>().0);
        for c in 0..chunks {
            for ((o, p), q) in outs.iter_mut().zip(&firsts).zip(&seconds) {
                let (p, q, mut r) = (p[c], q[c], o[c]);
                for k in 0..LANES {
                    apply(&mut r[k], p[k], q[k]);
                }
                o[c] = r;
            }
        }
    }
    let done = chunks * LANES;
    for ((p, q), o) in a.into_iter().zip(b).zip(out) {
        for ((r, &x), &y) in o[done..].iter_mut().zip(&p[done..]).zip(&q[done..]) {
            apply(r, x, y);
        }
    }
}

/// [`add_pass_group`] that also writes a second output, as [`pair_pass_with_group`] does.
#[inline(always)]
pub(crate) fn add_pass_with_group<S: Copy, P: Copy, A: Copy, const N: usize>(
    a: [&[S]; N],
    b: [&[S]; N],
    mut with: [&mut [P]; N],
    mut out: [&mut [A]; N],
    apply: impl Fn(&mut A, &mut P, S, S) + Copy,
) {
    let chunks = group_chunks(&a, &out, 1)
        .min(group_chunks(&b, &out, 1))
        .min(with.iter().map(|w| w.len() / LANES).min().unwrap_or(0));
    {
        let firsts = a.map(|s| s.as_chunks::<LANES>().0);
        let seconds = b.map(|s| s.as_chunks::<LANES>().0);
        let mut earlier = with.each_mut().map(|w| w.as_chunks_mut::<LANES>().0);
        let mut outs = out.each_mut().map(|o| o.as_chunks_mut::<LANES>().0);
        for c in 0..chunks {
            for (((o, w), p), q) in outs.iter_mut().zip(&mut earlier).zip(&firsts).zip(&seconds) {
                let (p, q, mut v, mut r) = (p[c], q[c], w[c], o[c]);
                for k in 0..LANES {
                    apply(&mut r[k], &mut v[k], p[k], q[k]);
                }
                (o[c], w[c]) = (r, v);
            }
        }
    }
    let done = chunks * LANES;
    for (((p, q), w), o) in a.into_iter().zip(b).zip(with).zip(out) {
        let tail = o[done..].iter_mut().zip(&mut w[done..]);
        for ((r, v), (&x, &y)) in tail.zip(p[done..].iter().zip(&q[done..])) {
            apply(r, v, x, y);
        }
    }
}

/// [`quad_pass`] on a group of line pairs in lockstep (see
/// [`LINES_IN_FLIGHT`](crate::lines::LINES_IN_FLIGHT)).
#[inline(always)]
pub(crate) fn quad_pass_group<S: Copy, A: Copy, const N: usize>(
    a: [&[S]; N],
    b: [&[S]; N],
    mut out: [&mut [A]; N],
    apply: impl Fn(&mut A, [S; 4]) + Copy,
) {
    let chunks = group_chunks(&a, &out, 2).min(group_chunks(&b, &out, 2));
    {
        let firsts = a.map(|s| s.as_chunks::<{ 2 * LANES }>().0);
        let seconds = b.map(|s| s.as_chunks::<{ 2 * LANES }>().0);
        let mut outs = out.each_mut().map(|o| o.as_chunks_mut::<LANES>().0);
        for c in 0..chunks {
            for ((o, p), q) in outs.iter_mut().zip(&firsts).zip(&seconds) {
                let (p, q, mut r) = (p[c], q[c], o[c]);
                for k in 0..LANES {
                    apply(&mut r[k], [p[2 * k], p[2 * k + 1], q[2 * k], q[2 * k + 1]]);
                }
                o[c] = r;
            }
        }
    }
    let done = chunks * LANES;
    for ((p, q), o) in a.into_iter().zip(b).zip(out) {
        quad_pass(&p[2 * done..], &q[2 * done..], &mut o[done..], apply);
    }
}

/// Applies `apply(out[i], [a[2i], a[2i + 1], b[2i], b[2i + 1]])`: the 2x2 blocks of two lines
/// pooled by 2, the last block of odd lines repeating their last elements.
#[inline(always)]
pub(crate) fn quad_pass<S: Copy, A: Copy>(
    a: &[S],
    b: &[S],
    out: &mut [A],
    apply: impl Fn(&mut A, [S; 4]),
) {
    let n = a.len().min(b.len());
    let full = (n / 2).min(out.len());
    let (outs, _) = out[..full].as_chunks_mut::<LANES>();
    let (first, _) = a.as_chunks::<{ 2 * LANES }>();
    let (second, _) = b.as_chunks::<{ 2 * LANES }>();
    for ((o, p), q) in outs.iter_mut().zip(first).zip(second) {
        let (p, q, mut r) = (*p, *q, *o);
        for k in 0..LANES {
            apply(&mut r[k], [p[2 * k], p[2 * k + 1], q[2 * k], q[2 * k + 1]]);
        }
        *o = r;
    }
    let done = outs.len() * LANES;
    for i in done..full {
        apply(
            &mut out[i],
            [a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1]],
        );
    }
    if out.len() > full && n > 0 {
        let (x, y) = (a[n - 1], b[n - 1]);
        apply(&mut out[full], [x, x, y, y]);
    }
}

/// Combines each output sample's block values: `init` with the first, `combine` with each
/// further one, in block order.
#[inline(always)]
pub(crate) fn fold<S: Copy, A: Copy>(
    sources: &Sources<'_, S>,
    f: usize,
    out: &mut [A],
    init: impl Fn(S) -> A + Copy,
    combine: impl Fn(A, S) -> A + Copy,
) {
    let mut sources = sources.iter();
    if let Some(&(src, d)) = sources.next() {
        line_pass(src, d, f, out, move |a, x| *a = init(x));
    }
    for &(src, d) in sources {
        line_pass(src, d, f, out, move |a, x| *a = combine(*a, x));
    }
}

/// Adds up block values into `A`. Exact (integer) sums pooled by 2 along the line add each
/// line's pairs, one line after the other (the plan orders such blocks pair by pair), so
/// memory is read as one forward stream; other sums follow the block order one value at a
/// time.
#[inline(always)]
pub(crate) fn sum<S: Copy, A: Copy + std::ops::Add<Output = A>>(
    sources: &Sources<'_, S>,
    f: usize,
    out: &mut [A],
    order_free: bool,
    lift: impl Fn(S) -> A + Copy,
) {
    if order_free && f == 2 && sources.len().is_multiple_of(2) {
        let mut pairs = sources.chunks_exact(2);
        if let Some(pair) = pairs.next() {
            pair_pass(pair[0].0, out, move |a, x, y| *a = lift(x) + lift(y));
        }
        for pair in pairs {
            pair_pass(pair[0].0, out, move |a, x, y| *a = *a + (lift(x) + lift(y)));
        }
    } else {
        fold(sources, f, out, lift, move |a, x| a + lift(x));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_repeat_their_last_element() {
        let mut out = [0u32; 3];
        line_pass(&[1u8, 2, 3, 4, 5], 1, 2, &mut out, |a, x| *a = u32::from(x));
        assert_eq!(out, [2, 4, 5]);
        let mut out = [0u32; 2];
        line_pass(&[1u8, 2, 3, 4], 2, 3, &mut out, |a, x| *a = u32::from(x));
        assert_eq!(out, [3, 4]);
    }
}
