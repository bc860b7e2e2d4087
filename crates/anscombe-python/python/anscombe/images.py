"""The image tools around the codec: pyramids (tinybrain's arithmetic), backgrounds (dcnum's
sparse and rolling medians) and detector response (detectorcal's fit and correction)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _anscombe
from ._arrays import native

__all__ = [
    "detector_correct",
    "detector_fit",
    "pyramid",
    "rolling_median_background",
    "sparse_median_background",
]


def pyramid(
    array: Any,
    factors: tuple[int, ...] | None = None,
    levels: int = 1,
    method: str = "average",
    sparse: bool = False,
) -> list[np.ndarray]:
    """The levels below ``array`` (level 1 first): each pools blocks of ``factors`` samples of
    the level before (``average``, ``mode``, ``max``, ``min`` or ``stride``). ``factors``
    default to 2 along the last two axes. Integer averages are exact; edges repeat."""
    a = native(array)
    if factors is None:
        factors = tuple([1] * (a.ndim - 2) + [2, 2]) if a.ndim >= 2 else (2,)
    return list(_anscombe.pyramid(a, [int(f) for f in factors], levels, method, sparse))


def sparse_median_background(
    movie: Any,
    *,
    kernel_size: int = 200,
    split_time: float = 1.0,
    thresh_cleansing: float = 0.0,
    frac_cleansing: float = 0.8,
    offset_correction: bool = True,
    fps: float | None = None,
    times: Any = None,
) -> dict[str, Any]:
    """dcnum's sparse median background of a ``(frames, height, width)`` movie: ``images``
    (the kept medians), ``frame_background`` (each frame's image), ``offsets`` (flicker),
    ``step_times``, ``times`` and ``kernel_size``. Give ``fps`` or ``times`` (seconds)."""
    seconds = None if times is None else [float(t) for t in np.asarray(times).ravel()]
    return _anscombe.sparse_median(
        native(movie),
        kernel_size,
        split_time,
        thresh_cleansing,
        frac_cleansing,
        offset_correction,
        fps,
        seconds,
    )


def rolling_median_background(movie: Any, kernel_size: int = 100) -> np.ndarray:
    """dcnum's rolling median: for every frame, the median of the next ``kernel_size``."""
    return _anscombe.rolling_median(native(movie), kernel_size)


def detector_fit(
    sweep: Any,
    dark: Any = None,
    *,
    sigma: float = 50.0,
    truncate: float = 4.0,
    cutoff: float = 300.0,
    min_r_squared: float = 0.98,
) -> dict[str, np.ndarray]:
    """detectorcal's pixel-wise response fit of a ``(frames, height, width)`` beam sweep:
    ``coefficients``, ``r_squared``, ``points`` and the ``bad`` pixel map."""
    return _anscombe.detector_fit(
        native(sweep),
        None if dark is None else native(dark),
        sigma,
        truncate,
        cutoff,
        min_r_squared,
    )


def detector_correct(
    images: Any,
    coefficients: Any,
    *,
    dark: Any = None,
    flat: Any = None,
    residual_sigma: float | None = None,
    smooth_radius: float = 50.0,
) -> np.ndarray:
    """detectorcal's correction of a ``(frames, height, width)`` stack: ``(image - dark) *
    coefficients``, divided by the smoothed ``flat`` when given (float64)."""
    return _anscombe.detector_correct(
        native(images),
        np.ascontiguousarray(coefficients, dtype=np.float64),
        None if dark is None else native(dark),
        None if flat is None else native(flat),
        residual_sigma,
        smooth_radius,
    )
