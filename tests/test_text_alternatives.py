"""Figures carry a text alternative (the browser suite checks the pages; these check the helpers)."""

from __future__ import annotations

import re

import matplotlib
import numpy as np

from convkit.figures.common import array_svg, figure_description, figure_html

matplotlib.use("Agg")


def test_figure_html_labels_a_matplotlib_figure_from_its_titles():
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    left.set_title("gain")
    left.set_xlabel("frequency (Hz)")
    left.set_ylabel("|H|")
    right.set_title("phase")
    fig.suptitle("moving average, k = 9")
    expected = "moving average, k = 9: gain (|H| against frequency (Hz)); phase"
    assert figure_description(fig) == expected
    svg = figure_html(fig)
    assert svg.startswith(f'<svg role="img" aria-label="{expected}"')
    assert svg.count("<svg") == 1


def test_figure_html_alt_text_can_be_given_and_is_escaped():
    import matplotlib.pyplot as plt

    png = figure_html(plt.figure(), "png", alt="x < 'y'")
    assert re.match(r"<img alt='x &lt; &#x27;y&#x27;' src='data:image/png;base64,", png)
    empty = plt.figure()
    assert figure_description(empty) == "figure"  # nothing to describe a figure by
    plt.close(empty)


def test_array_svg_is_labelled():
    svg = str(array_svg(np.zeros((2, 3)), title="kernel"))
    assert "role='img' aria-label='kernel: 2 x 3 grid of numbers'" in svg
