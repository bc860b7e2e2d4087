"""Writes the HDF5 files of tests/hdf5.rs with h5py, each next to an .npy of its dataset.

Usage: write_hdf5.py OUTDIR
"""
import sys
from pathlib import Path

import h5py
import numpy as np


def main():
    out = Path(sys.argv[1])
    rng = np.random.default_rng(7)
    chunked = rng.poisson(300, size=(9, 10, 12)).astype(np.uint16)
    with h5py.File(out / "chunked.h5", "w") as f:
        f.create_dataset("acq/frames", data=chunked, chunks=(2, 5, 12), compression="gzip", shuffle=True,
                         fletcher32=True)
        f.create_dataset("acq/timestamps", data=np.arange(9.0))
    np.save(out / "chunked.npy", chunked)
    big = (np.arange(3 * 4 * 5, dtype=np.int16) * 97 - 2000).reshape(3, 4, 5)
    with h5py.File(out / "bigendian.hdf5", "w") as f:
        f.create_dataset("movie", data=big.astype(">i2"))
    np.save(out / "bigendian.npy", big)
    floats = rng.normal(size=(4, 3, 2)).astype(np.float32)
    with h5py.File(out / "two.h5", "w") as f:
        f.create_dataset("a", data=floats)
        f.create_dataset("b", data=floats * 2)
        f.create_dataset("label", data=b"not a movie")
    np.save(out / "two_a.npy", floats)


if __name__ == "__main__":
    main()
