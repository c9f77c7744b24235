"""convkit.pointwise_conv2d against torch (conv2d with a 1x1 kernel) and against einsum."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit


@st.composite
def pointwise_cases(draw):
    groups = draw(st.integers(1, 4))
    c_in = groups * draw(st.integers(1, 4))
    c_out = groups * draw(st.integers(1, 4))
    batch = draw(st.sampled_from([(), (1,), (3,)]))
    height, width = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal(batch + (c_in, height, width))
    w = rng.standard_normal((c_out, c_in // groups) + draw(st.sampled_from([(), (1, 1)])))
    b = rng.standard_normal(c_out) if draw(st.booleans()) else None
    return x, w, b, groups


@given(pointwise_cases())
def test_pointwise_matches_torch_conv2d_with_1x1_kernel(case):
    x, w, b, groups = case
    w4 = w.reshape(w.shape[0], w.shape[1], 1, 1)
    expected = F.conv2d(
        torch.from_numpy(x), torch.from_numpy(w4), None if b is None else torch.from_numpy(b), groups=groups
    ).numpy()
    got = convkit.pointwise_conv2d(x, w, b, groups=groups)
    assert got.shape == expected.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_pointwise_is_a_matrix_product_at_every_pixel(rng):
    """The definition: y[n, o, h, w] = sum_c W[o, c] x[n, c, h, w] + b[o], with einsum."""
    x = rng.standard_normal((2, 5, 4, 3))
    w = rng.standard_normal((7, 5))
    b = rng.standard_normal(7)
    expected = np.einsum("oc,nchw->nohw", w, x) + b[:, None, None]
    np.testing.assert_allclose(convkit.pointwise_conv2d(x, w, b), expected, rtol=1e-12, atol=1e-12)
    # one pixel: a matrix-vector product
    np.testing.assert_allclose(convkit.pointwise_conv2d(x, w, b)[1, :, 2, 0], w @ x[1, :, 2, 0] + b, rtol=1e-12)


def test_grouped_pointwise_is_block_diagonal(rng):
    x = rng.standard_normal((1, 6, 3, 3))
    w = rng.standard_normal((4, 3))  # groups=2: two 2x3 blocks
    full = np.zeros((4, 6))
    full[:2, :3], full[2:, 3:] = w[:2], w[2:]
    np.testing.assert_allclose(convkit.pointwise_conv2d(x, w, groups=2), convkit.pointwise_conv2d(x, full),
                               rtol=1e-12, atol=1e-12)


def test_pointwise_agrees_with_conv2d(rng):
    x = rng.standard_normal((2, 4, 5, 6))
    w = rng.standard_normal((6, 2, 1, 1))
    np.testing.assert_allclose(convkit.pointwise_conv2d(x, w, groups=2), convkit.conv2d(x, w, groups=2),
                               rtol=1e-12, atol=1e-12)


def test_float32_stays_float32(rng):
    x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    got = convkit.pointwise_conv2d(x, w)
    assert got.dtype == np.float32
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w[:, :, None, None])).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_pointwise_weight_views_the_matrix():
    w = np.arange(6.0).reshape(3, 2, 1, 1)
    np.testing.assert_array_equal(convkit.pointwise.pointwise_weight(w), w[:, :, 0, 0])


@pytest.mark.parametrize(
    "x_shape,w_shape,kwargs,error,match",
    [
        ((1, 4, 3, 3), (2, 4, 3, 3), {}, ValueError, r"must have a 1 x 1 kernel"),
        ((1, 4, 3, 3), (2, 4, 1), {}, ValueError, r"weight must have shape \(C_out, C_in/groups\)"),
        ((1, 4, 3, 3), (2,), {}, ValueError, r"weight must have shape \(C_out, C_in/groups\)"),
        ((1, 4, 3, 3), (2, 3), {}, ValueError, r"weight.shape\[1\] must equal C_in / groups"),
        ((1, 4, 3, 3), (3, 2), dict(groups=2), ValueError, r"groups \(2\) must divide the output channels"),
        ((1, 3, 3, 3), (2, 1), dict(groups=2), ValueError, r"groups \(2\) must divide the input channels"),
        ((1, 4, 3, 3), (2, 4), dict(groups=0), ValueError, r"groups must be positive"),
        ((1, 4, 3, 3), (2, 4), dict(groups=1.0), TypeError, r"groups must be an int"),
        ((4, 3), (2, 4), {}, ValueError, r"input must have 4 dimensions"),
        ((1, 4, 3, 3), (2, 4), dict(bias=np.zeros(3)), ValueError, r"bias must have shape \(C_out,\)"),
    ],
)
def test_pointwise_errors(x_shape, w_shape, kwargs, error, match):
    with pytest.raises(error, match=match):
        convkit.pointwise_conv2d(np.zeros(x_shape), np.zeros(w_shape), **kwargs)


def test_complex_weight_rejected():
    with pytest.raises(TypeError, match=r"weight must be a real floating-point array"):
        convkit.pointwise_conv2d(np.zeros((1, 2, 3, 3)), np.zeros((2, 2), dtype=complex))
