"""Figures of the transposed-convolution chapter: the numbers they draw are torch's."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit.figures.transposed import (
    checkerboard_strength,
    counts_1d_svg,
    decoder_outputs,
    scatter_animation,
    scatter_view,
    upsampling_stack_explorer,
    upsampling_stack_response,
    upsampling_stack_view,
    three_views_html,
    transposed_explorer,
    transposed_view,
    zero_insertion_view,
)
from convkit.transposed import overlap_count, upsample_nearest


def torch_ones(i, k, s, p=0, a=0, d=1, ndim=2):
    op = F.conv_transpose1d if ndim == 1 else F.conv_transpose2d
    x = torch.ones((1, 1) + (i,) * ndim, dtype=torch.float64)
    w = torch.ones((1, 1) + (k,) * ndim, dtype=torch.float64)
    return op(x, w, stride=s, padding=p, output_padding=a, dilation=d)[0, 0].numpy()


@pytest.mark.parametrize("i", [1, 3, 5])
@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("s", [1, 2, 3])
@pytest.mark.parametrize("d", [1, 2])
def test_overlap_count_is_torch_transposed_convolution_of_ones(i, k, s, d):
    np.testing.assert_array_equal(overlap_count(i, k, s, dilation=d), torch_ones(i, k, s, d=d, ndim=1))
    np.testing.assert_array_equal(overlap_count((i, i), (k, k), s, dilation=d), torch_ones(i, k, s, d=d))


@pytest.mark.parametrize("k", range(1, 8))
@pytest.mark.parametrize("s", range(1, 5))
def test_interior_overlap_is_floor_or_ceil_of_k_over_s(k, s):
    """Interior cells get ceil(k/s) copies in (k mod s) of every s phases, floor(k/s) in the rest."""
    counts = overlap_count(12, k, s)
    interior = counts[k - 1: s * 11 + 1]
    phases = [interior[j::s] for j in range(s)]
    assert all(len(set(p.tolist())) == 1 for p in phases)  # period s
    values = sorted(int(p[0]) for p in phases)
    assert values == [k // s] * (s - k % s) + [-(-k // s)] * (k % s)
    assert (len(set(values)) == 1) == (k % s == 0)


def test_upsample_nearest_is_torch_interpolate(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    expected = F.interpolate(torch.from_numpy(x), scale_factor=3, mode="nearest").numpy()
    np.testing.assert_array_equal(upsample_nearest(x, 3), expected)
    with pytest.raises(ValueError, match=r"input must have shape \(N, C, \*spatial\)"):
        upsample_nearest(np.zeros(3), 2)
    with pytest.raises(ValueError, match=r"scale_factor must be positive"):
        upsample_nearest(x, 0)


def test_overlap_count_errors():
    with pytest.raises(ValueError, match=r"same length"):
        overlap_count((3, 3), (2, 2, 2))
    with pytest.raises(ValueError, match=r"output_padding must be smaller"):
        overlap_count(3, 3, 1, output_padding=1)


GRID = [(i, k, s, p, a, d) for i in (2, 3) for k in (1, 2, 3, 4) for s in (1, 2, 3)
        for p in (0, 1, 2) for a in (0, 1) for d in (1, 2)]


@pytest.mark.parametrize("i,k,s,p,a,d", GRID[::5])
def test_transposed_view_states_torch_output_size_or_its_error(i, k, s, p, a, d):
    html = transposed_view(i, k, s, p, a, d)
    x, w = torch.zeros(1, 1, i, i), torch.zeros(1, 1, k, k)
    try:
        o = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=a, dilation=d).shape[-1]
    except RuntimeError:
        assert "not a valid setting" in html and "RuntimeError" in html
        return
    assert f"= <b>{o}</b>" in html
    assert f"→ (1, 1, {o}, {o})" in html


def test_transposed_view_reports_uneven_and_even_overlap():
    assert "uneven overlap" in transposed_view(3, 3, 2)
    assert "even overlap" in transposed_view(3, 4, 2, 1) and "uneven" not in transposed_view(3, 4, 2, 1)
    assert "holes" in transposed_view(3, 1, 2)  # a 1x1 kernel at stride 2 leaves gaps


def test_explorers_are_light_enough_for_a_static_page():
    assert len(transposed_explorer().static_html()) < 1_400_000
    assert len(upsampling_stack_explorer().static_html()) < 300_000


def test_three_views_show_torch_numbers():
    y, w = [1.0, 2.0, 3.0], [1.0, 10.0, 100.0]
    for p in (0, 1):
        html = three_views_html(y, w, stride=2, padding=p)
        out = F.conv_transpose1d(torch.tensor([[y]]), torch.tensor([[w]]), stride=2, padding=p)[0, 0]
        digits = "".join(str(int(v)) for v in out.tolist())
        texts = re.findall(r"<text x='[^']*' y='[^']*'>([^<]*)</text>", html)
        assert digits in "".join(texts), "the output row is not torch's"
        assert "flipped" in html


def test_scatter_view_last_step_is_torch(rng):
    y = rng.integers(-2, 3, size=(2, 3)).astype(float)
    w = rng.integers(-2, 3, size=(3, 3)).astype(float)
    html = scatter_view(y, w, y.size - 1, stride=2, padding=1)
    assert "F.conv_transpose2d(y, w, stride=2, padding=1)" in html
    assert len(scatter_animation(y, w, 2, 1).frames()) == y.size
    with pytest.raises(ValueError, match=r"step must be in \[0, 6\)"):
        scatter_view(y, w, 6)


def test_zero_insertion_view_pads_output_padding_at_the_bottom_right(rng):
    """The case of conv_arithmetic's issue #11: one zero row at the top, two at the bottom."""
    y = np.arange(1.0, 10.0).reshape(3, 3)
    w = rng.integers(-2, 3, size=(3, 3)).astype(float)
    html = zero_insertion_view(y, w, stride=2, padding=1, output_padding=1)
    assert "= 1 at the top and left" in html and "= 2 at the bottom and right" in html
    assert "s(i − 1) + 1 = 5 (not 2i − 1 = 5 unless s = 2)" in html
    expected = F.conv_transpose2d(torch.from_numpy(y)[None, None], torch.from_numpy(w)[None, None],
                                  stride=2, padding=1, output_padding=1)[0, 0].numpy()
    texts = re.findall(r"<text x='[^']*' y='[^']*'>([^<]*)</text>", html)
    for row in expected:  # every output row of the picture is torch's
        assert "".join(str(int(v)) for v in row) in texts
    html3 = zero_insertion_view(y, w, stride=3, padding=0)
    assert "s(i − 1) + 1 = 7 (not 2i − 1 = 5 unless s = 2)" in html3
    with pytest.raises(ValueError, match=r"padding <= k - 1"):
        zero_insertion_view(y, w, stride=2, padding=3)


@pytest.mark.parametrize("k", [2, 3, 4, 5])
@pytest.mark.parametrize("s", [2, 3])
def test_stack_interior_is_uneven_exactly_when_s_does_not_divide_k(k, s):
    html = upsampling_stack_view(1, k, s)
    assert ("no checkerboard" in html) == (k % s == 0)
    assert "no checkerboard" in upsampling_stack_view(3, k, s, "resize")


def test_stack_response_of_transposed_layers_is_torch(rng):
    got = upsampling_stack_response(2, 3, 2)
    x = torch.ones(1, 1, 6, 6, dtype=torch.float64)
    w = torch.ones(1, 1, 3, 3, dtype=torch.float64)
    expected = F.conv_transpose2d(F.conv_transpose2d(x, w, stride=2), w, stride=2)[0, 0].numpy()
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(ValueError, match=r"mode must be"):
        upsampling_stack_response(1, 3, 2, "bilinear")


def test_resize_convolution_has_no_checkerboard():
    yy, xx = np.mgrid[0:16, 0:16]
    blob = np.exp(-((yy - 7.5) ** 2 + (xx - 7.5) ** 2) / 30)
    outputs = decoder_outputs(blob, layers=3, seed=0)
    strength = {name: checkerboard_strength(v, period=2) for name, v in outputs.items()}
    assert strength["resize + conv, k=3"] < 0.01
    assert strength["transposed, k=3, s=2"] > 10 * strength["resize + conv, k=3"]
    assert strength["transposed, k=4, s=2"] > 10 * strength["resize + conv, k=3"]
    assert checkerboard_strength(np.ones((40, 40))) == 0


def test_counts_1d_svg_draws_every_case():
    svg = str(counts_1d_svg(((3, 2), (4, 2))))
    assert svg.count("k = ") == 2 and "uneven" in svg and ">even<" in svg
