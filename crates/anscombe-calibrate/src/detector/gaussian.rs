//! SciPy's Gaussian filter, as detectorcal applies it to each image: `gaussian_filter` of a
//! (1, y, x) block, mode `nearest`, so three 1-D passes (the block's length-one first axis,
//! then y, then x), each written back in the image's type: integers are truncated after every
//! pass, single-precision values rounded.
//!
//! Every output is computed as SciPy's `NI_Correlate1D` computes it for a symmetric kernel,
//! `v[i] w[0] + (v[i-r] + v[i+r]) w[r] + ... + (v[i-1] + v[i+1]) w[1]` in doubles, so results
//! agree to the last bit given the same weights. The weights are `exp(-x^2 / 2 sigma^2)`
//! normalised by NumPy's pairwise sum, with a correctly rounded `exp` (the C library's; NumPy on
//! AVX-512 machines uses Intel SVML's, which is off by one unit in the last place for a few
//! percent of arguments, so its weights and, for integer images, a few truncated samples differ).

use anscombe_numeric::pairwise_sum;
use num_traits::AsPrimitive;

use super::DetectorError;
use super::plane::Plane;

/// The largest kernel radius, pixels: far beyond any detector (a kernel wider than the image
/// only repeats its edges), and small enough that the weights take a few megabytes.
pub const MAX_RADIUS: usize = 1 << 18;

/// A Gaussian kernel of SciPy's weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussian {
    /// `half[j]` is the weight at offset `±j` (`half[0]` the centre).
    half: Vec<f64>,
}

impl Gaussian {
    /// The kernel of standard deviation `sigma` (pixels), cut at `truncate` deviations (radius
    /// `int(truncate * sigma + 0.5)`, as SciPy).
    ///
    /// # Errors
    /// [`DetectorError::Parameter`] for a sigma or truncation that is not a positive number.
    pub fn new(sigma: f64, truncate: f64) -> Result<Self, DetectorError> {
        if !(sigma.is_finite() && sigma > 0.0) {
            return Err(DetectorError::Parameter(format!(
                "the Gaussian sigma must be a positive number of pixels, got {sigma}"
            )));
        }
        if !(truncate.is_finite() && truncate >= 0.0) {
            return Err(DetectorError::Parameter(format!(
                "truncate must be 0 or more standard deviations, got {truncate}"
            )));
        }
        let reach = truncate * sigma + 0.5;
        if reach >= (MAX_RADIUS + 1) as f64 {
            return Err(DetectorError::Parameter(format!(
                "the Gaussian's radius, int(truncate * sigma + 0.5) = {:?} pixels for sigma \
                 {sigma:?} and truncate {truncate:?}, must be at most {MAX_RADIUS} pixels",
                reach.floor()
            )));
        }
        let radius = reach as usize;
        let scale = -0.5 / (sigma * sigma);
        let phi: Vec<f64> = (-(radius as i64)..=radius as i64)
            .map(|x| exp_correctly_rounded(scale * (x * x) as f64))
            .collect();
        let total = pairwise_sum(&phi);
        let half = phi[radius..].iter().map(|p| p / total).collect();
        Ok(Gaussian { half })
    }

    /// Radius in pixels.
    pub fn radius(&self) -> usize {
        self.half.len() - 1
    }

    /// The image smoothed as detectorcal smooths it, in its own type.
    ///
    /// # Errors
    /// [`DetectorError::Shape`] when the plane is not `height * width` samples.
    pub fn smooth(
        &self,
        plane: &Plane,
        height: usize,
        width: usize,
    ) -> Result<Plane, DetectorError> {
        if plane.len() != height * width {
            return Err(DetectorError::Shape(format!(
                "{} samples for a {height} x {width} image",
                plane.len()
            )));
        }
        Ok(match plane {
            Plane::U16(v) => Plane::U16(self.passes(v, height, width)),
            Plane::F32(v) => Plane::F32(self.passes(v, height, width)),
            Plane::F64(v) => Plane::F64(self.passes(v, height, width)),
        })
    }

    /// The three passes, each cast back to the image's type with `as` (C's conversion:
    /// truncation for integers, rounding for floats). The work is in doubles throughout; after
    /// each pass the values are rounded to the image's type, as SciPy writes each pass to the
    /// output array.
    fn passes<T>(&self, image: &[T], height: usize, width: usize) -> Vec<T>
    where
        T: AsPrimitive<f64>,
        f64: AsPrimitive<T>,
    {
        let store = |x: f64| -> T { x.as_() };
        let round = |x: f64| -> f64 { store(x).as_() };
        let values: Vec<f64> = image.iter().map(|&v| v.as_()).collect();
        // The first axis has length one: every tap reads the sample itself ('nearest'). The
        // sums run over a block of samples at once, tap by tap, so they vectorise.
        // Eight samples at a time, their sums kept in registers across all taps.
        let mut own: Vec<f64> = Vec::with_capacity(values.len());
        let (blocks, rest) = values.as_chunks::<8>();
        let degenerate = |v: f64| {
            let mut s = v * self.half[0];
            for &w in self.half[1..].iter().rev() {
                s += (v + v) * w;
            }
            round(s)
        };
        for block in blocks {
            let mut sums = block.map(|v| v * self.half[0]);
            for &w in self.half[1..].iter().rev() {
                for (s, &v) in sums.iter_mut().zip(block) {
                    *s += (v + v) * w;
                }
            }
            own.extend(sums.iter().map(|&s| round(s)));
        }
        own.extend(rest.iter().map(|&v| degenerate(v)));
        let along_y = self.columns(&own, height, width, round);
        let transposed = transpose(&along_y, height, width);
        let along_x = self.columns(&transposed, width, height, round);
        transpose(&along_x, width, height)
            .into_iter()
            .map(store)
            .collect()
    }

    /// Filters every column of a row-major `rows x cols` image (along the rows), all columns
    /// at once so the inner loop runs over contiguous samples.
    fn columns(
        &self,
        image: &[f64],
        rows: usize,
        cols: usize,
        round: impl Fn(f64) -> f64,
    ) -> Vec<f64> {
        let radius = self.radius();
        let row = |i: isize| -> &[f64] {
            let r = i.clamp(0, rows as isize - 1) as usize;
            &image[r * cols..(r + 1) * cols]
        };
        let mut out = Vec::with_capacity(rows * cols);
        let mut sum = vec![0.0f64; cols];
        for y in 0..rows as isize {
            for (s, &v) in sum.iter_mut().zip(row(y)) {
                *s = v * self.half[0];
            }
            // Taps from the outermost in, four per pass over the sums (each sum still adds
            // them one after the other, in SciPy's order).
            let mut j = radius;
            while j >= 4 {
                let taps: [(&[f64], &[f64], f64); 4] = std::array::from_fn(|k| {
                    let t = (j - k) as isize;
                    (row(y - t), row(y + t), self.half[j - k])
                });
                for (x, s) in sum.iter_mut().enumerate() {
                    for (above, below, w) in &taps {
                        *s += (above[x] + below[x]) * w;
                    }
                }
                j -= 4;
            }
            while j >= 1 {
                let (above, below, w) = (row(y - j as isize), row(y + j as isize), self.half[j]);
                for ((s, &a), &b) in sum.iter_mut().zip(above).zip(below) {
                    *s += (a + b) * w;
                }
                j -= 1;
            }
            out.extend(sum.iter().map(|&s| round(s)));
        }
        out
    }
}

/// `e^x` rounded to the nearest double (the same on every platform, unlike C libraries'
/// `exp`): 2^k e^r with r = x - k ln 2 and e^r summed as a Taylor series in double-double
/// arithmetic (about 106 bits), then rounded once.
pub(crate) fn exp_correctly_rounded(x: f64) -> f64 {
    // ln 2 to 107 bits, as a double-double: the nearest double and the rest.
    const LN2_HI: f64 = std::f64::consts::LN_2;
    const LN2_LO: f64 = 2.319_046_813_846_299_6e-17;
    if !x.is_finite() {
        return if x == f64::NEG_INFINITY { 0.0 } else { x.exp() };
    }
    if !(-745.0..=709.0).contains(&x) {
        return x.exp();
    }
    let k = (x / LN2_HI).round();
    // r = x - k ln 2, exactly enough: k * LN2_HI is exact for |k| < 2^11 by the two-product.
    let (p_hi, p_lo) = two_product(k, LN2_HI);
    let (r_hi, r_lo) = two_sum(x, -p_hi);
    let (r_hi, r_lo) = add(r_hi, r_lo - p_lo, -(k * LN2_LO), 0.0);
    // e^r = sum r^n / n!, |r| <= 0.35: 30 terms are far below 2^-106.
    let (mut sum_hi, mut sum_lo) = (1.0, 0.0);
    let (mut term_hi, mut term_lo) = (1.0, 0.0);
    for n in 1..=30 {
        (term_hi, term_lo) = multiply(term_hi, term_lo, r_hi, r_lo);
        (term_hi, term_lo) = divide_by(term_hi, term_lo, f64::from(n));
        (sum_hi, sum_lo) = add(sum_hi, sum_lo, term_hi, term_lo);
        if term_hi.abs() < 1e-40 {
            break;
        }
    }
    let scale = 2f64.powi(k as i32);
    // Scaling by a power of two is exact unless the result is subnormal.
    (sum_hi + sum_lo) * scale
}

fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let v = s - a;
    (s, (a - (s - v)) + (b - v))
}

fn two_product(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

fn add(a_hi: f64, a_lo: f64, b_hi: f64, b_lo: f64) -> (f64, f64) {
    let (s, e) = two_sum(a_hi, b_hi);
    let e = e + a_lo + b_lo;
    two_sum_fast(s, e)
}

fn two_sum_fast(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

fn multiply(a_hi: f64, a_lo: f64, b_hi: f64, b_lo: f64) -> (f64, f64) {
    let (p, e) = two_product(a_hi, b_hi);
    two_sum_fast(p, e + a_hi * b_lo + a_lo * b_hi)
}

fn divide_by(a_hi: f64, a_lo: f64, d: f64) -> (f64, f64) {
    let q = a_hi / d;
    let (p, e) = two_product(q, d);
    let remainder = (a_hi - p - e + a_lo) / d;
    two_sum_fast(q, remainder)
}

fn transpose<T: Copy>(image: &[T], rows: usize, cols: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(image.len());
    for c in 0..cols {
        out.extend((0..rows).map(|r| image[r * cols + c]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_radius_beyond_the_limit_is_a_parameter_error_naming_sigma_and_truncate() {
        for (sigma, truncate) in [(1e300, 4.0), (50.0, 1e300), (1e6, 4.0)] {
            let error = Gaussian::new(sigma, truncate).expect_err("refused");
            let message = error.to_string();
            assert!(
                message.contains("sigma") && message.contains("truncate"),
                "{message}"
            );
        }
        let widest = Gaussian::new(MAX_RADIUS as f64 / 4.0, 4.0).expect("at the limit");
        assert_eq!(widest.radius(), MAX_RADIUS);
    }

    #[test]
    fn weights_are_scipys() {
        // scipy.ndimage._filters._gaussian_kernel1d(1.0, 0, 4)[4] == 0.39894346935609776
        let g = Gaussian::new(1.0, 4.0).unwrap();
        assert_eq!(g.radius(), 4);
        assert!((g.half[0] - 0.398_943_469_356_097_76).abs() < 1e-15);
        assert!((g.half.iter().skip(1).sum::<f64>() * 2.0 + g.half[0] - 1.0).abs() < 1e-15);
        assert!(Gaussian::new(0.0, 4.0).is_err());
    }

    #[test]
    fn exp_is_correctly_rounded() {
        // glibc's exp is correctly rounded for the Gaussian weights' arguments (checked against
        // 60-digit decimal arithmetic); ours must agree with it there (the libm crate's does not).
        for sigma in [2.5, 3.0, 6.0, 10.0, 50.0] {
            let radius = (4.0 * sigma + 0.5) as i64;
            for x in 0..=radius {
                let v = -0.5 / (sigma * sigma) * (x * x) as f64;
                assert_eq!(exp_correctly_rounded(v), v.exp(), "exp({v})");
            }
        }
        // Elsewhere the C library may be a unit off (exp(-27.78489229999465) is
        // 8.573824584203462e-13 to 80 digits; glibc gives ...461e-13): within one unit.
        assert_eq!(
            exp_correctly_rounded(-27.784_892_299_994_65),
            8.573_824_584_203_462e-13
        );
        let mut x = -30.0;
        while x < 30.0 {
            let (ours, libc) = (exp_correctly_rounded(x), x.exp());
            assert!(
                (ours.to_bits() as i64 - libc.to_bits() as i64).abs() <= 1,
                "exp({x})"
            );
            x += 0.000_731_3;
        }
    }

    #[test]
    fn a_constant_image_stays_constant_and_edges_repeat() {
        let g = Gaussian::new(2.0, 4.0).unwrap();
        let out = g.smooth(&Plane::F64(vec![7.0; 12]), 3, 4).unwrap();
        let Plane::F64(v) = out else {
            panic!("type kept")
        };
        assert!(v.iter().all(|&x| (x - 7.0).abs() < 1e-12));
        // A step: symmetric about the edge, monotonic.
        let step: Vec<f64> = (0..20)
            .map(|i| if i % 10 < 5 { 0.0 } else { 100.0 })
            .collect();
        let Plane::F64(v) = g.smooth(&Plane::F64(step), 2, 10).unwrap() else {
            panic!()
        };
        assert!(v[..10].windows(2).all(|w| w[1] >= w[0]));
    }
}
