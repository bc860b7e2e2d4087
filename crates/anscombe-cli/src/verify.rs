//! `anscombe verify`.

use anscombe_store::verify::{ErrorSummary, Located, Verification, verify_store};

use crate::Failure;
use crate::args::VerifyArgs;
use crate::io::{advance, open_input, progress};

/// Runs the command: every sample; `Failure::Check` when the comparison finds a fault.
pub(crate) fn run(args: &VerifyArgs) -> Result<(), Failure> {
    let mut source = open_input(&args.input)?;
    let bar = progress(source.frames() as u64, "verifying");
    let Verification { summary, params } =
        verify_store(source.as_mut(), &args.store, &mut advance(&bar))?;
    bar.finish_and_clear();
    let faults = summary.faults(args.allow_clipping);
    if args.json {
        let report = serde_json::json!({
            "passed": faults.is_empty(),
            "faults": faults.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "codec": params.identity().name(),
            "error": summary,
        });
        crate::io::print_json(&report)?;
    } else {
        print_summary(&summary, params.identity().name(), args.allow_clipping);
    }
    match faults.first() {
        None => Ok(()),
        Some(_) => Err(Failure::Check(
            faults
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )),
    }
}

/// Where a class of samples is, for the report: ` (first at [f, y, x], last at [...])`.
fn place(located: &Located) -> String {
    match (&located.first, &located.last) {
        (Some(first), Some(last)) if first == last => format!(" (at {first:?})"),
        (Some(first), Some(last)) => format!(" (first at {first:?}, last at {last:?})"),
        _ => String::new(),
    }
}

/// Prints the report of a comparison, and its verdict.
pub(crate) fn print_summary(summary: &ErrorSummary, codec: &str, allow_clipping: bool) {
    println!(
        "{codec}: {} frames, {} of {} samples checked",
        summary.frames, summary.samples_checked, summary.samples
    );
    for (located, what) in [
        (
            &summary.clamped_below,
            "below the codec's domain, clamped up",
        ),
        (
            &summary.clamped_above,
            "above the codec's domain, clamped down (saturated)",
        ),
    ] {
        if located.count > 0 {
            println!("{} samples {what}{}", located.count, place(located));
        }
    }
    println!(
        "error in photons: max {:.4}, RMS {:.4}, bias {:+.5}",
        summary.max_abs_photons, summary.rms_photons, summary.bias_photons
    );
    if summary.beyond_bound.count > 0 {
        println!(
            "{} samples are BEYOND the spec's bound{}",
            summary.beyond_bound.count,
            place(&summary.beyond_bound)
        );
    }
    let faults = summary.faults(allow_clipping);
    if faults.is_empty() {
        let which = if summary.clamped() == 0 {
            "every sample is"
        } else {
            "every sample inside the domain is"
        };
        println!("{which} within the spec's bound (beta/2 of the shot noise, plus rounding)");
    } else {
        for fault in faults {
            println!("FAILED: {fault}");
        }
    }
}
