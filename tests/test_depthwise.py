"""convkit.depthwise against torch: depthwise and separable layers, their kernel, its ranks and best approximation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convkit.depthwise import (
    channel_unfoldings,
    depthwise_conv2d,
    is_depthwise_separable,
    separable_approximation,
    separable_as_standard,
    separable_conv2d,
    separable_ranks,
)
from strategies import conv_cases


def torch_separable(x, d, p, db, pb, **kwargs):
    """nn.Sequential(depthwise nn.Conv2d, pointwise nn.Conv2d) with the given weights, float64."""
    channels = x.shape[-3]
    depthwise = torch.nn.Conv2d(channels, d.shape[0], d.shape[2:], groups=channels, bias=db is not None,
                                dtype=torch.float64, **kwargs)
    pointwise = torch.nn.Conv2d(d.shape[0], p.shape[0], 1, bias=pb is not None, dtype=torch.float64)
    with torch.no_grad():
        depthwise.weight.copy_(torch.from_numpy(d))
        pointwise.weight.copy_(torch.from_numpy(p))
        if db is not None:
            depthwise.bias.copy_(torch.from_numpy(db))
        if pb is not None:
            pointwise.bias.copy_(torch.from_numpy(pb))
        return torch.nn.Sequential(depthwise, pointwise)(torch.from_numpy(x)).numpy()


@given(conv_cases(2, depthwise=True))
def test_depthwise_conv2d_matches_torch_groups(case):
    kwargs = dict(case.kwargs)
    groups = kwargs.pop("groups")
    bias = None if case.bias is None else torch.from_numpy(case.bias)
    expected = F.conv2d(torch.from_numpy(case.input), torch.from_numpy(case.weight), bias, groups=groups,
                        **kwargs).numpy()
    got = depthwise_conv2d(case.input, case.weight, case.bias, **kwargs)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@st.composite
def separable_cases(draw):
    case = draw(conv_cases(2, depthwise=True, max_channels=3))
    kwargs = dict(case.kwargs)
    kwargs.pop("groups")
    hidden = case.weight.shape[0]
    c_out = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    p = rng.standard_normal((c_out, hidden, 1, 1))
    pb = rng.standard_normal(c_out) if draw(st.booleans()) else None
    return case, p, pb, kwargs


@settings(max_examples=200)
@given(separable_cases())
def test_separable_conv2d_matches_torch_sequential(args):
    case, p, pb, kwargs = args
    expected = torch_separable(case.input, case.weight, p, case.bias, pb, **kwargs)
    got = separable_conv2d(case.input, case.weight, p, case.bias, pb, **kwargs)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    # the pointwise weight may also be given as a matrix
    np.testing.assert_allclose(separable_conv2d(case.input, case.weight, p[:, :, 0, 0], case.bias, pb, **kwargs),
                               expected, rtol=1e-10, atol=1e-10)


@settings(max_examples=200)
@given(separable_cases())
def test_separable_layer_is_one_standard_convolution(args):
    """Any stride, padding (incl. 'same'), dilation, multiplier and biases: torch conv2d with W, b = the layer."""
    case, p, pb, kwargs = args
    channels = case.input.shape[-3]
    m = case.weight.shape[0] // channels
    w, b = separable_as_standard(case.weight, p, case.bias, pb, multiplier=m)
    assert w.shape == (p.shape[0], channels, *case.weight.shape[2:])
    assert (b is None) == (case.bias is None and pb is None)
    expected = torch_separable(case.input, case.weight, p, case.bias, pb, **kwargs)
    got = F.conv2d(torch.from_numpy(case.input), torch.from_numpy(w), None if b is None else torch.from_numpy(b),
                   **kwargs).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    assert is_depthwise_separable(w, multiplier=m)
    assert np.all(separable_ranks(w) <= m)


@settings(max_examples=100)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_ranks_match_torch_matrix_rank(c_out, c_in, rank, seed):
    """Kernels built with a known per-channel rank; torch.linalg.matrix_rank is the authority."""
    rng = np.random.default_rng(seed)
    w = np.einsum("cor,crk->ock", rng.standard_normal((c_in, c_out, rank)), rng.standard_normal((c_in, rank, 9)))
    w = w.reshape(c_out, c_in, 3, 3)
    unfold = torch.from_numpy(w).permute(1, 0, 2, 3).reshape(c_in, c_out, 9)
    expected = [int(torch.linalg.matrix_rank(unfold[c])) for c in range(c_in)]
    assert list(separable_ranks(w)) == expected == [min(rank, c_out, 9)] * c_in
    np.testing.assert_array_equal(channel_unfoldings(w), unfold.numpy())
    assert is_depthwise_separable(w, multiplier=min(rank, c_out, 9))
    assert is_depthwise_separable(w) == (min(rank, c_out) == 1)


def test_a_kernel_no_separable_layer_expresses():
    """Two outputs read channel 0 through different patterns (a vertical and a horizontal edge)."""
    w = np.zeros((2, 1, 3, 3))
    w[0, 0] = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]  # Sobel x
    w[1, 0] = w[0, 0].T                                  # Sobel y
    assert list(separable_ranks(w)) == [2]
    assert not is_depthwise_separable(w)
    assert is_depthwise_separable(w, multiplier=2)
    f = separable_approximation(w)
    # the two Sobel kernels are orthogonal with equal norms: rank 1 keeps half the energy
    assert f.error == pytest.approx(np.sqrt(0.5), abs=1e-12)


@settings(max_examples=100)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 4), st.integers(1, 10), st.integers(0, 2**32 - 1))
def test_approximation_is_the_truncated_svd(c_out, c_in, k, m, seed):
    """Error = discarded singular values (torch.linalg.svdvals); factors compose to the truncated SVD."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((c_out, c_in, k, k))
    f = separable_approximation(w, multiplier=m)
    assert f.depthwise_weight.shape == (m * c_in, 1, k, k)
    assert f.pointwise_weight.shape == (c_out, m * c_in, 1, 1)
    approx, _ = separable_as_standard(f.depthwise_weight, f.pointwise_weight, multiplier=m)
    wt = torch.from_numpy(w).permute(1, 0, 2, 3).reshape(c_in, c_out, k * k)
    sigma = torch.linalg.svdvals(wt)
    expected = float(torch.sqrt((sigma[:, m:] ** 2).sum() / (sigma**2).sum()))
    actual = float(torch.linalg.norm(torch.from_numpy(w - approx)) / torch.linalg.norm(torch.from_numpy(w)))
    assert f.error == pytest.approx(expected, abs=1e-10)
    assert actual == pytest.approx(expected, abs=1e-10)
    if m >= min(c_out, k * k):
        assert f.error < 1e-12


def test_approximation_beats_gradient_descent_on_the_factors(rng):
    """No separable pair found by torch's optimiser from random starts gets closer than the SVD answer."""
    w = rng.standard_normal((6, 3, 3, 3))
    best = separable_approximation(w).error
    target = torch.from_numpy(w)
    for seed in range(3):
        torch.manual_seed(seed)
        d = torch.randn(3, 1, 3, 3, dtype=torch.float64, requires_grad=True)
        p = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
        optimiser = torch.optim.Adam([d, p], lr=0.05)
        for _ in range(600):
            optimiser.zero_grad()
            loss = ((p[:, :, None, None] * d[None, :, 0] - target) ** 2).sum()
            loss.backward()
            optimiser.step()
        found = float(torch.sqrt(loss.detach()) / torch.linalg.norm(target))
        assert found >= best - 1e-9


def test_all_zero_kernel():
    w = np.zeros((3, 2, 3, 3))
    assert list(separable_ranks(w)) == [0, 0]
    assert is_depthwise_separable(w)
    assert separable_approximation(w).error == 0.0


def test_float32_stays_float32(rng):
    x = rng.standard_normal((2, 4, 9, 9)).astype(np.float32)
    d = rng.standard_normal((8, 1, 3, 3)).astype(np.float32)
    p = rng.standard_normal((5, 8, 1, 1)).astype(np.float32)
    got = separable_conv2d(x, d, p, stride=2, padding=1)
    assert got.dtype == np.float32
    expected = F.conv2d(F.conv2d(torch.from_numpy(x), torch.from_numpy(d), stride=2, padding=1, groups=4),
                        torch.from_numpy(p)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


X = np.zeros((1, 4, 8, 8))


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: depthwise_conv2d(np.zeros((8, 8)), np.zeros((4, 1, 3, 3))), ValueError,
         r"input must have 4 dimensions \(N, C_in, H, W\) or 3"),
        (lambda: depthwise_conv2d(X, np.zeros((4, 2, 3, 3))), ValueError,
         r"weight of a depthwise convolution must have shape \(m \* C_in, 1, kH, kW\)"),
        (lambda: depthwise_conv2d(X, np.zeros((4, 1, 3))), ValueError, r"must have shape \(m \* C_in, 1"),
        (lambda: depthwise_conv2d(X, np.zeros((6, 1, 3, 3))), ValueError,
         r"weight.shape\[0\] = 6 must be a multiple m \* C_in of the input channels C_in = 4"),
        (lambda: depthwise_conv2d(X, np.zeros((4, 1, 3, 3)), stride=0), ValueError, r"stride must be positive"),
        (lambda: depthwise_conv2d(X, np.zeros((4, 1, 3, 3), dtype=complex)), TypeError,
         r"weight must be a real floating-point array"),
        (lambda: depthwise_conv2d(X, np.zeros((4, 1, 3, 3)), np.zeros(3)), ValueError, r"bias must have shape"),
        (lambda: separable_conv2d(X, np.zeros((4, 1, 3, 3)), np.zeros((5, 3, 1, 1))), ValueError,
         r"pointwise_weight must read the 4 channels of the depthwise stage"),
        (lambda: separable_conv2d(X, np.zeros((4, 1, 3, 3)), np.zeros((5, 4, 3, 3))), ValueError,
         r"pointwise_weight of a pointwise convolution must have a 1 x 1 kernel"),
        (lambda: separable_conv2d(X, np.zeros((4, 2, 3, 3)), np.zeros((5, 4))), ValueError,
         r"depthwise_weight of a depthwise convolution must have shape"),
        (lambda: separable_conv2d(X, np.zeros((4, 1, 3, 3)), np.zeros((5, 4)), pointwise_bias=np.zeros(4)),
         ValueError, r"bias must have shape \(C_out,\) = \(5,\)"),
        (lambda: separable_as_standard(np.zeros((4, 1, 3, 3)), np.zeros((5, 4)), multiplier=3), ValueError,
         r"multiplier \(3\) must divide the 4 output channels of the depthwise stage"),
        (lambda: separable_as_standard(np.zeros((4, 1, 3, 3)), np.zeros((5, 4)), np.zeros(5)), ValueError,
         r"depthwise_bias must have shape \(4,\)"),
        (lambda: separable_as_standard(np.zeros((4, 1, 3, 3)), np.zeros((5, 4)), None, np.zeros(4)), ValueError,
         r"pointwise_bias must have shape \(5,\)"),
        (lambda: separable_ranks(np.zeros((4, 3, 3))), ValueError, r"weight must be a standard 2-d kernel"),
        (lambda: separable_approximation(np.zeros((4, 3, 3, 3)), multiplier=0), ValueError,
         r"multiplier must be positive"),
        (lambda: is_depthwise_separable(np.zeros((4, 3, 3, 3)), multiplier=1.5), TypeError,
         r"multiplier must be an int"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
