"""convkit.conv1d/2d/3d against torch.nn.functional, in float64."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings

import convkit
from strategies import conv_cases

OPS = {
    1: (convkit.conv1d, F.conv1d),
    2: (convkit.conv2d, F.conv2d),
    3: (convkit.conv3d, F.conv3d),
}


def torch_conv(ndim, case):
    bias = None if case.bias is None else torch.from_numpy(case.bias)
    out = OPS[ndim][1](
        torch.from_numpy(case.input), torch.from_numpy(case.weight), bias, **case.kwargs
    )
    return out.numpy()


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_fast_path_matches_torch(ndim):
    @given(conv_cases(ndim, max_size=9 if ndim < 3 else 6))
    def check(case):
        expected = torch_conv(ndim, case)
        got = OPS[ndim][0](case.input, case.weight, case.bias, **case.kwargs)
        assert got.shape == expected.shape
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)

    check()


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_loop_reference_matches_torch_and_fast_path(ndim):
    @settings(max_examples=100)
    @given(conv_cases(ndim, max_size=6 if ndim < 3 else 4, max_channels=2, max_batch=1))
    def check(case):
        expected = torch_conv(ndim, case)
        loop = OPS[ndim][0](case.input, case.weight, case.bias, **case.kwargs, method="loop")
        fast = OPS[ndim][0](case.input, case.weight, case.bias, **case.kwargs)
        np.testing.assert_allclose(loop, expected, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(loop, fast, rtol=1e-10, atol=1e-10)

    check()


@given(conv_cases(2))
def test_convnd_infers_dimensions(case):
    np.testing.assert_allclose(
        convkit.convnd(case.input, case.weight, case.bias, **case.kwargs),
        convkit.conv2d(case.input, case.weight, case.bias, **case.kwargs),
        rtol=0,
        atol=0,
    )


def test_float32_stays_float32(rng):
    x = rng.standard_normal((2, 4, 10, 10)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    got = convkit.conv2d(x, w, b, stride=2, padding=1, groups=2)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), 2, 1, 1, 2)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5, atol=1e-5)


def test_unbatched_input_gives_unbatched_output(rng):
    x = rng.standard_normal((3, 7, 7))
    w = rng.standard_normal((5, 3, 3, 3))
    got = convkit.conv2d(x, w, padding="same")
    assert got.shape == (5, 7, 7)
    np.testing.assert_allclose(got, convkit.conv2d(x[None], w, padding="same")[0])


@pytest.mark.parametrize("kernel,dilation", [(2, 1), (4, 1), (4, 3), (3, 2), (2, 2)])
def test_same_padding_even_kernels_match_torch(kernel, dilation, rng):
    """Even kernels with odd dilation pad one more zero at the end, as torch does."""
    x = rng.standard_normal((1, 2, 9, 8))
    w = rng.standard_normal((3, 2, kernel, kernel))
    got = convkit.conv2d(x, w, padding="same", dilation=dilation)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding="same", dilation=dilation)
    assert got.shape == (1, 3, 9, 8)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-10, atol=1e-10)


def test_empty_batch(rng):
    x = np.zeros((0, 2, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    assert convkit.conv2d(x, w).shape == (0, 3, 3, 3)


def test_input_is_not_modified(rng):
    x = rng.standard_normal((1, 2, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    x_copy, w_copy = x.copy(), w.copy()
    convkit.conv2d(x, w, padding=2, stride=2)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(w, w_copy)
