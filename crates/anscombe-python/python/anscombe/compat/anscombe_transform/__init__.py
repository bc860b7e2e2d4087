"""Drop-in for the ``anscombe-transform`` 1.0.0 package: the same names, signatures and
results, computed by this package's Rust codec.

Replace ``import anscombe_transform`` by ``import anscombe.compat.anscombe_transform as
anscombe_transform`` (or ``from anscombe.compat.anscombe_transform import ...``). Where the
reference is wrong (codes that wrap past the code type, gains that make the table skip codes,
``uint8`` input it cannot take), the drop-in gives the reference's result and says so in a
``ReferenceDefectWarning``, or, for inputs the reference crashes on, the correct result.
"""

from . import estimate
from .codec import (
    AnscombeTransformV2,
    AnscombeTransformV3,
    ReferenceDefectWarning,
    decode,
    encode,
    lookup,
    make_anscombe_lookup,
    make_inverse_lookup,
)

__all__ = [
    "AnscombeTransformV2",
    "AnscombeTransformV3",
    "ReferenceDefectWarning",
    "decode",
    "encode",
    "estimate",
    "lookup",
    "make_anscombe_lookup",
    "make_inverse_lookup",
]
