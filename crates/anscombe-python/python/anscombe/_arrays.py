"""Arrays as the native module takes them: NumPy, native byte order."""

from __future__ import annotations

import numpy as np


def native(array: object) -> np.ndarray:
    """``array`` as a NumPy array in native byte order (copied only when it is not)."""
    a = np.asarray(array)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return a
