"""Figures of the chapter "Dilated (atrous) convolution".

* :func:`dilation_view` / :func:`dilation_explorer` -- the taps of one
  dilated ``k x k`` kernel on the input, its effective size and the output
  sizes, behind a dilation slider.
* :func:`stack_view` / :func:`stack_explorer` -- a stack of 1-d layers drawn
  as a tower: which pixels of every layer one output pixel reads, down to the
  input, with the holes (computed by :func:`~convkit.arithmetic.path_counts`).
* :func:`counts_svg` / :func:`gridding_figure` -- 2-d maps of the input
  pixels one output pixel reads, shaded by the number of paths.
* :func:`receptive_field_table` -- size, jump, start and centre after every
  layer of a network, as an HTML table.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

import numpy as np

from ..arithmetic import conv_output_size, path_counts, receptive_fields, same_padding
from ..interactive import Control, Explorer
from ..svg import SVG, squares_path
from .common import GRID, INPUT, KERNEL

# sequential blues for path counts (light to dark: readable without colour vision);
# a pixel that is never read stays white
COUNT_SHADES = ("#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c")
HOLE = "#ffffff"


def _shade(count: int, most: int) -> str:
    """Colour of a pixel reached by ``count`` paths when the most is ``most``."""
    if most <= 1:
        return COUNT_SHADES[2]
    level = round((count - 1) / (most - 1) * (len(COUNT_SHADES) - 1))
    return COUNT_SHADES[level]


def dilation_view(k: int, d: int, grid: int | None = None, input_size: int = 32, cell: int = 14) -> str:
    """One dilated ``k x k`` kernel on a square input, with its numbers.

    Parameters
    ----------
    k, d : int
        Kernel size and dilation.
    grid : int, optional
        Side of the drawn input patch (default: the effective kernel + 4).
    input_size : int
        Input size used for the output sizes in the text.
    cell : int
        Side of one input pixel in the picture.

    Returns
    -------
    str
        An SVG (the taps of one output pixel filled, those of its right
        neighbour outlined, the ``k_hat x k_hat`` window framed) and the
        effective kernel, parameter count and output sizes.
    """
    span = d * (k - 1) + 1
    grid = grid or span + 4
    if grid < span + 1:
        raise ValueError(f"grid must be at least the effective kernel + 1 = {span + 1}, got {grid}")
    if k < 1 or d < 1:
        raise ValueError(f"k and d must be positive, got k={k}, d={d}")
    top, margin = 8, 8
    svg = SVG(grid * cell + 2 * margin, grid * cell + top + margin,
              label=f"a {k}x{k} kernel with dilation {d} spans {span}x{span} input pixels")
    x0, y0 = margin, top
    svg.grid(x0, y0, grid, grid, cell, fill=INPUT, stroke="#b9c0c8")
    first = (grid - span) // 2  # top-left tap, the window centred in the patch
    taps = [(first + a * d, first + b * d) for a in range(k) for b in range(k)]
    svg.path(squares_path([(x0 + c * cell + 1, y0 + r * cell + 1) for r, c in taps], cell - 2),
             fill=KERNEL)
    neighbour = [(x0 + (c + 1) * cell + 2.5, y0 + r * cell + 2.5) for r, c in taps]
    svg.path(squares_path(neighbour, cell - 5), fill="none", stroke="#7a4a00", stroke_width=1.3,
             stroke_dasharray="2 1.5")
    svg.rect(x0 + first * cell, y0 + first * cell, span * cell, span * cell, fill="none",
             stroke=KERNEL, stroke_width=2.5)

    valid = conv_output_size(input_size, k, 1, 0, d) if span <= input_size else None
    before, after = same_padding(k, d)
    fraction = k * k / (span * span)
    shared = "none" if d > 1 else f"{k * (k - 1)} of {k * k}"
    lines = [
        f"<b>k = {k}, d = {d}</b>: effective kernel k̂ = k + (k−1)(d−1) = {k} + {k - 1}·{d - 1} = "
        f"<b>{span}</b>",
        f"{k * k} weights (the same for every d) cover a {span} × {span} window: "
        f"{fraction:.0%} of its pixels are read.",
        f"Pixels shared with the right neighbour's window (dashed): {shared}.",
        f"On a {input_size} × {input_size} input, stride 1: no padding gives "
        + (f"o = {input_size} − {span} + 1 = <b>{valid}</b>" if valid else "no valid position")
        + f"; padding ({before}, {after}) per side keeps <b>{input_size}</b>.",
    ]
    padding = f"padding={before}" if before == after else "padding='same'"
    lines.append(f"<code>{escape(f'F.conv2d(x, w, dilation={d}, {padding})')}</code>"
                 f"  # w: (C_out, C_in, {k}, {k})")
    text = "".join(f"<div style='margin:3px 0'>{line}</div>" for line in lines)
    return f"{svg}<div style='font-size:13px;line-height:1.45'>{text}</div>"


def dilation_explorer(kernels: Sequence[int] = (2, 3, 4, 5), dilations: Sequence[int] = range(1, 7),
                      initial: tuple[int, int] = (3, 2)) -> Explorer:
    """Sliders for kernel size and dilation over :func:`dilation_view` (one fixed patch size)."""
    grid = max(d * (k - 1) + 1 for k in kernels for d in dilations) + 2

    def render(k: int, d: int) -> str:
        return dilation_view(k, d, grid=grid)

    return Explorer(render, [Control("d", dilations, "dilation d", initial[1]),
                             Control("k", kernels, "kernel k", initial[0])])


def _layer_nodes(size: int, layers: Sequence[tuple[int, int, int]]) -> list[np.ndarray]:
    """Path counts to the top output pixel for the pixels of every layer (valid padding)."""
    ks = [k for k, _, _ in layers]
    ss = [s for _, s, _ in layers]
    ds = [d for _, _, d in layers]
    counts = []
    length = size
    for level in range(len(layers)):
        counts.append(path_counts(length, ks[level:], ss[level:], 0, ds[level:], index=0))
        k, s, d = layers[level]
        length = conv_output_size(length, k, s, 0, d)
    counts.append(np.ones(1, dtype=np.int64))
    return counts


def stack_view(layers: Sequence[tuple[int, int, int]], cell: int = 13, width: int | None = None) -> str:
    """A stack of 1-d layers as a tower: what one output pixel reads, layer by layer.

    Parameters
    ----------
    layers : sequence of (k, s, d)
        Kernel, stride and dilation of every layer, first layer first
        (no padding: the picture shows the receptive field of one output).
    cell : int
        Width of one input pixel.
    width : int, optional
        Width of the drawing area in input pixels (default: the receptive
        field); a fixed width keeps the frames of an explorer aligned.

    Returns
    -------
    str
        An SVG (rows from the input at the bottom to the output pixel at
        the top; filled pixels are read, darker ones along more paths; grey
        ones are inside the receptive field but never read) and the
        receptive-field numbers.
    """
    layers = [tuple(int(v) for v in layer) for layer in layers]
    if not layers:
        raise ValueError("layers must hold at least one (k, s, d) layer")
    ks, ss, ds = ([layer[i] for layer in layers] for i in range(3))
    fields = receptive_fields(ks, ss, 0, ds)
    size = fields[-1].size
    width = max(width or size, size)
    counts = _layer_nodes(size, layers)
    label_w, row_h, top = 150, 46, 12
    svg = SVG(label_w + width * cell + 10, top + row_h * len(layers) + cell + 8,
              label="which pixels of every layer one output pixel reads")
    x0 = label_w + (width - size) * cell / 2
    rows = len(layers) + 1

    def y_of(level: int) -> float:  # level 0 (input) at the bottom
        return top + (rows - 1 - level) * row_h

    def centre_x(level: int, m: int) -> float:
        if level == 0:
            return x0 + (m + 0.5) * cell
        field = fields[level - 1]
        return x0 + (field.centre + m * field.jump + 0.5) * cell

    edges = []
    for level in range(len(layers), 0, -1):
        k, s, d = layers[level - 1]
        for m in np.flatnonzero(counts[level]):
            for t in range(k):
                below = m * s + t * d
                edges.append(f"M{centre_x(level, m):.1f} {y_of(level):.0f}"
                             f"L{centre_x(level - 1, below):.1f} {y_of(level - 1) - cell / 2 + 2:.0f}")
    svg.path("".join(edges), stroke="#8a96a3", stroke_width=0.8, fill="none")

    for level, count in enumerate(counts):
        y = y_of(level)
        most = int(count.max())
        by_colour: dict[str, list[tuple[float, float]]] = {}
        half = cell / 2 - 1 if level == 0 else cell / 2 - 2
        for m, c in enumerate(count):
            colour = _shade(int(c), most) if c else HOLE
            by_colour.setdefault(colour, []).append((centre_x(level, m) - half, y - half))
        for colour, corners in by_colour.items():
            svg.path(squares_path(corners, 2 * half), fill=colour, stroke=GRID, stroke_width=0.6)
        if level == 0:
            name = "input"
        else:
            k, s, d = layers[level - 1]
            name = f"layer {level}: k={k} s={s} d={d}"
        svg.text(4, y + 4, name, size=11, fill="#222")
    read = int((counts[0] > 0).sum())
    top_field = fields[-1]
    lines = [
        f"receptive field r = <b>{size}</b>, jump {top_field.jump}: the output reads "
        f"<b>{read}</b> of its {size} input pixels"
        + (f" ({size - read} holes, white)" if read < size else " (no holes)")
        + f"; in 2-d, {read * read} of {size * size}.",
    ]
    text = "".join(f"<div style='margin:3px 0'>{line}</div>" for line in lines)
    return f"{svg}<div style='font-size:13px;line-height:1.45'>{text}</div>"


def stack_explorer(kernels: Sequence[int] = (2, 3), strides: Sequence[int] = (1, 2),
                   dilations: Sequence[int] = (1, 2, 3),
                   initial: tuple[int, ...] = (3, 1, 2, 3, 1, 2)) -> Explorer:
    """The stack editor: kernel, stride and dilation of two layers, and an optional third.

    The third layer (if any) is a stride-1 ``k = 3`` layer whose dilation is
    chosen with ``d3`` (``'none'`` leaves it out).  Every frame has the same
    width (the largest receptive field the controls allow).
    """
    k_max, s_max, d_max = max(kernels), max(strides), max(dilations)
    widest = receptive_fields([k_max, k_max, 3], [s_max, s_max, 1], 0, [d_max] * 3)[-1].size

    def render(k1: int, s1: int, d1: int, k2: int, s2: int, d2: int, d3: str) -> str:
        layers = [(k1, s1, d1), (k2, s2, d2)]
        if d3 != "none":
            layers.append((3, 1, int(d3)))
        return stack_view(layers, width=widest)

    k1, s1, d1, k2, s2, d2 = initial
    third_values = ("none",) + tuple(str(d) for d in dilations)
    return Explorer(render, [
        Control("k1", kernels, "layer 1: k", k1), Control("s1", strides, "s", s1),
        Control("d1", dilations, "d", d1),
        Control("k2", kernels, "layer 2: k", k2), Control("s2", strides, "s", s2),
        Control("d2", dilations, "d", d2),
        Control("d3", third_values, "layer 3 (k=3, s=1): d", third_values[-2]),
    ])


def counts_svg(counts: np.ndarray, cell: int = 9, title: str | None = None) -> SVG:
    """A 2-d map of path counts: unread pixels white, read ones blue (darker = more paths).

    Parameters
    ----------
    counts : ndarray of int, shape (H, W)
        For example :func:`~convkit.arithmetic.path_counts` of a 2-d input.
    """
    counts = np.asarray(counts)
    if counts.ndim != 2:
        raise ValueError(f"counts must be 2-d, got shape {counts.shape}")
    rows, cols = counts.shape
    top = 18 if title else 2
    read = int((counts > 0).sum())
    svg = SVG(cols * cell + 4, rows * cell + top + 2,
              label=f"{title + ': ' if title else ''}{read} of {rows * cols} pixels read")
    if title:
        svg.text(2, 13, title, size=12, fill="#222")
    svg.rect(2, top, cols * cell, rows * cell, fill=HOLE, stroke="none")
    most = int(counts.max())
    by_colour: dict[str, list[tuple[float, float]]] = {}
    for r, c in zip(*np.nonzero(counts)):
        by_colour.setdefault(_shade(int(counts[r, c]), most), []).append((2 + c * cell, top + r * cell))
    for colour, corners in by_colour.items():
        svg.path(squares_path(corners, cell), fill=colour)
    svg.grid(2, top, rows, cols, cell, fill="none", stroke="#b9c0c8", stroke_width=0.5)
    return svg


def gridding_figure(stacks: dict[str, Sequence[int]], kernel: int = 3, cell: int = 9) -> str:
    """Side-by-side maps of the input pixels one output reads, one per dilation sequence.

    Parameters
    ----------
    stacks : dict
        Caption -> dilations of a stack of stride-1 ``kernel x kernel`` layers.

    Returns
    -------
    str
        HTML: one :func:`counts_svg` per stack, all drawn on the same patch
        (the largest receptive field), plus the counts of pixels read.
    """
    fields = {name: receptive_fields([kernel] * len(d), 1, 0, list(d))[-1].size for name, d in stacks.items()}
    side = max(fields.values())
    panels = []
    for name, dilations in stacks.items():
        n = len(dilations)
        counts = path_counts((side, side), [kernel] * n, 1, [d * (kernel - 1) // 2 for d in dilations],
                             list(dilations), index=(side // 2, side // 2))
        read = int((counts > 0).sum())
        r = fields[name]
        caption = f"{read} of {r}×{r} = {r * r} read"
        panels.append(
            f"<figure style='display:inline-block;margin:0 14px 8px 0;vertical-align:top'>"
            f"{counts_svg(counts, cell, name)}<figcaption style='font-size:12px'>{escape(caption)}"
            f"</figcaption></figure>"
        )
    return "<div>" + "".join(panels) + "</div>"


def receptive_field_table(
    names: Sequence[str],
    kernel_sizes: Sequence[int],
    strides: Sequence[int],
    paddings: Sequence[int],
    dilations: Sequence[int],
) -> str:
    """HTML table of :func:`~convkit.arithmetic.receptive_fields`, one row per layer.

    The arguments are those of :func:`~convkit.arithmetic.receptive_fields`
    (an int applies to every layer), plus one name per layer.
    """
    fields = receptive_fields(kernel_sizes, strides, paddings, dilations)
    if len(names) != len(fields):
        raise ValueError(f"names must have {len(fields)} entries, one per layer, got {len(names)}")
    strides, paddings, dilations = (
        [v] * len(fields) if isinstance(v, int) else list(v) for v in (strides, paddings, dilations)
    )
    head = "".join(f"<th>{h}</th>" for h in ("layer", "k", "s", "p", "d", "size r", "jump j",
                                                "start", "centre"))
    body = []
    for name, k, s, p, d, f in zip(names, kernel_sizes, strides, paddings, dilations, fields):
        cells = (escape(name), k, s, p, d, f.size, f.jump, f.start, f"{f.centre:g}")
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    style = ("<style>.ck-table{border-collapse:collapse;font-size:13px;margin:6px 0}"
             ".ck-table th,.ck-table td{border:1px solid #c8ced5;padding:2px 8px;text-align:right}"
             ".ck-table th:first-child,.ck-table td:first-child{text-align:left}"
             ".ck-table th{background:#f1f3f5}</style>")
    return (f"{style}<table class='ck-table'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


__all__ = [
    "counts_svg",
    "dilation_explorer",
    "dilation_view",
    "gridding_figure",
    "receptive_field_table",
    "stack_explorer",
    "stack_view",
]
