"""Where the tests find the fixtures and the ``anscombe`` command, and a synthetic movie.

The anscombe-transform fixtures are the repository's vendored ``fixtures/``. The command is
``$ANSCOMBE_CLI``, else the workspace's ``target/debug/anscombe`` or ``target/release/anscombe``
(``cargo xtask test`` builds it before running pytest).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

WORKSPACE = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def anscombe_fixtures() -> Path:
    """The vendored fixtures of anscombe-transform 1.0.0."""
    folder = WORKSPACE / "fixtures" / "anscombe-transform"
    if not (folder / "manifest.json").is_file():
        pytest.fail(f"the anscombe-transform fixtures are missing from {folder}")
    return folder


@pytest.fixture(scope="session")
def cli() -> Path:
    """The ``anscombe`` command."""
    found = [Path(os.environ["ANSCOMBE_CLI"])] if os.environ.get("ANSCOMBE_CLI") else []
    found += [WORKSPACE / "target" / p / "anscombe" for p in ("debug", "release")]
    for path in found:
        if path.is_file():
            return path
    pytest.fail("no anscombe command: run `cargo build -p anscombe-cli` or set ANSCOMBE_CLI")


def run_cli(cli: Path, *args: object) -> str:
    """Runs the command, failing the test with its stderr when it fails."""
    done = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"anscombe {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.stdout


def poisson_movie(
    frames: int = 24,
    shape: tuple[int, int] = (48, 48),
    gain: float = 3.0,
    zero: float = 100.0,
    photons: float = 80.0,
    seed: int = 7,
    dtype: str = "uint16",
) -> np.ndarray:
    """A static scene with shot noise and a little read noise, in camera levels."""
    rng = np.random.default_rng(seed)
    scene = rng.uniform(0.5, photons, size=shape)
    counts = rng.poisson(np.broadcast_to(scene, (frames, *shape)))
    levels = zero + gain * counts + rng.normal(0.0, 0.5 * gain, size=counts.shape)
    return np.clip(np.round(levels), 0, np.iinfo(dtype).max if np.dtype(dtype).kind in "iu" else None).astype(dtype)
