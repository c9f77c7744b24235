"""Figures of the chapter "Pointwise grouped convolution".

* ``SHUFFLENET_STAGE2`` -- output channels of stage 2 of ShuffleNet 1x
  for each number of groups (Zhang et al. 2018, Table 1).
* :func:`unit_layers` -- the connectivity of a ShuffleNet unit's branch:
  1x1 grouped convolution, channel shuffle, 3x3 depthwise convolution, 1x1
  grouped convolution (random dense weights).
* :func:`unit_costs` -- the multiply-adds of each stage of a real stage-2
  unit, from :mod:`convkit.cost`.
* :func:`unit_view` / :func:`unit_explorer` -- the unit's channel flow with
  and without the shuffle, next to its cost per stage.
"""

from __future__ import annotations

from html import escape

import numpy as np

from ..cost import Cost, channel_shuffle_cost, depthwise_cost, pointwise_cost
from ..grouped import conv_connectivity, shuffle_connectivity, stack_connectivity
from ..interactive import Control, Explorer
from ..svg import SVG
from .common import KERNEL, UNREAD
from .grouped import channel_flow_svg

# ShuffleNet 1x: output channels of stage 2 (28 x 28) for g = 1, 2, 3, 4, 8; stages 3 and 4 double them
SHUFFLENET_STAGE2 = {1: 144, 2: 200, 3: 240, 4: 272, 8: 384}


def unit_layers(channels: int, groups: int, shuffle: bool, seed: int = 0) -> tuple[list[np.ndarray], list[str]]:
    """Connectivity matrices and titles of a ShuffleNet unit's branch (``channels`` throughout).

    1x1 grouped convolution, channel shuffle (if ``shuffle``), 3x3 depthwise
    convolution, 1x1 grouped convolution; every matrix from the weights'
    non-zeros (:func:`~convkit.grouped.conv_connectivity`) or the shuffle's
    permutation (:func:`~convkit.grouped.shuffle_connectivity`).
    """
    rng = np.random.default_rng(seed)
    first = rng.standard_normal((channels, channels // groups, 1, 1))
    depthwise = rng.standard_normal((channels, 1, 3, 3))
    second = rng.standard_normal((channels, channels // groups, 1, 1))
    matrices = [conv_connectivity(first, groups)]
    titles = ["input", "1×1 GConv"]
    if shuffle:
        matrices.append(shuffle_connectivity(channels, groups))
        titles.append("shuffle")
    matrices += [conv_connectivity(depthwise, channels), conv_connectivity(second, groups)]
    titles += ["3×3 DWConv", "1×1 GConv"]
    return matrices, titles


def unit_costs(groups: int, size: int = 28, shuffle: bool = True) -> dict[str, Cost]:
    """Cost of each stage of a stride-1 ShuffleNet unit of stage 2 (no bias: batch norm follows).

    ``c = SHUFFLENET_STAGE2[groups]`` channels in and out, a bottleneck of
    ``m = c / 4``, a ``size x size`` feature map.
    """
    c = SHUFFLENET_STAGE2[groups]
    m = c // 4
    stages = {"1×1 GConv (c → m)": pointwise_cost(c, m, size, groups=groups, bias=False)}
    if shuffle:
        stages["shuffle"] = channel_shuffle_cost(m, size, groups)
    stages["3×3 DWConv"] = depthwise_cost(m, 3, size, padding=1, bias=False)
    stages["1×1 GConv (m → c)"] = pointwise_cost(m, c, size, groups=groups, bias=False)
    return stages


def _bars(stages: dict[str, Cost], title: str) -> SVG:
    total = sum(cost.multiply_adds for cost in stages.values())
    width, bar_x, bar_w, row = 480, 130, 170, 22
    svg = SVG(width, 26 + row * len(stages) + 22, label=title)
    svg.text(4, 14, title, size=11, fill="#333")
    for i, (name, cost) in enumerate(stages.items()):
        y = 24 + i * row
        share = cost.multiply_adds / total
        svg.text(4, y + 13, name, size=11, fill="#222")
        svg.rect(bar_x, y + 2, bar_w, row - 6, fill="#eef1f4")
        svg.rect(bar_x, y + 2, max(bar_w * share, 0.5), row - 6, fill=KERNEL if "1×1" in name else UNREAD)
        svg.text(bar_x + bar_w + 6, y + 13,
                 f"{cost.multiply_adds / 1e6:.2f} M ({share:.0%}), {cost.bytes_moved / 1e6:.2f} MB", size=11, fill="#222")
    moved = sum(cost.bytes_moved for cost in stages.values())
    svg.text(4, 24 + row * len(stages) + 12,
             f"total {total / 1e6:.2f} M multiply-adds, {moved / 1e6:.2f} MB moved (float32)", size=11, fill="#222")
    return svg


def unit_view(groups: int, shuffle: str = "on", channels: int = 24) -> str:
    """A ShuffleNet unit's branch: channel flow (with or without shuffle) and cost per stage.

    Parameters
    ----------
    groups : int
        ``g`` of both 1x1 grouped convolutions, one of ``SHUFFLENET_STAGE2``.
    shuffle : {'on', 'off'}
    channels : int
        Channels in the picture (the cost bars use the real stage-2 sizes).

    Returns
    -------
    str
        HTML: the channel-flow SVG, one line on the mixing, the cost bars.
    """
    if shuffle not in ("on", "off"):
        raise ValueError(f"shuffle must be 'on' or 'off', got {shuffle!r}")
    matrices, titles = unit_layers(channels, groups, shuffle == "on")
    reach = stack_connectivity(matrices)
    flow = channel_flow_svg(
        matrices, titles, groups, spacing=12,
        label=f"ShuffleNet unit branch, g = {groups}, shuffle {shuffle}: which inputs reach each output",
    )
    reached = int(reach.sum(axis=1).min())
    if reached == channels:
        line = f"every output depends on all {channels} inputs"
    else:
        line = f"every output depends on only {reached} of {channels} inputs"
        if shuffle == "off" and groups > 1:
            line += ": its own group, however many units are stacked"
        elif groups > 1:
            line += f" (C/g = {channels // groups} < g = {groups} in this small picture)"
    c = SHUFFLENET_STAGE2[groups]
    bars = _bars(unit_costs(groups, shuffle=shuffle == "on"),
                 f"multiply-adds of the real unit: c = {c}, m = {c // 4}, 28 × 28, g = {groups}")
    return (str(flow) + f"<div style='font-size:13px;margin:2px 0 6px'><b>{escape(line)}</b></div>"
            + str(bars))


def unit_explorer(channels: int = 24) -> Explorer:
    """Groups (ShuffleNet's 1, 2, 3, 4, 8) and shuffle on/off over :func:`unit_view`."""
    def render(groups: int, shuffle: str) -> str:
        return unit_view(groups, shuffle, channels)

    return Explorer(
        render,
        [Control("groups", list(SHUFFLENET_STAGE2), "groups g", 3),
         Control("shuffle", ["on", "off"], "shuffle after the first 1×1")],
    )


__all__ = ["SHUFFLENET_STAGE2", "unit_costs", "unit_explorer", "unit_layers", "unit_view"]
