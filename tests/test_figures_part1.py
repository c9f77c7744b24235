"""Figures of Part I: what they draw and say, checked against the numbers they show."""

from __future__ import annotations

import re

import numpy as np
import pytest

import convkit
from convkit.figures import arithmetic_view, array_svg, sliding_view
from convkit.figures.common import INPUT, PADDING, PADDING_TEXT


# -- arithmetic ---------------------------------------------------------------------------------
@pytest.mark.parametrize("i,k,s,p,d,name", [
    (5, 3, 1, 0, 1, "no padding"),
    (5, 3, 1, 1, 1, "output size = input size"),
    (5, 3, 2, 1, 1, "the output is ⌈i/s⌉ = 3, not i = 5"),
    (5, 3, 1, 2, 1, "every partial overlap counts"),
    (6, 3, 2, 2, 1, "stride 2 keeps only one window in 2"),
    (7, 3, 3, 4, 2, "stride 3 keeps only one window in 3"),  # k_hat = 5: full padding is 4
    (5, 3, 2, 2, 2, "the output is ⌈i/s⌉ = 3"),  # k_hat = 5: half padding is 2
    (6, 3, 1, 1, 2, "zero padding p = 1"),
])
def test_arithmetic_view_names_the_padding_truthfully(i, k, s, p, d, name):
    html = arithmetic_view(i, k, s, p, d)
    assert name in html
    if s > 1:
        assert "every partial overlap counts" not in html and "output size = input size" not in html


@pytest.mark.parametrize("i,s", [(5, 2), (6, 2), (7, 3), (9, 4)])
def test_half_padding_at_a_stride_gives_ceil_i_over_s(i, s):
    o = convkit.conv_output_size(i, 3, s, 1)
    assert o == -(-i // s)
    assert f"⌈i/s⌉ = {o}" in arithmetic_view(i, 3, s, 1, 1)


def test_array_svg_draws_padding_cells_differently():
    values = np.pad(np.arange(1.0, 10.0).reshape(3, 3), 1)
    plain = str(array_svg(values))
    padded = str(array_svg(values, padding=1, highlight=[(0, 0), (1, 1)]))
    assert PADDING not in plain
    assert PADDING in padded and INPUT in padded  # two fills: padding and input
    assert padded.count(f'fill="{PADDING_TEXT}"') == values.size - 9  # the 16 padding zeros in grey
    assert padded.count('stroke-dasharray="3 2"') == 2  # the padding grid and the tap on padding
    with pytest.raises(ValueError, match="padding must be in"):
        array_svg(values, padding=3)


def test_sliding_view_marks_the_padding(rng):
    x = rng.integers(0, 4, size=(5, 5))
    w = np.array([[1, -1], [2, 0]])
    frame = sliding_view(x, w, 0, stride=2, padding=1)
    assert "zero padding p = 1 (grey)" in frame
    assert frame.count(f'fill="{PADDING_TEXT}"') == 7 * 7 - 5 * 5
    assert PADDING_TEXT not in sliding_view(x, w, 0)  # no padding, no grey cells


def test_sliding_view_title_fits():
    svg = str(array_svg(np.zeros((2, 2)), title="a long title that is wider than the grid"))
    width = float(re.search(r"width='([\d.]+)'", svg).group(1))
    assert width >= 7 * len("a long title that is wider than the grid")
