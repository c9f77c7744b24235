"""Classic hand-made image kernels.

Before networks learned their kernels, image processing designed them by
hand.  Each function here returns a fresh 2-d ``float64`` array of shape
``(K, K)`` that can be used as the weight of a one-channel convolution,
``conv2d(x[None, None], w[None, None])``.

Orientation follows the deep-learning convention of this book:
:func:`~convkit.conv.conv2d` computes a cross-correlation (no flip), so
:func:`sobel_x` is written such that the output is *positive where the
image gets brighter to the right* (and :func:`sobel_y`, brighter
downwards).  Textbooks on image processing that apply kernels by true
convolution write the same operators flipped, e.g.
``[[1, 0, -1], [2, 0, -2], [1, 0, -1]]`` for the horizontal Sobel operator.

======================  ==========================================  =========
name                    what it does                                 sum
======================  ==========================================  =========
``identity``            copies the input                             1
``box_blur``            mean of the ``K x K`` window                 1
``gaussian``            weighted mean, weights ``exp(-r^2/2s^2)``   1
``sharpen``             ``identity - laplacian``: boosts edges       1
``sobel_x``             smoothed horizontal derivative               0
``sobel_y``             smoothed vertical derivative                 0
``laplacian``           sum of second derivatives (4-neighbour)      0
``outline``             8-neighbour Laplacian, sign flipped          0
``emboss``              diagonal derivative plus the image           1
======================  ==========================================  =========

A kernel that sums to 1 keeps the brightness of flat regions; one that sums
to 0 maps flat regions to 0 and responds only to changes.

Look kernels up by name with :func:`kernel`; the read-only mapping
``KERNELS`` maps every name to its function.
"""

from __future__ import annotations

import math
import numbers
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np

from .arguments import positive_int


def _odd_size(size: object, name: str = "size") -> int:
    size = positive_int(size, name)
    if size % 2 == 0:
        raise ValueError(f"{name} must be odd so the kernel has a centre pixel, got {size}")
    return size


def identity(size: int = 3) -> np.ndarray:
    """The identity kernel: 1 at the centre, 0 elsewhere.

    Parameters
    ----------
    size : int
        Odd side length ``K``.

    Returns
    -------
    ndarray, shape (size, size), float64

    Raises
    ------
    TypeError
        If ``size`` is not an int.
    ValueError
        If ``size`` is not a positive odd number.

    Examples
    --------
    >>> identity()
    array([[0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.]])
    """
    size = _odd_size(size)
    w = np.zeros((size, size))
    w[size // 2, size // 2] = 1.0
    return w


def box_blur(size: int = 3) -> np.ndarray:
    """The box (mean) filter: every weight ``1 / size**2``.

    Parameters
    ----------
    size : int
        Side length ``K >= 1``.

    Returns
    -------
    ndarray, shape (size, size), float64
        Sums to 1.

    Raises
    ------
    TypeError
        If ``size`` is not an int.
    ValueError
        If ``size < 1``.

    Examples
    --------
    >>> box_blur(2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    size = positive_int(size, "size")
    return np.full((size, size), 1.0 / size**2)


def gaussian(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    """A normalised, sampled 2-d Gaussian.

    ``w[i, j]`` is proportional to ``exp(-((i - c)**2 + (j - c)**2) / (2 sigma**2))``
    with ``c = size // 2``, scaled so the weights sum to 1.  It is the outer
    product of a 1-d Gaussian with itself (rank 1, *separable*).

    Parameters
    ----------
    size : int
        Odd side length ``K``.
    sigma : float
        Standard deviation in pixels, ``> 0``.

    Returns
    -------
    ndarray, shape (size, size), float64
        Symmetric, largest at the centre, sums to 1.

    Raises
    ------
    TypeError
        If ``size`` is not an int or ``sigma`` not a real number.
    ValueError
        If ``size`` is not a positive odd number or ``sigma`` is not a
        positive finite number.

    Examples
    --------
    >>> w = gaussian(3, sigma=1.0)
    >>> round(float(w.sum()), 12), w.shape
    (1.0, (3, 3))
    """
    size = _odd_size(size)
    if not isinstance(sigma, numbers.Real) or isinstance(sigma, bool):
        raise TypeError(f"sigma must be a real number, got {sigma!r}")
    if not (math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}")
    t = np.arange(size) - size // 2
    g = np.exp(-(t**2) / (2.0 * float(sigma) ** 2))
    g /= g.sum()
    return np.outer(g, g)


def sharpen() -> np.ndarray:
    """Sharpening: the identity minus the 4-neighbour Laplacian.

    Returns
    -------
    ndarray, shape (3, 3), float64
        ``[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]``; sums to 1.
    """
    return identity(3) - laplacian()


def sobel_x() -> np.ndarray:
    """Horizontal Sobel derivative (as a cross-correlation kernel).

    Smooths vertically with ``[1, 2, 1]`` and differentiates horizontally
    with ``[-1, 0, 1]``: ``sobel_x() == np.outer([1, 2, 1], [-1, 0, 1])``, a
    rank-1 (separable) kernel.  The response is positive where the image
    gets brighter to the right.

    Returns
    -------
    ndarray, shape (3, 3), float64
        ``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]``; sums to 0.
    """
    return np.outer([1.0, 2.0, 1.0], [-1.0, 0.0, 1.0])


def sobel_y() -> np.ndarray:
    """Vertical Sobel derivative: the transpose of :func:`sobel_x`.

    ``sobel_y() == np.outer([-1, 0, 1], [1, 2, 1])``; positive where the image
    gets brighter downwards (row index increasing).

    Returns
    -------
    ndarray, shape (3, 3), float64
        ``[[-1, -2, -1], [0, 0, 0], [1, 2, 1]]``; sums to 0.
    """
    return sobel_x().T.copy()


def laplacian() -> np.ndarray:
    """The 4-neighbour discrete Laplacian ``d^2/dx^2 + d^2/dy^2``.

    Returns
    -------
    ndarray, shape (3, 3), float64
        ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]``; sums to 0.
    """
    return np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def outline() -> np.ndarray:
    """Outline (edge) detector: minus the 8-neighbour Laplacian.

    Returns
    -------
    ndarray, shape (3, 3), float64
        8 at the centre, -1 around it; sums to 0.
    """
    w = -np.ones((3, 3))
    w[1, 1] = 8.0
    return w


def emboss() -> np.ndarray:
    """Emboss: a diagonal derivative added to the image (relief look).

    Returns
    -------
    ndarray, shape (3, 3), float64
        ``[[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]``; sums to 1.
    """
    return np.array([[-2.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])


# read-only mapping from kernel name to the function that builds it
KERNELS: Mapping[str, Callable[..., np.ndarray]] = MappingProxyType(
    {
        "identity": identity,
        "box_blur": box_blur,
        "gaussian": gaussian,
        "sharpen": sharpen,
        "sobel_x": sobel_x,
        "sobel_y": sobel_y,
        "laplacian": laplacian,
        "outline": outline,
        "emboss": emboss,
    }
)


def kernel(name: str, **options: object) -> np.ndarray:
    """A hand-made kernel by name, e.g. ``kernel("sobel_x")``.

    Parameters
    ----------
    name : str
        One of ``identity``, ``box_blur``, ``gaussian``, ``sharpen``,
        ``sobel_x``, ``sobel_y``, ``laplacian``, ``outline``, ``emboss``.
    **options
        Passed on to the kernel's function (``size`` for ``identity`` and
        ``box_blur``; ``size`` and ``sigma`` for ``gaussian``).

    Returns
    -------
    ndarray, shape (K, K), float64
        A new array (changing it does not change later results).

    Raises
    ------
    TypeError
        If ``name`` is not a string, or an option is not accepted.
    ValueError
        If ``name`` is unknown (the message lists the known names).

    Examples
    --------
    >>> kernel("sobel_x")
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {name!r}")
    if name not in KERNELS:
        raise ValueError(f"unknown kernel name {name!r}; known names: {', '.join(KERNELS)}")
    return KERNELS[name](**options)


__all__ = [
    "KERNELS",
    "box_blur",
    "emboss",
    "gaussian",
    "identity",
    "kernel",
    "laplacian",
    "outline",
    "sharpen",
    "sobel_x",
    "sobel_y",
]
