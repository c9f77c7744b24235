"""A very small SVG writer for the book's figures.

Figures in the book are drawn as SVG text rather than raster images: they
stay sharp at any zoom, weigh a few kilobytes, and can be stored as the
frames of a static interactive figure (see :mod:`convkit.interactive`).

>>> svg = SVG(40, 20)
>>> svg.rect(0, 0, 20, 20, fill="#9cc")
>>> str(svg).startswith("<svg")
True
"""

from __future__ import annotations

from html import escape
from typing import Sequence

FONT = "font-family='DejaVu Sans, Helvetica, Arial, sans-serif'"


def _num(value: float) -> str:
    """Format a coordinate compactly (no trailing zeros)."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _attrs(attrs: dict[str, object]) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        text = _num(value) if isinstance(value, float) else str(value)
        parts.append(f'{name}="{escape(text, quote=True)}"')
    return (" " + " ".join(parts)) if parts else ""


def squares_path(cells: Sequence[tuple[float, float]], size: float) -> str:
    """SVG path data for many squares of side ``size`` with top-left corners ``cells``.

    One ``<path>`` with many squares is far lighter than one ``<rect>`` each,
    which matters for figures stored frame by frame.

    >>> squares_path([(0, 0), (10, 0)], 5)
    'M0 0h5v5h-5zM10 0h5v5h-5z'
    """
    return "".join(f"M{x:g} {y:g}h{size:g}v{size:g}h-{size:g}z" for x, y in cells)


class SVG:
    """Collects shapes and renders them as one ``<svg>`` element.

    Parameters
    ----------
    width, height : float
        Size of the drawing in CSS pixels (also the ``viewBox``).
    label : str, optional
        Accessible description (``aria-label``) of the picture.
    """

    def __init__(self, width: float, height: float, label: str | None = None) -> None:
        self.width = width
        self.height = height
        self.label = label
        self.items: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, **attrs: object) -> None:
        """Rectangle with top-left corner ``(x, y)``; ``attrs`` are SVG attributes."""
        self.items.append(
            f"<rect x='{_num(x)}' y='{_num(y)}' width='{_num(w)}' height='{_num(h)}'{_attrs(attrs)}/>"
        )

    def circle(self, cx: float, cy: float, r: float, **attrs: object) -> None:
        """Circle centred at ``(cx, cy)``."""
        self.items.append(f"<circle cx='{_num(cx)}' cy='{_num(cy)}' r='{_num(r)}'{_attrs(attrs)}/>")

    def line(self, x1: float, y1: float, x2: float, y2: float, **attrs: object) -> None:
        """Straight line from ``(x1, y1)`` to ``(x2, y2)``."""
        self.items.append(
            f"<line x1='{_num(x1)}' y1='{_num(y1)}' x2='{_num(x2)}' y2='{_num(y2)}'{_attrs(attrs)}/>"
        )

    def path(self, d: str, **attrs: object) -> None:
        """Path with SVG path data ``d``."""
        self.items.append(f"<path d='{d}'{_attrs(attrs)}/>")

    def text(self, x: float, y: float, content: str, size: float = 12, **attrs: object) -> None:
        """Text anchored at ``(x, y)`` (use ``text_anchor='middle'`` to centre it)."""
        self.items.append(
            f"<text x='{_num(x)}' y='{_num(y)}' font-size='{_num(size)}' {FONT}{_attrs(attrs)}>"
            f"{escape(content)}</text>"
        )

    def labels(
        self, items: Sequence[tuple[float, float, str] | tuple[float, float, str, str]], size: float = 10,
        fill: str = "#333",
    ) -> None:
        """Many short texts centred at ``(x, y)``, in one ``<g>`` (the font is written once).

        An item ``(x, y, text, colour)`` overrides ``fill`` for that text.
        """
        texts = "".join(
            f"<text x='{_num(item[0])}' y='{_num(item[1])}'"
            + (f" fill='{escape(item[3], quote=True)}'" if len(item) > 3 and item[3] != fill else "")
            + f">{escape(item[2])}</text>"
            for item in items
        )
        self.items.append(
            f"<g font-size='{_num(size)}' text-anchor='middle' fill='{fill}' {FONT}>{texts}</g>"
        )

    def grid(
        self,
        x: float,
        y: float,
        rows: int,
        cols: int,
        cell: float,
        fill: str = "none",
        stroke: str = "#555",
        **attrs: object,
    ) -> None:
        """A ``rows x cols`` grid of square cells: one filled rectangle and one path of lines."""
        w, h = cols * cell, rows * cell
        self.rect(x, y, w, h, fill=fill, stroke="none")
        lines = [f"M{_num(x + c * cell)} {_num(y)}v{_num(h)}" for c in range(cols + 1)]
        lines += [f"M{_num(x)} {_num(y + r * cell)}h{_num(w)}" for r in range(rows + 1)]
        self.path("".join(lines), fill="none", stroke=stroke, **attrs)

    def __str__(self) -> str:
        label = f" role='img' aria-label='{escape(self.label, quote=True)}'" if self.label else ""
        return (
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{_num(self.width)}' "
            f"height='{_num(self.height)}' viewBox='0 0 {_num(self.width)} {_num(self.height)}'"
            f"{label}>{''.join(self.items)}</svg>"
        )

    def _repr_svg_(self) -> str:
        return str(self)
