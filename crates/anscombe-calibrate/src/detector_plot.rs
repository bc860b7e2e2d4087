//! Pictures of a detector calibration: the coefficient map (bad pixels black) and a profile
//! across the rings before and after correction.

use std::path::Path;

use plotters::prelude::*;

use crate::detector::DetectorCalibration;
use crate::plot::{Figure, PlotError, write_figure};
use anscombe_numeric::median;

/// Cells per side of the drawn map at most: larger maps are shown as block means.
const MAP_CELLS: usize = 128;

/// Writes the coefficient map to `path` (`.png` or `.svg`), atomically: the coefficient relative
/// to the median, blue below and red above, bad pixels black.
///
/// # Errors
/// [`PlotError`] for another extension or a failure to draw or write.
pub fn plot_coefficient_map(
    calibration: &DetectorCalibration,
    path: &Path,
) -> Result<(), PlotError> {
    write_figure(&CoefficientMap(calibration), path, (900, 760))
}

/// Writes the mean over rows of a frame against x, before and after correction, to `path`.
///
/// # Errors
/// [`PlotError`] for another extension or a failure to draw or write.
pub fn plot_ring_profile(before: &[f64], after: &[f64], path: &Path) -> Result<(), PlotError> {
    write_figure(&Profile { before, after }, path, (900, 520))
}

struct CoefficientMap<'a>(&'a DetectorCalibration);

impl Figure for CoefficientMap<'_> {
    fn draw<B: DrawingBackend>(
        &self,
        area: &DrawingArea<B, plotters::coord::Shift>,
    ) -> Result<(), String> {
        let c = self.0;
        let error = |e: DrawingAreaErrorKind<B::ErrorType>| e.to_string();
        area.fill(&WHITE).map_err(error)?;
        let good = c.good_coefficients();
        let centre = median(&good).unwrap_or(1.0);
        let spread = good
            .iter()
            .map(|v| (v / centre - 1.0).abs())
            .fold(0.0f64, f64::max)
            .max(1e-6);
        let (cells_y, cells_x) = (c.height.clamp(1, MAP_CELLS), c.width.clamp(1, MAP_CELLS));
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!(
                    "Response coefficients relative to the median {centre:.4} (±{:.2} %), {} bad pixels in black",
                    spread * 100.0,
                    c.bad_pixels()
                ),
                ("sans-serif", 18),
            )
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..c.width as f64, c.height as f64..0.0)
            .map_err(error)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x (pixels)")
            .y_desc("y (pixels)")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(error)?;
        let mut cells = Vec::with_capacity(cells_y * cells_x);
        for cy in 0..cells_y {
            let (y0, y1) = (
                cy * c.height / cells_y,
                ((cy + 1) * c.height / cells_y).max(cy * c.height / cells_y + 1),
            );
            for cx in 0..cells_x {
                let (x0, x1) = (
                    cx * c.width / cells_x,
                    ((cx + 1) * c.width / cells_x).max(cx * c.width / cells_x + 1),
                );
                let (mut sum, mut n, mut bad) = (0.0, 0usize, false);
                for y in y0..y1.min(c.height) {
                    for x in x0..x1.min(c.width) {
                        let i = y * c.width + x;
                        bad |= c.bad[i];
                        sum += c.coefficients[i];
                        n += 1;
                    }
                }
                let colour = if bad || n == 0 {
                    RGBColor(0, 0, 0)
                } else {
                    diverging((sum / n as f64 / centre - 1.0) / spread)
                };
                cells.push(Rectangle::new(
                    [(x0 as f64, y0 as f64), (x1 as f64, y1 as f64)],
                    colour.filled(),
                ));
            }
        }
        chart.draw_series(cells).map_err(error)?;
        area.present().map_err(error)
    }
}

/// Blue (-1) through white (0) to red (+1).
fn diverging(t: f64) -> RGBColor {
    let t = t.clamp(-1.0, 1.0);
    let fade = |v: f64| (255.0 * (1.0 - v.abs())) as u8;
    if t < 0.0 {
        RGBColor(fade(t), fade(t), 255)
    } else {
        RGBColor(255, fade(t), fade(t))
    }
}

struct Profile<'a> {
    before: &'a [f64],
    after: &'a [f64],
}

impl Figure for Profile<'_> {
    fn draw<B: DrawingBackend>(
        &self,
        area: &DrawingArea<B, plotters::coord::Shift>,
    ) -> Result<(), String> {
        let error = |e: DrawingAreaErrorKind<B::ErrorType>| e.to_string();
        area.fill(&WHITE).map_err(error)?;
        // Both normalised to their own median so the two shapes can be compared.
        let normalise = |v: &[f64]| -> Vec<f64> {
            let m = median(v).unwrap_or(1.0);
            v.iter()
                .map(|x| x / if m == 0.0 { 1.0 } else { m })
                .collect()
        };
        let (before, after) = (normalise(self.before), normalise(self.after));
        let (lo, hi) = before
            .iter()
            .chain(&after)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let pad = ((hi - lo) * 0.05).max(1e-6);
        let width = before.len().max(after.len()).max(2) as f64;
        let mut chart = ChartBuilder::on(area)
            .caption(
                "Mean over rows across x: rings are the column-to-column wiggle",
                ("sans-serif", 18),
            )
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..width, (lo - pad)..(hi + pad))
            .map_err(error)?;
        chart
            .configure_mesh()
            .x_desc("x (pixels)")
            .y_desc("relative to the median")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(error)?;
        chart
            .draw_series(LineSeries::new(
                before.iter().enumerate().map(|(x, &v)| (x as f64, v)),
                RED.stroke_width(1),
            ))
            .map_err(error)?
            .label("before")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED));
        chart
            .draw_series(LineSeries::new(
                after.iter().enumerate().map(|(x, &v)| (x as f64, v)),
                BLUE.stroke_width(2),
            ))
            .map_err(error)?
            .label("after")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(error)?;
        area.present().map_err(error)
    }
}
