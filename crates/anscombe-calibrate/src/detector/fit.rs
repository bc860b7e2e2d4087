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
