"""convkit.flattened: the flattened layer against torch conv2d with the full kernel; rank-1 tensor fits."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit


@st.composite
def flattened_cases(draw):
    c_in, c_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    mode = draw(st.sampled_from(["int", "tuple", "same", "valid"]))
    pads = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    padding = {"int": pads[0], "tuple": pads, "same": "same", "valid": "valid"}[mode]
    eff = {"int": (pads[0], pads[0]), "tuple": pads}.get(mode, (0, 0))
    h = draw(st.integers(max(1, kh - 2 * eff[0]), 7))
    w = draw(st.integers(max(1, kw - 2 * eff[1]), 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal(draw(st.sampled_from([(), (2,)])) + (c_in, h, w))
    a = rng.standard_normal((c_out, c_in))
    b = rng.standard_normal((c_out, kh))
    c = rng.standard_normal((c_out, kw))
    bias = rng.standard_normal(c_out) if draw(st.booleans()) else None
    return x, a, b, c, bias, padding


@given(flattened_cases())
def test_flattened_layer_equals_torch_conv2d_with_the_rank1_kernel(case):
    x, a, b, c, bias, padding = case
    full = convkit.flattened_kernel(a, b, c)
    # by the definition
    for o in range(a.shape[0]):
        np.testing.assert_allclose(full[o], a[o][:, None, None] * b[o][None, :, None] * c[o][None, None, :],
                                   rtol=1e-14, atol=1e-14)
    t = torch.from_numpy
    expected = F.conv2d(t(x), t(full), None if bias is None else t(bias), padding=padding).numpy()
    got = convkit.flattened_conv2d(x, a, b, c, bias, padding=padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_flattened_layer_equals_three_torch_layers(rng):
    """Pointwise C_in -> C_out, then depthwise k x 1 and 1 x k (groups = C_out), as torch.nn layers."""
    c_in, c_out, k = 3, 4, 3
    x = rng.standard_normal((2, c_in, 9, 9))
    a, b, c = rng.standard_normal((c_out, c_in)), rng.standard_normal((c_out, k)), rng.standard_normal((c_out, k))
    lateral = torch.nn.Conv2d(c_in, c_out, 1, bias=False).double()
    vertical = torch.nn.Conv2d(c_out, c_out, (k, 1), padding=(1, 0), groups=c_out, bias=False).double()
    horizontal = torch.nn.Conv2d(c_out, c_out, (1, k), padding=(0, 1), groups=c_out).double()
    with torch.no_grad():
        lateral.weight.copy_(torch.from_numpy(a).reshape(c_out, c_in, 1, 1))
        vertical.weight.copy_(torch.from_numpy(b).reshape(c_out, 1, k, 1))
        horizontal.weight.copy_(torch.from_numpy(c).reshape(c_out, 1, 1, k))
        expected = horizontal(vertical(lateral(torch.from_numpy(x)))).numpy()
    got = convkit.flattened_conv2d(x, a, b, c, horizontal.bias.detach().numpy(), padding=1)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))
def test_flattened_factors_recover_rank1_filters(seed, c_in, kh, kw):
    rng = np.random.default_rng(seed)
    w = convkit.flattened_kernel(rng.standard_normal((3, c_in)), rng.standard_normal((3, kh)),
                                 rng.standard_normal((3, kw)))
    a, b, c = convkit.flattened_factors(w)
    np.testing.assert_allclose(convkit.flattened_kernel(a, b, c), w, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 1.0, rtol=1e-12)


def unfolding_lower_bound(t):
    """Any rank-1 tensor has rank-1 unfoldings: the best rank-1 matrix error of each unfolding is a lower bound."""
    bounds = []
    for axis in range(3):
        s = np.linalg.svd(np.moveaxis(t, axis, 0).reshape(t.shape[axis], -1), compute_uv=False)
        bounds.append(np.sqrt(np.sum(s[1:] ** 2)))
    return max(bounds)


@settings(max_examples=60)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))
def test_flattened_factors_are_optimal_within_bounds_and_stationary(seed, c_in, kh, kw):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((1, c_in, kh, kw))
    a, b, c = convkit.flattened_factors(w)
    error = np.linalg.norm(w - convkit.flattened_kernel(a, b, c))
    # never better than the unfolding bound (numpy SVD), never worse than the truncated HOSVD
    assert error >= unfolding_lower_bound(w[0]) - 1e-9
    u = [np.linalg.svd(np.moveaxis(w[0], ax, 0).reshape(w.shape[1 + ax], -1))[0][:, 0] for ax in range(3)]
    hosvd = np.einsum("cyx,c,y,x->", w[0], *u) * np.einsum("c,y,x->cyx", *u)
    assert error <= np.linalg.norm(w[0] - hosvd) + 1e-9
    # stationary: autograd's gradient of the squared error with respect to every factor vanishes
    ta, tb, tc = (torch.tensor(v[0], requires_grad=True) for v in (a, b, c))
    loss = ((torch.from_numpy(w[0]) - torch.einsum("c,y,x->cyx", ta, tb, tc)) ** 2).sum()
    loss.backward()
    for v in (ta, tb, tc):
        assert v.grad.abs().max() < 1e-6 * max(1.0, float(np.abs(w).max()))


def test_flattened_factors_not_beaten_by_gradient_descent_from_random_starts():
    rng = np.random.default_rng(7)
    w = rng.standard_normal((1, 3, 3, 3))
    a, b, c = convkit.flattened_factors(w)
    ours = float(np.linalg.norm(w - convkit.flattened_kernel(a, b, c)))
    target = torch.from_numpy(w[0])
    torch.manual_seed(0)
    for _ in range(10):
        params = [torch.randn(n, dtype=torch.float64, requires_grad=True) for n in (3, 3, 3)]
        opt = torch.optim.LBFGS(params, max_iter=200, tolerance_grad=1e-12, tolerance_change=1e-15)

        def closure():
            opt.zero_grad()
            loss = ((target - torch.einsum("c,y,x->cyx", *params)) ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        with torch.no_grad():
            found = float(((target - torch.einsum("c,y,x->cyx", *params)) ** 2).sum().sqrt())
        assert found >= ours - 1e-9


def test_float32_weights(rng):
    w = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    a, b, c = convkit.flattened_factors(w, max_iter=50)
    assert a.dtype == b.dtype == c.dtype == np.float32


@pytest.mark.parametrize("call,error,match", [
    (lambda: convkit.flattened_kernel(np.ones(3), np.ones((1, 3)), np.ones((1, 3))), ValueError,
     r"channel must be a 2-d array \(C_out, length\)"),
    (lambda: convkit.flattened_kernel(np.ones((2, 3)), np.ones((1, 3)), np.ones((2, 3))), ValueError,
     r"vertical must have one filter per output channel: 2 rows"),
    (lambda: convkit.flattened_kernel(np.ones((2, 3)), np.ones((2, 3)), np.ones((3, 3))), ValueError,
     r"horizontal must have one filter per output channel"),
    (lambda: convkit.flattened_kernel(np.ones((2, 3)), np.ones((2, 0)), np.ones((2, 3))), ValueError,
     r"vertical must not be empty"),
    (lambda: convkit.flattened_conv2d(np.zeros((1, 2, 5, 5)), np.ones((4, 3)), np.ones((4, 3)), np.ones((4, 3))),
     ValueError, r"C_in / groups"),
    (lambda: convkit.flattened_conv2d(np.zeros((1, 3, 5, 5)), np.ones((4, 3)), np.ones((4, 3)), np.ones((4, 3)),
                                      padding=-1), ValueError, r"padding must be non-negative"),
    (lambda: convkit.flattened_conv2d(np.zeros((1, 3, 5, 5)), np.ones((4, 3)), np.ones((4, 3)), np.ones((4, 3)),
                                      bias=np.ones(3)), ValueError, r"bias must have shape \(C_out,\)"),
    (lambda: convkit.flattened_conv2d(np.zeros((1, 3, 2, 5)), np.ones((4, 3)), np.ones((4, 3)), np.ones((4, 3))),
     ValueError, r"kernel is larger than the padded input"),
    (lambda: convkit.flattened_factors(np.ones((2, 3, 3))), ValueError, r"weight must have 4 dimensions"),
    (lambda: convkit.flattened_kernel(np.ones((2, 3), dtype=int), np.ones((2, 3)), np.ones((2, 3))), TypeError,
     r"channel must be a float16, float32 or float64 array"),
    (lambda: convkit.flattened_kernel(np.ones((2, 3), dtype=np.float32), np.ones((2, 3)), np.ones((2, 3))), TypeError,
     r"channel, vertical, horizontal must have the same dtype"),
    (lambda: convkit.flattened_conv2d(np.zeros((1, 3, 5, 5), dtype=np.float32), np.ones((4, 3), dtype=np.float32),
                                      np.ones((4, 3), dtype=np.float32), np.ones((4, 3), dtype=np.float32),
                                      bias=np.ones(4)), TypeError, r"input, channel, bias must have the same dtype"),
    (lambda: convkit.flattened_factors(np.ones((2, 3, 3, 3)), max_iter=0), ValueError, r"max_iter must be positive"),
    (lambda: convkit.flattened_factors(np.ones((2, 3, 3, 3)), tol=-1.0), ValueError, r"tol must be non-negative"),
    (lambda: convkit.flattened_factors(np.ones((2, 3, 3, 3)), tol=None), TypeError, r"tol must be a real number"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
