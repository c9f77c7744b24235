"""Figures of the depthwise chapter: the numbers behind the pictures, against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit.figures.depthwise import (
    channel_filter_explorer,
    channel_filter_view,
    filter_channels,
    multiplier_view,
    multiplier_weight,
)
from convkit.figures.filters import FILTERS
from convkit.images import COLOURS, test_image_rgb
from convkit.kernels import sobel_x, sobel_y


@pytest.mark.parametrize("name", list(FILTERS))
def test_filter_channels_is_torch_groups_and_its_sum(name):
    x = test_image_rgb(32).transpose(2, 0, 1)
    w = FILTERS[name][0]
    depthwise, standard = filter_channels(x, w)
    weight = torch.from_numpy(np.stack([w] * 3)[:, None])
    expected = F.conv2d(torch.from_numpy(x)[None], weight, groups=3)[0].numpy()
    np.testing.assert_allclose(depthwise, expected, rtol=0, atol=1e-12)
    summed = F.conv2d(torch.from_numpy(x)[None], weight.permute(1, 0, 2, 3))[0, 0].numpy()
    np.testing.assert_allclose(standard, summed, rtol=0, atol=1e-12)
    np.testing.assert_allclose(standard, depthwise.sum(axis=0), rtol=0, atol=1e-12)


def test_multiplier_weight_order_matches_torch():
    x = torch.from_numpy(test_image_rgb(32).transpose(2, 0, 1))[None]
    y = F.conv2d(x, torch.from_numpy(multiplier_weight()), groups=3)[0]
    for o in range(6):
        kernel = torch.from_numpy([sobel_x(), sobel_y()][o % 2])[None, None]
        torch.testing.assert_close(y[o], F.conv2d(x[:, o // 2:o // 2 + 1], kernel)[0, 0], rtol=0, atol=1e-12)


def test_the_triangle_has_no_edge_in_the_green_channel():
    """The claim in multiplier_view's caption."""
    assert COLOURS["triangle"][1] == COLOURS["background"][1]
    x = test_image_rgb(64).transpose(2, 0, 1)
    y = F.conv2d(torch.from_numpy(x)[None], torch.from_numpy(multiplier_weight()), groups=3)[0].numpy()
    below_bar = (slice(36, None), slice(32, None))  # the triangle's quarter, under the cyan bar
    assert np.abs(y[2][below_bar]).max() < 1e-12 and np.abs(y[3][below_bar]).max() < 1e-12  # channel 1 (G)
    assert np.abs(y[4][below_bar]).max() > 1 and np.abs(y[5][below_bar]).max() > 1  # channel 2 (B)
    assert "no edge at all in channel 1" in multiplier_view()


def test_views_and_explorer():
    html = channel_filter_view("Sobel x")
    assert html.count("<img") == 4 + 3 + 2 and "weight (3, 1, 3, 3)" in html
    assert "outputs as RGB" in channel_filter_view("box blur 3×3")
    assert multiplier_view().count("<img") == 9
    explorer = channel_filter_explorer()
    assert len(explorer.frames()) == len(FILTERS)
    assert len(explorer.static_html()) < 400_000


def test_errors():
    with pytest.raises(ValueError, match="name must be one of"):
        channel_filter_view("Sobel z")
    with pytest.raises(ValueError, match="names must be keys of FILTERS"):
        channel_filter_explorer(["blur"])
    with pytest.raises(ValueError, match=r"image must be \(C, H, W\) and kernel \(k, k\)"):
        filter_channels(np.zeros((4, 4)), np.zeros((3, 3)))
