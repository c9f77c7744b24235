"""Causal dilated 1-d convolution against torch (F.pad on the left + F.conv1d)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit


@st.composite
def causal_cases(draw):
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    k = draw(st.integers(1, 4))
    d = draw(st.integers(1, 4))
    length = draw(st.integers(1, 20))
    batched = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal(((2,) if batched else ()) + (c_in, length))
    w = rng.standard_normal((c_out, c_in // groups, k))
    b = rng.standard_normal(c_out) if draw(st.booleans()) else None
    return x, w, b, d, groups


@given(causal_cases(), st.sampled_from(["fast", "loop"]))
def test_causal_conv1d_is_left_padding_then_conv1d(case, method):
    x, w, b, d, groups = case
    k = w.shape[-1]
    tx = torch.from_numpy(x)
    expected = F.conv1d(F.pad(tx, (d * (k - 1), 0)), torch.from_numpy(w),
                        None if b is None else torch.from_numpy(b), dilation=d, groups=groups)
    got = convkit.causal_conv1d(x, w, b, dilation=d, groups=groups, method=method)
    assert got.shape == expected.shape
    assert got.shape[-1] == x.shape[-1]  # the length is kept
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12, atol=1e-12)


@given(causal_cases(), st.data())
def test_no_leak_from_the_future(case, data):
    x, w, b, d, groups = case
    t = data.draw(st.integers(0, x.shape[-1] - 1))
    y = convkit.causal_conv1d(x, w, b, dilation=d, groups=groups)
    changed = x.copy()
    changed[..., t + 1:] = np.random.default_rng(t).standard_normal(changed[..., t + 1:].shape) * 100
    y_changed = convkit.causal_conv1d(changed, w, b, dilation=d, groups=groups)
    np.testing.assert_array_equal(y[..., : t + 1], y_changed[..., : t + 1])


def test_the_present_and_the_taps_in_the_past_do_matter():
    # y[t] = w0 x[t - 2d] + w1 x[t - d] + w2 x[t]: an impulse at 5 shows up at 5, 5 + d, 5 + 2d
    d = 3
    x = np.zeros((1, 20))
    x[0, 5] = 1.0
    w = np.array([[[1.0, 2.0, 4.0]]])
    y = convkit.causal_conv1d(x, w, dilation=d)[0]
    assert np.flatnonzero(y).tolist() == [5, 5 + d, 5 + 2 * d]
    assert y[[5, 8, 11]].tolist() == [4.0, 2.0, 1.0]
    # symmetric ('same') padding leaks: output 2 already sees the impulse at 5
    same = F.conv1d(torch.from_numpy(x)[None], torch.from_numpy(w), padding="same", dilation=d)
    assert same[0, 0, 2] != 0


def test_float32_stays_float32():
    x = np.ones((2, 7), dtype=np.float32)
    w = np.ones((3, 2, 2), dtype=np.float32)
    y = convkit.causal_conv1d(x, w, dilation=2)
    assert y.dtype == np.float32 and y.shape == (3, 7)


def test_causal_padding():
    assert convkit.causal_padding(2, 512) == (512, 0)
    assert convkit.causal_padding(3) == (2, 0)


@pytest.mark.parametrize(
    "args,kwargs,error,match",
    [
        ((np.ones((1, 5)), np.ones((1, 1, 2))), dict(dilation=0), ValueError, r"dilation must be positive"),
        ((np.ones((1, 5)), np.ones((1, 1, 2))), dict(dilation=(1,)), TypeError, r"dilation must be an int"),
        ((np.ones((1, 5)), np.ones((1, 2))), {}, ValueError, r"weight must have 3 dimensions"),
        ((np.ones((1, 5)), np.ones((1, 1, 0))), {}, ValueError, r"weight must not have an empty dimension"),
        ((np.ones(5), np.ones((1, 1, 2))), {}, ValueError, r"input must have 3 dimensions .* or 2"),
        ((np.ones((2, 5)), np.ones((1, 1, 2))), {}, ValueError, r"C_in / groups"),
        ((np.ones((2, 5)), np.ones((2, 1, 2))), dict(groups=3), ValueError, r"groups \(3\) must divide"),
        ((np.ones((1, 5), dtype=complex), np.ones((1, 1, 2))), {}, TypeError, r"input must be a real"),
        ((np.ones((1, 5)), np.ones((1, 1, 2))), dict(method="magic"), ValueError, r"method must be"),
    ],
)
def test_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        convkit.causal_conv1d(*args, **kwargs)


@pytest.mark.parametrize("args,error,match", [((0,), ValueError, "kernel_size must be positive"),
                                              ((2, 0), ValueError, "dilation must be positive")])
def test_causal_padding_errors(args, error, match):
    with pytest.raises(error, match=match):
        convkit.causal_padding(*args)
