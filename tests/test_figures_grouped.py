"""Figures of Part III (b): grouped layers, shuffled stacks, the ShuffleNet unit, the comparison table.

The pictures are drawn from :mod:`convkit.grouped`'s connectivity, which
``tests/test_grouped.py`` checks against autograd; here the numbers printed
beside them are checked against torch (``nn.Conv2d`` parameters,
``FlopCounterMode``, output shapes, autograd) and the explorers against
their size limits.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from convkit.cost import Cost
from convkit.figures import comparison_explorer, flow_explorer, groups_explorer, unit_explorer
from convkit.figures.comparison import comparison_table, layer_types
from convkit.figures.grouped import channel_flow_svg, group_colour, groups_view, strength_svg
from convkit.figures.pointwise_grouped import SHUFFLENET_STAGE2, unit_costs, unit_layers, unit_view
from convkit.figures.shuffled_grouped import flow_view, shuffle_svg, stack_layers
from convkit.grouped import channel_shuffle, stack_connectivity


def autograd_reach(model: nn.Module, channels: int) -> np.ndarray:
    x = torch.rand(1, channels, 6, 6, dtype=torch.float64, requires_grad=True)
    y = model(x)
    rows = []
    for o in range(y.shape[1]):
        (grad,) = torch.autograd.grad(y[:, o].sum(), x, retain_graph=True)
        rows.append((grad.abs().sum(dim=(0, 2, 3)) > 0).numpy())
    return np.array(rows)


@pytest.mark.parametrize("groups, out_channels", [(1, 12), (3, 12), (4, 24), (12, 12), (12, 24)])
def test_groups_view_numbers_are_torch_numbers(groups, out_channels):
    html = groups_view(groups, out_channels, 12, 3)
    layer = nn.Conv2d(12, out_channels, 3, padding=1, groups=groups)
    assert f"= ({', '.join(map(str, layer.weight.shape))});" in html.replace("(C<sub>out</sub>, C<sub>in</sub>/g, k, k) ", "")
    assert f"= {layer.weight.numel():,} " in html
    assert f"nn.Conv2d(12, {out_channels}, 3, padding=1, groups={groups})" in html
    # one line per connection: C_out * C_in / g of them
    lines = re.search(r"<path d='([^']*)' stroke=\"#8a96a3\"", html)
    if lines:
        assert lines.group(1).count("M") == out_channels * 12 // groups


def test_groups_explorer_spans_standard_to_depthwise():
    explorer = groups_explorer()
    groups = explorer.controls[0].values
    assert groups[0] == 1 and groups[-1] == 12
    assert "depthwise" in explorer.view(groups=12) and "standard" in explorer.view(groups=1)
    assert len(explorer.static_html()) < 400_000


@pytest.mark.parametrize("layers, groups, shuffle", [(2, 3, "off"), (2, 3, "on"), (2, 4, "on"), (3, 4, "on"), (1, 6, "on")])
def test_flow_view_summary_agrees_with_autograd(layers, groups, shuffle):
    modules = []
    for layer in range(layers):
        modules.append(nn.Conv2d(12, 12, 3, padding=1, groups=groups, bias=False, dtype=torch.float64))
        if shuffle == "on" and layer < layers - 1:
            modules.append(nn.ChannelShuffle(groups))
    reach = autograd_reach(nn.Sequential(*modules), 12)
    matrices, titles = stack_layers(12, groups, layers, shuffle == "on")
    np.testing.assert_array_equal(stack_connectivity(matrices), reach)
    html = flow_view(layers, groups, shuffle)
    smallest = int(reach.sum(axis=1).min())
    if smallest == 12:
        assert "every output depends on all 12 inputs" in html
    else:
        assert f"{smallest} of 12 inputs" in html


def test_flow_explorer_is_light():
    explorer = flow_explorer()
    assert len(explorer.frames()) == 4 * 5 * 2
    assert len(explorer.static_html()) < 1_000_000


def test_channel_flow_boxes_are_painted_with_the_groups_that_reach_them():
    matrices, titles = stack_layers(6, 3, 2, False)
    svg = str(channel_flow_svg(matrices, titles, 3))
    # without a shuffle no box holds two colours: every rect fill is a group colour or a frame
    fills = set(re.findall(r"fill=\"(#[0-9A-Fa-f]{6})\"", svg))
    assert {group_colour(g) for g in range(3)} <= fills
    with pytest.raises(ValueError, match="titles"):
        channel_flow_svg(matrices, ["input"], 3)


def test_shuffle_svg_reads_the_table_by_columns():
    svg = str(shuffle_svg(6, 2))
    order = re.findall(r"<text x='[^']+' y='([^']+)'>(\d+)</text>", svg)
    row_y = max(float(y) for y, _ in order)
    bottom = [int(t) for y, t in order if float(y) == row_y]
    expected = channel_shuffle(np.arange(6).reshape(1, 6, 1), 2)[0, :, 0].tolist()
    assert bottom == expected


@pytest.mark.parametrize("groups", sorted(SHUFFLENET_STAGE2))
def test_unit_costs_match_torch_and_the_shufflenet_formula(groups):
    c = SHUFFLENET_STAGE2[groups]
    m = c // 4
    stages = unit_costs(groups)
    branch = nn.Sequential(
        nn.Conv2d(c, m, 1, groups=groups, bias=False), nn.ChannelShuffle(groups),
        nn.Conv2d(m, m, 3, padding=1, groups=m, bias=False), nn.Conv2d(m, c, 1, groups=groups, bias=False),
    ).to("meta")
    with FlopCounterMode(display=False) as counter:
        branch(torch.empty(1, c, 28, 28, device="meta"))
    total = sum(cost.multiply_adds for cost in stages.values())
    assert 2 * total == counter.get_total_flops()
    assert total == 28 * 28 * (2 * c * m // groups + 9 * m)  # Zhang et al. (2018), Section 3.2
    assert sum(cost.parameters for cost in stages.values()) == sum(p.numel() for p in branch.parameters())


def test_unit_view_without_shuffle_keeps_groups_apart():
    matrices, _ = unit_layers(24, 3, shuffle=False)
    assert stack_connectivity(matrices).sum(axis=1).max() == 8
    assert "only 8 of 24 inputs" in unit_view(3, "off")
    assert "all 24 inputs" in unit_view(3, "on")
    assert len(unit_explorer().static_html()) < 800_000
    with pytest.raises(ValueError, match="shuffle"):
        unit_view(3, "maybe")


def measured(expression: str, batch: int, channels: int, size: int) -> tuple[Cost, tuple[int, ...]]:
    """Parameters, FLOPs / 2, bytes and output shape of the layer the expression builds (meta device)."""
    with torch.device("meta"):
        module = eval(expression, {"nn": nn})
    moved = {"input": 0, "output": 0}

    def count(layer, inputs, output):
        moved["input"] += inputs[0].numel() * inputs[0].element_size()
        moved["output"] += output.numel() * output.element_size()

    layers = [m for m in module.modules() if not isinstance(m, nn.Sequential)]
    hooks = [m.register_forward_hook(count) for m in layers]
    with FlopCounterMode(display=False) as counter:
        y = module(torch.empty(batch, channels, size, size, device="meta"))
    for hook in hooks:
        hook.remove()
    parameters = sum(p.numel() for p in module.parameters())
    cost = Cost(parameters, counter.get_total_flops() // 2, 4 * parameters, moved["input"], moved["output"])
    return cost, tuple(y.shape)


def deformable_measured(c_in: int, c_out: int, k: int, size: int) -> tuple[Cost, tuple[int, ...]]:
    """A deformable v2 layer counted in torch: its offset-and-mask branch and its weights as
    ``nn.Conv2d`` layers (parameters, FlopCounterMode, tensor bytes), plus the bilinear sampling,
    which FlopCounterMode cannot count: 4 multiply-adds per sampled value, 1 for the mask, and
    4 per sampling position for the weights (see ``convkit.deformable_cost``)."""
    branch, _ = measured(f"nn.Conv2d({c_in}, {3 * k * k}, {k}, padding={k // 2})", 1, c_in, size)
    ordinary, shape = measured(f"nn.Conv2d({c_in}, {c_out}, {k}, padding={k // 2})", 1, c_in, size)
    positions = shape[2] * shape[3] * k * k
    sampling = positions * (5 * c_in + 4)
    cost = Cost(
        branch.parameters + ordinary.parameters,
        branch.multiply_adds + ordinary.multiply_adds + sampling,
        branch.weight_bytes + ordinary.weight_bytes,
        branch.input_bytes + ordinary.input_bytes + branch.output_bytes,  # x twice, offsets and mask once
        branch.output_bytes + ordinary.output_bytes,
    )
    return cost, shape


@pytest.mark.parametrize("setting", [(16, 64, 3, 14, 2), (64, 16, 5, 28, 4), (256, 256, 7, 56, 8), (64, 256, 3, 28, 4)])
def test_every_row_of_the_comparison_is_what_torch_builds(setting):
    c_in, c_out, k, size, g = setting
    for row in layer_types(c_in, c_out, k, size, g):
        if row.cost is None:
            assert c_out % c_in and row.name == "depthwise"
            continue
        if not row.executable:
            assert row.name.startswith("deformable")
            cost, shape = deformable_measured(c_in, c_out, k, size)
            assert cost == row.cost and shape == row.output_shape
            continue
        cost, shape = measured(row.torch, 1, c_in, size)
        assert cost == row.cost, row.name
        assert shape == row.output_shape, row.name


def test_comparison_table_and_explorer():
    html = comparison_table(64, 16, 3, 28, 4).replace("<wbr>", "")
    assert "needs C_out = m · C_in" in html and "nn.ChannelShuffle(4)" in html
    assert html.count("<tr>") == 1 + len(layer_types(64, 16, 3, 28, 4))
    explorer = comparison_explorer()
    assert len(explorer.frames()) == 3 ** 5
    assert len(explorer.static_html()) < 1_200_000
    with pytest.raises(ValueError, match="odd"):
        layer_types(16, 16, 4, 28, 2)


def test_strength_svg():
    svg = str(strength_svg(np.eye(4), "identity", groups=2))
    assert svg.count("fill=\"#000000\"") == 4 and svg.count("fill=\"#ffffff\"") == 12
    with pytest.raises(ValueError, match="2-d"):
        strength_svg(np.ones(3), "bad")


def test_every_setting_of_the_comparison_explorer_is_what_torch_builds():
    """All 243 slider settings x every row, against modules built from the rows' torch calls."""
    import itertools

    explorer = comparison_explorer()
    counter = FlopCounterMode(display=False)
    with counter:
        for c_in, c_out, k, size, g in itertools.product(*(c.values for c in explorer.controls)):
            for row in layer_types(c_in, c_out, k, size, g):
                if row.cost is None or not row.executable:  # deformable: checked above
                    continue
                with torch.device("meta"):
                    module = eval(row.torch, {"nn": nn})
                moved = [0, 0]

                def count(layer, inputs, output):
                    moved[0] += inputs[0].numel() * inputs[0].element_size()
                    moved[1] += output.numel() * output.element_size()

                for layer in module.modules():
                    if not isinstance(layer, nn.Sequential):
                        layer.register_forward_hook(count)
                before = counter.get_total_flops()
                y = module(torch.empty(1, c_in, size, size, device="meta"))
                parameters = sum(p.numel() for p in module.parameters())
                flops = counter.get_total_flops() - before
                assert Cost(parameters, flops // 2, 4 * parameters, *moved) == row.cost, (row.name, c_in, c_out, k, size, g)
                assert tuple(y.shape) == row.output_shape


def test_explorer_label_names_the_static_figure():
    html = comparison_explorer().static_html()
    assert re.match(r"<div class='ck-explorer' id='ck-[0-9a-f]+' role='group' aria-label='table of every", html)
    from convkit.interactive import Explorer

    assert "aria-label" not in Explorer(lambda k: f"<svg aria-label='x'>{k}</svg>", {"k": [1, 2]}).static_html().split(">")[0]
    quoted = Explorer(lambda k: str(k), {"k": [1]}, label="it's <b>").static_html()
    assert "aria-label='it&#x27;s &lt;b&gt;'" in quoted
