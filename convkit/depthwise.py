"""Depthwise and depthwise separable convolutions, and what a separable layer can express.

A **depthwise** convolution filters every input channel on its own: with a
channel multiplier ``m``, output channel ``o`` is input channel ``o // m``
convolved with its own ``k_h x k_w`` kernel,

.. math:: y[n, o] = b[o] + x[n, \\lfloor o/m \\rfloor] \\star D[o, 0],

which is ``torch.nn.functional.conv2d(x, D, b, groups=C_in)`` with ``D`` of
shape ``(m * C_in, 1, k_h, k_w)``.  A **depthwise separable** convolution
follows it with a pointwise (``1 x 1``) convolution ``P`` of shape
``(C_out, m * C_in, 1, 1)`` that mixes the channels.

The composition is again one ordinary convolution (bias included), with
the kernel

.. math:: W[o, c] = \\sum_{j=0}^{m-1} P[o, cm + j]\\, D[cm + j, 0],

so for every input channel ``c`` the ``C_out`` spatial kernels ``W[:, c]``
are combinations of only ``m`` patterns: the ``C_out x (k_h k_w)`` matrix
``W[:, c]`` has rank at most ``m``.  :func:`separable_ranks` measures that
rank, :func:`is_depthwise_separable` tests it, and
:func:`separable_approximation` finds the closest separable layer (a
truncated SVD of each ``W[:, c]``, optimal by the Eckart--Young theorem).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .arguments import IntOrTuple, as_float_array, positive_int
from .arithmetic import Padding
from .conv import conv2d
from . import pointwise
from .pointwise import pointwise_conv2d


def _channels(input: np.ndarray) -> int:
    x = np.asarray(input)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"input must have 4 dimensions (N, C_in, H, W) or 3 (C_in, H, W), got shape {x.shape}"
        )
    return x.shape[-3]


def _depthwise_weight(weight: object, name: str, channels: int | None = None) -> np.ndarray:
    w = as_float_array(weight, name)
    if w.ndim != 4 or w.shape[1] != 1 or min(w.shape) < 1:
        raise ValueError(
            f"{name} of a depthwise convolution must have shape (m * C_in, 1, kH, kW), got {w.shape}"
        )
    if channels is not None and w.shape[0] % channels:
        raise ValueError(
            f"{name}.shape[0] = {w.shape[0]} must be a multiple m * C_in of the input channels "
            f"C_in = {channels} (channel multiplier m)"
        )
    return w


def depthwise_conv2d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """Depthwise 2-d convolution: every input channel filtered on its own.

    Equal to ``torch.nn.functional.conv2d(input, weight, bias, stride,
    padding, dilation, groups=C_in)``.

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
    weight : ndarray, shape (m * C_in, 1, kH, kW)
        Output channel ``o`` filters input channel ``o // m`` (``m``: the
        channel multiplier).
    bias : ndarray, shape (m * C_in,), optional
    stride, padding, dilation
        As in :func:`~convkit.conv.conv2d` (``padding`` may be ``'same'``).

    Returns
    -------
    ndarray, shape (N, m * C_in, H_out, W_out) or (m * C_in, H_out, W_out)

    Raises
    ------
    TypeError, ValueError
        As :func:`~convkit.conv.conv2d`, and when ``weight`` is not
        ``(m * C_in, 1, kH, kW)``.

    Examples
    --------
    >>> x = np.stack([np.ones((3, 3)), 2 * np.ones((3, 3))])     # 2 channels
    >>> w = np.ones((4, 1, 3, 3))                                  # m = 2
    >>> depthwise_conv2d(x, w)[:, 0, 0]                            # 9 x each channel, twice
    array([ 9.,  9., 18., 18.])
    """
    channels = _channels(input)
    w = _depthwise_weight(weight, "weight", channels)
    return conv2d(input, w, bias, stride, padding, dilation, groups=channels)


def separable_conv2d(
    input: np.ndarray,
    depthwise_weight: np.ndarray,
    pointwise_weight: np.ndarray,
    depthwise_bias: np.ndarray | None = None,
    pointwise_bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """Depthwise separable 2-d convolution: :func:`depthwise_conv2d`, then a pointwise (1x1) one.

    (Not to be confused with a *spatially* separable convolution, a ``k x k``
    kernel split into ``k x 1`` and ``1 x k`` passes: see :mod:`convkit.separable`.)

    Equal to ``nn.Sequential(nn.Conv2d(C_in, m * C_in, k, stride, padding,
    dilation, groups=C_in), nn.Conv2d(m * C_in, C_out, 1))``.

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
    depthwise_weight : ndarray, shape (m * C_in, 1, kH, kW)
    pointwise_weight : ndarray, shape (C_out, m * C_in, 1, 1) or (C_out, m * C_in)
    depthwise_bias : ndarray, shape (m * C_in,), optional
    pointwise_bias : ndarray, shape (C_out,), optional
    stride, padding, dilation
        Of the depthwise stage (the pointwise stage has stride 1, no padding).

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)

    Raises
    ------
    TypeError, ValueError
        As :func:`depthwise_conv2d`, and when ``pointwise_weight`` does not
        read the ``m * C_in`` channels the depthwise stage makes.
    """
    channels = _channels(input)
    d = _depthwise_weight(depthwise_weight, "depthwise_weight", channels)
    p = pointwise_weight_matrix(pointwise_weight, d.shape[0])
    hidden = conv2d(input, d, depthwise_bias, stride, padding, dilation, groups=channels)
    return pointwise_conv2d(hidden, p, pointwise_bias)


def pointwise_weight_matrix(pointwise_weight: object, hidden_channels: int) -> np.ndarray:
    """The ``(C_out, m * C_in)`` matrix of a separable layer's pointwise stage, checked.

    Raises
    ------
    ValueError
        If the weight is not ``(C_out, m * C_in)`` or ``(C_out, m * C_in, 1, 1)``.
    """
    p = as_float_array(pointwise_weight, "pointwise_weight")
    try:
        p = pointwise.pointwise_weight(p)
    except ValueError as error:
        raise ValueError(str(error).replace("weight", "pointwise_weight", 1)) from None
    if p.shape[1] != hidden_channels:
        raise ValueError(
            f"pointwise_weight must read the {hidden_channels} channels of the depthwise stage "
            f"(shape (C_out, {hidden_channels}) or (C_out, {hidden_channels}, 1, 1)), "
            f"got shape {np.shape(pointwise_weight)}"
        )
    return p


def _multiplier(multiplier: object, hidden_channels: int) -> int:
    m = positive_int(multiplier, "multiplier")
    if hidden_channels % m:
        raise ValueError(
            f"multiplier ({m}) must divide the {hidden_channels} output channels of the depthwise stage"
        )
    return m


def separable_as_standard(
    depthwise_weight: np.ndarray,
    pointwise_weight: np.ndarray,
    depthwise_bias: np.ndarray | None = None,
    pointwise_bias: np.ndarray | None = None,
    multiplier: int = 1,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The one standard convolution that a depthwise separable layer computes.

    ``W[o, c] = sum_j P[o, c*m + j] * D[c*m + j, 0]`` and
    ``b = P @ depthwise_bias + pointwise_bias``, so that
    ``conv2d(x, W, b, stride, padding, dilation)`` equals
    ``separable_conv2d(x, D, P, depthwise_bias, pointwise_bias, stride,
    padding, dilation)`` for every input, stride, padding and dilation: the
    pointwise stage is linear and acts pixel by pixel, so it commutes with
    the sliding window, and the depthwise bias, a constant per channel,
    passes through it as the constant ``P @ depthwise_bias``.

    Parameters
    ----------
    depthwise_weight : ndarray, shape (m * C_in, 1, kH, kW)
    pointwise_weight : ndarray, shape (C_out, m * C_in, 1, 1) or (C_out, m * C_in)
    depthwise_bias, pointwise_bias : ndarray, optional
        Shapes ``(m * C_in,)`` and ``(C_out,)``.
    multiplier : int
        The channel multiplier ``m`` (the weights' shapes only give ``m * C_in``).

    Returns
    -------
    weight : ndarray, shape (C_out, C_in, kH, kW)
    bias : ndarray of shape (C_out,), or None when both biases are None

    Examples
    --------
    >>> d = np.ones((2, 1, 3, 3)); p = np.array([[1.0, -1.0]])
    >>> w, b = separable_as_standard(d, p)       # C_in = 2, C_out = 1
    >>> w.shape, w[0, :, 0, 0], b
    ((1, 2, 3, 3), array([ 1., -1.]), None)
    """
    d = _depthwise_weight(depthwise_weight, "depthwise_weight")
    p = pointwise_weight_matrix(pointwise_weight, d.shape[0])
    c_out, hidden = p.shape
    m = _multiplier(multiplier, hidden)
    channels, (k_h, k_w) = hidden // m, d.shape[2:]
    # hidden channel c*m + j is the j-th filter of input channel c
    weight = np.einsum("ocj,cjhw->ochw", p.reshape(c_out, channels, m), d.reshape(channels, m, k_h, k_w))
    bias = None
    if depthwise_bias is not None or pointwise_bias is not None:
        bias = np.zeros(c_out, dtype=weight.dtype)
        if depthwise_bias is not None:
            db = as_float_array(depthwise_bias, "depthwise_bias")
            if db.shape != (hidden,):
                raise ValueError(f"depthwise_bias must have shape ({hidden},), got {db.shape}")
            bias = bias + p @ db
        if pointwise_bias is not None:
            pb = as_float_array(pointwise_bias, "pointwise_bias")
            if pb.shape != (c_out,):
                raise ValueError(f"pointwise_bias must have shape ({c_out},), got {pb.shape}")
            bias = bias + pb
    return weight, bias


def _standard_weight(weight: object) -> np.ndarray:
    w = as_float_array(weight, "weight")
    if w.ndim != 4 or min(w.shape) < 1:
        raise ValueError(f"weight must be a standard 2-d kernel of shape (C_out, C_in, kH, kW), got {w.shape}")
    return w


def channel_unfoldings(weight: np.ndarray) -> np.ndarray:
    """For every input channel ``c``, the ``C_out x (kH kW)`` matrix of its spatial kernels.

    Row ``o`` of ``unfoldings[c]`` is the kernel ``weight[o, c]`` flattened.
    A depthwise separable layer with multiplier ``m`` makes every one of these
    matrices a sum of ``m`` outer products ``P[:, cm+j] D[cm+j]^T``.

    Parameters
    ----------
    weight : ndarray, shape (C_out, C_in, kH, kW)

    Returns
    -------
    ndarray, shape (C_in, C_out, kH * kW)
    """
    w = _standard_weight(weight)
    c_out, c_in, k_h, k_w = w.shape
    return w.transpose(1, 0, 2, 3).reshape(c_in, c_out, k_h * k_w)


def separable_ranks(weight: np.ndarray, rtol: float | None = None) -> np.ndarray:
    """Numerical rank of each input channel's unfolding (see :func:`channel_unfoldings`).

    Parameters
    ----------
    weight : ndarray, shape (C_out, C_in, kH, kW)
    rtol : float, optional
        Singular values up to ``rtol * sigma_max`` of the whole kernel count
        as zero; the default ``max(C_out, kH kW) * eps`` is NumPy's
        ``matrix_rank`` rule.

    Returns
    -------
    ndarray of int, shape (C_in,)
        The kernel is exactly depthwise separable with multiplier ``m`` iff
        every rank is ``<= m``.

    Examples
    --------
    >>> w = np.zeros((4, 2, 3, 3)); w[:, 0] = 1.0; w[0, 1, 0, 0] = w[1, 1, 2, 2] = 1.0
    >>> separable_ranks(w)     # channel 0: one pattern; channel 1: two
    array([1, 2])
    """
    unfold = channel_unfoldings(weight)
    sigma = np.linalg.svd(unfold, compute_uv=False)  # (C_in, min(C_out, k^2)), descending
    if rtol is None:
        rtol = max(unfold.shape[1:]) * np.finfo(unfold.dtype).eps
    top = float(sigma.max()) if sigma.size else 0.0
    return (sigma > rtol * top).sum(axis=1) if top > 0 else np.zeros(len(unfold), dtype=int)


def is_depthwise_separable(weight: np.ndarray, multiplier: int = 1, rtol: float | None = None) -> bool:
    """True when a depthwise separable layer with this multiplier computes ``weight`` exactly.

    That is, when every :func:`separable_ranks` entry is at most ``multiplier``.
    """
    m = positive_int(multiplier, "multiplier")
    return bool(np.all(separable_ranks(weight, rtol) <= m))


class SeparableFactors(NamedTuple):
    """The closest depthwise separable layer to a standard kernel.

    Attributes
    ----------
    depthwise_weight : ndarray, shape (m * C_in, 1, kH, kW)
    pointwise_weight : ndarray, shape (C_out, m * C_in, 1, 1)
    error : float
        ``||W - W_sep||_F / ||W||_F``, the relative error of the composed
        kernel (0 for an all-zero ``W``).
    """

    depthwise_weight: np.ndarray
    pointwise_weight: np.ndarray
    error: float


def separable_approximation(weight: np.ndarray, multiplier: int = 1) -> SeparableFactors:
    """The depthwise separable layer whose composed kernel is closest to ``weight``.

    For each input channel the unfolding ``W[:, c]`` (``C_out x kH kW``) is
    replaced by its best rank-``m`` approximation, the SVD truncated to the
    ``m`` largest singular values; by the Eckart--Young theorem no rank-``m``
    matrix is closer in the Frobenius norm, and the channels do not interact,
    so no separable layer is closer.  The squared error is the sum of the
    discarded squared singular values.

    Parameters
    ----------
    weight : ndarray, shape (C_out, C_in, kH, kW)
    multiplier : int
        Channel multiplier ``m`` of the depthwise stage.  With
        ``m >= min(C_out, kH kW)`` every kernel is reproduced exactly.

    Returns
    -------
    SeparableFactors
        ``separable_as_standard(f.depthwise_weight, f.pointwise_weight,
        multiplier=m)[0]`` is the approximating kernel.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> w = rng.standard_normal((8, 3, 3, 3))
    >>> round(separable_approximation(w, multiplier=9).error, 12)
    0.0
    """
    w = _standard_weight(weight)
    m = positive_int(multiplier, "multiplier")
    c_out, c_in, k_h, k_w = w.shape
    unfold = channel_unfoldings(w)
    u, sigma, vt = np.linalg.svd(unfold, full_matrices=False)  # (C_in, C_out, r), (C_in, r), (C_in, r, k^2)
    keep = min(m, sigma.shape[1])
    depthwise = np.zeros((c_in, m, k_h * k_w), dtype=w.dtype)
    pointwise = np.zeros((c_out, c_in, m), dtype=w.dtype)
    # split each singular value evenly between the two stages (any split is exact)
    root = np.sqrt(sigma[:, :keep])
    depthwise[:, :keep] = root[:, :, None] * vt[:, :keep]
    pointwise[:, :, :keep] = (u[:, :, :keep] * root[:, None, :]).transpose(1, 0, 2)
    total = float(np.sum(sigma**2))
    lost = float(np.sum(sigma[:, keep:] ** 2))
    return SeparableFactors(
        depthwise.reshape(c_in * m, 1, k_h, k_w),
        pointwise.reshape(c_out, c_in * m, 1, 1),
        float(np.sqrt(lost / total)) if total > 0 else 0.0,
    )


__all__ = [
    "SeparableFactors",
    "channel_unfoldings",
    "depthwise_conv2d",
    "is_depthwise_separable",
    "pointwise_weight_matrix",
    "separable_approximation",
    "separable_as_standard",
    "separable_conv2d",
    "separable_ranks",
]
