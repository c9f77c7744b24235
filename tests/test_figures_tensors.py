"""The 3-D tensor figure: its connectivity against autograd, its counts against torch.nn and FlopCounterMode."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from convkit.figures.tensors import (
    LAYER_TYPES,
    connectivity,
    layer_cost,
    tensors_explorer,
    tensors_view,
    torch_layer,
    weight_shapes,
)

SETTINGS = [(kind, c_in, c_out, k) for kind in LAYER_TYPES for c_in, c_out in [(4, 4), (4, 8), (3, 6), (2, 2)]
            for k in (1, 3, 5)]


def module(kind, c_in, c_out, k):
    torch.manual_seed(0)
    layer = eval(torch_layer(kind, c_in, c_out, k), {"nn": torch.nn})  # the string the figure prints
    return layer.double()


@pytest.mark.parametrize("kind,c_in,c_out,k", SETTINGS)
def test_connectivity_is_what_autograd_sees(kind, c_in, c_out, k):
    layer = module(kind, c_in, c_out, k)
    x = torch.randn(1, c_in, 7, 7, dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(layer, x)  # (1, C_out, 7, 7, 1, C_in, 7, 7)
    depends = jacobian.abs().sum(dim=(0, 2, 3, 4, 6, 7)) > 0  # (C_out, C_in)
    np.testing.assert_array_equal(connectivity(kind, c_in, c_out), depends.numpy())


@pytest.mark.parametrize("kind,c_in,c_out,k", SETTINGS)
def test_counts_shapes_and_torch_layer_agree_with_torch(kind, c_in, c_out, k):
    layer = module(kind, c_in, c_out, k)
    cost = layer_cost(kind, c_in, c_out, k, 6)
    assert cost.parameters == sum(p.numel() for p in layer.parameters())
    assert weight_shapes(kind, c_in, c_out, k) == [tuple(p.shape) for p in layer.parameters()]
    x = torch.zeros(1, c_in, 6, 6, dtype=torch.float64)
    with FlopCounterMode(display=False) as counter:
        y = layer(x)
    assert y.shape == (1, c_out, 6, 6)  # 'same' padding
    assert counter.get_total_flops() == 2 * cost.multiply_adds


def test_separable_ratio_in_the_caption():
    """1/C_out + 1/k^2 for the separable layer, 1/k^2 for pointwise, 1/C_in for depthwise (m = 1)."""
    def ratio(kind, c_out, k):
        html = tensors_view(kind, c_out, k, 0)
        return float(re.search(r"([0-9.]+) × a standard", html).group(1))

    assert ratio("depthwise separable", 8, 5) == pytest.approx(1 / 8 + 1 / 25, abs=5e-4)
    assert ratio("pointwise", 8, 3) == pytest.approx(1 / 9, abs=5e-4)
    assert ratio("depthwise", 4, 3) == pytest.approx(1 / 4, abs=5e-4)
    assert ratio("standard", 8, 3) == 1.0


def test_view_marks_the_channels_read():
    html = tensors_view("depthwise", 8, 3, 5)
    assert html.startswith("<svg") and "aria-label='depthwise convolution" in html
    assert "reads input channel(s) 2'" in html  # 5 // m with m = 2
    assert "output channel 5 reads input channel 2 only" in html
    assert "nn.Conv2d(4, 8, 3, padding=1, groups=4, bias=False)" in html
    # one orange window on the input (channel 2) and the output pixel
    windows = re.search(r"<path d='([^']*)' fill=\"#fde7c0\" fill-opacity", html).group(1)
    assert windows.count("M") == 2
    assert "reads all 4 input channels" in tensors_view("standard", 8, 3, 5)
    separable = tensors_view("depthwise separable", 8, 3, 5)
    assert "through its own intermediate channel" in separable
    assert re.search(r"<path d='([^']*)' fill=\"#fde7c0\" fill-opacity", separable).group(1).count("M") == 4 + 4 + 1


def test_a_channel_beyond_c_out_selects_nothing():
    html = tensors_view("depthwise", 4, 3, 6)
    assert "this layer has 4 output channels: choose 0 to 3" in html
    assert "fill-opacity" not in html  # no window, no links
    assert html == tensors_view("depthwise", 4, 3, 7)  # stored once in the static figure


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(kind="grouped"), r"kind must be one of 'standard', 'pointwise'"),
        (dict(kind="depthwise", out_channels=6), r"out_channels = m \* in_channels; got 6 and 4"),
        (dict(kind="standard", kernel_size=4), r"kernel_size must be odd"),
        (dict(kind="standard", channel=-1), r"channel must be a non-negative int"),
        (dict(kind="standard", out_channels=9), r"at most 8 input and output channels"),
        (dict(kind="standard", kernel_size=7, size=6), r"size \(6\) must be at least the kernel size \(7\)"),
        (dict(kind="standard", out_channels=0), r"out_channels must be positive"),
    ],
)
def test_view_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tensors_view(**kwargs)


def test_explorer_frames_and_weight():
    explorer = tensors_explorer()
    assert [c.label for c in explorer.controls] == ["layer", "C_out", "k", "output channel"]
    frames = explorer.frames()
    assert len(frames) == 4 * 2 * 2 * 8
    html = explorer.static_html()
    assert len(html) < 800_000  # one copy per chapter page that shows it
    assert "<select data-ck-control='kind'>" in html
    with pytest.raises(ValueError, match="in_channels must be at most 4"):
        tensors_explorer(in_channels=5)
    with pytest.raises(ValueError, match="kind must be one of"):
        tensors_explorer(kinds=("standard", "shuffled"))
    assert len(tensors_explorer(kinds=("pointwise", "depthwise"), initial="depthwise").frames()) == 2 * 2 * 2 * 8
