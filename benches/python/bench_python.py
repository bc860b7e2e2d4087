"""`cargo xtask bench python`: the `anscombe` Python package against the reference Python
packages, side by side in one run, with the installed wheel.

Usage: bench_python.py OUTDIR [REPEATS]

Rows (median seconds of REPEATS calls after a warm-up; ratio = reference / ours):

- codec encode and decode of one (10, 512, 512) uint16 chunk, called from Python:
  anscombe-transform 1.0.0's numcodecs class against ours (`anscombe.numcodecs.AnscombeV1`, the
  same identity and codes, and the drop-in `AnscombeTransformV2`); poisson-numcodecs' `Poisson`
  against ours (`anscombe.numcodecs.Poisson`), in both of its modes, where it is installed;
- `compute_conversion_gain` (anscombe-transform) against the drop-in, on a (200, 256, 256)
  movie;
- zarr-python 3 writing and reading a (200, 512, 512) uint16 movie in (10, 512, 512) chunks
  with zstd level 3, through anscombe-transform's V3 codec and through ours (the same codes and
  bytes), and with zstd alone on the raw samples for scale: the codec's share of a read or
  write is its row above times the 20 chunks, the rest is zstd and zarr-python's pipeline;
- Dask `anscombe.dask.calibrate` on a LocalCluster of 2 worker processes against 1.

The codec checks that both sides give the same codes before timing them. Prints one line per
row and the whole as JSON at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from timing import median_seconds  # noqa: E402

GAIN, ZERO = 20.0, 100.0


def movie(frames: int, size: int, seed: int, gain: float = GAIN, zero: float = ZERO) -> np.ndarray:
    """A static scene with shot noise, uint16 camera levels."""
    rng = np.random.default_rng(seed)
    scene = rng.uniform(0.5, 80.0, size=(size, size))
    counts = rng.poisson(np.broadcast_to(scene, (frames, size, size)))
    return (zero + gain * counts).astype(np.uint16)


def row(results: dict, name: str, reference: float, ours: float, what: str = "",
        sides: tuple[str, str] = ("reference", "ours")) -> None:
    """One line: both sides' median seconds and the ratio first / second."""
    results[name] = {f"{sides[0]}_s": reference, f"{sides[1]}_s": ours, "ratio": reference / ours}
    print(f"{name:<44} {sides[0]} {reference * 1e3:9.2f} ms  {sides[1]} {ours * 1e3:8.2f} ms  "
          f"{reference / ours:7.1f}x {what}", flush=True)


def bench_codecs(results: dict, repeats: int) -> None:
    import anscombe.numcodecs
    from anscombe.compat.anscombe_transform import AnscombeTransformV2 as DropIn
    from anscombe_transform.codec import AnscombeTransformV2 as Reference

    chunk = movie(10, 512, seed=1)
    reference = Reference(zero_level=int(ZERO), conversion_gain=GAIN, decoded_dtype="uint16")
    ours = anscombe.numcodecs.AnscombeV1(zero_level=ZERO, conversion_gain=GAIN, decoded_dtype="uint16")
    drop_in = DropIn(zero_level=int(ZERO), conversion_gain=GAIN, decoded_dtype="uint16")
    codes = reference.encode(chunk)
    assert (ours.encode(chunk) == codes.reshape(-1)).all() and (drop_in.encode(chunk) == codes).all()
    raw = codes.tobytes()
    assert (ours.decode(raw) == reference.decode(raw)).all()
    for name, side in (("anscombe.numcodecs.AnscombeV1", ours), ("drop-in AnscombeTransformV2", drop_in)):
        row(results, f"encode (10,512,512) u16, {name}",
            median_seconds(lambda: reference.encode(chunk), repeats),
            median_seconds(lambda s=side: s.encode(chunk), repeats))
        row(results, f"decode (10,512,512) u16, {name}",
            median_seconds(lambda: reference.decode(raw), repeats),
            median_seconds(lambda s=side: s.decode(raw), repeats))
    try:
        import poisson_numcodecs
    except ImportError:
        print("poisson-numcodecs is not installed: its rows are skipped", flush=True)
        return
    # Lookup mode on int16 samples; formula mode on float32 ones (on int16 ones its top codes
    # decode past int16, which ours refuses to write).
    for lookup, dtype in ((True, "int16"), (False, "float32")):
        samples = chunk.astype(dtype)
        config = {"dark_signal": ZERO, "photon_sensitivity": GAIN, "use_lookup": lookup,
                  "decoded_dtype": dtype}
        reference = poisson_numcodecs.Poisson(**config)
        ours = anscombe.numcodecs.Poisson(**config)
        codes = reference.encode(samples)
        assert (ours.encode(samples) == codes).all()
        assert (ours.decode(codes) == reference.decode(codes)).all()
        mode = f"lookup, {dtype}" if lookup else f"formula, {dtype}"
        row(results, f"poisson encode (10,512,512) {mode}",
            median_seconds(lambda: reference.encode(samples), repeats),
            median_seconds(lambda: ours.encode(samples), repeats))
        row(results, f"poisson decode (10,512,512) {mode}",
            median_seconds(lambda: reference.decode(codes), repeats),
            median_seconds(lambda: ours.decode(codes), repeats))


def bench_conversion_gain(results: dict, repeats: int) -> None:
    from anscombe.compat.anscombe_transform.estimate import compute_conversion_gain as ours
    from anscombe_transform.estimate import compute_conversion_gain as reference

    x = movie(200, 256, seed=2, gain=2.5, zero=10.0).astype(np.int16)
    a, b = reference(x), ours(x)
    assert abs(a["conversion_gain"] / b["conversion_gain"] - 1) < 1e-4, (a, b)
    row(results, "compute_conversion_gain (200,256,256) i16",
        median_seconds(lambda: reference(x), repeats), median_seconds(lambda: ours(x), repeats))


def bench_zarr(results: dict, out: str, repeats: int) -> None:
    import zarr
    from anscombe_transform import AnscombeTransformV3
    from zarr.codecs import ZstdCodec

    import anscombe.zarr

    x = movie(200, 512, seed=3)

    def run(name: str, filters: list) -> dict:
        path = os.path.join(out, f"{name}.zarr")
        writes, reads = [], []
        for _ in range(repeats):
            shutil.rmtree(path, ignore_errors=True)
            start = time.perf_counter()
            arr = zarr.create_array(path, shape=x.shape, chunks=(10, 512, 512), dtype=x.dtype,
                                    filters=filters, compressors=[ZstdCodec(level=3)], fill_value=0)
            arr[...] = x
            writes.append(time.perf_counter() - start)
            start = time.perf_counter()
            back = zarr.open_array(path, mode="r")[...]
            reads.append(time.perf_counter() - start)
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
        return {"write_s": float(np.median(writes)), "read_s": float(np.median(reads)),
                "bytes": size, "back": back}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = run("reference", [AnscombeTransformV3(
            zero_level=int(ZERO), conversion_gain=GAIN, encoded_dtype="uint8", decoded_dtype="uint16")])
    ours = run("ours", [anscombe.zarr.AnscombeV1(zero_level=ZERO, conversion_gain=GAIN)])
    zstd = run("zstd_only", [])
    assert (ours["back"] == reference["back"]).all() and reference["bytes"] == ours["bytes"]
    for kind in ("write", "read"):
        row(results, f"zarr {kind} (200,512,512) u16 + zstd",
            reference[f"{kind}_s"], ours[f"{kind}_s"],
            f"(zstd alone {zstd[f'{kind}_s'] * 1e3:.0f} ms)")
    results["zarr_store_bytes"] = {"anscombe-v1": ours["bytes"], "zstd_only": zstd["bytes"]}
    results["zarr_zstd_only_s"] = {"write": zstd["write_s"], "read": zstd["read_s"]}


def bench_dask(results: dict, repeats: int) -> None:
    try:
        import dask.array as da
        import distributed
    except ImportError:
        print("dask or distributed is not installed: the Dask row is skipped", flush=True)
        return
    import anscombe.dask

    x = movie(400, 512, seed=4, gain=2.5, zero=10.0)
    times = {}
    for workers in (1, 2):
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            with warnings.catch_warnings():
                # The movie is sent to the workers once, before timing.
                warnings.simplefilter("ignore", UserWarning)
                array = client.persist(da.from_array(x, chunks=(25, 512, 512)))
            distributed.wait(array)
            times[workers] = median_seconds(lambda: anscombe.dask.calibrate(array), repeats)
    row(results, f"dask calibrate {x.shape} u16", times[1], times[2],
        f"({x.nbytes / 2**20:.0f} MiB persisted on the workers)", sides=("1 worker", "2 workers"))


def main() -> None:
    out = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    os.makedirs(out, exist_ok=True)
    results: dict = {"repeats": repeats, "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    bench_codecs(results, repeats)
    bench_conversion_gain(results, repeats)
    bench_zarr(results, out, repeats)
    bench_dask(results, max(2, repeats // 2))
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
