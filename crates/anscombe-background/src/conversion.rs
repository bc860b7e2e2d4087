//! Which sample type a background is computed in, and what a movie's samples go through to
//! get there.
//!
//! dcnum copies every movie into a `uint8` buffer before taking medians (a NumPy assignment,
//! which wraps: int16 `-1` becomes 255, `300` becomes 44) and stores `uint8` backgrounds; its
//! offsets are float64 means of the original samples, and its corrected images are the int16
//! difference of a uint8 frame and its background. So dcnum is meaningful for `uint8` movies,
//! and there we compute what it computes, bit for bit. For other types we keep what dcnum would
//! destroy instead of copying its wrap:
//!
//! - A median is one of the samples, so it is computed in the movie's own type, exactly: every
//!   integer type of 8 to 32 bits, signed or not, `float32` and `float64`.
//! - Types a store does not hold are converted on reading: `bool` to `uint8` (0 and 1), and
//!   64-bit integers to `float64`, which is exact up to 2^53; a sample beyond is refused rather
//!   than rounded.
//! - Offsets are float64 means of the samples, as dcnum's (exact for integers; for floats in
//!   NumPy's pairwise order, where NumPy itself would add float32 samples in float32).
//! - A corrected movie (frame less its background and offset) is `float32` for samples of up
//!   to 16 bits and `float32` samples, where it loses nothing the offset's rounding does not,
//!   and `float64` for 32- and 64-bit samples, which `float32` would round.

use anscombe_io::{Element, FrameSource, MovieError, Samples};

/// How a background is computed for a movie of one sample type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SamplePlan {
    /// The movie's sample type.
    pub input: Element,
    /// The type the samples are read as, the medians taken in and the background stored as.
    pub working: Element,
    /// The type of the corrected movie.
    pub corrected: Element,
}

/// 2^53: the integers from which float64 stops holding every one exactly.
const EXACT_IN_F64: u64 = 1 << 53;

impl SamplePlan {
    /// The plan for a movie of `input` samples.
    pub fn for_element(input: Element) -> Self {
        let working = match input {
            Element::Bool => Element::U8,
            Element::U64 | Element::I64 => Element::F64,
            other => other,
        };
        let corrected = match working {
            Element::U32 | Element::I32 | Element::F64 => Element::F64,
            _ => Element::F32,
        };
        SamplePlan {
            input,
            working,
            corrected,
        }
    }

    /// Whether the samples are converted on reading.
    pub fn converts(&self) -> bool {
        self.input != self.working
    }

    /// What happens to the samples, in a sentence for reports.
    pub fn describe(&self) -> String {
        let (input, working) = (self.input, self.working);
        let reading = match input {
            Element::Bool => "bool samples read as uint8 (0 and 1)".to_string(),
            Element::U64 | Element::I64 => format!(
                "{input} samples converted to float64 (exact up to 2^53; larger ones are refused)"
            ),
            Element::U8 => "uint8 samples, as dcnum's".to_string(),
            other => format!(
                "{other} samples, medians taken in {other} (exact: a median is one of the \
                 samples; dcnum would wrap them into uint8)"
            ),
        };
        let corrected = if self.corrected == Element::F64 {
            "float64 (float32 would round 32-bit levels)"
        } else {
            "float32"
        };
        format!("{reading}; backgrounds stored as {working}; a corrected movie is {corrected}")
    }
}

/// A movie source whose samples arrive as its plan's working type.
pub struct Converted<'a> {
    source: &'a mut dyn FrameSource,
    plan: SamplePlan,
}

impl<'a> Converted<'a> {
    /// Wraps `source`; the plan follows from its sample type.
    pub fn new(source: &'a mut dyn FrameSource) -> Self {
        let plan = SamplePlan::for_element(source.element());
        Converted { source, plan }
    }

    /// The plan.
    pub fn plan(&self) -> SamplePlan {
        self.plan
    }
}

impl FrameSource for Converted<'_> {
    fn shape(&self) -> &[usize] {
        self.source.shape()
    }

    fn element(&self) -> Element {
        self.plan.working
    }

    fn read_frames(&mut self, start: usize, count: usize) -> Result<Samples, MovieError> {
        let samples = self.source.read_frames(start, count)?;
        let beyond = |value: String| MovieError::Unsupported {
            path: "movie".into(),
            message: format!(
                "sample {value} is beyond 2^53, where float64 (the type a background of 64-bit \
                 samples is computed in) would round it"
            ),
        };
        Ok(match samples {
            Samples::Bool(v) => Samples::U8(v.into_iter().map(u8::from).collect()),
            Samples::U64(v) => Samples::F64(
                v.into_iter()
                    .map(|x| {
                        if x <= EXACT_IN_F64 {
                            Ok(x as f64)
                        } else {
                            Err(beyond(x.to_string()))
                        }
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Samples::I64(v) => Samples::F64(
                v.into_iter()
                    .map(|x| {
                        if x.unsigned_abs() <= EXACT_IN_F64 {
                            Ok(x as f64)
                        } else {
                            Err(beyond(x.to_string()))
                        }
                    })
                    .collect::<Result<_, _>>()?,
            ),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anscombe_io::InMemory;

    #[test]
    fn only_types_a_store_cannot_hold_are_converted() {
        for element in Element::ALL {
            let plan = SamplePlan::for_element(element);
            assert_eq!(
                plan.converts(),
                matches!(element, Element::Bool | Element::U64 | Element::I64),
                "{element}"
            );
        }
        let int16 = SamplePlan::for_element(Element::I16);
        assert_eq!(
            (int16.working, int16.corrected),
            (Element::I16, Element::F32)
        );
        assert!(int16.describe().contains("dcnum would wrap"));
        let int32 = SamplePlan::for_element(Element::I32);
        assert_eq!(int32.corrected, Element::F64);
        assert!(
            SamplePlan::for_element(Element::U8)
                .describe()
                .contains("as dcnum's")
        );
    }

    #[test]
    fn conversions_are_exact_or_refused() {
        let mut flags = InMemory::new(vec![2, 1, 2], Samples::Bool(vec![true, false, false, true]));
        let mut converted = Converted::new(&mut flags);
        assert_eq!(converted.element(), Element::U8);
        assert_eq!(
            converted.read_frames(0, 2).expect("read"),
            Samples::U8(vec![1, 0, 0, 1])
        );
        let big = i64::try_from(EXACT_IN_F64).expect("fits");
        let mut wide = InMemory::new(vec![2, 1, 1], Samples::I64(vec![-big, big + 1]));
        let mut converted = Converted::new(&mut wide);
        assert_eq!(
            converted.read_frames(0, 1).expect("exact"),
            Samples::F64(vec![-(EXACT_IN_F64 as f64)])
        );
        let refusal = converted.read_frames(1, 1).expect_err("rounds");
        assert!(
            refusal.to_string().contains("9007199254740993"),
            "{refusal}"
        );
        let mut unsigned = InMemory::new(vec![1, 1, 1], Samples::U64(vec![u64::MAX]));
        assert!(Converted::new(&mut unsigned).read_frames(0, 1).is_err());
    }
}
