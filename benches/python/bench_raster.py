"""Times the reference raster calibration (poisson_numcodecs.calibrate.RasterCalibratePhotons).

Usage: bench_raster.py MOVIE.npy GROUPS
Prints JSON: seconds for the constructor, the fit and the assignment images (the movie already
in memory), the lines (gain and dark signal per group, in increasing gain) and the pixels
fitted; or {"skipped": reason} when poisson-numcodecs is not installed.
"""
import contextlib
import io
import json
import sys
import time

import numpy as np

try:
    import matplotlib

    matplotlib.use("Agg")
    from poisson_numcodecs.calibrate import RasterCalibratePhotons
except ImportError as error:
    print(json.dumps({"skipped": f"poisson-numcodecs cannot be imported ({error})"}))
    sys.exit(0)

movie = np.load(sys.argv[1])
groups = int(sys.argv[2])
np.random.seed(0)
start = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    calibration = RasterCalibratePhotons(movie)
    gains, darks = calibration.get_photon_sensitivity_parameters(n_groups=groups)
    calibration.get_pixel_assignement_images()
seconds = time.perf_counter() - start
order = np.argsort(gains)
print(json.dumps({
    "seconds": seconds,
    "gains": [float(g) for g in np.asarray(gains)[order]],
    "zero_levels": [float(d) for d in np.asarray(darks)[order]],
    "pixels_fitted": int(len(calibration.fitted_pixels)),
}))
