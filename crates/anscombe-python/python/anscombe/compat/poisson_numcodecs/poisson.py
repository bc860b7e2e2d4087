"""Drop-in for ``poisson_numcodecs.poisson``: the numcodecs codec ``Poisson`` (id ``poisson``)
with the reference's constructor, attributes and results, computed by this package's Rust
codec.

It stores and reads exactly what poisson-numcodecs 0.1.0 stores and reads, its defects
included, because users' stores depend on them; each defect is named in a
:class:`~anscombe.compat.ReferenceDefectWarning` when it matters (on encoding with a
configuration that loses data, on decoding data that carry a defect). Where the reference
crashes, the drop-in raises the same exception type, with a message that says why.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numcodecs.compat import ensure_ndarray

from ... import _anscombe
from ..._arrays import native
from ...numcodecs import Poisson as _Checked
from .._defects import ReferenceDefectWarning

__all__ = ["Poisson"]


class Poisson(_Checked):
    """Codec for photon-limited movies, as poisson-numcodecs 0.1.0 defines it.

    Parameters are the reference's: ``dark_signal`` (level at zero photons),
    ``photon_sensitivity`` (levels per photon), ``encoded_dtype`` (the codes' type),
    ``decoded_dtype`` (what decoding returns; in lookup mode also the table's range), ``beta``
    (code step in noise standard deviations) and ``use_lookup`` (tables, or the formulas,
    which give other codes). Lookup mode has the attributes ``forward_table`` and
    ``inverse_table``, as the reference computes them.

    ``encoded_dtype="int8"`` works as in the reference: codes past 127 wrap to negative values
    (with a warning), and decoding raises ``OverflowError`` when the table has more than 128
    codes.
    """

    codec_id = "poisson"
    _warned_decode = False

    def _signed(self) -> bool:
        return np.dtype(self.encoded_dtype) == np.int8

    def _make_native(self, encoded_dtype: str) -> _anscombe.PoissonCodec:
        # int8 codes are uint8 codes seen as signed, which is what the reference's cast makes.
        try:
            return super()._make_native("uint8" if encoded_dtype == "int8" else encoded_dtype)
        except ValueError as error:
            if "cannot decode anything" in str(error):
                # The reference raises IndexError building its inverse table.
                raise IndexError(str(error)) from error
            raise

    @property
    def forward_table(self) -> np.ndarray:
        """The code of every level ``0..iinfo(decoded_dtype).max`` (lookup mode)."""
        table = self._codec.forward_table()
        if table is None:
            raise AttributeError("'Poisson' object has no attribute 'forward_table' (formula mode)")
        stored = table.astype(self._codec.encoded_dtype)
        return stored.view(np.int8) if self._signed() else stored

    @property
    def inverse_table(self) -> np.ndarray:
        """The decoded value of each distinct code, by rank (``int64``; lookup mode)."""
        table = self._codec.inverse_table()
        if table is None:
            raise AttributeError("'Poisson' object has no attribute 'inverse_table' (formula mode)")
        return table

    def encode(self, buf: Any) -> np.ndarray:
        """Samples to codes, exactly as the reference stores them (same shape); a warning names
        the defect when the reference loses data with this configuration."""
        samples = native(np.asarray(buf))
        try:
            codes = self._codec.encode(samples, reference=True)
        except ValueError as error:
            # The reference indexes its table with the samples: IndexError for floats,
            # OverflowError for a type that cannot hold the table's last level.
            crash = IndexError if samples.dtype.kind == "f" else OverflowError
            raise crash(str(error)) from error
        refusal = self._codec.refusal(samples.dtype.name)
        if self._signed() and int(codes.max(initial=0)) > 127:
            refusal = "int8 codes above 127 wrap to negative values, which the reference cannot decode"
        if refusal is not None:
            warnings.warn(
                f"poisson-numcodecs loses data here: {refusal}. The drop-in stores the "
                "reference's codes.",
                ReferenceDefectWarning,
                stacklevel=2,
            )
        return codes.view(np.int8) if self._signed() else codes

    def decode(self, buf: Any, out: Any = None) -> np.ndarray:
        """Codes (an array or the raw bytes) to samples of ``decoded_dtype``, exactly as the
        reference decodes them (``out`` is not filled, as in the reference)."""
        codes = ensure_ndarray(buf).view(np.dtype(self.encoded_dtype).newbyteorder("<"))
        codes = native(codes)
        if self._signed():
            codes = self._unsigned(codes)
        quirks = self._codec.quirks()
        if quirks and not self._warned_decode:
            self._warned_decode = True
            named = "; ".join(f"({letter}) {text}" for letter, _, text in quirks)
            warnings.warn(
                f"data stored with this poisson configuration carry poisson-numcodecs' "
                f"defects, which decoding reproduces: {named}",
                ReferenceDefectWarning,
                stacklevel=2,
            )
        return self._codec.decode(codes)

    def _unsigned(self, codes: np.ndarray) -> np.ndarray:
        """int8 codes as the reference reads them, as the uint8 codes that decode the same."""
        if self.use_lookup:
            top = self._codec.inverse_table().size - 1
            if top > 127:
                raise OverflowError(
                    f"the table has {top + 1} codes, more than int8 codes reach (the reference "
                    f"raises OverflowError clamping int8 codes to {top}); these data were "
                    "stored with wrapped codes and cannot be decoded"
                )
            # The reference clamps negative codes to 0.
            return np.maximum(codes, 0).astype(np.uint8)
        # The formulas square the code, so a negative code decodes as its magnitude.
        return np.abs(codes.astype(np.int16)).astype(np.uint8)
