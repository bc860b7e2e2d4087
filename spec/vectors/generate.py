#!/usr/bin/env python3
"""Regenerate the conformance vectors of spec/anscombe-codec.md.

- `anscombe-v1` cases: produced by RUNNING the Python package `anscombe-transform` 1.0.0.
- `anscombe-transform` cases: produced by `anscombe_transform_spec.py`, an independent NumPy
  implementation of the specification text.

Run through `cargo xtask fixtures` (which creates the virtual environment), or by hand:
    python generate.py --out spec/vectors
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from anscombe_transform_spec import Codec, SpecError  # noqa: E402


def poisson(shape, gain, zero, seed, rate_scale=5.0, read_noise=0.3):
    rng = np.random.default_rng(seed)
    rate = rng.exponential(rate_scale, size=(1,) + tuple(shape[1:]))
    counts = rng.poisson(np.broadcast_to(rate, tuple(shape)))
    return zero + gain * (counts + rng.normal(0.0, read_noise, counts.shape))


def as_int(x, dtype):
    info = np.iinfo(dtype)
    return np.clip(np.rint(x), info.min, info.max).astype(dtype)


def all_values(dtype):
    info = np.iinfo(dtype)
    return np.arange(int(info.min), int(info.max) + 1, dtype=np.int64).astype(dtype)


def with_extremes(x, extremes):
    flat = x.ravel().copy()
    flat[: len(extremes)] = np.array(extremes, dtype=np.float64).astype(x.dtype)
    return flat.reshape(x.shape)


def transform_inputs():
    """(name, config, sample dtype, samples or codes, api, expected error kind or None)."""
    rng = np.random.default_rng(7)
    u16 = with_extremes(as_int(poisson((6, 24, 24), 40.0, 100.0, 11), "uint16"), [0, 1, 99, 100, 65534, 65535])
    i32 = with_extremes(as_int(poisson((4, 16, 16), 60.0, 300.0, 12), "int32"),
                        [-2147483648, -70000, -1, 0, 299, 300, 301, 32767, 32768, 100000, 2147483647])
    u32 = with_extremes(as_int(poisson((4, 16, 16), 0.5, 20.0, 13, rate_scale=5000.0), "uint32"),
                        [0, 1, 19, 20, 21, 4294967295])
    f32 = poisson((4, 16, 16), 7.3, 50.5, 14).astype(np.float32)
    f32 = with_extremes(f32, [-1e30, -50.0, 0.0, 1e-42, 50.5, 50.6, 1e6])
    f64 = with_extremes(poisson((4, 16, 16), 200.0, 1000.0, 15), [-5.0, 0.0, 999.9, 1000.0, 1e9])
    return [
        ("t_u16_cg40_zl100", {"zero_level": 100.0, "conversion_gain": 40.0}, "uint16", u16, "codec", None),
        ("t_i16_all_cg2p5_zlneg20p5_b0p3", {"zero_level": -20.5, "conversion_gain": 2.5, "beta": 0.3},
         "int16", all_values("int16"), "codec", None),
        ("t_u8_all_cg1p5_zl3_b1", {"zero_level": 3.0, "conversion_gain": 1.5, "beta": 1.0},
         "uint8", all_values("uint8"), "codec", None),
        ("t_i8_all_cg0p7_zlneg3", {"zero_level": -3.0, "conversion_gain": 0.7, "beta": 0.5},
         "int8", all_values("int8"), "codec", None),
        ("t_u16_all_cg0p9_zlneg7_b0p25", {"zero_level": -7.0, "conversion_gain": 0.9, "beta": 0.25},
         "uint16", all_values("uint16"), "codec", None),
        ("t_i32_mixed_cg60_zl300", {"zero_level": 300.0, "conversion_gain": 60.0}, "int32", i32, "codec", None),
        ("t_u32_cg0p5_zl20", {"zero_level": 20.0, "conversion_gain": 0.5, "beta": 0.8}, "uint32", u32, "codec", None),
        ("t_f32_cg7p3_zl50p5_b0p8", {"zero_level": 50.5, "conversion_gain": 7.3, "beta": 0.8},
         "float32", f32, "codec", None),
        ("t_f64_cg200_zl1000_enc_u32", {"zero_level": 1000.0, "conversion_gain": 200.0, "encoded_dtype": "uint32"},
         "float64", f64, "codec", None),
        ("t_decode_every_u8_code_cg2_zl10", {"zero_level": 10.0, "conversion_gain": 2.0, "encoded_dtype": "uint16"},
         "uint8", np.arange(0, 59, dtype=np.uint16), "decode_only", None),
        ("t_error_nan", {"zero_level": 0.0, "conversion_gain": 1.0}, "float32",
         np.array([1.0, np.nan], dtype=np.float32), "codec", ("encode", "not_finite")),
        ("t_error_infinity", {"zero_level": 0.0, "conversion_gain": 1.0}, "float64",
         np.array([1.0, -np.inf], dtype=np.float64), "codec", ("encode", "not_finite")),
        ("t_error_above_u8_range", {"zero_level": 0.0, "conversion_gain": 1.0, "encoded_dtype": "uint8"}, "float32",
         np.array([1.0, 1e5], dtype=np.float32), "codec", ("encode", "above_range")),
        ("t_error_code_beyond_table", {"zero_level": 100.0, "conversion_gain": 40.0}, "uint16",
         np.array([0, 168, 169], dtype=np.uint8), "decode_only", ("decode", "code_beyond")),
        ("t_error_encoded_dtype_too_narrow", {"zero_level": 10.0, "conversion_gain": 4.0, "encoded_dtype": "uint8"},
         "uint16", np.array([0], dtype=np.uint16), "codec", ("config", "code_overflow")),
        ("t_error_beta_above_1", {"zero_level": 0.0, "conversion_gain": 4.0, "beta": 1.5},
         "uint16", np.array([0], dtype=np.uint16), "codec", ("config", "beta")),
        ("t_error_gain_zero", {"zero_level": 0.0, "conversion_gain": 0.0},
         "uint16", np.array([0], dtype=np.uint16), "codec", ("config", "gain")),
        ("t_error_unknown_encoded_dtype", {"zero_level": 0.0, "conversion_gain": 4.0, "encoded_dtype": "int64"},
         "uint16", np.array([0], dtype=np.uint16), "codec", ("config", "encoded_dtype")),
    ] + signed_code_inputs()


def signed_code_inputs():
    """Signed code types (int8, int16, int32): same codes as the unsigned ones, chosen only when
    asked for, refused when too narrow, and negative codes are corrupt (sections 2, 5, 6.3)."""
    ramp = np.arange(0, 65536, dtype=np.int64)
    return [
        # A uint16 ramp in an int32 array, int16 codes, int32 out.
        ("t_i32_u16ramp_cg40_zl100_enc_i16", {"zero_level": 100.0, "conversion_gain": 40.0, "encoded_dtype": "int16"},
         "int32", ramp.astype(np.int32), "codec", None),
        ("t_u16_all_cg4_zl10_enc_i16", {"zero_level": 10.0, "conversion_gain": 4.0, "encoded_dtype": "int16"},
         "uint16", all_values("uint16"), "codec", None),
        ("t_i8_all_cg2_zlneg3_enc_i8", {"zero_level": -3.0, "conversion_gain": 2.0, "encoded_dtype": "int8"},
         "int8", all_values("int8"), "codec", None),
        ("t_f32_cg7p3_zl50p5_enc_i32", {"zero_level": 50.5, "conversion_gain": 7.3, "encoded_dtype": "int32"},
         "float32", poisson((4, 16, 16), 7.3, 50.5, 16).astype(np.float32), "codec", None),
        ("t_decode_every_i16_code_cg4_zl10", {"zero_level": 10.0, "conversion_gain": 4.0, "encoded_dtype": "int16"},
         "uint16", np.arange(0, 519, dtype=np.int16), "decode_only", None),
        ("t_error_negative_i16_code", {"zero_level": 100.0, "conversion_gain": 40.0, "encoded_dtype": "int16"},
         "uint16", np.array([0, 168, -1], dtype=np.int16), "decode_only", ("decode", "code_beyond")),
        ("t_error_encoded_dtype_i8_too_narrow", {"zero_level": 100.0, "conversion_gain": 40.0, "encoded_dtype": "int8"},
         "uint16", np.array([0], dtype=np.uint16), "codec", ("config", "code_overflow")),
    ]


def v1_inputs():
    u16 = as_int(poisson((6, 24, 24), 40.0, 100.0, 21), "uint16")
    i16 = with_extremes(as_int(poisson((4, 16, 16), 100.0, 0.0, 22), "int16"), [-32768, -1, 0, 1, 32766, 32767])
    return [
        ("v1_u16_cg40_zl100", {"zero_level": 100, "conversion_gain": 40.0, "encoded_dtype": "uint8", "decoded_dtype": "uint16"}, u16),
        ("v1_i16_defaults_cg100_zl0", {"zero_level": 0, "conversion_gain": 100.0, "encoded_dtype": "uint8", "decoded_dtype": "int16"}, i16),
        ("v1_i16_all_cg30_zl200", {"zero_level": 200, "conversion_gain": 30.0, "encoded_dtype": "uint8", "decoded_dtype": "int16"}, all_values("int16")),
        ("v1_u16_cg4_zl10_enc_u16", {"zero_level": 10, "conversion_gain": 4.0, "encoded_dtype": "uint16", "decoded_dtype": "uint16"},
         as_int(poisson((4, 16, 16), 4.0, 10.0, 23, rate_scale=200.0), "uint16")),
        # The reference with signed codes: a uint16 ramp (clamped to 0..32767 by anscombe-v1),
        # int16 codes, int32 out; and int8 codes where every code fits.
        ("v1_u16_ramp_cg4_zl10_enc_i16_dec_i32", {"zero_level": 10, "conversion_gain": 4.0, "encoded_dtype": "int16", "decoded_dtype": "int32"},
         np.arange(0, 65536, dtype=np.int64).astype(np.uint16)),
        ("v1_i16_all_cg200_zl50_enc_i8", {"zero_level": 50, "conversion_gain": 200.0, "encoded_dtype": "int8", "decoded_dtype": "int16"},
         all_values("int16")),
        ("v1_u16_cg50_zl86p3_dec_f32", {"zero_level": 86.3, "conversion_gain": 50.0, "encoded_dtype": "uint8", "decoded_dtype": "float32"},
         as_int(poisson((4, 16, 16), 50.0, 86.3, 24), "uint16")),
    ]


def save(folder: Path, rel: str, arr: np.ndarray) -> dict:
    arr = np.ascontiguousarray(arr)
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, arr, allow_pickle=False)
    return {"file": rel, "dtype": arr.dtype.str, "shape": list(arr.shape),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def transform_case(folder: Path, name, config, sample_dtype, data, api, error):
    rec = {"name": name, "codec": "anscombe-transform", "api": api, "config": config,
           "sample_dtype": sample_dtype, "quirk": False}
    files = {}
    try:
        codec = Codec(config["zero_level"], config["conversion_gain"], config.get("beta", 0.5),
                      config.get("encoded_dtype"), sample_dtype)
        rec["resolved_encoded_dtype"] = codec.encoded_dtype
        if api == "codec":
            files["input"] = save(folder, f"cases/{name}/input.npy", data)
            codes = codec.encode(data)
            files["encoded"] = save(folder, f"cases/{name}/encoded.npy", codes)
            files["decoded"] = save(folder, f"cases/{name}/decoded.npy", codec.decoded_values(codes))
        else:
            files["encoded"] = save(folder, f"cases/{name}/encoded.npy", data)
            files["decoded"] = save(folder, f"cases/{name}/decoded.npy", codec.decoded_values(data))
        if error:
            raise RuntimeError(f"{name}: expected {error}, got none")
    except SpecError as e:
        if not error or (e.stage, e.kind) != error:
            raise
        rec["expect_error"] = {"stage": e.stage, "kind": e.kind, "message": str(e)}
        key = "input" if api == "codec" else "encoded"
        files = {key: save(folder, f"cases/{name}/{key}.npy", data)}
    rec["files"] = files
    return rec


def v1_case(folder: Path, name, config, data):
    from anscombe_transform import AnscombeTransformV3

    codec = AnscombeTransformV3(zero_level=config["zero_level"], conversion_gain=config["conversion_gain"],
                                encoded_dtype=config["encoded_dtype"], decoded_dtype=config["decoded_dtype"])
    enc = codec._encode(data)
    dec = codec._decode(np.ascontiguousarray(enc)).reshape(enc.shape)
    return {"name": name, "codec": "anscombe-v1", "api": "codec", "config": {**config, "beta": 0.5},
            "quirk": False, "files": {"input": save(folder, f"cases/{name}/input.npy", data),
                                      "encoded": save(folder, f"cases/{name}/encoded.npy", enc),
                                      "decoded": save(folder, f"cases/{name}/decoded.npy", dec)}}


def v1_signed_store(folder: Path):
    """A Zarr V3 store written by zarr-python with the reference's anscombe-v1 codec: an int32
    array holding a uint16 ramp, int16 codes, decoded to int32."""
    import zarr
    from zarr.codecs import ZstdCodec
    from anscombe_transform import AnscombeTransformV3

    name = "v3_i32_ramp_v1_enc_i16_dec_i32.zarr"
    config = {"zero_level": 10, "conversion_gain": 4.0, "encoded_dtype": "int16", "decoded_dtype": "int32"}
    x = np.arange(0, 65536, dtype=np.int32).reshape(4, 128, 128)
    root = folder / "stores" / name
    if root.exists():
        shutil.rmtree(root)
    codec = AnscombeTransformV3(**config)
    arr = zarr.create_array(store=str(root), shape=x.shape, chunks=(1, 64, 64), dtype=x.dtype,
                            filters=[codec], compressors=[ZstdCodec(level=3)], zarr_format=3, fill_value=0)
    arr[...] = x
    back = zarr.open_array(str(root), mode="r")[...]
    codes = codec._encode(x)
    return {"name": name, "zarr_format": 3, "codec_config": config, "store": f"stores/{name}",
            "description": "zarr-python + anscombe-transform 1.0.0: int32 ramp 0..65535, anscombe-v1 with int16 codes",
            "files": {"input": save(folder, f"stores/{name}.input.npy", x),
                      "encoded": save(folder, f"stores/{name}.encoded.npy", codes),
                      "decoded": save(folder, f"stores/{name}.decoded.npy", back)},
            "missing_chunks": []}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent))
    folder = Path(ap.parse_args().out)
    for sub in ("cases", "stores"):
        if (folder / sub).exists():
            shutil.rmtree(folder / sub)
    import importlib.metadata as md
    cases = [v1_case(folder, *c) for c in v1_inputs()] + [transform_case(folder, *c) for c in transform_inputs()]
    stores = [v1_signed_store(folder)]
    manifest = {"fixture_set": "spec-vectors",
                "generated_with": {"python": sys.version.split()[0], "numpy": np.__version__,
                                   "anscombe-transform": md.version("anscombe-transform"),
                                   "zarr": md.version("zarr")},
                "npy_note": "little-endian .npy (format 1.0); paths relative to this folder",
                "cases": cases, "stores": stores, "calibration": []}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {folder}")


if __name__ == "__main__":
    main()
