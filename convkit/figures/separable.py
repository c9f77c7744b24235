"""Figures of the chapter "Spatially separable convolution".

* :data:`KERNELS` -- separable and non-separable kernels to try:
  Sobel, Gaussian, box, Laplacian, a Gaussian derivative at 45°, a disk and a
  random kernel (:func:`directional_derivative`, :func:`disk` build two of them).
* :func:`separable_view` / :func:`separable_explorer` -- choose a kernel and a
  rank ``r``: the kernel, its best rank-``r`` approximation (truncated SVD) and
  the difference, the singular values, and the test image filtered by ``r``
  pairs of 1-d passes next to the exact 2-d result.
* :func:`error_vs_rank_html` -- relative error of the best rank-``r``
  approximation against ``r`` for several kernels (matplotlib, inline SVG).
* :func:`oriented_patterns` -- a synthetic data set of noisy gratings in four
  orientations, for training a small network in the chapter.
* :func:`spectra_html` -- normalised singular values of sets of kernels
  (for example, before and after training).
"""

from __future__ import annotations

import functools
from html import escape
from typing import Mapping

import numpy as np

from ..conv import conv2d
from ..images import test_image
from ..interactive import Control, Explorer
from ..kernels import box_blur, gaussian, laplacian, sobel_x
from ..separable import low_rank_factors, spatially_separable_conv2d
from ..svg import SVG
from .common import figure_html, image_html, signed_rgb

IMAGE_SIZE = 40


def directional_derivative(size: int = 5, angle: float = 45.0, sigma: float = 1.0) -> np.ndarray:
    """Derivative of a Gaussian along the direction ``angle`` (degrees, 0 = rightwards, 90 = downwards).

    ``w[y, x] = (x cos a + y sin a) g(x) g(y)`` with ``g`` a 1-d Gaussian and
    ``(x, y)`` measured from the centre: ``cos a (x g(x)) g(y) + sin a g(x) (y g(y))``,
    a sum of two separable kernels, so its rank is 1 at 0° and 90° and 2 otherwise.

    Returns
    -------
    ndarray, shape (size, size)
        Scaled so that ``max |w| = 1``.
    """
    t = np.arange(size) - (size - 1) / 2
    g = np.exp(-(t**2) / (2 * sigma**2))
    a = np.deg2rad(angle)
    w = np.cos(a) * np.outer(g, t * g) + np.sin(a) * np.outer(t * g, g)
    return w / np.abs(w).max()


def disk(size: int = 7) -> np.ndarray:
    """A disk-shaped blur: equal weights inside the inscribed circle, summing to 1.

    Returns
    -------
    ndarray, shape (size, size)
    """
    t = np.arange(size) - (size - 1) / 2
    inside = (t[:, None] ** 2 + t[None, :] ** 2) <= ((size - 1) / 2 + 0.2) ** 2
    return inside / inside.sum()


#: The kernels of the explorer, by menu label: three separable ones (Sobel, Gaussian, box)
#: and four that are not (Laplacian, derivative at 45°, disk, random).
KERNELS: dict[str, np.ndarray] = {
    "Sobel x 3×3": sobel_x(),
    "Gaussian 7×7, σ=1.5": gaussian(7, 1.5),
    "box 5×5": box_blur(5),
    "Laplacian 3×3": laplacian(),
    "derivative at 45°, 5×5": directional_derivative(5, 45.0),
    "disk 7×7": disk(7),
    "random 5×5": np.random.default_rng(0).standard_normal((5, 5)),
}


@functools.lru_cache(maxsize=None)
def _image(size: int) -> np.ndarray:
    image = test_image(size)
    image.flags.writeable = False
    return image


def outlined(html: str) -> str:
    """An :func:`~convkit.figures.common.image_html` image with a thin grey outline (white cells stay visible)."""
    return html.replace("style='image-rendering:pixelated'", "style='image-rendering:pixelated;outline:1px solid #9aa5b1'")


def _heat(values: np.ndarray, limit: float, cell: int, title: str) -> str:
    """A small signed array as an image: red > 0, white 0, blue < 0, on the scale ``limit``."""
    return outlined(image_html(signed_rgb(values, limit), scale=cell, title=title))


def _bars_svg(s: np.ndarray, rank: int) -> str:
    width, height, left, bottom = 190, 120, 30, 22
    bar = (width - left - 8) / len(s)
    svg = SVG(width, height, label=f"singular values of the kernel; the first {rank} are kept")
    svg.text(left, 12, "singular values σ", size=11, fill="#333")
    top = 20
    plot_h = height - bottom - top
    svg.line(left, top + plot_h, width - 4, top + plot_h, stroke="#888")
    for i, value in enumerate(s):
        h = plot_h * value / s[0] if s[0] > 0 else 0
        kept = i < rank
        svg.rect(left + i * bar + 2, top + plot_h - h, bar - 4, h,
                 fill="#0072b2" if kept else "#c9ced6", stroke="#555" if kept else "none")
    svg.labels([(left + (i + 0.5) * bar, top + plot_h + 14, str(i + 1)) for i in range(len(s))], size=10)
    svg.labels([(left - 12, top + 4, f"{s[0]:.2g}"), (left - 12, top + plot_h + 3, "0")], size=9)
    return str(svg)


def separable_passes(image: np.ndarray, kernel: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """The image filtered by the best rank-``rank`` approximation, as ``rank`` pairs of 1-d passes.

    Each term ``r`` is a vertical pass with ``columns[:, r]`` followed by a
    horizontal pass with ``rows[r]`` (:func:`~convkit.separable.spatially_separable_conv2d`,
    ``padding='same'``); the terms are summed.

    Returns
    -------
    first_pass : ndarray, shape (H, W)
        The vertical pass of the first term (the intermediate image).
    output : ndarray, shape (H, W)
        The sum of the ``rank`` two-pass results.
    """
    columns, rows = low_rank_factors(kernel, rank)
    x = np.asarray(image, dtype=float)[None, None]
    first = conv2d(x, columns[:, 0].reshape(1, 1, -1, 1), padding="same")[0, 0]
    # all terms at once: the vertical pass makes `rank` channels, the horizontal pass
    # filters each with its own row and sums them (one output channel)
    output = spatially_separable_conv2d(x, columns.T.reshape(rank, 1, -1, 1), rows.reshape(1, rank, 1, -1),
                                        padding="same")[0, 0]
    return first, output


def separable_view(name: str, rank: int, size: int = IMAGE_SIZE, scale: int = 2) -> str:
    """One kernel of :data:`KERNELS` approximated with rank ``rank`` (clipped to its size).

    Parameters
    ----------
    name : str
        A key of :data:`KERNELS`.
    rank : int
        Number of separable terms kept (``1`` = one column and one row).
    size, scale : int
        Side of the test image and screen pixels per image pixel.

    Returns
    -------
    str
        HTML: kernel, approximation and difference (one colour scale); the
        singular values; the relative error; the test image, the first
        vertical pass, the rank-``r`` output, the exact output and their
        difference.
    """
    if name not in KERNELS:
        raise ValueError(f"name must be one of {', '.join(KERNELS)}; got {name!r}")
    w = KERNELS[name]
    s = np.linalg.svd(w, compute_uv=False)
    r = min(rank, len(s))
    columns, rows = low_rank_factors(w, r)
    approx = columns @ rows
    limit = float(np.abs(w).max())
    cell = max(6, 84 // w.shape[0])
    kernels = "".join([
        _heat(w, limit, cell, "kernel"),
        _heat(approx, limit, cell, f"rank {r}"),
        _heat(w - approx, limit, cell, "difference"),
    ])
    error = np.linalg.norm(w - approx) / np.linalg.norm(w)
    image = _image(size)
    first, output = separable_passes(image, w, r)
    exact = conv2d(image[None, None], w[None, None], padding="same")[0, 0]
    out_limit = float(np.abs(exact).max()) or 1.0
    mid_limit = float(np.abs(first).max()) or 1.0
    pictures = "".join([
        image_html(image, scale=scale, title="input"),
        image_html(signed_rgb(first, mid_limit), scale=scale, title="1st vertical pass"),
        image_html(signed_rgb(output, out_limit), scale=scale, title=f"{r} × 2 passes"),
        image_html(signed_rgb(exact, out_limit), scale=scale, title="exact 2-d"),
        image_html(signed_rgb(output - exact, out_limit), scale=scale, title="difference"),
    ])
    k_h, k_w = w.shape
    macs = r * (k_h + k_w)
    numerical_rank = int(np.sum(s > 1e-10 * s[0]))
    separable = "separable (rank 1)" if numerical_rank == 1 else f"numerical rank {numerical_rank}"
    tie = r < len(s) and s[r] > 1e-10 * s[0] and abs(s[r - 1] - s[r]) <= 1e-9 * s[0]
    note = (f" Here σ<sub>{r}</sub> = σ<sub>{r + 1}</sub>, so the best rank-{r} approximation is not "
            "unique: the SVD returns one of many equally good ones." if tie else "")
    tail = f"= √(σ<sub>{r + 1}</sub>² + …) / ‖w‖" if r < len(s) else "all singular values kept"
    text = (
        f"<div style='font-size:13px;line-height:1.5'><b>{escape(name)}</b>: {separable}. "
        f"Rank {r}: relative error ‖w − w<sub>{r}</sub>‖ / ‖w‖ = <b>{error:.3g}</b> "
        f"({tail}). Multiply-adds per output pixel: "
        f"{r}·({k_h} + {k_w}) = {macs} with 1-d passes, {k_h * k_w} with the full kernel. "
        f"{note} Colours: red &gt; 0, white 0, blue &lt; 0; the last three images share one scale.</div>"
    )
    return (
        "<div style='display:flex;flex-wrap:wrap;gap:8px 16px;align-items:flex-end'>"
        f"<div>{kernels}</div><div>{_bars_svg(s, r)}</div></div>"
        f"<div>{pictures}</div>{text}"
    )


def separable_explorer(initial: str = "disk 7×7") -> Explorer:
    """A menu of :data:`KERNELS` and a rank slider over :func:`separable_view`."""
    return Explorer(
        separable_view,
        [Control("name", list(KERNELS), "kernel", initial), Control("rank", list(range(1, 8)), "rank r")],
    )


def error_vs_rank_html(kernels: Mapping[str, np.ndarray]) -> str:
    """Relative error of the best rank-``r`` approximation against ``r``, one line per kernel.

    The error is ``sqrt(sigma_{r+1}^2 + ...) / ||w||`` (Eckart--Young); rank-1
    kernels drop to zero at ``r = 1``.

    Returns
    -------
    str
        Inline SVG (matplotlib).
    """
    import matplotlib.pyplot as plt

    markers = "osD^vP*X"
    fig, ax = plt.subplots(figsize=(6.2, 3.4))
    for j, (name, w) in enumerate(kernels.items()):
        s = np.linalg.svd(np.asarray(w, dtype=float), compute_uv=False)
        tail = np.sqrt(np.maximum(np.cumsum((s**2)[::-1])[::-1], 0.0))  # tail[r] = sqrt(sum_{i>=r} s_i^2)
        ranks = np.arange(0, len(s) + 1)
        errors = np.append(tail, 0.0) / np.linalg.norm(s)
        ax.plot(ranks, errors, marker=markers[j % len(markers)], label=name, linewidth=1.5)
    ax.set_xlabel("rank r of the approximation")
    ax.set_ylabel("relative error ‖w − w_r‖ / ‖w‖")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    fig.tight_layout()
    return figure_html(fig, "svg")


def oriented_patterns(n: int, size: int = 16, seed: int = 0, noise: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Noisy sinusoidal gratings in four orientations: a toy data set for a small network.

    Class ``c`` has stripes across the direction ``45 c`` degrees (0°: the
    intensity varies along the rows, i.e. vertical stripes; 90°: horizontal
    stripes; 45° and 135°: diagonal stripes), with a random spatial
    frequency (0.5 to 0.9 radians per pixel) and phase, plus Gaussian noise.

    Returns
    -------
    images : ndarray, shape (n, 1, size, size), float32
    labels : ndarray, shape (n,), int64, in ``0..3``
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n)
    angle = np.deg2rad(45.0 * labels)[:, None, None]
    y, x = np.mgrid[0:size, 0:size] - (size - 1) / 2
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 1))
    frequency = rng.uniform(0.5, 0.9, (n, 1, 1))
    images = np.cos(frequency * (x * np.cos(angle) + y * np.sin(angle)) + phase)
    images = images + noise * rng.standard_normal((n, size, size))
    return images[:, None].astype(np.float32), labels.astype(np.int64)


def spectra_html(kernel_sets: Mapping[str, np.ndarray]) -> str:
    """Singular values ``sigma_i / sigma_1`` of every kernel in each set, one panel per set.

    Parameters
    ----------
    kernel_sets : mapping of str to ndarray of shape (n, k, k)

    Returns
    -------
    str
        Inline SVG (matplotlib): a line per kernel; a separable kernel is a
        line that drops to 0 after ``i = 1``.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(kernel_sets), figsize=(3.1 * len(kernel_sets), 2.8), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, (name, kernels) in zip(axes, kernel_sets.items()):
        s = np.linalg.svd(np.asarray(kernels, dtype=float), compute_uv=False)
        s = s / s[:, :1]
        for j, values in enumerate(s):
            ax.plot(np.arange(1, s.shape[1] + 1), values, marker="o", markersize=3, linewidth=1,
                    color=plt.cm.viridis(j / max(len(s) - 1, 1)))
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("i")
        ax.set_xticks(np.arange(1, s.shape[1] + 1))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("σ_i / σ_1")
    fig.tight_layout()
    return figure_html(fig, "svg")


__all__ = [
    "KERNELS",
    "directional_derivative",
    "disk",
    "error_vs_rank_html",
    "oriented_patterns",
    "outlined",
    "separable_explorer",
    "separable_passes",
    "separable_view",
    "spectra_html",
]
