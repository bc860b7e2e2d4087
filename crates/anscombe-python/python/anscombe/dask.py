"""Dask: calibration of arrays larger than one machine, block by block, and stores written
from many workers at once.

:func:`calibrate` computes the reference estimator's statistics (pixel pairs and sums of half
their squared differences, per intensity level) on every block, including the pairs that
straddle two blocks in time (each block reads the frame before it), and adds them up: sums
merge exactly, so the answer is the single-machine ``anscombe.calibrate(movie,
method="reference")``. :func:`to_zarr` writes a store with the Anscombe codec, each Dask task
writing whole Zarr chunks (no two tasks touch one chunk). ``dask.array.from_zarr`` reads the
stores on workers: the codecs are registered by entry points in every process.
"""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import numpy as np

from . import _anscombe
from ._arrays import native
from .calibration import Calibration, reference_result
from .codec import parameters

__all__ = ["block_statistics", "calibrate", "merge_pixels", "merge_statistics", "to_zarr"]


Statistics = tuple[int, np.ndarray, np.ndarray]
"""A block's ``(frame_pairs, counts, sums)``: frame pairs counted, and per intensity level the
pixel pairs and the sum of half their squared differences."""

# The reference estimator's jackknife uses at most 32 groups of frames.
_GROUPS = 32


def block_statistics(block: np.ndarray, previous: np.ndarray | None) -> Statistics:
    """The reference estimator's statistics of one block of frames, with the pair
    (``previous``, first frame) when the block does not start the movie."""
    block = native(block)
    prev = None if previous is None else native(previous).astype(block.dtype, copy=False)
    return _anscombe.reference_statistics(block, prev)


def _add(parts: list[Statistics], same_frames: bool) -> Statistics:
    length = max((len(c) for _, c, _ in parts), default=0)
    counts = np.zeros(length, dtype=np.uint64)
    sums = np.zeros(length, dtype=np.float64)
    for _, c, s in parts:
        counts[: len(c)] += c
        sums[: len(s)] += s
    pairs = [p for p, _, _ in parts]
    frame_pairs = max(pairs, default=0) if same_frames else sum(pairs)
    return frame_pairs, counts, sums


def merge_statistics(parts: list[Statistics]) -> Statistics:
    """Adds the statistics of consecutive blocks of frames (exact: integer counts and sums of
    half-integers far below 2**53)."""
    return _add(parts, same_frames=False)


def merge_pixels(parts: list[Statistics]) -> Statistics:
    """Adds the statistics of blocks of pixels of the same frames."""
    return _add(parts, same_frames=True)


def _tree(parts: list[Any], merge: Any) -> Any:
    """Merges delayed statistics eight at a time, so no task holds them all at once."""
    while len(parts) > 1:
        parts = [dask.delayed(merge)(parts[i : i + 8]) for i in range(0, len(parts), 8)]
    return parts[0]


def calibrate(array: Any, method: str = "reference", *, gamma: float = 0.2) -> Calibration:
    """The calibration of a Dask array of ``(frames, height, width)`` (or ``(frames, ...)``)
    movie, computed block by block on the current scheduler: the same gain and zero level as
    ``anscombe.calibrate(np.asarray(array), method="reference", gamma=gamma)``, with standard
    errors from a jackknife over the array's blocks in time (at most 32 groups).

    Every Dask block gives the reference estimator's statistics (per intensity level, pixel
    pairs and sums of half squared differences), reading the frame before it for the pair that
    straddles two blocks; they merge exactly on the workers, and only at most 32 tables reach
    this process. Only the reference method's statistics merge across blocks; the
    photon-transfer method needs every pixel's whole history and is not offered here.
    """
    if method != "reference":
        raise ValueError(
            f"anscombe.dask.calibrate computes the reference method (statistics that merge "
            f"across blocks), not {method!r}"
        )
    array = da.asarray(array)
    if array.ndim < 2:
        raise ValueError(f"a movie is a (frames, height, width) array, got shape {array.shape}")
    blocks = array.to_delayed()
    offsets = [np.concatenate(([0], np.cumsum(c))).astype(int) for c in array.chunks]
    times = []
    for time in range(blocks.shape[0]):
        parts = []
        for index in np.ndindex(blocks.shape[1:]):
            previous = None
            if time > 0:
                region = tuple(
                    slice(offsets[axis + 1][i], offsets[axis + 1][i + 1])
                    for axis, i in enumerate(index)
                )
                frame = offsets[0][time] - 1
                previous = array[(slice(frame, frame + 1), *region)].to_delayed().ravel()[0]
            parts.append(dask.delayed(block_statistics)(blocks[(time, *index)], previous))
        times.append(_tree(parts, merge_pixels))
    # Neighbouring blocks in time merged into at most 32 groups, each a jackknife group.
    per_group = -(-len(times) // _GROUPS)
    groups = [
        _tree(times[i : i + per_group], merge_statistics) for i in range(0, len(times), per_group)
    ]
    (computed,) = dask.compute(groups)
    return reference_result(_anscombe.reference_fit(list(computed), gamma))


_COMPRESSORS = ("zstd", "blosc", "context", "none")


def to_zarr(
    array: Any,
    store: Any,
    calibration: Any,
    *,
    codec: str = "anscombe-transform",
    beta: float = 0.5,
    encoded_dtype: str | None = None,
    compressor: str = "zstd",
    level: int | None = None,
    chunks: tuple[int, ...] | None = None,
    zarr_format: int = 3,
    overwrite: bool = False,
    compute: bool = True,
) -> Any:
    """Writes a Dask array to a Zarr store (a path, or a zarr store object) with
    the Anscombe codec, from many workers at once, and returns the zarr array.

    ``calibration`` is an :class:`~anscombe.Calibration` or a mapping with ``conversion_gain``
    and ``zero_level``. The options are those of ``anscombe encode``: ``codec``
    (``anscombe-transform`` or ``anscombe-v1``), ``beta``, ``encoded_dtype``, ``compressor``
    (``zstd`` level 3, ``blosc`` level 5, ``context`` for the entropy coder, or ``none``),
    ``chunks`` (default: the array's first chunk shape) and ``zarr_format``. The array is
    rechunked to the store's chunks, so every task writes whole chunks.
    """
    import zarr

    from . import numcodecs as ours_v2
    from . import zarr as ours_v3

    array = da.asarray(array)
    gain, zero = parameters(calibration)
    dtype = np.dtype(array.dtype).newbyteorder("=")
    if compressor not in _COMPRESSORS:
        raise ValueError(f"compressor {compressor!r}: expected one of {', '.join(_COMPRESSORS)}")
    chunk_shape = tuple(int(c) for c in (chunks or array.chunksize))
    serializer: Any = "auto"
    compressors: Any
    if zarr_format == 3:
        if codec == "anscombe-transform":
            filters = [ours_v3.AnscombeTransform(
                zero_level=zero, conversion_gain=gain, beta=beta, encoded_dtype=encoded_dtype)]
        elif codec == "anscombe-v1":
            filters = [ours_v3.AnscombeV1(
                zero_level=zero, conversion_gain=gain, encoded_dtype=encoded_dtype or "uint8")]
        else:
            raise ValueError(f"unknown codec {codec!r}: expected anscombe-transform or anscombe-v1")
        if compressor == "context":
            serializer, compressors = ours_v3.AnscombeContext(), None
        elif compressor == "zstd":
            compressors = [zarr.codecs.ZstdCodec(level=3 if level is None else level)]
        elif compressor == "blosc":
            compressors = [zarr.codecs.BloscCodec(
                cname="zstd", clevel=5 if level is None else level, shuffle="bitshuffle")]
        else:
            compressors = None
    elif zarr_format == 2:
        import numcodecs

        if codec == "anscombe-transform":
            filters = [ours_v2.AnscombeTransform(
                zero_level=zero, conversion_gain=gain, beta=beta,
                encoded_dtype=encoded_dtype, decoded_dtype=dtype.name)]
        elif codec == "anscombe-v1":
            filters = [ours_v2.AnscombeV1(zero_level=zero, conversion_gain=gain)]
        else:
            raise ValueError(f"unknown codec {codec!r}: expected anscombe-transform or anscombe-v1")
        if compressor == "context":
            raise ValueError("anscombe-context needs Zarr V3 (it replaces the bytes codec)")
        if compressor == "zstd":
            compressors = numcodecs.Zstd(level=3 if level is None else level)
        elif compressor == "blosc":
            compressors = numcodecs.Blosc(
                cname="zstd", clevel=5 if level is None else level, shuffle=numcodecs.Blosc.BITSHUFFLE)
        else:
            compressors = None
    else:
        raise ValueError(f"zarr_format must be 2 or 3, got {zarr_format}")
    target = zarr.create_array(
        store,
        shape=array.shape,
        dtype=dtype,
        chunks=chunk_shape,
        filters=filters,
        serializer=serializer,
        compressors=compressors,
        fill_value=0,
        zarr_format=zarr_format,
        overwrite=overwrite,
        **({"dimension_names": ("t", "y", "x")[-array.ndim:]} if zarr_format == 3 and array.ndim <= 3 else {}),
    )
    aligned = array.astype(dtype).rechunk(chunk_shape)
    result = da.store(aligned, target, lock=False, compute=compute)
    return target if compute else (target, result)
