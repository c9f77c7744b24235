"""N-dimensional convolution (deep-learning style cross-correlation) in NumPy.

``conv1d``, ``conv2d`` and ``conv3d`` mirror ``torch.nn.functional`` names,
argument order and semantics.  They are thin wrappers over one N-d
implementation that comes in two flavours:

``method="loop"``
    A plain reference written with Python loops, one multiply-add at a
    time, to be read line by line next to the formula

    .. math:: y[n, o, \\mathbf{j}] = b[o] + \\sum_{c} \\sum_{\\mathbf{t}}
              x_{\\text{pad}}[n, c, \\mathbf{j} \\odot \\mathbf{s} + \\mathbf{t} \\odot \\mathbf{d}]\\,
              w[o, c, \\mathbf{t}]

``method="fast"`` (default)
    The same sum as one matrix product: cut every receptive field out of the
    padded input with ``sliding_window_view`` (the *im2col* matrix) and
    multiply it by the flattened kernels.  Depthwise convolutions (one input
    channel per group, ``groups = C_in``) take their own path instead, see
    :mod:`convkit.depthwise_path`.

Shapes (``*`` stands for the ``ndim`` spatial sizes):

* input:  ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)``
* weight: ``(C_out, C_in / groups, *kernel)``
* bias:   ``(C_out,)``
* output: ``(N, C_out, *out)`` or ``(C_out, *out)``, with ``out`` given by
  :func:`convkit.arithmetic.conv_output_size`.

Dtypes (the rule of every function that mirrors torch, from
:func:`convkit.arguments.floating_array` and
:func:`convkit.arguments.same_dtype`):

* float32 and float64 are computed in that dtype and returned in it;
* float16 is computed in float32 and the result rounded to float16 once
  (torch's CPU kernels also accumulate float16 in float32; the loop
  reference never sums in float16);
* input, weight and bias must have the *same* dtype: mixing float32 and
  float64 raises ``TypeError``, as torch raises;
* integer, boolean, complex and object arrays raise ``TypeError`` (torch
  computes integer convolutions on the CPU, wrapping around on overflow;
  convkit does not: convert with ``.astype(np.float64)``).

Empty tensors, as in torch 2.13: a batch of ``N = 0`` gives an output with
``N = 0``; an input with ``C_in = 0`` channels (and a weight of shape
``(C_out, 0, *kernel)``) gives an empty output of shape ``(N, 0, *out)``
(torch returns no output channels there, not ``C_out`` channels of bias);
a spatial size of 0, ``C_out = 0`` or a kernel size of 0 raise
``ValueError``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from .arguments import (
    IntOrTuple,
    computation_dtype,
    floating_array,
    positive_int,
    positive_tuple,
    same_dtype,
)
from .arithmetic import Padding, padding_pairs
from .depthwise_path import conv_depthwise, is_depthwise

Method = Literal["fast", "loop"]


@dataclass(frozen=True)
class ConvProblem:
    """A checked convolution, ready to compute.

    The zero-padded input is the property :attr:`x`, made on first use:
    :func:`conv_fast` never needs it (it pads one image at a time into a
    reused buffer), so a convolution does not pay for a padded copy of its
    whole input.

    Attributes
    ----------
    input : ndarray, shape ``(N, C_in, *spatial)``
        Batched input, *not* padded, in the computation dtype (float32 or
        float64; float16 arrays are computed in float32).
    weight : ndarray, shape ``(C_out, C_in / groups, *kernel)``
    bias : ndarray of shape ``(C_out,)`` or None
    stride, dilation : tuple of int
    groups : int
    out_size : tuple of int
        Spatial size of the output.
    unbatched : bool
        True when the caller passed ``(C_in, *spatial)``.
    dtype : dtype
        The dtype of the caller's arrays, and of the result.
    padding : tuple of (int, int)
        Zeros added ``(before, after)`` in every spatial dimension.
    """

    input: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    out_size: tuple[int, ...]
    unbatched: bool
    dtype: np.dtype
    padding: tuple[tuple[int, int], ...]

    @functools.cached_property
    def x(self) -> np.ndarray:
        """The zero-padded input, shape ``(N, C_in, *padded)`` (computed once, then cached)."""
        if not any(before or after for before, after in self.padding):
            return self.input
        return np.pad(self.input, ((0, 0), (0, 0)) + self.padding)


def prepare_conv(
    input: npt.ArrayLike,
    weight: npt.ArrayLike,
    bias: npt.ArrayLike | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    *,
    ndim: int,
) -> ConvProblem:
    """Check every argument of an ``ndim``-d convolution and pad the input.

    Parameters
    ----------
    input, weight, bias, stride, padding, dilation, groups
        As for :func:`conv2d`, with ``ndim`` spatial dimensions.
    ndim : int
        Number of spatial dimensions.

    Returns
    -------
    ConvProblem
        The batched input, the padding and the checked hyper-parameters.

    Raises
    ------
    TypeError, ValueError
        Naming the argument and the rule it breaks; see :func:`conv2d`.
    """
    x = floating_array(input, "input")
    w = floating_array(weight, "weight")
    b = None if bias is None else floating_array(bias, "bias")
    dtype = same_dtype(input=x, weight=w, bias=b)

    if w.ndim != ndim + 2:
        raise ValueError(
            f"weight must have {ndim + 2} dimensions (C_out, C_in/groups, "
            f"{', '.join('k' + str(a) for a in range(ndim))}) for a {ndim}-d convolution, "
            f"got shape {w.shape}"
        )
    if x.ndim not in (ndim + 1, ndim + 2):
        raise ValueError(
            f"input must have {ndim + 2} dimensions (N, C, *spatial) or {ndim + 1} "
            f"(C, *spatial) for a {ndim}-d convolution, got shape {x.shape}"
        )
    if w.shape[0] == 0 or 0 in w.shape[2:]:
        raise ValueError(
            f"weight must have at least one output channel and a kernel size of at "
            f"least 1, got shape {w.shape}"
        )
    if 0 in x.shape[-ndim:]:
        raise ValueError(
            f"input must have a non-zero size in every spatial dimension (torch refuses "
            f"too), got shape {x.shape}"
        )
    unbatched = x.ndim == ndim + 1
    if unbatched:
        x = x[np.newaxis]

    groups = positive_int(groups, "groups")
    c_in, c_out = x.shape[1], w.shape[0]
    if c_in % groups:
        raise ValueError(
            f"groups ({groups}) must divide the input channels, got C_in={c_in}"
        )
    if c_out % groups:
        raise ValueError(
            f"groups ({groups}) must divide the output channels, got C_out={c_out}"
        )
    if w.shape[1] * groups != c_in:
        raise ValueError(
            f"weight expects {w.shape[1]} * groups({groups}) = {w.shape[1] * groups} "
            f"input channels (weight.shape[1] must equal C_in / groups), but input has "
            f"C_in={c_in} channels"
        )
    if b is not None and b.shape != (c_out,):
        raise ValueError(f"bias must have shape (C_out,) = ({c_out},), got {b.shape}")

    kernel = w.shape[2:]
    strides = positive_tuple(stride, ndim, "stride")
    dilations = positive_tuple(dilation, ndim, "dilation")
    pads = padding_pairs(padding, kernel, strides, dilations)

    out_size = []
    for axis in range(ndim):
        size = x.shape[2 + axis]
        padded = size + sum(pads[axis])
        span = dilations[axis] * (kernel[axis] - 1) + 1
        if span > padded:
            raise ValueError(
                f"kernel is larger than the padded input in spatial dimension {axis}: "
                f"effective kernel size {span} (kernel {kernel[axis]}, dilation "
                f"{dilations[axis]}) > input {size} + padding {pads[axis][0]} + {pads[axis][1]}"
            )
        out_size.append((padded - span) // strides[axis] + 1)

    compute = computation_dtype(dtype)
    return ConvProblem(
        input=x.astype(compute, copy=False),
        weight=w.astype(compute, copy=False),
        bias=None if b is None else b.astype(compute, copy=False),
        stride=strides,
        dilation=dilations,
        groups=groups,
        out_size=tuple(out_size),
        unbatched=unbatched,
        dtype=dtype,
        padding=pads,
    )


def conv_loop(problem: ConvProblem) -> np.ndarray:
    """Reference convolution: one multiply-add at a time.

    Slow (pure Python loops) but a direct transcription of the definition.

    Parameters
    ----------
    problem : ConvProblem
        Output of :func:`prepare_conv`.

    Returns
    -------
    ndarray, shape (N, C_out, *out_size)
    """
    x, w = problem.x, problem.weight
    batch, c_out = x.shape[0], w.shape[0]
    in_per_group = w.shape[1]
    out_per_group = c_out // problem.groups
    kernel = w.shape[2:]
    y = np.zeros((batch, c_out, *problem.out_size), dtype=x.dtype)

    for n in range(batch):
        for o in range(c_out):
            group = o // out_per_group  # output channel o only sees its group's inputs
            for j in np.ndindex(*problem.out_size):  # every output position
                total = 0.0 if problem.bias is None else problem.bias[o]
                for c in range(in_per_group):
                    channel = group * in_per_group + c
                    for t in np.ndindex(*kernel):  # every kernel tap
                        position = tuple(
                            j[a] * problem.stride[a] + t[a] * problem.dilation[a]
                            for a in range(len(kernel))
                        )
                        total += x[(n, channel) + position] * w[(o, c) + t]
                y[(n, o) + j] = total
    return y


def _windows(
    array: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> np.ndarray:
    """Every window of the last ``len(kernel)`` axes of ``array``, as a strided view.

    Returns
    -------
    ndarray, shape (*leading, *out, *kernel)
        ``windows[..., j..., t...] = array[..., j*s + t*d]``; a view, no copy.
    """
    ndim = len(kernel)
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    lead = array.ndim - ndim
    windows = sliding_window_view(array, spans, axis=tuple(range(lead, array.ndim)))
    # keep one window every `stride` positions and one tap every `dilation` cells
    keep = (
        (slice(None),) * lead
        + tuple(slice(None, None, s) for s in stride)
        + tuple(slice(None, None, d) for d in dilation)
    )
    return windows[keep]


def im2col_windows(problem: ConvProblem) -> np.ndarray:
    """Every receptive field of the padded input, as a strided view.

    Returns
    -------
    ndarray, shape (N, C_in, *out_size, *kernel)
        ``windows[n, c, j..., t...] = x_pad[n, c, j*s + t*d]``; a view, no copy.
    """
    return _windows(problem.x, problem.weight.shape[2:], problem.stride, problem.dilation)


def _tap_slices(
    tap: tuple[int, ...], problem: ConvProblem
) -> tuple[slice, ...]:
    """Where kernel tap ``tap`` reads in the padded input, for every output position.

    Along axis ``a`` the tap ``t`` reads ``x_pad[j * s + t * d]`` for
    ``j = 0 .. o - 1``: a slice starting at ``t * d`` with step ``s``.
    """
    return tuple(
        slice(t * d, t * d + (o - 1) * s + 1, s)
        for t, s, d, o in zip(tap, problem.stride, problem.dilation, problem.out_size)
    )


BLOCK_BYTES = 1 << 23
"""Most bytes of columns :func:`conv_fast` builds at once (8 MiB): beyond it, blocks of output rows.

The blocks bound the working memory of large images.  They are not made
cache-sized (512 KiB blocks were about 10% faster on one thread): every
matrix product that OpenBLAS shares among several threads pays a
synchronisation, and on a busy machine that cost grows by orders of
magnitude (64 -> 64 channels at 56 x 56, batch 8, two threads, load 20 on
2 cores: 9.5 s with 512 KiB blocks, 2.1 s with 4 MiB, 1.2 s with whole
images).
"""

MIN_BLOCK_POSITIONS = 256
"""Fewest output positions per block in :func:`conv_fast` (narrower products run slower)."""


def block_rows(problem: ConvProblem, block_bytes: int = BLOCK_BYTES) -> int:
    """How many indices of the first output axis one im2col block of :func:`conv_fast` holds.

    A block holds ``rows * prod(out_size[1:])`` output positions; its columns
    (every group's: ``C_in * prod(kernel)`` rows) should fit in
    ``block_bytes``, but hold at least :data:`MIN_BLOCK_POSITIONS` positions.

    Parameters
    ----------
    problem : ConvProblem
    block_bytes : int
        Budget for the columns buffer.

    Returns
    -------
    int
        Between 1 and ``out_size[0]``.
    """
    per_row = math.prod(problem.out_size[1:])
    column_bytes = problem.input.shape[1] * math.prod(problem.weight.shape[2:]) * problem.input.itemsize
    rows = max(block_bytes // (column_bytes * per_row), -(-MIN_BLOCK_POSITIONS // per_row), 1)
    return min(rows, problem.out_size[0])


def conv_fast(problem: ConvProblem, block_bytes: int = BLOCK_BYTES) -> np.ndarray:
    """Vectorised convolution: im2col in bounded blocks, one matrix product per block.

    Each image is copied into one zero-padded image buffer, reused for every
    image (its border is zeroed once; no padded copy of the whole batch).
    Its output positions are cut into blocks of whole rows (indices of the
    first output axis, :func:`block_rows`); for each block the columns
    ``cols`` of shape ``(groups, C_in / groups * prod(kernel), block positions)``
    are filled by one strided copy from the view of every window of the
    padded image (:func:`im2col_windows` for one image) into a buffer of at
    most ``block_bytes``, reused throughout, and one (batched, for several
    groups) product ``W_g @ cols_g`` is written straight into that block of
    the ``(N, C_out, *out_size)`` output, the bias added while it is still in
    cache.  (A grouped layer's columns are copied at once and multiplied in
    one call: a copy and a product per group took twice as long on 8 groups.)
    No transpose of the result, and a working memory of one padded
    image and one block's columns (for the usual layer sizes the block is
    the whole image: see :data:`BLOCK_BYTES`).  A ``1 x 1`` kernel with unit
    stride and no padding needs no columns at all: it is one matrix product
    per image over the channels.

    Parameters
    ----------
    problem : ConvProblem
        Output of :func:`prepare_conv`.
    block_bytes : int
        Budget for one block's columns (default :data:`BLOCK_BYTES`); the
        tests pass tiny budgets to force many blocks.

    Returns
    -------
    ndarray, shape (N, C_out, *out_size)
    """
    x, w, groups = problem.input, problem.weight, problem.groups
    batch, c_in = x.shape[:2]
    c_out, in_per_group = w.shape[:2]
    out_per_group = c_out // groups
    kernel = w.shape[2:]
    out_size = problem.out_size
    positions = math.prod(out_size)
    taps = math.prod(kernel)
    kernels = w.reshape(groups, out_per_group, in_per_group * taps)
    y = np.empty((batch, c_out, positions), dtype=np.result_type(x, w))

    blocks = y.reshape(batch, groups, out_per_group, positions)
    bias = None if problem.bias is None else problem.bias.reshape(groups, out_per_group, 1)
    pointwise = taps == 1 and all(s == 1 for s in problem.stride) and not any(map(any, problem.padding))
    if pointwise:  # no columns: the input of each image already is the matrix
        for n in range(batch):
            np.matmul(kernels, x[n].reshape(groups, in_per_group, positions), out=blocks[n])
            if bias is not None:
                blocks[n] += bias  # while this image's output is in cache
        return y.reshape(batch, c_out, *out_size)

    rows = block_rows(problem, block_bytes)
    per_row = positions // out_size[0]
    buffer = np.empty(c_in * taps * rows * per_row, dtype=x.dtype)  # every group's columns
    ndim = len(kernel)
    order = (0,) + tuple(range(1 + ndim, 1 + 2 * ndim)) + tuple(range(1, 1 + ndim))
    padded = None
    if any(before or after for before, after in problem.padding):
        # one zero-padded image, reused for every image: the border is zeroed once
        padded = np.zeros((c_in, *(i + b + a for i, (b, a) in zip(x.shape[2:], problem.padding))), x.dtype)
        interior = padded[(slice(None),) + tuple(slice(b, b + i) for i, (b, _) in zip(x.shape[2:], problem.padding))]
        windows = _windows(padded, kernel, problem.stride, problem.dilation).transpose(order)
    for n in range(batch):
        if padded is None:
            windows = _windows(x[n], kernel, problem.stride, problem.dilation).transpose(order)
        else:
            interior[...] = x[n]
        # windows: (C_in, *kernel, *out_size), windows[c, t..., j...] = image[c, j*s + t*d]
        for r0 in range(0, out_size[0], rows):
            r1 = min(r0 + rows, out_size[0])
            span = (r1 - r0) * per_row
            cols = buffer[: c_in * taps * span].reshape(c_in, *kernel, r1 - r0, *out_size[1:])
            cols[...] = windows[(slice(None),) * (1 + ndim) + (slice(r0, r1),)]
            out = blocks[n, :, :, r0 * per_row:r1 * per_row]  # (groups, C_out / groups, span)
            np.matmul(kernels, cols.reshape(groups, in_per_group * taps, span), out=out)
            if bias is not None:
                out += bias
    return y.reshape(batch, c_out, *out_size)


def _convolution(
    ndim: int,
    input: npt.ArrayLike,
    weight: npt.ArrayLike,
    bias: npt.ArrayLike | None,
    stride: IntOrTuple,
    padding: Padding,
    dilation: IntOrTuple,
    groups: int,
    method: Method,
) -> np.ndarray:
    if method not in ("fast", "loop"):
        raise ValueError(f"method must be 'fast' or 'loop', got {method!r}")
    problem = prepare_conv(
        input, weight, bias, stride, padding, dilation, groups, ndim=ndim
    )
    if problem.input.shape[1] == 0:
        # no input channels: torch 2.13 returns an empty (N, 0, *out), not the bias
        y = np.zeros((problem.input.shape[0], 0, *problem.out_size), dtype=problem.dtype)
    elif method == "loop":
        y = conv_loop(problem)
    elif is_depthwise(problem):  # groups = C_in: per-plane loop, not one tiny GEMM per group
        y = conv_depthwise(problem)
    else:
        y = conv_fast(problem)
    y = y.astype(problem.dtype, copy=False)  # float16: rounded once, at the end
    return y[0] if problem.unbatched else y


def convnd(
    input: npt.ArrayLike,
    weight: npt.ArrayLike,
    bias: npt.ArrayLike | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    *,
    method: Method = "fast",
) -> np.ndarray:
    """N-d convolution; the number of spatial dimensions is ``weight.ndim - 2``.

    The rules are those of :func:`conv2d` with ``n`` spatial dimensions.

    Parameters
    ----------
    input : array_like, shape (N, C_in, *spatial) or (C_in, *spatial)
        ``n`` spatial dimensions.
    weight : array_like, shape (C_out, C_in / groups, *kernel)
        ``n`` kernel dimensions, ``n >= 1``.
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or tuple of n ints
    padding : int, tuple of n ints, 'valid' or 'same'
    groups : int
    method : {'fast', 'loop'}

    Returns
    -------
    ndarray, shape (N, C_out, *out) or (C_out, *out)
        In the dtype of the arrays.

    Raises
    ------
    TypeError, ValueError
        As for :func:`conv2d`; also a ``weight`` with fewer than 3 dimensions.

    Examples
    --------
    >>> convnd(np.ones((1, 1, 4)), np.ones((1, 1, 2))).shape   # 1-d
    (1, 1, 3)
    """
    w = floating_array(weight, "weight")
    if w.ndim < 3:
        raise ValueError(
            f"weight must have shape (C_out, C_in/groups, *kernel) with at least one "
            f"spatial dimension, got shape {w.shape}"
        )
    return _convolution(w.ndim - 2, input, w, bias, stride, padding, dilation, groups, method)


def conv1d(
    input: npt.ArrayLike,
    weight: npt.ArrayLike,
    bias: npt.ArrayLike | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    *,
    method: Method = "fast",
) -> np.ndarray:
    """1-d convolution with the semantics of ``torch.nn.functional.conv1d``.

    The rules (dtypes, empty tensors, errors) are those of :func:`conv2d`
    with one spatial dimension.

    Parameters
    ----------
    input : array_like, shape (N, C_in, L) or (C_in, L)
    weight : array_like, shape (C_out, C_in / groups, k)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or (int,)
    padding : int, (int,), 'valid' or 'same'
    groups : int
    method : {'fast', 'loop'}

    Returns
    -------
    ndarray, shape (N, C_out, L_out) or (C_out, L_out)
        In the dtype of the arrays.

    Raises
    ------
    TypeError, ValueError
        As for :func:`conv2d`.

    Examples
    --------
    >>> conv1d(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[[1.0, -1.0]]]))
    array([[-1., -1., -1.]])
    """
    return _convolution(1, input, weight, bias, stride, padding, dilation, groups, method)


def conv2d(
    input: npt.ArrayLike,
    weight: npt.ArrayLike,
    bias: npt.ArrayLike | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    *,
    method: Method = "fast",
) -> np.ndarray:
    """2-d convolution with the semantics of ``torch.nn.functional.conv2d``.

    Like every deep-learning framework it computes a cross-correlation: the
    kernel is *not* flipped.

    Parameters
    ----------
    input : array_like, shape (N, C_in, H, W) or (C_in, H, W)
        float16, float32 or float64.
    weight : array_like, shape (C_out, C_in / groups, kH, kW)
        Same dtype as ``input``.
    bias : array_like, shape (C_out,), optional
        Same dtype as ``input``.
    stride : int or (int, int)
        Step between neighbouring windows; must be >= 1.
    padding : int, (int, int), 'valid' or 'same'
        Zeros added on both sides of each spatial dimension.  ``'valid'``
        means no padding; ``'same'`` pads so the output keeps the input size
        (stride must be 1; an odd total padding puts the extra zero at the end).
    dilation : int or (int, int)
        Spacing between kernel taps; must be >= 1.
    groups : int
        Split the channels into ``groups`` independent convolutions; must
        divide both ``C_in`` and ``C_out``.
    method : {'fast', 'loop'}
        ``'fast'`` (im2col + matrix product) or the readable ``'loop'``
        reference.

    ``stride``, ``padding``, ``dilation`` and ``groups`` follow the
    array-like rule of :mod:`convkit.arguments` (an int, a NumPy integer, a
    0-d integer array, or a tuple/list/1-d integer array with one value per
    dimension).

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        In the dtype of the arrays.  float32 and float64 are computed in
        that dtype; float16 is computed in float32 and rounded to float16 at
        the end.  ``C_in = 0`` gives an empty ``(N, 0, H_out, W_out)``, as
        torch does.

    Raises
    ------
    TypeError
        Arrays of different dtypes (float32 with float64, as torch refuses),
        integer, boolean, complex or object arrays (torch computes integer
        convolutions on the CPU; convkit refuses them: convert with
        ``.astype(np.float64)``), non-integer hyper-parameters.
    ValueError
        Wrong ranks, channel mismatch, groups that do not divide channels,
        non-positive stride/dilation/groups, negative padding, unknown padding
        string, ``'same'`` with stride > 1, a kernel larger than the padded
        input, a spatial size of 0, no output channels or a kernel size of 0.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.ones((1, 1, 3, 3))
    >>> conv2d(x, w)
    array([[[[45., 54.],
             [81., 90.]]]])
    >>> conv2d(x.astype(np.float16), w.astype(np.float16)).dtype
    dtype('float16')
    """
    return _convolution(2, input, weight, bias, stride, padding, dilation, groups, method)


def conv3d(
    input: npt.ArrayLike,
    weight: npt.ArrayLike,
    bias: npt.ArrayLike | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    *,
    method: Method = "fast",
) -> np.ndarray:
    """3-d convolution with the semantics of ``torch.nn.functional.conv3d``.

    The rules (dtypes, empty tensors, errors) are those of :func:`conv2d`
    with three spatial dimensions.

    Parameters
    ----------
    input : array_like, shape (N, C_in, D, H, W) or (C_in, D, H, W)
    weight : array_like, shape (C_out, C_in / groups, kD, kH, kW)
    bias : array_like, shape (C_out,), optional
    stride, dilation : int or (int, int, int)
    padding : int, (int, int, int), 'valid' or 'same'
    groups : int
    method : {'fast', 'loop'}

    Returns
    -------
    ndarray, shape (N, C_out, D_out, H_out, W_out) or (C_out, D_out, H_out, W_out)
        In the dtype of the arrays.

    Raises
    ------
    TypeError, ValueError
        As for :func:`conv2d`.

    Examples
    --------
    >>> conv3d(np.ones((1, 3, 3, 3)), np.ones((2, 1, 2, 2, 2))).shape
    (2, 2, 2, 2)
    """
    return _convolution(3, input, weight, bias, stride, padding, dilation, groups, method)
