"""The documented rules for dtypes, empty tensors and array-like arguments.

Each rule is checked against what torch 2.13 does on the CPU: where convkit
matches torch the test runs both; where it deliberately differs (integer
convolutions) the test shows torch's behaviour too, so the documentation's
claim about torch stays true.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convkit
from convkit.arguments import int_values, spatial_ndim

FLOATS = (np.float16, np.float32, np.float64)
TORCH = {np.float16: torch.float16, np.float32: torch.float32, np.float64: torch.float64}


def t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


# -- dtypes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("method", ["fast", "loop"])
def test_float_dtypes_are_kept(dtype, method, rng):
    x = rng.standard_normal((1, 3, 6, 5)).astype(dtype)
    w = rng.standard_normal((4, 3, 3, 3)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    got = convkit.conv2d(x, w, b, padding=1, method=method)
    assert got.dtype == dtype
    expected = F.conv2d(t(x), t(w), t(b), padding=1).numpy()
    assert expected.dtype == dtype
    tolerance = {np.float16: 2e-2, np.float32: 1e-5, np.float64: 1e-12}[dtype]
    np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64), rtol=0, atol=tolerance)


@pytest.mark.parametrize("method", ["fast", "loop"])
def test_float16_is_accumulated_in_float32_and_rounded_once(method, rng):
    # 256 channels x 9 taps: summed in float16 the error reached ~1 (issue 6)
    x = rng.standard_normal((1, 256, 4, 4)).astype(np.float16)
    w = rng.standard_normal((2, 256, 3, 3)).astype(np.float16)
    exact = F.conv2d(t(x).double(), t(w).double()).numpy()  # the float16 values, summed exactly
    got = convkit.conv2d(x, w, method=method)
    assert got.dtype == np.float16
    # float32 accumulation, then one rounding to float16: within one float16 ulp of exact
    ulp = np.spacing(np.abs(exact).astype(np.float16)).astype(np.float64)
    assert np.all(np.abs(got.astype(np.float64) - exact) <= ulp)
    torch16 = F.conv2d(t(x), t(w)).numpy().astype(np.float64)
    assert np.max(np.abs(got.astype(np.float64) - torch16)) <= 2 * ulp.max()


@pytest.mark.parametrize(
    "x_dtype,w_dtype,b_dtype",
    [
        (np.float32, np.float64, None),
        (np.float64, np.float32, None),
        (np.float16, np.float32, None),
        (np.float64, np.float64, np.float32),
    ],
)
def test_mixed_dtypes_are_refused_as_torch_refuses_them(x_dtype, w_dtype, b_dtype):
    x = np.ones((1, 2, 4, 4), dtype=x_dtype)
    w = np.ones((3, 2, 3, 3), dtype=w_dtype)
    b = None if b_dtype is None else np.ones(3, dtype=b_dtype)
    with pytest.raises(RuntimeError):
        F.conv2d(t(x), t(w), None if b is None else t(b))
    with pytest.raises(TypeError, match=r"must have the same dtype .* never mixes them"):
        convkit.conv2d(x, w, b)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_integer_arrays_are_refused_although_torch_computes_them(dtype):
    x = np.arange(16, dtype=dtype).reshape(1, 1, 4, 4)
    w = np.ones((1, 1, 3, 3), dtype=dtype)
    # torch's CPU kernels compute integer convolutions (the documented difference)
    assert F.conv2d(t(x), t(w)).dtype == TORCH.get(dtype, t(x).dtype)
    with pytest.raises(TypeError, match=r"input must be a float16, float32 or float64 array, got dtype .*astype"):
        convkit.conv2d(x, w)
    with pytest.raises(TypeError, match=r"weight must be a float16, float32 or float64 array"):
        convkit.conv2d(x.astype(np.float64), w)
    with pytest.raises(TypeError, match=r"bias must be a float16, float32 or float64 array"):
        convkit.conv2d(x.astype(np.float64), w.astype(np.float64), np.zeros(1, dtype=dtype))


def test_bool_and_complex_are_refused_as_torch_refuses_bool():
    x = np.ones((1, 1, 4, 4), dtype=bool)
    with pytest.raises(NotImplementedError):
        F.conv2d(t(x), t(x[:, :, :3, :3]))
    with pytest.raises(TypeError, match=r"input must be .* got dtype bool"):
        convkit.conv2d(x, x[:, :, :3, :3])
    with pytest.raises(TypeError, match=r"input must be .* got dtype complex128"):
        convkit.conv1d(np.ones((1, 1, 4), complex), np.ones((1, 1, 2), complex))


def test_integer_unfold_and_fold_are_refused_by_torch_and_convkit():
    x = np.ones((1, 1, 3, 3), dtype=np.int64)
    with pytest.raises(NotImplementedError):
        F.unfold(t(x), 2)
    with pytest.raises(TypeError, match=r"input must be a float16, float32 or float64 array"):
        convkit.im2col(x, 2)
    with pytest.raises(NotImplementedError):
        F.fold(t(np.ones((1, 4, 4), np.int64)), (3, 3), 2)
    with pytest.raises(TypeError, match=r"cols must be a float16, float32 or float64 array"):
        convkit.col2im(np.ones((1, 4, 4), np.int64), (3, 3), 2)


@pytest.mark.parametrize("dtype", FLOATS)
def test_im2col_col2im_conv_matrix_keep_every_float_dtype(dtype, rng):
    x = rng.standard_normal((2, 3, 5, 4)).astype(dtype)
    cols = convkit.im2col(x, 2, padding=1)
    assert cols.dtype == dtype
    np.testing.assert_array_equal(cols, F.unfold(t(x), 2, padding=1).numpy())
    back = convkit.col2im(cols, (5, 4), 2, padding=1)
    assert back.dtype == dtype
    np.testing.assert_allclose(
        back.astype(np.float64),
        F.fold(t(cols), (5, 4), 2, padding=1).numpy().astype(np.float64),
        rtol=0, atol=1e-2 if dtype == np.float16 else 1e-12,
    )
    w = rng.standard_normal((2, 3, 2, 2)).astype(dtype)
    matrix = convkit.conv_matrix((3, 5, 4), w)
    assert matrix.dtype == dtype
    assert set(np.unique(matrix)) <= set(np.unique(w)) | {0}


# -- empty tensors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape,kwargs",
    [((1, 3, 0, 5), {}), ((1, 3, 0, 5), dict(padding=1)), ((3, 4, 0), {}), ((0, 3, 5, 0), {})],
)
def test_zero_size_spatial_input_raises_as_in_torch(shape, kwargs):
    x = np.zeros(shape)
    w = np.zeros((2, 3, 1, 1))
    with pytest.raises(RuntimeError):
        F.conv2d(t(x), t(w), **kwargs)
    with pytest.raises(ValueError, match=r"input must have a non-zero size in every spatial dimension"):
        convkit.conv2d(x, w, **kwargs)


@pytest.mark.parametrize("method", ["fast", "loop"])
@pytest.mark.parametrize(
    "x_shape,w_shape,kwargs",
    [
        ((1, 0, 5, 5), (4, 0, 3, 3), {}),
        ((2, 0, 5, 7), (6, 0, 3, 3), dict(padding=1, stride=2)),
        ((2, 0, 5, 7), (6, 0, 3, 3), dict(dilation=2, groups=2)),
        ((0, 5, 5), (4, 0, 3, 3), {}),
        ((2, 0, 5, 7), (6, 0, 3, 3), dict(padding="same")),
        ((0, 3, 5, 5), (4, 3, 3, 3), {}),
        ((0, 0, 5, 5), (4, 0, 3, 3), {}),
    ],
)
def test_empty_channels_or_batch_give_torchs_empty_result(x_shape, w_shape, kwargs, method):
    x, w, b = np.zeros(x_shape), np.ones(w_shape), np.ones(w_shape[0])
    expected = F.conv2d(t(x), t(w), t(b), **kwargs)
    got = convkit.conv2d(x, w, b, **kwargs, method=method)
    assert got.shape == tuple(expected.shape) and got.size == 0
    assert got.dtype == np.float64


def test_empty_channels_in_1d_and_3d():
    for conv, torch_conv, x_shape, w_shape in [
        (convkit.conv1d, F.conv1d, (2, 0, 5), (6, 0, 3)),
        (convkit.conv3d, F.conv3d, (2, 0, 5, 5, 5), (6, 0, 3, 3, 3)),
    ]:
        x, w = np.zeros(x_shape), np.zeros(w_shape)
        assert conv(x, w).shape == tuple(torch_conv(t(x), t(w)).shape)


@pytest.mark.parametrize("w_shape", [(0, 3, 3, 3), (4, 3, 0, 3)])
def test_no_output_channels_or_empty_kernel_raise_as_in_torch(w_shape):
    x, w = np.zeros((1, 3, 5, 5)), np.zeros(w_shape)
    with pytest.raises(RuntimeError):
        F.conv2d(t(x), t(w))
    with pytest.raises(ValueError, match=r"weight must have at least one output channel"):
        convkit.conv2d(x, w)


def test_im2col_and_col2im_empty_inputs_follow_torch():
    # N = 0 is allowed, C = 0 and spatial size 0 are refused, by both
    x = np.zeros((0, 2, 4, 4))
    assert convkit.im2col(x, 2).shape == tuple(F.unfold(t(x), 2).shape)
    cols = np.zeros((0, 4, 4))
    assert convkit.col2im(cols, (3, 3), 2).shape == tuple(F.fold(t(cols), (3, 3), 2).shape)
    for shape, match in [((1, 0, 4, 4), r"at least one channel"), ((1, 2, 0, 4), r"non-zero size")]:
        with pytest.raises(RuntimeError):
            F.unfold(t(np.zeros(shape)), 2)
        with pytest.raises(ValueError, match=match):
            convkit.im2col(np.zeros(shape), 2)
    with pytest.raises(RuntimeError):
        F.fold(t(np.zeros((1, 0, 4))), (3, 3), 2)
    with pytest.raises(ValueError, match=r"cols must have C \* kh \* kw >= 1 rows"):
        convkit.col2im(np.zeros((1, 0, 4)), (3, 3), 2)


# -- im2col results are writeable ----------------------------------------------------------------


@pytest.mark.parametrize(
    "shape,k,kwargs",
    [((1, 2, 4, 4), 1, {}), ((2, 3, 3), 1, {}), ((1, 2, 3, 3), 3, {}), ((2, 3, 3), 3, {}), ((1, 1, 5, 5), 2, dict(stride=2))],
)
def test_im2col_always_returns_a_fresh_writeable_array(shape, k, kwargs, rng):
    x = rng.standard_normal(shape)
    cols = convkit.im2col(x, k, **kwargs)
    assert cols.flags.writeable
    assert not np.shares_memory(cols, x)
    cols[...] = 0  # must not raise
    np.testing.assert_array_equal(convkit.im2col(x, k, **kwargs), F.unfold(t(x), k, **kwargs).numpy())


# -- one rule for array-likes --------------------------------------------------------------------

SCALARS = [2, np.int64(2), np.int32(2), np.array(2), np.array(2, dtype=np.uint8)]
PAIRS = [(2, 2), [2, 2], np.array([2, 2]), (np.int64(2), 2)]


@pytest.mark.parametrize("value", SCALARS + PAIRS)
def test_every_integer_form_is_accepted_everywhere(value, rng):
    x = rng.standard_normal((1, 2, 7, 7))
    w = rng.standard_normal((2, 2, 3, 3))
    expected = F.conv2d(t(x), t(w), stride=2, padding=2, dilation=2).numpy()
    np.testing.assert_allclose(
        convkit.conv2d(x, w, stride=value, padding=value, dilation=value), expected, rtol=0, atol=1e-12
    )
    size = convkit.conv_output_size(7, value, stride=value, padding=value, dilation=value)
    assert np.all(np.array(size) == 5)  # (7 + 4 - 3) // 2 + 1
    assert np.all(np.array(convkit.effective_kernel_size(value, value)) == 3)
    assert np.all(np.array(convkit.conv_transpose_output_size(3, value, stride=value)) == 6)
    assert set(np.ravel(convkit.same_padding(value))) == {0, 1}  # (0, 1) per dimension
    np.testing.assert_array_equal(convkit.im2col(x, value, stride=value), F.unfold(t(x), 2, stride=2).numpy())
    cost = convkit.conv_cost(2, 2, value, 7, value, value, value)
    assert cost == convkit.conv_cost(2, 2, 2, 7, 2, 2, 2)
    assert convkit.conv_parameters(2, 2, value) == 2 * 2 * 4 + 2


def test_a_one_element_sequence(rng):
    # where the number of dimensions is fixed it stands for every dimension, as in torch ...
    x, w = rng.standard_normal((1, 1, 6, 6)), rng.standard_normal((1, 1, 2, 2))
    for value in ([2], (2,), np.array([2])):
        np.testing.assert_array_equal(convkit.conv2d(x, w, stride=value), convkit.conv2d(x, w, stride=2))
        assert F.conv2d(t(x), t(w), stride=[2]).shape == convkit.conv2d(x, w, stride=value).shape
        assert convkit.conv_parameters(1, 1, value, ndim=2) == convkit.conv_parameters(1, 1, 2)
        # ... where it is inferred, its length is the number of dimensions
        assert convkit.conv_output_size(7, value) == (6,)
        assert convkit.conv_cost(1, 1, value, 7).output_bytes == 6 * 4


def test_groups_and_channel_counts_accept_numpy_integers(rng):
    x = rng.standard_normal((1, 4, 5, 5))
    w = rng.standard_normal((4, 2, 3, 3))
    expected = convkit.conv2d(x, w, groups=2)
    for groups in (np.int64(2), np.array(2)):
        np.testing.assert_array_equal(convkit.conv2d(x, w, groups=groups), expected)
    assert convkit.conv_cost(np.int64(4), np.array(4), 3, 5, groups=np.int16(2)) == convkit.conv_cost(4, 4, 3, 5, groups=2)


def test_a_zero_d_array_stride_works_where_torch_fails_inside(rng):
    x, w = rng.standard_normal((1, 1, 6, 6)), rng.standard_normal((1, 1, 2, 2))
    with pytest.raises(RuntimeError):  # torch's argument parser asserts on a 0-d ndarray
        F.conv2d(t(x), t(w), stride=np.array(2))
    np.testing.assert_allclose(
        convkit.conv2d(x, w, stride=np.array(2)), F.conv2d(t(x), t(w), stride=2).numpy(), rtol=0, atol=1e-12
    )


BAD = [
    (True, TypeError, r"{name} must be an int or a tuple"),
    (2.0, TypeError, r"{name} must be an int or a tuple"),
    ("2", TypeError, r"{name} must be an int or a tuple"),
    (None, TypeError, r"{name} must be an int or a tuple"),
    ((2, 2.5), TypeError, r"{name} must contain only ints"),
    ((True, 2), TypeError, r"{name} must contain only ints"),
    (np.array([[2, 2]]), TypeError, r"{name} must be an int .* shape \(1, 2\)"),
    (np.array([2.0, 2.0]), TypeError, r"{name} must be an int .* dtype float64"),
    (np.array(True), TypeError, r"{name} must be an int .* dtype bool"),
    ((), ValueError, r"{name} must not be empty"),
    (np.array([], dtype=int), ValueError, r"{name} must not be empty"),
    ((2, 2, 2), ValueError, r"{name} must have 2 value"),
]


@pytest.mark.parametrize("value,error,match", BAD)
@pytest.mark.parametrize("name", ["stride", "padding", "dilation"])
def test_bad_forms_raise_naming_the_argument_in_conv2d(value, error, match, name):
    x, w = np.zeros((1, 1, 6, 6)), np.zeros((1, 1, 2, 2))
    if isinstance(value, str) and name == "padding":
        match = r"padding must be an int, a tuple of ints, 'valid' or 'same'"
        error = ValueError
    with pytest.raises(error, match=match.format(name=name)):
        convkit.conv2d(x, w, **{name: value})


@pytest.mark.parametrize("value,error,match", [b for b in BAD if not isinstance(b[0], tuple) or len(b[0]) != 3])
@pytest.mark.parametrize(
    "call,name",
    [
        (lambda v: convkit.conv_output_size(v, 2), "input_size"),
        (lambda v: convkit.conv_output_size(5, v), "kernel_size"),
        (lambda v: convkit.conv_output_size(5, 2, stride=v), "stride"),
        (lambda v: convkit.conv_output_size(5, 2, dilation=v), "dilation"),
        (lambda v: convkit.conv_transpose_output_size(5, 2, output_padding=v), "output_padding"),
        (lambda v: convkit.effective_kernel_size(v), "kernel_size"),
        (lambda v: convkit.same_padding(3, dilation=v), "dilation"),
        (lambda v: convkit.conv_cost(1, 1, v, 6), "kernel_size"),
        (lambda v: convkit.conv_cost(1, 1, 2, v), "input_size"),
        (lambda v: convkit.conv_parameters(1, 1, v), "kernel_size"),
        (lambda v: convkit.im2col(np.zeros((1, 6, 6)), v), "kernel_size"),
        (lambda v: convkit.col2im(np.zeros((1, 4, 4)), v, 2), "output_size"),
    ],
)
def test_bad_forms_raise_naming_the_argument_everywhere(call, name, value, error, match):
    with pytest.raises(error, match=match.format(name=name)):
        call(value)


def test_tuple_lengths_must_agree_and_errors_name_them():
    with pytest.raises(ValueError, match=r"input_size has 2, kernel_size has 3"):
        convkit.conv_output_size((5, 5), (3, 3, 3))
    with pytest.raises(ValueError, match=r"kernel_size has 2, stride has 3"):
        convkit.conv_cost(1, 1, (3, 3), 6, stride=(1, 1, 1))
    assert spatial_ndim(2, a=3, b="same") == (2, False)
    assert int_values(np.array([3, 4], dtype=np.uint8), "x") == ((3, 4), True)


def test_conv_matrix_input_shape_forms():
    w = np.ones((1, 1, 2, 2))
    expected = convkit.conv_matrix((1, 3, 3), w)
    for shape in ([1, 3, 3], np.array([1, 3, 3])):
        np.testing.assert_array_equal(convkit.conv_matrix(shape, w), expected)
    for shape in (3, np.array(3), "abc"):
        with pytest.raises(TypeError, match=r"input_shape must be a tuple of 3 ints"):
            convkit.conv_matrix(shape, w)
    with pytest.raises(TypeError, match=r"input_shape must contain only ints"):
        convkit.conv_matrix((1, 3.0, 3), w)
