"""convkit.matrix (conv_matrix, im2col, col2im) against torch, in float64."""

import numpy as np
import pytest
import scipy.linalg
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit
from convkit.figures.matrix import conv_matrix_svg, matrix_explorer, matrix_view, tap_matrix
from convkit.matrix import col2im, conv_matrix, im2col
from strategies import conv_cases

TORCH_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def unbatched(case):
    return case.input if case.input.ndim == case.weight.ndim - 1 else case.input[0]


# -- conv_matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_conv_matrix_times_input_is_torch_conv(ndim):
    @settings(max_examples=150)
    @given(conv_cases(ndim, max_size=7 if ndim < 3 else 4))
    def check(case):
        x = unbatched(case)
        C = conv_matrix(x.shape, case.weight, **case.kwargs)
        expected = TORCH_CONV[ndim](torch.from_numpy(x)[None], torch.from_numpy(case.weight), **case.kwargs)[0]
        assert C.shape == (expected.numel(), x.size)
        np.testing.assert_allclose(C @ x.ravel(), expected.numpy().ravel(), rtol=1e-10, atol=1e-10)

    check()


@settings(max_examples=60)
@given(conv_cases(2, max_size=6))
def test_conv_matrix_columns_are_responses_to_unit_inputs(case):
    """Column q of C is the (flattened) output for the unit input e_q."""
    x = unbatched(case)
    C = conv_matrix(x.shape, case.weight, **case.kwargs)
    for q in range(x.size):
        unit = np.zeros(x.size)
        unit[q] = 1.0
        response = convkit.conv2d(unit.reshape(x.shape), case.weight, **case.kwargs)
        np.testing.assert_array_equal(C[:, q], response.ravel())


@settings(max_examples=100)
@given(conv_cases(2, max_size=7))
def test_transpose_is_the_input_gradient(case):
    x = unbatched(case)
    C = conv_matrix(x.shape, case.weight, **case.kwargs)
    xt = torch.from_numpy(x).requires_grad_()
    y = F.conv2d(xt[None], torch.from_numpy(case.weight), **case.kwargs)[0]
    g = np.random.default_rng(0).standard_normal(tuple(y.shape))
    y.backward(torch.from_numpy(g))
    np.testing.assert_allclose(C.T @ g.ravel(), xt.grad.numpy().ravel(), rtol=1e-10, atol=1e-10)


def test_one_dimensional_matrix_is_banded_toeplitz():
    rng = np.random.default_rng(0)
    w = rng.standard_normal(3)
    C = conv_matrix((1, 7), w.reshape(1, 1, 3))
    first_row = np.r_[w, np.zeros(4)]
    first_col = np.r_[w[0], np.zeros(4)]
    np.testing.assert_array_equal(C, scipy.linalg.toeplitz(first_col, first_row))
    # stride keeps every s-th row; padding deletes the columns of the zeros
    np.testing.assert_array_equal(conv_matrix((1, 7), w.reshape(1, 1, 3), stride=2), C[::2])
    padded = conv_matrix((1, 9), w.reshape(1, 1, 3))
    np.testing.assert_array_equal(conv_matrix((1, 7), w.reshape(1, 1, 3), padding=1), padded[:, 1:8])


def test_two_dimensional_matrix_is_doubly_block_toeplitz():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((1, 1, 3, 2))
    H, W = 6, 5
    C = conv_matrix((1, H, W), w)
    out_h, out_w = H - 2, W - 1
    blocks = C.reshape(out_h, out_w, H, W).transpose(0, 2, 1, 3)  # (r, r', out_w, W)
    for r in range(out_h):
        for r2 in range(H):
            shift = r2 - r
            expected = (
                conv_matrix((1, W), w[:, :, shift]) if 0 <= shift < 3 else np.zeros((out_w, W))
            )
            np.testing.assert_array_equal(blocks[r, r2], expected)


def test_groups_make_the_matrix_block_diagonal():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((4, 1, 2, 2))
    C = conv_matrix((2, 4, 4), w, groups=2)  # 2 groups of (2 outputs, 1 input)
    rows, cols = C.shape[0] // 2, C.shape[1] // 2
    assert not C[:rows, cols:].any() and not C[rows:, :cols].any()
    np.testing.assert_array_equal(C[:rows, :cols], conv_matrix((1, 4, 4), w[:2]))


def test_nonzeros_without_padding():
    rng = np.random.default_rng(3)
    w = rng.standard_normal((3, 2, 3, 3))
    C = conv_matrix((2, 6, 7), w, stride=(1, 2))
    assert np.all(np.count_nonzero(C, axis=1) == 2 * 9)


def test_dtypes():
    # the dtype rule of convkit.conv: floats keep their dtype, integers are refused
    for dtype in (np.float16, np.float32, np.float64):
        assert conv_matrix((1, 3, 3), np.ones((1, 1, 2, 2), dtype=dtype)).dtype == dtype
        assert im2col(np.ones((1, 3, 3), dtype=dtype), 2).dtype == dtype
        assert col2im(np.ones((4, 4), dtype=dtype), 3, 2).dtype == dtype
    with pytest.raises(TypeError, match=r"weight must be a float16, float32 or float64 array, got dtype int64"):
        conv_matrix((1, 3, 3), np.ones((1, 1, 2, 2), dtype=np.int64))
    with pytest.raises(TypeError, match=r"input must be a float16, float32 or float64 array, got dtype int64"):
        im2col(np.ones((1, 3, 3), dtype=np.int64), 2)
    with pytest.raises(TypeError, match=r"cols must be a float16, float32 or float64 array, got dtype bool"):
        col2im(np.ones((4, 4), dtype=bool), 3, 2)


# -- im2col / col2im ---------------------------------------------------------------------------


@st.composite
def unfold_cases(draw):
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(2))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(2))
    padding = tuple(draw(st.integers(0, 3)) for _ in range(2))
    size = []
    for k, d, p in zip(kernel, dilation, padding):
        smallest = max(1, d * (k - 1) + 1 - 2 * p)
        size.append(draw(st.integers(smallest, smallest + 7)))
    channels = draw(st.integers(1, 3))
    batch = (draw(st.integers(1, 2)),) if draw(st.booleans()) else ()
    seed = draw(st.integers(0, 2**32 - 1))
    x = np.random.default_rng(seed).standard_normal(batch + (channels, *size))
    kwargs = dict(dilation=dilation, padding=padding, stride=stride)
    for name in kwargs:  # exercise the int shorthand
        if draw(st.booleans()) and len(set(kwargs[name])) == 1:
            kwargs[name] = kwargs[name][0]
    return x, kernel, kwargs


@given(unfold_cases())
def test_im2col_is_torch_unfold(case):
    x, kernel, kwargs = case
    expected = F.unfold(torch.from_numpy(x), kernel, **kwargs).numpy()
    got = im2col(x, kernel, **kwargs)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@given(unfold_cases())
def test_col2im_is_torch_fold(case):
    x, kernel, kwargs = case
    size = x.shape[-2:]
    cols = F.unfold(torch.from_numpy(x), kernel, **kwargs)
    cols = torch.from_numpy(np.random.default_rng(0).standard_normal(tuple(cols.shape)))
    expected = F.fold(cols, size, kernel, **kwargs).numpy()
    got = col2im(cols.numpy(), size, kernel, **kwargs)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@given(unfold_cases())
def test_col2im_is_the_adjoint_of_im2col(case):
    x, kernel, kwargs = case
    cols = im2col(x, kernel, **kwargs)
    y = np.random.default_rng(1).standard_normal(cols.shape)
    lhs = np.vdot(cols, y)
    rhs = np.vdot(x, col2im(y, x.shape[-2:], kernel, **kwargs))
    assert abs(lhs - rhs) <= 1e-10 * max(1.0, abs(lhs))


@given(conv_cases(2, max_size=8))
def test_convolution_is_weight_matrix_times_im2col(case):
    if case.kwargs["groups"] != 1 or case.input.ndim != 4:
        return
    w = case.weight
    kwargs = {k: v for k, v in case.kwargs.items() if k != "groups"}
    cols = im2col(case.input, w.shape[2:], **kwargs)  # (N, C_in k k, L)
    expected = convkit.conv2d(case.input, w, **kwargs)
    got = (w.reshape(w.shape[0], -1) @ cols).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_im2col_same_padding_matches_explicit_padding():
    x = np.random.default_rng(4).standard_normal((1, 2, 5, 6))
    explicit = F.unfold(F.pad(torch.from_numpy(x), (0, 1, 0, 1)), 2).numpy()
    np.testing.assert_array_equal(im2col(x, 2, padding="same"), explicit)
    np.testing.assert_array_equal(col2im(explicit, (5, 6), 2, padding="same"),
                                  F.fold(torch.from_numpy(explicit), (6, 7), 2).numpy()[..., :5, :6])


def test_col2im_of_im2col_multiplies_by_coverage():
    x = np.random.default_rng(5).standard_normal((1, 1, 5, 5))
    coverage = col2im(im2col(np.ones_like(x), 3), (5, 5), 3)
    np.testing.assert_allclose(col2im(im2col(x, 3), (5, 5), 3), x * coverage)
    assert coverage[0, 0, 2, 2] == 9 and coverage[0, 0, 0, 0] == 1
    # non-overlapping windows that tile the image: col2im undoes im2col
    y = x[..., :4, :4]
    np.testing.assert_array_equal(col2im(im2col(y, 2, stride=2), 4, 2, stride=2), y)


# -- errors ------------------------------------------------------------------------------------

W2 = np.zeros((2, 1, 3, 3))


@pytest.mark.parametrize(
    "args,kwargs,error,match",
    [
        ((5, W2), {}, TypeError, r"input_shape must be a tuple of 3 ints"),
        (("abc", W2), {}, TypeError, r"input_shape must be a tuple of 3 ints"),
        (((1, 5), W2), {}, ValueError, r"input_shape must have 3 values, got 2"),
        (((1, 5, 0), W2), {}, ValueError, r"input_shape must be positive"),
        (((1, 5, 5.0), W2), {}, TypeError, r"input_shape must contain only ints"),
        (((1, 5), np.zeros(3)), {}, ValueError, r"weight must have shape .* at least one spatial"),
        (((2, 5, 5), W2), {}, ValueError, r"weight.shape\[1\] must equal C_in / groups"),
        (((1, 5, 5), W2), dict(stride=0), ValueError, r"stride must be positive"),
        (((1, 5, 5), W2), dict(padding=-1), ValueError, r"padding must be non-negative"),
        (((1, 5, 5), W2), dict(padding="same", stride=2), ValueError, r"padding='same' requires stride 1"),
        (((1, 2, 5), W2), {}, ValueError, r"kernel is larger than the padded input"),
        (((1, 5, 5), W2), dict(groups=2), ValueError, r"groups \(2\) must divide the input channels"),
        (((1, 5, 5), W2.astype(complex)), {}, TypeError, r"weight must be a float16, float32 or float64 array"),
    ],
)
def test_conv_matrix_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        conv_matrix(*args, **kwargs)


X = np.zeros((1, 2, 5, 5))


@pytest.mark.parametrize(
    "args,kwargs,error,match",
    [
        ((np.zeros((5, 5)), 3), {}, ValueError, r"input must have 4 dimensions \(N, C, H, W\) or 3"),
        ((np.zeros((1, 1, 1, 5, 5)), 3), {}, ValueError, r"input must have 4 dimensions"),
        ((X, 0), {}, ValueError, r"kernel_size must be positive"),
        ((X, (3, 3, 3)), {}, ValueError, r"kernel_size must have 2 value"),
        ((X, 2.0), {}, TypeError, r"kernel_size must be an int"),
        ((X, 6), {}, ValueError, r"kernel is larger than the padded input"),
        ((X, 3), dict(stride=0), ValueError, r"stride must be positive"),
        ((X, 3), dict(dilation=(1, 0)), ValueError, r"dilation must be positive"),
        ((X, 3), dict(padding=-2), ValueError, r"padding must be non-negative"),
        ((X.astype(complex), 3), {}, TypeError, r"input must be a float16, float32 or float64 array"),
    ],
)
def test_im2col_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        im2col(*args, **kwargs)


COLS = np.zeros((1, 2 * 9, 9))


@pytest.mark.parametrize(
    "args,kwargs,error,match",
    [
        ((np.zeros(9), 5, 3), {}, ValueError, r"cols must have 3 dimensions \(N, C\*kh\*kw, L\) or 2"),
        ((np.zeros((1, 1, 18, 9)), 5, 3), {}, ValueError, r"cols must have 3 dimensions"),
        ((np.zeros((1, 10, 9)), 5, 3), {}, ValueError, r"cols.shape\[-2\] must be a multiple of kh \* kw = 3 \* 3 = 9"),
        ((COLS, 6, 3), {}, ValueError, r"cols.shape\[-1\] must be the number of windows L = 4 \* 4 = 16"),
        ((COLS, 5, 3), dict(stride=2), ValueError, r"L = 2 \* 2 = 4 .* got 9"),
        ((COLS, 0, 3), {}, ValueError, r"output_size must be positive"),
        ((COLS, (5, 5, 5), 3), {}, ValueError, r"output_size must have 2 value"),
        ((COLS, 5, 0), {}, ValueError, r"kernel_size must be positive"),
        ((COLS, 2, 3), {}, ValueError, r"kernel .* is larger than the padded input"),
        ((COLS, 5, 3), dict(padding=-1), ValueError, r"padding must be non-negative"),
        ((COLS, 5, 3), dict(dilation=0), ValueError, r"dilation must be positive"),
        ((COLS.astype(complex), 5, 3), {}, TypeError, r"cols must be a float16, float32 or float64 array"),
    ],
)
def test_col2im_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        col2im(*args, **kwargs)


# -- figures -----------------------------------------------------------------------------------


@pytest.mark.parametrize("i,k,s,p,d", [(4, 3, 1, 0, 1), (5, 2, 2, 1, 1), (6, 3, 1, 1, 2)])
def test_tap_matrix_labels_the_entries_of_conv_matrix(i, k, s, p, d):
    w = np.random.default_rng(6).uniform(1, 2, (1, 1, k, k))
    taps = tap_matrix(i, k, s, p, d)
    C = conv_matrix((1, i, i), w, s, p, d)
    np.testing.assert_array_equal(np.where(taps >= 0, w.ravel()[taps], 0.0), C)


def test_matrix_view_describes_the_row():
    html = matrix_view(3, 1, 1, 0)  # corner output of a padded 4x4 input: 4 taps inside
    assert "row 0 of C = output y[0, 0]" in html
    assert "4 nonzeros in this row; 5 of the 9 taps fall on the zero padding" in html
    assert "all 9 taps land inside the input" in matrix_view(3, 1, 0, 0)
    # the index wraps around the number of outputs (here 1)
    wrapped = matrix_view(2, 2, 0, 5)  # 4 outputs: position 5 shows output 1
    assert "only 4 outputs: position 5 wraps around to 1" in wrapped
    assert wrapped.split("<div")[0] == matrix_view(2, 2, 0, 1).split("<div")[0]
    assert "only 1 output: position 5 wraps around to 0" in matrix_view(3, 2, 0, 5)
    assert "C: 9 × 25" in str(conv_matrix_svg(5, 3))


def test_matrix_explorer_is_light_enough_for_a_static_page():
    explorer = matrix_explorer()
    assert len(explorer.frames()) <= 300
    assert len(explorer.static_html()) <= 1_500_000
