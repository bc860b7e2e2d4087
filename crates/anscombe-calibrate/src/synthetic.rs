//! Synthetic photon-limited movies with known gain and zero level, for testing estimators on
//! ground truth: Poisson photons on a structured static scene, Gaussian read noise, slow drift,
//! a little motion, a few hot pixels, and saturation at the sample type's limits.

use anscombe_core::Sample;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticSpec {
    /// Number of frames.
    pub frames: usize,
    /// Frame height.
    pub height: usize,
    /// Frame width.
    pub width: usize,
    /// Levels per photon.
    pub gain: f64,
    /// Level at zero photons.
    pub zero_level: f64,
    /// Mean photons per pixel per frame.
    pub mean_photons: f64,
    /// Read noise in photons (scales with the gain: the sensor's noise).
    pub read_noise_photons: f64,
    /// Read noise in levels (the digitiser's noise, independent of the gain).
    pub read_noise_levels: f64,
    /// Relative change of brightness from the first frame to the last.
    pub drift: f64,
    /// Frame-to-frame flicker of the illumination: each frame's brightness is multiplied by its
    /// own `1 + flicker * z` (`z` standard normal, independent between frames), as a pulsed or
    /// unstable source does (an X-ray beam, an arc lamp).
    pub flicker: f64,
    /// Whole-pixel shifts of the scene during the movie (a little motion).
    pub shifts: usize,
    /// Fraction of hot pixels (stuck bright, no shot noise).
    pub hot_fraction: f64,
    /// Seed.
    pub seed: u64,
}

impl SyntheticSpec {
    /// A 100-frame 96 x 96 movie with realistic nuisances: 0.3 photon and 0.5 level of read
    /// noise, 10 % drift, two one-pixel shifts, 0.05 % hot pixels; no flicker.
    pub fn new(gain: f64, zero_level: f64, mean_photons: f64, seed: u64) -> Self {
        SyntheticSpec {
            frames: 100,
            height: 96,
            width: 96,
            gain,
            zero_level,
            mean_photons,
            read_noise_photons: 0.3,
            read_noise_levels: 0.5,
            drift: 0.1,
            flicker: 0.0,
            shifts: 2,
            hot_fraction: 5e-4,
            seed,
        }
    }

    /// Read-noise variance in levels squared, with the quantisation of integer samples.
    pub fn read_variance(&self, integer_samples: bool) -> f64 {
        let sensor = self.read_noise_photons * self.gain;
        sensor * sensor
            + self.read_noise_levels * self.read_noise_levels
            + if integer_samples { 1.0 / 12.0 } else { 0.0 }
    }

    /// The zero level the codec needs: where the variance line reaches zero,
    /// `zero_level - read_variance / gain` (the generalised Anscombe transform's offset).
    pub fn noise_equivalent_zero(&self, integer_samples: bool) -> f64 {
        self.zero_level - self.read_variance(integer_samples) / self.gain
    }

    /// Generates the movie, `frames * height * width` samples, frame after frame; levels are
    /// rounded (integer types) and saturate at the type's limits.
    pub fn generate<T: Sample>(&self) -> Vec<T> {
        let mut rng = Rng(self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let margin = 2;
        let (h, w) = (self.height + 2 * margin, self.width + 2 * margin);
        let scene = scene(&mut rng, h, w, self.mean_photons);
        let hot: Vec<bool> = (0..self.height * self.width)
            .map(|_| rng.uniform() < self.hot_fraction)
            .collect();
        let shift_frames: Vec<usize> = (0..self.shifts)
            .map(|i| (i + 1) * self.frames / (self.shifts + 1))
            .collect();
        let integer = T::TABLE_BITS > 0
            || matches!(
                T::DATA_TYPE,
                anscombe_core::DataType::U32 | anscombe_core::DataType::I32
            );
        let read_photons = self.read_noise_photons;
        // The flicker has a stream of its own, so that it leaves the pixels' draws unchanged.
        let mut flicker_rng = Rng(self.seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
        let mut movie = Vec::with_capacity(self.frames * self.height * self.width);
        let (mut dy, mut dx) = (margin, margin);
        for t in 0..self.frames {
            if shift_frames.contains(&t) {
                dx = if dx == margin { margin + 1 } else { margin };
                dy = if t % 2 == 0 { margin - 1 } else { margin };
            }
            let flicker = if self.flicker > 0.0 {
                (1.0 + self.flicker * flicker_rng.normal()).max(0.0)
            } else {
                1.0
            };
            let brightness =
                (1.0 + self.drift * t as f64 / (self.frames.max(2) - 1) as f64) * flicker;
            for y in 0..self.height {
                for x in 0..self.width {
                    let photons = if hot[y * self.width + x] {
                        // A stuck bright pixel: no shot noise.
                        50.0 * self.mean_photons.max(1.0)
                    } else {
                        rng.poisson(scene[(y + dy) * w + x + dx] * brightness)
                    };
                    let level = self.zero_level
                        + self.gain * (photons + read_photons * rng.normal())
                        + self.read_noise_levels * rng.normal();
                    movie.push(T::from_f64(if integer { level.round() } else { level }));
                }
            }
        }
        movie
    }
}

/// A static scene with structure and a wide range of brightness: smoothed exponential noise
/// plus blobs (cells), scaled to the requested mean.
fn scene(rng: &mut Rng, h: usize, w: usize, mean: f64) -> Vec<f64> {
    let raw: Vec<f64> = (0..h * w)
        .map(|_| -rng.uniform().max(1e-300).ln())
        .collect();
    let mut field = vec![0.0; h * w];
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0.0;
            let mut n = 0.0;
            for yy in y.saturating_sub(1)..(y + 2).min(h) {
                for xx in x.saturating_sub(1)..(x + 2).min(w) {
                    sum += raw[yy * w + xx];
                    n += 1.0;
                }
            }
            field[y * w + x] = (sum / n).powi(3);
        }
    }
    for _ in 0..(h * w / 150).max(1) {
        let (cy, cx) = (rng.uniform() * h as f64, rng.uniform() * w as f64);
        let (radius, amplitude) = (1.5 + 3.0 * rng.uniform(), 4.0 * rng.uniform());
        for y in 0..h {
            for x in 0..w {
                let r2 = (y as f64 - cy).powi(2) + (x as f64 - cx).powi(2);
                field[y * w + x] += amplitude * (-r2 / (2.0 * radius * radius)).exp();
            }
        }
    }
    let average = field.iter().sum::<f64>() / field.len() as f64;
    field.iter().map(|v| v * mean / average).collect()
}

/// SplitMix64 with Poisson and normal deviates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(f64::MIN_POSITIVE);
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }

    /// Exact for small means (multiplication method), normal approximation with continuity
    /// correction above 40 photons (where it is indistinguishable for variance estimation).
    fn poisson(&mut self, mean: f64) -> f64 {
        if mean <= 0.0 {
            return 0.0;
        }
        if mean > 40.0 {
            return (mean + mean.sqrt() * self.normal()).round().max(0.0);
        }
        let limit = (-mean).exp();
        let mut product = self.uniform();
        let mut count = 0.0;
        while product > limit {
            product *= self.uniform();
            count += 1.0;
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photon_statistics_match_the_spec() {
        let spec = SyntheticSpec {
            drift: 0.0,
            shifts: 0,
            hot_fraction: 0.0,
            ..SyntheticSpec::new(10.0, 100.0, 5.0, 3)
        };
        let movie: Vec<f64> = spec.generate();
        let mean = movie.iter().sum::<f64>() / movie.len() as f64;
        assert!((mean - (100.0 + 10.0 * 5.0)).abs() < 1.0, "mean {mean}");
        // Temporal variance of one pixel pair sequence follows gain * (mean - zero) + read.
        let frame = spec.height * spec.width;
        let (mut sum_q, mut sum_m, mut n) = (0.0, 0.0, 0.0);
        for t in 1..spec.frames {
            for p in 0..frame {
                let (a, b) = (movie[(t - 1) * frame + p], movie[t * frame + p]);
                sum_q += (a - b).powi(2) / 2.0;
                sum_m += f64::midpoint(a, b);
                n += 1.0;
            }
        }
        let predicted = 10.0 * (sum_m / n - spec.noise_equivalent_zero(false));
        assert!(
            (sum_q / n / predicted - 1.0).abs() < 0.02,
            "{} vs {predicted}",
            sum_q / n
        );
    }

    #[test]
    fn saturates_at_the_type_limits() {
        let spec = SyntheticSpec::new(200.0, 100.0, 1000.0, 4);
        let movie: Vec<u16> = spec.generate();
        assert!(movie.contains(&u16::MAX));
    }
}

/// One case of a ground-truth grid: how each estimator did.
#[derive(Debug, Clone, PartialEq)]
pub struct GridCase {
    /// The movie's parameters.
    pub spec: SyntheticSpec,
    /// Our estimate: relative gain error, zero-level error in photons, and whether the gain
    /// error is within 4 standard errors (plus 0.5 %); or the refusal's message.
    pub ours: Result<(f64, f64, bool), String>,
    /// The reference's estimate, or its failure.
    pub reference: Result<(f64, f64), String>,
}

/// Runs the default estimator and the reference's on one synthetic movie (signed 16-bit samples
/// for a negative zero level, unsigned otherwise) and compares both with the truth.
pub fn evaluate(spec: &SyntheticSpec) -> GridCase {
    fn run<T: Sample>(spec: &SyntheticSpec) -> GridCase {
        let movie: Vec<T> = spec.generate();
        let frame = spec.height * spec.width;
        let truth_zero = spec.noise_equivalent_zero(true);
        let ours = crate::calibrate_movie(&movie, frame, &crate::PtcOptions::default())
            .map(|c| {
                let gain_error = c.conversion_gain / spec.gain - 1.0;
                let honest = (c.conversion_gain - spec.gain).abs()
                    <= 4.0 * c.conversion_gain_se + 0.005 * spec.gain;
                (gain_error, (c.zero_level - truth_zero) / spec.gain, honest)
            })
            .map_err(|e| e.to_string());
        let mut reference = crate::ReferenceEstimator::new();
        let theirs = movie
            .chunks(frame)
            .try_for_each(|f| reference.push_frame(f))
            .and_then(|()| reference.finish(0.2))
            .map(|r| {
                (
                    r.conversion_gain / spec.gain - 1.0,
                    (r.zero_level - truth_zero) / spec.gain,
                )
            })
            .map_err(|e| e.to_string());
        GridCase {
            spec: spec.clone(),
            ours,
            reference: theirs,
        }
    }
    if spec.zero_level < 0.0 {
        run::<i16>(spec)
    } else {
        run::<u16>(spec)
    }
}
