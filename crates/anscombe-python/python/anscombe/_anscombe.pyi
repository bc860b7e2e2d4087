"""Type stubs of the native module ``anscombe._anscombe`` (built from ``src/python``).

Arrays go in as NumPy arrays of uint8, int8, uint16, int16, uint32, int32, float32 or float64
in native byte order (a ``TypeError`` otherwise); invalid parameters and data raise
``ValueError`` with the command line's messages. Calibration results come back as the JSON the
CLI's ``--json`` prints.
"""

from typing import Any

import numpy as np

__version__: str

class Codec:
    """One Anscombe codec configuration (``anscombe-transform`` or ``anscombe-v1``), its
    tables built once per sample type."""

    def __init__(
        self,
        name: str,
        zero_level: float,
        conversion_gain: float,
        beta: float | None = None,
        encoded_dtype: str | None = None,
        decoded_dtype: str | None = None,
    ) -> None: ...
    @property
    def name(self) -> str:
        """The codec's name in metadata."""
    @property
    def zero_level(self) -> float:
        """Level at zero photons."""
    @property
    def conversion_gain(self) -> float:
        """Levels per photon."""
    @property
    def beta(self) -> float:
        """Code step in shot-noise standard deviations."""
    @property
    def encoded_dtype(self) -> str | None:
        """The code type as configured: uint8, int8, uint16, int16, uint32 or int32 (None:
        the narrowest unsigned type, chosen per sample type)."""
    @property
    def decoded_dtype(self) -> str | None:
        """anscombe-v1's decoded type as configured."""
    def code_dtype(self, dtype: str) -> str:
        """The code type this configuration uses for samples of ``dtype``."""
    def max_code(self, dtype: str) -> int:
        """The largest code samples of ``dtype`` produce."""
    def code_of(self, value: float, dtype: str) -> int:
        """The code of one sample value (0 for NaN), clamped to the code type."""
    def refusal(self, dtype: str) -> str | None:
        """Why anscombe-v1 refuses to encode samples of ``dtype``, or None."""
    def error_bound_photons(self, level: float, dtype: str) -> float:
        """The spec's error bound, in photons, at a level."""
    def encode(self, samples: np.ndarray) -> np.ndarray:
        """Samples to codes, same shape."""
    def decode(self, codes: np.ndarray, dtype: str) -> np.ndarray:
        """Codes (an integer array of at most 32 bits, signed or not) to samples of ``dtype``,
        same shape."""
    def verify(self, original: np.ndarray, decoded: np.ndarray) -> str:
        """The error report of decoded samples against their originals, as JSON."""

class PoissonCodec:
    """One ``poisson`` configuration (poisson-numcodecs 0.1.0's keys), its tables built
    once. Decoding reproduces the reference bit for bit; encoding is checked unless
    ``reference=True``."""

    def __init__(
        self,
        dark_signal: float,
        photon_sensitivity: float,
        encoded_dtype: str = "uint8",
        decoded_dtype: str = "int16",
        beta: float = 0.5,
        use_lookup: bool = True,
    ) -> None: ...
    @property
    def dark_signal(self) -> float:
        """Level at zero photons."""
    @property
    def photon_sensitivity(self) -> float:
        """Levels per photon."""
    @property
    def encoded_dtype(self) -> str:
        """The code type."""
    @property
    def decoded_dtype(self) -> str:
        """The type decoding returns."""
    @property
    def beta(self) -> float:
        """Code step in noise standard deviations."""
    @property
    def use_lookup(self) -> bool:
        """Lookup mode (True) or formula mode (False)."""
    def quirks(self) -> list[tuple[str, str, str]]:
        """The reference's defects stored data carry: ``(letter, name, what it costs)``."""
    def refusal(self, dtype: str) -> str | None:
        """Why writing samples of ``dtype`` is refused, or None."""
    def code_of(self, value: float) -> int:
        """The code the reference stores for one sample value."""
    def encode(self, samples: np.ndarray, reference: bool = False) -> np.ndarray:
        """Samples to codes of ``encoded_dtype``, same shape (checked unless ``reference``)."""
    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Codes to samples of ``decoded_dtype``, same shape, as the reference decodes."""
    def forward_table(self) -> np.ndarray | None:
        """Lookup mode's stored code of every level (uint32), or None."""
    def inverse_table(self) -> np.ndarray | None:
        """Lookup mode's inverse table (int64, by code rank), or None."""

def context_encode(codes: np.ndarray) -> bytes:
    """One chunk of uint8 or uint16 codes as an ``anscombe-context`` stream."""

def context_decode(stream: np.ndarray, shape: list[int], dtype: str) -> np.ndarray:
    """One ``anscombe-context`` stream (uint8 array) to codes of ``shape`` and ``dtype``."""

def v1_lookup(conversion_gain: float, zero_level: float, beta: float, input_max: int) -> np.ndarray:
    """anscombe-v1's code of every level ``0..=input_max`` (int64, before any cast)."""

def calibrate_photon_transfer(
    movie: np.ndarray,
    saturation: float | None = None,
    min_pixels_per_bin: int = 40,
    max_bins: int = 200,
) -> str:
    """The robust photon-transfer fit of a ``(frames, ...)`` movie, as JSON."""

def calibrate_reference(movie: np.ndarray, gamma: float = 0.2) -> str:
    """anscombe-transform's ``compute_conversion_gain`` of a movie, as JSON."""

def reference_statistics(
    frames: np.ndarray, previous: np.ndarray | None = None
) -> tuple[int, np.ndarray, np.ndarray]:
    """A block's ``(frame_pairs, counts, sums)`` per intensity level (they add up exactly)."""

def reference_fit(blocks: list[tuple[int, np.ndarray, np.ndarray]], gamma: float = 0.2) -> str:
    """The reference fit of per-block statistics, as JSON."""

def calibrate_darks_and_flats(darks: np.ndarray, flats: list[np.ndarray]) -> str:
    """Gain and zero level from dark and flat stacks, as JSON."""

def calibrate_raster(
    movie: np.ndarray,
    groups: int = 1,
    max_pixel_range: float = 32768.0,
    perc_min: float = 3.0,
    perc_max: float = 90.0,
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The raster calibration: the JSON report, every pixel's mean, the fitted pixels' flat
    indices, means and variances, and each one's group."""

def calibrate_raster_points(mean: np.ndarray, variance: np.ndarray, groups: int = 1) -> str:
    """The raster fit of given (mean, variance) points (extremes of each axis dropped), as
    JSON."""

def pyramid(
    array: np.ndarray,
    factors: list[int],
    levels: int = 1,
    method_name: str = "average",
    sparse: bool = False,
) -> list[np.ndarray]:
    """The levels below an array (level 1 first)."""

def sparse_median(
    movie: np.ndarray,
    kernel_size: int = 200,
    split_time: float = 1.0,
    thresh_cleansing: float = 0.0,
    frac_cleansing: float = 0.8,
    offset_correction: bool = True,
    fps: float | None = None,
    times: list[float] | None = None,
) -> dict[str, Any]:
    """dcnum's sparse median background of a movie."""

def rolling_median(movie: np.ndarray, kernel_size: int = 100) -> np.ndarray:
    """dcnum's rolling median background of a movie."""

def detector_fit(
    sweep: np.ndarray,
    dark: np.ndarray | None = None,
    sigma: float = 50.0,
    truncate: float = 4.0,
    cutoff: float = 300.0,
    min_r_squared: float = 0.98,
) -> dict[str, Any]:
    """detectorcal's per-pixel response fit of a sweep."""

def detector_correct(
    images: np.ndarray,
    coefficients: np.ndarray,
    dark: np.ndarray | None = None,
    flat: np.ndarray | None = None,
    residual_sigma: float | None = None,
    smooth_radius: float = 50.0,
) -> np.ndarray:
    """detectorcal's ring correction of images."""
