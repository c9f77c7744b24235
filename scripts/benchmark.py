"""Speed and memory of convkit's convolution against PyTorch, measured in one run.

Prints ratios (convkit time / torch time, medians of interleaved runs) for a
few representative layers; the headline case is the one from the Foundation
issue: a 64 -> 64 channel 3x3 convolution on 56x56 feature maps, batch 8 (a
ResNet stage-1 layer).  Depthwise layers (groups = C_in) are also timed with
the NumPy fallback that convkit uses when numba is not installed, and with
the general im2col path that computed them before the depthwise path existed.

Usage:  .venv/bin/python scripts/benchmark.py [--repeats 5] [--threads 1 --clock cpu] [--only depthwise]

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
from convkit.conv import conv_fast, prepare_conv
from convkit import depthwise_path
from convkit.depthwise_path import compiled, conv_depthwise


GAP = 0.3  # seconds of rest before every timed call


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = time.perf_counter


def interleaved_medians(fns, repeats: int) -> list[float]:
    """Median time of each function, timed in turns (a, b, a, b, ...) with a rest before each call.

    After a NumPy matrix product OpenBLAS's threads keep spinning for ~0.2 s and
    slow down whatever runs next (torch included); the rest lets them park, and
    taking turns spreads any other load on the machine over all functions.
    """
    for fn in fns:  # warm-up (and numba's compilation or cache load)
        fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, spent in zip(fns, times):
            time.sleep(GAP)
            start = clock()
            fn()
            spent.append(clock() - start)
    return [float(np.median(spent)) for spent in times]


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
    ("depthwise 128 3x3 groups=128, 56x56, batch 8", (8, 128, 56, 56), (128, 1, 3, 3), {"padding": 1, "groups": 128}),
    ("depthwise 64 x2 3x3 s2 groups=64, 56x56, batch 8", (8, 64, 56, 56), (128, 1, 3, 3),
     {"stride": 2, "padding": 1, "groups": 64}),
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
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for torch and numba (default: their own defaults)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="'cpu' (process time) is robust to other load on the machine; "
                             "use it with --threads 1")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    if args.threads:
        torch.set_num_threads(args.threads)
        depthwise_path.THREADS = args.threads
    rng = np.random.default_rng(0)
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}")
    numba = compiled()
    print("depthwise path: " + (f"numba {numba.numba.__version__}, up to {depthwise_path.THREADS} threads"
                                if numba else "NumPy (numba not installed)"))
    print(f"times: medians of {args.repeats} interleaved runs, {GAP} s rest before each call, "
          f"{args.clock} clock")
    print(f"{'case':62s} {'convkit ms':>11s} {'torch ms':>9s} {'ratio':>7s} {'max err':>9s} {'peak MB':>8s}")
    for name, x_shape, w_shape, kwargs in CASES:
        if args.only not in name:
            continue
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        variants = [(name, lambda: convkit.conv2d(x, w, **kwargs))]
        if kwargs.get("groups", 1) == x_shape[1] > 1:  # depthwise: the NumPy fallback, the GEMM path
            variants.append(("  same, NumPy fallback (no numba)",
                             lambda: conv_depthwise(prepare_conv(x, w, **kwargs, ndim=2), backend="numpy")))
            variants.append(("  same, general im2col path (one GEMM per group)",
                             lambda: conv_fast(prepare_conv(x, w, **kwargs, ndim=2))))
        with torch.no_grad():
            expected = F.conv2d(xt, wt, **kwargs).numpy()
            t_torch, *t_kits = interleaved_medians(
                [lambda: F.conv2d(xt, wt, **kwargs)] + [fn for _, fn in variants], args.repeats)
        for (label, fn), t_kit in zip(variants, t_kits):
            error = float(np.abs(fn() - expected).max() / np.abs(expected).max())
            peak = peak_numpy_bytes(fn) / 2**20
            print(f"{label:62s} {t_kit * 1e3:11.1f} {t_torch * 1e3:9.1f} {t_kit / t_torch:6.1f}x "
                  f"{error:9.1e} {peak:8.1f}")
    for name, x_shape, w_shape, kwargs in TRANSPOSED_CASES:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        with torch.no_grad():
            expected = F.conv_transpose2d(xt, wt, **kwargs).numpy()
            t_torch, t_kit = interleaved_medians(
                [lambda: F.conv_transpose2d(xt, wt, **kwargs), lambda: convkit.conv_transpose2d(x, w, **kwargs)],
                args.repeats)
        got = convkit.conv_transpose2d(x, w, **kwargs)
        error = float(np.abs(got - expected).max() / np.abs(expected).max())
        peak = peak_numpy_bytes(lambda: convkit.conv_transpose2d(x, w, **kwargs)) / 2**20
        print(f"{name:62s} {t_kit * 1e3:11.1f} {t_torch * 1e3:9.1f} {t_kit / t_torch:6.1f}x "
              f"{error:9.1e} {peak:8.1f}")
    x = rng.standard_normal((1, 2, 8, 8))
    w = rng.standard_normal((3, 2, 3, 3))
    t_loop, t_fast = interleaved_medians([lambda: convkit.conv2d(x, w, padding=1, method="loop"),
                                          lambda: convkit.conv2d(x, w, padding=1)], 3)
    print(f"loop reference vs fast path on (1, 2, 8, 8) * (3, 2, 3, 3): {t_loop / t_fast:.0f}x slower "
          f"({t_loop * 1e3:.1f} ms vs {t_fast * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
