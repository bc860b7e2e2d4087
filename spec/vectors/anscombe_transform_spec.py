"""An independent NumPy implementation of the `anscombe-transform` codec, written from
spec/anscombe-codec.md (sections 2 to 6) and nothing else.

It exists to check the specification: if a second implementation written from the text alone
produces the same codes and decoded values as the Rust workspace, the text is complete. It is
slow and simple on purpose; it is not part of any product.
"""
from __future__ import annotations

import math

import numpy as np

CODE_TYPES = {"uint8": 255, "int8": 127, "uint16": 65535, "int16": 32767, "uint32": 4294967295,
              "int32": 2147483647}
# Section 5: the type chosen when none is given is the narrowest of these.
CHOSEN_CODE_TYPES = ("uint8", "uint16", "uint32")
INTEGER_TYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32")
FLOAT_TYPES = ("float32", "float64")


class SpecError(Exception):
    """An error the specification requires; `kind` names which (section 6.5)."""

    def __init__(self, stage: str, kind: str, message: str):
        super().__init__(message)
        self.stage = stage
        self.kind = kind


class Codec:
    """Section 2 parameters resolved for one sample type (sections 3 to 5)."""

    def __init__(self, zero_level, conversion_gain, beta=0.5, encoded_dtype=None, sample_dtype="uint16"):
        # Section 2: ranges.
        if not math.isfinite(conversion_gain) or conversion_gain <= 0:
            raise SpecError("config", "gain", f"conversion_gain {conversion_gain}")
        if not math.isfinite(zero_level):
            raise SpecError("config", "zero_level", f"zero_level {zero_level}")
        if not (0 < beta <= 1):
            raise SpecError("config", "beta", f"beta {beta}")
        if encoded_dtype is not None and encoded_dtype not in CODE_TYPES:
            raise SpecError("config", "encoded_dtype", f"encoded_dtype {encoded_dtype}")
        self.z = np.float64(zero_level)
        self.g = np.float64(conversion_gain)
        self.beta = np.float64(beta)
        self.sample_dtype = sample_dtype
        # Section 3: constants, in this order.
        self.s = np.sqrt(np.float64(0.375))
        self.zero_slope = np.float64(1.0) / self.beta / self.s
        self.two_beta = np.float64(2.0) / self.beta
        self.floor = min(np.float64(0.0), self.z)
        self.offset = (self.z - self.floor) * self.zero_slope / self.g
        # Section 4.2: domain.
        self.integer = sample_dtype in INTEGER_TYPES
        if self.integer:
            info = np.iinfo(sample_dtype)
            self.lo = max(int(info.min), int(math.ceil(self.floor)))
            self.hi = int(info.max)
            max_code = int(self.code(np.array([self.hi], dtype=np.float64))[0])
            # Section 5.
            if encoded_dtype is None:
                fitting = [t for t in CHOSEN_CODE_TYPES if max_code <= CODE_TYPES[t]]
                if not fitting:
                    raise SpecError("config", "code_overflow", f"max code {max_code}")
                encoded_dtype = fitting[0]
            elif max_code > CODE_TYPES[encoded_dtype]:
                raise SpecError("config", "code_overflow", f"max code {max_code} > {encoded_dtype}")
            self.max_code = max_code
        else:
            encoded_dtype = encoded_dtype or "uint16"
            self.max_code = CODE_TYPES[encoded_dtype]
        self.encoded_dtype = encoded_dtype

    # Section 4.1.
    def y(self, v: np.ndarray) -> np.ndarray:
        x = (v - self.z) / self.g
        below = self.offset + x * self.zero_slope
        above = self.offset + self.two_beta * (np.sqrt(np.maximum(x, 0.0) + 0.375) - self.s)
        return np.where(x < 0, below, above)

    def code(self, v: np.ndarray) -> np.ndarray:
        return np.rint(self.y(v))

    # Section 6.1.
    def level(self, y: np.ndarray) -> np.ndarray:
        u = y - self.offset
        r = u / self.two_beta + self.s
        x = np.where(u < 0, u / self.zero_slope, r * r - 0.375)
        return self.z + self.g * x

    # Sections 4.2, 4.3.
    def encode(self, samples: np.ndarray) -> np.ndarray:
        v = samples.astype(np.float64)
        if self.integer:
            v = np.clip(v, self.lo, self.hi)
            codes = self.code(v)
        else:
            bad = ~np.isfinite(v)
            if bad.any():
                raise SpecError("encode", "not_finite", f"sample {int(np.argmax(bad))}")
            codes = self.code(np.maximum(v, self.floor))
            over = codes > self.max_code
            if over.any():
                raise SpecError("encode", "above_range", f"sample {int(np.argmax(over))}")
        return codes.astype(self.encoded_dtype)

    def _first_at_least(self, c: np.ndarray) -> np.ndarray:
        """Smallest integer level of the domain with code >= c (bisection; section 6.2)."""
        lo = np.full(c.shape, self.lo, dtype=np.int64)
        hi = np.full(c.shape, self.hi, dtype=np.int64)
        code_lo = self.code(lo.astype(np.float64))
        found_at_lo = code_lo >= c
        # invariant for the rest: code(lo) < c <= code(hi)
        for _ in range(40):
            mid = lo + (hi - lo) // 2
            ok = self.code(mid.astype(np.float64)) >= c
            hi = np.where(ok & (hi - lo > 1), mid, hi)
            lo = np.where(~ok & (hi - lo > 1), mid, lo)
        return np.where(found_at_lo, self.lo, hi)

    # Section 6.
    def decoded_values(self, codes: np.ndarray) -> np.ndarray:
        c = codes.astype(np.int64)
        if (c > self.max_code).any():
            raise SpecError("decode", "code_beyond", f"code {int(c.max())} > {self.max_code}")
        if (c < 0).any():  # section 6.3: signed code types can hold codes below 0
            raise SpecError("decode", "code_beyond", f"code {int(c.min())} < 0")
        cf = c.astype(np.float64)
        real_mid = (self.level(cf - 0.5) + self.level(cf + 0.5)) / 2
        if not self.integer:
            low = np.maximum(self.level(cf - 0.5), self.floor)
            mid = (low + self.level(cf + 0.5)) / 2
            return mid.astype(self.sample_dtype)
        first = self._first_at_least(c)
        produced = self.code(first.astype(np.float64)) == cf
        nxt = np.where(c + 1 <= self.max_code, self._first_at_least(c + 1) - 1, self.hi)
        last = np.where(c == self.max_code, self.hi, nxt)
        mid = (first.astype(np.float64) + last.astype(np.float64)) / 2
        mid = np.where(produced, mid, real_mid)
        info = np.iinfo(self.sample_dtype)
        return np.clip(np.rint(mid), info.min, info.max).astype(self.sample_dtype)
