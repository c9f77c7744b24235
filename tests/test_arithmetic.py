"""Arithmetic and cost formulas against the shapes and parameter counts torch produces."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

import convkit


def torch_out_len(i, k, s, p, d):
    x = torch.zeros(1, 1, i, dtype=torch.float64)
    w = torch.zeros(1, 1, k, dtype=torch.float64)
    return F.conv1d(x, w, stride=s, padding=p, dilation=d).shape[-1]


GRID = [
    (i, k, s, p, d)
    for i, k, s, p, d in itertools.product(range(1, 10), range(1, 5), range(1, 4), range(0, 3), range(1, 3))
    if d * (k - 1) + 1 <= i + 2 * p
]


def test_grid_is_large():
    assert len(GRID) > 300


@pytest.mark.parametrize("i,k,s,p,d", GRID)
def test_conv_output_size_matches_torch(i, k, s, p, d):
    assert convkit.conv_output_size(i, k, s, p, d) == torch_out_len(i, k, s, p, d)


@pytest.mark.parametrize("i,k,d", list(itertools.product(range(1, 9), range(1, 6), range(1, 4))))
def test_same_and_valid_modes_match_torch(i, k, d):
    if d * (k - 1) + 1 <= i:
        assert convkit.conv_output_size(i, k, padding="valid", dilation=d) == torch_out_len(i, k, 1, "valid", d)
    assert convkit.conv_output_size(i, k, padding="same", dilation=d) == torch_out_len(i, k, 1, "same", d) == i


def test_same_padding_puts_the_extra_zero_at_the_end():
    # torch pads (1, 2) for k = 4: the output index 0 is centred at input index 1
    x = torch.arange(6, dtype=torch.float64).reshape(1, 1, 6)
    w = torch.zeros(1, 1, 4, dtype=torch.float64)
    w[0, 0, 0] = 1  # picks the first tap of each window
    y = F.conv1d(x, w, padding="same")
    before, after = convkit.same_padding(4)
    assert (before, after) == (1, 2)
    padded = np.pad(x.numpy()[0, 0], (before, after))
    np.testing.assert_array_equal(y.numpy()[0, 0], padded[:6])


def test_tuple_arguments_return_tuples():
    assert convkit.conv_output_size((7, 8), (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)) == (4, 6)
    assert convkit.conv_output_size((7, 8), 3) == (5, 6)
    assert convkit.same_padding((3, 4), dilation=(2, 1)) == ((2, 2), (1, 2))


def test_full_padding_grows_the_output():
    # full padding p = k - 1: every partial overlap counts, o = i + k - 1
    for i, k in itertools.product(range(1, 8), range(1, 6)):
        assert convkit.conv_output_size(i, k, padding=k - 1) == i + k - 1 == torch_out_len(i, k, 1, k - 1, 1)


TRANSPOSED_GRID = [
    (i, k, s, p, d, op)
    for i, k, s, p, d, op in itertools.product(range(1, 6), range(1, 5), range(1, 4), range(0, 3), range(1, 3), range(0, 3))
    if op < max(s, d) and (i - 1) * s - 2 * p + d * (k - 1) + op + 1 >= 1
]


@pytest.mark.parametrize("i,k,s,p,d,op", TRANSPOSED_GRID)
def test_conv_transpose_output_size_matches_torch(i, k, s, p, d, op):
    x = torch.zeros(1, 1, i, dtype=torch.float64)
    w = torch.zeros(1, 1, k, dtype=torch.float64)
    expected = F.conv_transpose1d(x, w, stride=s, padding=p, output_padding=op, dilation=d).shape[-1]
    assert convkit.conv_transpose_output_size(i, k, s, p, output_padding=op, dilation=d) == expected


def test_conv_transpose_output_size_tuples():
    x = torch.zeros(1, 1, 3, 4)
    w = torch.zeros(1, 1, 3, 2)
    expected = F.conv_transpose2d(x, w, stride=(2, 3), padding=(1, 0), output_padding=(1, 2)).shape[-2:]
    assert convkit.conv_transpose_output_size((3, 4), (3, 2), (2, 3), (1, 0), output_padding=(1, 2), dilation=1) == tuple(expected)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: convkit.conv_output_size(3, 5), ValueError, r"larger than the padded input"),
        (lambda: convkit.conv_output_size(5, 3, dilation=3), ValueError, r"effective size 7"),
        (lambda: convkit.conv_output_size(0, 1), ValueError, r"input_size must be positive"),
        (lambda: convkit.conv_output_size(5, 0), ValueError, r"kernel_size must be positive"),
        (lambda: convkit.conv_output_size(5, 3, stride=0), ValueError, r"stride must be positive"),
        (lambda: convkit.conv_output_size(5, 3, padding=-1), ValueError, r"padding must be non-negative"),
        (lambda: convkit.conv_output_size(5, 3, stride=2, padding="same"), ValueError, r"requires stride 1"),
        (lambda: convkit.conv_output_size(5, 3, padding="half"), ValueError, r"'valid' or 'same'"),
        (lambda: convkit.conv_output_size((5, 5), (3, 3, 3)), ValueError, r"same length, but input_size has 2, kernel_size has 3"),
        (lambda: convkit.conv_output_size(5.0, 3), TypeError, r"input_size must be an int"),
        (lambda: convkit.conv_transpose_output_size(3, 3, stride=2, output_padding=2), ValueError, r"output_padding must be smaller"),
        (lambda: convkit.conv_transpose_output_size(1, 1, padding=1), ValueError, r"padding 1 is too large"),
        (lambda: convkit.conv_transpose_output_size(3, 3, 2, 1, 1), TypeError, r"positional argument"),
        (lambda: convkit.effective_kernel_size((), 1), ValueError, r"kernel_size must not be empty"),
        (lambda: convkit.same_padding(3, dilation=True), TypeError, r"dilation must be an int"),
        (lambda: convkit.receptive_field(3), TypeError, r"kernel_sizes must be a sequence"),
        (lambda: convkit.receptive_field([3, 3], strides=[1]), ValueError, r"strides must have 2"),
        (lambda: convkit.conv_parameters(4, 6, 3, groups=4), ValueError, r"groups \(4\) must divide"),
    ],
)
def test_arithmetic_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def measured_receptive_field(kernels, strides, dilations):
    """Width of the input region that one output pixel depends on, found by autograd."""
    size = 1 + sum((k - 1) * d for k, d in zip(kernels, dilations)) * int(np.prod(strides)) * 2 + 64
    x = torch.ones(1, 1, size, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s, d in zip(kernels, strides, dilations):
        y = F.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s, dilation=d)
    y[0, 0, y.shape[-1] // 2].backward()
    touched = torch.nonzero(x.grad[0, 0]).flatten()
    return int(touched[-1] - touched[0] + 1)


@pytest.mark.parametrize(
    "kernels,strides,dilations",
    [
        ([3], [1], [1]),
        ([3, 3, 3], [1, 1, 1], [1, 1, 1]),
        ([3, 3, 3], [1, 1, 1], [1, 2, 4]),
        ([7, 3, 3], [2, 2, 1], [1, 1, 1]),
        ([5, 3, 3, 1], [2, 1, 2, 1], [1, 2, 1, 1]),
        ([2, 2, 2, 2], [2, 2, 2, 2], [1, 1, 1, 1]),
    ],
)
def test_receptive_field_matches_autograd(kernels, strides, dilations):
    assert convkit.receptive_field(kernels, strides, dilations) == measured_receptive_field(
        kernels, strides, dilations
    )


@pytest.mark.parametrize(
    "c_in,c_out,k,groups,bias",
    [(3, 64, 3, 1, True), (64, 64, (3, 1), 1, False), (32, 64, 5, 4, True), (16, 16, 3, 16, True)],
)
def test_conv_parameters_match_torch(c_in, c_out, k, groups, bias):
    layer = torch.nn.Conv2d(c_in, c_out, k, groups=groups, bias=bias)
    assert convkit.conv_parameters(c_in, c_out, k, groups=groups, bias=bias) == sum(
        p.numel() for p in layer.parameters()
    )


def test_conv_parameters_3d():
    layer = torch.nn.Conv3d(4, 8, 3)
    assert convkit.conv_parameters(4, 8, 3, ndim=3) == sum(p.numel() for p in layer.parameters())


@pytest.mark.parametrize(
    "c_in,c_out,k,s,p,groups,size",
    [(3, 16, 3, 1, 1, 1, 32), (8, 8, 3, 2, 1, 2, 17), (6, 12, 5, 1, 0, 3, 20), (4, 4, 3, 1, 1, 4, 9)],
)
def test_conv_multiply_adds_match_flop_counter(c_in, c_out, k, s, p, groups, size):
    layer = torch.nn.Conv2d(c_in, c_out, k, stride=s, padding=p, groups=groups)
    out = convkit.conv_output_size(size, k, s, p)
    with FlopCounterMode(display=False) as counter:
        layer(torch.zeros(1, c_in, size, size))
    assert 2 * convkit.conv_multiply_adds(c_in, c_out, k, out, groups=groups) == counter.get_total_flops()


@pytest.mark.parametrize("k,d", list(itertools.product(range(1, 6), range(1, 4))))
def test_effective_kernel_size_is_the_smallest_input_torch_accepts(k, d):
    span = convkit.effective_kernel_size(k, d)
    assert torch_out_len(span, k, 1, 0, d) == 1
    if span > 1:  # one cell less and torch has no valid position
        with pytest.raises(RuntimeError):
            torch_out_len(span - 1, k, 1, 0, d)


def test_effective_kernel_size_tuples():
    assert convkit.effective_kernel_size((3, 2), (2, 3)) == (5, 4)
