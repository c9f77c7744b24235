"""Receptive fields of stacks (size, jump, position, pixels read) against autograd.

The authority is the gradient: with positive weights no two paths cancel, so
the input pixels with a non-zero gradient of one output pixel are exactly
the pixels it reads; with all weights equal to one the gradient counts the
paths from each input pixel to the output pixel.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit
from convkit.arithmetic import ReceptiveField


def smallest_input(stack):
    """The shortest input for which every layer of ``stack`` has at least one output."""
    needed = 1
    for k, s, p, d in reversed(stack):
        needed = max(1, (needed - 1) * s + d * (k - 1) + 1 - 2 * p)
    return needed


@st.composite
def stacks(draw, max_layers=4):
    layers = draw(st.integers(1, max_layers))
    stack = [
        (draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(0, 3)), draw(st.integers(1, 3)))
        for _ in range(layers)
    ]
    size = smallest_input(stack) + draw(st.integers(0, 12))
    return stack, size


def gradients(stack, size, ones=False, seed=0):
    """Jacobian of the stack's output with respect to its input, shape ``(out, size)``."""
    rng = np.random.default_rng(seed)
    weights = [
        torch.ones(1, 1, k, dtype=torch.float64) if ones
        else torch.from_numpy(rng.uniform(0.5, 1.5, (1, 1, k)))
        for k, _, _, _ in stack
    ]

    def forward(x):
        y = x[None, None]
        for w, (k, s, p, d) in zip(weights, stack):
            y = F.conv1d(y, w, stride=s, padding=p, dilation=d)
        return y[0, 0]

    x = torch.zeros(size, dtype=torch.float64)
    return torch.autograd.functional.jacobian(forward, x).numpy()


def columns(stack):
    return [list(c) for c in zip(*stack)]


@given(stacks())
def test_sampled_positions_are_the_pixels_with_a_gradient(case):
    stack, size = case
    ks, ss, ps, ds = columns(stack)
    jacobian = gradients(stack, size)
    for index, row in enumerate(jacobian):
        mask = convkit.sampled_positions(size, ks, ss, ps, ds, index=index)
        np.testing.assert_array_equal(mask, row != 0)


@given(stacks())
def test_path_counts_are_the_gradient_with_unit_weights(case):
    stack, size = case
    ks, ss, ps, ds = columns(stack)
    jacobian = gradients(stack, size, ones=True)
    for index, row in enumerate(jacobian):
        np.testing.assert_array_equal(convkit.path_counts(size, ks, ss, ps, ds, index=index), row)


@given(stacks())
def test_receptive_fields_bound_the_pixels_read_and_are_tight_inside_the_input(case):
    stack, size = case
    ks, ss, ps, ds = columns(stack)
    for layer in range(1, len(stack) + 1):
        field = convkit.receptive_fields(ks[:layer], ss[:layer], ps[:layer], ds[:layer])[-1]
        jacobian = gradients(stack[:layer], size, ones=True)
        for index, row in enumerate(jacobian):
            read = np.flatnonzero(row)
            first, last = field.interval(index)
            assert last - first + 1 == field.size
            if read.size:
                assert first <= read[0] and read[-1] <= last
            if 0 <= first and last < size:  # the whole field lies on the input
                assert (read[0], read[-1]) == (first, last)
                # unit kernels are symmetric about their centre tap: so is the count
                centre = float(np.sum(np.arange(size) * row) / row.sum())
                assert abs(centre - (field.centre + index * field.jump)) < 1e-12


@pytest.mark.parametrize(
    "name,ks,ss,ps,ds",
    [
        ("ResNet stem: conv7/2, maxpool3/2", [7, 3], [2, 2], [3, 1], [1, 1]),
        ("VGG-16 block 1-2", [3, 3, 2, 3, 3, 2], [1, 1, 2, 1, 1, 2], [1, 1, 0, 1, 1, 0], 1),
        ("doubling dilations", [3] * 5, 1, [1, 2, 4, 8, 16], [1, 2, 4, 8, 16]),
        ("WaveNet block (valid)", [2] * 10, 1, 0, [2**n for n in range(10)]),
        ("stride then dilation", [3, 3, 3], [2, 1, 1], [1, 2, 3], [1, 2, 3]),
    ],
)
def test_fields_of_real_stacks_match_autograd_exactly(name, ks, ss, ps, ds):
    fields = convkit.receptive_fields(ks, ss, ps, ds)
    field = fields[-1]
    stack = list(zip(ks, *(np.broadcast_to(v, len(ks)).tolist() for v in (ss, ps, ds))))
    size = 3 * field.size + 4 * field.jump
    jacobian = gradients(stack, size)
    inside = 0
    for index, row in enumerate(jacobian):
        first, last = field.interval(index)
        if 0 <= first and last < size:
            read = np.flatnonzero(row)
            assert (read[0], read[-1]) == (first, last), name
            inside += 1
    assert inside >= 2  # two neighbours: their fields are `jump` apart


def test_known_values():
    resnet = convkit.receptive_fields([7, 3], [2, 2], [3, 1])
    assert resnet == [ReceptiveField(7, 2, -3), ReceptiveField(11, 4, -5)]
    assert [f.centre for f in resnet] == [0.0, 0.0]  # 'same'-style padding keeps pixel 0 centred
    vgg = convkit.receptive_fields(
        [3, 3, 2, 3, 3, 2, 3, 3, 3, 2, 3, 3, 3, 2, 3, 3, 3, 2],
        [1, 1, 2, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2],
        [1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0],
    )
    assert (vgg[-2].size, vgg[-1].size, vgg[-1].jump) == (196, 212, 32)  # conv5_3, pool5
    wavenet = convkit.receptive_fields([2] * 30, 1, [2**n for n in range(10)] * 3, [2**n for n in range(10)] * 3)
    assert wavenet[9].size == 1024 and wavenet[-1].size == 3 * 1023 + 1
    assert wavenet[-1].interval(100) == (100 - 3069, 100)  # causal: ends at the present sample
    assert convkit.receptive_field([]) == 1 and convkit.receptive_fields([]) == []
    assert convkit.receptive_field([3, 3, 3], [1, 1, 1], [1, 2, 4]) == 15


def test_even_kernel_centre_is_a_half_pixel():
    field = convkit.receptive_fields([2])[0]
    assert (field.size, field.start, field.centre) == (2, 0, 0.5)


def test_gridding_equal_dilations_read_one_residue_class():
    # stride 1 and every dilation a multiple of 2: only pixels of the output's parity are read
    mask = convkit.sampled_positions(41, [3, 3, 3], dilations=[2, 2, 2], index=10)
    read = np.flatnonzero(mask)
    assert set(read % 2) == {10 % 2}
    assert read[0] == 10 and read[-1] == 10 + 12
    hybrid = convkit.sampled_positions(41, [3, 3, 3], dilations=[1, 2, 3], index=10)
    assert np.array_equal(np.flatnonzero(hybrid), np.arange(10, 10 + 13))  # no holes


@pytest.mark.parametrize(
    "ks,ss,ps,ds,size,index",
    [([3, 3], 1, 0, [2, 2], (13, 14), (2, 3)), ([3, 2], [2, 1], [1, 0], [1, 3], (12, 10), None),
     ([3, 3, 3], 1, [1, 2, 3], [1, 2, 3], (8, 8), (0, 7))],
)
def test_two_dimensional_counts_are_the_conv2d_gradient(ks, ss, ps, ds, size, index):
    n = len(ks)
    ss, ps, ds = (np.broadcast_to(v, n).tolist() for v in (ss, ps, ds))
    x = torch.zeros(1, 1, *size, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s, p, d in zip(ks, ss, ps, ds):
        y = F.conv2d(y, torch.ones(1, 1, k, k, dtype=torch.float64), stride=s, padding=p, dilation=d)
    r, c = index if index is not None else (y.shape[-2] // 2, y.shape[-1] // 2)
    y[0, 0, r, c].backward()
    counts = convkit.path_counts(size, ks, ss, ps, ds, index=index)
    np.testing.assert_array_equal(counts, x.grad[0, 0].numpy())
    np.testing.assert_array_equal(convkit.sampled_positions(size, ks, ss, ps, ds, index=index), counts > 0)


def test_default_index_is_the_middle_output():
    counts = convkit.path_counts(10, [3], dilations=1)  # 8 outputs: index 4 reads 4..6
    assert np.flatnonzero(counts).tolist() == [4, 5, 6]


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: convkit.receptive_fields(3), TypeError, r"kernel_sizes must be a sequence"),
        (lambda: convkit.receptive_fields("33"), TypeError, r"kernel_sizes must be a sequence"),
        (lambda: convkit.receptive_fields([3, 2.5]), TypeError, r"kernel_sizes must contain only ints"),
        (lambda: convkit.receptive_fields([3, 0]), ValueError, r"kernel_sizes must be positive"),
        (lambda: convkit.receptive_fields([3, 3], strides=[2]), ValueError, r"strides must have 2 value\(s\), one per layer"),
        (lambda: convkit.receptive_fields([3, 3], strides=np.array([2])), ValueError, r"strides must have 2 value\(s\)"),
        (lambda: convkit.receptive_fields([3, 3], strides=[1, 0]), ValueError, r"strides must be positive"),
        (lambda: convkit.receptive_fields([3, 3], paddings=[1]), ValueError, r"paddings must have 2 value\(s\)"),
        (lambda: convkit.receptive_fields([3, 3], paddings=-1), ValueError, r"paddings must be >= 0"),
        (lambda: convkit.receptive_fields([3, 3], dilations=[1, 2, 3]), ValueError, r"dilations must have 2 value\(s\)"),
        (lambda: convkit.receptive_fields([3, 3], dilations=0), ValueError, r"dilations must be positive"),
        (lambda: convkit.receptive_fields([3, 3], dilations=2.0), TypeError, r"dilations must be an int or a sequence"),
        (lambda: convkit.receptive_fields([3, 3], dilations=True), TypeError, r"dilations must be an int or a sequence"),
        (lambda: convkit.receptive_fields([3, 3], strides=np.ones((2, 1), int)), TypeError, r"strides must be an int or a 1-d"),
        (lambda: convkit.receptive_field([3, 3], dilations=[2]), ValueError, r"dilations must have 2 value\(s\)"),
        (lambda: convkit.sampled_positions(4, [3, 3], dilations=2), ValueError, r"input_size 4 is too small for this stack: layer 1"),
        (lambda: convkit.sampled_positions(0, [3]), ValueError, r"input_size must be positive"),
        (lambda: convkit.sampled_positions(2.5, [3]), TypeError, r"input_size must be an int"),
        (lambda: convkit.sampled_positions((5, 5, 5), [3]), ValueError, r"input_size must be an int or \(H, W\)"),
        (lambda: convkit.sampled_positions(9, [3], index=7), ValueError, r"index must be in \[0, 7\)"),
        (lambda: convkit.sampled_positions(9, [3], index=-1), ValueError, r"index must be in"),
        (lambda: convkit.sampled_positions(9, [3], index=1.0), TypeError, r"index must be an int"),
        (lambda: convkit.sampled_positions((9, 9), [3], index=3), TypeError, r"index must be a tuple"),
        (lambda: convkit.sampled_positions((9, 9), [3], index=(1, 2, 3)), ValueError, r"index must have 2 values"),
        (lambda: convkit.path_counts(9, [3, 3], strides=[1]), ValueError, r"strides must have 2 value\(s\)"),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_array_likes_are_accepted():
    fields = convkit.receptive_fields(np.array([3, 3]), np.array([2, 1]), np.int64(1), (1, np.int64(2)))
    assert fields == convkit.receptive_fields([3, 3], [2, 1], 1, [1, 2])
