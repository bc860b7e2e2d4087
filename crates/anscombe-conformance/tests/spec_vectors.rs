//! The specification's own vectors: anscombe-v1 from the Python package, anscombe-transform
//! from the independent NumPy implementation of the spec.

use std::path::Path;

use anscombe_conformance::{Verdict, check_folder};

#[test]
fn spec_vectors_all_pass() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors");
    let report = check_folder(&folder).expect("spec/vectors/manifest.json");
    println!("{report}");
    assert_eq!(
        report.outcomes.len(),
        33,
        "every vector is run (32 cases, 1 store)"
    );
    for outcome in &report.outcomes {
        assert!(
            matches!(outcome.verdict, Verdict::Pass(_)),
            "{}: {:?}",
            outcome.name,
            outcome.verdict
        );
    }
}

/// The poisson codec's vectors (spec/poisson-codec.md), made by running poisson-numcodecs.
#[test]
fn poisson_spec_vectors_all_pass() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors/poisson");
    let report = check_folder(&folder).expect("spec/vectors/poisson/manifest.json");
    println!("{report}");
    assert_eq!(report.outcomes.len(), 19, "every vector is run");
    for outcome in &report.outcomes {
        assert!(
            matches!(outcome.verdict, Verdict::Pass(_)),
            "{}: {:?}",
            outcome.name,
            outcome.verdict
        );
    }
}
