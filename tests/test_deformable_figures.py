"""The figures of the deformable convolution chapter: drawn from convkit's numbers, light enough for the page."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convkit
from convkit.figures import deformable as figures


def test_squares_are_magnified_copies():
    """Sampling the large square three times wider gives the small square's values (the chapter's premise)."""
    image = figures.squares_image()
    grid = np.arange(-1, 2)
    small = image[np.ix_(5 + grid, 4 + grid)]
    large = image[np.ix_(15 + 3 * grid, 15 + 3 * grid)]
    np.testing.assert_allclose(large, small, rtol=0, atol=1e-12)
    assert image.max() == 1 and image.min() == 0


def test_random_squares_balance_the_sizes():
    images, sides = figures.random_squares(np.random.default_rng(0), 8)
    assert images.shape == (8, 1, 24, 24) and sorted(sides.tolist()) == [3] * 4 + [9] * 4
    for image, side in zip(images[:, 0], sides):
        assert (image > 0).sum() == side * side  # one square, entirely inside the frame


def test_blob_kernel_responses_match_torch():
    image = torch.from_numpy(figures.squares_image())[None, None]
    blob = torch.from_numpy(figures.BLOB)[None, None]
    fixed = F.conv2d(image, blob, padding=1)[0, 0]
    assert fixed[5, 4].item() == pytest.approx(2 / 3) and fixed[15, 15].item() == pytest.approx(2 / 9)


def test_view_lists_the_bilinear_weights_of_the_blue_sample():
    image = figures.squares_image()
    html = figures.deformable_view(image, scale=2.0, rotation=20.0, shear=0.5, tap_dy=0.6, tap_dx=-0.6)
    position = re.search(r"blue sample p = \((-?[\d.]+), (-?[\d.]+)\)", html)
    y, x = float(position.group(1)), float(position.group(2))
    # the blue tap is tap 2 of the grid at (15, 15): A p_2 + (0.6, -0.6)
    angle = np.radians(20.0)
    a = 2.0 * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ [[1, 0], [0.5, 1]]
    expected = np.array([15.0, 15.0]) + a @ [-1.0, 1.0] + [0.6, -0.6]
    assert (y, x) == pytest.approx(tuple(expected), abs=0.006)
    total = float(re.search(r"x\(p\) = Σ G\(q, p\) x\(q\) = (-?[\d.]+)", html).group(1))
    assert total == pytest.approx(convkit.bilinear_sample(image, *expected), abs=1e-3)
    grid = torch.tensor([[[[2 * expected[1] / 23 - 1, 2 * expected[0] / 23 - 1]]]], dtype=torch.float64)
    torch_value = F.grid_sample(torch.from_numpy(image)[None, None], grid, align_corners=True).item()
    assert total == pytest.approx(torch_value, abs=1e-3)
    assert "ordinary 3×3 convolution" in figures.deformable_view(image)


def test_explorer_is_bounded():
    explorer = figures.deformable_explorer()
    assert len(explorer.frames()) == 4 * 3 * 3 * 3 * 3
    html = explorer.static_html()
    assert len(html) < 1_600_000  # the chapter page stays well under 3 MB
    assert all(c.label for c in explorer.controls)


def test_sampling_svg_draws_every_point():
    image = figures.squares_image()
    grid = convkit.deformable.kernel_grid(3)
    svg = str(figures.sampling_svg(image, [grid + 5, grid + 15], [grid + 5, grid + 15], free=(1, 2), title="t"))
    assert len(re.findall(r"M[\d.]+ [\d.]+h0", svg)) == 4 * 9  # regular, 17 orange, 1 blue
    assert svg.count("stroke-linecap:round") == 3  # dots survive other SVGs on the page
    assert "aria-label" in svg and "<image" in svg


def test_bilinear_svg_weights_sum_to_the_sample():
    values = np.array([[0.2, 0.5], [0.9, 0.4]])
    svg = figures.bilinear_svg(1.3, 2.6, values)
    weights = [float(w) for w in re.findall(r"w = ([\d.]+)", svg)]
    assert weights == pytest.approx([0.28, 0.42, 0.12, 0.18])
    assert "x(p) = Σ w x(q) = 0.446" in svg


def test_kink_figure_is_inline_svg():
    column = np.array([0.3, 1.0, 0.6])
    positions = np.linspace(-1, 3, 9)
    html = figures.kink_figure(column, positions, positions * 0, positions * 0)
    assert html.startswith("<svg ")


def test_kink_figure_is_labelled():
    html = figures.kink_figure(np.array([0.3, 1.0]), np.linspace(-1, 2, 5), np.zeros(5), np.zeros(5))
    assert html.startswith("<svg role='img' aria-label='value of a bilinear sample")
