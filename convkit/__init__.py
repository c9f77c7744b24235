"""convkit: every convolution of deep learning, in readable NumPy.

The functions mirror ``torch.nn.functional`` (names, argument order,
semantics) and are tested against PyTorch in float64.

Modules
-------
conv         N-d convolution: ``conv1d``, ``conv2d``, ``conv3d``, ``convnd``
arithmetic   output sizes, padding, receptive fields (size, jump, position, pixels read)
causal       causal dilated 1-d convolution (WaveNet)
cost         ``Cost``: parameters, multiply-adds and bytes moved of every layer type
grouped      grouped convolution, ``channel_shuffle``, which channels reach which
correlation  true convolution vs cross-correlation of 1-d signals (NumPy's modes)
matrix       the convolution matrix ``C``, ``im2col`` / ``col2im``
kernels      classic hand-made kernels (blur, Sobel, ...)
images       synthetic test images; volumes: synthetic signals, volumes, videos
interactive  ``Explorer``: figures with sliders, live in Jupyter and static on the web
figures      the book's pictures, one module per chapter
"""

from . import images, kernels, volumes
from .arithmetic import (
    ReceptiveField,
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    path_counts,
    receptive_field,
    receptive_fields,
    same_padding,
    sampled_positions,
)
from .causal import causal_conv1d, causal_padding
from .conv import conv1d, conv2d, conv3d, convnd
from .correlation import convolve1d, correlate1d
from .cost import (
    Cost,
    channel_shuffle_cost,
    conv_cost,
    conv_multiply_adds,
    conv_parameters,
    depthwise_cost,
    depthwise_separable_cost,
    flattened_cost,
    pointwise_cost,
    spatially_separable_cost,
    transposed_conv_cost,
)
from .grouped import (
    block_diagonal_weight,
    channel_groups,
    channel_shuffle,
    channel_shuffle_indices,
    conv_connectivity,
    grouped_conv2d,
    shuffle_connectivity,
    stack_connectivity,
)
from .matrix import col2im, conv_matrix, im2col

__version__ = "0.1.0"

__all__ = [
    "ReceptiveField",
    "block_diagonal_weight",
    "causal_conv1d",
    "causal_padding",
    "channel_groups",
    "channel_shuffle",
    "channel_shuffle_cost",
    "channel_shuffle_indices",
    "col2im",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_connectivity",
    "conv_matrix",
    "conv_multiply_adds",
    "conv_output_size",
    "conv_parameters",
    "conv_transpose_output_size",
    "convnd",
    "convolve1d",
    "correlate1d",
    "effective_kernel_size",
    "grouped_conv2d",
    "im2col",
    "images",
    "kernels",
    "path_counts",
    "receptive_field",
    "receptive_fields",
    "same_padding",
    "sampled_positions",
    "shuffle_connectivity",
    "stack_connectivity",
    "volumes",
]
