"""The compiled loop behind the depthwise fast path (numba).

A depthwise convolution (``groups = C_in``, one input channel per group)
does very little arithmetic per byte: every output plane is ``k_h k_w``
scaled, shifted copies of one input plane added up.  As one matrix product
per group (the im2col path of :mod:`convkit.conv`) it is thousands of tiny
products; as one NumPy operation per kernel tap it streams the whole tensor
through memory ``k_h k_w`` times.  A compiled loop over the planes touches
every input row once per tap row while it is still in the cache, which is
what PyTorch's own depthwise kernel does: :func:`depthwise_plane` computes one
output plane and :func:`depthwise_planes` a range of them.  Both release the
GIL, so :mod:`convkit.depthwise_path` can give the ranges of a large layer to
a few Python threads (which wait for each other by blocking, never by
spinning, so they do not slow down a machine that is busy with other work).

This module imports ``numba`` at the top: :mod:`convkit.depthwise_path`
imports it only when a depthwise convolution is first computed and falls
back to NumPy when numba is missing.

Compilation is cached on disk (``cache=True``), so a notebook pays it once,
not on every run.  numba writes the cache to ``__pycache__`` beside this
file, or, where that is read-only (an installed package), to the user's
cache directory (``~/.cache/numba``), or to ``NUMBA_CACHE_DIR`` when that
environment variable is set.  Where no directory is writable at all the
functions are compiled in memory on every run instead.
"""

from __future__ import annotations

from typing import Callable

import numba
import numpy as np


def _compile(function: Callable) -> Callable:
    """``numba.njit(nogil=True, cache=True)``, without the disk cache if nowhere is writable."""
    try:
        return numba.njit(nogil=True, cache=True)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True)(function)


@_compile
def depthwise_plane(
    source: np.ndarray,
    weight: np.ndarray,
    bias: float,
    stride_h: int,
    stride_w: int,
    dilation_h: int,
    dilation_w: int,
    out: np.ndarray,
) -> None:
    """One output plane: ``out = bias + sum over taps of weight[i, j] * shifted source``.

    Parameters
    ----------
    source : ndarray, shape (H_pad, W_pad)
        The zero-padded input channel.
    weight : ndarray, shape (k_h, k_w)
    bias : float
    stride_h, stride_w, dilation_h, dilation_w : int
    out : ndarray, shape (out_h, out_w)
        Written in place; every sum is accumulated in its dtype.
    """
    out_h, out_w = out.shape
    k_h, k_w = weight.shape
    for r in range(out_h):
        row = out[r]
        for q in range(out_w):
            row[q] = bias
        for i in range(k_h):
            line = source[r * stride_h + i * dilation_h]
            for j in range(k_w):
                tap = weight[i, j]
                start = j * dilation_w
                # the inputs this tap reads for the whole output row, as a view: indexing a
                # contiguous view (not line[start + q]) lets the compiler vectorise the loop
                if stride_w == 1:
                    segment = line[start:start + out_w]
                    for q in range(out_w):
                        row[q] += tap * segment[q]
                else:
                    strided = line[start:start + (out_w - 1) * stride_w + 1:stride_w]
                    for q in range(out_w):
                        row[q] += tap * strided[q]


@_compile
def depthwise_planes(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray,
    stride_h: int,
    stride_w: int,
    dilation_h: int,
    dilation_w: int,
    y: np.ndarray,
    first: int,
    last: int,
) -> None:
    """Output planes ``first .. last - 1`` (in ``(n, o)`` order) of a depthwise convolution.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H_pad, W_pad)
        Zero-padded input.
    weight : ndarray, shape (m * C_in, 1, k_h, k_w)
        Output channel ``o`` filters input channel ``o // m``.
    bias : ndarray, shape (m * C_in,)
        Added to every output position (zeros for no bias).
    stride_h, stride_w, dilation_h, dilation_w : int
    y : ndarray, shape (N, m * C_in, out_h, out_w)
        The output, written in place: plane ``p`` is ``y[p // C_out, p % C_out]``.
    first, last : int
        The range of planes to compute, ``0 <= first <= last <= N * C_out``.
    """
    channels = x.shape[1]
    c_out = weight.shape[0]
    multiplier = c_out // channels
    for plane in range(first, last):
        n, o = plane // c_out, plane % c_out
        depthwise_plane(x[n, o // multiplier], weight[o, 0], bias[o], stride_h, stride_w, dilation_h,
                        dilation_w, y[n, o])


__all__ = ["depthwise_plane", "depthwise_planes"]
