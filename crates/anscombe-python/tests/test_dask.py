"""anscombe.dask on a real two-process cluster: block-wise calibration equal to the in-memory
one, stores written from both workers that the CLI reads exactly, and dask.array.from_zarr."""

from __future__ import annotations

import numpy as np
import pytest

import anscombe
from conftest import poisson_movie, run_cli

da = pytest.importorskip("dask.array", reason="dask[array] is one of the test packages")
distributed = pytest.importorskip("distributed", reason="distributed is one of the test packages")


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of two worker processes (each imports anscombe on its own)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def _movie() -> np.ndarray:
    return poisson_movie(frames=37, shape=(50, 44), gain=3.0, zero=100.0, photons=120.0, seed=11)


def _workers_that_ran(client) -> int:
    """How many worker processes have run anscombe tasks (both should)."""
    return sum(1 for ok in client.run(lambda: "anscombe._anscombe" in __import__("sys").modules).values() if ok)


@pytest.mark.parametrize("chunks", [(7, 25, 20), (37, 50, 44), (1, 50, 44), (10, 13, 44)])
def test_block_wise_calibration_equals_the_in_memory_one(client, chunks) -> None:
    movie = _movie()
    whole = anscombe.calibrate(movie, method="reference")
    blocked = anscombe.dask.calibrate(da.from_array(movie, chunks=chunks))
    assert blocked.method == "reference"
    # Exact sums per level, so the same fit to float rounding.
    assert blocked.conversion_gain == pytest.approx(whole.conversion_gain, rel=1e-12)
    assert blocked.zero_level == pytest.approx(whole.zero_level, rel=1e-12, abs=1e-9)
    assert (blocked.reference["counts"] == whole.reference["counts"]).all()
    np.testing.assert_allclose(blocked.reference["variance"], whole.reference["variance"], rtol=1e-13)
    assert blocked.conversion_gain == pytest.approx(3.0, rel=0.05)
    if chunks[0] < movie.shape[0]:
        # A jackknife over the blocks in time: standard errors where there are several.
        assert 0 < blocked.conversion_gain_se < 0.2 * blocked.conversion_gain
    assert _workers_that_ran(client) == 2


def test_block_statistics_merge_into_the_whole_movie() -> None:
    movie = _movie()
    whole = anscombe.dask.block_statistics(movie, None)
    parts = [anscombe.dask.block_statistics(movie[:12], None),
             anscombe.dask.block_statistics(movie[12:], movie[11])]
    merged = anscombe.dask.merge_statistics(parts)
    assert merged[0] == whole[0] == movie.shape[0] - 1
    assert (merged[1] == whole[1]).all() and (merged[2] == whole[2]).all()
    halves = [anscombe.dask.block_statistics(movie[:, :, :20], None),
              anscombe.dask.block_statistics(movie[:, :, 20:], None)]
    pixels = anscombe.dask.merge_pixels(halves)
    assert pixels[0] == whole[0] and (pixels[1] == whole[1]).all() and (pixels[2] == whole[2]).all()


def test_only_the_reference_method_runs_block_wise() -> None:
    with pytest.raises(ValueError, match="computes the reference method"):
        anscombe.dask.calibrate(da.zeros((4, 8, 8), chunks=2), method="photon-transfer")


@pytest.mark.parametrize(
    ("options", "dtype"),
    [
        ({}, "uint16"),
        ({"compressor": "context"}, "uint16"),
        ({"zarr_format": 2, "compressor": "blosc"}, "int32"),
        ({"codec": "anscombe-v1", "encoded_dtype": "uint8"}, "uint16"),
    ],
)
def test_to_zarr_from_two_workers_writes_what_the_cli_reads(client, tmp_path, cli, options, dtype) -> None:
    gain = 12.0 if options.get("codec") == "anscombe-v1" else 3.0
    movie = poisson_movie(frames=20, shape=(48, 40), gain=gain, seed=3).astype(dtype)
    cal = {"conversion_gain": gain, "zero_level": 100.0}
    # Dask chunks deliberately unaligned with the store's: to_zarr rechunks so each task
    # writes whole chunks.
    array = da.from_array(movie, chunks=(3, 48, 17))
    store = tmp_path / "movie.zarr"
    target = anscombe.dask.to_zarr(array, store, cal, chunks=(4, 24, 20), **options)
    assert target.shape == movie.shape
    codec = options.get("codec", "anscombe-transform")
    expected = anscombe.decode(
        anscombe.encode(movie, cal, codec=codec, encoded_dtype=options.get("encoded_dtype")),
        cal, codec=codec, dtype=dtype)
    run_cli(cli, "decode", store, tmp_path / "cli.npy")
    assert (np.load(tmp_path / "cli.npy") == expected).all()
    # Workers read it back (the codecs come from the entry points in their processes).
    back = da.from_zarr(str(store)).compute()
    assert back.dtype == movie.dtype and (back == expected).all()
    assert _workers_that_ran(client) == 2
