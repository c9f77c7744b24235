"""Figures for the book: SVG pictures and the interactive explorers built on them.

One module per chapter plus ``common`` building blocks:

correlation  sliding a kernel over a signal: true convolution vs cross-correlation
filters      hand-made kernels on a test image; mixing colour channels
volume       a 3-d kernel moving through a volume; filtering a 1-d signal
arithmetic   output-size explorer and the sliding-kernel animation
matrix       the convolution matrix ``C``, one output pixel at a time
deformable   sampling grids over an image, bilinear weights, the grid explorer, kinks
dilated      dilated kernels, receptive fields of stacks and their holes (gridding)
"""

from .arithmetic import arithmetic_explorer, arithmetic_view, sliding_animation, sliding_view
from .common import array_svg, figure_html, image_html, signed_image_html, signed_rgb
from .correlation import flip_explorer, flip_view
from .deformable import bilinear_svg, deformable_explorer, deformable_view, sampling_svg
from .dilated import (
    counts_svg,
    dilation_explorer,
    dilation_view,
    gridding_figure,
    receptive_field_table,
    stack_explorer,
    stack_view,
)
from .filters import filter_explorer, filter_view, mixing_explorer, mixing_view
from .matrix import conv_matrix_svg, matrix_explorer, matrix_view
from .volume import signal_explorer, signal_view, volume_explorer, volume_view

__all__ = [
    "arithmetic_explorer",
    "arithmetic_view",
    "array_svg",
    "bilinear_svg",
    "conv_matrix_svg",
    "counts_svg",
    "deformable_explorer",
    "deformable_view",
    "dilation_explorer",
    "dilation_view",
    "figure_html",
    "filter_explorer",
    "filter_view",
    "flip_explorer",
    "flip_view",
    "gridding_figure",
    "image_html",
    "matrix_explorer",
    "matrix_view",
    "mixing_explorer",
    "mixing_view",
    "receptive_field_table",
    "sampling_svg",
    "signal_explorer",
    "signal_view",
    "signed_image_html",
    "signed_rgb",
    "sliding_animation",
    "sliding_view",
    "stack_explorer",
    "stack_view",
    "volume_explorer",
    "volume_view",
]
