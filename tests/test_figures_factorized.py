"""Figures of the chapters on pointwise, spatially separable and flattened convolutions."""

import re

import numpy as np
import pytest

import convkit
from convkit.figures import pointwise as pw


def test_pixel_view_shows_the_dot_product():
    x = np.arange(12).reshape(3, 2, 2)
    w = np.array([[1, 0, -1], [2, 1, 0]])
    svg = pw.pixel_view(x, w, row=1, col=0, out=0)
    assert svg.startswith("<svg") and "aria-label" in svg
    value = int(convkit.pointwise_conv2d(x.astype(float), w.astype(float))[0, 1, 0])  # 1*2 + 0*6 - 1*10 = -8
    assert value == -8
    assert f"y[0, 1, 0] = 1·2 + 0·6 + (-1)·10 = {value}" in svg


@pytest.mark.parametrize("kwargs", [dict(row=2, col=0, out=0), dict(row=0, col=0, out=2)])
def test_pixel_view_rejects_out_of_range(kwargs):
    with pytest.raises(ValueError, match="out of range"):
        pw.pixel_view(np.zeros((3, 2, 2)), np.zeros((2, 3)), **kwargs)


def test_pixel_explorer_has_one_frame_per_setting():
    explorer = pw.pixel_explorer(np.ones((2, 3, 3)), np.ones((2, 2)))
    assert len(explorer.frames()) == 3 * 3 * 2


def test_feature_maps_are_a_relu_of_a_random_layer():
    pre = pw.feature_maps(8, 16, relu=False)
    post = pw.feature_maps(8, 16)
    assert pre.shape == post.shape == (8, 16, 16)
    np.testing.assert_array_equal(post, np.maximum(pre, 0))
    assert not post.flags.writeable


def test_compression_curve_decreases_and_pca_is_best():
    pca, random = pw.compression_curve("PCA", 16, 16), pw.compression_curve("random", 16, 16)
    assert np.all(np.diff(pca) <= 1e-12) and pca[-1] < 1e-10
    assert np.all(pca <= random + 1e-12)
    # the curve agrees with the bottleneck computed directly
    x = pw.feature_maps(16, 16)
    d_w, d_b, u_w, u_b = convkit.pointwise.pca_compression(x, 4)
    rebuilt = convkit.pointwise_conv2d(convkit.pointwise_conv2d(x, d_w, d_b), u_w, u_b)
    assert np.isclose(pw.compression_curve("PCA", 16, 16)[list(pw.CURVE_RANKS).index(4)], pw.relative_error(x, rebuilt))


def test_compression_view_reports_rank_and_parameters():
    html = pw.compression_view(4, "random", channels=16, size=16, shown=(0,))
    assert "rank of the 16×16 channel mixing up·down = 4" in html
    assert f"= {2 * 16 * 4 + 4 + 16:,}" in html
    assert html.count("<img") == 2


def test_bottleneck_rejects_unknown_method():
    with pytest.raises(ValueError, match="method must be 'PCA' or 'random'"):
        pw.bottleneck(np.ones((4, 3, 3)), 2, "svd")


from convkit.figures import separable as sep  # noqa: E402


@pytest.mark.parametrize("angle,rank", [(0.0, 1), (90.0, 1), (45.0, 2), (30.0, 2)])
def test_directional_derivative_rank(angle, rank):
    w = sep.directional_derivative(5, angle)
    assert np.linalg.matrix_rank(w, tol=1e-10) == rank
    assert np.isclose(np.abs(w).max(), 1.0)


def test_directional_derivative_points_along_the_angle():
    # at 0 degrees it responds to brightness increasing to the right (like Sobel x)
    w = sep.directional_derivative(5, 0.0)
    ramp = np.tile(np.arange(5.0), (5, 1))
    assert np.sum(w * ramp) > 0 and np.isclose(np.sum(w * ramp.T), 0)


def test_disk_is_round_and_normalised():
    w = sep.disk(7)
    assert np.isclose(w.sum(), 1.0) and np.allclose(w, w.T) and np.allclose(w, w[::-1])
    assert w[3, 3] > 0 and w[0, 0] == 0


def test_separable_passes_equal_the_low_rank_kernel_filter():
    image = np.random.default_rng(0).standard_normal((20, 20))
    w = sep.KERNELS["disk 7×7"]
    for rank in (1, 2, 4):
        first, output = sep.separable_passes(image, w, rank)
        approx = convkit.low_rank_kernel(w, rank)
        expected = convkit.conv2d(image[None, None], approx[None, None], padding="same")[0, 0]
        np.testing.assert_allclose(output, expected, atol=1e-12)
        columns, _ = convkit.low_rank_factors(w, rank)
        np.testing.assert_allclose(first, convkit.conv2d(image[None, None], columns[:, 0].reshape(1, 1, -1, 1),
                                                         padding="same")[0, 0], atol=1e-12)


def test_separable_view_reports_the_eckart_young_error():
    html = sep.separable_view("random 5×5", 2, size=16)
    w = sep.KERNELS["random 5×5"]
    s = np.linalg.svd(w, compute_uv=False)
    assert f"<b>{np.sqrt(np.sum(s[2:] ** 2)) / np.linalg.norm(w):.3g}</b>" in html
    assert "2·(5 + 5) = 20" in html and html.count("<img") == 8
    # a rank beyond the kernel's size is clipped
    assert "Rank 3:" in sep.separable_view("Sobel x 3×3", 7, size=16)


def test_separable_view_says_when_the_best_approximation_is_not_unique():
    # the 45-degree derivative has two equal singular values
    s = np.linalg.svd(sep.KERNELS["derivative at 45°, 5×5"], compute_uv=False)
    assert np.isclose(s[0], s[1])
    assert "not unique" in sep.separable_view("derivative at 45°, 5×5", 1, size=16)
    assert "not unique" not in sep.separable_view("derivative at 45°, 5×5", 2, size=16)
    assert "not unique" not in sep.separable_view("disk 7×7", 1, size=16)


def test_separable_view_rejects_unknown_kernel():
    with pytest.raises(ValueError, match="name must be one of"):
        sep.separable_view("Prewitt", 1)


def test_oriented_patterns_are_balanced_and_deterministic():
    x1, y1 = sep.oriented_patterns(200, seed=3)
    x2, y2 = sep.oriented_patterns(200, seed=3)
    assert x1.shape == (200, 1, 16, 16) and x1.dtype == np.float32
    np.testing.assert_array_equal(x1, x2)
    assert set(np.unique(y1)) == {0, 1, 2, 3}
    # class 0 (0 degrees) varies along the rows only, up to noise: rank about 1
    clean, labels = sep.oriented_patterns(50, seed=1, noise=0.0)
    for image, label in zip(clean[:, 0], labels):
        s = np.linalg.svd(image, compute_uv=False)
        assert (s[1] / s[0] < 1e-10) == (label in (0, 2))


def test_matplotlib_figures_are_inline_svg():
    assert sep.error_vs_rank_html({"a": np.eye(3)}).startswith("<svg")
    assert sep.spectra_html({"a": np.stack([np.eye(3), np.ones((3, 3))])}).startswith("<svg")


from convkit.figures import flattened as fl  # noqa: E402


def tensor_rank1_error_bounds(w):
    """Lower bound (best rank-1 error of the unfoldings, numpy SVD) for any rank-1 tensor fit."""
    return max(np.sqrt(np.sum(np.linalg.svd(np.moveaxis(w, a, 0).reshape(w.shape[a], -1), compute_uv=False)[1:] ** 2))
               for a in range(3))


@pytest.mark.parametrize("name,exact", [("luminance Sobel", True), ("red − green blob", True), ("edge at 45°", False),
                                        ("centre–surround, red on / green off", False), ("random", False)])
def test_filter_bank_rank1_or_not(name, exact):
    w = fl.FILTERS[name]
    assert w.shape == (3, 5, 5) and np.isclose(np.abs(w).max(), 1.0)
    a, b, c = convkit.flattened_factors(w[None])
    error = np.linalg.norm(w - convkit.flattened_kernel(a, b, c)[0])
    assert (error < 1e-10) == exact
    assert error >= tensor_rank1_error_bounds(w) - 1e-9


def test_luminance_sobel_factors():
    a, b, c = (v[0] for v in convkit.flattened_factors(fl.FILTERS["luminance Sobel"][None]))
    np.testing.assert_allclose(a / a.sum(), fl.LUMINANCE, atol=1e-12)
    np.testing.assert_allclose(b / b.max(), [0, 0.5, 1, 0.5, 0], atol=1e-12)
    np.testing.assert_allclose(np.abs(c / c.max()), [0, 1, 0, 1, 0], atol=1e-12)


def test_greedy_terms_never_increase_the_residual():
    w = fl.FILTERS["random"]
    previous = np.linalg.norm(w)
    total = np.zeros_like(w)
    for a, b, c in fl.greedy_terms(w, 4):
        total = total + np.einsum("c,y,x->cyx", a, b, c)
        now = np.linalg.norm(w - total)
        assert now <= previous + 1e-12
        previous = now


def test_flattened_view_reports_error_and_parameters():
    html = fl.flattened_view("edge at 45°", 2)
    found = fl.greedy_terms(fl.FILTERS["edge at 45°"], 2)
    approx = sum(np.einsum("c,y,x->cyx", *t) for t in found)
    error = np.linalg.norm(fl.FILTERS["edge at 45°"] - approx) / np.linalg.norm(fl.FILTERS["edge at 45°"])
    assert f"<b>{error:.3f}</b>" in html and "2·(3 + 5 + 5) = 26 against 3·5·5 = 75" in html
    assert html.count("<img") == 9


def test_flattened_view_rejects_unknown_filter():
    with pytest.raises(ValueError, match="name must be one of"):
        fl.flattened_view("Sobel", 1)
