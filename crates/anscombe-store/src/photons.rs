//! A movie converted to photon counts, `(x - zero level) / gain` per pixel (a
//! [`PhotonScale`] of `anscombe-calibrate`), streamed frame batch by frame batch into a
//! float32 movie of (frames, height, width): a store for a `.zarr` path, else TIFF or NPY.

use std::path::Path;

use anscombe_calibrate::photons::{PhotonError, PhotonScale};
use anscombe_io::{Element, FrameSource, MovieError, Samples, stream_frames};

use crate::error::StoreError;
use crate::output::MovieOutput;
use crate::writer::batch_frames;

/// Why a movie could not be converted to photons.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhotonsError {
    /// Per-pixel maps of another size than the movie's frames.
    #[error("the maps have {maps} pixels, the movie's frames {frame} (shape {shape:?})")]
    Pixels {
        /// Pixels of the maps.
        maps: usize,
        /// Pixels of a frame.
        frame: usize,
        /// The movie's shape.
        shape: Vec<usize>,
    },
    /// The conversion itself.
    #[error(transparent)]
    Scale(#[from] PhotonError),
    /// Reading the movie or writing the output.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<MovieError> for PhotonsError {
    fn from(error: MovieError) -> Self {
        PhotonsError::Store(error.into())
    }
}

/// Converts every frame of `source` with `scale` and writes the float32 photon counts to
/// `output` (frames, height, width: a frame's leading axes become rows); `progress(done,
/// total)` after each batch. Returns the bytes stored.
///
/// # Errors
/// [`PhotonsError::Pixels`] (before anything is written) for maps of another size than a
/// frame; [`StoreError::Exists`] inside [`PhotonsError::Store`] when `output` exists and
/// `overwrite` is false; read and write errors (the output then does not appear).
pub fn write_photons(
    source: &mut dyn FrameSource,
    scale: &PhotonScale,
    output: &Path,
    overwrite: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<u64, PhotonsError> {
    let shape = source.shape().to_vec();
    let (frames, frame) = (source.frames(), source.frame_len());
    if let Some(maps) = scale.pixels().filter(|&maps| maps != frame) {
        return Err(PhotonsError::Pixels { maps, frame, shape });
    }
    let width = shape.last().copied().unwrap_or(1);
    let height = shape.iter().skip(1).rev().skip(1).product::<usize>();
    let names = Some(vec!["t".into(), "y".into(), "x".into()]);
    let mut writer = MovieOutput::create(
        output,
        &[frames, height, width],
        Element::F32,
        names,
        overwrite,
    )?;
    let batch = batch_frames(frame.saturating_mul(8), writer.frames_per_chunk());
    stream_frames(source, batch, |first, samples| {
        let photons = scale.convert_samples(&samples, frame)?;
        let done = first + photons.len() / frame.max(1);
        writer.write(first, &Samples::F32(photons))?;
        progress(done, frames);
        Ok::<(), PhotonsError>(())
    })?;
    let (_, stored_bytes) = writer.finish()?;
    Ok(stored_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anscombe_io::InMemory;
    use anscombe_io::npy::NpyArray;

    #[test]
    fn levels_become_photons_with_one_scale_or_per_pixel_maps() {
        let dir = anscombe_testkit::scratch("store-photons");
        // Three frames of 2 x 2 uint16 levels.
        let levels: Vec<u16> = vec![10, 12, 14, 16, 20, 22, 24, 26, 30, 10, 10, 10];
        let movie = || InMemory::new(vec![3, 2, 2], Samples::U16(levels.clone()));
        let output = dir.join("uniform.npy");
        let uniform = PhotonScale::uniform(2.0, 10.0).expect("scale");
        let mut seen = Vec::new();
        write_photons(
            &mut movie(),
            &uniform,
            &output,
            false,
            &mut |done, total| {
                seen.push((done, total));
            },
        )
        .expect("written");
        assert_eq!(seen.last(), Some(&(3, 3)));
        let written = NpyArray::read(&output).expect("read");
        assert_eq!(written.shape, [3, 2, 2]);
        let expected: Vec<f32> = levels
            .iter()
            .map(|&x| (f32::from(x) - 10.0) / 2.0)
            .collect();
        assert_eq!(written.samples, Samples::F32(expected));

        // Per pixel: pixel 1 has no usable gain and comes out NaN.
        let maps =
            PhotonScale::per_pixel(vec![1.0, f64::NAN, 2.0, 4.0], vec![10.0; 4]).expect("maps");
        let output = dir.join("maps.npy");
        write_photons(&mut movie(), &maps, &output, false, &mut |_, _| {}).expect("written");
        let Samples::F32(photons) = NpyArray::read(&output).expect("read").samples else {
            panic!("float32 photons")
        };
        // (x - zero) / gain by hand, pixel by pixel, frame by frame.
        let expected = [
            0.0,
            f32::NAN,
            2.0,
            1.5,
            10.0,
            f32::NAN,
            7.0,
            4.0,
            20.0,
            f32::NAN,
            0.0,
            0.0,
        ];
        assert_eq!(photons.len(), expected.len());
        for (i, (&p, &e)) in photons.iter().zip(&expected).enumerate() {
            assert!(
                p == e || (p.is_nan() && e.is_nan()),
                "sample {i}: {p} for {e}"
            );
        }

        // Maps of another size: refused before anything is written.
        let small = PhotonScale::per_pixel(vec![1.0; 3], vec![0.0; 3]).expect("maps");
        let refused = dir.join("refused.npy");
        let error = write_photons(&mut movie(), &small, &refused, false, &mut |_, _| {})
            .expect_err("sizes differ");
        assert!(
            matches!(
                error,
                PhotonsError::Pixels {
                    maps: 3,
                    frame: 4,
                    ..
                }
            ),
            "{error}"
        );
        assert!(!refused.exists());
        // An existing output is not replaced unless asked.
        let error = write_photons(&mut movie(), &uniform, &output, false, &mut |_, _| {})
            .expect_err("exists");
        assert!(
            matches!(error, PhotonsError::Store(StoreError::Exists(_))),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
