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


@pytest.mark.parametrize("dtype", [complex, np.int64, bool])
def test_non_float_weight_rejected(dtype):
    with pytest.raises(TypeError, match=r"weight must be a float16, float32 or float64 array"):
        convkit.pointwise_conv2d(np.zeros((1, 2, 3, 3)), np.zeros((2, 2), dtype=dtype))


def test_mixed_dtypes_rejected_as_torch_does():
    with pytest.raises(TypeError, match=r"input, weight must have the same dtype"):
        convkit.pointwise_conv2d(np.zeros((1, 2, 3, 3), dtype=np.float32), np.zeros((2, 2)))


def test_float16_is_computed_in_float32_and_returned_in_float16(rng):
    x = rng.standard_normal((1, 8, 4, 4)).astype(np.float16)
    w = rng.standard_normal((3, 8)).astype(np.float16)
    got = convkit.pointwise_conv2d(x, w)
    assert got.dtype == np.float16
    expected = convkit.pointwise_conv2d(x.astype(np.float32), w.astype(np.float32)).astype(np.float16)
    np.testing.assert_array_equal(got, expected)


def feature_map(rng, channels=12, size=9):
    """Correlated channels: a random mix of 4 smooth-ish sources, plus a little noise, plus offsets."""
    sources = rng.standard_normal((4, size, size)).cumsum(axis=1)
    mix = rng.standard_normal((channels, 4))
    return np.einsum("cs,shw->chw", mix, sources) + 0.1 * rng.standard_normal((channels, size, size)) + 3.0


def reconstruct(x, down_w, down_b, up_w, up_b):
    return convkit.pointwise_conv2d(convkit.pointwise_conv2d(x, down_w, down_b), up_w, up_b)


@pytest.mark.parametrize("r", [1, 2, 4, 8, 12])
def test_pca_compression_error_is_the_discarded_eigenvalues(rng, r):
    x = feature_map(rng)
    down_w, down_b, up_w, up_b = convkit.pointwise.pca_compression(x, r)
    assert down_w.shape == (r, 12) and up_w.shape == (12, r)
    error = np.linalg.norm(x - reconstruct(x, down_w, down_b, up_w, up_b))
    X = x.reshape(12, -1)
    scatter = (X - X.mean(1, keepdims=True)) @ (X - X.mean(1, keepdims=True)).T
    eigenvalues = np.linalg.eigvalsh(scatter)[::-1]  # numpy, largest first
    assert np.isclose(error, np.sqrt(max(eigenvalues[r:].sum(), 0.0)), rtol=1e-7, atol=1e-9)
    # the end-to-end channel mixing up @ down has rank r
    assert np.linalg.matrix_rank(up_w @ down_w) == r


def test_pca_compression_beats_random_and_trained_bottlenecks(rng):
    x = feature_map(rng)
    best = np.linalg.norm(x - reconstruct(x, *convkit.pointwise.pca_compression(x, 3)))
    for seed in range(5):
        down_w = np.random.default_rng(seed).standard_normal((3, 12))
        up_w, up_b = convkit.pointwise.least_squares_decoder(x, down_w)
        assert np.linalg.norm(x - reconstruct(x, down_w, None, up_w, up_b)) >= best - 1e-9
    # a bottleneck trained by gradient descent in torch cannot do better
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(12, 3, 1), torch.nn.Conv2d(3, 12, 1)).double()
    data = torch.from_numpy(x)[None]
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        loss = ((model(data) - data) ** 2).sum()
        loss.backward()
        opt.step()
    assert float(loss.detach()) ** 0.5 >= best - 1e-9


def test_least_squares_decoder_matches_numpy_lstsq_and_is_optimal(rng):
    x = feature_map(rng, channels=6, size=5)
    down_w, down_b = rng.standard_normal((2, 6)), rng.standard_normal(2)
    up_w, up_b = convkit.pointwise.least_squares_decoder(x, down_w, down_b)
    X = x.reshape(6, -1)
    Z = down_w @ X + down_b[:, None]
    # normal equations, solved independently
    A = np.vstack([Z, np.ones(Z.shape[1])])
    expected = X @ A.T @ np.linalg.inv(A @ A.T)
    np.testing.assert_allclose(np.hstack([up_w, up_b[:, None]]), expected, rtol=1e-8, atol=1e-8)
    residual = X - (up_w @ Z + up_b[:, None])
    np.testing.assert_allclose(residual @ A.T, 0, atol=1e-8)  # orthogonal to the design


@pytest.mark.parametrize("call,error,match", [
    (lambda: convkit.pointwise.pca_compression(np.zeros((3, 4, 4)), 4), ValueError, r"channels must be at most the input channels C=3"),
    (lambda: convkit.pointwise.pca_compression(np.zeros((3, 4, 4)), 0), ValueError, r"channels must be positive"),
    (lambda: convkit.pointwise.pca_compression(np.zeros((4, 4)), 1), ValueError, r"input must have 4 dimensions"),
    (lambda: convkit.pointwise.least_squares_decoder(np.zeros((3, 4, 4)), np.zeros((2, 4))), ValueError,
     r"down_weight must have shape \(r, C\) with C=3"),
])
def test_compression_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
