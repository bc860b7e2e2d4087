"""Writes stores with zarr-python and the reference codec, with random shapes, chunkings,
parameters, formats and codec placement; saves what zarr-python reads back.

Usage: write_python_stores.py OUTDIR COUNT SEED
Prints JSON: a list of {"store", "expected"} (expected: npy of zarr-python's read-back).
"""
import json
import sys
from pathlib import Path

import numcodecs
import numpy as np
import zarr
from zarr.codecs import BloscCodec, ZstdCodec

from anscombe_transform import AnscombeTransformV2, AnscombeTransformV3
from anscombe_transform import codec as reference


def valid_uint8(gain, zero):
    table = reference.make_anscombe_lookup(gain, zero_level=zero, output_type="int64")
    return table.max() <= 255 and np.diff(table).max() <= 1 and table.min() >= 0


out, count, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(seed)
records = []
for i in range(count):
    dtype = rng.choice(["uint16", "int16"])
    shape = tuple(int(n) for n in (rng.integers(1, 9), rng.integers(1, 40), rng.integers(1, 40)))
    chunks = tuple(int(rng.integers(1, n + 1)) for n in shape)
    while True:
        gain = float(np.round(rng.uniform(4.0, 150.0), 2))
        zero = int(rng.integers(-5, 400))
        if valid_uint8(gain, zero):
            break
    rate = rng.exponential(rng.uniform(1, 40), size=shape[1:])
    x = zero + gain * (rng.poisson(np.broadcast_to(rate, shape)) + rng.normal(0, 0.3, shape))
    x = np.clip(np.rint(x), 0, 32767).astype(dtype)
    if i % 5 == 0:
        x[: max(1, shape[0] // 2)] = 0  # whole chunks equal to the fill value are not written
    store = out / f"python_{i}.zarr"
    fmt = 3 if i % 3 else 2
    if fmt == 3:
        codec = AnscombeTransformV3(zero_level=zero, conversion_gain=gain, encoded_dtype="uint8",
                                    decoded_dtype=dtype)
        compressors = [ZstdCodec(level=int(rng.integers(1, 9)))] if i % 2 else [BloscCodec(cname="zstd", clevel=5, shuffle="bitshuffle")]
        arr = zarr.create_array(store=str(store), shape=shape, chunks=chunks, dtype=dtype, filters=[codec],
                                compressors=compressors, zarr_format=3, fill_value=0)
    else:
        codec = AnscombeTransformV2(zero_level=zero, conversion_gain=gain)
        kw = {"compressors": codec} if i % 2 else {"filters": [codec], "compressors": numcodecs.Zstd(level=3)}
        arr = zarr.create_array(store=str(store), shape=shape, chunks=chunks, dtype=dtype, zarr_format=2,
                                fill_value=0, **kw)
    arr[...] = x
    expected = out / f"python_{i}.expected.npy"
    np.save(expected, zarr.open_array(str(store), mode="r")[...])
    records.append({"store": str(store), "expected": str(expected)})
print(json.dumps(records))
