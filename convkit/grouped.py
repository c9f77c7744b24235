r"""Grouped convolutions, the channel shuffle, and which channels reach which.

A convolution with ``groups = g`` splits the ``C_in`` input channels into
``g`` consecutive groups of ``C_in / g`` channels and the ``C_out`` output
channels into ``g`` groups of ``C_out / g``; output group ``j`` is a
standard convolution of input group ``j`` alone.  Its weight has shape
``(C_out, C_in / g, *kernel)``: every filter is ``g`` times thinner.

Seen through the channels, a grouped convolution is a standard convolution
whose ``C_out x C_in`` grid of kernels is **block diagonal**
(:func:`block_diagonal_weight`): kernels between different groups are zero.
Stacking grouped convolutions multiplies block-diagonal matrices, which stay
block diagonal, so information never crosses from one group to another.  A
**channel shuffle** (ShuffleNet) between two grouped layers permutes the
channels so that every group of the next layer receives channels from every
group of the previous one.

``channel_shuffle`` mirrors ``torch.nn.functional.channel_shuffle`` (and
``torch.nn.ChannelShuffle``).  The connectivity helpers answer the question
"which input channels can this output channel depend on?" from the weights
themselves:

* :func:`conv_connectivity` -- one layer: output ``o`` depends on input ``c``
  when ``c`` is in ``o``'s group and the kernel ``w[o, c mod (C_in/g)]`` is not
  all zeros (so pruned kernels count as missing connections);
* :func:`shuffle_connectivity` -- the permutation of a channel shuffle;
* :func:`stack_connectivity` -- a stack of layers: the boolean product of the
  layers' matrices, last layer on the left.

This is *structural* dependence: a path of non-zero weights.  Elementwise
layers between convolutions (bias, batch norm, ReLU) keep it, and for
weights in general position the actual dependence (a non-zero gradient)
equals it; the tests check it against ``torch.autograd``.  Special weights
can still cancel along two paths (e.g. ``+1`` and ``-1``) or a ReLU can be
off for a given input, which makes a structural connection carry nothing for
that input; a missing structural connection, on the other hand, always means
that no information flows.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import numpy.typing as npt

from .arguments import IntOrTuple, nonnegative_int, positive_int
from .arithmetic import Padding
from .conv import conv2d, prepare_conv


def _divides(groups: int, channels: int, what: str) -> None:
    if channels % groups:
        raise ValueError(f"groups ({groups}) must divide {what}, got {channels}")


def channel_groups(channels: int, groups: int) -> np.ndarray:
    """The group of every channel: ``channel // (channels / groups)``.

    Parameters
    ----------
    channels : int
        ``C`` (``>= 0``).
    groups : int
        ``g``, a divisor of ``C``.

    Returns
    -------
    ndarray of int, shape (C,)

    Examples
    --------
    >>> channel_groups(6, 3)
    array([0, 0, 1, 1, 2, 2])
    """
    c = nonnegative_int(channels, "channels")
    g = positive_int(groups, "groups")
    _divides(g, c, "the channels")
    return np.arange(c) // max(c // g, 1)


def channel_shuffle_indices(channels: int, groups: int) -> np.ndarray:
    """Where every output channel of :func:`channel_shuffle` comes from.

    Write the ``C`` channels as a ``g x (C/g)`` table, one row per group, and
    read it column by column: output channel ``j`` is input channel
    ``(j mod g) (C/g) + j div g``.

    Parameters
    ----------
    channels : int
        ``C`` (``>= 0``).
    groups : int
        ``g``, a divisor of ``C``.

    Returns
    -------
    ndarray of int, shape (C,)
        ``channel_shuffle(x, g)[:, j] == x[:, indices[j]]``.

    Examples
    --------
    >>> channel_shuffle_indices(6, 2)   # groups [0 1 2] [3 4 5] interleaved
    array([0, 3, 1, 4, 2, 5])
    """
    c = nonnegative_int(channels, "channels")
    g = positive_int(groups, "groups")
    _divides(g, c, "the channels")
    return np.arange(c).reshape(g, c // g).T.reshape(c)


def channel_shuffle(input: npt.ArrayLike, groups: int) -> np.ndarray:
    """Shuffle the channels (axis 1) of ``input``, as ``torch.nn.functional.channel_shuffle``.

    Reshape ``(N, C, *spatial)`` to ``(N, g, C/g, *spatial)``, swap the two
    channel axes and flatten them again: the first channel of every group,
    then the second channel of every group, and so on.  After a grouped
    convolution with ``g`` groups, each block of ``C/g`` consecutive output
    channels then holds channels from ``min(g, C/g)`` different groups.

    Parameters
    ----------
    input : array_like, shape (N, C, *spatial)
        At least 3 dimensions, like torch (which has no unbatched form: the
        channels are always axis 1).  Any dtype: nothing is computed, the
        values are only moved.
    groups : int
        ``g``, a divisor of ``C``.

    Returns
    -------
    ndarray, same shape and dtype as ``input``
        A new array (never a view of ``input``, as in torch).

    Raises
    ------
    TypeError
        If ``groups`` is not an int.
    ValueError
        If ``input`` has fewer than 3 dimensions, ``groups < 1``, or
        ``groups`` does not divide ``C``.

    Examples
    --------
    >>> x = np.arange(6).reshape(1, 6, 1)
    >>> channel_shuffle(x, 2)[0, :, 0]
    array([0, 3, 1, 4, 2, 5])
    >>> channel_shuffle(x, 3)[0, :, 0]
    array([0, 2, 4, 1, 3, 5])
    """
    x = np.asarray(input)
    g = positive_int(groups, "groups")
    if x.ndim < 3:
        raise ValueError(
            f"input must have at least 3 dimensions (N, C, *spatial): channel_shuffle "
            f"shuffles axis 1 (torch has no unbatched form either), got shape {x.shape}"
        )
    n, c = x.shape[:2]
    _divides(g, c, "the channels (input.shape[1])")
    rest = x.shape[2:]
    # (N, g, C/g, *spatial) -> (N, C/g, g, *spatial) -> (N, C, *spatial); copy: never a view
    return x.reshape(n, g, c // g, *rest).swapaxes(1, 2).copy().reshape(x.shape)


def grouped_conv2d(
    input: npt.ArrayLike,
    weight: npt.ArrayLike,
    bias: npt.ArrayLike | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """A grouped 2-D convolution written as ``g`` independent convolutions.

    Split the input channels into ``groups`` consecutive chunks and the
    filters into ``groups`` chunks, run a standard :func:`~convkit.conv.conv2d`
    on each pair and concatenate the results along the channels.  This is the
    definition of ``torch.nn.functional.conv2d(..., groups=g)`` spelled out;
    :func:`~convkit.conv.conv2d` computes the same with one call.

    Parameters
    ----------
    input : array_like, shape (N, C_in, H, W) or (C_in, H, W)
    weight : array_like, shape (C_out, C_in / groups, k_h, k_w)
    bias : array_like, shape (C_out,), optional
    stride, padding, dilation
        As for :func:`~convkit.conv.conv2d`.
    groups : int
        ``g``; divides ``C_in`` and ``C_out``.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)

    Raises
    ------
    TypeError, ValueError
        As :func:`~convkit.conv.conv2d`.

    Examples
    --------
    >>> x, w = np.ones((1, 4, 3, 3)), np.ones((2, 2, 3, 3))
    >>> grouped_conv2d(x, w, groups=2)[0, :, 0, 0]   # each filter sees 2 channels x 9 taps
    array([18., 18.])
    """
    # every argument checked once, with conv2d's messages (shapes, groups, dtypes)
    prepare_conv(input, weight, bias, stride, padding, dilation, groups, ndim=2)
    x = np.asarray(input)
    w = np.asarray(weight)
    b = None if bias is None else np.asarray(bias)
    g = int(groups)
    channel_axis = x.ndim - 3
    xs = np.split(x, g, axis=channel_axis)
    ws = np.split(w, g, axis=0)
    bs = [None] * g if b is None else np.split(b, g)
    parts = [conv2d(xi, wi, bi, stride, padding, dilation) for xi, wi, bi in zip(xs, ws, bs)]
    return np.concatenate(parts, axis=channel_axis)


def block_diagonal_weight(weight: npt.ArrayLike, groups: int) -> np.ndarray:
    """The weight of the standard convolution that equals a grouped one.

    A grouped weight ``(C_out, C_in/g, *kernel)`` becomes a dense
    ``(C_out, C_in, *kernel)`` weight whose ``C_out x C_in`` grid of kernels
    is block diagonal: ``g`` blocks of ``(C_out/g) x (C_in/g)`` kernels on the
    diagonal, zeros elsewhere.  ``conv2d(x, block_diagonal_weight(w, g))``
    equals ``conv2d(x, w, groups=g)``.

    Parameters
    ----------
    weight : array_like, shape (C_out, C_in / g, *kernel)
        Any number of kernel dimensions (none for a plain matrix).
    groups : int
        ``g``; divides ``C_out``.

    Returns
    -------
    ndarray, shape (C_out, C_in, *kernel)
        Same dtype as ``weight``.

    Examples
    --------
    >>> block_diagonal_weight(np.ones((4, 1)), 4)   # depthwise 1 x 1: the identity pattern
    array([[1., 0., 0., 0.],
           [0., 1., 0., 0.],
           [0., 0., 1., 0.],
           [0., 0., 0., 1.]])
    """
    w = _weight(weight)
    g = positive_int(groups, "groups")
    c_out, per_group = w.shape[:2]
    _divides(g, c_out, "the output channels (weight.shape[0])")
    out_per_group = c_out // g
    dense = np.zeros((c_out, per_group * g) + w.shape[2:], dtype=w.dtype)
    for j in range(g):
        rows = slice(j * out_per_group, (j + 1) * out_per_group)
        dense[rows, j * per_group:(j + 1) * per_group] = w[rows]
    return dense


def _weight(weight: npt.ArrayLike) -> np.ndarray:
    w = np.asarray(weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"weight must be a real numeric array, got dtype {w.dtype}")
    if w.ndim < 2:
        raise ValueError(
            f"weight must have shape (C_out, C_in/groups, *kernel), at least 2 dimensions, "
            f"got shape {w.shape}"
        )
    return w


def conv_connectivity(weight: npt.ArrayLike, groups: int = 1) -> np.ndarray:
    """Which input channels each output channel of one convolution reads.

    ``result[o, c]`` is True when input channel ``c`` is in the group of
    output channel ``o`` *and* the kernel that connects them,
    ``weight[o, c - start]`` (``start`` the first channel of the group), has
    at least one non-zero tap.  For a dense grouped weight this is the
    block-diagonal pattern; zeros in the weight (pruning) remove connections.

    Parameters
    ----------
    weight : array_like, shape (C_out, C_in / groups, *kernel)
        The layer's weight (any number of kernel dimensions; a 2-d array is a
        ``1 x 1`` layer written as a matrix).
    groups : int
        ``g``; divides ``C_out``.  ``C_in = g * weight.shape[1]``.

    Returns
    -------
    ndarray of bool, shape (C_out, C_in)

    Raises
    ------
    TypeError
        For a non-numeric weight or a non-int ``groups``.
    ValueError
        For a weight with fewer than 2 dimensions, or ``groups`` that does
        not divide ``C_out``.

    Examples
    --------
    >>> conv_connectivity(np.ones((4, 2, 3, 3)), groups=2).astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 0, 0],
           [0, 0, 1, 1],
           [0, 0, 1, 1]])
    """
    w = _weight(weight)
    nonzero = (w != 0).reshape(w.shape[0], w.shape[1], -1).any(axis=2)
    return block_diagonal_weight(nonzero, groups)


def shuffle_connectivity(channels: int, groups: int) -> np.ndarray:
    """The connectivity of :func:`channel_shuffle`: a permutation matrix.

    Parameters
    ----------
    channels : int
        ``C``.
    groups : int
        ``g``, a divisor of ``C``.

    Returns
    -------
    ndarray of bool, shape (C, C)
        ``result[j, channel_shuffle_indices(C, g)[j]]`` is True, all else False.

    Examples
    --------
    >>> shuffle_connectivity(4, 2).astype(int)
    array([[1, 0, 0, 0],
           [0, 0, 1, 0],
           [0, 1, 0, 0],
           [0, 0, 0, 1]])
    """
    indices = channel_shuffle_indices(channels, groups)
    matrix = np.zeros((len(indices), len(indices)), dtype=bool)
    matrix[np.arange(len(indices)), indices] = True
    return matrix


def stack_connectivity(layers: Sequence[npt.ArrayLike]) -> np.ndarray:
    """Which input channels each output channel of a stack of layers depends on.

    ``layers`` are the connectivity matrices of the layers *in the order
    they are applied* (for example from :func:`conv_connectivity` and
    :func:`shuffle_connectivity`); layer ``l`` maps ``C_l`` channels to
    ``C_{l+1}``, so its matrix has shape ``(C_{l+1}, C_l)``.  Output ``o``
    depends on input ``c`` when a chain of connections leads from ``c`` to
    ``o``: the boolean matrix product ``M_L ... M_2 M_1``.

    Parameters
    ----------
    layers : sequence of array_like, each 2-d
        Non-zero (or True) entries are connections.

    Returns
    -------
    ndarray of bool, shape (C_out of the last layer, C_in of the first)

    Raises
    ------
    ValueError
        For an empty sequence, a matrix that is not 2-d, or consecutive
        layers whose channel counts do not match (the message names them).

    Examples
    --------
    Two grouped layers (2 groups of 2 channels) with and without a shuffle:

    >>> conv = conv_connectivity(np.ones((4, 2)), groups=2)
    >>> stack_connectivity([conv, conv]).astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 0, 0],
           [0, 0, 1, 1],
           [0, 0, 1, 1]])
    >>> bool(stack_connectivity([conv, shuffle_connectivity(4, 2), conv]).all())
    True
    """
    matrices = [np.asarray(layer) for layer in layers]
    if not matrices:
        raise ValueError("layers must contain at least one connectivity matrix")
    for index, matrix in enumerate(matrices):
        if matrix.ndim != 2:
            raise ValueError(
                f"layers[{index}] must be a 2-d (C_out, C_in) connectivity matrix, "
                f"got shape {matrix.shape}"
            )
        if matrix.dtype.kind not in "biuf":
            raise TypeError(f"layers[{index}] must be boolean or numeric, got dtype {matrix.dtype}")
    reach = matrices[0] != 0
    for index, matrix in enumerate(matrices[1:], start=1):
        if matrix.shape[1] != reach.shape[0]:
            raise ValueError(
                f"layers[{index}] reads {matrix.shape[1]} channels but layers[{index - 1}] "
                f"produces {reach.shape[0]}"
            )
        # boolean product: a path exists when at least one middle channel links them
        reach = (matrix != 0).astype(np.int64) @ reach.astype(np.int64) > 0
    return reach


__all__ = [
    "block_diagonal_weight",
    "channel_groups",
    "channel_shuffle",
    "channel_shuffle_indices",
    "conv_connectivity",
    "grouped_conv2d",
    "shuffle_connectivity",
    "stack_connectivity",
]
