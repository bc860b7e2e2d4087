"""Times the Python reference codec (anscombe-transform 1.0.0) on one array.

Usage: bench_core.py INPUT.npy GAIN ZERO ENCODED_DTYPE DECODED_DTYPE REPEATS
Prints JSON: median seconds per encode and per decode call.
"""
import json
import sys

import numpy as np
from anscombe_transform import AnscombeTransformV3

from timing import median_seconds


def main():
    path, gain, zero, encoded, decoded, repeats = sys.argv[1:7]
    x = np.load(path)
    codec = AnscombeTransformV3(zero_level=float(zero), conversion_gain=float(gain),
                                encoded_dtype=encoded, decoded_dtype=decoded)
    codes = codec._encode(x)
    print(json.dumps({
        "encode_s": median_seconds(lambda: codec._encode(x), int(repeats)),
        "decode_s": median_seconds(lambda: codec._decode(codes), int(repeats)),
    }))


if __name__ == "__main__":
    main()
