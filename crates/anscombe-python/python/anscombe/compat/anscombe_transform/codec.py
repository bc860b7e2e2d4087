"""Drop-in for ``anscombe_transform.codec`` (anscombe-transform 1.0.0): the table functions,
``encode``/``decode`` and the Zarr V2 and V3 codec classes, with the same signatures and
results. Encoding and decoding run in this package's Rust codec; configurations on which the
reference corrupts data take the reference's own table path, with a
:class:`ReferenceDefectWarning` that says what is wrong.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from zarr.abc.codec import ArrayArrayCodec
from zarr.core.array_spec import ArraySpec
from zarr.core.dtype import parse_dtype

from ... import _anscombe
from ..._arrays import native
from .._defects import ReferenceDefectWarning

__all__ = [
    "AnscombeTransformV2",
    "AnscombeTransformV3",
    "ReferenceDefectWarning",
    "decode",
    "encode",
    "lookup",
    "make_anscombe_lookup",
    "make_inverse_lookup",
]


def make_anscombe_lookup(
    conversion_gain: float,
    input_max: int = 0x7FFF,
    zero_level: int = 0,
    beta: float = 0.5,
    output_type: str = "uint8",
) -> np.ndarray:
    """The code of every level ``0..input_max`` (anscombe-v1's curve at ``beta``), cast to
    ``output_type``. Codes past the type wrap, as in the reference, with a warning."""
    codes = _anscombe.v1_lookup(float(conversion_gain), float(zero_level), float(beta), int(input_max))
    info = np.iinfo(output_type) if np.dtype(output_type).kind in "iu" else None
    if info is not None and (codes.max() > info.max or codes.min() < info.min):
        warnings.warn(
            f"anscombe-transform's table reaches codes {codes.min()}..{codes.max()}, beyond "
            f"{output_type}: they wrap, and decoding them gives wrong values (use a wider "
            "output_type, or the anscombe-transform codec of anscombe.zarr)",
            ReferenceDefectWarning,
            stacklevel=2,
        )
    return codes.astype(output_type)


def make_inverse_lookup(lookup_table: np.ndarray, output_type: str = "int16") -> np.ndarray:
    """For each distinct code of a forward table, in increasing order, the midpoint of the
    first and last level that has it (the reference's inverse: indexed by the code's rank, so
    a table that skips codes decodes shifted, with a warning)."""
    table = np.asarray(lookup_table)
    order = np.argsort(table, kind="stable")
    ranked = table[order]
    starts = np.flatnonzero(np.concatenate(([True], ranked[1:] != ranked[:-1])))
    ends = np.concatenate((starts[1:], [table.size])) - 1
    if ranked.size and int(ranked[-1]) - int(ranked[0]) + 1 != starts.size:
        warnings.warn(
            "the forward table skips codes: anscombe-transform indexes its inverse by rank, so "
            "every code above the first gap decodes shifted (use the anscombe-transform codec "
            "of anscombe.zarr, which decodes by code value)",
            ReferenceDefectWarning,
            stacklevel=2,
        )
    return ((order[starts] + order[ends]) / 2).astype(output_type)


def lookup(movie: np.ndarray, lookup_table: np.ndarray) -> np.ndarray:
    """``lookup_table`` at every sample, samples clamped to the table (``uint8`` samples work
    here; the reference raises ``OverflowError`` on them under NumPy 2)."""
    movie = np.asarray(movie)
    if movie.dtype.kind == "f":
        raise IndexError(
            "anscombe-transform uses samples as table indices, so float samples cannot be "
            "encoded; use the anscombe-transform codec of anscombe.zarr for float data"
        )
    top = lookup_table.size - 1
    if movie.dtype.kind in "iu":
        top = min(top, int(np.iinfo(movie.dtype).max))
    return lookup_table[np.clip(movie, 0, top)]


@functools.lru_cache(maxsize=64)
def _v1(conversion_gain: float, zero_level: float, encoded_dtype: Any, decoded_dtype: Any) -> Any:
    """The native anscombe-v1 codec of a configuration, kept for the next call: its tables
    are built once, not per chunk."""
    return _anscombe.Codec(
        "anscombe-v1",
        float(zero_level),
        float(conversion_gain),
        None,
        np.dtype(encoded_dtype).name,
        np.dtype(decoded_dtype).name,
    )


def _defective_table(
    codec: Any, conversion_gain: float, zero_level: int, encoded_dtype: Any
) -> np.ndarray | None:
    """The reference's own forward table when it corrupts data with this configuration (after
    a warning that says how), so the drop-in gives its result; None when the native codec
    gives the reference's result."""
    defect = codec.refusal("int32")
    if defect is None:
        return None
    warnings.warn(defect, ReferenceDefectWarning, stacklevel=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReferenceDefectWarning)
        return make_anscombe_lookup(
            conversion_gain, output_type=encoded_dtype, zero_level=zero_level
        )


def encode(
    buf: np.ndarray, *, conversion_gain: float, zero_level: int, encoded_dtype: str
) -> np.ndarray:
    """Encodes samples into codes (``encoded_dtype``), as the reference does."""
    samples = native(buf)
    if samples.dtype.kind == "f":
        return lookup(samples, np.zeros(1))  # raises the reference's IndexError, explained
    codec = _v1(conversion_gain, zero_level, encoded_dtype, "int16")
    table = _defective_table(codec, conversion_gain, zero_level, encoded_dtype)
    if table is not None:
        return lookup(samples, table).astype(encoded_dtype)
    return codec.encode(samples)


def decode(
    buf: bytes | np.ndarray,
    *,
    conversion_gain: float,
    zero_level: int,
    encoded_dtype: Any,
    decoded_dtype: Any,
) -> np.ndarray:
    """Decodes codes (bytes or an array, read as ``encoded_dtype``) into a flat array of
    ``decoded_dtype``, as the reference does."""
    codes = np.frombuffer(buf, dtype=encoded_dtype)
    codec = _v1(conversion_gain, zero_level, encoded_dtype, decoded_dtype)
    table = _defective_table(codec, conversion_gain, zero_level, encoded_dtype)
    if table is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ReferenceDefectWarning)
            inverse = make_inverse_lookup(table, output_type=decoded_dtype)
        return lookup(codes, inverse).astype(decoded_dtype)
    return codec.decode(native(codes), np.dtype(decoded_dtype).name)


class _Configured:
    """Encoding and decoding with the configuration of either class (its fields)."""

    __slots__ = ()
    zero_level: int
    conversion_gain: float
    encoded_dtype: str
    decoded_dtype: str

    def _encode(self, buf: np.ndarray) -> np.ndarray:
        """Samples to codes."""
        return encode(
            buf,
            conversion_gain=self.conversion_gain,
            zero_level=self.zero_level,
            encoded_dtype=self.encoded_dtype,
        )

    def _decode(self, buf: bytes | np.ndarray) -> np.ndarray:
        """Codes (bytes or an array) to a flat array of ``decoded_dtype``."""
        return decode(
            np.ascontiguousarray(buf).tobytes() if isinstance(buf, np.ndarray) else buf,
            conversion_gain=self.conversion_gain,
            zero_level=self.zero_level,
            encoded_dtype=self.encoded_dtype,
            decoded_dtype=self.decoded_dtype,
        )


@dataclass(frozen=True, slots=True)
class AnscombeTransformV2(_Configured):
    """The Zarr V2 (numcodecs) codec ``anscombe-v1``, as anscombe-transform 1.0.0 defines it."""

    codec_id: ClassVar[Literal["anscombe-v1"]] = "anscombe-v1"
    zero_level: int
    conversion_gain: float
    encoded_dtype: str = "uint8"
    decoded_dtype: str = "int16"

    def encode(self, buf: np.ndarray) -> np.ndarray:
        """Samples to codes."""
        return self._encode(buf)

    def decode(self, buf: bytes, out: object | None = None) -> np.ndarray:
        """Codes to samples (``out`` is ignored, as in the reference)."""
        return self._decode(buf)

    def get_config(self) -> dict[str, Any]:
        """``id``, ``zero_level`` and ``conversion_gain``, the keys the reference writes."""
        return {
            "id": self.codec_id,
            "zero_level": self.zero_level,
            "conversion_gain": self.conversion_gain,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> AnscombeTransformV2:
        """The codec from ``zero_level`` and ``conversion_gain`` (other keys ignored)."""
        return cls(zero_level=config["zero_level"], conversion_gain=config["conversion_gain"])


@dataclass(frozen=True, slots=True)
class AnscombeTransformV3(_Configured, ArrayArrayCodec):
    """The zarr-python 3 codec ``anscombe-v1``, as anscombe-transform 1.0.0 defines it."""

    zero_level: int
    conversion_gain: float
    encoded_dtype: str = "uint8"
    decoded_dtype: str = "int16"
    is_fixed_size: bool = True

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnscombeTransformV3:
        """The codec from its metadata object."""
        config = data.get("configuration", {})
        return cls(
            zero_level=config["zero_level"],
            conversion_gain=config["conversion_gain"],
            encoded_dtype=config.get("encoded_dtype", "uint8"),
            decoded_dtype=config.get("decoded_dtype", "int16"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The codec's metadata object."""
        return {
            "name": "anscombe-v1",
            "configuration": {
                "zero_level": self.zero_level,
                "conversion_gain": self.conversion_gain,
                "encoded_dtype": self.encoded_dtype,
                "decoded_dtype": self.decoded_dtype,
            },
        }

    def resolve_metadata(self, chunk_spec: ArraySpec) -> ArraySpec:
        """The chunk after the codec: codes of ``encoded_dtype`` (fill value kept)."""
        return ArraySpec(
            shape=chunk_spec.shape,
            dtype=parse_dtype(np.dtype(self.encoded_dtype), zarr_format=3),
            fill_value=chunk_spec.fill_value,
            config=chunk_spec.config,
            prototype=chunk_spec.prototype,
        )

    def compute_encoded_size(self, input_byte_length: int, chunk_spec: ArraySpec) -> int:
        """Bytes of the codes."""
        count = input_byte_length // chunk_spec.dtype.to_native_dtype().itemsize
        return count * np.dtype(self.encoded_dtype).itemsize

    async def _encode_single(self, chunk_array: Any, chunk_spec: ArraySpec) -> Any:
        return chunk_array.from_numpy_array(self._encode(chunk_array.as_numpy_array()))

    async def _decode_single(self, chunk_array: Any, chunk_spec: ArraySpec) -> Any:
        decoded = self._decode(chunk_array.as_numpy_array()).reshape(chunk_spec.shape)
        return chunk_array.from_numpy_array(decoded)
