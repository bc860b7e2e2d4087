"""Drop-in modules for the reference Python packages: change one import line.

- :mod:`anscombe.compat.anscombe_transform` for ``anscombe_transform`` 1.0.0
  (``from anscombe.compat.anscombe_transform import AnscombeTransformV3``).
"""
