"""Times the Python reference poisson-numcodecs 0.1.0 (codec `poisson`) on one int16 movie.

Usage: bench_poisson.py INPUT.npy DARK_SIGNAL PHOTON_SENSITIVITY USE_LOOKUP REPEATS
Prints JSON: median seconds per encode and per decode call, and the SHA-256 of the codes and
decoded values (so the Rust side can check that both computed the same thing).
"""
import hashlib
import json
import sys

import numpy as np
from poisson_numcodecs import Poisson

from timing import median_seconds


def main():
    path, dark, sensitivity, use_lookup, repeats = sys.argv[1:6]
    x = np.load(path)
    codec = Poisson(float(dark), float(sensitivity), "uint8", "int16", 0.5, use_lookup == "true")
    codes = codec.encode(x)
    decoded = codec.decode(codes)
    print(json.dumps({
        "encode_s": median_seconds(lambda: codec.encode(x), int(repeats)),
        "decode_s": median_seconds(lambda: codec.decode(codes), int(repeats)),
        "codes_sha256": hashlib.sha256(np.ascontiguousarray(codes).tobytes()).hexdigest(),
        "decoded_sha256": hashlib.sha256(np.ascontiguousarray(decoded).astype("<i2").tobytes()).hexdigest(),
    }))


if __name__ == "__main__":
    main()
