//! Small statistics: medians, weighted lines and quadratics with standard errors, and the
//! Student-t threshold their significance is judged by.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// The median absolute deviation times this estimates the standard deviation of normal data
/// (`1 / Φ⁻¹(3/4)` to five digits; SciPy's `scale='normal'` is 1.482602218505602).
pub(crate) const MAD_TO_SIGMA: f64 = 1.4826;

/// The median (the mean of the two middle values for an even count); 0 for no values.
pub(crate) fn median(values: &[f64]) -> f64 {
    anscombe_numeric::median(values).unwrap_or(0.0)
}

/// The median and the robust standard deviation about it ([`MAD_TO_SIGMA`] times the median
/// absolute deviation); zeros for no values.
pub(crate) fn median_and_spread(values: &[f64]) -> (f64, f64) {
    let (centre, deviation) = anscombe_numeric::median_abs_deviation(values).unwrap_or((0.0, 0.0));
    (centre, MAD_TO_SIGMA * deviation)
}

/// How many standard errors from zero an estimate with `dof` degrees of freedom must lie to be
/// told from zero as surely as three standard deviations of a normal variable: the Student-t
/// quantile at the normal's one-sided tail `Φ(-3)` = 0.00135. A standard error estimated from
/// few points is itself uncertain, so the bar rises as they get fewer (3.04 with 198 degrees
/// of freedom, 9.2 with 3, 236 with 1); infinite without a degree of freedom.
pub(crate) fn three_sigma_t(dof: f64) -> f64 {
    let tail = Normal::standard().cdf(-3.0);
    StudentsT::new(0.0, 1.0, dof).map_or(f64::INFINITY, |t| -t.inverse_cdf(tail))
}

/// A weighted least-squares line with its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Line {
    pub(crate) slope: f64,
    pub(crate) intercept: f64,
    pub(crate) slope_se: f64,
    pub(crate) intercept_se: f64,
    /// Covariance of intercept and slope.
    pub(crate) covariance: f64,
    pub(crate) r_squared: f64,
    /// Weighted residual sum of squares over the degrees of freedom (the reduced chi-squared
    /// when the weights are inverse variances).
    pub(crate) dispersion: f64,
    /// Degrees of freedom of the dispersion (points less two, at least one).
    pub(crate) dof: f64,
}

/// Fits `y = intercept + slope * x` with weights `w`; centred sums keep it accurate for levels
/// in the tens of thousands.
pub(crate) fn weighted_line(x: &[f64], y: &[f64], w: &[f64]) -> Line {
    weighted_iv_line(x, x, y, w)
}

/// Weighted instrumental-variables line: `slope = sum w z~ y~ / sum w z~ x~` (centred), with an
/// instrument `z` that follows the true `x` but not its measurement noise. It corrects the
/// flattening that noise in `x` causes (errors in variables) and is weighted least squares when
/// `z` is `x`.
pub(crate) fn weighted_iv_line(z: &[f64], x: &[f64], y: &[f64], w: &[f64]) -> Line {
    let sw: f64 = w.iter().sum();
    let mean = |v: &[f64]| v.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw;
    let (mz, mx, my) = (mean(z), mean(x), mean(y));
    let (mut szx, mut szy, mut szz, mut syy) = (0.0, 0.0, 0.0, 0.0);
    for (((&zi, &xi), &yi), &wi) in z.iter().zip(x).zip(y).zip(w) {
        szx += wi * (zi - mz) * (xi - mx);
        szy += wi * (zi - mz) * (yi - my);
        szz += wi * (zi - mz) * (zi - mz);
        syy += wi * (yi - my) * (yi - my);
    }
    let slope = if szx > 0.0 { szy / szx } else { 0.0 };
    let intercept = my - slope * mx;
    let rss: f64 = x
        .iter()
        .zip(y)
        .zip(w)
        .map(|((&xi, &yi), &wi)| wi * (yi - intercept - slope * xi).powi(2))
        .sum();
    let dof = (x.len() as f64 - 2.0).max(1.0);
    let dispersion = rss / dof;
    let slope_var = if szx > 0.0 {
        dispersion * szz / (szx * szx)
    } else {
        f64::INFINITY
    };
    Line {
        slope,
        intercept,
        slope_se: slope_var.sqrt(),
        intercept_se: (dispersion / sw + mx * mx * slope_var).sqrt(),
        covariance: -mx * slope_var,
        r_squared: if syy > 0.0 { 1.0 - rss / syy } else { 0.0 },
        dispersion,
        dof,
    }
}

/// Siegel's repeated-median line: for each point the median of its slopes to the others, the
/// median of those; then the median intercept. Half the points can be outliers, whatever their
/// leverage. Only the slope and intercept are set.
pub(crate) fn repeated_median_line(x: &[f64], y: &[f64]) -> Line {
    let slopes: Vec<f64> = (0..x.len())
        .map(|i| {
            let own: Vec<f64> = (0..x.len())
                .filter(|&j| j != i && x[j] != x[i])
                .map(|j| (y[j] - y[i]) / (x[j] - x[i]))
                .collect();
            median(&own)
        })
        .collect();
    let slope = median(&slopes);
    let intercept = median(
        &x.iter()
            .zip(y)
            .map(|(xi, yi)| yi - slope * xi)
            .collect::<Vec<_>>(),
    );
    Line {
        slope,
        intercept,
        slope_se: f64::NAN,
        intercept_se: f64::NAN,
        covariance: f64::NAN,
        r_squared: f64::NAN,
        dispersion: f64::NAN,
        dof: f64::NAN,
    }
}

/// A weighted quadratic in the centred, scaled variable `t = (x - centre) / scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Quadratic {
    coefficients: [f64; 3],
    centre: f64,
    scale: f64,
    /// The `t^2` coefficient.
    pub(crate) curvature: f64,
    /// Its standard error.
    pub(crate) curvature_se: f64,
}

impl Quadratic {
    /// The fitted value at `x`.
    pub(crate) fn at(&self, x: f64) -> f64 {
        let t = (x - self.centre) / self.scale;
        self.coefficients[0] + t * (self.coefficients[1] + t * self.coefficients[2])
    }
}

/// Fits `y = a + b t + c t^2` by weighted least squares.
pub(crate) fn weighted_quadratic(x: &[f64], y: &[f64], w: &[f64]) -> Quadratic {
    let sw: f64 = w.iter().sum();
    let centre = x.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw;
    let scale = x
        .iter()
        .map(|v| (v - centre).abs())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut m = [[0.0; 3]; 3];
    let mut r = [0.0; 3];
    for ((&xi, &yi), &wi) in x.iter().zip(y).zip(w) {
        let t = (xi - centre) / scale;
        let basis = [1.0, t, t * t];
        for i in 0..3 {
            r[i] += wi * basis[i] * yi;
            for j in 0..3 {
                m[i][j] += wi * basis[i] * basis[j];
            }
        }
    }
    let inverse = invert3(m);
    let coefficients = [0, 1, 2].map(|i| (0..3).map(|j| inverse[i][j] * r[j]).sum::<f64>());
    let q = Quadratic {
        coefficients,
        centre,
        scale,
        curvature: coefficients[2],
        curvature_se: 0.0,
    };
    let rss: f64 = x
        .iter()
        .zip(y)
        .zip(w)
        .map(|((&xi, &yi), &wi)| wi * (yi - q.at(xi)).powi(2))
        .sum();
    let dispersion = rss / (x.len() as f64 - 3.0).max(1.0);
    Quadratic {
        curvature_se: (dispersion * inverse[2][2]).max(0.0).sqrt(),
        ..q
    }
}

/// The inverse of a symmetric 3 x 3 matrix (zeros when singular).
fn invert3(m: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let c = |i: usize, j: usize| {
        let (r0, r1) = ((i + 1) % 3, (i + 2) % 3);
        let (c0, c1) = ((j + 1) % 3, (j + 2) % 3);
        m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
    };
    let det = m[0][0] * c(0, 0) + m[0][1] * c(0, 1) + m[0][2] * c(0, 2);
    if det.abs() < f64::MIN_POSITIVE {
        return [[0.0; 3]; 3];
    }
    let mut inverse = [[0.0; 3]; 3];
    for (i, row) in inverse.iter_mut().enumerate() {
        for (j, cell) in row.iter_mut().enumerate() {
            *cell = c(j, i) / det;
        }
    }
    inverse
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn three_sigma_thresholds_are_scipys() {
        // SciPy 1.17.1: scipy.stats.t.isf(scipy.stats.norm.sf(3), dof)
        for (dof, scipy) in [
            (1.0, 235.801_497_960_468_3),
            (2.0, 19.206_744_211_508_592),
            (3.0, 9.218_940_458_700_258),
            (4.0, 6.620_205_966_815_868),
            (8.0, 4.276_632_543_373_757),
            (13.0, 3.694_188_419_066_592),
            (30.0, 3.270_333_882_473_316_6),
            (100.0, 3.076_755_577_096_674_4),
            (198.0, 3.038_322_708_176_420_6),
            (1000.0, 3.007_517_280_226_137_4),
        ] {
            let ours = three_sigma_t(dof);
            assert!(
                (ours / scipy - 1.0).abs() < 1e-9,
                "{dof} degrees of freedom: {ours} against SciPy's {scipy}"
            );
        }
        assert_eq!(three_sigma_t(0.0), f64::INFINITY);
    }

    #[test]
    fn exact_line_and_quadratic() {
        let x: Vec<f64> = (0..10).map(|i| 1000.0 + f64::from(i) * 250.0).collect();
        let y: Vec<f64> = x.iter().map(|v| 3.5 * v - 200.0).collect();
        let w = vec![1.0; 10];
        let line = weighted_line(&x, &y, &w);
        assert!((line.slope - 3.5).abs() < 1e-12 && (line.intercept + 200.0).abs() < 1e-8);
        assert!(line.r_squared > 1.0 - 1e-12);
        let bent: Vec<f64> = x.iter().map(|v| 1e-4 * v * v + v).collect();
        let q = weighted_quadratic(&x, &bent, &w);
        assert!((q.at(2000.0) - (400.0 + 2000.0)).abs() < 1e-6);
    }
}
