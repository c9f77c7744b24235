"""Cost of a convolution layer: parameters and multiply-adds.

For a layer with ``C_in`` input and ``C_out`` output channels, kernel
``K_1 x ... x K_n``, ``groups`` groups and an output of ``O_1 x ... x O_n``
positions:

* parameters    ``C_out * (C_in / groups) * prod(K) + C_out`` (bias)
* multiply-adds ``prod(O) * C_out * (C_in / groups) * prod(K)``

With one group, a ``K x K`` kernel and an output of ``H_out x W_out``
these are ``C_out (C_in K^2 + 1)`` and ``C_in H_out W_out K^2 C_out``; blog
posts often write them ``N (C K^2 + 1)`` and ``C H W K^2 N``, with ``N`` the
number of kernels and ``H x W`` the (stride 1, 'same') output.  A
floating-point operation counter such as
``torch.utils.flop_counter.FlopCounterMode`` reports ``2 x`` multiply-adds
(one multiply and one add each) and leaves out the bias.
"""

from __future__ import annotations

import math

from .arguments import IntOrTuple, positive_int, positive_tuple


def _spatial(value: IntOrTuple, ndim: int | None, name: str) -> tuple[int, ...]:
    if isinstance(value, (tuple, list)):
        if ndim is not None and len(value) != ndim:
            raise ValueError(f"{name} must have {ndim} values, got {value!r}")
        return positive_tuple(tuple(value), len(value), name)
    return positive_tuple(value, ndim or 2, name)


def _check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"groups ({groups}) must divide in_channels ({in_channels}) "
            f"and out_channels ({out_channels})"
        )


def conv_parameters(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    groups: int = 1,
    bias: bool = True,
    ndim: int = 2,
) -> int:
    """Number of learnable parameters of a convolution layer.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or tuple of int
        An int means a cube kernel with ``ndim`` sides (``3`` and ``ndim=2``
        is ``3 x 3``, as in ``torch.nn.Conv2d``).
    groups : int
    bias : bool
    ndim : int
        Spatial dimensions when ``kernel_size`` is an int.

    Examples
    --------
    >>> conv_parameters(3, 64, 3)   # 64 * (3 * 9 + 1)
    1792
    """
    c_in = positive_int(in_channels, "in_channels")
    c_out = positive_int(out_channels, "out_channels")
    g = positive_int(groups, "groups")
    _check_groups(c_in, c_out, g)
    kernel = _spatial(kernel_size, ndim if not isinstance(kernel_size, (tuple, list)) else None, "kernel_size")
    return c_out * (c_in // g) * math.prod(kernel) + (c_out if bias else 0)


def conv_multiply_adds(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    output_size: IntOrTuple,
    groups: int = 1,
    ndim: int = 2,
) -> int:
    """Multiply-accumulate operations of one forward pass (batch of one).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or tuple of int
    output_size : int or tuple of int
        Spatial size of the *output* (``H_out x W_out``), e.g. from
        :func:`~convkit.arithmetic.conv_output_size`.
    groups : int
    ndim : int
        Spatial dimensions for int ``kernel_size``/``output_size``.

    Examples
    --------
    >>> conv_multiply_adds(64, 64, 3, 56)   # 56*56 * 64 * 64 * 9
    115605504
    """
    c_in = positive_int(in_channels, "in_channels")
    c_out = positive_int(out_channels, "out_channels")
    g = positive_int(groups, "groups")
    _check_groups(c_in, c_out, g)
    tuple_given = [v for v in (kernel_size, output_size) if isinstance(v, (tuple, list))]
    dims = len(tuple_given[0]) if tuple_given else ndim
    kernel = _spatial(kernel_size, dims, "kernel_size")
    out = _spatial(output_size, dims, "output_size")
    return math.prod(out) * c_out * (c_in // g) * math.prod(kernel)


__all__ = ["conv_multiply_adds", "conv_parameters"]
