"""Drop-in modules for the reference Python packages: change one import line.

- :mod:`anscombe.compat.anscombe_transform` for ``anscombe_transform`` 1.0.0
  (``from anscombe.compat.anscombe_transform import AnscombeTransformV3``).
- :mod:`anscombe.compat.poisson_numcodecs` for ``poisson_numcodecs`` 0.1.0
  (``from anscombe.compat.poisson_numcodecs import Poisson`` and its ``calibrate`` module).

Where a reference is wrong, its drop-in gives the reference's result where users' data depend
on it and says so in a :class:`ReferenceDefectWarning`.
"""

from ._defects import ReferenceDefectWarning

__all__ = ["ReferenceDefectWarning"]
