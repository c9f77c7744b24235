"""N-dimensional transposed convolution in NumPy, three ways.

``conv_transpose1d``, ``conv_transpose2d`` and ``conv_transpose3d`` mirror
``torch.nn.functional`` names, argument order and semantics.  A transposed
convolution multiplies by :math:`C^\\top`, the transpose of the matrix ``C``
of the convolution with the *same* weight and hyper-parameters (see
:mod:`convkit.matrix`): it maps an input of the size of that convolution's
output back to the size of its input.  Three equivalent ways to compute it
are implemented over one N-d core; they agree with each other and with torch:

``method="fast"`` (default), *col2im*
    One matrix product per image turns every input pixel into a column of
    ``C_out * prod(kernel)`` values (``W^T x``); then each kernel tap adds its
    slice of the columns into a strided slice of the output.  One vectorised
    add per kernel tap and image, over all channels (image by image, so the
    working memory is one image's columns).

``method="scatter"``
    The definition, read as a picture: every input pixel *stamps* a copy of
    the kernel, scaled by its value, onto the output, at ``stride`` times its
    position; where stamps overlap they add up.

``method="zero_insertion"``
    An ordinary unit-stride convolution: insert ``s - 1`` zeros between
    neighbouring input pixels (size ``s (i - 1) + 1``), pad
    ``d (k - 1) - p`` zeros on each side (plus ``output_padding`` at the end;
    a negative amount crops), and correlate with the kernel *flipped* along
    every spatial axis and with its two channel axes swapped
    (:func:`transposed_kernel`), using :func:`convkit.conv.convnd`.

Shapes (``*`` stands for the ``ndim`` spatial sizes):

* input:  ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)``
* weight: ``(C_in, C_out / groups, *kernel)``  (channel axes in the order of
  the convolution it transposes: ``C_in`` here is that convolution's ``C_out``)
* bias:   ``(C_out,)``
* output: ``(N, C_out, *out)`` with, per axis,
  ``o = (i - 1) s - 2 p + d (k - 1) + output_padding + 1``
  (:func:`convkit.arithmetic.conv_transpose_output_size`).

Dtypes follow :mod:`convkit.conv`: float16, float32 or float64 arrays, all of
the same dtype (no silent promotion, integers refused, as documented in
:mod:`convkit.arguments`); float16 is computed in float32 and rounded once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .arguments import (
    IntOrTuple,
    computation_dtype,
    floating_array,
    nonnegative_tuple,
    positive_int,
    positive_tuple,
    same_dtype,
    spatial_ndim,
)
from .arithmetic import conv_transpose_output_size

Method = Literal["fast", "scatter", "zero_insertion"]
METHODS = ("fast", "scatter", "zero_insertion")


@dataclass(frozen=True)
class TransposeProblem:
    """A checked transposed convolution, ready to compute.

    The three methods compute the *full* transposed convolution (no padding
    removed), of size ``s (i - 1) + d (k - 1) + 1`` per axis, and return the
    window ``[crop, crop + out_size)`` of it, reading zeros past its end.
    For ``torch`` semantics ``crop`` is the padding ``p`` and ``out_size``
    the formula of the module docstring; :mod:`convkit.grad` uses other
    crops (e.g. for ``padding='same'``).

    Attributes
    ----------
    x : ndarray, shape ``(N, C_in, *spatial)``
        Batched input, in the computation dtype (float32 or float64; float16
        arrays are computed in float32).
    weight : ndarray, shape ``(C_in, C_out / groups, *kernel)``
    bias : ndarray of shape ``(C_out,)`` or None
    stride, dilation : tuple of int
    crop : tuple of int
        Cells removed at the start of each axis of the full result.
    groups : int
    out_size : tuple of int
        Spatial size of the output.
    unbatched : bool
        True when the caller passed ``(C_in, *spatial)``.
    dtype : dtype
        The dtype of the caller's arrays, and of the result.
    """

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    crop: tuple[int, ...]
    groups: int
    out_size: tuple[int, ...]
    unbatched: bool
    dtype: np.dtype

    @property
    def full_size(self) -> tuple[int, ...]:
        """Size of the full transposed convolution, ``s (i - 1) + d (k - 1) + 1`` per axis."""
        return tuple(
            s * (i - 1) + d * (k - 1) + 1
            for i, k, s, d in zip(self.x.shape[2:], self.weight.shape[2:], self.stride, self.dilation)
        )

    @property
    def out_channels(self) -> int:
        """``C_out = weight.shape[1] * groups``."""
        return self.weight.shape[1] * self.groups


def check_transpose_arrays(
    input: object, weight: object, bias: object, groups: object, *, ndim: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int, bool, np.dtype]:
    """Check the arrays and ``groups`` of an ``ndim``-d transposed convolution.

    Returns
    -------
    x : ndarray, shape ``(N, C_in, *spatial)`` (batched)
    w : ndarray, shape ``(C_in, C_out / groups, *kernel)``
    b : ndarray, shape ``(C_out,)``, or None
        The three in the computation dtype (float16 becomes float32).
    groups : int
    unbatched : bool
    dtype : dtype
        The common dtype of the arrays (float16, float32 or float64).

    Raises
    ------
    TypeError, ValueError
        Naming the argument and the rule (dtypes, ranks, empty dimensions,
        groups dividing ``C_in``, channel mismatch, bias shape).
    """
    x = floating_array(input, "input")
    w = floating_array(weight, "weight")
    b = None if bias is None else floating_array(bias, "bias")
    dtype = same_dtype(input=x, weight=w, bias=b)
    kernel_axes = ", ".join("k" + str(a) for a in range(ndim))
    if w.ndim != ndim + 2:
        raise ValueError(
            f"weight must have {ndim + 2} dimensions (C_in, C_out/groups, {kernel_axes}) "
            f"for a {ndim}-d transposed convolution, got shape {w.shape}"
        )
    if x.ndim not in (ndim + 1, ndim + 2):
        raise ValueError(
            f"input must have {ndim + 2} dimensions (N, C_in, *spatial) or {ndim + 1} "
            f"(C_in, *spatial) for a {ndim}-d transposed convolution, got shape {x.shape}"
        )
    if min(w.shape) < 1:
        raise ValueError(f"weight must not have an empty dimension, got shape {w.shape}")
    unbatched = x.ndim == ndim + 1
    if unbatched:
        x = x[np.newaxis]
    if min(x.shape[2:]) < 1:
        raise ValueError(
            f"input must have non-empty spatial dimensions (only the batch may be empty), "
            f"got shape {x.shape}"
        )
    groups = positive_int(groups, "groups")
    c_in = w.shape[0]
    if c_in % groups:
        raise ValueError(
            f"groups ({groups}) must divide the input channels, weight.shape[0] = C_in = {c_in}"
        )
    if x.shape[1] != c_in:
        raise ValueError(
            f"weight of shape {w.shape} expects C_in = weight.shape[0] = {c_in} input channels "
            f"(a transposed convolution's weight is (C_in, C_out/groups, *kernel)), but input "
            f"has {x.shape[1]} channels"
        )
    c_out = w.shape[1] * groups
    if b is not None and b.shape != (c_out,):
        raise ValueError(
            f"bias must have shape (C_out,) = ({c_out},) with C_out = weight.shape[1] * groups "
            f"= {w.shape[1]} * {groups}, got {b.shape}"
        )
    compute = computation_dtype(dtype)
    return (
        x.astype(compute, copy=False),
        w.astype(compute, copy=False),
        None if b is None else b.astype(compute, copy=False),
        groups,
        unbatched,
        dtype,
    )


def prepare_conv_transpose(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
    *,
    ndim: int,
) -> TransposeProblem:
    """Check every argument of an ``ndim``-d transposed convolution.

    Raises ``TypeError``/``ValueError`` naming the argument and the rule it
    breaks; see :func:`conv_transpose2d` for the rules.
    """
    x, w, b, groups, unbatched, dtype = check_transpose_arrays(input, weight, bias, groups,
                                                                ndim=ndim)
    if isinstance(padding, str):
        raise TypeError(
            f"padding must be an int or a tuple of {ndim} ints for a transposed convolution "
            f"(torch has no 'valid'/'same' here), got {padding!r}"
        )
    strides = positive_tuple(stride, ndim, "stride")
    dilations = positive_tuple(dilation, ndim, "dilation")
    pads = nonnegative_tuple(padding, ndim, "padding")
    extra = nonnegative_tuple(output_padding, ndim, "output_padding")
    # checks output_padding < max(stride, dilation) and a positive output size
    out = conv_transpose_output_size(x.shape[2:], w.shape[2:], strides, pads,
                                     output_padding=extra, dilation=dilations)
    return TransposeProblem(
        x=x, weight=w, bias=b, stride=strides, dilation=dilations, crop=pads,
        groups=groups, out_size=tuple(out), unbatched=unbatched, dtype=dtype,
    )


def _crop(full: np.ndarray, problem: TransposeProblem) -> np.ndarray:
    """Window ``[crop, crop + out)`` of every spatial axis of ``full`` (already long enough)."""
    index = (slice(None), slice(None)) + tuple(
        slice(c, c + o) for c, o in zip(problem.crop, problem.out_size)
    )
    return full[index]


def _buffer(problem: TransposeProblem) -> np.ndarray:
    """Zeros for the full result, long enough for the window ``[crop, crop + out)``."""
    size = tuple(max(f, c + o) for f, c, o in zip(problem.full_size, problem.crop, problem.out_size))
    return np.zeros((problem.x.shape[0], problem.out_channels, *size), dtype=problem.x.dtype)


def _add_bias(y: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    if bias is None:
        return y
    return y + bias.reshape((-1,) + (1,) * (y.ndim - 2))


def conv_transpose_fast(problem: TransposeProblem) -> np.ndarray:
    """Transposed convolution as a matrix product plus one add per kernel tap (col2im).

    Every input pixel ``x[n, :, q]`` becomes a column
    ``W^T x[n, :, q]`` of ``C_out/groups * prod(kernel)`` values, one per
    (output channel, tap): one matrix product per image (all groups at once,
    into one columns buffer reused for every image, so the working memory is
    one image's columns, not the batch's).  Tap ``t`` of every column lands
    at output position ``q * s + t * d``: for a fixed tap these positions form
    a strided slice of the output, so the whole tap is one vectorised ``+=``
    (different input pixels never collide within one tap), done while the
    image's columns are still in cache.

    Parameters
    ----------
    problem : TransposeProblem
        Output of :func:`prepare_conv_transpose`.

    Returns
    -------
    ndarray, shape ``(N, C_out, *out_size)``
    """
    x, w, groups = problem.x, problem.weight, problem.groups
    batch, c_in = x.shape[:2]
    spatial, kernel = x.shape[2:], w.shape[2:]
    in_per_group, out_per_group = c_in // groups, w.shape[1]
    positions = math.prod(spatial)
    xg = x.reshape(batch, groups, in_per_group, positions)
    wt = w.reshape(groups, in_per_group, out_per_group * math.prod(kernel)).transpose(0, 2, 1)
    buffer = np.empty((groups, out_per_group * math.prod(kernel), positions), dtype=np.result_type(x, w))
    # the same buffer seen as (groups, C_out/g, *kernel, *spatial)
    columns = buffer.reshape(groups, out_per_group, *kernel, *spatial)

    full = _buffer(problem)
    grouped = full.reshape(batch, groups, out_per_group, *full.shape[2:])  # a view
    every = (slice(None),) * 2
    targets = [
        (tap, tuple(slice(t * d, t * d + s * (i - 1) + 1, s)
                    for t, d, s, i in zip(tap, problem.dilation, problem.stride, spatial)))
        for tap in np.ndindex(*kernel)
    ]
    for n in range(batch):
        np.matmul(wt, xg[n], out=buffer)  # (groups, C_out/g * K, L)
        image = grouped[n]
        for tap, target in targets:
            image[every + target] += columns[every + tap]
    y = _crop(full, problem)
    if problem.bias is not None:
        y += problem.bias.reshape((-1,) + (1,) * (y.ndim - 2))  # ``full`` is this call's own buffer
    return y


def conv_transpose_scatter(problem: TransposeProblem) -> np.ndarray:
    """Transposed convolution by scattering: every input pixel stamps a scaled kernel.

    For every input position ``q`` (per axis) and every group, the values
    ``x[:, c, q]`` of the group's input channels weight the kernels
    ``w[c]`` (shape ``(C_out/groups, *kernel)``), and the weighted sum is
    *added* to the output window that starts at ``q * stride`` and has taps
    ``dilation`` apart.  Overlapping windows add up.  Readable, slow (a
    Python loop over input pixels).

    Parameters
    ----------
    problem : TransposeProblem

    Returns
    -------
    ndarray, shape ``(N, C_out, *out_size)``
    """
    x, w, groups = problem.x, problem.weight, problem.groups
    in_per_group, out_per_group = w.shape[0] // groups, w.shape[1]
    kernel = w.shape[2:]
    full = _buffer(problem)
    for q in np.ndindex(*x.shape[2:]):  # every input pixel ...
        window = tuple(
            slice(qa * s, qa * s + d * (k - 1) + 1, d)
            for qa, s, d, k in zip(q, problem.stride, problem.dilation, kernel)
        )
        for g in range(groups):
            inputs = slice(g * in_per_group, (g + 1) * in_per_group)
            outputs = slice(g * out_per_group, (g + 1) * out_per_group)
            values = x[(slice(None), inputs) + q]  # (N, C_in/g)
            # ... stamps its kernels scaled by its values: (N, C_out/g, *kernel)
            stamp = np.tensordot(values, w[inputs], axes=(1, 0))
            full[(slice(None), outputs) + window] += stamp
    return _add_bias(_crop(full, problem), problem.bias)


def zero_insert(x: np.ndarray, stride: IntOrTuple) -> np.ndarray:
    """Insert ``stride - 1`` zeros between neighbouring pixels of every spatial axis.

    Parameters
    ----------
    x : ndarray, shape ``(N, C, *spatial)``
    stride : int or tuple of int
        One value per spatial axis (``>= 1``).

    Returns
    -------
    ndarray, shape ``(N, C, *(s * (i - 1) + 1))``
        ``x`` at positions ``0, s, 2s, ...``, zeros in between.  The size is
        ``s (i - 1) + 1``; it equals ``2 i - 1`` only for ``s = 2``.

    Examples
    --------
    >>> zero_insert(np.array([[[1.0, 2.0, 3.0]]]), 3)
    array([[[1., 0., 0., 2., 0., 0., 3.]]])
    """
    x = np.asarray(x)
    ndim = x.ndim - 2
    if ndim < 1:
        raise ValueError(f"x must have shape (N, C, *spatial), got shape {x.shape}")
    strides = positive_tuple(stride, ndim, "stride")
    size = tuple(s * (i - 1) + 1 if i else 0 for s, i in zip(strides, x.shape[2:]))
    z = np.zeros(x.shape[:2] + size, dtype=x.dtype)
    z[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in strides)] = x
    return z


def transposed_kernel(weight: np.ndarray, groups: int = 1) -> np.ndarray:
    """The kernel of the equivalent ordinary convolution: flipped, channel axes swapped.

    A transposed convolution with ``weight`` of shape ``(C_in, C_out/g, *k)``
    equals a unit-stride convolution of the zero-inserted, padded input with
    ``w'[o, c, t] = weight[c, o, k - 1 - t]`` (per group), of shape
    ``(C_out, C_in/g, *k)``: every spatial axis reversed, and the two channel
    axes exchanged inside each group.

    Parameters
    ----------
    weight : ndarray, shape ``(C_in, C_out / groups, *kernel)``
    groups : int

    Returns
    -------
    ndarray, shape ``(C_out, C_in / groups, *kernel)``

    Examples
    --------
    >>> transposed_kernel(np.arange(6.0).reshape(1, 2, 3))  # C_in=1, C_out=2, k=3
    array([[[2., 1., 0.]],
    <BLANKLINE>
           [[5., 4., 3.]]])
    """
    w = np.asarray(weight)
    groups = positive_int(groups, "groups")
    if w.ndim < 3:
        raise ValueError(f"weight must have shape (C_in, C_out/groups, *kernel), got shape {w.shape}")
    if w.shape[0] % groups:
        raise ValueError(f"groups ({groups}) must divide weight.shape[0] = C_in = {w.shape[0]}")
    c_in, out_per_group, kernel = w.shape[0], w.shape[1], w.shape[2:]
    flipped = w[(slice(None), slice(None)) + (slice(None, None, -1),) * len(kernel)]
    # (g, C_in/g, C_out/g, *k) -> (g, C_out/g, C_in/g, *k) -> (C_out, C_in/g, *k)
    per_group = flipped.reshape(groups, c_in // groups, out_per_group, *kernel).swapaxes(1, 2)
    return per_group.reshape(groups * out_per_group, c_in // groups, *kernel)


def _pad_or_crop(x: np.ndarray, pairs: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Zero-pad spatial axes by ``(before, after)``; a negative amount crops instead."""
    x = np.pad(x, ((0, 0), (0, 0)) + tuple((max(b, 0), max(a, 0)) for b, a in pairs))
    index = (slice(None), slice(None)) + tuple(
        slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(pairs, x.shape[2:])
    )
    return x[index]


def conv_transpose_zero_insertion(problem: TransposeProblem) -> np.ndarray:
    """Transposed convolution as an ordinary convolution of a zero-inserted input.

    1. insert ``s - 1`` zeros between input pixels (:func:`zero_insert`);
    2. pad ``d (k - 1) - p`` zeros before and ``d (k - 1) - p + output_padding``
       after (in general: whatever makes the window ``[crop, crop + out)``);
       negative amounts crop;
    3. correlate at stride 1, with dilation ``d``, with the flipped,
       channel-swapped kernel (:func:`transposed_kernel`), using
       :func:`convkit.conv.convnd`.

    Parameters
    ----------
    problem : TransposeProblem

    Returns
    -------
    ndarray, shape ``(N, C_out, *out_size)``
    """
    from .conv import convnd  # conv imports nothing from here; keep the module graph flat

    w = problem.weight
    z = zero_insert(problem.x, problem.stride)
    pairs = tuple(
        (d * (k - 1) - c, c + o - f + d * (k - 1))
        for d, k, c, o, f in zip(
            problem.dilation, w.shape[2:], problem.crop, problem.out_size, problem.full_size
        )
    )
    z = _pad_or_crop(z, pairs)
    return convnd(z, transposed_kernel(w, problem.groups), problem.bias, stride=1, padding=0,
                  dilation=problem.dilation, groups=problem.groups)


_IMPLEMENTATIONS = {
    "fast": conv_transpose_fast,
    "scatter": conv_transpose_scatter,
    "zero_insertion": conv_transpose_zero_insertion,
}


def compute(problem: TransposeProblem, method: Method = "fast") -> np.ndarray:
    """Run one of the three methods on a checked problem.

    Unbatched in, unbatched out; the result is rounded to ``problem.dtype``
    once, at the end (float16 was computed in float32).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    y = _IMPLEMENTATIONS[method](problem).astype(problem.dtype, copy=False)
    return y[0] if problem.unbatched else y


def _transposed(ndim, input, weight, bias, stride, padding, output_padding, groups, dilation, method):
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    problem = prepare_conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, ndim=ndim
    )
    return compute(problem, method)


def conv_transpose1d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
    *,
    method: Method = "fast",
) -> np.ndarray:
    """1-d transposed convolution over ``(N, C_in, L)`` or ``(C_in, L)``; see :func:`conv_transpose2d`.

    weight: ``(C_in, C_out / groups, kL)``; output ``(N, C_out, L_out)``.

    Examples
    --------
    >>> conv_transpose1d(np.array([[[1.0, 2.0]]]), np.array([[[1.0, 10.0, 100.0]]]), stride=2)
    array([[[  1.,  10., 102.,  20., 200.]]])
    """
    return _transposed(1, input, weight, bias, stride, padding, output_padding, groups, dilation, method)


def conv_transpose2d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
    *,
    method: Method = "fast",
) -> np.ndarray:
    """2-d transposed convolution with the semantics of ``torch.nn.functional.conv_transpose2d``.

    It multiplies by the transpose of the matrix of ``conv2d`` with the same
    ``weight``, ``stride``, ``padding``, ``dilation`` and ``groups``; note the
    argument order (``output_padding`` and ``groups`` come before
    ``dilation``, as in torch).

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
        float16, float32 or float64.
    weight : ndarray, shape (C_in, C_out / groups, kH, kW)
        The weight of the convolution being transposed (whose ``C_out`` is
        ``C_in`` here).
    bias : ndarray, shape (C_out,), optional
    stride : int or (int, int)
        Spacing of the kernel copies in the output; ``>= 1``.
    padding : int or (int, int)
        Cells removed from *both* ends of each axis of the full result
        (the padding of the convolution being transposed); ``>= 0``.
        Strings ('same', 'valid') are not accepted, as in torch.
    output_padding : int or (int, int)
        Cells added at the *end* of each axis; picks one of the input sizes
        that the forward convolution maps to this size.  Must be smaller than
        the stride or the dilation of that axis.
    groups : int
        Must divide ``C_in``; ``C_out = weight.shape[1] * groups``.
    dilation : int or (int, int)
        Spacing between kernel taps; ``>= 1``.
    method : {'fast', 'scatter', 'zero_insertion'}
        ``'fast'`` (matrix product + one add per tap), or one of the two
        readable teaching paths (see the module docstring).

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``H_out = (H - 1) s - 2 p + d (kH - 1) + output_padding + 1`` (same
        for ``W``), in the dtype of the arrays (float16 is computed in
        float32 and rounded once).

    Raises
    ------
    TypeError
        Non-integer hyper-parameters, string padding, arrays that are not
        float16/32/64 or that mix dtypes.
    ValueError
        Wrong ranks, empty dimensions, channel mismatch, groups that do not
        divide ``C_in``, bias of the wrong shape, non-positive stride /
        dilation / groups, negative padding / output_padding,
        ``output_padding >= max(stride, dilation)``, or an output size < 1.

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> conv_transpose2d(x, np.ones((1, 1, 2, 2)))
    array([[[[ 1.,  3.,  2.],
             [ 4., 10.,  6.],
             [ 3.,  7.,  4.]]]])
    """
    return _transposed(2, input, weight, bias, stride, padding, output_padding, groups, dilation, method)


def conv_transpose3d(
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
    *,
    method: Method = "fast",
) -> np.ndarray:
    """3-d transposed convolution over ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``.

    weight: ``(C_in, C_out / groups, kD, kH, kW)``; see :func:`conv_transpose2d`.
    """
    return _transposed(3, input, weight, bias, stride, padding, output_padding, groups, dilation, method)


def overlap_count(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """How many kernel copies land on each output cell of a transposed convolution.

    It is the transposed convolution of an all-ones input with an all-ones
    kernel (one channel): cell ``q`` counts the pairs (input pixel ``j``, tap
    ``t``) with ``q = j s + t d - p``.  Uneven counts in the interior are the
    source of checkerboard artifacts.

    Parameters
    ----------
    input_size, kernel_size : int or tuple of int
        Spatial sizes (the array-like rule of :mod:`convkit.arguments`: the
        sequences set the number of dimensions; all ints mean 1-d).
    stride, padding, output_padding, dilation : int or tuple of int
        As for :func:`conv_transpose2d`.

    Returns
    -------
    ndarray of int, shape ``out``

    Examples
    --------
    >>> overlap_count(5, 3, stride=2)
    array([1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1])
    """
    ndim, _ = spatial_ndim(
        1, input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation,
    )
    size = positive_tuple(input_size, ndim, "input_size")
    kernel = positive_tuple(kernel_size, ndim, "kernel_size")
    ones = np.ones((1, 1, *size))
    counts = _transposed(ndim, ones, np.ones((1, 1, *kernel)), None, stride, padding, output_padding,
                         1, dilation, "fast")
    return np.rint(counts[0, 0]).astype(int)


def upsample_nearest(input: np.ndarray, scale_factor: IntOrTuple) -> np.ndarray:
    """Nearest-neighbour upsampling by an integer factor: every pixel becomes an ``s x s`` block.

    The same as ``torch.nn.functional.interpolate(input, scale_factor=s,
    mode='nearest')`` for integer ``s``.  Followed by an ordinary convolution
    it gives the *resize-convolution* recommended by Odena et al. (2016)
    instead of a strided transposed convolution.

    Parameters
    ----------
    input : ndarray, shape ``(N, C, *spatial)``
    scale_factor : int or tuple of int
        ``>= 1``, one per spatial axis.

    Returns
    -------
    ndarray, shape ``(N, C, *(s * spatial))``

    Examples
    --------
    >>> upsample_nearest(np.array([[[1.0, 2.0]]]), 3)
    array([[[1., 1., 1., 2., 2., 2.]]])
    """
    x = floating_array(input, "input")
    if x.ndim < 3:
        raise ValueError(f"input must have shape (N, C, *spatial), got shape {x.shape}")
    scales = positive_tuple(scale_factor, x.ndim - 2, "scale_factor")
    for axis, scale in enumerate(scales):
        x = np.repeat(x, scale, axis=2 + axis)
    return x


__all__ = [
    "TransposeProblem",
    "compute",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "conv_transpose_fast",
    "conv_transpose_scatter",
    "conv_transpose_zero_insertion",
    "overlap_count",
    "prepare_conv_transpose",
    "transposed_kernel",
    "upsample_nearest",
    "zero_insert",
]
