"""The book's colours stay readable for colour-blind readers.

Each palette is viewed as a reader with normal vision and with each of the
three dichromacies sees it: protanopia and deuteranopia (red-green, about 1 in
12 men together) and tritanopia (blue-yellow, rare), simulated with the
matrices of Machado, Oliveira and Fernandes (2009, severity 1) on linear RGB.
Two colours count as told apart when their CIEDE2000 difference ΔE (Sharma,
Wu and Dalal 2005) stays above a threshold in all four views: about 2.3 is
just noticeable side by side, 10 and more is clearly different.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from convkit.figures import common, correlation, matrix

# Machado et al. (2009), severity 1.0, applied to linear RGB
VISIONS = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def rgb(colour) -> np.ndarray:
    """``'#rrggbb'`` or an RGB triple in [0, 1] -> sRGB array."""
    if isinstance(colour, str):
        digits = colour.lstrip("#")
        digits = "".join(2 * c for c in digits) if len(digits) == 3 else digits
        return np.array([int(digits[j:j + 2], 16) / 255 for j in (0, 2, 4)])
    return np.asarray(colour, dtype=float)[:3]


def linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def lab(colour, vision: str = "normal") -> np.ndarray:
    """CIELAB (D65) of ``colour`` as seen with ``vision``."""
    seen = np.clip(VISIONS[vision] @ linear(rgb(colour)), 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ seen
    xyz = xyz / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(lab1, lab2) -> float:
    """CIEDE2000 colour difference of two CIELAB colours."""
    (L1, a1, b1), (L2, a2, b2) = lab1, lab2
    C_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    G = 0.5 * (1 - np.sqrt(C_bar**7 / (C_bar**7 + 25**7)))
    a1, a2 = (1 + G) * a1, (1 + G) * a2
    C1, C2 = np.hypot(a1, b1), np.hypot(a2, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1)) % 360, np.degrees(np.arctan2(b2, a2)) % 360
    dh = 0.0 if C1 * C2 == 0 else (h2 - h1 + 180) % 360 - 180
    dH = 2 * np.sqrt(C1 * C2) * np.sin(np.radians(dh / 2))
    L_bar, C_bar = (L1 + L2) / 2, (C1 + C2) / 2
    if C1 * C2 == 0:
        h_bar = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_bar = (h1 + h2) / 2
    else:
        h_bar = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    T = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    S_L = 1 + 0.015 * (L_bar - 50) ** 2 / np.sqrt(20 + (L_bar - 50) ** 2)
    S_C, S_H = 1 + 0.045 * C_bar, 1 + 0.015 * C_bar * T
    R_T = (-2 * np.sqrt(C_bar**7 / (C_bar**7 + 25**7))
           * np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2)))))
    terms = ((L2 - L1) / S_L, (C2 - C1) / S_C, dH / S_H)
    return float(np.sqrt(terms[0] ** 2 + terms[1] ** 2 + terms[2] ** 2 + R_T * terms[1] * terms[2]))


def closest_pair(colours) -> tuple[float, str, object, object]:
    """The smallest ΔE between any two of ``colours`` in any of the four visions."""
    return min(
        (delta_e(lab(a, vision), lab(b, vision)), vision, a, b)
        for a, b in itertools.combinations(colours, 2)
        for vision in VISIONS
    )


# -- the tools are right ------------------------------------------------------

@pytest.mark.parametrize("lab1, lab2, expected", [  # Sharma, Wu and Dalal (2005), table 1
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
])
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert delta_e(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert delta_e(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_the_simulation_keeps_greys_and_catches_a_red_green_pair():
    for vision, matrix_ in VISIONS.items():
        assert np.allclose(matrix_.sum(axis=1), 1, atol=1e-3), vision  # white stays white
        assert delta_e(lab("#777777", vision), lab("#777777")) < 0.5
    # Tableau 10's red and green, the pair the book's matrix figure used to draw side by side
    assert delta_e(lab("#e15759", "deuteranopia"), lab("#59a14f", "deuteranopia")) < 3
    assert delta_e(lab("#e15759"), lab("#59a14f")) > 40


# -- the book's palettes ------------------------------------------------------

def test_kernel_tap_colours_stay_apart():
    """The convolution-matrix figure tells up to 9 kernel taps apart by colour alone."""
    d, vision, a, b = closest_pair(matrix.TAP_COLOURS)
    assert d >= 10, f"taps {a} and {b} differ by only ΔE {d:.1f} with {vision}"


def test_labels_on_tap_colours_are_readable():
    for colour in matrix.TAP_COLOURS:
        text = common.readable_text(colour)
        lum = sorted((common.relative_luminance(colour), common.relative_luminance(text)))
        assert (lum[1] + 0.05) / (lum[0] + 0.05) >= 4.5, (colour, text)  # WCAG AA


def test_cell_fills_stay_apart():
    """Input, padding, output and kernel cells are drawn side by side in the grid figures.

    Light fills cannot differ as much as saturated colours, and the grids are
    also told apart by position and label, so the bar is lower than for the taps.
    """
    fills = [common.INPUT, common.PADDING, common.OUTPUT, common.KERNEL_CELL, common.KERNEL, common.UNREAD]
    d, vision, a, b = closest_pair(fills)
    assert d >= 6, f"{a} and {b} differ by only ΔE {d:.1f} with {vision}"


def test_signal_curves_stay_apart():
    """Input signal, output and kernel share the axes of the 1-D figures."""
    d, vision, a, b = closest_pair([correlation.SIGNAL_STEM, correlation.OUTPUT_STEM, common.KERNEL,
                                    correlation.GHOST])
    assert d >= 15, f"{a} and {b} differ by only ΔE {d:.1f} with {vision}"


def test_signed_values_use_a_colour_blind_safe_diverging_map():
    """signed_rgb: zero is white, the sign is a hue every reader tells apart, the size a lightness."""
    limit = 2.0
    assert np.allclose(common.signed_rgb(np.zeros(1), limit)[0], 1, atol=0.04)
    levels = np.linspace(0.1, 1.0, 10) * limit
    positive, negative = common.signed_rgb(levels, limit), common.signed_rgb(-levels, limit)
    for vision in VISIONS:
        # the sign: +v and -v differ clearly from a quarter of the range on
        for v, pos, neg in zip(levels, positive, negative):
            if v >= 0.25 * limit:
                assert delta_e(lab(pos, vision), lab(neg, vision)) >= 15, (vision, v)
        # the size: both halves darken steadily away from zero
        for half in (positive, negative):
            lightness = [lab(c, vision)[0] for c in half]
            assert all(np.diff(lightness) < 0), (vision, np.round(lightness, 1))
    # the two ends are not a red/green pair (one would differ by ΔE < 5 here)
    for vision in ("protanopia", "deuteranopia"):
        assert delta_e(lab(positive[-1], vision), lab(negative[-1], vision)) >= 20
