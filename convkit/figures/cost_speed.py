"""Cost and speed: every convolution type of the book, counted and timed.

* :func:`layer_types` -- the layer types of the comparison page, plus a
  deformable layer, each with its cost (:mod:`convkit.cost`) and a
  ``torch.nn`` module that computes it;
* :func:`time_call`, :func:`interleaved_medians`, :func:`time_layers` --
  measured wall time in torch on the CPU (warm-up, median of repeats, the
  layers timed in turns);
* :func:`measure_machine` -- the two numbers of a roofline: peak matrix-product
  throughput (a large ``torch.matmul``) and memory bandwidth (a large copy);
* :func:`roofline_figure` -- measured time against multiply-adds, and achieved
  throughput against arithmetic intensity, under the machine's roofline;
* :func:`savings_figure` -- time saved against multiply-adds saved;
* :func:`cost_speed_explorer` -- pick a layer setting, see every type's bars
  in counts and in measured time (frames precomputed for the static page);
* :func:`bar_images` -- a toy image set for the pruning experiment.

This module times torch layers, so it imports torch (inside the functions
that need it); the rest of ``convkit`` needs NumPy only.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from .. import cost as costs
from ..interactive import Control, Explorer
from ..svg import SVG
from . import comparison
from .common import figure_html

if TYPE_CHECKING:  # torch is imported where it is used
    import torch

# Okabe-Ito colours (distinguishable with every common colour-vision deficiency),
# one per family of layers; shapes tell the members of a family apart.
FAMILY_COLOURS = {
    "dense": "#0072b2",
    "factorised": "#e69f00",
    "grouped": "#009e73",
    "depthwise": "#d55e00",
    "pointwise": "#cc79a7",
    "deformable": "#56b4e9",
}
"""Colour of each family of layers in the figures (Okabe-Ito)."""


@dataclass(frozen=True)
class LayerType:
    """One kind of convolution layer from ``C`` to ``C`` channels on an ``H x H`` map.

    Attributes
    ----------
    name : str
        Label used in tables and figures.
    family : str
        Key of :data:`FAMILY_COLOURS`.
    marker : str
        Matplotlib marker, unique within the family.
    cost : callable
        ``cost(channels, kernel, size, batch) -> Cost`` from :mod:`convkit.cost`.
    module : callable
        ``module(channels, kernel) -> torch.nn.Module`` computing the same layer.
    """

    name: str
    family: str
    marker: str
    cost: Callable[[int, int, int, int], costs.Cost]
    module: Callable[[int, int], "torch.nn.Module"]


# the rows of the comparison page (convkit.figures.comparison), by the name before " (":
# (label here, family, marker)
_KINDS = {
    "standard": ("standard", "dense", "o"),
    "transposed": ("transposed (stride 1)", "dense", "^"),
    "dilated": ("dilated (d = 2)", "dense", "s"),
    "pointwise": ("pointwise (1 x 1)", "pointwise", "o"),
    "spatially separable": ("spatially separable", "factorised", "D"),
    "flattened": ("flattened", "factorised", "v"),
    "depthwise": ("depthwise", "depthwise", "o"),
    "depthwise separable": ("depthwise separable", "depthwise", "s"),
    "grouped": ("grouped (g = {g})", "grouped", "o"),
    "shuffled grouped": ("shuffled grouped (g = {g})", "grouped", "^"),
    "pointwise grouped": ("pointwise grouped (g = {g})", "grouped", "s"),
}


def layer_types(groups: int = 4) -> list[LayerType]:
    """Every convolution type of the book as a ``C -> C`` layer with an odd ``k x k`` kernel.

    The rows of the comparison page (:func:`convkit.figures.comparison.layer_types`:
    stride 1, padding ``k // 2``, a bias per stage, the ``torch.nn`` expression
    of each), in the order of the book, plus a deformable convolution v2
    (:func:`deformable_module`, cost from :func:`convkit.cost.deformable_cost`
    with the mask).  Every layer keeps the ``H x H`` size.

    Parameters
    ----------
    groups : int
        ``g`` of the grouped layers (must divide the channels used).

    Returns
    -------
    list of LayerType
    """
    import torch.nn as nn

    def row(key: str, c: int, k: int, h: int, n: int) -> comparison.LayerType:
        for candidate in comparison.layer_types(c, c, k, h, groups, batch=n):
            if candidate.name.split(" (")[0] == key:
                return candidate
        raise KeyError(key)

    types = []
    for key, (label, family, marker) in _KINDS.items():
        types.append(LayerType(
            label.format(g=groups), family, marker,
            functools.partial(lambda key, c, k, h, n: row(key, c, k, h, n).cost, key),
            functools.partial(lambda key, c, k: eval(row(key, c, k, 2 * k, 1).torch, {"nn": nn}), key),
        ))
    types.append(LayerType(
        "deformable v2", "deformable", "o",
        lambda c, k, h, n: costs.deformable_cost(c, c, k, h, padding=k // 2, mask=True, batch=n),
        deformable_module,
    ))
    return types


def deformable_module(channels: int, kernel: int) -> "torch.nn.Module":
    """A ``C -> C`` deformable convolution v2 in torch, which has no native kernel for it.

    The offsets and the modulation mask come from an ordinary convolution with
    ``3 k^2`` output channels (Zhu et al.); the input is sampled at the shifted
    taps with ``F.grid_sample`` (bilinear, zeros outside, ``align_corners=True``
    so that pixel ``q`` sits at ``2q / (size - 1) - 1``), every sample is
    multiplied by its mask value, and one matrix product with the weights
    gives the output.  Stride 1, padding ``k // 2``; the offsets use
    torchvision's layout, ``(dy, dx)`` per tap.

    Parameters
    ----------
    channels, kernel : int
        ``C`` and the odd kernel size ``k``.

    Returns
    -------
    torch.nn.Module
        Maps ``(N, C, H, W)`` to ``(N, C, H, W)``, ``H, W >= 2``.
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    k, taps = kernel, kernel * kernel

    class DeformableV2(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.offsets = nn.Conv2d(channels, 3 * taps, k, padding=k // 2)
            self.conv = nn.Conv2d(channels, channels, k, padding=k // 2)  # holds the weights and bias

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            n, c, h, w = x.shape
            t = self.offsets(x)
            dy, dx, mask = t[:, 0:2 * taps:2], t[:, 1:2 * taps:2], torch.sigmoid(t[:, 2 * taps:])
            i, j = torch.meshgrid(torch.arange(k), torch.arange(k), indexing="ij")
            rows = torch.arange(h)[None, :, None] - k // 2 + i.reshape(-1, 1, 1)  # (K, H, 1)
            cols = torch.arange(w)[None, None, :] - k // 2 + j.reshape(-1, 1, 1)  # (K, 1, W)
            y, x_ = rows + dy, cols + dx  # (N, K, H, W)
            grid = torch.stack((2 * x_ / (w - 1) - 1, 2 * y / (h - 1) - 1), -1).reshape(n, taps * h, w, 2)
            sampled = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
            columns = (sampled.reshape(n, c, taps, h * w) * mask.reshape(n, 1, taps, h * w)).reshape(n, c * taps, -1)
            out = torch.matmul(self.conv.weight.reshape(c, c * taps), columns).reshape(n, c, h, w)
            return out + self.conv.bias[:, None, None]

    return DeformableV2()


def bar_images(count: int, size: int = 16, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A toy classification set: a short bar in one of four orientations, plus noise.

    Parameters
    ----------
    count : int
        Number of images.
    size : int
        Side of each image.
    noise : float
        Standard deviation of the Gaussian noise added to every pixel.
    seed : int

    Returns
    -------
    images : ndarray, shape (count, 1, size, size), float32
        A bar of length 9 through a random point of the central region:
        horizontal (label 0), vertical (1), falling diagonal (2) or rising
        diagonal (3), value 1 on the bar and 0 elsewhere, plus noise.
    labels : ndarray, shape (count,), int64
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, count)
    rows, cols = np.mgrid[0:size, 0:size]
    centre = rng.integers(size // 4, size - size // 4, (count, 2))
    dy = rows[None] - centre[:, 0, None, None]
    dx = cols[None] - centre[:, 1, None, None]
    # (distance across the bar, distance along it) for each orientation
    across = np.stack([np.abs(dy), np.abs(dx), np.abs(dy - dx) / 2**0.5, np.abs(dy + dx) / 2**0.5], 1)
    along = np.stack([np.abs(dx), np.abs(dy), np.abs(dy + dx) / 2**0.5, np.abs(dy - dx) / 2**0.5], 1)
    pick = np.arange(count)
    bar = (across[pick, labels] < 0.8) & (along[pick, labels] < 5)
    images = bar + noise * rng.standard_normal((count, size, size))
    return images[:, None].astype(np.float32), labels.astype(np.int64)


# ---------------------------------------------------------------------------------------------
# measuring


def time_call(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds, after ``warmup`` untimed calls."""
    return interleaved_medians([fn], repeats, warmup)[0]


def interleaved_medians(fns: Sequence[Callable[[], object]], repeats: int = 5, warmup: int = 1) -> list[float]:
    """Median wall time of each function, timed in turns.

    Every function is called ``warmup`` times untimed (the first call of a
    layer allocates its buffers and picks an algorithm), then the functions
    are timed one after the other, ``repeats`` rounds: a change of load on
    the machine during the measurement then slows all of them alike instead
    of one, and the median ignores the rounds it hit hardest.

    Returns
    -------
    list of float
        Seconds, in the order of ``fns``.
    """
    for fn in fns:
        for _ in range(warmup):
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, spent in zip(fns, times):
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


@dataclass(frozen=True)
class Measurement:
    """The cost and the measured time of one layer type in one setting."""

    layer: LayerType
    channels: int
    kernel: int
    size: int
    batch: int
    cost: costs.Cost
    seconds: float

    @property
    def throughput(self) -> float:
        """Achieved multiply-adds per second."""
        return self.cost.multiply_adds / self.seconds


def time_layers(
    types: Sequence[LayerType],
    channels: int,
    kernel: int,
    size: int,
    batch: int = 1,
    repeats: int = 5,
    seed: int = 0,
) -> list[Measurement]:
    """Time every layer type in torch (float32, CPU, no autograd) on one setting.

    Parameters
    ----------
    types : sequence of LayerType
    channels, kernel, size : int
        ``C``, ``k`` and the side ``H`` of the input (and of the output).
    batch : int
        ``N``.
    repeats : int
        Timed calls per layer (the median is kept), after one warm-up call;
        the layers are timed in turns (:func:`interleaved_medians`).
    seed : int
        Seeds the weights and the input.

    Returns
    -------
    list of Measurement
    """
    import torch

    torch.manual_seed(seed)
    calls = []
    for layer in types:
        module = layer.module(channels, kernel).eval()
        x = torch.randn(batch, channels, size, size)
        with torch.no_grad():
            out = module(x)
        if out.shape != (batch, channels, size, size):
            raise RuntimeError(f"{layer.name}: output shape {tuple(out.shape)}")
        calls.append(functools.partial(_forward, module, x))
    seconds = interleaved_medians(calls, repeats=repeats)
    return [Measurement(layer, channels, kernel, size, batch, layer.cost(channels, kernel, size, batch), t)
            for layer, t in zip(types, seconds)]


def _forward(module: "torch.nn.Module", x: "torch.Tensor") -> "torch.Tensor":
    import torch

    with torch.no_grad():
        return module(x)


@dataclass(frozen=True)
class Machine:
    """What a roofline needs, measured: peak multiply-adds per second and bytes per second."""

    peak: float
    bandwidth: float
    label: str

    @property
    def ridge(self) -> float:
        """Arithmetic intensity (multiply-adds per byte) where the two roofs meet."""
        return self.peak / self.bandwidth

    def bound(self, cost: costs.Cost) -> float:
        """Roofline lower bound on the time of a layer: ``max(MACs / peak, bytes / bandwidth)``."""
        return max(cost.multiply_adds / self.peak, cost.bytes_moved / self.bandwidth)


def cpu_name() -> str:
    """The processor's model name (from ``/proc/cpuinfo`` on Linux)."""
    try:
        with open("/proc/cpuinfo") as f:
            match = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
        if match:
            return match.group(1).strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_label() -> str:
    """CPU model, cores, torch's threads and version: what measured the times."""
    import torch

    threads = torch.get_num_threads()
    return (f"{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__.split('+')[0]} "
            f"with {threads} thread{'' if threads == 1 else 's'}")


def measure_machine(matrix: int = 512, copy_mib: int = 64, repeats: int = 15) -> Machine:
    """Peak GEMM throughput and copy bandwidth of this machine, measured with torch.

    Parameters
    ----------
    matrix : int
        Side of the square float32 matrices multiplied (``matrix^3``
        multiply-adds); the best of ``repeats`` calls is the peak.
    copy_mib : int
        Size of the float32 array copied (read once, written once, so twice
        its size crosses the memory bus); the best of ``repeats`` copies.
    repeats : int

    Returns
    -------
    Machine
    """
    import torch

    a = torch.randn(matrix, matrix)
    b = torch.randn(matrix, matrix)
    out = torch.empty(matrix, matrix)
    torch.matmul(a, b, out=out)
    best = min(time_call(lambda: torch.matmul(a, b, out=out), repeats=1, warmup=0) for _ in range(repeats))
    peak = matrix**3 / best
    source = torch.ones(copy_mib * 2**20 // 4)
    target = torch.empty_like(source)
    target.copy_(source)  # touch every page first
    best = min(time_call(lambda: target.copy_(source), repeats=1, warmup=0) for _ in range(repeats))
    bandwidth = 2 * source.numel() * 4 / best
    return Machine(peak, bandwidth, machine_label())


# ---------------------------------------------------------------------------------------------
# pictures


def roofline_figure(results: Sequence[Measurement], machine: Machine, title: str = "") -> str:
    """Two panels: measured time against multiply-adds, and throughput against intensity.

    Top: every measurement at (multiply-adds, measured time), with the time
    of the same multiply-adds at peak throughput (dashed) and each layer's
    roofline bound (open marker, joined to its measurement).  Bottom: the
    roofline ``min(peak, bandwidth x intensity)`` and every layer at
    (arithmetic intensity, achieved multiply-adds per second).

    Returns
    -------
    str
        Inline SVG.
    """
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(2, 1, figsize=(6.6, 9.2))
    seen = set()
    for m in results:
        colour = FAMILY_COLOURS[m.layer.family]
        label = None if m.layer.name in seen else m.layer.name
        seen.add(m.layer.name)
        bound = machine.bound(m.cost)
        left.plot([m.cost.multiply_adds] * 2, [bound * 1e3, m.seconds * 1e3], color=colour, lw=0.8, alpha=0.6)
        left.plot(m.cost.multiply_adds, bound * 1e3, m.layer.marker, mfc="white", mec=colour, ms=6)
        left.plot(m.cost.multiply_adds, m.seconds * 1e3, m.layer.marker, color=colour, ms=6, label=label)
        right.plot(m.cost.arithmetic_intensity, m.throughput / 1e9, m.layer.marker, color=colour, ms=6)
    macs = np.array([m.cost.multiply_adds for m in results], dtype=float)
    span = np.geomspace(macs.min() / 2, macs.max() * 2, 50)
    left.plot(span, span / machine.peak * 1e3, "--", color="#555555", lw=1, label="multiply-adds at peak")
    left.set(xscale="log", yscale="log", xlabel="multiply-adds (counted)", ylabel="time (ms)",
             title="measured time (filled) and roofline bound (open)")
    intensity = np.array([m.cost.arithmetic_intensity for m in results])
    grid = np.geomspace(min(intensity.min(), machine.ridge) / 3, max(intensity.max(), machine.ridge) * 3, 200)
    right.plot(grid, np.minimum(machine.peak, machine.bandwidth * grid) / 1e9, color="#222222", lw=1.5)
    right.axvline(machine.ridge, color="#999999", lw=0.8, ls=":")
    right.annotate(f"ridge {machine.ridge:.1f} MAC/B", (machine.ridge, machine.peak / 1e9),
                   textcoords="offset points", xytext=(4, -14), fontsize=8, color="#555555")
    right.set(xscale="log", yscale="log", xlabel="arithmetic intensity (multiply-adds per byte moved)",
              ylabel="achieved GMAC/s", title="roofline: min(peak, bandwidth x intensity)")
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.suptitle((title + "\n" if title else "") +
                 f"measured on {machine.label}\npeak {machine.peak / 1e9:.0f} GMAC/s, "
                 f"copy bandwidth {machine.bandwidth / 1e9:.1f} GB/s", fontsize=9)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    return figure_html(fig, alt="Top: measured time against counted multiply-adds for every layer type, "
                                 "with each layer's roofline bound. Bottom: achieved multiply-adds per second "
                                 "against arithmetic intensity under the machine's roofline.")


def savings_figure(table: dict[object, Sequence[Measurement]], machine: Machine) -> str:
    """Time saved against multiply-adds saved, every type relative to the standard layer.

    One point per layer type and setting at (its multiply-adds / the standard
    layer's, its measured time / the standard layer's), both layers timed in
    the same setting.  On the diagonal, time falls as fast as the count;
    above it, less.

    Parameters
    ----------
    table : dict
        ``{setting: measurements}``, the standard convolution first in each list.
    machine : Machine
        For the label.

    Returns
    -------
    str
        Inline SVG.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    seen = set()
    ratios = []
    for results in table.values():
        base = results[0]
        for m in results[1:]:
            x = m.cost.multiply_adds / base.cost.multiply_adds
            y = m.seconds / base.seconds
            ratios += [x, y]
            label = None if m.layer.name in seen else m.layer.name
            seen.add(m.layer.name)
            ax.plot(x, y, m.layer.marker, color=FAMILY_COLOURS[m.layer.family], ms=6, label=label)
    span = np.array([min(ratios) / 2, max(max(ratios) * 2, 2)])
    ax.plot(span, span, "--", color="#555555", lw=1, label="time falls like the count")
    ax.set(xscale="log", yscale="log", xlabel="multiply-adds / standard layer's (counted)",
           ylabel="time / standard layer's (measured)")
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    ax.set_title(f"measured on {machine.label}", fontsize=8)
    fig.tight_layout()
    return figure_html(fig, alt="Measured time relative to the standard layer against multiply-adds "
                                 "relative to the standard layer, for every layer type and setting, "
                                 "with the diagonal where time falls like the count.")


def bars_view(results: Sequence[Measurement], label: str) -> str:
    """Bars for every layer type of one setting: parameters, multiply-adds, bytes, time.

    Every panel is relative to the first layer (the standard convolution),
    drawn on a logarithmic axis from 1/1000 to 2 so that small values stay
    visible; the number beside each bar is the ratio.

    Parameters
    ----------
    results : sequence of Measurement
        One setting, the standard convolution first.
    label : str
        The machine and setting, printed under the bars.

    Returns
    -------
    str
        An SVG.
    """
    base = results[0]
    panels = [
        ("parameters", lambda m: m.cost.parameters),
        ("multiply-adds", lambda m: m.cost.multiply_adds),
        ("bytes moved", lambda m: m.cost.bytes_moved),
        ("measured time", lambda m: m.seconds),
    ]
    name_width, panel, gap, row, top = 170, 118, 12, 20, 46
    width = name_width + len(panels) * (panel + gap)
    height = top + row * len(results) + 44
    svg = SVG(width, height, label="every layer type relative to a standard convolution: "
                                   "parameters, multiply-adds, bytes moved and measured time")
    low, high = np.log10(1e-3), np.log10(2.0)

    def position(value: float) -> float:
        return (np.clip(np.log10(max(value, 1e-12)), low, high) - low) / (high - low) * panel

    for j, (title, value) in enumerate(panels):
        x0 = name_width + j * (panel + gap)
        svg.text(x0 + panel / 2, 16, title, size=11, text_anchor="middle", font_weight="bold")
        svg.text(x0 + panel / 2, 32, "relative to standard", size=9, text_anchor="middle", fill="#555555")
        one = x0 + position(1.0)
        svg.line(one, top - 4, one, top + row * len(results), stroke="#999999", stroke_dasharray="3 2")
        for i, m in enumerate(results):
            ratio = value(m) / value(base)
            y = top + i * row
            length = max(position(ratio), 1.0)
            svg.rect(x0, y + 3, length, row - 6, fill=FAMILY_COLOURS[m.layer.family])
            if length > panel - 30:  # no room after the bar: write the ratio inside it
                svg.text(x0 + length - 3, y + row - 6, f"{ratio:.2g}", size=9, text_anchor="end",
                         fill="#ffffff", font_weight="bold")
            else:
                svg.text(x0 + length + 3, y + row - 6, f"{ratio:.2g}", size=9)
    for i, m in enumerate(results):
        svg.text(name_width - 8, top + i * row + row - 6, m.layer.name, size=11, text_anchor="end")
    svg.text(4, height - 24, f"C = {base.channels}, k = {base.kernel}, {base.size} x {base.size}, batch "
                             f"{base.batch}; standard: {base.cost.multiply_adds / 1e6:.0f} M multiply-adds, "
                             f"{base.seconds * 1e3:.2f} ms; log axes, 1/1000 to 2", size=10)
    svg.text(4, height - 8, f"times measured on {label} (median of repeats)", size=10, fill="#555555")
    return str(svg)


def cost_speed_explorer(
    table: dict[tuple[tuple[int, int], int], Sequence[Measurement]], label: str
) -> Explorer:
    """Pick a layer setting, see every type's bars in counts and in measured time.

    Parameters
    ----------
    table : dict
        ``{((channels, size), kernel): measurements}`` from :func:`time_layers`,
        the standard convolution first in each list.
    label : str
        The machine that measured the times (:func:`machine_label`).

    Returns
    -------
    Explorer
        Its static frames are the precomputed bars, one per setting.
    """
    settings = sorted({key[0] for key in table})
    kernels = sorted({key[1] for key in table})
    names = [f"C = {c}, {h} x {h}" for c, h in settings]

    def render(setting: str, kernel: int) -> str:
        return bars_view(table[(settings[names.index(setting)], kernel)], label)

    return Explorer(render, [Control("setting", names, label="channels and map size"),
                             Control("kernel", kernels, label="kernel size k")])
