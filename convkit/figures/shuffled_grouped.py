"""Figures of the chapter "Shuffled grouped convolution".

* :func:`stack_layers` -- the connectivity matrices of a stack of grouped
  convolutions (random dense weights), with or without a channel shuffle
  between them.
* :func:`flow_view` / :func:`flow_explorer` -- which input channels reach
  each output through that stack: layers x groups x shuffle on/off.
* :func:`shuffle_svg` -- the channel shuffle as a ``g x (C/g)`` table
  written by rows and read by columns.
"""

from __future__ import annotations

from html import escape

import numpy as np

from ..grouped import channel_groups, channel_shuffle_indices, conv_connectivity, shuffle_connectivity, stack_connectivity
from ..interactive import Control, Explorer
from ..svg import SVG
from .common import GRID
from .grouped import channel_flow_svg, group_colour, grouped_weight


def stack_layers(
    channels: int, groups: int, layers: int, shuffle: bool, kernel_size: int = 3, seed: int = 0
) -> tuple[list[np.ndarray], list[str]]:
    """Connectivity matrices and column titles of ``layers`` grouped convolutions.

    Each layer is a grouped convolution ``channels -> channels`` with a random
    dense weight (seed ``seed + l`` for layer ``l``), its connectivity from
    :func:`~convkit.grouped.conv_connectivity`; with ``shuffle`` a channel
    shuffle (:func:`~convkit.grouped.shuffle_connectivity`) sits between two
    consecutive layers.

    Returns
    -------
    matrices : list of ndarray of bool
        In the order they are applied.
    titles : list of str
        ``"input"`` and one title per matrix.
    """
    matrices, titles = [], ["input"]
    for layer in range(layers):
        weight = grouped_weight(channels, channels, kernel_size, groups, seed + layer)
        matrices.append(conv_connectivity(weight, groups))
        titles.append(f"GConv {layer + 1}")
        if shuffle and layer < layers - 1:
            matrices.append(shuffle_connectivity(channels, groups))
            titles.append("shuffle")
    return matrices, titles


def _reach_summary(reach: np.ndarray, groups: int) -> str:
    channels = reach.shape[1]
    groups_in = channel_groups(channels, groups)
    counts = reach.sum(axis=1)
    reached = [len(set(groups_in[row].tolist())) for row in reach]
    if counts.min() == channels:
        return f"every output depends on all {channels} inputs"
    if counts.min() == counts.max():
        each = f"every output depends on {counts.min()} of {channels} inputs"
    else:
        each = f"outputs depend on {counts.min()} to {counts.max()} of {channels} inputs"
    return f"{each} ({min(reached)} to {max(reached)} of the {groups} input groups)" if min(reached) != max(
        reached) else f"{each} (from {reached[0]} of the {groups} input groups)"


def flow_view(layers: int, groups: int, shuffle: str = "on", channels: int = 12) -> str:
    """Which inputs reach each output of a stack of grouped convolutions.

    Parameters
    ----------
    layers : int
        Number of grouped convolutions.
    groups : int
        ``g``, dividing ``channels``.
    shuffle : {'on', 'off'}
        Whether a channel shuffle sits between consecutive layers.
    channels : int
        Channels of every layer.

    Returns
    -------
    str
        HTML: the channel-flow SVG (boxes painted with the input groups that
        reach them, from :func:`~convkit.grouped.stack_connectivity`) and one
        line of numbers.
    """
    if shuffle not in ("on", "off"):
        raise ValueError(f"shuffle must be 'on' or 'off', got {shuffle!r}")
    matrices, titles = stack_layers(channels, groups, layers, shuffle == "on")
    reach = stack_connectivity(matrices)
    svg = channel_flow_svg(
        matrices, titles, groups,
        label=f"{layers} grouped convolutions, g = {groups}, shuffle {shuffle}: which inputs reach each output",
    )
    per_group = channels // groups
    note = ""
    if shuffle == "on" and layers > 1 and groups > 1:
        needed = next((n for n in range(2, 2 * groups + 2)
                       if stack_connectivity(stack_layers(channels, groups, n, True)[0]).all()), None)
        if per_group >= groups:
            note = f" One shuffle is enough: C/g = {per_group} ≥ g = {groups}."
        else:
            note = (f" C/g = {per_group} < g = {groups}: after one shuffle each group of the next layer "
                    f"holds channels of only {per_group} of the {groups} groups")
            note += f"; all inputs reach every output from {needed} layers on." if needed else "."
    text = f"<b>{escape(_reach_summary(reach, groups))}</b>.{escape(note)}"
    return str(svg) + f"<div style='font-size:13px;line-height:1.5;max-width:640px'>{text}</div>"


def flow_explorer(channels: int = 12, layers: tuple[int, ...] = (1, 2, 3, 4),
                  groups: tuple[int, ...] = (1, 2, 3, 4, 6)) -> Explorer:
    """Sliders for layers and groups, a menu for the shuffle, over :func:`flow_view`."""
    def render(layers: int, groups: int, shuffle: str) -> str:
        return flow_view(layers, groups, shuffle, channels)

    return Explorer(
        render,
        [
            Control("layers", layers, "grouped layers", 2 if 2 in layers else layers[0]),
            Control("groups", groups, "groups g", 3 if 3 in groups else groups[0]),
            Control("shuffle", ["off", "on"], "channel shuffle"),
        ],
    )


def shuffle_svg(channels: int, groups: int, cell: float = 26) -> SVG:
    """The shuffle as a table: channels written into ``g`` rows, read out by columns.

    Top: the ``g x (C/g)`` table, one row per group (row-major, as
    ``reshape(g, C/g)``).  Bottom: the output order, the table read column by
    column (``transpose`` then ``reshape``), from
    :func:`~convkit.grouped.channel_shuffle_indices`.  Colours are groups.
    """
    order = channel_shuffle_indices(channels, groups)
    per_group = channels // groups
    groups_in = channel_groups(channels, groups)
    table_top = 22
    row_top = table_top + groups * cell + 30
    width = max(per_group * cell, channels * cell, 380) + 16
    svg = SVG(width, row_top + cell + 6, label=f"channel shuffle of {channels} channels in {groups} groups")
    svg.text(8, 14, f"reshape to {groups} × {per_group}: a row per group", size=11, fill="#333")
    for c in range(channels):
        g, j = divmod(c, per_group)
        svg.rect(8 + j * cell, table_top + g * cell, cell, cell, fill=group_colour(g), fill_opacity=0.85,
                 stroke=GRID, stroke_width=0.8)
    svg.labels([(8 + (c % per_group + 0.5) * cell, table_top + (c // per_group + 0.5) * cell + 4, str(c))
                for c in range(channels)], size=11, fill="#111")
    svg.text(8, row_top - 8, "transpose and flatten: the table read column by column", size=11, fill="#333")
    for j, c in enumerate(order):
        svg.rect(8 + j * cell, row_top, cell, cell, fill=group_colour(int(groups_in[c])), fill_opacity=0.85,
                 stroke=GRID, stroke_width=0.8)
    svg.labels([(8 + (j + 0.5) * cell, row_top + cell / 2 + 4, str(c)) for j, c in enumerate(order)],
               size=11, fill="#111")
    return svg


__all__ = ["flow_explorer", "flow_view", "shuffle_svg", "stack_layers"]
