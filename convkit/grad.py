"""Gradients of a convolution, mirroring ``torch.nn.grad``.

For ``y = conv(x, w)`` (:func:`convkit.conv.convnd`) and an upstream gradient
``g = dL/dy``:

* ``dL/dx = C^T g`` is a **transposed convolution** of ``g`` with the *same*
  weight and hyper-parameters (:mod:`convkit.transposed`); the only extra
  number is which of the input sizes that map to ``y``'s size was meant, the
  ``output_padding`` ``(i + 2p - d(k-1) - 1) mod s`` left over by the floor
  of the output-size formula.
* ``dL/dw[o, c, t] = sum_{n, j} g[n, o, j] x_pad[n, c, j s + t d]`` is a
  **correlation** of the padded input with the gradient: the gradient map
  acts as the kernel, its taps ``s`` apart (dilation ``s``), moved ``d``
  cells at a time (stride ``d``); batch and channel axes swap roles.  It is
  computed with :func:`convkit.conv.convnd` and cropped to the kernel size.

``conv1d_input`` ... ``conv3d_weight`` take the arguments of their
``torch.nn.grad`` namesakes; ``padding`` may also be ``'valid'`` or
``'same'`` (as for :func:`convkit.conv.conv2d`), and unbatched shapes are
accepted.  The arrays follow the dtype rule of :mod:`convkit.conv` (one
float dtype; float16 computed in float32 and rounded once).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .arguments import (
    IntOrTuple,
    computation_dtype,
    floating_array,
    positive_int,
    positive_tuple,
    same_dtype,
)
from .arithmetic import Padding, padding_pairs
from .conv import convnd
from .transposed import TransposeProblem, compute


def _shape(value: object, name: str) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence | np.ndarray):
        raise TypeError(f"{name} must be a tuple of ints (a shape), got {value!r}")
    return positive_tuple(tuple(value), len(value), name) if len(value) else ()


def _check(
    ndim: int,
    input_shape: tuple[int, ...],
    weight_shape: tuple[int, ...],
    g: np.ndarray,
    stride: IntOrTuple,
    padding: Padding,
    dilation: IntOrTuple,
    groups: int,
    *,
    input_name: str,
    weight_name: str,
):
    """Check that ``g`` is the output gradient of this convolution; return the resolved arguments."""
    if len(weight_shape) != ndim + 2:
        raise ValueError(
            f"{weight_name} must have {ndim + 2} dimensions (C_out, C_in/groups, *kernel) for a "
            f"{ndim}-d convolution, got {weight_shape}"
        )
    if len(input_shape) not in (ndim + 1, ndim + 2):
        raise ValueError(
            f"{input_name} must have {ndim + 2} dimensions (N, C_in, *spatial) or {ndim + 1} "
            f"(C_in, *spatial), got {input_shape}"
        )
    if g.ndim != len(input_shape):
        raise ValueError(
            f"grad_output must be {'un' if len(input_shape) == ndim + 1 else ''}batched like "
            f"{input_name} ({len(input_shape)} dimensions), got shape {g.shape}"
        )
    batched = len(input_shape) == ndim + 2
    groups = positive_int(groups, "groups")
    c_out, in_per_group = weight_shape[:2]
    c_in = input_shape[1 if batched else 0]
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"groups ({groups}) must divide the input channels ({c_in}) and the output "
            f"channels ({c_out})"
        )
    if in_per_group * groups != c_in:
        raise ValueError(
            f"{weight_name} expects C_in / groups = {in_per_group} input channels per group, "
            f"but {input_name} has C_in = {c_in} and groups = {groups}"
        )
    kernel = tuple(weight_shape[2:])
    strides = positive_tuple(stride, ndim, "stride")
    dilations = positive_tuple(dilation, ndim, "dilation")
    pads = padding_pairs(padding, kernel, strides, dilations)
    spatial = input_shape[-ndim:]
    out = []
    for axis in range(ndim):
        span = dilations[axis] * (kernel[axis] - 1) + 1
        padded = spatial[axis] + sum(pads[axis])
        if span > padded:
            raise ValueError(
                f"kernel is larger than the padded input in spatial dimension {axis}: effective "
                f"kernel size {span} > {padded}"
            )
        out.append((padded - span) // strides[axis] + 1)
    expected = ((input_shape[0],) if batched else ()) + (c_out, *out)
    if g.shape != expected:
        raise ValueError(
            f"grad_output must have the shape of the convolution's output, {expected} for "
            f"{input_name} {input_shape} and weight {weight_shape}, got {g.shape}"
        )
    return strides, pads, dilations, groups, batched


def _conv_input(ndim, input_size, weight, grad_output, stride, padding, dilation, groups):
    size = _shape(input_size, "input_size")
    w = floating_array(weight, "weight")
    g = floating_array(grad_output, "grad_output")
    dtype = same_dtype(weight=w, grad_output=g)
    strides, pads, dilations, groups, batched = _check(
        ndim, size, w.shape, g, stride, padding, dilation, groups,
        input_name="input_size", weight_name="weight",
    )
    if not batched:
        g = g[np.newaxis]
    compute_ = computation_dtype(dtype)
    # C^T g: the transposed convolution with the same weight, cropped by the
    # padding before and cut to the input size (the output_padding of torch)
    problem = TransposeProblem(
        x=g.astype(compute_, copy=False), weight=w.astype(compute_, copy=False), bias=None,
        stride=strides, dilation=dilations, crop=tuple(before for before, _ in pads),
        groups=groups, out_size=tuple(size[-ndim:]), unbatched=not batched, dtype=dtype,
    )
    return compute(problem)


def _conv_weight(ndim, input, weight_size, grad_output, stride, padding, dilation, groups):
    x = floating_array(input, "input")
    size = _shape(weight_size, "weight_size")
    g = floating_array(grad_output, "grad_output")
    dtype = same_dtype(input=x, grad_output=g)
    strides, pads, dilations, groups, batched = _check(
        ndim, x.shape, size, g, stride, padding, dilation, groups,
        input_name="input", weight_name="weight_size",
    )
    if not batched:
        x, g = x[np.newaxis], g[np.newaxis]
    compute_ = computation_dtype(dtype)
    x = np.pad(x.astype(compute_, copy=False), ((0, 0), (0, 0)) + pads)
    g = g.astype(compute_, copy=False)
    c_out, in_per_group, kernel = size[0], size[1], size[2:]
    if x.shape[0] == 0:  # an empty batch contributes nothing
        return np.zeros(size, dtype=dtype)
    out_per_group = c_out // groups
    crop = (slice(None), slice(None)) + tuple(slice(0, k) for k in kernel)
    blocks = []
    for group in range(groups):
        # batch <-> channels: the input's channels become a batch, the images
        # become channels; the gradient maps (C_out/g, N, *out) are the kernels
        xs = x[:, group * in_per_group:(group + 1) * in_per_group].swapaxes(0, 1)
        gs = g[:, group * out_per_group:(group + 1) * out_per_group].swapaxes(0, 1)
        corr = convnd(xs, gs, stride=dilations, dilation=strides)  # (C_in/g, C_out/g, *>=kernel)
        blocks.append(corr[crop].swapaxes(0, 1))
    return np.concatenate(blocks, axis=0).astype(dtype, copy=False)


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of ``conv1d`` with respect to its input; see :func:`conv2d_input`."""
    return _conv_input(1, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv2d_input(
    input_size: Sequence[int],
    weight: np.ndarray,
    grad_output: np.ndarray,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """Gradient of ``conv2d`` with respect to its input: a transposed convolution.

    Parameters
    ----------
    input_size : tuple of int
        Shape of the convolution's input, ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
    weight : ndarray, shape (C_out, C_in / groups, kH, kW)
    grad_output : ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        Gradient of the loss with respect to the convolution's output.
    stride, padding, dilation, groups
        Those of the convolution (``padding`` may be ``'valid'``/``'same'``).

    Returns
    -------
    ndarray, shape ``input_size``
        ``conv_transpose2d(grad_output, weight, stride=stride, padding=padding,
        output_padding=(H + 2p - d(kH-1) - 1) mod s, groups=groups,
        dilation=dilation)`` (per axis).

    Raises
    ------
    TypeError, ValueError
        Bad shapes or hyper-parameters, or a ``grad_output`` whose shape is not
        the convolution's output shape.

    Examples
    --------
    >>> conv2d_input((1, 1, 3, 3), np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    return _conv_input(2, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of ``conv3d`` with respect to its input; see :func:`conv2d_input`."""
    return _conv_input(3, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of ``conv1d`` with respect to its weight; see :func:`conv2d_weight`."""
    return _conv_weight(1, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv2d_weight(
    input: np.ndarray,
    weight_size: Sequence[int],
    grad_output: np.ndarray,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """Gradient of ``conv2d`` with respect to its weight: a correlation.

    ``dL/dw[o, c, u, v] = sum_{n, r, q} g[n, o, r, q] x_pad[n, c, r s + u d, q s + v d]``,
    computed per group as ``convnd`` of the padded input (channels as batch)
    with the gradient maps as kernels (stride ``d``, dilation ``s``), cropped
    to ``kH x kW``.

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
    weight_size : tuple of int
        ``(C_out, C_in / groups, kH, kW)``.
    grad_output : ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
    stride, padding, dilation, groups
        Those of the convolution.

    Returns
    -------
    ndarray, shape ``weight_size``

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv2d_weight(x, (1, 1, 2, 2), np.ones((1, 1, 2, 2)))[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    return _conv_weight(2, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of ``conv3d`` with respect to its weight; see :func:`conv2d_weight`."""
    return _conv_weight(3, input, weight_size, grad_output, stride, padding, dilation, groups)


__all__ = [
    "conv1d_input",
    "conv1d_weight",
    "conv2d_input",
    "conv2d_weight",
    "conv3d_input",
    "conv3d_weight",
]
