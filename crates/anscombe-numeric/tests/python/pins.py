"""Prints the NumPy and SciPy values that anscombe-numeric's unit tests pin.

Run with the tests' Python (NumPy 2.4.6 and SciPy 1.17.1 gave the pinned values):

    python crates/anscombe-numeric/tests/python/pins.py
"""

import numpy as np
import scipy.ndimage as ndi
import scipy.stats as st


def r(x):
    return repr(float(x))


print("pairwise sums: n, np.sum(1 / np.arange(1, n + 1)), the same summed in order")
for n in [1, 7, 8, 9, 15, 16, 17, 100, 127, 128, 129, 136, 255, 256, 257, 1000, 1025, 10000]:
    x = 1 / np.arange(1, n + 1, dtype=np.float64)
    print(n, r(np.sum(x)), r(sum(x.tolist())))
x = 1 / np.arange(1, 1001, dtype=np.float64)
print("mean, var of 1 / np.arange(1, 1001):", r(np.mean(x)), r(np.var(x)))
print("np.sum(np.arange(1, 201) * 0.1):", r(np.sum(np.arange(1, 201) * 0.1)))

x = 1 / np.arange(1, 12, dtype=np.float64)
print("medians:", r(np.median([3.0, 1.0, 2.0, 10.0])), r(np.median([3.0, 1.0, 2.0])),
      r(np.median(x)), r(np.median(x[:10])))
for q in [0.0, 0.1, 0.25, 0.5, 0.73, 0.8, 0.95, 1.0]:
    print("np.quantile(1 / np.arange(1, 12), %s):" % q, r(np.quantile(x, q)))
print("np.quantile([1, 2, 3, 4, 10], 0.8):", r(np.quantile([1, 2, 3, 4, 10], 0.8)))

y = np.array([1.0, 2.0, 3.0, 4.0, 100.0, 2.5, -7.0])
print("median, median_abs_deviation:", r(np.median(y)), r(st.median_abs_deviation(y)),
      r(np.median(x)), r(st.median_abs_deviation(x)))

series = np.array([5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 0.5, 7.0, 6.0, 8.0, 2.5, 11.0, -1.0])
for size in [3, 10]:
    for n in range(1, len(series) + 1):
        scipy = ndi.median_filter(series[:n], size=size, mode="reflect")
        padded = np.pad(series[:n], (size // 2, size - 1 - size // 2), mode="symmetric")
        definition = np.array([np.sort(padded[i:i + size])[size // 2] for i in range(n)])
        note = "" if np.array_equal(scipy, definition) else "  definition: %s" % definition.tolist()
        print("median_filter size %d, n %d:" % (size, n), scipy.tolist(), note)

guess = np.linspace(0, 300 / 3600 * 1.5, 300)
print("linspace guess:", [(i, r(guess[i])) for i in [0, 1, 7, 23, 150, 298, 299]])
for stop, count in [(0.3, 4), (1.0, 7), (2.0, 1)]:
    print("np.linspace(0, %r, %d):" % (stop, count), [r(v) for v in np.linspace(0, stop, count)])
for stop, step in [(899 / 120, 1.0), (0.3, 0.1), (1.0, 0.1), (0.001, 0.01), (0.0, 1.0)]:
    print("np.arange(0, %r, %r):" % (stop, step), [r(v) for v in np.arange(0, stop, step)])
print("argmin:", int(np.argmin(np.abs(np.array([0.0, 1.0, 2.0, 3.0]) - 1.5))),
      int(np.argmin(np.abs(np.linspace(0, 1, 7) - 0.6))))
