r"""The cost of a convolution layer: parameters, multiply-adds and bytes moved.

One model for every layer type in the book.  A layer with ``C_in`` input
and ``C_out`` output channels, ``groups`` groups, a kernel of
``K = k_1 x ... x k_n`` taps, an input of ``I = i_1 x ... x i_n`` positions
and an output of ``O = o_1 x ... x o_n`` positions (from
:func:`~convkit.arithmetic.conv_output_size`), on a batch of ``N`` images,
costs

* **parameters**    ``C_out (C_in / groups) prod(K)`` weights, plus ``C_out``
  biases when ``bias=True``;
* **multiply-adds** ``N prod(O) C_out (C_in / groups) prod(K)``: every output
  value is a dot product of length ``(C_in / groups) prod(K)``.  The bias
  additions are *not* counted, which is the convention of
  ``torch.utils.flop_counter.FlopCounterMode`` (it reports ``2`` FLOPs per
  multiply-add and leaves out the bias);
* **bytes moved**   ``itemsize`` times the number of elements that cross the
  memory bus if every tensor is read or written exactly once: the weights
  and bias read once (``weight_bytes``, once per batch, not per image), the
  input read once (``input_bytes = N C_in prod(I) itemsize``) and the output
  written once (``output_bytes = N C_out prod(O) itemsize``).  This is the
  traffic of an ideal implementation with an unlimited cache, so it is a lower
  bound on real memory traffic: zero padding is virtual (never stored),
  im2col buffers and re-reads of the input by overlapping windows are not
  counted.

A transposed convolution has the weight shape ``(C_in, C_out / groups, *K)``
(the same number of weights) and ``N prod(I) C_in (C_out / groups) prod(K)``
multiply-adds: every input value is multiplied by every weight of its group
and scattered into the output, including the products that land on the
``padding`` rows that are cropped away.  ``FlopCounterMode`` counts the same.

A layer made of several stages (depthwise separable, spatially separable,
flattened, deformable with its offset branch) is the sum of its stages, ``Cost.__add__``: the intermediate
tensor between two stages is written once by the first stage (in its
``output_bytes``) and read once by the second (in its ``input_bytes``), as
when the stages run as separate layers, like ``torch.nn.Sequential``.  Each
stage has its own bias when ``bias=True``, as two ``torch.nn.Conv2d`` layers
have (Keras' ``SeparableConv2D`` has one bias, after the pointwise stage).
A channel shuffle moves data without arithmetic (:func:`channel_shuffle_cost`):
a shuffled grouped layer is ``conv_cost(..., groups=g) + channel_shuffle_cost(...)``.

Every function takes the keyword arguments ``bias=True`` (count a bias per
stage; not for the shuffle, which has no weights), ``batch=1`` (``N``) and
``itemsize=4`` (bytes per element: 4 for float32, 8 for float64, 2 for float16).  Spatial sizes follow the array-like
rule of :mod:`convkit.arguments`: an int means the same value in every
dimension and a tuple gives one value per dimension; the number of spatial
dimensions is the length of the tuple arguments, and 2 when all are ints.

Examples
--------
A 3 x 3 convolution from 64 to 128 channels on a 56 x 56 image, and its
depthwise separable replacement:

>>> standard = conv_cost(64, 128, 3, 56, padding=1)
>>> standard.parameters, standard.multiply_adds
(73856, 231211008)
>>> separable = depthwise_separable_cost(64, 128, 3, 56, padding=1)
>>> separable.parameters, separable.multiply_adds
(8960, 27496448)
>>> round(separable.multiply_adds / standard.multiply_adds, 4)   # 1/128 + 1/9
0.1189
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from .arguments import (
    IntOrTuple,
    as_tuple,
    check_bool,
    positive_int,
    positive_tuple,
    spatial_ndim,
)
from .arithmetic import Padding, conv_output_size, conv_transpose_output_size


@dataclass(frozen=True)
class Cost:
    """Parameters, multiply-adds and bytes moved by a layer (or a sequence of layers).

    Attributes
    ----------
    parameters : int
        Learnable values (weights and biases).
    multiply_adds : int
        Multiply-accumulate operations of one forward pass over the batch
        (one multiply and one add each; bias additions not counted).
    weight_bytes : int
        Bytes of the weights and biases, read once.
    input_bytes : int
        Bytes of the input tensor(s), read once.
    output_bytes : int
        Bytes of the output tensor(s), written once.

    Adding two costs gives the cost of running the layers one after the
    other: every field is summed, so the tensor between them counts as
    written once (output of the first) and read once (input of the second).

    Examples
    --------
    >>> a = Cost(parameters=10, multiply_adds=100, weight_bytes=40, input_bytes=16, output_bytes=8)
    >>> (a + a).bytes_moved
    128
    >>> a.arithmetic_intensity   # multiply-adds per byte moved
    1.5625
    """

    parameters: int
    multiply_adds: int
    weight_bytes: int
    input_bytes: int
    output_bytes: int

    @property
    def bytes_moved(self) -> int:
        """``weight_bytes + input_bytes + output_bytes``."""
        return self.weight_bytes + self.input_bytes + self.output_bytes

    @property
    def arithmetic_intensity(self) -> float:
        """Multiply-adds per byte moved, ``multiply_adds / bytes_moved``.

        High values mean the layer is limited by arithmetic, low values by
        memory bandwidth (the roofline model).
        """
        return self.multiply_adds / self.bytes_moved

    def __add__(self, other: Cost) -> Cost:
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def __radd__(self, other: object) -> Cost:
        # lets the built-in sum() start from 0
        if other == 0:
            return self
        return NotImplemented


def _channels(in_channels: object, out_channels: object, groups: object) -> tuple[int, int, int]:
    c_in = positive_int(in_channels, "in_channels")
    c_out = positive_int(out_channels, "out_channels")
    g = positive_int(groups, "groups")
    if c_in % g or c_out % g:
        raise ValueError(
            f"groups ({g}) must divide in_channels ({c_in}) and out_channels ({c_out})"
        )
    return c_in, c_out, g


def _options(bias: object, batch: object, itemsize: object) -> tuple[bool, int, int]:
    return (
        check_bool(bias, "bias"),
        positive_int(batch, "batch"),
        positive_int(itemsize, "itemsize"),
    )


def _weight_count(c_in: int, c_out: int, kernel: tuple[int, ...], groups: int) -> int:
    """Weights of a (transposed) convolution, without bias: ``C_out (C_in/g) prod(K)``."""
    return c_out * (c_in // groups) * math.prod(kernel)


def _layer(
    c_in: int,
    c_out: int,
    kernel: tuple[int, ...],
    groups: int,
    input_size: tuple[int, ...],
    output_size: tuple[int, ...],
    bias: bool,
    batch: int,
    itemsize: int,
) -> Cost:
    """The model for one convolution, every argument already checked."""
    weights = _weight_count(c_in, c_out, kernel, groups)
    parameters = weights + (c_out if bias else 0)
    return Cost(
        parameters=parameters,
        # C_out dot products of length (C_in/g) prod(K) per output position
        multiply_adds=batch * math.prod(output_size) * weights,
        weight_bytes=parameters * itemsize,
        input_bytes=batch * c_in * math.prod(input_size) * itemsize,
        output_bytes=batch * c_out * math.prod(output_size) * itemsize,
    )


def _conv(
    in_channels: object,
    out_channels: object,
    kernel_size: object,
    input_size: object,
    stride: object,
    padding: object,
    dilation: object,
    groups: object,
    bias: object,
    batch: object,
    itemsize: object,
) -> tuple[Cost, tuple[int, ...]]:
    """Cost and output size of one convolution (shared by every public function)."""
    c_in, c_out, g = _channels(in_channels, out_channels, groups)
    bias_, n, size = _options(bias, batch, itemsize)
    ndim, _ = spatial_ndim(
        2, kernel_size=kernel_size, input_size=input_size, stride=stride,
        padding=padding, dilation=dilation,
    )
    kernel = positive_tuple(kernel_size, ndim, "kernel_size")
    inputs = positive_tuple(input_size, ndim, "input_size")
    pads = padding if isinstance(padding, str) else as_tuple(padding, ndim, "padding")
    outputs = conv_output_size(
        inputs, kernel, as_tuple(stride, ndim, "stride"), pads, as_tuple(dilation, ndim, "dilation")
    )
    return _layer(c_in, c_out, kernel, g, inputs, outputs, bias_, n, size), outputs


def conv_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    input_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    *,
    bias: bool = True,
    batch: int = 1,
    itemsize: int = 4,
) -> Cost:
    """Cost of a standard (or grouped) convolution, ``torch.nn.Conv{1,2,3}d``.

    ``parameters = C_out (C_in/g) prod(K) + C_out``,
    ``multiply_adds = N prod(O) C_out (C_in/g) prod(K)``,
    bytes as in the module docstring.

    Parameters
    ----------
    in_channels, out_channels : int
        ``C_in`` and ``C_out``; both divisible by ``groups``.
    kernel_size : int or tuple of int
        ``K``.
    input_size : int or tuple of int
        Spatial size of the input, ``I`` (``H x W`` for an image).
    stride, dilation : int or tuple of int
    padding : int, tuple of int, 'valid' or 'same'
        As for :func:`~convkit.conv.conv2d`.
    groups : int
        ``g``; ``groups = C_in`` is a depthwise convolution.
    bias : bool
        Whether the layer has a bias.
    batch : int
        Images per forward pass, ``N``.
    itemsize : int
        Bytes per element.

    Returns
    -------
    Cost

    Raises
    ------
    TypeError, ValueError
        For a bad argument (named in the message), groups that do not divide
        the channels, or a kernel larger than the padded input.

    Examples
    --------
    >>> cost = conv_cost(3, 64, 3, 224, padding=1)   # the first layer of VGG
    >>> cost.parameters, cost.multiply_adds          # 64 (3 * 9 + 1), 224^2 * 64 * 27
    (1792, 86704128)
    >>> cost.input_bytes, cost.output_bytes          # float32: 3 and 64 planes of 224^2
    (602112, 12845056)
    >>> conv_cost(16, 32, (3, 5), (20, 30), groups=4, bias=False).parameters  # 32 * 4 * 15
    1920
    """
    cost, _ = _conv(
        in_channels, out_channels, kernel_size, input_size, stride, padding, dilation,
        groups, bias, batch, itemsize,
    )
    return cost


def transposed_conv_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    input_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    *,
    bias: bool = True,
    batch: int = 1,
    itemsize: int = 4,
) -> Cost:
    """Cost of a transposed convolution, ``torch.nn.ConvTranspose{1,2,3}d``.

    The weight has shape ``(C_in, C_out/g, *K)``:
    ``parameters = C_in (C_out/g) prod(K) + C_out``;
    every *input* value meets every weight of its group,
    ``multiply_adds = N prod(I) C_in (C_out/g) prod(K)`` (products that fall
    on cropped ``padding`` positions included, as ``FlopCounterMode`` counts
    them).  The output size ``O`` is
    :func:`~convkit.arithmetic.conv_transpose_output_size`.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, input_size, stride, dilation, groups
        As for :func:`conv_cost`.
    padding : int or tuple of int
        Rows and columns cropped from each side of the output.
    output_padding : int or tuple of int
        Extra rows/columns on one side of the output (smaller than stride
        or dilation).
    bias, batch, itemsize
        As for :func:`conv_cost`.

    Returns
    -------
    Cost

    Examples
    --------
    >>> up = transposed_conv_cost(64, 32, 4, 28, stride=2, padding=1)  # 28 -> 56
    >>> up.parameters, up.multiply_adds    # 64 * 32 * 16 + 32, 28^2 * 64 * 32 * 16
    (32800, 25690112)
    >>> up.output_bytes == 32 * 56 * 56 * 4
    True
    """
    c_in, c_out, g = _channels(in_channels, out_channels, groups)
    bias_, n, size = _options(bias, batch, itemsize)
    ndim, _ = spatial_ndim(
        2, kernel_size=kernel_size, input_size=input_size, stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation,
    )
    kernel = positive_tuple(kernel_size, ndim, "kernel_size")
    inputs = positive_tuple(input_size, ndim, "input_size")
    outputs = conv_transpose_output_size(
        inputs,
        kernel,
        as_tuple(stride, ndim, "stride"),
        as_tuple(padding, ndim, "padding"),
        output_padding=as_tuple(output_padding, ndim, "output_padding"),
        dilation=as_tuple(dilation, ndim, "dilation"),
    )
    # weights (C_in, C_out/g, *K): count them with the roles of the channels swapped
    weights = _weight_count(c_out, c_in, kernel, g)
    parameters = weights + (c_out if bias_ else 0)
    return Cost(
        parameters=parameters,
        multiply_adds=n * math.prod(inputs) * weights,
        weight_bytes=parameters * size,
        input_bytes=n * c_in * math.prod(inputs) * size,
        output_bytes=n * c_out * math.prod(outputs) * size,
    )


def pointwise_cost(
    in_channels: int,
    out_channels: int,
    input_size: IntOrTuple,
    groups: int = 1,
    *,
    bias: bool = True,
    batch: int = 1,
    itemsize: int = 4,
) -> Cost:
    """Cost of a pointwise (1 x 1) convolution, optionally grouped.

    ``parameters = C_out C_in / g + C_out``,
    ``multiply_adds = N prod(I) C_out C_in / g`` (the output has the input's
    size): a ``C_out x C_in/g`` matrix product at every pixel.

    Parameters
    ----------
    in_channels, out_channels, groups
        As for :func:`conv_cost`.
    input_size : int or tuple of int
        Spatial size of the input (and of the output).
    bias, batch, itemsize
        As for :func:`conv_cost`.

    Returns
    -------
    Cost

    Examples
    --------
    >>> cost = pointwise_cost(256, 64, 56)   # a ResNet bottleneck's reduction
    >>> cost.parameters, cost.multiply_adds  # 64 * 257, 56^2 * 64 * 256
    (16448, 51380224)
    >>> pointwise_cost(240, 60, 28, groups=3).parameters   # ShuffleNet: 60 * 80 + 60
    4860
    """
    return conv_cost(
        in_channels, out_channels, 1, input_size, groups=groups,
        bias=bias, batch=batch, itemsize=itemsize,
    )


def depthwise_cost(
    channels: int,
    kernel_size: IntOrTuple,
    input_size: IntOrTuple,
    multiplier: int = 1,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    *,
    bias: bool = True,
    batch: int = 1,
    itemsize: int = 4,
) -> Cost:
    """Cost of a depthwise convolution: ``groups = C``, ``C_out = m C``.

    Each of the ``C`` channels is filtered on its own by ``m`` (the channel
    multiplier) kernels: weight shape ``(m C, 1, *K)``,
    ``parameters = m C prod(K) + m C``,
    ``multiply_adds = N prod(O) m C prod(K)``.

    Parameters
    ----------
    channels : int
        ``C``, input channels.
    kernel_size, input_size, stride, padding, dilation
        As for :func:`conv_cost`.
    multiplier : int
        ``m``; the output has ``m C`` channels.
    bias, batch, itemsize
        As for :func:`conv_cost`.

    Returns
    -------
    Cost

    Examples
    --------
    >>> cost = depthwise_cost(32, 3, 112, padding=1)
    >>> cost.parameters, cost.multiply_adds   # 32 * 10, 112^2 * 32 * 9
    (320, 3612672)
    >>> depthwise_cost(32, 3, 112, multiplier=2, bias=False).parameters   # 64 * 9
    576
    """
    c = positive_int(channels, "channels")
    m = positive_int(multiplier, "multiplier")
    return conv_cost(
        c, m * c, kernel_size, input_size, stride, padding, dilation, groups=c,
        bias=bias, batch=batch, itemsize=itemsize,
    )


def depthwise_separable_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    input_size: IntOrTuple,
    multiplier: int = 1,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    *,
    bias: bool = True,
    batch: int = 1,
    itemsize: int = 4,
) -> Cost:
    """Cost of a depthwise separable convolution: depthwise, then pointwise.

    The sum of :func:`depthwise_cost` ``(C_in, K, I, m, ...)`` and
    :func:`pointwise_cost` ``(m C_in, C_out, O)``.  Without bias and with
    ``m = 1`` the ratio to a standard convolution with the same output is

    .. math:: \\frac{C_{in} k^2 + C_{in} C_{out}}{C_{in} k^2 C_{out}}
              = \\frac{1}{C_{out}} + \\frac{1}{k^2}

    for parameters and multiply-adds alike (``k^2`` meaning ``prod(K)``).

    Parameters
    ----------
    in_channels, out_channels
        ``C_in`` and ``C_out``.
    kernel_size, input_size, stride, padding, dilation
        Of the depthwise stage, as for :func:`conv_cost`.
    multiplier : int
        Channel multiplier ``m`` of the depthwise stage.
    bias : bool
        A bias on *each* stage (as ``nn.Sequential`` of two ``nn.Conv2d``).
    batch, itemsize
        As for :func:`conv_cost`; the intermediate tensor of ``m C_in``
        channels is written once and read once.

    Returns
    -------
    Cost

    Examples
    --------
    >>> cost = depthwise_separable_cost(32, 64, 3, 112, padding=1, bias=False)
    >>> cost.parameters, 32 * 9 + 32 * 64
    (2336, 2336)
    >>> standard = conv_cost(32, 64, 3, 112, padding=1, bias=False)
    >>> cost.multiply_adds / standard.multiply_adds == 1 / 64 + 1 / 9
    True
    """
    c_in = positive_int(in_channels, "in_channels")
    m = positive_int(multiplier, "multiplier")
    depthwise, out = _conv(
        c_in, m * c_in, kernel_size, input_size, stride, padding, dilation, c_in,
        bias, batch, itemsize,
    )
    pointwise = conv_cost(
        m * c_in, out_channels, 1, out, bias=bias, batch=batch, itemsize=itemsize
    )
    return depthwise + pointwise


def channel_shuffle_cost(
    channels: int,
    input_size: IntOrTuple,
    groups: int,
    *,
    batch: int = 1,
    itemsize: int = 4,
) -> Cost:
    """Cost of a channel shuffle (ShuffleNet), ``torch.nn.ChannelShuffle``.

    A permutation of the channels: no parameters and no multiply-adds, but
    the tensor is read once and written once (torch's ``channel_shuffle``
    returns a new tensor, not a view), so
    ``input_bytes = output_bytes = N C prod(I) itemsize``.  Added to the cost
    of a grouped convolution it gives a shuffled grouped layer.

    Parameters
    ----------
    channels : int
        ``C``; divisible by ``groups``.
    input_size : int or tuple of int
        Spatial size of the tensor (unchanged by the shuffle).
    groups : int
        ``g``.
    batch, itemsize
        As for :func:`conv_cost` (there is no bias).

    Returns
    -------
    Cost

    Examples
    --------
    >>> cost = channel_shuffle_cost(240, 28, groups=3)
    >>> cost.parameters, cost.multiply_adds, cost.bytes_moved   # 2 * 240 * 28^2 * 4
    (0, 0, 1505280)
    """
    c = positive_int(channels, "channels")
    g = positive_int(groups, "groups")
    if c % g:
        raise ValueError(f"groups ({g}) must divide channels ({c})")
    n = positive_int(batch, "batch")
    size = positive_int(itemsize, "itemsize")
    ndim, _ = spatial_ndim(2, input_size=input_size)
    inputs = positive_tuple(input_size, ndim, "input_size")
    tensor = n * c * math.prod(inputs) * size
    return Cost(parameters=0, multiply_adds=0, weight_bytes=0, input_bytes=tensor, output_bytes=tensor)


def _pair(value: object, name: str) -> tuple[int, int]:
    return as_tuple(value, 2, name)  # type: ignore[return-value]


def spatially_separable_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    input_size: IntOrTuple,
    mid_channels: int | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    *,
    bias: bool = True,
    batch: int = 1,
    itemsize: int = 4,
) -> Cost:
    """Cost of a spatially separable pair: a ``k_h x 1`` then a ``1 x k_w`` convolution.

    The first layer (``C_in -> C_mid``, kernel ``(k_h, 1)``, stride
    ``(s_h, 1)``, padding ``(p_h, 0)``) filters along the height, the second
    (``C_mid -> C_out``, kernel ``(1, k_w)``, stride ``(1, s_w)``, padding
    ``(0, p_w)``) along the width; together they have the output size of one
    ``k_h x k_w`` convolution with stride ``(s_h, s_w)`` and padding
    ``(p_h, p_w)``, and compute one exactly when each kernel is rank 1 (an
    outer product of a column and a row).  Without bias:
    ``parameters = C_mid C_in k_h + C_out C_mid k_w``, i.e. ``2 k C^2``
    instead of ``k^2 C^2`` when every channel count is ``C``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
        ``(k_h, k_w)`` of the full kernel that the pair replaces.
    input_size : int or (int, int)
        ``H x W`` of the input.
    mid_channels : int, optional
        Channels between the two layers; ``None`` means ``out_channels``
        (as in Inception-v3's ``n x 1`` / ``1 x n`` factorisation).
    stride : int or (int, int)
    padding : int, (int, int), 'valid' or 'same'
        ``'same'`` and ``'valid'`` apply to both layers.
    bias, batch, itemsize
        As for :func:`conv_cost`; a bias on each layer.

    Returns
    -------
    Cost

    Examples
    --------
    >>> pair = spatially_separable_cost(64, 64, 7, 17, padding=3, bias=False)
    >>> full = conv_cost(64, 64, 7, 17, padding=3, bias=False)
    >>> pair.parameters, full.parameters          # 2 * 7 * 64^2 vs 49 * 64^2
    (57344, 200704)
    >>> pair.multiply_adds * 7 == full.multiply_adds * 2
    True
    """
    kh, kw = _pair(kernel_size, "kernel_size")
    size = _pair(input_size, "input_size")
    sh, sw = _pair(stride, "stride")
    c_mid = out_channels if mid_channels is None else positive_int(mid_channels, "mid_channels")
    if isinstance(padding, str):
        first_padding = second_padding = padding
    else:
        ph, pw = _pair(padding, "padding")
        first_padding, second_padding = (ph, 0), (0, pw)
    options = dict(bias=bias, batch=batch, itemsize=itemsize)
    vertical, middle = _conv(
        in_channels, c_mid, (kh, 1), size, (sh, 1), first_padding, 1, 1, **options
    )
    horizontal = conv_cost(c_mid, out_channels, (1, kw), middle, (1, sw), second_padding, **options)
    return vertical + horizontal


def flattened_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    input_size: IntOrTuple,
    padding: Padding = 0,
    *,
    bias: bool = True,
    batch: int = 1,
    itemsize: int = 4,
) -> Cost:
    """Cost of a flattened convolution (Jin et al.): channel, vertical, horizontal.

    Three 1-D filters in sequence replace a ``C_in x k_h x k_w`` filter: a
    pointwise convolution ``C_in -> C_out`` (along the channels), then a
    depthwise ``k_h x 1`` and a depthwise ``1 x k_w`` convolution on the
    ``C_out`` channels.  Without bias:
    ``parameters = C_out (C_in + k_h + k_w)`` instead of
    ``C_out C_in k_h k_w``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
        ``(k_h, k_w)``.
    input_size : int or (int, int)
        ``H x W``.
    padding : int, (int, int), 'valid' or 'same'
        ``(p_h, p_w)``: ``p_h`` on the vertical stage, ``p_w`` on the
        horizontal one (a string applies to both).
    bias, batch, itemsize
        As for :func:`conv_cost`; a bias on each of the three stages.

    Returns
    -------
    Cost

    Examples
    --------
    >>> cost = flattened_cost(64, 128, 3, 32, padding=1, bias=False)
    >>> cost.parameters, 128 * (64 + 3 + 3)
    (8960, 8960)
    >>> cost.multiply_adds == 32 * 32 * 128 * (64 + 3 + 3)
    True
    """
    c_out = positive_int(out_channels, "out_channels")
    kh, kw = _pair(kernel_size, "kernel_size")
    size = _pair(input_size, "input_size")
    if isinstance(padding, str):
        vertical_padding = horizontal_padding = padding
    else:
        ph, pw = _pair(padding, "padding")
        vertical_padding, horizontal_padding = (ph, 0), (0, pw)
    options = dict(bias=bias, batch=batch, itemsize=itemsize)
    channel, size = _conv(in_channels, c_out, 1, size, 1, 0, 1, 1, **options)
    vertical, size = _conv(c_out, c_out, (kh, 1), size, 1, vertical_padding, 1, c_out, **options)
    horizontal = conv_cost(c_out, c_out, (1, kw), size, 1, horizontal_padding, 1, c_out, **options)
    return channel + vertical + horizontal


def deformable_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    input_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    offset_groups: int = 1,
    mask: bool = False,
    *,
    bias: bool = True,
    batch: int = 1,
    itemsize: int = 4,
) -> Cost:
    """Cost of a deformable convolution (v1, or v2 with ``mask=True``) with its offset branch.

    Two stages, summed:

    1. **Offset branch**: an ordinary convolution of the input with the same
       kernel, stride, padding and dilation (so its output is
       ``H_out x W_out``) and ``2 G k_h k_w`` output channels, one ``(dy,
       dx)`` pair per tap and offset group ``G`` (``3 G k_h k_w`` with the
       v2 mask, whose sigmoid is not counted), as in Dai et al. (2017) and
       Zhu et al. (2019): :func:`conv_cost`
       ``(C_in, (2 + mask) G K, K, I, stride, padding, dilation)``.
    2. **Deformable convolution**: the weights of an ordinary convolution,
       ``C_out (C_in/g) prod(K) (+ C_out)`` parameters and the same
       ``N prod(O) C_out (C_in/g) prod(K)`` multiply-adds for the weighted
       sums, plus the **bilinear sampling** of the ``N prod(O) prod(K) C_in``
       input values it reads:

       * 4 multiply-adds per sampled value (neighbour value times its
         bilinear weight, four neighbours), plus 1 multiplication by the
         mask with ``mask=True``;
       * 4 multiplications per sampling position to form the four weights
         ``(1 - l_y)(1 - l_x)``, ..., shared by the ``C_in / G`` channels of
         an offset group: ``4 N prod(O) prod(K) G``.

       Index arithmetic, floors and the additions ``p0 + pn + Δpn`` are not
       multiply-adds and are not counted.  Its input bytes are the input
       *and* the offsets (and mask) written by the offset branch.

    ``FlopCounterMode`` run on a torch implementation counts the offset
    convolution and the weighted sums (a matrix product), but not the
    sampling (``grid_sample`` or gathers have no FLOP formula there).

    Parameters
    ----------
    in_channels, out_channels, kernel_size, input_size, stride, dilation, groups
        As for :func:`conv_cost` (``groups``: weight groups).
    padding : int or tuple of int
        Zero padding (ints only, as ``torchvision.ops.deform_conv2d``).
    offset_groups : int
        ``G``, must divide ``in_channels``.
    mask : bool
        Deformable convolution v2 (a modulation mask per sample).
    bias, batch, itemsize
        As for :func:`conv_cost`; ``bias`` applies to both stages.

    Returns
    -------
    Cost

    Examples
    --------
    >>> v2 = deformable_cost(64, 64, 3, 28, padding=1, mask=True)
    >>> offsets = conv_cost(64, 27, 3, 28, padding=1)       # 3 * 9 output channels
    >>> ordinary = conv_cost(64, 64, 3, 28, padding=1)
    >>> v2.parameters == ordinary.parameters + offsets.parameters
    True
    >>> sampling = 28 * 28 * 9 * (5 * 64 + 4)             # (4 + mask) C_in + 4 G
    >>> v2.multiply_adds == ordinary.multiply_adds + offsets.multiply_adds + sampling
    True
    """
    c_in, c_out, g = _channels(in_channels, out_channels, groups)
    g_off = positive_int(offset_groups, "offset_groups")
    if c_in % g_off:
        raise ValueError(f"offset_groups ({g_off}) must divide in_channels ({c_in})")
    modulated = check_bool(mask, "mask")
    bias_, n, size = _options(bias, batch, itemsize)
    for name, value in (("kernel_size", kernel_size), ("input_size", input_size), ("stride", stride),
                        ("padding", padding), ("dilation", dilation)):
        if isinstance(value, str):
            raise TypeError(f"{name} must be an int or a tuple of 2 ints, got {value!r}")
    kernel = positive_tuple(kernel_size, 2, "kernel_size")
    taps = math.prod(kernel)
    options = dict(bias=bias_, batch=n, itemsize=size)
    branch, out = _conv(
        c_in, (3 if modulated else 2) * g_off * taps, kernel, input_size, stride, padding,
        dilation, 1, **options,
    )
    weights = _conv(c_in, c_out, kernel, input_size, stride, padding, dilation, g, **options)[0]
    samples = n * math.prod(out) * taps  # sampling positions per input channel
    sampling = samples * ((4 + modulated) * c_in + 4 * g_off)
    deform = Cost(
        parameters=weights.parameters,
        multiply_adds=weights.multiply_adds + sampling,
        weight_bytes=weights.weight_bytes,
        input_bytes=weights.input_bytes + branch.output_bytes,  # input, offsets and mask
        output_bytes=weights.output_bytes,
    )
    return branch + deform


def _ndim(ndim: object, kernel_size: object, *more: tuple[str, object]) -> int:
    """Spatial dimensions for :func:`conv_parameters` / :func:`conv_multiply_adds`:
    ``ndim`` if given (a tuple of another length is then refused by
    :func:`~convkit.arguments.as_tuple`), else the length of the tuples, else 2."""
    if ndim is not None:
        return positive_int(ndim, "ndim")
    return spatial_ndim(2, kernel_size=kernel_size, **dict(more))[0]


def conv_parameters(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    groups: int = 1,
    bias: bool = True,
    ndim: int | None = None,
) -> int:
    """Number of learnable parameters of a convolution layer.

    ``C_out (C_in / groups) prod(K) + C_out`` (the last term with ``bias``);
    the same count as :func:`conv_cost` ``(...).parameters``, without
    needing the input size.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or tuple of int
        An int means a cube kernel with ``ndim`` sides (``3`` and ``ndim=2``
        is ``3 x 3``, as in ``torch.nn.Conv2d``).
    groups : int
    bias : bool
    ndim : int, optional
        Spatial dimensions: the length of ``kernel_size`` if it is a tuple,
        else 2.

    Returns
    -------
    int

    Examples
    --------
    >>> conv_parameters(3, 64, 3)   # 64 * (3 * 9 + 1)
    1792
    >>> conv_parameters(4, 8, 3, ndim=3)   # 8 * (4 * 27 + 1)
    872
    """
    c_in, c_out, g = _channels(in_channels, out_channels, groups)
    kernel = positive_tuple(kernel_size, _ndim(ndim, kernel_size), "kernel_size")
    return _weight_count(c_in, c_out, kernel, g) + (c_out if check_bool(bias, "bias") else 0)


def conv_multiply_adds(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    output_size: IntOrTuple,
    groups: int = 1,
    ndim: int | None = None,
) -> int:
    """Multiply-accumulate operations of one forward pass (batch of one).

    ``prod(O) C_out (C_in / groups) prod(K)`` given the *output* size ``O``;
    the same count as :func:`conv_cost` ``(...).multiply_adds``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or tuple of int
    output_size : int or tuple of int
        Spatial size of the *output* (``H_out x W_out``), e.g. from
        :func:`~convkit.arithmetic.conv_output_size`.
    groups : int
    ndim : int, optional
        Spatial dimensions for int ``kernel_size`` and ``output_size``: the
        length of a tuple argument, else 2.

    Returns
    -------
    int

    Examples
    --------
    >>> conv_multiply_adds(64, 64, 3, 56)   # 56*56 * 64 * 64 * 9
    115605504
    """
    c_in, c_out, g = _channels(in_channels, out_channels, groups)
    dims = _ndim(ndim, kernel_size, ("output_size", output_size))
    kernel = positive_tuple(kernel_size, dims, "kernel_size")
    out = positive_tuple(output_size, dims, "output_size")
    return math.prod(out) * _weight_count(c_in, c_out, kernel, g)


__all__ = [
    "Cost",
    "channel_shuffle_cost",
    "conv_cost",
    "conv_multiply_adds",
    "conv_parameters",
    "deformable_cost",
    "depthwise_cost",
    "depthwise_separable_cost",
    "flattened_cost",
    "pointwise_cost",
    "spatially_separable_cost",
    "transposed_conv_cost",
]
