"""Writes the input arrays of the anscombe-context golden files (format versions 1 and 2: the
folders v1/ and v2/ hold the same inputs).

The inputs are made here, with NumPy, independently of the Rust coder: Anscombe codes of
Poisson photon counts over a small scene that drifts and has a moving bright spot, plus
arrays that reach the format's corner cases (escapes, 16-bit samples, 2-D chunks, and
stored chunks: empty or random).
The coded streams next to them (`*.actx`) were written once by their format version's encoder;
`tests/golden.rs` in `crates/anscombe-entropy` checks both directions against them, and
`tests/python/context_reference_decoder.py` decodes them from the spec's text alone.

Usage: python make_inputs.py OUTDIR
"""
import sys
from pathlib import Path

import numpy as np


def codes(photons, beta=0.5):
    """Anscombe codes of photon counts at gain 1: round(2 / beta * sqrt(n + 3/8))."""
    return np.rint(2.0 / beta * np.sqrt(photons + 0.375))


def movie(rng, frames, height, width):
    y, x = np.mgrid[0:height, 0:width]
    scene = 0.5 + 25.0 * np.exp(-((y - height / 2) ** 2 + (x - width / 3) ** 2) / 40.0)
    out = np.empty((frames, height, width))
    for t in range(frames):
        spot = 60.0 * np.exp(-((y - 4 - t % height) ** 2 + (x - 2 * t % width) ** 2) / 3.0)
        out[t] = codes(rng.poisson(scene * (1.0 + 0.01 * t) + spot))
    return out


def main():
    out = Path(sys.argv[1])
    rng = np.random.default_rng(20261122)
    np.save(out / "movie_u8.npy", movie(rng, 24, 16, 20).astype(np.uint8))
    wide = movie(rng, 8, 24, 30) * 9.0
    wide[1, 2, 3] = 65535
    wide[3, 0, 0] = 0
    wide[4, 8, 10] = 40000
    np.save(out / "wide_u16.npy", wide.astype(np.uint16))
    image = movie(rng, 1, 48, 64)[0]
    image[5, 5] = 255
    np.save(out / "image_u8.npy", image.astype(np.uint8))
    # Too small and too random for the model: the stored mode.
    np.save(out / "noise_u8.npy", rng.integers(0, 256, size=(2, 3, 5), dtype=np.uint8))
    np.save(out / "empty_u8.npy", np.zeros((0, 4, 4), dtype=np.uint8))


if __name__ == "__main__":
    main()
