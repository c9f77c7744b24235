"""Figures of the chapter "Grouped convolution", and the channel-flow drawing of Part III.

* ``GROUP_COLOURS``, :func:`group_colour` -- one colour per group.
* :func:`grouped_weight` -- a random dense grouped weight (the "actual
  weights" the pictures are computed from).
* :func:`channel_flow_svg` -- channels as columns of boxes, the connections
  of each layer as lines, every box painted with the input groups that reach
  it, and the final "which inputs reach each output" matrix.  Every
  connection comes from :mod:`convkit.grouped` (the weights' non-zeros and
  the shuffle's permutation).
* :func:`groups_view` / :func:`groups_explorer` -- one grouped layer: its
  connections, its block-diagonal channel-mixing matrix, its weight shape
  and parameter count, for ``g`` from 1 (standard) to ``C_in`` (depthwise).
* :func:`strength_svg` -- a matrix of non-negative numbers as a grey-scale
  grid (the channel-mixing strength of a trained layer).
"""

from __future__ import annotations

from html import escape
from typing import Sequence

import numpy as np

from ..cost import conv_parameters
from ..grouped import channel_groups, conv_connectivity, stack_connectivity
from ..interactive import Control, Explorer
from ..svg import SVG, squares_path
from .common import GRID

# Okabe & Ito's colour-blind-safe palette, ordered so that neighbouring groups
# differ most; cycled when there are more than eight groups
GROUP_COLOURS = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999",
)
EDGE = "#8a96a3"
EMPTY = "#f3f4f6"


def group_colour(group: int) -> str:
    """Colour of group number ``group`` (cycled after eight)."""
    return GROUP_COLOURS[group % len(GROUP_COLOURS)]


def grouped_weight(
    in_channels: int, out_channels: int, kernel_size: int, groups: int, seed: int = 0
) -> np.ndarray:
    """A random (dense) grouped weight of shape ``(C_out, C_in / g, k, k)``, seeded."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((out_channels, in_channels // groups, kernel_size, kernel_size))


def _reached_groups(reach: np.ndarray, input_groups: np.ndarray) -> list[list[int]]:
    """For every row of ``reach`` (an output), the sorted input groups it reaches."""
    return [sorted(set(input_groups[row].tolist())) for row in reach]


def _node(svg: SVG, x: float, y: float, w: float, h: float, groups: Sequence[int]) -> None:
    """A channel box painted with one stripe per input group that reaches it."""
    if groups:
        stripe = w / len(groups)
        for i, g in enumerate(groups):
            svg.rect(x + i * stripe, y, stripe, h, fill=group_colour(g))
    else:
        svg.rect(x, y, w, h, fill=EMPTY)
    svg.rect(x, y, w, h, fill="none", stroke=GRID, stroke_width=0.8)


def channel_flow_svg(
    layers: Sequence[np.ndarray],
    titles: Sequence[str],
    input_groups: int,
    spacing: float = 16,
    matrix_title: str = "which inputs reach each output",
    label: str | None = None,
) -> SVG:
    """Channels flowing through a stack of layers, computed from their connectivity.

    Parameters
    ----------
    layers : sequence of ndarray of bool
        Connectivity matrices ``(C_{l+1}, C_l)`` in the order they are applied
        (from :func:`~convkit.grouped.conv_connectivity` and
        :func:`~convkit.grouped.shuffle_connectivity`).
    titles : sequence of str
        One title per column: the input, then one per layer.
    input_groups : int
        The input channels are coloured by ``input_groups`` consecutive
        groups; every later box is painted with the groups that reach it
        (:func:`~convkit.grouped.stack_connectivity`).
    spacing : float
        Vertical distance between two channels, in pixels.
    matrix_title : str
        Title of the final reach matrix.
    label : str, optional
        Accessible description of the picture.

    Returns
    -------
    SVG
    """
    if len(titles) != len(layers) + 1:
        raise ValueError(f"need {len(layers) + 1} titles (input + one per layer), got {len(titles)}")
    counts = [layers[0].shape[1]] + [m.shape[0] for m in layers]
    groups_in = channel_groups(counts[0], input_groups)
    column_gap, box_w, box_h = 92, 22, spacing * 0.62
    top, left = 34, 12
    tallest = max(counts)
    columns_width = left + (len(counts) - 1) * column_gap + box_w
    cell = min(12.0, 180 / max(counts[0], counts[-1]))
    matrix_x = columns_width + 46
    width = matrix_x + max(counts[0] * cell, 7 * max(len(matrix_title), 30)) + 12
    height = top + max(tallest * spacing, counts[-1] * cell + 8) + 30
    svg = SVG(width, height, label=label or "channels flowing through a stack of layers")

    def y_of(count: int, index: int) -> float:
        offset = (tallest - count) * spacing / 2
        return top + offset + index * spacing

    # the connections of every layer, one path per layer
    for l, matrix in enumerate(layers):
        x0 = left + l * column_gap + box_w
        x1 = left + (l + 1) * column_gap
        rows, cols = np.nonzero(matrix)
        d = "".join(
            f"M{x0:g} {y_of(counts[l], c) + box_h / 2:.0f}L{x1:g} {y_of(counts[l + 1], r) + box_h / 2:.0f}"
            for r, c in zip(rows, cols)
        )
        permutation = matrix.shape[0] == matrix.shape[1] and (matrix.sum(axis=1) == 1).all() and (
            matrix.sum(axis=0) == 1).all() and not np.array_equal(matrix, np.eye(len(matrix), dtype=bool))
        svg.path(d, stroke="#444" if permutation else EDGE, stroke_width=1.2 if permutation else 0.7,
                 fill="none", stroke_opacity=0.9 if permutation else 0.55)

    # the boxes, painted with the input groups that reach them
    reach = np.eye(counts[0], dtype=bool)
    for l in range(len(counts)):
        if l:
            reach = stack_connectivity(list(layers[:l]))
        x = left + l * column_gap
        # titles alternate between two heights so that long ones do not collide
        svg.labels([(x + box_w / 2, 13 if l % 2 == 0 else 26, titles[l])], size=11)
        for index, groups in enumerate(_reached_groups(reach, groups_in)):
            _node(svg, x, y_of(counts[l], index), box_w, box_h, groups)

    # the reach matrix: rows = outputs, columns = inputs, coloured by the input's group
    svg.text(matrix_x, 18, matrix_title, size=11, fill="#333")
    my = top
    for g in range(input_groups):
        cells = [
            (matrix_x + c * cell, my + r * cell)
            for r, c in zip(*np.nonzero(reach))
            if groups_in[c] == g
        ]
        if cells:
            svg.path(squares_path(cells, cell), fill=group_colour(g))
    svg.grid(matrix_x, my, counts[-1], counts[0], cell, fill="none", stroke="#c4cad1", stroke_width=0.5)
    svg.text(matrix_x, my + counts[-1] * cell + 14, f"rows: {counts[-1]} outputs, columns: {counts[0]} inputs",
             size=10, fill="#555")
    return svg


def groups_view(groups: int, out_channels: int = 12, in_channels: int = 12, kernel_size: int = 3) -> str:
    """One grouped layer: connections, block-diagonal mixing matrix, weight shape, parameters.

    The connections are those of a random dense weight of shape
    ``(C_out, C_in / g, k, k)`` (:func:`~convkit.grouped.conv_connectivity`).

    Parameters
    ----------
    groups : int
        ``g``, dividing both channel counts: 1 is a standard convolution,
        ``C_in`` a depthwise one.
    out_channels, in_channels, kernel_size : int

    Returns
    -------
    str
        HTML: the SVG and a few lines of numbers.
    """
    weight = grouped_weight(in_channels, out_channels, kernel_size, groups)
    connectivity = conv_connectivity(weight, groups)
    if groups == 1:
        name = "standard convolution (g = 1)"
    elif groups == in_channels:
        m = out_channels // in_channels
        name = f"depthwise convolution (g = C_in = {groups}, channel multiplier {m})"
    else:
        name = f"grouped convolution, g = {groups}"
    svg = channel_flow_svg(
        [connectivity], ["input", "output"], groups,
        matrix_title="channel-mixing matrix (block diagonal)",
        label=f"{name}: connections between {in_channels} input and {out_channels} output channels",
    )
    params = conv_parameters(in_channels, out_channels, kernel_size, groups, bias=False)
    dense = conv_parameters(in_channels, out_channels, kernel_size, 1, bias=False)
    k = kernel_size
    lines = [
        f"<b>{escape(name)}</b>",
        f"weight shape (C<sub>out</sub>, C<sub>in</sub>/g, k, k) = ({out_channels}, {in_channels // groups}, {k}, {k});"
        f" each output channel reads {in_channels // groups} of {in_channels} input channels",
        f"weights: {out_channels} · {in_channels // groups} · {k}² = {params:,} "
        + (f"(standard: {dense:,}; ratio 1/{groups})" if groups > 1 else "(the standard layer)")
        + f" + {out_channels} biases",
        f"<code>nn.Conv2d({in_channels}, {out_channels}, {k}, padding={k // 2}, groups={groups})</code>",
    ]
    return str(svg) + "<div style='font-size:13px;line-height:1.5'>" + "<br>".join(lines) + "</div>"


def groups_explorer(in_channels: int = 12, out_channels: Sequence[int] = (12, 24), kernel_size: int = 3) -> Explorer:
    """A groups slider over every divisor of ``C_in`` (1 = standard, ``C_in`` = depthwise)."""
    divisors = [g for g in range(1, in_channels + 1) if in_channels % g == 0]
    usable = [c for c in out_channels if all(c % g == 0 for g in divisors)]
    if not usable:
        raise ValueError(f"out_channels must be multiples of in_channels ({in_channels})")

    def render(groups: int, out_channels: int) -> str:
        return groups_view(groups, out_channels, in_channels, kernel_size)

    return Explorer(
        render,
        [Control("groups", divisors, "groups g", divisors[1] if len(divisors) > 1 else 1),
         Control("out_channels", usable, "output channels C_out")],
    )


def strength_svg(values: np.ndarray, title: str, cell: float = 14, groups: int | None = None) -> SVG:
    """A non-negative matrix as a grey-scale grid (0 white, the largest value black).

    Parameters
    ----------
    values : ndarray, shape (rows, cols)
    title : str
    cell : float
        Side of a cell in pixels.
    groups : int, optional
        Outline the ``groups`` diagonal blocks.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-d, got shape {values.shape}")
    rows, cols = values.shape
    top = 22
    svg = SVG(max(cols * cell + 4, 6.5 * len(title) + 4), rows * cell + top + 4, label=title)
    svg.text(2, 14, title, size=11, fill="#333")
    scale = values.max() or 1.0
    for r in range(rows):
        for c in range(cols):
            level = int(round(255 * (1 - values[r, c] / scale)))
            svg.rect(2 + c * cell, top + r * cell, cell, cell, fill=f"#{level:02x}{level:02x}{level:02x}")
    svg.grid(2, top, rows, cols, cell, fill="none", stroke="#c4cad1", stroke_width=0.5)
    if groups:
        bh, bw = rows / groups, cols / groups
        for g in range(groups):
            svg.rect(2 + g * bw * cell, top + g * bh * cell, bw * cell, bh * cell, fill="none",
                     stroke=group_colour(g), stroke_width=2)
    return svg


__all__ = [
    "GROUP_COLOURS",
    "channel_flow_svg",
    "group_colour",
    "grouped_weight",
    "groups_explorer",
    "groups_view",
    "strength_svg",
]
