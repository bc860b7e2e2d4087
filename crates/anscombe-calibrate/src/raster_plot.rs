//! The picture of a raster calibration: each fitted pixel's variance against its mean,
//! coloured by group, with each group's line and its numbers in the legend; beside it, the
//! group map. PNG or SVG by the file's extension.

use std::path::Path;

use plotters::prelude::*;

use crate::plot::{Figure, PlotError, draw_legend, write_figure};
use crate::raster::RasterCalibration;

/// Points drawn at most: beyond, an even subsample (the legend says which share).
const MAX_POINTS: usize = 40_000;
/// Cells per side of the drawn group map at most: larger maps show every n-th pixel.
const MAP_CELLS: usize = 256;
/// Group colours (colour-blind-safe tableau), repeated beyond ten groups.
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
/// Pixels that were not fitted.
const NOT_FITTED: RGBColor = RGBColor(225, 225, 225);

/// Writes the figure of `calibration`, whose frames are `height` x `width`, to `path` (`.png`
/// or `.svg`), atomically.
///
/// # Errors
/// [`PlotError`] for another extension, a frame shape that does not hold the calibration's
/// pixels, or a failure to draw or write.
pub fn plot_raster(
    calibration: &RasterCalibration,
    height: usize,
    width: usize,
    path: &Path,
) -> Result<(), PlotError> {
    if height.checked_mul(width) != Some(calibration.pixels) {
        return Err(PlotError::Write {
            path: path.to_path_buf(),
            message: format!(
                "a {height} x {width} map cannot show the calibration's {} pixels",
                calibration.pixels
            ),
        });
    }
    write_figure(
        &Raster {
            calibration,
            height,
            width,
        },
        path,
        (1500, 680),
    )
}

struct Raster<'a> {
    calibration: &'a RasterCalibration,
    height: usize,
    width: usize,
}

fn colour(group: usize) -> RGBColor {
    COLOURS[group % COLOURS.len()]
}

impl Figure for Raster<'_> {
    fn draw<B: DrawingBackend>(
        &self,
        area: &DrawingArea<B, plotters::coord::Shift>,
    ) -> Result<(), String> {
        let error = |e: DrawingAreaErrorKind<B::ErrorType>| e.to_string();
        area.fill(&WHITE).map_err(error)?;
        let (cloud, map) = area.split_horizontally(880);
        self.cloud(&cloud)?;
        self.map(&map)?;
        area.present().map_err(error)
    }
}

impl Raster<'_> {
    fn cloud<B: DrawingBackend>(
        &self,
        area: &DrawingArea<B, plotters::coord::Shift>,
    ) -> Result<(), String> {
        let error = |e: DrawingAreaErrorKind<B::ErrorType>| e.to_string();
        let c = self.calibration;
        let extent = |v: &[f64]| {
            v.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                    (lo.min(x), hi.max(x))
                })
        };
        let (x_lo, x_hi) = extent(&c.fitted_mean);
        let (_, y_hi) = extent(&c.fitted_variance);
        let (x_lo, x_hi) = if x_lo < x_hi {
            let pad = 0.03 * (x_hi - x_lo);
            (x_lo - pad, x_hi + pad)
        } else {
            (0.0, 1.0)
        };
        let y_hi = if y_hi > 0.0 { 1.08 * y_hi } else { 1.0 };
        let mut chart = ChartBuilder::on(area)
            .caption(
                "Raster calibration: each pixel's temporal variance against its mean",
                ("sans-serif", 20),
            )
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(x_lo..x_hi, 0.0..y_hi)
            .map_err(error)?;
        chart
            .configure_mesh()
            .x_desc("mean (levels)")
            .y_desc("variance (levels²)")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(error)?;
        let stride = c.fitted.len().div_ceil(MAX_POINTS).max(1);
        for (g, line) in c.groups.iter().enumerate() {
            let points: Vec<(f64, f64)> = c
                .fitted_mean
                .iter()
                .zip(&c.fitted_variance)
                .zip(&c.assignment)
                .step_by(stride)
                .filter(|&(_, &a)| usize::from(a) == g)
                .map(|((&m, &v), _)| (m, v))
                .collect();
            let style = colour(g).mix(0.45).filled();
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 2, style)))
                .map_err(error)?;
            // The line across the plot, clipped to the visible variances.
            let (gain, zero) = (line.conversion_gain, line.zero_level);
            let at = |m: f64| gain * (m - zero);
            let start = x_lo.max(zero);
            let end = x_hi.min(zero + y_hi / gain);
            let stroke = colour(g).stroke_width(3);
            chart
                .draw_series(LineSeries::new(
                    [(start, at(start)), (end.max(start), at(end.max(start)))],
                    stroke,
                ))
                .map_err(error)?
                .label(format!(
                    "group {g}: gain {gain:.4} ± {:.4} levels/photon, zero {zero:.2} ± {:.2}, {} pixels",
                    line.conversion_gain_se, line.zero_level_se, line.pixels
                ))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], stroke));
        }
        let shown = if stride == 1 {
            format!("{} pixels fitted", c.fitted.len())
        } else {
            format!("{} pixels fitted, every {stride}th shown", c.fitted.len())
        };
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(error)?
            .label(format!(
                "{shown}; {} saturated, {} outside the {}-{} % percentiles",
                c.pixels_saturated, c.pixels_outliers, c.options.perc_min, c.options.perc_max
            ))
            .legend(|(x, y)| Circle::new((x + 10, y), 3, NOT_FITTED.filled()));
        draw_legend(&mut chart)
    }

    fn map<B: DrawingBackend>(
        &self,
        area: &DrawingArea<B, plotters::coord::Shift>,
    ) -> Result<(), String> {
        let error = |e: DrawingAreaErrorKind<B::ErrorType>| e.to_string();
        let (h, w) = (self.height, self.width);
        let groups = self.calibration.group_map();
        let mut chart = ChartBuilder::on(area)
            .caption("Group of each pixel (grey: not fitted)", ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..w.max(1) as f64, h.max(1) as f64..0.0)
            .map_err(error)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x (pixels)")
            .y_desc("y (pixels)")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(error)?;
        let step = h.max(w).div_ceil(MAP_CELLS).max(1);
        let mut cells = Vec::new();
        for y in (0..h).step_by(step) {
            for x in (0..w).step_by(step) {
                let group = groups[y * w + x];
                let fill = usize::try_from(group).map_or(NOT_FITTED, colour);
                cells.push(Rectangle::new(
                    [
                        (x as f64, y as f64),
                        ((x + step).min(w) as f64, (y + step).min(h) as f64),
                    ],
                    fill.filled(),
                ));
            }
        }
        chart.draw_series(cells).map_err(error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raster::{PixelMoments, RasterOptions, raster_calibrate};
    use crate::synthetic::RasterSpec;

    #[test]
    fn writes_the_cloud_and_the_map() {
        let spec = RasterSpec::two_detectors(100, 24, 30, 5);
        let (movie, _) = spec.generate::<i16>();
        let mut moments = PixelMoments::new();
        moments.push_frames(&movie, 24 * 30).expect("frames");
        let options = RasterOptions {
            groups: 2,
            ..RasterOptions::default()
        };
        let c = raster_calibrate(&moments.finish().expect("moments"), &options).expect("fit");
        let dir = std::env::temp_dir().join(format!("anscombe-raster-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        plot_raster(&c, 24, 30, &dir.join("raster.png")).expect("png");
        assert!(
            std::fs::read(dir.join("raster.png"))
                .expect("png")
                .starts_with(b"\x89PNG")
        );
        plot_raster(&c, 24, 30, &dir.join("raster.svg")).expect("svg");
        let svg = std::fs::read_to_string(dir.join("raster.svg")).expect("svg");
        for text in [
            "mean (levels)",
            "variance (levels²)",
            "group 1: gain",
            "not fitted",
        ] {
            assert!(svg.contains(text), "{text}");
        }
        assert!(plot_raster(&c, 20, 30, &dir.join("wrong.png")).is_err());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
