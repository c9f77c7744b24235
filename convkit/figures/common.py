"""Building blocks shared by the figures of every chapter.

* colours used throughout the book;
* :func:`array_svg` -- a small 2-d array as a grid of numbers;
* :func:`image_html` -- an array as an inline PNG;
* :func:`signed_rgb`, :func:`signed_image_html` -- signed values on a
  blue-white-red scale with zero always white;
* :func:`figure_html` -- a matplotlib figure as inline SVG or PNG, with a
  text alternative (:func:`figure_description`);
* :func:`readable_text` -- black or white text, whichever reads better on a fill.

The colours are chosen for colour-blind readers: ``tests/test_colours.py``
simulates protanopia, deuteranopia and tritanopia and checks that the colours
drawn side by side stay apart (CIEDE2000 colour difference).
"""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Sequence

import numpy as np

from ..svg import SVG

# colours (colour-blind friendly, readable in print; tests/test_colours.py checks them)
INPUT = "#cfe3f7"
PADDING = "#f1f1f1"
PADDING_LINE = "#b9c0c8"  # dashed lines around padding cells
PADDING_TEXT = "#6b7480"  # the zeros written in padding cells
OUTPUT = "#b5e3ca"
KERNEL = "#f59e0b"
KERNEL_CELL = "#fde7c0"
UNREAD = "#9aa5b1"
GRID = "#56606b"
ERROR = "#b91c1c"


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` (or ``#rgb``) colour, in [0, 1]."""
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(2 * c for c in hex_digits)
    if len(hex_digits) != 6:
        raise ValueError(f"colour must be '#rrggbb' or '#rgb', got {colour!r}")
    srgb = np.array([int(hex_digits[j:j + 2], 16) / 255 for j in (0, 2, 4)])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def readable_text(fill: str, dark: str = "#111", light: str = "#fff") -> str:
    """``dark`` or ``light``, whichever has the higher WCAG contrast on ``fill``."""
    lum = relative_luminance(fill)

    def contrast(text: str) -> float:
        pair = sorted((lum, relative_luminance(text)))
        return (pair[1] + 0.05) / (pair[0] + 0.05)

    return dark if contrast(dark) >= contrast(light) else light


def fmt(value: float) -> str:
    """Short number for a grid cell: integers without a decimal point."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def signed(value: float) -> str:
    """Like :func:`fmt`, with negative numbers in parentheses (for products)."""
    return f"({fmt(value)})" if value < 0 else fmt(value)


def array_svg(
    values: np.ndarray,
    cell: int = 26,
    fill: str = INPUT,
    highlight: Sequence[tuple[int, int]] = (),
    highlight_fill: str = KERNEL,
    title: str | None = None,
    padding: int = 0,
) -> SVG:
    """A 2-d array drawn as a grid of numbers, some cells highlighted.

    Parameters
    ----------
    values : ndarray, shape (rows, cols)
    highlight : sequence of (row, col)
        Cells to fill with ``highlight_fill``.  NaN values are left blank.
    title : str, optional
        Caption above the grid.
    padding : int
        Width of a border of zero-padding cells: drawn grey with dashed
        lines and grey numbers, so that they never look like data; a
        highlighted padding cell gets a dashed outline and a pale fill.
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-d, got shape {values.shape}")
    rows, cols = values.shape
    if not 0 <= 2 * padding < min(rows, cols) + 1:
        raise ValueError(f"padding must be in [0, {min(rows, cols) // 2}] for shape {values.shape}, got {padding}")
    top = 20 if title else 2
    width = max(cols * cell + 4, 7 * len(title) + 4 if title else 0)  # room for the title
    svg = SVG(width, rows * cell + top + 2, label=f"{title or 'array'}: {rows} x {cols} grid of numbers")
    if title:
        svg.text(2, 14, title, size=12, fill="#333")

    def is_padding(r: int, c: int) -> bool:
        return not (padding <= r < rows - padding and padding <= c < cols - padding)

    if padding:
        svg.grid(2, top, rows, cols, cell, fill=PADDING, stroke=PADDING_LINE, stroke_dasharray="3 2")
        svg.grid(2 + padding * cell, top + padding * cell, rows - 2 * padding, cols - 2 * padding, cell,
                 fill=fill, stroke=GRID)
    else:
        svg.grid(2, top, rows, cols, cell, fill=fill, stroke=GRID)
    for r, c in highlight:
        x, y = 2 + c * cell + 1, top + r * cell + 1
        if is_padding(r, c):
            svg.rect(x + 1, y + 1, cell - 4, cell - 4, fill=highlight_fill, fill_opacity=0.3,
                     stroke=highlight_fill, stroke_width=1.5, stroke_dasharray="3 2")
        else:
            svg.rect(x, y, cell - 2, cell - 2, fill=highlight_fill, fill_opacity=0.8)
    for r in range(rows):
        for c in range(cols):
            if np.isnan(values[r, c]):  # NaN: leave the cell empty
                continue
            svg.text(2 + (c + 0.5) * cell, top + (r + 0.5) * cell + 4, fmt(values[r, c]), size=11,
                     text_anchor="middle", fill=PADDING_TEXT if is_padding(r, c) else "#111")
    return svg


def image_html(image: np.ndarray, scale: int = 1, cmap: str = "gray", title: str | None = None) -> str:
    """A 2-d array (or ``(H, W, 3)`` RGB in [0, 1]) as an inline PNG ``<img>``.

    Values of a 2-d array are scaled to the colour map's full range.
    """
    import matplotlib
    import matplotlib.image

    image = np.asarray(image, dtype=float)
    if image.ndim == 2:
        lo, hi = float(image.min()), float(image.max())
        normed = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
        rgb = matplotlib.colormaps[cmap](normed)[..., :3]
    elif image.ndim == 3 and image.shape[2] == 3:
        rgb = np.clip(image, 0, 1)
    else:
        raise ValueError(f"image must be (H, W) or (H, W, 3), got shape {image.shape}")
    if scale > 1:
        rgb = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, rgb, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    caption = f"<div style='font-size:12px'>{escape(title)}</div>" if title else ""
    return (
        f"<figure style='display:inline-block;margin:0 10px 6px 0'>{caption}"
        f"<img alt='{escape(title or 'image', quote=True)}' src='data:image/png;base64,{data}' "
        f"style='image-rendering:pixelated'></figure>"
    )


def signed_rgb(values: np.ndarray, limit: float) -> np.ndarray:
    """Colours for signed values: blue < 0, white = 0, red > 0, full colour at ``+-limit``.

    Parameters
    ----------
    values : ndarray, any shape
    limit : float
        Magnitude shown in full colour (larger values are clipped).

    Returns
    -------
    ndarray, shape ``(*values.shape, 3)``
        RGB in ``[0, 1]``.
    """
    import matplotlib

    normed = np.clip(np.asarray(values, dtype=float) / limit, -1.0, 1.0) * 0.5 + 0.5
    return matplotlib.colormaps["RdBu_r"](normed)[..., :3]


def signed_image_html(values: np.ndarray, limit: float | None = None, scale: int = 3,
                      title: str | None = None) -> str:
    """A signed 2-d array as a red (positive) / white (zero) / blue (negative) PNG.

    Unlike :func:`~convkit.figures.common.image_html`, which stretches every
    image to its own range, zero is always white and ``limit`` (default
    ``max |values|``) is the full colour, so several images can share one
    scale and an all-zero image stays white.

    Parameters
    ----------
    values : ndarray, shape (H, W)
    limit : float, optional
        Value shown in full red (and ``-limit`` in full blue); positive.
    scale : int
        Pixels per array cell.
    title : str, optional

    Returns
    -------
    str
        An ``<img>`` tag in a ``<figure>``, from :func:`~convkit.figures.common.image_html`.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-d, got shape {values.shape}")
    if limit is None:
        limit = float(np.abs(values).max()) or 1.0
    if not limit > 0:
        raise ValueError(f"limit must be positive, got {limit!r}")
    return image_html(signed_rgb(values, limit), scale=scale, title=title)


def figure_description(fig) -> str:
    """A text alternative for a matplotlib figure, from its titles and axis labels.

    ``"<suptitle>: <title 1> (<y label> against <x label>); <title 2> ..."``;
    ``"figure"`` when the figure has no text at all.
    """
    panels = []
    for ax in fig.get_axes():
        title, x, y = ax.get_title(), ax.get_xlabel(), ax.get_ylabel()
        axes = f"{y} against {x}" if x and y else x or y
        if title and axes:
            panels.append(f"{title} ({axes})")
        elif title or axes:
            panels.append(title or axes)
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    text = "; ".join(panels)
    if suptitle:
        text = f"{suptitle}: {text}" if text else suptitle
    return text or "figure"


def figure_html(fig, fmt: str = "svg", alt: str | None = None) -> str:
    """A matplotlib figure as inline HTML (SVG text or a PNG ``<img>``), then closed.

    ``alt`` is the text alternative (``aria-label`` of the SVG, ``alt`` of the
    image); by default :func:`figure_description` builds one from the figure's
    titles and axis labels.
    """
    import matplotlib.pyplot as plt

    alt = figure_description(fig) if alt is None else alt
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    if fmt == "svg":
        text = buffer.getvalue().decode("utf-8")
        svg = text[text.index("<svg"):]
        return f"<svg role=\"img\" aria-label=\"{escape(alt, quote=True)}\"" + svg[len("<svg"):]
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<img alt='{escape(alt, quote=True)}' src='data:image/{fmt};base64,{data}'>"
