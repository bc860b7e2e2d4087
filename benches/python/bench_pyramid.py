"""Times tinybrain 1.7.0 on the pyramid benchmark cases.

Usage: bench_pyramid.py IMAGE.npy LABELS.npy FRAMES_512.npy FRAMES_256.npy FRAMES_64.npy REPEATS
All inputs are (x, y, z) arrays; they are made Fortran-ordered first (tinybrain's native
layout, so its fast path does not include a copy). Prints JSON: per case the median seconds
per call and a SHA-256 of every output level (C order), for checking results match.
"""
import hashlib
import json
import sys

import numpy as np
import tinybrain

from timing import median_seconds


def digest(levels):
    return [hashlib.sha256(np.ascontiguousarray(level).tobytes()).hexdigest() for level in levels]


def main():
    image_path, labels_path, frames_512_path, frames_256_path, frames_64_path = sys.argv[1:6]
    repeats = int(sys.argv[6])
    image = np.asfortranarray(np.load(image_path))
    labels = np.asfortranarray(np.load(labels_path))
    frames_512 = np.asfortranarray(np.load(frames_512_path))
    frames_256 = np.asfortranarray(np.load(frames_256_path))
    frames_64 = np.asfortranarray(np.load(frames_64_path))
    cases = {
        "average_1": lambda: tinybrain.downsample_with_averaging(image, (2, 2, 1), num_mips=1),
        "average_4": lambda: tinybrain.downsample_with_averaging(image, (2, 2, 1), num_mips=4),
        "mode_1": lambda: tinybrain.downsample_segmentation(labels, (2, 2, 1), num_mips=1),
        "frames_512_1": lambda: tinybrain.downsample_with_averaging(frames_512, (2, 2, 1), num_mips=1),
        "frames_256_1": lambda: tinybrain.downsample_with_averaging(frames_256, (2, 2, 1), num_mips=1),
        "frames_256_4": lambda: tinybrain.downsample_with_averaging(frames_256, (2, 2, 1), num_mips=4),
        "frames_64_1": lambda: tinybrain.downsample_with_averaging(frames_64, (2, 2, 1), num_mips=1),
        "frames_64_4": lambda: tinybrain.downsample_with_averaging(frames_64, (2, 2, 1), num_mips=4),
    }
    result = {}
    for name, call in cases.items():
        result[name] = {"seconds": median_seconds(call, repeats), "sha256": digest(call())}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
