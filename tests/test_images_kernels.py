"""Synthetic test images, hand-made kernels and the figures of the multichannel chapter."""

import json
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit
from convkit import images, kernels
from convkit.figures import filters

# ---------------------------------------------------------------- images


@pytest.mark.parametrize("size", [16, 17, 64, 100])
def test_gray_image_shape_range_and_determinism(size):
    image = images.test_image(size)
    assert image.shape == (size, size) and image.dtype == np.float64
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert np.array_equal(image, images.test_image(size))
    assert len(np.unique(image)) > 5  # shapes, not a constant image


def test_gray_image_regions():
    image = images.test_image(64)
    assert image.max() == 1.0 and np.count_nonzero(image == 1.0) == 1  # the single impulse
    r, c = np.argwhere(image == 1.0)[0]
    assert np.all(image[r - 3:r + 4, c - 3:c + 4][image[r - 3:r + 4, c - 3:c + 4] != 1.0] == 0.05)  # inside the dark square
    assert image[32, 0] < image[32, 50]  # background brightens to the right (row 32 crosses no shape at col 0)
    stripe_row = image[15, 36:58]
    assert set(np.round(np.unique(stripe_row), 6)) == {0.15, 0.85}  # two levels, alternating
    assert np.count_nonzero(np.diff(stripe_row)) >= 8


@pytest.mark.parametrize("size", [16, 33, 64])
def test_rgb_image_shape_range_and_colours(size):
    image = images.test_image_rgb(size)
    assert image.shape == (size, size, 3) and image.dtype == np.float64
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert np.array_equal(image, images.test_image_rgb(size))
    colours = {tuple(np.round(p, 6)) for p in image.reshape(-1, 3)}
    assert colours <= {tuple(np.round(c, 6)) for c in images.COLOURS.values()}
    assert len(colours) == len(images.COLOURS)  # every region is present


def test_image_functions_are_not_collected_as_tests():
    assert images.test_image.__test__ is False and images.test_image_rgb.__test__ is False


@pytest.mark.parametrize("function", [images.test_image, images.test_image_rgb])
@pytest.mark.parametrize(
    "size,error,match",
    [
        (15, ValueError, r"size must be at least 16"),
        (0, ValueError, r"size must be positive"),
        (-3, ValueError, r"size must be positive"),
        (64.0, TypeError, r"size must be an int"),
        ("64", TypeError, r"size must be an int"),
        (True, TypeError, r"size must be an int"),
    ],
)
def test_image_size_errors(function, size, error, match):
    with pytest.raises(error, match=match):
        function(size)


# ---------------------------------------------------------------- kernels

EXPECTED = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box_blur": np.full((3, 3), 1 / 9),
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}
SUMS = {"identity": 1, "box_blur": 1, "gaussian": 1, "sharpen": 1, "sobel_x": 0, "sobel_y": 0,
        "laplacian": 0, "outline": 0, "emboss": 1}


def test_registry_names():
    assert set(kernels.KERNELS) == set(SUMS)
    with pytest.raises(TypeError):
        kernels.KERNELS["new"] = kernels.identity  # read-only


@pytest.mark.parametrize("name", sorted(SUMS))
def test_every_kernel_is_float64_2d_with_its_sum(name):
    w = kernels.kernel(name)
    assert w.dtype == np.float64 and w.ndim == 2 and w.shape[0] == w.shape[1] and w.shape[0] % 2 == 1
    assert np.isclose(w.sum(), SUMS[name], rtol=0, atol=1e-12)
    if name in EXPECTED:
        np.testing.assert_allclose(w, EXPECTED[name], rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", sorted(SUMS))
def test_kernel_returns_a_fresh_array(name):
    w = kernels.kernel(name)
    w[...] = 123.0
    assert not np.array_equal(kernels.kernel(name), w)


def test_sobel_is_rank_one_and_the_flipped_textbook_operator():
    assert np.array_equal(kernels.sobel_x(), np.outer([1, 2, 1], [-1, 0, 1]))
    assert np.array_equal(kernels.sobel_y(), np.outer([-1, 0, 1], [1, 2, 1]))
    assert np.array_equal(kernels.sobel_y(), kernels.sobel_x().T)
    textbook = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])  # applied by true convolution
    assert np.array_equal(kernels.sobel_x(), textbook[::-1, ::-1])
    assert np.linalg.matrix_rank(kernels.sobel_x()) == 1


def test_sobel_orientation_on_ramps():
    ramp = np.tile(np.arange(8.0), (8, 1))  # brighter to the right
    x = torch.from_numpy(ramp)[None, None]
    gx = F.conv2d(x, torch.from_numpy(kernels.sobel_x())[None, None]).numpy()
    gy = F.conv2d(x.transpose(-1, -2), torch.from_numpy(kernels.sobel_y())[None, None]).numpy()
    np.testing.assert_allclose(gx, 8.0)
    np.testing.assert_allclose(gy, 8.0)  # the transposed ramp gets brighter downwards


def test_sharpen_is_identity_minus_laplacian():
    assert np.array_equal(kernels.sharpen(), kernels.identity() - kernels.laplacian())


@given(st.integers(0, 5).map(lambda n: 2 * n + 1), st.floats(0.1, 10.0))
def test_gaussian_sums_to_one_is_symmetric_separable_and_peaked(size, sigma):
    w = kernels.gaussian(size, sigma)
    assert w.shape == (size, size) and w.dtype == np.float64
    assert np.isclose(w.sum(), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(w, w.T, rtol=0, atol=1e-15)
    np.testing.assert_allclose(w, w[::-1, ::-1], rtol=0, atol=1e-15)
    c = size // 2
    assert w[c, c] == w.max()
    g = w.sum(axis=1)  # the 1-d Gaussian
    np.testing.assert_allclose(w, np.outer(g, g), rtol=1e-12, atol=1e-15)
    t = np.arange(size) - c
    expected = np.exp(-(t[:, None] ** 2 + t[None, :] ** 2) / (2 * sigma**2))
    np.testing.assert_allclose(w, expected / expected.sum(), rtol=1e-12, atol=1e-15)


@given(st.integers(1, 7))
def test_box_blur_is_the_mean(size):
    w = kernels.box_blur(size)
    assert w.shape == (size, size)
    np.testing.assert_allclose(w, 1.0 / size**2)


@pytest.mark.parametrize("name", sorted(SUMS))
def test_filtering_the_test_image_matches_torch(name):
    x = images.test_image(32)[None, None]
    w = kernels.kernel(name)[None, None]
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding="same").numpy()
    got = convkit.conv2d(x, w, padding="same")
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_identity_kernel_copies_the_input():
    x = images.test_image(20)[None, None]
    for size in (1, 3, 5):
        np.testing.assert_array_equal(convkit.conv2d(x, kernels.identity(size)[None, None], padding="same"), x)


def test_kernel_options_are_passed_on():
    assert kernels.kernel("gaussian", size=7, sigma=2.0).shape == (7, 7)
    assert np.array_equal(kernels.kernel("box_blur", size=5), kernels.box_blur(5))


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: kernels.kernel("blur"), ValueError, r"unknown kernel name 'blur'; known names: identity, box_blur"),
        (lambda: kernels.kernel(3), TypeError, r"name must be a string"),
        (lambda: kernels.kernel("sharpen", size=3), TypeError, r"size"),
        (lambda: kernels.identity(4), ValueError, r"size must be odd"),
        (lambda: kernels.identity(0), ValueError, r"size must be positive"),
        (lambda: kernels.identity(3.0), TypeError, r"size must be an int"),
        (lambda: kernels.box_blur(0), ValueError, r"size must be positive"),
        (lambda: kernels.box_blur("3"), TypeError, r"size must be an int"),
        (lambda: kernels.gaussian(4), ValueError, r"size must be odd"),
        (lambda: kernels.gaussian(5, 0.0), ValueError, r"sigma must be a positive finite number"),
        (lambda: kernels.gaussian(5, -1.0), ValueError, r"sigma must be a positive finite number"),
        (lambda: kernels.gaussian(5, float("inf")), ValueError, r"sigma must be a positive finite number"),
        (lambda: kernels.gaussian(5, float("nan")), ValueError, r"sigma must be a positive finite number"),
        (lambda: kernels.gaussian(5, "1"), TypeError, r"sigma must be a real number"),
        (lambda: kernels.gaussian(5, True), TypeError, r"sigma must be a real number"),
    ],
)
def test_kernel_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- figures


def static_data(html):
    payload = re.search(r"<script type='application/json' class='ck-data'>(.*?)</script>", html, re.S).group(1)
    return json.loads(payload.replace("<\\/", "</"))


def test_filter_explorer_has_one_frame_per_kernel_and_stays_light():
    explorer = filters.filter_explorer()
    html = explorer.static_html()
    data = static_data(html)
    assert data["sizes"] == [len(filters.FILTERS)] and len(filters.FILTERS) <= 10
    assert len(data["frames"]) == len(filters.FILTERS)  # every kernel gives a different picture
    assert len(html) < 300_000
    for frame in data["frames"]:
        assert frame.count("<img") == 2 and frame.count("<svg") == 1


@pytest.mark.parametrize("name", list(filters.FILTERS))
def test_filter_view_states_the_output_size_and_sum(name):
    w = filters.FILTERS[name][0]
    html = filters.filter_view(name)
    k = w.shape[0]
    assert f"output {64 - k + 1}×{64 - k + 1}" in html
    assert f"kernel sum = {w.sum():.3g}" in html


def test_filter_view_and_explorer_errors():
    with pytest.raises(ValueError, match=r"name must be one of identity"):
        filters.filter_view("blur")
    with pytest.raises(ValueError, match=r"names must be keys of FILTERS"):
        filters.filter_explorer(["identity", "blur"])


def test_kernel_svg_shows_common_factor_or_decimals():
    assert "1/9 ×" in str(filters.kernel_svg(kernels.box_blur(3)))
    assert "0.162" in str(filters.kernel_svg(kernels.gaussian(5, 1.0)))
    assert ">-2<" in str(filters.kernel_svg(kernels.sobel_x()))
    with pytest.raises(ValueError, match=r"w must be a 2-d kernel"):
        filters.kernel_svg(np.zeros((1, 3, 3)))


@given(st.integers(1, 4), st.integers(1, 3), st.integers(4, 8))
def test_channel_contributions_sum_to_torch_conv(channels, k, size):
    rng = np.random.default_rng(channels * 100 + k * 10 + size)
    x = rng.standard_normal((channels, size, size + 1))
    w = rng.standard_normal((channels, k, k))
    b = rng.standard_normal(1)
    parts = filters.channel_contributions(x, w)
    assert parts.shape == (channels, size - k + 1, size + 2 - k)
    expected = F.conv2d(torch.from_numpy(x)[None], torch.from_numpy(w)[None], torch.from_numpy(b)).numpy()[0, 0]
    np.testing.assert_allclose(parts.sum(0) + b[0], expected, rtol=1e-10, atol=1e-10)
    for c in range(channels):
        single = F.conv2d(torch.from_numpy(x[c])[None, None], torch.from_numpy(w[c])[None, None]).numpy()[0, 0]
        np.testing.assert_allclose(parts[c], single, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    "x,w,match",
    [
        (np.zeros((3, 8)), np.zeros((3, 1, 1)), r"x must have shape \(C, H, W\)"),
        (np.zeros((3, 8, 8)), np.zeros((3, 1)), r"w must have shape \(C, kH, kW\)"),
        (np.zeros((3, 8, 8)), np.zeros((2, 1, 1)), r"same number of channels, got 3 and 2"),
    ],
)
def test_channel_contributions_errors(x, w, match):
    with pytest.raises(ValueError, match=match):
        filters.channel_contributions(x, w)


def test_mixing_view_formula_and_range():
    html = filters.mixing_view(1.0, -0.5, -0.5)
    rgb = images.test_image_rgb(64)
    y = rgb @ [1.0, -0.5, -0.5]
    assert "y = 1·R + -0.5·G + -0.5·B" in html
    assert f"output range [{y.min():.2f}, {y.max():.2f}]" in html
    assert html.count("<img") == 5
    with pytest.raises(TypeError, match=r"g must be a real number"):
        filters.mixing_view(1.0, "a", 0.0)


def test_mixing_explorer_has_125_frames_and_stays_under_budget():
    explorer = filters.mixing_explorer()
    html = explorer.static_html()
    data = static_data(html)
    assert data["sizes"] == [5, 5, 5] and len(data["lookup"]) == 125
    assert len(html) < 1_500_000
