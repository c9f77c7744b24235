"""Grouped convolution, channel shuffle and connectivity against torch.

``channel_shuffle`` is compared value for value with
``torch.nn.functional.channel_shuffle`` and ``torch.nn.ChannelShuffle``
(every dtype, batch and spatial rank torch accepts, errors included);
``grouped_conv2d`` and ``block_diagonal_weight`` with ``F.conv2d(...,
groups=g)``; the connectivity helpers with ``torch.autograd``: an output
channel depends on an input channel exactly when the gradient of the output
channel with respect to that input channel is non-zero.  The autograd
checks use non-negative weights (some kernels pruned to zero) so that no two
paths can cancel: then structural and actual dependence coincide exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

import convkit
from convkit.grouped import (
    block_diagonal_weight,
    channel_groups,
    channel_shuffle,
    channel_shuffle_indices,
    conv_connectivity,
    grouped_conv2d,
    shuffle_connectivity,
    stack_connectivity,
)

from strategies import conv_cases

DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int32, np.uint8, np.bool_]


@st.composite
def shuffle_cases(draw):
    groups = draw(st.integers(1, 6))
    channels = groups * draw(st.integers(0, 5))
    batch = draw(st.integers(0, 3))
    spatial = tuple(draw(st.integers(0, 4)) for _ in range(draw(st.integers(1, 3))))
    dtype = draw(st.sampled_from(DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = (rng.standard_normal((batch, channels, *spatial)) * 50).astype(dtype)
    return x, groups


@given(shuffle_cases())
def test_channel_shuffle_matches_torch(case):
    x, groups = case
    expected = F.channel_shuffle(torch.from_numpy(x), groups).numpy()
    module = nn.ChannelShuffle(groups)(torch.from_numpy(x)).numpy()
    got = channel_shuffle(x, groups)
    assert got.dtype == x.dtype and got.shape == x.shape
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got, module)
    # the index form: output channel j is input channel indices[j]
    np.testing.assert_array_equal(got, x[:, channel_shuffle_indices(x.shape[1], groups)])


@given(shuffle_cases())
def test_shuffle_is_undone_by_the_shuffle_with_the_other_factor(case):
    x, groups = case
    channels = x.shape[1]
    if channels == 0:
        return
    # a g x (C/g) table read by columns; reading the (C/g) x g result by columns restores it
    back = F.channel_shuffle(torch.from_numpy(channel_shuffle(x, groups)), channels // groups)
    np.testing.assert_array_equal(back.numpy(), x)


@pytest.mark.parametrize("groups", [1, 6])
def test_channel_shuffle_returns_a_new_array_even_when_nothing_moves(groups):
    x = np.arange(12.0).reshape(1, 6, 2)
    y = channel_shuffle(x, groups)
    np.testing.assert_array_equal(y, F.channel_shuffle(torch.from_numpy(x), groups).numpy())
    assert not np.shares_memory(x, y)


def test_channel_shuffle_accepts_lists():
    x = [[[0.0], [1.0], [2.0], [3.0]]]
    np.testing.assert_array_equal(channel_shuffle(x, 2)[0, :, 0], [0.0, 2.0, 1.0, 3.0])


@pytest.mark.parametrize(
    "shape, groups, error, match",
    [
        ((6,), 2, ValueError, r"at least 3 dimensions"),
        ((2, 6), 2, ValueError, r"at least 3 dimensions"),
        ((1, 6, 2), 0, ValueError, r"groups must be positive"),
        ((1, 6, 2), -2, ValueError, r"groups must be positive"),
        ((1, 6, 2), 4, ValueError, r"groups \(4\) must divide the channels"),
        ((1, 6, 2), 12, ValueError, r"groups \(12\) must divide the channels"),
        ((1, 6, 2), 2.0, TypeError, r"groups must be an int"),
        ((1, 6, 2), True, TypeError, r"groups must be an int"),
        ((1, 6, 2), "2", TypeError, r"groups must be an int"),
    ],
)
def test_channel_shuffle_errors_where_torch_refuses(shape, groups, error, match):
    with pytest.raises((RuntimeError, TypeError)):
        F.channel_shuffle(torch.zeros(shape), groups)
    with pytest.raises(error, match=match):
        channel_shuffle(np.zeros(shape), groups)


def test_channel_shuffle_accepts_numpy_integer_groups():
    x = np.arange(6.0).reshape(1, 6, 1)
    np.testing.assert_array_equal(channel_shuffle(x, np.int64(3)), channel_shuffle(x, 3))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: channel_shuffle_indices(6, 4), ValueError, r"groups \(4\) must divide"),
        (lambda: channel_shuffle_indices(-1, 1), ValueError, r"channels must be non-negative"),
        (lambda: channel_shuffle_indices(6, 0), ValueError, r"groups must be positive"),
        (lambda: channel_groups(6, 4), ValueError, r"groups \(4\) must divide"),
        (lambda: channel_groups(6.0, 2), TypeError, r"channels must be an int"),
        (lambda: shuffle_connectivity(6, 5), ValueError, r"groups \(5\) must divide"),
    ],
)
def test_index_helper_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_channel_groups():
    np.testing.assert_array_equal(channel_groups(8, 4), [0, 0, 1, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(channel_groups(4, 1), [0, 0, 0, 0])
    assert channel_groups(0, 3).shape == (0,)


@given(conv_cases(ndim=2))
def test_grouped_conv2d_is_g_convolutions_side_by_side(case):
    expected = F.conv2d(
        torch.from_numpy(case.input), torch.from_numpy(case.weight),
        None if case.bias is None else torch.from_numpy(case.bias), **case.kwargs,
    ).numpy()
    got = grouped_conv2d(case.input, case.weight, case.bias, **case.kwargs)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@given(conv_cases(ndim=2))
def test_block_diagonal_weight_turns_a_grouped_convolution_into_a_standard_one(case):
    groups = case.kwargs["groups"]
    kwargs = dict(case.kwargs, groups=1)
    dense = block_diagonal_weight(case.weight, groups)
    assert dense.shape == (case.weight.shape[0], case.weight.shape[1] * groups, *case.weight.shape[2:])
    x = torch.from_numpy(case.input)
    expected = F.conv2d(x, torch.from_numpy(case.weight), **case.kwargs)
    np.testing.assert_allclose(
        F.conv2d(x, torch.from_numpy(dense), **kwargs).numpy(), expected.numpy(), rtol=1e-10, atol=1e-10
    )
    # a fraction 1/g of the dense weight's kernels can be non-zero
    assert np.count_nonzero(dense) == np.count_nonzero(case.weight)


def test_grouped_conv2d_errors_are_conv2d_errors():
    with pytest.raises(ValueError, match=r"groups \(3\) must divide the input channels"):
        grouped_conv2d(np.zeros((1, 4, 5, 5)), np.zeros((3, 1, 3, 3)), groups=3)
    with pytest.raises(ValueError, match=r"weight expects"):
        grouped_conv2d(np.zeros((1, 4, 5, 5)), np.zeros((4, 1, 3, 3)), groups=2)
    with pytest.raises(TypeError, match=r"input must be a float16, float32 or float64"):
        grouped_conv2d(np.zeros((1, 4, 5, 5), dtype=int), np.zeros((4, 2, 3, 3)), groups=2)


def depends_on(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Autograd: does output channel o depend on input channel c? (C_out, C_in) booleans."""
    x = x.clone().requires_grad_(True)
    y = model(x)
    rows = []
    for o in range(y.shape[1]):
        (grad,) = torch.autograd.grad(y[:, o].sum(), x, retain_graph=True)
        rows.append((grad.abs().sum(dim=(0, *range(2, grad.ndim))) > 0).numpy())
    return np.array(rows).reshape(y.shape[1], x.shape[1])


def positive_pruned_weight(rng, shape, keep):
    """Non-negative weights (no cancellation possible), each kernel kept with probability ``keep``."""
    w = rng.uniform(0.5, 1.5, size=shape)
    kept = rng.random(shape[:2]) < keep
    return w * kept.reshape(shape[:2] + (1,) * (len(shape) - 2))


@st.composite
def layer_cases(draw):
    groups = draw(st.integers(1, 4))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    ndim = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    keep = draw(st.sampled_from([1.0, 0.6, 0.3]))
    seed = draw(st.integers(0, 2**32 - 1))
    return groups, c_in, c_out, kernel, keep, seed


@given(layer_cases())
def test_conv_connectivity_is_what_autograd_sees(case):
    groups, c_in, c_out, kernel, keep, seed = case
    rng = np.random.default_rng(seed)
    weight = positive_pruned_weight(rng, (c_out, c_in // groups, *kernel), keep)
    layer = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[len(kernel) - 1](
        c_in, c_out, kernel, groups=groups, bias=False, dtype=torch.float64
    )
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
    x = torch.from_numpy(rng.uniform(0.5, 1.5, size=(2, c_in, *(k + 2 for k in kernel))))
    expected = depends_on(layer, x)
    np.testing.assert_array_equal(conv_connectivity(weight, groups), expected)
    if keep == 1.0:  # a dense grouped layer: exactly the block-diagonal pattern
        groups_out = channel_groups(c_out, groups)[:, None]
        groups_in = channel_groups(c_in, groups)[None, :]
        np.testing.assert_array_equal(expected, groups_out == groups_in)


@st.composite
def stack_cases(draw):
    channels = draw(st.sampled_from([4, 6, 8, 12]))
    divisors = [g for g in range(1, channels + 1) if channels % g == 0]
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        groups = draw(st.sampled_from(divisors))
        layers.append(("conv", groups, draw(st.sampled_from([1.0, 1.0, 0.7]))))
        if draw(st.booleans()):
            layers.append(("shuffle", draw(st.sampled_from(divisors)), None))
    return channels, layers, draw(st.integers(0, 2**32 - 1))


@given(stack_cases())
def test_stack_connectivity_is_what_autograd_sees(case):
    channels, layers, seed = case
    rng = np.random.default_rng(seed)
    modules, matrices = [], []
    for kind, groups, keep in layers:
        if kind == "shuffle":
            modules.append(nn.ChannelShuffle(groups))
            matrices.append(shuffle_connectivity(channels, groups))
            continue
        weight = positive_pruned_weight(rng, (channels, channels // groups, 3, 3), keep)
        conv = nn.Conv2d(channels, channels, 3, padding=1, groups=groups, bias=True, dtype=torch.float64)
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(weight))
        modules += [conv, nn.ReLU()]  # a bias and a ReLU do not change the channels reached
        matrices.append(conv_connectivity(weight, groups))
    x = torch.from_numpy(rng.uniform(0.5, 1.5, size=(1, channels, 5, 5)))
    with torch.no_grad():  # positive weights, positive inputs: keep every ReLU on
        for module in modules:
            if isinstance(module, nn.Conv2d):
                module.bias.fill_(0.1)
    np.testing.assert_array_equal(stack_connectivity(matrices), depends_on(nn.Sequential(*modules), x))


@pytest.mark.parametrize("channels, groups", [(12, 2), (12, 3), (12, 4), (12, 6), (16, 4), (18, 3), (8, 8)])
def test_one_shuffle_mixes_every_group_exactly_when_the_group_is_at_least_g_wide(channels, groups):
    conv = conv_connectivity(np.ones((channels, channels // groups)), groups)
    mixed = stack_connectivity([conv, shuffle_connectivity(channels, groups), conv])
    assert mixed.all() == (channels // groups >= groups)
    # without the shuffle the groups never mix, however deep the stack
    assert (stack_connectivity([conv] * 5) == conv).all()


def test_stack_connectivity_changes_channel_counts():
    expand = conv_connectivity(np.ones((8, 1)), groups=4)  # 4 -> 8, two outputs per input
    reduce = conv_connectivity(np.ones((2, 4)), groups=2)  # 8 -> 2
    reach = stack_connectivity([expand, reduce])
    np.testing.assert_array_equal(reach.astype(int), [[1, 1, 0, 0], [0, 0, 1, 1]])


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: conv_connectivity(np.ones(4)), ValueError, r"at least 2 dimensions"),
        (lambda: conv_connectivity(np.ones((6, 2, 3, 3)), groups=4), ValueError, r"groups \(4\) must divide the output channels"),
        (lambda: conv_connectivity(np.ones((6, 2)), groups=0), ValueError, r"groups must be positive"),
        (lambda: conv_connectivity(np.ones((6, 2)), groups=2.0), TypeError, r"groups must be an int"),
        (lambda: conv_connectivity(np.array([["a", "b"]])), TypeError, r"real numeric"),
        (lambda: block_diagonal_weight(np.ones((5, 2, 3, 3)), 2), ValueError, r"groups \(2\) must divide the output channels"),
        (lambda: stack_connectivity([]), ValueError, r"at least one"),
        (lambda: stack_connectivity([np.ones(3)]), ValueError, r"layers\[0\] must be a 2-d"),
        (lambda: stack_connectivity([np.ones((4, 4)), np.ones((4, 3))]), ValueError, r"layers\[1\] reads 3 channels but layers\[0\] produces 4"),
        (lambda: stack_connectivity([np.array([["x"]])]), TypeError, r"layers\[0\] must be boolean or numeric"),
    ],
)
def test_connectivity_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_package_exports():
    for name in ("channel_shuffle", "conv_connectivity", "stack_connectivity", "channel_shuffle_cost"):
        assert hasattr(convkit, name)


@given(
    st.integers(1, 6), st.integers(1, 8), st.integers(1, 3),
    st.lists(st.integers(1, 9), min_size=1, max_size=3), st.sampled_from([2, 4, 8]),
)
def test_channel_shuffle_cost_matches_torch(groups, per_group, batch, size, itemsize):
    from torch.utils.flop_counter import FlopCounterMode

    channels = groups * per_group
    dtype = {2: torch.float16, 4: torch.float32, 8: torch.float64}[itemsize]
    x = torch.empty(batch, channels, *size, device="meta", dtype=dtype)
    with FlopCounterMode(display=False) as counter:
        y = nn.ChannelShuffle(groups)(x)
    cost = convkit.channel_shuffle_cost(channels, tuple(size), groups, batch=batch, itemsize=itemsize)
    assert cost.parameters == 0 and cost.weight_bytes == 0
    assert cost.multiply_adds == counter.get_total_flops() // 2 == 0
    assert cost.input_bytes == x.numel() * x.element_size()
    assert cost.output_bytes == y.numel() * y.element_size()


def test_channel_shuffle_cost_is_a_pure_data_movement_added_to_a_grouped_layer():
    grouped = convkit.conv_cost(240, 240, 1, 28, groups=3)
    shuffled = grouped + convkit.channel_shuffle_cost(240, 28, 3)
    assert shuffled.parameters == grouped.parameters
    assert shuffled.multiply_adds == grouped.multiply_adds
    assert shuffled.bytes_moved == grouped.bytes_moved + 2 * 240 * 28 * 28 * 4


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: convkit.channel_shuffle_cost(6, 10, 4), ValueError, r"groups \(4\) must divide"),
        (lambda: convkit.channel_shuffle_cost(6, 10, 0), ValueError, r"groups must be positive"),
        (lambda: convkit.channel_shuffle_cost(0, 10, 1), ValueError, r"channels must be positive"),
        (lambda: convkit.channel_shuffle_cost(6, 0, 2), ValueError, r"input_size must be positive"),
        (lambda: convkit.channel_shuffle_cost(6, 10, 2, batch=0), ValueError, r"batch must be positive"),
        (lambda: convkit.channel_shuffle_cost(6, 10, 2, itemsize=4.0), TypeError, r"itemsize must be an int"),
    ],
)
def test_channel_shuffle_cost_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
