"""The cost model against real torch.nn layers.

Every function of ``convkit.cost`` is checked against an independent count:
parameters counted in the ``torch.nn`` module, multiply-adds from
``torch.utils.flop_counter.FlopCounterMode`` (2 FLOPs per multiply-add, bias
ignored), and bytes from the ``numel() * element_size()`` of the actual weight,
input and output tensors of every convolution the module runs.  The layers
live on torch's ``meta`` device: shapes, dtypes and FLOP counts without any
arithmetic, so large layers cost nothing.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import convkit
from convkit.cost import Cost

DTYPES = {4: torch.float32, 8: torch.float64, 2: torch.float16}
CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def measured(module: nn.Module, batch: int, channels: int, size: tuple[int, ...], itemsize: int) -> Cost:
    """The cost of ``module`` counted by torch: parameters, FLOPs / 2, tensor bytes."""
    module = module.to(device="meta", dtype=DTYPES[itemsize])
    moved = {"input": 0, "output": 0}

    def count(layer, inputs, output):
        moved["input"] += inputs[0].numel() * inputs[0].element_size()
        moved["output"] += output.numel() * output.element_size()

    hooks = [m.register_forward_hook(count) for m in module.modules() if isinstance(m, CONVS)]
    x = torch.empty(batch, channels, *size, device="meta", dtype=DTYPES[itemsize])
    with FlopCounterMode(display=False) as counter:
        module(x)
    for hook in hooks:
        hook.remove()
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return Cost(
        parameters=sum(p.numel() for p in module.parameters()),
        multiply_adds=flops // 2,
        weight_bytes=sum(p.numel() * p.element_size() for p in module.parameters()),
        input_bytes=moved["input"],
        output_bytes=moved["output"],
    )


@st.composite
def layer_settings(draw, ndim=None, groups=True):
    """Channels, kernel, input size, stride, padding, dilation that torch accepts."""
    ndim = ndim or draw(st.integers(1, 3))
    g = draw(st.integers(1, 4)) if groups else 1
    c_in = g * draw(st.integers(1, 4))
    c_out = g * draw(st.integers(1, 4))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(ndim))
    size = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 12))
        for k, d, p in zip(kernel, dilation, padding)
    )
    options = dict(
        bias=draw(st.booleans()),
        batch=draw(st.integers(1, 3)),
        itemsize=draw(st.sampled_from([2, 4, 8])),
    )
    return dict(
        c_in=c_in, c_out=c_out, g=g, kernel=kernel, size=size, stride=stride,
        padding=padding, dilation=dilation, options=options,
    )


def squeeze(values: tuple[int, ...]) -> int | tuple[int, ...]:
    """An int when all values are equal and there are two of them (convkit's 2-d default)."""
    return values[0] if len(values) == 2 and len(set(values)) == 1 else values


@given(layer_settings(), st.sampled_from(["numbers", "valid", "same"]))
def test_conv_cost_matches_torch(s, mode):
    ndim = len(s["kernel"])
    stride, padding = s["stride"], s["padding"]
    if mode != "numbers":
        padding = mode
    if mode == "same":
        stride = (1,) * ndim
    if mode == "valid" and any(
        d * (k - 1) + 1 > i for k, d, i in zip(s["kernel"], s["dilation"], s["size"])
    ):
        padding = s["padding"]
    layer = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[ndim - 1](
        s["c_in"], s["c_out"], s["kernel"], stride, padding, s["dilation"],
        groups=s["g"], bias=s["options"]["bias"],
    )
    expected = measured(layer, s["options"]["batch"], s["c_in"], s["size"], s["options"]["itemsize"])
    cost = convkit.conv_cost(
        s["c_in"], s["c_out"], squeeze(s["kernel"]), s["size"], stride, padding,
        squeeze(s["dilation"]), s["g"], **s["options"],
    )
    assert cost == expected


@given(layer_settings(), st.data())
def test_transposed_conv_cost_matches_torch(s, data):
    ndim = len(s["kernel"])
    size = tuple(min(i, 6) for i in s["size"])
    output_padding = tuple(
        data.draw(st.integers(0, max(st_, d) - 1)) for st_, d in zip(s["stride"], s["dilation"])
    )
    out = [
        (i - 1) * st_ - 2 * p + d * (k - 1) + a + 1
        for i, st_, p, d, k, a in zip(size, s["stride"], s["padding"], s["dilation"], s["kernel"], output_padding)
    ]
    padding = s["padding"] if min(out) >= 1 else (0,) * ndim
    layer = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)[ndim - 1](
        s["c_in"], s["c_out"], s["kernel"], s["stride"], padding, output_padding,
        groups=s["g"], bias=s["options"]["bias"], dilation=s["dilation"],
    )
    expected = measured(layer, s["options"]["batch"], s["c_in"], size, s["options"]["itemsize"])
    cost = convkit.transposed_conv_cost(
        s["c_in"], s["c_out"], s["kernel"], size, s["stride"], padding, output_padding,
        s["dilation"], s["g"], **s["options"],
    )
    assert cost == expected


@given(layer_settings(ndim=2))
def test_pointwise_cost_matches_torch(s):
    layer = nn.Conv2d(s["c_in"], s["c_out"], 1, groups=s["g"], bias=s["options"]["bias"])
    expected = measured(layer, s["options"]["batch"], s["c_in"], s["size"], s["options"]["itemsize"])
    cost = convkit.pointwise_cost(s["c_in"], s["c_out"], squeeze(s["size"]), s["g"], **s["options"])
    assert cost == expected
    assert cost == convkit.conv_cost(s["c_in"], s["c_out"], 1, s["size"], groups=s["g"], **s["options"])


@given(layer_settings(), st.integers(1, 3))
def test_depthwise_cost_matches_torch(s, multiplier):
    ndim = len(s["kernel"])
    c = s["c_in"]
    layer = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[ndim - 1](
        c, multiplier * c, s["kernel"], s["stride"], s["padding"], s["dilation"],
        groups=c, bias=s["options"]["bias"],
    )
    assert tuple(layer.weight.shape) == (multiplier * c, 1, *s["kernel"])
    expected = measured(layer, s["options"]["batch"], c, s["size"], s["options"]["itemsize"])
    cost = convkit.depthwise_cost(
        c, s["kernel"], s["size"], multiplier, s["stride"], s["padding"], s["dilation"],
        **s["options"],
    )
    assert cost == expected


@given(layer_settings(ndim=2), st.integers(1, 3))
def test_depthwise_separable_cost_matches_torch(s, multiplier):
    c, bias = s["c_in"], s["options"]["bias"]
    block = nn.Sequential(
        nn.Conv2d(c, multiplier * c, s["kernel"], s["stride"], s["padding"], s["dilation"], groups=c, bias=bias),
        nn.Conv2d(multiplier * c, s["c_out"], 1, bias=bias),
    )
    expected = measured(block, s["options"]["batch"], c, s["size"], s["options"]["itemsize"])
    cost = convkit.depthwise_separable_cost(
        c, s["c_out"], s["kernel"], s["size"], multiplier, s["stride"], s["padding"],
        s["dilation"], **s["options"],
    )
    assert cost == expected


@given(layer_settings(ndim=2), st.one_of(st.none(), st.integers(1, 5)), st.booleans())
def test_spatially_separable_cost_matches_torch(s, mid, same):
    (kh, kw), (sh, sw), (ph, pw) = s["kernel"], s["stride"], s["padding"]
    size = tuple(max(i, k) for i, k in zip(s["size"], s["kernel"]))
    c_mid = s["c_out"] if mid is None else mid
    bias = s["options"]["bias"]
    if same:
        first = second = padding = "same"
        stride = (1, 1)
    else:
        first, second, padding, stride = (ph, 0), (0, pw), (ph, pw), (sh, sw)
    block = nn.Sequential(
        nn.Conv2d(s["c_in"], c_mid, (kh, 1), (stride[0], 1), first, bias=bias),
        nn.Conv2d(c_mid, s["c_out"], (1, kw), (1, stride[1]), second, bias=bias),
    )
    expected = measured(block, s["options"]["batch"], s["c_in"], size, s["options"]["itemsize"])
    cost = convkit.spatially_separable_cost(
        s["c_in"], s["c_out"], squeeze(s["kernel"]), size, mid, stride, padding, **s["options"]
    )
    assert cost == expected
    # the pair has the output size of the full k_h x k_w convolution it replaces
    full = nn.Conv2d(s["c_in"], s["c_out"], (kh, kw), stride, padding, device="meta")
    x = torch.empty(1, s["c_in"], *size, device="meta")
    assert block.to(device="meta", dtype=torch.float32)(x).shape == full(x).shape


@given(layer_settings(ndim=2, groups=False))
def test_flattened_cost_matches_torch(s):
    (kh, kw), (ph, pw) = s["kernel"], s["padding"]
    size = tuple(max(i, k) for i, k in zip(s["size"], s["kernel"]))
    c_out, bias = s["c_out"], s["options"]["bias"]
    block = nn.Sequential(
        nn.Conv2d(s["c_in"], c_out, 1, bias=bias),
        nn.Conv2d(c_out, c_out, (kh, 1), padding=(ph, 0), groups=c_out, bias=bias),
        nn.Conv2d(c_out, c_out, (1, kw), padding=(0, pw), groups=c_out, bias=bias),
    )
    expected = measured(block, s["options"]["batch"], s["c_in"], size, s["options"]["itemsize"])
    cost = convkit.flattened_cost(s["c_in"], c_out, s["kernel"], size, s["padding"], **s["options"])
    assert cost == expected


@given(layer_settings(), st.booleans())
def test_parameters_and_multiply_adds_agree_with_conv_cost(s, as_ndim):
    ndim = len(s["kernel"])
    cost = convkit.conv_cost(
        s["c_in"], s["c_out"], s["kernel"], s["size"], s["stride"], s["padding"],
        s["dilation"], s["g"], bias=s["options"]["bias"],
    )
    out = convkit.conv_output_size(s["size"], s["kernel"], s["stride"], s["padding"], s["dilation"])
    kernel = s["kernel"][0] if as_ndim and len(set(s["kernel"])) == 1 else s["kernel"]
    ndim_arg = dict(ndim=ndim) if as_ndim else {}
    assert convkit.conv_parameters(
        s["c_in"], s["c_out"], kernel, s["g"], s["options"]["bias"], **ndim_arg
    ) == cost.parameters
    assert convkit.conv_multiply_adds(s["c_in"], s["c_out"], kernel, out, s["g"], **ndim_arg) == cost.multiply_adds


def test_depthwise_separable_ratio_is_one_over_c_out_plus_one_over_k_squared():
    for c_in, c_out, k in [(32, 64, 3), (128, 256, 5), (3, 7, 7)]:
        separable = convkit.depthwise_separable_cost(c_in, c_out, k, 20, padding="same", bias=False)
        standard = convkit.conv_cost(c_in, c_out, k, 20, padding="same", bias=False)
        for field in ("parameters", "multiply_adds"):
            ratio = getattr(separable, field) / getattr(standard, field)
            assert ratio == pytest.approx(1 / c_out + 1 / k**2, rel=1e-12)


def test_cost_sum_and_properties():
    a = convkit.conv_cost(3, 8, 3, 10)
    b = convkit.pointwise_cost(8, 16, 8)
    total = a + b
    assert total == sum([a, b]) == Cost(
        a.parameters + b.parameters,
        a.multiply_adds + b.multiply_adds,
        a.weight_bytes + b.weight_bytes,
        a.input_bytes + b.input_bytes,
        a.output_bytes + b.output_bytes,
    )
    assert total.bytes_moved == total.weight_bytes + total.input_bytes + total.output_bytes
    assert total.arithmetic_intensity == total.multiply_adds / total.bytes_moved
    # the intermediate 8 x 8 x 8 tensor is written once and read once
    assert a.output_bytes == b.input_bytes == 8 * 8 * 8 * 4
    with pytest.raises(TypeError):
        a + 1
    with pytest.raises(AttributeError):
        a.parameters = 0  # frozen


def test_array_likes_are_accepted():
    reference = convkit.conv_cost(4, 8, (3, 3), (10, 12), stride=(2, 1), padding=(1, 0))
    assert convkit.conv_cost(
        np.int64(4), np.array(8), [3, 3], np.array([10, 12]), np.array([2, 1]), (1, 0)
    ) == reference


def test_sizes_default_to_two_dimensions_and_follow_tuples():
    assert convkit.conv_cost(1, 1, 3, 5).output_bytes == 3 * 3 * 4
    assert convkit.conv_cost(1, 1, 3, (5,)).output_bytes == 3 * 4
    assert convkit.conv_cost(1, 1, (3,), 5).output_bytes == 3 * 4
    assert convkit.conv_cost(1, 1, 3, (5, 5, 5)).output_bytes == 27 * 4


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: convkit.conv_cost(0, 8, 3, 10), ValueError, r"in_channels must be positive"),
        (lambda: convkit.conv_cost(4, 8.0, 3, 10), TypeError, r"out_channels must be an int"),
        (lambda: convkit.conv_cost(4, 6, 3, 10, groups=4), ValueError, r"groups \(4\) must divide"),
        (lambda: convkit.conv_cost(4, 8, 0, 10), ValueError, r"kernel_size must be positive"),
        (lambda: convkit.conv_cost(4, 8, (), 10), ValueError, r"kernel_size must not be empty"),
        (lambda: convkit.conv_cost(4, 8, 3, 0), ValueError, r"input_size must be positive"),
        (lambda: convkit.conv_cost(4, 8, 3, 2), ValueError, r"larger than the padded input"),
        (lambda: convkit.conv_cost(4, 8, 3, (5, 5), stride=(1, 1, 1)), ValueError, r"stride has 3"),
        (lambda: convkit.conv_cost(4, 8, 3, 10, stride=0), ValueError, r"stride must be positive"),
        (lambda: convkit.conv_cost(4, 8, 3, 10, padding=-1), ValueError, r"padding must be non-negative"),
        (lambda: convkit.conv_cost(4, 8, 3, 10, stride=2, padding="same"), ValueError, r"requires stride 1"),
        (lambda: convkit.conv_cost(4, 8, 3, 10, bias=1), TypeError, r"bias must be True or False"),
        (lambda: convkit.conv_cost(4, 8, 3, 10, bias="no"), TypeError, r"bias must be True or False"),
        (lambda: convkit.conv_cost(4, 8, 3, 10, batch=0), ValueError, r"batch must be positive"),
        (lambda: convkit.conv_cost(4, 8, 3, 10, itemsize=2.5), TypeError, r"itemsize must be an int"),
        (lambda: convkit.conv_cost(4, 8, 3.0, 10), TypeError, r"kernel_size must be an int"),
        (lambda: convkit.conv_cost(4, 8, True, 10), TypeError, r"kernel_size must be an int"),
        (lambda: convkit.transposed_conv_cost(4, 8, 3, 5, stride=2, output_padding=2), ValueError, r"output_padding must be smaller"),
        (lambda: convkit.transposed_conv_cost(4, 8, 3, 5, padding="same"), TypeError, r"padding must be an int"),
        (lambda: convkit.pointwise_cost(4, 6, 10, groups=4), ValueError, r"groups \(4\) must divide"),
        (lambda: convkit.depthwise_cost(0, 3, 10), ValueError, r"channels must be positive"),
        (lambda: convkit.depthwise_cost(4, 3, 10, multiplier=0), ValueError, r"multiplier must be positive"),
        (lambda: convkit.depthwise_separable_cost(4, 8, 3, 10, multiplier=-1), ValueError, r"multiplier must be positive"),
        (lambda: convkit.spatially_separable_cost(4, 8, (3, 3, 3), 10), ValueError, r"kernel_size must have 2"),
        (lambda: convkit.spatially_separable_cost(4, 8, 3, 10, mid_channels=0), ValueError, r"mid_channels must be positive"),
        (lambda: convkit.flattened_cost(4, 8, 3, (10, 10, 10)), ValueError, r"input_size must have 2"),
        (lambda: convkit.flattened_cost(4, 8, 3, 10, padding=(1, 1, 1)), ValueError, r"padding must have 2"),
        (lambda: convkit.conv_parameters(4, 8, 3, ndim=0), ValueError, r"ndim must be positive"),
        (lambda: convkit.conv_parameters(4, 8, 3, ndim=-1), ValueError, r"ndim must be positive"),
        (lambda: convkit.conv_parameters(4, 8, 3, ndim=2.0), TypeError, r"ndim must be an int"),
        (lambda: convkit.conv_parameters(4, 8, (3, 3), ndim=3), ValueError, r"kernel_size must have 3 value"),
        (lambda: convkit.conv_parameters(4, 8, ()), ValueError, r"kernel_size must not be empty"),
        (lambda: convkit.conv_parameters(4, 8, 3, bias=0), TypeError, r"bias must be True or False"),
        (lambda: convkit.conv_multiply_adds(4, 8, (3, 3), (5, 5, 5)), ValueError, r"output_size has 3"),
    ],
)
def test_cost_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
