"""Figures of the chapter "Flattened convolution".

* :data:`FILTERS` -- colour (3-channel) filters that a flattened layer can or
  cannot represent: luminance Sobel, a red-minus-green blob, a 45° edge, a
  colour-opponent centre-surround filter and a random filter
  (:func:`filter_bank` builds them).
* :func:`greedy_terms` -- a sum of ``R`` rank-1 tensors fitted one after the
  other to the remaining residual (each by :func:`~convkit.flattened.flattened_factors`).
* :func:`flattened_view` / :func:`flattened_explorer` -- choose a filter and
  ``R``: the filter's three channel slices, the approximation, the residual,
  the 1-d factors of the first term and the parameter count.
"""

from __future__ import annotations

import functools
from html import escape

import numpy as np

from ..flattened import flattened_factors, flattened_kernel
from ..interactive import Control, Explorer
from ..svg import SVG
from .common import image_html, signed_rgb
from .separable import directional_derivative, outlined

#: Brightness weights of R, G and B (ITU-R BT.601).
LUMINANCE = np.array([0.299, 0.587, 0.114])
CHANNELS = ("R", "G", "B")


def _gaussian_1d(size: int, sigma: float) -> np.ndarray:
    t = np.arange(size) - (size - 1) / 2
    g = np.exp(-(t**2) / (2 * sigma**2))
    return g / g.sum()


def filter_bank(size: int = 5) -> dict[str, np.ndarray]:
    """Colour filters of shape ``(3, size, size)`` (channels R, G, B), each with ``max |w| = 1``.

    * ``luminance Sobel``: ``LUMINANCE[c] * [1, 2, 1]^T [-1, 0, 1]`` (padded to
      ``size``) -- a rank-1 tensor;
    * ``red − green blob``: ``(1, -1, 0)[c] * g g^T`` -- colour-opponent, but with
      the same spatial shape in every channel: rank 1;
    * ``edge at 45°``: ``LUMINANCE[c]`` times a Gaussian derivative at 45°
      (spatial rank 2);
    * ``centre–surround, red on / green off``: a narrow Gaussian in R minus a
      wide one in G -- the channels have *different* spatial shapes;
    * ``random``: standard normal entries (seed 0).
    """
    sobel = np.zeros((size, size))
    m = size // 2
    sobel[m - 1:m + 2, m - 1:m + 2] = np.outer([1.0, 2.0, 1.0], [-1.0, 0.0, 1.0])
    narrow = np.outer(_gaussian_1d(size, 0.7), _gaussian_1d(size, 0.7))
    wide = np.outer(_gaussian_1d(size, 1.6), _gaussian_1d(size, 1.6))
    blob = np.outer(_gaussian_1d(size, 1.0), _gaussian_1d(size, 1.0))
    filters = {
        "luminance Sobel": np.einsum("c,yx->cyx", LUMINANCE, sobel),
        "red − green blob": np.einsum("c,yx->cyx", np.array([1.0, -1.0, 0.0]), blob),
        "edge at 45°": np.einsum("c,yx->cyx", LUMINANCE, directional_derivative(size, 45.0)),
        "centre–surround, red on / green off": np.stack([narrow / narrow.max(), -wide / narrow.max(),
                                                         np.zeros((size, size))]),
        "random": np.random.default_rng(0).standard_normal((3, size, size)),
    }
    return {name: w / np.abs(w).max() for name, w in filters.items()}


#: The filters of the explorer: :func:`filter_bank` with ``size=5``.
FILTERS = filter_bank()


def greedy_terms(weight: np.ndarray, terms: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``terms`` rank-1 tensors fitted greedily: each is the best rank-1 fit of what is left.

    The residual's norm never grows, but the sum is in general *not* the best
    rank-``terms`` (CP) approximation, which has no such simple algorithm.

    Parameters
    ----------
    weight : ndarray, shape (C, k_h, k_w)
        One filter.
    terms : int

    Returns
    -------
    list of (a, b, c)
        ``a`` of length ``C``, unit ``b`` and ``c``; the approximation is
        ``sum(np.einsum('c,y,x->cyx', a, b, c) for a, b, c in result)``.
    """
    residual = np.asarray(weight, dtype=float).copy()
    result = []
    for _ in range(terms):
        a, b, c = (v[0] for v in flattened_factors(residual[None]))
        result.append((a, b, c))
        residual = residual - np.einsum("c,y,x->cyx", a, b, c)
    return result


@functools.lru_cache(maxsize=None)
def _terms(name: str, terms: int) -> tuple:
    return tuple(greedy_terms(FILTERS[name], terms))


def _slices(values: np.ndarray, limit: float, cell: int, label: str) -> str:
    parts = [outlined(image_html(signed_rgb(channel, limit), scale=cell, title=f"{label} {CHANNELS[c]}"))
             for c, channel in enumerate(values)]
    return "<div style='white-space:nowrap'>" + "".join(parts) + "</div>"


def _vector_svg(values: np.ndarray, title: str, labels: tuple[str, ...] | None = None) -> str:
    n = len(values)
    bar, height = 16, 70
    width = max(n * bar + 20, 8 * len(title))
    svg = SVG(width, height + 30 if labels else height + 20, label=f"{title}: {', '.join(f'{v:.2f}' for v in values)}")
    svg.text(2, 12, title, size=11, fill="#333")
    mid = 18 + height / 2
    svg.line(8, mid, 8 + n * bar, mid, stroke="#888")
    scale = (height / 2 - 2) / (np.abs(values).max() or 1.0)
    for i, v in enumerate(values):
        h = v * scale
        svg.rect(10 + i * bar, mid - max(h, 0), bar - 4, abs(h), fill="#d55e00" if v > 0 else "#0072b2")
    if labels:
        svg.labels([(8 + (i + 0.5) * bar, height + 26, labels[i]) for i in range(n)], size=10)
    return str(svg)


def flattened_view(name: str, terms: int, cell: int = 14) -> str:
    """A colour filter of :data:`FILTERS` and its approximation by ``terms`` rank-1 tensors.

    Parameters
    ----------
    name : str
        A key of :data:`FILTERS`.
    terms : int
        Number of flattened (channel × vertical × horizontal) terms, fitted
        greedily (:func:`greedy_terms`).
    cell : int
        Screen pixels per kernel tap.

    Returns
    -------
    str
        HTML: target, approximation and residual channel by channel (one
        colour scale), the three 1-d filters of the first term, the relative
        error and the parameters of the terms against the full filter.
    """
    if name not in FILTERS:
        raise ValueError(f"name must be one of {', '.join(FILTERS)}; got {name!r}")
    w = FILTERS[name]
    found = _terms(name, terms)
    approx = sum(flattened_kernel(a[None], b[None], c[None])[0] for a, b, c in found)
    error = np.linalg.norm(w - approx) / np.linalg.norm(w)
    channels, k_h, k_w = w.shape
    a, b, c = found[0]
    vectors = "".join([
        _vector_svg(a, "channel a", CHANNELS),
        _vector_svg(b, "vertical b"),
        _vector_svg(c, "horizontal c"),
    ])
    grids = "".join([
        _slices(w, 1.0, cell, "filter"),
        _slices(approx, 1.0, cell, f"{terms} term(s)"),
        _slices(w - approx, 1.0, cell, "residual"),
    ])
    flat = terms * (channels + k_h + k_w)
    text = (
        f"<div style='font-size:13px;line-height:1.5'><b>{escape(name)}</b> ({channels}×{k_h}×{k_w}), "
        f"{terms} flattened term(s): relative error ‖w − ŵ‖ / ‖w‖ = <b>{error:.3f}</b>. Weights: "
        f"{terms}·({channels} + {k_h} + {k_w}) = {flat} against {channels}·{k_h}·{k_w} = {channels * k_h * k_w} "
        f"for the full filter. Bars: the 1-d filters of term 1 (orange &gt; 0, blue &lt; 0); images: red &gt; 0, "
        f"white 0, blue &lt; 0, full colour at ±1.</div>"
    )
    return (
        "<div style='display:flex;flex-wrap:wrap;gap:6px 18px;align-items:flex-start'>"
        f"<div>{grids}</div><div style='display:flex;gap:6px'>{vectors}</div></div>{text}"
    )


def flattened_explorer(initial: str = "edge at 45°") -> Explorer:
    """A menu of :data:`FILTERS` and a slider for the number of terms over :func:`flattened_view`."""
    return Explorer(
        flattened_view,
        [Control("name", list(FILTERS), "filter", initial), Control("terms", [1, 2, 3, 4], "rank-1 terms R")],
    )


__all__ = [
    "FILTERS",
    "LUMINANCE",
    "filter_bank",
    "flattened_explorer",
    "flattened_view",
    "greedy_terms",
]
