//! The specification decodes the golden streams: `tests/python/context_reference_decoder.py`,
//! a literal transcription of `spec/anscombe-context-codec.md` in plain Python, must turn every
//! stream of `spec/vectors/context/v1` and `.../v2` into its input array. A format detail that
//! the text leaves out or gets wrong fails here.

use std::path::Path;
use std::process::Command;

use anscombe_testkit::python;

#[test]
fn the_spec_alone_decodes_every_golden_stream() {
    for version in ["v1", "v2"] {
        spec_decodes(version);
    }
}

fn spec_decodes(version: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(python("NumPy"))
        .arg(root.join("tests/python/context_reference_decoder.py"))
        .arg(root.join("../../spec/vectors/context").join(version))
        .output()
        .expect("start python");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        report.lines().filter(|l| l.contains(": ok")).count(),
        5,
        "{version}: {report}"
    );
}
