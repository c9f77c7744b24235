"""convkit.separable: rank-1 splits and low-rank kernels against numpy.linalg; two 1-d passes against torch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit
from convkit import kernels


@st.composite
def matrices(draw, max_side=7):
    shape = (draw(st.integers(1, max_side)), draw(st.integers(1, max_side)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal(shape)


@st.composite
def rank1_kernels(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    column = rng.standard_normal(draw(st.integers(1, 7)))
    row = rng.standard_normal(draw(st.integers(1, 7)))
    return column, row


@given(rank1_kernels())
def test_separate_kernel_recovers_any_outer_product(case):
    column, row = case
    w = np.outer(column, row)
    got_column, got_row = convkit.separate_kernel(w)
    np.testing.assert_allclose(np.outer(got_column, got_row), w, rtol=1e-12, atol=1e-12)
    # the split is unique up to a scale: parallel to the true factors
    assert abs(abs(got_column @ column) - np.linalg.norm(got_column) * np.linalg.norm(column)) < 1e-9
    # balanced scale and sign convention
    assert np.isclose(np.linalg.norm(got_column), np.linalg.norm(got_row))
    assert got_column[np.argmax(np.abs(got_column))] > 0


@pytest.mark.parametrize("name,column,row", [
    ("sobel_x", [1, 2, 1], [-1, 0, 1]),
    ("sobel_y", [-1, 0, 1], [1, 2, 1]),
    ("box_blur", [1, 1, 1], [1 / 9, 1 / 9, 1 / 9]),
])
def test_classic_kernels_are_separable(name, column, row):
    w = kernels.kernel(name)
    np.testing.assert_allclose(np.outer(column, row), w, atol=1e-15)
    got_column, got_row = convkit.separate_kernel(w)
    np.testing.assert_allclose(np.outer(got_column, got_row), w, atol=1e-14)
    # parallel to the textbook factors
    np.testing.assert_allclose(got_column / got_column[np.argmax(np.abs(column))],
                               np.array(column) / column[np.argmax(np.abs(column))], atol=1e-12)


def test_gaussian_is_separable():
    w = kernels.gaussian(7, sigma=1.5)
    column, row = convkit.separate_kernel(w)
    np.testing.assert_allclose(np.outer(column, row), w, atol=1e-15)
    np.testing.assert_allclose(column, row, atol=1e-15)  # symmetric Gaussian: equal factors


def test_zero_kernel_separates_into_zeros():
    column, row = convkit.separate_kernel(np.zeros((3, 2)))
    assert column.shape == (3,) and row.shape == (2,) and not column.any() and not row.any()


def test_non_separable_kernel_error_reports_the_ratio():
    w = kernels.laplacian()  # singular values 4.83, 2, 0.83 (approximately)
    s = np.linalg.svd(w, compute_uv=False)
    with pytest.raises(ValueError, match=rf"kernel is not separable .*tol=1e-08.* {s[1] / s[0]:.3g} times the first"):
        convkit.separate_kernel(w)
    # a generous tolerance accepts it
    convkit.separate_kernel(w, tol=0.5)


def test_tolerance_boundary():
    w = np.diag([1.0, 1e-6])
    with pytest.raises(ValueError, match="not separable"):
        convkit.separate_kernel(w, tol=1e-7)
    column, row = convkit.separate_kernel(w, tol=1e-5)
    np.testing.assert_allclose(np.outer(column, row), np.diag([1.0, 0.0]), atol=1e-15)


@given(matrices(), st.data())
def test_low_rank_kernel_is_the_truncated_svd(w, data):
    rank = data.draw(st.integers(1, min(w.shape)))
    u, s, vt = np.linalg.svd(w)
    expected = (u[:, :rank] * s[:rank]) @ vt[:rank]
    got = convkit.low_rank_kernel(w, rank)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    # Eckart-Young: the error is the norm of the discarded singular values
    assert np.isclose(np.linalg.norm(w - got), np.sqrt(np.sum(s[rank:] ** 2)), rtol=1e-9, atol=1e-12)
    assert np.linalg.matrix_rank(got, tol=1e-9 * max(s[0], 1e-300)) <= rank
    columns, rows = convkit.low_rank_factors(w, rank)
    assert columns.shape == (w.shape[0], rank) and rows.shape == (rank, w.shape[1])
    np.testing.assert_allclose(columns @ rows, got, rtol=1e-12, atol=1e-12)


@given(matrices(max_side=5))
def test_low_rank_kernel_beats_random_rank1_kernels(w):
    best = np.linalg.norm(w - convkit.low_rank_kernel(w, 1))
    rng = np.random.default_rng(0)
    for _ in range(20):
        other = np.outer(rng.standard_normal(w.shape[0]), rng.standard_normal(w.shape[1]))
        # best multiple of a random rank-1 matrix
        scale = np.sum(w * other) / np.sum(other * other)
        assert np.linalg.norm(w - scale * other) >= best - 1e-12


def test_full_rank_returns_the_kernel(rng):
    w = rng.standard_normal((3, 5))
    np.testing.assert_allclose(convkit.low_rank_kernel(w, 3), w, atol=1e-13)


def test_singular_values_match_numpy(rng):
    w = rng.standard_normal((4, 6))
    np.testing.assert_allclose(convkit.separable.singular_values(w), np.linalg.svd(w, compute_uv=False), rtol=1e-14)


@st.composite
def separable_cases(draw):
    groups = draw(st.integers(1, 3))
    c_in, c_mid, c_out = (groups * draw(st.integers(1, 3)) for _ in range(3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    mode = draw(st.sampled_from(["int", "tuple", "same", "valid"]))
    if mode == "same":
        stride, padding, pads = 1, "same", (0, 0)
    else:
        stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        pads = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
        padding = {"int": pads[0], "tuple": pads, "valid": "valid"}[mode]
        pads = {"int": (pads[0], pads[0]), "tuple": pads, "valid": (0, 0)}[mode]
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * pads[0]), 8))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pads[1]), 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    batch = draw(st.sampled_from([(), (2,)]))
    x = rng.standard_normal(batch + (c_in, h, w))
    column = rng.standard_normal((c_mid, c_in // groups, kh, 1))
    row = rng.standard_normal((c_out, c_mid // groups, 1, kw))
    bias = rng.standard_normal(c_out) if draw(st.booleans()) else None
    return x, column, row, bias, dict(stride=stride, padding=padding, dilation=(dh, dw), groups=groups)


@given(separable_cases())
def test_two_passes_equal_torch_conv2d_with_the_full_kernel(case):
    x, column, row, bias, kwargs = case
    full = convkit.spatially_separable_weight(column, row, groups=kwargs["groups"])
    # the full kernel, by the definition (sum over the intermediate channels of each group)
    g = kwargs["groups"]
    c_mid, c_out = column.shape[0], row.shape[0]
    by_hand = np.zeros(full.shape)
    for o in range(c_out):
        group = o // (c_out // g)
        for m_local in range(c_mid // g):
            m = group * (c_mid // g) + m_local
            by_hand[o] += np.einsum("cy,x->cyx", column[m, :, :, 0], row[o, m_local, 0])
    np.testing.assert_allclose(full, by_hand, rtol=1e-12, atol=1e-12)
    t = torch.from_numpy
    expected = F.conv2d(t(x), t(full), None if bias is None else t(bias), **kwargs).numpy()
    got = convkit.spatially_separable_conv2d(x, column, row, bias, **kwargs)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    # and torch's own two passes, padded the same way, agree
    ph = kwargs["padding"] if isinstance(kwargs["padding"], str) else np.broadcast_to(kwargs["padding"], 2)
    if not isinstance(ph, str):
        s = np.broadcast_to(kwargs["stride"], 2)
        middle = F.conv2d(t(x), t(column), None, (int(s[0]), 1), (int(ph[0]), 0), (kwargs["dilation"][0], 1), g)
        two = F.conv2d(middle, t(row), None if bias is None else t(bias), (1, int(s[1])), (0, int(ph[1])),
                       (1, kwargs["dilation"][1]), g)
        np.testing.assert_allclose(two.numpy(), expected, rtol=1e-10, atol=1e-10)


def test_padding_the_intermediate_on_both_axes_is_wrong(rng):
    """Padding both passes in both directions grows the output: the borders would not match."""
    x = torch.from_numpy(rng.standard_normal((1, 1, 6, 6)))
    column = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64).reshape(1, 1, 3, 1)
    row = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64).reshape(1, 1, 1, 3)
    wrong = F.conv2d(F.conv2d(x, column, padding=1), row, padding=1)
    assert wrong.shape[-2:] == (8, 8)
    right = convkit.spatially_separable_conv2d(x.numpy(), column.numpy(), row.numpy(), padding=1)
    np.testing.assert_allclose(right, F.conv2d(x, torch.from_numpy(kernels.sobel_x()).reshape(1, 1, 3, 3),
                                               padding=1).numpy(), rtol=1e-12, atol=1e-12)


def test_bias_in_the_first_pass_breaks_the_borders(rng):
    """With zero padding, a bias added after the vertical pass is not constant near the left/right border."""
    x = torch.from_numpy(rng.standard_normal((1, 1, 5, 5)))
    column = torch.ones(1, 1, 3, 1, dtype=torch.float64)
    row = torch.ones(1, 1, 1, 3, dtype=torch.float64)
    b = torch.ones(1, dtype=torch.float64)
    early = F.conv2d(F.conv2d(x, column, b, padding=(1, 0)), row, padding=(0, 1))
    full = F.conv2d(x, torch.ones(1, 1, 3, 3, dtype=torch.float64), 3 * b, padding=1)
    diff = (early - full).abs()[0, 0]
    assert diff[:, 1:-1].max() < 1e-12 and diff[:, 0].min() > 0.5  # interior agrees, border column does not


def test_float32_stays_float32(rng):
    x = rng.standard_normal((1, 2, 6, 6)).astype(np.float32)
    column = rng.standard_normal((3, 2, 3, 1)).astype(np.float32)
    row = rng.standard_normal((4, 3, 1, 3)).astype(np.float32)
    got = convkit.spatially_separable_conv2d(x, column, row, padding=1)
    assert got.dtype == np.float32
    full = convkit.spatially_separable_weight(column, row)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(full), padding=1).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.data())
def test_separable_factors_are_the_truncated_svd_of_the_reshaped_weight(seed, c_in, c_out, kh, kw, data):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((c_out, c_in, kh, kw))
    # the matrix with rows (o, x) and columns (c, y), built by loops from the definition
    m = np.empty((c_out * kw, c_in * kh))
    for o in range(c_out):
        for x in range(kw):
            for c in range(c_in):
                for y in range(kh):
                    m[o * kw + x, c * kh + y] = w[o, c, y, x]
    s = np.linalg.svd(m, compute_uv=False)
    mid = data.draw(st.integers(1, len(s)))
    column, row = convkit.spatially_separable_factors(w, mid)
    assert column.shape == (mid, c_in, kh, 1) and row.shape == (c_out, mid, 1, kw)
    approx = convkit.spatially_separable_weight(column, row)
    assert np.isclose(np.linalg.norm(w - approx), np.sqrt(np.sum(s[mid:] ** 2)), rtol=1e-9, atol=1e-10)
    if mid == len(s):
        np.testing.assert_allclose(approx, w, rtol=1e-10, atol=1e-10)


def test_separable_factors_of_one_channel_are_the_kernel_svd(rng):
    k = rng.standard_normal((5, 5))
    column, row = convkit.spatially_separable_factors(k[None, None], 2)
    np.testing.assert_allclose(convkit.spatially_separable_weight(column, row)[0, 0], convkit.low_rank_kernel(k, 2),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call,error,match", [
    (lambda: convkit.spatially_separable_factors(np.ones((2, 3, 3)), 1), ValueError, r"weight must have 4 dimensions"),
    (lambda: convkit.spatially_separable_factors(np.ones((1, 1, 3, 3)), 4), ValueError,
     r"mid_channels must be at most min\(C_out \* k_w, C_in \* k_h\) = 3"),
    (lambda: convkit.spatially_separable_factors(np.ones((1, 1, 3, 3)), 0), ValueError, r"mid_channels must be positive"),
    (lambda: convkit.separate_kernel(np.ones(3)), ValueError, r"kernel must be a 2-d array \(k_h, k_w\)"),
    (lambda: convkit.separate_kernel(np.ones((2, 0))), ValueError, r"kernel must not be empty"),
    (lambda: convkit.separate_kernel([[1.0, np.nan]]), ValueError, r"kernel must contain only finite"),
    (lambda: convkit.separate_kernel(np.ones((2, 2)), tol=-1), ValueError, r"tol must be non-negative"),
    (lambda: convkit.separate_kernel(np.ones((2, 2)), tol="1"), TypeError, r"tol must be a real number"),
    (lambda: convkit.separate_kernel(np.ones((2, 2), dtype=complex)), TypeError, r"kernel must be a real"),
    (lambda: convkit.low_rank_kernel(np.ones((2, 3)), 3), ValueError, r"rank must be at most min\(k_h, k_w\) = 2"),
    (lambda: convkit.low_rank_kernel(np.ones((2, 3)), 0), ValueError, r"rank must be positive"),
    (lambda: convkit.low_rank_kernel(np.ones((2, 3)), 1.0), TypeError, r"rank must be an int"),
    (lambda: convkit.spatially_separable_conv2d(np.zeros((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), np.ones((1, 1, 1, 3))),
     ValueError, r"column must be a k x 1 \(vertical\) kernel, got kernel 3 x 3"),
    (lambda: convkit.spatially_separable_conv2d(np.zeros((1, 1, 5, 5)), np.ones((1, 1, 3, 1)), np.ones((1, 1, 3, 1))),
     ValueError, r"row must be a 1 x k \(horizontal\) kernel"),
    (lambda: convkit.spatially_separable_conv2d(np.zeros((1, 1, 5, 5)), np.ones((1, 3, 1)), np.ones((1, 1, 1, 3))),
     ValueError, r"column must have 4 dimensions"),
    (lambda: convkit.spatially_separable_conv2d(np.zeros((1, 2, 5, 5)), np.ones((1, 1, 3, 1)), np.ones((1, 1, 1, 3))),
     ValueError, r"C_in / groups"),
    (lambda: convkit.spatially_separable_conv2d(np.zeros((1, 1, 5, 5)), np.ones((1, 1, 3, 1)), np.ones((1, 1, 1, 3)),
                                                stride=0), ValueError, r"stride must be positive"),
    (lambda: convkit.spatially_separable_conv2d(np.zeros((1, 1, 5, 5)), np.ones((1, 1, 3, 1)), np.ones((1, 1, 1, 3)),
                                                padding=(1, -1)), ValueError, r"padding must be non-negative"),
    (lambda: convkit.spatially_separable_conv2d(np.zeros((1, 1, 5, 5)), np.ones((1, 1, 3, 1)), np.ones((1, 1, 1, 3)),
                                                padding="same", stride=2), ValueError, r"padding='same' requires stride 1"),
    (lambda: convkit.spatially_separable_conv2d(np.zeros((1, 1, 5, 5), dtype=np.float32), np.ones((1, 1, 3, 1)),
                                                np.ones((1, 1, 1, 3))), TypeError, r"input, column, row must have the same dtype"),
    (lambda: convkit.spatially_separable_conv2d(np.zeros((1, 1, 5, 5)), np.ones((1, 1, 3, 1), dtype=int),
                                                np.ones((1, 1, 1, 3))), TypeError, r"column must be a float16, float32 or float64"),
    (lambda: convkit.spatially_separable_factors(np.ones((1, 1, 3, 3), dtype=int), 1), TypeError,
     r"weight must be a float16, float32 or float64"),
    (lambda: convkit.spatially_separable_weight(np.ones((3, 1, 3, 1)), np.ones((2, 3, 1, 3)), groups=2),
     ValueError, r"groups \(2\) must divide the intermediate channels"),
    (lambda: convkit.spatially_separable_weight(np.ones((2, 1, 3, 1)), np.ones((2, 2, 1, 3)), groups=2),
     ValueError, r"row.shape\[1\] must equal C_mid / groups"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
