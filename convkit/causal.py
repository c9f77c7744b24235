"""Causal (dilated) 1-d convolution, the building block of WaveNet.

A causal layer must not let output ``t`` depend on inputs after ``t``.  A
1-d convolution with kernel ``k`` and dilation ``d`` reads, for output
``t``, the padded inputs ``t + j d`` for ``j = 0 .. k - 1``.  Padding the
input with ``d (k - 1)`` zeros on the **left only** shifts those to the
original positions ``t - d (k - 1) + j d``, so the last tap is ``t`` itself
and every other tap lies in the past; the output keeps the input length.
``torch`` has no causal mode: ``F.conv1d(F.pad(x, (d * (k - 1), 0)), w,
dilation=d)`` is the usual spelling, and :func:`causal_conv1d` computes
exactly that with :func:`~convkit.conv.conv1d`.
"""

from __future__ import annotations

import numpy as np

from .arguments import as_float_array, positive_int
from .conv import Method, conv1d


def causal_padding(kernel_size: int, dilation: int = 1) -> tuple[int, int]:
    """Zero padding ``(left, right) = (d (k - 1), 0)`` of a causal 1-d convolution.

    Examples
    --------
    >>> causal_padding(2, dilation=4)
    (4, 0)
    """
    k = positive_int(kernel_size, "kernel_size")
    d = positive_int(dilation, "dilation")
    return d * (k - 1), 0


def causal_conv1d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    dilation: int = 1,
    groups: int = 1,
    *,
    method: Method = "fast",
) -> np.ndarray:
    """Causal dilated 1-d convolution: left-only padding ``d (k - 1)``, then :func:`~convkit.conv.conv1d`.

    ``y[..., t]`` depends on ``x[..., t - d (k - 1)], ..., x[..., t - d], x[..., t]``
    only (zeros before the start), and ``y`` has the length of ``x``.

    Parameters
    ----------
    input : ndarray, shape ``(N, C_in, L)`` or ``(C_in, L)``
    weight : ndarray, shape ``(C_out, C_in / groups, k)``
    bias : ndarray, shape ``(C_out,)``, optional
    dilation : int
        Spacing ``d`` between the kernel taps (a single int: the layer is 1-d).
    groups : int
        As for :func:`~convkit.conv.conv1d`.
    method : {'fast', 'loop'}
        Passed on to :func:`~convkit.conv.conv1d`.

    Returns
    -------
    ndarray, shape ``(N, C_out, L)`` or ``(C_out, L)``

    Raises
    ------
    ValueError, TypeError
        For a weight that is not 3-d, an input that is not 2-d or 3-d, a
        dilation that is not a positive int, and everything
        :func:`~convkit.conv.conv1d` rejects.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0, 3.0, 4.0]])
    >>> w = np.array([[[1.0, 10.0]]])          # y[t] = x[t - 2] + 10 x[t]
    >>> causal_conv1d(x, w, dilation=2)
    array([[10., 20., 31., 42.]])
    """
    x = as_float_array(input, "input")
    w = as_float_array(weight, "weight")
    if w.ndim != 3:
        raise ValueError(f"weight must have 3 dimensions (C_out, C_in/groups, k), got shape {w.shape}")
    if min(w.shape) < 1:
        raise ValueError(f"weight must not have an empty dimension, got shape {w.shape}")
    if x.ndim not in (2, 3):
        raise ValueError(f"input must have 3 dimensions (N, C, L) or 2 (C, L), got shape {x.shape}")
    left, right = causal_padding(w.shape[-1], dilation)
    padded = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(left, right)])
    return conv1d(padded, w, bias, stride=1, padding=0, dilation=dilation, groups=groups, method=method)


__all__ = ["causal_conv1d", "causal_padding"]
