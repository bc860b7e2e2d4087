//! `cargo xtask fixtures`: regenerate `spec/vectors` from the Python references.

use anyhow::Result;

use crate::python::{run_script, venv_python};
use anscombe_testkit::poisson_reference;

/// Runs `spec/vectors/generate.py`, and `generate_poisson.py` where poisson-numcodecs' source
/// is present, in the venv.
pub(crate) fn run() -> Result<bool> {
    let python = venv_python(&[])?;
    let root = crate::workspace_root();
    let script = root.join("spec/vectors/generate.py");
    let out = root.join("spec/vectors");
    run_script(&python, &script, &["--out", &out.display().to_string()])?;
    if poisson_reference().is_some() {
        let script = root.join("spec/vectors/generate_poisson.py");
        let out = root.join("spec/vectors/poisson");
        run_script(&python, &script, &["--out", &out.display().to_string()])?;
    } else {
        println!(
            "spec/vectors/poisson kept as it is: poisson-numcodecs' source (../shared/reference) \
             is absent"
        );
    }
    println!(
        "vectors written to {}; check them with `cargo xtask conformance`",
        out.display()
    );
    Ok(true)
}
