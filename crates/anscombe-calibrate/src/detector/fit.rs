//! The response fit: each pixel's smoothed sweep against its measured sweep.

use anscombe_io::{FrameSource, stream_frames};
use anscombe_numeric::median_abs_deviation;
use rayon::prelude::*;

use super::DetectorError;
use super::gaussian::Gaussian;
use super::plane::Plane;
use crate::stats::MAD_TO_SIGMA;

/// The fit's parameters, with detectorcal's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseFit {
    /// Standard deviation of the smoothing Gaussian, in pixels.
    pub sigma: f64,
    /// The Gaussian is cut at this many standard deviations.
    pub truncate: f64,
    /// Only samples whose smoothed value is above this enter the fit (the detector's linear
    /// range; 300 suits 12-bit data).
    pub cutoff: f64,
    /// Pixels whose fit explains less of their variance than this are marked bad.
    pub min_r_squared: f64,
    /// Pixels whose coefficient is further than this many robust standard deviations from the
    /// median coefficient are marked bad.
    pub max_deviation: f64,
}

impl Default for ResponseFit {
    fn default() -> Self {
        ResponseFit {
            sigma: 50.0,
            truncate: 4.0,
            cutoff: 300.0,
            min_r_squared: 0.98,
            max_deviation: 8.0,
        }
    }
}

/// Per-pixel coefficients and their fit quality.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorCalibration {
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// Multiply a dark-subtracted image by these (0 where a pixel had no usable sample).
    pub coefficients: Vec<f64>,
    /// Share of each pixel's smoothed variance the fit explains.
    pub r_squared: Vec<f64>,
    /// Samples above the cutoff per pixel.
    pub points: Vec<u32>,
    /// Pixels whose fit cannot be trusted (too few points, poor fit, outlying coefficient).
    pub bad: Vec<bool>,
    /// The parameters used.
    pub fit: ResponseFit,
    /// Frames in the sweep.
    pub frames: usize,
}

impl DetectorCalibration {
    /// Number of bad pixels.
    pub fn bad_pixels(&self) -> usize {
        self.bad.iter().filter(|&&b| b).count()
    }

    /// The coefficients of the pixels that are not bad, in pixel order.
    pub fn good_coefficients(&self) -> Vec<f64> {
        self.coefficients
            .iter()
            .zip(&self.bad)
            .filter(|(_, bad)| !**bad)
            .map(|(&c, _)| c)
            .collect()
    }

    /// The fit in a few numbers, for reports.
    pub fn summary(&self) -> FitSummary {
        let mut good = self.good_coefficients();
        good.sort_by(f64::total_cmp);
        // The value at fraction `q` of the sorted good coefficients (lower index, no
        // interpolation); 0 for none.
        let at = |q: f64| {
            good.get((good.len().saturating_sub(1) as f64 * q) as usize)
                .copied()
                .unwrap_or(0.0)
        };
        let median = at(0.5);
        let mut r_squared = self.r_squared.clone();
        r_squared.sort_by(f64::total_cmp);
        FitSummary {
            frames: self.frames,
            height: self.height,
            width: self.width,
            sigma: self.fit.sigma,
            cutoff: self.fit.cutoff,
            median_coefficient: median,
            relative_spread: if median == 0.0 {
                0.0
            } else {
                (at(0.975) - at(0.025)) / 2.0 / median
            },
            median_r_squared: r_squared.get(r_squared.len() / 2).copied().unwrap_or(0.0),
            bad_pixels: self.bad_pixels(),
            unfitted_pixels: self.points.iter().filter(|&&n| n < 2).count(),
        }
    }
}

/// A [`DetectorCalibration`] in a few numbers.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FitSummary {
    /// Frames in the sweep.
    pub frames: usize,
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// The smoothing Gaussian's standard deviation.
    pub sigma: f64,
    /// The cutoff used.
    pub cutoff: f64,
    /// Median coefficient of the good pixels.
    pub median_coefficient: f64,
    /// Coefficient spread: half the 2.5-97.5 % range of the good pixels, relative to the
    /// median.
    pub relative_spread: f64,
    /// Median R² of all pixels.
    pub median_r_squared: f64,
    /// Pixels marked bad.
    pub bad_pixels: usize,
    /// Pixels with fewer than two samples above the cutoff.
    pub unfitted_pixels: usize,
}

/// Running sums of one pixel's regression.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    xx: f64,
    xy: f64,
    yy: f64,
    y: f64,
    n: u32,
}

impl ResponseFit {
    /// Checks the parameters.
    ///
    /// # Errors
    /// [`DetectorError::Parameter`] naming the parameter.
    pub fn validate(&self) -> Result<(), DetectorError> {
        Gaussian::new(self.sigma, self.truncate)?;
        if !self.cutoff.is_finite() {
            return Err(DetectorError::Parameter(
                "the cutoff must be a number".into(),
            ));
        }
        Ok(())
    }

    /// Fits every pixel of the (frames, height, width) sweep in `sweep`, minus `dark` when
    /// given, reading frame batch by frame batch (memory: a batch and a few planes of sums).
    ///
    /// # Errors
    /// [`DetectorError`] for bad parameters, shapes or types, or a read that fails.
    pub fn fit(
        &self,
        sweep: &mut dyn FrameSource,
        dark: Option<&Plane>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<DetectorCalibration, DetectorError> {
        self.validate()?;
        let gaussian = Gaussian::new(self.sigma, self.truncate)?;
        let [frames, height, width] = *sweep.shape() else {
            return Err(DetectorError::Shape(format!(
                "a beam sweep is a (frames, height, width) stack, got shape {:?}",
                sweep.shape()
            )));
        };
        let pixels = height * width;
        if let Some(d) = dark.filter(|d| d.len() != pixels) {
            return Err(DetectorError::Shape(format!(
                "the dark image has {} samples, a frame {height} x {width}",
                d.len()
            )));
        }
        let mut sums = vec![Sums::default(); pixels];
        let batch = ((256 << 20) / (pixels * 8).max(1)).clamp(1, 64);
        stream_frames(sweep, batch, |first, samples| {
            let count = samples.len() / pixels.max(1);
            let plane = Plane::from_samples(samples)?;
            let batch_frames: Vec<Plane> = (0..count)
                .map(|i| plane.slice(i * pixels..(i + 1) * pixels))
                .collect();
            // Smooth the batch's frames in parallel; fold them into the sums in order.
            let smoothed: Vec<(Vec<f64>, Vec<f64>)> = batch_frames
                .par_iter()
                .map(|frame| {
                    let measured = match dark {
                        Some(d) => frame.minus(d)?,
                        None => frame.clone(),
                    };
                    let smooth = gaussian.smooth(&measured, height, width)?;
                    Ok::<_, DetectorError>((measured.to_f64(), smooth.to_f64()))
                })
                .collect::<Result<_, _>>()?;
            for (x, y) in &smoothed {
                sums.par_iter_mut()
                    .zip(x.par_iter().zip(y))
                    .for_each(|(s, (&x, &y))| {
                        if y > self.cutoff {
                            s.xx += x * x;
                            s.xy += x * y;
                            s.yy += y * y;
                            s.y += y;
                            s.n += 1;
                        }
                    });
            }
            progress(first + count, frames);
            Ok::<(), DetectorError>(())
        })?;
        Ok(self.finish(&sums, height, width, frames))
    }

    /// Coefficients, R² and bad pixels from the sums.
    fn finish(
        &self,
        sums: &[Sums],
        height: usize,
        width: usize,
        frames: usize,
    ) -> DetectorCalibration {
        // Least squares through the origin, as lstsq of one column: x.y / x.x (0 when no
        // sample was usable, lstsq's minimum-norm answer).
        let coefficients: Vec<f64> = sums
            .iter()
            .map(|s| if s.xx > 0.0 { s.xy / s.xx } else { 0.0 })
            .collect();
        let r_squared: Vec<f64> = sums
            .iter()
            .zip(&coefficients)
            .map(|(s, &a)| {
                let n = f64::from(s.n);
                let total = s.yy - s.y * s.y / n.max(1.0);
                let residual = (s.yy - 2.0 * a * s.xy + a * a * s.xx).max(0.0);
                if s.n < 2 || total <= 0.0 {
                    0.0
                } else {
                    1.0 - residual / total
                }
            })
            .collect();
        let points: Vec<u32> = sums.iter().map(|s| s.n).collect();
        let usable: Vec<f64> = coefficients
            .iter()
            .zip(&points)
            .filter(|(_, n)| **n >= 2)
            .map(|(&c, _)| c)
            .collect();
        let (centre, deviation) = median_abs_deviation(&usable).unwrap_or((1.0, 0.0));
        let spread = MAD_TO_SIGMA * deviation;
        let bad = coefficients
            .iter()
            .zip(&r_squared)
            .zip(&points)
            .map(|((&c, &r2), &n)| {
                n < 2
                    || r2 < self.min_r_squared
                    || (spread > 0.0 && (c - centre).abs() > self.max_deviation * spread)
            })
            .collect();
        DetectorCalibration {
            height,
            width,
            coefficients,
            r_squared,
            points,
            bad,
            fit: *self,
            frames,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five pixels, one bad: the summary counts from the four good ones by hand.
    #[test]
    fn the_summary_describes_the_good_pixels() {
        let calibration = DetectorCalibration {
            height: 1,
            width: 5,
            coefficients: vec![1.0, 3.0, 9.0, 2.0, 4.0],
            r_squared: vec![0.5, 0.99, 0.1, 0.9, 0.97],
            points: vec![10, 10, 1, 10, 0],
            bad: vec![false, false, true, false, false],
            fit: ResponseFit::default(),
            frames: 7,
        };
        assert_eq!(calibration.good_coefficients(), [1.0, 3.0, 2.0, 4.0]);
        let s = calibration.summary();
        // Sorted good: 1, 2, 3, 4; indices 3 * q: 0.5 -> 1, 0.975 -> 2, 0.025 -> 0.
        assert_eq!(s.median_coefficient, 2.0);
        assert_eq!(s.relative_spread, (3.0 - 1.0) / 2.0 / 2.0);
        // Sorted R²: 0.1, 0.5, 0.9, 0.97, 0.99; the middle one.
        assert_eq!(s.median_r_squared, 0.9);
        assert_eq!((s.bad_pixels, s.unfitted_pixels), (1, 2));
        assert_eq!((s.frames, s.height, s.width), (7, 1, 5));
        assert_eq!((s.sigma, s.cutoff), (50.0, 300.0));
    }

    #[test]
    fn no_good_pixel_summarises_as_zeros() {
        let calibration = DetectorCalibration {
            height: 1,
            width: 1,
            coefficients: vec![1.0],
            r_squared: vec![],
            points: vec![0],
            bad: vec![true],
            fit: ResponseFit::default(),
            frames: 0,
        };
        let s = calibration.summary();
        assert_eq!(
            (s.median_coefficient, s.relative_spread, s.median_r_squared),
            (0.0, 0.0, 0.0)
        );
    }
}
