"""Every path of convkit.conv.conv_fast, forced, against torch in float64.

conv_fast has three ways through a convolution: the plain matrix product of
a 1 x 1, stride-1, unpadded kernel; im2col of a whole image in one block; and
im2col in several blocks of output rows (the last one shorter).  The default
block budget only splits large layers, so the tests shrink it.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit
from convkit.conv import MIN_BLOCK_POSITIONS, block_rows, conv_fast, prepare_conv
from strategies import conv_cases

TORCH = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def expected(ndim, x, w, b, **kwargs):
    bias = None if b is None else torch.from_numpy(b)
    return TORCH[ndim](torch.from_numpy(x), torch.from_numpy(w), bias, **kwargs).numpy()


def batched(case):
    """The case's input with a batch axis (conv_fast works on batched problems)."""
    return case.input if case.input.ndim == case.weight.ndim else case.input[np.newaxis]


@pytest.fixture
def small_blocks(monkeypatch):
    """Let a block be as narrow as one output row (the default keeps at least 256 positions)."""
    monkeypatch.setattr(convkit.conv, "MIN_BLOCK_POSITIONS", 1)


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_blocks_of_every_size_match_torch(ndim, small_blocks):
    @settings(max_examples=80)
    @given(conv_cases(ndim, max_size=9 if ndim < 3 else 5), st.sampled_from([1, 64, 1000, 10**9]))
    def check(case, block_bytes):
        x = batched(case)
        problem = prepare_conv(x, case.weight, case.bias, **case.kwargs, ndim=ndim)
        got = conv_fast(problem, block_bytes)
        np.testing.assert_allclose(got, expected(ndim, x, case.weight, case.bias, **case.kwargs),
                                   rtol=1e-10, atol=1e-10)

    check()


def test_many_blocks_with_a_short_last_one(rng, small_blocks):
    x = rng.standard_normal((2, 3, 23, 6))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    problem = prepare_conv(x, w, b, stride=1, padding=(2, 1), ndim=2)
    budget = 3 * 9 * 8 * problem.out_size[1] * 4  # four output rows' worth of columns
    rows = block_rows(problem, budget)
    assert rows == 4 and problem.out_size[0] == 25  # six blocks of 4 rows and one of 1
    np.testing.assert_allclose(conv_fast(problem, budget), expected(2, x, w, b, padding=(2, 1)),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("groups", [1, 2])
def test_pointwise_path_matches_torch(groups, rng):
    x = rng.standard_normal((3, 4, 5, 7))
    w = rng.standard_normal((6, 4 // groups, 1, 1))
    b = rng.standard_normal(6)
    np.testing.assert_allclose(convkit.conv2d(x, w, b, groups=groups),
                               expected(2, x, w, b, groups=groups), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(padding=1), dict(stride=2), dict(dilation=3, padding=2)])
def test_one_by_one_kernels_off_the_pointwise_path(kwargs, rng):
    x = rng.standard_normal((2, 4, 6, 5))
    w = rng.standard_normal((3, 4, 1, 1))
    np.testing.assert_allclose(convkit.conv2d(x, w, **kwargs), expected(2, x, w, None, **kwargs),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype,tolerance", [(np.float32, 1e-5), (np.float16, 2e-2)])
@pytest.mark.parametrize("block_bytes", [1, 10**9])
def test_low_precision_in_blocks(dtype, tolerance, block_bytes, rng, small_blocks):
    x = rng.standard_normal((2, 4, 11, 9)).astype(dtype)
    w = rng.standard_normal((6, 2, 3, 3)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    problem = prepare_conv(x, w, b, stride=(2, 1), padding=1, groups=2, ndim=2)
    got = conv_fast(problem, block_bytes).astype(dtype)
    want = expected(2, x.astype(np.float32), w.astype(np.float32), b.astype(np.float32),
                    stride=(2, 1), padding=1, groups=2)
    assert got.dtype == dtype
    np.testing.assert_allclose(got.astype(np.float32), want, rtol=tolerance, atol=tolerance)


def test_strided_views_as_input(rng):
    """A non-contiguous input (a transposed view) goes through both paths unchanged."""
    base = rng.standard_normal((2, 5, 9, 8))
    x = base.transpose(0, 1, 3, 2)
    for w, kwargs in ((rng.standard_normal((3, 5, 3, 3)), dict(padding=1)), (rng.standard_normal((3, 5, 1, 1)), {})):
        before = base.copy()
        np.testing.assert_allclose(convkit.conv2d(x, w, **kwargs), expected(2, np.ascontiguousarray(x), w, None, **kwargs),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(base, before)


def test_block_rows_respects_budget_and_minimum(rng):
    x = np.zeros((1, 64, 56, 56), np.float32)
    w = np.zeros((64, 64, 3, 3), np.float32)
    problem = prepare_conv(x, w, padding=1, ndim=2)
    column_bytes = 64 * 9 * 4 * 56  # one output row of columns
    assert block_rows(problem, 10**12) == 56
    assert block_rows(problem, 5 * column_bytes) == 5
    assert block_rows(problem, 1) * 56 >= MIN_BLOCK_POSITIONS
    assert block_rows(problem, 1) == -(-MIN_BLOCK_POSITIONS // 56)


def test_prepare_conv_keeps_the_input_and_pads_on_demand(rng):
    x = rng.standard_normal((2, 3, 5, 6))
    w = rng.standard_normal((4, 3, 3, 3))
    problem = prepare_conv(x, w, padding=(1, 2), ndim=2)
    assert problem.input is x  # no copy of a float64 input
    assert problem.padding == ((1, 1), (2, 2))
    np.testing.assert_array_equal(problem.x, np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2))))
    assert problem.x is problem.x  # padded once
    unpadded = prepare_conv(x, w, ndim=2)
    assert unpadded.x is unpadded.input
