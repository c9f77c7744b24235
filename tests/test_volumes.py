"""Synthetic 1-d / 3-d data (convkit.volumes) and the figures of the 1-D and 3-D chapter."""

import base64
import io
import json
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit
from convkit.figures.volume import (
    PADDINGS,
    filter_signal,
    signal_explorer,
    signal_kernels,
    signal_view,
    signed_image_html,
    volume_explorer,
    volume_view,
)
from convkit.volumes import SyntheticSignal, ball_and_bar, chirp, moving_square, synthetic_signal


def t64(array):
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))


def laplacian_kernel():
    w = np.zeros((3, 3, 3))
    w[1, 1, 1] = -6
    for axis in range(3):
        for end in (0, 2):
            tap = [1, 1, 1]
            tap[axis] = end
            w[tuple(tap)] = 1
    return w


# -- chirp --------------------------------------------------------------------------------


def test_chirp_is_windowed_and_rises_in_frequency():
    c = chirp(200, 5.0, 40.0, rate=200.0)
    assert c.shape == (200,)
    assert abs(c[0]) < 1e-12 and abs(c[-1]) < 1e-12
    assert np.abs(c).max() <= 1.0
    crossings = np.flatnonzero(np.diff(np.sign(c[1:-1])) != 0)
    first, last = np.sum(crossings < 50), np.sum(crossings >= 150)
    assert last > 2 * first  # higher frequency at the end


@pytest.mark.parametrize(
    "args,error,match",
    [
        ((1, 5.0, 10.0, 100.0), ValueError, "length must be at least 2"),
        ((0, 5.0, 10.0, 100.0), ValueError, "length must be positive"),
        ((10.5, 5.0, 10.0, 100.0), TypeError, "length must be an int"),
        ((10, 0.0, 10.0, 100.0), ValueError, "f0 must be positive"),
        ((10, 5.0, -1.0, 100.0), ValueError, "f1 must be positive"),
        ((10, 5.0, 10.0, 0.0), ValueError, "rate must be positive"),
        ((10, 5.0, 50.0, 100.0), ValueError, "below the Nyquist frequency"),
        ((10, "5", 10.0, 100.0), TypeError, "f0 must be a real number"),
    ],
)
def test_chirp_errors(args, error, match):
    with pytest.raises(error, match=match):
        chirp(*args)


# -- synthetic_signal ---------------------------------------------------------------------


def test_signal_is_the_sum_of_its_parts_and_deterministic():
    s = synthetic_signal()
    assert isinstance(s, SyntheticSignal)
    assert s.x.shape == s.tones.shape == s.chirp.shape == s.click.shape == s.noise.shape == (400,)
    np.testing.assert_allclose(s.x, s.tones + s.chirp + s.click + s.noise, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(s.x, synthetic_signal().x)
    assert not np.array_equal(s.noise, synthetic_signal(seed=1).noise)
    np.testing.assert_array_equal(s.chirp[s.chirp_start : s.chirp_start + len(s.template)], s.template)
    assert np.count_nonzero(s.click) == 1 and s.click[s.click_at] == s.click_height
    np.testing.assert_allclose(s.t, np.arange(400) / 100.0)
    assert not synthetic_signal(noise=0).noise.any()


@pytest.mark.parametrize("chirp_start,click_at", [(0, 399), (120, 290), (300, 50), (336, 10)])
def test_matched_filter_and_difference_find_the_chirp_and_the_click(chirp_start, click_at):
    s = synthetic_signal(chirp_start=chirp_start, click_at=click_at)
    matched = F.conv1d(t64(s.x)[None, None], t64(s.template)[None, None])[0, 0].numpy()
    np.testing.assert_allclose(filter_signal(s.x, s.template, "valid"), matched, rtol=1e-10, atol=1e-10)
    assert np.argmax(matched) == chirp_start
    diff = filter_signal(s.x, np.array([-1.0, 1.0]), "valid")
    neighbours = {click_at - 1, click_at} & set(range(len(diff)))
    assert set(np.argsort(np.abs(diff))[-len(neighbours):]) == neighbours


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(length=0), ValueError, "length must be positive"),
        (dict(rate=-1.0), ValueError, "rate must be positive"),
        (dict(chirp_start=350), ValueError, "the chirp must fit"),
        (dict(chirp_start=-1), ValueError, "the chirp must fit"),
        (dict(chirp_start=1.5), TypeError, "chirp_start must be an int"),
        (dict(click_at=400), ValueError, r"click_at must be in \[0, length=400\)"),
        (dict(click_height=0.0), ValueError, "click_height must be positive"),
        (dict(noise=-0.1), ValueError, "noise must be non-negative"),
        (dict(noise="a"), TypeError, "noise must be a real number"),
        (dict(seed=None), TypeError, "seed must be an int"),
        (dict(rate=40.0), ValueError, "Nyquist"),
    ],
)
def test_signal_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        synthetic_signal(**kwargs)


# -- ball_and_bar -------------------------------------------------------------------------


@pytest.mark.parametrize("shape,radius", [((12, 24, 24), 4.0), ((8, 12, 15), 2.5), ((6, 6, 9), 1.0)])
def test_ball_and_bar(shape, radius):
    v = ball_and_bar(shape, radius)
    assert v.shape == shape and v.dtype == np.float64
    assert set(np.unique(v)) == {0.0, 1.0}
    d, h, w = shape
    assert v[d // 2, h // 2, w // 3] == 1  # centre of the ball
    bar = v.sum(axis=0) == d  # filled at every depth
    assert bar[h // 4 : 3 * h // 4, 2 * w // 3 : 2 * w // 3 + 2].all()
    # the faces of the grid stay empty except where the bar crosses the front and back faces
    assert not v[:, 0].any() and not v[:, -1].any() and not v[:, :, 0].any() and not v[:, :, -1].any()


def test_laplacian_marks_the_surface_and_depth_derivative_ignores_the_bar():
    v = ball_and_bar()
    lap = F.conv3d(t64(v)[None, None], t64(laplacian_kernel())[None, None], padding=1)[0, 0].numpy()
    np.testing.assert_allclose(
        convkit.conv3d(v[None, None], laplacian_kernel()[None, None], padding=1)[0, 0], lap, atol=1e-12
    )
    padded = np.pad(v, 1)
    surface = np.zeros(v.shape, dtype=bool)
    for axis in range(3):
        for shift in (-1, 1):
            surface |= np.roll(padded, shift, axis=axis)[1:-1, 1:-1, 1:-1] != v
    np.testing.assert_array_equal(lap != 0, surface)
    dz = convkit.conv3d(v[None, None], np.array([-1.0, 0, 1]).reshape(1, 1, 3, 1, 1))[0, 0]
    bar = v.sum(axis=0) == v.shape[0]
    assert not dz[:, bar].any() and dz.any()


@pytest.mark.parametrize(
    "args,error,match",
    [
        (((12, 24),), ValueError, "shape must be a tuple"),
        (((5, 24, 24),), ValueError, "at least 6 along every axis"),
        (((12, 0, 24),), ValueError, "shape must be positive"),
        (((12, 24.0, 24),), TypeError, "shape must contain only ints"),
        (((12, 24, 24), 0.0), ValueError, "radius must be positive"),
        (((12, 24, 24), 6.0), ValueError, "radius must be smaller than"),
    ],
)
def test_ball_and_bar_errors(args, error, match):
    with pytest.raises(error, match=match):
        ball_and_bar(*args)


# -- moving_square ------------------------------------------------------------------------


@pytest.mark.parametrize("step", [-2, -1, 0, 1, 2])
def test_moving_square_positions_and_temporal_difference(step):
    video = moving_square(frames=5, size=16, square=3, step=step)
    assert video.shape == (5, 16, 16)
    start = 1 if step >= 0 else 16 - 1 - 3
    for t in range(5):
        cols = np.flatnonzero(video[t, 2] == 1)
        np.testing.assert_array_equal(cols, np.arange(start + step * t, start + step * t + 3))
        np.testing.assert_array_equal(video[t, 13:15, 1:15], 0.5)  # the static bar
    motion = F.conv3d(t64(video)[None, None], t64([-1.0, 1.0]).reshape(1, 1, 2, 1, 1))[0, 0].numpy()
    assert not motion[:, 13:15].any()
    for t in range(4):
        plus, minus = np.argwhere(motion[t] > 0), np.argwhere(motion[t] < 0)
        assert len(plus) == len(minus) == 3 * min(abs(step), 3)
        if step:
            assert np.sign(plus[:, 1].mean() - minus[:, 1].mean()) == np.sign(step)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(frames=0), ValueError, "frames must be positive"),
        (dict(size=8, square=4), ValueError, "size must be at least square"),
        (dict(frames=20, step=1), ValueError, "the square leaves the frame"),
        (dict(frames=8, step=-3), ValueError, "the square leaves the frame"),
        (dict(step=1.0), TypeError, "step must be an int"),
        (dict(square=True), TypeError, "square must be an int"),
    ],
)
def test_moving_square_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        moving_square(**kwargs)


# -- 1-d filtering and its figure -----------------------------------------------------------


@given(
    length=st.integers(1, 30),
    k=st.integers(1, 8),
    padding=st.sampled_from(PADDINGS),
    seed=st.integers(0, 2**32 - 1),
)
def test_filter_signal_matches_torch(length, k, padding, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(length), rng.standard_normal(k)
    if padding == "valid" and k > length:
        with pytest.raises(ValueError, match="kernel is larger than the padded input"):
            filter_signal(x, w, padding)
        return
    if padding == "causal":
        expected = F.conv1d(F.pad(t64(x)[None, None], (k - 1, 0)), t64(w)[None, None])
    else:
        expected = F.conv1d(t64(x)[None, None], t64(w)[None, None], padding=padding)
    got = filter_signal(x, w, padding)
    assert got.shape == (length - k + 1 if padding == "valid" else length,)
    np.testing.assert_allclose(got, expected[0, 0].numpy(), rtol=1e-10, atol=1e-10)


def test_causal_filter_ignores_the_future():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(40), rng.standard_normal(5)
    changed = x.copy()
    changed[21:] += 1.0
    y, y_changed = filter_signal(x, w, "causal"), filter_signal(changed, w, "causal")
    np.testing.assert_array_equal(y[:21], y_changed[:21])
    assert not np.allclose(y[21:], y_changed[21:])
    assert not np.allclose(filter_signal(x, w, "same")[:21], filter_signal(changed, w, "same")[:21])


@pytest.mark.parametrize(
    "args,match",
    [
        ((np.ones(5), np.ones(2), "full"), "padding must be one of"),
        ((np.ones((2, 5)), np.ones(2), "same"), "x and kernel must be 1-d"),
        ((np.ones(5), np.ones((1, 2)), "same"), "x and kernel must be 1-d"),
    ],
)
def test_filter_signal_errors(args, match):
    with pytest.raises(ValueError, match=match):
        filter_signal(*args)


def test_signal_kernels_and_view():
    s = synthetic_signal()
    kernels = signal_kernels(s, width=5)
    assert set(kernels) == {"moving average", "difference", "matched filter"}
    np.testing.assert_allclose(kernels["moving average"], np.full(5, 0.2))
    np.testing.assert_array_equal(kernels["matched filter"], s.template)
    html = signal_view(s, kernels, "matched filter", "causal")
    assert html.startswith("<svg") and "L_out = 400 + 63 − 64 + 1 = 400" in html
    assert "x[t−63 … t]" in html
    assert "max |y| at t = 183" in html  # the chirp has fully arrived at 120 + 63
    assert "x[t−2 … t+2]" in signal_view(s, kernels, "moving average", "same")
    valid = signal_view(s, kernels, "difference", "valid")
    assert "L_out = 400 + 0 − 2 + 1 = 399" in valid and "x[t … t+1]" in valid
    with pytest.raises(ValueError, match="kernel must be one of"):
        signal_view(s, kernels, "gaussian", "same")


def static_data(html):
    payload = re.search(r"<script type='application/json' class='ck-data'>(.*?)</script>", html, re.S).group(1)
    return json.loads(payload.replace("<\\/", "</"))


def test_signal_explorer_has_every_kernel_and_padding():
    s = synthetic_signal()
    explorer = signal_explorer(s)
    assert len(explorer.frames()) == 3 * len(PADDINGS)
    html = explorer.static_html()
    assert len(html) < 1_500_000
    assert static_data(html)["labels"] == [list(signal_kernels(s)), list(PADDINGS)]
    with pytest.raises(ValueError, match="kernels must name at least one kernel"):
        signal_explorer(s, {})


# -- the 3-d kernel figure ------------------------------------------------------------------


@settings(max_examples=30)
@given(
    shape=st.tuples(st.integers(3, 5), st.integers(3, 6), st.integers(3, 6)),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_volume_view_shows_the_conv3d_value(shape, kernel, seed, data):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=shape).astype(float)
    w = rng.integers(-2, 3, size=kernel).astype(float)
    y = F.conv3d(t64(x)[None, None], t64(w)[None, None])[0, 0].numpy()
    d, r, c = (data.draw(st.integers(0, n - 1)) for n in y.shape)
    html = volume_view(x, w, d, r, c)
    assert f"y[{d}, {r}, {c}] = " in html and f"= <b>{int(round(y[d, r, c]))}</b>" in html
    # the kernel covers exactly the depth slices d .. d + kD - 1
    covered = [int(k) for k in re.findall(r"depth (\d+) · w\[", html)]
    assert covered == list(range(d, d + kernel[0]))
    # the per-slice partial sums add up to the value
    partial = [float(p.replace("−", "-")) for p in re.findall(r"⋆ w\[\d+\] = ([−\d.]+)\)", html)]
    assert len(partial) == kernel[0] and abs(sum(partial) - y[d, r, c]) < 1e-9


def test_volume_explorer_frames_and_size():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(5, 6, 6)).astype(float)
    explorer = volume_explorer(x, laplacian_kernel())
    assert [len(c.values) for c in explorer.controls] == [3, 4, 4]
    assert explorer.play == "d"
    html = explorer.static_html()
    assert len(html) < 1_500_000
    data = static_data(html)
    assert len(data["lookup"]) == 48 and len(data["frames"]) == 48  # every output cell differs


@pytest.mark.parametrize(
    "args,match",
    [
        ((np.ones((4, 4)), np.ones((2, 2, 2)), 0, 0, 0), "x must be a non-empty 3-d array"),
        ((np.ones((4, 4, 4)), np.ones((2, 2)), 0, 0, 0), "w must be a non-empty 3-d array"),
        ((np.ones((4, 4, 4)), np.ones((5, 2, 2)), 0, 0, 0), "must not be larger than the volume"),
        ((np.ones((4, 4, 4)), np.ones((2, 2, 2)), 3, 0, 0), r"d must be an int in \[0, 3\)"),
        ((np.ones((4, 4, 4)), np.ones((2, 2, 2)), 0, -1, 0), r"r must be an int in \[0, 3\)"),
        ((np.ones((4, 4, 4)), np.ones((2, 2, 2)), 0, 0, 1.0), r"c must be an int in \[0, 3\)"),
    ],
)
def test_volume_view_errors(args, match):
    with pytest.raises(ValueError, match=match):
        volume_view(*args)


def test_volume_explorer_errors():
    with pytest.raises(ValueError, match="must not be larger than the volume"):
        volume_explorer(np.ones((3, 3, 3)), np.ones((3, 4, 3)))
    with pytest.raises(ValueError, match="x must be a non-empty 3-d array"):
        volume_explorer(np.ones((0, 3, 3)), np.ones((1, 1, 1)))


# -- signed images ---------------------------------------------------------------------------


def decode_png(html):
    import matplotlib.image

    data = re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)
    return matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png")


def test_signed_image_zero_is_white_and_sign_sets_the_colour():
    values = np.array([[0.0, 1.0], [-1.0, 0.0]])
    image = decode_png(signed_image_html(values, limit=1, scale=1))
    assert image.shape[:2] == (2, 2)
    zero, plus, minus = image[0, 0, :3], image[0, 1, :3], image[1, 0, :3]
    assert zero.min() > 0.9  # (near) white
    assert plus[0] > plus[2] and minus[2] > minus[0]  # red, blue
    blank = decode_png(signed_image_html(np.zeros((3, 3)), scale=1))
    assert blank[..., :3].min() > 0.9  # an all-zero slice stays white
    with pytest.raises(ValueError, match="values must be 2-d"):
        signed_image_html(np.zeros(3))
    with pytest.raises(ValueError, match="limit must be positive"):
        signed_image_html(np.ones((2, 2)), limit=0)
