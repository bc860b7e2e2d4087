"""Drop-in for ``poisson_numcodecs.calibrate``: the photon-transfer calibrators with the
reference's classes, methods, signatures and attributes, computed in Rust.

- :class:`SequentialCalibratePhotons` is the reference's estimator from the variance of
  consecutive frames per intensity level (the same as anscombe-transform's
  ``compute_conversion_gain``): the same levels, counts and variances, and the same Huber line
  to about 1e-6 relative.
- :class:`RasterCalibratePhotons` fits one line of temporal variance against mean per group
  of pixels, with the reference's pixel filters (the same fitted pixels, means and variances).
  One group: the exact least-squares line, which the reference's Powell search approximates
  (to about 3e-4 relative in gain). Several groups: a deterministic fit (no random restarts)
  that assigns pixels by the likelihood of their variance rather than by squared distance to
  the nearest line, which is closer to the truth; the lines are sorted by gain, where the
  reference's order is arbitrary. A :class:`~anscombe.compat.ReferenceDefectWarning` says so.

matplotlib is needed only by the ``plot_*`` methods, and is imported when they are called.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np

from ... import _anscombe
from .._conversion_gain import HuberModel, compute_conversion_gain
from .._defects import ReferenceDefectWarning

__all__ = ["CalibratePhotons", "RasterCalibratePhotons", "SequentialCalibratePhotons"]

_NATIVE_TYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64")


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as missing:
        raise ImportError("the plot_* methods need matplotlib: pip install matplotlib") from missing
    return plt


def _projection_figure(image: np.ndarray, min_range: float, max_range: float) -> Any:
    """A grey image between two percentiles of its values, with a colour bar."""
    plt = _pyplot()
    figure = plt.figure()
    low, high = np.percentile(image.ravel(), [min_range, max_range])
    plt.imshow(image, cmap="gray", vmin=low, vmax=high, interpolation="none")
    plt.colorbar()
    plt.axis("off")
    return figure


class CalibratePhotons:
    """What both calibrators share: the movie, its mean and standard deviation images, and
    the conversion to photons once the parameters are known."""

    def __init__(self, data_array_movie: np.ndarray) -> None:
        if len(data_array_movie.shape) != 3:
            raise ValueError(
                "The data array movie should be N x Y x X. where N is the number of frames and "
                "Y and X are the spatial dimensions."
            )
        self.data_array_movie = data_array_movie
        self.std_image: np.ndarray | None = None
        self.mean_image: np.ndarray | None = None
        self.photon_sensitivity: Any = None
        self.dark_signal: Any = None

    def get_mean_image(self) -> np.ndarray:
        """The mean over time of every pixel (computed once)."""
        if self.mean_image is None:
            self.mean_image = np.mean(self.data_array_movie, axis=0)
        return self.mean_image

    def get_std_image(self) -> np.ndarray:
        """The standard deviation over time of every pixel (computed once)."""
        if self.std_image is None:
            self.std_image = np.std(self.data_array_movie, axis=0)
        return self.std_image

    def plot_std_projection_image(self, min_range: float = 1, max_range: float = 99) -> Any:
        """A figure of the standard deviation image between two percentiles."""
        return _projection_figure(self.get_std_image(), min_range, max_range)

    def plot_mean_projection_image(self, min_range: float = 1, max_range: float = 99) -> Any:
        """A figure of the mean image between two percentiles."""
        return _projection_figure(self.get_mean_image(), min_range, max_range)

    def subsample_and_crop_video(
        self, crop: tuple[int, int], start_frame: int = 0, end_frame: int = -1
    ) -> None:
        """Keeps frames ``start_frame:end_frame`` and drops ``crop = (rows, columns)`` pixels
        on each side; forgets everything computed before. As in the reference, ``end_frame``
        -1 drops the last frame, unless ``start_frame`` is the last frame."""
        self.mean_image = None
        self.std_image = None
        self.photon_sensitivity = None
        self.dark_signal = None
        frames, height, width = self.data_array_movie.shape
        rows, columns = crop
        last_only = start_frame == frames - 1 and end_frame in (-1, frames)
        stop = frames if last_only else end_frame
        self.data_array_movie = self.data_array_movie[
            start_frame:stop, rows : height - rows, columns : width - columns
        ]

    def get_photon_flux_movie(self) -> np.ndarray:
        """The movie in photons, ``(movie - dark_signal) / photon_sensitivity``, as floats."""
        if self.photon_sensitivity is None:
            raise ValueError("You need to compute the photon gain parameters first.")
        return (self.data_array_movie.astype("float") - self.dark_signal) / self.photon_sensitivity


class SequentialCalibratePhotons(CalibratePhotons):
    """The photon-transfer estimator from consecutive frames (one gain for the movie)."""

    def __init__(self, data_array_movie: np.ndarray) -> None:
        super().__init__(data_array_movie)
        # As the reference: integer levels, negative ones taken as 0.
        self.data_array_movie = np.maximum(0, self.data_array_movie.astype(np.int32, copy=False))
        self.fitted_pixels = None
        self.fitted_pixels_var: np.ndarray | None = None
        self.fitted_pixels_mean: np.ndarray | None = None
        self.fitted_model: HuberModel | None = None

    def get_photon_sensitivity_parameters(self, count_weight_gamma: float = 0.2) -> list[Any]:
        """``[photon_sensitivity, dark_signal]`` from the variance of consecutive frames'
        differences per intensity level, fitted with a Huber line weighted by
        ``counts**count_weight_gamma``. Raises ``AssertionError`` when the movie has too few
        intensity levels, as the reference does."""
        fit = compute_conversion_gain(self.data_array_movie, count_weight_gamma)
        self.photon_sensitivity = np.float64(fit["conversion_gain"])
        self.dark_signal = np.float64(fit["zero_level"])
        self.fitted_pixels_var = fit["variance"]
        lo, hi = int(fit["min_intensity"]), int(fit["max_intensity"])
        self.fitted_pixels_mean = np.arange(lo, hi, dtype=np.int64)[:, None]
        self.fitted_model = fit["model"]
        self.min_intensity = lo
        self.max_intensity = hi
        self.counts = fit["counts"]
        return [self.photon_sensitivity, self.dark_signal]

    def plot_poisson_curve(self) -> Any:
        """A figure of variance against intensity with the fitted line."""
        if self.fitted_pixels_mean is None:
            raise ValueError("You need to compute the photon gain parameters first.")
        plt = _pyplot()
        figure = plt.figure()
        plt.scatter(self.fitted_pixels_mean, self.fitted_pixels_var, s=1)
        levels = np.linspace(self.fitted_pixels_mean.min(), self.fitted_pixels_mean.max(), 200)
        plt.plot(levels, (levels - self.dark_signal) * self.photon_sensitivity, "r")
        plt.grid(True)
        plt.xlabel("intensity")
        plt.ylabel("variance")
        return figure


class RasterCalibratePhotons(CalibratePhotons):
    """One line of temporal variance against mean per group of pixels (several detectors or
    gain settings in one movie)."""

    def __init__(self, data_array_movie: np.ndarray) -> None:
        super().__init__(data_array_movie)
        self.group_images: list[np.ndarray] | None = None
        self.image_gain: np.ndarray | None = None
        self.image_offset: np.ndarray | None = None
        self.fitted_pixels: np.ndarray | None = None
        self.fitted_pixels_var: np.ndarray | None = None
        self.fitted_pixels_mean: np.ndarray | None = None
        self._assignment: np.ndarray | None = None

    def _movie(self) -> np.ndarray:
        """The movie in a type the native code reads."""
        movie = np.asarray(self.data_array_movie)
        if movie.dtype.name not in _NATIVE_TYPES or not movie.dtype.isnative:
            movie = movie.astype(np.float64)
        return movie

    def get_photon_sensitivity_parameters(
        self,
        max_pixel_range: float = 2**15,
        n_groups: int = 1,
        perc_min: float = 3,
        perc_max: float = 90,
    ) -> list[np.ndarray]:
        """``[photon_sensitivity, dark_signal]``, one entry per group (sorted by gain), from
        the pixels whose maximum is below ``max_pixel_range`` and whose variance and mean both
        lie strictly between their ``perc_min`` and ``perc_max`` percentiles."""
        if n_groups > 1:
            warnings.warn(
                "poisson-numcodecs fits several lines by a Powell search from random starts "
                "and assigns each pixel to the nearest line in squared distance, which puts "
                "the noisy upper line's low pixels on the lower line and bends both (on its "
                "own two-detector fixture the gain-10 line comes out at 10.27); the drop-in "
                "fits deterministically by the likelihood of each pixel's variance, so its "
                "lines differ from the reference's and are sorted by gain",
                ReferenceDefectWarning,
                stacklevel=2,
            )
        movie = self._movie()
        report, mean, fitted, fitted_mean, fitted_var, assignment = _anscombe.calibrate_raster(
            movie, int(n_groups), float(max_pixel_range), float(perc_min), float(perc_max)
        )
        lines = json.loads(report)["groups"]
        self.mean_image = mean.reshape(movie.shape[1:])
        self.fitted_pixels = fitted.astype(np.int64)
        self.fitted_pixels_mean = fitted_mean
        self.fitted_pixels_var = fitted_var
        self.photon_sensitivity = np.array([line["conversion_gain"] for line in lines])
        self.dark_signal = np.array([line["zero_level"] for line in lines])
        self._assignment = assignment
        self.group_images = self.image_gain = self.image_offset = None
        return [self.photon_sensitivity, self.dark_signal]

    def linear_model(self, params_flat: np.ndarray, x: np.ndarray, num_lines: int) -> np.ndarray:
        """Each line's prediction at every ``x``, shape ``(len(x), num_lines)``; the lines
        are ``params_flat = [slope0, intercept0, slope1, ...]``."""
        lines = np.asarray(params_flat, dtype=np.float64).reshape(num_lines, 2)
        return np.outer(np.asarray(x, dtype=np.float64), lines[:, 0]) + lines[:, 1]

    def objective(
        self, params_flat: np.ndarray, x: np.ndarray, y_observed: np.ndarray, num_lines: int
    ) -> float:
        """The reference's criterion: the sum over points of the squared distance to the
        nearest line."""
        residuals = self.linear_model(params_flat, x, num_lines) - np.asarray(y_observed)[:, None]
        return float(np.sum(np.min(residuals**2, axis=1)))

    def fit_xlines(
        self, variance_array: np.ndarray, mean_array: np.ndarray, n_groups: int, nb_attempts: int
    ) -> np.ndarray:
        """``(n_groups, 2)`` lines ``[slope, intercept]`` of variance against mean through
        the given points, sorted by slope. ``nb_attempts`` is accepted and not needed: the fit
        has no random starts."""
        mean = np.asarray(mean_array, dtype=np.float64).ravel()
        variance = np.asarray(variance_array, dtype=np.float64).ravel()
        # The native fit filters strictly between percentiles; one point below and one above
        # every given point on both axes make 0 and 100 keep exactly the given points.
        below = (mean.min() - 1.0, variance.min() - 1.0)
        above = (mean.max() + 1.0, variance.max() + 1.0)
        mean = np.concatenate(([below[0]], mean, [above[0]]))
        variance = np.concatenate(([below[1]], variance, [above[1]]))
        report = _anscombe.calibrate_raster_points(mean, variance, int(n_groups))
        lines = json.loads(report)["groups"]
        return np.array(
            [[g["conversion_gain"], -g["conversion_gain"] * g["zero_level"]] for g in lines]
        )

    def get_pixel_assignement_images(self) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """``(group_images, image_gain, image_offset)``: per group a ``(H, W)`` image, 1.0
        where a pixel belongs to it; each pixel's gain and dark signal, NaN where it was not
        fitted. (The name's spelling is the reference's.)"""
        if self.photon_sensitivity is None or self._assignment is None:
            raise ValueError("You need to compute the photon gain parameters first.")
        if self.group_images is not None:
            return self.group_images, self.image_gain, self.image_offset  # type: ignore[return-value]
        shape = self.get_mean_image().shape
        gain = np.full(int(np.prod(shape)), np.nan)
        offset = np.full(int(np.prod(shape)), np.nan)
        gain[self.fitted_pixels] = self.photon_sensitivity[self._assignment]
        offset[self.fitted_pixels] = self.dark_signal[self._assignment]
        images = []
        for group in range(len(self.photon_sensitivity)):
            image = np.zeros(int(np.prod(shape)))
            image[self.fitted_pixels[self._assignment == group]] = 1.0
            images.append(image.reshape(shape))
        self.group_images = images
        self.image_gain = gain.reshape(shape)
        self.image_offset = offset.reshape(shape)
        return self.group_images, self.image_gain, self.image_offset

    def plot_assignment_image(self) -> Any:
        """A figure with each group's pixels."""
        if self.group_images is None:
            raise ValueError("You need to compute the photon gain parameters first.")
        plt = _pyplot()
        figure = plt.figure()
        rows = len(self.group_images) // 2 + 1
        for index, image in enumerate(self.group_images):
            plt.subplot(rows, 2, index + 1)
            plt.title(f"Group {index}")
            plt.imshow(image, cmap="gray", interpolation="none")
            plt.axis("off")
        return figure

    def plot_photon_sensitivity_image(self) -> Any:
        """A figure of the gain and dark signal images."""
        if self.image_gain is None:
            raise ValueError("You need to compute the photon gain parameters first.")
        plt = _pyplot()
        figure = plt.figure()
        for index, (image, title) in enumerate(
            ((self.image_gain, "Photon Gain"), (self.image_offset, "Photon Offset"))
        ):
            plt.subplot(1, 2, index + 1)
            plt.imshow(image, cmap="gray", interpolation="none")
            plt.colorbar()
            plt.axis("off")
            plt.title(title)
        return figure

    def plot_poisson_curve(self) -> Any:
        """A figure of the fitted pixels' variance against mean (a 2-D histogram) with the
        lines."""
        if self.fitted_pixels_mean is None:
            raise ValueError("You need to compute the photon gain parameters first.")
        plt = _pyplot()
        figure = plt.figure()
        mean, variance = self.fitted_pixels_mean, self.fitted_pixels_var
        counts, v_edges, m_edges = np.histogram2d(variance, mean, bins=(200, 200))
        extent = [m_edges[0], m_edges[-1], v_edges[0], v_edges[-1]]
        plt.imshow(counts, origin="lower", extent=extent, aspect="auto", cmap="Blues")
        plt.colorbar()
        plt.xlabel("Mean")
        plt.ylabel("Variance")
        plt.xlim(mean.min(), mean.max())
        plt.ylim(variance.min(), variance.max())
        levels = np.linspace(mean.min(), mean.max(), 200)
        for index, (gain, dark) in enumerate(zip(self.photon_sensitivity, self.dark_signal)):
            plt.plot(levels, gain * (levels - dark), "r", label=f"Line {index}")
        plt.legend()
        return figure
