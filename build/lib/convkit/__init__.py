"""convkit: every convolution of deep learning, in readable NumPy.

The functions mirror ``torch.nn.functional`` (names, argument order,
semantics) and are tested against PyTorch in float64.
"""

from .arithmetic import (
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    receptive_field,
    same_padding,
)
from .conv import conv1d, conv2d, conv3d, convnd
from .cost import conv_multiply_adds, conv_parameters

__version__ = "0.1.0"

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_multiply_adds",
    "conv_output_size",
    "conv_parameters",
    "conv_transpose_output_size",
    "convnd",
    "effective_kernel_size",
    "receptive_field",
    "same_padding",
]
