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
    value = int(convkit.pointwise_conv2d(x, w)[0, 1, 0])  # 1*2 + 0*6 - 1*10 = -8
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
