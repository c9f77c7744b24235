"""Figures of the chapter "Convolution as a matrix".

* :func:`tap_matrix` -- which kernel tap sits in each entry of the matrix
  ``C`` of a small single-channel 2-d convolution (built with
  :func:`~convkit.matrix.conv_matrix`).
* :func:`conv_matrix_svg` -- the whole matrix ``C``, nonzeros coloured by
  kernel tap, with its block structure.
* :func:`matrix_view` / :func:`matrix_explorer` -- one output pixel at a
  time: its row of ``C``, its window in the input and its cell in the output.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..interactive import Control, Explorer
from ..matrix import conv_matrix
from ..svg import SVG, squares_path
from .common import GRID, INPUT, OUTPUT, PADDING, PADDING_LINE, readable_text

# one colour per kernel tap, cycled for kernels with more than 9 taps: Paul Tol's
# "muted" scheme, whose colours stay apart for colour-blind readers (checked in
# tests/test_colours.py); labels on them use readable_text
TAP_COLOURS = (
    "#88ccee", "#cc6677", "#ddcc77", "#117733", "#332288",
    "#aa4499", "#44aa99", "#999933", "#882255",
)


def tap_colour(tap: int) -> str:
    """Colour of kernel tap number ``tap`` (row-major position in the kernel)."""
    return TAP_COLOURS[tap % len(TAP_COLOURS)]


def tap_matrix(
    input_size: int | tuple[int, int],
    kernel_size: int | tuple[int, int],
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> np.ndarray:
    """Kernel tap held by every entry of ``C`` for a 1-channel 2-d convolution.

    Parameters
    ----------
    input_size, kernel_size : int or (int, int)
        Spatial sizes (an int means a square).
    stride, padding, dilation : int
        As for :func:`~convkit.conv.conv2d`.

    Returns
    -------
    ndarray of int, shape ``(H_out * W_out, H * W)``
        ``t`` where ``C`` holds ``w.flat[t]``, and ``-1`` where ``C`` is zero.

    Examples
    --------
    >>> tap_matrix(3, 2)[0]
    array([ 0,  1, -1,  2,  3, -1, -1, -1, -1])
    """
    size = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
    kernel = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    numbers = np.arange(1, kernel[0] * kernel[1] + 1, dtype=float).reshape(1, 1, *kernel)
    C = conv_matrix((1, *size), numbers, stride=stride, padding=padding, dilation=dilation)
    return C.astype(int) - 1  # tap t is stored as t + 1, so zeros become -1


def _matrix_panel(
    svg: SVG,
    x0: float,
    y0: float,
    taps: np.ndarray,
    cell: float,
    block: tuple[int, int] | None = None,
    row: int | None = None,
) -> None:
    """Draw the tap matrix: nonzeros as coloured squares, zeros blank.

    ``block = (rows, cols)`` draws the block boundaries; ``row`` highlights
    one row (the others are faded).
    """
    n_rows, n_cols = taps.shape
    svg.grid(x0, y0, n_rows, n_cols, cell, fill="#fff", stroke="#e3e6ea", stroke_width=0.5)
    if block:
        lines = [f"M{x0 + c * cell:g} {y0:g}v{n_rows * cell:g}" for c in range(0, n_cols + 1, block[1])]
        lines += [f"M{x0:g} {y0 + r * cell:g}h{n_cols * cell:g}" for r in range(0, n_rows + 1, block[0])]
        svg.path("".join(lines), fill="none", stroke=GRID, stroke_width=1)
    for tap in range(int(taps.max()) + 1):
        r, c = np.nonzero(taps == tap)
        cells = [(x0 + cc * cell + 1, y0 + rr * cell + 1) for rr, cc in zip(r, c)]
        if cells:
            svg.path(squares_path(cells, cell - 2), fill=tap_colour(tap),
                     fill_opacity=1 if row is None else 0.3)
    if row is not None:
        cols = np.flatnonzero(taps[row] >= 0)
        for tap in sorted(set(taps[row, cols])):
            cells = [(x0 + c * cell + 1, y0 + row * cell + 1) for c in cols if taps[row, c] == tap]
            svg.path(squares_path(cells, cell - 2), fill=tap_colour(tap))
        svg.rect(x0 - 1.5, y0 + row * cell - 1.5, n_cols * cell + 3, cell + 3, fill="none",
                 stroke="#111", stroke_width=2)


def _kernel_panel(svg: SVG, x0: float, y0: float, kernel: int, cell: float) -> None:
    cells = [(x0 + b * cell, y0 + a * cell) for a in range(kernel) for b in range(kernel)]
    for tap, (x, y) in enumerate(cells):
        svg.rect(x, y, cell, cell, fill=tap_colour(tap), fill_opacity=0.85, stroke="#fff")
    _labels_on(svg, [(x + cell / 2, y + cell / 2 + 3.5, f"w{tap // kernel}{tap % kernel}", tap_colour(tap))
                     for tap, (x, y) in enumerate(cells)], 9)


def _labels_on(svg: SVG, items: Sequence[tuple[float, float, str, str]], size: float) -> None:
    """Centred texts ``(x, y, text, fill below it)``, each in black or white, whichever reads better."""
    coloured = [(x, y, text, readable_text(fill)) for x, y, text, fill in items]
    colours = [item[3] for item in coloured]
    svg.labels(coloured, size, fill=max(set(colours), key=colours.count) if colours else "#111")


def conv_matrix_svg(
    input_size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    cell: float = 14,
) -> SVG:
    """The matrix ``C`` of a square 1-channel 2-d convolution, coloured by kernel tap.

    Thick lines separate the ``W_out x W`` blocks that link one output row
    to one input row: for stride 1 the blocks repeat along diagonals (block
    Toeplitz), and each block is itself a banded Toeplitz matrix.

    Parameters
    ----------
    input_size, kernel_size : int
        ``H = W`` and ``kh = kw``.
    stride, padding, dilation : int
    cell : float
        Side of one matrix entry in pixels.
    """
    taps = tap_matrix(input_size, kernel_size, stride, padding, dilation)
    n_rows, n_cols = taps.shape
    out = n_rows and int(round(np.sqrt(n_rows)))
    k_cell = 22
    left = 16 + kernel_size * k_cell + 30
    top = 30
    width = left + n_cols * cell + 10
    height = max(top + n_rows * cell, 30 + kernel_size * k_cell) + 26
    svg = SVG(width, height, label=f"matrix of a {kernel_size}x{kernel_size} convolution "
                                   f"on a {input_size}x{input_size} input")
    svg.text(16, 18, "kernel w", size=12, fill="#333")
    _kernel_panel(svg, 16, top, kernel_size, k_cell)
    svg.text(left, 18, f"C: {n_rows} × {n_cols}  (rows: output pixels, columns: input pixels)",
             size=12, fill="#333")
    _matrix_panel(svg, left, top, taps, cell, block=(out, input_size))
    svg.text(left, top + n_rows * cell + 18,
             f"blocks of {out} × {input_size}: output row r against input row r'", size=11, fill="#555")
    return svg


def _window(size: int, k: int, s: int, p: int, d: int, index: int) -> tuple[int, int, list[tuple[int, int]]]:
    out = (size + 2 * p - d * (k - 1) - 1) // s + 1
    r, c = divmod(index, out)
    taps = [(r * s + a * d, c * s + b * d) for a in range(k) for b in range(k)]  # padded coordinates
    return r, c, taps


def matrix_view(k: int, s: int, p: int, index: int, i: int = 4, d: int = 1) -> str:
    """HTML picture of one output pixel of a 1-channel ``i x i`` convolution as a row of ``C``.

    Parameters
    ----------
    k, s, p, d : int
        Kernel size, stride, zero padding per side, dilation.
    index : int
        Output position (row-major); taken modulo the number of outputs, so
        one slider range serves every setting.
    i : int
        Input size.

    Returns
    -------
    str
        An SVG (kernel, padded input with the window, output grid, matrix
        ``C`` with the row highlighted) and the row written as a sum.
    """
    taps = tap_matrix(i, k, s, p, d)
    n_out = taps.shape[0]
    out = int(round(np.sqrt(n_out)))
    row = index % n_out
    r, c, window = _window(i, k, s, p, d, row)
    size = i + 2 * p
    g, m, k_cell = 22, 14, 24  # cell sizes: input/output grids, matrix, kernel
    top = 42
    x_kernel = 12
    x_input = x_kernel + k * k_cell + 28
    x_output = x_input + max(size * g, 130) + 24
    x_matrix = x_output + max(out * g, 60) + 36
    width = x_matrix + i * i * m + 10
    height = top + max(n_out * m, size * g + 30) + 12
    svg = SVG(width, height, label=f"row {row} of the matrix of a {k}x{k} convolution")
    heading = [(x_kernel, "kernel w"), (x_input, f"input x (padding {p})"), (x_output, "output y"),
               (x_matrix, f"C: {n_out} × {i * i}")]
    for x, text in heading:
        svg.text(x, 16, text, size=12, fill="#333")

    _kernel_panel(svg, x_kernel, top, k, k_cell)

    # padded input: padding grey, input blue with flat indices = column numbers of C
    svg.grid(x_input, top, size, size, g, fill=PADDING, stroke=PADDING_LINE, stroke_dasharray="2 2")
    svg.grid(x_input + p * g, top + p * g, i, i, g, fill=INPUT, stroke=GRID)
    for tap, (a, b) in enumerate(window):
        inside = p <= a < p + i and p <= b < p + i
        x, y = x_input + b * g, top + a * g
        if inside:
            svg.rect(x + 1, y + 1, g - 2, g - 2, fill=tap_colour(tap))
        else:  # the tap reads a padding zero: no column of C
            svg.rect(x + 3, y + 3, g - 6, g - 6, fill="none", stroke=tap_colour(tap), stroke_width=2,
                     stroke_dasharray="3 2")
    covered = {cell: tap for tap, cell in enumerate(window)}  # padded (row, col) -> tap
    _labels_on(svg, [(x_input + (p + q % i + 0.5) * g, top + (p + q // i + 0.5) * g + 3.5, str(q),
                      tap_colour(covered[p + q // i, p + q % i]) if (p + q // i, p + q % i) in covered else INPUT)
                     for q in range(i * i)], 9)

    # output grid with flat indices = row numbers of C
    svg.grid(x_output, top, out, out, g, fill=OUTPUT, stroke=GRID)
    svg.rect(x_output + c * g + 1, top + r * g + 1, g - 2, g - 2, fill="#111", fill_opacity=0.75)
    svg.labels([(x_output + (j % out + 0.5) * g, top + (j // out + 0.5) * g + 3.5, str(j))
                  for j in range(n_out) if j != row], 9)
    svg.labels([(x_output + (c + 0.5) * g, top + (r + 0.5) * g + 3.5, str(row))], 9, fill="#fff")

    # the matrix: column numbers on top, the highlighted row's number on the left
    svg.labels([(x_matrix + (q + 0.5) * m, top - 5, str(q)) for q in range(i * i)], 7, fill="#555")
    svg.labels([(x_matrix - 10, top + (row + 0.5) * m + 3, str(row))], 9, fill="#111")
    _matrix_panel(svg, x_matrix, top, taps, m, block=(out, i), row=row)

    terms = [
        f"w<sub>{taps[row, q] // k}{taps[row, q] % k}</sub>·x<sub>{q}</sub>"
        for q in range(i * i) if taps[row, q] >= 0
    ]
    missed = sum(1 for a, b in window if not (p <= a < p + i and p <= b < p + i))
    lines = [
        f"row {row} of C = output y[{r}, {c}] = {' + '.join(terms)}",
        f"{len(terms)} nonzeros in this row"
        + (f"; {missed} of the {k * k} taps fall on the zero padding, which has no column in C"
           if missed else f": all {k * k} taps land inside the input"),
    ]
    if index != row:
        lines.append(
            f"(this setting has only {n_out} output{'s' if n_out > 1 else ''}: "
            f"position {index} wraps around to {row})"
        )
    text = "".join(f"<div style='margin:3px 0'>{line}</div>" for line in lines)
    return f"{svg}<div style='font-size:13px;line-height:1.45'>{text}</div>"


def matrix_explorer(
    i: int = 4,
    kernels: Sequence[int] = (2, 3),
    strides: Sequence[int] = (1, 2),
    paddings: Sequence[int] = (0, 1),
    initial: tuple[int, int, int] = (3, 1, 1),
) -> Explorer:
    """Sliders for kernel, stride, padding and output position over :func:`matrix_view`.

    The output-position slider runs over the largest number of outputs of
    all settings (with a play button); smaller settings take it modulo their
    own number of outputs.
    """
    most = max(((i + 2 * p - k) // s + 1) ** 2 for k in kernels for s in strides for p in paddings
               if k <= i + 2 * p)
    k, s, p = initial

    def render(k: int, s: int, p: int, index: int) -> str:
        return matrix_view(k, s, p, index, i=i)

    return Explorer(
        render,
        [
            Control("k", kernels, "kernel k", k),
            Control("s", strides, "stride s", s),
            Control("p", paddings, "padding p", p),
            Control("index", range(most), "output position"),
        ],
        play="index",
    )
