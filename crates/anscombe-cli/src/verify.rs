//! `anscombe verify`.

use anscombe_store::verify::{ErrorSummary, Verification, verify_store};

use crate::Failure;
use crate::args::VerifyArgs;
use crate::io::{advance, open_input, progress};

/// Runs the command: every frame; `Failure::Check` when any sample is beyond the bound.
pub(crate) fn run(args: &VerifyArgs) -> Result<(), Failure> {
    let mut source = open_input(&args.input)?;
    let bar = progress(source.frames() as u64, "verifying");
    let Verification { summary, params } =
        verify_store(source.as_mut(), &args.store, &mut advance(&bar))?;
    bar.finish_and_clear();
    let passed = summary.passed();
    if args.json {
        let report = serde_json::json!({"passed": passed, "codec": params.identity().name(), "error": summary});
        crate::io::print_json(&report)?;
    } else {
        print_summary(&summary, params.identity().name(), passed);
    }
    if passed {
        Ok(())
    } else {
        Err(Failure::Check(format!(
            "{} samples are beyond the spec's error bound",
            summary.beyond_bound
        )))
    }
}

pub(crate) fn print_summary(summary: &ErrorSummary, codec: &str, passed: bool) {
    println!(
        "{codec}: {} frames, {} samples checked ({} clamped by design)",
        summary.frames, summary.samples_checked, summary.samples_clamped
    );
    println!(
        "error in photons: max {:.4}, RMS {:.4}, bias {:+.5}",
        summary.max_abs_photons, summary.rms_photons, summary.bias_photons
    );
    println!(
        "{}",
        if passed {
            "every sample is within the spec's bound (beta/2 of the shot noise, plus rounding)"
                .to_string()
        } else {
            format!(
                "{} samples are BEYOND the spec's bound",
                summary.beyond_bound
            )
        }
    );
}
