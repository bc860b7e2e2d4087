"""zarr-python 3 and numcodecs: the codecs found through the entry points, stores the
``anscombe`` command writes read exactly, stores written here read exactly by the command, and
the reference package's stores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numcodecs
import numpy as np
import pytest
import zarr

import anscombe
from conftest import poisson_movie, run_cli

# (codec, format, compressor, dtype, gain): every identity and compressor the CLI writes that
# zarr-python reads with our plugin.
CLI_STORES = [
    ("anscombe-transform", "v3", "zstd", "uint16", 3.0),
    ("anscombe-transform", "v3", "context", "uint16", 3.0),
    ("anscombe-transform", "v3", "blosc", "float32", 3.0),
    ("anscombe-transform", "v3", "none", "int16", 0.5),
    ("anscombe-v1", "v3", "zstd", "int16", 12.0),
    ("anscombe-transform", "v2", "zstd", "uint16", 3.0),
    ("anscombe-transform", "v2", "blosc", "int32", 3.0),
    ("anscombe-v1", "v2", "zstd", "int16", 12.0),
]

# Reads a store in a fresh interpreter that never imports anscombe: only the entry points
# can tell zarr-python and numcodecs what the codecs are.
_READ_PLAIN = """
import sys, warnings, numpy as np, zarr
warnings.simplefilter("error")
assert "anscombe" not in sys.modules
np.save(sys.argv[2], zarr.open_array(sys.argv[1], mode="r")[:])
"""


def read_plain(store: Path, out: Path) -> np.ndarray:
    done = subprocess.run([sys.executable, "-c", _READ_PLAIN, str(store), str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return np.load(out)


def cli_decode(cli: Path, store: Path, out: Path) -> np.ndarray:
    run_cli(cli, "decode", store, out, "--force")
    return np.load(out)


@pytest.mark.parametrize(("codec", "fmt", "compressor", "dtype", "gain"), CLI_STORES)
def test_plain_zarr_reads_every_store_the_cli_writes(tmp_path, cli, codec, fmt, compressor, dtype, gain) -> None:
    movie = poisson_movie(frames=10, shape=(40, 36), gain=gain, zero=100.0, dtype="uint16").astype(dtype)
    np.save(tmp_path / "movie.npy", movie)
    store = tmp_path / "movie.zarr"
    run_cli(cli, "encode", tmp_path / "movie.npy", store, "--gain", gain, "--zero-level", 100,
            "--codec", codec, "--format", fmt, "--compressor", compressor, "--chunks", "4,16,16")
    expected = cli_decode(cli, store, tmp_path / "cli.npy")
    read = read_plain(store, tmp_path / "plain.npy")
    assert read.dtype == expected.dtype and read.shape == movie.shape
    assert (read == expected).all()
    # And the same as the NumPy API's round trip.
    encoded_dtype = "uint8" if codec == "anscombe-v1" else None
    codes = anscombe.encode(movie, conversion_gain=gain, zero_level=100, codec=codec,
                            encoded_dtype=encoded_dtype)
    if fmt == "v2" and codec == "anscombe-v1":
        # V2 anscombe-v1 decodes to int16, as anscombe-transform 1.0.0 does (module docstring).
        assert (read == anscombe.decode(codes, conversion_gain=gain, zero_level=100,
                                        codec=codec, dtype="int16")).all()
    else:
        assert (read == anscombe.decode(codes, conversion_gain=gain, zero_level=100,
                                        codec=codec, dtype=dtype)).all()


# The same read with this package's entry points hidden, as on a machine where only zarr-python
# (and numcodecs, and the anscombe-transform reference package) are installed: prints the error.
_READ_WITHOUT_THIS_PACKAGE = """
import sys, importlib.metadata as metadata
def others(**selection):
    every = metadata.EntryPoints(e for d in metadata.distributions()
                                 if d.metadata["Name"] != "anscombe" for e in d.entry_points)
    return every.select(**selection) if selection else every
metadata.entry_points = others
import zarr
try:
    zarr.open_array(sys.argv[1], mode="r")[:]
except Exception as error:
    print(type(error).__name__, error)
else:
    sys.exit("read without the anscombe package")
"""


def test_the_demo_store_opens_in_zarr_python_with_this_package_and_not_without(tmp_path, cli) -> None:
    """What the demo's last lines say: zarr-python 3 reads its store once this package is
    installed (through the entry points alone), exactly as the CLI decodes it, and cannot
    without it."""
    said = run_cli(cli, "demo", "--output", tmp_path / "demo")
    assert "zarr-python 3 once this repository's package is installed" in said, said
    assert "`pip install ./crates/anscombe-python`" in said, said
    assert "zarr-python alone cannot read it" in said, said
    store = tmp_path / "demo" / "mouse.zarr"
    codecs = [c["name"] for c in json.loads((store / "zarr.json").read_text())["codecs"]]
    assert "anscombe-transform" in codecs, codecs
    expected = cli_decode(cli, store, tmp_path / "cli.npy")
    read = read_plain(store, tmp_path / "plain.npy")
    assert read.dtype == expected.dtype and read.shape == (500, 64, 64)
    assert (read == expected).all()
    done = subprocess.run([sys.executable, "-c", _READ_WITHOUT_THIS_PACKAGE, str(store)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "anscombe-transform" in done.stdout, done.stdout


def _write_v3(path: Path, movie: np.ndarray, filters, **options) -> None:
    z = zarr.create_array(path, shape=movie.shape, dtype=movie.dtype, chunks=(4, 16, 16),
                          filters=filters, **options)
    z[:] = movie


@pytest.mark.parametrize("dtype", ["uint16", "int16", "float64"])
def test_stores_written_with_zarr_are_read_exactly_by_the_cli(tmp_path, cli, dtype) -> None:
    movie = poisson_movie(frames=9, shape=(33, 40), dtype="uint16").astype(dtype)
    cal = anscombe.calibrate(movie.astype(np.uint16), method="reference")
    expected = anscombe.decode(anscombe.encode(movie, cal), cal, dtype=dtype)
    stores = {
        "v3_zstd": lambda p: _write_v3(p, movie, [anscombe.zarr.AnscombeTransform.from_calibration(cal)]),
        "v3_context": lambda p: _write_v3(
            p, movie, [anscombe.zarr.AnscombeTransform.from_calibration(cal)],
            serializer=anscombe.zarr.AnscombeContext(), compressors=None),
        "v2_numcodecs": lambda p: _write_v3(
            p, movie, [anscombe.numcodecs.AnscombeTransform.from_calibration(cal, dtype)],
            compressors=numcodecs.Zstd(level=3), zarr_format=2),
    }
    for name, write in stores.items():
        path = tmp_path / f"{name}.zarr"
        write(path)
        assert (cli_decode(cli, path, tmp_path / f"{name}.npy") == expected).all(), name
        assert (zarr.open_array(path, mode="r")[:] == expected).all(), name


def test_anscombe_v1_written_with_zarr_is_read_by_the_cli(tmp_path, cli) -> None:
    movie = poisson_movie(frames=8, shape=(32, 32), gain=12.0, dtype="int16")
    codec = anscombe.zarr.AnscombeV1(zero_level=100, conversion_gain=12.0)
    _write_v3(tmp_path / "v1.zarr", movie, [codec])
    meta = json.loads((tmp_path / "v1.zarr" / "zarr.json").read_text())
    assert meta["codecs"][0] == {"name": "anscombe-v1", "configuration": {
        "zero_level": 100, "conversion_gain": 12.0, "encoded_dtype": "uint8", "decoded_dtype": "int16"}}
    expected = anscombe.decode(anscombe.encode(movie, conversion_gain=12.0, zero_level=100,
                                               codec="anscombe-v1"),
                               conversion_gain=12.0, zero_level=100, codec="anscombe-v1", dtype="int16")
    assert (cli_decode(cli, tmp_path / "v1.zarr", tmp_path / "v1.npy") == expected).all()


def test_codec_errors_are_value_errors(tmp_path) -> None:
    movie = np.zeros((2, 4, 4), dtype=np.uint16)
    with pytest.raises(ValueError, match="does not fit uint8"):
        _write_v3(tmp_path / "bad.zarr", movie, [anscombe.zarr.AnscombeTransform(
            zero_level=0, conversion_gain=0.5, encoded_dtype="uint8")])
    with pytest.raises(ValueError, match="anscombe-context codes uint8 or uint16"):
        _write_v3(tmp_path / "bad2.zarr", movie.astype(np.int32) + 7, None,
                  serializer=anscombe.zarr.AnscombeContext(), compressors=None)


def test_codecs_pickle_and_compare_by_configuration() -> None:
    import pickle

    codec = anscombe.zarr.AnscombeTransform(zero_level=100, conversion_gain=3.0, beta=0.25)
    again = pickle.loads(pickle.dumps(codec))
    assert again == codec and hash(again) == hash(codec)
    assert anscombe.zarr.AnscombeTransform.from_dict(codec.to_dict()) == codec
    assert codec != anscombe.zarr.AnscombeTransform(zero_level=100, conversion_gain=3.0)
    v2 = anscombe.numcodecs.AnscombeTransform(zero_level=100, conversion_gain=3.0, decoded_dtype="int32")
    assert pickle.loads(pickle.dumps(v2)).get_config() == v2.get_config()
    with pytest.raises(AttributeError, match="immutable"):
        codec.beta = 0.5  # type: ignore[misc]


def test_numcodecs_finds_the_v2_ids_through_its_entry_points() -> None:
    script = """
import numcodecs, numpy as np
codec = numcodecs.get_codec({"id": "anscombe-transform", "zero_level": 100,
                             "conversion_gain": 3.0, "decoded_dtype": "uint16"})
assert type(codec).__module__ == "anscombe.numcodecs", type(codec)
samples = (100 + 3 * np.arange(0, 400, dtype=np.uint16))
back = codec.decode(codec.encode(samples))
assert back.dtype == np.uint16 and np.abs(back.astype(float) - samples).max() <= 3 * 0.6 * 20
v1 = numcodecs.get_codec({"id": "anscombe-v1", "zero_level": 100, "conversion_gain": 12.0})
assert type(v1).__module__ == "anscombe.numcodecs", type(v1)
assert v1.get_config() == {"id": "anscombe-v1", "zero_level": 100, "conversion_gain": 12.0}
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_numcodecs_codecs_match_the_numpy_api_and_explain_a_missing_dtype() -> None:
    movie = poisson_movie(frames=3, shape=(16, 16))
    codec = anscombe.numcodecs.AnscombeTransform(zero_level=100, conversion_gain=3.0,
                                                 decoded_dtype="uint16")
    codes = codec.encode(movie)
    assert (codes == anscombe.encode(movie, conversion_gain=3.0, zero_level=100).reshape(-1)).all()
    assert (codec.decode(codes.tobytes()).reshape(movie.shape)
            == anscombe.decode(codes, conversion_gain=3.0, zero_level=100, dtype="uint16").reshape(movie.shape)).all()
    assert codec.get_config()["decoded_dtype"] == "uint16"
    blind = anscombe.numcodecs.AnscombeTransform(zero_level=100, conversion_gain=3.0)
    with pytest.raises(ValueError, match="has no decoded_dtype"):
        blind.decode(codes)
    with pytest.raises(ValueError, match="configured for uint16 samples"):
        codec.encode(movie.astype(np.int32))


def test_the_reference_packages_stores_are_read_with_our_codecs(anscombe_fixtures, tmp_path) -> None:
    manifest = json.loads((anscombe_fixtures / "manifest.json").read_text())
    checked = 0
    for entry in manifest["stores"]:
        if entry.get("missing_chunks"):
            continue
        read = read_plain(anscombe_fixtures / entry["store"], tmp_path / "read.npy")
        decoded = np.load(anscombe_fixtures / entry["files"]["decoded"]["file"])
        assert read.dtype == decoded.dtype and (read == decoded).all(), entry["name"]
        checked += 1
    assert checked >= 4


def test_our_anscombe_v1_is_chosen_beside_the_reference_package(anscombe_fixtures) -> None:
    pytest.importorskip("anscombe_transform", reason="anscombe-transform 1.0.0 is a test package")
    script = """
import sys, warnings, numpy as np, zarr
warnings.simplefilter("error")
import anscombe_transform  # registers the reference's class under anscombe-v1
arr = zarr.open_array(sys.argv[1], mode="r")
codec = arr.metadata.codecs[0]
assert type(codec).__module__ == "anscombe.zarr", type(codec)
np.testing.assert_array_equal(arr[:], np.load(sys.argv[2]))
zarr.config.set({"codecs.anscombe-v1": "anscombe_transform.codec.AnscombeTransformV3"})
arr = zarr.open_array(sys.argv[1], mode="r")
assert type(arr.metadata.codecs[0]).__module__ == "anscombe_transform.codec"
"""
    manifest = json.loads((anscombe_fixtures / "manifest.json").read_text())
    entry = next(e for e in manifest["stores"]
                 if e["zarr_format"] == 3 and not e.get("missing_chunks"))
    done = subprocess.run([sys.executable, "-c", script, str(anscombe_fixtures / entry["store"]),
                           str(anscombe_fixtures / entry["files"]["decoded"]["file"])],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
