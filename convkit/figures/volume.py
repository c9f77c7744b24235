"""Figures of the chapter "1-D and 3-D convolution".

* :func:`volume_view` / :func:`volume_explorer` -- a 3-d kernel inside a
  small volume drawn as depth slices side by side: the kernel's footprint on
  the slices it covers, the kernel slices under them, and the output volume
  (computed by :func:`~convkit.conv.conv3d`) with the current cell and the
  sum written out slice by slice.
* :func:`signal_kernels`, :func:`filter_signal`, :func:`signal_view` /
  :func:`signal_explorer` -- a 1-d signal and its filtered version (computed
  by :func:`~convkit.conv.conv1d`) for a choice of kernel and padding
  ('valid', 'same' or causal).
* :func:`zero_phase_response`, :func:`gaussian_taps`,
  :func:`frequency_response_view` / :func:`frequency_response_explorer` --
  the frequency response of a moving average (with its side lobes and
  nulls) against that of a Gaussian of the same width.
* signed slices (a difference, a Laplacian) are drawn with
  :func:`~convkit.figures.common.signed_image_html` (re-exported here).
"""

from __future__ import annotations

from html import escape
from typing import Mapping

import numpy as np

from ..conv import conv1d, conv3d
from ..interactive import Control, Explorer
from ..kernels import gaussian
from ..svg import SVG, squares_path
from ..volumes import SyntheticSignal
from .common import GRID, INPUT, KERNEL, KERNEL_CELL, OUTPUT, fmt, signed_image_html

PADDINGS = ("valid", "same", "causal")


def _numbers(svg: SVG, values: np.ndarray, x0: float, y0: float, cell: float, size: float = 10) -> None:
    """All entries of a 2-d array as centred text in the cells of a grid at ``(x0, y0)``."""
    svg.labels(
        [(x0 + (j + 0.5) * cell, y0 + (i + 0.5) * cell + size * 0.36, fmt(values[i, j]))
         for i, j in np.ndindex(*values.shape)],
        size, fill="#111",
    )


def _volume(value: object, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if array.ndim != 3 or min(array.shape) < 1:
        raise ValueError(f"{name} must be a non-empty 3-d array (D, H, W), got shape {array.shape}")
    return array


def volume_view(x: np.ndarray, w: np.ndarray, d: int, r: int, c: int, cell: int = 20) -> str:
    """One position of a 3-d kernel inside a volume, drawn slice by slice.

    Parameters
    ----------
    x : ndarray, shape (D, H, W)
        Single-channel input volume (small: its values are printed).
    w : ndarray, shape (kD, kH, kW)
        Kernel, at most as large as ``x`` along every axis.
    d, r, c : int
        Output position (depth, row, column) of the 'valid', stride-1
        convolution, ``0 <= d < D - kD + 1`` and so on.
    cell : int
        Side of one grid cell in pixels.

    Returns
    -------
    str
        An SVG (the input slices with the kernel's footprint, the kernel
        slices under the slices they cover, the output slices with the
        current cell) and one line of HTML with the sum split by depth.

    Raises
    ------
    ValueError
        If ``x`` or ``w`` is not 3-d, the kernel does not fit, or the
        position is outside the output.
    """
    x = _volume(x, "x")
    w = _volume(w, "w")
    if any(k > n for k, n in zip(w.shape, x.shape)):
        raise ValueError(f"kernel w {w.shape} must not be larger than the volume x {x.shape}")
    y = conv3d(x[None, None], w[None, None])[0, 0]
    for name, value, size in zip("drc", (d, r, c), y.shape):
        if not isinstance(value, (int, np.integer)) or not 0 <= value < size:
            raise ValueError(f"{name} must be an int in [0, {size}), got {value!r}")

    depth, height, width = x.shape
    kd, kh, kw = w.shape
    od, oh, ow = y.shape
    margin, gap = 10, 18
    step = width * cell + gap
    out_step = ow * cell + gap
    y_in = 40
    y_kernel = y_in + height * cell + 34
    y_out = y_kernel + kh * cell + 48
    total_width = 2 * margin + max(depth * step, od * out_step, 640) - gap
    svg = SVG(total_width, y_out + oh * cell + 8,
              label=f"a {kd}x{kh}x{kw} kernel at output position ({d}, {r}, {c}) of a {depth}x{height}x{width} volume")

    svg.text(margin, 14, f"input x: {depth} slices of {height} × {width}; kernel w: {kd} slices of "
             f"{kh} × {kw}, each drawn under the slice it multiplies", size=13, fill="#333")
    for k in range(depth):
        x0 = margin + k * step
        covered = d <= k < d + kd
        label = f"depth {k}" + (f" · w[{k - d}]" if covered else "")
        svg.text(x0, y_in - 6, label, size=11, fill=KERNEL if covered else "#555",
                 font_weight="bold" if covered else None)
        svg.grid(x0, y_in, height, width, cell, fill=INPUT, stroke=GRID)
        if covered:
            cells = [(x0 + (c + j) * cell, y_in + (r + i) * cell) for i in range(kh) for j in range(kw)]
            svg.path(squares_path(cells, cell), fill=KERNEL_CELL, stroke=GRID)
            svg.rect(x0 + c * cell, y_in + r * cell, kw * cell, kh * cell, fill="none",
                     stroke=KERNEL, stroke_width=2.5)
        _numbers(svg, x[k], x0, y_in, cell)

    for t in range(kd):
        x0 = margin + (d + t) * step + c * cell
        foot = y_in + (r + kh) * cell
        svg.line(x0 + kw * cell / 2, foot + 2, x0 + kw * cell / 2, y_kernel - 2, stroke=KERNEL,
                 stroke_width=1.5, stroke_dasharray="3 2")
        svg.text(x0 + kw * cell / 2 + 5, y_kernel - 6, f"w[{t}]", size=11, fill=KERNEL, font_weight="bold")
        svg.grid(x0, y_kernel, kh, kw, cell, fill=KERNEL_CELL, stroke=KERNEL)
        _numbers(svg, w[t], x0, y_kernel, cell)

    svg.text(margin, y_out - 24, f"output y = conv3d(x, w): {od} slices of {oh} × {ow}", size=13, fill="#333")
    for k in range(od):
        x0 = margin + k * out_step
        svg.text(x0, y_out - 6, f"depth {k}", size=11, fill="#555")
        svg.grid(x0, y_out, oh, ow, cell, fill=OUTPUT, stroke=GRID)
        if k == d:
            svg.rect(x0 + c * cell + 1, y_out + r * cell + 1, cell - 2, cell - 2, fill=KERNEL, fill_opacity=0.85)
        _numbers(svg, y[k], x0, y_out, cell)

    partial = [float(np.sum(x[d + t, r : r + kh, c : c + kw] * w[t])) for t in range(kd)]
    terms = " + ".join(
        f"(x[{d + t}] ⋆ w[{t}] = {fmt(p)})" if p >= 0 else f"(x[{d + t}] ⋆ w[{t}] = −{fmt(-p)})"
        for t, p in enumerate(partial)
    )
    text = f"y[{d}, {r}, {c}] = {escape(terms)} = <b>{escape(fmt(y[d, r, c]))}</b>"
    return f"{svg}<div style='font-size:13px;margin-top:4px'>{text}</div>"


def volume_explorer(x: np.ndarray, w: np.ndarray, interval: int = 900) -> Explorer:
    """Sliders for the output position (depth, row, column) over :func:`volume_view`.

    The play button walks the kernel through the depth slices.  The static
    figure holds one frame per output cell, so keep the output small
    (a few hundred cells at most).

    Parameters
    ----------
    x : ndarray, shape (D, H, W)
    w : ndarray, shape (kD, kH, kW)
    interval : int
        Milliseconds between animation steps.

    Returns
    -------
    Explorer
    """
    x = _volume(x, "x")
    w = _volume(w, "w")
    if any(k > n for k, n in zip(w.shape, x.shape)):
        raise ValueError(f"kernel w {w.shape} must not be larger than the volume x {x.shape}")
    od, oh, ow = (n - k + 1 for n, k in zip(x.shape, w.shape))

    def render(d: int, r: int, c: int) -> str:
        return volume_view(x, w, d, r, c)

    return Explorer(
        render,
        [
            Control("d", range(od), "output depth"),
            Control("r", range(oh), "row"),
            Control("c", range(ow), "column"),
        ],
        play="d",
        interval=interval,
    )


def signal_kernels(signal: SyntheticSignal, width: int = 9) -> dict[str, np.ndarray]:
    """The 1-d kernels of the chapter, by name.

    Parameters
    ----------
    signal : SyntheticSignal
        Provides the chirp template for the matched filter.
    width : int
        Length of the moving average.

    Returns
    -------
    dict
        ``'moving average'`` (``width`` taps of ``1/width``), ``'difference'``
        (``[-1, 1]``: ``y[t] = x[t+1] - x[t]`` without padding) and
        ``'matched filter'`` (the chirp template itself: deep-learning
        convolution is a cross-correlation, so no flip is needed).
    """
    return {
        "moving average": np.full(width, 1.0 / width),
        "difference": np.array([-1.0, 1.0]),
        "matched filter": np.asarray(signal.template, dtype=float),
    }


def filter_signal(x: np.ndarray, kernel: np.ndarray, padding: str) -> np.ndarray:
    """Filter a 1-d signal with :func:`~convkit.conv.conv1d`.

    Parameters
    ----------
    x : ndarray, shape (L,)
    kernel : ndarray, shape (k,)
    padding : {'valid', 'same', 'causal'}
        ``'causal'`` puts all ``k - 1`` zeros on the left, so that
        ``y[t]`` depends on ``x[t - k + 1 .. t]`` only.

    Returns
    -------
    ndarray, shape (L - k + 1,) for 'valid', (L,) otherwise
    """
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    x = np.asarray(x, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if x.ndim != 1 or kernel.ndim != 1:
        raise ValueError(f"x and kernel must be 1-d, got shapes {x.shape} and {kernel.shape}")
    if padding == "causal":
        x = np.pad(x, (len(kernel) - 1, 0))
        padding = "valid"
    return conv1d(x[None, None], kernel[None, None], padding=padding)[0, 0]


def _polyline(values: np.ndarray, start: int, x0: float, y_mid: float, dx: float, scale: float) -> str:
    points = [f"{x0 + (start + i) * dx:.1f} {y_mid - v * scale:.1f}" for i, v in enumerate(values)]
    return "M" + "L".join(points)


def signal_view(
    signal: SyntheticSignal,
    kernels: Mapping[str, np.ndarray],
    kernel: str,
    padding: str,
    width: int = 660,
) -> str:
    """A 1-d signal, the kernel and the filtered output on one time axis.

    The output sample ``y[j]`` is drawn at time ``j``, as the arrays line
    up: with 'same' each output sits at the centre of its input window (half
    a sample before it for an even ``k``, whose window
    ``x[j - ceil(k/2) + 1 .. j + floor(k/2)]`` is centred at ``j + 1/2``); with
    causal padding at the window's end, so features show up ``(k - 1) / 2``
    samples later; 'valid' has ``k - 1`` samples fewer and puts each output
    at the window's start, ``(k - 1) / 2`` samples early.

    Parameters
    ----------
    signal : SyntheticSignal
    kernels : mapping name -> ndarray of shape (k,)
        For example :func:`signal_kernels`.
    kernel : str
        Key of ``kernels``.
    padding : {'valid', 'same', 'causal'}
    width : int
        Width of the drawing in pixels.

    Returns
    -------
    str
        An SVG and a line of HTML with the output size and which input
        samples ``y[t]`` depends on.
    """
    if kernel not in kernels:
        raise ValueError(f"kernel must be one of {sorted(kernels)}, got {kernel!r}")
    w = np.asarray(kernels[kernel], dtype=float)
    y = filter_signal(signal.x, w, padding)
    length, k = len(signal.x), len(w)
    margin, panel = 10, 80
    plot_w = width - 2 * margin - 130
    dx = plot_w / (length - 1)
    svg = SVG(width, 2 * panel + 80, label=f"signal filtered by the {kernel} kernel, padding {padding}")

    def axis(y_mid: float, title: str) -> None:
        svg.line(margin, y_mid, margin + plot_w, y_mid, stroke="#bbb", stroke_width=1)
        svg.text(margin, y_mid - panel / 2 - 4, title, size=12, fill="#333")

    top = 20 + panel / 2
    axis(top, "input x")
    xs = signal.chirp_start * dx + margin
    svg.rect(xs, top - panel / 2, len(signal.template) * dx, panel, fill=KERNEL_CELL, opacity=0.6)
    svg.text(xs + 2, top + panel / 2 - 4, "chirp", size=10, fill="#8a5a00")
    svg.text(margin + signal.click_at * dx + 4, top - panel / 2 + 10, "click", size=10, fill="#8a5a00")
    scale = (panel / 2 - 2) / np.abs(signal.x).max()
    svg.path(_polyline(signal.x, 0, margin, top, dx, scale), fill="none", stroke="#2563eb", stroke_width=1.2)

    bottom = top + panel + 30
    before = {"valid": 0, "same": (k - 1) // 2, "causal": k - 1}[padding]
    axis(bottom, f"output y ({padding}, {len(y)} samples, rescaled)")
    peak = float(np.abs(y).max())
    scale = (panel / 2 - 2) / peak if peak > 0 else 1.0
    svg.path(_polyline(y, 0, margin, bottom, dx, scale), fill="none", stroke="#15803d", stroke_width=1.2)
    j = int(np.argmax(np.abs(y)))
    svg.circle(margin + j * dx, bottom - y[j] * scale, 3.5, fill=KERNEL)
    svg.text(margin + plot_w, bottom - panel / 2 - 4, f"max |y| at t = {j}", size=11,
             fill="#333", text_anchor="end")

    # the kernel, as a stem plot on the right
    kx, ky = margin + plot_w + 30, top + panel / 2 + 10
    kscale = 40 / np.abs(w).max()
    kdx = min(12.0, 90 / max(k - 1, 1))
    svg.text(kx, ky - 52, f"kernel, k = {k}", size=11, fill="#333")
    svg.line(kx, ky, kx + kdx * (k - 1), ky, stroke="#bbb")
    stems = "".join(f"M{kx + i * kdx:.1f} {ky:.1f}V{ky - v * kscale:.1f}" for i, v in enumerate(w))
    svg.path(stems, stroke=KERNEL, stroke_width=2 if k < 20 else 1, fill="none")
    if k <= 16:  # dots on the tips of a short kernel
        tips = "".join(f"M{kx + i * kdx - 2.5:.1f} {ky - v * kscale:.1f}a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0 -5 0"
                       for i, v in enumerate(w))
        svg.path(tips, fill=KERNEL)

    after = 0 if padding == "valid" else k - 1 - before
    first = -before  # y[t] reads x[t + first .. t + first + k - 1]

    def offset(n: int) -> str:
        return "t" if n == 0 else (f"t+{n}" if n > 0 else f"t−{-n}")

    window = f"x[{offset(first)} … {offset(first + k - 1)}]"
    text = (
        f"padding {escape(padding)}: {before} zero(s) before, {after} after; "
        f"L_out = {length} + {before + after} − {k} + 1 = {len(y)}; "
        f"y[t] depends on {escape(window)}"
    )
    return f"{svg}<div style='font-size:13px'>{text}</div>"


def signal_explorer(signal: SyntheticSignal, kernels: Mapping[str, np.ndarray] | None = None) -> Explorer:
    """Drop-downs for the kernel and the padding over :func:`signal_view`."""
    kernels = dict(signal_kernels(signal) if kernels is None else kernels)
    if not kernels:
        raise ValueError("kernels must name at least one kernel")

    def render(kernel: str, padding: str) -> str:
        return signal_view(signal, kernels, kernel, padding)

    return Explorer(
        render,
        [Control("kernel", list(kernels), "kernel"), Control("padding", PADDINGS, "padding", "same")],
    )


# -- frequency response: moving average against Gaussian ----------------------------------------
BOX_COLOUR = "#d97706"  # orange, solid line
GAUSS_COLOUR = "#2563eb"  # blue, dashed line (the two differ in colour *and* dash)


def zero_phase_response(kernel: np.ndarray, frequencies: np.ndarray, rate: float) -> np.ndarray:
    """Signed gain of a centred, symmetric 1-d kernel at the given frequencies.

    With 'same' padding an odd, symmetric kernel ``w`` is centred on each
    output sample, so a sine of frequency ``f`` comes out (away from the
    ends) as the same sine times

    .. math:: A(f) = \\sum_{u=-(k-1)/2}^{(k-1)/2} w_u \\cos(2 \\pi f u / f_s) ,

    a real number: negative values mean the sine comes out inverted.  For
    the moving average this is :math:`\\sin(\\pi f k/f_s) / (k \\sin(\\pi f/f_s))`.

    Parameters
    ----------
    kernel : ndarray, shape (k,)
        Odd length, symmetric (``kernel == kernel[::-1]``).
    frequencies : ndarray, shape (n,)
        In Hz.
    rate : float
        Sampling rate in Hz.

    Returns
    -------
    ndarray, shape (n,)
    """
    w = np.asarray(kernel, dtype=float)
    if w.ndim != 1 or w.size % 2 == 0 or not np.allclose(w, w[::-1]):
        raise ValueError(f"kernel must be 1-d, of odd length and symmetric, got {w}")
    u = np.arange(w.size) - (w.size - 1) / 2
    f = np.asarray(frequencies, dtype=float)
    return np.cos(2 * np.pi * np.multiply.outer(f, u) / rate) @ w


def gaussian_taps(sigma: float, truncate: float = 3.0) -> np.ndarray:
    """A 1-d Gaussian kernel of standard deviation ``sigma`` (in samples), summing to 1.

    It has ``2 * ceil(truncate * sigma) + 1`` taps and is the marginal of
    the 2-d :func:`~convkit.kernels.gaussian` (a rank-1 kernel).
    """
    radius = int(np.ceil(truncate * sigma))
    return gaussian(2 * radius + 1, sigma).sum(axis=0)


def _minus(value: float, digits: int, kind: str = "f") -> str:
    """A number with a typographic minus sign."""
    return f"{value:.{digits}{kind}}".replace("-", "−")


def frequency_response_view(k: int, rate: float = 100.0, band: tuple[float, float] = (8.0, 25.0),
                            width: int = 660) -> str:
    """Signed gain of a ``k``-tap moving average and of a Gaussian with the same variance.

    Parameters
    ----------
    k : int
        Odd width of the moving average; the Gaussian has
        ``sigma = sqrt((k**2 - 1) / 12)``, the standard deviation of the box.
    rate : float
        Sampling rate in Hz; the plot runs from 0 to ``rate / 2``.
    band : (float, float)
        A frequency band to shade (the chirp of the chapter).
    width : int
        Width of the drawing in pixels.

    Returns
    -------
    str
        An SVG (both gains against frequency, the nulls of the moving
        average marked) and a line of HTML with the numbers.
    """
    if not isinstance(k, (int, np.integer)) or k < 3 or k % 2 == 0:
        raise ValueError(f"k must be an odd int >= 3, got {k!r}")
    box = np.full(k, 1.0 / k)
    sigma = float(np.sqrt((k * k - 1) / 12))
    gauss = gaussian_taps(sigma)
    nyquist = rate / 2
    f = np.linspace(0.0, nyquist, 301)
    a_box, a_gauss = zero_phase_response(box, f, rate), zero_phase_response(gauss, f, rate)

    left, right, top, height = 44, 170, 24, 190
    plot_w = width - left - right
    lo, hi = -0.3, 1.05
    svg = SVG(width, top + height + 40,
              label=f"gain of a {k}-tap moving average and of a Gaussian against frequency")

    def px(freq: float) -> float:
        return left + plot_w * freq / nyquist

    def py(gain: float) -> float:
        return top + height * (hi - gain) / (hi - lo)

    svg.rect(px(band[0]), top, px(band[1]) - px(band[0]), height, fill=KERNEL_CELL, opacity=0.6)
    svg.text(px(band[0]) + 3, top + height - 6, "chirp band", size=10, fill="#8a5a00")
    for gain in (-0.25, 0.0, 0.25, 0.5, 0.75, 1.0):
        svg.line(left, py(gain), left + plot_w, py(gain), stroke="#999" if gain == 0 else "#e3e6ea",
                 stroke_width=1.2 if gain == 0 else 1)
        svg.text(left - 6, py(gain) + 4, f"{gain:g}".replace("-", "−"), size=10, fill="#555", text_anchor="end")
    for freq in range(0, int(nyquist) + 1, 10):
        svg.text(px(freq), top + height + 14, f"{freq}", size=10, fill="#555", text_anchor="middle")
    svg.text(left + plot_w / 2, top + height + 30, "frequency f (Hz)", size=11, fill="#333", text_anchor="middle")
    svg.text(left, 14, "gain A(f): the factor a sine of frequency f is multiplied by", size=12, fill="#333")

    def curve(gains: np.ndarray) -> str:
        return "M" + "L".join(f"{px(x):.1f} {py(g):.1f}" for x, g in zip(f, gains))

    svg.path(curve(a_box), fill="none", stroke=BOX_COLOUR, stroke_width=2)
    svg.path(curve(a_gauss), fill="none", stroke=GAUSS_COLOUR, stroke_width=2, stroke_dasharray="6 3")
    nulls = [m * rate / k for m in range(1, (k - 1) // 2 + 1)]
    for null in nulls:
        svg.circle(px(null), py(0.0), 3, fill="white", stroke=BOX_COLOUR, stroke_width=1.5)
    side = int(np.argmin(a_box))
    svg.circle(px(f[side]), py(a_box[side]), 3, fill=BOX_COLOUR)

    lx = left + plot_w + 12
    svg.line(lx, 40, lx + 24, 40, stroke=BOX_COLOUR, stroke_width=2)
    svg.text(lx + 30, 44, "moving average", size=11, fill="#333")
    svg.text(lx + 30, 57, f"(k = {k})", size=11, fill="#555")
    svg.line(lx, 76, lx + 24, 76, stroke=GAUSS_COLOUR, stroke_width=2, stroke_dasharray="6 3")
    svg.text(lx + 30, 80, "Gaussian", size=11, fill="#333")
    svg.text(lx + 30, 93, f"(σ = {sigma:.2f}, {gauss.size} taps)", size=11, fill="#555")
    svg.circle(lx + 12, 114, 3, fill="white", stroke=BOX_COLOUR, stroke_width=1.5)
    svg.text(lx + 30, 118, "null (gain 0)", size=11, fill="#333")
    svg.circle(lx + 12, 134, 3, fill=BOX_COLOUR)
    svg.text(lx + 30, 138, "most negative gain", size=11, fill="#333")

    shown = ", ".join(f"{null:.1f}" for null in nulls[:3]) + (" …" if len(nulls) > 3 else "")
    smallest = float(a_gauss.min())
    tails = " (tiny side lobes from cutting its tails at 3σ)" if smallest < 0 else ", never negative"
    text = (
        f"Moving average: nulls at multiples of f<sub>s</sub>/k = {rate / k:.1f} Hz ({shown} Hz); "
        f"most negative gain {_minus(a_box[side], 2)} at {f[side]:.1f} Hz: there sines come out "
        f"inverted. Gaussian: smallest gain {_minus(smallest, 1, 'e')}{tails}."
    )
    return f"{svg}<div style='font-size:13px'>{text}</div>"


def frequency_response_explorer(widths: tuple[int, ...] = (3, 5, 7, 9, 11, 15, 21), rate: float = 100.0,
                                initial: int = 9) -> Explorer:
    """A slider for the width ``k`` over :func:`frequency_response_view`."""

    def render(k: int) -> str:
        return frequency_response_view(k, rate)

    return Explorer(render, [Control("k", widths, "moving-average width k", initial)])


__all__ = [
    "PADDINGS",
    "filter_signal",
    "frequency_response_explorer",
    "frequency_response_view",
    "gaussian_taps",
    "signal_explorer",
    "signal_kernels",
    "signal_view",
    "volume_explorer",
    "volume_view",
    "zero_phase_response",
]
