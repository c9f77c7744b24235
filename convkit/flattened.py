"""Flattened convolution (Jin et al., 2015): channel, vertical and horizontal 1-d filters.

A standard layer gives each output channel ``o`` a full ``C_in x k_h x k_w``
filter.  A flattened layer replaces it by three 1-d filters applied in
sequence: a *channel* (lateral) filter ``a_o`` of length ``C_in`` (a pointwise
convolution ``C_in -> C_out``), a *vertical* filter ``b_o`` of length ``k_h``
and a *horizontal* filter ``c_o`` of length ``k_w`` (both depthwise: output
channel ``o`` only filters its own map).  Together they equal the standard
layer whose filters are rank-1 tensors

.. math:: w[o, c, y, x] = a_o[c]\\, b_o[y]\\, c_o[x],

with ``C_out (C_in + k_h + k_w)`` weights instead of ``C_out C_in k_h k_w``.

:func:`flattened_factors` goes the other way: the best rank-1 tensor
approximation of every filter of a given weight, by alternating least
squares (the higher-order power method) started from the truncated
higher-order SVD.
"""

from __future__ import annotations

import numbers

import numpy as np

from .arguments import computation_dtype, floating_array, positive_int, same_dtype
from .arithmetic import Padding
from .pointwise import pointwise_conv2d
from .separable import spatially_separable_conv2d


def _filters(value: object, name: str, c_out: int | None = None) -> np.ndarray:
    """A ``(C_out, n)`` array of 1-d filters, one per output channel."""
    a = floating_array(value, name)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-d array (C_out, length), one 1-d filter per row, got shape {a.shape}")
    if min(a.shape) < 1:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    if c_out is not None and a.shape[0] != c_out:
        raise ValueError(
            f"{name} must have one filter per output channel: {c_out} rows (channel.shape[0]), "
            f"got shape {a.shape}"
        )
    return a


def _check_factors(channel, vertical, horizontal):
    channel = _filters(channel, "channel")
    c_out = channel.shape[0]
    vertical = _filters(vertical, "vertical", c_out)
    horizontal = _filters(horizontal, "horizontal", c_out)
    same_dtype(channel=channel, vertical=vertical, horizontal=horizontal)
    return channel, vertical, horizontal


def flattened_kernel(channel: np.ndarray, vertical: np.ndarray, horizontal: np.ndarray) -> np.ndarray:
    """The full kernel a flattened layer equals: one rank-1 tensor per output channel.

    Parameters
    ----------
    channel : ndarray, shape (C_out, C_in)
    vertical : ndarray, shape (C_out, k_h)
    horizontal : ndarray, shape (C_out, k_w)

    Returns
    -------
    ndarray, shape (C_out, C_in, k_h, k_w)
        ``w[o, c, y, x] = channel[o, c] * vertical[o, y] * horizontal[o, x]``.

    Raises
    ------
    ValueError
        If an argument is not 2-d or the three disagree on ``C_out``.

    Examples
    --------
    >>> w = flattened_kernel([[1.0, -1.0]], [[1.0, 2.0, 1.0]], [[-1.0, 0.0, 1.0]])
    >>> w.shape, w[0, 1, 1].tolist()   # -1 * 2 * [-1, 0, 1]
    ((1, 2, 3, 3), [2.0, 0.0, -2.0])
    """
    channel, vertical, horizontal = _check_factors(channel, vertical, horizontal)
    return np.einsum("oc,oy,ox->ocyx", channel, vertical, horizontal)


def flattened_conv2d(
    input: np.ndarray,
    channel: np.ndarray,
    vertical: np.ndarray,
    horizontal: np.ndarray,
    bias: np.ndarray | None = None,
    padding: Padding = 0,
) -> np.ndarray:
    """A flattened layer: pointwise ``C_in -> C_out``, then vertical and horizontal depthwise passes.

    Equals ``conv2d(input, flattened_kernel(channel, vertical, horizontal),
    bias, padding=padding)`` everywhere, borders included, because the
    vertical pass pads only vertically, the horizontal pass only
    horizontally, and the bias is added once at the end.  (Jin et al. add a
    bias after each of the three stages; with zero padding those biases are
    not constant near the borders, so that variant equals no single
    convolution there.)

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
    channel : ndarray, shape (C_out, C_in)
        One lateral (across-channel) filter per output channel.
    vertical : ndarray, shape (C_out, k_h)
    horizontal : ndarray, shape (C_out, k_w)
    bias : ndarray, shape (C_out,), optional
    padding : int, (int, int), 'valid' or 'same'
        Of the equivalent 2-d convolution (stride 1, no dilation).

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)

    Raises
    ------
    TypeError, ValueError
        As :func:`~convkit.conv.conv2d`, and for factors that are not 2-d or
        disagree on ``C_out``.
    """
    channel, vertical, horizontal = _check_factors(channel, vertical, horizontal)
    same_dtype(input=floating_array(input, "input"), channel=channel,
               bias=None if bias is None else floating_array(bias, "bias"))
    c_out = channel.shape[0]
    mixed = pointwise_conv2d(input, channel)  # (N, C_out, H, W): lateral filters
    return spatially_separable_conv2d(
        mixed,
        vertical.reshape(c_out, 1, -1, 1),
        horizontal.reshape(c_out, 1, 1, -1),
        bias,
        padding=padding,
        groups=c_out,
    )


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v


def _rank1_tensor(t: np.ndarray, max_iter: int, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best rank-1 approximation ``a (x) b (x) c`` of one 3-way tensor ``t`` (HOSVD start, then ALS)."""
    # truncated HOSVD: leading left singular vector of each unfolding
    b = np.linalg.svd(np.moveaxis(t, 1, 0).reshape(t.shape[1], -1), full_matrices=False)[0][:, 0]
    c = np.linalg.svd(np.moveaxis(t, 2, 0).reshape(t.shape[2], -1), full_matrices=False)[0][:, 0]
    for _ in range(max_iter):  # each update is the exact least-squares fit of one factor
        b_old, c_old = b, c
        a = _unit(np.einsum("cyx,y,x->c", t, b, c))
        b = _unit(np.einsum("cyx,c,x->y", t, a, c))
        c = _unit(np.einsum("cyx,c,y->x", t, a, b))
        if max(np.abs(b - b_old).max(), np.abs(c - c_old).max()) <= tol:
            break
    a = np.einsum("cyx,y,x->c", t, b, c)
    # signs: the largest-magnitude entries of b and c positive
    for v in (b, c):
        if v[np.argmax(np.abs(v))] < 0:
            v *= -1.0
            a = -a
    return a, b, c


def flattened_factors(
    weight: np.ndarray, max_iter: int = 1000, tol: float = 1e-10
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The closest flattened layer to a standard one: a rank-1 tensor per filter.

    For every output channel ``o`` it finds ``a, b, c`` that minimise
    ``|| weight[o] - a (x) b (x) c ||`` (Frobenius norm) by alternating least
    squares, the higher-order power method of De Lathauwer et al., started
    from the leading singular vectors of the filter's unfoldings (the
    truncated HOSVD).  Each sweep cannot increase the error; the method finds
    the exact factors of a rank-1 filter, and in general a stationary point
    that is (in practice almost always) the global best.

    Parameters
    ----------
    weight : ndarray, shape (C_out, C_in, k_h, k_w)
    max_iter : int
        Maximum number of sweeps per filter.
    tol : float
        Stop when no entry of the unit vectors ``b``, ``c`` moves by more than
        ``tol`` in a sweep.

    Returns
    -------
    channel : ndarray, shape (C_out, C_in)
    vertical : ndarray, shape (C_out, k_h)
        Unit norm, largest-magnitude entry positive.
    horizontal : ndarray, shape (C_out, k_w)
        Unit norm, largest-magnitude entry positive; the filter's scale and
        sign sit in ``channel``.

    Raises
    ------
    TypeError, ValueError
        For a weight that is not a real 4-d array, or bad ``max_iter``/``tol``.

    Examples
    --------
    >>> w = flattened_kernel([[2.0, -1.0]], [[1.0, 2.0, 1.0]], [[-1.0, 0.0, 1.0]])
    >>> a, b, c = flattened_factors(w)
    >>> bool(np.allclose(flattened_kernel(a, b, c), w))
    True
    """
    w = floating_array(weight, "weight")
    if w.ndim != 4:
        raise ValueError(f"weight must have 4 dimensions (C_out, C_in, k_h, k_w), got shape {w.shape}")
    if min(w.shape) < 1:
        raise ValueError(f"weight must not have an empty dimension, got shape {w.shape}")
    max_iter = positive_int(max_iter, "max_iter")
    if not isinstance(tol, numbers.Real) or isinstance(tol, bool):
        raise TypeError(f"tol must be a real number, got {tol!r}")
    if not tol >= 0:
        raise ValueError(f"tol must be non-negative, got {tol!r}")
    c_out, c_in, kh, kw = w.shape
    channel = np.empty((c_out, c_in), dtype=w.dtype)
    vertical = np.empty((c_out, kh), dtype=w.dtype)
    horizontal = np.empty((c_out, kw), dtype=w.dtype)
    compute = w.astype(computation_dtype(w.dtype), copy=False)  # float16 is fitted in float32
    for o in range(c_out):
        channel[o], vertical[o], horizontal[o] = _rank1_tensor(compute[o], max_iter, float(tol))
    return channel, vertical, horizontal


__all__ = ["flattened_conv2d", "flattened_factors", "flattened_kernel"]
