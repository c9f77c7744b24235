"""convkit.grad against torch.nn.grad and autograd, in float64; errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torch.nn.grad
from hypothesis import given, settings

import convkit
from convkit import grad
from strategies import conv_cases

TORCH_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def autograd(ndim, case, seed=0):
    """Output gradient g and the gradients of <conv(x, w), g> with respect to x and w."""
    x = torch.from_numpy(case.input).requires_grad_()
    w = torch.from_numpy(case.weight).requires_grad_()
    y = TORCH_CONV[ndim](x, w, **case.kwargs)
    g = torch.from_numpy(np.random.default_rng(seed).standard_normal(tuple(y.shape)))
    y.backward(g)
    return g, x.grad.numpy(), w.grad.numpy()


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_gradients_match_autograd_and_torch_nn_grad(ndim):
    @settings(max_examples=100)
    @given(conv_cases(ndim, max_size=7 if ndim < 3 else 4))
    def check(case):
        g, dx, dw = autograd(ndim, case)
        kw = case.kwargs
        got_dx = getattr(grad, f"conv{ndim}d_input")(case.input.shape, case.weight, g.numpy(), **kw)
        got_dw = getattr(grad, f"conv{ndim}d_weight")(case.input, case.weight.shape, g.numpy(), **kw)
        assert got_dx.shape == dx.shape and got_dw.shape == dw.shape
        np.testing.assert_allclose(got_dx, dx, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(got_dw, dw, rtol=1e-10, atol=1e-10)
        if not isinstance(kw["padding"], str) and case.input.ndim == ndim + 2:
            # torch.nn.grad takes integer padding and batched shapes only
            wt, xt = torch.from_numpy(case.weight), torch.from_numpy(case.input)
            ref_dx = getattr(torch.nn.grad, f"conv{ndim}d_input")(case.input.shape, wt, g, **kw)
            ref_dw = getattr(torch.nn.grad, f"conv{ndim}d_weight")(xt, case.weight.shape, g, **kw)
            np.testing.assert_allclose(got_dx, ref_dx.numpy(), rtol=1e-10, atol=1e-10)
            np.testing.assert_allclose(got_dw, ref_dw.numpy(), rtol=1e-10, atol=1e-10)

    check()


def test_input_gradient_is_the_transposed_convolution(rng):
    """dL/dx = conv_transpose(g, w) with output_padding = (i + 2p - d(k-1) - 1) mod s."""
    for i in range(5, 10):
        x = rng.standard_normal((2, 3, i))
        w = rng.standard_normal((4, 3, 3))
        s, p, d = 3, 1, 2
        y = convkit.conv1d(x, w, stride=s, padding=p, dilation=d)
        g = rng.standard_normal(y.shape)
        a = (i + 2 * p - d * (3 - 1) - 1) % s
        expected = convkit.conv_transpose1d(g, w, stride=s, padding=p, output_padding=a, dilation=d)
        np.testing.assert_allclose(grad.conv1d_input(x.shape, w, g, s, p, d), expected, rtol=1e-12)


def test_float32_stays_float32(rng):
    x = rng.standard_normal((2, 4, 7, 6)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    g = rng.standard_normal((2, 6, 3, 2)).astype(np.float32)
    dx = grad.conv2d_input(x.shape, w, g, stride=2, groups=2)
    dw = grad.conv2d_weight(x, w.shape, g, stride=2, groups=2)
    assert dx.dtype == dw.dtype == np.float32
    ref = torch.nn.grad.conv2d_input(x.shape, torch.from_numpy(w), torch.from_numpy(g), stride=2, groups=2)
    np.testing.assert_allclose(dx, ref.numpy(), rtol=1e-5, atol=1e-5)


def test_float16_is_computed_in_float32(rng):
    x = rng.standard_normal((1, 32, 6, 6)).astype(np.float16)
    w = rng.standard_normal((4, 32, 3, 3)).astype(np.float16)
    g = rng.standard_normal((1, 4, 4, 4)).astype(np.float16)
    dx = grad.conv2d_input(x.shape, w, g)
    dw = grad.conv2d_weight(x, w.shape, g)
    assert dx.dtype == dw.dtype == np.float16
    wt, gt, xt = (torch.from_numpy(a).double() for a in (w, g, x))
    exact_dx = torch.nn.grad.conv2d_input(x.shape, wt, gt).numpy()
    exact_dw = torch.nn.grad.conv2d_weight(xt, w.shape, gt).numpy()
    for got, exact in [(dx, exact_dx), (dw, exact_dw)]:
        ulp = np.spacing(np.abs(exact).astype(np.float16)).astype(np.float64)
        assert np.all(np.abs(got.astype(np.float64) - exact) <= ulp)


def test_unbatched_and_empty_batch(rng):
    x = rng.standard_normal((3, 6, 6))
    w = rng.standard_normal((2, 3, 3, 3))
    g = rng.standard_normal((2, 4, 4))
    np.testing.assert_allclose(grad.conv2d_input(x.shape, w, g), grad.conv2d_input((1,) + x.shape, w, g[None])[0])
    np.testing.assert_allclose(grad.conv2d_weight(x, w.shape, g), grad.conv2d_weight(x[None], w.shape, g[None]))
    dw = grad.conv2d_weight(np.zeros((0, 3, 6, 6)), w.shape, np.zeros((0, 2, 4, 4)))
    assert dw.shape == w.shape and not dw.any()


X = np.zeros((2, 4, 8, 8))
W = np.zeros((6, 2, 3, 3))
G = np.zeros((2, 6, 6, 6))


def test_grad_output_shape_must_match_the_convolution():
    with pytest.raises(ValueError, match=r"grad_output must have the shape of the convolution's output, \(2, 6, 6, 6\)"):
        grad.conv2d_input(X.shape, W, np.zeros((2, 6, 5, 6)), groups=2)
    with pytest.raises(ValueError, match=r"grad_output must have the shape"):
        grad.conv2d_weight(X, W.shape, np.zeros((2, 6, 6, 6)), stride=2, groups=2)


def test_grad_output_batched_like_the_input():
    with pytest.raises(ValueError, match=r"grad_output must be batched like input_size"):
        grad.conv2d_input(X.shape, W, G[0], groups=2)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: grad.conv2d_input("2, 4, 8, 8", W, G, groups=2), TypeError, r"input_size must be a tuple of ints"),
        (lambda: grad.conv2d_input((2, 4, 8), W, G, groups=2), ValueError, r"grad_output must be unbatched"),
        (lambda: grad.conv2d_input((8, 8), W, G, groups=2), ValueError, r"input_size must have 4 dimensions"),
        (lambda: grad.conv2d_weight(X, (6, 2, 3), G, groups=2), ValueError, r"weight_size must have 4 dimensions"),
        (lambda: grad.conv2d_input(X.shape, W, G, groups=4), ValueError, r"groups \(4\) must divide"),
        (lambda: grad.conv2d_input(X.shape, W, G), ValueError, r"expects C_in / groups = 2"),
        (lambda: grad.conv2d_input(X.shape, W, G, groups=2, stride=0), ValueError, r"stride must be positive"),
        (lambda: grad.conv2d_input(X.shape, W, G, groups=2, padding=-1), ValueError, r"padding must be non-negative"),
        (lambda: grad.conv2d_input(X.shape, W, G, groups=2, padding="same", stride=2), ValueError,
         r"padding='same' requires stride 1"),
        (lambda: grad.conv2d_input((2, 4, 2, 2), W, G, groups=2), ValueError, r"kernel is larger than the padded input"),
        (lambda: grad.conv2d_weight(X.astype(complex), W.shape, G, groups=2), TypeError,
         r"input must be a float16, float32 or float64 array"),
        (lambda: grad.conv2d_input(X.shape, W, G.astype(np.float32), groups=2), TypeError,
         r"weight, grad_output must have the same dtype"),
        (lambda: grad.conv2d_weight(X.astype(int), W.shape, G, groups=2), TypeError,
         r"input must be a float16"),
        (lambda: grad.conv1d_input((2, 4, 8), W, G, groups=2), ValueError, r"weight must have 3 dimensions"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
