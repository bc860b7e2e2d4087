//! Lines through the cloud of (mean, variance) points: one least-squares line, or several
//! lines with each point assigned to one of them. The method is described in the parent
//! module's documentation.

use rayon::prelude::*;

use super::MAX_GROUPS;
use crate::error::CalibrationError;
use crate::stats::{Line, weighted_line};

/// Points the starts are tried on (an even subsample of the fitted pixels).
const SEARCH_POINTS: usize = 8192;
/// Fewest points a line may keep.
const MIN_POINTS: usize = 3;
/// Alternations of assignment and fit before giving up on a fixed point.
const MAX_ROUNDS: usize = 200;
/// Reweighting steps of one line fit.
const MAX_REWEIGHTS: usize = 100;
/// Points per parallel task of the assignment (fixed, so sums do not depend on threads).
const ASSIGN_CHUNK: usize = 4096;

/// The fitted lines and, for each point, the index of its line.
#[derive(Debug, Clone)]
pub(crate) struct FittedLines {
    /// Lines in increasing slope, with standard errors from the points assigned to each.
    pub(crate) lines: Vec<Line>,
    /// Line of each point.
    pub(crate) assignment: Vec<u8>,
    /// Points per line.
    pub(crate) counts: Vec<usize>,
}

/// Fits `groups` lines to `y` against `x`.
///
/// # Errors
/// [`CalibrationError::Insufficient`] when there are too few points for the lines, or no start
/// keeps every line populated.
pub(crate) fn fit_lines(
    x: &[f64],
    y: &[f64],
    groups: usize,
) -> Result<FittedLines, CalibrationError> {
    if groups == 0 || groups > MAX_GROUPS {
        return Err(CalibrationError::Groups(groups));
    }
    if x.len() < MIN_POINTS * groups {
        return Err(CalibrationError::Insufficient(format!(
            "{} pixels remain after the filters: too few for {groups} line(s) of at least \
             {MIN_POINTS} pixels",
            x.len()
        )));
    }
    let assignment = if groups == 1 {
        vec![0; x.len()]
    } else {
        several(x, y, groups)?
    };
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups];
    for (i, &g) in assignment.iter().enumerate() {
        members[usize::from(g)].push(i);
    }
    // Each group's line is the least-squares line of its pixels: with one group that is the
    // reference's line, and so it is with several, whatever assigned the pixels.
    let mut lines: Vec<(Line, usize)> = members
        .iter()
        .enumerate()
        .map(|(g, m)| {
            let gx: Vec<f64> = m.iter().map(|&i| x[i]).collect();
            let gy: Vec<f64> = m.iter().map(|&i| y[i]).collect();
            (weighted_line(&gx, &gy, &vec![1.0; m.len()]), g)
        })
        .collect();
    lines.sort_by(|a, b| a.0.slope.total_cmp(&b.0.slope));
    let mut relabel = vec![0u8; groups];
    for (new, &(_, old)) in lines.iter().enumerate() {
        relabel[old] = new as u8;
    }
    Ok(FittedLines {
        counts: lines.iter().map(|&(_, old)| members[old].len()).collect(),
        lines: lines.into_iter().map(|(l, _)| l).collect(),
        assignment: assignment
            .iter()
            .map(|&g| relabel[usize::from(g)])
            .collect(),
    })
}

/// Smallest variance a line may predict: keeps the Gamma cost finite where a line runs below
/// zero (such a line cannot explain the point, and the cost says so).
fn floor(y: &[f64]) -> f64 {
    let mean = y.iter().sum::<f64>() / y.len().max(1) as f64;
    (1e-6 * mean).max(f64::MIN_POSITIVE)
}

/// The cost of explaining the variance `y` by a line that predicts `mu`: the negative Gamma
/// log-likelihood per unit of shape, up to terms that do not depend on the line.
#[inline]
fn cost(y: f64, mu: f64) -> f64 {
    y / mu + mu.ln()
}

/// The lines and the law of the scatter about them.
struct Model {
    /// (slope, intercept) of each line.
    lines: Vec<(f64, f64)>,
    /// Shape of the Gamma law (its relative variance is `1 / shape`).
    shape: f64,
    /// Natural logarithm of the fraction of points on each line.
    log_fractions: Vec<f64>,
}

/// Several lines: the best of the starts on a subsample, then refined on every point.
fn several(x: &[f64], y: &[f64], groups: usize) -> Result<Vec<u8>, CalibrationError> {
    let stride = x.len().div_ceil(SEARCH_POINTS);
    let sx: Vec<f64> = x.iter().step_by(stride).copied().collect();
    let sy: Vec<f64> = y.iter().step_by(stride).copied().collect();
    let sample = Points::new(&sx, &sy);
    let global = weighted_line(&sx, &sy, &vec![1.0; sx.len()]);
    let ratio: Vec<f64> = sx
        .iter()
        .zip(&sy)
        .map(|(&xi, &yi)| yi / (global.intercept + global.slope * xi).max(sample.floor))
        .collect();
    let tenths: Vec<f64> = (1..10).map(|j| f64::from(j) / 10.0).collect();
    let deciles = anscombe_numeric::quantiles(&ratio, &tenths).unwrap_or_default();
    let mut best: Option<Solution> = None;
    for cuts in combinations(deciles.len(), groups - 1) {
        let start: Vec<u8> = ratio
            .iter()
            .map(|&r| cuts.iter().filter(|&&c| deciles[c] < r).count() as u8)
            .collect();
        let Some(solution) = sample.alternate(start, groups) else {
            continue;
        };
        if best
            .as_ref()
            .is_none_or(|b| solution.objective < b.objective - 1e-12 * b.objective.abs())
        {
            best = Some(solution);
        }
    }
    let best = best.ok_or_else(|| {
        CalibrationError::Insufficient(format!(
            "no start keeps {groups} lines with at least {MIN_POINTS} pixels each: the pixels do \
             not fall into {groups} groups"
        ))
    })?;
    if stride == 1 {
        return Ok(best.assignment);
    }
    let all = Points::new(x, y);
    let mut start = vec![0u8; x.len()];
    all.assign(&best.model, &mut start);
    all.alternate(start, groups)
        .map(|s| s.assignment)
        .ok_or_else(|| {
            CalibrationError::Insufficient(format!(
                "a line kept fewer than {MIN_POINTS} pixels when refined on every pixel: the \
                 pixels do not fall into {groups} groups"
            ))
        })
}

/// Every choice of `k` of `0..n`, in lexicographic order.
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut all = Vec::new();
    let mut current: Vec<usize> = (0..k).collect();
    if k > n {
        return all;
    }
    loop {
        all.push(current.clone());
        let Some(i) = (0..k).rev().find(|&i| current[i] < n - k + i) else {
            return all;
        };
        current[i] += 1;
        for j in i + 1..k {
            current[j] = current[j - 1] + 1;
        }
    }
}

/// The model, a point's assignment and the objective (the negative classification
/// log-likelihood).
struct Solution {
    model: Model,
    assignment: Vec<u8>,
    objective: f64,
}

/// The points of one alternation.
struct Points<'a> {
    x: &'a [f64],
    y: &'a [f64],
    floor: f64,
    /// Sum of `ln y` (a term of the Gamma likelihood).
    log_y: f64,
}

impl<'a> Points<'a> {
    fn new(x: &'a [f64], y: &'a [f64]) -> Self {
        Points {
            x,
            y,
            floor: floor(y),
            log_y: y.iter().map(|v| v.max(f64::MIN_POSITIVE).ln()).sum(),
        }
    }

    /// Assigns every point to the line of least cost; returns the negative log-likelihood of
    /// the points so assigned.
    fn assign(&self, model: &Model, out: &mut [u8]) -> f64 {
        let floor = self.floor;
        let shape = model.shape;
        let partial: Vec<f64> = out
            .par_chunks_mut(ASSIGN_CHUNK)
            .zip(self.x.par_chunks(ASSIGN_CHUNK))
            .zip(self.y.par_chunks(ASSIGN_CHUNK))
            .map(|((out, x), y)| {
                let mut total = 0.0;
                for ((o, &xi), &yi) in out.iter_mut().zip(x).zip(y) {
                    let mut best = (0u8, f64::INFINITY);
                    for (g, (&(a, b), &log_fraction)) in
                        model.lines.iter().zip(&model.log_fractions).enumerate()
                    {
                        let c = shape * cost(yi, (a * xi + b).max(floor)) - log_fraction;
                        if c < best.1 {
                            best = (g as u8, c);
                        }
                    }
                    *o = best.0;
                    total += best.1;
                }
                total
            })
            .collect();
        let n = self.x.len() as f64;
        partial.iter().sum::<f64>()
            - n * (shape * shape.ln() - libm::lgamma(shape))
            - (shape - 1.0) * self.log_y
    }

    /// The model of lines fitted to their points: the shape by moments (the mean squared
    /// relative residual is `1 / shape`), the fractions by counting.
    fn model(&self, lines: Vec<(f64, f64)>, assignment: &[u8], members: &[Vec<usize>]) -> Model {
        let relative: f64 = self
            .x
            .iter()
            .zip(self.y)
            .zip(assignment)
            .map(|((&xi, &yi), &g)| {
                let (a, b) = lines[usize::from(g)];
                let mu = (a * xi + b).max(self.floor);
                ((yi - mu) / mu).powi(2)
            })
            .sum::<f64>()
            / self.x.len() as f64;
        Model {
            lines,
            shape: 1.0 / relative.max(1e-12),
            log_fractions: members
                .iter()
                .map(|m| (m.len() as f64 / self.x.len() as f64).ln())
                .collect(),
        }
    }

    /// Alternates fitting each line to its points and moving each point to its most likely
    /// line, until no point moves. `None` when a line is left with too few points.
    fn alternate(&self, mut assignment: Vec<u8>, groups: usize) -> Option<Solution> {
        let mut lines: Vec<(f64, f64)> = Vec::with_capacity(groups);
        let mut next = vec![0u8; assignment.len()];
        let mut last = None;
        for _ in 0..MAX_ROUNDS {
            let members = Self::members(&assignment, groups)?;
            if lines.is_empty() {
                for m in &members {
                    let (gx, gy) = self.gather(m);
                    let first = weighted_line(&gx, &gy, &vec![1.0; gx.len()]);
                    lines.push(refit(&gx, &gy, (first.slope, first.intercept), self.floor));
                }
            } else {
                for (line, m) in lines.iter_mut().zip(&members) {
                    let (gx, gy) = self.gather(m);
                    *line = refit(&gx, &gy, *line, self.floor);
                }
            }
            let model = self.model(lines.clone(), &assignment, &members);
            let objective = self.assign(&model, &mut next);
            if !objective.is_finite() {
                return None;
            }
            if next == assignment {
                return Some(Solution {
                    model,
                    assignment,
                    objective,
                });
            }
            std::mem::swap(&mut assignment, &mut next);
            last = Some((model, objective));
        }
        // No fixed point within the rounds: the last model and the assignment it made.
        let (model, objective) = last?;
        Self::members(&assignment, groups)?;
        Some(Solution {
            model,
            assignment,
            objective,
        })
    }

    /// The points of each line; `None` when one has too few.
    fn members(assignment: &[u8], groups: usize) -> Option<Vec<Vec<usize>>> {
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups];
        for (i, &g) in assignment.iter().enumerate() {
            members[usize::from(g)].push(i);
        }
        members
            .iter()
            .all(|m| m.len() >= MIN_POINTS)
            .then_some(members)
    }

    fn gather(&self, members: &[usize]) -> (Vec<f64>, Vec<f64>) {
        (
            members.iter().map(|&i| self.x[i]).collect(),
            members.iter().map(|&i| self.y[i]).collect(),
        )
    }
}

/// The maximum-likelihood line of variances that scatter as Gamma variables about it (a
/// Gamma regression with identity link): weighted least squares with weights `1 / mu^2`,
/// reweighted from `start` until it settles.
fn refit(x: &[f64], y: &[f64], start: (f64, f64), floor: f64) -> (f64, f64) {
    let mut line = start;
    let mut weights = vec![0.0; x.len()];
    let typical_x = x.iter().map(|v| v.abs()).sum::<f64>() / x.len().max(1) as f64;
    for _ in 0..MAX_REWEIGHTS {
        for (w, &xi) in weights.iter_mut().zip(x) {
            *w = (line.0 * xi + line.1).max(floor).powi(-2);
        }
        let Some(next) = least_squares(x, y, &weights) else {
            return line;
        };
        let scale = line.0.abs() * typical_x + line.1.abs();
        let settled = (next.0 - line.0).abs() <= 1e-12 * line.0.abs()
            && (next.1 - line.1).abs() <= 1e-12 * scale;
        line = next;
        if settled {
            break;
        }
    }
    line
}

/// Weighted least-squares slope and intercept, from centred sums; `None` when the `x` do not
/// vary.
fn least_squares(x: &[f64], y: &[f64], w: &[f64]) -> Option<(f64, f64)> {
    let sw: f64 = w.iter().sum();
    let mx = x.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw;
    let my = y.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw;
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for ((&xi, &yi), &wi) in x.iter().zip(y).zip(w) {
        sxx += wi * (xi - mx) * (xi - mx);
        sxy += wi * (xi - mx) * (yi - my);
    }
    (sxx > 0.0 && sw > 0.0).then(|| {
        let slope = sxy / sxx;
        (slope, my - slope * mx)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_in_order() {
        assert_eq!(
            combinations(4, 2),
            [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
        );
        assert_eq!(combinations(9, 0), [Vec::<usize>::new()]);
        assert_eq!(combinations(9, 1).len(), 9);
        assert_eq!(combinations(9, 4).len(), 126);
        assert!(combinations(2, 3).is_empty());
    }

    #[test]
    fn one_line_is_least_squares() {
        let x: Vec<f64> = (0..50).map(f64::from).collect();
        let y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, &v)| 3.0 * v - 7.0 + if i % 2 == 0 { 0.5 } else { -0.5 })
            .collect();
        let fitted = fit_lines(&x, &y, 1).expect("fit");
        let (slope, intercept) = least_squares(&x, &y, &vec![1.0; x.len()]).expect("line");
        assert!((fitted.lines[0].slope - slope).abs() < 1e-12);
        assert!((fitted.lines[0].intercept - intercept).abs() < 1e-10);
        assert_eq!(fitted.counts, [50]);
        assert!(fitted.assignment.iter().all(|&g| g == 0));
    }

    #[test]
    fn two_clean_lines_are_found_and_sorted_by_slope() {
        // Points on y = 15 (x - 2) and y = 10 (x - 1), interleaved, with a small relative
        // scatter; the steeper line's points come first.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..400 {
            let xi = 12.0 + f64::from(i) * 0.1;
            let wobble = 1.0 + 0.01 * f64::from(i % 7) - 0.03;
            x.push(xi);
            y.push(15.0 * (xi - 2.0) * wobble);
            x.push(xi + 0.05);
            y.push(10.0 * (xi + 0.05 - 1.0) * wobble);
        }
        let fitted = fit_lines(&x, &y, 2).expect("fit");
        let [low, high] = [&fitted.lines[0], &fitted.lines[1]];
        assert!((low.slope - 10.0).abs() < 0.05, "{low:?}");
        assert!((high.slope - 15.0).abs() < 0.05, "{high:?}");
        assert_eq!(fitted.counts, [400, 400]);
        for (i, &g) in fitted.assignment.iter().enumerate() {
            assert_eq!(g, u8::from(i % 2 == 0), "point {i}");
        }
        assert!(low.slope_se > 0.0 && low.slope_se < 0.1);
    }

    #[test]
    fn refuses_too_many_groups_and_too_few_points() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!(matches!(
            fit_lines(&x, &y, 11),
            Err(CalibrationError::Groups(11))
        ));
        assert!(matches!(
            fit_lines(&x, &y, 0),
            Err(CalibrationError::Groups(0))
        ));
        assert!(matches!(
            fit_lines(&x, &y, 2),
            Err(CalibrationError::Insufficient(_))
        ));
    }
}
