//! HDF5 movies written by h5py (chunked with gzip, shuffle and Fletcher-32; contiguous
//! big-endian; several datasets) read back frame range by frame range exactly as NumPy holds
//! them, and the mistakes a user can make give clear errors.

use std::path::{Path, PathBuf};
use std::process::Command;

use anscombe_testkit::python;

use anscombe_io::npy::NpyArray;
use anscombe_io::{MovieError, open_movie};

/// The h5py files in a scratch folder of their own (`name`: tests run in parallel).
fn files(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("anscombe-hdf5-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let status = Command::new(python("h5py"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/write_hdf5.py"))
        .arg(&dir)
        .status()
        .expect("start python");
    assert!(status.success());
    dir
}

/// Reads `movie` in ranges of `step` frames and checks every range against the `.npy`.
fn reads_as(movie: &Path, expected: &Path, step: usize) {
    let truth = NpyArray::read(expected).expect("npy");
    let mut source = open_movie(movie).expect("open");
    assert_eq!(source.shape(), truth.shape);
    assert_eq!(source.element(), truth.samples.element());
    let frame = source.frame_len();
    let mut start = 0;
    while start < source.frames() {
        let count = step.min(source.frames() - start);
        let got = source.read_frames(start, count).expect("frames");
        let want = truth.samples.slice(start * frame..(start + count) * frame);
        assert_eq!(
            got,
            want,
            "{} frames {start}..{}",
            movie.display(),
            start + count
        );
        start += count;
    }
}

#[test]
fn h5py_files_read_exactly_and_mistakes_are_clear() {
    let dir = files("read");
    let chunked = format!("{}:/acq/frames", dir.join("chunked.h5").display());
    reads_as(Path::new(&chunked), &dir.join("chunked.npy"), 4);
    reads_as(Path::new(&chunked), &dir.join("chunked.npy"), 9);
    // The only movie-like dataset is found without its path.
    reads_as(&dir.join("bigendian.hdf5"), &dir.join("bigendian.npy"), 2);
    reads_as(
        Path::new(&format!("{}:a", dir.join("two.h5").display())),
        &dir.join("two_a.npy"),
        3,
    );

    let message = |result: Result<Box<dyn anscombe_io::FrameSource>, MovieError>| match result {
        Ok(_) => panic!("opened"),
        Err(e) => e.to_string(),
    };
    let several = message(open_movie(dir.join("two.h5")));
    assert!(
        several.contains("several datasets") && several.contains("/a, /b"),
        "{several}"
    );
    let missing = message(open_movie(format!(
        "{}:/nope",
        dir.join("two.h5").display()
    )));
    assert!(missing.contains("no dataset \"/nope\""), "{missing}");
    let text = message(open_movie(format!(
        "{}:label",
        dir.join("two.h5").display()
    )));
    assert!(text.contains("non-numeric"), "{text}");
    std::fs::write(dir.join("fake.h5"), b"not an HDF5 file at all").expect("write");
    let fake = message(open_movie(dir.join("fake.h5")));
    assert!(fake.contains("not a readable HDF5 file"), "{fake}");
    let mut source = open_movie(&chunked).expect("open");
    assert!(matches!(
        source.read_frames(8, 2),
        Err(MovieError::Range { .. })
    ));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Opens and reads a damaged file: an error or samples, never a panic.
fn survives(path: &Path) {
    if let Ok(mut source) = open_movie(path) {
        let frames = source.frames().min(3);
        let _ = source.read_frames(0, frames);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 150, ..Default::default() })]

    /// A real h5py file with bytes changed anywhere, and arbitrary bytes behind the HDF5
    /// signature.
    #[test]
    fn damaged_files_never_panic(
        at in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 1..4),
        value in proptest::prelude::any::<u8>(),
        tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
    ) {
        let dir = std::env::temp_dir().join(format!("anscombe-hdf5-damage-{}", std::process::id()));
        let original = dir.join("chunked.h5");
        if !original.exists() {
            std::fs::create_dir_all(&dir).expect("scratch");
            let written = files("original");
            std::fs::copy(written.join("chunked.h5"), &original).expect("copy");
            std::fs::remove_dir_all(written).expect("cleanup");
        }
        let mut bytes = std::fs::read(&original).expect("read");
        for index in &at {
            let i = index.index(bytes.len());
            bytes[i] = value;
        }
        let damaged = dir.join("damaged.h5");
        std::fs::write(&damaged, &bytes).expect("write");
        survives(&damaged);
        let mut forged = b"\x89HDF\r\n\x1a\n".to_vec();
        forged.extend_from_slice(&tail);
        std::fs::write(&damaged, &forged).expect("write");
        survives(&damaged);
    }
}
