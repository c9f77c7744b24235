"""Spatially separable kernels: rank-1 splits, low-rank approximations, two 1-d passes.

A ``k_h x k_w`` kernel ``w`` is *separable* when it is an outer product
``w = column row^T`` of a column ``(k_h,)`` and a row ``(k_w,)`` -- a matrix of
rank 1.  Correlating with it then equals correlating with the ``k_h x 1``
column and then with the ``1 x k_w`` row: ``k_h + k_w`` instead of
``k_h k_w`` multiply-adds per output value.

The singular value decomposition ``w = sum_r sigma_r u_r v_r^T`` decides
separability (``sigma_2 = 0``) and gives the best rank-``r`` approximation in
the Frobenius norm (Eckart--Young): keep the ``r`` largest terms; the error is
``sqrt(sigma_{r+1}^2 + sigma_{r+2}^2 + ...)``.

Layers built this way (a ``k x 1`` convolution followed by a ``1 x k`` one,
as in Inception-v3) are computed by :func:`spatially_separable_conv2d`; the
single full kernel they equal is :func:`spatially_separable_weight`.
"""

from __future__ import annotations

import numbers

import numpy as np

from .arguments import (
    IntOrTuple,
    as_float_array,
    as_tuple,
    floating_array,
    positive_int,
    positive_tuple,
    same_dtype,
)
from .arithmetic import Padding
from .conv import conv2d


def _kernel_matrix(kernel: object, name: str = "kernel") -> np.ndarray:
    w = as_float_array(kernel, name)
    if w.ndim != 2:
        raise ValueError(f"{name} must be a 2-d array (k_h, k_w), got shape {w.shape}")
    if min(w.shape) < 1:
        raise ValueError(f"{name} must not be empty, got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} must contain only finite numbers")
    return w


def _orient(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flip the signs of a singular pair so that ``u``'s largest-magnitude entry is positive."""
    sign = np.sign(u[np.argmax(np.abs(u))]) or 1.0
    return u * sign, v * sign


def singular_values(kernel: np.ndarray) -> np.ndarray:
    """The singular values of a 2-d kernel, largest first.

    Parameters
    ----------
    kernel : ndarray, shape (k_h, k_w)

    Returns
    -------
    ndarray, shape (min(k_h, k_w),)
        ``sigma_1 >= sigma_2 >= ... >= 0``; the kernel is separable exactly when
        at most one is non-zero.

    Examples
    --------
    >>> singular_values(np.outer([1.0, 2.0], [3.0, 4.0])).round(6)
    array([11.18034,  0.     ])
    """
    return np.linalg.svd(_kernel_matrix(kernel), compute_uv=False)


def separate_kernel(kernel: np.ndarray, tol: float = 1e-8) -> tuple[np.ndarray, np.ndarray]:
    """Split a rank-1 kernel into a column and a row: ``kernel == np.outer(column, row)``.

    Parameters
    ----------
    kernel : ndarray, shape (k_h, k_w)
    tol : float
        Largest accepted ratio ``sigma_2 / sigma_1`` of the second to the first
        singular value (``0`` demands exact rank 1 in floating point, which
        rounding rarely allows).

    Returns
    -------
    column : ndarray, shape (k_h,)
    row : ndarray, shape (k_w,)
        ``np.outer(column, row)`` equals ``kernel`` up to ``sigma_2`` (in the
        Frobenius norm).  The scale is split evenly (``|column| = |row| =
        sqrt(sigma_1)``) and the largest-magnitude entry of ``column`` is
        positive; any ``(a column, row / a)`` is an equally valid split.  A
        zero kernel gives two zero vectors.

    Raises
    ------
    ValueError
        If ``kernel`` is not 2-d, is empty or not finite, if ``tol`` is
        negative, or if the kernel is not rank 1 within ``tol`` (the message
        gives ``sigma_2 / sigma_1``).
    TypeError
        If ``tol`` is not a real number, or ``kernel`` is not a real array.

    Examples
    --------
    >>> column, row = separate_kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])   # Sobel
    >>> (column / column[0]).round(12).tolist(), (row * column[0] + 0.0).round(12).tolist()
    ([1.0, 2.0, 1.0], [-1.0, 0.0, 1.0])
    """
    w = _kernel_matrix(kernel)
    if not isinstance(tol, numbers.Real) or isinstance(tol, bool):
        raise TypeError(f"tol must be a real number, got {tol!r}")
    if not tol >= 0:
        raise ValueError(f"tol must be non-negative, got {tol!r}")
    u, s, vt = np.linalg.svd(w)
    if s[0] == 0:
        return np.zeros(w.shape[0], dtype=w.dtype), np.zeros(w.shape[1], dtype=w.dtype)
    ratio = s[1] / s[0] if len(s) > 1 else 0.0
    if ratio > tol:
        raise ValueError(
            f"kernel is not separable (not rank 1 within tol={tol:g}): its second singular value "
            f"is {ratio:.3g} times the first; use low_rank_kernel for the best rank-r approximation"
        )
    column, row = _orient(u[:, 0], vt[0])
    scale = np.sqrt(s[0])
    return column * scale, row * scale


def low_rank_factors(kernel: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``rank`` separable terms of the best rank-``rank`` approximation.

    Parameters
    ----------
    kernel : ndarray, shape (k_h, k_w)
    rank : int
        ``1 <= rank <= min(k_h, k_w)``.

    Returns
    -------
    columns : ndarray, shape (k_h, rank)
    rows : ndarray, shape (rank, k_w)
        ``columns @ rows`` is :func:`low_rank_kernel`; term ``r`` is
        ``np.outer(columns[:, r], rows[r])`` with ``sqrt(sigma_r)`` on each side.

    Raises
    ------
    TypeError, ValueError
        For a bad kernel (see :func:`separate_kernel`) or a rank outside
        ``1 .. min(k_h, k_w)``.
    """
    w = _kernel_matrix(kernel)
    rank = positive_int(rank, "rank")
    if rank > min(w.shape):
        raise ValueError(
            f"rank must be at most min(k_h, k_w) = {min(w.shape)} for a kernel of shape {w.shape}, "
            f"got {rank}"
        )
    u, s, vt = np.linalg.svd(w)
    columns = np.empty((w.shape[0], rank), dtype=w.dtype)
    rows = np.empty((rank, w.shape[1]), dtype=w.dtype)
    for r in range(rank):
        column, row = _orient(u[:, r], vt[r])
        columns[:, r], rows[r] = column * np.sqrt(s[r]), row * np.sqrt(s[r])
    return columns, rows


def low_rank_kernel(kernel: np.ndarray, rank: int) -> np.ndarray:
    """Best rank-``rank`` approximation of a 2-d kernel (truncated SVD).

    By the Eckart--Young theorem no kernel of rank ``<= rank`` is closer in
    the Frobenius norm; the error is ``sqrt(sum of the discarded sigma^2)``.

    Parameters
    ----------
    kernel : ndarray, shape (k_h, k_w)
    rank : int
        ``1 <= rank <= min(k_h, k_w)``; the largest value returns the kernel.

    Returns
    -------
    ndarray, shape (k_h, k_w)

    Examples
    --------
    >>> w = np.array([[1.0, 0.0], [0.0, 0.5]])
    >>> low_rank_kernel(w, 1)
    array([[1., 0.],
           [0., 0.]])
    """
    columns, rows = low_rank_factors(kernel, rank)
    return columns @ rows


def _conv_weight(weight: object, name: str, axis: str) -> np.ndarray:
    w = floating_array(weight, name)
    if w.ndim != 4:
        raise ValueError(
            f"{name} must have 4 dimensions (C_out, C_in/groups, kH, kW) as in torch.nn.Conv2d, "
            f"got shape {w.shape}"
        )
    if axis == "vertical" and w.shape[3] != 1:
        raise ValueError(f"{name} must be a k x 1 (vertical) kernel, got kernel {w.shape[2]} x {w.shape[3]}")
    if axis == "horizontal" and w.shape[2] != 1:
        raise ValueError(f"{name} must be a 1 x k (horizontal) kernel, got kernel {w.shape[2]} x {w.shape[3]}")
    return w


def _axis_padding(padding: Padding) -> tuple[Padding, Padding]:
    """Split a 2-d ``padding`` into the vertical pass's and the horizontal pass's."""
    if isinstance(padding, str):
        return padding, padding  # 'same'/'valid': a 1-wide axis gets no padding either way
    ph, pw = as_tuple(padding, 2, "padding")
    return (ph, 0), (0, pw)


def spatially_separable_conv2d(
    input: np.ndarray,
    column: np.ndarray,
    row: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """A ``k_h x 1`` convolution followed by a ``1 x k_w`` one, equal to one 2-d convolution.

    The first pass pads, strides and dilates only vertically, the second only
    horizontally, and the bias is added once, at the end.  Then the result
    equals ``conv2d(input, spatially_separable_weight(column, row, groups),
    bias, stride, padding, dilation, groups)`` *everywhere, borders included*:
    the horizontal zero padding of the input would have produced zero columns
    in the intermediate map, which is exactly what the second pass pads with.

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
    column : ndarray, shape (C_mid, C_in / groups, k_h, 1)
        The vertical filters (``torch.nn.Conv2d(C_in, C_mid, (k_h, 1))``'s weight).
    row : ndarray, shape (C_out, C_mid / groups, 1, k_w)
        The horizontal filters.
    bias : ndarray, shape (C_out,), optional
    stride, padding, dilation : as :func:`~convkit.conv.conv2d`
        Of the equivalent 2-d convolution.
    groups : int
        Used by both passes (``groups = C_in = C_mid = C_out``: every channel
        filtered on its own by its own separable kernel).

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)

    Raises
    ------
    TypeError, ValueError
        As :func:`~convkit.conv.conv2d` (every array must have the same floating
        dtype), and for a ``column`` that is not ``k x 1`` or a ``row`` that is
        not ``1 x k``.
    """
    column = _conv_weight(column, "column", "vertical")
    row = _conv_weight(row, "row", "horizontal")
    same_dtype(input=floating_array(input, "input"), column=column, row=row,
               bias=None if bias is None else floating_array(bias, "bias"))
    sh, sw = positive_tuple(stride, 2, "stride")
    dh, dw = positive_tuple(dilation, 2, "dilation")
    pad_v, pad_h = _axis_padding(padding)
    middle = conv2d(input, column, None, (sh, 1), pad_v, (dh, 1), groups)
    return conv2d(middle, row, bias, (1, sw), pad_h, (1, dw), groups)


def spatially_separable_weight(column: np.ndarray, row: np.ndarray, groups: int = 1) -> np.ndarray:
    """The full 2-d kernel of a ``k_h x 1`` layer followed by a ``1 x k_w`` layer.

    ``w[o, c, y, x] = sum_m row[o, m, 0, x] column[m, c, y, 0]``, the sum over the
    intermediate channels ``m`` of ``o``'s group.  Each ``(o, c)`` slice is a sum
    of ``C_mid / groups`` rank-1 matrices, so its rank is at most that.

    Parameters
    ----------
    column : ndarray, shape (C_mid, C_in / groups, k_h, 1)
    row : ndarray, shape (C_out, C_mid / groups, 1, k_w)
    groups : int

    Returns
    -------
    ndarray, shape (C_out, C_in / groups, k_h, k_w)

    Raises
    ------
    ValueError
        For kernels of the wrong orientation, or channel counts that do not
        fit ``groups``.

    Examples
    --------
    >>> column = np.array([1.0, 2.0, 1.0]).reshape(1, 1, 3, 1)
    >>> row = np.array([-1.0, 0.0, 1.0]).reshape(1, 1, 1, 3)
    >>> spatially_separable_weight(column, row)[0, 0]   # Sobel
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    """
    column = _conv_weight(column, "column", "vertical")
    row = _conv_weight(row, "row", "horizontal")
    same_dtype(column=column, row=row)
    groups = positive_int(groups, "groups")
    c_mid, c_out = column.shape[0], row.shape[0]
    if c_mid % groups or c_out % groups:
        raise ValueError(
            f"groups ({groups}) must divide the intermediate channels (column.shape[0]={c_mid}) "
            f"and the output channels (row.shape[0]={c_out})"
        )
    if row.shape[1] * groups != c_mid:
        raise ValueError(
            f"row expects {row.shape[1]} * groups({groups}) = {row.shape[1] * groups} intermediate "
            f"channels (row.shape[1] must equal C_mid / groups), but column makes C_mid={c_mid}"
        )
    cols = column[..., 0].reshape(groups, c_mid // groups, column.shape[1], column.shape[2])
    rows = row[:, :, 0, :].reshape(groups, c_out // groups, c_mid // groups, row.shape[3])
    w = np.einsum("gomx,gmcy->gocyx", rows, cols)
    return w.reshape(c_out, column.shape[1], column.shape[2], row.shape[3])


def spatially_separable_factors(weight: np.ndarray, mid_channels: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k_h x 1`` then ``1 x k_w`` pair with ``mid_channels`` closest to a full layer.

    The pair's kernel (:func:`spatially_separable_weight`) is
    ``w[o, c, y, x] = sum_m row[o, m, x] column[m, c, y]``: read as a matrix
    with rows ``(o, x)`` and columns ``(c, y)`` it is a product of a
    ``(C_out k_w) x C_mid`` and a ``C_mid x (C_in k_h)`` matrix, so its rank is
    at most ``C_mid``.  Conversely the truncated SVD of that matrix gives the
    pair closest to ``weight`` in the Frobenius norm (Eckart--Young); this is
    the data-free form of scheme 2 of Jaderberg et al. (2014).  With one input
    and one output channel it reduces to :func:`low_rank_factors`.

    Parameters
    ----------
    weight : ndarray, shape (C_out, C_in, k_h, k_w)
    mid_channels : int
        ``1 <= mid_channels <= min(C_out k_w, C_in k_h)``.

    Returns
    -------
    column : ndarray, shape (mid_channels, C_in, k_h, 1)
    row : ndarray, shape (C_out, mid_channels, 1, k_w)

    Raises
    ------
    TypeError, ValueError
        For a weight that is not a real 4-d array, or ``mid_channels`` out of range.
    """
    w = floating_array(weight, "weight")
    if w.ndim != 4:
        raise ValueError(f"weight must have 4 dimensions (C_out, C_in, k_h, k_w), got shape {w.shape}")
    c_out, c_in, kh, kw = w.shape
    matrix = w.transpose(0, 3, 1, 2).reshape(c_out * kw, c_in * kh)  # rows (o, x), columns (c, y)
    mid_channels = positive_int(mid_channels, "mid_channels")
    if mid_channels > min(matrix.shape):
        raise ValueError(
            f"mid_channels must be at most min(C_out * k_w, C_in * k_h) = {min(matrix.shape)} for a weight "
            f"of shape {w.shape}, got {mid_channels}"
        )
    columns, rows = low_rank_factors(matrix, mid_channels)  # (C_out k_w, r), (r, C_in k_h)
    row = columns.reshape(c_out, kw, mid_channels).transpose(0, 2, 1)[:, :, None, :]
    column = rows.reshape(mid_channels, c_in, kh)[..., None]
    return column, row


__all__ = [
    "low_rank_factors",
    "low_rank_kernel",
    "separate_kernel",
    "singular_values",
    "spatially_separable_conv2d",
    "spatially_separable_factors",
    "spatially_separable_weight",
]
