"""Convolution arithmetic: output sizes, padding and receptive fields.

The relations follow Dumoulin & Visin, *A guide to convolution arithmetic
for deep learning* (2016), extended with dilation as in
``torch.nn.Conv2d``.  For one spatial dimension with input size ``i``,
kernel size ``k``, stride ``s``, zero padding ``p`` on each side and
dilation ``d``:

* effective kernel size  ``k_eff = d * (k - 1) + 1``
* convolution output     ``o = floor((i + 2p - k_eff) / s) + 1``
* transposed convolution ``o = (i - 1) * s - 2p + k_eff + a``, with ``a`` the
  ``output_padding``

The parameters have torch's names (``input_size``, ``kernel_size``,
``stride``, ``padding``, ``dilation``, ``output_padding``) and follow the
array-like rule of :mod:`convkit.arguments`: an int (one spatial dimension,
or the same value for all dimensions) or a tuple (one value per dimension).
A function returns an int when every argument is an int, and a tuple
otherwise.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Sequence, Union

import numpy as np

from .arguments import (
    IntOrTuple,
    nonnegative_tuple,
    positive_tuple,
    spatial_ndim,
)

# Padding as ``torch.nn.functional.conv2d`` takes it: an int, one int per
# dimension, ``'valid'`` or ``'same'``.
Padding = Union[IntOrTuple, str]

PADDING_MODES = ("valid", "same")


def _result(values: tuple[int, ...], as_tuple_: bool) -> int | tuple[int, ...]:
    return values if as_tuple_ else values[0]


def effective_kernel_size(
    kernel_size: IntOrTuple, dilation: IntOrTuple = 1
) -> int | tuple[int, ...]:
    """Extent of a dilated kernel: ``d * (k - 1) + 1``.

    Parameters
    ----------
    kernel_size : int or tuple of int
        Kernel size ``k``.
    dilation : int or tuple of int
        Dilation ``d`` (1 means no holes between taps).

    Returns
    -------
    int or tuple of int
        ``d * (k - 1) + 1`` per dimension; an int when both arguments are.

    Examples
    --------
    >>> effective_kernel_size(3, dilation=2)
    5
    """
    ndim, is_tuple = spatial_ndim(1, kernel_size=kernel_size, dilation=dilation)
    ks = positive_tuple(kernel_size, ndim, "kernel_size")
    ds = positive_tuple(dilation, ndim, "dilation")
    return _result(tuple(di * (ki - 1) + 1 for ki, di in zip(ks, ds)), is_tuple)


def same_padding(
    kernel_size: IntOrTuple, dilation: IntOrTuple = 1
) -> tuple[int, int] | tuple[tuple[int, int], ...]:
    """Zero padding ``(before, after)`` that keeps the size at stride 1.

    The total padding is ``d * (k - 1)``.  When it is odd (an even kernel with
    odd dilation) the extra zero goes *after* the input, exactly as
    ``torch.nn.functional.conv2d(..., padding='same')`` does.

    Parameters
    ----------
    kernel_size : int or tuple of int
        Kernel size ``k``.
    dilation : int or tuple of int
        Dilation ``d``.

    Returns
    -------
    (before, after), or a tuple of such pairs
        One pair for int arguments, one pair per dimension otherwise.

    Examples
    --------
    >>> same_padding(3)
    (1, 1)
    >>> same_padding(4)
    (1, 2)
    >>> same_padding((3, 2), dilation=(2, 1))
    ((2, 2), (0, 1))
    """
    ndim, is_tuple = spatial_ndim(1, kernel_size=kernel_size, dilation=dilation)
    ks = positive_tuple(kernel_size, ndim, "kernel_size")
    ds = positive_tuple(dilation, ndim, "dilation")
    pairs = []
    for ki, di in zip(ks, ds):
        total = di * (ki - 1)
        pairs.append((total // 2, total - total // 2))
    return tuple(pairs) if is_tuple else pairs[0]


def padding_pairs(
    padding: Padding,
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> tuple[tuple[int, int], ...]:
    """Resolve a ``padding`` argument into ``(before, after)`` per dimension.

    Parameters
    ----------
    padding : int, tuple of int, 'valid' or 'same'
        As accepted by ``torch.nn.functional.conv2d``.
    kernel_size, stride, dilation : tuple of int
        One value per spatial dimension (already checked).

    Returns
    -------
    tuple of (int, int)
        ``(before, after)`` for every spatial dimension.

    Raises
    ------
    ValueError
        For an unknown padding string, negative padding, or ``'same'`` with
        a stride larger than 1 (the output could not keep the input size).
    """
    ndim = len(kernel_size)
    if isinstance(padding, str):
        if padding not in PADDING_MODES:
            raise ValueError(
                f"padding must be an int, a tuple of ints, 'valid' or 'same', got {padding!r}"
            )
        if padding == "valid":
            return ((0, 0),) * ndim
        if any(s != 1 for s in stride):
            raise ValueError(
                f"padding='same' requires stride 1 in every dimension, got stride={tuple(stride)}"
            )
        return tuple(
            same_padding(k, d) for k, d in zip(kernel_size, dilation)
        )  # type: ignore[return-value]
    return tuple((p, p) for p in nonnegative_tuple(padding, ndim, "padding"))


def conv_output_size(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
) -> int | tuple[int, ...]:
    """Output size of a convolution: ``floor((i + 2p - d(k-1) - 1) / s) + 1``.

    Parameters
    ----------
    input_size : int or tuple of int
        Input size ``i`` (per spatial dimension).
    kernel_size : int or tuple of int
        Kernel size ``k``.
    stride : int or tuple of int
        Stride ``s``.
    padding : int, tuple of int, 'valid' or 'same'
        Zero padding ``p`` added on *each* side, or a padding mode.
    dilation : int or tuple of int
        Dilation ``d``.

    Returns
    -------
    int or tuple of int
        The output size ``o``; an int when all arguments are ints.

    Raises
    ------
    TypeError
        For an argument that is not an int or a tuple of ints.
    ValueError
        If a size is not positive, the padding is negative, tuples have
        different lengths, or the dilated kernel does not fit in the padded
        input.

    Examples
    --------
    >>> conv_output_size(5, 3)                       # no padding, unit stride
    3
    >>> conv_output_size(5, 3, stride=2, padding=1)  # the floor: (5 + 2 - 3) / 2 + 1
    3
    >>> conv_output_size((32, 17), 3, padding='same')
    (32, 17)
    """
    ndim, is_tuple = spatial_ndim(
        1, input_size=input_size, kernel_size=kernel_size, stride=stride,
        padding=padding, dilation=dilation,
    )
    sizes = positive_tuple(input_size, ndim, "input_size")
    ks = positive_tuple(kernel_size, ndim, "kernel_size")
    ss = positive_tuple(stride, ndim, "stride")
    ds = positive_tuple(dilation, ndim, "dilation")
    pads = padding_pairs(padding, ks, ss, ds)
    out = []
    for axis, (n, kk, st, dd, (before, after)) in enumerate(zip(sizes, ks, ss, ds, pads)):
        padded = n + before + after
        span = dd * (kk - 1) + 1
        if span > padded:
            raise ValueError(
                f"kernel (effective size {span} = dilation {dd} * (kernel_size {kk} - 1) + 1) "
                f"is larger than the padded input ({padded}) in dimension {axis}"
            )
        out.append((padded - span) // st + 1)
    return _result(tuple(out), is_tuple)


def conv_transpose_output_size(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    *,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> int | tuple[int, ...]:
    """Output size of a transposed convolution.

    ``o = (i - 1) * s - 2p + d * (k - 1) + a + 1`` with ``a`` the
    ``output_padding``: the relation used by ``torch.nn.ConvTranspose2d``.
    ``output_padding`` picks one of the ``s`` input sizes that a strided
    convolution maps to the same output size, so it must be smaller than the
    stride or the dilation.

    Parameters
    ----------
    input_size : int or tuple of int
        Input size ``i`` of the transposed convolution.
    kernel_size : int or tuple of int
        Kernel size ``k``.
    stride : int or tuple of int
        Stride ``s`` (of the convolution this one transposes).
    padding : int or tuple of int
        Padding ``p``: rows/columns cropped from each side of the output.
    output_padding : int or tuple of int, keyword-only
        ``a``: extra rows/columns on one side of the output; smaller than
        ``stride`` or ``dilation``.
    dilation : int or tuple of int, keyword-only
        Dilation ``d``.  (Both are keyword-only so that nobody mixes up
        torch's order, ``output_padding`` before ``dilation``.)

    Returns
    -------
    int or tuple of int
        The output size ``o``; an int when all arguments are ints.

    Raises
    ------
    TypeError
        For an argument that is not an int or a tuple of ints.
    ValueError
        For non-positive sizes, negative paddings, ``output_padding`` not
        smaller than stride or dilation, or a padding that leaves no output.

    Examples
    --------
    >>> conv_transpose_output_size(3, 3, stride=2, padding=1)
    5
    >>> conv_transpose_output_size(3, 3, stride=2, padding=1, output_padding=1)
    6
    """
    ndim, is_tuple = spatial_ndim(
        1, input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation,
    )
    sizes = positive_tuple(input_size, ndim, "input_size")
    ks = positive_tuple(kernel_size, ndim, "kernel_size")
    ss = positive_tuple(stride, ndim, "stride")
    ps = nonnegative_tuple(padding, ndim, "padding")
    ds = positive_tuple(dilation, ndim, "dilation")
    ops = nonnegative_tuple(output_padding, ndim, "output_padding")
    out = []
    for axis, (n, kk, st, pp, dd, op) in enumerate(zip(sizes, ks, ss, ps, ds, ops)):
        if op >= max(st, dd):
            raise ValueError(
                f"output_padding must be smaller than either stride or dilation, "
                f"got output_padding={op}, stride={st}, dilation={dd} in dimension {axis}"
            )
        size = (n - 1) * st - 2 * pp + dd * (kk - 1) + op + 1
        if size < 1:
            raise ValueError(
                f"padding {pp} is too large: the output size would be {size} in dimension {axis}"
            )
        out.append(size)
    return _result(tuple(out), is_tuple)


def _per_layer(value: object, layers: int, name: str, minimum: int) -> tuple[int, ...]:
    """One int per layer: an int applies to every layer, a sequence must have one per layer.

    Unlike the per-dimension arguments of a convolution, a one-element
    sequence is *not* repeated: ``strides=[2]`` for a three-layer stack is
    almost certainly a mistake, so it is an error.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values: tuple[int, ...] = (int(value),) * layers
    else:
        if isinstance(value, np.ndarray) and value.ndim != 1:
            raise TypeError(f"{name} must be an int or a 1-d sequence of ints, got shape {value.shape}")
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
            raise TypeError(f"{name} must be an int or a sequence of ints (one per layer), got {value!r}")
        if len(value) != layers:
            raise ValueError(
                f"{name} must have {layers} value(s), one per layer, got {len(value)}: {value!r}"
            )
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value):
            raise TypeError(f"{name} must contain only ints, got {value!r}")
        values = tuple(int(v) for v in value)
    if any(v < minimum for v in values):
        rule = "positive (>= 1)" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"{name} must be {rule}, got {value!r}")
    return values


def _stack(
    kernel_sizes: object, strides: object, paddings: object, dilations: object
) -> list[tuple[int, int, int, int]]:
    """Check a stack of layers and return ``(k, s, p, d)`` per layer."""
    if isinstance(kernel_sizes, np.ndarray) and kernel_sizes.ndim == 1:
        kernel_sizes = list(kernel_sizes)
    if isinstance(kernel_sizes, (str, bytes)) or not isinstance(kernel_sizes, Sequence):
        raise TypeError(
            f"kernel_sizes must be a sequence of ints, one per layer, got {kernel_sizes!r}"
        )
    layers = len(kernel_sizes)
    ks = _per_layer(kernel_sizes, layers, "kernel_sizes", 1)
    ss = _per_layer(strides, layers, "strides", 1)
    ps = _per_layer(paddings, layers, "paddings", 0)
    ds = _per_layer(dilations, layers, "dilations", 1)
    return list(zip(ks, ss, ps, ds))


@dataclass(frozen=True)
class ReceptiveField:
    """Where the output of a layer looks in the input of the first layer (one axis).

    Output pixel ``j`` of the layer depends on input pixels
    ``start + j * jump`` to ``start + j * jump + size - 1`` (some of them
    may be zero padding, i.e. outside ``[0, input size)``; with dilation
    some inside the interval may be skipped, see :func:`sampled_positions`).

    Attributes
    ----------
    size : int
        Receptive field size ``r``: width of the interval.
    jump : int
        Distance, in input pixels, between the fields of two neighbouring
        output pixels (the product of the strides so far).
    start : int
        First input position of the field of output pixel 0 (negative
        when padding puts it to the left of the input).
    """

    size: int
    jump: int
    start: int

    @property
    def centre(self) -> float:
        """Centre of the field of output pixel 0: ``start + (size - 1) / 2``."""
        return self.start + (self.size - 1) / 2

    def interval(self, index: int) -> tuple[int, int]:
        """First and last input position (inclusive) of output pixel ``index``."""
        first = self.start + index * self.jump
        return first, first + self.size - 1


def receptive_fields(
    kernel_sizes: Sequence[int],
    strides: int | Sequence[int] = 1,
    paddings: int | Sequence[int] = 0,
    dilations: int | Sequence[int] = 1,
) -> list[ReceptiveField]:
    """Receptive field size, jump and position after every layer of a stack.

    Layer ``l`` (``l = 1 .. L``) has kernel ``k_l``, stride ``s_l``, zero
    padding ``p_l`` before the input and dilation ``d_l``; its effective
    kernel is ``kh_l = d_l (k_l - 1) + 1``.  Output pixel ``m`` of layer
    ``l`` reads pixels ``m s_l - p_l + t d_l`` (``t = 0 .. k_l - 1``) of
    layer ``l - 1``.  If pixel ``m`` of layer ``l - 1`` sees input
    pixels ``start_{l-1} + m j_{l-1}`` to ``... + r_{l-1} - 1``, the union
    over the taps gives, starting from ``r_0 = 1, j_0 = 1, start_0 = 0``:

    * ``j_l = j_{l-1} s_l``
    * ``r_l = r_{l-1} + (kh_l - 1) j_{l-1}``
    * ``start_l = start_{l-1} - p_l j_{l-1}``
    * centre ``c_l = start_l + (r_l - 1) / 2 = c_{l-1} + ((kh_l - 1) / 2 - p_l) j_{l-1}``

    Parameters
    ----------
    kernel_sizes : sequence of int
        Kernel size of each layer, first layer first (a max or average
        pooling layer has the same arithmetic: list its window).
    strides : int or sequence of int
        Stride of each layer; an int applies to every layer.
    paddings : int or sequence of int
        Zero padding *before* the input (left/top) of each layer: ``padding``
        of ``torch.nn.Conv2d``, or ``d (k - 1)`` for a causal layer.  The
        padding after the input only changes how many outputs there are, not
        where a field lies.
    dilations : int or sequence of int
        Dilation of each layer.

    Returns
    -------
    list of ReceptiveField
        One entry per layer: the field of that layer's outputs.

    Raises
    ------
    TypeError, ValueError
        If ``kernel_sizes`` is not a sequence, a value is not an int, is out
        of range, or a per-layer sequence does not have one value per layer
        (a one-element sequence is not repeated over the layers).

    Examples
    --------
    >>> [(f.size, f.jump, f.start) for f in receptive_fields([7, 3], [2, 2], [3, 1])]
    [(7, 2, -3), (11, 4, -5)]
    >>> receptive_fields([3, 3, 3], dilations=[1, 2, 4])[-1].size
    15
    """
    size, jump, start = 1, 1, 0
    fields = []
    for k, s, p, d in _stack(kernel_sizes, strides, paddings, dilations):
        span = d * (k - 1) + 1
        size += (span - 1) * jump
        start -= p * jump
        jump *= s
        fields.append(ReceptiveField(size=size, jump=jump, start=start))
    return fields


def receptive_field(
    kernel_sizes: Sequence[int],
    strides: int | Sequence[int] = 1,
    dilations: int | Sequence[int] = 1,
) -> int:
    """Receptive field size (along one axis) of a stack of convolutions.

    Layer ``l`` with kernel ``k_l``, dilation ``d_l`` widens the field by
    ``(k_l - 1) * d_l`` times the product of all earlier strides:

    ``r = 1 + sum_l (k_l - 1) * d_l * prod_{j<l} s_j``

    This is ``receptive_fields(...)[-1].size`` (1 for an empty stack); see
    :func:`receptive_fields` for the jump and position of the field.

    Parameters
    ----------
    kernel_sizes : sequence of int
        Kernel size of each layer, first layer first.
    strides, dilations : int or sequence of int
        Stride and dilation of each layer (an int applies to all layers).

    Examples
    --------
    >>> receptive_field([3, 3, 3])                  # three 3x3 convs see 7x7
    7
    >>> receptive_field([3, 3, 3], dilations=[1, 2, 4])
    15
    """
    fields = receptive_fields(kernel_sizes, strides, 0, dilations)
    return fields[-1].size if fields else 1


def _layer_sizes(input_size: int, stack: list[tuple[int, int, int, int]], name: str) -> list[int]:
    """Spatial size before every layer and after the last (one axis)."""
    sizes = [input_size]
    for layer, (k, s, p, d) in enumerate(stack, start=1):
        span = d * (k - 1) + 1
        padded = sizes[-1] + 2 * p
        if span > padded:
            raise ValueError(
                f"{name} {input_size} is too small for this stack: layer {layer} has an "
                f"effective kernel {span} but its padded input is only {padded}"
            )
        sizes.append((padded - span) // s + 1)
    return sizes


def _path_counts_1d(
    input_size: int, stack: list[tuple[int, int, int, int]], index: int | None, name: str
) -> np.ndarray:
    sizes = _layer_sizes(input_size, stack, name)
    out = sizes[-1]
    if index is None:
        index = out // 2
    if not isinstance(index, numbers.Integral) or isinstance(index, bool):
        raise TypeError(f"index must be an int (or a tuple of ints for a 2-d input), got {index!r}")
    if not 0 <= index < out:
        raise ValueError(f"index must be in [0, {out}) (the output size of the stack), got {index}")
    counts = np.zeros(out, dtype=np.int64)
    counts[index] = 1
    # walk down the stack: every tap of every reached pixel reaches one pixel below
    for (k, s, p, d), below in zip(reversed(stack), reversed(sizes[:-1])):
        reached = np.zeros(below, dtype=np.int64)
        for m in np.flatnonzero(counts):
            for t in range(k):
                position = m * s - p + t * d
                if 0 <= position < below:  # taps on zero padding reach nothing
                    reached[position] += counts[m]
        counts = reached
    return counts


def path_counts(
    input_size: int | Sequence[int],
    kernel_sizes: Sequence[int],
    strides: int | Sequence[int] = 1,
    paddings: int | Sequence[int] = 0,
    dilations: int | Sequence[int] = 1,
    index: int | Sequence[int] | None = None,
) -> np.ndarray:
    """How many paths lead from each input pixel to one output pixel of a stack.

    Every layer ``l`` is a convolution with kernel ``k_l``, stride ``s_l``,
    zero padding ``p_l`` on both sides and dilation ``d_l`` (a square kernel
    on every axis for a 2-d input).  Walking down from the output pixel,
    every tap of every reached pixel reaches one pixel of the layer below
    (taps on zero padding reach nothing).  The count is the gradient of the
    output pixel with respect to the input when every weight is 1, and its
    non-zero entries are the pixels the output actually reads.

    Parameters
    ----------
    input_size : int or (int, int)
        Input length (1-d) or height and width (2-d).
    kernel_sizes, strides, paddings, dilations : int or sequence of int
        One value per layer, as for :func:`receptive_fields` (here the
        padding is added on both sides, as by ``torch.nn.Conv2d``).
    index : int or (int, int), optional
        The output pixel; defaults to the middle one on every axis.

    Returns
    -------
    ndarray of int64, shape ``(input_size,)`` or ``(H, W)``
        In 2-d the outer product of the two 1-d counts (paths along the
        two axes combine independently).
    """
    stack = _stack(kernel_sizes, strides, paddings, dilations)
    if isinstance(input_size, (Sequence, np.ndarray)) and not isinstance(input_size, (str, bytes)):
        sizes = positive_tuple(tuple(input_size), len(input_size), "input_size")
        if len(sizes) != 2:
            raise ValueError(f"input_size must be an int or (H, W), got {input_size!r}")
        if index is None:
            index = (None, None)
        elif isinstance(index, (Sequence, np.ndarray)) and not isinstance(index, (str, bytes)):
            if len(index) != 2:
                raise ValueError(f"index must have 2 values for a 2-d input, got {index!r}")
        else:
            raise TypeError(f"index must be a tuple (row, column) for a 2-d input, got {index!r}")
        rows = _path_counts_1d(sizes[0], stack, index[0], "input_size")
        cols = _path_counts_1d(sizes[1], stack, index[1], "input_size")
        return np.outer(rows, cols)
    (size,) = positive_tuple(input_size, 1, "input_size")
    return _path_counts_1d(size, stack, index, "input_size")


def sampled_positions(
    input_size: int | Sequence[int],
    kernel_sizes: Sequence[int],
    strides: int | Sequence[int] = 1,
    paddings: int | Sequence[int] = 0,
    dilations: int | Sequence[int] = 1,
    index: int | Sequence[int] | None = None,
) -> np.ndarray:
    """Boolean mask of the input pixels that one output pixel of a stack reads.

    ``path_counts(...) > 0``; see :func:`path_counts` for the arguments.
    With dilation the mask can have holes inside the receptive field
    (the gridding effect); the bounding interval of the mask is the field
    of :func:`receptive_fields` clipped to the input.

    Examples
    --------
    >>> sampled_positions(9, [3, 3], dilations=2).astype(int)
    array([1, 0, 1, 0, 1, 0, 1, 0, 1])
    """
    return path_counts(input_size, kernel_sizes, strides, paddings, dilations, index) > 0


__all__ = [
    "PADDING_MODES",
    "ReceptiveField",
    "conv_output_size",
    "conv_transpose_output_size",
    "effective_kernel_size",
    "padding_pairs",
    "path_counts",
    "receptive_field",
    "receptive_fields",
    "same_padding",
    "sampled_positions",
]
