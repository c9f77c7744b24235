"""convkit.correlation (true convolution / cross-correlation of 1-d arrays) and its figure.

Reference semantics: np.convolve / np.correlate (every mode, either array
longer), checked also against scipy.signal and torch.nn.functional.conv1d in
float64.
"""

import doctest
import re

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit.correlation
from convkit.figures.correlation import KERNELS, SIGNAL, flip_explorer, flip_view
from convkit.correlation import MODES, convolve1d, correlate1d, output_length

TOL = dict(rtol=1e-10, atol=1e-10)


@st.composite
def pairs(draw, max_size=14, kernel_at_most_signal=False):
    """A random signal x and kernel k in float64 (the kernel may be the longer one)."""
    n = draw(st.integers(1, max_size))
    k = draw(st.integers(1, n if kernel_at_most_signal else max_size))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.standard_normal(n), rng.standard_normal(k)


def torch_correlate(x, k, before, after):
    """torch.nn.functional.conv1d of x padded with (before, after) zeros: a cross-correlation."""
    padded = F.pad(torch.from_numpy(x)[None, None], (before, after))
    return F.conv1d(padded, torch.from_numpy(k.copy())[None, None])[0, 0].numpy()


# -- NumPy semantics ---------------------------------------------------------


@given(pairs(), st.sampled_from(MODES))
def test_convolve1d_matches_np_convolve(pair, mode):
    x, k = pair
    got, expected = convolve1d(x, k, mode), np.convolve(x, k, mode)
    assert got.shape == expected.shape == (output_length(x.size, k.size, mode),)
    np.testing.assert_allclose(got, expected, **TOL)


@given(pairs(), st.sampled_from(MODES))
def test_correlate1d_matches_np_correlate(pair, mode):
    x, k = pair
    got, expected = correlate1d(x, k, mode), np.correlate(x, k, mode)
    assert got.shape == expected.shape == (output_length(x.size, k.size, mode),)
    np.testing.assert_allclose(got, expected, **TOL)


@pytest.mark.parametrize("n", range(1, 8))
@pytest.mark.parametrize("k", range(1, 8))
@pytest.mark.parametrize("mode", MODES)
def test_every_small_length_pair_matches_numpy(n, k, mode, rng):
    x, w = rng.standard_normal(n), rng.standard_normal(k)
    np.testing.assert_allclose(convolve1d(x, w, mode), np.convolve(x, w, mode), **TOL)
    np.testing.assert_allclose(correlate1d(x, w, mode), np.correlate(x, w, mode), **TOL)


def test_same_mode_alignment_is_numpys():
    # an impulse at the centre shows where 'same' puts the kernel
    x = np.array([0.0, 0, 1, 0, 0, 0])
    np.testing.assert_array_equal(correlate1d(x, [1, 2]), [0, 0, 2, 1, 0, 0, 0])
    # even kernel: y[i] = x[i - 1] w[0] + x[i] w[1], the extra zero goes before the signal
    np.testing.assert_array_equal(correlate1d(x, [1, 2], "same"), [0, 0, 2, 1, 0, 0])  # starts at full[0]
    np.testing.assert_array_equal(convolve1d(x, [1, 2], "same"), [0, 0, 1, 2, 0, 0])  # starts at full[0]
    np.testing.assert_array_equal(correlate1d(x, [1, 2, 3], "same"), [0, 3, 2, 1, 0, 0])  # starts at full[1]


def test_kernel_longer_than_signal():
    x, k = np.array([1.0, 2.0]), np.array([1.0, 10.0, 100.0, 1000.0])
    # convolution is commutative in every mode
    for mode in MODES:
        np.testing.assert_array_equal(convolve1d(x, k, mode), convolve1d(k, x, mode))
    # correlation is reversed, and its 'same' window starts one sample later
    np.testing.assert_array_equal(correlate1d(x, k, "valid"), correlate1d(k, x, "valid")[::-1])
    np.testing.assert_array_equal(correlate1d(x, k, "same"), np.correlate(x, k, "same"))
    np.testing.assert_array_equal(correlate1d(x, k, "same"), correlate1d(x, k)[1:5])
    np.testing.assert_array_equal(convolve1d(x, k, "same"), convolve1d(x, k)[0:4])
    assert not np.array_equal(convolve1d(x, k, "same"), correlate1d(x, k[::-1], "same"))


@given(pairs())
def test_commutativity_and_reversal(pair):
    x, k = pair
    for mode in MODES:
        np.testing.assert_allclose(convolve1d(x, k, mode), convolve1d(k, x, mode), **TOL)
    for mode in ("full", "valid"):
        np.testing.assert_allclose(correlate1d(x, k, mode), correlate1d(k, x, mode)[::-1], **TOL)


@given(pairs(max_size=8), st.integers(1, 6), st.integers(0, 1000))
def test_associativity_of_convolution(pair, size, seed):
    a, b = pair
    c = np.random.default_rng(seed).standard_normal(size)
    np.testing.assert_allclose(
        convolve1d(convolve1d(a, b), c), convolve1d(a, convolve1d(b, c)), **TOL
    )
    # correlation: (a * b) * c with * = correlation equals correlation with a convolution
    np.testing.assert_allclose(
        correlate1d(correlate1d(a, b), c), correlate1d(a, convolve1d(b, c)), **TOL
    )


@given(pairs(), st.sampled_from(MODES))
def test_convolution_is_correlation_with_flipped_kernel(pair, mode):
    x, k = pair
    if mode == "same" and k.size > x.size:  # numpy centres these two differently
        mode = "full"
    np.testing.assert_allclose(convolve1d(x, k, mode), correlate1d(x, k[::-1], mode), **TOL)


# -- SciPy ----------------------------------------------------------------------


@given(pairs(), st.sampled_from(MODES))
def test_matches_scipy_signal(pair, mode):
    x, k = pair
    conv = scipy.signal.convolve(x, k, mode, method="direct")
    corr = scipy.signal.correlate(x, k, mode, method="direct")
    if mode == "same" and k.size > x.size:
        # scipy's 'same' keeps len(x) values (centred, centre rounded down)
        start = (k.size - 1) // 2
        np.testing.assert_allclose(convolve1d(x, k)[start:start + x.size], conv, **TOL)
        np.testing.assert_allclose(correlate1d(x, k)[start:start + x.size], corr, **TOL)
    else:
        np.testing.assert_allclose(convolve1d(x, k, mode), conv, **TOL)
        np.testing.assert_allclose(correlate1d(x, k, mode), corr, **TOL)


# -- PyTorch (float64) ------------------------------------------------------------


@given(pairs())
def test_full_mode_matches_torch_conv1d_with_full_padding(pair):
    x, k = pair
    p = k.size - 1
    expected = F.conv1d(torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None], padding=p)
    np.testing.assert_allclose(correlate1d(x, k), expected[0, 0].numpy(), **TOL)
    np.testing.assert_allclose(convolve1d(x, k), torch_correlate(x, k[::-1], p, p), **TOL)


@given(pairs(kernel_at_most_signal=True))
def test_valid_and_same_match_torch_conv1d(pair):
    x, k = pair
    size = k.size
    np.testing.assert_allclose(correlate1d(x, k, "valid"), torch_correlate(x, k, 0, 0), **TOL)
    np.testing.assert_allclose(convolve1d(x, k, "valid"), torch_correlate(x, k[::-1], 0, 0), **TOL)
    # numpy's 'same' pads K // 2 zeros before and (K - 1) // 2 after
    before, after = size // 2, (size - 1) // 2
    np.testing.assert_allclose(correlate1d(x, k, "same"), torch_correlate(x, k, before, after), **TOL)
    np.testing.assert_allclose(convolve1d(x, k, "same"), torch_correlate(x, k[::-1], before, after), **TOL)


@pytest.mark.parametrize("size", range(1, 7))
def test_torch_same_padding_agrees_for_odd_kernels_only(size, rng):
    x, k = rng.standard_normal(9), rng.standard_normal(size)
    torch_same = F.conv1d(torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None], padding="same")
    torch_same = torch_same[0, 0].numpy()
    ours = correlate1d(x, k, "same")
    if size % 2:
        np.testing.assert_allclose(ours, torch_same, **TOL)
    else:  # torch puts the extra zero after the signal, numpy before: one sample apart
        np.testing.assert_allclose(ours[1:], torch_same[:-1], **TOL)
        assert not np.allclose(ours, torch_same)


# -- dtypes ---------------------------------------------------------------------


def test_float32_stays_float32(rng):
    x, k = rng.standard_normal(10).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    for mode in MODES:
        assert convolve1d(x, k, mode).dtype == np.float32
        assert correlate1d(x, k, mode).dtype == np.float32
        np.testing.assert_allclose(convolve1d(x, k, mode), np.convolve(x, k, mode), rtol=1e-5, atol=1e-5)


def test_integers_and_lists_give_float64():
    got = convolve1d([1, 2, 3], np.array([0, 1, 2]))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, np.convolve([1, 2, 3], [0, 1, 2]))
    assert correlate1d([True, False], [1, 2]).dtype == np.float64


# -- output_length ----------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 6))
@pytest.mark.parametrize("k", range(1, 6))
def test_output_length(n, k):
    assert output_length(n, k) == n + k - 1
    assert output_length(n, k, "same") == max(n, k)
    assert output_length(n, k, "valid") == max(n, k) - min(n, k) + 1
    for mode in MODES:
        assert output_length(n, k, mode) == len(np.convolve(np.ones(n), np.ones(k), mode))


# -- errors -----------------------------------------------------------------------


@pytest.mark.parametrize("function", [convolve1d, correlate1d])
@pytest.mark.parametrize(
    "x,k,mode,error,match",
    [
        (np.zeros((2, 3)), [1.0], "full", ValueError, r"x must be a 1-d array, got shape \(2, 3\)"),
        (3.0, [1.0], "full", ValueError, r"x must be a 1-d array, got shape \(\)"),
        ([1.0, 2.0], [[1.0]], "full", ValueError, r"k must be a 1-d array, got shape \(1, 1\)"),
        ([], [1.0], "full", ValueError, r"x must not be empty"),
        ([1.0], np.array([]), "valid", ValueError, r"k must not be empty"),
        ([1.0], [1.0], "circular", ValueError, r"mode must be 'full', 'same' or 'valid', got 'circular'"),
        ([1.0], [1.0], None, ValueError, r"mode must be 'full', 'same' or 'valid', got None"),
        ([1.0], [1.0], 2, ValueError, r"mode must be 'full', 'same' or 'valid', got 2"),
        ([1 + 2j], [1.0], "full", TypeError, r"x must be a real floating-point array, got dtype complex"),
        ([1.0], ["a"], "full", TypeError, r"k must be a real floating-point array"),
    ],
)
def test_bad_input(function, x, k, mode, error, match):
    with pytest.raises(error, match=match):
        function(x, k, mode)


@pytest.mark.parametrize(
    "args,error,match",
    [
        ((0, 3), ValueError, r"x_size must be positive"),
        ((3, -1), ValueError, r"k_size must be positive"),
        ((3.0, 2), TypeError, r"x_size must be an int"),
        ((3, 2, "circular"), ValueError, r"mode must be 'full', 'same' or 'valid'"),
    ],
)
def test_output_length_errors(args, error, match):
    with pytest.raises(error, match=match):
        output_length(*args)


def test_docstring_examples():
    result = doctest.testmod(convkit.correlation, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0


# -- the figure -----------------------------------------------------------------------


def _bold_lines(svg):
    """The written-out sums at the bottom of both panels."""
    return re.findall(r"font-weight=\"bold\">(= [^<]*)</text>", svg)


def test_flip_view_writes_the_right_sums():
    svg = flip_view(SIGNAL, (1, 2, 3), 8)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    conv, corr = _bold_lines(svg)
    # window over x[6], x[7], x[8] = 0, 1, 0: the flipped kernel puts w[1] = 2 on the spike, so does the other
    assert conv == "= 0·3 + 1·2 + 0·1 = 2"
    assert corr == "= 0·1 + 1·2 + 0·3 = 2"
    # n = 7: only x[7] = 1 under the window's right end
    conv, corr = _bold_lines(flip_view(SIGNAL, (1, 2, 3), 7))
    assert conv.endswith(f"= {convolve1d(SIGNAL, (1, 2, 3))[7]:g}") and conv.endswith("= 1")
    assert corr.endswith(f"= {correlate1d(SIGNAL, (1, 2, 3))[7]:g}") and corr.endswith("= 3")


@pytest.mark.parametrize("name", list(KERNELS))
def test_flip_view_every_shift_matches_convkit(name):
    w = KERNELS[name]
    conv, corr = convolve1d(SIGNAL, w), correlate1d(SIGNAL, w)
    for n in range(conv.size):
        lines = _bold_lines(flip_view(SIGNAL, w, n))
        values = [float(line.rsplit("= ", 1)[1].replace("\u2212", "-")) for line in lines]
        assert values == [conv[n], corr[n]]


def test_flip_view_errors():
    with pytest.raises(ValueError, match=r"n must be in \[0, 10\], got 11"):
        flip_view(SIGNAL, (1, 2, 3), 11)
    with pytest.raises(ValueError, match=r"kernel \(length 4\) must not be longer than signal \(length 3\)"):
        flip_view((1, 2, 3), (1, 2, 3, 4), 0)


def test_flip_explorer_static_page():
    explorer = flip_explorer()
    assert len(explorer.frames()) == (len(SIGNAL) + 2) * len(KERNELS)
    html = explorer.static_html()
    assert len(html) < 1_500_000
    assert "<select data-ck-control='kernel'>" in html and "data-ck-target='n'" in html


def test_flip_explorer_errors():
    with pytest.raises(ValueError, match=r"all kernels must have the same length"):
        flip_explorer(kernels={"a": (1, 2), "b": (1, 2, 3)})
    with pytest.raises(ValueError, match=r"initial must be in \[0, 10\], got 11"):
        flip_explorer(initial=11)
