"""Independent torch references for deformable convolution (torchvision is not installable here).

* :func:`torchvision_bilinear` -- torchvision's sampling rule transcribed
  literally (0 if ``y <= -1``, ``y >= H``, ``x <= -1`` or ``x >= W``; else the
  four neighbours, those outside counting 0), vectorised in torch.
* :func:`deform_conv2d_grid_sample` -- deformable convolution built on
  ``torch.nn.functional.grid_sample`` (bilinear, zeros padding,
  ``align_corners=True``); autograd gives every gradient.
* :func:`deform_conv2d_gather` -- the same with an explicit floor-based
  bilinear gather in torch: its autograd derivative at integer positions is
  the derivative from the right, exactly (no coordinate normalisation
  round-off), so it is the reference for gradients at the kinks.

All take torch tensors with ``torchvision.ops.deform_conv2d``'s argument order
and layouts (batched only).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def torchvision_bilinear(image: torch.Tensor, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Values of a 2-d ``image`` at positions ``(y, x)`` (same-shape tensors), torchvision's rule."""
    height, width = image.shape
    outside = (y <= -1) | (y >= height) | (x <= -1) | (x >= width)
    y0, x0 = torch.floor(y), torch.floor(x)
    ly, lx = y - y0, x - x0
    total = torch.zeros_like(y)
    for a, wy in ((0, 1 - ly), (1, ly)):
        for b, wx in ((0, 1 - lx), (1, lx)):
            qy, qx = (y0 + a).long(), (x0 + b).long()
            valid = (qy >= 0) & (qy < height) & (qx >= 0) & (qx < width)
            value = image[qy.clamp(0, height - 1), qx.clamp(0, width - 1)]
            total = total + torch.where(valid, wy * wx * value, torch.zeros_like(value))
    return torch.where(outside, torch.zeros_like(total), total)


def _positions(offset, weight, stride, padding, dilation):
    """Sampling positions (N, G, K, H_out, W_out) for rows and columns."""
    n, channels, h_out, w_out = offset.shape
    kh, kw = weight.shape[-2:]
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    groups = channels // (2 * kh * kw)
    off = offset.reshape(n, groups, kh * kw, 2, h_out, w_out)
    ii, jj = torch.meshgrid(torch.arange(kh), torch.arange(kw), indexing="ij")
    base_y = (torch.arange(h_out) * sh - ph)[None, :, None] + (ii.reshape(-1) * dh)[:, None, None]
    base_x = (torch.arange(w_out) * sw - pw)[None, None, :] + (jj.reshape(-1) * dw)[:, None, None]
    y = base_y.to(offset.dtype) + off[:, :, :, 0]
    x = base_x.to(offset.dtype) + off[:, :, :, 1]
    return y, x, groups


def _convolve_columns(sampled, weight, bias, mask):
    """sampled: (N, G, C/G, K, H_out, W_out) -> the grouped matrix product with the weight."""
    n, groups, per_group, taps, h_out, w_out = sampled.shape
    if mask is not None:
        sampled = sampled * mask.reshape(n, groups, 1, taps, h_out, w_out)
    c_in = groups * per_group
    c_out, c_per_weight_group = weight.shape[:2]
    weight_groups = c_in // c_per_weight_group
    columns = sampled.reshape(n, weight_groups, c_per_weight_group * taps, h_out * w_out)
    kernels = weight.reshape(weight_groups, c_out // weight_groups, c_per_weight_group * taps)
    out = torch.matmul(kernels, columns).reshape(n, c_out, h_out, w_out)
    return out if bias is None else out + bias[:, None, None]


def deform_conv2d_grid_sample(input, offset, weight, bias=None, stride=1, padding=0, dilation=1, mask=None):
    """Deformable convolution through ``F.grid_sample`` (one call for all samples)."""
    y, x, groups = _positions(offset, weight, stride, padding, dilation)
    n, c_in, height, width = input.shape
    _, _, taps, h_out, w_out = y.shape
    image = input
    # align_corners=True maps -1 and +1 to the centres of the first and last
    # pixel: pixel index q <-> 2 q / (size - 1) - 1.  A size-1 axis cannot be
    # normalised that way, so give it a zero second row/column (at the end: the
    # coordinates of the existing pixels do not move).
    if height == 1:
        image = F.pad(image, (0, 0, 0, 1))
    if width == 1:
        image = F.pad(image, (0, 1, 0, 0))
    h_img, w_img = image.shape[-2:]
    grid = torch.stack((2 * x / (w_img - 1) - 1, 2 * y / (h_img - 1) - 1), dim=-1)
    grid = grid.reshape(n * groups, taps * h_out, w_out, 2)
    sampled = F.grid_sample(
        image.reshape(n * groups, c_in // groups, h_img, w_img), grid,
        mode="bilinear", padding_mode="zeros", align_corners=True,
    )  # (N*G, C/G, K*H_out, W_out)
    sampled = sampled.reshape(n, groups, c_in // groups, taps, h_out, w_out)
    return _convolve_columns(sampled, weight, bias, mask)


def deform_conv2d_gather(input, offset, weight, bias=None, stride=1, padding=0, dilation=1, mask=None):
    """Deformable convolution with a floor-based bilinear gather written in torch."""
    y, x, groups = _positions(offset, weight, stride, padding, dilation)
    n, c_in, height, width = input.shape
    _, _, taps, h_out, w_out = y.shape
    image = input.reshape(n, groups, c_in // groups, height * width)
    y0, x0 = torch.floor(y).detach(), torch.floor(x).detach()
    ly, lx = y - y0, x - x0
    sampled = 0
    for a, wy in ((0, 1 - ly), (1, ly)):
        for b, wx in ((0, 1 - lx), (1, lx)):
            qy, qx = (y0 + a).long(), (x0 + b).long()
            valid = ((qy >= 0) & (qy < height) & (qx >= 0) & (qx < width)).to(input.dtype)
            index = (qy.clamp(0, height - 1) * width + qx.clamp(0, width - 1)).reshape(n, groups, 1, -1)
            values = torch.gather(image, 3, index.expand(-1, -1, c_in // groups, -1))
            values = values.reshape(n, groups, c_in // groups, taps, h_out, w_out)
            sampled = sampled + values * (wy * wx * valid)[:, :, None]
    return _convolve_columns(sampled, weight, bias, mask)
