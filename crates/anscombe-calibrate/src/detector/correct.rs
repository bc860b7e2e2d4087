//! Correction of images with the coefficients: `(image - dark) * coefficients`, divided by the
//! smoothed flat field, or with residual correction by the flat where it departs from the
//! smoothed one persistently (detectorcal's `correct_image`).

use super::DetectorError;
use super::gaussian::Gaussian;
use super::plane::Plane;
use anscombe_numeric::variance;

/// Everything a frame's correction needs, prepared once.
#[derive(Debug, Clone)]
pub struct Correction {
    height: usize,
    width: usize,
    coefficients: Vec<f64>,
    dark: Option<Plane>,
    /// What the corrected frame is divided by, per pixel (none without a flat).
    divisor: Option<Vec<f64>>,
}

impl Correction {
    /// A correction by `coefficients` (`height * width`), subtracting `dark`, dividing by the
    /// `flat` smoothed with `smoothing` (detectorcal's `smooth_radius`, 50 by default), and,
    /// with `residual_sigma`, using `flat * coefficients` where it differs from the smoothed
    /// flat by at least that many standard deviations of the difference.
    ///
    /// # Errors
    /// [`DetectorError::Shape`] for images of another size, [`DetectorError::Parameter`] for
    /// a residual sigma that is not a number.
    pub fn new(
        height: usize,
        width: usize,
        coefficients: Vec<f64>,
        dark: Option<Plane>,
        flat: Option<&Plane>,
        smoothing: &Gaussian,
        residual_sigma: Option<f64>,
    ) -> Result<Self, DetectorError> {
        let pixels = height * width;
        let check = |what: &str, len: usize| {
            if len == pixels {
                Ok(())
            } else {
                Err(DetectorError::Shape(format!(
                    "{what} has {len} pixels, the images {height} x {width}"
                )))
            }
        };
        check("the coefficient map", coefficients.len())?;
        if let Some(d) = &dark {
            check("the dark image", d.len())?;
        }
        if let Some(s) = residual_sigma.filter(|s| !s.is_finite()) {
            return Err(DetectorError::Parameter(format!(
                "the residual sigma must be a number, got {s}"
            )));
        }
        let divisor = match flat {
            None => None,
            Some(flat) => {
                check("the flat", flat.len())?;
                let smoothed = smoothing.smooth(flat, height, width)?.to_f64();
                Some(match residual_sigma {
                    None => smoothed,
                    Some(sigma) => {
                        let flat = flat.to_f64();
                        let residuals: Vec<f64> = smoothed
                            .iter()
                            .zip(&flat)
                            .zip(&coefficients)
                            .map(|((&s, &f), &c)| s - f * c)
                            .collect();
                        let threshold = variance(&residuals).sqrt() * sigma;
                        smoothed
                            .iter()
                            .zip(&residuals)
                            .map(|(&s, &r)| if r.abs() < threshold { s - 0.0 } else { s - r })
                            .collect()
                    }
                })
            }
        };
        Ok(Correction {
            height,
            width,
            coefficients,
            dark,
            divisor,
        })
    }

    /// Corrects consecutive frames (`frames` holds whole frames) into `out`.
    ///
    /// # Errors
    /// [`DetectorError::Shape`] for frames of another size.
    pub fn apply(&self, frames: &Plane, out: &mut [f64]) -> Result<(), DetectorError> {
        let pixels = self.height * self.width;
        if pixels == 0 || !frames.len().is_multiple_of(pixels) || out.len() != frames.len() {
            return Err(DetectorError::Shape(format!(
                "{} samples are not whole {} x {} frames",
                frames.len(),
                self.height,
                self.width
            )));
        }
        for (i, out) in out.chunks_exact_mut(pixels).enumerate() {
            let frame = frames.slice(i * pixels..(i + 1) * pixels);
            let measured = match &self.dark {
                Some(d) => frame.minus(d)?,
                None => frame,
            }
            .to_f64();
            match &self.divisor {
                Some(divisor) => {
                    for (((o, &m), &c), &d) in out
                        .iter_mut()
                        .zip(&measured)
                        .zip(&self.coefficients)
                        .zip(divisor)
                    {
                        *o = m * c / d;
                    }
                }
                None => {
                    for ((o, &m), &c) in out.iter_mut().zip(&measured).zip(&self.coefficients) {
                        *o = m * c;
                    }
                }
            }
        }
        Ok(())
    }
}
