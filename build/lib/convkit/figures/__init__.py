"""Figures for the book: SVG pictures and the interactive explorers built on them.

One module per chapter (``arithmetic`` ...) plus ``common`` building blocks.
"""

from .arithmetic import arithmetic_explorer, arithmetic_view, sliding_animation, sliding_view
from .common import array_svg, figure_html, image_html

__all__ = [
    "arithmetic_explorer",
    "arithmetic_view",
    "array_svg",
    "figure_html",
    "image_html",
    "sliding_animation",
    "sliding_view",
]
