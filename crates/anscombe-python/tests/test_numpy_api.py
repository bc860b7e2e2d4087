"""The NumPy API: codecs, the entropy stage, calibration, verify, and the image tools."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import anscombe
from conftest import poisson_movie

SAMPLE_TYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"]


@pytest.mark.parametrize("dtype", SAMPLE_TYPES)
def test_every_sample_type_round_trips_within_the_bound(dtype: str) -> None:
    rng = np.random.default_rng(3)
    gain, zero = 2.5, 10.0
    photons = rng.poisson(rng.uniform(0, 40, size=(6, 17, 23)))
    levels = zero + gain * photons
    if np.dtype(dtype).kind in "iu":
        levels = np.clip(levels, 0, np.iinfo(dtype).max)
    movie = levels.astype(dtype)
    codes = anscombe.encode(movie, conversion_gain=gain, zero_level=zero)
    assert codes.shape == movie.shape and codes.dtype.kind == "u"
    back = anscombe.decode(codes, conversion_gain=gain, zero_level=zero, dtype=dtype)
    assert back.dtype == np.dtype(dtype) and back.shape == movie.shape
    report = anscombe.verify(movie, back, conversion_gain=gain, zero_level=zero)
    assert report.passed and report.samples_checked == movie.size, report
    assert report.max_abs_photons > 0


def test_decoding_a_shifted_movie_fails_the_check() -> None:
    movie = poisson_movie()
    codes = anscombe.encode(movie, conversion_gain=3.0, zero_level=100)
    back = anscombe.decode(codes, conversion_gain=3.0, zero_level=100, dtype="uint16")
    report = anscombe.verify(movie, back + 30, conversion_gain=3.0, zero_level=100)
    assert not report.passed and report.bias_photons == pytest.approx(10, abs=0.5)


def test_layouts_and_byte_orders_give_the_same_codes() -> None:
    movie = poisson_movie()
    codec = anscombe.make_codec(conversion_gain=3.0, zero_level=100)
    expected = codec.encode(movie)
    assert (anscombe.encode(movie[:, ::-1, :], conversion_gain=3.0, zero_level=100)
            == expected[:, ::-1, :]).all()
    assert (anscombe.encode(np.asfortranarray(movie), conversion_gain=3.0, zero_level=100)
            == expected).all()
    big = movie.astype(">u2")
    assert (anscombe.encode(big, conversion_gain=3.0, zero_level=100) == expected).all()


def test_anscombe_v1_matches_anscombe_transform_on_its_domain() -> None:
    # Gain 12: int16's whole range fits uint8 codes (at gain 6 anscombe-v1 refuses, see below).
    movie = poisson_movie(dtype="int16", gain=12.0)
    v1 = anscombe.encode(movie, conversion_gain=12.0, zero_level=100, codec="anscombe-v1")
    ours = anscombe.encode(movie, conversion_gain=12.0, zero_level=100, encoded_dtype="uint8")
    assert (v1 == ours).all()


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"conversion_gain": 0.0, "zero_level": 0}, "conversion_gain must be a finite number above 0"),
        ({"conversion_gain": 1.0, "zero_level": float("nan")}, "zero_level must be a finite number"),
        ({"conversion_gain": 1.0, "zero_level": 0, "beta": 1.5}, "beta must be in (0, 1]"),
        ({"conversion_gain": 1.0, "zero_level": 0, "encoded_dtype": "int64"}, "is not a code type"),
        ({"conversion_gain": 1.0, "zero_level": 0, "codec": "anscombe"}, "unknown codec"),
        ({"conversion_gain": 1.0, "zero_level": 0, "codec": "anscombe-v1", "beta": 0.25},
         "always uses beta 0.5"),
        ({"conversion_gain": 10.0, "zero_level": 100, "codec": "anscombe-v1"}, "would wrap them"),
        ({"conversion_gain": 0.5, "zero_level": 0, "encoded_dtype": "uint8"}, "does not fit uint8"),
    ],
)
def test_invalid_settings_are_value_errors_with_the_cli_messages(keywords: dict, message: str) -> None:
    movie = np.arange(40000, dtype=np.uint16).reshape(4, 100, 100)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("]", r"\]")):
        anscombe.encode(movie, **keywords)


def test_sample_and_code_errors() -> None:
    with pytest.raises(ValueError, match="NaN and infinities have no code"):
        anscombe.encode(np.array([1.0, np.nan]), conversion_gain=1.0, zero_level=0)
    codes = np.array([0, 5, 250], dtype=np.uint8)
    with pytest.raises(ValueError, match="is outside the codes"):
        anscombe.decode(codes, conversion_gain=40.0, zero_level=100, dtype="uint8")
    with pytest.raises(TypeError, match="stores uint16 samples as uint8 codes, not int16"):
        anscombe.decode(codes.astype(np.int16), conversion_gain=40.0, zero_level=100, dtype="uint16")
    with pytest.raises(TypeError, match="expected a NumPy array of uint8"):
        anscombe.encode(np.zeros(3, dtype=np.complex64), conversion_gain=1.0, zero_level=0)
    with pytest.raises(ValueError, match="calibration"):
        anscombe.encode(codes)


@pytest.mark.parametrize("dtype", ["uint8", "uint16"])
def test_context_stage_is_lossless(dtype: str) -> None:
    codes = anscombe.encode(poisson_movie(), conversion_gain=3.0, zero_level=100)
    codes = codes.astype(dtype)
    stream = anscombe.context_encode(codes)
    assert stream[:4] == b"ACTX" and len(stream) < codes.nbytes
    assert (anscombe.context_decode(stream, codes.shape, dtype) == codes).all()
    with pytest.raises(ValueError, match="anscombe-context"):
        anscombe.context_decode(stream[:-3], codes.shape, dtype)


def test_photon_transfer_calibration_finds_the_camera() -> None:
    movie = poisson_movie(frames=40, shape=(96, 96), gain=3.0, zero=100.0)
    cal = anscombe.calibrate(movie)
    assert cal.method == "photon-transfer"
    assert cal.conversion_gain == pytest.approx(3.0, rel=0.05)
    assert abs(cal.zero_level - 100.0) < 5 * max(cal.zero_level_se, 1.0)
    assert cal.conversion_gain_se > 0 and cal.points["mean"].size == cal.points["used"].size > 10
    # The report reads back from the CLI's JSON form.
    again = anscombe.Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again == cal


def test_reference_calibration_equals_the_fixtures(anscombe_fixtures) -> None:
    manifest = json.loads((anscombe_fixtures / "manifest.json").read_text())
    for run in manifest["calibration"]:
        folder = anscombe_fixtures / "calibration" / run["name"]
        movie = np.load(folder / "movie.npy")
        cal = anscombe.calibrate(movie, method="reference", gamma=run["count_weight_gamma"])
        expected = run["result"]
        assert cal.method == "reference"
        assert cal.conversion_gain == pytest.approx(expected["conversion_gain"], rel=1e-4)
        assert cal.zero_level == pytest.approx(expected["zero_level"], rel=1e-4)
        assert (cal.reference["counts"] == np.load(folder / "counts.npy")).all()
        np.testing.assert_allclose(cal.reference["variance"], np.load(folder / "variance.npy"), rtol=1e-12)
        assert cal.reference["min_intensity"] == expected["min_intensity"]
        # Standard errors from the delete-a-block jackknife over the frames.
        assert 0 < cal.conversion_gain_se < 0.2 * cal.conversion_gain
        assert cal.zero_level_se > 0


def test_calibration_errors_say_what_the_data_lack() -> None:
    with pytest.raises(ValueError, match="no calibration: .*two frames"):
        anscombe.calibrate(np.zeros((1, 8, 8), dtype=np.uint16))
    with pytest.raises(ValueError, match="more than 100 well-populated intensity levels"):
        narrow = np.random.default_rng(0).integers(100, 130, size=(10, 32, 32)).astype(np.uint16)
        anscombe.calibrate(narrow, method="reference")
    with pytest.raises(ValueError, match="unknown method"):
        anscombe.calibrate(poisson_movie(), method="fastest")


def test_darks_and_flats() -> None:
    rng = np.random.default_rng(5)
    gain, offset, read = 2.0, 200.0, 3.0

    def stack(photons: float) -> np.ndarray:
        counts = rng.poisson(photons, size=(20, 64, 64))
        return np.round(offset + gain * counts + rng.normal(0, read, size=counts.shape)).astype(np.uint16)

    cal = anscombe.calibrate_darks_flats(stack(0.0), [stack(100.0), stack(400.0)])
    assert cal.method == "darks-and-flats"
    assert cal.conversion_gain == pytest.approx(gain, rel=0.03)
    assert cal.read_noise == pytest.approx(read, rel=0.1)


def test_plot_draws_with_matplotlib_and_explains_without(tmp_path, monkeypatch) -> None:
    cal = anscombe.calibrate(poisson_movie(frames=30, shape=(64, 64)))
    pytest.importorskip("matplotlib", reason="matplotlib is one of the test packages")
    import matplotlib

    matplotlib.use("Agg")
    ax = cal.plot(path=tmp_path / "ptc.png")
    assert (tmp_path / "ptc.png").stat().st_size > 1000
    assert ax.get_xlabel() == "mean level"
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        cal.plot()


def test_pyramid_averages_exactly() -> None:
    image = np.random.default_rng(2).integers(0, 60000, size=(2, 9, 12)).astype(np.uint16)
    first, second = anscombe.pyramid(image, factors=(1, 2, 2), levels=2)
    padded = np.pad(image, ((0, 0), (0, 1), (0, 0)), mode="edge").astype(np.uint64)
    expected = (padded[:, 0::2, 0::2] + padded[:, 1::2, 0::2] + padded[:, 0::2, 1::2] + padded[:, 1::2, 1::2]) // 4
    assert first.dtype == np.uint16 and (first == expected).all()
    assert second.shape == (2, 3, 3)
    assert (anscombe.pyramid(image, factors=(1, 2, 2), method="max")[0]
            == padded.reshape(2, 5, 2, 6, 2).max(axis=(2, 4))).all()
    with pytest.raises(ValueError, match="unknown pooling method"):
        anscombe.pyramid(image, method="median")


def test_backgrounds() -> None:
    rng = np.random.default_rng(4)
    movie = (100 + rng.integers(0, 5, size=(30, 24, 16))).astype(np.uint16)
    rolling = anscombe.rolling_median_background(movie, kernel_size=10)
    assert rolling.shape == movie.shape
    assert (rolling[0] == np.sort(movie[:10], axis=0)[5]).all()
    sparse = anscombe.sparse_median_background(movie, kernel_size=10, split_time=0.5, fps=10.0,
                                               frac_cleansing=1.0)
    assert sparse["images"].shape[1:] == (24, 16)
    assert sparse["frame_background"].shape == (30,)
    with pytest.raises(TypeError, match="uint8, uint16 or float32"):
        anscombe.rolling_median_background(movie.astype(np.int32))


def test_detector_fit_and_correct() -> None:
    rng = np.random.default_rng(6)
    response = rng.uniform(0.9, 1.1, size=(32, 32))
    beam = np.linspace(500, 3000, 12)[:, None, None] * np.ones((1, 32, 32))
    sweep = (beam / response).astype(np.float64)
    fit = anscombe.detector_fit(sweep, sigma=3.0, cutoff=100.0)
    np.testing.assert_allclose(fit["coefficients"][8:-8, 8:-8], response[8:-8, 8:-8], rtol=0.05)
    corrected = anscombe.detector_correct(sweep, fit["coefficients"])
    assert corrected.shape == sweep.shape
    np.testing.assert_allclose(corrected, sweep * fit["coefficients"])


def test_the_package_ships_its_types_and_documents_every_public_name() -> None:
    import ast
    import importlib
    import inspect
    from importlib.resources import files

    package = files("anscombe")
    assert package.joinpath("py.typed").is_file()
    stub = ast.parse(package.joinpath("_anscombe.pyi").read_text())
    stubbed = {n.name for n in stub.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    stubbed |= {n.target.id for n in stub.body if isinstance(n, ast.AnnAssign)}
    native = {name for name in dir(anscombe._anscombe) if not name.startswith("_")}
    assert native <= stubbed, f"not in _anscombe.pyi: {sorted(native - stubbed)}"
    undocumented = []
    for module_name in ("anscombe", "anscombe.codec", "anscombe.zarr", "anscombe.numcodecs",
                        "anscombe.compat.poisson_numcodecs",
                        "anscombe.compat.poisson_numcodecs.calibrate"):
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            item = getattr(module, name)
            if not inspect.getdoc(item):
                undocumented.append(f"{module_name}.{name}")
            if inspect.isclass(item) and item.__module__.startswith("anscombe"):
                for attr, member in vars(item).items():
                    if not attr.startswith("_") and callable(member) and not inspect.getdoc(member):
                        undocumented.append(f"{module_name}.{name}.{attr}")
    assert not undocumented, undocumented


SPEC_VECTORS = Path(__file__).resolve().parents[3] / "spec" / "vectors"


@pytest.mark.parametrize(
    "case",
    ["t_i32_u16ramp_cg40_zl100_enc_i16", "t_i8_all_cg2_zlneg3_enc_i8",
     "v1_u16_ramp_cg4_zl10_enc_i16_dec_i32"],
)
def test_signed_code_types_give_the_spec_vectors(case: str) -> None:
    """Signed codes, against spec/vectors (the reference's outputs for anscombe-v1, the
    independent spec script's for anscombe-transform)."""
    manifest = json.loads((SPEC_VECTORS / "manifest.json").read_text())
    entry = next(c for c in manifest["cases"] if c["name"] == case)
    load = {k: np.load(SPEC_VECTORS / f["file"]) for k, f in entry["files"].items()}
    config = dict(entry["config"])
    if entry["codec"] == "anscombe-v1":
        del config["beta"]  # the manifest records anscombe-v1's fixed 0.5
    decoded_dtype = entry.get("sample_dtype") or config["decoded_dtype"]
    codec = anscombe.make_codec(codec=entry["codec"], **config)
    codes = codec.encode(load["input"])
    assert codes.dtype == load["encoded"].dtype and (codes == load["encoded"]).all()
    back = codec.decode(load["encoded"], decoded_dtype)
    assert back.dtype == load["decoded"].dtype and (back == load["decoded"]).all()


def test_negative_signed_codes_are_refused() -> None:
    codec = anscombe.make_codec(conversion_gain=40.0, zero_level=100.0, encoded_dtype="int16")
    with pytest.raises(ValueError, match="code -1 at position 1"):
        codec.decode(np.array([3, -1], dtype=np.int16), "uint16")
    with pytest.raises(ValueError, match="does not fit int8"):
        anscombe.encode(np.zeros(3, np.uint16), conversion_gain=40.0, zero_level=100.0,
                        encoded_dtype="int8")
