"""Figures of the chapter "Transposed convolution".

Every number drawn is computed by :mod:`convkit.transposed` (or
:mod:`convkit.matrix`), whose functions are tested against torch.

* :func:`three_views_html` -- one 1-d transposed convolution seen three ways:
  the matrix ``C^T``, the scatter of scaled kernel copies, the zero-inserted
  input convolved with the flipped kernel.
* :func:`scatter_view` / :func:`scatter_animation` -- a 2-d input stamping
  one scaled kernel copy per pixel onto the output, step by step.
* :func:`zero_insertion_view` -- the equivalent ordinary convolution: zeros
  inserted, padding (with ``output_padding`` at the bottom/right), flipped kernel.
* :func:`transposed_view` / :func:`transposed_explorer` -- where each input
  pixel's kernel copy lands, the overlap-count map, the output size and the
  ``F.conv_transpose2d`` call, for any (i, k, s, p, a, d).
* :func:`counts_1d_svg` -- overlap counts along one axis for a few (k, s).
* :func:`upsampling_stack_response`, :func:`upsampling_stack_view`,
  :func:`upsampling_stack_explorer` -- how uneven overlap compounds through a
  stack of upsampling layers, against resize-convolution.
* :func:`checkerboard_strength`, :func:`decoder_outputs` -- random decoders
  (transposed vs resize-convolution) on a smooth image, and a number for the
  checkerboard.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

import numpy as np

from ..arithmetic import conv_transpose_output_size
from ..conv import conv2d
from ..interactive import Control, Explorer
from ..matrix import conv_matrix
from ..svg import FONT, SVG, squares_path
from ..transposed import (
    conv_transpose1d,
    conv_transpose2d,
    overlap_count,
    transposed_kernel,
    upsample_nearest,
    zero_insert,
)
from .common import GRID, INPUT, KERNEL, KERNEL_CELL, OUTPUT, PADDING, UNREAD, fmt, image_html
from .matrix import tap_colour

#: fills for overlap counts 0, 1, 2, ... (a colour-blind-safe sequential green scale)
COUNT_FILLS = ("#ffffff", "#d9f0d3", "#a6dba0", "#5aae61", "#1b7837", "#00441b")
TEXT = "#222"
CROPPED = "#8a939c"


def _count_fill(count: int, most: int) -> str:
    """Fill for an overlap count; counts above the scale share its darkest shade."""
    if count <= 0:
        return COUNT_FILLS[0]
    steps = len(COUNT_FILLS) - 1
    index = count if most <= steps else 1 + round((count - 1) * (steps - 1) / max(most - 1, 1))
    return COUNT_FILLS[min(index, steps)]


def _dark(fill: str) -> bool:
    return fill in COUNT_FILLS[4:]


def _runs(fills: np.ndarray, colour: str, x0: float, y0: float, cell: float) -> str:
    """Path data covering the cells of ``fills`` equal to ``colour``, one rectangle per run in a row."""
    parts = []
    for r, row in enumerate(fills):
        c = 0
        while c < len(row):
            if row[c] != colour:
                c += 1
                continue
            start = c
            while c < len(row) and row[c] == colour:
                c += 1
            w = (c - start) * cell
            parts.append(f"M{x0 + start * cell:g} {y0 + r * cell:g}h{w:g}v{cell:g}h-{w:g}z")
    return "".join(parts)


def _text_rows(svg: SVG, items: Sequence[tuple[float, float, str]], size: float, fill: str) -> None:
    """Centred short texts, one ``<text>`` per row: every character gets its own ``x``.

    Far lighter than one element per text, which matters for frames stored by
    the hundreds in a static :class:`~convkit.interactive.Explorer`.
    """
    rows: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in items:
        rows.setdefault(y, []).append((x, text))
    step = 0.6 * size
    parts = []
    for y, row in rows.items():
        xs, chars = [], []
        for x, text in row:
            for j, char in enumerate(text):
                xs.append(f"{x + (j - (len(text) - 1) / 2) * step:.3g}")
                chars.append(escape(char))
        parts.append(f"<text x='{' '.join(xs)}' y='{y:g}'>{''.join(chars)}</text>")
    svg.items.append(
        f"<g font-size='{size:g}' text-anchor='middle' fill='{fill}' {FONT}>{''.join(parts)}</g>"
    )


def _cells(
    svg: SVG,
    x0: float,
    y0: float,
    fills: np.ndarray,
    texts: np.ndarray | None,
    cell: float,
    size: float = 10,
    dashed: bool = False,
) -> None:
    """A grid whose cells have their own fills (one path per colour) and centred texts."""
    rows, cols = fills.shape
    for colour in sorted(set(fills.ravel())):
        svg.path(_runs(fills, colour, x0, y0, cell), fill=colour)
    svg.grid(x0, y0, rows, cols, cell, stroke="#b9c0c8" if dashed else GRID,
             stroke_dasharray="2 2" if dashed else None)
    if texts is None:
        return
    light, dark = [], []
    for r in range(rows):
        for c in range(cols):
            if texts[r, c]:
                item = (x0 + (c + 0.5) * cell, y0 + (r + 0.5) * cell + round(size * 0.35), texts[r, c])
                (dark if _dark(fills[r, c]) else light).append(item)
    if light:
        _text_rows(svg, light, size, TEXT)
    if dark:
        _text_rows(svg, dark, size, "#fff")


def _hatch(cells: Sequence[tuple[float, float]], cell: float) -> str:
    """Path data for diagonal hatching of cells with top-left corners ``cells``."""
    return "".join(f"M{x + 2:g} {y + cell - 2:g}L{x + cell - 2:g} {y + 2:g}" for x, y in cells)


def _width(text: str, size: float = 12) -> float:
    """Rough width of a line of text in pixels (for sizing an SVG around its captions)."""
    return 0.6 * size * len(text) + 12


def _lines(lines: Sequence[str]) -> str:
    text = "".join(f"<div style='margin:3px 0'>{line}</div>" for line in lines)
    return f"<div style='font-size:13px;line-height:1.45'>{text}</div>"


def _row(*panels: str) -> str:
    return "<div>" + "".join(
        f"<span style='display:inline-block;vertical-align:top;margin:0 14px 6px 0'>{p}</span>"
        for p in panels
    ) + "</div>"


# -- three views of one 1-d example ---------------------------------------------------------------


def three_views_html(y: Sequence[float], w: Sequence[float], stride: int = 2, padding: int = 0,
                     cell: int = 30) -> str:
    """A 1-d transposed convolution drawn three ways, with the numbers of each.

    1. **matrix**: ``x' = C^T y`` with ``C = conv_matrix`` of the convolution
       with the same kernel, stride and padding; the columns of ``C^T`` are
       kernel copies;
    2. **scatter**: input ``y_j`` stamps ``y_j * w`` at ``j * s - p``; the
       stamps add up;
    3. **zero insertion**: ``s - 1`` zeros between inputs, ``k - 1 - p`` zeros
       of padding per side, a unit-stride correlation with the *flipped* kernel.

    Parameters
    ----------
    y : sequence of float
        The input (the small signal).
    w : sequence of float
        The kernel (length ``k``).
    stride, padding : int

    Returns
    -------
    str
        HTML: three SVG panels with captions.
    """
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    i, k, s, p = len(y), len(w), stride, padding
    out = conv_transpose1d(y[None, None], w[None, None], stride=s, padding=p)[0, 0]
    o = len(out)
    C = conv_matrix((1, o), w[None, None], stride=s, padding=p)  # (i, o)
    colours = [tap_colour(j) for j in range(i)]

    # 1. the matrix C^T (o x i) times y equals x'
    svg = SVG(40 + (i + 4) * cell + 150, 30 + o * cell + 10,
              label="the transposed matrix C^T times the input gives the output")
    x0, y0 = 10, 24
    svg.text(x0, 16, f"Cᵀ ({o} × {i})", size=12, fill=TEXT)
    fills = np.full((o, i), "#ffffff", dtype=object)
    texts = np.full((o, i), "", dtype=object)
    for j in range(i):
        for q in range(o):
            if C[j, q]:
                fills[q, j] = KERNEL_CELL
                texts[q, j] = fmt(C[j, q])
    _cells(svg, x0, y0, fills, texts, cell, 11)
    for j in range(i):  # column j of C^T: the kernel copy that y_j scales
        svg.rect(x0 + j * cell + 1.5, y0 + 1.5, cell - 3, o * cell - 3, fill="none",
                 stroke=colours[j], stroke_width=2)
    xy = x0 + i * cell + 24
    svg.text(xy - 16, y0 + o * cell / 2 + 4, "×", size=16, fill=TEXT)
    svg.text(xy, 16, "y", size=12, fill=TEXT)
    for j in range(i):
        svg.rect(xy, y0 + j * cell, cell, cell, fill=colours[j], fill_opacity=0.35, stroke=GRID)
    svg.labels([(xy + cell / 2, y0 + (j + 0.5) * cell + 4, fmt(y[j])) for j in range(i)], 11, fill=TEXT)
    xo = xy + cell + 30
    svg.text(xo - 20, y0 + o * cell / 2 + 4, "=", size=16, fill=TEXT)
    svg.text(xo, 16, "output x'", size=12, fill=TEXT)
    _cells(svg, xo, y0, np.full((o, 1), OUTPUT, dtype=object),
           np.array([[fmt(v)] for v in out], dtype=object), cell, 11)
    matrix = str(svg)

    # 2. scatter: one row per input pixel, then the sum (full length, cropped cells hatched)
    full = s * (i - 1) + k
    left = 70
    title = f"full result: (i − 1)s + k = {full} cells; padding p = {p} crops {p} at each end"
    svg = SVG(max(left + full * cell + 20, left + _width(title)), 28 + (i + 1) * (cell + 6) + 12,
              label="each input value stamps a scaled copy of the kernel; the copies add up")
    svg.text(left, 16, title, size=12, fill=TEXT)
    top = 26
    for j in range(i):
        yy = top + j * (cell + 6)
        svg.text(8, yy + cell / 2 + 4, f"{fmt(y[j])} · w", size=11, fill=TEXT)
        cells = [(left + (j * s + t) * cell, yy) for t in range(k)]
        svg.path(squares_path(cells, cell), fill=colours[j], fill_opacity=0.35, stroke=GRID)
        svg.labels([(x + cell / 2, yy + cell / 2 + 4, fmt(y[j] * w[t])) for t, (x, _) in enumerate(cells)],
                   11, fill=TEXT)
    yy = top + i * (cell + 6)
    svg.text(8, yy + cell / 2 + 4, "sum", size=11, fill=TEXT)
    total = conv_transpose1d(y[None, None], w[None, None], stride=s)[0, 0]
    fills = np.full((1, full), OUTPUT, dtype=object)
    fills[0, :p] = PADDING
    fills[0, full - p:] = PADDING
    _cells(svg, left, yy, fills, np.array([[fmt(v) for v in total]], dtype=object), cell, 11)
    if p:
        crossed = [(left + q * cell, yy) for q in list(range(p)) + list(range(full - p, full))]
        svg.path(_hatch(crossed, cell), stroke=CROPPED, stroke_width=1.2, fill="none")
    scatter = str(svg)

    # 3. zero insertion + padding, flipped kernel, unit stride
    z = zero_insert(y[None, None], s)[0, 0]
    pad = k - 1 - p
    padded = np.concatenate([np.zeros(max(pad, 0)), z, np.zeros(max(pad, 0))])
    if pad < 0:
        padded = padded[-pad: len(padded) + pad]
    flipped = w[::-1]
    n = len(padded)
    title = (f"{s} − 1 zero(s) between inputs → s(i − 1) + 1 = {len(z)} cells; "
             f"padding k − 1 − p = {pad} per side")
    svg = SVG(max(left + n * cell + 20, left + _width(title)), 30 + 3 * (cell + 10) + 10,
              label="zeros inserted between the inputs, padding, and the flipped kernel")
    svg.text(left, 16, title, size=12, fill=TEXT)
    fills = np.full((1, n), PADDING, dtype=object)
    texts = np.full((1, n), "0", dtype=object)
    start = max(pad, 0)
    for j in range(i):
        q = start + j * s
        if 0 <= q < n:
            fills[0, q] = INPUT
            texts[0, q] = fmt(y[j])
    for q in range(start, start + len(z)):
        if fills[0, q] != INPUT and 0 <= q < n:
            fills[0, q] = "#ffffff"
    top = 26
    svg.text(8, top + cell / 2 + 4, "input", size=11, fill=TEXT)
    _cells(svg, left, top, fills, texts, cell, 11)
    yy = top + cell + 10
    svg.text(8, yy + cell / 2 + 4, "flip(w)", size=11, fill=TEXT)
    _cells(svg, left, yy, np.full((1, k), KERNEL_CELL, dtype=object),
           np.array([[fmt(v) for v in flipped]], dtype=object), cell, 11)
    svg.rect(left, top, k * cell, cell, fill="none", stroke=KERNEL, stroke_width=2.5)
    yy += cell + 10
    svg.text(8, yy + cell / 2 + 4, "output", size=11, fill=TEXT)
    _cells(svg, left, yy, np.full((1, o), OUTPUT, dtype=object),
           np.array([[fmt(v) for v in out]], dtype=object), cell, 11)
    zero = str(svg)

    caption = ("<div style='font-size:13px;margin:8px 0 2px'><b>{}</b></div>")
    return (
        caption.format("1. Matrix view: x' = Cᵀ y. Column j of Cᵀ is a copy of the kernel, shifted by j·s.")
        + matrix
        + caption.format("2. Scatter view: every input value stamps a scaled kernel copy; overlaps add.")
        + scatter
        + caption.format("3. Zero-insertion view: an ordinary unit-stride convolution "
                         "with the flipped kernel.")
        + zero
    )


# -- scatter, step by step ------------------------------------------------------------------------


def scatter_view(y: np.ndarray, w: np.ndarray, step: int, stride: int = 2, padding: int = 0,
                 cell: int = 26) -> str:
    """One frame of the scatter animation: input pixels ``0..step`` have stamped their kernel.

    Parameters
    ----------
    y : ndarray, shape (H, W)
        The (small) input.
    w : ndarray, shape (kH, kW)
        The kernel.
    step : int
        Row-major index of the input pixel stamping now.
    stride, padding : int

    Returns
    -------
    str
        HTML: input (current pixel marked), kernel, the current stamp, the
        full accumulated result with the cropped border hatched and the
        output window framed; the sums come from :func:`convkit.transposed.conv_transpose2d`.
    """
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    rows, cols = y.shape
    if not 0 <= step < y.size:
        raise ValueError(f"step must be in [0, {y.size}), got {step}")
    r, c = divmod(step, cols)
    kh, kw = w.shape
    s, p = stride, padding
    mask = (np.arange(y.size) <= step).reshape(y.shape)
    partial = conv_transpose2d((y * mask)[None, None], w[None, None], stride=s)[0, 0]
    final = conv_transpose2d(y[None, None], w[None, None], stride=s, padding=p)[0, 0]
    fh, fw = partial.shape

    def panel(values, fills, title, frame=None, hatch=(), frame_colour=KERNEL):
        h, wd = values.shape
        svg = SVG(max(wd * cell + 6, _width(title)), h * cell + 24, label=title)
        svg.text(3, 14, title, size=12, fill=TEXT)
        _cells(svg, 3, 20, fills, np.vectorize(fmt, otypes=[object])(values), cell, 10)
        if hatch:
            svg.path(_hatch([(3 + b * cell, 20 + a * cell) for a, b in hatch], cell), stroke=CROPPED,
                     stroke_width=1, fill="none")
        if frame:
            (a0, b0), (a1, b1) = frame
            svg.rect(3 + b0 * cell, 20 + a0 * cell, (b1 - b0) * cell, (a1 - a0) * cell, fill="none",
                     stroke=frame_colour, stroke_width=2.5)
        return str(svg)

    fills = np.full(y.shape, INPUT, dtype=object)
    fills[r, c] = KERNEL
    inputs = panel(y, fills, "input y", frame=((r, c), (r + 1, c + 1)))
    kernel = panel(w, np.full(w.shape, KERNEL_CELL, dtype=object), "kernel w")
    stamp = panel(y[r, c] * w, np.full(w.shape, KERNEL_CELL, dtype=object), f"stamp {fmt(y[r, c])} · w")
    fills = np.full(partial.shape, OUTPUT, dtype=object)
    border = [(a, b) for a in range(fh) for b in range(fw)
              if not (p <= a < fh - p and p <= b < fw - p)]
    for a, b in border:
        fills[a, b] = PADDING
    stamped = ((r * s, c * s), (r * s + kh, c * s + kw))
    full = panel(partial, fills, f"sum so far ({fh} × {fw} before cropping)", frame=stamped, hatch=border)
    lines = [
        f"input pixel ({r}, {c}) = {fmt(y[r, c])} adds {fmt(y[r, c])} · w to rows {r * s}…{r * s + kh - 1}, "
        f"columns {c * s}…{c * s + kw - 1} (its position times the stride {s}); overlapping stamps add up.",
    ]
    if p:
        lines.append(f"padding p = {p} crops {p} row(s)/column(s) at every edge (hatched): "
                     f"the output is {final.shape[0]} × {final.shape[1]}.")
    if step == y.size - 1:
        lines.append(f"done: the unhatched window is <code>F.conv_transpose2d(y, w, stride={s}, "
                     f"padding={p})</code>.")
    return _row(inputs, kernel, stamp) + _row(full) + _lines(lines)


def scatter_animation(y: np.ndarray, w: np.ndarray, stride: int = 2, padding: int = 0,
                      interval: int = 1100) -> Explorer:
    """The stamps of :func:`scatter_view` one input pixel at a time, with a play button."""
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)

    def render(step: int) -> str:
        return scatter_view(y, w, step, stride, padding)

    return Explorer(render, [Control("step", range(y.size), "input pixel")], play="step", interval=interval)


# -- zero insertion (2-d) -------------------------------------------------------------------------


def zero_insertion_view(y: np.ndarray, w: np.ndarray, stride: int = 2, padding: int = 1,
                        output_padding: int = 0, cell: int = 24) -> str:
    """The ordinary convolution that a 2-d transposed convolution equals.

    ``s - 1`` zeros go between neighbouring input pixels, ``k - 1 - p``
    zeros of padding on each side, and ``output_padding`` more at the
    bottom and right; the kernel is flipped (rotated by 180 degrees).  The
    output is computed by :func:`convkit.conv.conv2d` on that grid.

    Parameters
    ----------
    y : ndarray, shape (H, W)
    w : ndarray, shape (k, k)
    stride, padding, output_padding : int

    Returns
    -------
    str
        HTML: input, kernel, flipped kernel, the zero-inserted padded grid
        (input blue, inserted zeros white, padding grey, the ``output_padding``
        cells hatched) with the first window framed, and the output.
    """
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    k, s, p, a = w.shape[0], stride, padding, output_padding
    z = zero_insert(y[None, None], s)[0, 0]
    before, after = k - 1 - p, k - 1 - p + a
    if before < 0:
        raise ValueError(f"this picture needs padding <= k - 1, got padding={p}, k={k}")
    grid = np.pad(z, ((before, after), (before, after)))
    flipped = transposed_kernel(w[None, None])[0, 0]
    out = conv2d(grid[None, None], flipped[None, None])[0, 0]
    n = grid.shape[0]
    fills = np.full(grid.shape, PADDING, dtype=object)
    core = slice(before, before + z.shape[0])
    fills[core, core] = "#ffffff"
    fills[before: before + z.shape[0]: s, before: before + z.shape[1]: s] = INPUT
    texts = np.vectorize(fmt, otypes=[object])(grid)

    title = f"zero-inserted + padded: {n} × {n}"
    svg = SVG(max(n * cell + 6, _width(title)), n * cell + 26, label="zero-inserted and padded input")
    svg.text(3, 14, title, size=12, fill=TEXT)
    _cells(svg, 3, 20, fills, texts, cell, 10)
    extra = [(3 + b * cell, 20 + r * cell) for r in range(n) for b in range(n)
             if r >= n - a or b >= n - a]
    if extra:
        svg.path(_hatch(extra, cell), stroke=KERNEL, stroke_width=1.2, fill="none")
    svg.rect(3, 20, k * cell, k * cell, fill="none", stroke=KERNEL, stroke_width=2.5)

    def small(values, fill, title):
        h, wd = values.shape
        pic = SVG(max(wd * cell + 6, _width(title)), h * cell + 26, label=title)
        pic.text(3, 14, title, size=12, fill=TEXT)
        _cells(pic, 3, 20, np.full(values.shape, fill, dtype=object),
               np.vectorize(fmt, otypes=[object])(values), cell, 10)
        return str(pic)

    lines = [
        f"zeros between inputs: s − 1 = {s - 1}, so {y.shape[0]} input rows become "
        f"s(i − 1) + 1 = {z.shape[0]} (not 2i − 1 = {2 * y.shape[0] - 1} unless s = 2)",
        f"padding: k − 1 − p = {before} at the top and left, k − 1 − p + a = {after} at the bottom and "
        f"right (output_padding a = {a}, hatched)",
        f"then a unit-stride convolution with the kernel flipped in both axes: output "
        f"{out.shape[0]} × {out.shape[1]} = <code>F.conv_transpose2d(y, w, stride={s}, padding={p}, "
        f"output_padding={a})</code>",
    ]
    return (_row(small(y, INPUT, "input y"), small(w, KERNEL_CELL, "kernel w"),
                 small(flipped, KERNEL_CELL, "flipped kernel"))
            + _row(str(svg), small(out, OUTPUT, "output"))
            + _lines(lines))


# -- the explorer: stamps, overlap counts, output size ---------------------------------------------


def _error_frame(message: str, call: str) -> str:
    return _lines([f"<b style='color:#b91c1c'>not a valid setting:</b> {escape(message)}",
                   f"<code>{escape(call)}</code> → RuntimeError in torch"])


def transposed_view(i: int, k: int, s: int = 1, p: int = 0, a: int = 0, d: int = 1, cell: int = 22) -> str:
    """Where the kernel copies of a square 2-d transposed convolution land.

    Parameters
    ----------
    i, k, s, p, a, d : int
        Input size, kernel size, stride, padding, output_padding, dilation.
    cell : int
        Side of one grid cell in pixels.

    Returns
    -------
    str
        An SVG (the input with one colour per pixel; the full result with the
        number of kernel copies on every cell, the copies of the first two
        input pixels outlined in their colours, the cells cropped by padding
        hatched and the output window framed) followed by the output-size
        formula with these numbers, the overlap in the interior and the
        matching ``F.conv_transpose2d`` call.  An invalid setting gives the
        error message of :func:`~convkit.arithmetic.conv_transpose_output_size`.
    """
    call = (f"F.conv_transpose2d(x, w, stride={s}, padding={p}, output_padding={a}, dilation={d})"
            f"  # x: (1, 1, {i}, {i}), w: (1, 1, {k}, {k})")
    try:
        o = conv_transpose_output_size(i, k, s, p, output_padding=a, dilation=d)
    except ValueError as error:
        return _error_frame(str(error), call)
    full = s * (i - 1) + d * (k - 1) + 1
    size = max(full, p + o)
    counts = np.zeros((size, size), dtype=int)
    counts[:full, :full] = overlap_count((i, i), (k, k), s, 0, 0, d)
    most = int(counts.max())

    in_cell = max(cell, 26)
    x_in, top = 10, 30
    x_out = x_in + i * in_cell + 60
    title = f"output: {o} × {o} (framed) in the full result {full} × {full}"
    width = x_out + max(size * cell + 12, _width(title))
    height = top + max(size * cell, i * in_cell) + 14
    svg = SVG(width, height, label=f"transposed convolution of a {i}x{i} input with a {k}x{k} kernel")
    svg.text(x_in, 18, f"input: {i} × {i}", size=12, fill=TEXT)
    svg.text(x_out, 18, title, size=12, fill=TEXT)
    for j in range(i * i):
        r, c = divmod(j, i)
        svg.rect(x_in + c * in_cell, top + r * in_cell, in_cell, in_cell, fill=tap_colour(j), fill_opacity=0.45)
    svg.grid(x_in, top, i, i, in_cell, stroke=GRID)
    svg.labels([(x_in + (j % i + 0.5) * in_cell, top + (j // i + 0.5) * in_cell + 4, str(j))
                for j in range(i * i)], 10, fill=TEXT)

    fills = np.vectorize(lambda n: _count_fill(n, most), otypes=[object])(counts)
    _cells(svg, x_out, top, fills, None, cell)
    cropped = [(x_out + b * cell, top + r * cell) for r in range(size) for b in range(size)
               if not (p <= r < p + o and p <= b < p + o)]
    if cropped:  # pale: removed by the padding
        inside = np.zeros((size, size), dtype=object)
        inside[p: p + o, p: p + o] = 1
        svg.path(_runs(inside, 0, x_out, top, cell), fill="#ffffff", fill_opacity=0.6)
    # kernel copies of input pixels 0 and 1: taps d apart, starting at s times the position;
    # a corner mark on every tap (top-left for pixel 0, bottom-right for pixel 1) and the span framed
    m = cell * 0.42
    for j, (pr, pc) in enumerate([(0, 0), (0, 1)]):
        if pc >= i:
            continue
        taps = [(x_out + (pc * s + tc * d) * cell, top + (pr * s + tr * d) * cell)
                for tr in range(k) for tc in range(k)]
        if j == 0:
            marks = "".join(f"M{x:g} {y_:g}h{m:g}L{x:g} {y_ + m:g}z" for x, y_ in taps)
        else:
            marks = "".join(f"M{x + cell:g} {y_ + cell:g}h-{m:g}L{x + cell:g} {y_ + cell - m:g}z"
                            for x, y_ in taps)
        svg.path(marks, fill=tap_colour(j))
        span = d * (k - 1) + 1
        svg.rect(x_out + pc * s * cell + j * 2, top + pr * s * cell + j * 2, span * cell - j * 4,
                 span * cell - j * 4, fill="none", stroke=tap_colour(j), stroke_width=2,
                 stroke_dasharray="4 2" if j else None)
    light = [(x_out + (b + 0.5) * cell, top + (r + 0.5) * cell + 4, str(counts[r, b]))
             for r in range(size) for b in range(size) if not _dark(fills[r, b])]
    dark = [(x_out + (b + 0.5) * cell, top + (r + 0.5) * cell + 4, str(counts[r, b]))
            for r in range(size) for b in range(size) if _dark(fills[r, b])]
    _text_rows(svg, light, 10, TEXT)
    if dark:
        _text_rows(svg, dark, 10, "#fff")
    svg.rect(x_out + p * cell, top + p * cell, o * cell, o * cell, fill="none", stroke="#111",
             stroke_width=2.5)
    if size > full:  # output_padding reaching past the full result: cells nobody stamps
        past = [(x_out + b * cell, top + r * cell) for r in range(size) for b in range(size)
                if r >= full or b >= full]
        svg.path(squares_path(past, cell), fill="none", stroke=KERNEL, stroke_width=1.5,
                 stroke_dasharray="2 2")

    lines = [
        "o = (i − 1)s − 2p + d(k − 1) + a + 1 = "
        f"({i} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {a} + 1 = <b>{o}</b>",
        f"each input pixel stamps a {k} × {k} kernel copy (taps {d} apart) starting at {s} × its "
        "position; the numbers count the copies on each cell (pixels 0 and 1 outlined in their colours)",
    ]
    lo, hi = d * (k - 1), s * (i - 1)  # cells that every tap can reach
    if hi - lo + 1 < s:
        lines.append("interior: too small to show a pattern (make the input larger or the kernel smaller)")
    else:
        interior = sorted(set(counts[lo: hi + 1, lo: hi + 1].ravel().tolist()))
        if len(interior) == 1:
            lines.append(f"interior: every cell gets {interior[0]} copies (even overlap)")
        else:
            lines.append(
                f"interior: cells get {', '.join(map(str, interior))} copies: <b>uneven overlap</b>, "
                "the checkerboard pattern"
                + (" (some cells get none: stride and dilation leave holes)" if interior[0] == 0 else "")
            )
    if p:
        lines.append(f"padding p = {p} crops {p} row(s)/column(s) from every edge of the full result (pale)")
    if a:
        lines.append(
            f"output_padding a = {a} keeps {a} more row(s)/column(s) at the bottom/right"
            + (" (dashed: past the full result, zeros)" if size > full else " (taken back from the cropped border)")
        )
    lines.append(f"<code>{escape(call)}</code> → (1, 1, {o}, {o})")
    return str(svg) + _lines(lines)


def transposed_explorer(
    sizes: Sequence[int] = (2, 3),
    kernels: Sequence[int] = (1, 2, 3, 4),
    strides: Sequence[int] = (1, 2, 3),
    paddings: Sequence[int] = (0, 1, 2),
    output_paddings: Sequence[int] = (0, 1),
    dilations: Sequence[int] = (1, 2),
    initial: tuple[int, int, int, int, int, int] = (3, 3, 2, 0, 0, 1),
) -> Explorer:
    """Sliders for input size, kernel, stride, padding, output_padding and dilation over :func:`transposed_view`."""
    i, k, s, p, a, d = initial
    return Explorer(
        transposed_view,
        [
            Control("i", sizes, "input i", i),
            Control("k", kernels, "kernel k", k),
            Control("s", strides, "stride s", s),
            Control("p", paddings, "padding p", p),
            Control("a", output_paddings, "output_padding a", a),
            Control("d", dilations, "dilation d", d),
        ],
    )


# -- overlap along one axis -----------------------------------------------------------------------


def counts_1d_svg(cases: Sequence[tuple[int, int]] = ((3, 2), (4, 2), (5, 3), (3, 3)), i: int = 6,
                  cell: int = 16) -> SVG:
    """Bars of the overlap counts of a 1-d transposed convolution, one row per ``(k, s)``.

    Parameters
    ----------
    cases : sequence of (k, s)
    i : int
        Input length.
    cell : int
        Width of one output cell.
    """
    rows = [(k, s, overlap_count(i, k, s)) for k, s in cases]
    longest = max(len(c) for _, _, c in rows)
    unit, left = 15, 120
    heights = [int(c.max()) * unit + 24 for _, _, c in rows]
    svg = SVG(left + longest * cell + 10, sum(heights) + 8,
              label="overlap counts of 1-d transposed convolutions")
    y0 = 4
    for (k, s, counts), h in zip(rows, heights):
        base = y0 + h - 8
        even = k % s == 0
        svg.text(4, base - 6, f"k = {k}, s = {s}", size=12, fill=TEXT)
        svg.text(4, base + 6, "even" if even else "uneven", size=11, fill="#555")
        bars = [(left + q * cell + 1, base - n * unit, n) for q, n in enumerate(counts)]
        for level in range(1, int(counts.max()) + 1):
            cells = [(x, base - level * unit) for x, _, n in bars if n >= level]
            svg.path("".join(f"M{x:g} {y:g}h{cell - 2:g}v{unit - 1:g}h-{cell - 2:g}z" for x, y in cells),
                     fill=COUNT_FILLS[min(level + 1, len(COUNT_FILLS) - 1)])
        svg.labels([(x + (cell - 2) / 2, base - n * unit - 2, str(n)) for x, _, n in bars], 9, fill=TEXT)
        svg.line(left, base, left + len(counts) * cell, base, stroke=GRID)
        y0 += h
    return svg


# -- stacks and resize-convolution ----------------------------------------------------------------


def upsampling_stack_response(layers: int, k: int, s: int, mode: str = "transposed",
                              size: int = 6) -> np.ndarray:
    """Response of a stack of upsampling layers with all-ones kernels to an all-ones input.

    ``mode='transposed'``: ``layers`` transposed convolutions (kernel
    ``k x k``, stride ``s``, no padding), so every value is a count of
    overlapping kernel copies.  ``mode='resize'``: nearest-neighbour
    upsampling by ``s`` followed by a ``k x k`` convolution with
    ``'same'`` padding (resize-convolution), divided by ``(k / s)^2`` per
    layer so both modes carry the same total weight per layer.

    Returns
    -------
    ndarray, shape (H, W)
    """
    if mode not in ("transposed", "resize"):
        raise ValueError(f"mode must be 'transposed' or 'resize', got {mode!r}")
    x = np.ones((1, 1, size, size))
    w = np.ones((1, 1, k, k))
    for _ in range(layers):
        if mode == "transposed":
            x = conv_transpose2d(x, w, stride=s)
        else:
            x = conv2d(upsample_nearest(x, s), w * (s * s) / (k * k), padding="same")
    return x[0, 0]


def _interior(values: np.ndarray, margin: int) -> np.ndarray:
    return values[margin: values.shape[0] - margin, margin: values.shape[1] - margin]


def upsampling_stack_view(layers: int, k: int, s: int, mode: str = "transposed", size: int = 6,
                          scale: int = 2) -> str:
    """Image of :func:`upsampling_stack_response`, the middle row as a profile, its interior values.

    The margin left out of the interior is the reach of the border effects:
    one layer spoils ``r`` cells at each edge (``k - 1`` for a transposed
    convolution without padding, ``ceil((k - 1) / 2)`` for a ``'same'``
    convolution after resizing) and every later layer multiplies them by
    ``s``: ``r (s^layers - 1) / (s - 1)`` cells.
    """
    values = upsampling_stack_response(layers, k, s, mode, size)
    reach = k - 1 if mode == "transposed" else (k - 1 + 1) // 2  # border cells one layer spoils
    margin = reach * ((s ** layers - 1) // (s - 1) if s > 1 else layers)
    inner = _interior(values, margin)
    name = "transposed convolution" if mode == "transposed" else "resize + convolution"
    picture = image_html(values, scale=max(1, scale * 120 // values.shape[0]), cmap="viridis",
                         title=f"{layers} × {name}, k = {k}, s = {s}: {values.shape[0]} × {values.shape[1]}")
    row = values[values.shape[0] // 2]
    width, height = 360, 70
    svg = SVG(width + 10, height + 26, label="profile of the middle row")
    svg.text(4, 14, "middle row (interior between the dashed lines)", size=11, fill=TEXT)
    hi = float(row.max()) or 1.0
    xs = np.linspace(6, width, len(row))
    points = " ".join(f"{x:.1f},{20 + height - v / hi * height:.1f}" for x, v in zip(xs, row))
    svg.items.append(f"<polyline points='{points}' fill='none' stroke='#1b7837' stroke-width='1.3'/>")
    if inner.size:
        for q in (margin, len(row) - margin - 1):
            svg.line(xs[q], 20, xs[q], 20 + height, stroke=UNREAD, stroke_dasharray="3 2")
    lines = []
    if inner.size:
        lo, hi_ = float(inner.min()), float(inner.max())
        distinct = len(np.unique(np.round(inner, 9)))
        if distinct == 1:
            lines.append(f"interior: constant ({fmt(lo)}): no checkerboard")
        else:
            ratio = f"max/min = {hi_ / lo:.2f}" if lo > 0 else "some cells get nothing"
            lines.append(f"interior: {distinct} different values from {fmt(lo)} to {fmt(hi_)} "
                         f"({ratio}): a periodic pattern")
    else:
        lines.append("no interior: the output is all border")
    return _row(picture, str(svg)) + _lines(lines)


def upsampling_stack_explorer(layer_counts: Sequence[int] = (1, 2, 3),
                              kernels: Sequence[int] = (2, 3, 4, 5),
                              strides: Sequence[int] = (2, 3)) -> Explorer:
    """Sliders for layers, kernel and stride, and a menu for transposed vs resize-convolution."""
    return Explorer(
        upsampling_stack_view,
        [
            Control("layers", layer_counts, "layers", 2),
            Control("k", kernels, "kernel k", 3),
            Control("s", strides, "stride (scale) s", 2),
            Control("mode", ("transposed", "resize"), "upsampling"),
        ],
    )


def checkerboard_strength(image: np.ndarray, period: int = 2, margin: int = 8) -> float:
    """How much of an image's interior is a pattern repeating every ``period`` pixels.

    The interior is split into its ``period x period`` phases (pixels with
    the same row and column remainder); the score is the spread of the phase
    means divided by the mean absolute value: 0 for an image without any
    periodic bias, large for a checkerboard.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    period : int
    margin : int
        Border pixels left out.
    """
    inner = np.asarray(image, dtype=float)[margin: image.shape[0] - margin, margin: image.shape[1] - margin]
    means = np.array([[inner[a::period, b::period].mean() for b in range(period)] for a in range(period)])
    return float(means.std() / np.abs(inner).mean())


def decoder_outputs(image: np.ndarray, layers: int = 3, seed: int = 0) -> dict[str, np.ndarray]:
    """A random upsampling decoder in three versions, applied to ``image``.

    Each layer doubles the size; the weights are random positive numbers
    (one channel, drawn with ``seed``), the same random numbers for every
    version where the kernel sizes agree:

    * ``'transposed, k=3, s=2'``: uneven overlap;
    * ``'transposed, k=4, s=2'``: even overlap, but different taps per phase;
    * ``'resize + conv, k=3'``: nearest upsampling by 2, then a 3 x 3
      convolution with ``'same'`` padding.

    Returns
    -------
    dict of name -> ndarray, shape (H * 2^layers, W * 2^layers) (up to a border)
    """
    rng = np.random.default_rng(seed)
    kernels3 = [rng.uniform(0.2, 1.0, (1, 1, 3, 3)) for _ in range(layers)]
    kernels4 = [rng.uniform(0.2, 1.0, (1, 1, 4, 4)) for _ in range(layers)]
    x0 = np.asarray(image, dtype=float)[None, None]
    outputs = {}
    x = x0
    for w in kernels3:
        x = conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    outputs["transposed, k=3, s=2"] = x[0, 0]
    x = x0
    for w in kernels4:
        x = conv_transpose2d(x, w, stride=2, padding=1)
    outputs["transposed, k=4, s=2"] = x[0, 0]
    x = x0
    for w in kernels3:
        x = conv2d(upsample_nearest(x, 2), w, padding="same")
    outputs["resize + conv, k=3"] = x[0, 0]
    return outputs


__all__ = [
    "checkerboard_strength",
    "counts_1d_svg",
    "decoder_outputs",
    "scatter_animation",
    "scatter_view",
    "upsampling_stack_explorer",
    "upsampling_stack_response",
    "upsampling_stack_view",
    "three_views_html",
    "transposed_explorer",
    "transposed_view",
    "zero_insertion_view",
]
