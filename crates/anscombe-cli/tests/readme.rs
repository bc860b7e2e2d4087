//! The README's walk-through as a test: every ```` ```sh ```` block of the workspace's README.md
//! runs, in order, in one scratch folder, and every ratio its prose quotes is compared with what
//! the command printed beside it in a block prints.
//!
//! - `anscombe` is this build's binary (first on `PATH`), and `cargo run --release -p
//!   anscombe-cli --` is read as `anscombe`: the same program, built by the test harness.
//! - The README's inputs are the bundled movie (`movie.tif`, a copy of
//!   `data/thunder_mouse_2p/mouse_500x64x64_int16.tif`) and one detector of the detectorcal
//!   fixture (`sweep.tif`, `dark.tif`, `ct.tif`, `flat.tif`, written from its NPY files).
//! - A command that cannot run in a test (it installs into the reader's Python, or it is the
//!   test command itself) is marked in the README by a comment just before its block,
//!   `<!-- readme-test: skip `PREFIX`: REASON -->`; every such marker must match a command.
//!   Any other command that is not `anscombe` fails the test: nothing else is run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anscombe_testkit::{bundled, fixture, stderr, stdout};

/// `cargo run` as the README spells it, which the test reads as `anscombe`.
const CARGO_RUN: &str = "cargo run --release -p anscombe-cli -- ";

/// A ratio the README's prose quotes, and where it is printed.
struct Figure {
    /// The README's words around the figure (found in its prose, outside code blocks).
    quoted: &'static str,
    /// The figure as quoted: its decimals are its stated rounding.
    value: &'static str,
    /// A piece of the one README command that prints it.
    command: &'static str,
    /// What the command prints just before the number.
    printed: &'static str,
}

/// Every ratio the README quotes. A figure `N.Nx` in the prose that is in none of these fails
/// the test, so a new figure needs its command and an entry here.
const FIGURES: &[Figure] = &[
    Figure {
        quoted: "2.9x with zstd",
        value: "2.9",
        command: "anscombe encode movie.tif movie.zarr",
        printed: "ratio ",
    },
    Figure {
        quoted: "5.0x with the context coder",
        value: "5.0",
        command: "--compressor context",
        printed: "ratio ",
    },
    Figure {
        quoted: "for 5.0x on the bundled movie",
        value: "5.0",
        command: "--compressor context",
        printed: "ratio ",
    },
    Figure {
        quoted: "against 2.9x with zstd",
        value: "2.9",
        command: "anscombe encode movie.tif movie.zarr",
        printed: "ratio ",
    },
    Figure {
        quoted: "3.3x with zstd at level 19",
        value: "3.3",
        command: "--level 19",
        printed: "ratio ",
    },
];

/// Sentences of the README that a command's output must bear out word for word.
const SAID: &[(&str, &str, &str)] = &[
    // (the README's words, a piece of the command, what it prints)
    (
        "500 frames of mouse",
        "-- demo",
        "(500 frames of 64x64, two-photon, mouse cortex)",
    ),
    (
        "a bound the codec guarantees and `anscombe verify`",
        "anscombe verify movie.tif movie.zarr",
        "every sample is within the spec's bound (beta/2 of the shot noise",
    ),
];

/// One fenced block of the README.
#[derive(Debug)]
struct Block {
    /// The info string after the fence (`sh`, `rust`, ...).
    info: String,
    /// Its commands, continuation lines joined.
    commands: Vec<String>,
    /// Command prefixes not run, with the README's reason.
    skips: Vec<(String, String)>,
    /// The line of its fence, counting from 1.
    line: usize,
}

/// The README's fenced blocks, each with the skip markers on the lines just before its fence.
fn blocks(readme: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut markers: Vec<(String, String)> = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in readme.lines().enumerate() {
        if let Some(block) = open.as_mut() {
            if line.trim_start().starts_with("```") {
                found.extend(open.take());
            } else if let Some(last) = block.commands.last_mut().filter(|c| c.ends_with('\\')) {
                last.pop();
                last.push_str(line.trim());
            } else if !line.trim().is_empty() {
                block.commands.push(line.trim().to_string());
            }
        } else if let Some(info) = line.trim_start().strip_prefix("```") {
            open = Some(Block {
                info: info.trim().to_string(),
                commands: Vec::new(),
                skips: std::mem::take(&mut markers),
                line: index + 1,
            });
        } else if let Some(marker) = skip_marker(line) {
            markers.push(marker);
        } else {
            markers.clear();
        }
    }
    assert!(open.is_none(), "the README ends inside a code block");
    found
}

/// `<!-- readme-test: skip `PREFIX`: REASON -->` as (prefix, reason).
fn skip_marker(line: &str) -> Option<(String, String)> {
    let inner = line
        .trim()
        .strip_prefix("<!-- readme-test: skip `")?
        .strip_suffix("-->")?;
    let (prefix, reason) = inner.split_once("`:")?;
    let reason = reason.trim();
    assert!(!reason.is_empty(), "a skip marker needs its reason: {line}");
    Some((prefix.to_string(), reason.to_string()))
}

/// The README's prose: every line outside fenced blocks.
fn prose(readme: &str) -> String {
    let mut inside = false;
    let mut kept = String::new();
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
        } else if !inside {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

/// Byte offsets of every ratio `N.Nx` (digits, a point, digits, `x`, then no letter) in `text`.
fn ratios(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'.') {
            end += 1;
        }
        let is_ratio = bytes.get(end) == Some(&b'x')
            && bytes
                .get(end + 1)
                .is_none_or(|b| !b.is_ascii_alphanumeric())
            && text[i..end].contains('.');
        if is_ratio {
            found.push((i, text[i..=end].to_string()));
        }
        i = end.max(i + 1);
    }
    found
}

/// The number printed right after `printed` in `output`, rounded as `figure` is.
fn printed_as_quoted(output: &str, printed: &str, figure: &str) -> Option<String> {
    let at = output.find(printed)? + printed.len();
    let number: String = output[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let value: f64 = number.parse().ok()?;
    let decimals = figure.split_once('.').map_or(0, |(_, d)| d.len());
    Some(format!("{value:.decimals$}"))
}

/// The README's inputs in `dir`: the bundled movie and one detector of the detectorcal fixture.
fn inputs(dir: &Path) {
    std::fs::copy(
        bundled("thunder_mouse_2p/mouse_500x64x64_int16.tif"),
        dir.join("movie.tif"),
    )
    .expect("the bundled movie");
    // One simulated detector (seed 41): its sweep and dark, and CT images with their flat.
    let fit = fixture("detectorcal/cases/fit_default_f64_dark");
    let correct = fixture("detectorcal/cases/correct_flat_residual_sigma3");
    for (from, to) in [
        (fit.join("volume.npy"), "sweep.tif"),
        (fit.join("dark.npy"), "dark.tif"),
        (correct.join("ct.npy"), "ct.tif"),
        (correct.join("flat.npy"), "flat.tif"),
    ] {
        let array = anscombe_io::npy::NpyArray::read(&from).expect("fixture");
        let mut shape = array.shape.clone();
        if shape.len() == 2 {
            shape.insert(0, 1);
        }
        let mut writer =
            anscombe_io::MovieWriter::create(dir.join(to), &shape, array.samples.element())
                .expect("a TIFF");
        writer.write(&array.samples).expect("written");
        writer.finish().expect("finished");
    }
}

/// A folder holding only `anscombe`, a link to this build's binary, to put first on `PATH`.
fn binary_folder(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_anscombe"), bin.join("anscombe")).expect("link");
    bin
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
        .expect("README.md")
}

#[test]
fn every_command_block_of_the_readme_runs_and_prints_the_figures_it_quotes() {
    let readme = readme();
    let dir = anscombe_testkit::scratch("readme-walkthrough");
    let work = dir.join("work");
    std::fs::create_dir_all(&work).expect("work");
    inputs(&work);
    let path = format!(
        "{}:{}",
        binary_folder(&dir).display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut printed: BTreeMap<String, String> = BTreeMap::new();
    let mut ran = 0;
    for block in blocks(&readme).iter().filter(|b| b.info == "sh") {
        let mut used = vec![false; block.skips.len()];
        for command in &block.commands {
            if let Some(i) = block.skips.iter().position(|(p, _)| command.starts_with(p)) {
                used[i] = true;
                continue;
            }
            let run = command
                .strip_prefix(CARGO_RUN)
                .map_or_else(|| command.clone(), |rest| format!("anscombe {rest}"));
            assert!(
                run.starts_with("anscombe "),
                "README line {}: `{command}` is not an anscombe command; mark it \
                 <!-- readme-test: skip `...`: why --> if it cannot run in a test",
                block.line
            );
            let output = Command::new("bash")
                .args(["-c", &run])
                .current_dir(&work)
                .env("PATH", &path)
                .output()
                .expect("bash");
            assert!(
                output.status.success(),
                "README line {}: `{command}` failed ({}):\n{}{}",
                block.line,
                output.status,
                stdout(&output),
                stderr(&output)
            );
            printed.insert(command.clone(), stdout(&output));
            ran += 1;
        }
        for ((prefix, _), used) in block.skips.iter().zip(used) {
            assert!(
                used,
                "README line {}: the skip marker `{prefix}` matches no command",
                block.line
            );
        }
    }
    assert!(ran >= 10, "only {ran} README commands ran");
    let output_of = |piece: &str| -> &String {
        let matching: Vec<_> = printed.iter().filter(|(c, _)| c.contains(piece)).collect();
        assert_eq!(
            matching.len(),
            1,
            "`{piece}` must name one README command, it names {}",
            matching.len()
        );
        matching[0].1
    };
    let prose = prose(&readme);
    for figure in FIGURES {
        assert!(
            prose.contains(figure.quoted) && figure.quoted.contains(&format!("{}x", figure.value)),
            "the README no longer says `{}`",
            figure.quoted
        );
        let output = output_of(figure.command);
        assert_eq!(
            printed_as_quoted(output, figure.printed, figure.value).as_deref(),
            Some(figure.value),
            "the README says `{}`; `{}` printed:\n{output}",
            figure.quoted,
            figure.command
        );
    }
    for (position, ratio) in ratios(&prose) {
        let covered = FIGURES.iter().any(|f| {
            prose
                .match_indices(f.quoted)
                .any(|(start, quoted)| (start..start + quoted.len()).contains(&position))
        });
        assert!(
            covered,
            "the README quotes {ratio} (`{}`) with no command that prints it",
            &prose[position.saturating_sub(40)..(position + 20).min(prose.len())]
        );
    }
    for (words, command, said) in SAID {
        assert!(prose.contains(words), "the README no longer says `{words}`");
        let output = output_of(command);
        assert!(output.contains(said), "`{command}` printed:\n{output}");
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn blocks_markers_and_figures_are_read_as_the_test_expects() {
    let text = "intro 2.5x and v1.2x and 10x\n\
                <!-- readme-test: skip `pip install`: it installs into your Python -->\n\
                ```sh\n\
                pip install x\n\
                anscombe a \\\n    --b c\n\
                ```\n\
                words\n\n\
                ```rust\nlet x = 1;\n```\n";
    let found = blocks(text);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].info, "sh");
    assert_eq!(found[0].commands, ["pip install x", "anscombe a --b c"]);
    assert_eq!(
        found[0].skips,
        [(
            "pip install".to_string(),
            "it installs into your Python".to_string()
        )]
    );
    assert!(
        found[1].skips.is_empty(),
        "a marker applies to its block only"
    );
    assert_eq!(found[1].line, 10);
    let prose = prose(text);
    assert!(!prose.contains("anscombe a"));
    let quoted: Vec<String> = ratios(&prose).into_iter().map(|(_, r)| r).collect();
    assert_eq!(quoted, ["2.5x"], "v1.2x is a version, 10x has no decimals");
    assert_eq!(
        printed_as_quoted("size 1 -> 2 bytes, ratio 2.883x", "ratio ", "2.9").as_deref(),
        Some("2.9")
    );
    assert_eq!(
        printed_as_quoted("ratio 2.949x", "ratio ", "2.9").as_deref(),
        Some("2.9")
    );
    assert_eq!(
        printed_as_quoted("ratio 2.951x", "ratio ", "2.9").as_deref(),
        Some("3.0")
    );
}
