"""The Explorer mechanism (live widget + static HTML) and the figure helpers."""

import itertools
import json
import re

import numpy as np
import pytest

import convkit
from convkit.figures import arithmetic_explorer, arithmetic_view, array_svg, image_html, sliding_animation, sliding_view
from convkit.interactive import Control, Explorer


def render(k, s, mode="a"):
    return f"<p>k={k} s={s} mode={mode}</p>"


def static_data(html):
    payload = re.search(r"<script type='application/json' class='ck-data'>(.*?)</script>", html, re.S).group(1)
    return json.loads(payload.replace("<\\/", "</"))


def test_static_html_holds_every_combination_in_row_major_order():
    explorer = Explorer(render, [Control("k", [1, 2, 3]), Control("s", [1, 2]), Control("mode", ["a", "b"])])
    data = static_data(explorer.static_html())
    assert data["sizes"] == [3, 2, 2]
    assert len(data["lookup"]) == 12
    for flat, (k, s, mode) in enumerate(itertools.product([1, 2, 3], [1, 2], ["a", "b"])):
        assert data["frames"][data["lookup"][flat]] == render(k, s, mode)


def test_identical_frames_are_stored_once():
    explorer = Explorer(lambda k, s: f"<b>{k}</b>", {"k": [1, 2], "s": [1, 2, 3]})
    data = static_data(explorer.static_html())
    assert len(data["frames"]) == 2 and len(data["lookup"]) == 6


def test_static_controls_sliders_dropdowns_and_play():
    explorer = Explorer(render, [Control("k", [1, 2, 3], "kernel", 2), Control("s", [1, 2]), Control("mode", ["a", "b"])], play="k")
    html = explorer.static_html()
    assert html.count("type='range'") == 2
    assert "<select data-ck-control='mode'>" in html
    assert "data-ck-target='k'" in html
    assert "value='1' data-ck-control='k'" in html  # initial value 2 is index 1
    assert render(2, 1, "a") in html  # the initial frame is shown without JavaScript


def test_closing_script_tags_are_escaped():
    explorer = Explorer(lambda k: "<script>alert(1)</script>", {"k": [1]})
    payload = re.search(r"class='ck-data'>(.*?)</script>", explorer.static_html(), re.S).group(1)
    assert "</script" not in payload


def test_mimebundle_has_widget_and_html():
    bundle = Explorer(render, {"k": [1, 2], "s": [1]})._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "ck-explorer" in bundle["text/html"]


def test_live_widget_updates_the_view():
    explorer = Explorer(render, [Control("k", [1, 2, 3]), Control("s", [1, 4, 9]), Control("mode", ["a", "b"])], play="s")
    box = explorer.widget()
    controls, view = box.children
    k_slider, s_slider, mode_menu, player = controls.children
    assert view.value == render(1, 1, "a")
    k_slider.value = 3
    s_slider.value = 9  # a SelectionSlider: values need not be evenly spaced
    mode_menu.value = "b"
    assert view.value == render(3, 9, "b")
    assert player.max == 2


@pytest.mark.parametrize(
    "make,error,match",
    [
        (lambda: Explorer(render, {}), ValueError, "at least one control"),
        (lambda: Explorer(render, {"k": []}), ValueError, "at least one value"),
        (lambda: Explorer(render, {"k": [1, 1]}), ValueError, "repeated values"),
        (lambda: Explorer(render, [Control("k", [1, 2], value=5)]), ValueError, "not one of"),
        (lambda: Explorer(render, {"k": [1]}, play="s"), ValueError, "play must name one of"),
        (lambda: Explorer(render, {"k": ["a"]}, play="k"), ValueError, "numeric control"),
        (lambda: Explorer(render, {"k": range(100), "s": range(100)}), ValueError, "exceed max_frames"),
        (lambda: Explorer("nope", {"k": [1]}), TypeError, "render must be a callable"),
        (lambda: Explorer(render, [("k", [1])]), TypeError, "mapping name -> values"),
        (lambda: Explorer(lambda k: 3, {"k": [1]}).static_html(), TypeError, "must return an HTML string"),
        (lambda: Explorer(render, {"k": [1], "s": [1]}).view(z=1), ValueError, "unknown control"),
        (lambda: Explorer(render, {"k": [1], "s": [1]}).view(k=7), ValueError, "is not one of"),
    ],
)
def test_explorer_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("i,k,s,p,d", [(5, 3, 2, 1, 1), (6, 3, 2, 0, 1), (7, 3, 2, 1, 2), (8, 4, 3, 2, 2), (3, 1, 1, 0, 1)])
def test_arithmetic_view_states_the_true_output_size(i, k, s, p, d):
    html = arithmetic_view(i, k, s, p, d)
    o = convkit.conv_output_size(i, k, s, p, d)
    assert f"= <b>{o}</b>" in html
    assert f"→ (1, 1, {o}, {o})" in html
    assert f"output: {o} × {o}" in html


def test_arithmetic_view_reports_a_kernel_that_does_not_fit():
    html = arithmetic_view(3, 4, 1, 0, 2)
    assert "RuntimeError" in html and "kernel span 7 &gt; 3" in html


def test_arithmetic_view_hatches_cells_the_floor_drops():
    assert "never read" in arithmetic_view(6, 3, 2, 0, 1)  # 3/2 leaves a remainder
    assert "never read" not in arithmetic_view(5, 3, 2, 0, 1)  # 2/2 does not


def test_arithmetic_explorer_is_light_enough():
    html = arithmetic_explorer().static_html()
    assert len(html) < 2_000_000
    assert len(static_data(html)["lookup"]) == 6 * 4 * 3 * 3 * 2


def test_sliding_view_writes_out_the_sum(rng):
    x = rng.integers(-3, 4, size=(4, 5))
    w = rng.integers(-2, 3, size=(2, 3))
    y = convkit.conv2d(x[None, None].astype(float), w[None, None].astype(float), stride=1, padding=1)[0, 0]
    for step in (0, y.size - 1):
        r, c = divmod(step, y.shape[1])
        assert f"y[{r}, {c}] = " in sliding_view(x, w, step, padding=1)
        assert f"<b>{int(y[r, c])}</b>" in sliding_view(x, w, step, padding=1)
    with pytest.raises(ValueError, match="step must be in"):
        sliding_view(x, w, y.size, padding=1)
    assert len(sliding_animation(x, w, padding=1).frames()) == y.size


def test_array_svg_and_image_html():
    svg = str(array_svg(np.array([[1.0, np.nan], [2.5, -3.0]]), title="t"))
    assert ">2.5<" in svg and ">-3<" in svg and "nan" not in svg
    with pytest.raises(ValueError, match="must be 2-d"):
        array_svg(np.zeros(3))
    assert image_html(np.eye(3)).count("data:image/png;base64,") == 1
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, 3\)"):
        image_html(np.zeros((2, 2, 2)))
