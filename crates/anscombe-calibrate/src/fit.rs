//! The photon-transfer fit: a robust, weighted instrumental-variables line through the bins'
//! (mean, variance) points, its uncertainty, and the diagnostics the user sees.

use crate::error::CalibrationError;
use crate::result::{Calibration, Method, PtcPoint, Warning};
use crate::stats::{
    Line, MAD_TO_SIGMA, median, repeated_median_line, three_sigma_t, weighted_iv_line,
    weighted_quadratic,
};

/// A bin's point with the mean of the half that selected its pixels: the instrument of the fit
/// (it follows the bin's true level, not the noise of the half that measured it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BinPoint {
    pub(crate) point: PtcPoint,
    pub(crate) selection: f64,
    /// Which limit, if any, too many of its samples touch.
    pub(crate) limit: Option<Limit>,
}

/// A limit of the range that samples pile up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// The bottom: the noise of dark pixels is cut off.
    Clipped,
    /// The top: bright pixels saturate.
    Saturated,
}

/// Counts the fit reports.
pub(crate) struct FitContext {
    pub(crate) pixels_total: usize,
    pub(crate) saturated: usize,
    pub(crate) rejected_pixels: usize,
    pub(crate) pairs_rejected: usize,
    pub(crate) pairs: usize,
    /// The clipping and saturation levels.
    pub(crate) limits: (f64, f64),
}

/// Refuses when fewer than 3 bins are free of the range's limits, saying which limit.
fn refuse_limited(bins: &[BinPoint], context: &FitContext) -> Result<(), CalibrationError> {
    let count = |limit| bins.iter().filter(|b| b.limit == Some(limit)).count();
    let (clipped, saturated) = (count(Limit::Clipped), count(Limit::Saturated));
    if bins.len() - clipped - saturated >= 3 {
        return Ok(());
    }
    let mut reasons = Vec::new();
    if clipped > 0 {
        reasons.push(format!(
            "{clipped} have samples clipped at {} (the zero level sits at the bottom of the range, \
             so the noise of dim pixels is cut off: raise the camera's offset)",
            context.limits.0
        ));
    }
    if saturated > 0 {
        reasons.push(format!(
            "{saturated} have samples saturated at {} (the scene is too bright for the range: \
             lower the gain or the illumination)",
            context.limits.1
        ));
    }
    Err(CalibrationError::Insufficient(format!(
        "of {} brightness levels, {}: fewer than 3 remain for a fit",
        bins.len(),
        reasons.join("; ")
    )))
}

/// Inverse-variance weights: a variance estimated from n pairs has variance about 2 v^2 / n
/// (consecutive differences share a frame, which the dispersion factor absorbs).
fn variance_weights(pairs: &[f64], predicted: impl Iterator<Item = f64>) -> Vec<f64> {
    pairs
        .iter()
        .zip(predicted)
        .map(|(n, v)| n / (2.0 * v.max(1e-12 * (1.0 + v.abs())).powi(2)))
        .collect()
}

/// Iteratively reweighted line from a high-breakdown start (so a point of great leverage cannot
/// capture it), with Huber weights on standardised residuals. Returns the line, the Huber weight
/// of each point and the final weights.
fn robust_line(z: &[f64], x: &[f64], y: &[f64], pairs: &[f64]) -> (Line, Vec<f64>, Vec<f64>) {
    let predict = |line: &Line| {
        x.iter()
            .map(|&xi| line.intercept + line.slope * xi)
            .collect::<Vec<f64>>()
    };
    let mut huber = vec![1.0; x.len()];
    let mut line = repeated_median_line(x, y);
    for _ in 0..50 {
        let predicted = predict(&line);
        let weights = variance_weights(pairs, predicted.iter().copied());
        let standardized: Vec<f64> = y
            .iter()
            .zip(&predicted)
            .zip(&weights)
            .map(|((yi, pi), wi)| (yi - pi) * wi.sqrt())
            .collect();
        let scale = (MAD_TO_SIGMA
            * median(&standardized.iter().map(|r| r.abs()).collect::<Vec<_>>()))
        .max(1e-12);
        for (h, r) in huber.iter_mut().zip(&standardized) {
            *h = (2.5 * scale / r.abs().max(f64::MIN_POSITIVE)).min(1.0);
        }
        let combined: Vec<f64> = weights.iter().zip(&huber).map(|(w, h)| w * h).collect();
        let next = weighted_iv_line(z, x, y, &combined);
        let settled = (next.slope - line.slope).abs() <= 1e-12 * line.slope.abs().max(1e-300);
        line = next;
        if settled {
            break;
        }
    }
    let weights: Vec<f64> = variance_weights(pairs, predict(&line).into_iter())
        .iter()
        .zip(&huber)
        .map(|(w, h)| w * h)
        .collect();
    (weighted_iv_line(z, x, y, &weights), huber, weights)
}

/// How far the points bend away from the line: the largest relative departure of a weighted
/// quadratic, the t statistic of its curvature, and the slopes of the darker and brighter half.
struct Shape {
    nonlinearity: f64,
    curvature_t: f64,
    halves: (f64, f64),
}

fn shape(z: &[f64], x: &[f64], y: &[f64], weights: &[f64], line: &Line) -> Shape {
    let quadratic = weighted_quadratic(x, y, weights);
    let nonlinearity = x
        .iter()
        .map(|&xi| {
            let linear = line.intercept + line.slope * xi;
            (quadratic.at(xi) - linear).abs() / linear.abs().max(f64::MIN_POSITIVE)
        })
        .fold(0.0, f64::max);
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let bright = order.split_off(order.len() / 2);
    let slope = |idx: &[usize]| {
        let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        weighted_iv_line(&pick(z), &pick(x), &pick(y), &pick(weights)).slope
    };
    Shape {
        nonlinearity,
        curvature_t: quadratic.curvature / quadratic.curvature_se.max(f64::MIN_POSITIVE),
        halves: (slope(&order), slope(&bright)),
    }
}

/// Robust weighted line through the bins' (mean, variance) points, with its uncertainty and
/// warnings; refuses when the data do not allow a gain.
pub(crate) fn fit_points(
    bins: Vec<BinPoint>,
    context: &FitContext,
) -> Result<Calibration, CalibrationError> {
    refuse_limited(&bins, context)?;
    let (set_aside, kept): (Vec<BinPoint>, Vec<BinPoint>) =
        bins.into_iter().partition(|b| b.limit.is_some());
    let z: Vec<f64> = kept.iter().map(|b| b.selection).collect();
    let x: Vec<f64> = kept.iter().map(|b| b.point.mean).collect();
    let y: Vec<f64> = kept.iter().map(|b| b.point.variance).collect();
    let pairs: Vec<f64> = kept.iter().map(|b| b.point.pairs).collect();
    let (line, huber, weights) = robust_line(&z, &x, &y, &pairs);
    let gain = line.slope;
    // The slope must stand out from zero as surely as three normal standard deviations; its
    // standard error comes from the points' own scatter, so with few points by more of them.
    let threshold = three_sigma_t(line.dof);
    if gain.is_nan() || gain <= 0.0 || gain < threshold * line.slope_se {
        return Err(CalibrationError::NotShotNoise(format!(
            "the variance does not rise with the mean (slope {gain:.4} +/- {:.4} levels per photon, \
             under the {threshold:.1} standard errors {} points need): the movie holds too few \
             photons, or its noise is not shot noise",
            line.slope_se,
            x.len()
        )));
    }
    let zero = -line.intercept / gain;
    let zero_se = (line.intercept_se.powi(2) / gain.powi(2)
        + line.intercept.powi(2) * line.slope_se.powi(2) / gain.powi(4)
        - 2.0 * line.intercept * line.covariance / gain.powi(3))
    .max(0.0)
    .sqrt();
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let photons = ((lo - zero) / gain, (hi - zero) / gain);
    if line.r_squared < 0.5 {
        return Err(CalibrationError::NotShotNoise(format!(
            "the variance hardly follows the mean (R² {:.2} over photons {:.2} to {:.2}): too few \
             photons, or too little range between pixels, to measure a gain",
            line.r_squared, photons.0, photons.1
        )));
    }
    let shape = shape(&z, &x, &y, &weights, &line);
    let mut warnings = Vec::new();
    if line.r_squared < 0.95 || (shape.curvature_t.abs() > 5.0 && shape.nonlinearity > 0.1) {
        warnings.push(Warning::NotShotNoiseLimited {
            r_squared: line.r_squared,
            nonlinearity: shape.nonlinearity,
            dark_slope: shape.halves.0,
            bright_slope: shape.halves.1,
        });
    }
    if photons.1 < 3.0 {
        warnings.push(Warning::FewPhotons {
            max_photons: photons.1,
        });
    }
    if photons.0 > 2.0 {
        warnings.push(Warning::ZeroExtrapolated {
            min_photons: photons.0,
            zero_se_photons: zero_se / gain,
        });
    }
    let saturated_fraction = context.saturated as f64 / context.pixels_total.max(1) as f64;
    if !set_aside.is_empty() || saturated_fraction > 0.01 {
        warnings.push(Warning::Saturation {
            fraction: saturated_fraction,
        });
    }
    if context.pairs_rejected > 0 {
        warnings.push(Warning::FramePairsSetAside {
            count: context.pairs_rejected,
            of: context.pairs,
        });
    }
    let mut points: Vec<PtcPoint> = kept
        .iter()
        .zip(&huber)
        .map(|(b, &h)| PtcPoint {
            used: h > 0.5,
            ..b.point
        })
        .collect();
    points.extend(set_aside.iter().map(|b| b.point));
    points.sort_by(|a, b| a.mean.total_cmp(&b.mean));
    Ok(Calibration {
        method: Method::PhotonTransfer,
        conversion_gain: gain,
        conversion_gain_se: line.slope_se,
        zero_level: zero,
        zero_level_se: zero_se,
        r_squared: line.r_squared,
        reduced_chi_squared: line.dispersion,
        nonlinearity: shape.nonlinearity,
        levels_used: points.iter().filter(|p| p.used).count(),
        pixels_used: context.pixels_total.saturating_sub(context.rejected_pixels),
        pixels_saturated: context.saturated,
        pixels_rejected: context.rejected_pixels,
        photon_range: photons,
        read_noise: None,
        illumination_flicker: None,
        warnings,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bins(points: &[(f64, f64)]) -> Vec<BinPoint> {
        points
            .iter()
            .map(|&(mean, variance)| BinPoint {
                point: PtcPoint {
                    mean,
                    variance,
                    pairs: 1000.0,
                    used: true,
                },
                selection: mean,
                limit: None,
            })
            .collect()
    }

    fn context() -> FitContext {
        FitContext {
            pixels_total: 1000,
            saturated: 0,
            rejected_pixels: 0,
            pairs_rejected: 0,
            pairs: 10,
            limits: (0.0, 65535.0),
        }
    }

    /// Four points whose slope is 3.8 standard errors above zero: a normal approximation
    /// would take it, but its standard error rests on 2 degrees of freedom, and the Student-t
    /// bar for them is 19.2.
    #[test]
    fn a_slope_from_few_points_must_stand_further_out() {
        let points = [
            (100.0, 300.0),
            (200.0, 400.0),
            (300.0, 700.0),
            (400.0, 650.0),
        ];
        let (x, y): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
        let (line, _, _) = robust_line(&x, &x, &y, &[1000.0; 4]);
        let t = line.slope / line.slope_se;
        assert!(t > 3.0 && t < three_sigma_t(line.dof), "t = {t}");
        let refusal = fit_points(bins(&points), &context()).expect_err("refused");
        assert!(
            refusal
                .to_string()
                .contains("19.2 standard errors 4 points need"),
            "{refusal}"
        );
        // Ten times the points, the same line: the slope stands out.
        let many: Vec<(f64, f64)> = (0..10)
            .flat_map(|k| points.map(|(m, v)| (m + f64::from(k), v)))
            .collect();
        let calibration = fit_points(bins(&many), &context()).expect("a gain");
        assert!(calibration.conversion_gain > 0.0);
    }
}
