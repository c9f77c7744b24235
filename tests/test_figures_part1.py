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


# -- 1-D and 3-D: frequency responses -------------------------------------------------------------
from convkit.figures.volume import (  # noqa: E402
    frequency_response_explorer,
    frequency_response_view,
    gaussian_taps,
    zero_phase_response,
)


@pytest.mark.parametrize("kernel", [np.full(9, 1 / 9), np.full(3, 1 / 3), gaussian_taps(2.0), np.array([1.0, 2, 1]) / 4])
def test_zero_phase_response_is_scipys_response_centred(kernel):
    import scipy.signal

    f = np.linspace(0, 50, 201)
    _, H = scipy.signal.freqz(kernel, worN=f, fs=100.0)
    centred = H * np.exp(1j * np.pi * f * (len(kernel) - 1) / 100.0)
    assert np.allclose(centred.imag, 0, atol=1e-12)
    assert np.allclose(zero_phase_response(kernel, f, 100.0), centred.real, rtol=0, atol=1e-12)


def test_moving_average_response_has_nulls_and_a_negative_side_lobe():
    box = np.full(9, 1 / 9)
    assert np.allclose(zero_phase_response(box, [100 / 9, 200 / 9], 100.0), 0, atol=1e-12)
    assert round(float(zero_phase_response(box, [16.0], 100.0)[0]), 2) == -0.23
    html = frequency_response_view(9)
    assert "11.1 Hz (11.1, 22.2, 33.3 … Hz)" in html and "−0.23 at 16.0 Hz" in html
    assert html.count("<circle") == 4 + 1 + 2  # 4 nulls below 50 Hz, the side lobe, 2 legend marks


def test_gaussian_taps_are_a_normalised_gaussian():
    g = gaussian_taps(1.5)
    u = np.arange(-5, 6)
    assert g.shape == (11,) and np.allclose(g, np.exp(-u**2 / 4.5) / np.exp(-u**2 / 4.5).sum(), rtol=0, atol=1e-15)


def test_frequency_response_explorer_and_errors():
    explorer = frequency_response_explorer()
    assert len(explorer.frames()) == 7 and "k = 9" in explorer.view()
    for bad in (4, 1, 2.0):
        with pytest.raises(ValueError, match="k must be an odd int"):
            frequency_response_view(bad)
    with pytest.raises(ValueError, match="symmetric"):
        zero_phase_response(np.array([1.0, 2.0, 0.0]), [1.0], 100.0)


# -- cross-correlation: superposition -------------------------------------------------------------
from convkit.figures.correlation import (  # noqa: E402
    STAMP_KERNEL,
    STAMP_SIGNAL,
    stamps,
    superposition_explorer,
    superposition_view,
)


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_stamps_add_up_to_torch_transposed_convolution(stride, rng):
    import torch
    import torch.nn.functional as F

    x, w = rng.standard_normal(7), rng.standard_normal(4)
    rows = stamps(x, w, stride)
    assert rows.shape == (7, 6 * stride + 4)
    expected = F.conv_transpose1d(torch.from_numpy(x).view(1, 1, -1), torch.from_numpy(w).view(1, 1, -1), stride=stride)
    assert np.allclose(rows.sum(axis=0), expected.flatten().numpy(), rtol=0, atol=1e-12)
    if stride == 1:
        assert np.allclose(rows.sum(axis=0), np.convolve(x, w), rtol=0, atol=1e-12)
    for m in range(7):  # one stamp per sample: the kernel, unflipped, scaled by x[m]
        assert np.allclose(rows[m, m * stride:m * stride + 4], x[m] * w) and np.count_nonzero(rows[m]) <= 4


def test_superposition_view_shows_the_stamps_so_far():
    first = superposition_view(STAMP_SIGNAL, STAMP_KERNEL, 0)
    last = superposition_view(STAMP_SIGNAL, STAMP_KERNEL, len(STAMP_SIGNAL) - 1)
    assert "Stamps 0 … 0 added" in first and "All stamps added" in last
    assert "np.convolve(x, w)" in last and "(w[2], w[1], w[0]): that is the flip" in last
    assert "F.conv_transpose1d(x, w, stride=2)" in superposition_view(STAMP_SIGNAL, STAMP_KERNEL, 2, stride=2)
    assert len(superposition_explorer().frames()) == 2 * len(STAMP_SIGNAL)


@pytest.mark.parametrize("call,match", [
    (lambda: stamps([], [1.0]), "non-empty"),
    (lambda: stamps([1.0], [1.0], stride=0), "stride must be a positive int"),
    (lambda: superposition_view(STAMP_SIGNAL, STAMP_KERNEL, len(STAMP_SIGNAL)), "m must be an int"),
])
def test_superposition_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# -- convolution in deep learning: one output value, channel by channel -------------------------
from convkit.figures.filters import channel_sum_example, channel_sum_explorer, channel_sum_view  # noqa: E402


def test_channel_sum_view_numbers_are_torchs():
    import torch
    import torch.nn.functional as F

    x, w, b = channel_sum_example()
    y = F.conv2d(torch.from_numpy(x)[None], torch.from_numpy(w)[None], torch.tensor([b], dtype=torch.float64))[0, 0]
    for i in range(3):
        for j in range(3):
            html = channel_sum_view(x, w, b, i, j)
            partials = [F.conv2d(torch.from_numpy(x[c])[None, None], torch.from_numpy(w[c])[None, None])[0, 0, i, j]
                        for c in range(3)]
            for c, partial in enumerate(partials):
                assert f"partial {int(partial)}<" in html
                assert f"channel {c}: " in html
            assert f"y[{i}, {j}] = " in html and f"= <b>{int(y[i, j])}</b></div>" in html
            assert f"window ({i}, {j}): rows {i}…{i + 2}, columns {j}…{j + 2}" in html


def test_channel_sum_explorer_has_one_frame_per_window():
    explorer = channel_sum_explorer()
    assert len(explorer.frames()) == 9
    assert [c.label for c in explorer.controls] == ["window row i", "window column j"]


@pytest.mark.parametrize("i,j", [(3, 0), (0, -1)])
def test_channel_sum_view_rejects_windows_outside(i, j):
    x, w, b = channel_sum_example()
    with pytest.raises(ValueError, match="must be an int in"):
        channel_sum_view(x, w, b, i, j)
