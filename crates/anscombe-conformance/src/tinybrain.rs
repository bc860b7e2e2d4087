//! The tinybrain family: pyramids by average, mode, max and min pooling and striding.
//!
//! Every call of every case is run through `anscombe-pyramid` and each level compared with
//! the reference's output as the manifest says (`exact`, `bitwise`, or a tolerance). Two
//! kinds of reference output are known defects, checked for what they are rather than
//! matched: the single-level odd-x path (`quirk` cases) and tinybrain's `float32` NumPy
//! fallback for several levels of 32- and 64-bit integers.

use std::path::Path;

use anscombe_io::Samples;
use anscombe_io::npy::NpyArray;
use anscombe_pyramid::{Method, Pyramid, Sample};
use ndarray::{ArrayD, IxDyn, SliceInfoElem};
use serde_json::Value;

use crate::fixture::{array, text};
use crate::report::{Outcome, Report};

pub(crate) fn check(folder: &Path, manifest: &Value) -> Report {
    let mut report = Report::default();
    for case in manifest["cases"].as_array().into_iter().flatten() {
        let name = case["name"].as_str().unwrap_or("(unnamed)");
        let calls = case["calls"].as_array().map_or(&[][..], Vec::as_slice);
        if calls.is_empty() {
            report.outcomes.push(Outcome::new(
                "pyramid",
                name,
                Err("the case lists no calls".into()),
            ));
        }
        for (k, call) in calls.iter().enumerate() {
            let api = call["call"]["api"].as_str().unwrap_or("?");
            let label = format!("{name} #{k} {api}");
            let result = check_call(folder, case, call);
            report
                .outcomes
                .push(Outcome::new("pyramid", &label, result));
        }
    }
    report
}

/// How a call's levels are compared.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Exact,
    Bitwise,
    Close {
        rtol: f64,
        atol: f64,
    },
    /// tinybrain's single-level C++ path with odd x: its last two x columns are wrong.
    SingleMipOddX,
    /// tinybrain's NumPy fallback averages in `float32`: off by its rounding.
    Float32Fallback,
}

fn check_call(folder: &Path, case: &Value, call: &Value) -> Result<String, String> {
    let input = array(folder, case, "input")?;
    let outputs = call["outputs"]
        .as_array()
        .ok_or("the call lists no outputs")?
        .iter()
        .map(|entry| {
            let file = text(entry, "file")?;
            NpyArray::read(folder.join(file)).map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    let fortran = case["input_memory_order"].as_str() == Some("F");
    macro_rules! typed {
        ($($variant:ident => $t:ty),*) => {
            match input.samples {
                $(Samples::$variant(v) => run::<$t>(&input.shape, v, fortran, case, call, &outputs),)*
                other => Err(format!("{} input is not an image type", other.element())),
            }
        };
    }
    typed!(U8 => u8, U16 => u16, U32 => u32, U64 => u64, I8 => i8, I16 => i16,
        I32 => i32, I64 => i64, F32 => f32, F64 => f64)
}

fn run<T: FixtureSample>(
    shape: &[usize],
    samples: Vec<T>,
    fortran: bool,
    case: &Value,
    call: &Value,
    outputs: &[NpyArray],
) -> Result<String, String> {
    let spec = &call["call"];
    let api = text(spec, "api")?;
    let factors: Vec<usize> = spec["factor"]
        .as_array()
        .ok_or("the call has no factor")?
        .iter()
        .map(|f| {
            f.as_u64()
                .map(|f| f as usize)
                .ok_or("a factor is not a count")
        })
        .collect::<Result<_, _>>()?;
    let levels = spec["num_mips"].as_u64().unwrap_or(1) as usize;
    let sparse = spec["sparse"].as_bool().unwrap_or(false);
    let method = match api {
        "avg" | "avg_numpy" => Method::Average,
        "seg" => Method::Mode,
        "max" => Method::Max,
        "min" => Method::Min,
        "stride" => Method::Stride,
        other => return Err(format!("unknown api {other}")),
    };
    let mut input =
        ArrayD::from_shape_vec(IxDyn(shape), samples).map_err(|e| format!("input: {e}"))?;
    if fortran {
        input = input.t().as_standard_layout().into_owned().reversed_axes();
    }
    let view = match spec["crop"].as_array() {
        Some(crop) => {
            let slices: Vec<SliceInfoElem> = crop
                .iter()
                .map(|c| SliceInfoElem::from(..c.as_u64().unwrap_or(0) as usize))
                .collect();
            input.slice(slices.as_slice()).to_owned()
        }
        None => input,
    };
    let pyramid = Pyramid::new(method, &factors, levels)
        .and_then(|p| p.sparse(sparse))
        .map_err(|e| e.to_string())?;
    let ours = pyramid.build(view.view()).map_err(|e| e.to_string())?;
    if ours.len() != outputs.len() {
        return Err(format!(
            "{} levels, the reference has {}",
            ours.len(),
            outputs.len()
        ));
    }
    let expect = expectation::<T>(case, api, &factors, levels, view.shape())?;
    let mut notes = Vec::new();
    for (level, (ours, reference)) in ours.iter().zip(outputs).enumerate() {
        if ours.shape() != reference.shape.as_slice() {
            return Err(format!(
                "level {level}: shape {:?}, reference {:?}",
                ours.shape(),
                reference.shape
            ));
        }
        let reference = T::from_samples(reference.samples.clone())
            .ok_or_else(|| format!("level {level}: reference of another type"))?;
        let ours: Vec<T> = ours.iter().copied().collect();
        notes.push(compare(
            level,
            &ours,
            &reference,
            &ours_shape(view.shape(), &factors, level),
            expect,
        )?);
    }
    let levels_note = format!("{} level(s)", ours.len());
    notes.retain(|n| !n.is_empty());
    Ok(if notes.is_empty() {
        format!("{levels_note} {}", describe(expect))
    } else {
        format!("{levels_note}; {}", notes.join("; "))
    })
}

/// The shape of `level` (to locate differing samples).
fn ours_shape(shape: &[usize], factors: &[usize], level: usize) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .map(|(axis, &n)| {
            let f = factors.get(axis).copied().unwrap_or(1);
            (0..=level).fold(n, |n, _| n.div_ceil(f))
        })
        .collect()
}

fn expectation<T: FixtureSample>(
    case: &Value,
    api: &str,
    factors: &[usize],
    levels: usize,
    shape: &[usize],
) -> Result<Expect, String> {
    let tinybrain_kernel = {
        let mut f = factors.to_vec();
        while f.last() == Some(&1) && f.len() > 2 {
            f.pop();
        }
        matches!(f.as_slice(), [2, 2] | [2, 2, 2])
    };
    if case["quirk"].as_bool() == Some(true)
        && api == "avg"
        && levels == 1
        && shape.first().is_some_and(|x| x % 2 == 1)
    {
        return Ok(Expect::SingleMipOddX);
    }
    if api == "avg" && T::WIDE_INTEGER && (levels > 1 || !tinybrain_kernel) {
        return Ok(Expect::Float32Fallback);
    }
    match &case["compare"] {
        Value::String(s) if s == "exact" => Ok(Expect::Exact),
        Value::String(s) if s == "bitwise" => Ok(Expect::Bitwise),
        Value::Object(tolerance) => Ok(Expect::Close {
            rtol: tolerance.get("rtol").and_then(Value::as_f64).unwrap_or(0.0),
            atol: tolerance.get("atol").and_then(Value::as_f64).unwrap_or(0.0),
        }),
        other => Err(format!("unknown compare {other}")),
    }
}

fn describe(expect: Expect) -> String {
    match expect {
        Expect::Exact => "exact".into(),
        Expect::Bitwise => "bit for bit".into(),
        Expect::Close { rtol, atol } => {
            format!("bit-exact (the manifest allows rtol {rtol:e}, atol {atol:e})")
        }
        Expect::SingleMipOddX | Expect::Float32Fallback => String::new(),
    }
}

fn compare<T: FixtureSample>(
    level: usize,
    ours: &[T],
    reference: &[T],
    shape: &[usize],
    expect: Expect,
) -> Result<String, String> {
    let differing: Vec<usize> = (0..ours.len())
        .filter(|&i| ours[i].raw_bits() != reference[i].raw_bits())
        .collect();
    let locate = |i: usize| {
        let mut index = vec![0; shape.len()];
        let mut rest = i;
        for axis in (0..shape.len()).rev() {
            index[axis] = rest % shape[axis].max(1);
            rest /= shape[axis].max(1);
        }
        index
    };
    let first_difference = |what: &str| {
        let i = differing[0];
        format!(
            "level {level}: {} of {} samples differ {what}; first at {:?}: ours {:?}, reference {:?}",
            differing.len(),
            ours.len(),
            locate(i),
            ours[i],
            reference[i]
        )
    };
    match expect {
        Expect::Bitwise => {
            if differing.is_empty() {
                Ok(String::new())
            } else {
                Err(first_difference("in their bits"))
            }
        }
        Expect::Exact => {
            // Integers must match bit for bit; floats by value (so -0 equals 0).
            let same_value = |i: usize| T::FLOAT && ours[i].to_f64() == reference[i].to_f64();
            if differing.iter().all(|&i| same_value(i)) {
                Ok(String::new())
            } else {
                Err(first_difference(""))
            }
        }
        Expect::Close { rtol, atol } => {
            let worst = differing
                .iter()
                .map(|&i| {
                    let (a, b) = (ours[i].to_f64(), reference[i].to_f64());
                    (a - b).abs() / (atol + rtol * b.abs()).max(f64::MIN_POSITIVE)
                })
                .fold(0.0f64, f64::max);
            if worst <= 1.0 {
                Ok(if differing.is_empty() {
                    String::new()
                } else {
                    format!(
                        "level {level}: {} samples differ in the last bits (at most {worst:.2} of the tolerance)",
                        differing.len()
                    )
                })
            } else {
                Err(first_difference("beyond the tolerance"))
            }
        }
        Expect::SingleMipOddX => {
            let x_size = shape[0];
            let outside: Vec<usize> = differing
                .iter()
                .copied()
                .filter(|&i| locate(i)[0] + 2 < x_size)
                .collect();
            if outside.is_empty() && !differing.is_empty() {
                Ok(format!(
                    "reference quirk (num_mips=1, odd x): {} samples differ, all in the last two x columns, as documented",
                    differing.len()
                ))
            } else if differing.is_empty() {
                Err(format!("level {level}: the documented quirk did not show"))
            } else {
                Err(first_difference("outside the quirk's columns"))
            }
        }
        Expect::Float32Fallback => {
            let worst = differing
                .iter()
                .map(|&i| (ours[i].to_f64() - reference[i].to_f64()).abs() - 1.0)
                .map(|excess| excess / reference_bound(reference))
                .fold(0.0f64, f64::max);
            if worst <= 1.0 {
                Ok(format!(
                    "level {level}: reference float32 fallback (documented defect): {} of {} samples off by its rounding; ours exact",
                    differing.len(),
                    ours.len()
                ))
            } else {
                Err(first_difference("beyond float32 rounding"))
            }
        }
    }
}

/// What `float32` sums of a level can lose: a few units in the last place of its largest value.
fn reference_bound<T: FixtureSample>(reference: &[T]) -> f64 {
    let largest = reference
        .iter()
        .map(|v| v.to_f64().abs())
        .fold(0.0f64, f64::max);
    (largest * 8.0 * f64::from(f32::EPSILON)).max(1.0)
}

/// A sample type of the fixtures.
trait FixtureSample: Sample {
    /// 32- and 64-bit integers, which tinybrain averages in `float32` over several levels.
    const WIDE_INTEGER: bool;
    /// Floats, compared by value where the manifest says exact.
    const FLOAT: bool;
    fn from_samples(samples: Samples) -> Option<Vec<Self>>;
    fn to_f64(self) -> f64;
    fn raw_bits(self) -> u64;
}

macro_rules! fixture_sample {
    ($($t:ty, $variant:ident, $wide:expr, $bits:expr);* $(;)?) => {$(
        impl FixtureSample for $t {
            const WIDE_INTEGER: bool = $wide;
            const FLOAT: bool = stringify!($variant).as_bytes()[0] == b'F';
            fn from_samples(samples: Samples) -> Option<Vec<Self>> {
                match samples {
                    Samples::$variant(v) => Some(v),
                    _ => None,
                }
            }
            #[allow(
                clippy::cast_lossless,
                reason = "one macro for all types; u64 and i64 need `as`"
            )]
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn raw_bits(self) -> u64 {
                let to_bits: fn($t) -> u64 = $bits;
                to_bits(self)
            }
        }
    )*};
}

fixture_sample! {
    u8, U8, false, u64::from;
    u16, U16, false, u64::from;
    u32, U32, true, u64::from;
    u64, U64, true, |v| v;
    i8, I8, false, |v| v as u64;
    i16, I16, false, |v| v as u64;
    i32, I32, true, |v| v as u64;
    i64, I64, true, |v| v as u64;
    f32, F32, false, |v| u64::from(v.to_bits());
    f64, F64, false, f64::to_bits;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_copies_keep_the_logical_values() {
        let c = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1u8, 2, 3, 4, 5, 6]).unwrap();
        let f = c.t().as_standard_layout().into_owned().reversed_axes();
        assert_eq!(f, c);
        assert!(!f.is_standard_layout());
    }
}
