"""Bad input raises a clear TypeError/ValueError naming the argument and the rule."""

import numpy as np
import pytest

import convkit

X = np.zeros((1, 4, 8, 8))
W = np.zeros((6, 4, 3, 3))


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(stride=0), ValueError, r"stride must be positive"),
        (dict(stride=(1, -2)), ValueError, r"stride must be positive"),
        (dict(dilation=0), ValueError, r"dilation must be positive"),
        (dict(groups=0), ValueError, r"groups must be positive"),
        (dict(groups=1.5), TypeError, r"groups must be an int"),
        (dict(padding=-1), ValueError, r"padding must be non-negative"),
        (dict(padding=(1, -1)), ValueError, r"padding must be non-negative"),
        (dict(padding="full"), ValueError, r"padding must be .*'valid' or 'same'"),
        (dict(padding="same", stride=2), ValueError, r"padding='same' requires stride 1"),
        (dict(stride=(1, 1, 1)), ValueError, r"stride must have 2 value"),
        (dict(stride=1.0), TypeError, r"stride must be an int"),
        (dict(stride="1"), TypeError, r"stride must be an int"),
        (dict(padding=(1, 1.5)), TypeError, r"padding must contain only ints"),
        (dict(method="magic"), ValueError, r"method must be 'fast' or 'loop'"),
    ],
)
def test_bad_hyper_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        convkit.conv2d(X, W, **kwargs)


def test_groups_must_divide_input_channels():
    with pytest.raises(ValueError, match=r"groups \(3\) must divide the input channels"):
        convkit.conv2d(X, np.zeros((6, 1, 3, 3)), groups=3)


def test_groups_must_divide_output_channels():
    with pytest.raises(ValueError, match=r"groups \(4\) must divide the output channels"):
        convkit.conv2d(X, np.zeros((6, 1, 3, 3)), groups=4)


def test_channel_mismatch():
    with pytest.raises(ValueError, match=r"weight.shape\[1\] must equal C_in / groups"):
        convkit.conv2d(X, np.zeros((6, 3, 3, 3)))


def test_grouped_weight_with_wrong_channels():
    with pytest.raises(ValueError, match=r"C_in / groups"):
        convkit.conv2d(X, np.zeros((6, 4, 3, 3)), groups=2)


@pytest.mark.parametrize("shape", [(8, 8), (1, 1, 4, 8, 8)])
def test_input_rank(shape):
    with pytest.raises(ValueError, match=r"input must have 4 dimensions .* or 3"):
        convkit.conv2d(np.zeros(shape), W)


@pytest.mark.parametrize("shape", [(6, 4, 3), (6, 4, 3, 3, 3)])
def test_weight_rank(shape):
    with pytest.raises(ValueError, match=r"weight must have 4 dimensions"):
        convkit.conv2d(X, np.zeros(shape))


def test_weight_input_rank_mismatch_in_conv1d():
    with pytest.raises(ValueError, match=r"weight must have 3 dimensions"):
        convkit.conv1d(np.zeros((1, 4, 8)), W)


def test_convnd_needs_spatial_dimension():
    with pytest.raises(ValueError, match=r"at least one spatial dimension"):
        convkit.convnd(np.zeros((1, 4)), np.zeros((2, 4)))


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"kernel is larger than the padded input in spatial dimension 1"):
        convkit.conv2d(np.zeros((1, 4, 8, 2)), W)


def test_dilated_kernel_larger_than_padded_input():
    # effective size 2 * (3 - 1) + 1 = 5 > 3 + 2 * 0
    with pytest.raises(ValueError, match=r"effective kernel size 5"):
        convkit.conv1d(np.zeros((1, 1, 3)), np.zeros((1, 1, 3)), dilation=2)


def test_padding_can_make_a_large_kernel_fit():
    assert convkit.conv2d(np.zeros((1, 4, 2, 2)), W, padding=1).shape == (1, 6, 2, 2)


def test_bias_shape():
    with pytest.raises(ValueError, match=r"bias must have shape \(C_out,\) = \(6,\)"):
        convkit.conv2d(X, W, bias=np.zeros(5))


def test_complex_input_rejected():
    with pytest.raises(TypeError, match=r"input must be a float16, float32 or float64 array, got dtype complex128"):
        convkit.conv2d(X.astype(complex), W)


def test_empty_weight_rejected():
    with pytest.raises(ValueError, match=r"weight must have at least one output channel"):
        convkit.conv2d(X, np.zeros((0, 4, 3, 3)))
