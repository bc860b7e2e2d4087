//! The time of every frame, which places the sparse median's background images.

use anscombe_numeric::linspace;

use crate::error::BackgroundError;

/// Where frame times come from.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeAxis {
    /// Given in seconds, one per frame (shifted so the first frame is at 0, as dcnum does).
    Seconds(Vec<f64>),
    /// Frames at a constant rate, in frames per second: frame `i` at `i / rate`.
    FrameRate(f64),
    /// No information: dcnum's guess for arrays, `linspace(0, frames / 3600 * 1.5, frames)`,
    /// which treats a movie as a 1.5-times-realtime recording at 3600 frames per second. Give a
    /// frame rate instead whenever it is known; `split_time` is in seconds of this axis.
    Guess,
}

impl TimeAxis {
    /// The time of each of `frames` frames, first frame at 0.
    ///
    /// # Errors
    /// [`BackgroundError::Time`] for a given axis of the wrong length, not finite, or
    /// decreasing, and for a frame rate that is not a positive number.
    pub fn times(&self, frames: usize) -> Result<Vec<f64>, BackgroundError> {
        match self {
            TimeAxis::Seconds(seconds) => {
                if seconds.len() != frames {
                    return Err(BackgroundError::Time(format!(
                        "{} times for {frames} frames",
                        seconds.len()
                    )));
                }
                if seconds.iter().any(|t| !t.is_finite()) || seconds.windows(2).any(|w| w[1] < w[0])
                {
                    return Err(BackgroundError::Time(
                        "times must be finite and never decrease".into(),
                    ));
                }
                let first = seconds.first().copied().unwrap_or(0.0);
                Ok(seconds.iter().map(|t| t - first).collect())
            }
            TimeAxis::FrameRate(rate) => {
                // A rate so small that a frame's time overflows is no rate either.
                if !(rate.is_finite() && *rate > 0.0 && (frames as f64 / rate).is_finite()) {
                    return Err(BackgroundError::Time(format!(
                        "the frame rate must be a positive number of frames per second, got {rate}"
                    )));
                }
                Ok((0..frames).map(|i| i as f64 / rate).collect())
            }
            TimeAxis::Guess => Ok(linspace(frames as f64 / 3600.0 * 1.5, frames)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_follow_dcnum() {
        assert_eq!(TimeAxis::FrameRate(4.0).times(3).unwrap(), [0.0, 0.25, 0.5]);
        assert_eq!(
            TimeAxis::Seconds(vec![10.0, 10.5]).times(2).unwrap(),
            [0.0, 0.5]
        );
        let guess = TimeAxis::Guess.times(300).unwrap();
        assert_eq!(guess[299], 300.0 / 3600.0 * 1.5);
        assert!(TimeAxis::Seconds(vec![1.0]).times(2).is_err());
        assert!(TimeAxis::FrameRate(0.0).times(2).is_err());
        assert!(TimeAxis::Seconds(vec![2.0, 1.0]).times(2).is_err());
    }
}
