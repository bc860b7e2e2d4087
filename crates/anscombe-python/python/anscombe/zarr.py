"""The codecs as zarr-python 3 codec classes.

=====================  ==============  ===========================================
name in metadata       class           what it is
=====================  ==============  ===========================================
``anscombe-transform`` AnscombeTransform  the codec of ``spec/anscombe-codec.md``
                                       (array to array: samples to codes)
``anscombe-v1``        AnscombeV1      what anscombe-transform 1.0.0 writes
``anscombe-context``   AnscombeContext the lossless entropy coder of the codes
                                       (array to bytes, in place of ``bytes`` and a
                                       compressor)
``poisson``            Poisson         poisson-numcodecs 0.1.0's codec under the V3
                                       name ``poisson`` (the CLI writes it in V3
                                       stores; V2 stores go through numcodecs)
=====================  ==============  ===========================================

The package registers them through the ``zarr.codecs`` entry points, so a plain
``zarr.open_array(path)`` reads the stores the ``anscombe`` command writes (V3 and V2, with
zstd, blosc, ``context`` or no compression; ``pcodec`` needs numcodecs' pcodec), in every process
(Dask workers included), without importing anything. To write::

    import anscombe, zarr
    cal = anscombe.calibrate(movie)
    z = zarr.create_array("movie.zarr", shape=movie.shape, dtype=movie.dtype,
                          chunks=(8, 512, 512),
                          filters=[anscombe.zarr.AnscombeTransform.from_calibration(cal)])
    z[:] = movie

For the best ratio, the entropy coder in place of the default ``bytes`` and zstd:
``serializer=anscombe.zarr.AnscombeContext(), compressors=None``.

Living beside anscombe-transform 1.0.0
--------------------------------------
The reference package registers its own class under ``anscombe-v1`` when it is imported.
zarr-python then holds two classes for one name and would pick one with a warning; this
module settles it when zarr-python loads it: unless ``zarr.config`` already names an
implementation for ``codecs.anscombe-v1``, it names :class:`AnscombeV1`. Both read and write
the same codes and decoded values on every configuration the reference handles correctly;
ours refuses to encode the configurations the reference corrupts (codes wrapping past the
code type, gains below about 3.27) and decodes such stores by code value, as the specification
says. To keep the reference's class::

    zarr.config.set({"codecs.anscombe-v1": "anscombe_transform.codec.AnscombeTransformV3"})
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import zarr as _zarr
from zarr.abc.codec import ArrayArrayCodec, ArrayBytesCodec
from zarr.core.array_spec import ArraySpec
from zarr.core.dtype import parse_dtype

from . import _anscombe
from ._arrays import native
from .codec import POISSON_KEYS, parameters, v1_keywords

__all__ = ["AnscombeContext", "AnscombeTransform", "AnscombeV1", "Poisson"]

_SAMPLE_TYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64")

if _zarr.config.get("codecs.anscombe-v1", None) is None:
    _zarr.config.set({"codecs.anscombe-v1": "anscombe.zarr.AnscombeV1"})


def _dtype_name(spec: ArraySpec) -> str:
    name = np.dtype(spec.dtype.to_native_dtype()).name
    if name not in _SAMPLE_TYPES:
        raise ValueError(
            f"the Anscombe codec takes {', '.join(_SAMPLE_TYPES)} arrays, not {name}"
        )
    return name


def _level(value: float) -> int | float:
    """A zero level as zarr-python writes it: an integer when it is one."""
    return int(value) if float(value).is_integer() and abs(value) < 9e15 else float(value)


def _rebuild(cls: type, configuration: dict[str, Any]) -> Any:
    return cls(**configuration)


class _Anscombe(ArrayArrayCodec):
    """The shared machinery of both identities: a native codec, built once, does the work."""

    is_fixed_size = True
    codec_name: ClassVar[str]

    def _configuration(self) -> dict[str, Any]:
        raise NotImplementedError

    def _native(self) -> Any:
        return self.__dict__["_codec"]

    def _make_native(self) -> Any:
        """The native codec of this configuration (its tables are built here, once)."""
        return _anscombe.Codec(
            self.codec_name,
            float(self.zero_level),  # type: ignore[attr-defined]
            float(self.conversion_gain),  # type: ignore[attr-defined]
            getattr(self, "beta", None),
            getattr(self, "encoded_dtype", None),
            getattr(self, "decoded_dtype", None),
        )

    def _build(self, **configuration: Any) -> None:
        for key, value in configuration.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_codec", self._make_native())

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self._configuration()))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.to_dict() == self.to_dict()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.codec_name, tuple(sorted(self._configuration().items()))))

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._configuration().items())
        return f"{type(self).__name__}({fields})"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:  # type: ignore[override]
        """The codec from its metadata object; unknown configuration keys are ignored."""
        configuration = dict(data.get("configuration") or {})
        return cls._from_configuration(configuration)

    @classmethod
    def _from_configuration(cls, configuration: dict[str, Any]) -> Any:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The codec's metadata object."""
        configuration = {k: v for k, v in self._configuration().items() if v is not None}
        return {"name": self.codec_name, "configuration": configuration}

    def validate(self, *, shape: Any, dtype: Any, chunk_grid: Any) -> None:
        """Checks that the array's data type suits this configuration (a code type too narrow
        for it, say), before anything is written."""
        name = np.dtype(dtype.to_native_dtype()).name
        if name not in _SAMPLE_TYPES:
            raise ValueError(
                f"{self.codec_name} takes {', '.join(_SAMPLE_TYPES)} arrays, not {name}"
            )
        self._native().code_dtype(name)

    def resolve_metadata(self, chunk_spec: ArraySpec) -> ArraySpec:
        """The chunk after this codec: codes of the code type; the fill value's code."""
        name = _dtype_name(chunk_spec)
        code_dtype = np.dtype(self._native().code_dtype(name))
        fill = chunk_spec.fill_value
        try:
            value = float(fill)
        except (TypeError, ValueError):
            value = math.nan
        return ArraySpec(
            shape=chunk_spec.shape,
            dtype=parse_dtype(code_dtype, zarr_format=3),
            fill_value=code_dtype.type(self._native().code_of(value, name)),
            config=chunk_spec.config,
            prototype=chunk_spec.prototype,
        )

    def compute_encoded_size(self, input_byte_length: int, chunk_spec: ArraySpec) -> int:
        """Bytes of the codes of ``input_byte_length`` bytes of samples."""
        name = _dtype_name(chunk_spec)
        count = input_byte_length // np.dtype(name).itemsize
        return count * np.dtype(self._native().code_dtype(name)).itemsize

    async def _encode_single(self, chunk_array: Any, chunk_spec: ArraySpec) -> Any:
        samples = native(chunk_array.as_numpy_array())
        return chunk_array.from_numpy_array(self._native().encode(samples))

    async def _decode_single(self, chunk_array: Any, chunk_spec: ArraySpec) -> Any:
        name = _dtype_name(chunk_spec)
        codes = native(chunk_array.as_numpy_array())
        decoded = self._native().decode(codes, name).reshape(chunk_spec.shape)
        return chunk_array.from_numpy_array(decoded)


class AnscombeTransform(_Anscombe):
    """``anscombe-transform``: every sample type, beta in (0, 1], strict checks. Without
    ``encoded_dtype`` the narrowest code type that holds every code is chosen (and written)."""

    codec_name: ClassVar[str] = "anscombe-transform"
    zero_level: float
    conversion_gain: float
    beta: float
    encoded_dtype: str | None

    def __init__(
        self,
        *,
        zero_level: float,
        conversion_gain: float,
        beta: float = 0.5,
        encoded_dtype: str | None = None,
    ) -> None:
        self._build(
            zero_level=_level(zero_level),
            conversion_gain=float(conversion_gain),
            beta=float(beta),
            encoded_dtype=encoded_dtype,
        )

    @classmethod
    def from_calibration(
        cls, calibration: Any, *, beta: float = 0.5, encoded_dtype: str | None = None
    ) -> AnscombeTransform:
        """The codec of a :class:`~anscombe.Calibration` (or a mapping with both numbers)."""
        gain, zero = parameters(calibration)
        return cls(zero_level=zero, conversion_gain=gain, beta=beta, encoded_dtype=encoded_dtype)

    def _configuration(self) -> dict[str, Any]:
        return {
            "zero_level": self.zero_level,
            "conversion_gain": self.conversion_gain,
            "beta": self.beta,
            "encoded_dtype": self.encoded_dtype,
        }

    @classmethod
    def _from_configuration(cls, configuration: dict[str, Any]) -> AnscombeTransform:
        return cls(
            zero_level=configuration["zero_level"],
            conversion_gain=configuration["conversion_gain"],
            beta=configuration.get("beta", 0.5),
            encoded_dtype=configuration.get("encoded_dtype"),
        )

    def evolve_from_array_spec(self, array_spec: ArraySpec) -> AnscombeTransform:
        """Writes the code type chosen for the array's data type into the configuration."""
        if self.encoded_dtype is not None:
            return self
        code = self._native().code_dtype(_dtype_name(array_spec))
        return AnscombeTransform(**{**self._configuration(), "encoded_dtype": code})


class AnscombeV1(_Anscombe):
    """``anscombe-v1``, the codec of anscombe-transform 1.0.0 (integer samples, beta 0.5).
    Written with ``decoded_dtype`` equal to the array's data type, as zarr-python does; read
    with the reference's defaults (``uint8`` codes, ``int16`` decoded) where keys are absent."""

    codec_name: ClassVar[str] = "anscombe-v1"
    zero_level: float
    conversion_gain: float
    encoded_dtype: str
    decoded_dtype: str | None

    def __init__(
        self,
        *,
        zero_level: float,
        conversion_gain: float,
        encoded_dtype: str = "uint8",
        decoded_dtype: str | None = None,
    ) -> None:
        self._build(
            zero_level=_level(zero_level),
            conversion_gain=float(conversion_gain),
            encoded_dtype=encoded_dtype,
            decoded_dtype=decoded_dtype,
        )

    @classmethod
    def from_calibration(cls, calibration: Any, *, encoded_dtype: str = "uint8") -> AnscombeV1:
        """The codec of a :class:`~anscombe.Calibration` (or a mapping with both numbers)."""
        gain, zero = parameters(calibration)
        return cls(zero_level=zero, conversion_gain=gain, encoded_dtype=encoded_dtype)

    def _configuration(self) -> dict[str, Any]:
        return {
            "zero_level": self.zero_level,
            "conversion_gain": self.conversion_gain,
            "encoded_dtype": self.encoded_dtype,
            "decoded_dtype": self.decoded_dtype,
        }

    @classmethod
    def _from_configuration(cls, configuration: dict[str, Any]) -> AnscombeV1:
        return cls(**v1_keywords(configuration))

    def evolve_from_array_spec(self, array_spec: ArraySpec) -> AnscombeV1:
        """Writes ``decoded_dtype`` as the array's data type when none was given."""
        if self.decoded_dtype is not None:
            return self
        return AnscombeV1(**{**self._configuration(), "decoded_dtype": _dtype_name(array_spec)})


class Poisson(_Anscombe):
    """``poisson``: the codec of poisson-numcodecs 0.1.0, under its configuration keys.

    Reading reproduces that package bit for bit, its defects included (they are listed by
    :meth:`quirks`); writing refuses, with a ``ValueError`` naming the defect and the nearest
    safe choice, every configuration with which it would lose data. The array's data type must
    be ``decoded_dtype`` (written as the array's type when not given).
    """

    codec_name: ClassVar[str] = "poisson"
    dark_signal: float
    photon_sensitivity: float
    encoded_dtype: str
    decoded_dtype: str | None
    beta: float
    use_lookup: bool

    def __init__(
        self,
        *,
        dark_signal: float,
        photon_sensitivity: float,
        encoded_dtype: str = "uint8",
        decoded_dtype: str | None = None,
        beta: float = 0.5,
        use_lookup: bool = True,
    ) -> None:
        self._build(
            dark_signal=_level(dark_signal),
            photon_sensitivity=float(photon_sensitivity),
            encoded_dtype=np.dtype(encoded_dtype).name,
            decoded_dtype=None if decoded_dtype is None else np.dtype(decoded_dtype).name,
            beta=float(beta),
            use_lookup=bool(use_lookup),
        )

    def _make_native(self) -> _anscombe.PoissonCodec:
        return _anscombe.PoissonCodec(
            float(self.dark_signal),
            self.photon_sensitivity,
            self.encoded_dtype,
            self.decoded_dtype or "int16",
            self.beta,
            self.use_lookup,
        )

    @classmethod
    def from_calibration(cls, calibration: Any, **configuration: Any) -> Poisson:
        """The codec of a :class:`~anscombe.Calibration` (or a mapping with both numbers):
        its zero level is ``dark_signal``, its gain ``photon_sensitivity``."""
        gain, zero = parameters(calibration)
        return cls(dark_signal=zero, photon_sensitivity=gain, **configuration)

    def quirks(self) -> list[tuple[str, str, str]]:
        """The reference's defects that data stored with this configuration carry, as
        ``(letter, name, what it costs)`` (letters as in the fixtures' README)."""
        return self._native().quirks()

    def _configuration(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in POISSON_KEYS}

    @classmethod
    def _from_configuration(cls, configuration: dict[str, Any]) -> Poisson:
        # Absent keys take the reference's defaults (decoded_dtype int16 among them).
        known = {k: configuration[k] for k in POISSON_KEYS if k in configuration}
        return cls(**{"decoded_dtype": "int16", **known})

    def evolve_from_array_spec(self, array_spec: ArraySpec) -> Poisson:
        """Writes ``decoded_dtype`` as the array's data type when none was given."""
        if self.decoded_dtype is not None:
            return self
        return Poisson(**{**self._configuration(), "decoded_dtype": _dtype_name(array_spec)})

    def _decoded(self, name: str) -> str:
        """Checks that the array's data type is ``decoded_dtype``."""
        decoded = self.decoded_dtype or "int16"
        if name != decoded:
            raise ValueError(
                f"the array's data type is {name}, but this poisson configuration decodes to "
                f"{decoded}: set decoded_dtype to the array's data type"
            )
        return name

    def validate(self, *, shape: Any, dtype: Any, chunk_grid: Any) -> None:
        """Checks that the array's data type is ``decoded_dtype``."""
        self._decoded(np.dtype(dtype.to_native_dtype()).name)

    def resolve_metadata(self, chunk_spec: ArraySpec) -> ArraySpec:
        """The chunk after this codec: codes of ``encoded_dtype``; the fill value's code (what
        the reference stores for it)."""
        self._decoded(_dtype_name(chunk_spec))
        code_dtype = np.dtype(self.encoded_dtype)
        try:
            value = float(chunk_spec.fill_value)
        except (TypeError, ValueError):
            value = 0.0
        return ArraySpec(
            shape=chunk_spec.shape,
            dtype=parse_dtype(code_dtype, zarr_format=3),
            fill_value=code_dtype.type(self._native().code_of(value)),
            config=chunk_spec.config,
            prototype=chunk_spec.prototype,
        )

    def compute_encoded_size(self, input_byte_length: int, chunk_spec: ArraySpec) -> int:
        """Bytes of the codes of ``input_byte_length`` bytes of samples."""
        count = input_byte_length // np.dtype(_dtype_name(chunk_spec)).itemsize
        return count * np.dtype(self.encoded_dtype).itemsize

    async def _decode_single(self, chunk_array: Any, chunk_spec: ArraySpec) -> Any:
        codes = native(chunk_array.as_numpy_array())
        decoded = self._native().decode(codes).reshape(chunk_spec.shape)
        return chunk_array.from_numpy_array(decoded)


class AnscombeContext(ArrayBytesCodec):
    """``anscombe-context``: the lossless context-modelling entropy coder of ``uint8`` or
    ``uint16`` codes (``spec/anscombe-context-codec.md``), the array-to-bytes codec after an
    Anscombe codec, in place of ``bytes`` and a compressor."""

    is_fixed_size = False
    codec_name: ClassVar[str] = "anscombe-context"

    def __init__(self) -> None:
        pass

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(self.codec_name)

    def __repr__(self) -> str:
        return "AnscombeContext()"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnscombeContext:  # type: ignore[override]
        """The codec (its configuration is empty; unknown keys are ignored)."""
        return cls()

    def to_dict(self) -> dict[str, Any]:
        """The codec's metadata object."""
        return {"name": self.codec_name, "configuration": {}}

    def validate(self, *, shape: Any, dtype: Any, chunk_grid: Any) -> None:
        """Nothing to check here: zarr-python passes the array's data type, not the codes' type
        after the filters; a chunk of other than ``uint8`` or ``uint16`` codes is refused when
        it is encoded."""

    def compute_encoded_size(self, input_byte_length: int, chunk_spec: ArraySpec) -> int:
        """Variable: the coder's output depends on the data."""
        raise NotImplementedError

    async def _encode_single(self, chunk_array: Any, chunk_spec: ArraySpec) -> Any:
        codes = native(chunk_array.as_numpy_array())
        if codes.dtype.name not in ("uint8", "uint16"):
            raise ValueError(
                f"anscombe-context codes uint8 or uint16 arrays (Anscombe codes), not "
                f"{codes.dtype.name}: put an Anscombe codec in filters before it"
            )
        stream = _anscombe.context_encode(codes)
        return chunk_spec.prototype.buffer.from_bytes(stream)

    async def _decode_single(self, chunk_bytes: Any, chunk_spec: ArraySpec) -> Any:
        stream = np.ascontiguousarray(chunk_bytes.as_numpy_array().view(np.uint8).reshape(-1))
        name = np.dtype(chunk_spec.dtype.to_native_dtype()).name
        codes = _anscombe.context_decode(stream, list(chunk_spec.shape), name)
        return chunk_spec.prototype.nd_buffer.from_numpy_array(codes)
