"""convkit.figures.cost_speed: layer types against torch, timing helpers, figures."""

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import convkit
from convkit.figures import cost_speed as cs


def torch_counts(module, x):
    """(parameters, multiply-adds, bytes read and written by every leaf layer), counted by torch."""
    moved = []

    def hook(layer, inputs, output):
        tensors = [*inputs, output, *layer.parameters(recurse=False)]
        moved.append(sum(t.numel() * t.element_size() for t in tensors))

    handles = [m.register_forward_hook(hook) for m in module.modules() if not list(m.children())]
    with FlopCounterMode(display=False) as counter:
        module(x)
    for handle in handles:
        handle.remove()
    return sum(p.numel() for p in module.parameters()), counter.get_total_flops() // 2, sum(moved)


@pytest.mark.parametrize("c,h,k,n", [(8, 10, 3, 2), (16, 7, 5, 1), (12, 9, 1, 3)])
def test_every_layer_type_costs_what_torch_counts(c, h, k, n):
    types = cs.layer_types(groups=4)
    assert len({t.name for t in types}) == len(types) == 12
    for layer in types:
        cost = layer.cost(c, k, h, n)
        if layer.family == "deformable":
            parameters, macs, _ = torch_counts(layer.module(c, k), torch.zeros(n, c, h, h))
            sampling = n * h * h * k * k * (5 * c + 4)  # bilinear sampling: not counted by FlopCounterMode
            assert (cost.parameters, cost.multiply_adds - sampling) == (parameters, macs)
        else:
            module = layer.module(c, k).to("meta")
            counted = torch_counts(module, torch.empty(n, c, h, h, device="meta"))
            assert (cost.parameters, cost.multiply_adds, cost.bytes_moved) == counted, layer.name
        assert layer.family in cs.FAMILY_COLOURS


@pytest.mark.parametrize("k", [1, 3, 5])
def test_deformable_module_is_convkit_deform_conv2d(k):
    torch.manual_seed(k)
    layer = cs.deformable_module(5, k).double()
    x = torch.randn(2, 5, 7, 6, dtype=torch.float64)
    with torch.no_grad():
        branch = layer.offsets(x)
        expected = layer(x).numpy()
    got = convkit.deform_conv2d(
        x.numpy(), branch[:, :2 * k * k].numpy(), layer.conv.weight.detach().numpy(),
        layer.conv.bias.detach().numpy(), 1, k // 2, 1, torch.sigmoid(branch[:, 2 * k * k:]).numpy())
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_interleaved_medians_warm_up_then_take_turns():
    calls = []
    times = cs.interleaved_medians([lambda: calls.append("a"), lambda: calls.append("b")], repeats=3, warmup=2)
    assert calls == ["a", "a", "b", "b"] + ["a", "b"] * 3
    assert len(times) == 2 and all(t >= 0 for t in times)
    assert cs.time_call(lambda: None, repeats=3) >= 0


def test_time_layers_and_machine(monkeypatch):
    types = cs.layer_types(groups=2)
    results = cs.time_layers(types, 4, 3, 6, batch=1, repeats=1)
    assert [m.layer for m in results] == types
    assert all(m.seconds > 0 and m.throughput > 0 for m in results)
    assert results[0].cost == convkit.conv_cost(4, 4, 3, 6, padding=1)
    machine = cs.measure_machine(matrix=32, copy_mib=1, repeats=1)
    assert machine.peak > 0 and machine.bandwidth > 0 and "torch" in machine.label
    assert machine.ridge == machine.peak / machine.bandwidth
    cost = results[0].cost
    assert machine.bound(cost) == max(cost.multiply_adds / machine.peak, cost.bytes_moved / machine.bandwidth)


def fake_results(channels=8, kernel=3, size=8):
    types = cs.layer_types(groups=2)
    return [cs.Measurement(t, channels, kernel, size, 1, t.cost(channels, kernel, size, 1), 1e-3 * (i + 1))
            for i, t in enumerate(types)]


def test_figures_render():
    results = fake_results()
    machine = cs.Machine(peak=1e10, bandwidth=1e9, label="test machine")
    assert cs.roofline_figure(results, machine).startswith("<svg")
    assert cs.savings_figure({"a": results}, machine).startswith("<svg")
    bars = cs.bars_view(results, "test machine")
    assert bars.startswith("<svg") and "test machine" in bars and "aria-label" in bars
    for m in results:
        assert m.layer.name in bars


def test_explorer_has_a_frame_per_setting():
    table = {((c, h), k): fake_results(c, k, h) for c, h in [(8, 8), (16, 4)] for k in (1, 3)}
    explorer = cs.cost_speed_explorer(table, "test machine")
    assert len(explorer.frames()) == 4
    assert [c.label for c in explorer.controls] == ["channels and map size", "kernel size k"]


def test_bar_images():
    images, labels = cs.bar_images(64, noise=0.0, seed=3)
    assert images.shape == (64, 1, 16, 16) and images.dtype == np.float32
    assert labels.dtype == np.int64 and set(labels) <= {0, 1, 2, 3}
    assert set(np.unique(images)) <= {0.0, 1.0}
    horizontal = images[labels == 0, 0]
    assert all(((row.sum(axis=1) == 9).sum() == 1) for row in horizontal)  # one row holds the bar of 9 pixels
    again, _ = cs.bar_images(64, noise=0.0, seed=3)
    np.testing.assert_array_equal(images, again)
