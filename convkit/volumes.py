"""Small deterministic test data for 1-d and 3-d convolutions.

* :func:`chirp` -- a Hann-windowed linear chirp, the template of a matched filter;
* :func:`synthetic_signal` -- a 1-d recording: two slow tones, a chirp, a click
  and (seeded) noise, returned as a :class:`SyntheticSignal` that also keeps
  every component and where the chirp and the click are;
* :func:`ball_and_bar` -- a ``(D, H, W)`` volume with a solid ball and a
  rectangular bar running through the whole depth;
* :func:`moving_square` -- a short ``(T, H, W)`` "video" of a bright square
  moving sideways at a constant speed past a static bar.

Everything is plain NumPy in float64 and depends only on the arguments (the
noise on its ``seed``), so the figures and tests that use it are reproducible.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .arguments import positive_int, positive_tuple


def _positive_float(value: object, name: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not value > 0:
        raise ValueError(f"{name} must be positive (> 0), got {value!r}")
    return float(value)


def _int(value: object, name: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    return int(value)


def chirp(length: int, f0: float, f1: float, rate: float) -> np.ndarray:
    """A linear chirp from ``f0`` to ``f1`` Hz under a Hann window.

    ``c[n] = hann[n] * sin(2 pi (f0 t + (f1 - f0) t^2 / (2 T)))`` with
    ``t = n / rate`` and ``T = length / rate``: the instantaneous frequency
    rises linearly from ``f0`` to ``f1``.  The window makes it start and end
    at zero, so it has no sharp edges of its own.

    Parameters
    ----------
    length : int
        Number of samples, at least 2.
    f0, f1 : float
        Start and end frequency in Hz, positive.
    rate : float
        Sampling rate in Hz; ``f0`` and ``f1`` must stay below ``rate / 2``
        (the Nyquist frequency).

    Returns
    -------
    ndarray, shape (length,)

    Raises
    ------
    ValueError
        If ``length < 2``, a frequency or the rate is not positive, or a
        frequency reaches the Nyquist frequency.

    Examples
    --------
    >>> c = chirp(64, 8.0, 25.0, rate=100.0)
    >>> c.shape, round(float(c[0]), 12), round(float(c[-1]), 12)
    ((64,), 0.0, 0.0)
    """
    length = positive_int(length, "length")
    if length < 2:
        raise ValueError(f"length must be at least 2, got {length}")
    f0 = _positive_float(f0, "f0")
    f1 = _positive_float(f1, "f1")
    rate = _positive_float(rate, "rate")
    if max(f0, f1) >= rate / 2:
        raise ValueError(
            f"f0 and f1 must be below the Nyquist frequency rate/2 = {rate / 2:g} Hz, "
            f"got f0={f0:g}, f1={f1:g}"
        )
    t = np.arange(length) / rate
    duration = length / rate
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * duration))
    window = np.sin(np.pi * np.arange(length) / (length - 1)) ** 2  # Hann, 0 at both ends
    return window * np.sin(phase)


@dataclass(frozen=True)
class SyntheticSignal:
    """A synthetic 1-d recording and its parts (all arrays of shape ``(length,)``).

    Attributes
    ----------
    x : ndarray
        The recording: ``tones + chirp + click + noise``.
    tones : ndarray
        Two slow sine waves, 1.5 Hz (amplitude 1) and 4 Hz (amplitude 0.5).
    chirp : ndarray
        The chirp ``template`` placed at ``chirp_start``, zero elsewhere.
    click : ndarray
        One sample of height ``click_height`` at ``click_at``.
    noise : ndarray
        Gaussian noise (zeros when ``noise=0``).
    template : ndarray, shape (chirp_length,)
        The chirp alone, from :func:`chirp` (8 to 25 Hz).
    rate : float
        Sampling rate in Hz.
    chirp_start, click_at : int
        Sample index where the chirp starts and where the click is.
    click_height : float
    """

    x: np.ndarray
    tones: np.ndarray
    chirp: np.ndarray
    click: np.ndarray
    noise: np.ndarray
    template: np.ndarray
    rate: float
    chirp_start: int
    click_at: int
    click_height: float

    @property
    def t(self) -> np.ndarray:
        """Sample times in seconds, shape ``(length,)``."""
        return np.arange(len(self.x)) / self.rate


def synthetic_signal(
    length: int = 400,
    rate: float = 100.0,
    chirp_start: int = 120,
    chirp_length: int = 64,
    click_at: int = 290,
    click_height: float = 3.0,
    noise: float = 0.1,
    seed: int = 0,
) -> SyntheticSignal:
    """A 1-d test recording: slow tones + a chirp + a click + noise.

    The tones (1.5 Hz and 4 Hz) are what a moving average keeps, the click
    is what a difference kernel finds, and the chirp (8 to 25 Hz) is what a
    matched filter -- a cross-correlation with the chirp itself -- locates.

    Parameters
    ----------
    length : int
        Number of samples.
    rate : float
        Sampling rate in Hz (at least 60, so the 25 Hz chirp is below Nyquist).
    chirp_start : int
        First sample of the chirp; the chirp must fit: ``chirp_start +
        chirp_length <= length``.
    chirp_length : int
        Length of the chirp in samples (at least 2).
    click_at : int
        Index of the click, ``0 <= click_at < length``.
    click_height : float
        Height of the click, positive.
    noise : float
        Standard deviation of the Gaussian noise, ``>= 0``.
    seed : int
        Seed of ``numpy.random.default_rng`` for the noise.

    Returns
    -------
    SyntheticSignal
        ``x`` of shape ``(length,)`` and its components.

    Raises
    ------
    TypeError
        If an integer argument is not an int or a real one not a number.
    ValueError
        If a size or the rate is not positive, the chirp or the click does
        not fit in the signal, or ``noise`` is negative.

    Examples
    --------
    >>> s = synthetic_signal()
    >>> s.x.shape, s.chirp_start, s.click_at
    ((400,), 120, 290)
    >>> bool(np.allclose(s.x, s.tones + s.chirp + s.click + s.noise))
    True
    """
    length = positive_int(length, "length")
    rate = _positive_float(rate, "rate")
    chirp_length = positive_int(chirp_length, "chirp_length")
    chirp_start = _int(chirp_start, "chirp_start")
    click_at = _int(click_at, "click_at")
    seed = _int(seed, "seed")
    click_height = _positive_float(click_height, "click_height")
    if not isinstance(noise, numbers.Real) or isinstance(noise, bool):
        raise TypeError(f"noise must be a real number, got {noise!r}")
    if noise < 0:
        raise ValueError(f"noise must be non-negative (>= 0), got {noise!r}")
    if chirp_start < 0 or chirp_start + chirp_length > length:
        raise ValueError(
            f"the chirp must fit in the signal: 0 <= chirp_start and chirp_start + chirp_length "
            f"<= length, got chirp_start={chirp_start}, chirp_length={chirp_length}, length={length}"
        )
    if not 0 <= click_at < length:
        raise ValueError(f"click_at must be in [0, length={length}), got {click_at}")

    t = np.arange(length) / rate
    tones = np.sin(2 * np.pi * 1.5 * t) + 0.5 * np.sin(2 * np.pi * 4.0 * t + 1.0)
    template = chirp(chirp_length, 8.0, 25.0, rate)
    placed = np.zeros(length)
    placed[chirp_start : chirp_start + chirp_length] = template
    click = np.zeros(length)
    click[click_at] = click_height
    hiss = noise * np.random.default_rng(seed).standard_normal(length)
    return SyntheticSignal(
        x=tones + placed + click + hiss,
        tones=tones,
        chirp=placed,
        click=click,
        noise=hiss,
        template=template,
        rate=rate,
        chirp_start=chirp_start,
        click_at=click_at,
        click_height=click_height,
    )


def ball_and_bar(shape: tuple[int, int, int] = (12, 24, 24), radius: float = 4.0) -> np.ndarray:
    """A binary ``(D, H, W)`` volume: a solid ball and a bar through all the depth.

    * the ball: voxels within ``radius`` of ``(D // 2, H // 2, W // 3)``;
    * the bar: rows ``H // 4`` to ``3H // 4`` (exclusive), columns
      ``2W // 3`` and the next one, at *every* depth, so it looks the same on
      every slice and a kernel that differentiates along depth does not see
      it.

    Both have value 1 and the background 0.  The objects keep at least one
    voxel away from the faces of the grid (when ``radius`` allows), so a
    zero-padded convolution sees their whole surface.

    Parameters
    ----------
    shape : (int, int, int)
        ``(D, H, W)``, each at least 6.
    radius : float
        Radius of the ball in voxels, positive.

    Returns
    -------
    ndarray, shape (D, H, W), float64, values in {0, 1}

    Raises
    ------
    ValueError
        If a side is smaller than 6, the radius is not positive or the ball
        would touch a face of the grid.

    Examples
    --------
    >>> v = ball_and_bar((8, 12, 12), radius=2.5)
    >>> v.shape, sorted(np.unique(v).tolist())
    ((8, 12, 12), [0.0, 1.0])
    """
    if not isinstance(shape, (tuple, list)) or len(shape) != 3:
        raise ValueError(f"shape must be a tuple (D, H, W) of 3 ints, got {shape!r}")
    depth, height, width = positive_tuple(tuple(shape), 3, "shape")
    if min(depth, height, width) < 6:
        raise ValueError(f"shape must be at least 6 along every axis, got {tuple(shape)}")
    radius = _positive_float(radius, "radius")
    centre = np.array([depth // 2, height // 2, width // 3], dtype=float)
    room = min(centre[0], depth - 1 - centre[0], centre[1], height - 1 - centre[1], centre[2])
    if radius >= room:
        raise ValueError(
            f"radius must be smaller than {room:g} so the ball stays inside the grid "
            f"{tuple(shape)} with a margin of one voxel, got {radius:g}"
        )
    d, h, w = np.indices((depth, height, width))
    ball = (d - centre[0]) ** 2 + (h - centre[1]) ** 2 + (w - centre[2]) ** 2 <= radius**2
    bar = np.zeros((depth, height, width), dtype=bool)
    bar[:, height // 4 : 3 * height // 4, 2 * width // 3 : 2 * width // 3 + 2] = True
    return (ball | bar).astype(np.float64)


def moving_square(frames: int = 8, size: int = 16, square: int = 4, step: int = 1) -> np.ndarray:
    """A ``(T, H, W)`` video: a square moving sideways past a static bar.

    Frame ``t`` holds a ``square x square`` block of value 1 in rows
    ``2 .. 2 + square - 1`` whose left column is ``1 + step * t`` (for
    ``step >= 0``; for a negative step it starts at the right edge and moves
    left), plus a static horizontal bar of value 0.5 in the last two rows but
    one, which never moves.

    Parameters
    ----------
    frames : int
        Number of frames ``T``.
    size : int
        Height and width ``H = W`` of a frame, at least ``square + 5`` so
        that the square and the bar do not overlap.
    square : int
        Side of the square.
    step : int
        Horizontal displacement per frame in pixels (positive: to the
        right, negative: to the left, 0: standing still).

    Returns
    -------
    ndarray, shape (frames, size, size), float64

    Raises
    ------
    ValueError
        If a size is not positive, the frame is too small for the square
        and the bar, or the square would leave the frame.

    Examples
    --------
    >>> video = moving_square(frames=3, size=10, square=2, step=2)
    >>> [int(np.argmax(video[t, 2])) for t in range(3)]   # left edge of the square
    [1, 3, 5]
    """
    frames = positive_int(frames, "frames")
    size = positive_int(size, "size")
    square = positive_int(square, "square")
    step = _int(step, "step")
    if size < square + 5:
        raise ValueError(f"size must be at least square + 5 = {square + 5}, got {size}")
    travel = abs(step) * (frames - 1)
    if 1 + square + travel > size - 1:
        raise ValueError(
            f"the square leaves the frame: 1 + square + |step| * (frames - 1) = "
            f"{1 + square + travel} must be <= size - 1 = {size - 1}"
        )
    video = np.zeros((frames, size, size))
    video[:, size - 3 : size - 1, 1 : size - 1] = 0.5  # the static bar
    start = 1 if step >= 0 else size - 1 - square
    for t in range(frames):
        left = start + step * t
        video[t, 2 : 2 + square, left : left + square] = 1.0
    return video


__all__ = ["SyntheticSignal", "ball_and_bar", "chirp", "moving_square", "synthetic_signal"]
