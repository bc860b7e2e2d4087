//! The photon-transfer plot: variance against mean per level, the fitted line, the points the
//! fit set aside, and the numbers in the legend. PNG or SVG by the file's extension. The bottom
//! and left axes are in the camera's levels, the top and right ones in photons (through the
//! fitted gain and zero level).

use std::path::{Path, PathBuf};

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::result::Calibration;

/// DejaVu Sans (Bitstream Vera licence, `assets/LICENSE_DEJAVU`): PNG text must not depend on the
/// fonts a machine happens to have.
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Why a plot could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// Neither `.png` nor `.svg`.
    #[error("{0}: a plot is written as .png or .svg")]
    Extension(PathBuf),
    /// Drawing or writing failed.
    #[error("{path}: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Something that can be drawn on any plotters backend.
pub(crate) trait Figure {
    /// Draws on `area`.
    fn draw<B: DrawingBackend>(
        &self,
        area: &DrawingArea<B, plotters::coord::Shift>,
    ) -> Result<(), String>;
}

/// Writes `figure` to `path` (`.png` or `.svg`, by the extension) at `size`, atomically
/// (through [`anscombe_io::Staged`]).
pub(crate) fn write_figure(
    figure: &impl Figure,
    path: &Path,
    size: (u32, u32),
) -> Result<(), PlotError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let failed = |message: String| PlotError::Write {
        path: path.to_path_buf(),
        message,
    };
    // The backends choose the format by extension, which the staged name keeps.
    let staged = anscombe_io::Staged::file(path, anscombe_io::Existing::Replace)
        .map_err(|e| failed(e.to_string()))?;
    // Both backends measure text with the registered font; registering twice is harmless.
    let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    let target = staged.path();
    match extension.as_deref() {
        Some("svg") => figure.draw(&SVGBackend::new(target, size).into_drawing_area()),
        Some("png") => figure.draw(&BitMapBackend::new(target, size).into_drawing_area()),
        _ => return Err(PlotError::Extension(path.to_path_buf())),
    }
    .map_err(failed)?;
    staged.commit().map_err(|e| failed(e.to_string()))?;
    Ok(())
}

/// Writes the plot of a calibration to `path` (`.png` or `.svg`), atomically.
///
/// # Errors
/// [`PlotError`] for another extension or a failure to draw or write.
pub fn plot_photon_transfer(calibration: &Calibration, path: &Path) -> Result<(), PlotError> {
    write_figure(&PhotonTransfer(calibration), path, (900, 640))
}

/// The photon-transfer figure.
struct PhotonTransfer<'a>(&'a Calibration);

impl Figure for PhotonTransfer<'_> {
    fn draw<B: DrawingBackend>(
        &self,
        area: &DrawingArea<B, plotters::coord::Shift>,
    ) -> Result<(), String> {
        draw(area, self.0)
    }
}

/// The plot's ranges: levels from below the zero level (and 0) to past the brightest point,
/// variances from 0 to past the largest.
fn ranges(c: &Calibration) -> (f64, f64, f64) {
    let (mut x_max, mut y_max) = (0.0_f64, 0.0_f64);
    let mut x_min = f64::INFINITY;
    for p in &c.points {
        x_max = x_max.max(p.mean);
        x_min = x_min.min(p.mean);
        y_max = y_max.max(p.variance);
    }
    let x_min = x_min.min(c.zero_level).min(0.0);
    let x_max = if x_max > x_min {
        x_max * 1.05
    } else {
        x_min + 1.0
    };
    (x_min, x_max, if y_max > 0.0 { y_max * 1.1 } else { 1.0 })
}

fn draw<B: DrawingBackend>(
    area: &DrawingArea<B, plotters::coord::Shift>,
    c: &Calibration,
) -> Result<(), String> {
    let error = |e: DrawingAreaErrorKind<B::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(error)?;
    let (x_min, x_max, y_max) = ranges(c);
    let gain = c.conversion_gain;
    let photons = |level: f64| (level - c.zero_level) / gain;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Photon transfer: temporal variance against mean level",
            ("sans-serif", 22),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .top_x_label_area_size(48)
        .right_y_label_area_size(80)
        .build_cartesian_2d(x_min..x_max, 0.0..y_max)
        .map_err(error)?
        .set_secondary_coord(photons(x_min)..photons(x_max), 0.0..y_max / (gain * gain));
    chart
        .configure_mesh()
        .x_desc("mean (levels)")
        .y_desc("temporal variance (levels²)")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(error)?;
    chart
        .configure_secondary_axes()
        .x_desc("mean above the zero level (photons)")
        .y_desc("temporal variance (photons²)")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(error)?;
    let line_end = x_max
        .min((y_max - c.conversion_gain * -c.zero_level) / c.conversion_gain + 0.0)
        .max(c.zero_level);
    chart
        .draw_series(LineSeries::new(
            [
                (
                    c.zero_level.max(x_min),
                    c.conversion_gain * (c.zero_level.max(x_min) - c.zero_level),
                ),
                (line_end, c.conversion_gain * (line_end - c.zero_level)),
            ],
            BLACK.stroke_width(2),
        ))
        .map_err(error)?
        .label(format!(
            "fit: gain {:.4} ± {:.4} levels/photon, zero {:.2} ± {:.2}, R² {:.4}",
            c.conversion_gain, c.conversion_gain_se, c.zero_level, c.zero_level_se, c.r_squared
        ))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.stroke_width(2)));
    let used: Vec<(f64, f64)> = c
        .points
        .iter()
        .filter(|p| p.used)
        .map(|p| (p.mean, p.variance))
        .collect();
    let excluded: Vec<(f64, f64)> = c
        .points
        .iter()
        .filter(|p| !p.used)
        .map(|p| (p.mean, p.variance))
        .collect();
    chart
        .draw_series(used.iter().map(|&p| Circle::new(p, 3, BLUE.filled())))
        .map_err(error)?
        .label(format!("{} levels used", used.len()))
        .legend(|(x, y)| Circle::new((x + 10, y), 3, BLUE.filled()));
    if !excluded.is_empty() {
        chart
            .draw_series(
                excluded
                    .iter()
                    .map(|&p| Circle::new(p, 4, RED.stroke_width(1))),
            )
            .map_err(error)?
            .label(format!(
                "{} set aside (outlier, saturated or clipped)",
                excluded.len()
            ))
            .legend(|(x, y)| Circle::new((x + 10, y), 4, RED.stroke_width(1)));
    }
    draw_legend(&mut chart)?;
    area.present().map_err(error)
}

/// The legend of a chart's labelled series, in the upper left corner.
pub(crate) fn draw_legend<'a, B: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, B, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PtcOptions, calibrate_movie, synthetic::SyntheticSpec};

    #[test]
    fn writes_png_and_svg_and_refuses_other_extensions() {
        let spec = SyntheticSpec {
            frames: 20,
            ..SyntheticSpec::new(8.0, 100.0, 20.0, 5)
        };
        let movie: Vec<u16> = spec.generate();
        let c = calibrate_movie(&movie, spec.height * spec.width, &PtcOptions::default())
            .expect("calibration");
        let dir = std::env::temp_dir().join(format!("anscombe-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        // SVG first: it must not depend on a PNG having registered the font.
        for name in ["ptc.svg", "ptc.png"] {
            plot_photon_transfer(&c, &dir.join(name)).expect("plot");
            let bytes = std::fs::read(dir.join(name)).expect("written");
            assert!(bytes.len() > 1000, "{name} has content");
        }
        assert!(
            std::fs::read(dir.join("ptc.png"))
                .expect("png")
                .starts_with(b"\x89PNG")
        );
        let svg = std::fs::read_to_string(dir.join("ptc.svg")).expect("svg");
        assert!(
            svg.contains("gain") && svg.contains("levels/photon"),
            "legend with the numbers"
        );
        for axis in [
            "mean (levels)",
            "temporal variance (levels²)",
            "mean above the zero level (photons)",
            "temporal variance (photons²)",
        ] {
            assert!(svg.contains(axis), "axis {axis}");
        }
        assert!(matches!(
            plot_photon_transfer(&c, &dir.join("ptc.pdf")),
            Err(PlotError::Extension(_))
        ));
        assert_eq!(
            std::fs::read_dir(&dir).expect("list").count(),
            2,
            "no partial files left"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
