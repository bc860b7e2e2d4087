"""Timing shared by the reference benchmark scripts (the Rust side's `median_seconds`)."""
import statistics
import time


def median_seconds(call, repeats):
    """Median seconds of `repeats` calls of `call` after one warm-up call."""
    call()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
