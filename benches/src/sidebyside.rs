//! Timing helpers for side-by-side runs: medians of repeated calls, ratio tables.

use std::time::Instant;

/// Median seconds of `repeats` calls of `call` after one warm-up call; `prepare` runs before
/// each call, off the clock.
///
/// # Errors
/// The first error of `prepare` or `call`.
pub fn median_seconds<E>(
    repeats: usize,
    mut prepare: impl FnMut() -> Result<(), E>,
    mut call: impl FnMut() -> Result<(), E>,
) -> Result<f64, E> {
    prepare()?;
    call()?;
    let mut times = Vec::with_capacity(repeats.max(1));
    for _ in 0..repeats.max(1) {
        prepare()?;
        let start = Instant::now();
        call()?;
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// One row of a side-by-side table.
#[derive(Debug, Clone)]
pub struct Row {
    /// What was measured.
    pub label: String,
    /// Bytes processed per call (for throughput).
    pub bytes: f64,
    /// Our median seconds per call.
    pub ours: f64,
    /// The reference's median seconds per call.
    pub reference: f64,
}

impl Row {
    /// Our throughput over the reference's.
    pub fn ratio(&self) -> f64 {
        self.reference / self.ours
    }
}

/// Prints rows as a table with throughputs in GB/s and the ratio.
pub fn print_table(title: &str, rows: &[Row]) {
    // The case column as wide as the longest case, so the figures line up.
    let width = rows
        .iter()
        .map(|r| r.label.len())
        .max()
        .unwrap_or(0)
        .max(40);
    println!("{title}");
    println!(
        "{:<width$} {:>12} {:>14} {:>9}",
        "case", "ours GB/s", "reference GB/s", "ratio"
    );
    for row in rows {
        println!(
            "{:<width$} {:>12.3} {:>14.4} {:>8.1}x",
            row.label,
            row.bytes / row.ours / 1e9,
            row.bytes / row.reference / 1e9,
            row.ratio()
        );
    }
}
