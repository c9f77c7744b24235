"""True convolution and cross-correlation of 1-d signals, with NumPy's modes.

Deep-learning "convolution" (:func:`~convkit.conv.conv1d`, like
``torch.nn.functional.conv1d``) slides the kernel *unflipped*: it is a
cross-correlation.  This module provides both operations of signal
processing for plain 1-d arrays, with exactly the semantics of
``np.convolve`` and ``np.correlate``:

* :func:`convolve1d` -- true convolution
  :math:`(x * k)[n] = \\sum_m x[m]\\, k[n - m]` (kernel flipped);
* :func:`correlate1d` -- cross-correlation
  :math:`(x \\star k)[n] = \\sum_m x[n + m]\\, k[m]` (kernel as is);
* :func:`output_length` -- the length of the result in each mode.

Both are built on :func:`~convkit.conv.conv1d`: flip the kernel for a
convolution, pad the signal with zeros to choose the mode, slide.

Modes (``L = len(x)``, ``K = len(k)``, ``short = min(L, K)``,
``long = max(L, K)``), each a window of the ``'full'`` result:

``'full'``
    Every shift where the two arrays overlap in at least one sample:
    ``L + K - 1`` values.
``'same'``
    ``long`` values from the middle of the full result.  For ``L >= K``
    the signal is padded with ``K // 2`` zeros on the left and
    ``(K - 1) // 2`` on the right (an even kernel puts the extra zero on the
    *left*, PyTorch's ``padding='same'`` on the *right*).
``'valid'``
    Only the shifts where the shorter array lies entirely inside the longer
    one: ``long - short + 1`` values.

As in NumPy, the kernel may be longer than the signal.  Convolution is
commutative, so ``convolve1d(x, k) == convolve1d(k, x)`` in every mode.
Cross-correlation is not: with ``K > L``, ``correlate1d(x, k)`` is the
reversal of ``correlate1d(k, x)`` (``np.correlate`` computes it that way),
which makes its ``'same'`` window start one sample later than
``convolve1d``'s when ``L`` is even.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from .arguments import as_float_array, positive_int
from .conv import conv1d

Mode = Literal["full", "same", "valid"]
MODES = ("full", "same", "valid")


def _check_mode(mode: object) -> str:
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"mode must be 'full', 'same' or 'valid', got {mode!r}")
    return mode


def _as_signal(value: object, name: str) -> np.ndarray:
    """A non-empty 1-d floating array (integers become float64)."""
    array = as_float_array(value, name)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-d array, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    return array


def _mode_window(x_size: int, k_size: int, mode: str, correlation: bool) -> tuple[int, int]:
    """Where the result of ``mode`` sits inside the ``'full'`` result.

    Returns
    -------
    start, length : int
        The result is ``full[start : start + length]``.
    """
    short, long = min(x_size, k_size), max(x_size, k_size)
    if mode == "full":
        return 0, x_size + k_size - 1
    if mode == "valid":
        return short - 1, long - short + 1
    # 'same': `long` values centred on the full result, centre rounded down ...
    start = (short - 1) // 2
    if correlation and k_size > x_size:
        # ... except that np.correlate with a longer kernel reverses the
        # correlation of the swapped pair, so its centre is rounded up.
        start = short // 2
    return start, long


def output_length(x_size: int, k_size: int, mode: Mode = "full") -> int:
    """Length of ``convolve1d(x, k, mode)`` and ``correlate1d(x, k, mode)``.

    Parameters
    ----------
    x_size, k_size : int
        Lengths of the signal and of the kernel (both ``>= 1``; either may
        be the longer one).
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    int
        ``L + K - 1`` (full), ``max(L, K)`` (same) or
        ``max(L, K) - min(L, K) + 1`` (valid).

    Raises
    ------
    TypeError
        If a size is not an int.
    ValueError
        If a size is not positive or the mode is unknown.

    Examples
    --------
    >>> [output_length(8, 3, mode) for mode in ("full", "same", "valid")]
    [10, 8, 6]
    """
    n = positive_int(x_size, "x_size")
    k = positive_int(k_size, "k_size")
    return _mode_window(n, k, _check_mode(mode), correlation=False)[1]


def _slide(x: np.ndarray, k: np.ndarray, start: int, length: int) -> np.ndarray:
    """``length`` values of the full cross-correlation of ``x`` and ``k``, from ``start``.

    Full output ``j`` reads ``x[j - (K - 1) : j + 1]``, so the requested
    window needs ``K - 1 - start`` zeros before ``x`` and
    ``start + length - L`` after it; :func:`~convkit.conv.conv1d` then slides
    ``k`` over the padded signal without further padding.
    """
    before = k.size - 1 - start
    after = start + length - x.size
    # NumPy's rule, not torch's: mixed dtypes promote (conv1d refuses to mix)
    dtype = np.result_type(x, k)
    padded = np.pad(x.astype(dtype, copy=False), (before, after))
    k = k.astype(dtype, copy=False)
    # conv1d wants (C_in, L) and (C_out, C_in, K): one channel in, one out
    return conv1d(padded[np.newaxis], k[np.newaxis, np.newaxis])[0]


def correlate1d(x: npt.ArrayLike, k: npt.ArrayLike, mode: Mode = "full") -> np.ndarray:
    """Cross-correlation of two 1-d arrays, exactly like ``np.correlate``.

    ``(x \u22c6 k)[n] = sum_m x[n + m] k[m]``: the kernel slides over the
    signal *without* being flipped.  This is what deep-learning libraries
    call convolution; ``'valid'`` equals
    ``torch.nn.functional.conv1d(x[None, None], k[None, None])``.

    Parameters
    ----------
    x : array_like, shape (L,)
        Signal.
    k : array_like, shape (K,)
        Kernel; ``K > L`` is allowed, as in NumPy.
    mode : {'full', 'same', 'valid'}
        Which shifts to return (see :mod:`convkit.correlation`): output index
        ``j`` of ``'full'`` is the shift ``n = j - (K - 1)``.

    Returns
    -------
    ndarray, shape (output_length(L, K, mode),)
        float64 for integer input, otherwise the common float dtype.

    Raises
    ------
    TypeError
        Complex or non-numeric arrays.
    ValueError
        An array that is not 1-d or is empty, or an unknown mode.

    Notes
    -----
    Not to be confused with ``scipy.ndimage.correlate1d``, whose ``mode``
    selects a boundary rule and which defaults to reflecting the signal.

    Examples
    --------
    >>> correlate1d([1, 2, 3], [0, 1, 0.5])
    array([0.5, 2. , 3.5, 3. , 0. ])
    >>> correlate1d([1, 2, 3], [0, 1, 0.5], mode="same")
    array([2. , 3.5, 3. ])
    """
    mode = _check_mode(mode)
    x, k = _as_signal(x, "x"), _as_signal(k, "k")
    start, length = _mode_window(x.size, k.size, mode, correlation=True)
    return _slide(x, k, start, length)


def convolve1d(x: npt.ArrayLike, k: npt.ArrayLike, mode: Mode = "full") -> np.ndarray:
    """True (discrete) convolution of two 1-d arrays, exactly like ``np.convolve``.

    ``(x * k)[n] = sum_m x[m] k[n - m]``: the kernel is flipped, then slid
    over the signal.  Computed as :func:`correlate1d` of ``x`` with
    ``k[::-1]``.

    Parameters
    ----------
    x : array_like, shape (L,)
        Signal.
    k : array_like, shape (K,)
        Kernel; ``K > L`` is allowed, and ``convolve1d(x, k, mode)`` then
        equals ``convolve1d(k, x, mode)`` (convolution is commutative).
    mode : {'full', 'same', 'valid'}
        Which values to return (see :mod:`convkit.correlation`); output index
        ``n`` of ``'full'`` is :math:`(x * k)[n]`, ``n = 0 .. L + K - 2``.

    Returns
    -------
    ndarray, shape (output_length(L, K, mode),)
        float64 for integer input, otherwise the common float dtype.

    Raises
    ------
    TypeError
        Complex or non-numeric arrays.
    ValueError
        An array that is not 1-d or is empty, or an unknown mode.

    Examples
    --------
    >>> convolve1d([1, 2, 3], [0, 1, 0.5])
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> convolve1d([1, 2, 3], [0, 1, 0.5], mode="valid")
    array([2.5])
    """
    mode = _check_mode(mode)
    x, k = _as_signal(x, "x"), _as_signal(k, "k")
    start, length = _mode_window(x.size, k.size, mode, correlation=False)
    return _slide(x, k[::-1], start, length)


__all__ = ["MODES", "convolve1d", "correlate1d", "output_length"]
