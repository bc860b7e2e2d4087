//! Photon counts from levels, `(x - zero level) / gain`, with one gain and zero level for the
//! whole frame or one per pixel (a raster calibration's maps), as float32.

use rayon::prelude::*;

use crate::raster::{Level, RasterCalibration};

/// Why a conversion cannot be set up or run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PhotonError {
    /// A gain that is not a positive finite number.
    #[error("conversion gain {0}: it must be a positive number of levels per photon")]
    Gain(f64),
    /// A zero level that is not finite.
    #[error("zero level {0}: it must be a finite number of levels")]
    ZeroLevel(f64),
    /// Maps or frames of another size than the scale's.
    #[error("{what} has {found} pixels where {expected} were expected")]
    Size {
        /// What is mis-sized.
        what: &'static str,
        /// Pixels expected.
        expected: usize,
        /// Pixels found.
        found: usize,
    },
}

/// The gain and zero level to divide by.
#[derive(Debug, Clone, PartialEq)]
pub enum PhotonScale {
    /// One gain and zero level for every pixel.
    Uniform {
        /// Levels per photon.
        gain: f64,
        /// Level at zero photons.
        zero_level: f64,
    },
    /// A gain and zero level per pixel; pixels without a positive finite gain and a finite
    /// zero level come out as NaN.
    PerPixel {
        /// Levels per photon of each pixel.
        gain: Vec<f64>,
        /// Level at zero photons of each pixel.
        zero_level: Vec<f64>,
    },
}

impl PhotonScale {
    /// One gain and zero level for every pixel.
    ///
    /// # Errors
    /// [`PhotonError::Gain`] or [`PhotonError::ZeroLevel`] for values that are not usable.
    pub fn uniform(gain: f64, zero_level: f64) -> Result<Self, PhotonError> {
        if !(gain.is_finite() && gain > 0.0) {
            return Err(PhotonError::Gain(gain));
        }
        if !zero_level.is_finite() {
            return Err(PhotonError::ZeroLevel(zero_level));
        }
        Ok(PhotonScale::Uniform { gain, zero_level })
    }

    /// A gain and zero level per pixel.
    ///
    /// # Errors
    /// [`PhotonError::Size`] when the maps differ in size.
    pub fn per_pixel(gain: Vec<f64>, zero_level: Vec<f64>) -> Result<Self, PhotonError> {
        if gain.len() != zero_level.len() {
            return Err(PhotonError::Size {
                what: "the zero-level map",
                expected: gain.len(),
                found: zero_level.len(),
            });
        }
        Ok(PhotonScale::PerPixel { gain, zero_level })
    }

    /// The per-pixel maps of a raster calibration (NaN where a pixel was not fitted).
    pub fn from_raster(calibration: &RasterCalibration) -> Self {
        PhotonScale::PerPixel {
            gain: calibration.gain_map(),
            zero_level: calibration.zero_level_map(),
        }
    }

    /// Pixels of a frame, when the scale is per pixel.
    pub fn pixels(&self) -> Option<usize> {
        match self {
            PhotonScale::Uniform { .. } => None,
            PhotonScale::PerPixel { gain, .. } => Some(gain.len()),
        }
    }

    /// Pixels that come out as NaN because they have no usable gain or zero level.
    pub fn pixels_without_scale(&self) -> usize {
        match self {
            PhotonScale::Uniform { .. } => 0,
            PhotonScale::PerPixel { gain, zero_level } => gain
                .iter()
                .zip(zero_level)
                .filter(|&(&g, &z)| !usable(g, z))
                .count(),
        }
    }

    /// Converts whole frames of `frame_len` pixels, of any sample type, to new float32 values.
    ///
    /// # Errors
    /// As [`PhotonScale::convert`].
    pub fn convert_samples(
        &self,
        frames: &anscombe_io::Samples,
        frame_len: usize,
    ) -> Result<Vec<f32>, PhotonError> {
        let mut out = vec![0.0f32; frames.len()];
        anscombe_io::for_samples!(frames, v => self.convert(v, frame_len, &mut out))?;
        Ok(out)
    }

    /// Converts whole frames of `frame_len` pixels into `out` (as many values).
    ///
    /// # Errors
    /// [`PhotonError::Size`] when `out` differs in length from `frames`, or the frames are not
    /// whole frames of the maps' size.
    pub fn convert<T: Level>(
        &self,
        frames: &[T],
        frame_len: usize,
        out: &mut [f32],
    ) -> Result<(), PhotonError> {
        if out.len() != frames.len() {
            return Err(PhotonError::Size {
                what: "the output",
                expected: frames.len(),
                found: out.len(),
            });
        }
        let expected = self.pixels().unwrap_or(frame_len);
        if frame_len == 0 || frame_len != expected || !frames.len().is_multiple_of(frame_len) {
            return Err(PhotonError::Size {
                what: "a frame",
                expected,
                found: frame_len,
            });
        }
        match self {
            PhotonScale::Uniform { gain, zero_level } => {
                let (gain, zero) = (*gain, *zero_level);
                out.par_chunks_mut(frame_len)
                    .zip(frames.par_chunks(frame_len))
                    .for_each(|(out, frame)| {
                        for (o, &x) in out.iter_mut().zip(frame) {
                            *o = ((x.level() - zero) / gain) as f32;
                        }
                    });
            }
            PhotonScale::PerPixel { gain, zero_level } => {
                out.par_chunks_mut(frame_len)
                    .zip(frames.par_chunks(frame_len))
                    .for_each(|(out, frame)| {
                        for (((o, &x), &g), &z) in
                            out.iter_mut().zip(frame).zip(gain).zip(zero_level)
                        {
                            *o = if usable(g, z) {
                                ((x.level() - z) / g) as f32
                            } else {
                                f32::NAN
                            };
                        }
                    });
            }
        }
        Ok(())
    }
}

/// A gain and zero level a pixel can be converted with.
fn usable(gain: f64, zero_level: f64) -> bool {
    gain.is_finite() && gain > 0.0 && zero_level.is_finite()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_and_per_pixel_conversion() {
        let scale = PhotonScale::uniform(2.0, 10.0).expect("scale");
        let mut out = [0.0f32; 4];
        scale
            .convert(&[10i16, 12, 20, 9], 2, &mut out)
            .expect("convert");
        assert_eq!(out, [0.0, 1.0, 5.0, -0.5]);
        let scale =
            PhotonScale::per_pixel(vec![2.0, f64::NAN, 4.0], vec![10.0, 0.0, 100.0]).expect("maps");
        assert_eq!(scale.pixels_without_scale(), 1);
        let mut out = [0.0f32; 6];
        scale
            .convert(&[14u16, 7, 104, 10, 7, 100], 3, &mut out)
            .expect("convert");
        assert_eq!(out[0], 2.0);
        assert!(out[1].is_nan() && out[4].is_nan());
        assert_eq!([out[2], out[3], out[5]], [1.0, 0.0, 0.0]);
    }

    #[test]
    fn refuses_bad_scales_and_sizes() {
        assert_eq!(PhotonScale::uniform(0.0, 1.0), Err(PhotonError::Gain(0.0)));
        assert!(matches!(
            PhotonScale::uniform(1.0, f64::NAN),
            Err(PhotonError::ZeroLevel(_))
        ));
        assert!(PhotonScale::per_pixel(vec![1.0], vec![]).is_err());
        let scale = PhotonScale::per_pixel(vec![1.0; 3], vec![0.0; 3]).expect("maps");
        let mut out = [0.0f32; 4];
        assert!(scale.convert(&[1u8, 2, 3, 4], 2, &mut out).is_err());
        assert!(scale.convert(&[1u8, 2, 3], 3, &mut out).is_err());
    }
}
