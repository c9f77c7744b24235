"""Figures of the dilated-convolution chapter: the numbers they print are the true ones."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convkit
from convkit.figures import (
    counts_svg,
    dilation_explorer,
    dilation_view,
    gridding_figure,
    receptive_field_table,
    stack_explorer,
    stack_view,
)


@pytest.mark.parametrize("k,d", [(2, 1), (3, 2), (4, 3), (5, 6)])
def test_dilation_view_states_the_effective_kernel_and_torch_output_sizes(k, d):
    html = dilation_view(k, d)
    span = d * (k - 1) + 1
    assert f"= <b>{span}</b>" in html
    assert html.count("<svg") == 1
    valid = F.conv2d(torch.zeros(1, 1, 32, 32), torch.zeros(1, 1, k, k), dilation=d).shape[-1]
    assert f"<b>{valid}</b>" in html
    same = F.conv2d(torch.zeros(1, 1, 32, 32), torch.zeros(1, 1, k, k), dilation=d, padding="same").shape[-1]
    assert same == 32 and "keeps <b>32</b>" in html
    # every tap is one square of the filled path: k * k of them
    filled = re.search(r"<path d='([^']*)' fill=\"#f59e0b\"", html).group(1)
    assert filled.count("M") == k * k


def test_dilation_view_errors():
    with pytest.raises(ValueError, match="grid must be at least"):
        dilation_view(3, 4, grid=9)


def test_dilation_explorer_frames():
    explorer = dilation_explorer()
    assert len(explorer.frames()) == 4 * 6
    assert len(explorer.static_html()) < 200_000


@pytest.mark.parametrize(
    "layers", [[(3, 1, 2)] * 3, [(3, 1, 1), (3, 1, 2), (3, 1, 3)], [(2, 2, 3), (3, 1, 2)], [(2, 1, 1), (2, 1, 2), (2, 1, 4)]]
)
def test_stack_view_counts_the_pixels_read(layers):
    ks, ss, ds = (list(c) for c in zip(*layers))
    size = convkit.receptive_field(ks, ss, ds)
    html = stack_view(layers)
    # the autograd authority: the input pixels with a non-zero gradient of the single output pixel
    x = torch.zeros(1, 1, size, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s, d in layers:
        y = F.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s, dilation=d)
    assert y.shape[-1] == 1
    y.sum().backward()
    read = int((x.grad != 0).sum())
    assert f"receptive field r = <b>{size}</b>" in html
    assert f"reads <b>{read}</b> of its {size} input pixels" in html
    assert ("no holes" in html) == (read == size)
    assert f"in 2-d, {read * read} of {size * size}" in html


def test_stack_view_errors():
    with pytest.raises(ValueError, match="at least one"):
        stack_view([])


def test_stack_explorer_is_bounded_and_light_enough():
    explorer = stack_explorer()
    assert len(explorer.frames()) == 2 * 2 * 3 * 2 * 2 * 3 * 4
    html = explorer.static_html()
    assert len(html) < 2_000_000
    # the optional third layer: 'none' gives a two-layer tower
    assert "layer 3" not in explorer.view(d3="none") and "layer 3" in explorer.view(d3="2")


def test_counts_svg_and_gridding_figure():
    counts = convkit.path_counts((13, 13), [3, 3, 3], dilations=2, paddings=2)
    svg = str(counts_svg(counts, title="2, 2, 2"))
    assert "49 of 169 pixels read" in svg
    html = gridding_figure({"2, 2, 2": [2, 2, 2], "1, 2, 3": [1, 2, 3]})
    assert "49 of 13×13 = 169 read" in html and "169 of 13×13 = 169 read" in html
    with pytest.raises(ValueError, match="counts must be 2-d"):
        counts_svg(np.zeros(3))


def test_receptive_field_table():
    html = receptive_field_table(["conv1", "maxpool"], [7, 3], [2, 2], [3, 1], 1)
    rows = re.findall(r"<tr>(.*?)</tr>", html)[1:]
    cells = [re.findall(r"<td>(.*?)</td>", row) for row in rows]
    assert cells == [["conv1", "7", "2", "3", "1", "7", "2", "-3", "0"],
                     ["maxpool", "3", "2", "1", "1", "11", "4", "-5", "0"]]
    with pytest.raises(ValueError, match="names must have 2 entries"):
        receptive_field_table(["conv1"], [7, 3], [2, 2], [3, 1], 1)
