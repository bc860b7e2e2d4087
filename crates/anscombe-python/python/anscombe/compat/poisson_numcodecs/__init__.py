"""Drop-in for the ``poisson-numcodecs`` 0.1.0 package: the same names, signatures and
results, computed by this package's Rust code.

Replace ``import poisson_numcodecs`` by ``import anscombe.compat.poisson_numcodecs as
poisson_numcodecs`` (and ``from poisson_numcodecs.calibrate import ...`` by ``from
anscombe.compat.poisson_numcodecs.calibrate import ...``). As the reference does, importing
this module registers :class:`Poisson` with numcodecs under the id ``poisson``, so zarr-python
(2 or 3) reads and writes ``poisson`` stores with it: exactly the reference's codes and values,
its defects included, each named in a :class:`~anscombe.compat.ReferenceDefectWarning`. For
writing without those defects, use :class:`anscombe.numcodecs.Poisson` (what the entry point
gives when neither package is imported), which refuses such configurations.

:mod:`.calibrate` has ``SequentialCalibratePhotons`` and ``RasterCalibratePhotons``.
"""

import numcodecs

from .._defects import ReferenceDefectWarning
from .poisson import Poisson

numcodecs.register_codec(Poisson)

__all__ = ["Poisson", "ReferenceDefectWarning"]
