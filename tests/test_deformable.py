"""convkit.deform_conv2d and its backward against independent torch references, in float64.

torchvision cannot be installed next to our torch, so the authorities are
(see ``deform_reference.py``): ``F.conv2d`` (zero offsets), shifted and dilated
``F.conv2d`` (integer offsets), a reference built on ``F.grid_sample`` with
autograd for every gradient, a floor-based torch gather for the gradients at
integer positions (the kinks), torchvision's sampling rule transcribed in
torch, and finite differences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

import convkit
from convkit.deformable import sampling_positions
from deform_reference import deform_conv2d_gather, deform_conv2d_grid_sample, torchvision_bilinear

TOL = dict(rtol=1e-10, atol=1e-10)


@dataclass
class DeformCase:
    """One random deformable convolution (batched arrays; ``batched`` says how to call)."""

    input: np.ndarray
    offset: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    mask: np.ndarray | None
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    batched: bool = True

    def __repr__(self) -> str:
        return (
            f"DeformCase(input{self.input.shape}, offset{self.offset.shape}, weight{self.weight.shape}, "
            f"bias={self.bias is not None}, mask={self.mask is not None}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, batched={self.batched})"
        )

    @property
    def hyper(self) -> tuple:
        return self.stride, self.padding, self.dilation

    def arrays(self) -> list[np.ndarray | None]:
        return [self.input, self.offset, self.weight, self.bias, self.mask]

    def tensors(self) -> list[torch.Tensor | None]:
        return [None if a is None else torch.tensor(a, requires_grad=True) for a in self.arrays()]

    def convkit(self, method: str = "fast") -> np.ndarray:
        x, off, w, b, m = self.arrays()
        if not self.batched:
            x, off, m = x[0], off[0], None if m is None else m[0]
        y = convkit.deform_conv2d(x, off, w, b, *self.hyper, mask=m, method=method)
        return y if self.batched else y[None]

    def convkit_backward(self, grad: np.ndarray, method: str = "fast") -> dict:
        x, off, w, b, m = self.arrays()
        if not self.batched:
            x, off, m, grad = x[0], off[0], None if m is None else m[0], grad[0]
        grads = convkit.deform_conv2d_backward(grad, x, off, w, b, *self.hyper, mask=m, method=method)
        result = grads._asdict()
        if not self.batched:
            for name in ("input", "offset", "mask"):
                if result[name] is not None:
                    result[name] = result[name][None]
        return result

    def reference(self, ref=deform_conv2d_grid_sample, grad: np.ndarray | None = None):
        """Forward through a torch reference, and (with ``grad``) autograd gradients by name."""
        x, off, w, b, m = self.tensors()
        y = ref(x, off, w, b, *self.hyper, mask=m)
        if grad is None:
            return y.detach().numpy()
        names = ["input", "offset", "weight", "bias", "mask"]
        given = [(name, t) for name, t in zip(names, (x, off, w, b, m)) if t is not None]
        grads = torch.autograd.grad(y, [t for _, t in given], torch.from_numpy(grad))
        return y.detach().numpy(), {name: g.numpy() for (name, _), g in zip(given, grads)}


@st.composite
def deform_cases(draw, max_size: int = 7, max_batch: int = 2, offsets: str = "random"):
    """A random valid deformable convolution in float64.

    offsets: ``"random"`` (fractional, with scales that push many samples off
    the image), ``"integer"`` (whole pixels, zero included: every sample on a
    kink) or ``"zero"``.
    """
    offset_groups = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    c_in = math.lcm(offset_groups, groups) * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    size, out = [], []
    for k, s, p, d in zip(kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        smallest = max(1, span - 2 * p)
        i = draw(st.integers(smallest, max(smallest, max_size)))
        size.append(i)
        out.append((i + 2 * p - span) // s + 1)
    batch = draw(st.integers(1, max_batch))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    taps = kernel[0] * kernel[1]
    offset_shape = (batch, 2 * offset_groups * taps, *out)
    if offsets == "random":
        scale = draw(st.sampled_from([0.3, 1.0, 2.5, 5.0]))
        offset = scale * rng.standard_normal(offset_shape)
    elif offsets == "integer":
        offset = rng.integers(-3, 4, size=offset_shape).astype(float)
    else:
        offset = np.zeros(offset_shape)
    mask = rng.uniform(0, 1, (batch, offset_groups * taps, *out)) if draw(st.booleans()) else None
    return DeformCase(
        input=rng.standard_normal((batch, c_in, *size)),
        offset=offset,
        weight=rng.standard_normal((c_out, c_in // groups, *kernel)),
        bias=rng.standard_normal(c_out) if draw(st.booleans()) else None,
        mask=mask,
        stride=stride,
        padding=padding,
        dilation=dilation,
        batched=batch > 1 or draw(st.booleans()),
    )


def assert_gradients_equal(got: dict, expected: dict, tol=TOL) -> None:
    for name, value in expected.items():
        assert got[name] is not None, name
        assert got[name].shape == value.shape, name
        np.testing.assert_allclose(got[name], value, **tol, err_msg=name)
    for name in ("bias", "mask"):
        if name not in expected:
            assert got[name] is None, name


# -- forward and backward against the grid_sample reference -----------------------


@given(deform_cases())
def test_forward_matches_grid_sample_reference(case):
    got = case.convkit()
    expected = case.reference()
    assert got.shape == expected.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, **TOL)


@given(deform_cases())
def test_every_gradient_matches_autograd_through_grid_sample(case):
    grad = np.random.default_rng(0).standard_normal(case.reference().shape)
    _, expected = case.reference(grad=grad)
    assert_gradients_equal(case.convkit_backward(grad), expected)


# -- integer offsets: on the kinks ------------------------------------------------


@given(deform_cases(offsets="integer"))
def test_integer_offsets_match_the_gather_reference_forward_and_backward(case):
    """Every sample on a kink: forward continuous, gradients from the right (as torchvision)."""
    grad = np.random.default_rng(1).standard_normal(case.reference().shape)
    forward, expected = case.reference(deform_conv2d_gather, grad=grad)
    np.testing.assert_allclose(case.convkit(), forward, **TOL)
    np.testing.assert_allclose(case.convkit(), case.reference(), **TOL)  # grid_sample agrees in value
    assert_gradients_equal(case.convkit_backward(grad), expected)


@given(deform_cases(offsets="zero"))
def test_zero_offsets_and_unit_mask_equal_conv2d(case):
    x, off, w, b, m = case.arrays()
    groups = x.shape[1] // w.shape[1]
    mask = None if m is None else np.ones_like(m)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), None if b is None else torch.from_numpy(b),
                        case.stride, case.padding, case.dilation, groups).numpy()
    got = convkit.deform_conv2d(x, off, w, b, *case.hyper, mask=mask)
    np.testing.assert_allclose(got, expected, **TOL)
    # the input and weight gradients are those of the ordinary convolution too
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    grad = np.random.default_rng(2).standard_normal(expected.shape)
    F.conv2d(xt, wt, None, case.stride, case.padding, case.dilation, groups).backward(torch.from_numpy(grad))
    grads = convkit.deform_conv2d_backward(grad, x, off, w, b, *case.hyper, mask=mask)
    np.testing.assert_allclose(grads.input, xt.grad.numpy(), **TOL)
    np.testing.assert_allclose(grads.weight, wt.grad.numpy(), **TOL)


def _shift(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """``x[..., r + dy, c + dx]`` with zeros outside."""
    margin = max(abs(dy), abs(dx))
    height, width = x.shape[-2:]
    padded = F.pad(x, (margin,) * 4)
    return padded[..., margin + dy: margin + dy + height, margin + dx: margin + dx + width]


@given(deform_cases(offsets="zero"), st.integers(-4, 4), st.integers(-4, 4))
def test_a_uniform_integer_offset_is_a_shifted_convolution(case, dy, dx):
    x, off, w, b, _ = case.arrays()
    off = off.copy()
    off[:, 0::2], off[:, 1::2] = dy, dx
    groups = x.shape[1] // w.shape[1]
    # shift the zero-padded input (the padding is where the grid starts, not a wall)
    (ph, pw) = case.padding
    padded = F.pad(torch.from_numpy(x), (pw, pw, ph, ph))
    expected = F.conv2d(_shift(padded, dy, dx), torch.from_numpy(w), None if b is None else torch.from_numpy(b),
                        case.stride, 0, case.dilation, groups)
    got = convkit.deform_conv2d(x, off, w, b, *case.hyper)
    np.testing.assert_allclose(got, expected.numpy(), **TOL)


@pytest.mark.parametrize("factor", [2, 3])
def test_integer_tap_offsets_turn_a_kernel_into_a_dilated_one(rng, factor):
    """Offsets (i, j) * (factor - 1) move tap (i, j) to (i, j) * factor: a dilated convolution."""
    x = rng.standard_normal((2, 3, 11, 12))
    w = rng.standard_normal((4, 3, 3, 3))
    h_out, w_out = 11 + 2 - 3 + 1, 12 + 2 - 3 + 1  # deformable: kernel 3, padding 1
    offset = np.zeros((2, 18, h_out, w_out))
    for i in range(3):
        for j in range(3):
            offset[:, 2 * (i * 3 + j)] = i * (factor - 1)
            offset[:, 2 * (i * 3 + j) + 1] = j * (factor - 1)
    got = convkit.deform_conv2d(x, offset, w, padding=1)
    dilated = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1, dilation=factor).numpy()
    # same top-left corner; the dilated output is smaller (its kernel spans more)
    np.testing.assert_allclose(got[..., : dilated.shape[-2], : dilated.shape[-1]], dilated, **TOL)


# -- the sampling rule at the border -------------------------------------------------


BORDER = [-2.0, -1.5, -1.0, -1 + 1e-9, -0.999, -0.75, -0.5, -1e-9, 0.0, 1e-9, 0.3, 1.0, 2.5]


def test_grid_sample_boundary_rule_is_torchvision_rule(rng):
    """grid_sample(zeros, align_corners=True) == torchvision's rule == convkit, near every edge."""
    height, width = 4, 5
    image = rng.standard_normal((height, width))
    ys = BORDER + [height - 1 + t for t in (-1e-9, 0.0, 1e-9, 0.25, 0.5, 0.999, 1 - 1e-9, 1.0, 1.5)]
    xs = BORDER + [width - 1 + t for t in (-1e-9, 0.0, 1e-9, 0.25, 0.5, 0.999, 1 - 1e-9, 1.0, 1.5)]
    y = torch.tensor(ys, dtype=torch.float64)[:, None].expand(-1, len(xs))
    x = torch.tensor(xs, dtype=torch.float64)[None, :].expand(len(ys), -1)
    rule = torchvision_bilinear(torch.from_numpy(image), y, x).numpy()
    grid = torch.stack((2 * x / (width - 1) - 1, 2 * y / (height - 1) - 1), dim=-1)[None]
    sampled = F.grid_sample(torch.from_numpy(image)[None, None], grid, mode="bilinear",
                            padding_mode="zeros", align_corners=True)[0, 0].numpy()
    loop = np.array([[convkit.bilinear_sample(image, a, b) for b in xs] for a in ys])
    np.testing.assert_allclose(sampled, rule, rtol=0, atol=1e-12)
    np.testing.assert_allclose(loop, rule, rtol=0, atol=1e-15)
    # samples between -1 and 0 mix the first row/column with zeros: not 0, not clamped
    assert rule[ys.index(-0.5), xs.index(0.0)] == pytest.approx(0.5 * image[0, 0], abs=1e-15)
    assert (rule[[ys.index(v) for v in (-2.0, -1.5, -1.0)]] == 0).all()
    # the fast path, through a 1x1 deformable convolution of the same positions
    offset = np.stack(np.broadcast_arrays(y.numpy(), x.numpy()))[None]  # positions = offsets (1x1 kernel)
    offset_grid = offset[..., :height, :width]
    fast = convkit.deform_conv2d(image[None, None], offset_grid, np.ones((1, 1, 1, 1)))[0, 0]
    base = np.add.outer(np.arange(height), np.zeros(width)), np.add.outer(np.zeros(height), np.arange(width))
    expected = torchvision_bilinear(torch.from_numpy(image), torch.from_numpy(base[0] + offset_grid[0, 0]),
                                    torch.from_numpy(base[1] + offset_grid[0, 1])).numpy()
    np.testing.assert_allclose(fast, expected, rtol=0, atol=1e-15)


def test_all_four_neighbours_outside_read_zero(rng):
    x = rng.standard_normal((1, 2, 5, 5))
    offset = np.full((1, 2, 5, 5), 50.0)  # every sample far outside
    assert not convkit.deform_conv2d(x, offset, np.ones((3, 2, 1, 1))).any()
    grads = convkit.deform_conv2d_backward(np.ones((1, 3, 5, 5)), x, offset, np.ones((3, 2, 1, 1)))
    assert not grads.input.any() and not grads.offset.any()


def test_offset_gradient_at_kinks_is_the_right_derivative():
    """Zero offsets of a 1x1 kernel: d/dy is the forward difference x[y+1] - x[y] (0 beyond the image)."""
    image = np.arange(20.0).reshape(1, 1, 4, 5) ** 2
    weight = np.ones((1, 1, 1, 1))
    grads = convkit.deform_conv2d_backward(np.ones((1, 1, 4, 5)), image, np.zeros((1, 2, 4, 5)), weight)
    padded = np.pad(image[0, 0], ((0, 1), (0, 1)))
    np.testing.assert_array_equal(grads.offset[0, 0], padded[1:, :-1] - padded[:-1, :-1])
    np.testing.assert_array_equal(grads.offset[0, 1], padded[:-1, 1:] - padded[:-1, :-1])
    # and at y = -1 exactly (forward value 0), the right derivative is the first row
    offset = np.zeros((1, 2, 4, 5))
    offset[:, 0] = -1.0 - np.arange(4)[:, None]  # every sample at row -1
    grads = convkit.deform_conv2d_backward(np.ones((1, 1, 4, 5)), image, offset, weight)
    xt, ot = torch.tensor(image), torch.tensor(offset, requires_grad=True)
    deform_conv2d_gather(xt, ot, torch.tensor(weight)).sum().backward()
    np.testing.assert_array_equal(grads.offset[0, 0], np.broadcast_to(image[0, 0, 0], (4, 5)))
    np.testing.assert_allclose(grads.offset, ot.grad.numpy(), rtol=0, atol=1e-12)


# -- loop reference, finite differences, dtypes, batching ----------------------------


@settings(max_examples=60)
@given(deform_cases(max_size=5, max_batch=2))
def test_loop_reference_matches_fast_path(case):
    np.testing.assert_allclose(case.convkit("loop"), case.convkit(), **TOL)
    grad = np.random.default_rng(3).standard_normal(case.convkit().shape)
    fast = case.convkit_backward(grad)
    loop = case.convkit_backward(grad, "loop")
    assert_gradients_equal(loop, {k: v for k, v in fast.items() if v is not None})


@settings(max_examples=30)
@given(deform_cases(max_size=5, max_batch=2, offsets="integer"))
def test_loop_reference_matches_fast_path_on_the_kinks(case):
    grad = np.random.default_rng(4).standard_normal(case.convkit().shape)
    fast = case.convkit_backward(grad)
    assert_gradients_equal(case.convkit_backward(grad, "loop"), {k: v for k, v in fast.items() if v is not None})


@settings(max_examples=100)
@given(deform_cases(max_size=6))
def test_gradients_match_finite_differences_away_from_kinks(case):
    eps = 1e-6
    x, off, w, b, m = case.arrays()
    y, xs = sampling_positions(off, w.shape[-2:], *case.hyper)
    positions = np.concatenate([y.ravel(), xs.ravel()])
    distance = np.abs(positions - np.round(positions)).min()
    assume(distance > 1e-3)  # a step of eps * |direction| must not cross an integer
    rng = np.random.default_rng(5)
    grad = rng.standard_normal(case.convkit().shape)
    grads = case.convkit_backward(grad)
    for index, name in enumerate(["input", "offset", "weight", "bias", "mask"]):
        array = case.arrays()[index]
        if array is None:
            continue
        direction = rng.uniform(-1, 1, array.shape)

        def loss(t):
            arrays = case.arrays()
            arrays[index] = array + t * direction
            return float(np.sum(grad * convkit.deform_conv2d(arrays[0], arrays[1], arrays[2], arrays[3],
                                                             *case.hyper, mask=arrays[4])))

        numeric = (loss(eps) - loss(-eps)) / (2 * eps)
        analytic = float(np.sum(grads[name] * direction))
        assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-6), name


def test_float32_stays_float32(rng):
    x = rng.standard_normal((2, 4, 9, 9)).astype(np.float32)
    off = (2 * rng.standard_normal((2, 2 * 2 * 9, 5, 5))).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    m = rng.uniform(size=(2, 2 * 9, 5, 5)).astype(np.float32)
    got = convkit.deform_conv2d(x, off, w, b, 2, 1, 1, m)
    assert got.dtype == np.float32
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, off, w, b, m)]
    expected = deform_conv2d_grid_sample(tensors[0], tensors[1], tensors[2], tensors[3], 2, 1, 1, tensors[4])
    np.testing.assert_allclose(got, expected.detach().numpy(), rtol=1e-4, atol=1e-4)
    grad = rng.standard_normal(got.shape).astype(np.float32)
    grads = convkit.deform_conv2d_backward(grad, x, off, w, b, 2, 1, 1, m)
    expected_grads = torch.autograd.grad(expected, tensors, torch.from_numpy(grad))
    for name, value in zip(["input", "offset", "weight", "bias", "mask"], expected_grads):
        assert getattr(grads, name).dtype == np.float32, name
        np.testing.assert_allclose(getattr(grads, name), value.numpy(), rtol=1e-3, atol=1e-3, err_msg=name)


def test_unbatched_is_the_first_image_of_a_batch(rng):
    x = rng.standard_normal((1, 2, 6, 6))
    off = rng.standard_normal((1, 8, 5, 5))
    m = rng.uniform(size=(1, 4, 5, 5))
    w = rng.standard_normal((3, 2, 2, 2))
    batched = convkit.deform_conv2d(x, off, w, mask=m)
    single = convkit.deform_conv2d(x[0], off[0], w, mask=m[0])
    assert single.shape == (3, 5, 5)
    np.testing.assert_array_equal(single, batched[0])
    grad = rng.standard_normal((3, 5, 5))
    g1 = convkit.deform_conv2d_backward(grad, x[0], off[0], w, mask=m[0])
    g2 = convkit.deform_conv2d_backward(grad[None], x, off, w, mask=m)
    for name in ("input", "offset", "mask"):
        np.testing.assert_array_equal(getattr(g1, name), getattr(g2, name)[0])
    np.testing.assert_array_equal(g1.weight, g2.weight)


def test_without_mask_and_bias_their_gradients_are_none(rng):
    x = rng.standard_normal((1, 2, 5, 5))
    off = rng.standard_normal((1, 18, 3, 3))
    grads = convkit.deform_conv2d_backward(np.ones((1, 1, 3, 3)), x, off, np.ones((1, 2, 3, 3)))
    assert grads.mask is None and grads.bias is None
    # v1 is v2 with a unit mask
    ones = np.ones((1, 9, 3, 3))
    np.testing.assert_array_equal(convkit.deform_conv2d(x, off, np.ones((1, 2, 3, 3)), mask=ones),
                                  convkit.deform_conv2d(x, off, np.ones((1, 2, 3, 3))))


def test_bilinear_weight_is_the_tent():
    assert [convkit.bilinear_weight(q, 2.25) for q in (1, 2, 3, 4)] == [0.0, 0.75, 0.25, 0.0]
    x = torch.tensor([0.5, 2.25, 3.9], dtype=torch.float64)
    tent = torch.clamp(1 - torch.abs(2.0 - x), min=0)
    assert [convkit.bilinear_weight(2, v) for v in x.tolist()] == pytest.approx(tent.tolist(), abs=1e-15)


# -- errors ----------------------------------------------------------------------------

X = np.zeros((2, 4, 8, 8))
W = np.zeros((6, 4, 3, 3))
OFFSET = np.zeros((2, 18, 6, 6))


@pytest.mark.parametrize(
    "args,kwargs,error,match",
    [
        ((X, np.zeros((2, 10, 6, 6)), W), {}, ValueError, r"offset must have 2 \* offset_groups \* kh \* kw channels.*multiple of 2 \* 3 \* 3 = 18.*got 10"),
        ((X, np.zeros((2, 0, 6, 6)), W), {}, ValueError, r"positive multiple"),
        ((X, np.zeros((2, 54, 6, 6)), W), {}, ValueError, r"offset groups \(3 = offset.shape\[1\] / \(2 \* kh \* kw\)\) must divide the input channels C_in=4"),
        ((X, np.zeros((2, 18, 5, 6)), W), {}, ValueError, r"offset must have the output's spatial size \(H_out, W_out\) = \(6, 6\), got \(5, 6\)"),
        ((X, np.zeros((2, 18, 3, 3)), W), dict(stride=1), ValueError, r"spatial size"),
        ((X, np.zeros((1, 18, 6, 6)), W), {}, ValueError, r"offset must have the input's batch size 2"),
        ((X, np.zeros((18, 6, 6)), W), {}, ValueError, r"offset must have 4 dimensions"),
        ((X, OFFSET, W), dict(mask=np.zeros((2, 18, 6, 6))), ValueError, r"mask must have shape \(N, offset_groups \* kh \* kw, H_out, W_out\) = \(2, 9, 6, 6\)"),
        ((X, OFFSET, W), dict(mask=np.zeros((2, 9, 5, 5))), ValueError, r"mask must have shape"),
        ((X, OFFSET, W), dict(mask=np.zeros((9, 6, 6))), ValueError, r"mask must have 4 dimensions"),
        ((X, OFFSET, np.zeros((6, 3, 3, 3))), {}, ValueError, r"weight.shape\[1\] \(3\) must divide the input channels C_in=4"),
        ((X, OFFSET, np.zeros((5, 2, 3, 3))), {}, ValueError, r"weight groups \(2 = C_in / weight.shape\[1\]\) must divide the output channels C_out=5"),
        ((X, OFFSET, np.zeros((6, 4, 3))), {}, ValueError, r"weight must have 4 dimensions"),
        ((np.zeros((8, 8)), OFFSET, W), {}, ValueError, r"input must have 4 dimensions"),
        ((X, OFFSET, W, np.zeros(5)), {}, ValueError, r"bias must have shape \(C_out,\) = \(6,\)"),
        ((X, OFFSET, W), dict(stride=0), ValueError, r"stride must be positive"),
        ((X, OFFSET, W), dict(padding=-1), ValueError, r"padding must be non-negative"),
        ((X, OFFSET, W), dict(padding="same"), TypeError, r"padding must be an int or a tuple"),
        ((X, OFFSET, W), dict(dilation=(1, 0)), ValueError, r"dilation must be positive"),
        ((X, OFFSET, W), dict(method="magic"), ValueError, r"method must be 'fast' or 'loop'"),
        ((X, np.zeros((2, 18, 1, 1)), np.zeros((6, 4, 9, 9))), {}, ValueError, r"kernel is larger than the padded input"),
        ((X.astype(complex), OFFSET, W), {}, TypeError, r"input must be a real floating-point array"),
    ],
)
def test_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        convkit.deform_conv2d(*args, **kwargs)


def test_backward_checks_grad_output_shape():
    with pytest.raises(ValueError, match=r"grad_output must have the output's shape \(2, 6, 6, 6\)"):
        convkit.deform_conv2d_backward(np.zeros((2, 6, 5, 5)), X, OFFSET, W)
    with pytest.raises(ValueError, match=r"method must be 'fast' or 'loop'"):
        convkit.deform_conv2d_backward(np.zeros((2, 6, 6, 6)), X, OFFSET, W, method="slow")


# -- cost ---------------------------------------------------------------------------------


class TorchDeformable(torch.nn.Module):
    """A deformable layer in torch: an nn.Conv2d offset branch, then the grid_sample reference."""

    def __init__(self, c_in, c_out, kernel, stride, padding, dilation, groups, offset_groups, mask, bias):
        super().__init__()
        taps = kernel[0] * kernel[1]
        self.split = 2 * offset_groups * taps
        self.hyper = (stride, padding, dilation)
        self.offset = torch.nn.Conv2d(c_in, (3 if mask else 2) * offset_groups * taps, kernel, stride, padding,
                                      dilation, bias=bias)
        self.weight = torch.nn.Parameter(torch.randn(c_out, c_in // groups, *kernel))
        self.bias = torch.nn.Parameter(torch.randn(c_out)) if bias else None
        self.mask = mask
        self.seen = {}

    def forward(self, x):
        branch = self.offset(x)
        offset = branch[:, : self.split]
        mask = torch.sigmoid(branch[:, self.split:]) if self.mask else None
        self.seen = {"branch": branch, "offset": offset, "mask": mask}
        return deform_conv2d_grid_sample(x, offset, self.weight, self.bias, *self.hyper, mask=mask)


@pytest.mark.parametrize(
    "c_in,c_out,kernel,size,stride,padding,dilation,groups,offset_groups,mask,bias,batch",
    [
        (4, 6, (3, 3), (9, 9), 1, 1, 1, 1, 1, False, True, 1),
        (4, 6, (3, 3), (9, 9), 1, 1, 1, 1, 1, True, True, 2),
        (6, 4, (3, 2), (8, 11), (2, 1), (1, 0), (1, 2), 2, 3, True, False, 3),
        (8, 8, (1, 1), (5, 7), 1, 0, 1, 4, 2, False, True, 1),
    ],
)
def test_deformable_cost_matches_torch_counts(c_in, c_out, kernel, size, stride, padding, dilation, groups,
                                              offset_groups, mask, bias, batch):
    layer = TorchDeformable(c_in, c_out, kernel, stride, padding, dilation, groups, offset_groups, mask, bias)
    x = torch.randn(batch, c_in, *size)
    with FlopCounterMode(display=False) as counter:
        y = layer(x)
    cost = convkit.deformable_cost(c_in, c_out, kernel, size, stride, padding, dilation, groups,
                                   offset_groups, mask, bias=bias, batch=batch)
    assert cost.parameters == sum(p.numel() for p in layer.parameters())
    assert cost.weight_bytes == sum(p.numel() * p.element_size() for p in layer.parameters())
    # FlopCounterMode: the offset convolution and the weighted sums (matmul); the sampling is not counted
    positions = y.shape[-2] * y.shape[-1] * kernel[0] * kernel[1]
    sampled = batch * positions * c_in  # values grid_sample produced
    sampling = sampled * (4 + mask) + batch * positions * offset_groups * 4
    assert counter.get_total_flops() == 2 * (cost.multiply_adds - sampling)
    seen = layer.seen
    moved = [x, x, seen["offset"]]  # the branch reads x; the deformable stage x, offsets, mask
    moved += [seen["mask"]] if mask else []
    assert cost.input_bytes == sum(t.numel() * t.element_size() for t in moved)
    assert cost.output_bytes == (seen["branch"].numel() + y.numel()) * 4


def test_deformable_cost_errors():
    with pytest.raises(ValueError, match=r"offset_groups \(3\) must divide in_channels \(4\)"):
        convkit.deformable_cost(4, 4, 3, 9, offset_groups=3)
    with pytest.raises(ValueError, match=r"groups \(3\) must divide"):
        convkit.deformable_cost(4, 4, 3, 9, groups=3)
    with pytest.raises(TypeError, match=r"mask must be"):
        convkit.deformable_cost(4, 4, 3, 9, mask=1)
    with pytest.raises(TypeError, match=r"padding must be an int or a tuple of 2 ints"):
        convkit.deformable_cost(4, 4, 3, 9, padding="same")
    with pytest.raises(ValueError, match=r"kernel_size must have 2 value"):
        convkit.deformable_cost(4, 4, (3, 3, 3), 9)


# -- sampling positions and grid transformations -----------------------------------------


def test_sampling_positions_follow_the_definition(rng):
    offset = rng.standard_normal((2, 2 * 2 * 6, 4, 5))  # 2 offset groups, 2x3 kernel
    y, x = sampling_positions(offset, (2, 3), stride=(2, 1), padding=(1, 2), dilation=(3, 1))
    assert y.shape == x.shape == (2, 2, 6, 4, 5)
    off = offset.reshape(2, 2, 6, 2, 4, 5)
    for g, t, ho, wo in [(0, 0, 0, 0), (1, 5, 3, 4), (1, 2, 2, 1)]:
        i, j = divmod(t, 3)
        assert y[1, g, t, ho, wo] == ho * 2 - 1 + i * 3 + off[1, g, t, 0, ho, wo]
        assert x[1, g, t, ho, wo] == wo * 1 - 2 + j * 1 + off[1, g, t, 1, ho, wo]
    y1, x1 = sampling_positions(offset[1], (2, 3), (2, 1), (1, 2), (3, 1))
    np.testing.assert_array_equal(y1, y[1])
    with pytest.raises(ValueError, match=r"multiple of 12"):
        sampling_positions(offset[:, :10], (2, 3))


def test_kernel_grid_is_centred_and_row_major():
    np.testing.assert_array_equal(convkit.deformable.kernel_grid(3, 2)[[0, 4, 5]], [[-2, -2], [0, 0], [0, 2]])
    np.testing.assert_array_equal(convkit.deformable.kernel_grid((1, 2)), [[0, -0.5], [0, 0.5]])


def test_scaling_the_grid_by_two_is_a_dilated_convolution(rng):
    x = rng.standard_normal((2, 3, 9, 10))
    w = rng.standard_normal((4, 3, 3, 3))
    offset = convkit.deformable.affine_offsets(2 * np.eye(2), 3, (9, 10))
    got = convkit.deform_conv2d(x, np.broadcast_to(offset, (2, *offset.shape)), w, padding=1)
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=2, dilation=2).numpy()
    np.testing.assert_allclose(got, expected, **TOL)


def test_rotating_the_grid_by_a_right_angle_rotates_the_kernel(rng):
    x = rng.standard_normal((1, 2, 8, 8))
    w = rng.standard_normal((3, 2, 3, 3))
    quarter = np.array([[0.0, -1.0], [1.0, 0.0]])  # (dy, dx) -> (-dx, dy)
    offset = convkit.deformable.affine_offsets(quarter, 3, (8, 8))[None]
    got = convkit.deform_conv2d(x, offset, w, padding=1)
    # tap n now reads at A pn: the ordinary kernel that puts w[n] at A pn
    grid = convkit.deformable.kernel_grid(3)
    moved = np.zeros_like(w)
    for n, (dy, dx) in enumerate(grid @ quarter.T):
        moved[:, :, int(dy) + 1, int(dx) + 1] = w[:, :, n // 3, n % 3]
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(moved), padding=1).numpy()
    np.testing.assert_allclose(got, expected, **TOL)
    with pytest.raises(ValueError, match=r"matrix must have shape \(2, 2\)"):
        convkit.deformable.affine_offsets(np.eye(3), 3, 4)
