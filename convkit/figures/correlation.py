"""Figures of the chapter "Convolution vs cross-correlation".

* :func:`flip_view` -- one shift ``n`` of a short 1-d signal: side by side,
  the true convolution (kernel flipped under the signal) and the
  cross-correlation (kernel as is), the products under the kernel, their
  sum and both outputs filled in up to ``n``.
* :func:`flip_explorer` -- the same picture with a shift slider, a play
  button and a kernel menu.
* :func:`stamps`, :func:`superposition_view` / :func:`superposition_explorer`
  -- the scatter view of a convolution: every input sample stamps a scaled
  copy of the kernel, and the stamps add up to ``x * w`` (with a stride
  between the stamps, to a transposed convolution).

The numbers come from :func:`~convkit.correlation.convolve1d` and
:func:`~convkit.correlation.correlate1d` in ``'full'`` mode; output ``n`` is drawn
under the right end of the kernel window, where both operations put it.
"""

from __future__ import annotations

from html import escape
from typing import Mapping, Sequence

import numpy as np

from ..interactive import Control, Explorer
from ..correlation import convolve1d, correlate1d
from ..svg import FONT, SVG
from .common import GRID, KERNEL, KERNEL_CELL, PADDING

SIGNAL_STEM = "#2563eb"
OUTPUT_STEM = "#15803d"
GHOST = "#c3c9d0"
TEXT = "#333"

#: the signal of the chapter's figure: a box followed by a single spike
SIGNAL = (0, 1, 1, 1, 1, 0, 0, 1, 0)

#: the kernels of the chapter's figure (asymmetric ones show the flip)
KERNELS: dict[str, tuple[float, ...]] = {
    "ramp [1, 2, 3]": (1, 2, 3),
    "edge detector [1, 0, -1]": (1, 0, -1),
    "shift [0, 0, 1]": (0, 0, 1),
    "smoothing [1, 2, 1] (symmetric)": (1, 2, 1),
}

CELL = 28  # width of one sample column
LEFT = 40  # room for the row labels
PANEL_GAP = 26


def _num(value: float) -> str:
    """A sample value: integers without a decimal point, others with up to 2 decimals."""
    value = float(value)
    if value.is_integer():
        return str(int(value)).replace("-", "\u2212")
    return f"{value:.2f}".rstrip("0").rstrip(".").replace("-", "\u2212")


def _factor(value: float) -> str:
    """Like :func:`_num`, negative numbers in parentheses (for products)."""
    return f"({_num(value)})" if value < 0 else _num(value)


def _rich_text(svg: SVG, x: float, y: float, parts: Sequence[tuple[str, float]], bold: bool = False) -> None:
    """One line of text made of ``(text, font size)`` pieces (to enlarge the small \u22c6 glyph)."""
    spans = "".join(f"<tspan font-size='{size:g}'>{escape(text)}</tspan>" for text, size in parts)
    weight = " font-weight='bold'" if bold else ""
    svg.items.append(f"<text x='{x:g}' y='{y:g}' {FONT} fill='{TEXT}'{weight} xml:space='preserve'>{spans}</text>")


def _stems(
    svg: SVG,
    x0: float,
    values: Sequence[float],
    columns: Sequence[int],
    top: float,
    height: float,
    vmin: float,
    vmax: float,
    color: str,
    labels: bool = True,
) -> float:
    """Draw stems ``values`` at ``columns`` inside the band ``[top, top + height]``.

    Returns the y coordinate of the zero line.
    """
    span = max(vmax - vmin, 1e-12)
    zero = top + height * vmax / span

    def y_of(v: float) -> float:
        return zero - height * v / span

    lines = "".join(
        f"M{x0 + (c + 0.5) * CELL:g} {zero:g}V{y_of(v):.1f}" for v, c in zip(values, columns)
    )
    if lines:
        svg.path(lines, stroke=color, stroke_width=2, fill="none")
    for v, c in zip(values, columns):
        cx = x0 + (c + 0.5) * CELL
        svg.circle(cx, y_of(v), 3.5, fill=color)
        if labels:
            ty = y_of(v) - 6 if v >= 0 else y_of(v) + 14
            svg.text(cx, ty, _num(v), size=10, text_anchor="middle", fill=color)
    return zero


def _panel(
    svg: SVG,
    x0: float,
    signal: np.ndarray,
    kernel: np.ndarray,
    output: np.ndarray,
    n: int,
    flipped: bool,
    out_range: tuple[float, float],
) -> None:
    """One half of :func:`flip_view`, with its left edge at ``x0``."""
    size, k = signal.size, kernel.size
    pad = k - 1
    cols = size + 2 * pad  # samples m = -pad .. size + pad - 1
    width = cols * CELL
    gx = x0 + LEFT  # left edge of column 0 (m = -pad)

    star = "*" if flipped else "\u22c6"
    name = "true convolution" if flipped else "cross-correlation"
    _rich_text(svg, x0, 16, [(f"{name}  x ", 14), (star, 20 if not flipped else 14), (" w", 14)], bold=True)
    if flipped:
        formula = [("(x ", 12), ("*", 12), (" w)[n] = \u03a3 x[m] w[n \u2212 m]   (kernel flipped)", 12)]
    else:
        formula = [("(x ", 12), ("\u22c6", 17), (" w)[\u2113] = \u03a3 x[\u2113 + m] w[m]   (kernel as is)", 12)]
    _rich_text(svg, x0, 34, formula)

    # zero-padding columns (grey) and the current kernel window (orange band)
    band_top, band_bottom = 44, 218
    svg.rect(gx, band_top, pad * CELL, band_bottom - band_top, fill=PADDING)
    svg.rect(gx + (pad + size) * CELL, band_top, pad * CELL, band_bottom - band_top, fill=PADDING)
    window = n  # window covers columns n .. n + k - 1 (m = n - k + 1 .. n)
    svg.rect(gx + window * CELL + 1, band_top, k * CELL - 2, band_bottom - band_top,
             fill=KERNEL_CELL, fill_opacity=0.7, stroke=KERNEL, stroke_width=1.5, rx=3)

    # signal x[m], zeros in the padding drawn as small grey dots
    svg.text(x0, 86, "x[m]", size=12, fill=SIGNAL_STEM)
    low, high = min(signal.min(), 0.0), max(signal.max(), 1e-12)
    zero = _stems(svg, gx, signal, range(pad, pad + size), 60, 30, low, high, SIGNAL_STEM)
    svg.line(gx, zero, gx + width, zero, stroke=GRID, stroke_width=0.8)
    for c in list(range(pad)) + list(range(pad + size, cols)):
        svg.circle(gx + (c + 0.5) * CELL, zero, 2.5, fill=GHOST)
    for c in range(cols):  # sample index m
        svg.text(gx + (c + 0.5) * CELL, zero + 13, _num(c - pad), size=9, text_anchor="middle", fill="#777")

    # the kernel under the window: w[k-1] .. w[0] (flipped) or w[0] .. w[k-1]
    taps = list(range(k))[::-1] if flipped else list(range(k))
    placed = kernel[taps]
    kmax, kmin = max(kernel.max(), 0.0), min(kernel.min(), 0.0)
    svg.text(x0, 146, "w", size=12, fill="#b45309")
    kzero = _stems(svg, gx, placed, range(window, window + k), 124, 36, kmin,
                   max(kmax, 1e-12), KERNEL)
    svg.line(gx + window * CELL, kzero, gx + (window + k) * CELL, kzero, stroke=GRID, stroke_width=0.8)
    label_y = 190
    for j, t in enumerate(taps):
        svg.text(gx + (window + j + 0.5) * CELL, label_y, f"w[{t}]", size=9, text_anchor="middle", fill="#b45309")

    # products under the window
    xs = np.pad(signal, pad)[window: window + k]
    svg.text(x0, 210, "x\u00b7w", size=11, fill=TEXT)
    for j in range(k):
        svg.text(gx + (window + j + 0.5) * CELL, 210, _num(xs[j] * placed[j]), size=10,
                 text_anchor="middle", fill=TEXT)

    # output, filled in up to n; the rest as grey ghosts
    lo, hi = out_range
    svg.text(x0, 276, "y[n]", size=12, fill=OUTPUT_STEM)
    columns = range(pad, pad + output.size)  # output n sits under column m = n
    ozero = _stems(svg, gx, output[: n + 1], columns[: n + 1], 240, 60, lo, hi, OUTPUT_STEM)
    rest = range(n + 1, output.size)
    svg.line(gx, ozero, gx + width, ozero, stroke=GRID, stroke_width=0.8)
    if rest:
        _stems(svg, gx, output[n + 1:], columns[n + 1:], 240, 60, lo, hi, GHOST, labels=False)
    done = [(gx + (c + 0.5) * CELL, ozero - 60 * v / max(hi - lo, 1e-12)) for c, v in
            zip(columns[: n + 1], output[: n + 1])]
    if len(done) > 1:
        svg.path("M" + "L".join(f"{x:g} {y:.1f}" for x, y in done), stroke=OUTPUT_STEM,
                 stroke_width=1, stroke_opacity=0.5, fill="none")
    cx, cy = done[-1]
    svg.circle(cx, cy, 6, fill="none", stroke=KERNEL, stroke_width=2)

    # the sum, written out
    if flipped:
        terms = " + ".join(f"x[{n - t}]\u00b7w[{t}]" for t in range(k)[::-1])
        head = [("(x ", 12), ("*", 12), (f" w)[{n}] = {terms}", 12)]
    else:
        lag = n - pad
        terms = " + ".join(f"x[{lag + t}]\u00b7w[{t}]" for t in range(k))
        head = [("(x ", 12), ("\u22c6", 17), (f" w)[{lag}] = {terms}", 12)]
    numbers = " + ".join(f"{_factor(a)}\u00b7{_factor(b)}" for a, b in zip(xs, placed))
    _rich_text(svg, x0, 338, head)
    svg.text(x0, 356, f"= {numbers} = {_num(output[n])}", size=12, fill=TEXT, font_weight="bold")


def flip_view(signal: Sequence[float], kernel: Sequence[float], n: int) -> str:
    """Convolution and cross-correlation of ``signal`` and ``kernel`` at shift ``n``.

    Parameters
    ----------
    signal : sequence of float, shape (L,)
        A short signal (about 10 samples fit).
    kernel : sequence of float, shape (K,)
        A kernel with ``K <= L``.
    n : int
        Output index of the ``'full'`` mode, ``0 <= n <= L + K - 2``.  For
        the convolution it is :math:`(x * w)[n]`; for the correlation the
        lag :math:`\\ell = n - (K - 1)`, i.e. ``np.correlate(x, w, 'full')[n]``.

    Returns
    -------
    str
        One SVG with two panels (convolution left, correlation right).

    Raises
    ------
    ValueError
        If ``n`` is out of range or the kernel is longer than the signal.
    """
    x = np.asarray(signal, dtype=float)
    w = np.asarray(kernel, dtype=float)
    if w.size > x.size:
        raise ValueError(f"kernel (length {w.size}) must not be longer than signal (length {x.size})")
    conv = convolve1d(x, w)
    corr = correlate1d(x, w)
    if not 0 <= n < conv.size:
        raise ValueError(f"n must be in [0, {conv.size - 1}], got {n}")
    lo = min(conv.min(), corr.min(), 0.0)
    hi = max(conv.max(), corr.max(), 1e-12)
    panel = LEFT + (x.size + 2 * (w.size - 1)) * CELL
    svg = SVG(2 * panel + PANEL_GAP + 4, 366,
              label=f"convolution and cross-correlation of a {x.size}-sample signal at shift {n}")
    _panel(svg, 2, x, w, conv, n, True, (lo, hi))
    svg.line(panel + PANEL_GAP / 2 + 2, 8, panel + PANEL_GAP / 2 + 2, 358, stroke="#d8dde3")
    _panel(svg, panel + PANEL_GAP + 2, x, w, corr, n, False, (lo, hi))
    return str(svg)


def flip_explorer(
    signal: Sequence[float] = SIGNAL,
    kernels: Mapping[str, Sequence[float]] | None = None,
    interval: int = 900,
    initial: int | None = None,
) -> Explorer:
    """:func:`flip_view` with a shift slider, a play button and a kernel menu.

    Parameters
    ----------
    signal : sequence of float
        Defaults to ``SIGNAL`` (a box and a spike).
    kernels : mapping name -> sequence of float, optional
        Menu entries, all of the same length (defaults to ``KERNELS``).
    interval : int
        Milliseconds between animation steps.
    initial : int, optional
        Shift shown first (defaults to ``len(signal) - 1``, the last shift
        at which the window still holds no padding on the right).

    Raises
    ------
    ValueError
        If the kernels differ in length or ``initial`` is out of range.
    """
    kernels = dict(KERNELS if kernels is None else kernels)
    lengths = {len(w) for w in kernels.values()}
    if len(lengths) != 1:
        raise ValueError(f"all kernels must have the same length, got lengths {sorted(lengths)}")
    shifts = len(signal) + lengths.pop() - 1
    initial = len(signal) - 1 if initial is None else initial
    if not 0 <= initial < shifts:
        raise ValueError(f"initial must be in [0, {shifts - 1}], got {initial}")

    def render(n: int, kernel: str) -> str:
        return flip_view(signal, kernels[kernel], n)

    return Explorer(
        render,
        [Control("n", range(shifts), "shift n", initial), Control("kernel", list(kernels), "kernel")],
        play="n",
        interval=interval,
    )


# -- superposition: every sample stamps a scaled copy of the kernel ------------------------------
#: the signal and kernel of the superposition figure (an asymmetric kernel shows the flip)
STAMP_SIGNAL = (1, 3, 0, 2, -1, 1)
STAMP_KERNEL = (1, 2, 3)
STAMP_COLOUR = "#7c3aed"  # the current stamp
STAMP_LEFT = 58  # room for the row labels x[m]·w
DONE_COLOUR = "#64748b"  # stamps already added


def stamps(signal: Sequence[float], kernel: Sequence[float], stride: int = 1) -> np.ndarray:
    """The scaled, shifted copies of the kernel that the samples of a signal stamp.

    Parameters
    ----------
    signal : sequence of float, shape (L,)
    kernel : sequence of float, shape (k,)
    stride : int
        Distance between two stamps (1: a convolution; more: a transposed
        convolution with that stride).

    Returns
    -------
    ndarray, shape (L, (L - 1) * stride + k)
        Row ``m`` holds ``signal[m] * kernel`` at positions
        ``m * stride .. m * stride + k - 1`` and zeros elsewhere.  The sum of
        the rows is ``np.convolve(signal, kernel)`` for ``stride=1`` and
        ``torch.nn.functional.conv_transpose1d`` of the two for any stride.
    """
    x = np.asarray(signal, dtype=float)
    w = np.asarray(kernel, dtype=float)
    if x.ndim != 1 or w.ndim != 1 or x.size == 0 or w.size == 0:
        raise ValueError(f"signal and kernel must be non-empty 1-d sequences, got shapes {x.shape} and {w.shape}")
    if not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(f"stride must be a positive int, got {stride!r}")
    rows = np.zeros((x.size, (x.size - 1) * stride + w.size))
    for m, value in enumerate(x):
        rows[m, m * stride: m * stride + w.size] = value * w
    return rows


def superposition_view(signal: Sequence[float], kernel: Sequence[float], m: int, stride: int = 1) -> str:
    """Stamps ``0 .. m`` of :func:`stamps` and their running sum.

    Parameters
    ----------
    signal, kernel : sequence of float
        A short signal (about 6 samples fit) and kernel.
    m : int
        The current sample, ``0 <= m < len(signal)``.
    stride : int
        Distance between two stamps.

    Returns
    -------
    str
        An SVG (the signal with sample ``m`` marked, one row per stamp, the
        running sum under the finished result in grey) and a line of HTML.
    """
    rows = stamps(signal, kernel, stride)
    x, w = np.asarray(signal, dtype=float), np.asarray(kernel, dtype=float)
    if not isinstance(m, (int, np.integer)) or not 0 <= m < x.size:
        raise ValueError(f"m must be an int in [0, {x.size - 1}], got {m!r}")
    total = rows.sum(axis=0)
    if stride == 1:
        assert np.allclose(total, convolve1d(x, w))  # the stamps add up to the true convolution
    partial = rows[: m + 1].sum(axis=0)
    width = rows.shape[1]
    row_h, top = 40, 84
    height = top + x.size * row_h + 120
    gx = STAMP_LEFT
    svg = SVG(max(gx + width * CELL + 10, 420), height,
              label=f"superposition: sample {m} of a {x.size}-sample signal stamps the kernel, stride {stride}")

    at = "m" if stride == 1 else f"{stride}m"
    svg.text(2, 16, f"every sample m stamps x[m]\u00b7w at n = {at} \u2026 {at} + {w.size - 1}", size=13,
             fill=TEXT, font_weight="bold")
    # the input: sample j sits at column j * stride, where its stamp starts
    svg.text(2, 58, "x[m]", size=12, fill=SIGNAL_STEM)
    lo, hi = min(x.min(), 0.0), max(x.max(), 1e-12)
    columns = [j * stride for j in range(x.size)]
    zero = _stems(svg, gx, x, columns, 38, 30, lo, hi, SIGNAL_STEM)
    svg.line(gx, zero, gx + width * CELL, zero, stroke=GRID, stroke_width=0.8)
    svg.circle(gx + (columns[m] + 0.5) * CELL, zero - 30 * x[m] / (hi - lo), 7, fill="none", stroke=STAMP_COLOUR,
               stroke_width=2)

    # one row per stamp; those not yet added are left empty
    vmax = max(float(np.abs(rows).max()), 1e-12)
    for j in range(x.size):
        y0 = top + j * row_h
        colour = STAMP_COLOUR if j == m else DONE_COLOUR
        svg.text(2, y0 + row_h / 2 + 4, f"x[{j}]\u00b7w", size=11, fill=colour if j <= m else GHOST)
        if j > m:
            continue
        cols = range(j * stride, j * stride + w.size)
        base = _stems(svg, gx, rows[j, j * stride: j * stride + w.size], cols, y0 + 4, row_h - 16,
                      -vmax, vmax, colour)
        svg.line(gx + j * stride * CELL, base, gx + (j * stride + w.size) * CELL, base, stroke=GRID,
                 stroke_width=0.6)
        if j == m:
            svg.rect(gx + j * stride * CELL + 1, y0, w.size * CELL - 2, row_h - 4, fill="none", stroke=STAMP_COLOUR,
                     stroke_width=1.5, rx=3)

    # the running sum over the final result
    y_sum = top + x.size * row_h + 18
    svg.text(2, y_sum + 44, "sum", size=12, fill=OUTPUT_STEM)
    slo, shi = min(total.min(), partial.min(), 0.0), max(total.max(), partial.max(), 1e-12)
    _stems(svg, gx, total, range(width), y_sum, 60, slo, shi, GHOST, labels=False)
    base = _stems(svg, gx, partial, range(width), y_sum, 60, slo, shi, OUTPUT_STEM)
    svg.line(gx, base, gx + width * CELL, base, stroke=GRID, stroke_width=0.8)
    for n in range(width):
        svg.text(gx + (n + 0.5) * CELL, y_sum + 88, str(n), size=9, text_anchor="middle", fill="#777")
    svg.text(gx + width * CELL / 2, y_sum + 100, "output index n", size=10, text_anchor="middle", fill="#777")

    done = "All stamps added: " if m == x.size - 1 else f"Stamps 0 \u2026 {m} added (grey: the finished sum); "
    result = ("x * w = np.convolve(x, w), the true convolution" if stride == 1 else
              f"F.conv_transpose1d(x, w, stride={stride}), a transposed convolution")
    if stride == 1:
        taps = ", ".join(f"w[{t}]" for t in range(w.size - 1, -1, -1))
        flip = (f"Output n receives w[n \u2212 m] from stamp m, so reading one column from the top down the "
                f"taps come backwards ({taps}): that is the flip.")
    else:
        flip = (f"Output n receives w[n \u2212 {stride}m] from stamp m: a column collects only every "
                f"{stride}nd tap, backwards." if stride == 2 else
                f"Output n receives w[n \u2212 {stride}m] from stamp m: a column collects only every "
                f"{stride}th tap, backwards.")
    text = f"{done}the stamps add up to {result}. {flip}"
    return f"{svg}<div style='font-size:13px;max-width:640px'>{escape(text)}</div>"


def superposition_explorer(
    signal: Sequence[float] = STAMP_SIGNAL,
    kernel: Sequence[float] = STAMP_KERNEL,
    strides: Sequence[int] = (1, 2),
    interval: int = 1100,
) -> Explorer:
    """:func:`superposition_view` with a slider (and play button) for the sample and one for the stride."""
    if len(signal) < 1:
        raise ValueError("signal must not be empty")

    def render(m: int, stride: int) -> str:
        return superposition_view(signal, kernel, m, stride)

    return Explorer(
        render,
        [Control("m", range(len(signal)), "sample m", len(signal) - 1), Control("stride", strides, "stamp spacing")],
        play="m",
        interval=interval,
    )


__all__ = ["KERNELS", "SIGNAL", "STAMP_KERNEL", "STAMP_SIGNAL", "flip_explorer", "flip_view", "stamps",
           "superposition_explorer", "superposition_view"]
