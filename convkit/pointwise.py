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

:func:`pca_compression` finds the best ``C -> r -> C`` pointwise bottleneck for a
given feature map (principal components of the channels), and
:func:`least_squares_decoder` the best second layer for a given first one.
"""

from __future__ import annotations

import numpy as np

from .arguments import as_float_array, positive_int
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
        group of ``o``), in the dtype of the arguments (which must all have
        the same floating dtype, as for :func:`~convkit.conv.conv2d`).

    Raises
    ------
    TypeError, ValueError
        As :func:`~convkit.conv.conv2d` (channel mismatch, groups that do not divide
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
    y = y.astype(problem.dtype, copy=False)  # float16 is computed in float32, rounded once here
    return y[0] if problem.unbatched else y


def _channel_matrix(input: np.ndarray) -> np.ndarray:
    """``(C, N*H*W)``: one column per pixel of every image."""
    x = as_float_array(input, "input")
    if x.ndim == 3:
        x = x[np.newaxis]
    if x.ndim != 4:
        raise ValueError(f"input must have 4 dimensions (N, C, H, W) or 3 (C, H, W), got shape {x.shape}")
    return x.transpose(1, 0, 2, 3).reshape(x.shape[1], -1)


def pca_compression(
    input: np.ndarray, channels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The best pointwise bottleneck ``C -> channels -> C`` for a given feature map.

    Two pointwise convolutions with biases, ``down`` (``C -> r``) and ``up``
    (``r -> C``), reconstruct every pixel's channel vector through an affine
    rank-``r`` map.  The one with the smallest squared error over all pixels
    projects onto the top ``r`` principal components of the channel
    covariance (the Eckart--Young theorem applied to the centred
    ``C x pixels`` matrix); its error is the square root of the sum of the
    discarded eigenvalues of the scatter matrix ``(X - mu)(X - mu)^T``.

    Parameters
    ----------
    input : ndarray, shape (N, C, H, W) or (C, H, W)
    channels : int
        ``1 <= channels <= C``: the width ``r`` of the bottleneck.

    Returns
    -------
    down_weight : ndarray, shape (r, C)
    down_bias : ndarray, shape (r,)
    up_weight : ndarray, shape (C, r)
    up_bias : ndarray, shape (C,)
        ``pointwise_conv2d(pointwise_conv2d(x, down_weight, down_bias), up_weight, up_bias)``
        is the reconstruction.

    Raises
    ------
    TypeError, ValueError
        For an input that is not a real 3-d/4-d array or a bad ``channels``.
    """
    x = _channel_matrix(input)
    channels = positive_int(channels, "channels")
    if channels > x.shape[0]:
        raise ValueError(f"channels must be at most the input channels C={x.shape[0]}, got {channels}")
    mean = x.mean(axis=1)
    centred = x - mean[:, None]
    eigenvalues, vectors = np.linalg.eigh(centred @ centred.T)  # C x C scatter matrix, ascending
    u = vectors[:, ::-1][:, :channels]  # principal directions, largest variance first
    return u.T.copy(), -(u.T @ mean), u.copy(), mean


def least_squares_decoder(
    input: np.ndarray, down_weight: np.ndarray, down_bias: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The best ``up`` pointwise layer (weight and bias) for a fixed ``down`` layer.

    Solves ``min || X - (U Z + b) ||`` over ``U, b`` by least squares, with
    ``Z = down(X)`` the compressed channels of every pixel.

    Parameters
    ----------
    input : ndarray, shape (N, C, H, W) or (C, H, W)
    down_weight : ndarray, shape (r, C)
    down_bias : ndarray, shape (r,), optional

    Returns
    -------
    up_weight : ndarray, shape (C, r)
    up_bias : ndarray, shape (C,)
    """
    x = _channel_matrix(input)
    w = pointwise_weight(as_float_array(down_weight, "down_weight"))
    if w.shape[1] != x.shape[0]:
        raise ValueError(f"down_weight must have shape (r, C) with C={x.shape[0]}, got {w.shape}")
    z = w @ x
    if down_bias is not None:
        z = z + as_float_array(down_bias, "down_bias")[:, None]
    design = np.vstack([z, np.ones((1, z.shape[1]))])  # (r + 1, pixels)
    # normal equations (r + 1 unknowns per channel); lstsq also copes with a singular Gram matrix
    solution = np.linalg.lstsq(design @ design.T, design @ x.T, rcond=None)[0]  # (r + 1, C)
    return solution[:-1].T.copy(), solution[-1].copy()


__all__ = ["least_squares_decoder", "pca_compression", "pointwise_conv2d", "pointwise_weight"]
