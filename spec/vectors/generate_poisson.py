#!/usr/bin/env python3
"""Regenerate the conformance vectors of spec/poisson-codec.md by RUNNING poisson-numcodecs 0.1.0.

Every array is what the reference returned (or the input it was given); nothing here computes a
code or a decoded value itself. The quirk letters are read off the reference's own outputs:

- (a) code wrap: the reference's codes of an increasing run of integer inputs decrease somewhere;
- (b) rank-indexed inverse table: `np.unique(forward_table)` is not `0 .. N-1`;
- (c) inverse-table overflow: an `inverse_table` entry is outside `iinfo(decoded_dtype)`;
- (d) formula decode overflow: the decoded values of the codes the input range reaches decrease
  somewhere (a wrap);
- nonsense: photon_sensitivity <= 0.

Float inputs and float decoded types get no letters: their codes are checked sample by sample.

Run through `cargo xtask fixtures` (which creates the virtual environment with the reference
installed from ../shared/reference), or by hand:
    python generate_poisson.py --out spec/vectors/poisson
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np

warnings.simplefilter("ignore")  # the reference's NumPy RuntimeWarnings (casts of NaN, inf)


def save(folder: Path, rel: str, arr: np.ndarray) -> dict:
    arr = np.ascontiguousarray(arr)
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, arr, allow_pickle=False)
    return {"file": rel, "dtype": arr.dtype.str, "shape": list(arr.shape),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def grid(dtype, step, extremes=()):
    """Every `step`-th value of an integer type, its two ends and some chosen values."""
    info = np.iinfo(dtype)
    values = np.arange(int(info.min), int(info.max) + 1, step, dtype=np.int64)
    values = np.concatenate([values, [int(info.max)], np.array(extremes, dtype=np.int64)])
    return values.astype(dtype)


def every(dtype):
    info = np.iinfo(dtype)
    return np.arange(int(info.min), int(info.max) + 1, dtype=np.int64).astype(dtype)


def wide(dtype, seed, extremes):
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    values = rng.integers(int(info.min), int(info.max), size=200, endpoint=True)
    small = rng.integers(0, 70000, size=300)
    return np.concatenate([np.array(extremes, dtype=np.int64), values, small]).astype(dtype)


def floats(dtype, seed, extremes):
    rng = np.random.default_rng(seed)
    values = rng.exponential(400.0, size=300) - 20.0
    return np.concatenate([np.array(extremes, dtype=np.float64), values]).astype(dtype)


def decreases(values) -> bool:
    return bool(np.any(np.diff(np.asarray(values, dtype=np.float64)) < 0))


def quirk_letters(codec, config, encode_range):
    """The letters the reference's outputs show (see the module docstring)."""
    if config["photon_sensitivity"] <= 0:
        return ["nonsense"]
    letters = []
    if encode_range is not None:
        ordered = np.sort(encode_range)
        if decreases(codec.encode(ordered)):
            letters.append("a")
    if config["use_lookup"]:
        codes = np.unique(codec.forward_table)
        if not np.array_equal(codes, np.arange(codes.size)):
            letters.append("b")
        info = np.iinfo(config["decoded_dtype"])
        if codec.inverse_table.min() < info.min or codec.inverse_table.max() > info.max:
            letters.append("c")
    elif encode_range is not None:
        reached = np.unique(codec.encode(np.sort(encode_range)))
        if decreases(codec.decode(reached.astype(config["encoded_dtype"]))):
            letters.append("d")
    return letters


# (name, config, api, data, encode range for the quirk letters (None: float, or the data))
def cases():
    c = lambda dark, ps, enc="uint8", dec="int16", beta=0.5, lut=True: {  # noqa: E731
        "dark_signal": dark, "photon_sensitivity": ps, "encoded_dtype": enc,
        "decoded_dtype": dec, "beta": beta, "use_lookup": lut}
    # A spread of uint16 codes: every 8th, the last, and those around where the int32 case's
    # decoded values leave int32.
    u16_codes = np.unique(np.concatenate([np.arange(0, 65536, 8), [65535], np.arange(1840, 1870)])).astype(np.uint16)
    i16_grid = grid("int16", 7, [-1, 0, 1, 49, 50, 51, 99, 100, 101, 299, 300, 301])
    u16_grid = grid("uint16", 7, [0, 1, 32767, 32768, 65534])
    return [
        ("lut_u16_dec_u16_g3_d100_enc_u16", c(100, 3.0, "uint16", "uint16"), "codec", u16_grid, every("uint16")),
        ("quirk_lut_i8_dec_i8_g0p5_d10", c(10, 0.5, "uint8", "int8"), "codec", every("int8"), every("int8")),
        ("quirk_lut_u8_dec_u8_g1p5_d3_b1", c(3, 1.5, "uint8", "uint8", beta=1.0), "codec", every("uint8"), every("uint8")),
        ("lut_i16_enc_u32_g4_d50", c(50, 4.0, "uint32"), "codec", i16_grid, every("int16")),
        ("quirk_lut_i16_g5_d300_wrap", c(300, 5.0), "codec", i16_grid, every("int16")),
        ("lut_u32_input_g30_d200_dec_u16", c(200, 30.0, "uint8", "uint16"), "codec",
         wide("uint32", 31, [0, 1, 199, 200, 65535, 65536, 4294967295]), every("uint16")),
        ("lut_i32_input_g2_d5_dec_i8", c(5, 2.0, "uint8", "int8"), "codec",
         wide("int32", 32, [-2147483648, -1, 0, 126, 127, 128, 2147483647]), every("int8")),
        ("nolookup_i16_enc_u16_g3_d100", c(100, 3.0, "uint16", lut=False), "codec", i16_grid, every("int16")),
        ("quirk_nolookup_u16_g20_dm100", c(-100.0, 20.0, "uint8", "uint16", lut=False), "codec", u16_grid, every("uint16")),
        ("quirk_nolookup_decode_u16_codes_i32_g2500_b1", c(0.0, 2500.0, "uint16", "int32", 1.0, False),
         "decode_only", u16_codes, grid("int32", 65537)),
        ("quirk_nolookup_decode_u16_codes_u32_g2p5_dm50_b1", c(-50.0, 2.5, "uint16", "uint32", 1.0, False),
         "decode_only", u16_codes, grid("uint32", 65537)),
        ("quirk_nolookup_decode_all_u8_codes_u8_g2_d5", c(5.0, 2.0, "uint8", "uint8", lut=False),
         "decode_only", np.arange(256, dtype=np.uint8), every("uint8")),
        ("quirk_nolookup_decode_all_u8_codes_i8_g0p5_dm3", c(-3.0, 0.5, "uint8", "int8", lut=False),
         "decode_only", np.arange(256, dtype=np.uint8), every("int8")),
        ("nolookup_f64_g7p3_d50p5_b0p8", c(50.5, 7.3, "uint8", "float64", 0.8, False), "codec",
         floats("float64", 33, [np.nan, np.inf, -np.inf, -1e300, 1e300, -0.0, 0.0, 50.5, 1e6]), None),
        ("nolookup_f32_enc_u32_g0p7_d20", c(20.0, 0.7, "uint32", "float32", lut=False), "codec",
         floats("float32", 34, [-1e30, 0.0, 19.9, 20.0, 20.1, 1e6]), None),
        ("error_lookup_decoded_float64", c(50, 20.0, "uint8", "float64"), "codec", np.array([0, 50], dtype=np.int16), None),
        ("error_lookup_int16_input_dec_u16", c(50, 20.0, "uint8", "uint16"), "codec", np.array([0, 50], dtype=np.int16), None),
        ("error_lookup_int8_input", c(50, 20.0), "codec", np.array([0, 50], dtype=np.int8), None),
        ("error_lookup_ps_huge", c(50, 1e9), "codec", np.array([0, 50], dtype=np.int16), None),
    ]


def run_case(folder: Path, name, config, api, data, encode_range):
    from poisson_numcodecs import Poisson

    rec = {"name": name, "api": api, "config": config}
    files = {}
    stage = "construct"
    try:
        codec = Poisson(**config)
        if config["use_lookup"]:
            files["forward_table"] = save(folder, f"cases/{name}/forward_table.npy", codec.forward_table)
            files["inverse_table"] = save(folder, f"cases/{name}/inverse_table.npy", codec.inverse_table)
        if api == "codec":
            files["input"] = save(folder, f"cases/{name}/input.npy", data)
            stage = "encode"
            codes = codec.encode(data)
            files["encoded"] = save(folder, f"cases/{name}/encoded.npy", codes)
        else:
            codes = data
            files["encoded"] = save(folder, f"cases/{name}/encoded.npy", codes)
        stage = "decode"
        files["decoded"] = save(folder, f"cases/{name}/decoded.npy", codec.decode(codes))
        letters = quirk_letters(codec, config, encode_range)
    except Exception as e:  # the reference raised: keep what it produced before
        if not name.startswith("error_"):
            raise
        rec["expect_error"] = {"stage": stage, "type": type(e).__name__, "message": str(e)}
        if "input" not in files:
            files["input"] = save(folder, f"cases/{name}/input.npy", data)
        letters = []
    else:
        if name.startswith("error_"):
            raise RuntimeError(f"{name}: the reference raised nothing")
    if bool(letters) != name.startswith("quirk_"):
        raise RuntimeError(f"{name}: the reference's outputs show quirks {letters}")
    rec["quirk"] = bool(letters)
    if letters:
        rec["quirk_kinds"] = letters
    rec["files"] = files
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "poisson"))
    folder = Path(ap.parse_args().out)
    if (folder / "cases").exists():
        shutil.rmtree(folder / "cases")
    folder.mkdir(parents=True, exist_ok=True)
    import importlib.metadata as md
    import poisson_numcodecs

    source = Path(poisson_numcodecs.__file__).parent
    manifest = {
        "fixture_set": "spec-vectors-poisson",
        "generated_with": {
            "reference": {
                "package": "poisson-numcodecs",
                "version": md.version("poisson_numcodecs"),
                "source_files_sha256": {
                    f.name: hashlib.sha256(f.read_bytes()).hexdigest()
                    for f in sorted(source.glob("*.py"))
                },
            },
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "numcodecs": md.version("numcodecs"),
        },
        "npy_note": "little-endian .npy (format 1.0); paths relative to this folder",
        "cases": [run_case(folder, *c) for c in cases()],
        "stores": [],
        "calibration": [],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(manifest['cases'])} cases to {folder}")


if __name__ == "__main__":
    main()
