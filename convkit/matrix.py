"""Convolution as a matrix: the matrix ``C`` with ``y = C x``, im2col and col2im.

A convolution is linear in its input.  Flatten the input ``x`` of shape
``(C_in, *spatial)`` and the output ``y`` of shape ``(C_out, *out)`` into
vectors (row-major, as ``ndarray.ravel`` does) and the layer becomes one
matrix-vector product

.. math:: \\operatorname{vec}(y) = C \\operatorname{vec}(x), \\qquad
          C \\in \\mathbb{R}^{(C_{out} \\prod out) \\times (C_{in} \\prod spatial)} .

Row ``(o, j)`` of ``C`` holds the kernel ``w[o]`` laid out at the input
positions that output position ``j`` reads: a banded Toeplitz matrix in 1-d,
a doubly block-Toeplitz matrix in 2-d.  :func:`conv_matrix` builds it
densely, for teaching and testing; nobody computes a convolution this way.

The practical counterpart is *im2col*: copy every receptive field into a
column, then one matrix product with the flattened kernels computes the
whole layer (this is what :func:`convkit.conv.conv_fast` does).
:func:`im2col` and :func:`col2im` have exactly the layout and argument order
of ``torch.nn.functional.unfold`` and ``torch.nn.functional.fold``.

Dtypes follow the rule of :mod:`convkit.conv`: float16, float32 and float64
arrays are accepted and the result keeps their dtype (``col2im`` sums in
float32 for float16 and rounds once); integer, boolean and complex arrays
raise ``TypeError``.  Every result is a fresh, writeable array, never a view
of the input.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from .arguments import (
    IntOrTuple,
    computation_dtype,
    floating_array,
    int_values,
    positive_tuple,
)
from .arithmetic import Padding, conv_output_size, padding_pairs
from .conv import im2col_windows, prepare_conv


def _shape_tuple(value: object, length: int, name: str) -> tuple[int, ...]:
    """``value`` as a tuple of exactly ``length`` positive ints (a shape, never one int)."""
    if not (isinstance(value, (tuple, list)) or (isinstance(value, np.ndarray) and value.ndim == 1)):
        raise TypeError(f"{name} must be a tuple of {length} ints, got {value!r}")
    values, _ = int_values(value, name)
    if len(values) != length:
        raise ValueError(f"{name} must have {length} values, got {len(values)}: {values!r}")
    return positive_tuple(values, length, name)


def conv_matrix(
    input_shape: IntOrTuple,
    weight: npt.ArrayLike,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """The dense matrix ``C`` of a convolution: ``C @ x.ravel() == conv(x, weight).ravel()``.

    Row ``o * prod(out) + j`` (output channel ``o``, flat output position
    ``j``) and column ``c * prod(spatial) + q`` (input channel ``c``, flat input
    position ``q``) hold the weight that multiplies ``x[c, q]`` in ``y[o, j]``.

    The matrix is built by *placing the kernel weights at their tap
    positions*: for every kernel tap ``t`` and output position ``j`` the tap
    reads input position ``q = j * stride + t * dilation - padding_before``
    (per axis).  When ``q`` lies inside the input, ``C[(o, j), (c, q)] =
    weight[o, c, t]``; when it falls on the zero padding there is no column to
    write to, so border rows hold fewer weights.  With groups, output channel
    ``o`` only has columns of its own group's input channels (``C`` is
    block-diagonal over the groups).

    Parameters
    ----------
    input_shape : tuple of int
        ``(C_in, *spatial)``: the shape of one (unbatched) input.
    weight : array_like, shape ``(C_out, C_in / groups, *kernel)``
        One spatial dimension of the kernel per spatial dimension of the input.
    stride, padding, dilation, groups
        As for :func:`convkit.conv.conv2d` (``padding`` may be an int, a tuple,
        ``'valid'`` or ``'same'``).

    Returns
    -------
    ndarray, shape ``(C_out * prod(out), C_in * prod(spatial))``
        Dense; in the dtype of ``weight`` (float16 stays float16: the entries
        are the weights themselves).  Its size grows with the *square* of the
        image size: keep inputs small.

    Raises
    ------
    TypeError, ValueError
        For a malformed ``input_shape``, and for every rule checked by
        :func:`convkit.conv.prepare_conv` (ranks, channels, groups, stride,
        padding, dilation, kernel larger than the padded input).

    Examples
    --------
    >>> conv_matrix((1, 4), np.array([[[1.0, 2.0]]]))
    array([[1., 2., 0., 0.],
           [0., 1., 2., 0.],
           [0., 0., 1., 2.]])
    """
    w = floating_array(weight, "weight")
    if w.ndim < 3:
        raise ValueError(
            f"weight must have shape (C_out, C_in/groups, *kernel) with at least one "
            f"spatial dimension, got shape {w.shape}"
        )
    ndim = w.ndim - 2
    shape = _shape_tuple(input_shape, ndim + 1, "input_shape")
    # prepare_conv checks every argument (zeros of the weight's dtype stand in for x)
    problem = prepare_conv(
        np.zeros(shape, dtype=w.dtype), w, None, stride, padding, dilation, groups, ndim=ndim
    )
    c_out, in_per_group = w.shape[:2]
    kernel = w.shape[2:]
    c_in, spatial = shape[0], shape[1:]
    out = problem.out_size
    before = [pair[0] for pair in padding_pairs(padding, kernel, problem.stride, problem.dilation)]

    # row / column number of every output / input element
    rows = np.arange(c_out * math.prod(out)).reshape(c_out, *out)
    cols = np.arange(c_in * math.prod(spatial)).reshape(c_in, *spatial)
    groups = problem.groups
    matrix = np.zeros((rows.size, cols.size), dtype=problem.dtype)

    for tap in np.ndindex(*kernel):
        # per axis: output positions whose tap lands inside the input, and where
        positions, reads = [], []
        for axis in range(ndim):
            q = np.arange(out[axis]) * problem.stride[axis] + tap[axis] * problem.dilation[axis]
            q = q - before[axis]
            inside = (q >= 0) & (q < spatial[axis])
            positions.append(np.flatnonzero(inside))
            reads.append(q[inside])
        r = rows[(slice(None), *np.ix_(*positions))].reshape(groups, c_out // groups, 1, -1)
        q = cols[(slice(None), *np.ix_(*reads))].reshape(groups, 1, in_per_group, -1)
        value = w[(slice(None), slice(None), *tap)].reshape(groups, c_out // groups, in_per_group, 1)
        # broadcast to (groups, C_out/groups, C_in/groups, positions)
        matrix[r, q] = value
    return matrix


def _im2col_problem(
    input: npt.ArrayLike,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple,
    padding: Padding,
    stride: IntOrTuple,
):
    """A :class:`~convkit.conv.ConvProblem` for a 2-d kernel of ``kernel_size`` (weights unused)."""
    x = floating_array(input, "input")
    if x.ndim not in (3, 4):
        raise ValueError(
            f"input must have 4 dimensions (N, C, H, W) or 3 (C, H, W), got shape {x.shape}"
        )
    if x.shape[-3] == 0:
        raise ValueError(
            f"input must have at least one channel (torch's unfold refuses C = 0), "
            f"got shape {x.shape}"
        )
    kernel = positive_tuple(kernel_size, 2, "kernel_size")
    channels = x.shape[-3]
    # a placeholder kernel of the input's dtype lets prepare_conv check and pad
    placeholder = np.zeros((1, channels, *kernel), dtype=x.dtype)
    return prepare_conv(x, placeholder, None, stride, padding, dilation, 1, ndim=2)


def im2col(
    input: npt.ArrayLike,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple = 1,
    padding: Padding = 0,
    stride: IntOrTuple = 1,
) -> np.ndarray:
    """Every receptive field as a column: ``torch.nn.functional.unfold`` in NumPy.

    Column ``l`` (the ``l``-th window in row-major order of the output grid)
    holds the ``C * kh * kw`` input values that output position ``l`` reads,
    channel first, then kernel row, then kernel column.  A convolution is then
    one matrix product: ``weight.reshape(C_out, -1) @ im2col(x, k)``.

    The windows come from :func:`convkit.conv.im2col_windows` (a strided view,
    no copy); only the final reshape copies.

    Parameters
    ----------
    input : array_like, shape ``(N, C, H, W)`` or ``(C, H, W)``
        float16, float32 or float64; ``C >= 1``, ``H, W >= 1`` (``N = 0``
        is allowed, as in torch).
    kernel_size : int or (int, int)
    dilation : int or (int, int)
    padding : int, (int, int), 'valid' or 'same'
        Zeros added on both sides (torch's ``unfold`` only accepts ints).
    stride : int or (int, int)

    Returns
    -------
    ndarray, shape ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``
        ``L = H_out * W_out``, the number of windows.  Same dtype as the
        input; always a new, writeable array.

    Raises
    ------
    TypeError, ValueError
        A non-float input, wrong input rank, no channels, a spatial size of 0,
        bad ``kernel_size``, stride, padding or dilation, or a kernel larger
        than the padded input.

    Examples
    --------
    >>> im2col(np.arange(9.0).reshape(1, 1, 3, 3), 2)
    array([[[0., 1., 3., 4.],
            [1., 2., 4., 5.],
            [3., 4., 6., 7.],
            [4., 5., 7., 8.]]])
    """
    problem = _im2col_problem(input, kernel_size, dilation, padding, stride)
    windows = im2col_windows(problem)  # (N, C, H_out, W_out, kh, kw)
    batch, channels, rows, cols, kh, kw = windows.shape
    columns = windows.transpose(0, 1, 4, 5, 2, 3).reshape(batch, channels * kh * kw, rows * cols)
    # the reshape is a read-only view of the windows when it needs no copy
    # (1 x 1 kernels, one window per image): copy so the result is always writeable
    columns = np.array(columns, dtype=problem.dtype, copy=None if columns.flags.writeable else True)
    return columns[0] if problem.unbatched else columns


def col2im(
    cols: npt.ArrayLike,
    output_size: IntOrTuple,
    kernel_size: IntOrTuple,
    dilation: IntOrTuple = 1,
    padding: Padding = 0,
    stride: IntOrTuple = 1,
) -> np.ndarray:
    """Sum columns back into an image: ``torch.nn.functional.fold`` in NumPy.

    The adjoint of :func:`im2col`: every entry of ``cols`` is *added* to the
    input position it was read from, so positions covered by several windows
    receive the sum, and entries that fall on the padding are dropped.  (So
    ``col2im(im2col(x))`` is ``x`` times the number of windows covering each
    pixel, not ``x``.)

    Parameters
    ----------
    cols : array_like, shape ``(N, C * kh * kw, L)`` or ``(C * kh * kw, L)``
        float16, float32 or float64, with ``C >= 1`` (``N = 0`` is allowed).
    output_size : int or (int, int)
        ``(H, W)``: the spatial size of the image to rebuild.
    kernel_size, dilation, padding, stride
        As for :func:`im2col`.

    Returns
    -------
    ndarray, shape ``(N, C, H, W)`` or ``(C, H, W)``
        Same dtype as ``cols`` (float16 is summed in float32).

    Raises
    ------
    TypeError, ValueError
        Wrong rank of ``cols``, ``cols.shape[-2]`` not a multiple of
        ``kh * kw``, ``cols.shape[-1]`` not the number of windows ``L`` that
        ``output_size`` and the hyper-parameters give, or bad
        hyper-parameters.

    Examples
    --------
    >>> col2im(np.ones((1, 4, 4)), (3, 3), 2)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    columns = floating_array(cols, "cols")
    dtype = columns.dtype
    if columns.ndim not in (2, 3):
        raise ValueError(
            f"cols must have 3 dimensions (N, C*kh*kw, L) or 2 (C*kh*kw, L), got shape {columns.shape}"
        )
    unbatched = columns.ndim == 2
    if unbatched:
        columns = columns[np.newaxis]
    size = positive_tuple(output_size, 2, "output_size")
    kernel = positive_tuple(kernel_size, 2, "kernel_size")
    strides = positive_tuple(stride, 2, "stride")
    dilations = positive_tuple(dilation, 2, "dilation")
    pads = padding_pairs(padding, kernel, strides, dilations)
    taps = kernel[0] * kernel[1]
    if columns.shape[1] == 0:
        raise ValueError(
            f"cols must have C * kh * kw >= 1 rows (torch's fold refuses 0), got shape {columns.shape}"
        )
    if columns.shape[1] % taps:
        raise ValueError(
            f"cols.shape[-2] must be a multiple of kh * kw = {kernel[0]} * {kernel[1]} = {taps}, "
            f"got {columns.shape[1]}"
        )
    out = conv_output_size(size, kernel, strides, padding, dilations)
    if columns.shape[2] != out[0] * out[1]:
        raise ValueError(
            f"cols.shape[-1] must be the number of windows L = {out[0]} * {out[1]} = "
            f"{out[0] * out[1]} for output_size={size}, kernel_size={kernel}, stride={strides}, "
            f"padding={padding!r}, dilation={dilations}; got {columns.shape[2]}"
        )
    batch, channels = columns.shape[0], columns.shape[1] // taps
    blocks = columns.reshape(batch, channels, kernel[0], kernel[1], out[0], out[1])
    padded = np.zeros(
        (batch, channels, size[0] + sum(pads[0]), size[1] + sum(pads[1])),
        dtype=computation_dtype(dtype),
    )
    for a in range(kernel[0]):  # one strided slice per kernel tap: no overlaps within a tap
        for b in range(kernel[1]):
            top, left = a * dilations[0], b * dilations[1]
            rows = slice(top, top + strides[0] * (out[0] - 1) + 1, strides[0])
            cols_ = slice(left, left + strides[1] * (out[1] - 1) + 1, strides[1])
            padded[:, :, rows, cols_] += blocks[:, :, a, b]
    image = padded[:, :, pads[0][0]: pads[0][0] + size[0], pads[1][0]: pads[1][0] + size[1]]
    image = image.astype(dtype, copy=False)
    return image[0] if unbatched else image


__all__ = ["col2im", "conv_matrix", "im2col"]
