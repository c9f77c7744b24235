"""Figures of the chapter "Depthwise convolution": every colour channel filtered on its own.

* :func:`channel_filter_view` / :func:`channel_filter_explorer` -- the RGB
  test image (:func:`~convkit.images.test_image_rgb`), its three channels,
  each channel filtered by the same kernel (a depthwise convolution with
  ``C_in = C_out = 3``, computed by :func:`~convkit.depthwise.depthwise_conv2d`),
  the three results put back together as a colour image, and, for contrast,
  the one channel that a standard convolution with the same kernel on every
  channel makes (it adds the three up).
* :func:`filter_channels` -- the numbers behind it.
* :func:`multiplier_view` -- channel multiplier ``m = 2``: every channel gets
  a horizontal and a vertical edge detector, six output channels.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

import numpy as np

from ..conv import conv2d
from ..depthwise import depthwise_conv2d
from ..interactive import Control, Explorer
from ..kernels import sobel_x, sobel_y
from .common import image_html, signed_rgb
from .filters import FILTERS, IMAGE_SIZE, SCALE, _framed, _gray_rgb, _panel, _test_image_rgb, kernel_svg

CHANNELS = ("R", "G", "B")


def _shown(values: np.ndarray, signed: bool, limit: float) -> np.ndarray:
    """RGB pixels of one output channel: gray levels in [0, 1], or signed colours at ``+-limit``."""
    return signed_rgb(values, limit) if signed else _gray_rgb(values)


def filter_channels(image: np.ndarray, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One kernel on every channel of an image: depthwise (channels apart) and standard (summed).

    Parameters
    ----------
    image : ndarray, shape (C, H, W)
    kernel : ndarray, shape (k, k)

    Returns
    -------
    depthwise : ndarray, shape (C, H - k + 1, W - k + 1)
        ``depthwise_conv2d`` with weight ``(C, 1, k, k)``: channel ``c`` filtered alone.
    standard : ndarray, shape (H - k + 1, W - k + 1)
        ``conv2d`` with weight ``(1, C, k, k)``: the sum of the depthwise channels.
    """
    x = np.asarray(image, dtype=float)
    w = np.asarray(kernel, dtype=float)
    if x.ndim != 3 or w.ndim != 2:
        raise ValueError(f"image must be (C, H, W) and kernel (k, k), got shapes {x.shape} and {w.shape}")
    channels = x.shape[0]
    depthwise = depthwise_conv2d(x, np.stack([w] * channels)[:, np.newaxis])
    standard = conv2d(x, np.stack([w] * channels)[np.newaxis])[0]
    return depthwise, standard


def channel_filter_view(name: str, size: int = IMAGE_SIZE, scale: int = SCALE) -> str:
    """The RGB test image filtered channel by channel (depthwise) with one kernel of ``FILTERS``.

    The depthwise layer has weight ``(3, 1, k, k)`` (the kernel three times),
    no bias and no padding (the output is ``size - k + 1`` pixels wide), so
    output channel ``c`` is input channel ``c`` filtered and nothing else.  Kernels that sum to 1 are shown as gray
    levels in ``[0, 1]`` and their three outputs, stacked, as a colour image;
    kernels that sum to 0 (derivatives) as signed colours (blue < 0 < red, one
    scale for the three channels) and the stacked outputs as the colour image
    of ``|y| / max |y|``.  The last panel is a standard convolution with
    weight ``(1, 3, k, k)``, the same kernel on every channel: one output
    channel, the sum of the three depthwise outputs.

    Parameters
    ----------
    name : str
        A key of ``convkit.figures.filters.FILTERS``.
    size, scale : int
        Image side in pixels and screen pixels per image pixel.

    Returns
    -------
    str
        HTML: two rows of images and a caption.

    Raises
    ------
    ValueError
        If ``name`` is not a key of ``FILTERS``.
    """
    if name not in FILTERS:
        raise ValueError(f"name must be one of {', '.join(FILTERS)}; got {name!r}")
    w, explanation = FILTERS[name]
    image = _test_image_rgb(size)
    x = image.transpose(2, 0, 1)  # (3, H, W)
    y, standard = filter_channels(x, w)
    signed = abs(float(w.sum())) < 1e-12
    limit = 0.5 * float(np.abs(y).max()) or 1.0
    if signed:
        stacked = np.abs(y).transpose(1, 2, 0) / (float(np.abs(y).max()) or 1.0)
        stacked_title = "|outputs| as RGB"
    else:
        stacked = np.clip(y.transpose(1, 2, 0), 0.0, 1.0)
        stacked_title = "outputs as RGB"
    top = [image_html(_framed(image), scale=scale, title="RGB input (C_in = 3)")] + [
        image_html(_framed(_gray_rgb(x[c])), scale=scale, title=f"input channel {c} ({CHANNELS[c]})")
        for c in range(3)
    ]
    middle = [str(kernel_svg(w, cell=22, title="kernel, each channel"))] + [
        image_html(_framed(_shown(y[c], signed, limit)), scale=scale, title=f"output channel {c}")
        for c in range(3)
    ]
    standard_limit = 0.5 * float(np.abs(standard).max()) or 1.0
    standard_shown = signed_rgb(standard, standard_limit) if signed else _gray_rgb(standard / 3)
    contrast = image_html(_framed(standard_shown), scale=scale,
                          title="standard conv (1, 3, k, k)" + ("" if signed else " ÷ 3"))
    legend = (f"signed: blue < 0 (white = 0) < red, full colour at ±{limit:.2g}" if signed
              else "gray levels, 0 = black, 1 = white")
    caption = (
        f"<div style='font-size:13px;line-height:1.45'><b>{escape(name)}</b>: {escape(explanation)}. "
        f"Depthwise: weight (3, 1, {w.shape[0]}, {w.shape[1]}), output channel c = input channel c ⋆ kernel, "
        f"no channel sees another; {escape(legend)}. The standard layer with the same kernel on all three "
        f"channels has a single output channel, the sum of the three: the colours are mixed away.</div>"
    )
    bottom = [image_html(_framed(stacked), scale=scale, title=stacked_title), contrast]
    row = "<div style='white-space:nowrap'>{}</div>"
    return "".join(row.format("".join(_panel(p) for p in panels)) for panels in (top, middle, bottom)) + caption


def channel_filter_explorer(names: Sequence[str] | None = None, initial: str = "box blur 5×5") -> Explorer:
    """A drop-down menu of kernels over :func:`channel_filter_view`.

    Parameters
    ----------
    names : sequence of str, optional
        Keys of ``FILTERS`` to offer (default: all of them).
    initial : str
        The kernel shown first.

    Returns
    -------
    Explorer
    """
    names = list(FILTERS) if names is None else list(names)
    for name in names:
        if name not in FILTERS:
            raise ValueError(f"names must be keys of FILTERS ({', '.join(FILTERS)}); got {name!r}")
    return Explorer(channel_filter_view, [Control("name", names, "kernel", initial)])


def multiplier_weight() -> np.ndarray:
    """Depthwise weight ``(6, 1, 3, 3)`` with multiplier 2: Sobel x then Sobel y for each of 3 channels.

    Output channel ``o = 2c + j`` filters input channel ``c = o // 2`` with
    Sobel x (``j = 0``) or Sobel y (``j = 1``).
    """
    return np.stack([sobel_x(), sobel_y()] * 3)[:, np.newaxis]


def multiplier_view(size: int = IMAGE_SIZE, scale: int = SCALE) -> str:
    """Channel multiplier 2 on the RGB test image: six output channels, two per input channel.

    Computed by :func:`~convkit.depthwise.depthwise_conv2d` with
    :func:`multiplier_weight`, no padding; all six on one signed colour scale.

    Returns
    -------
    str
        HTML: a row of three input channels and, under each, its two outputs.
    """
    image = _test_image_rgb(size)
    x = image.transpose(2, 0, 1)
    y = depthwise_conv2d(x, multiplier_weight())  # (6, H - 2, W - 2)
    limit = 0.5 * float(np.abs(y).max())
    columns = []
    for c in range(3):
        cells = [image_html(_framed(_gray_rgb(x[c])), scale=scale, title=f"input {c} ({CHANNELS[c]})")]
        for j, kernel in enumerate(("Sobel x", "Sobel y")):
            o = 2 * c + j
            cells.append(image_html(_framed(signed_rgb(y[o], limit)), scale=scale,
                                    title=f"output {o} = {c} ⋆ {kernel}"))
        columns.append("<span style='display:inline-block;vertical-align:top;margin-right:14px'>"
                       + "<br>".join(cells) + "</span>")
    caption = (
        "<div style='font-size:13px;line-height:1.45'>Depthwise with multiplier m = 2: weight (6, 1, 3, 3), "
        "output channel o reads input channel o // 2. Blue < 0 (white = 0) < red, full colour at "
        f"±{limit:.2g}. Each colour channel keeps its own edges: the red disc's outline is strong in "
        "channel 0 and weak, with the opposite signs, in channels 1 and 2; the blue triangle has the same "
        "green value as the grey background (0.3), so it has no edge at all in channel 1.</div>"
    )
    return f"<div style='white-space:nowrap'>{''.join(columns)}</div>{caption}"


__all__ = ["channel_filter_explorer", "channel_filter_view", "filter_channels", "multiplier_view",
           "multiplier_weight"]
