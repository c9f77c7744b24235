"""Figures of the chapter "Convolution arithmetic".

* :func:`arithmetic_view` -- one setting of (input, kernel, stride, padding,
  dilation): the padded input, where the kernel lands, the output grid and
  the output-size formula with numbers, plus the equivalent torch call.
* :func:`arithmetic_explorer` -- the same picture behind sliders.
* :func:`sliding_view` / :func:`sliding_animation` -- a kernel sliding over a
  small single-channel input with the numbers computed by
  :func:`~convkit.conv.conv2d`.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

import numpy as np

from ..conv import conv2d
from ..interactive import Control, Explorer
from ..svg import SVG, squares_path
from .common import (ERROR, GRID, INPUT, KERNEL, KERNEL_CELL, OUTPUT, PADDING, PADDING_LINE, UNREAD, array_svg,
                     fmt, signed)



def _hatch_path(cells: Sequence[tuple[float, float]], cell: float) -> str:
    """SVG path data for diagonal hatching of the cells with top-left corners ``cells``."""
    a, b = cell - 3, cell / 2
    return "".join(
        f"M{x + 3:g} {y + a:g}L{x + a:g} {y + 3:g}M{x + 3:g} {y + b:g}L{x + b:g} {y + 3:g}"
        f"M{x + b:g} {y + a:g}L{x + a:g} {y + b:g}"
        for x, y in cells
    )


def _padding_name(i: int, k: int, s: int, p: int, d: int) -> str:
    """What the padding ``p`` is called, and what it does at this stride.

    The names describe stride 1: half padding keeps the size and full
    padding visits every partial overlap.  With a stride the same paddings
    do less, and the text says so.
    """
    span = d * (k - 1) + 1
    if p == 0:
        return "no padding ('valid')"
    if 2 * p == span - 1:
        if s == 1:
            return "half padding p = (k̂−1)/2 ('same': output size = input size)"
        return f"half padding p = (k̂−1)/2: at stride {s} the output is ⌈i/s⌉ = {-(-i // s)}, not i = {i}"
    if p == span - 1:
        if s == 1:
            return "full padding p = k̂−1 (every partial overlap counts)"
        return (f"full padding p = k̂−1: at stride 1 every partial overlap would count, "
                f"but stride {s} keeps only one window in {s}")
    return f"zero padding p = {p}"


def arithmetic_view(i: int, k: int, s: int = 1, p: int = 0, d: int = 1, cell: int = 22) -> str:
    """HTML picture of a square 2-d convolution's arithmetic.

    Parameters
    ----------
    i, k, s, p, d : int
        Input size, kernel size, stride, zero padding per side, dilation.
    cell : int
        Side of one grid cell in pixels.

    Returns
    -------
    str
        An SVG (padded input with the first two kernel positions, cells
        never read hatched, output grid) followed by the output-size formula
        with these numbers and the matching ``torch.nn.functional.conv2d`` call.
    """
    size = i + 2 * p
    span = d * (k - 1) + 1
    fits = span <= size
    out = (size - span) // s + 1 if fits else 0
    unread: list[tuple[float, float]] = []
    margin, gap, top = 10, 70, 26
    left = max(size * cell, 170)  # room for the caption above the input
    width = 2 * margin + left + gap + max(out * cell, 90 if fits else 260)
    height = top + size * cell + margin + 4
    svg = SVG(width, height, label=f"convolution of a {i}x{i} input with a {k}x{k} kernel")

    x0, y0 = margin, top
    svg.text(x0, 16, f"padded input: {i} + 2·{p} = {size}", size=12, fill="#333")
    svg.grid(x0, y0, size, size, cell, fill=PADDING, stroke=PADDING_LINE, stroke_dasharray="2 2")
    svg.grid(x0 + p * cell, y0 + p * cell, i, i, cell, fill=INPUT, stroke=GRID)

    if not fits:
        svg.text(x0 + size * cell + 12, y0 + 16, f"kernel span {span} > {size}:", size=12, fill=ERROR)
        svg.text(x0 + size * cell + 12, y0 + 32, "no valid position, torch raises", size=12, fill=ERROR)
    else:
        read = {j * s + t * d for j in range(out) for t in range(k)}
        unread = [
            (x0 + c * cell, y0 + r * cell)
            for r in range(p, p + i) for c in range(p, p + i)
            if r not in read or c not in read
        ]
        if unread:
            svg.path(_hatch_path(unread, cell), stroke=UNREAD, stroke_width=1.2, fill="none")
        # first window: filled taps; the next one along the row: dashed outlines
        first = [(x0 + tc * d * cell + 2, y0 + tr * d * cell + 2) for tr in range(k) for tc in range(k)]
        svg.path(squares_path(first, cell - 4), fill=KERNEL, fill_opacity=0.85)
        if out > 1:
            second = [(x + s * cell + 2, y + 2) for x, y in first]
            svg.path(squares_path(second, cell - 8), fill="none", stroke=KERNEL, stroke_width=2,
                     stroke_dasharray="3 2")
        svg.rect(x0, y0, span * cell, span * cell, fill="none", stroke=KERNEL, stroke_width=2.5)

        x1 = x0 + left + gap
        svg.text(x1, 16, f"output: {out} × {out}", size=12, fill="#333")
        svg.grid(x1, y0, out, out, cell, fill=OUTPUT, stroke=GRID)
        svg.rect(x1 + 2, y0 + 2, cell - 4, cell - 4, fill=KERNEL, fill_opacity=0.85, rx=2)
        if out > 1:
            svg.rect(x1 + cell + 4, y0 + 4, cell - 8, cell - 8, fill="none", stroke=KERNEL,
                     stroke_width=2, stroke_dasharray="3 2")
        mid = y0 + cell / 2
        reach = span + (s if out > 1 else 0)  # right edge of the drawn windows
        svg.path(f"M{x0 + reach * cell + 4} {mid}L{x1 - 6} {mid}", stroke=KERNEL, stroke_width=1.5, fill="none")
        svg.path(f"M{x1 - 12} {mid - 4}L{x1 - 5} {mid}L{x1 - 12} {mid + 4}", stroke=KERNEL,
                 stroke_width=1.5, fill="none")

    numerator = i + 2 * p - d * (k - 1) - 1
    unread = unread if fits else []
    lines = [f"<b>{escape(_padding_name(i, k, s, p, d))}</b>"]
    if fits:
        remainder = numerator % s
        lines.append(
            "o = ⌊(i + 2p − d(k−1) − 1) / s⌋ + 1 = "
            f"⌊({i} + 2·{p} − {d}·({k}−1) − 1) / {s}⌋ + 1 = ⌊{numerator}/{s}⌋ + 1 = <b>{out}</b>"
        )
        if remainder:
            lines.append(
                f"{numerator}/{s} leaves remainder {remainder}: the floor drops it, so the last "
                f"{remainder} padded row(s)/column(s) cannot be reached by one more step."
            )
        if unread:
            lines.append("Hatched input cells are never read by any kernel position.")
    else:
        lines.append(
            f"the dilated kernel spans d(k−1)+1 = {span} cells but the padded input has only {size}"
        )
    call = (
        f"F.conv2d(x, w, stride={s}, padding={p}, dilation={d})  "
        f"# x: (1, 1, {i}, {i}), w: (1, 1, {k}, {k})"
        + (f" → (1, 1, {out}, {out})" if fits else " → RuntimeError")
    )
    lines.append(f"<code>{escape(call)}</code>")
    text = "".join(f"<div style='margin:3px 0'>{line}</div>" for line in lines)
    return f"{svg}<div style='font-size:13px;line-height:1.45'>{text}</div>"


def arithmetic_explorer(
    sizes: Sequence[int] = range(3, 9),
    kernels: Sequence[int] = range(1, 5),
    strides: Sequence[int] = (1, 2, 3),
    paddings: Sequence[int] = (0, 1, 2),
    dilations: Sequence[int] = (1, 2),
    initial: tuple[int, int, int, int, int] = (5, 3, 2, 1, 1),
) -> Explorer:
    """Sliders for input size, kernel, stride, padding and dilation over :func:`arithmetic_view`."""
    i, k, s, p, d = initial
    return Explorer(
        arithmetic_view,
        [
            Control("i", sizes, "input i", i),
            Control("k", kernels, "kernel k", k),
            Control("s", strides, "stride s", s),
            Control("p", paddings, "padding p", p),
            Control("d", dilations, "dilation d", d),
        ],
    )


def sliding_view(
    x: np.ndarray,
    w: np.ndarray,
    step: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> str:
    """One frame of the sliding-kernel animation.

    Shows the zero-padded input with the kernel at output position ``step``
    (row-major), the kernel, and the output filled in up to that position,
    with the multiply-adds written out.  Padding cells are grey with dashed
    lines (and a kernel tap on them is only outlined), so they never look
    like input cells.

    Parameters
    ----------
    x : ndarray, shape (H, W)
        Single-channel input.
    w : ndarray, shape (kH, kW)
        Kernel.
    step : int
        Output position, ``0 <= step < H_out * W_out``.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    y = conv2d(x[None, None], w[None, None], stride=stride, padding=padding, dilation=dilation)[0, 0]
    rows, cols = y.shape
    if not 0 <= step < rows * cols:
        raise ValueError(f"step must be in [0, {rows * cols}), got {step}")
    r, c = divmod(step, cols)
    xp = np.pad(x, padding)
    taps = [(r * stride + a * dilation, c * stride + b * dilation)
            for a in range(w.shape[0]) for b in range(w.shape[1])]
    shown = np.full(y.shape, np.nan)
    shown.flat[: step + 1] = y.flat[: step + 1]

    title = f"input, zero padding p = {padding} (grey)" if padding else "input (no padding)"
    panels = (
        array_svg(xp, highlight=taps, title=title, padding=padding),
        array_svg(w, fill=KERNEL_CELL, title="kernel"),
        array_svg(shown, fill=OUTPUT, highlight=[(r, c)], title="output"),
    )
    products = " + ".join(
        f"{signed(xp[i, j])}·{signed(w[a, b])}" for (i, j), (a, b) in zip(taps, np.ndindex(*w.shape))
    )
    row = "".join(
        f"<span style='display:inline-block;vertical-align:top;margin-right:14px'>{panel}</span>"
        for panel in panels
    )
    equation = f"y[{r}, {c}] = {products} = <b>{fmt(y[r, c])}</b>"
    return f"<div>{row}</div><div style='font-size:13px;margin-top:4px'>{equation}</div>"


def sliding_animation(
    x: np.ndarray,
    w: np.ndarray,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    interval: int = 900,
) -> Explorer:
    """The kernel sliding over ``x`` step by step, with a play button."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    y = conv2d(x[None, None], w[None, None], stride=stride, padding=padding, dilation=dilation)
    steps = y.shape[-2] * y.shape[-1]

    def render(step: int) -> str:
        return sliding_view(x, w, step, stride, padding, dilation)

    return Explorer(render, [Control("step", range(steps), "output position")], play="step",
                    interval=interval)


