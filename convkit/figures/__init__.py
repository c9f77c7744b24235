"""Figures for the book: SVG pictures and the interactive explorers built on them.

One module per chapter plus ``common`` building blocks:

correlation  sliding a kernel over a signal: true convolution vs cross-correlation
filters      hand-made kernels on a test image; mixing colour channels
volume       a 3-d kernel moving through a volume; filtering a 1-d signal
arithmetic   output-size explorer and the sliding-kernel animation
matrix       the convolution matrix ``C``, one output pixel at a time
transposed   three views of a transposed convolution, overlap counts, checkerboards
depthwise    a colour image filtered channel by channel; channel multiplier 2
tensors      input, filters and output volumes in 3-D: standard, pointwise, depthwise, separable
pointwise    1x1 convolution: W times every pixel; channel compression (64 -> r -> 64)
separable    rank-r kernels as pairs of 1-d passes; singular value plots; a toy data set
flattened    colour filters as sums of channel x vertical x horizontal rank-1 tensors
deformable   sampling grids over an image, bilinear weights, the grid explorer, kinks
dilated      dilated kernels, receptive fields of stacks and their holes (gridding)
grouped      a grouped layer's connections; channels flowing through stacks of layers
shuffled_grouped   stacks of grouped layers with and without a channel shuffle
pointwise_grouped  the ShuffleNet unit: channel flow and cost per stage
comparison   every convolution type of the book in one table
"""

from .arithmetic import arithmetic_explorer, arithmetic_view, sliding_animation, sliding_view
from .common import array_svg, figure_html, image_html, signed_image_html, signed_rgb
from .comparison import comparison_explorer, comparison_table, layer_types
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
from .depthwise import channel_filter_explorer, channel_filter_view, multiplier_view
from .filters import filter_explorer, filter_view, mixing_explorer, mixing_view
from .flattened import flattened_explorer, flattened_view
from .matrix import conv_matrix_svg, matrix_explorer, matrix_view
from .transposed import (
    scatter_animation,
    three_views_html,
    transposed_explorer,
    transposed_view,
    zero_insertion_view,
)
from .pointwise import compression_explorer, compression_view, pixel_explorer, pixel_view
from .separable import separable_explorer, separable_view
from .tensors import tensors_explorer, tensors_view
from .grouped import channel_flow_svg, groups_explorer, groups_view, strength_svg
from .matrix import conv_matrix_svg, matrix_explorer, matrix_view
from .pointwise_grouped import unit_explorer, unit_view
from .shuffled_grouped import flow_explorer, flow_view, shuffle_svg
from .volume import signal_explorer, signal_view, volume_explorer, volume_view

__all__ = [
    "arithmetic_explorer",
    "arithmetic_view",
    "array_svg",
    "channel_filter_explorer",
    "channel_filter_view",
    "compression_explorer",
    "compression_view",
    "bilinear_svg",
    "channel_flow_svg",
    "comparison_explorer",
    "comparison_table",
    "conv_matrix_svg",
    "counts_svg",
    "deformable_explorer",
    "deformable_view",
    "dilation_explorer",
    "dilation_view",
    "figure_html",
    "filter_explorer",
    "filter_view",
    "flattened_explorer",
    "flattened_view",
    "flip_explorer",
    "flip_view",
    "flow_explorer",
    "flow_view",
    "gridding_figure",
    "groups_explorer",
    "groups_view",
    "image_html",
    "layer_types",
    "matrix_explorer",
    "matrix_view",
    "mixing_explorer",
    "mixing_view",
    "multiplier_view",
    "pixel_explorer",
    "pixel_view",
    "receptive_field_table",
    "scatter_animation",
    "separable_explorer",
    "separable_view",
    "sampling_svg",
    "shuffle_svg",
    "signal_explorer",
    "signal_view",
    "signed_image_html",
    "signed_rgb",
    "sliding_animation",
    "sliding_view",
    "stack_explorer",
    "stack_view",
    "three_views_html",
    "transposed_explorer",
    "transposed_view",
    "tensors_explorer",
    "tensors_view",
    "strength_svg",
    "unit_explorer",
    "unit_view",
    "volume_explorer",
    "volume_view",
    "zero_insertion_view",
]
