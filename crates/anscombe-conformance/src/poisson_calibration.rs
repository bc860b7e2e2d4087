//! The poisson-numcodecs family's calibration runs: `SequentialCalibratePhotons` against our
//! reference estimator, `RasterCalibratePhotons` against our raster calibration.
//!
//! Tolerances (the fixture README's):
//! - sequential: intensity range, levels and counts exact, variances to float rounding,
//!   gain and zero level within 1e-4 relative;
//! - raster: fitted pixels and mean image exact, variances within 1e-12 relative;
//!   - one line: gain within 1e-3 relative and zero level within 0.05 of the reference's
//!     (its Powell search stops short of the least-squares line ours is);
//!   - several lines: the reference's is a random-restart search, so ours is judged against the
//!     ground truth, lines paired with true groups by increasing gain: the largest gain error
//!     and the largest zero-level error no larger than the reference's, and at least as many
//!     fitted pixels in their true group; and loosely against the reference: each gain within
//!     5 % and each zero level within 1 level of its line. Every line's errors are reported
//!     next to the reference's.

use std::path::Path;

use anscombe_calibrate::raster::{
    RasterCalibration, RasterOptions, moments_of_source, raster_calibrate,
};
use anscombe_io::{InMemory, Samples};
use serde_json::Value;

use crate::fixture::{array, number, same, text};
use crate::report::Outcome;
use crate::sequential::{Expected, check as check_sequential};

/// One outcome per calibration run of the manifest.
pub(crate) fn check(folder: &Path, manifest: &Value) -> Vec<Outcome> {
    manifest["calibration"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|case| {
            let name = case["name"].as_str().unwrap_or("(unnamed)");
            let result = match text(&case["call"], "method") {
                Ok("sequential") => sequential(folder, case),
                Ok("raster") => raster(folder, case),
                Ok(other) => Err(format!("unknown calibration method {other}")),
                Err(e) => Err(e),
            };
            Outcome::new("calibration", name, result)
        })
        .collect()
}

fn sequential(folder: &Path, case: &Value) -> Result<String, String> {
    let result = &case["result"];
    let levels = array(folder, case, "fitted_pixels_mean")?.samples.to_f64();
    check_sequential(
        &array(folder, &case["movie"], "movie")?,
        number(&case["call"], "count_weight_gamma")?,
        &Expected {
            conversion_gain: number(result, "photon_sensitivity")?,
            zero_level: number(result, "dark_signal")?,
            intensity_range: (
                number(result, "min_intensity")?,
                number(result, "max_intensity")?,
            ),
            counts: array(folder, case, "counts")?.samples,
            variance: array(folder, case, "fitted_pixels_var")?.samples.to_f64(),
            outliers: array(folder, case, "huber_outliers")?.samples.to_f64(),
            levels: Some(levels),
        },
    )
    .map(|note| format!("(gain, zero within 1e-4) {note}"))
}

fn raster(folder: &Path, case: &Value) -> Result<String, String> {
    let call = &case["call"];
    let groups = number(call, "n_groups")?;
    let options = RasterOptions {
        max_pixel_range: number(call, "max_pixel_range")?,
        groups: groups as usize,
        perc_min: number(call, "perc_min")?,
        perc_max: number(call, "perc_max")?,
    };
    let movie = array(folder, &case["movie"], "movie")?;
    let mut source = InMemory::new(movie.shape, movie.samples);
    let statistics = moments_of_source(&mut source, &mut |_, _| {}).map_err(|e| e.to_string())?;
    same(
        "mean image",
        &Samples::F64(statistics.mean.clone()),
        &array(folder, case, "mean_image")?.samples,
    )?;
    let ours = raster_calibrate(&statistics, &options).map_err(|e| e.to_string())?;
    let fitted = Samples::I64(ours.fitted.iter().map(|&p| p as i64).collect());
    same(
        "fitted pixels",
        &fitted,
        &array(folder, case, "fitted_pixels")?.samples,
    )?;
    same(
        "fitted means",
        &Samples::F64(ours.fitted_mean.clone()),
        &array(folder, case, "fitted_pixels_mean")?.samples,
    )?;
    let variance = array(folder, case, "fitted_pixels_var")?.samples.to_f64();
    let worst = ours
        .fitted_variance
        .iter()
        .zip(&variance)
        .map(|(a, b)| ((a - b) / b).abs())
        .fold(0.0, f64::max);
    if worst > 1e-12 {
        return Err(format!("variances differ by up to {worst:.1e} relative"));
    }
    let exact = format!(
        "{} fitted pixels and the mean image exact, variances within {worst:.0e} relative",
        ours.fitted.len()
    );
    let lines = ReferenceLines::read(folder, case)?;
    if ours.groups.len() == 1 {
        one_line(&ours, &lines).map(|note| format!("{note}; {exact}"))
    } else {
        several_lines(folder, case, &ours, &lines).map(|note| format!("{note}; {exact}"))
    }
}

/// The reference's lines, in increasing gain, with the group image of each.
struct ReferenceLines {
    gains: Vec<f64>,
    zero_levels: Vec<f64>,
    /// Per line, per pixel: assigned to it.
    images: Vec<Vec<bool>>,
}

impl ReferenceLines {
    fn read(folder: &Path, case: &Value) -> Result<Self, String> {
        let gains = array(folder, case, "photon_sensitivity")?.samples.to_f64();
        let zero_levels = array(folder, case, "dark_signal")?.samples.to_f64();
        let images = array(folder, case, "group_images")?.samples.to_f64();
        let pixels = images.len() / gains.len().max(1);
        let mut order: Vec<usize> = (0..gains.len()).collect();
        order.sort_by(|&a, &b| gains[a].total_cmp(&gains[b]));
        Ok(ReferenceLines {
            gains: order.iter().map(|&i| gains[i]).collect(),
            zero_levels: order.iter().map(|&i| zero_levels[i]).collect(),
            images: order
                .iter()
                .map(|&i| {
                    images[i * pixels..(i + 1) * pixels]
                        .iter()
                        .map(|&v| v != 0.0)
                        .collect()
                })
                .collect(),
        })
    }
}

fn one_line(ours: &RasterCalibration, theirs: &ReferenceLines) -> Result<String, String> {
    let line = ours.groups[0];
    let gain_error = line.conversion_gain / theirs.gains[0] - 1.0;
    let zero_error = line.zero_level - theirs.zero_levels[0];
    if gain_error.abs() > 1e-3 || zero_error.abs() > 0.05 {
        return Err(format!(
            "gain {:.6} against {:.6} ({gain_error:+.1e} relative, tolerance 1e-3), zero level \
             {:.4} against {:.4} ({zero_error:+.4}, tolerance 0.05)",
            line.conversion_gain, theirs.gains[0], line.zero_level, theirs.zero_levels[0]
        ));
    }
    let map = ours.group_map();
    if map
        .iter()
        .zip(&theirs.images[0])
        .any(|(&g, &r)| (g == 0) != r)
    {
        return Err("the group image differs from the reference's".into());
    }
    Ok(format!(
        "gain {:.6} ({gain_error:+.1e} rel., tolerance 1e-3), zero {:.4} ({zero_error:+.4}, \
         tolerance 0.05) against the reference's; group image exact",
        line.conversion_gain, line.zero_level
    ))
}

fn several_lines(
    folder: &Path,
    case: &Value,
    ours: &RasterCalibration,
    theirs: &ReferenceLines,
) -> Result<String, String> {
    let truth = &case["movie"]["truth"];
    let numbers = |key: &str| -> Result<Vec<f64>, String> {
        truth[key]
            .as_array()
            .map(|v| v.iter().filter_map(Value::as_f64).collect())
            .ok_or_else(|| format!("manifest has no truth {key}"))
    };
    let (gains, offsets) = (numbers("gains")?, numbers("offsets")?);
    let truth_group = array(folder, &case["movie"], "truth_group")?
        .samples
        .to_f64();
    // Lines and true groups are paired by increasing gain.
    let mut order: Vec<usize> = (0..gains.len()).collect();
    order.sort_by(|&a, &b| gains[a].total_cmp(&gains[b]));
    if order.len() != ours.groups.len() || order.len() != theirs.gains.len() {
        return Err(format!(
            "{} true groups, {} lines here, {} in the reference",
            order.len(),
            ours.groups.len(),
            theirs.gains.len()
        ));
    }
    let errors = |line_gains: &[f64], line_zeros: &[f64]| -> (Vec<f64>, Vec<f64>) {
        order
            .iter()
            .enumerate()
            .map(|(j, &t)| (line_gains[j] - gains[t], line_zeros[j] - offsets[t]))
            .unzip()
    };
    let our_gains: Vec<f64> = ours.groups.iter().map(|l| l.conversion_gain).collect();
    let our_zeros: Vec<f64> = ours.groups.iter().map(|l| l.zero_level).collect();
    let (gain_err, zero_err) = errors(&our_gains, &our_zeros);
    let (ref_gain_err, ref_zero_err) = errors(&theirs.gains, &theirs.zero_levels);
    let true_group = |line: usize| order[line] as f64;
    let agreement = ours
        .fitted
        .iter()
        .zip(&ours.assignment)
        .filter(|&(&p, &g)| truth_group[p] == true_group(usize::from(g)))
        .count() as f64
        / ours.fitted.len().max(1) as f64;
    let ref_agreement = ours
        .fitted
        .iter()
        .filter(|&&p| {
            (0..theirs.images.len()).any(|j| theirs.images[j][p] && truth_group[p] == true_group(j))
        })
        .count() as f64
        / ours.fitted.len().max(1) as f64;
    let list = |v: &[f64], digits: usize| {
        v.iter()
            .map(|x| format!("{x:+.digits$}"))
            .collect::<Vec<_>>()
            .join("/")
    };
    let summary = format!(
        "gain errors vs truth {} (reference {}), zero-level errors {} (reference {}), {:.2} % of \
         fitted pixels in their true group (reference {:.2} %)",
        list(&gain_err, 3),
        list(&ref_gain_err, 3),
        list(&zero_err, 2),
        list(&ref_zero_err, 2),
        100.0 * agreement,
        100.0 * ref_agreement
    );
    let largest = |v: &[f64]| v.iter().map(|e| e.abs()).fold(0.0, f64::max);
    let mut problems = Vec::new();
    if largest(&gain_err) > largest(&ref_gain_err) {
        problems.push("the largest gain error exceeds the reference's");
    }
    if largest(&zero_err) > largest(&ref_zero_err) {
        problems.push("the largest zero-level error exceeds the reference's");
    }
    if agreement < ref_agreement {
        problems.push("fewer pixels are in their true group than with the reference");
    }
    let loose = our_gains
        .iter()
        .zip(&theirs.gains)
        .all(|(a, b)| (a / b - 1.0).abs() <= 0.05)
        && our_zeros
            .iter()
            .zip(&theirs.zero_levels)
            .all(|(a, b)| (a - b).abs() <= 1.0);
    if !loose {
        problems
            .push("a line is more than 5 % in gain or 1 level in zero level off the reference's");
    }
    if problems.is_empty() {
        Ok(format!(
            "{summary}; within 5 % gain and 1 level of the reference's lines"
        ))
    } else {
        Err(format!("{}: {summary}", problems.join("; ")))
    }
}
