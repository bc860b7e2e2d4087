"""The photon-transfer estimator both reference packages share (anscombe-transform's
``compute_conversion_gain`` is poisson-numcodecs' ``SequentialCalibratePhotons``, bit for bit),
computed in Rust; the Huber regression reaches the same minimum as scikit-learn's
``HuberRegressor``, to rounding rather than to L-BFGS-B's tolerance. Without zarr, so the
poisson-numcodecs drop-in works in zarr-python 2 environments."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np

from .. import _anscombe
from .._arrays import native

__all__ = ["ConversionGainConfig", "HuberModel", "compute_conversion_gain"]


@dataclass(frozen=True)
class HuberModel:
    """The fitted regression, with the attributes of scikit-learn's ``HuberRegressor`` that
    callers read (``coef_``, ``intercept_``, ``scale_``, ``outliers_``, ``n_iter_``)."""

    coef_: np.ndarray
    intercept_: float
    scale_: float
    outliers_: np.ndarray
    n_iter_: int

    def predict(self, X: Any) -> np.ndarray:
        """The line at ``X`` (one column: intensity)."""
        return np.asarray(X, dtype=np.float64) @ self.coef_ + self.intercept_


class ConversionGainConfig(TypedDict):
    """What ``compute_conversion_gain`` returns."""

    model: HuberModel
    counts: np.ndarray
    min_intensity: int | float
    max_intensity: int | float
    variance: np.ndarray
    conversion_gain: float
    zero_level: float


def compute_conversion_gain(movie: np.ndarray, count_weight_gamma: float = 0.2) -> ConversionGainConfig:
    """Gain and zero level of a ``(time, height, width)`` movie from the temporal variance of
    consecutive frames per intensity level, fitted with a Huber regression weighted by
    ``counts**count_weight_gamma``. Raises ``AssertionError`` as the reference does (a movie of
    another rank; too narrow a range of intensities)."""
    movie = native(movie)
    assert movie.ndim == 3, (
        f"Thee dimensions (Time x Height x Width) of grayscale movie expected, got {movie.ndim} dimensions"
    )
    try:
        result = json.loads(_anscombe.calibrate_reference(movie, float(count_weight_gamma)))
    except ValueError as error:
        if "more than 100 well-populated intensity levels" in str(error):
            raise AssertionError(
                "The image does not have a sufficient range of intensities to compute the noise "
                "transfer function."
            ) from error
        raise
    model = HuberModel(
        coef_=np.array([result["coef"]]),
        intercept_=float(result["intercept"]),
        scale_=float(result["scale"]),
        outliers_=np.asarray(result["outliers"], dtype=bool),
        n_iter_=int(result["iterations"]),
    )
    return {
        "model": model,
        "counts": np.asarray(result["counts"], dtype=np.int64),
        "min_intensity": np.int64(result["min_intensity"]),
        "max_intensity": np.int64(result["max_intensity"]),
        "variance": np.asarray(result["variance"], dtype=np.float64),
        "conversion_gain": float(result["coef"]),
        "zero_level": -float(result["intercept"]) / float(result["coef"]),
    }
