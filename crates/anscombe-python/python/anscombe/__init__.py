"""The Anscombe codecs, calibration and image tools for photon-limited data.

Shot noise grows with the square root of the signal, so most of a camera's bits record noise.
The Anscombe codec re-quantises every sample to a step of ``beta`` (0.5 by default) times its
own shot noise: movies shrink 3 to 4 times under a byte compressor, and every sample comes back
within about a quarter of its noise (a bound :func:`verify` checks).

- :func:`calibrate` measures the two numbers the codec needs (conversion gain and zero level)
  from a movie; :func:`calibrate_darks_flats` from dark and flat frames.
- :func:`encode` and :func:`decode` apply a codec to NumPy arrays (``anscombe-transform``,
  ``anscombe-v1``, or poisson-numcodecs' ``poisson`` with ``codec="poisson"``); :class:`Codec`
  and :class:`PoissonCodec` keep one configuration's tables for many calls; :func:`context_encode` and :func:`context_decode` are
  the lossless ``anscombe-context`` entropy stage for the codes.
- :mod:`anscombe.zarr` holds the zarr-python 3 codec classes and :mod:`anscombe.numcodecs` the
  numcodecs ones (Zarr V2 stores); both are registered by entry points, so
  ``zarr.open_array`` reads the stores the ``anscombe`` command writes.
- :mod:`anscombe.dask` calibrates Dask arrays block by block and writes stores from many
  workers; :mod:`anscombe.compat.anscombe_transform` and
  :mod:`anscombe.compat.poisson_numcodecs` replace the ``anscombe-transform`` and
  ``poisson-numcodecs`` packages with one changed import line.
- :func:`pyramid`, :func:`sparse_median_background`, :func:`rolling_median_background`,
  :func:`detector_fit` and :func:`detector_correct` are the image tools around the codec.

Errors are ``ValueError`` (invalid parameters or data, with the command line's messages) and
``TypeError`` (arrays of a type a function does not take).
"""

from ._anscombe import __version__
from .calibration import Calibration, calibrate, calibrate_darks_flats
from .codec import (
    Codec,
    CodecOptions,
    PoissonCodec,
    VerifyReport,
    context_decode,
    context_encode,
    decode,
    encode,
    make_codec,
    verify,
)
from .images import (
    detector_correct,
    detector_fit,
    pyramid,
    rolling_median_background,
    sparse_median_background,
)

__all__ = [
    "Calibration",
    "Codec",
    "CodecOptions",
    "PoissonCodec",
    "VerifyReport",
    "__version__",
    "calibrate",
    "calibrate_darks_flats",
    "context_decode",
    "context_encode",
    "decode",
    "detector_correct",
    "detector_fit",
    "encode",
    "make_codec",
    "pyramid",
    "rolling_median_background",
    "sparse_median_background",
    "verify",
]

_SUBMODULES = ("compat", "dask", "numcodecs", "zarr")


def __getattr__(name: str) -> object:
    """The optional submodules (they need zarr-python, numcodecs or Dask), imported on first
    use: ``anscombe.zarr.AnscombeTransform`` works after a plain ``import anscombe``."""
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'anscombe' has no attribute {name!r}")
