"""convkit.conv_transpose1d/2d/3d against torch.nn.functional, in float64; errors; the adjoint identity."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit
from convkit.matrix import conv_matrix
from convkit.transposed import transposed_kernel, zero_insert
from strategies import Case

OPS = {
    1: (convkit.conv_transpose1d, F.conv_transpose1d, convkit.conv1d),
    2: (convkit.conv_transpose2d, F.conv_transpose2d, convkit.conv2d),
    3: (convkit.conv_transpose3d, F.conv_transpose3d, convkit.conv3d),
}
METHODS = ("fast", "scatter", "zero_insertion")


@st.composite
def transpose_cases(draw, ndim: int, max_size: int = 6, max_channels: int = 3, max_batch: int = 2):
    """A random valid ``ndim``-d transposed convolution in float64 (torch's argument rules)."""
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, max_channels))
    out_per_group = draw(st.integers(1, max_channels))
    kernel, stride, dilation, padding, extra, spatial = [], [], [], [], [], []
    for _ in range(ndim):
        k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
        i = draw(st.integers(1, max_size))
        a = draw(st.integers(0, max(s, d) - 1))  # output_padding < max(stride, dilation)
        full = (i - 1) * s + d * (k - 1) + a + 1
        p = draw(st.integers(0, min(3, (full - 1) // 2)))  # output size >= 1
        for values, v in zip((kernel, stride, dilation, padding, extra, spatial), (k, s, d, p, a, i)):
            values.append(v)
    batched = draw(st.booleans())
    batch = (draw(st.integers(1, max_batch)),) if batched else ()
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal(batch + (c_in, *spatial))
    w = rng.standard_normal((c_in, out_per_group, *kernel))
    b = rng.standard_normal(out_per_group * groups) if draw(st.booleans()) else None
    kwargs = dict(stride=tuple(stride), padding=tuple(padding), output_padding=tuple(extra),
                  groups=groups, dilation=tuple(dilation))
    for name in ("stride", "padding", "output_padding", "dilation"):  # the int shorthand too
        if len(set(kwargs[name])) == 1 and draw(st.booleans()):
            kwargs[name] = kwargs[name][0]
    return Case(x, w, b, kwargs)


def torch_transpose(ndim: int, case: Case) -> np.ndarray:
    bias = None if case.bias is None else torch.from_numpy(case.bias)
    return OPS[ndim][1](torch.from_numpy(case.input), torch.from_numpy(case.weight), bias,
                        **case.kwargs).numpy()


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_fast_path_matches_torch(ndim):
    @settings(max_examples=150)
    @given(transpose_cases(ndim, max_size=7 if ndim < 3 else 4))
    def check(case):
        expected = torch_transpose(ndim, case)
        got = OPS[ndim][0](case.input, case.weight, case.bias, **case.kwargs)
        assert got.shape == expected.shape
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)

    check()


@pytest.mark.parametrize("method", ["scatter", "zero_insertion"])
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_teaching_paths_match_torch(ndim, method):
    @settings(max_examples=40)
    @given(transpose_cases(ndim, max_size=5 if ndim < 3 else 3, max_channels=2))
    def check(case):
        expected = torch_transpose(ndim, case)
        got = OPS[ndim][0](case.input, case.weight, case.bias, **case.kwargs, method=method)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)

    check()


def _extended(y: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``y`` padded with zeros at the end of each axis up to ``shape``."""
    out = np.zeros(shape)
    out[tuple(slice(0, n) for n in y.shape)] = y
    return out


def _as_tuple(value, ndim):
    return tuple(value) if isinstance(value, tuple) else (value,) * ndim


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_adjoint_identity(ndim):
    """<conv(x), y> = <x, conv_transpose(y)> for the same weight and hyper-parameters.

    With output_padding a < stride, conv maps the transposed output's size back
    to y's size. torch also allows stride <= a < dilation; then conv's output is
    longer by floor(a / s) per axis, and the identity holds with y extended by zeros.
    """

    @settings(max_examples=60)
    @given(transpose_cases(ndim, max_size=5 if ndim < 3 else 3), st.integers(0, 2**32 - 1))
    def check(case, seed):
        y = case.input  # lives on the small grid: the convolution's output
        x_t = OPS[ndim][0](y, case.weight, **case.kwargs)  # shape of the convolution's input
        x = np.random.default_rng(seed).standard_normal(x_t.shape)
        conv_kwargs = {k: v for k, v in case.kwargs.items() if k != "output_padding"}
        cx = OPS[ndim][2](x, case.weight, **conv_kwargs)
        a, s = _as_tuple(case.kwargs["output_padding"], ndim), _as_tuple(case.kwargs["stride"], ndim)
        assert cx.shape[-ndim:] == tuple(i + ai // si for i, ai, si in zip(y.shape[-ndim:], a, s))
        left, right = float(np.vdot(cx, _extended(y, cx.shape))), float(np.vdot(x, x_t))
        assert abs(left - right) <= 1e-10 * max(1.0, abs(left))

    check()


@settings(max_examples=40)
@given(transpose_cases(2, max_size=4, max_channels=2, max_batch=1))
def test_transposed_convolution_is_the_transposed_matrix(case):
    """conv_transpose(y) == C^T y, with C the matrix of conv2d with the same weight."""
    y = case.input if case.input.ndim == 3 else case.input[0]
    expected = convkit.conv_transpose2d(y, case.weight, **case.kwargs)
    conv_kwargs = {k: v for k, v in case.kwargs.items() if k != "output_padding"}
    C = conv_matrix(expected.shape, case.weight, **conv_kwargs)
    rows = convkit.conv2d(np.zeros(expected.shape), case.weight, **conv_kwargs).shape
    y_ext = _extended(y, rows)
    np.testing.assert_allclose((C.T @ y_ext.ravel()).reshape(expected.shape), expected,
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_float32_stays_float32(method, rng):
    x = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 2)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    kwargs = dict(stride=2, padding=1, output_padding=1, groups=2)
    got = convkit.conv_transpose2d(x, w, b, **kwargs, method=method)
    expected = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), **kwargs)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5, atol=1e-5)


def test_float16_is_computed_in_float32_and_rounded_once(rng):
    x = rng.standard_normal((1, 64, 5, 5)).astype(np.float16)
    w = rng.standard_normal((64, 2, 3, 3)).astype(np.float16)
    exact = F.conv_transpose2d(torch.from_numpy(x).double(), torch.from_numpy(w).double(), stride=2)
    for method in METHODS:
        got = convkit.conv_transpose2d(x, w, stride=2, method=method)
        assert got.dtype == np.float16
        ulp = np.spacing(np.abs(exact.numpy()).astype(np.float16)).astype(np.float64)
        assert np.all(np.abs(got.astype(np.float64) - exact.numpy()) <= ulp)
    assert F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), stride=2).dtype == torch.float16


def test_dtypes_are_never_mixed_or_converted(rng):
    """As torch: float32 input with a float64 weight is an error; convkit also refuses integers."""
    x = rng.standard_normal((1, 2, 3, 3)).astype(np.float32)
    w = rng.standard_normal((2, 1, 2, 2))
    with pytest.raises(TypeError, match=r"input, weight must have the same dtype"):
        convkit.conv_transpose2d(x, w)
    with pytest.raises(RuntimeError):
        F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w))
    with pytest.raises(TypeError, match=r"input must be a float16, float32 or float64 array"):
        convkit.conv_transpose1d(np.array([[[1, 2]]]), np.array([[[1.0, 10.0, 100.0]]]))
    with pytest.raises(TypeError, match=r"bias must be a float16"):
        convkit.conv_transpose2d(x, w.astype(np.float32), bias=np.zeros(1, dtype=int))


def test_unbatched_and_empty_batch(rng):
    x = rng.standard_normal((3, 4, 4))
    w = rng.standard_normal((3, 2, 3, 3))
    got = convkit.conv_transpose2d(x, w, stride=2)
    assert got.shape == (2, 9, 9)
    np.testing.assert_allclose(got, convkit.conv_transpose2d(x[None], w, stride=2)[0])
    assert convkit.conv_transpose2d(np.zeros((0, 3, 4, 4)), w, stride=2).shape == (0, 2, 9, 9)


def test_input_is_not_modified(rng):
    x = rng.standard_normal((1, 2, 4, 4))
    w = rng.standard_normal((2, 3, 3, 3))
    x_copy, w_copy = x.copy(), w.copy()
    for method in METHODS:
        convkit.conv_transpose2d(x, w, stride=2, padding=1, method=method)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(w, w_copy)


def test_large_padding_crops_the_zero_inserted_input(rng):
    """p > d(k-1): the zero-insertion view pads a negative amount, i.e. crops."""
    x = rng.standard_normal((1, 1, 6))
    w = rng.standard_normal((1, 1, 2))
    expected = F.conv_transpose1d(torch.from_numpy(x), torch.from_numpy(w), stride=3, padding=3).numpy()
    for method in METHODS:
        np.testing.assert_allclose(
            convkit.conv_transpose1d(x, w, stride=3, padding=3, method=method), expected, rtol=1e-12
        )


@pytest.mark.parametrize("i", range(1, 6))
@pytest.mark.parametrize("s", range(1, 5))
def test_zero_inserted_size_is_s_times_i_minus_1_plus_1(i, s):
    z = zero_insert(np.ones((1, 1, i)), s)
    assert z.shape[-1] == s * (i - 1) + 1
    assert z.sum() == i and np.all(z[0, 0, ::s] == 1)
    if s != 2 and i > 1:
        assert z.shape[-1] != 2 * i - 1  # the (2i - 1) of some tutorials holds only for s = 2


def test_transposed_kernel_flips_and_swaps_per_group(rng):
    w = rng.standard_normal((4, 3, 2, 5))  # C_in = 4, C_out / g = 3, groups 2
    t = transposed_kernel(w, groups=2)
    assert t.shape == (6, 2, 2, 5)
    for g in range(2):
        for o in range(3):
            for c in range(2):
                np.testing.assert_array_equal(t[g * 3 + o, c], w[g * 2 + c, o, ::-1, ::-1])


# --- errors: as torch raises them, as ValueError/TypeError naming the argument and rule ---------

X = np.zeros((1, 4, 5, 5))
W = np.zeros((4, 3, 3, 3))


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(stride=0), ValueError, r"stride must be positive"),
        (dict(dilation=(1, 0)), ValueError, r"dilation must be positive"),
        (dict(groups=0), ValueError, r"groups must be positive"),
        (dict(groups=2.0), TypeError, r"groups must be an int"),
        (dict(padding=-1), ValueError, r"padding must be non-negative"),
        (dict(padding="same"), TypeError, r"padding must be an int or a tuple .*no 'valid'/'same'"),
        (dict(output_padding=-1), ValueError, r"output_padding must be non-negative"),
        (dict(output_padding=0.5), TypeError, r"output_padding must be an int"),
        (dict(output_padding=1), ValueError, r"output_padding must be smaller than either stride or dilation"),
        (dict(stride=2, output_padding=2), ValueError, r"output_padding must be smaller than either stride"),
        (dict(stride=(2, 1), dilation=(1, 3), output_padding=(2, 1)), ValueError,
         r"output_padding must be smaller .* in dimension 0"),
        (dict(padding=4), ValueError, r"padding 4 is too large: the output size would be -1"),
        (dict(stride=(1, 1, 1)), ValueError, r"stride must have 2 value"),
        (dict(method="deconvolution"), ValueError, r"method must be one of"),
    ],
)
def test_bad_hyper_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        convkit.conv_transpose2d(X, W, **kwargs)


def test_torch_rejects_the_same_settings():
    """The rules above are torch's: it refuses each setting too."""
    xt, wt = torch.from_numpy(X), torch.from_numpy(W)
    for kwargs in [dict(stride=2, output_padding=2), dict(output_padding=1), dict(padding=4),
                   dict(output_padding=-1), dict(padding=-1)]:
        with pytest.raises(RuntimeError):
            F.conv_transpose2d(xt, wt, **kwargs)
    assert F.conv_transpose2d(xt, wt, stride=(2, 1), dilation=(1, 3), output_padding=(1, 2)).shape == (1, 3, 12, 13)
    assert convkit.conv_transpose2d(X, W, stride=(2, 1), dilation=(1, 3), output_padding=(1, 2)).shape == (1, 3, 12, 13)


def test_output_size_zero_is_an_error():
    with pytest.raises(ValueError, match=r"output size would be 0"):
        convkit.conv_transpose1d(np.zeros((1, 1, 2)), np.zeros((1, 1, 1)), padding=1)


def test_groups_must_divide_input_channels():
    with pytest.raises(ValueError, match=r"groups \(3\) must divide the input channels"):
        convkit.conv_transpose2d(X, W, groups=3)


def test_channel_mismatch():
    with pytest.raises(ValueError, match=r"expects C_in = weight.shape\[0\] = 4 .* input has 5 channels"):
        convkit.conv_transpose2d(np.zeros((1, 5, 5, 5)), W)


def test_conv_shaped_weight_is_a_channel_mismatch():
    """A conv2d-layout weight (C_out, C_in, k, k) is the classic mistake."""
    with pytest.raises(ValueError, match=r"\(C_in, C_out/groups, \*kernel\)"):
        convkit.conv_transpose2d(X, np.zeros((3, 4, 3, 3)))


def test_bias_shape():
    with pytest.raises(ValueError, match=r"bias must have shape \(C_out,\) = \(3,\)"):
        convkit.conv_transpose2d(X, W, bias=np.zeros(4))
    assert convkit.conv_transpose2d(X, W, bias=np.zeros(6), groups=2).shape == (1, 6, 7, 7)


@pytest.mark.parametrize("shape", [(5, 5), (1, 1, 4, 5, 5)])
def test_input_rank(shape):
    with pytest.raises(ValueError, match=r"input must have 4 dimensions .* or 3"):
        convkit.conv_transpose2d(np.zeros(shape), W)


@pytest.mark.parametrize("shape", [(4, 3, 3), (4, 3, 3, 3, 3)])
def test_weight_rank(shape):
    with pytest.raises(ValueError, match=r"weight must have 4 dimensions \(C_in, C_out/groups"):
        convkit.conv_transpose2d(X, np.zeros(shape))


def test_empty_weight_and_empty_spatial_input():
    with pytest.raises(ValueError, match=r"weight must not have an empty dimension"):
        convkit.conv_transpose2d(X, np.zeros((4, 3, 0, 3)))
    with pytest.raises(ValueError, match=r"input must have non-empty spatial dimensions"):
        convkit.conv_transpose2d(np.zeros((1, 4, 0, 5)), W)


def test_complex_input_rejected():
    with pytest.raises(TypeError, match=r"input must be a float16, float32 or float64 array"):
        convkit.conv_transpose2d(X.astype(complex), W)


def test_helper_errors():
    with pytest.raises(ValueError, match=r"x must have shape \(N, C, \*spatial\)"):
        zero_insert(np.zeros(3), 2)
    with pytest.raises(ValueError, match=r"stride must be positive"):
        zero_insert(np.zeros((1, 1, 3)), 0)
    with pytest.raises(ValueError, match=r"groups \(2\) must divide weight.shape\[0\]"):
        transposed_kernel(np.zeros((3, 1, 2)), groups=2)
    with pytest.raises(ValueError, match=r"weight must have shape \(C_in, C_out/groups"):
        transposed_kernel(np.zeros((3, 1)))
