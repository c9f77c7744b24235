"""Speed and memory of convkit against PyTorch on the CPU, measured in one run.

For every case (a convolution layer of a real network, batch 8, float32
unless stated) the script times three functions, *interleaved*: convkit,
torch, and the bare matrix product (GEMM) of the same shapes as convkit's
im2col product, on ready-made arrays, which is the floor of any im2col
design.  It prints the medians and the ratios convkit/torch and
convkit/GEMM, the largest relative difference from torch, and the peak
extra memory of one call of convkit and of torch.

How it measures (the traps it avoids):

* **Interleaved medians.** Each repeat runs convkit, torch and the GEMM one
  after the other, so a change of load on the machine hits all three; the
  median of ``--repeats`` repeats is reported, after two warm-up calls of each
  (which also load numba's compiled code where convkit uses it, and let the
  memory allocator settle on its large blocks).
* **A gap before every timed call** (``--gap``, 0.25 s by default).  After a
  NumPy matrix product OpenBLAS's worker threads keep spinning for about
  0.1-0.2 s; a torch convolution started in that window ran 2-4x slower
  here.  The gap lets them park.  (The alternative, the OpenBLAS thread
  timeout, is not used: it changes convkit's own speed.)  With
  ``--threads 1`` there are no worker threads and the default gap is 0.
* **Threads stated.** ``--threads N`` gives both libraries ``N`` threads
  (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``NUMBA_NUM_THREADS`` set
  before NumPy is imported, and ``torch.set_num_threads``); by default both
  use every core.  ``--clock cpu`` reports process CPU time instead of wall
  time (meaningful with ``--threads 1`` on a machine shared with other
  work; with several threads it adds up the threads).
* **Peak extra memory** is measured in a separate process started with
  ``MALLOC_MMAP_THRESHOLD_=65536``, so every large buffer is its own memory
  map, returned to the system when freed: the resident set then rises and
  falls with the buffers of both libraries.  For each call the script resets
  the kernel's high-water mark (``/proc/self/clear_refs``), calls the
  function and reads ``VmHWM - VmRSS``: the memory the call touched beyond
  what the process held before, output included.  (``tracemalloc`` sees
  NumPy's buffers but not torch's, so it cannot compare the two; it is
  printed for convkit as a cross-check.)  Linux only; elsewhere the column
  is left empty.

Usage:  .venv/bin/python scripts/benchmark.py [--repeats 5] [--threads N] [--clock wall|cpu] [--only TEXT]

Targets (issue 11), never asserted by tests: conv2d <= 1.2x its bare GEMM and
<= 1.5x torch; transposed, depthwise and grouped <= 2x torch; deform_conv2d
<= 2x the torch reference; peak extra memory <= 2x torch's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed calls of each function (median)")
    parser.add_argument("--gap", type=float, default=None,
                        help="seconds of rest before every timed call (default 0.25, and 0 with --threads 1)")
    parser.add_argument("--threads", type=int, default=None, help="threads for both libraries (default: every core)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--only", default=None, help="run the cases whose name contains this text")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    parser.add_argument("--memory-worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


ARGS = parse_args()
if ARGS.gap is None:  # one thread: no BLAS worker threads that could spin
    ARGS.gap = 0.0 if ARGS.threads == 1 else 0.25
if ARGS.threads is not None:  # before NumPy, torch or numba read them
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[variable] = str(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import convkit  # noqa: E402

if ARGS.threads is not None:
    torch.set_num_threads(ARGS.threads)

try:  # the torch reference of deformable convolution lives with the tests
    sys.path.insert(0, str(ROOT / "tests"))
    from deform_reference import deform_conv2d_grid_sample
except ImportError:
    deform_conv2d_grid_sample = None


# ---------------------------------------------------------------------------------------------
# cases


@dataclass
class Setup:
    """The three functions of one case, and the outputs to compare."""

    kit: Callable[[], object]
    torch: Callable[[], object]
    gemm: Callable[[], object] | None
    note: str = ""


@dataclass
class Case:
    name: str
    kind: str  # which target applies: conv2d, transposed, depthwise, grouped, deformable
    build: Callable[[np.random.Generator], Setup | None]


def _gemm(groups: int, rows: int, inner: int, columns: int, images: int, dtype) -> Callable[[], np.ndarray]:
    """``images`` products of ``groups`` matrices (rows x inner) @ (inner x columns).

    The products go into a new ``(images, groups * rows, columns)`` array, like a
    convolution's output (same size, same page faults on first touch); the
    right-hand matrices are ready-made, so this is the floor of im2col + GEMM.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((groups, rows, inner)).astype(dtype)
    b = rng.standard_normal((groups, inner, columns)).astype(dtype)

    def run() -> np.ndarray:
        out = np.empty((images, groups, rows, columns), dtype)
        for n in range(images):
            np.matmul(a, b, out=out[n])
        return out

    return run


def conv_case(x_shape, w_shape, dtype=np.float32, note="", **kwargs) -> Callable[[np.random.Generator], Setup]:
    def build(rng: np.random.Generator) -> Setup:
        x = rng.standard_normal(x_shape).astype(dtype)
        w = rng.standard_normal(w_shape).astype(dtype)
        b = rng.standard_normal(w_shape[0]).astype(dtype)
        xt, wt, bt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
        groups = kwargs.get("groups", 1)
        out_size = convkit.conv_output_size(
            x_shape[2:], w_shape[2:], kwargs.get("stride", 1), kwargs.get("padding", 0), kwargs.get("dilation", 1)
        )
        positions = int(np.prod(out_size))
        depthwise = groups == x_shape[1] and groups > 1
        if depthwise:
            gemm = None  # no matrix product worth the name: one (1 x k^2) row per channel
        elif np.prod(w_shape[2:]) == 1 and kwargs.get("stride", 1) == 1:
            gemm = _gemm(groups, w_shape[0] // groups, w_shape[1], positions, x_shape[0], dtype)
        else:
            gemm = _gemm(groups, w_shape[0] // groups, int(np.prod(w_shape[1:])), positions, x_shape[0], dtype)

        def torch_call():
            with torch.no_grad():
                return F.conv2d(xt, wt, bt, **kwargs)

        return Setup(lambda: convkit.conv2d(x, w, b, **kwargs), torch_call, gemm, note)

    return build


def depthwise_numpy_case(x_shape, w_shape, **kwargs) -> Callable[[np.random.Generator], Setup | None]:
    """The depthwise layer through convkit's NumPy fallback (what runs without numba)."""

    def build(rng: np.random.Generator) -> Setup | None:
        try:
            from convkit.conv import prepare_conv
            from convkit.depthwise_path import conv_depthwise
        except ImportError:
            return None
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)

        def torch_call():
            with torch.no_grad():
                return F.conv2d(xt, wt, **kwargs)

        return Setup(lambda: conv_depthwise(prepare_conv(x, w, **kwargs, ndim=2), backend="numpy"),
                     torch_call, None, "NumPy fallback (no numba)")

    return build


def transposed_case(x_shape, w_shape, **kwargs) -> Callable[[np.random.Generator], Setup | None]:
    def build(rng: np.random.Generator) -> Setup | None:
        if not hasattr(convkit, "conv_transpose2d"):
            return None
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        b = rng.standard_normal(w_shape[1]).astype(np.float32)
        xt, wt, bt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
        # the col2im product: W^T (C_out k_h k_w x C_in) @ x (C_in x H W) per image
        gemm = _gemm(1, int(np.prod(w_shape[1:])), w_shape[0], x_shape[2] * x_shape[3], x_shape[0], np.float32)

        def torch_call():
            with torch.no_grad():
                return F.conv_transpose2d(xt, wt, bt, **kwargs)

        return Setup(lambda: convkit.conv_transpose2d(x, w, b, **kwargs), torch_call, gemm)

    return build


def deformable_case(x_shape, c_out, offset_groups=1, modulated=True, backward=False
                    ) -> Callable[[np.random.Generator], Setup | None]:
    def build(rng: np.random.Generator) -> Setup | None:
        if not hasattr(convkit, "deform_conv2d") or deform_conv2d_grid_sample is None:
            return None
        n, c_in, h, w_ = x_shape
        x = rng.standard_normal(x_shape).astype(np.float32)
        weight = rng.standard_normal((c_out, c_in, 3, 3)).astype(np.float32)
        offset = (2 * rng.standard_normal((n, 2 * offset_groups * 9, h, w_))).astype(np.float32)
        mask = rng.uniform(size=(n, offset_groups * 9, h, w_)).astype(np.float32) if modulated else None
        grad = rng.standard_normal((n, c_out, h, w_)).astype(np.float32)
        tensors = [None if a is None else torch.from_numpy(a) for a in (x, offset, weight, mask)]
        gemm = _gemm(1, c_out, c_in * 9, h * w_, n, np.float32)  # after sampling: an im2col product
        note = "torch: grid_sample reference (tests/deform_reference.py)"
        if not backward:
            def torch_call():
                with torch.no_grad():
                    return deform_conv2d_grid_sample(tensors[0], tensors[1], tensors[2], None, 1, 1, 1, tensors[3])

            return Setup(lambda: convkit.deform_conv2d(x, offset, weight, None, 1, 1, 1, mask), torch_call, gemm,
                         note)

        leaves = [None if t is None else t.clone().requires_grad_() for t in tensors]

        def torch_call():
            y = deform_conv2d_grid_sample(leaves[0], leaves[1], leaves[2], None, 1, 1, 1, leaves[3])
            grads = torch.autograd.grad(y, [t for t in leaves if t is not None], torch.from_numpy(grad))
            return grads[0]

        def kit_call():
            convkit.deform_conv2d(x, offset, weight, None, 1, 1, 1, mask)
            return convkit.deform_conv2d_backward(grad, x, offset, weight, None, 1, 1, 1, mask)[0]

        return Setup(kit_call, torch_call, None, note + "; compared: input gradient")

    return build


CASES = [
    Case("conv 64->64 3x3 @56", "conv2d", conv_case((8, 64, 56, 56), (64, 64, 3, 3), padding=1)),
    Case("conv 128->128 3x3 @28", "conv2d", conv_case((8, 128, 28, 28), (128, 128, 3, 3), padding=1)),
    Case("conv 256->256 3x3 @14", "conv2d", conv_case((8, 256, 14, 14), (256, 256, 3, 3), padding=1)),
    Case("stem 3->64 7x7 s2 @224", "conv2d", conv_case((8, 3, 224, 224), (64, 3, 7, 7), stride=2, padding=3)),
    Case("1x1 256->64 @56", "conv2d", conv_case((8, 256, 56, 56), (64, 256, 1, 1))),
    Case("strided 64->128 3x3 s2 @56", "conv2d", conv_case((8, 64, 56, 56), (128, 64, 3, 3), stride=2, padding=1)),
    Case("dilated 64->64 3x3 d2 @56", "conv2d", conv_case((8, 64, 56, 56), (64, 64, 3, 3), padding=2, dilation=2)),
    Case("float64 64->64 3x3 @56", "conv2d", conv_case((8, 64, 56, 56), (64, 64, 3, 3), np.float64, padding=1)),
    Case("grouped 128->128 g8 3x3 @28", "grouped", conv_case((8, 128, 28, 28), (128, 16, 3, 3), padding=1, groups=8)),
    Case("grouped 128->128 g32 3x3 @28", "grouped", conv_case((8, 128, 28, 28), (128, 4, 3, 3), padding=1, groups=32)),
    Case("depthwise 128 3x3 @56", "depthwise", conv_case((8, 128, 56, 56), (128, 1, 3, 3), padding=1, groups=128)),
    Case("depthwise, NumPy fallback", "depthwise",
         depthwise_numpy_case((8, 128, 56, 56), (128, 1, 3, 3), padding=1, groups=128)),
    Case("transposed 64->32 k4 s2 28->56", "transposed",
         transposed_case((8, 64, 28, 28), (64, 32, 4, 4), stride=2, padding=1)),
    Case("deformable v2 64->64 3x3 @28", "deformable", deformable_case((8, 64, 28, 28), 64)),
    Case("deformable v2, forward+backward", "deformable", deformable_case((8, 64, 28, 28), 64, backward=True)),
]

TARGETS = {  # kind: (most convkit/torch, most convkit/GEMM)
    "conv2d": (1.5, 1.2),
    "grouped": (2.0, None),
    "depthwise": (2.0, None),
    "transposed": (2.0, None),
    "deformable": (2.0, None),
}
MEMORY_TARGET = 2.0


def rng_for(name: str) -> np.random.Generator:
    """The same arrays for a case in the timing and in the memory process."""
    return np.random.default_rng([ord(c) for c in name])


def selected() -> list[Case]:
    return [case for case in CASES if ARGS.only is None or ARGS.only in case.name]


# ---------------------------------------------------------------------------------------------
# time


def clock() -> Callable[[], float]:
    return time.process_time if ARGS.clock == "cpu" else time.perf_counter


def interleaved_medians(functions: list[Callable[[], object] | None]) -> list[float | None]:
    """Median time of each function, timed in turns with a rest before every call."""
    now = clock()
    present = [fn for fn in functions if fn is not None]
    for fn in present:  # warm-up: numba's compilation or cache load, the allocator's first large blocks
        fn()
        fn()
    times: list[list[float]] = [[] for _ in present]
    for _ in range(ARGS.repeats):
        for fn, spent in zip(present, times):
            time.sleep(ARGS.gap)
            start = now()
            fn()
            spent.append(now() - start)
    medians = iter(float(np.median(spent)) for spent in times)
    return [None if fn is None else next(medians) for fn in functions]


def relative_error(got, expected) -> float:
    expected = np.asarray(expected)
    return float(np.abs(np.asarray(got, dtype=np.float64) - expected).max() / np.abs(expected).max())


# ---------------------------------------------------------------------------------------------
# memory (run in a child process, see the module docstring)


def _status_bytes(key: str) -> int:
    with open("/proc/self/status") as f:
        return int(re.search(rf"^{key}:\s+(\d+) kB", f.read(), re.M).group(1)) * 1024


def peak_extra_bytes(fn: Callable[[], object]) -> int:
    """Memory touched by one call of ``fn`` beyond the process's resident set before it."""
    fn()  # warm-up: one-time allocations (torch's thread pools, oneDNN's caches) are not the call's
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the high-water mark VmHWM to the current resident set
    before = _status_bytes("VmRSS")
    result = fn()
    peak = _status_bytes("VmHWM") - before
    del result
    return peak


def tracemalloc_peak(fn: Callable[[], object]) -> int:
    import tracemalloc

    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def memory_worker() -> None:
    """Child process: print {case: [convkit bytes, torch bytes, convkit tracemalloc bytes]} as JSON."""
    results = {}
    for case in selected():
        setup = case.build(rng_for(case.name))
        if setup is None:
            continue
        results[case.name] = [peak_extra_bytes(setup.kit), peak_extra_bytes(setup.torch), tracemalloc_peak(setup.kit)]
        del setup
    print(json.dumps(results))


def measure_memory() -> dict[str, list[int]]:
    if ARGS.no_memory or not Path("/proc/self/clear_refs").exists():
        return {}
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="0")
    command = [sys.executable, __file__, "--memory-worker"]
    if ARGS.only is not None:
        command += ["--only", ARGS.only]
    if ARGS.threads is not None:
        command += ["--threads", str(ARGS.threads)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print("memory measurement failed:", done.stderr.strip().splitlines()[-1:])
        return {}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# report


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M).group(1).strip()
    except (OSError, AttributeError):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{config.get('name')} {config.get('version')}"
    except Exception:  # older NumPy: no dicts mode
        pass
    openblas_threads = os.environ.get("OPENBLAS_NUM_THREADS", f"{cores} (default: every core)")
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    lines = [
        f"CPU: {cpu}, {cores} cores available; load average (1/5/15 min): {load}",
        f"python {platform.python_version()}, numpy {np.__version__} with BLAS {blas} "
        f"({openblas_threads} threads), torch {torch.__version__} ({torch.get_num_threads()} threads, "
        f"oneDNN {'on' if torch.backends.mkldnn.is_available() else 'off'})",
    ]
    try:
        import numba

        lines.append(f"numba {numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads)")
    except ImportError:
        lines.append("numba not installed (convkit uses its NumPy fallbacks)")
    clock_name = "wall-clock time" if ARGS.clock == "wall" else "process CPU time"
    lines.append(
        f"times: {clock_name}, median of {ARGS.repeats} interleaved repeats after two warm-up calls, "
        f"{ARGS.gap} s rest before every call"
    )
    return lines


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{a / b:.2f}"


def main() -> None:
    if ARGS.memory_worker:
        memory_worker()
        return
    started = time.perf_counter()
    print("\n".join(machine()))
    print()
    header = (f"{'case':32s} {'convkit':>8s} {'torch':>8s} {'GEMM':>8s} {'/torch':>7s} {'/GEMM':>6s} "
              f"{'max err':>8s}")
    print(header)
    print(f"{'':32s} {'ms':>8s} {'ms':>8s} {'ms':>8s}")
    rows = []
    for case in selected():
        setup = case.build(rng_for(case.name))
        if setup is None:
            print(f"{case.name:32s}   (not in this convkit yet)")
            continue
        error = relative_error(setup.kit(), setup.torch())
        t_kit, t_torch, t_gemm = interleaved_medians([setup.kit, setup.torch, setup.gemm])
        rows.append((case, t_kit, t_torch, t_gemm, error, setup.note))
        gemm = "-" if t_gemm is None else f"{t_gemm * 1e3:8.1f}"
        print(f"{case.name:32s} {t_kit * 1e3:8.1f} {t_torch * 1e3:8.1f} {gemm:>8s} {ratio(t_kit, t_torch):>7s} "
              f"{ratio(t_kit, t_gemm):>6s} {error:8.1e}  {setup.note}", flush=True)
        del setup
    memory = measure_memory()
    print()
    if memory:
        print("peak extra memory of one call (resident set, MB), and tracemalloc's peak for convkit:")
        for case, *_ in rows:
            if case.name in memory:
                kit, torch_bytes, traced = memory[case.name]
                print(f"  {case.name:32s} convkit {kit / 2**20:7.1f}  torch {torch_bytes / 2**20:7.1f}  "
                      f"ratio {ratio(kit, max(torch_bytes, 1)):>5s}   (tracemalloc {traced / 2**20:.1f})")
    print()
    print("targets missed:")
    missed = 0
    for case, t_kit, t_torch, t_gemm, _, note in rows:
        most_torch, most_gemm = TARGETS[case.kind]
        if t_kit / t_torch > most_torch:
            missed += 1
            print(f"  {case.name}: {t_kit / t_torch:.2f}x torch > {most_torch}x")
        if most_gemm is not None and t_gemm is not None and t_kit / t_gemm > most_gemm:
            missed += 1
            print(f"  {case.name}: {t_kit / t_gemm:.2f}x its GEMM > {most_gemm}x")
        if case.name in memory:
            kit, torch_bytes, _ = memory[case.name]
            if kit > MEMORY_TARGET * torch_bytes:
                missed += 1
                print(f"  {case.name}: memory {kit / 2**20:.1f} MB > {MEMORY_TARGET}x torch's {torch_bytes / 2**20:.1f} MB")
    if not missed:
        print("  none")
    print(f"\n(benchmark ran in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
