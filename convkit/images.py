"""Small synthetic test images, made by code (nothing is downloaded).

The figures and exercises of the book filter these images with hand-made
kernels (:mod:`convkit.kernels`).  Both images are deterministic and built
from simple shapes with known edges, so the effect of a kernel is easy to
read off:

* :func:`test_image` -- grayscale, shape ``(size, size)``: a horizontal
  brightness gradient, a bright disc, a dark square with one bright pixel in
  its centre (an *impulse*: its neighbourhood in a filtered image shows the
  kernel itself, flipped), vertical stripes and a triangle.
* :func:`test_image_rgb` -- colour, shape ``(size, size, 3)``: a red disc, a
  green square, a blue triangle, yellow stripes and a cyan bar on a grey
  background.  Every region is one flat colour, so mixing the R, G and B
  channels with different weights shows clearly which regions a channel
  combination picks out.

Values are float64 in ``[0, 1]``.  Row 0 is the top of the image and column
0 its left edge, as in ``matplotlib.pyplot.imshow``.
"""

from __future__ import annotations

import numpy as np

from .arguments import positive_int

MIN_SIZE = 16


def _checked_size(size: object) -> int:
    size = positive_int(size, "size")
    if size < MIN_SIZE:
        raise ValueError(f"size must be at least {MIN_SIZE} pixels so the shapes are visible, got {size}")
    return size


def _coordinates(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates in ``[0, 1)``: rows ``v`` (downwards) and columns ``u`` (rightwards)."""
    centres = (np.arange(size) + 0.5) / size
    v, u = np.meshgrid(centres, centres, indexing="ij")
    return v, u


def _masks(size: int) -> dict[str, np.ndarray]:
    """Boolean masks, shape ``(size, size)``, of the shapes shared by both images."""
    v, u = _coordinates(size)
    half = max(size // 32, 1)  # stripes are `half` pixels wide (2 at size 64)
    columns = np.arange(size)[np.newaxis, :].repeat(size, axis=0)
    return {
        "disc": (v - 0.3) ** 2 + (u - 0.28) ** 2 <= 0.17**2,
        "square": (v >= 0.56) & (v < 0.88) & (u >= 0.1) & (u < 0.42),
        "stripes": (v >= 0.1) & (v < 0.46) & (u >= 0.56) & (u < 0.9) & ((columns // half) % 2 == 0),
        "stripe_area": (v >= 0.1) & (v < 0.46) & (u >= 0.56) & (u < 0.9),
        "triangle": (v >= 0.56) & (v < 0.9) & (np.abs(u - 0.72) <= (v - 0.56) * 0.6),
    }


def test_image(size: int = 64) -> np.ndarray:
    """A grayscale test image with simple shapes and known edges.

    Parameters
    ----------
    size : int
        Height and width in pixels; at least 16.

    Returns
    -------
    ndarray, shape (size, size), float64
        Values in ``[0, 1]``: a gradient from 0.15 (left) to 0.45 (right), a
        bright disc (0.9), a dark square (0.05) with a single bright pixel
        (1.0) at its centre, vertical stripes alternating 0.15/0.85 (each
        ``max(size // 32, 1)`` pixels wide) and a triangle (0.65).

    Raises
    ------
    TypeError
        If ``size`` is not an int.
    ValueError
        If ``size`` is smaller than 16.

    Examples
    --------
    >>> image = test_image(32)
    >>> image.shape, image.dtype, float(image.min()) >= 0, float(image.max()) <= 1
    ((32, 32), dtype('float64'), True, True)
    """
    size = _checked_size(size)
    v, u = _coordinates(size)
    masks = _masks(size)
    image = 0.15 + 0.3 * u  # background: brighter to the right
    image[masks["disc"]] = 0.9
    image[masks["square"]] = 0.05
    rows, cols = np.nonzero(masks["square"])
    image[(rows.min() + rows.max()) // 2, (cols.min() + cols.max()) // 2] = 1.0  # the impulse
    image[masks["stripe_area"]] = 0.15
    image[masks["stripes"]] = 0.85
    image[masks["triangle"]] = 0.65
    return image


# pytest collects functions named test_* from test modules that import them; this one is not a test
test_image.__test__ = False  # type: ignore[attr-defined]


COLOURS = {
    "background": (0.3, 0.3, 0.3),
    "disc": (0.95, 0.15, 0.1),
    "square": (0.1, 0.75, 0.2),
    "triangle": (0.15, 0.3, 0.95),
    "stripes": (0.95, 0.85, 0.1),
    "bar": (0.1, 0.8, 0.85),
}
"""RGB colour of each region of :func:`test_image_rgb`, values in ``[0, 1]``."""


def test_image_rgb(size: int = 64) -> np.ndarray:
    """A colour test image made of flat-coloured shapes.

    Parameters
    ----------
    size : int
        Height and width in pixels; at least 16.

    Returns
    -------
    ndarray, shape (size, size, 3), float64
        Channels last (R, G, B), values in ``[0, 1]``; the colours are listed
        in ``convkit.images.COLOURS``.  For a convolution layer, move the channels first:
        ``image.transpose(2, 0, 1)`` has shape ``(3, size, size)``.

    Raises
    ------
    TypeError
        If ``size`` is not an int.
    ValueError
        If ``size`` is smaller than 16.

    Examples
    --------
    >>> test_image_rgb(16).shape
    (16, 16, 3)
    """
    size = _checked_size(size)
    v, u = _coordinates(size)
    masks = _masks(size)
    masks["bar"] = (v >= 0.48) & (v < 0.54) & (u >= 0.1) & (u < 0.9)
    image = np.empty((size, size, 3))
    image[...] = COLOURS["background"]
    for name in ("disc", "square", "triangle", "stripes", "bar"):
        image[masks[name]] = COLOURS[name]
    return image


test_image_rgb.__test__ = False  # type: ignore[attr-defined]

__all__ = ["COLOURS", "test_image", "test_image_rgb"]
