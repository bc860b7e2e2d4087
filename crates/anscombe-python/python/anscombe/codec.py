"""Encoding and decoding NumPy arrays, the ``anscombe-context`` entropy stage, and the check.

Two codec identities: ``"anscombe-transform"`` (the default: every sample type from uint8 to
float64, any beta in (0, 1], strict checks) and ``"anscombe-v1"`` (what the Python package
``anscombe-transform`` 1.0.0 writes; integers only, beta 0.5).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _anscombe
from ._anscombe import Codec
from ._arrays import native

__all__ = [
    "Codec",
    "VerifyReport",
    "context_decode",
    "context_encode",
    "decode",
    "encode",
    "make_codec",
    "parameters",
    "verify",
]


def parameters(
    calibration: Any = None,
    conversion_gain: float | None = None,
    zero_level: float | None = None,
) -> tuple[float, float]:
    """``(conversion_gain, zero_level)`` from a calibration (a :class:`~anscombe.Calibration`,
    or a mapping with both keys, as the CLI's calibration JSON) or from the two numbers."""
    if calibration is not None:
        if conversion_gain is not None or zero_level is not None:
            raise ValueError("give a calibration or conversion_gain and zero_level, not both")
        if isinstance(calibration, Mapping):
            try:
                return float(calibration["conversion_gain"]), float(calibration["zero_level"])
            except KeyError as missing:
                raise ValueError(f"the calibration has no {missing.args[0]}") from None
        return float(calibration.conversion_gain), float(calibration.zero_level)
    if conversion_gain is None or zero_level is None:
        raise ValueError(
            "the codec needs conversion_gain and zero_level (or a calibration: "
            "anscombe.calibrate(movie))"
        )
    return float(conversion_gain), float(zero_level)


def make_codec(
    calibration: Any = None,
    *,
    conversion_gain: float | None = None,
    zero_level: float | None = None,
    codec: str = "anscombe-transform",
    beta: float | None = None,
    encoded_dtype: str | None = None,
    decoded_dtype: str | None = None,
) -> Codec:
    """A :class:`Codec` from a calibration or the two numbers; keep it to encode many arrays
    with tables built once."""
    gain, zero = parameters(calibration, conversion_gain, zero_level)
    return Codec(codec, zero, gain, beta, encoded_dtype, decoded_dtype)


def encode(
    array: Any,
    calibration: Any = None,
    *,
    conversion_gain: float | None = None,
    zero_level: float | None = None,
    codec: str = "anscombe-transform",
    beta: float | None = None,
    encoded_dtype: str | None = None,
) -> np.ndarray:
    """Encodes samples into codes of the same shape (``uint8`` for most cameras).

    ``calibration`` is a :class:`~anscombe.Calibration` or a mapping with ``conversion_gain``
    and ``zero_level``; or give those two keywords. Raises ``ValueError`` for invalid
    parameters, NaN or infinite samples, and anscombe-v1 configurations that would corrupt data.
    """
    c = make_codec(
        calibration,
        conversion_gain=conversion_gain,
        zero_level=zero_level,
        codec=codec,
        beta=beta,
        encoded_dtype=encoded_dtype,
    )
    return c.encode(native(array))


def decode(
    codes: Any,
    calibration: Any = None,
    *,
    dtype: Any,
    conversion_gain: float | None = None,
    zero_level: float | None = None,
    codec: str = "anscombe-transform",
    beta: float | None = None,
    encoded_dtype: str | None = None,
    decoded_dtype: str | None = None,
) -> np.ndarray:
    """Decodes codes into samples of ``dtype`` (the type that was encoded), same shape.

    Raises ``ValueError`` for codes beyond the configuration's largest (anscombe-transform:
    the data are corrupt or were written with other parameters).
    """
    c = make_codec(
        calibration,
        conversion_gain=conversion_gain,
        zero_level=zero_level,
        codec=codec,
        beta=beta,
        encoded_dtype=encoded_dtype,
        decoded_dtype=decoded_dtype,
    )
    return c.decode(native(codes), np.dtype(dtype).name)


def context_encode(codes: Any) -> bytes:
    """Codes a ``uint8`` or ``uint16`` array of codes losslessly with the ``anscombe-context``
    entropy coder (one self-describing stream; the first axis is time for 3-D and more)."""
    return _anscombe.context_encode(native(codes))


def context_decode(stream: bytes | np.ndarray, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Decodes one ``anscombe-context`` stream into codes of ``shape`` and ``dtype``."""
    data = np.frombuffer(stream, dtype=np.uint8) if not isinstance(stream, np.ndarray) else stream
    return _anscombe.context_decode(
        np.ascontiguousarray(data.reshape(-1).view(np.uint8)),
        [int(n) for n in shape],
        np.dtype(dtype).name,
    )


@dataclass(frozen=True)
class VerifyReport:
    """The error of decoded samples against their originals, in photons (``anscombe verify``)."""

    codec: str
    samples_checked: int
    samples_clamped: int
    max_abs_photons: float
    rms_photons: float
    bias_photons: float
    beyond_bound: int

    @property
    def passed(self) -> bool:
        """True when every sample is within the spec's bound."""
        return self.beyond_bound == 0

    def __str__(self) -> str:
        verdict = (
            "every sample is within the spec's bound (beta/2 of the shot noise, plus rounding)"
            if self.passed
            else f"{self.beyond_bound} samples are BEYOND the spec's bound"
        )
        return (
            f"{self.codec}: {self.samples_checked} samples checked "
            f"({self.samples_clamped} clamped by design)\n"
            f"error in photons: max {self.max_abs_photons:.4f}, RMS {self.rms_photons:.4f}, "
            f"bias {self.bias_photons:+.5f}\n{verdict}"
        )


def verify(
    original: Any,
    decoded: Any,
    calibration: Any = None,
    *,
    conversion_gain: float | None = None,
    zero_level: float | None = None,
    codec: str | Codec = "anscombe-transform",
    beta: float | None = None,
    encoded_dtype: str | None = None,
) -> VerifyReport:
    """Compares decoded samples (a NumPy array, or anything ``np.asarray`` reads, such as a
    zarr array) with the originals: error in photons and samples beyond the spec's bound."""
    if isinstance(codec, Codec):
        c = codec
    else:
        c = make_codec(
            calibration,
            conversion_gain=conversion_gain,
            zero_level=zero_level,
            codec=codec,
            beta=beta,
            encoded_dtype=encoded_dtype,
        )
    summary = json.loads(c.verify(native(original), native(decoded)))
    return VerifyReport(codec=c.name, **summary)
