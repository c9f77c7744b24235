"""Figures of the chapter "Convolution in deep learning".

* :func:`filter_view` / :func:`filter_explorer` -- the grayscale test image
  (:func:`~convkit.images.test_image`) filtered by a hand-made kernel
  (:mod:`convkit.kernels`) chosen from a drop-down menu: input, kernel
  numbers and output.
* :func:`channel_contributions` -- the per-input-channel terms of one output
  channel, ``x_c`` correlated with ``w_c``.
* :func:`channel_sum_example`, :func:`channel_sum_view` /
  :func:`channel_sum_explorer` -- one output value of a multi-channel
  convolution in real numbers: a ``C_in x k x k`` filter over one window of
  a small ``C_in``-channel input, each channel's partial sum written out,
  then their sum plus the bias; sliders choose the window.
* :func:`mixing_view` / :func:`mixing_explorer` -- one output channel of a
  ``1 x 1`` convolution over the R, G, B channels of
  :func:`~convkit.images.test_image_rgb`, with sliders for the three weights:
  the three weighted channels and their sum.
"""

from __future__ import annotations

import functools
import numbers
from html import escape
from typing import Sequence

import numpy as np

from ..arguments import as_float_array
from ..conv import conv2d
from ..images import test_image, test_image_rgb
from ..interactive import Control, Explorer
from ..kernels import box_blur, emboss, gaussian, identity, laplacian, outline, sharpen, sobel_x, sobel_y
from ..svg import SVG
from .common import GRID, INPUT, KERNEL, KERNEL_CELL, OUTPUT, array_svg, fmt, image_html, signed, signed_rgb

IMAGE_SIZE = 64
SCALE = 2
MIX_LIMIT = 1.0  # colour scale of the mixing figure: full colour at +-1 and beyond

# drop-down label -> (kernel, one-line explanation)
FILTERS: dict[str, tuple[np.ndarray, str]] = {
    "identity": (identity(), "copies the input: the output equals the input (minus a 1-pixel border)"),
    "box blur 3×3": (box_blur(3), "mean of each 3×3 window: edges get soft, flat regions stay"),
    "box blur 5×5": (box_blur(5), "a wider mean: stronger blur, the stripes almost vanish"),
    "Gaussian 5×5, σ=1": (gaussian(5, 1.0), "weighted mean, near pixels count more: a smoother blur"),
    "sharpen": (sharpen(), "identity minus Laplacian: every edge overshoots (clipped to [0, 1])"),
    "Sobel x": (sobel_x(), "horizontal change: vertical edges light up, red where it gets brighter to the right"),
    "Sobel y": (sobel_y(), "vertical change: horizontal edges light up, red where it gets brighter downwards"),
    "Laplacian": (laplacian(), "second derivative: thin double lines along every edge"),
    "outline": (outline(), "8-neighbour edge detector: flat regions → 0, outlines remain"),
    "emboss": (emboss(), "diagonal derivative plus image: a relief, lit from the top left"),
}


def _framed(rgb: np.ndarray) -> np.ndarray:
    """An ``(H, W, 3)`` image with a 1-pixel gray frame around it (so white images stay visible)."""
    return np.pad(rgb, ((1, 1), (1, 1), (0, 0)), constant_values=0.75)


def _gray_rgb(values: np.ndarray) -> np.ndarray:
    """Gray levels clipped to ``[0, 1]`` (0 black, 1 white), as an RGB array."""
    gray = np.clip(values, 0.0, 1.0)
    return np.repeat(gray[..., np.newaxis], 3, axis=2)


def _kernel_factor(w: np.ndarray) -> int | None:
    """Smallest ``d <= 100`` for which ``d * w`` is all integers, or None."""
    for d in range(1, 101):
        if np.allclose(w * d, np.round(w * d), atol=1e-9):
            return d
    return None


def kernel_svg(w: np.ndarray, cell: int = 28, title: str = "kernel") -> SVG:
    """A small kernel as a grid of numbers: positive cells orange, negative blue.

    Parameters
    ----------
    w : ndarray, shape (K, K)
    cell : int
        Minimum side of one cell in pixels (widened for long numbers).
    title : str
        Caption; a common factor such as ``1/9`` is appended when all
        weights are multiples of it.

    Returns
    -------
    SVG
    """
    w = np.asarray(w, dtype=float)
    if w.ndim != 2:
        raise ValueError(f"w must be a 2-d kernel, got shape {w.shape}")
    d = _kernel_factor(w)
    if d is not None:
        shown = [[str(int(round(v * d))) for v in row] for row in w]
        if d > 1:
            title = f"{title} = 1/{d} ×"
    else:
        shown = [[f"{v:.3f}" for v in row] for row in w]
    cell = max(cell, 8 * max(len(s) for row in shown for s in row) + 6)
    rows, cols = w.shape
    width = max(cols * cell + 4, 8 * len(title))
    svg = SVG(width, rows * cell + 24, label=f"{rows}x{cols} kernel")
    svg.text(2, 14, title, size=12, fill="#333")
    for r in range(rows):
        for c in range(cols):
            fill = "#fde7c0" if w[r, c] > 0 else "#d6e6f5" if w[r, c] < 0 else "#ffffff"
            svg.rect(2 + c * cell, 20 + r * cell, cell, cell, fill=fill)
            svg.text(2 + (c + 0.5) * cell, 20 + (r + 0.5) * cell + 4, shown[r][c], size=11,
                     text_anchor="middle", fill="#111")
    svg.grid(2, 20, rows, cols, cell, stroke=GRID)
    return svg


def _panel(html: str) -> str:
    return f"<span style='display:inline-block;vertical-align:top;margin-right:12px'>{html}</span>"


@functools.lru_cache(maxsize=None)
def _test_image(size: int) -> np.ndarray:
    image = test_image(size)
    image.flags.writeable = False
    return image


@functools.lru_cache(maxsize=None)
def _test_image_rgb(size: int) -> np.ndarray:
    image = test_image_rgb(size)
    image.flags.writeable = False
    return image


def filter_view(name: str, size: int = IMAGE_SIZE, scale: int = SCALE) -> str:
    """The grayscale test image filtered by one of the kernels in ``FILTERS``.

    The output is ``conv2d(x[None, None], w[None, None])`` without padding, so
    a ``K x K`` kernel turns the ``size x size`` input into
    ``(size - K + 1) x (size - K + 1)``.  Kernels that sum to 1 are shown as
    gray levels clipped to ``[0, 1]``; kernels that sum to 0 (derivatives) as
    signed colours, blue negative and red positive, at full colour from half
    the largest absolute output on.

    Parameters
    ----------
    name : str
        A key of ``convkit.figures.filters.FILTERS``.
    size : int
        Side of the test image in pixels.
    scale : int
        Each pixel is drawn as ``scale x scale`` screen pixels.

    Returns
    -------
    str
        HTML: input image, kernel grid, output image and a caption.

    Raises
    ------
    ValueError
        If ``name`` is not a key of ``FILTERS``.
    """
    if name not in FILTERS:
        raise ValueError(f"name must be one of {', '.join(FILTERS)}; got {name!r}")
    w, explanation = FILTERS[name]
    x = _test_image(size)
    y = conv2d(x[np.newaxis, np.newaxis], w[np.newaxis, np.newaxis])[0, 0]
    total = float(w.sum())
    if abs(total) < 1e-12:
        limit = 0.5 * float(np.abs(y).max()) or 1.0  # half the largest value: weak edges stay visible
        shown = signed_rgb(y, limit)
        legend = f"blue < 0 (white = 0) < red, full colour at ±{limit:.2g} and beyond"
    else:
        shown = _gray_rgb(y)
        legend = "gray levels, 0 = black, 1 = white"
    k = w.shape[0]
    panels = (
        image_html(_gray_rgb(x), scale=scale, title=f"input {size}×{size}"),
        str(kernel_svg(w)),
        image_html(_framed(shown), scale=scale, title=f"output {y.shape[0]}×{y.shape[1]}"),
    )
    caption = (
        f"<div style='font-size:13px;line-height:1.45'><b>{escape(name)}</b>: {escape(explanation)}."
        f"<br>kernel sum = {total:.3g}; output size {size} − {k} + 1 = {y.shape[0]}; {escape(legend)}</div>"
    )
    return "<div>" + "".join(_panel(p) for p in panels) + "</div>" + caption


def filter_explorer(names: Sequence[str] | None = None, initial: str = "Sobel x") -> Explorer:
    """A drop-down menu of kernels over :func:`filter_view`.

    Parameters
    ----------
    names : sequence of str, optional
        Keys of ``FILTERS`` to offer (default: all ten).
    initial : str
        The kernel shown first.

    Returns
    -------
    Explorer
    """
    names = list(FILTERS) if names is None else list(names)
    for name in names:
        if name not in FILTERS:
            raise ValueError(f"names must be keys of FILTERS ({', '.join(FILTERS)}); got {name!r}")
    return Explorer(filter_view, [Control("name", names, "kernel", initial)])


def channel_contributions(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The terms ``x_c ⋆ w_c`` of one output channel, one per input channel.

    Summing them over ``c`` (and adding the bias) gives the output channel:
    ``channel_contributions(x, w).sum(0) + b == conv2d(x, w[None], b[None])[0]``.

    Parameters
    ----------
    x : ndarray, shape (C, H, W)
        Multi-channel input, channels first.
    w : ndarray, shape (C, kH, kW)
        The kernels of one output channel, one per input channel.

    Returns
    -------
    ndarray, shape (C, H_out, W_out)
        ``out[c] = conv2d(x[c][None, None], w[c][None, None])[0, 0]``: the
        input channel ``c`` cross-correlated with its kernel, no padding.

    Raises
    ------
    ValueError
        If the ranks are wrong or the channel counts differ.
    """
    x = as_float_array(x, "x")
    w = as_float_array(w, "w")
    dtype = np.result_type(x, w)  # a figure helper: NumPy's promotion, not conv2d's strict rule
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (C, H, W), got shape {x.shape}")
    if w.ndim != 3:
        raise ValueError(f"w must have shape (C, kH, kW), got shape {w.shape}")
    if x.shape[0] != w.shape[0]:
        raise ValueError(f"x and w must have the same number of channels, got {x.shape[0]} and {w.shape[0]}")
    return np.stack([conv2d(x[c][None, None], w[c][None, None])[0, 0] for c in range(x.shape[0])])


@functools.lru_cache(maxsize=None)
def _signed_png(values_key: tuple[int, float], size: int, scale: int, title: str) -> str:
    """Cached PNG of ``weight * channel`` of the RGB test image (channel, weight) = values_key."""
    channel, weight = values_key
    values = weight * _test_image_rgb(size)[..., channel]
    return image_html(_framed(signed_rgb(values, MIX_LIMIT)), scale=scale, title=title)


def _legend_svg(limit: float, width: int = 170) -> str:
    """A 9-step colour bar for :func:`_signed_rgb` with labels at both ends and 0."""
    steps, margin = 9, 22
    svg = SVG(width, 30, label=f"colour scale from -{limit:g} to {limit:g}")
    colours = signed_rgb(np.linspace(-limit, limit, steps), limit)
    box = (width - 2 * margin) / steps
    for j, (r, g, b) in enumerate(colours):
        svg.rect(margin + j * box, 2, box + 0.5, 12,
                 fill=f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}")
    svg.rect(margin, 2, width - 2 * margin, 12, fill="none", stroke="#bbb")
    svg.text(margin, 27, f"≤ −{limit:g}", size=11, text_anchor="middle", fill="#333")
    svg.text(width / 2, 27, "0", size=11, text_anchor="middle", fill="#333")
    svg.text(width - margin, 27, f"≥ +{limit:g}", size=11, text_anchor="middle", fill="#333")
    return str(svg)


def _check_weight(value: object, name: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    return float(value)


def mixing_view(r: float, g: float, b: float, size: int = IMAGE_SIZE, scale: int = SCALE) -> str:
    """One output channel of a ``1 x 1`` convolution over the RGB test image.

    The layer has weight ``[[[[r]], [[g]], [[b]]]]`` (shape ``(1, 3, 1, 1)``)
    and no bias, so every output pixel is ``r * R + g * G + b * B`` of the
    pixel below it.  The figure shows the three weighted channels (computed
    by :func:`channel_contributions`) and their sum (computed by
    :func:`~convkit.conv.conv2d` on the 3-channel input), all on one colour
    scale from -1 (blue) through 0 (white) to +1 (red); larger values (up to
    1.9 for the sum) are drawn at full colour.

    Parameters
    ----------
    r, g, b : float
        Weights of the red, green and blue input channels.
    size, scale : int
        Image side in pixels and screen pixels per image pixel.

    Returns
    -------
    str
        HTML.

    Raises
    ------
    TypeError
        If a weight is not a real number.
    """
    weights = [_check_weight(v, n) for v, n in ((r, "r"), (g, "g"), (b, "b"))]
    image = _test_image_rgb(size)
    x = image.transpose(2, 0, 1)  # (3, H, W): channels first
    y = conv2d(x, np.array(weights).reshape(1, 3, 1, 1))[0]
    names = ("R", "G", "B")
    terms = [
        _signed_png((c, weights[c]), size, scale, f"{weights[c]:g} · {names[c]}") for c in range(3)
    ]
    total = image_html(_framed(signed_rgb(y, MIX_LIMIT)), scale=scale, title="output channel")
    operator = "<span style='display:inline-block;font-size:22px;margin:60px 8px 0 0;vertical-align:top'>{}</span>"
    row = (
        _panel(image_html(image, scale=scale, title="RGB input"))
        + terms[0] + operator.format("+") + terms[1] + operator.format("+") + terms[2]
        + operator.format("=") + total
    )
    formula = (
        f"y = {weights[0]:g}·R + {weights[1]:g}·G + {weights[2]:g}·B"
        f"  (weight shape (1, 3, 1, 1), no bias); output range [{y.min():.2f}, {y.max():.2f}]"
    )
    return (
        f"<div style='white-space:nowrap'>{row}</div>"
        f"<div style='font-size:13px;display:flex;align-items:center;gap:14px;flex-wrap:wrap'>"
        f"<code>{escape(formula)}</code>{_legend_svg(MIX_LIMIT)}</div>"
    )


def mixing_explorer(
    values: Sequence[float] = (-1.0, -0.5, 0.0, 0.5, 1.0),
    initial: tuple[float, float, float] = (1.0, -0.5, -0.5),
) -> Explorer:
    """Sliders for the three channel weights of :func:`mixing_view`.

    Parameters
    ----------
    values : sequence of float
        Values offered for each weight (5 values give 125 frames).
    initial : (float, float, float)
        Initial weights of R, G and B.

    Returns
    -------
    Explorer
    """
    return Explorer(
        mixing_view,
        [
            Control("r", list(values), "weight of R", initial[0]),
            Control("g", list(values), "weight of G", initial[1]),
            Control("b", list(values), "weight of B", initial[2]),
        ],
    )


# -- one output value of a multi-channel convolution, in numbers ---------------------------------
def channel_sum_example(channels: int = 3, size: int = 5, k: int = 3, seed: int = 7
                        ) -> tuple[np.ndarray, np.ndarray, float]:
    """Small integer data for :func:`channel_sum_view`.

    Returns
    -------
    x : ndarray, shape (channels, size, size)
        Input values in ``0 .. 3``.
    w : ndarray, shape (channels, k, k)
        The filter of one output channel, values in ``-1 .. 2``.
    b : float
        Its bias, ``1.0``.
    """
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(channels, size, size)).astype(float)
    w = rng.integers(-1, 3, size=(channels, k, k)).astype(float)
    return x, w, 1.0


def channel_sum_view(x: np.ndarray, w: np.ndarray, b: float, i: int, j: int, cell: int = 22) -> str:
    """Output ``(i, j)`` of one output channel: every input channel's partial sum, then the total.

    Parameters
    ----------
    x : ndarray, shape (C_in, H, W)
        A small input (its values are printed).
    w : ndarray, shape (C_in, k_h, k_w)
        The filter of one output channel: one kernel slice per input channel.
    b : float
        The bias of that output channel.
    i, j : int
        The window: rows ``i .. i + k_h - 1`` and columns ``j .. j + k_w - 1``
        (stride 1, no padding), ``0 <= i < H - k_h + 1`` and so on.
    cell : int
        Side of one grid cell in pixels.

    Returns
    -------
    str
        An SVG with one row per input channel (the channel with the window
        framed, its kernel slice, the partial sum) and the output map with
        ``(i, j)`` marked, then the products and sums written out.  The
        partial sums are :func:`channel_contributions` and the output is
        :func:`~convkit.conv.conv2d`, both computed by ``convkit``.
    """
    x = as_float_array(x, "x")
    w = as_float_array(w, "w")
    if x.ndim != 3 or w.ndim != 3 or x.shape[0] != w.shape[0]:
        raise ValueError(f"x must be (C_in, H, W) and w (C_in, kH, kW) with the same C_in, got {x.shape} and {w.shape}")
    dtype = np.result_type(x, w)
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    partials = channel_contributions(x, w)  # (C_in, H_out, W_out)
    y = conv2d(x[None], w[None], np.array([b], dtype=dtype))[0, 0]
    channels, height, width = x.shape
    kh, kw = w.shape[1:]
    out_h, out_w = y.shape
    for name, value, size in (("i", i, out_h), ("j", j, out_w)):
        if not isinstance(value, (int, np.integer)) or not 0 <= value < size:
            raise ValueError(f"{name} must be an int in [0, {size}), got {value!r}")

    margin, gap, row_gap, top = 8, 44, 16, 30
    row_h = height * cell + 20 + row_gap
    x_kernel = margin + 78 + width * cell + gap
    x_sum = x_kernel + kw * cell + gap
    x_sigma = x_sum + 110 + 56  # centre of the summing node
    x_out = x_sigma + 70
    total_w = x_out + max(out_w * cell, 70) + margin
    total_h = top + channels * row_h + 10
    svg = SVG(total_w, total_h, label=f"a {channels}x{kh}x{kw} filter over window ({i}, {j}) of a "
                                      f"{channels}-channel input: partial sums, their sum plus bias")
    svg.text(margin, 16, f"window ({i}, {j}): rows {i}…{i + kh - 1}, columns {j}…{j + kw - 1} of every channel",
             size=13, fill="#333", font_weight="bold")
    for c in range(channels):
        y0 = top + c * row_h
        svg.text(margin, y0 + 14 + height * cell / 2, f"channel {c}", size=12, fill="#333")
        gx = margin + 78
        svg.text(gx, y0 + 12, f"x[{c}]", size=11, fill="#555")
        drawn = array_svg(x[c], cell=cell, fill=INPUT,
                          highlight=[(i + a, j + bb) for a in range(kh) for bb in range(kw)],
                          highlight_fill=KERNEL_CELL)
        svg.items.append(f"<g transform='translate({gx - 2},{y0 + 14})'>{''.join(drawn.items)}</g>")
        svg.rect(gx + j * cell, y0 + 16 + i * cell, kw * cell, kh * cell, fill="none", stroke=KERNEL, stroke_width=2.5)
        svg.text(gx + width * cell + gap / 2, y0 + 20 + height * cell / 2, "⋆", size=18, fill="#333",
                 text_anchor="middle")
        svg.text(x_kernel, y0 + 12, f"w[{c}]", size=11, fill="#555")
        kernel_drawn = array_svg(w[c], cell=cell, fill=KERNEL_CELL)
        top_k = y0 + 14 + (height - kh) * cell / 2
        svg.items.append(f"<g transform='translate({x_kernel - 2},{top_k})'>{''.join(kernel_drawn.items)}</g>")
        svg.text(x_kernel + kw * cell + gap / 2, y0 + 20 + height * cell / 2, "→", size=16, fill="#333",
                 text_anchor="middle")
        svg.rect(x_sum, y0 + 14 + height * cell / 2 - 14, 110, 28, fill="#f4f6f8", stroke=GRID, rx=4)
        svg.text(x_sum + 55, y0 + 14 + height * cell / 2 + 5, f"partial {fmt(partials[c, i, j])}", size=12,
                 fill="#111", text_anchor="middle")
    # partial sums -> sum node (+ bias) -> output value (i, j)
    mid = top + (channels * row_h - row_gap) / 2
    for c in range(channels):
        yc = top + c * row_h + 14 + height * cell / 2
        svg.line(x_sum + 110, yc, x_sigma - 18, mid, stroke=GRID, stroke_width=1.2)
    svg.circle(x_sigma, mid, 18, fill="white", stroke=GRID, stroke_width=1.5)
    svg.text(x_sigma, mid + 6, "Σ", size=17, fill="#111", text_anchor="middle")
    svg.text(x_sigma, mid + 38, f"+ bias {fmt(b)}", size=12, fill="#111", text_anchor="middle")
    svg.text(x_sigma, mid + 54, f"= {fmt(y[i, j])}", size=12, fill="#111", text_anchor="middle", font_weight="bold")
    # the output map: value (i, j) marked
    oy = top + (channels * row_h - out_h * cell) / 2
    target_y = oy + (i + 0.5) * cell
    svg.path(f"M{x_sigma + 18} {mid}L{x_out + j * cell - 4} {target_y}", stroke=KERNEL, stroke_width=1.5, fill="none")
    svg.text(x_out, oy - 8, "output y", size=11, fill="#555")
    out_drawn = array_svg(y, cell=cell, fill=OUTPUT, highlight=[(i, j)], highlight_fill=KERNEL)
    svg.items.append(f"<g transform='translate({x_out - 2},{oy - 2})'>{''.join(out_drawn.items)}</g>")

    lines = []
    for c in range(channels):
        window = x[c, i:i + kh, j:j + kw]
        products = " + ".join(f"{signed(a)}·{signed(v)}" for a, v in zip(window.ravel(), w[c].ravel()))
        lines.append(f"channel {c}: {products} = <b>{escape(fmt(partials[c, i, j]))}</b>")
    total = " + ".join(signed(partials[c, i, j]) for c in range(channels))
    lines.append(f"y[{i}, {j}] = {total} + bias {signed(b)} = <b>{escape(fmt(y[i, j]))}</b>")
    text = "".join(f"<div style='margin:2px 0'>{line}</div>" for line in lines)
    return f"{svg}<div style='font-size:13px;line-height:1.4'>{text}</div>"


def channel_sum_explorer(x: np.ndarray | None = None, w: np.ndarray | None = None, b: float | None = None
                         ) -> Explorer:
    """Sliders for the window (row ``i``, column ``j``) over :func:`channel_sum_view`.

    Without arguments it uses :func:`channel_sum_example` (3 channels of
    5 x 5, a 3 x 3 x 3 filter: 9 windows).
    """
    if x is None or w is None or b is None:
        x0, w0, b0 = channel_sum_example()
        x = x0 if x is None else x
        w = w0 if w is None else w
        b = b0 if b is None else b
    x = as_float_array(x, "x")
    w = as_float_array(w, "w")
    out_h, out_w = x.shape[1] - w.shape[1] + 1, x.shape[2] - w.shape[2] + 1

    def render(i: int, j: int) -> str:
        return channel_sum_view(x, w, b, i, j)

    return Explorer(render, [Control("i", range(out_h), "window row i"), Control("j", range(out_w), "window column j")])


__all__ = [
    "FILTERS",
    "channel_contributions",
    "channel_sum_example",
    "channel_sum_explorer",
    "channel_sum_view",
    "filter_explorer",
    "filter_view",
    "kernel_svg",
    "mixing_explorer",
    "mixing_view",
]
