"""Hypothesis strategies that draw valid convolution problems."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st


@dataclass
class Case:
    """One random convolution, with the arrays and the keyword arguments."""

    input: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    kwargs: dict

    def __repr__(self) -> str:  # short, readable failure reports
        return (
            f"Case(input{self.input.shape}, weight{self.weight.shape}, "
            f"bias={'yes' if self.bias is not None else 'no'}, {self.kwargs})"
        )


@st.composite
def conv_cases(
    draw,
    ndim: int,
    max_size: int = 9,
    max_channels: int = 3,
    max_batch: int = 2,
    depthwise: bool = False,
    dtype: type = np.float64,
):
    """A random valid ``ndim``-d convolution in ``dtype``.

    ``depthwise=True`` draws ``groups = C_in`` in ``2 .. 2 * max_channels``
    and ``C_out = m * C_in`` with a channel multiplier ``m`` in
    ``1 .. max_channels`` (weight ``(m * C_in, 1, *kernel)``).
    """
    if depthwise:
        groups = draw(st.integers(2, 2 * max_channels))
        c_in = groups
        c_out = groups * draw(st.integers(1, max_channels))
    else:
        groups = draw(st.integers(1, 3))
        c_in = groups * draw(st.integers(1, max_channels))
        c_out = groups * draw(st.integers(1, max_channels))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    mode = draw(st.sampled_from(["int", "tuple", "valid", "same"]))
    if mode == "same":
        stride = (1,) * ndim
        padding, pads = "same", [0] * ndim
    elif mode == "valid":
        padding, pads = "valid", [0] * ndim
    elif mode == "int":
        padding = draw(st.integers(0, 3))
        pads = [padding] * ndim
    else:
        pads = [draw(st.integers(0, 3)) for _ in range(ndim)]
        padding = tuple(pads)
    spatial = []
    for k, d, p in zip(kernel, dilation, pads):
        span = d * (k - 1) + 1
        smallest = max(1, span - 2 * p)
        spatial.append(draw(st.integers(smallest, max(smallest, max_size))))
    batched = draw(st.booleans())
    batch = (draw(st.integers(1, max_batch)),) if batched else ()
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(batch + (c_in, *spatial)).astype(dtype)
    w = rng.standard_normal((c_out, c_in // groups, *kernel)).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype) if draw(st.booleans()) else None
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    # exercise the int shorthand too
    if draw(st.booleans()) and len(set(stride)) == 1:
        kwargs["stride"] = stride[0]
    if draw(st.booleans()) and len(set(dilation)) == 1:
        kwargs["dilation"] = dilation[0]
    return Case(x, w, b, kwargs)
