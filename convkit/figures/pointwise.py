"""Figures of the chapter "Pointwise (1×1) convolution".

* :func:`pixel_view` / :func:`pixel_explorer` -- one output value of a small
  pointwise convolution: the input pixel's channel vector, the row of the
  weight matrix and the output cell, with the numbers.
* :func:`feature_maps` -- a synthetic 64-channel feature map (the colour test
  image through a random ``3 x 3`` layer and a ReLU).
* :func:`compression_curve`, :func:`compression_view` /
  :func:`compression_explorer` -- 64 channels squeezed through ``r`` by two
  pointwise layers (best = principal components, or a random first layer
  with the best second layer): error against ``r``, some channels before
  and after, and the cost.
"""

from __future__ import annotations

import functools
from html import escape
from typing import Sequence

import numpy as np

from ..conv import conv2d
from ..images import test_image_rgb
from ..interactive import Control, Explorer
from ..pointwise import least_squares_decoder, pca_compression, pointwise_conv2d
from ..svg import SVG
from .common import GRID, INPUT, KERNEL, KERNEL_CELL, OUTPUT, fmt, image_html, signed

# one colour per channel (Okabe-Ito, colour-blind safe)
CHANNEL_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")


def _grid_numbers(svg: SVG, values: np.ndarray, x0: float, y0: float, cell: float, fill: str,
                  highlight: tuple[int, int] | None = None, title: str = "") -> None:
    rows, cols = values.shape
    svg.grid(x0, y0, rows, cols, cell, fill=fill, stroke=GRID)
    if highlight is not None:
        r, c = highlight
        svg.rect(x0 + c * cell + 1, y0 + r * cell + 1, cell - 2, cell - 2, fill=KERNEL, fill_opacity=0.85)
    svg.labels([(x0 + (c + 0.5) * cell, y0 + (r + 0.5) * cell + 4, fmt(values[r, c]))
                for r in range(rows) for c in range(cols)], size=10, fill="#111")
    if title:
        svg.text(x0, y0 - 5, title, size=11, fill="#333")


def pixel_view(x: np.ndarray, w: np.ndarray, row: int, col: int, out: int, cell: int = 22) -> str:
    """One output value of the pointwise convolution ``y = W x`` at every pixel.

    Parameters
    ----------
    x : ndarray, shape (C_in, H, W)
        Small input (integers print best).
    w : ndarray, shape (C_out, C_in)
        Weight matrix.
    row, col : int
        The pixel.
    out : int
        The output channel.
    cell : int
        Side of a grid cell in pixels.

    Returns
    -------
    str
        An SVG: the input channels with the pixel marked, the pixel's channel
        vector, ``W`` with row ``out`` marked, the output vector and the output
        channels (computed by :func:`~convkit.pointwise.pointwise_conv2d`), and
        the sum written out.

    Raises
    ------
    ValueError
        For shapes that do not fit or a pixel/channel out of range.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if x.ndim != 3 or w.ndim != 2 or w.shape[1] != x.shape[0]:
        raise ValueError(f"x must be (C_in, H, W) and w (C_out, C_in), got {x.shape} and {w.shape}")
    c_in, height, width = x.shape
    c_out = w.shape[0]
    if not (0 <= row < height and 0 <= col < width and 0 <= out < c_out):
        raise ValueError(f"pixel ({row}, {col}) or channel {out} out of range for {x.shape} -> {c_out} channels")
    y = pointwise_conv2d(x, w)
    vector = x[:, row, col]
    gap = 14
    grids_w = c_in * (width * cell + gap)
    mid_x = 10 + grids_w + 20
    matrix_x = mid_x + cell + 30
    outvec_x = matrix_x + c_in * cell + 30
    out_x = outvec_x + cell + 34
    total_w = out_x + c_out * (width * cell + gap) + 6
    top = 34
    body_h = max(height, c_in, c_out) * cell
    svg = SVG(total_w, top + body_h + 58,
              label=f"pointwise convolution: output channel {out} at pixel ({row}, {col}) is row {out} of W "
                    f"times the pixel's {c_in} channel values")
    for c in range(c_in):
        _grid_numbers(svg, x[c], 10 + c * (width * cell + gap), top, cell, INPUT, (row, col), f"x[{c}]")
    # the channel vector
    svg.text(mid_x - 4, top - 5, "x[:, i, j]", size=11, fill="#333")
    for c in range(c_in):
        svg.rect(mid_x, top + c * cell, cell, cell, fill=KERNEL, fill_opacity=0.85, stroke=GRID)
    svg.labels([(mid_x + cell / 2, top + (c + 0.5) * cell + 4, fmt(vector[c])) for c in range(c_in)], fill="#111")
    # W with the active row
    svg.text(matrix_x - 14, top + c_in * cell / 2 + 4, "·", size=20, fill="#333")
    svg.text(matrix_x, top - 5, "W", size=11, fill="#333")
    svg.grid(matrix_x, top, c_out, c_in, cell, fill=KERNEL_CELL, stroke=GRID)
    svg.rect(matrix_x, top + out * cell, c_in * cell, cell, fill="none", stroke="#b45309", stroke_width=2.5)
    svg.labels([(matrix_x + (c + 0.5) * cell, top + (o + 0.5) * cell + 4, fmt(w[o, c]))
                for o in range(c_out) for c in range(c_in)], fill="#111")
    # output vector
    svg.text(outvec_x - 18, top + c_in * cell / 2 + 4, "=", size=16, fill="#333")
    svg.text(outvec_x - 4, top - 5, "y[:, i, j]", size=11, fill="#333")
    for o in range(c_out):
        svg.rect(outvec_x, top + o * cell, cell, cell, fill=OUTPUT if o != out else KERNEL,
                 fill_opacity=0.85, stroke=GRID)
    svg.labels([(outvec_x + cell / 2, top + (o + 0.5) * cell + 4, fmt(y[o, row, col])) for o in range(c_out)],
               fill="#111")
    for o in range(c_out):
        _grid_numbers(svg, y[o], out_x + o * (width * cell + gap), top, cell, OUTPUT,
                      (row, col) if o == out else None, f"y[{o}]")
    terms = " + ".join(f"{signed(w[out, c])}·{signed(vector[c])}" for c in range(c_in))
    svg.text(10, top + body_h + 24,
             f"y[{out}, {row}, {col}] = {terms} = {fmt(y[out, row, col])}", size=13, fill="#111")
    svg.text(10, top + body_h + 44,
             f"the same {c_out}×{c_in} matrix W multiplies the channel vector of every one of the "
             f"{height}×{width} pixels", size=11, fill="#555")
    return str(svg)


def pixel_explorer(x: np.ndarray, w: np.ndarray) -> Explorer:
    """Sliders for the pixel (row, column) and the output channel of :func:`pixel_view`."""
    x = np.asarray(x)
    w = np.asarray(w)
    return Explorer(
        lambda row, col, out: pixel_view(x, w, row, col, out),
        [
            Control("row", list(range(x.shape[1])), "row i"),
            Control("col", list(range(x.shape[2])), "column j"),
            Control("out", list(range(w.shape[0])), "output channel"),
        ],
    )


@functools.lru_cache(maxsize=None)
def feature_maps(channels: int = 64, size: int = 32, seed: int = 0, relu: bool = True) -> np.ndarray:
    """A synthetic feature map: the colour test image through a random 3×3 layer (and a ReLU).

    Parameters
    ----------
    channels : int
        Output channels of the random layer.
    size : int
        Side of the test image.
    seed : int
        Seed of the random weights (standard normal).
    relu : bool
        Apply ``max(0, .)``; without it every pixel's channel vector is a
        linear function of the ``3 * 3 * 3 = 27`` input values it sees.

    Returns
    -------
    ndarray, shape (channels, size, size)
        Read-only.
    """
    image = test_image_rgb(size).transpose(2, 0, 1)
    weight = np.random.default_rng(seed).standard_normal((channels, 3, 3, 3))
    y = conv2d(image, weight, padding="same")
    y = np.maximum(y, 0.0) if relu else y
    y.flags.writeable = False
    return y


def _random_down(channels_in: int, rank: int, seed: int) -> np.ndarray:
    """The first ``rank`` rows of one seeded standard-normal ``C x C`` matrix (nested in ``rank``)."""
    return np.random.default_rng(seed).standard_normal((channels_in, channels_in))[:rank]


def _full_pca(x: np.ndarray) -> tuple[np.ndarray, ...]:
    key = (x.shape, x.tobytes())
    if key not in _PCA_CACHE:
        _PCA_CACHE[key] = pca_compression(x, x.shape[-3])
    return _PCA_CACHE[key]


_PCA_CACHE: dict = {}


def bottleneck(x: np.ndarray, rank: int, method: str, seed: int = 1) -> tuple[np.ndarray, ...]:
    """The ``C -> rank -> C`` pointwise pair of ``method`` for the feature map ``x``.

    ``"PCA"`` is :func:`~convkit.pointwise.pca_compression` (the best);
    ``"random"`` is a standard-normal first layer (no bias) followed by the best
    second layer, :func:`~convkit.pointwise.least_squares_decoder`.

    Returns
    -------
    (down_weight, down_bias, up_weight, up_bias)
    """
    if method == "PCA":
        down_w, _, up_w, mean = _full_pca(x)  # the top-r components are the first r of all of them
        return down_w[:rank], -(down_w[:rank] @ mean), up_w[:, :rank], mean
    if method == "random":
        down = _random_down(x.shape[-3], rank, seed)
        return (down, None) + least_squares_decoder(x, down)
    raise ValueError(f"method must be 'PCA' or 'random', got {method!r}")


def relative_error(x: np.ndarray, reconstruction: np.ndarray) -> float:
    """``|| x - reconstruction || / || x - mean ||`` with the per-channel mean over all pixels.

    1 is what the mean alone achieves (a bottleneck of width 0 with biases); 0 is perfect.
    """
    axes = tuple(a for a in range(x.ndim) if a != x.ndim - 3)
    centred = x - x.mean(axis=axes, keepdims=True)
    return float(np.linalg.norm(x - reconstruction) / np.linalg.norm(centred))


CURVE_RANKS = (1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64)


@functools.lru_cache(maxsize=None)
def compression_curve(method: str, channels: int = 64, size: int = 32) -> np.ndarray:
    """Relative error of :func:`bottleneck` at the widths ``CURVE_RANKS`` (those ``<= channels``)."""
    x = feature_maps(channels, size)
    return np.array([_error(r, method, channels, size) for r in CURVE_RANKS if r <= channels])


@functools.lru_cache(maxsize=None)
def _reconstruction(rank: int, method: str, channels: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The feature map rebuilt through the bottleneck, and the bottleneck's channel mixing ``up @ down``."""
    x = feature_maps(channels, size)
    down_w, down_b, up_w, up_b = bottleneck(x, rank, method)
    return pointwise_conv2d(pointwise_conv2d(x, down_w, down_b), up_w, up_b), up_w @ down_w


@functools.lru_cache(maxsize=None)
def _error(rank: int, method: str, channels: int, size: int) -> float:
    return relative_error(feature_maps(channels, size), _reconstruction(rank, method, channels, size)[0])


def _curve_svg(current: int, method: str, channels: int, size: int) -> str:
    width, height, left, bottom, top = 330, 190, 42, 32, 12
    svg = SVG(width, height, label="relative reconstruction error against the bottleneck width r, "
                                   "for principal components and for a random first layer")
    plot_w, plot_h = width - left - 12, height - bottom - top

    def px(r: float) -> float:
        return left + (r - 1) / (channels - 1) * plot_w

    def py(e: float) -> float:
        return top + (1 - e) * plot_h

    svg.rect(left, top, plot_w, plot_h, fill="#fafafa", stroke="#bbb")
    for e in (0.25, 0.5, 0.75):
        svg.line(left, py(e), left + plot_w, py(e), stroke="#e5e5e5")
    svg.labels([(left - 14, py(e) + 4, f"{e:g}") for e in (0, 0.25, 0.5, 0.75, 1)], size=10)
    ticks = [1, 16, 32, 48, 64] if channels == 64 else [1, channels]
    svg.labels([(px(r), top + plot_h + 14, str(r)) for r in ticks], size=10)
    svg.text(left + plot_w / 2, height - 3, "bottleneck width r", size=11, text_anchor="middle", fill="#333")
    styles = {"PCA": ("#0072b2", None), "random": ("#d55e00", "5 3")}
    for name, (colour, dash) in styles.items():
        curve = compression_curve(name, channels, size)
        ranks = [r for r in CURVE_RANKS if r <= channels]
        points = " ".join(f"{px(r):.1f},{py(e):.1f}" for r, e in zip(ranks, curve))
        svg.path("M" + points.replace(" ", " L"), fill="none", stroke=colour, stroke_width=2,
                 stroke_dasharray=dash)
    svg.circle(px(current), py(_error(current, method, channels, size)), 5, fill=styles[method][0], stroke="#111")
    svg.line(left + plot_w - 120, top + 12, left + plot_w - 100, top + 12, stroke="#0072b2", stroke_width=2)
    svg.text(left + plot_w - 96, top + 16, "PCA (best)", size=10, fill="#333")
    svg.line(left + plot_w - 120, top + 28, left + plot_w - 100, top + 28, stroke="#d55e00", stroke_width=2,
             stroke_dasharray="5 3")
    svg.text(left + plot_w - 96, top + 32, "random + best up", size=10, fill="#333")
    svg.text(left + 2, top - 2, "relative error", size=10, fill="#333")
    return str(svg)


def compression_view(rank: int, method: str, channels: int = 64, size: int = 32,
                     shown: Sequence[int] = (0, 1, 2, 3), scale: int = 2) -> str:
    """64 channels squeezed through ``rank`` channels by two pointwise layers.

    Parameters
    ----------
    rank : int
        Width ``r`` of the bottleneck.
    method : {'PCA', 'random'}
        How the first layer is chosen (the second is the best for it).
    channels, size : int
        Of :func:`feature_maps`.
    shown : sequence of int
        Channels drawn before and after.
    scale : int
        Screen pixels per image pixel.

    Returns
    -------
    str
        HTML: the error curve with the current point, the chosen channels
        before and after, and the parameter count of the bottleneck.
    """
    x = feature_maps(channels, size)
    y, mixing = _reconstruction(rank, method, channels, size)
    error = _error(rank, method, channels, size)
    mixing_rank = int(np.linalg.matrix_rank(mixing))
    limit = float(x.max())
    pictures = []
    for c in shown:
        original = np.clip(x[c] / limit, 0, 1)
        rebuilt = np.clip(y[c] / limit, 0, 1)
        pictures.append(
            "<span style='display:inline-block;margin-right:8px;text-align:center'>"
            + image_html(original, scale=scale, title=f"channel {c}")
            + "<br>" + image_html(rebuilt, scale=scale, title="rebuilt") + "</span>"
        )
    params = 2 * channels * rank + rank + channels
    text = (
        f"<div style='font-size:13px;line-height:1.5'>{channels} → <b>{rank}</b> → {channels} channels, "
        f"{escape(method)} first layer: relative error <b>{error:.3f}</b> "
        f"({100 * (1 - error ** 2):.1f}% of the variance kept); rank of the {channels}×{channels} "
        f"channel mixing up·down = {mixing_rank}.<br>Parameters of the two pointwise layers "
        f"{channels}·{rank} + {rank}·{channels} + biases = {params:,}; a single {channels}→{channels} "
        f"pointwise layer has {channels * channels + channels:,}.</div>"
    )
    return (
        "<div style='display:flex;flex-wrap:wrap;gap:10px;align-items:flex-start'>"
        f"<div>{_curve_svg(rank, method, channels, size)}</div><div>{''.join(pictures)}</div></div>" + text
    )


def compression_explorer(ranks: Sequence[int] = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64)) -> Explorer:
    """A slider for the bottleneck width and a menu for the first layer of :func:`compression_view`."""
    return Explorer(
        compression_view,
        [
            Control("rank", list(ranks), "bottleneck width r", 16 if 16 in ranks else ranks[0]),
            Control("method", ["PCA", "random"], "first layer"),
        ],
    )


__all__ = [
    "CURVE_RANKS",
    "bottleneck",
    "compression_curve",
    "compression_explorer",
    "compression_view",
    "feature_maps",
    "pixel_explorer",
    "pixel_view",
    "relative_error",
]
