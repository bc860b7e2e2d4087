"""The codecs as numcodecs codecs: Zarr V2 stores in zarr-python 3, and any numcodecs user.

Registered through the ``numcodecs.codecs`` entry points under the V2 ids ``anscombe-v1``,
``anscombe-transform`` and ``poisson``. A Zarr V2 filter does not learn the array's data type,
so:

- ``anscombe-v1`` decodes to ``decoded_dtype`` (``int16`` unless given, as anscombe-transform
  1.0.0 does; zarr then views it as the array's type, so V2 anscombe-v1 stores hold 16-bit
  samples), with ``uint8`` codes (the only code type the reference reads back in V2);
- ``anscombe-transform`` needs ``decoded_dtype``, the array's data type, in its configuration
  (the ``anscombe`` command writes it).

- ``poisson`` decodes to its ``decoded_dtype``, which poisson-numcodecs always writes.

Either of the first two may stand in ``filters`` (before a compressor) or as the
``compressor`` itself; ``poisson`` stands in ``filters``, as poisson-numcodecs writes it.

Living beside poisson-numcodecs
-------------------------------
poisson-numcodecs registers its own class under the id ``poisson`` when it is imported
(``numcodecs.register_codec``; it has no entry point). numcodecs consults entry points only
for ids nothing has registered, so the rule is simple and nothing of the reference's users
breaks:

- a process that imports ``poisson_numcodecs`` uses the reference's class, exactly as without
  this package (its attributes, its quirks on write);
- any other process (a plain ``zarr.open_array``, a Dask worker) uses :class:`Poisson`, which
  reads the same stores to the same values, bit for bit, quirks included, and refuses to
  *write* configurations with which the reference would lose data (a ``ValueError`` naming the
  defect and the nearest safe choice).

:mod:`anscombe.compat.poisson_numcodecs` is the drop-in that reproduces the reference on write
too; importing it registers its class under ``poisson``, as importing the reference does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numcodecs.abc import Codec as _NumCodec
from numcodecs.compat import ensure_ndarray, ndarray_copy

from . import _anscombe
from ._arrays import native
from .codec import POISSON_KEYS, parameters, v1_keywords

__all__ = ["AnscombeTransform", "AnscombeV1", "Poisson"]


def _level(value: float) -> int | float:
    return int(value) if float(value).is_integer() and abs(value) < 9e15 else float(value)


class _Anscombe(_NumCodec):
    codec_id: str

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as its configuration (Dask sends codecs to workers)."""
        return (type(self).from_config, (self.get_config(),))

    def _native(self) -> _anscombe.Codec:
        raise NotImplementedError

    def _sample_dtype(self) -> str:
        raise NotImplementedError

    def encode(self, buf: Any) -> np.ndarray:
        """Samples (the chunk, of the array's type) to codes."""
        samples = native(ensure_ndarray(buf))
        return self._native().encode(samples.reshape(-1))

    def decode(self, buf: Any, out: Any = None) -> np.ndarray:
        """Codes (an array or the raw bytes) to samples."""
        dtype = self._sample_dtype()
        code_dtype = np.dtype(self._native().code_dtype(dtype))
        codes = ensure_ndarray(buf).reshape(-1).view(code_dtype.newbyteorder("<"))
        decoded = self._native().decode(native(codes), dtype)
        return ndarray_copy(decoded, out)


class AnscombeV1(_Anscombe):
    """``anscombe-v1`` as anscombe-transform 1.0.0's V2 class writes and reads it."""

    codec_id = "anscombe-v1"

    def __init__(
        self,
        zero_level: float,
        conversion_gain: float,
        encoded_dtype: str = "uint8",
        decoded_dtype: str = "int16",
    ) -> None:
        self.zero_level = _level(zero_level)
        self.conversion_gain = float(conversion_gain)
        self.encoded_dtype = encoded_dtype
        self.decoded_dtype = decoded_dtype
        self._codec = _anscombe.Codec(
            "anscombe-v1",
            float(zero_level),
            self.conversion_gain,
            None,
            encoded_dtype,
            decoded_dtype,
        )

    @classmethod
    def from_calibration(cls, calibration: Any) -> AnscombeV1:
        """The codec of a :class:`~anscombe.Calibration` (or a mapping with both numbers)."""
        gain, zero = parameters(calibration)
        return cls(zero_level=zero, conversion_gain=gain)

    def _native(self) -> _anscombe.Codec:
        return self._codec

    def _sample_dtype(self) -> str:
        return self.decoded_dtype

    def encode(self, buf: Any) -> np.ndarray:
        """Samples to ``uint8`` codes (Zarr V2 readers of anscombe-v1 assume ``uint8``)."""
        if self.encoded_dtype != "uint8":
            raise ValueError(
                "Zarr V2 anscombe-v1 stores hold uint8 codes only (zarr-python's "
                "anscombe-transform ignores encoded_dtype in V2 and would misread "
                f"{self.encoded_dtype} codes); use Zarr V3 or a larger gain"
            )
        return super().encode(buf)

    def get_config(self) -> dict[str, Any]:
        """The V2 configuration: only the keys the reference reads (spec section 9.2)."""
        config: dict[str, Any] = {
            "id": self.codec_id,
            "zero_level": self.zero_level,
            "conversion_gain": self.conversion_gain,
        }
        if self.encoded_dtype != "uint8":
            config["encoded_dtype"] = self.encoded_dtype
        if self.decoded_dtype != "int16":
            config["decoded_dtype"] = self.decoded_dtype
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> AnscombeV1:
        """The codec from a V2 configuration (unknown keys ignored)."""
        return cls(**v1_keywords(config))

    def __repr__(self) -> str:
        return (
            f"AnscombeV1(zero_level={self.zero_level!r}, "
            f"conversion_gain={self.conversion_gain!r})"
        )


class AnscombeTransform(_Anscombe):
    """``anscombe-transform`` in Zarr V2; ``decoded_dtype`` is the array's data type."""

    codec_id = "anscombe-transform"

    def __init__(
        self,
        zero_level: float,
        conversion_gain: float,
        beta: float = 0.5,
        encoded_dtype: str | None = None,
        decoded_dtype: str | None = None,
    ) -> None:
        self.zero_level = _level(zero_level)
        self.conversion_gain = float(conversion_gain)
        self.beta = float(beta)
        self._codec = _anscombe.Codec(
            "anscombe-transform", float(zero_level), self.conversion_gain, self.beta,
            encoded_dtype, None,
        )
        if decoded_dtype is not None:
            decoded_dtype = np.dtype(decoded_dtype).name
            if encoded_dtype is None:
                encoded_dtype = self._codec.code_dtype(decoded_dtype)
        self.encoded_dtype = encoded_dtype
        self.decoded_dtype = decoded_dtype

    @classmethod
    def from_calibration(
        cls, calibration: Any, dtype: Any, *, beta: float = 0.5
    ) -> AnscombeTransform:
        """The codec of a :class:`~anscombe.Calibration` for arrays of ``dtype``."""
        gain, zero = parameters(calibration)
        return cls(zero_level=zero, conversion_gain=gain, beta=beta, decoded_dtype=dtype)

    def _native(self) -> _anscombe.Codec:
        return self._codec

    def _sample_dtype(self) -> str:
        if self.decoded_dtype is None:
            raise ValueError(
                "this Zarr V2 anscombe-transform configuration has no decoded_dtype, and a V2 "
                "filter cannot learn the array's data type: give decoded_dtype (the array's "
                "dtype), or rewrite the store with a current `anscombe encode --format v2`"
            )
        return self.decoded_dtype

    def encode(self, buf: Any) -> np.ndarray:
        """Samples (of ``decoded_dtype``) to codes."""
        samples = native(ensure_ndarray(buf))
        if samples.dtype.name != self._sample_dtype():
            raise ValueError(
                f"anscombe-transform was configured for {self.decoded_dtype} samples, "
                f"got {samples.dtype.name}"
            )
        return self._native().encode(samples.reshape(-1))

    def get_config(self) -> dict[str, Any]:
        """The V2 configuration, ``decoded_dtype`` included so readers can decode."""
        config: dict[str, Any] = {
            "id": self.codec_id,
            "zero_level": self.zero_level,
            "conversion_gain": self.conversion_gain,
            "beta": self.beta,
        }
        if self.encoded_dtype is not None:
            config["encoded_dtype"] = self.encoded_dtype
        if self.decoded_dtype is not None:
            config["decoded_dtype"] = self.decoded_dtype
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> AnscombeTransform:
        """The codec from a V2 configuration (unknown keys ignored)."""
        return cls(
            zero_level=config["zero_level"],
            conversion_gain=config["conversion_gain"],
            beta=config.get("beta", 0.5),
            encoded_dtype=config.get("encoded_dtype"),
            decoded_dtype=config.get("decoded_dtype"),
        )

    def __repr__(self) -> str:
        return (
            f"AnscombeTransform(zero_level={self.zero_level!r}, conversion_gain="
            f"{self.conversion_gain!r}, beta={self.beta!r}, decoded_dtype={self.decoded_dtype!r})"
        )


class Poisson(_NumCodec):
    """``poisson`` with poisson-numcodecs 0.1.0's constructor and configuration: decodes
    as the reference does, bit for bit (its defects included, see :meth:`quirks`); encodes
    samples of ``decoded_dtype`` with the checked encoder, which refuses configurations whose
    data the reference would lose."""

    codec_id = "poisson"

    def __init__(
        self,
        dark_signal: float,
        photon_sensitivity: float,
        encoded_dtype: str = "uint8",
        decoded_dtype: str = "int16",
        beta: float = 0.5,
        use_lookup: bool = True,
    ) -> None:
        self.dark_signal = dark_signal
        self.photon_sensitivity = photon_sensitivity
        self.encoded_dtype = encoded_dtype
        self.decoded_dtype = decoded_dtype
        self.beta = beta
        self.use_lookup = use_lookup
        self._codec = self._make_native(np.dtype(encoded_dtype).name)

    def _make_native(self, encoded_dtype: str) -> _anscombe.PoissonCodec:
        """The native codec (tables built here, once) storing codes of ``encoded_dtype``."""
        return _anscombe.PoissonCodec(
            float(self.dark_signal),
            float(self.photon_sensitivity),
            encoded_dtype,
            np.dtype(self.decoded_dtype).name,
            float(self.beta),
            bool(self.use_lookup),
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as its configuration (Dask sends codecs to workers)."""
        return (type(self).from_config, (self.get_config(),))

    def quirks(self) -> list[tuple[str, str, str]]:
        """The reference's defects that data stored with this configuration carry, as
        ``(letter, name, what it costs)``."""
        return self._codec.quirks()

    def encode(self, buf: Any) -> np.ndarray:
        """Samples of ``decoded_dtype`` to codes of ``encoded_dtype``, same shape."""
        samples = native(ensure_ndarray(buf))
        if samples.dtype != np.dtype(self.decoded_dtype):
            raise ValueError(
                f"poisson: this configuration decodes to {np.dtype(self.decoded_dtype).name}, "
                f"so it stores {np.dtype(self.decoded_dtype).name} samples, not "
                f"{samples.dtype.name} (set decoded_dtype to the array's data type)"
            )
        return self._codec.encode(samples)

    def decode(self, buf: Any, out: Any = None) -> np.ndarray:
        """Codes (an array or the raw bytes) to samples of ``decoded_dtype``."""
        codes = ensure_ndarray(buf).view(np.dtype(self.encoded_dtype).newbyteorder("<"))
        decoded = self._codec.decode(native(codes))
        return ndarray_copy(decoded, out)

    def get_config(self) -> dict[str, Any]:
        """Every key, as poisson-numcodecs writes them."""
        return {"id": self.codec_id, **{key: getattr(self, key) for key in POISSON_KEYS}}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Poisson:
        """The codec from a configuration (absent keys take the reference's defaults,
        unknown keys are ignored)."""
        return cls(**{k: config[k] for k in POISSON_KEYS if k in config})

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "id")
        return f"{type(self).__name__}({fields})"
