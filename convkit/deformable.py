"""Deformable convolution v1 and v2 in NumPy, forward and backward.

A deformable convolution (Dai et al. 2017) reads the input not on the fixed
grid of the kernel but at positions moved by learned, fractional offsets;
v2 (Zhu et al. 2019) also scales every sample by a modulation mask.  For
output position ``p0`` and kernel tap ``n`` (row-major over the
``kh x kw`` kernel, grid position ``pn``):

.. math:: y[o, p_0] = b[o] + \\sum_{c} \\sum_{n} w[o, c, n]\\, \\Delta m_n(p_0)\\,
          \\tilde x_c\\bigl(p_0 + p_n + \\Delta p_n(p_0)\\bigr),
          \\qquad \\tilde x_c(p) = \\sum_q G(q, p)\\, x[c, q]

with ``p0 + pn = (h_out * s_h - p_h + i * d_h, w_out * s_w - p_w + j * d_w)``
and the bilinear kernel ``G(q, p) = g(q_y, p_y) g(q_x, p_x)``,
``g(a, b) = max(0, 1 - |a - b|)``; the sum runs over the pixels ``q`` of
the image, so a sample outside reads zeros (a sample partly outside mixes
its inside neighbours with zeros).  This is exactly the rule of
``torchvision.ops.deform_conv2d``: a sample with ``y <= -1``, ``y >= H``,
``x <= -1`` or ``x >= W`` is 0, otherwise its (up to four) neighbours are
interpolated, those outside counting as 0.

The argument order, shapes and offset layout are those of
``torchvision.ops.deform_conv2d``:

* input:  ``(N, C_in, H, W)`` (or unbatched ``(C_in, H, W)``)
* offset: ``(N, 2 * offset_groups * kh * kw, H_out, W_out)``; channel
  ``2 * (g * kh * kw + n)`` holds ``dy`` and ``2 * (g * kh * kw + n) + 1``
  holds ``dx`` of tap ``n`` for the input channels of offset group ``g``
  (the channels are split into ``offset_groups`` consecutive blocks).  The
  number of offset groups is read from the offset's channels.
* mask (v2, optional): ``(N, offset_groups * kh * kw, H_out, W_out)``
* weight: ``(C_out, C_in / groups, kh, kw)``; the number of weight groups is
  ``C_in / weight.shape[1]``, as in torchvision.
* output: ``(N, C_out, H_out, W_out)``, sizes from the ordinary convolution
  arithmetic.

Gradients at the kinks
----------------------
Bilinear sampling is piecewise linear in the sample position, with kinks
where a coordinate crosses an integer.  There the derivative does not
exist; :func:`deform_conv2d_backward` returns the derivative of the piece
on ``[floor(y), floor(y) + 1]``, i.e. the derivative from the right (from
above) in each coordinate.  That is what torchvision's kernel, and
autograd through a floor-based bilinear interpolation (for example
``torch.nn.functional.grid_sample``), compute.  Zero offsets therefore put
every sample *on* a kink: their gradient is the forward difference
``x[y + 1] - x[y]``.

Two implementations:

``method="fast"`` (default)
    Gather the four neighbours of every sample of one image at once
    (``np.take`` of whole rows of channels from a zero-bordered,
    channels-last copy of the input), weight them (``np.einsum``), then one
    matrix product per weight group; image by image, which bounds the
    working memory.  The backward uses the same products with the
    roles exchanged and scatters the input gradient with ``np.add.at``.  No
    Python loop over pixels.
``method="loop"``
    A readable reference: one sample, one multiply-add at a time, written
    with :func:`bilinear_sample` and :func:`bilinear_sample_grad`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

import numpy as np

from .arguments import (
    IntOrTuple,
    as_float_array,
    nonnegative_tuple,
    positive_tuple,
)

Method = Literal["fast", "loop"]


# -- bilinear sampling, one sample at a time -----------------------------------


def bilinear_weight(q: float, p: float) -> float:
    """The 1-d bilinear kernel ``g(q, p) = max(0, 1 - |q - p|)``.

    Examples
    --------
    >>> bilinear_weight(2, 2.25), bilinear_weight(3, 2.25), bilinear_weight(4, 2.25)
    (0.75, 0.25, 0.0)
    """
    return max(0.0, 1.0 - abs(q - p))


def _pixel(image: np.ndarray, qy: int, qx: int) -> float:
    """``image[qy, qx]``, or 0 outside the image."""
    height, width = image.shape
    return float(image[qy, qx]) if 0 <= qy < height and 0 <= qx < width else 0.0


def bilinear_sample(image: np.ndarray, y: float, x: float) -> float:
    """Value of a 2-d ``image`` at the fractional position ``(y, x)``.

    ``sum_q G(q, (y, x)) image[q]`` over the pixels ``q`` of the image, with
    torchvision's boundary rule: 0 when ``y <= -1``, ``y >= H``, ``x <= -1``
    or ``x >= W``; otherwise the four neighbours, those outside counting 0.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    y, x : float
        Row and column (pixel centres at integers).

    Examples
    --------
    >>> image = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> bilinear_sample(image, 0.5, 0.5), bilinear_sample(image, -0.5, 0.0)
    (1.5, 0.0)
    """
    height, width = image.shape
    if y <= -1 or y >= height or x <= -1 or x >= width:
        return 0.0
    y0, x0 = math.floor(y), math.floor(x)
    total = 0.0
    for qy in (y0, y0 + 1):
        for qx in (x0, x0 + 1):
            total += bilinear_weight(qy, y) * bilinear_weight(qx, x) * _pixel(image, qy, qx)
    return total


def bilinear_sample_grad(image: np.ndarray, y: float, x: float) -> tuple[float, float]:
    """Derivatives ``(d/dy, d/dx)`` of :func:`bilinear_sample` at ``(y, x)``.

    Inside a unit cell the sample is ``(1-ly)(1-lx) v00 + (1-ly) lx v01 +
    ly (1-lx) v10 + ly lx v11`` with ``ly = y - floor(y)``, ``lx = x -
    floor(x)`` and ``vab`` the pixel ``(floor(y) + a, floor(x) + b)`` (0
    outside), so ``d/dy = (1-lx)(v10 - v00) + lx (v11 - v01)``.  At an
    integer coordinate (a kink) this is the derivative from the right, as
    in torchvision.
    """
    y0, x0 = math.floor(y), math.floor(x)
    ly, lx = y - y0, x - x0
    v00, v01 = _pixel(image, y0, x0), _pixel(image, y0, x0 + 1)
    v10, v11 = _pixel(image, y0 + 1, x0), _pixel(image, y0 + 1, x0 + 1)
    d_dy = (1 - lx) * (v10 - v00) + lx * (v11 - v01)
    d_dx = (1 - ly) * (v01 - v00) + ly * (v11 - v10)
    return d_dy, d_dx


# -- checking the arguments ----------------------------------------------------


@dataclass(frozen=True)
class DeformProblem:
    """A checked deformable convolution, ready to compute.

    Attributes
    ----------
    x : ndarray, shape (N, C_in, H, W)
        Batched input in the computation dtype (not padded: padding only
        moves the sampling grid).
    offset : ndarray, shape (N, offset_groups, kh * kw, 2, H_out, W_out)
        ``offset[n, g, t, 0]`` is ``dy``, ``[..., 1]`` is ``dx`` of tap ``t``.
    mask : ndarray of shape (N, offset_groups, kh * kw, H_out, W_out) or None
    weight : ndarray, shape (C_out, C_in / groups, kh, kw)
    bias : ndarray of shape (C_out,) or None
    stride, padding, dilation : (int, int)
    groups : int
        Weight groups, ``C_in / weight.shape[1]``.
    offset_groups : int
    out_size : (int, int)
    unbatched : bool
    """

    x: np.ndarray
    offset: np.ndarray
    mask: np.ndarray | None
    weight: np.ndarray
    bias: np.ndarray | None
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    groups: int
    offset_groups: int
    out_size: tuple[int, int]
    unbatched: bool

    @property
    def kernel(self) -> tuple[int, int]:
        return self.weight.shape[2], self.weight.shape[3]


def prepare_deform(
    input: np.ndarray,
    offset: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    mask: np.ndarray | None = None,
) -> DeformProblem:
    """Check every argument of :func:`deform_conv2d`; see there for the rules."""
    x = as_float_array(input, "input")
    off = as_float_array(offset, "offset")
    w = as_float_array(weight, "weight")
    b = None if bias is None else as_float_array(bias, "bias")
    m = None if mask is None else as_float_array(mask, "mask")

    if w.ndim != 4:
        raise ValueError(f"weight must have 4 dimensions (C_out, C_in/groups, kh, kw), got shape {w.shape}")
    if min(w.shape) < 1:
        raise ValueError(f"weight must not have an empty dimension, got shape {w.shape}")
    if x.ndim not in (3, 4):
        raise ValueError(
            f"input must have 4 dimensions (N, C_in, H, W) or 3 (C_in, H, W), got shape {x.shape}"
        )
    unbatched = x.ndim == 3
    layout = "(C, H_out, W_out)" if unbatched else "(N, C, H_out, W_out)"
    if off.ndim != x.ndim:
        raise ValueError(
            f"offset must have {x.ndim} dimensions {layout} like the input, got shape {off.shape}"
        )
    if m is not None and m.ndim != x.ndim:
        raise ValueError(f"mask must have {x.ndim} dimensions {layout} like the input, got shape {m.shape}")
    if unbatched:
        x, off = x[np.newaxis], off[np.newaxis]
        m = None if m is None else m[np.newaxis]

    batch, c_in, height, width = x.shape
    c_out, c_per_group, kh, kw = w.shape
    if c_in % c_per_group:
        raise ValueError(
            f"weight.shape[1] ({c_per_group}) must divide the input channels C_in={c_in} "
            "(the weight groups are C_in / weight.shape[1])"
        )
    groups = c_in // c_per_group
    if c_out % groups:
        raise ValueError(
            f"the weight groups ({groups} = C_in / weight.shape[1]) must divide the output "
            f"channels C_out={c_out}"
        )
    if b is not None and b.shape != (c_out,):
        raise ValueError(f"bias must have shape (C_out,) = ({c_out},), got {b.shape}")

    stride_ = positive_tuple(stride, 2, "stride")
    padding_ = nonnegative_tuple(padding, 2, "padding")
    dilation_ = positive_tuple(dilation, 2, "dilation")
    out_size = []
    for axis, (size, k) in enumerate(zip((height, width), (kh, kw))):
        span = dilation_[axis] * (k - 1) + 1
        padded = size + 2 * padding_[axis]
        if span > padded:
            raise ValueError(
                f"kernel is larger than the padded input in spatial dimension {axis}: "
                f"effective kernel size {span} > input {size} + 2 * padding {padding_[axis]}"
            )
        out_size.append((padded - span) // stride_[axis] + 1)
    h_out, w_out = out_size

    taps = kh * kw
    if off.shape[0] != batch:
        raise ValueError(f"offset must have the input's batch size {batch}, got {off.shape[0]}")
    if off.shape[1] == 0 or off.shape[1] % (2 * taps):
        raise ValueError(
            f"offset must have 2 * offset_groups * kh * kw channels, a positive multiple of "
            f"2 * {kh} * {kw} = {2 * taps} (one (dy, dx) pair per kernel tap), got {off.shape[1]}"
        )
    offset_groups = off.shape[1] // (2 * taps)
    if c_in % offset_groups:
        raise ValueError(
            f"the offset groups ({offset_groups} = offset.shape[1] / (2 * kh * kw)) must divide "
            f"the input channels C_in={c_in}"
        )
    if off.shape[2:] != (h_out, w_out):
        raise ValueError(
            f"offset must have the output's spatial size (H_out, W_out) = ({h_out}, {w_out}), "
            f"got {tuple(off.shape[2:])}"
        )
    if m is not None:
        expected = (batch, offset_groups * taps, h_out, w_out)
        if m.shape != expected:
            raise ValueError(
                f"mask must have shape (N, offset_groups * kh * kw, H_out, W_out) = {expected}, "
                f"got {m.shape}"
            )

    arrays = [x, off, w] + [a for a in (b, m) if a is not None]
    dtype = np.result_type(*arrays)
    off = off.astype(dtype, copy=False).reshape(batch, offset_groups, taps, 2, h_out, w_out)
    if m is not None:
        m = m.astype(dtype, copy=False).reshape(batch, offset_groups, taps, h_out, w_out)
    return DeformProblem(
        x=x.astype(dtype, copy=False),
        offset=off,
        mask=m,
        weight=w.astype(dtype, copy=False),
        bias=None if b is None else b.astype(dtype, copy=False),
        stride=stride_,
        padding=padding_,
        dilation=dilation_,
        groups=groups,
        offset_groups=offset_groups,
        out_size=(h_out, w_out),
        unbatched=unbatched,
    )


def _positions(problem: DeformProblem) -> tuple[np.ndarray, np.ndarray]:
    """Sampling positions of a checked problem, shape (N, G, kh * kw, H_out, W_out) each."""
    (kh, kw), (h_out, w_out) = problem.kernel, problem.out_size
    (sh, sw), (ph, pw), (dh, dw) = problem.stride, problem.padding, problem.dilation
    dtype = problem.x.dtype
    tap_y = np.repeat(np.arange(kh) * dh, kw)  # row-major taps
    tap_x = np.tile(np.arange(kw) * dw, kh)
    base_y = (np.arange(h_out) * sh - ph)[None, :, None] + tap_y[:, None, None]
    base_x = (np.arange(w_out) * sw - pw)[None, None, :] + tap_x[:, None, None]
    y = base_y.astype(dtype) + problem.offset[:, :, :, 0]
    x = base_x.astype(dtype) + problem.offset[:, :, :, 1]
    return y, x


def sampling_positions(
    offset: np.ndarray,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Where every tap of every output position reads: ``p0 + pn + Δpn``.

    Parameters
    ----------
    offset : ndarray, shape (N, 2 * offset_groups * kh * kw, H_out, W_out) or unbatched
        As for :func:`deform_conv2d`.
    kernel_size, stride, padding, dilation : int or (int, int)

    Returns
    -------
    y, x : ndarray, shape (N, offset_groups, kh * kw, H_out, W_out) (unbatched: no N)
        Row and column of each sample in input coordinates (pixel centres at
        integers; the padding only shifts the grid):
        ``y = h_out * s_h - p_h + i * d_h + dy``, ``x = w_out * s_w - p_w + j * d_w + dx``
        for tap ``n = i * kw + j``.

    Examples
    --------
    >>> y, x = sampling_positions(np.zeros((1, 18, 2, 2)), 3, padding=1)
    >>> y[0, 0, :, 0, 0], x[0, 0, :, 0, 0]     # output (0, 0): the 3x3 grid around it
    (array([-1., -1., -1.,  0.,  0.,  0.,  1.,  1.,  1.]), array([-1.,  0.,  1., -1.,  0.,  1., -1.,  0.,  1.]))
    """
    off = as_float_array(offset, "offset")
    if off.ndim not in (3, 4):
        raise ValueError(f"offset must have 4 dimensions (N, C, H_out, W_out) or 3, got shape {off.shape}")
    unbatched = off.ndim == 3
    off = off[np.newaxis] if unbatched else off
    kh, kw = positive_tuple(kernel_size, 2, "kernel_size")
    taps = kh * kw
    if off.shape[1] == 0 or off.shape[1] % (2 * taps):
        raise ValueError(
            f"offset must have 2 * offset_groups * kh * kw channels, a positive multiple of "
            f"{2 * taps}, got {off.shape[1]}"
        )
    groups = off.shape[1] // (2 * taps)
    problem = DeformProblem(
        x=np.zeros((1, 1, 1, 1), dtype=off.dtype),
        offset=off.reshape(off.shape[0], groups, taps, 2, *off.shape[2:]),
        mask=None,
        weight=np.zeros((1, 1, kh, kw), dtype=off.dtype),
        bias=None,
        stride=positive_tuple(stride, 2, "stride"),
        padding=nonnegative_tuple(padding, 2, "padding"),
        dilation=positive_tuple(dilation, 2, "dilation"),
        groups=1,
        offset_groups=groups,
        out_size=(off.shape[2], off.shape[3]),
        unbatched=unbatched,
    )
    y, x = _positions(problem)
    return (y[0], x[0]) if unbatched else (y, x)


def kernel_grid(kernel_size: IntOrTuple, dilation: IntOrTuple = 1) -> np.ndarray:
    """The kernel taps ``pn`` relative to the kernel centre, row-major.

    Returns
    -------
    ndarray, shape (kh * kw, 2)
        ``(dy, dx)`` of every tap from the centre of the (dilated) kernel:
        ``(-1, -1), (-1, 0), ..., (1, 1)`` for a 3x3 kernel.  Multiplying by
        a 2x2 matrix ``A`` and subtracting gives the offsets that transform
        the grid: see :func:`affine_offsets`.

    Examples
    --------
    >>> kernel_grid(3)[:4]
    array([[-1., -1.],
           [-1.,  0.],
           [-1.,  1.],
           [ 0., -1.]])
    """
    (kh, kw), (dh, dw) = positive_tuple(kernel_size, 2, "kernel_size"), positive_tuple(dilation, 2, "dilation")
    rows = (np.arange(kh) - (kh - 1) / 2) * dh
    cols = (np.arange(kw) - (kw - 1) / 2) * dw
    return np.stack([np.repeat(rows, kw), np.tile(cols, kh)], axis=1)


def affine_offsets(
    matrix: np.ndarray, kernel_size: IntOrTuple, out_size: IntOrTuple, dilation: IntOrTuple = 1
) -> np.ndarray:
    """Offsets that map the kernel grid ``pn`` to ``A pn`` at every output position.

    Parameters
    ----------
    matrix : array_like, shape (2, 2)
        ``A`` acting on ``(dy, dx)`` column vectors: ``2 I`` doubles the
        spacing, a rotation turns the grid, ``[[1, 0], [k, 1]]`` shears it.
    kernel_size, dilation : int or (int, int)
    out_size : int or (int, int)
        ``(H_out, W_out)``.

    Returns
    -------
    ndarray, shape (2 * kh * kw, H_out, W_out)
        Unbatched offsets for :func:`deform_conv2d` (one offset group): the
        same ``A pn - pn`` for every output position.

    Examples
    --------
    >>> offset = affine_offsets(2 * np.eye(2), 3, (4, 4))   # a 3x3 grid with spacing 2
    >>> offset[:4, 0, 0]                                     # tap (-1, -1) moves by (-1, -1)
    array([-1., -1., -1.,  0.])
    """
    a = np.asarray(matrix, dtype=float)
    if a.shape != (2, 2):
        raise ValueError(f"matrix must have shape (2, 2), got {a.shape}")
    h_out, w_out = positive_tuple(out_size, 2, "out_size")
    grid = kernel_grid(kernel_size, dilation)
    moves = (grid @ a.T - grid).reshape(-1)  # (dy, dx) per tap, interleaved
    return np.broadcast_to(moves[:, None, None], (moves.size, h_out, w_out)).copy()


# -- fast path -------------------------------------------------------------------
#
# Layout: channels last.  The input becomes rows of channels, one row per pixel
# of a zero-bordered copy, ``(N * offset_groups * (H+2) * (W+2), C_in / offset_groups)``,
# so that reading a neighbour copies a whole row of channels.  The samples are
# ordered (output position, tap): then the im2col matrix of one image is a plain
# reshape ``(H_out * W_out, kh * kw * C_in)`` and each weight group is one GEMM.


@dataclass
class _Samples:
    """The four neighbours of every sample, kept for the backward."""

    rows: np.ndarray  # (N * G * P * 4,) row of each neighbour in the bordered image
    weights: np.ndarray  # (N, G, P, 4) bilinear weights of the neighbours
    ly: np.ndarray  # (N, G, P) fractional parts of the positions
    lx: np.ndarray
    values: np.ndarray  # (N, G, P, 4, C/G) neighbour values, 0 outside the image
    sampled: np.ndarray  # (N, G, P, C/G) interpolated samples, before the mask
    bordered: tuple[int, int]  # (H + 2, W + 2)


def _border_index(low: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows (or columns) ``low`` and ``low + 1`` in the bordered image: clamped to the border, plus 1."""
    first = np.clip(low, -2, size).astype(np.intp)  # clip the float first: a safe cast of huge values
    second = first + 1
    for index in (first, second):
        np.maximum(index, -1, out=index)
        np.minimum(index, size, out=index)
        index += 1
    return first, second


def _gather(problem: DeformProblem) -> _Samples:
    """Bilinear samples of every tap, output position and channel at once."""
    batch, c_in, height, width = problem.x.shape
    groups = problem.offset_groups
    y, x = _positions(problem)  # (N, G, K, H_out, W_out)
    # order the samples (output position, tap): P = H_out * W_out * K
    y = y.transpose(0, 1, 3, 4, 2).reshape(batch, groups, -1)
    x = x.transpose(0, 1, 3, 4, 2).reshape(batch, groups, -1)
    y0, x0 = np.floor(y), np.floor(x)
    ly, lx = y - y0, x - x0
    # neighbours (y0, x0), (y0, x0+1), (y0+1, x0), (y0+1, x0+1); one outside the
    # image is moved onto the zero border (row -1 or H, column -1 or W), so it reads 0
    bh, bw = height + 2, width + 2
    top, bottom = _border_index(y0, height)
    left, right = _border_index(x0, width)
    plane = (np.arange(batch * groups, dtype=np.intp) * (bh * bw)).reshape(batch, groups, 1)
    top, bottom = plane + top * bw, plane + bottom * bw
    rows = np.empty((*y.shape, 4), dtype=np.intp)
    weights = np.empty((*y.shape, 4), dtype=y.dtype)
    for corner, (row, col, wy, wx) in enumerate(
        [(top, left, 1 - ly, 1 - lx), (top, right, 1 - ly, lx), (bottom, left, ly, 1 - lx), (bottom, right, ly, lx)]
    ):
        rows[..., corner] = row + col
        weights[..., corner] = wy * wx

    per_group = c_in // groups
    image = np.pad(problem.x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    image = image.reshape(batch, groups, per_group, bh * bw).transpose(0, 1, 3, 2)
    image = image.reshape(batch * groups * bh * bw, per_group)
    values = np.take(image, rows.ravel(), axis=0).reshape(*weights.shape, per_group)
    sampled = np.einsum("ngpfc,ngpf->ngpc", values, weights)  # sum_q G(q, p) x[q]
    return _Samples(rows.ravel(), weights, ly, lx, values, sampled, (bh, bw))


def _group_order(problem: DeformProblem, a: np.ndarray) -> np.ndarray:
    """``(N, G, H_out*W_out*K, ...)`` -> ``(N * H_out*W_out, K, G, ...)``: channels last."""
    batch, groups = a.shape[:2]
    taps = problem.kernel[0] * problem.kernel[1]
    a = a.reshape(batch, groups, -1, taps, *a.shape[3:])
    return np.moveaxis(a, 1, 3).reshape(-1, taps, groups, *a.shape[4:])


def _kernels(problem: DeformProblem) -> list[np.ndarray]:
    """Each weight group as a ``(kh * kw * C_in/groups, C_out/groups)`` matrix (tap-major rows)."""
    w = problem.weight
    per_group = w.shape[0] // problem.groups
    return [
        w[g * per_group:(g + 1) * per_group].transpose(2, 3, 1, 0).reshape(-1, per_group)
        for g in range(problem.groups)
    ]


def _columns(problem: DeformProblem, samples: _Samples) -> list[np.ndarray]:
    """Deformable im2col: one ``(N * H_out*W_out, kh*kw * C_in/groups)`` matrix per weight group."""
    columns = _group_order(problem, samples.sampled)  # (N*H_out*W_out, K, G, C/G)
    if problem.mask is not None:
        mask = problem.mask.reshape(*problem.mask.shape[:3], -1)  # (N, G, K, positions)
        columns = columns * mask.transpose(0, 3, 2, 1).reshape(*columns.shape[:3], 1)
    columns = columns.reshape(*columns.shape[:2], -1)  # (N*positions, K, C_in)
    per_group = problem.weight.shape[1]
    return [
        columns[:, :, g * per_group:(g + 1) * per_group].reshape(columns.shape[0], -1)
        for g in range(problem.groups)
    ]


def _to_nchw(problem: DeformProblem, rows: np.ndarray) -> np.ndarray:
    """``(N * H_out*W_out, C)`` -> ``(N, C, H_out, W_out)``."""
    batch = problem.x.shape[0]
    return np.ascontiguousarray(rows.reshape(batch, *problem.out_size, -1).transpose(0, 3, 1, 2))


def _one_image(problem: DeformProblem, n: int) -> DeformProblem:
    """The same problem for image ``n`` alone (a batch of one; views, no copies)."""
    return replace(problem, x=problem.x[n:n + 1], offset=problem.offset[n:n + 1],
                   mask=None if problem.mask is None else problem.mask[n:n + 1])


def _forward_images(problem: DeformProblem) -> np.ndarray:
    columns = _columns(problem, _gather(problem))
    # one GEMM per weight group
    y = np.concatenate([c @ k for c, k in zip(columns, _kernels(problem))], axis=1)
    if problem.bias is not None:
        y += problem.bias
    return _to_nchw(problem, y)


def _forward_fast(problem: DeformProblem) -> np.ndarray:
    """Image by image: the four neighbours of every sample (``(positions * taps, 4, C)`` values)
    are gathered for one image at a time, which bounds the working memory and keeps it in cache."""
    batch = problem.x.shape[0]
    y = np.empty((batch, problem.weight.shape[0], *problem.out_size), dtype=problem.x.dtype)
    for n in range(batch):
        y[n:n + 1] = _forward_images(_one_image(problem, n))
    return y


# -- loop reference ----------------------------------------------------------------


def _tap_position(problem: DeformProblem, n: int, g: int, t: int, i: int, j: int, ho: int, wo: int):
    (kh, kw), (sh, sw) = problem.kernel, problem.stride
    (ph, pw), (dh, dw) = problem.padding, problem.dilation
    dy, dx = problem.offset[n, g, t, :, ho, wo]
    return ho * sh - ph + i * dh + dy, wo * sw - pw + j * dw + dx


def _forward_loop(problem: DeformProblem) -> np.ndarray:
    """Reference forward: one bilinear sample and one multiply-add at a time."""
    x, w = problem.x, problem.weight
    batch, c_in = x.shape[:2]
    c_out, c_per_group, kh, kw = w.shape
    out_per_group = c_out // problem.groups
    per_offset_group = c_in // problem.offset_groups
    h_out, w_out = problem.out_size
    y = np.zeros((batch, c_out, h_out, w_out), dtype=x.dtype)
    for n in range(batch):
        for o in range(c_out):
            group = o // out_per_group
            for ho in range(h_out):
                for wo in range(w_out):
                    total = 0.0 if problem.bias is None else problem.bias[o]
                    for c in range(c_per_group):
                        channel = group * c_per_group + c
                        g = channel // per_offset_group  # offset group of this channel
                        for i in range(kh):
                            for j in range(kw):
                                t = i * kw + j
                                py, px = _tap_position(problem, n, g, t, i, j, ho, wo)
                                value = bilinear_sample(x[n, channel], py, px)
                                if problem.mask is not None:
                                    value *= problem.mask[n, g, t, ho, wo]
                                total += w[o, c, i, j] * value
                    y[n, o, ho, wo] = total
    return y


# -- public forward ------------------------------------------------------------------


def deform_conv2d(
    input: np.ndarray,
    offset: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    mask: np.ndarray | None = None,
    *,
    method: Method = "fast",
) -> np.ndarray:
    """Deformable convolution v1 (``mask=None``) and v2, as ``torchvision.ops.deform_conv2d``.

    Parameters
    ----------
    input : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
    offset : ndarray, shape (N, 2 * offset_groups * kh * kw, H_out, W_out)
        ``(dy, dx)`` for every kernel tap (row-major) of every output
        position, per offset group (consecutive blocks of input channels).
        Unbatched: ``(2 * offset_groups * kh * kw, H_out, W_out)``.
    weight : ndarray, shape (C_out, C_in / groups, kh, kw)
        ``groups = C_in / weight.shape[1]`` must divide ``C_out``.
    bias : ndarray, shape (C_out,), optional
    stride, padding, dilation : int or (int, int)
        As for :func:`~convkit.conv.conv2d` (padding: ints only, symmetric).
    mask : ndarray, shape (N, offset_groups * kh * kw, H_out, W_out), optional
        Modulation of every sample (v2), usually a sigmoid in ``[0, 1]``.
    method : {'fast', 'loop'}

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        In the common dtype of the arrays (float32 stays float32).

    Raises
    ------
    TypeError
        Non-integer hyper-parameters (including padding strings), non-real arrays.
    ValueError
        Wrong ranks or shapes of input, weight, offset, mask or bias; offset
        channels not a positive multiple of ``2 kh kw``; offset groups or
        weight groups that do not divide the channels; offset/mask spatial
        size not the output size; bad stride/padding/dilation; a kernel
        larger than the padded input.

    Examples
    --------
    With zero offsets it is an ordinary convolution:

    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.ones((1, 1, 3, 3))
    >>> deform_conv2d(x, np.zeros((1, 18, 2, 2)), w)
    array([[[[45., 54.],
             [81., 90.]]]])

    Half a pixel to the right for every tap (``dx`` is every second channel)
    averages neighbouring columns; in the last column the missing right
    neighbour reads 0:

    >>> offset = np.zeros((1, 18, 2, 2)); offset[:, 1::2] = 0.5
    >>> deform_conv2d(x, offset, w)
    array([[[[49.5, 46.5],
             [85.5, 76.5]]]])
    """
    if method not in ("fast", "loop"):
        raise ValueError(f"method must be 'fast' or 'loop', got {method!r}")
    problem = prepare_deform(input, offset, weight, bias, stride, padding, dilation, mask)
    y = _forward_fast(problem) if method == "fast" else _forward_loop(problem)
    return y[0] if problem.unbatched else y


# -- backward ----------------------------------------------------------------------


class DeformGradients(NamedTuple):
    """Gradients of a loss with respect to each argument of :func:`deform_conv2d`.

    ``mask`` and ``bias`` are None when the forward had none.
    """

    input: np.ndarray
    offset: np.ndarray
    mask: np.ndarray | None
    weight: np.ndarray
    bias: np.ndarray | None


def _backward_fast(problem: DeformProblem, grad: np.ndarray) -> tuple[np.ndarray, ...]:
    """Image by image, as the forward pass (the weight and bias gradients summed over the images)."""
    if problem.x.shape[0] == 0:
        return _backward_images(problem, grad)
    parts = [_backward_images(_one_image(problem, n), grad[n:n + 1]) for n in range(problem.x.shape[0])]
    grad_input, grad_offset, grad_mask = (
        None if parts[0][i] is None else np.concatenate([part[i] for part in parts]) for i in range(3)
    )
    grad_weight = parts[0][3]
    for part in parts[1:]:
        grad_weight += part[3]
    grad_bias = None if problem.bias is None else grad.sum(axis=(0, 2, 3))
    return grad_input, grad_offset, grad_mask, grad_weight, grad_bias


def _backward_images(problem: DeformProblem, grad: np.ndarray) -> tuple[np.ndarray, ...]:
    x, w = problem.x, problem.weight
    batch, c_in, height, width = x.shape
    c_out = w.shape[0]
    groups, offset_groups = problem.groups, problem.offset_groups
    taps = problem.kernel[0] * problem.kernel[1]
    h_out, w_out = problem.out_size
    per_offset_group = c_in // offset_groups
    out_per_group = c_out // groups

    samples = _gather(problem)
    columns = _columns(problem, samples)
    kernels = _kernels(problem)
    grad_rows = grad.transpose(0, 2, 3, 1).reshape(-1, c_out)  # (N * positions, C_out)

    grad_bias = None if problem.bias is None else grad.sum(axis=(0, 2, 3))
    grad_weight = np.empty_like(w)
    grad_columns = []
    for g in range(groups):
        grad_g = grad_rows[:, g * out_per_group:(g + 1) * out_per_group]
        # the forward product with the roles exchanged, per weight group
        grad_kernel = columns[g].T @ grad_g  # (K * C_in/groups, C_out/groups)
        grad_weight[g * out_per_group:(g + 1) * out_per_group] = grad_kernel.reshape(
            *problem.kernel, w.shape[1], out_per_group
        ).transpose(3, 2, 0, 1)
        grad_columns.append((grad_g @ kernels[g].T).reshape(-1, taps, w.shape[1]))
    # gradient reaching each masked sample, back in (N, G, P, C/G) order
    grad_columns = np.concatenate(grad_columns, axis=2)  # (N * positions, K, C_in)
    grad_columns = grad_columns.reshape(batch, h_out * w_out, taps, offset_groups, per_offset_group)
    grad_columns = np.moveaxis(grad_columns, 3, 1).reshape(samples.sampled.shape)

    # A[..., f] = sum over the channels of (gradient of the sample) * (value of
    # neighbour f): the mask and offset gradients only need these four numbers
    # per sample, because the sample is sum_f weight_f * value_f.
    products = np.einsum("ngpfc,ngpc->ngpf", samples.values, grad_columns)
    if problem.mask is None:
        grad_mask, mask = None, 1
    else:
        mask = problem.mask.reshape(batch, offset_groups, taps, -1).transpose(0, 1, 3, 2)
        mask = mask.reshape(batch, offset_groups, -1, 1)  # (N, G, P, 1)
        grad_mask = np.einsum("ngpf,ngpf->ngp", products, samples.weights)
        grad_mask = grad_mask.reshape(batch, offset_groups, h_out, w_out, taps).transpose(0, 1, 4, 2, 3)
        grad_mask = grad_mask.reshape(batch, offset_groups * taps, h_out, w_out)

    # offsets: derivatives of the four bilinear weights (1-ly)(1-lx), (1-ly)lx,
    # ly(1-lx), ly lx with respect to y and x, inside the cell (so from the
    # right at a kink, where ly or lx is 0)
    ly, lx = samples.ly, samples.lx
    a00, a01, a10, a11 = (products[..., corner] for corner in range(4))
    grad_offset = np.stack(
        [(1 - lx) * (a10 - a00) + lx * (a11 - a01), (1 - ly) * (a01 - a00) + ly * (a11 - a10)], axis=3
    )
    grad_offset = grad_offset * mask  # (N, G, P, 2)
    grad_offset = grad_offset.reshape(batch, offset_groups, h_out, w_out, taps, 2).transpose(0, 1, 4, 5, 2, 3)
    grad_offset = grad_offset.reshape(batch, offset_groups * taps * 2, h_out, w_out)

    # input: every sample sends weight * gradient to its four neighbours
    # (np.add.at adds repeated indices one after the other)
    grad_sampled = grad_columns * mask
    contributions = np.einsum("ngpc,ngpf->ngpfc", grad_sampled, samples.weights)
    bh, bw = samples.bordered
    channels = np.arange(per_offset_group, dtype=np.intp)
    grad_image = np.zeros(batch * c_in * bh * bw, dtype=x.dtype)
    np.add.at(grad_image, (samples.rows[:, None] * per_offset_group + channels).ravel(), contributions.ravel())
    grad_input = grad_image.reshape(batch, offset_groups, bh, bw, per_offset_group)[:, :, 1:-1, 1:-1]
    grad_input = np.ascontiguousarray(grad_input.transpose(0, 1, 4, 2, 3)).reshape(x.shape)
    return grad_input, grad_offset, grad_mask, grad_weight, grad_bias


def _backward_loop(problem: DeformProblem, grad: np.ndarray) -> tuple[np.ndarray, ...]:
    """Reference backward: the chain rule, one sample at a time."""
    x, w = problem.x, problem.weight
    batch, c_in, height, width = x.shape
    c_out, c_per_group, kh, kw = w.shape
    out_per_group = c_out // problem.groups
    per_offset_group = c_in // problem.offset_groups
    h_out, w_out = problem.out_size
    grad_input = np.zeros_like(x)
    grad_offset = np.zeros_like(problem.offset)  # (N, G, taps, 2, H_out, W_out)
    grad_mask = None if problem.mask is None else np.zeros_like(problem.mask)
    grad_weight = np.zeros_like(w)
    for n in range(batch):
        for channel in range(c_in):
            group, c = divmod(channel, c_per_group)  # weight group, channel within it
            outputs = range(group * out_per_group, (group + 1) * out_per_group)
            g = channel // per_offset_group
            for ho in range(h_out):
                for wo in range(w_out):
                    for i in range(kh):
                        for j in range(kw):
                            t = i * kw + j
                            py, px = _tap_position(problem, n, g, t, i, j, ho, wo)
                            value = bilinear_sample(x[n, channel], py, px)
                            m = 1.0 if problem.mask is None else problem.mask[n, g, t, ho, wo]
                            # gradient reaching the masked sample m * value
                            upstream = 0.0
                            for o in outputs:
                                grad_weight[o, c, i, j] += grad[n, o, ho, wo] * m * value
                                upstream += grad[n, o, ho, wo] * w[o, c, i, j]
                            if grad_mask is not None:
                                grad_mask[n, g, t, ho, wo] += upstream * value
                            d_dy, d_dx = bilinear_sample_grad(x[n, channel], py, px)
                            grad_offset[n, g, t, 0, ho, wo] += upstream * m * d_dy
                            grad_offset[n, g, t, 1, ho, wo] += upstream * m * d_dx
                            y0, x0 = math.floor(py), math.floor(px)
                            for qy in (y0, y0 + 1):
                                for qx in (x0, x0 + 1):
                                    if 0 <= qy < height and 0 <= qx < width:
                                        weight = bilinear_weight(qy, py) * bilinear_weight(qx, px)
                                        grad_input[n, channel, qy, qx] += upstream * m * weight
    grad_bias = None if problem.bias is None else grad.sum(axis=(0, 2, 3))
    grad_offset = grad_offset.reshape(batch, -1, h_out, w_out)
    if grad_mask is not None:
        grad_mask = grad_mask.reshape(batch, -1, h_out, w_out)
    return grad_input, grad_offset, grad_mask, grad_weight, grad_bias


def deform_conv2d_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    offset: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    mask: np.ndarray | None = None,
    *,
    method: Method = "fast",
) -> DeformGradients:
    """Gradients of ``sum(grad_output * deform_conv2d(...))`` with respect to every argument.

    Parameters
    ----------
    grad_output : ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        Gradient of the loss with respect to the output.
    input, offset, weight, bias, stride, padding, dilation, mask
        As for :func:`deform_conv2d`.
    method : {'fast', 'loop'}

    Returns
    -------
    DeformGradients
        ``(input, offset, mask, weight, bias)``, each shaped like its
        argument (``mask``/``bias`` None when not given).  With respect to
        a sample position the derivative at an integer coordinate (a kink of
        bilinear interpolation) is the one from the right, as torchvision
        computes it; everywhere else it is the exact derivative.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> offset = np.full((1, 2, 4, 4), 0.25)          # 1x1 kernel, (dy, dx)
    >>> grads = deform_conv2d_backward(np.ones((1, 1, 4, 4)), x, offset, np.ones((1, 1, 1, 1)))
    >>> grads.offset[0, :, 0, 0]                        # rows differ by 4, columns by 1
    array([4., 1.])
    """
    if method not in ("fast", "loop"):
        raise ValueError(f"method must be 'fast' or 'loop', got {method!r}")
    problem = prepare_deform(input, offset, weight, bias, stride, padding, dilation, mask)
    grad = as_float_array(grad_output, "grad_output")
    c_out = problem.weight.shape[0]
    expected = (c_out, *problem.out_size) if problem.unbatched else (problem.x.shape[0], c_out, *problem.out_size)
    if grad.shape != expected:
        raise ValueError(f"grad_output must have the output's shape {expected}, got {grad.shape}")
    grad = grad.astype(problem.x.dtype, copy=False)
    if problem.unbatched:
        grad = grad[np.newaxis]
    run = _backward_fast if method == "fast" else _backward_loop
    grad_input, grad_offset, grad_mask, grad_weight, grad_bias = run(problem, grad)
    if problem.unbatched:
        grad_input, grad_offset = grad_input[0], grad_offset[0]
        grad_mask = None if grad_mask is None else grad_mask[0]
    return DeformGradients(grad_input, grad_offset, grad_mask, grad_weight, grad_bias)


__all__ = [
    "DeformGradients",
    "bilinear_sample",
    "bilinear_sample_grad",
    "bilinear_weight",
    "deform_conv2d",
    "deform_conv2d_backward",
    "affine_offsets",
    "kernel_grid",
    "sampling_positions",
]
