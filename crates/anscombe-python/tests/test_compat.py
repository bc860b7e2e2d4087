"""anscombe.compat.anscombe_transform against anscombe-transform 1.0.0's fixtures: the same
codes, decoded values, tables and calibrations, with a ReferenceDefectWarning where the
reference is wrong."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import zarr

import anscombe.compat.anscombe_transform as compat
from anscombe.compat.anscombe_transform import ReferenceDefectWarning, estimate


def _cases(folder, api: str) -> list[dict]:
    manifest = json.loads((folder / "manifest.json").read_text())
    return [c for c in manifest["cases"] if c["api"] == api]


def _load(folder, case: dict, name: str) -> np.ndarray:
    return np.load(folder / case["files"][name]["file"])


def test_codec_cases_give_the_references_codes_and_values(anscombe_fixtures) -> None:
    cases = [c for c in _cases(anscombe_fixtures, "codec") if "expect_error" not in c]
    assert len(cases) >= 10
    for case in cases:
        cfg = case["config"]
        codec = compat.AnscombeTransformV3(
            zero_level=cfg["zero_level"], conversion_gain=cfg["conversion_gain"],
            encoded_dtype=cfg["encoded_dtype"], decoded_dtype=cfg["decoded_dtype"])
        samples = _load(anscombe_fixtures, case, "input")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            codes = codec._encode(samples)
            decoded = codec._decode(np.ascontiguousarray(codes)).reshape(codes.shape)
        defects = [w for w in caught if issubclass(w.category, ReferenceDefectWarning)]
        assert bool(defects) == case["quirk"], (case["name"], [str(w.message) for w in caught])
        expected = _load(anscombe_fixtures, case, "encoded")
        assert codes.dtype == expected.dtype and (codes == expected).all(), case["name"]
        expected = _load(anscombe_fixtures, case, "decoded")
        assert decoded.dtype == expected.dtype and (decoded == expected).all(), case["name"]
        # The V2 class computes the same.
        v2 = compat.AnscombeTransformV2(
            zero_level=cfg["zero_level"], conversion_gain=cfg["conversion_gain"],
            encoded_dtype=cfg["encoded_dtype"], decoded_dtype=cfg["decoded_dtype"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ReferenceDefectWarning)
            assert (v2.decode(v2.encode(samples).tobytes()).reshape(samples.shape) == decoded).all()


def test_decode_only_case(anscombe_fixtures) -> None:
    for case in _cases(anscombe_fixtures, "codec_decode_only"):
        cfg = case["config"]
        codes = _load(anscombe_fixtures, case, "encoded")
        decoded = compat.decode(codes.tobytes(), conversion_gain=cfg["conversion_gain"],
                                zero_level=cfg["zero_level"], encoded_dtype=cfg["encoded_dtype"],
                                decoded_dtype=cfg["decoded_dtype"])
        assert (decoded.reshape(codes.shape) == _load(anscombe_fixtures, case, "decoded")).all()


def test_table_functions_give_the_references_tables(anscombe_fixtures) -> None:
    cases = _cases(anscombe_fixtures, "lut_functions")
    assert len(cases) == 3
    for case in cases:
        cfg = case["config"]
        forward = compat.make_anscombe_lookup(cfg["conversion_gain"], input_max=0x7FFF,
                                              zero_level=cfg["zero_level"], beta=cfg["beta"],
                                              output_type=cfg["encoded_dtype"])
        inverse = compat.make_inverse_lookup(forward, output_type=cfg["decoded_dtype"])
        assert (forward == _load(anscombe_fixtures, case, "forward_lut")).all(), case["name"]
        assert (inverse == _load(anscombe_fixtures, case, "inverse_lut")).all(), case["name"]
        codes = compat.lookup(_load(anscombe_fixtures, case, "input"), forward).astype(cfg["encoded_dtype"])
        assert (codes == _load(anscombe_fixtures, case, "encoded")).all()
        decoded = compat.lookup(codes, inverse).astype(cfg["decoded_dtype"])
        assert (decoded == _load(anscombe_fixtures, case, "decoded")).all()


def test_inputs_the_reference_fails_on(anscombe_fixtures) -> None:
    cases = {c["name"]: c for c in _cases(anscombe_fixtures, "codec")}
    cfg = cases["error_float32_input"]["config"]
    with pytest.raises(IndexError, match="float samples cannot be encoded"):
        compat.encode(_load(anscombe_fixtures, cases["error_float32_input"], "input"),
                      conversion_gain=cfg["conversion_gain"], zero_level=cfg["zero_level"],
                      encoded_dtype="uint8")
    # uint8 samples: the reference raises OverflowError; the drop-in encodes them correctly.
    case = cases["error_uint8_input"]
    cfg = case["config"]
    samples = _load(anscombe_fixtures, case, "input")
    codes = compat.encode(samples, conversion_gain=cfg["conversion_gain"],
                          zero_level=cfg["zero_level"], encoded_dtype="uint8")
    wide = compat.encode(samples.astype(np.int16), conversion_gain=cfg["conversion_gain"],
                         zero_level=cfg["zero_level"], encoded_dtype="uint8")
    assert (codes == wide).all()


def test_compute_conversion_gain_equals_the_reference(anscombe_fixtures) -> None:
    manifest = json.loads((anscombe_fixtures / "manifest.json").read_text())
    for run in manifest["calibration"]:
        folder = anscombe_fixtures / "calibration" / run["name"]
        result = estimate.compute_conversion_gain(np.load(folder / "movie.npy"),
                                                  count_weight_gamma=run["count_weight_gamma"])
        expected = run["result"]
        assert result["conversion_gain"] == pytest.approx(expected["conversion_gain"], rel=1e-4)
        assert result["zero_level"] == pytest.approx(expected["zero_level"], rel=1e-4)
        assert result["min_intensity"] == expected["min_intensity"]
        assert result["max_intensity"] == expected["max_intensity"]
        assert (result["counts"] == np.load(folder / "counts.npy")).all()
        np.testing.assert_allclose(result["variance"], np.load(folder / "variance.npy"), rtol=1e-12)
        outliers = np.load(folder / "huber_outliers.npy")
        assert (result["model"].outliers_ != outliers).sum() <= 2, run["name"]
        assert result["model"].predict([[100.0]])[0] == pytest.approx(
            expected["huber_coef"] * 100 + expected["huber_intercept"], rel=1e-4)
    with pytest.raises(AssertionError, match="sufficient range of intensities"):
        estimate.compute_conversion_gain(np.full((5, 8, 8), 100, dtype=np.int16))


def test_the_v3_class_writes_and_reads_a_store(tmp_path) -> None:
    movie = (100 + 40 * np.random.default_rng(1).poisson(20, size=(4, 16, 16))).astype(np.int16)
    codec = compat.AnscombeTransformV3(zero_level=100, conversion_gain=40.0)
    z = zarr.create_array(tmp_path / "s.zarr", shape=movie.shape, dtype=movie.dtype,
                          chunks=(2, 16, 16), filters=[codec])
    z[:] = movie
    expected = compat.decode(compat.encode(movie, conversion_gain=40.0, zero_level=100,
                                           encoded_dtype="uint8").tobytes(),
                             conversion_gain=40.0, zero_level=100, encoded_dtype="uint8",
                             decoded_dtype="int16").reshape(movie.shape)
    assert (z[:] == expected).all()
    assert compat.AnscombeTransformV3.from_dict(codec.to_dict()) == codec
