"""The fast path of :func:`~convkit.conv.conv2d` for depthwise convolutions.

When every group holds a single input channel (``groups = C_in``, so the
weight has shape ``(m * C_in, 1, *kernel)`` with channel multiplier ``m``),
output channel ``o`` is input channel ``o // m`` filtered on its own:

.. math:: y[n, o, \\mathbf{j}] = b[o] + \\sum_{\\mathbf{t}}
          x_{\\text{pad}}[n, \\lfloor o/m \\rfloor, \\mathbf{j} \\odot \\mathbf{s}
          + \\mathbf{t} \\odot \\mathbf{d}]\\, w[o, 0, \\mathbf{t}]

The general im2col path would compute this as one tiny matrix product per
group; :func:`conv_depthwise` instead uses

``backend="numba"``
    a compiled loop over the ``(n, o)`` planes
    (:func:`convkit.depthwise_numba.depthwise_planes`; from ``PARALLEL_WORK``
    multiply-adds on, ranges of planes on a few threads), for 1-d and 2-d
    convolutions;
``backend="numpy"``
    one multiply-add per kernel tap over the whole tensor
    (:func:`conv_depthwise_numpy`): ``prod(kernel)`` vectorised NumPy
    operations, any number of dimensions.

``backend="auto"`` (what :func:`~convkit.conv.conv2d` uses) takes numba when it is
installed and the convolution is 1-d or 2-d, NumPy otherwise.
"""

from __future__ import annotations

import functools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:  # conv imports this module; only the type is needed here
    from .conv import ConvProblem

Backend = Literal["auto", "numba", "numpy"]
PARALLEL_WORK = 1 << 22
"""Multiply-adds from which the compiled loop shares the planes among threads (below: one thread)."""
THREADS = min(os.cpu_count() or 1, 8)
"""Threads for large depthwise layers: as many as CPUs, at most 8."""


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """The thread pool for large layers, created on first use."""
    return ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="convkit")


def is_depthwise(problem: "ConvProblem") -> bool:
    """True when each of several groups holds exactly one input channel (``groups = C_in > 1``)."""
    return problem.groups > 1 and problem.weight.shape[1] == 1


@functools.cache
def compiled() -> ModuleType | None:
    """:mod:`convkit.depthwise_numba`, or None when numba cannot be imported."""
    try:
        from . import depthwise_numba
    except ImportError:
        return None
    return depthwise_numba


def conv_depthwise_numpy(problem: "ConvProblem") -> np.ndarray:
    """Depthwise convolution as one vectorised multiply-add per kernel tap.

    For every tap ``t`` of the kernel, the strided slice of the padded input
    that tap reads at every output position is multiplied by the tap's
    weights (one per output channel) and added to the output.

    Parameters
    ----------
    problem : ConvProblem
        From :func:`convkit.conv.prepare_conv`, with ``weight.shape[1] == 1``.

    Returns
    -------
    ndarray, shape (N, C_out, *out_size)
    """
    x, w = problem.x, problem.weight
    batch, channels = x.shape[:2]
    c_out = w.shape[0]
    multiplier = c_out // channels
    kernel = w.shape[2:]
    ndim = len(kernel)
    out = problem.out_size
    # output channel o = c * m + j reads input channel c: view y as (N, C_in, m, *out)
    y = np.zeros((batch, channels, multiplier, *out), dtype=x.dtype)
    taps = w.reshape(channels, multiplier, *kernel)
    product = np.empty_like(y)
    from .conv import _tap_slices  # where each tap reads (conv imports this module)

    for t in np.ndindex(*kernel):
        source = x[(slice(None), slice(None)) + _tap_slices(t, problem)][:, :, np.newaxis]  # (N, C_in, 1, *out)
        scale = taps[(slice(None), slice(None)) + t].reshape((1, channels, multiplier) + (1,) * ndim)
        np.multiply(source, scale, out=product)
        y += product
    y = y.reshape(batch, c_out, *out)
    if problem.bias is not None:
        y += problem.bias.reshape((c_out,) + (1,) * ndim)
    return y


def conv_depthwise_numba(problem: "ConvProblem") -> np.ndarray:
    """Depthwise 1-d or 2-d convolution with the compiled loop of :mod:`convkit.depthwise_numba`.

    Raises
    ------
    ImportError
        If numba is not installed.
    ValueError
        For a 3-d (or higher) convolution.
    """
    module = compiled()
    if module is None:
        raise ImportError("backend='numba' needs numba: pip install numba")
    ndim = len(problem.out_size)
    if ndim not in (1, 2):
        raise ValueError(f"backend='numba' computes 1-d and 2-d convolutions, got {ndim}-d")
    x, w = problem.x, problem.weight
    stride, dilation, out = problem.stride, problem.dilation, problem.out_size
    if ndim == 1:  # a 1-d signal is a 2-d image of height 1
        x, w = x[:, :, np.newaxis], w[:, :, np.newaxis]
        stride, dilation, out = (1, *stride), (1, *dilation), (1, *out)
    bias = problem.bias if problem.bias is not None else np.zeros(w.shape[0], dtype=x.dtype)
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
    bias = np.ascontiguousarray(bias, dtype=x.dtype)
    y = np.empty((x.shape[0], w.shape[0], *out), dtype=x.dtype)
    planes = x.shape[0] * w.shape[0]
    args = (x, w, bias, stride[0], stride[1], dilation[0], dilation[1], y)
    work = planes * math.prod(out) * math.prod(w.shape[2:])  # multiply-adds
    threads = min(THREADS, planes) if work >= PARALLEL_WORK else 1
    if threads == 1:
        module.depthwise_planes(*args, 0, planes)
    else:  # the compiled loop releases the GIL: each thread computes a range of planes
        bounds = np.linspace(0, planes, threads + 1).astype(int)
        tasks = [_pool().submit(module.depthwise_planes, *args, int(a), int(b))
                 for a, b in zip(bounds[:-1], bounds[1:])]
        for task in tasks:
            task.result()
    return y[:, :, 0] if ndim == 1 else y


def conv_depthwise(problem: "ConvProblem", backend: Backend = "auto") -> np.ndarray:
    """Depthwise convolution (``groups = C_in``) by the fastest available backend.

    Parameters
    ----------
    problem : ConvProblem
        From :func:`convkit.conv.prepare_conv`; :func:`is_depthwise` must hold.
    backend : {'auto', 'numba', 'numpy'}
        ``'auto'``: numba for 1-d and 2-d when it is installed, else NumPy.

    Returns
    -------
    ndarray, shape (N, C_out, *out_size)
    """
    if backend not in ("auto", "numba", "numpy"):
        raise ValueError(f"backend must be 'auto', 'numba' or 'numpy', got {backend!r}")
    if problem.weight.shape[1] != 1:
        raise ValueError(
            f"the depthwise path needs one input channel per group (weight.shape[1] == 1), "
            f"got weight shape {problem.weight.shape}"
        )
    if backend == "numpy" or (
        backend == "auto" and (compiled() is None or len(problem.out_size) > 2)
    ):
        return conv_depthwise_numpy(problem)
    return conv_depthwise_numba(problem)


__all__ = ["compiled", "conv_depthwise", "conv_depthwise_numba", "conv_depthwise_numpy", "is_depthwise"]
