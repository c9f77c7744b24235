"""The tensors of a convolution layer in 3-D, for four layer types side by side.

:func:`tensors_view` draws, for one layer type, the input volume, the
filters that make one chosen output channel, and the output volume, each
channel an ``H x W`` sheet seen in perspective and the sheets of a volume
stacked top to bottom (an "exploded" view, so that every channel stays
visible).  The input channels that the chosen output channel reads are
coloured and carry the kernel's window; the others are grey.  A small
``C_out x C_in`` matrix on the right shows the whole connectivity, and the
lines under the picture give the weight shape, the parameters and the
multiply-adds (from :mod:`convkit.cost`) and the PyTorch layer.

The four layer types, with ``C_in`` input and ``C_out`` output channels and a
``k x k`` kernel, all with "same" padding:

``standard``
    ``nn.Conv2d(C_in, C_out, k)``: each output channel reads every input channel.
``pointwise``
    ``nn.Conv2d(C_in, C_out, 1)``: the same connectivity, a ``1 x 1`` window.
``depthwise``
    ``nn.Conv2d(C_in, C_out, k, groups=C_in)`` with ``C_out = m C_in``: output
    channel ``o`` reads input channel ``o // m`` only.
``depthwise separable``
    a depthwise ``k x k`` stage (``m = 1``) then a pointwise stage
    ``C_in -> C_out``: every output reads every input, through ``C_in``
    intermediate channels.

:func:`tensors_explorer` puts a menu (layer type) and sliders (``C_out``,
``k``, output channel) over the view.
"""

from __future__ import annotations

from html import escape

import numpy as np

from ..arguments import positive_int
from ..cost import Cost, conv_cost, depthwise_cost, depthwise_separable_cost, pointwise_cost
from ..interactive import Control, Explorer
from ..svg import SVG, squares_path
from .common import GRID, INPUT, KERNEL, KERNEL_CELL, OUTPUT, UNREAD

LAYER_TYPES = ("standard", "pointwise", "depthwise", "depthwise separable")
IDLE = "#eef1f4"  # a channel the chosen output does not read
CELL, SKEW, DEPTH = 10.0, 5.0, 4.5  # a sheet cell: width, sideways shift and height per row
PITCH = 34.0  # vertical distance between the sheets of a volume
TOP = 46.0


def _check(kind: str, in_channels: int, out_channels: int, kernel_size: int) -> tuple[int, int, int]:
    if kind not in LAYER_TYPES:
        raise ValueError(f"kind must be one of {', '.join(map(repr, LAYER_TYPES))}; got {kind!r}")
    c_in = positive_int(in_channels, "in_channels")
    c_out = positive_int(out_channels, "out_channels")
    k = positive_int(kernel_size, "kernel_size")
    if kind == "depthwise" and c_out % c_in:
        raise ValueError(
            f"a depthwise layer needs out_channels = m * in_channels; got {c_out} and {c_in}"
        )
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd (the figure uses 'same' padding), got {k}")
    return c_in, c_out, (1 if kind == "pointwise" else k)


def connectivity(kind: str, in_channels: int, out_channels: int) -> np.ndarray:
    """Which input channels each output channel depends on.

    Parameters
    ----------
    kind : {'standard', 'pointwise', 'depthwise', 'depthwise separable'}
    in_channels, out_channels : int
        For ``'depthwise'``, ``out_channels`` must be a multiple ``m`` of
        ``in_channels``.

    Returns
    -------
    ndarray of bool, shape (C_out, C_in)
        ``True`` where output channel ``o`` reads input channel ``c``
        (for the separable layer: through the intermediate channels).

    Examples
    --------
    >>> connectivity("depthwise", 2, 4).astype(int)
    array([[1, 0],
           [1, 0],
           [0, 1],
           [0, 1]])
    """
    c_in, c_out, _ = _check(kind, in_channels, out_channels, 1)
    if kind == "depthwise":
        m = c_out // c_in
        return np.arange(c_out)[:, None] // m == np.arange(c_in)[None, :]
    return np.ones((c_out, c_in), dtype=bool)


def layer_cost(kind: str, in_channels: int, out_channels: int, kernel_size: int, size: int) -> Cost:
    """Cost (without bias) of one of the four layer types on a ``size x size`` input, 'same' padding.

    Uses :func:`~convkit.cost.conv_cost`, :func:`~convkit.cost.pointwise_cost`,
    :func:`~convkit.cost.depthwise_cost` (multiplier ``C_out / C_in``) or
    :func:`~convkit.cost.depthwise_separable_cost` (multiplier 1).
    """
    c_in, c_out, k = _check(kind, in_channels, out_channels, kernel_size)
    if kind == "standard":
        return conv_cost(c_in, c_out, k, size, padding=k // 2, bias=False)
    if kind == "pointwise":
        return pointwise_cost(c_in, c_out, size, bias=False)
    if kind == "depthwise":
        return depthwise_cost(c_in, k, size, multiplier=c_out // c_in, padding=k // 2, bias=False)
    return depthwise_separable_cost(c_in, c_out, k, size, padding=k // 2, bias=False)


def weight_shapes(kind: str, in_channels: int, out_channels: int, kernel_size: int) -> list[tuple[int, ...]]:
    """The weight shapes of the layer's stages (one for a single layer, two for the separable one)."""
    c_in, c_out, k = _check(kind, in_channels, out_channels, kernel_size)
    if kind == "depthwise separable":
        return [(c_in, 1, k, k), (c_out, c_in, 1, 1)]
    return [(c_out, 1 if kind == "depthwise" else c_in, k, k)]


def torch_layer(kind: str, in_channels: int, out_channels: int, kernel_size: int) -> str:
    """The ``torch.nn`` expression of the layer (bias off, 'same' padding)."""
    c_in, c_out, k = _check(kind, in_channels, out_channels, kernel_size)
    if kind == "pointwise":
        return f"nn.Conv2d({c_in}, {c_out}, 1, bias=False)"
    if kind == "standard":
        return f"nn.Conv2d({c_in}, {c_out}, {k}, padding={k // 2}, bias=False)"
    depthwise = f"nn.Conv2d({c_in}, {c_out if kind == 'depthwise' else c_in}, {k}, padding={k // 2}, groups={c_in}, bias=False)"
    if kind == "depthwise":
        return depthwise
    return f"nn.Sequential({depthwise}, nn.Conv2d({c_in}, {c_out}, 1, bias=False))"


# -- drawing -------------------------------------------------------------------------------


def _point(x: float, y: float, row: float, col: float) -> tuple[float, float]:
    """Where the corner (row, col) of a sheet whose top-left corner is (x, y) lands."""
    return x + col * CELL + row * SKEW, y + row * DEPTH


def _quad(x: float, y: float, r0: float, c0: float, r1: float, c1: float) -> str:
    """Path data of the parallelogram covering rows r0..r1 and columns c0..c1 of a sheet."""
    px, py = _point(x, y, r0, c0)
    w, dx, dy = (c1 - c0) * CELL, (r1 - r0) * SKEW, (r1 - r0) * DEPTH
    return f"M{px:g} {py:g}h{w:g}l{dx:g} {dy:g}h{-w:g}z"


def _grid_lines(x: float, y: float, rows: int, cols: int) -> str:
    """Path data of the inner cell lines of a ``rows x cols`` sheet (relative moves: short)."""
    dx, dy, w = rows * SKEW, rows * DEPTH, cols * CELL
    data = ""
    if cols > 1:  # every column line is the previous one shifted by one cell
        data += "M{:g} {:g}".format(*_point(x, y, 0, 1)) + f"l{dx:g} {dy:g}"
        data += f"m{CELL - dx:g} {-dy:g}l{dx:g} {dy:g}" * (cols - 2)
    if rows > 1:
        data += "M{:g} {:g}".format(*_point(x, y, 1, 0)) + f"h{w:g}"
        data += f"m{SKEW - w:g} {DEPTH:g}h{w:g}" * (rows - 2)
    return data


def _sheets(svg: SVG, corners: list[tuple[float, float]], rows: int, cols: int, fill: str, stroke: str,
            dashed: bool = False, grid: bool = True) -> None:
    """Channels of ``rows x cols`` cells seen in perspective, top-left corners ``corners``, as two paths."""
    if not corners:
        return
    svg.path("".join(_quad(x, y, 0, 0, rows, cols) for x, y in corners), fill=fill, stroke=stroke,
             stroke_width=1, stroke_dasharray="3 2" if dashed else None)
    if grid and rows * cols > 1:
        svg.path("".join(_grid_lines(x, y, rows, cols) for x, y in corners), fill="none", stroke=stroke,
                 stroke_width=0.4, stroke_opacity=0.6)


def _stack_top(channels: int, height: float) -> float:
    """y of the first sheet of a stack of ``channels`` sheets, centred in ``height``."""
    return TOP + (height - (channels - 1) * PITCH) / 2 - 10


def _centre(x: float, y: float, r: float, c: float) -> tuple[float, float]:
    return _point(x, y, r + 0.5, c + 0.5)


def tensors_view(kind: str, out_channels: int = 8, kernel_size: int = 3, channel: int = 0,
                 in_channels: int = 4, size: int = 6) -> str:
    """The input volume, the filters of one output channel and the output volume.

    Parameters
    ----------
    kind : {'standard', 'pointwise', 'depthwise', 'depthwise separable'}
    out_channels : int
        ``C_out`` (a multiple of ``in_channels`` for ``'depthwise'``).
    kernel_size : int
        Odd ``k`` (ignored by ``'pointwise'``, which has ``k = 1``).
    channel : int
        The output channel whose inputs are shown; a value ``>= C_out``
        shows the layer with no channel selected and says so.
    in_channels : int
        ``C_in`` (at most 8 keep the picture readable).
    size : int
        ``H = W`` of the drawn input and output (at least ``k``).

    Returns
    -------
    str
        An SVG and, under it, the weight shape(s), the parameter and
        multiply-add counts and the PyTorch layer.

    Raises
    ------
    ValueError
        For an unknown ``kind``, an even kernel, ``C_out`` not a multiple of
        ``C_in`` for a depthwise layer, a negative channel, or more than 8
        channels.
    """
    c_in, c_out, k = _check(kind, in_channels, out_channels, kernel_size)
    size = positive_int(size, "size")
    if not isinstance(channel, (int, np.integer)) or channel < 0:
        raise ValueError(f"channel must be a non-negative int, got {channel!r}")
    if max(c_in, c_out) > 8:
        raise ValueError(f"at most 8 input and output channels fit the picture, got {c_in} and {c_out}")
    if size < k:
        raise ValueError(f"size ({size}) must be at least the kernel size ({k})")
    selected = channel < c_out
    o = channel if selected else None
    reads = connectivity(kind, c_in, c_out)
    m = c_out // c_in if kind == "depthwise" else 1
    separable = kind == "depthwise separable"

    height = (max(c_in, c_out) - 1) * PITCH + 30
    width = 720.0
    x_in, x_f1, x_mid, x_f2, x_out, x_mat = 40.0, 160.0, 270.0, 390.0, 465.0, 595.0
    sheet_w = size * CELL + size * SKEW
    svg = SVG(width, TOP + height + 8, label=(
        f"{kind} convolution, {c_in} input and {c_out} output channels, kernel {k} by {k}"
        + (f": output channel {o} reads input channel(s) {', '.join(map(str, np.flatnonzero(reads[o])))}"
           if selected else "")))
    y_in, y_out = _stack_top(c_in, height), _stack_top(c_out, height)
    r0 = c0 = (size - 1) // 2  # the output pixel shown, and the window it reads
    window = (r0 - k // 2, c0 - k // 2, r0 + k // 2 + 1, c0 + k // 2 + 1)

    titles = [(x_in + sheet_w / 2, f"input ({c_in} channels)"), (x_out + sheet_w / 2, f"output ({c_out} channels)")]
    if separable:
        titles += [(x_f1 + 30, f"{k}×{k} filters"), (x_mid + sheet_w / 2, f"depthwise out ({c_in})"),
                   (x_f2 + 5, "1×1")]
    else:
        titles += [(x_f1 + 40, "filters of output " + (str(o) if selected else "o"))]
    svg.labels([(tx, 16, t) for tx, t in titles], size=12)

    def volume(x0: float, y0: float, channels: int, active: np.ndarray, fill: str) -> None:
        corners = [(x0, y0 + c * PITCH) for c in range(channels)]
        _sheets(svg, [p for p, on in zip(corners, active) if on], size, size, fill, GRID)
        _sheets(svg, [p for p, on in zip(corners, active) if not on], size, size, IDLE, UNREAD, dashed=True,
                grid=False)
        svg.labels([(x0 - 14, y + size * DEPTH / 2 + 4, str(c)) for c, (_, y) in enumerate(corners)],
                   size=10, fill="#444")

    windows: list[str] = []  # the kernel's window on each channel it reads, drawn over the sheets
    links: list[str] = []  # lines from a window to its filter, to the sum, to the output pixel
    filters: dict[int, list[tuple[float, float]]] = {}  # kernel size -> corners of its filter sheets

    def mark_window(x0: float, y: float, rect: tuple[int, int, int, int]) -> None:
        windows.append(_quad(x0, y, *rect))

    def link(a: tuple[float, float], b: tuple[float, float]) -> None:
        links.append(f"M{a[0]:g} {a[1]:g}L{b[0]:g} {b[1]:g}")

    def filter_sheet(x0: float, y: float, kk: int) -> tuple[float, float]:
        filters.setdefault(kk, []).append((x0, y))
        return _centre(x0, y, (kk - 1) / 2, (kk - 1) / 2)

    # input volume: which channels output o reads (all of them, plain, when no channel is chosen)
    active_in = reads[o] if selected else np.zeros(c_in, dtype=bool)
    volume(x_in, y_in, c_in, active_in if selected else np.ones(c_in, dtype=bool), INPUT)
    # output volume: the chosen channel
    volume(x_out, y_out, c_out, np.arange(c_out) == o if selected else np.ones(c_out, dtype=bool), OUTPUT)
    if selected:
        y = y_out + o * PITCH
        mark_window(x_out, y, (r0, c0, r0 + 1, c0 + 1))
        target = _centre(x_out, y, r0, c0)
        for c in np.flatnonzero(active_in):
            mark_window(x_in, y_in + c * PITCH, window)
        if separable:
            volume(x_mid, y_in, c_in, np.ones(c_in, dtype=bool), INPUT)
            sum_at = (x_out - 34, target[1])
            for c in range(c_in):
                y = y_in + c * PITCH
                f = filter_sheet(x_f1, y + (size - k) * DEPTH / 2, k)
                mid = _centre(x_mid, y, r0, c0)
                p = filter_sheet(x_f2, y + (size - 1) * DEPTH / 2, 1)
                mark_window(x_mid, y, (r0, c0, r0 + 1, c0 + 1))
                link(_centre(x_in, y, r0, c0), f)
                link(f, mid)
                link(mid, p)
                link(p, sum_at)
        else:
            sum_at = (x_out - 40, target[1])
            for c in np.flatnonzero(active_in):
                y = y_in + c * PITCH
                f = filter_sheet(x_f1 + (x_f2 - x_f1 - k * CELL) / 2 - 50, y + (size - k) * DEPTH / 2, k)
                link(_centre(x_in, y, r0, c0), f)
                link(f, sum_at)
        link((sum_at[0] + 8, sum_at[1]), target)
        for kk, corners in filters.items():
            _sheets(svg, corners, kk, kk, KERNEL_CELL, KERNEL)
        svg.path("".join(windows), fill=KERNEL_CELL, fill_opacity=0.85, stroke=KERNEL, stroke_width=1.6)
        svg.path("".join(links), fill="none", stroke=KERNEL, stroke_width=1.1, stroke_opacity=0.8)
        svg.circle(*sum_at, 8, fill="#fff", stroke=KERNEL, stroke_width=1.4)
        svg.text(sum_at[0], sum_at[1] + 4, "Σ" if active_in.sum() > 1 or separable else "×", size=11,
                 text_anchor="middle", fill="#333")

    # connectivity matrix
    cell = min(14.0, 120.0 / max(c_in, c_out))
    y_mat = TOP + 14
    svg.text(x_mat, y_mat - 10, "output o reads input c", size=11, fill="#333")
    on = [(x_mat + c * cell, y_mat + r * cell) for r in range(c_out) for c in range(c_in) if reads[r, c]]
    svg.grid(x_mat, y_mat, c_out, c_in, cell, fill="#fff", stroke=GRID, stroke_width=0.5)
    svg.path(squares_path(on, cell), fill=INPUT, stroke=GRID, stroke_width=0.5)
    if selected:
        svg.rect(x_mat - 1, y_mat + o * cell - 1, c_in * cell + 2, cell + 2, fill="none", stroke=KERNEL,
                 stroke_width=2)
    svg.text(x_mat, y_mat + c_out * cell + 14, f"rows: o = 0..{c_out - 1}", size=10, fill="#555")
    svg.text(x_mat, y_mat + c_out * cell + 27, f"columns: c = 0..{c_in - 1}", size=10, fill="#555")

    cost = layer_cost(kind, c_in, c_out, k, size)
    standard = layer_cost("standard", c_in, c_out, kernel_size, size)
    shapes = " then ".join(str(s) for s in weight_shapes(kind, c_in, c_out, k))
    if selected:
        read = np.flatnonzero(reads[o])
        what = (f"output channel {o} reads input channel {read[0]} only (o // m with m = {m})" if kind == "depthwise"
                else f"output channel {o} reads all {c_in} input channels"
                + (", each through its own intermediate channel" if separable else ""))
    else:
        what = f"this layer has {c_out} output channels: choose 0 to {c_out - 1}"
    lines = [
        f"<b>{escape(kind)}</b>: C<sub>in</sub> = {c_in}, C<sub>out</sub> = {c_out}"
        + (f" (m = {m})" if kind == "depthwise" else "") + f", k = {k}; {escape(what)}.",
        f"weight {escape(shapes)}: <b>{cost.parameters:,}</b> weights (bias not counted); "
        f"<b>{cost.multiply_adds:,}</b> multiply-adds on a {size}×{size} output, "
        f"{cost.multiply_adds / standard.multiply_adds:.3f} × a standard {kernel_size}×{kernel_size} layer.",
        f"<code>{escape(torch_layer(kind, c_in, c_out, k))}</code>",
    ]
    text = "".join(f"<div style='margin:2px 0'>{line}</div>" for line in lines)
    return f"{svg}<div style='font-size:13px;line-height:1.45'>{text}</div>"


def tensors_explorer(kinds: tuple[str, ...] = LAYER_TYPES, initial: str = "standard",
                     in_channels: int = 4) -> Explorer:
    """A menu of layer types and sliders for ``C_out``, ``k`` and the output channel over :func:`tensors_view`.

    ``C_out`` takes the values ``C_in`` and ``2 C_in`` (so a depthwise layer
    has multiplier 1 or 2); ``k`` is 3 or 5.

    Parameters
    ----------
    kinds : tuple of str
        The layer types offered (default: all four).
    initial : str
        The layer type shown first.
    in_channels : int
        ``C_in`` (1 to 4).

    Returns
    -------
    Explorer
    """
    for kind in kinds:
        _check(kind, 1, 1, 1)
    c_in = positive_int(in_channels, "in_channels")
    if c_in > 4:
        raise ValueError(f"in_channels must be at most 4 (C_out goes up to 2 C_in <= 8), got {c_in}")

    def render(kind: str, out_channels: int, kernel_size: int, channel: int) -> str:
        return tensors_view(kind, out_channels, kernel_size, channel, in_channels=c_in)

    return Explorer(render, [
        Control("kind", kinds, "layer", initial),
        Control("out_channels", [c_in, 2 * c_in], "C_out", 2 * c_in),
        Control("kernel_size", [3, 5], "k", 3),
        Control("channel", list(range(2 * c_in)), "output channel", 1),
    ])


__all__ = ["LAYER_TYPES", "connectivity", "layer_cost", "tensors_explorer", "tensors_view", "torch_layer",
           "weight_shapes"]
