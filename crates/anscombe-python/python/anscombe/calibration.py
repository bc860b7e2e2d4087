"""Calibration: the conversion gain (levels per photon) and zero level the codec needs,
measured from the data, with their uncertainties and the photon-transfer curve."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _anscombe
from ._arrays import native

__all__ = ["Calibration", "calibrate", "calibrate_darks_flats"]

_METHODS = ("photon-transfer", "reference")


def _number(value: Any) -> float:
    """JSON null (a NaN the report could not give) as NaN."""
    return math.nan if value is None else float(value)


@dataclass(frozen=True)
class Calibration:
    """A conversion gain and zero level with their quality: the report ``anscombe calibrate``
    prints, and the object :func:`anscombe.encode`, the codec classes and
    :func:`anscombe.dask.to_zarr` take.

    ``points`` is the photon-transfer curve: arrays ``mean``, ``variance``, ``pairs`` and
    ``used`` (False where the robust fit set a point aside). Standard errors are NaN where the
    method gives none (the reference method). ``reference`` holds the reference estimator's own
    numbers (``counts``, ``variance``, ``min_intensity``, ...) when that method made it.
    """

    method: str
    conversion_gain: float
    conversion_gain_se: float
    zero_level: float
    zero_level_se: float
    r_squared: float = math.nan
    reduced_chi_squared: float = math.nan
    nonlinearity: float = math.nan
    levels_used: int = 0
    pixels_used: int = 0
    pixels_saturated: int = 0
    pixels_rejected: int = 0
    photon_range: tuple[float, float] = (math.nan, math.nan)
    read_noise: float | None = None
    warnings: tuple[dict[str, Any], ...] = ()
    points: dict[str, np.ndarray] = field(default_factory=dict, compare=False)
    reference: dict[str, Any] | None = field(default=None, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any], reference: dict[str, Any] | None = None) -> Calibration:
        """A calibration from the JSON object ``anscombe calibrate --json`` prints."""
        points = data.get("points") or []
        return cls(
            method=str(data.get("method", "photon-transfer")),
            conversion_gain=_number(data["conversion_gain"]),
            conversion_gain_se=_number(data.get("conversion_gain_se")),
            zero_level=_number(data["zero_level"]),
            zero_level_se=_number(data.get("zero_level_se")),
            r_squared=_number(data.get("r_squared")),
            reduced_chi_squared=_number(data.get("reduced_chi_squared")),
            nonlinearity=_number(data.get("nonlinearity")),
            levels_used=int(data.get("levels_used", 0)),
            pixels_used=int(data.get("pixels_used", 0)),
            pixels_saturated=int(data.get("pixels_saturated", 0)),
            pixels_rejected=int(data.get("pixels_rejected", 0)),
            photon_range=tuple(_number(v) for v in data.get("photon_range", (None, None))),
            read_noise=None if data.get("read_noise") is None else float(data["read_noise"]),
            warnings=tuple(data.get("warnings", ())),
            points={
                "mean": np.array([_number(p["mean"]) for p in points], dtype=np.float64),
                "variance": np.array([_number(p["variance"]) for p in points], dtype=np.float64),
                "pairs": np.array([_number(p["pairs"]) for p in points], dtype=np.float64),
                "used": np.array([bool(p["used"]) for p in points], dtype=bool),
            },
            reference=reference,
        )

    @classmethod
    def load(cls, path: str | Path) -> Calibration:
        """Reads a calibration saved by ``anscombe calibrate --output`` or :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text()))

    def to_dict(self) -> dict[str, Any]:
        """The calibration as the CLI's JSON object (``encode --calibration`` reads it)."""

        def finite(v: float) -> float | None:
            return None if math.isnan(v) else v

        return {
            "method": self.method,
            "conversion_gain": self.conversion_gain,
            "conversion_gain_se": finite(self.conversion_gain_se),
            "zero_level": self.zero_level,
            "zero_level_se": finite(self.zero_level_se),
            "r_squared": finite(self.r_squared),
            "reduced_chi_squared": finite(self.reduced_chi_squared),
            "nonlinearity": finite(self.nonlinearity),
            "levels_used": self.levels_used,
            "pixels_used": self.pixels_used,
            "pixels_saturated": self.pixels_saturated,
            "pixels_rejected": self.pixels_rejected,
            "photon_range": [finite(v) for v in self.photon_range],
            "read_noise": self.read_noise,
            "warnings": list(self.warnings),
            "points": [
                {"mean": float(m), "variance": float(v), "pairs": float(n), "used": bool(u)}
                for m, v, n, u in zip(
                    self.points.get("mean", ()),
                    self.points.get("variance", ()),
                    self.points.get("pairs", ()),
                    self.points.get("used", ()),
                )
            ],
        }

    def save(self, path: str | Path) -> None:
        """Writes the calibration as JSON (what ``anscombe encode --calibration`` reads)."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2))

    def __str__(self) -> str:
        lines = [
            f"conversion gain  {self.conversion_gain:.4f} ± {self.conversion_gain_se:.4f} "
            "levels per photon",
            f"zero level       {self.zero_level:.2f} ± {self.zero_level_se:.2f} levels "
            "(noise-equivalent)",
        ]
        if self.read_noise is not None:
            lines.append(f"read noise       {self.read_noise:.2f} levels")
        lines.extend(f"warning          {w.get('kind', w)}" for w in self.warnings)
        return "\n".join(lines)

    def plot(self, ax: Any = None, path: str | Path | None = None) -> Any:
        """Draws the photon-transfer curve (variance against mean level, the fitted line, the
        points the fit set aside in grey) with matplotlib, on ``ax`` or a new figure; saves it
        to ``path`` when given. Returns the axes. Raises ``ImportError`` without matplotlib."""
        try:
            import matplotlib.pyplot as plt
        except ImportError as missing:
            raise ImportError(
                "Calibration.plot needs matplotlib: pip install matplotlib "
                "(or the command line's `anscombe calibrate --plot ptc.png`)"
            ) from missing
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        mean = self.points.get("mean", np.zeros(0))
        variance = self.points.get("variance", np.zeros(0))
        used = self.points.get("used", np.zeros(0, dtype=bool))
        ax.scatter(mean[used], variance[used], s=12, label="used")
        if (~used).any():
            ax.scatter(mean[~used], variance[~used], s=12, color="0.6", label="set aside")
        if mean.size:
            x = np.array([min(mean.min(), self.zero_level), mean.max()])
            ax.plot(
                x,
                self.conversion_gain * (x - self.zero_level),
                color="C3",
                label=f"gain {self.conversion_gain:.3f}, zero {self.zero_level:.1f}",
            )
        ax.set_xlabel("mean level")
        ax.set_ylabel("temporal variance (levels²)")
        ax.set_title(f"photon transfer ({self.method})")
        ax.legend()
        if path is not None:
            ax.figure.savefig(path)
        return ax


def _reference(result: str) -> Calibration:
    data = json.loads(result)
    calibration = data.pop("calibration")
    data["counts"] = np.asarray(data["counts"], dtype=np.int64)
    data["variance"] = np.asarray(data["variance"], dtype=np.float64)
    data["outliers"] = np.asarray(data["outliers"], dtype=bool)
    return Calibration.from_dict(calibration, reference=data)


def calibrate(
    movie: Any,
    method: str = "photon-transfer",
    *,
    gamma: float = 0.2,
    saturation: float | None = None,
) -> Calibration:
    """Measures the conversion gain and zero level of a ``(frames, height, width)`` movie of a
    mostly static scene (any ``(frames, ...)`` array works).

    ``method="photon-transfer"`` (default) is the robust fit over pixels of ``anscombe
    calibrate``; ``method="reference"`` is anscombe-transform's ``compute_conversion_gain``,
    step for step (``gamma`` weights its regression by ``counts**gamma``). ``saturation``:
    samples at or above it count as saturated. Raises ``ValueError`` when the data allow no
    calibration, saying what they lack.
    """
    a = native(movie)
    if method == "photon-transfer":
        return Calibration.from_dict(
            json.loads(_anscombe.calibrate_photon_transfer(a, saturation))
        )
    if method == "reference":
        return _reference(_anscombe.calibrate_reference(a, gamma))
    raise ValueError(f"unknown method {method!r}: expected one of {', '.join(_METHODS)}")


def calibrate_darks_flats(darks: Any, flats: Any) -> Calibration:
    """Gain and zero level from a stack of dark frames and one or more stacks of flat frames
    (one stack per intensity), the X-ray and camera convention."""
    if isinstance(flats, np.ndarray):
        flats = [flats]
    return Calibration.from_dict(
        json.loads(
            _anscombe.calibrate_darks_and_flats(native(darks), [native(f) for f in flats])
        )
    )


def reference_result(result_json: str) -> Calibration:
    """A calibration from the native reference fit's JSON (for :mod:`anscombe.dask`)."""
    return _reference(result_json)
