"""Encoding and decoding NumPy arrays, the ``anscombe-context`` entropy stage, and the check.

Three codec identities:

- ``"anscombe-transform"`` (the default): every sample type from uint8 to float64, any beta in
  (0, 1], strict checks;
- ``"anscombe-v1"``: what the Python package ``anscombe-transform`` 1.0.0 writes (integers only,
  beta 0.5);
- ``"poisson"``: what ``poisson-numcodecs`` 0.1.0 writes, under its configuration keys
  (``dark_signal``, ``photon_sensitivity``, ``encoded_dtype``, ``decoded_dtype``, ``beta``,
  ``use_lookup``). Decoding reproduces that package bit for bit, its defects included;
  encoding refuses, with a ``ValueError`` naming the defect and the nearest safe choice, every
  configuration with which it would lose data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

import numpy as np

from . import _anscombe
from ._anscombe import Codec, PoissonCodec
from ._arrays import native

__all__ = [
    "Codec",
    "CodecOptions",
    "PoissonCodec",
    "VerifyReport",
    "context_decode",
    "context_encode",
    "decode",
    "encode",
    "make_codec",
    "parameters",
    "verify",
]


class CodecOptions(TypedDict, total=False):
    """The keywords that choose and configure a codec (every function of this module takes
    them). Give the two numbers, or a calibration as the first argument instead."""

    conversion_gain: float
    """Levels per photon (``photon_sensitivity`` of ``poisson``)."""
    zero_level: float
    """Level at zero photons (``dark_signal`` of ``poisson``)."""
    codec: str
    """``"anscombe-transform"`` (default), ``"anscombe-v1"`` or ``"poisson"``."""
    beta: float
    """Code step in noise standard deviations (0.5 unless given)."""
    encoded_dtype: str
    """Code type: ``uint8``, ``int8``, ``uint16``, ``int16``, ``uint32`` or ``int32`` (poisson:
    unsigned only). Chosen per sample type by anscombe-transform (the narrowest unsigned type
    that holds every code); ``uint8`` otherwise."""
    decoded_dtype: str
    """anscombe-v1's and poisson's decoded type (the array's type unless given)."""
    dark_signal: float
    """``poisson``'s name of ``zero_level``."""
    photon_sensitivity: float
    """``poisson``'s name of ``conversion_gain``."""
    use_lookup: bool
    """``poisson``: lookup mode (True, the default) or its formulas (False)."""


POISSON_KEYS = ("dark_signal", "photon_sensitivity", "encoded_dtype", "decoded_dtype", "beta", "use_lookup")
"""The configuration keys of ``poisson``, in the order poisson-numcodecs writes them."""


def v1_keywords(configuration: Mapping[str, Any]) -> dict[str, Any]:
    """The keywords of an ``anscombe-v1`` codec from its configuration (V2 or V3), with
    anscombe-transform 1.0.0's defaults for absent keys; other keys are ignored."""
    return {
        "zero_level": configuration["zero_level"],
        "conversion_gain": configuration["conversion_gain"],
        "encoded_dtype": configuration.get("encoded_dtype", "uint8"),
        "decoded_dtype": configuration.get("decoded_dtype", "int16"),
    }


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


def _alias(options: dict[str, Any], name: str, alias: str) -> Any:
    """``options[name]``, or its poisson name ``alias`` (not both)."""
    value, other = options.pop(name, None), options.pop(alias, None)
    if value is not None and other is not None:
        raise ValueError(f"give {name} or {alias}, not both")
    return value if other is None else other


def make_codec(
    calibration: Any = None, *, dtype: Any = None, **options: Unpack[CodecOptions]
) -> Codec | PoissonCodec:
    """A codec (:class:`Codec`, or :class:`PoissonCodec` for ``codec="poisson"``) from a
    calibration or the two numbers; keep it to encode many arrays with tables built once.
    ``dtype`` is the sample type a ``poisson`` codec decodes to when ``decoded_dtype`` is not
    given (``int16`` without either, as poisson-numcodecs)."""
    keywords: dict[str, Any] = dict(options)
    name = keywords.pop("codec", "anscombe-transform")
    gain_given = _alias(keywords, "conversion_gain", "photon_sensitivity")
    zero_given = _alias(keywords, "zero_level", "dark_signal")
    gain, zero = parameters(calibration, gain_given, zero_given)
    use_lookup = keywords.pop("use_lookup", None)
    beta, encoded, decoded = (keywords.pop(k, None) for k in ("beta", "encoded_dtype", "decoded_dtype"))
    if keywords:
        raise TypeError(f"unknown codec option {sorted(keywords)[0]!r}")
    if name == "poisson":
        if decoded is None:
            decoded = "int16" if dtype is None else np.dtype(dtype).name
        return PoissonCodec(
            zero,
            gain,
            encoded or "uint8",
            decoded,
            0.5 if beta is None else float(beta),
            True if use_lookup is None else bool(use_lookup),
        )
    if use_lookup is not None:
        raise ValueError(f"use_lookup is an option of the poisson codec, not of {name}")
    return Codec(name, zero, gain, beta, encoded, decoded)


def encode(array: Any, calibration: Any = None, **options: Unpack[CodecOptions]) -> np.ndarray:
    """Encodes samples into codes of the same shape (``uint8`` for most cameras).

    ``calibration`` is a :class:`~anscombe.Calibration` or a mapping with ``conversion_gain``
    and ``zero_level``; or give those two keywords (:class:`CodecOptions` lists the rest).
    Raises ``ValueError`` for invalid parameters, NaN or infinite samples, and configurations
    of anscombe-v1 or poisson with which the reference packages would corrupt data.
    """
    samples = native(array)
    return make_codec(calibration, dtype=samples.dtype, **options).encode(samples)


def decode(
    codes: Any, calibration: Any = None, *, dtype: Any = None, **options: Unpack[CodecOptions]
) -> np.ndarray:
    """Decodes codes into samples of ``dtype`` (the type that was encoded), same shape; a
    ``poisson`` codec decodes to its ``decoded_dtype``, which ``dtype`` stands for.

    Raises ``ValueError`` for codes beyond the configuration's largest (anscombe-transform:
    the data are corrupt or were written with other parameters).
    """
    codec = make_codec(calibration, dtype=dtype, **options)
    if isinstance(codec, PoissonCodec):
        return codec.decode(native(codes))
    if dtype is None:
        raise TypeError("decode needs dtype, the type of the samples that were encoded")
    return codec.decode(native(codes), np.dtype(dtype).name)


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
    codec: str | Codec = "anscombe-transform",
    **options: Unpack[CodecOptions],
) -> VerifyReport:
    """Compares decoded samples (a NumPy array, or anything ``np.asarray`` reads, such as a
    zarr array) with the originals: error in photons and samples beyond the spec's bound
    (``anscombe-transform`` and ``anscombe-v1``)."""
    c = codec if isinstance(codec, Codec) else make_codec(calibration, codec=codec, **options)
    if not isinstance(c, Codec):
        raise ValueError("verify checks the anscombe-transform and anscombe-v1 codecs' bound")
    summary = json.loads(c.verify(native(original), native(decoded)))
    return VerifyReport(codec=c.name, **summary)
