"""Figures of the chapter "Deformable convolution".

* :func:`squares_image`, :func:`random_squares` -- synthetic inputs:
  squares (square pyramids) of two sizes.
* :func:`sampling_svg` -- an image with sampling grids drawn over it
  (regular positions hollow, deformed positions filled).
* :func:`bilinear_svg` -- one fractional sample between its four
  neighbours, with the areas that are its bilinear weights.
* :func:`kink_figure` -- a sample's value and its derivative along one
  axis: piecewise linear, kinks at integers.
* :func:`deformable_view` / :func:`deformable_explorer` -- scale, rotate and
  shear the kernel's sampling grid and move one tap: the sampling points,
  the output of :func:`~convkit.deformable.deform_conv2d`, and the bilinear
  weights of one sample in numbers.
"""

from __future__ import annotations

import base64
import io
import math
from html import escape
from typing import Sequence

import numpy as np

from ..conv import conv2d
from ..deformable import affine_offsets, bilinear_sample, bilinear_weight, deform_conv2d, kernel_grid
from ..interactive import Control, Explorer
from ..svg import SVG
from .common import GRID, KERNEL, UNREAD, figure_html, signed_rgb

# Okabe-Ito blue: the tap that moves on its own, and its four neighbours
FREE = "#0072b2"
BLOB = np.array([[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]]) / 8
"""A 3x3 'blob' kernel (centre minus the mean of its ring), used as the layer's weights."""


def _png_uri(rgb: np.ndarray, colours: int | None = None) -> str:
    """An ``(H, W, 3)`` array in [0, 1] as a ``data:`` URI of a PNG at its native size.

    ``colours`` quantises to a palette of that many colours (a smaller file).
    """
    from PIL import Image

    buffer = io.BytesIO()
    picture = Image.fromarray(np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8), mode="RGB")
    if colours:
        picture = picture.quantize(colours, dither=Image.Dither.NONE)
    picture.save(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _gray(image: np.ndarray) -> np.ndarray:
    """Values in [0, 1] as dark slate (0) to near white (1) RGB: bright squares on a dark ground."""
    v = np.clip(np.asarray(image, dtype=float), 0, 1)[..., None]
    dark, light = np.array([0.24, 0.27, 0.32]), np.array([0.97, 0.97, 0.97])
    return dark + v * (light - dark)


def _image(svg: SVG, uri: str, x: float, y: float, width: float, height: float) -> None:
    svg.items.append(
        f"<image href='{uri}' x='{x:g}' y='{y:g}' width='{width:g}' height='{height:g}' "
        "preserveAspectRatio='none' style='image-rendering:pixelated'/>"
    )


def squares_image(size: int = 24, squares: Sequence[tuple[int, int, int]] = ((4, 3, 3), (11, 11, 9))) -> np.ndarray:
    """A ``size x size`` image of square pyramids on a zero background.

    Each square of side ``s`` is brightest (1) at its centre and fades
    linearly to 0 at a distance ``s / 2`` (in the max-norm), so its level sets
    are squares and a square of side ``3 s`` is one of side ``s`` magnified
    three times: sampled three times wider, it gives the same values.

    Parameters
    ----------
    size : int
    squares : sequence of (top, left, side)
        Odd sides put the centre on a pixel, ``(top + (s-1)/2, left + (s-1)/2)``.

    Returns
    -------
    ndarray, shape (size, size), values in [0, 1]

    Examples
    --------
    >>> squares_image(5, [(1, 1, 3)])[:, 2]
    array([0.        , 0.33333333, 1.        , 0.33333333, 0.        ])
    """
    rows, cols = np.mgrid[:size, :size]
    image = np.zeros((size, size))
    for top, left, side in squares:
        centre_y, centre_x = top + (side - 1) / 2, left + (side - 1) / 2
        distance = np.maximum(np.abs(rows - centre_y), np.abs(cols - centre_x))
        image = np.maximum(image, 1 - distance / (side / 2))
    return image


def random_squares(rng: np.random.Generator, n: int, size: int = 24, sides: Sequence[int] = (3, 9),
                   margin: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images with one square pyramid each (see :func:`squares_image`), at random places.

    The sides cycle through ``sides`` (so each occurs ``n / len(sides)`` times),
    in random order.

    Returns
    -------
    images : ndarray, shape (n, 1, size, size)
    side : ndarray of int, shape (n,)
    """
    images = np.empty((n, 1, size, size))
    chosen = rng.permutation(np.resize(np.asarray(sides), n))
    for k, side in enumerate(chosen):
        top, left = rng.integers(margin, size - margin - side + 1, size=2)
        images[k, 0] = squares_image(size, [(int(top), int(left), int(side))])
    return images, chosen


def sampling_svg(
    image: np.ndarray,
    grids: Sequence[np.ndarray],
    regular: Sequence[np.ndarray] = (),
    cell: int = 10,
    title: str | None = None,
    free: tuple[int, int] | None = None,
    image_uri: str | None = None,
) -> SVG:
    """An image with sampling points drawn over it.

    Parameters
    ----------
    image : ndarray, shape (H, W), values in [0, 1]
    grids : sequence of ndarray, shape (K, 2)
        Sampling positions ``(y, x)`` in pixel coordinates (pixel centres at
        integers), drawn as filled dots.
    regular : sequence of ndarray, shape (K, 2)
        The positions of an ordinary convolution, drawn hollow, each joined
        to the matching point of ``grids``.
    cell : int
        Pixels per image pixel.
    title : str, optional
    free : (grid, tap), optional
        A sample drawn in blue with its four neighbouring pixels outlined.
    image_uri : str, optional
        The image already encoded (``data:`` URI), to save re-encoding it.
    """
    height, width = np.shape(image)
    top = 20 if title else 2
    svg = SVG(width * cell + 4, height * cell + top + 2,
              label=title or "image with the sampling points of a deformable convolution")
    if title:
        svg.text(2, 14, title, size=12, fill="#333")
    x0, y0 = 2, top
    _image(svg, image_uri or _png_uri(_gray(image)), x0, y0, width * cell, height * cell)
    svg.rect(x0, y0, width * cell, height * cell, fill="none", stroke=GRID, stroke_width=0.8)

    def at(y: float, x: float) -> str:
        return f"{x0 + (x + 0.5) * cell:.1f} {y0 + (y + 0.5) * cell:.1f}"

    def dots(points: Sequence[tuple[float, float]]) -> str:
        # a zero-length segment with a round cap is a dot: ~12 bytes per point
        return "".join(f"M{at(y, x)}h0" for y, x in points)

    def draw(points: Sequence[tuple[float, float]], fill: str, size: float) -> None:
        # an inline style: matplotlib's inline SVGs on the same page carry a global
        # "* {stroke-linecap: butt}" rule that beats a presentation attribute
        svg.path(dots(points), stroke=fill, stroke_width=size, style="stroke-linecap:round")

    if regular:
        lines = "".join(f"M{at(*b)}L{at(*m)}" for base, moved in zip(regular, grids) for b, m in zip(base, moved))
        svg.path(lines, stroke=GRID, stroke_width=0.8, fill="none")
        draw([p for base in regular for p in base], UNREAD, round(cell * 0.35, 1))
    others = [p for g, grid in enumerate(grids) for t, p in enumerate(grid) if free != (g, t)]
    draw(others, KERNEL, round(cell * 0.6, 1))
    if free is not None:
        y, x = grids[free[0]][free[1]]
        draw([(y, x)], FREE, round(cell * 0.6, 1))
        fy, fx = math.floor(y), math.floor(x)
        svg.rect(x0 + fx * cell, y0 + fy * cell, 2 * cell, 2 * cell, fill="none", stroke=FREE, stroke_width=1.5)
        svg.path(f"M{x0 + (fx + 1) * cell} {y0 + fy * cell}v{2 * cell}M{x0 + fx * cell} {y0 + (fy + 1) * cell}"
                 f"h{2 * cell}", stroke=FREE, stroke_width=1)
    return svg


def bilinear_svg(y: float, x: float, values: np.ndarray | None = None, cell: int = 110) -> str:
    """One sample at ``(y, x)`` between its four neighbouring pixels.

    The unit square between the neighbours' centres is cut by the sample
    into four rectangles; the weight of each neighbour is the area of the
    rectangle *opposite* to it, ``(1 - l_y)(1 - l_x)``, ``(1 - l_y) l_x``,
    ``l_y (1 - l_x)``, ``l_y l_x`` with ``l = p - floor(p)``.

    Parameters
    ----------
    y, x : float
        Sample position.
    values : ndarray, shape (2, 2), optional
        Pixel values of the four neighbours, written under their weights.
    cell : int
        Side of the unit square in pixels.

    Returns
    -------
    str
        SVG markup.
    """
    fy, fx = math.floor(y), math.floor(x)
    ly, lx = y - fy, x - fx
    side = 175  # room for the labels left and right of the square
    svg = SVG(2 * side + cell, cell + 96, label=f"bilinear interpolation of a sample at ({y:g}, {x:g})")
    left, top = side, 22
    px, py = left + lx * cell, top + ly * cell
    weights = {(0, 0): (1 - ly) * (1 - lx), (0, 1): (1 - ly) * lx, (1, 0): ly * (1 - lx), (1, 1): ly * lx}
    # the rectangle opposite each neighbour, shaded in that neighbour's colour
    fills = {(0, 0): "#fde7c0", (0, 1): "#cfe3f7", (1, 0): "#cdebd5", (1, 1): "#eadcf0"}
    for (a, b), fill in fills.items():
        rx = px if b == 0 else left
        ry = py if a == 0 else top
        rw = (left + cell - px) if b == 0 else (px - left)
        rh = (top + cell - py) if a == 0 else (py - top)
        svg.rect(rx, ry, rw, rh, fill=fill, stroke="none")
    svg.rect(left, top, cell, cell, fill="none", stroke=GRID, stroke_width=1.2)
    svg.line(px, top, px, top + cell, stroke=GRID, stroke_dasharray="4 3")
    svg.line(left, py, left + cell, py, stroke=GRID, stroke_dasharray="4 3")
    for (a, b), w in weights.items():
        cx, cy = left + b * cell, top + a * cell
        svg.circle(cx, cy, 9, fill=fills[(a, b)], stroke="#222", stroke_width=1.2)
        text = f"q = ({fy + a}, {fx + b}): w = {w:.2f}"
        if values is not None:
            text += f", x = {values[a, b]:g}"
        anchor, shift = ("end", -14) if b == 0 else ("start", 14)
        svg.text(cx + shift, cy + 4, text, size=11, fill="#222", text_anchor=anchor)
    svg.circle(px, py, 6, fill=KERNEL, stroke="#222", stroke_width=1.2)
    svg.text(px + 9, py - 8, f"p = ({y:g}, {x:g})", size=11, fill="#222")
    below = top + cell + 30
    svg.text(left + cell / 2, below, f"l_y = {ly:.2f}, l_x = {lx:.2f}: each weight is the area", size=11,
             fill="#444", text_anchor="middle")
    svg.text(left + cell / 2, below + 16, "of the rectangle opposite its pixel (same colour)", size=11,
             fill="#444", text_anchor="middle")
    if values is not None:
        total = sum(w * values[a, b] for (a, b), w in weights.items())
        svg.text(left + cell / 2, below + 34, f"x(p) = Σ w x(q) = {total:.3f}", size=12, fill="#222",
                 text_anchor="middle")
    return str(svg)


def kink_figure(column: np.ndarray, positions: np.ndarray, values: np.ndarray, slopes: np.ndarray) -> str:
    """A sample's value and its derivative along one axis (matplotlib, inline SVG).

    Parameters
    ----------
    column : ndarray, shape (H,)
        Pixel values along the axis (drawn as dots at the integers).
    positions : ndarray, shape (M,)
        Sample positions.
    values, slopes : ndarray, shape (M,)
        Sampled values and their derivatives at ``positions``.
    """
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 4.2), sharex=True)
    top.plot(positions, values, color="#0072b2", lw=1.8, label="bilinear sample")
    top.plot(np.arange(len(column)), column, "o", color=KERNEL, ms=6, label="pixel values")
    top.set_ylabel("value")
    top.legend(loc="upper right", fontsize=8, frameon=False)
    bottom.step(positions, slopes, where="post", color="#d55e00", lw=1.8)
    bottom.set_ylabel("d value / d y")
    bottom.set_xlabel("sample position y (pixel centres at integers)")
    for axis in (top, bottom):
        for k in range(-1, len(column) + 1):
            axis.axvline(k, color="#bbbbbb", lw=0.6, ls=":")
        axis.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    label = "value of a bilinear sample along one axis and its derivative, piecewise constant"
    return figure_html(fig).replace("<svg ", f"<svg role='img' aria-label='{label}' ", 1)


def _affine(scale: float, rotation: float, shear: float) -> np.ndarray:
    """``scale * R(rotation) @ S(shear)`` acting on ``(dy, dx)``; rotation in degrees."""
    angle = math.radians(rotation)
    rotate = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    skew = np.array([[1.0, 0.0], [shear, 1.0]])  # dx += shear * dy
    return scale * rotate @ skew


def deformable_view(
    image: np.ndarray,
    scale: float = 1.0,
    rotation: float = 0.0,
    shear: float = 0.0,
    tap_dy: float = 0.0,
    tap_dx: float = 0.0,
    centres: Sequence[tuple[int, int]] = ((5, 4), (15, 15)),
    tap: int = 2,
    weight: np.ndarray = BLOB,
    limit: float = 0.6,
    cell: int = 13,
    image_uri: str | None = None,
) -> str:
    """One setting of the grid transformation: sampling points, output and one sample's weights.

    The offsets are the same at every output position: the 3x3 grid ``pn``
    becomes ``A pn`` with ``A = scale * R(rotation) * shear``, and tap
    ``tap`` moves by ``(tap_dy, tap_dx)`` more.  The output is
    :func:`~convkit.deformable.deform_conv2d` of ``image`` (padding 1) with
    the kernel ``weight``.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    scale, rotation, shear : float
        Grid transformation (rotation in degrees, shear: ``dx += shear * dy``).
    tap_dy, tap_dx : float
        Extra offset of one tap.
    centres : sequence of (row, col)
        Output positions whose sampling points are drawn; the moved tap of
        the last one has its bilinear weights listed.
    tap : int
        Row-major index of the tap that moves on its own.
    weight : ndarray, shape (3, 3)
    limit : float
        Output value shown in full colour.
    cell : int
        Pixels per image pixel.
    image_uri : str, optional
        ``image`` already encoded as a PNG ``data:`` URI.

    Returns
    -------
    str
        HTML: two pictures and the bilinear weights of the blue sample.
    """
    height, width = image.shape
    a = _affine(scale, rotation, shear)
    offset = affine_offsets(a, 3, (height, width))
    offset[2 * tap] += tap_dy
    offset[2 * tap + 1] += tap_dx
    output = deform_conv2d(image[None, None], offset[None], weight[None, None], padding=1)[0, 0]

    grid = kernel_grid(3)
    moves = offset[:, 0, 0].reshape(-1, 2)
    regular = [np.asarray(c, dtype=float) + grid for c in centres]
    grids = [r + moves for r in regular]
    left = sampling_svg(image, grids, regular, cell=cell, title="input and sampling points",
                        free=(len(centres) - 1, tap), image_uri=image_uri)
    right = SVG(width * cell + 4, height * cell + 22, label="output of the deformable convolution")
    right.text(2, 14, "output (blob kernel)", size=12, fill="#333")
    _image(right, _png_uri(signed_rgb(output, limit), colours=48), 2, 20, width * cell, height * cell)
    right.rect(2, 20, width * cell, height * cell, fill="none", stroke=GRID, stroke_width=0.8)
    right.path("".join(f"M{2 + c * cell} {20 + r * cell}h{cell}v{cell}h{-cell}z" for r, c in centres),
               fill="none", stroke="#222", stroke_width=1.5)

    # the bilinear weights of the blue sample, in numbers
    y, x = grids[-1][tap]
    fy, fx = math.floor(y), math.floor(x)
    lines = [f"blue sample p = ({y:.2f}, {x:.2f});  G(q, p) = g(q_y, p_y) · g(q_x, p_x)"]
    total = 0.0
    for qy in (fy, fy + 1):
        for qx in (fx, fx + 1):
            inside = 0 <= qy < height and 0 <= qx < width
            value = float(image[qy, qx]) if inside else 0.0
            gy, gx = bilinear_weight(qy, y), bilinear_weight(qx, x)
            total += gy * gx * value
            where = f"({qy}, {qx})" + ("" if inside else " outside")
            lines.append(f"  q = {where:16s} G = {gy:.2f} · {gx:.2f} = {gy * gx:.3f}   x(q) = {value:.3f}")
    lines.append(f"  x(p) = Σ G(q, p) x(q) = {total:.3f}   (bilinear_sample: {bilinear_sample(image, y, x):.3f})")
    kind = "ordinary 3×3 convolution" if np.allclose(offset, 0) else "deformable"
    lines.insert(0, f"A = [[{a[0, 0]:.2f}, {a[0, 1]:.2f}], [{a[1, 0]:.2f}, {a[1, 1]:.2f}]] acting on (dy, dx): {kind}")
    text = escape("\n".join(lines))
    row = "".join(
        f"<span style='display:inline-block;vertical-align:top;margin-right:12px'>{panel}</span>"
        for panel in (left, right)
    )
    return f"<div>{row}</div><pre style='font-size:12px;line-height:1.4;margin:4px 0'>{text}</pre>"


def deformable_explorer(
    image: np.ndarray | None = None,
    scales: Sequence[float] = (0.5, 1.0, 2.0, 3.0),
    rotations: Sequence[float] = (0.0, 20.0, 45.0),
    shears: Sequence[float] = (-0.5, 0.0, 0.5),
    tap_offsets: Sequence[float] = (-0.6, 0.0, 0.6),
) -> Explorer:
    """Sliders for the grid's scale, rotation and shear and one tap's offset, over :func:`deformable_view`.

    The default values give 4 * 3 * 3 * 3 * 3 = 324 frames.
    """
    image = squares_image() if image is None else np.asarray(image, dtype=float)
    uri = _png_uri(_gray(image))

    def render(scale: float, rotation: float, shear: float, tap_dy: float, tap_dx: float) -> str:
        return deformable_view(image, scale, rotation, shear, tap_dy, tap_dx, image_uri=uri)

    return Explorer(
        render,
        [
            Control("scale", scales, "scale", 1.0),
            Control("rotation", rotations, "rotation (°)", 0.0),
            Control("shear", shears, "shear", 0.0),
            Control("tap_dy", tap_offsets, "blue tap dy", 0.0),
            Control("tap_dx", tap_offsets, "blue tap dx", 0.0),
        ],
    )


__all__ = [
    "BLOB",
    "bilinear_svg",
    "deformable_explorer",
    "deformable_view",
    "kink_figure",
    "random_squares",
    "sampling_svg",
    "squares_image",
]
