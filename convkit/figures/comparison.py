"""The comparison page: every convolution type of the book for one layer setting.

* :class:`LayerType` -- one row: a type's name, its cost (from
  :mod:`convkit.cost`), output shape and the ``torch.nn`` call that builds it.
* :func:`layer_types` -- every row for ``C_in -> C_out`` channels, a
  ``k x k`` kernel (padding ``k // 2``, stride 1) on an ``H x H`` input.
* :func:`comparison_table` / :func:`comparison_explorer` -- the rows as an
  HTML table, behind sliders.

The ``torch`` strings of all rows but the deformable one are executable:
``eval(row.torch, {"nn": torch.nn})`` builds the layer, which is how the
chapter checks every number against torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..arithmetic import conv_output_size, conv_transpose_output_size
from ..cost import (
    Cost,
    channel_shuffle_cost,
    conv_cost,
    deformable_cost,
    depthwise_cost,
    depthwise_separable_cost,
    flattened_cost,
    pointwise_cost,
    spatially_separable_cost,
    transposed_conv_cost,
)
from ..interactive import Control, Explorer


@dataclass(frozen=True)
class LayerType:
    """One convolution type in one setting.

    Attributes
    ----------
    name : str
    cost : Cost or None
        None when the type cannot produce this setting (e.g. depthwise with
        ``C_out`` not a multiple of ``C_in``).
    output_shape : tuple of int or None
        ``(N, C_out, H_out, W_out)``.
    torch : str or None
        The PyTorch call that builds the layer.
    note : str
        What to keep in mind when comparing it.
    executable : bool
        Whether ``torch`` is a ``torch.nn`` expression (``nn.`` prefix) that
        ``eval(row.torch, {"nn": torch.nn})`` builds; False for the
        deformable row, which needs torchvision.
    """

    name: str
    cost: Cost | None
    output_shape: tuple[int, ...] | None
    torch: str | None
    note: str = ""
    executable: bool = True


def layer_types(
    in_channels: int,
    out_channels: int,
    kernel_size: int,
    input_size: int,
    groups: int,
    batch: int = 1,
) -> list[LayerType]:
    """Every convolution type of the book for one layer setting.

    All types map ``C_in`` channels of ``H x H`` to ``C_out`` channels with
    stride 1 and zero padding ``p = k // 2`` (the output keeps the input size
    for odd ``k``); biases on every stage (torch's default), float32.

    Parameters
    ----------
    in_channels, out_channels : int
        ``C_in``, ``C_out``; both divisible by ``groups``.
    kernel_size : int
        ``k`` (odd, so that ``p = k // 2`` keeps the size).
    input_size : int
        ``H`` (the input is ``H x H``).
    groups : int
        ``g`` of the grouped rows.
    batch : int

    Returns
    -------
    list of LayerType
        In the order of the book.  The last row is a deformable convolution
        v2 (one offset group): its offset-and-mask branch is an
        ``nn.Conv2d(C_in, 3 k^2, k, padding=p)``, and the layer itself is
        ``torchvision.ops.DeformConv2d``, not part of ``torch``.
    """
    ci, co, k, h, g = in_channels, out_channels, kernel_size, input_size, groups
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd (padding k // 2 keeps the size), got {k}")
    p = k // 2
    n = batch
    same = (n, co, *conv_output_size((h, h), k, 1, p))
    options = dict(batch=n)
    grouped = conv_cost(ci, co, k, h, padding=p, groups=g, **options)
    rows = [
        LayerType("standard", conv_cost(ci, co, k, h, padding=p, **options), same,
                  f"nn.Conv2d({ci}, {co}, {k}, padding={p})", "every output reads every input channel"),
        LayerType("transposed", transposed_conv_cost(ci, co, k, h, padding=p, **options),
                  (n, co, *conv_transpose_output_size((h, h), k, 1, p)),
                  f"nn.ConvTranspose2d({ci}, {co}, {k}, padding={p})",
                  "at stride 1; with stride 2 it doubles the size"),
        LayerType(f"dilated (d = 2, sees {2 * k - 1} × {2 * k - 1})", conv_cost(ci, co, k, h, padding=2 * p, dilation=2, **options),
                  (n, co, *conv_output_size((h, h), k, 1, 2 * p, 2)),
                  f"nn.Conv2d({ci}, {co}, {k}, padding={2 * p}, dilation=2)",
                  f"same cost, sees {2 * k - 1} × {2 * k - 1}"),
        LayerType("pointwise (1 × 1)", pointwise_cost(ci, co, h, **options), same,
                  f"nn.Conv2d({ci}, {co}, 1)", "mixes channels only, no neighbours"),
        LayerType(f"spatially separable ({k} × 1, 1 × {k})", spatially_separable_cost(ci, co, k, h, padding=p, **options), same,
                  f"nn.Sequential(nn.Conv2d({ci}, {co}, ({k}, 1), padding=({p}, 0)), "
                  f"nn.Conv2d({co}, {co}, (1, {k}), padding=(0, {p})))",
                  f"{k} × 1 then 1 × {k}"),
        LayerType("flattened", flattened_cost(ci, co, k, h, padding=p, **options), same,
                  f"nn.Sequential(nn.Conv2d({ci}, {co}, 1), "
                  f"nn.Conv2d({co}, {co}, ({k}, 1), padding=({p}, 0), groups={co}), "
                  f"nn.Conv2d({co}, {co}, (1, {k}), padding=(0, {p}), groups={co}))",
                  "channel, vertical, horizontal 1-D filters"),
    ]
    if co % ci == 0:
        rows.append(LayerType(
            "depthwise", depthwise_cost(ci, k, h, multiplier=co // ci, padding=p, **options), same,
            f"nn.Conv2d({ci}, {co}, {k}, padding={p}, groups={ci})",
            f"channel multiplier {co // ci}"))
    else:
        rows.append(LayerType("depthwise", None, None, None,
                              f"needs C_out = m · C_in; {co} is not a multiple of {ci}"))
    rows += [
        LayerType("depthwise separable", depthwise_separable_cost(ci, co, k, h, padding=p, **options), same,
                  f"nn.Sequential(nn.Conv2d({ci}, {ci}, {k}, padding={p}, groups={ci}), "
                  f"nn.Conv2d({ci}, {co}, 1))",
                  f"≈ 1/C_out + 1/k² of standard"),
        LayerType(f"grouped (g = {g})", grouped, same,
                  f"nn.Conv2d({ci}, {co}, {k}, padding={p}, groups={g})", f"1/g of standard; groups never mix"),
        LayerType(f"shuffled grouped (g = {g})", grouped + channel_shuffle_cost(co, h, g, batch=n), same,
                  f"nn.Sequential(nn.Conv2d({ci}, {co}, {k}, padding={p}, groups={g}), nn.ChannelShuffle({g}))",
                  "the shuffle moves bytes, computes nothing"),
        LayerType(f"pointwise grouped (g = {g})", pointwise_cost(ci, co, h, groups=g, **options), same,
                  f"nn.Conv2d({ci}, {co}, 1, groups={g})", "ShuffleNet's 1 × 1 layers"),
        LayerType("deformable (v2)", deformable_cost(ci, co, k, h, padding=p, mask=True, **options), same,
                  f"torchvision.ops.DeformConv2d({ci}, {co}, {k}, padding={p}), with offsets and mask "
                  f"from nn.Conv2d({ci}, {3 * k * k}, {k}, padding={p})",
                  "plus the offset branch and the bilinear sampling", executable=False),
    ]
    return rows


def _count(value: int) -> str:
    """A count with three significant digits and a unit: 1.23 k, 45.6 M."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return str(value)


_STYLE = (
    "<style>.ck-cmp{border-collapse:collapse;font-size:12.5px;margin:4px 0}"
    ".ck-cmp th,.ck-cmp td{padding:3px 7px;border-bottom:1px solid #e3e6ea;text-align:right;vertical-align:top}"
    ".ck-cmp th{background:#f4f6f8;font-weight:600}"
    ".ck-cmp td.l,.ck-cmp th.l{text-align:left}"
    ".ck-cmp code{font-size:11px;white-space:normal;word-break:normal}"
    ".ck-cmp .n{color:#666;font-size:11px}</style>"
)


def comparison_table(
    in_channels: int, out_channels: int, kernel_size: int, input_size: int, groups: int
) -> str:
    """The rows of :func:`layer_types` as an HTML table (parameters include biases)."""
    rows = layer_types(in_channels, out_channels, kernel_size, input_size, groups)
    standard = rows[0].cost
    assert standard is not None
    head = (
        "<tr><th class='l'>type</th><th>parameters</th><th>multiply-adds</th><th>÷ standard</th>"
        "<th>bytes moved</th><th>output</th><th class='l'><code>torch.nn</code> call</th></tr>"
    )
    body = []
    for row in rows:
        if row.cost is None:  # the type cannot produce this setting: say why
            body.append(f"<tr><td class='l'>{escape(row.name)}</td><td colspan='6' class='l n'>"
                        f"{escape(row.note)}</td></tr>")
            continue
        shape = "×".join(str(v) for v in row.output_shape[1:])
        ratio = row.cost.multiply_adds / standard.multiply_adds
        body.append(
            f"<tr><td class='l'>{escape(row.name)}</td>"
            f"<td>{_count(row.cost.parameters)}</td><td>{_count(row.cost.multiply_adds)}</td>"
            f"<td>{ratio:.3f}</td><td>{row.cost.bytes_moved / 1e6:.2f} MB</td><td>{shape}</td>"
            # break lines only after an opening parenthesis or a comma
            f"<td class='l'><code>{escape(row.torch).replace('(', '(<wbr>')}</code></td></tr>"
        )
    caption = (
        f"<caption style='text-align:left;font-size:12px;color:#444;caption-side:bottom'>"
        f"C<sub>in</sub> = {in_channels}, C<sub>out</sub> = {out_channels}, k = {kernel_size}, "
        f"input {input_size} × {input_size}, stride 1, padding {kernel_size // 2}, batch 1, float32; "
        f"parameters include biases, multiply-adds do not (as FlopCounterMode). "
        f"Bytes: weights, input and output read or written once (the cost model's lower bound)."
        f"</caption>"
    )
    return f"{_STYLE}<table class='ck-cmp'>{caption}{head}{''.join(body)}</table>"


def comparison_explorer(
    channels: tuple[int, ...] = (16, 64, 256),
    kernels: tuple[int, ...] = (3, 5, 7),
    sizes: tuple[int, ...] = (14, 28, 56),
    groups: tuple[int, ...] = (2, 4, 8),
) -> Explorer:
    """Sliders for ``C_in``, ``C_out``, ``k``, ``H`` and ``g`` over :func:`comparison_table`."""
    def render(in_channels: int, out_channels: int, kernel_size: int, input_size: int, groups: int) -> str:
        return comparison_table(in_channels, out_channels, kernel_size, input_size, groups)

    return Explorer(
        render,
        [
            Control("in_channels", channels, "C_in", channels[1] if len(channels) > 1 else channels[0]),
            Control("out_channels", channels, "C_out", channels[-1]),
            Control("kernel_size", kernels, "kernel k", kernels[0]),
            Control("input_size", sizes, "input H = W", sizes[1] if len(sizes) > 1 else sizes[0]),
            Control("groups", groups, "groups g", groups[1] if len(groups) > 1 else groups[0]),
        ],
        label="table of every convolution type for the chosen layer: parameters, multiply-adds, "
              "bytes moved, output shape and the torch.nn call",
    )


__all__ = ["LayerType", "comparison_explorer", "comparison_table", "layer_types"]
