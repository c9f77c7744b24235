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

from typing import Sequence, Union

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


def receptive_field(
    kernel_sizes: Sequence[int],
    strides: int | Sequence[int] = 1,
    dilations: int | Sequence[int] = 1,
) -> int:
    """Receptive field (along one axis) of a stack of convolutions.

    Layer ``l`` with kernel ``k_l``, dilation ``d_l`` widens the field by
    ``(k_l - 1) * d_l`` times the product of all earlier strides:

    ``r = 1 + sum_l (k_l - 1) * d_l * prod_{j<l} s_j``

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
    if isinstance(kernel_sizes, (str, bytes)) or not isinstance(kernel_sizes, Sequence):
        raise TypeError(f"kernel_sizes must be a sequence of ints, got {kernel_sizes!r}")
    layers = len(kernel_sizes)
    if layers == 0:
        return 1
    for name, value in (("strides", strides), ("dilations", dilations)):
        if isinstance(value, Sequence) and len(value) != layers:
            raise ValueError(
                f"{name} must have {layers} values, one per layer, got {value!r}"
            )
    ks = positive_tuple(tuple(kernel_sizes), layers, "kernel_sizes")
    ss = positive_tuple(strides, layers, "strides")
    ds = positive_tuple(dilations, layers, "dilations")
    field, jump = 1, 1
    for k, s, d in zip(ks, ss, ds):
        field += (k - 1) * d * jump
        jump *= s
    return field


__all__ = [
    "PADDING_MODES",
    "conv_output_size",
    "conv_transpose_output_size",
    "effective_kernel_size",
    "padding_pairs",
    "receptive_field",
    "same_padding",
]
