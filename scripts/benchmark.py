"""Speed and memory of convkit's convolution against PyTorch, measured in one run.

Prints ratios (convkit time / torch time) for a few representative layers; the
headline case is the one from the Foundation issue: a 64 -> 64 channel 3x3
convolution on 56x56 feature maps, batch 8 (a ResNet stage-1 layer).

Usage:  .venv/bin/python scripts/benchmark.py [--repeats 5]

Tests never assert on these numbers: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc

import numpy as np
import torch
import torch.nn.functional as F

import convkit


def best_time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_numpy_bytes(fn) -> int:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


CASES = [
    # name, (N, C_in, H, W), (C_out, C_in/groups, kH, kW), kwargs
    ("ResNet 64->64 3x3, 56x56, batch 8", (8, 64, 56, 56), (64, 64, 3, 3), {"padding": 1}),
    ("stem 3->64 7x7 s2, 112x112, batch 8", (8, 3, 112, 112), (64, 3, 7, 7), {"stride": 2, "padding": 3}),
    ("pointwise 256->64 1x1, 28x28, batch 8", (8, 256, 28, 28), (64, 256, 1, 1), {}),
    ("depthwise 128 3x3 groups=128, 28x28, batch 8", (8, 128, 28, 28), (128, 1, 3, 3), {"padding": 1, "groups": 128}),
    ("dilated 64->64 3x3 d=2, 56x56, batch 8", (8, 64, 56, 56), (64, 64, 3, 3), {"padding": 2, "dilation": 2}),
]

TRANSPOSED_CASES = [
    # name, (N, C_in, H, W), (C_in, C_out/groups, kH, kW), kwargs
    ("transposed 64->32 4x4 s2 p1, 28->56, batch 8", (8, 64, 28, 28), (64, 32, 4, 4),
     {"stride": 2, "padding": 1}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}")
    print(f"{'case':48s} {'convkit ms':>11s} {'torch ms':>9s} {'ratio':>7s} {'max err':>9s} {'peak MB':>8s}")
    for name, x_shape, w_shape, kwargs in CASES:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        with torch.no_grad():
            expected = F.conv2d(xt, wt, **kwargs).numpy()
            t_torch = best_time(lambda: F.conv2d(xt, wt, **kwargs), args.repeats)
        got = convkit.conv2d(x, w, **kwargs)
        error = float(np.abs(got - expected).max() / np.abs(expected).max())
        t_kit = best_time(lambda: convkit.conv2d(x, w, **kwargs), args.repeats)
        peak = peak_numpy_bytes(lambda: convkit.conv2d(x, w, **kwargs)) / 2**20
        print(f"{name:48s} {t_kit * 1e3:11.1f} {t_torch * 1e3:9.1f} {t_kit / t_torch:6.1f}x "
              f"{error:9.1e} {peak:8.1f}")
    for name, x_shape, w_shape, kwargs in TRANSPOSED_CASES:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        with torch.no_grad():
            expected = F.conv_transpose2d(xt, wt, **kwargs).numpy()
            t_torch = best_time(lambda: F.conv_transpose2d(xt, wt, **kwargs), args.repeats)
        got = convkit.conv_transpose2d(x, w, **kwargs)
        error = float(np.abs(got - expected).max() / np.abs(expected).max())
        t_kit = best_time(lambda: convkit.conv_transpose2d(x, w, **kwargs), args.repeats)
        peak = peak_numpy_bytes(lambda: convkit.conv_transpose2d(x, w, **kwargs)) / 2**20
        print(f"{name:48s} {t_kit * 1e3:11.1f} {t_torch * 1e3:9.1f} {t_kit / t_torch:6.1f}x "
              f"{error:9.1e} {peak:8.1f}")
    x = rng.standard_normal((1, 2, 8, 8))
    w = rng.standard_normal((3, 2, 3, 3))
    t_loop = best_time(lambda: convkit.conv2d(x, w, padding=1, method="loop"), 3)
    t_fast = best_time(lambda: convkit.conv2d(x, w, padding=1), 3)
    print(f"loop reference vs fast path on (1, 2, 8, 8) * (3, 2, 3, 3): {t_loop / t_fast:.0f}x slower "
          f"({t_loop * 1e3:.1f} ms vs {t_fast * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
