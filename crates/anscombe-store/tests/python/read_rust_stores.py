"""Reads stores written by the Rust store helpers with zarr-python and the reference codec.

Usage: read_rust_stores.py CASES.json
Each case: {"store", "input" (npy of what was written), "zero_level", "conversion_gain",
"encoded_dtype", "read_back" (npy path to save what zarr-python read)}.
Prints one JSON line: {"checked": n, "mismatches": [names]}. A case matches when zarr-python
reads exactly what the reference codec gives for the input (its own encode then decode).
"""
import json
import sys

import numpy as np
import zarr

import anscombe_transform  # noqa: F401  (registers anscombe-v1 with zarr and numcodecs)
from anscombe_transform import AnscombeTransformV3

cases = json.load(open(sys.argv[1]))
mismatches = []
for case in cases:
    x = np.load(case["input"])
    got = zarr.open_array(case["store"], mode="r")[...]
    np.save(case["read_back"], got)
    codec = AnscombeTransformV3(zero_level=case["zero_level"], conversion_gain=case["conversion_gain"],
                                encoded_dtype=case["encoded_dtype"], decoded_dtype=str(x.dtype))
    expected = codec._decode(codec._encode(x)).reshape(x.shape).astype(x.dtype)
    if got.dtype != x.dtype or got.shape != x.shape or not np.array_equal(got, expected):
        mismatches.append(case["store"])
print(json.dumps({"checked": len(cases), "mismatches": mismatches}))
