"""Convolution arithmetic: output sizes, padding and receptive fields.

The relations follow Dumoulin & Visin, *A guide to convolution arithmetic
for deep learning* (2016), extended with dilation as in
``torch.nn.Conv2d``.  For one spatial dimension with input size ``i``,
kernel size ``k``, stride ``s``, zero padding ``p`` on each side and
dilation ``d``:

* effective kernel size  ``k_eff = d * (k - 1) + 1``
* convolution output     ``o = floor((i + 2p - k_eff) / s) + 1``
* transposed convolution ``o = (i - 1) * s - 2p + k_eff + output_padding``

Every function accepts ints (one spatial dimension, or the same value for
all dimensions) or tuples (one value per dimension); it returns an int when
every argument is an int, and a tuple otherwise.
"""

from __future__ import annotations

from typing import Sequence, Union

from .arguments import (
    IntOrTuple,
    nonnegative_tuple,
    positive_tuple,
)

Padding = Union[int, Sequence[int], str]

PADDING_MODES = ("valid", "same")


def _ndim_of(*values: object) -> tuple[int, bool]:
    """Number of dimensions implied by the arguments, and whether any is a tuple."""
    lengths = {len(v) for v in values if isinstance(v, (tuple, list))}
    if len(lengths) > 1:
        raise ValueError(
            f"tuple arguments must all have the same length, got lengths {sorted(lengths)}"
        )
    return (lengths.pop(), True) if lengths else (1, False)


def _result(values: tuple[int, ...], as_tuple_: bool) -> int | tuple[int, ...]:
    return values if as_tuple_ else values[0]


def effective_kernel_size(k: IntOrTuple, d: IntOrTuple = 1) -> int | tuple[int, ...]:
    """Extent of a dilated kernel: ``d * (k - 1) + 1``.

    Parameters
    ----------
    k : int or tuple of int
        Kernel size.
    d : int or tuple of int
        Dilation (1 means no holes between taps).

    Examples
    --------
    >>> effective_kernel_size(3, d=2)
    5
    """
    ndim, is_tuple = _ndim_of(k, d)
    ks = positive_tuple(k, ndim, "kernel_size")
    ds = positive_tuple(d, ndim, "dilation")
    return _result(tuple(di * (ki - 1) + 1 for ki, di in zip(ks, ds)), is_tuple)


def same_padding(
    k: IntOrTuple, d: IntOrTuple = 1
) -> tuple[int, int] | tuple[tuple[int, int], ...]:
    """Zero padding ``(before, after)`` that keeps the size at stride 1.

    The total padding is ``d * (k - 1)``.  When it is odd (an even kernel with
    odd dilation) the extra zero goes *after* the input, exactly as
    ``torch.nn.functional.conv2d(..., padding='same')`` does.

    Returns
    -------
    (before, after) for an int kernel, or a tuple of such pairs, one per
    dimension, for a tuple kernel.

    Examples
    --------
    >>> same_padding(3)
    (1, 1)
    >>> same_padding(4)
    (1, 2)
    >>> same_padding((3, 2), d=(2, 1))
    ((2, 2), (0, 1))
    """
    ndim, is_tuple = _ndim_of(k, d)
    ks = positive_tuple(k, ndim, "kernel_size")
    ds = positive_tuple(d, ndim, "dilation")
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
    i: IntOrTuple,
    k: IntOrTuple,
    s: IntOrTuple = 1,
    p: Padding = 0,
    d: IntOrTuple = 1,
) -> int | tuple[int, ...]:
    """Output size of a convolution: ``floor((i + 2p - d(k-1) - 1) / s) + 1``.

    Parameters
    ----------
    i : int or tuple of int
        Input size (per spatial dimension).
    k : int or tuple of int
        Kernel size.
    s : int or tuple of int
        Stride.
    p : int, tuple of int, 'valid' or 'same'
        Zero padding added on *each* side, or a padding mode.
    d : int or tuple of int
        Dilation.

    Returns
    -------
    int or tuple of int
        The output size; an int when all arguments are ints.

    Raises
    ------
    ValueError
        If a size is not positive, the padding is negative, or the dilated
        kernel does not fit in the padded input.

    Examples
    --------
    >>> conv_output_size(5, 3)            # no padding, unit stride
    3
    >>> conv_output_size(5, 3, s=2, p=1)  # the floor: (5 + 2 - 3) / 2 + 1
    3
    >>> conv_output_size((32, 17), 3, p='same')
    (32, 17)
    """
    ndim, is_tuple = _ndim_of(i, k, s, p if not isinstance(p, str) else 0, d)
    sizes = positive_tuple(i, ndim, "input size")
    ks = positive_tuple(k, ndim, "kernel_size")
    ss = positive_tuple(s, ndim, "stride")
    ds = positive_tuple(d, ndim, "dilation")
    pads = padding_pairs(p, ks, ss, ds)
    out = []
    for axis, (n, kk, st, dd, (before, after)) in enumerate(zip(sizes, ks, ss, ds, pads)):
        padded = n + before + after
        span = dd * (kk - 1) + 1
        if span > padded:
            raise ValueError(
                f"kernel (effective size {span} = dilation {dd} * (kernel {kk} - 1) + 1) "
                f"is larger than the padded input ({padded}) in dimension {axis}"
            )
        out.append((padded - span) // st + 1)
    return _result(tuple(out), is_tuple)


def conv_transpose_output_size(
    i: IntOrTuple,
    k: IntOrTuple,
    s: IntOrTuple = 1,
    p: IntOrTuple = 0,
    d: IntOrTuple = 1,
    output_padding: IntOrTuple = 0,
) -> int | tuple[int, ...]:
    """Output size of a transposed convolution.

    ``o = (i - 1) * s - 2p + d * (k - 1) + output_padding + 1``, the
    relation used by ``torch.nn.ConvTranspose2d``.  ``output_padding`` picks
    one of the ``s`` input sizes that a strided convolution maps to the same
    output size, so it must be smaller than the stride or the dilation.

    Examples
    --------
    >>> conv_transpose_output_size(3, 3, s=2, p=1)
    5
    >>> conv_transpose_output_size(3, 3, s=2, p=1, output_padding=1)
    6
    """
    ndim, is_tuple = _ndim_of(i, k, s, p, d, output_padding)
    sizes = positive_tuple(i, ndim, "input size")
    ks = positive_tuple(k, ndim, "kernel_size")
    ss = positive_tuple(s, ndim, "stride")
    ps = nonnegative_tuple(p, ndim, "padding")
    ds = positive_tuple(d, ndim, "dilation")
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
