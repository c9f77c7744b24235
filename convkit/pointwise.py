"""Pointwise (1x1) convolution: one matrix product applied at every pixel.

A convolution whose kernel is ``1 x 1`` reads a single pixel per output
value, so at every position ``(h, w)`` it computes

.. math:: y[n, o, h, w] = b[o] + \\sum_{c} W[o, c]\\, x[n, c, h, w],

a matrix--vector product of the ``C_out x C_in`` weight matrix with the
pixel's channel vector.  Over all pixels at once this is one matrix product
``W @ X`` with ``X`` of shape ``(C_in, H * W)``: no sliding windows, no
im2col copy.  With ``groups = g`` the channels split into ``g`` independent
blocks and ``W`` becomes block-diagonal.

The result equals ``torch.nn.functional.conv2d(input, weight[..., None, None],
bias, groups=groups)`` (stride 1, no padding, no dilation).
"""

from __future__ import annotations

import numpy as np

from .conv import prepare_conv


def pointwise_weight(weight: np.ndarray) -> np.ndarray:
    """The ``(C_out, C_in / groups)`` matrix of a pointwise convolution.

    Parameters
    ----------
    weight : ndarray, shape (C_out, C_in / groups) or (C_out, C_in / groups, 1, 1)
        The matrix, or the ``torch.nn.Conv2d`` layout with a ``1 x 1`` kernel.

    Returns
    -------
    ndarray, shape (C_out, C_in / groups)
        A view of ``weight`` (no copy).

    Raises
    ------
    ValueError
        If ``weight`` has another rank, or a 4-d weight has a kernel other
        than ``1 x 1``.

    Examples
    --------
    >>> pointwise_weight(np.zeros((8, 3, 1, 1))).shape
    (8, 3)
    """
    w = np.asarray(weight)
    if w.ndim == 4:
        if w.shape[2:] != (1, 1):
            raise ValueError(
                f"weight of a pointwise convolution must have a 1 x 1 kernel, "
                f"got shape {w.shape} (kernel {w.shape[2]} x {w.shape[3]})"
            )
        return w[:, :, 0, 0]
    if w.ndim != 2:
        raise ValueError(
            "weight must have shape (C_out, C_in/groups) or (C_out, C_in/groups, 1, 1), "
            f"got shape {w.shape}"
        )
    return w


def pointwise_conv2d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    groups: int = 1,
) -> np.ndarray:
    """Pointwise (1x1) 2-d convolution computed as a matrix product.

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
    weight : ndarray, shape (C_out, C_in / groups) or (C_out, C_in / groups, 1, 1)
    bias : ndarray, shape (C_out,), optional
    groups : int
        Number of channel groups; must divide ``C_in`` and ``C_out``.

    Returns
    -------
    ndarray, shape (N, C_out, H, W) or (C_out, H, W)
        ``y[n, o] = bias[o] + sum_c weight[o, c] * x[n, c]`` (within the
        group of ``o``), in the common dtype of the arguments.

    Raises
    ------
    TypeError, ValueError
        As :func:`convkit.conv2d` (channel mismatch, groups that do not divide
        the channels, wrong ranks, bias shape), and for a kernel other than
        ``1 x 1``.

    Examples
    --------
    >>> x = np.arange(8.0).reshape(2, 2, 2)       # C_in = 2 channels, 2 x 2 pixels
    >>> w = np.array([[1.0, 1.0], [1.0, -1.0]])   # sum and difference of the channels
    >>> pointwise_conv2d(x, w)
    array([[[ 4.,  6.],
            [ 8., 10.]],
    <BLANKLINE>
           [[-4., -4.],
            [-4., -4.]]])
    """
    matrix = pointwise_weight(weight)
    problem = prepare_conv(input, matrix[:, :, None, None], bias, groups=groups, ndim=2)
    x, w, g = problem.x, problem.weight[:, :, 0, 0], problem.groups
    batch, c_in, height, width = x.shape
    c_out = w.shape[0]
    # (N, g, C_in/g, H*W): each pixel's channel vector is a column
    columns = x.reshape(batch, g, c_in // g, height * width)
    blocks = w.reshape(g, c_out // g, c_in // g)  # the diagonal blocks of W
    y = np.matmul(blocks, columns)  # (N, g, C_out/g, H*W): one matrix product per group
    y = y.reshape(batch, c_out, height, width)
    if problem.bias is not None:
        y = y + problem.bias[:, None, None]
    return y[0] if problem.unbatched else y


__all__ = ["pointwise_conv2d", "pointwise_weight"]
