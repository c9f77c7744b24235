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
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import convkit
from convkit.conv import conv_fast, prepare_conv
from convkit import depthwise_path
from convkit.depthwise_path import compiled, conv_depthwise

# the torch reference for deformable convolution lives with the tests
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from deform_reference import deform_conv2d_grid_sample  # noqa: E402


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
    if args.only in "deformable":
        deformable(rng, args.repeats)


DEFORM_CASES = [
    # name, (N, C_in, H, W), C_out, offset groups, mask
    ("deformable v2 64->64 3x3, 28x28, batch 8", (8, 64, 28, 28), 64, 1, True),
    ("deformable v1 32->32 3x3, 56x56, batch 4", (4, 32, 56, 56), 32, 1, False),
    ("deformable v2 64->64 3x3 offset groups 4, batch 8", (8, 64, 28, 28), 64, 4, True),
]


def deformable(rng: np.random.Generator, repeats: int) -> None:
    """deform_conv2d (stride 1, padding 1) against the torch reference built on F.grid_sample."""
    print()
    print("deform_conv2d vs a torch reference on F.grid_sample (float32, offsets ~ N(0, 2^2)):")
    print(f"{'case':52s} {'fwd ms':>7s} {'torch':>7s} {'ratio':>6s}   {'fwd+bwd':>7s} {'torch':>7s} {'ratio':>6s}")
    for name, shape, c_out, groups, use_mask in DEFORM_CASES:
        n, c_in, h, w = shape
        x = rng.standard_normal(shape).astype(np.float32)
        weight = rng.standard_normal((c_out, c_in, 3, 3)).astype(np.float32)
        offset = (2 * rng.standard_normal((n, 2 * groups * 9, h, w))).astype(np.float32)
        mask = rng.uniform(size=(n, groups * 9, h, w)).astype(np.float32) if use_mask else None
        grad = rng.standard_normal((n, c_out, h, w)).astype(np.float32)
        tensors = [None if a is None else torch.from_numpy(a) for a in (x, offset, weight, mask)]

        def torch_forward():
            with torch.no_grad():
                return deform_conv2d_grid_sample(tensors[0], tensors[1], tensors[2], None, 1, 1, 1, tensors[3])

        leaves = [None if t is None else t.clone().requires_grad_() for t in tensors]

        def torch_backward():
            y = deform_conv2d_grid_sample(leaves[0], leaves[1], leaves[2], None, 1, 1, 1, leaves[3])
            torch.autograd.grad(y, [t for t in leaves if t is not None], torch.from_numpy(grad))

        expected = torch_forward().numpy()
        got = convkit.deform_conv2d(x, offset, weight, None, 1, 1, 1, mask)
        error = float(np.abs(got - expected).max() / np.abs(expected).max())
        assert error < 1e-4, error
        t_torch, t_kit, t_torch_b, t_kit_b = interleaved_medians([
            torch_forward,
            lambda: convkit.deform_conv2d(x, offset, weight, None, 1, 1, 1, mask),
            torch_backward,
            lambda: (convkit.deform_conv2d(x, offset, weight, None, 1, 1, 1, mask),
                     convkit.deform_conv2d_backward(grad, x, offset, weight, None, 1, 1, 1, mask)),
        ], repeats)
        print(f"{name:52s} {t_kit * 1e3:7.1f} {t_torch * 1e3:7.1f} {t_kit / t_torch:5.2f}x   "
              f"{t_kit_b * 1e3:7.1f} {t_torch_b * 1e3:7.1f} {t_kit_b / t_torch_b:5.2f}x")


if __name__ == "__main__":
    main()
