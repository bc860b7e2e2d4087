//! Single images, such as a calibration's per-pixel maps (gains, zero levels, groups): written
//! as one NPY array of the image's shape or one TIFF page, and read back whole.

use std::path::{Path, PathBuf};

use crate::{MovieError, MovieWriter, Samples};

/// True for a `.tif` or `.tiff` path (any case).
fn is_tiff(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"))
}

/// Writes one image of `shape` (rows, columns, or any shape of a frame) atomically: an NPY
/// array of that shape, or one TIFF page (a TIFF is written as a movie of one frame, its page
/// the image's last two axes).
///
/// # Errors
/// [`MovieError`] for an extension that is neither, samples that do not fill the shape, or a
/// failed write.
pub fn write_image(path: &Path, shape: &[usize], samples: &Samples) -> Result<PathBuf, MovieError> {
    let shape = if is_tiff(path) {
        [&[1], shape].concat()
    } else {
        shape.to_vec()
    };
    let mut writer = MovieWriter::create(path, &shape, samples.element())?;
    writer.write(samples)?;
    writer.finish()
}

/// Every sample of an image file (`.npy`, `.tif`, or any movie [`crate::open_movie`] reads), in
/// the file's order.
///
/// # Errors
/// [`MovieError`] when the file cannot be opened or read.
pub fn read_image(path: &Path) -> Result<Samples, MovieError> {
    let mut source = crate::open_movie(path)?;
    let frames = source.frames();
    source.read_frames(0, frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_comes_back_with_its_shape_from_npy_and_tiff() {
        let dir = anscombe_testkit::scratch("io-image-round-trip");
        let gains = Samples::F64((0..12).map(|i| f64::from(i) * 0.5 - 1.0).collect());
        let groups = Samples::I16(vec![-1, 0, 1, 1, 0, -1, 0, 0, 1, 1, 1, -1]);
        for (name, samples) in [("gain", &gains), ("group", &groups)] {
            for extension in ["npy", "tif", "TIFF"] {
                let path = dir.join(format!("{name}.{extension}"));
                write_image(&path, &[3, 4], samples).expect("written");
                assert_eq!(
                    &read_image(&path).expect("read"),
                    samples,
                    "{}",
                    path.display()
                );
                let opened = crate::open_movie(&path).expect("opens");
                let expected: &[usize] = if extension == "npy" {
                    &[3, 4]
                } else {
                    &[1, 3, 4]
                };
                assert_eq!(opened.shape(), expected, "{}", path.display());
            }
        }
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn samples_that_do_not_fill_the_shape_write_nothing() {
        let dir = anscombe_testkit::scratch("io-image-short");
        let path = dir.join("map.npy");
        assert!(write_image(&path, &[3, 4], &Samples::F64(vec![0.0; 11])).is_err());
        assert!(!path.exists());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
