//! A deliberately plain definition of every pooling method, written from the crate's
//! documented rules and nothing else: pad each axis by repeating its last sample, cut blocks,
//! combine each block's values in block order (axis 0 fastest) with 128-bit or f64
//! arithmetic. Slow and obvious, for comparing the engine against.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test"
)]
#![allow(clippy::cast_lossless, reason = "one macro casts every sample type")]

use anscombe_pyramid::{Kind, Method, Sample};
use ndarray::{ArrayD, IxDyn};

/// What the tests need of a sample type besides the crate's trait.
pub(crate) trait Plain: Sample {
    const TYPE: Kind;
    fn to_i128(self) -> i128;
    fn from_i128(v: i128) -> Self;
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
    fn key(self) -> u64;
}

macro_rules! plain_int {
    ($($t:ty, $kind:expr);*) => {$(
        impl Plain for $t {
            const TYPE: Kind = $kind;
            fn to_i128(self) -> i128 { self as i128 }
            fn from_i128(v: i128) -> Self { v as $t }
            fn to_f64(self) -> f64 { self as f64 }
            fn from_f64(v: f64) -> Self { v as $t }
            fn key(self) -> u64 { self as u64 }
        }
    )*};
}
plain_int!(u8, Kind::Unsigned(8); u16, Kind::Unsigned(16); u32, Kind::Unsigned(32); u64, Kind::Unsigned(64);
    i8, Kind::Signed(8); i16, Kind::Signed(16); i32, Kind::Signed(32); i64, Kind::Signed(64));

impl Plain for f32 {
    const TYPE: Kind = Kind::Float(32);
    fn to_i128(self) -> i128 {
        unreachable!()
    }
    fn from_i128(_: i128) -> Self {
        unreachable!()
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn key(self) -> u64 {
        u64::from(self.to_bits())
    }
}

impl Plain for f64 {
    const TYPE: Kind = Kind::Float(64);
    fn to_i128(self) -> i128 {
        unreachable!()
    }
    fn from_i128(_: i128) -> Self {
        unreachable!()
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(v: f64) -> Self {
        v
    }
    fn key(self) -> u64 {
        self.to_bits()
    }
}

/// The values of every block of `input` pooled by `factors`, in block order, per output index.
fn blocks<T: Copy>(input: &ArrayD<T>, factors: &[usize]) -> (Vec<usize>, Vec<Vec<T>>) {
    let shape = input.shape().to_vec();
    let out_shape: Vec<usize> = shape
        .iter()
        .zip(factors)
        .map(|(&n, &f)| n.div_ceil(f))
        .collect();
    let count: usize = out_shape.iter().product();
    let block: usize = factors.iter().product();
    let mut result = Vec::with_capacity(count);
    for o in 0..count {
        let out_index = unravel(o, &out_shape);
        let mut values = Vec::with_capacity(block);
        for p in 0..block {
            // Axis 0 fastest.
            let mut rest = p;
            let mut index = vec![0; shape.len()];
            for axis in 0..shape.len() {
                let d = rest % factors[axis];
                rest /= factors[axis];
                index[axis] = (out_index[axis] * factors[axis] + d).min(shape[axis] - 1);
            }
            values.push(input[IxDyn(&index)]);
        }
        result.push(values);
    }
    (out_shape, result)
}

/// C-order index of flat position `i`.
fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for axis in (0..shape.len()).rev() {
        index[axis] = i % shape[axis];
        i /= shape[axis];
    }
    index
}

/// The averaging schedule of the crate's documentation: tinybrain's periodic re-scaling for
/// 8/16-bit integers pooled by 2 along exactly two or three axes, exact sums otherwise.
fn periodic<T: Plain>(factors: &[usize], sparse: bool) -> Option<(u32, usize)> {
    let small = matches!(T::TYPE, Kind::Unsigned(8 | 16) | Kind::Signed(8 | 16));
    let halved = factors.iter().filter(|&&f| f == 2).count();
    if sparse || !small || factors.iter().any(|&f| f > 2) {
        return None;
    }
    match halved {
        2 => Some((2, 4)),
        3 => Some((
            3,
            if matches!(T::TYPE, Kind::Unsigned(8) | Kind::Signed(8)) {
                8
            } else {
                5
            },
        )),
        _ => None,
    }
}

/// Average pooling by the definition.
pub(crate) fn average<T: Plain>(
    input: &ArrayD<T>,
    factors: &[usize],
    levels: usize,
    sparse: bool,
) -> Vec<ArrayD<T>> {
    if matches!(T::TYPE, Kind::Float(_)) {
        return average_float(input, factors, levels, sparse);
    }
    let schedule = periodic::<T>(factors, sparse);
    let block: i128 = factors.iter().product::<usize>() as i128;
    // Running (sum, count) per sample, starting from the input itself.
    let mut sums: ArrayD<(i128, i128)> =
        input.mapv(|v| (v.to_i128(), i128::from(v.to_i128() != 0)));
    let mut out = Vec::new();
    for level in 0..levels {
        let (shape, values) = blocks(&sums, factors);
        let pooled: Vec<(i128, i128)> = values
            .iter()
            .map(|b| b.iter().fold((0, 0), |(s, c), &(bs, bc)| (s + bs, c + bc)))
            .collect();
        let rendered: Vec<T> = pooled
            .iter()
            .map(|&(s, c)| {
                if sparse {
                    if c == 0 {
                        T::from_i128(0)
                    } else {
                        T::from_i128(s / c)
                    }
                } else {
                    let divisor = match schedule {
                        Some((bits, period)) => 1i128 << (bits * ((level % period) as u32 + 1)),
                        None => block.pow(level as u32 + 1),
                    };
                    T::from_i128(s / divisor)
                }
            })
            .collect();
        out.push(ArrayD::from_shape_vec(IxDyn(&shape), rendered).unwrap());
        let mut carried: Vec<(i128, i128)> = pooled;
        if let Some((bits, period)) = schedule
            && (level + 1) % period == 0
        {
            for (s, _) in &mut carried {
                *s = s.div_euclid(1i128 << (bits * period as u32));
            }
        }
        sums = ArrayD::from_shape_vec(IxDyn(&shape), carried).unwrap();
    }
    out
}

fn average_float<T: Plain>(
    input: &ArrayD<T>,
    factors: &[usize],
    levels: usize,
    sparse: bool,
) -> Vec<ArrayD<T>> {
    let block = factors.iter().product::<usize>() as f64;
    let mut sums: ArrayD<(f64, f64)> =
        input.mapv(|v| (v.to_f64(), if v.to_f64() == 0.0 { 0.0 } else { 1.0 }));
    let mut out = Vec::new();
    for level in 0..levels {
        let (shape, values) = blocks(&sums, factors);
        let pooled: Vec<(f64, f64)> = values
            .iter()
            .map(|b| {
                let mut iter = b.iter();
                let first = *iter.next().unwrap();
                iter.fold(first, |(s, c), &(bs, bc)| (s + bs, c + bc))
            })
            .collect();
        let rendered: Vec<T> = pooled
            .iter()
            .map(|&(s, c)| {
                if sparse {
                    if c == 0.0 {
                        T::from_f64(0.0)
                    } else {
                        T::from_f64(s / c)
                    }
                } else {
                    T::from_f64(s / block.powi(level as i32 + 1))
                }
            })
            .collect();
        out.push(ArrayD::from_shape_vec(IxDyn(&shape), rendered).unwrap());
        sums = ArrayD::from_shape_vec(IxDyn(&shape), pooled).unwrap();
    }
    out
}

/// The label a 2x2 block pools to (tinybrain's rules, from the documentation).
fn two_by_two<T: Plain>(v: &[T], sparse: bool) -> T {
    let k: Vec<u64> = v.iter().map(|x| x.key()).collect();
    let zero = |i: usize| sparse && k[i] == 0;
    if !zero(0) && (k[0] == k[1] || k[0] == k[2]) {
        return v[0];
    }
    if !zero(1) && k[1] == k[2] {
        return v[1];
    }
    if !sparse {
        return v[3];
    }
    [3, 0, 2, 1]
        .into_iter()
        .find(|&i| k[i] != 0)
        .map_or(v[1], |i| v[i])
}

/// The most frequent label, ties to the first met; sparse leaves background out.
fn most_frequent<T: Plain>(v: &[T], sparse: bool) -> T {
    let mut best: Option<(usize, T)> = None;
    for &x in v {
        if sparse && x.key() == 0 {
            continue;
        }
        let count = v.iter().filter(|y| y.key() == x.key()).count();
        if best.is_none_or(|(c, _)| count > c) {
            best = Some((count, x));
        }
    }
    best.map_or(T::default(), |(_, x)| x)
}

/// Mode, max, min pooling and striding by the definition.
pub(crate) fn select<T: Plain>(
    input: &ArrayD<T>,
    method: Method,
    factors: &[usize],
    levels: usize,
    sparse: bool,
) -> Vec<ArrayD<T>> {
    let mut current = input.clone();
    let mut out = Vec::new();
    for _ in 0..levels {
        let passes: Vec<Vec<usize>> =
            if method == Method::Mode && factors.iter().all(|f| f.is_power_of_two()) {
                let n = factors
                    .iter()
                    .map(|f| f.trailing_zeros())
                    .max()
                    .unwrap_or(0);
                (0..n)
                    .map(|j| {
                        factors
                            .iter()
                            .map(|f| if f.trailing_zeros() > j { 2 } else { 1 })
                            .collect()
                    })
                    .collect()
            } else {
                vec![factors.to_vec()]
            };
        for pass in &passes {
            let (shape, values) = blocks(&current, pass);
            let halved = pass.iter().filter(|&&f| f > 1).count();
            let strided = method == Method::Stride
                || (method == Method::Mode && !factors.iter().all(|f| f.is_power_of_two()));
            let pooled: Vec<T> = values
                .iter()
                .map(|b| {
                    if strided {
                        b[0]
                    } else {
                        match method {
                            Method::Mode if halved == 2 => two_by_two(b, sparse),
                            Method::Mode => most_frequent(b, sparse),
                            Method::Max => extreme(b, std::cmp::Ordering::Greater),
                            Method::Min => extreme(b, std::cmp::Ordering::Less),
                            _ => unreachable!(),
                        }
                    }
                })
                .collect();
            current = ArrayD::from_shape_vec(IxDyn(&shape), pooled).unwrap();
        }
        out.push(current.clone());
    }
    out
}

/// The largest (`Greater`) or smallest (`Less`) value, a NaN winning.
fn extreme<T: Plain>(b: &[T], wanted: std::cmp::Ordering) -> T {
    let is_float = matches!(T::TYPE, Kind::Float(_));
    b.iter()
        .copied()
        .reduce(|a, x| {
            if is_float && (a.to_f64().is_nan() || x.to_f64().is_nan()) {
                return T::from_f64(f64::NAN);
            }
            let order = if is_float {
                x.to_f64().partial_cmp(&a.to_f64()).unwrap()
            } else {
                x.to_i128().cmp(&a.to_i128())
            };
            if order == wanted { x } else { a }
        })
        .unwrap()
}
