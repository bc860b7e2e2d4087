//! The specification decodes the golden streams: `tests/python/context_reference_decoder.py`,
//! a literal transcription of `spec/anscombe-context-codec.md` in plain Python, must turn every
//! stream of `spec/vectors/context/v1` into its input array. A format detail that the text
//! leaves out or gets wrong fails here.

use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> PathBuf {
    let from_env = std::env::var_os("ANSCOMBE_PYTHON").map(PathBuf::from);
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    from_env.or_else(|| venv.is_file().then_some(venv)).expect(
        "no Python with NumPy: run the tests with `cargo xtask test`, or set ANSCOMBE_PYTHON",
    )
}

#[test]
fn the_spec_alone_decodes_every_golden_stream() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(python())
        .arg(root.join("tests/python/context_reference_decoder.py"))
        .arg(root.join("../../spec/vectors/context/v1"))
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
        "{report}"
    );
}
