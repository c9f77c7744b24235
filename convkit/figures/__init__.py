"""Figures for the book: SVG pictures and the interactive explorers built on them.

One module per chapter plus ``common`` building blocks:

correlation  sliding a kernel over a signal: true convolution vs cross-correlation
filters      hand-made kernels on a test image; mixing colour channels
volume       a 3-d kernel moving through a volume; filtering a 1-d signal
arithmetic   output-size explorer and the sliding-kernel animation
matrix       the convolution matrix ``C``, one output pixel at a time
depthwise    a colour image filtered channel by channel; channel multiplier 2
tensors      input, filters and output volumes in 3-D: standard, pointwise, depthwise, separable
pointwise    1x1 convolution: W times every pixel; channel compression (64 -> r -> 64)
"""

from .arithmetic import arithmetic_explorer, arithmetic_view, sliding_animation, sliding_view
from .common import array_svg, figure_html, image_html, signed_image_html, signed_rgb
from .correlation import flip_explorer, flip_view
from .depthwise import channel_filter_explorer, channel_filter_view, multiplier_view
from .filters import filter_explorer, filter_view, mixing_explorer, mixing_view
from .matrix import conv_matrix_svg, matrix_explorer, matrix_view
from .pointwise import compression_explorer, compression_view, pixel_explorer, pixel_view
from .tensors import tensors_explorer, tensors_view
from .volume import signal_explorer, signal_view, volume_explorer, volume_view

__all__ = [
    "arithmetic_explorer",
    "arithmetic_view",
    "array_svg",
    "channel_filter_explorer",
    "channel_filter_view",
    "compression_explorer",
    "compression_view",
    "conv_matrix_svg",
    "figure_html",
    "filter_explorer",
    "filter_view",
    "flip_explorer",
    "flip_view",
    "image_html",
    "matrix_explorer",
    "matrix_view",
    "mixing_explorer",
    "mixing_view",
    "multiplier_view",
    "pixel_explorer",
    "pixel_view",
    "signal_explorer",
    "signal_view",
    "signed_image_html",
    "signed_rgb",
    "sliding_animation",
    "sliding_view",
    "tensors_explorer",
    "tensors_view",
    "volume_explorer",
    "volume_view",
]
