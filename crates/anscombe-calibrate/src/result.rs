//! What a calibration reports: the two numbers, how sure they are, and what to watch out for.

use std::fmt;

use serde::Serialize;

/// Which estimator produced a calibration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The robust photon-transfer fit over pixels (the default).
    PhotonTransfer,
    /// `compute_conversion_gain` of the Python `anscombe-transform` 1.0.0.
    Reference,
    /// Dark frames and flat frames.
    DarksAndFlats,
}

/// One point of the photon-transfer curve: a bin's mean level and temporal variance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PtcPoint {
    /// Mean level.
    pub mean: f64,
    /// Variance, levels squared.
    pub variance: f64,
    /// Pixel pairs behind it.
    pub pairs: f64,
    /// False when the robust fit set it aside.
    pub used: bool,
}

/// Something the user should know about a calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Warning {
    /// The variance is not a straight line in the mean.
    NotShotNoiseLimited {
        /// Weighted R-squared of the line.
        r_squared: f64,
        /// Largest relative departure of a quadratic from the line.
        nonlinearity: f64,
        /// Slope of the darker half of the points.
        dark_slope: f64,
        /// Slope of the brighter half.
        bright_slope: f64,
    },
    /// The brightest usable pixels hold few photons.
    FewPhotons {
        /// Photons at the brightest bin.
        max_photons: f64,
    },
    /// No usable pixel is dark: the zero level is an extrapolation.
    ZeroExtrapolated {
        /// Photons at the darkest point.
        min_photons: f64,
        /// Standard error of the zero level, in photons.
        zero_se_photons: f64,
    },
    /// Many pixels saturate.
    Saturation {
        /// Fraction of pixels left out.
        fraction: f64,
    },
    /// Some frame pairs were set aside (motion or a jump in illumination).
    FramePairsSetAside {
        /// Pairs set aside.
        count: usize,
        /// Pairs in all.
        of: usize,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::NotShotNoiseLimited {
                r_squared,
                nonlinearity,
                dark_slope,
                bright_slope,
            } => write!(
                f,
                "not shot-noise limited: the variance is not a straight line in the mean \
                 (R² {r_squared:.3}, up to {:.0} % off a line; slope {dark_slope:.3} over the darker \
                 half, {bright_slope:.3} over the brighter): the noise is not the shot noise of a \
                 single gain, so the codec's error bound holds only approximately. Temporal signal \
                 (activity, flicker), excess noise or a nonlinear detector bends the curve",
                100.0 * nonlinearity
            ),
            Warning::ZeroExtrapolated {
                min_photons,
                zero_se_photons,
            } => write!(
                f,
                "the darkest usable pixels hold {min_photons:.1} photons, so the zero level is an \
                 extrapolation (± {zero_se_photons:.2} photons); dark and flat frames measure it"
            ),
            Warning::FewPhotons { max_photons } => write!(
                f,
                "few photons: the brightest usable pixels hold {max_photons:.2} photons, so the fit \
                 rests on a narrow range"
            ),
            Warning::Saturation { fraction } => write!(
                f,
                "range limits: {:.1} % of pixels touch the top or bottom of the range; the levels \
                 where that biases the variance were left out",
                100.0 * fraction
            ),
            Warning::FramePairsSetAside { count, of } => write!(
                f,
                "{count} of {of} frame pairs set aside: their differences were far larger than the \
                 others' (motion or a jump in illumination)"
            ),
        }
    }
}

/// A conversion gain and zero level with their quality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Estimator used.
    pub method: Method,
    /// Levels per photon.
    pub conversion_gain: f64,
    /// Its standard error.
    pub conversion_gain_se: f64,
    /// Noise-equivalent zero level: where the variance line reaches zero, `offset - read
    /// variance / gain`; the value the codec's `zero_level` should get.
    pub zero_level: f64,
    /// Its standard error.
    pub zero_level_se: f64,
    /// Weighted R-squared of the line.
    pub r_squared: f64,
    /// Weighted residual dispersion (1 when the scatter is what the counts predict).
    pub reduced_chi_squared: f64,
    /// Largest relative departure of a quadratic fit from the line.
    pub nonlinearity: f64,
    /// Points (bins or intensity levels) in the fit.
    pub levels_used: usize,
    /// Pixels in the fit.
    pub pixels_used: usize,
    /// Pixels left out because they saturate.
    pub pixels_saturated: usize,
    /// Pixels left out as outliers (hot pixels, moving edges).
    pub pixels_rejected: usize,
    /// Photons at the darkest and brightest point.
    pub photon_range: (f64, f64),
    /// Read noise in levels, when darks measured it.
    pub read_noise: Option<f64>,
    /// Flats: the largest relative standard deviation of a flat stack's frame-to-frame light,
    /// which was measured and removed before the variances were taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illumination_flicker: Option<f64>,
    /// What to watch out for.
    pub warnings: Vec<Warning>,
    /// The photon-transfer curve.
    pub points: Vec<PtcPoint>,
}

impl fmt::Display for Calibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let error = |se: f64, digits: usize| {
            if se.is_finite() {
                format!(" ± {se:.digits$}")
            } else {
                String::new()
            }
        };
        writeln!(
            f,
            "conversion gain  {:.4}{} levels per photon",
            self.conversion_gain,
            error(self.conversion_gain_se, 4)
        )?;
        writeln!(
            f,
            "zero level       {:.2}{} levels (noise-equivalent)",
            self.zero_level,
            error(self.zero_level_se, 2)
        )?;
        if self.method == Method::Reference {
            let how = if self.conversion_gain_se.is_finite() {
                "ours, a jackknife over blocks of frames (the reference method reports none)".into()
            } else {
                format!(
                    "not estimated: the jackknife over blocks of frames needs two frame pairs and \
                     levels below {} (the reference method reports none)",
                    crate::reference::BLOCKED_INTENSITIES
                )
            };
            writeln!(f, "uncertainty      {how}")?;
        }
        if let Some(read) = self.read_noise {
            writeln!(
                f,
                "read noise       {read:.2} levels ({:.2} photons)",
                read / self.conversion_gain
            )?;
        }
        // Only the photon-transfer fit counts pixels; the others' points are levels or stacks.
        let pixels = if self.pixels_used > 0 {
            format!(", {} pixels", self.pixels_used)
        } else {
            String::new()
        };
        writeln!(
            f,
            "fit              R² {:.4}, dispersion {:.2}, {} points{pixels}, photons {:.1} to {:.1}",
            self.r_squared,
            self.reduced_chi_squared,
            self.levels_used,
            self.photon_range.0,
            self.photon_range.1
        )?;
        if let Some(flicker) = self.illumination_flicker {
            writeln!(
                f,
                "flats            light varied {:.2} % (rms) from frame to frame; each frame was \
                 scaled to its stack's mean light before the variances were taken",
                100.0 * flicker
            )?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning          {warning}")?;
        }
        Ok(())
    }
}
