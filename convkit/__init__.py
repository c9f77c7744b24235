"""convkit: every convolution of deep learning, in readable NumPy.

The functions mirror ``torch.nn.functional`` (names, argument order,
semantics) and are tested against PyTorch in float64.

Modules
-------
conv         N-d convolution: ``conv1d``, ``conv2d``, ``conv3d``, ``convnd``
transposed   transposed convolution: ``conv_transpose1d``, ``conv_transpose2d``, ``conv_transpose3d``
grad         gradients of a convolution (``torch.nn.grad``): ``conv2d_input``, ``conv2d_weight``, ...
arithmetic   output sizes, padding, receptive fields (size, jump, position, pixels read)
causal       causal dilated 1-d convolution (WaveNet)
depthwise_path  conv's fast path for ``groups = C_in`` (compiled with numba, NumPy fallback)
cost         ``Cost``: parameters, multiply-adds and bytes moved of every layer type
grouped      grouped convolution, ``channel_shuffle``, which channels reach which
correlation  true convolution vs cross-correlation of 1-d signals (NumPy's modes)
matrix       the convolution matrix ``C``, ``im2col`` / ``col2im``
pointwise    1x1 convolution as one matrix product per pixel: ``pointwise_conv2d``
depthwise    ``depthwise_conv2d``, ``separable_conv2d``; which kernels a separable layer can express
separable    rank-1 kernels, SVD low-rank approximation, k x 1 then 1 x k passes
flattened    flattened layers (Jin et al.): channel, vertical, horizontal 1-d filters
deformable   deformable convolution v1/v2: ``deform_conv2d``, its backward, bilinear sampling
kernels      classic hand-made kernels (blur, Sobel, ...)
images       synthetic test images; volumes: synthetic signals, volumes, videos
interactive  ``Explorer``: figures with sliders, live in Jupyter and static on the web
figures      the book's pictures, one module per chapter
"""

from . import grad, images, kernels, volumes
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
    deformable_cost,
    depthwise_cost,
    depthwise_separable_cost,
    flattened_cost,
    pointwise_cost,
    spatially_separable_cost,
    transposed_conv_cost,
)
from .depthwise import (
    depthwise_conv2d,
    is_depthwise_separable,
    separable_approximation,
    separable_as_standard,
    separable_conv2d,
    separable_ranks,
)
from .flattened import flattened_conv2d, flattened_factors, flattened_kernel
from .deformable import (
    DeformGradients,
    bilinear_sample,
    bilinear_sample_grad,
    bilinear_weight,
    deform_conv2d,
    deform_conv2d_backward,
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
from .transposed import conv_transpose1d, conv_transpose2d, conv_transpose3d
from .pointwise import pointwise_conv2d
from .separable import (
    low_rank_factors,
    low_rank_kernel,
    separate_kernel,
    spatially_separable_conv2d,
    spatially_separable_factors,
    spatially_separable_weight,
)

__version__ = "0.1.0"

__all__ = [
    "bilinear_sample",
    "bilinear_sample_grad",
    "bilinear_weight",
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
    "conv_cost",
    "conv_matrix",
    "conv_multiply_adds",
    "conv_output_size",
    "conv_parameters",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "conv_transpose_output_size",
    "convnd",
    "convolve1d",
    "correlate1d",
    "Cost",
    "deform_conv2d",
    "deform_conv2d_backward",
    "deformable_cost",
    "DeformGradients",
    "depthwise_conv2d",
    "depthwise_cost",
    "depthwise_separable_cost",
    "effective_kernel_size",
    "flattened_conv2d",
    "flattened_cost",
    "flattened_factors",
    "flattened_kernel",
    "grad",
    "grouped_conv2d",
    "im2col",
    "images",
    "is_depthwise_separable",
    "kernels",
    "low_rank_factors",
    "low_rank_kernel",
    "path_counts",
    "pointwise_conv2d",
    "pointwise_cost",
    "receptive_field",
    "receptive_fields",
    "ReceptiveField",
    "same_padding",
    "sampled_positions",
    "separable_approximation",
    "separable_as_standard",
    "separable_conv2d",
    "separable_ranks",
    "separate_kernel",
    "shuffle_connectivity",
    "spatially_separable_conv2d",
    "spatially_separable_cost",
    "spatially_separable_factors",
    "spatially_separable_weight",
    "stack_connectivity",
    "transposed_conv_cost",
    "volumes",
]
