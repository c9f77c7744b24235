"""Normalising and checking the arguments shared by every convolution.

Every public function in ``convkit`` accepts hyper-parameters the way
``torch.nn.functional`` does: a single ``int`` applies to every spatial
dimension, a tuple gives one value per dimension.  The helpers here turn
those into tuples and reject bad values with a message that names the
argument and the rule it broke, so that errors surface at the call site and
never as an ``IndexError`` deep inside an implementation.
"""

from __future__ import annotations

import numbers
from typing import Sequence, Union

import numpy as np

IntOrTuple = Union[int, Sequence[int]]


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def as_tuple(value: IntOrTuple, ndim: int, name: str) -> tuple[int, ...]:
    """Expand ``value`` to a tuple of ``ndim`` Python ints.

    Parameters
    ----------
    value : int or sequence of int
        One int (used for every dimension) or exactly ``ndim`` ints.
    ndim : int
        Number of spatial dimensions.
    name : str
        Argument name, used in error messages.

    Returns
    -------
    tuple of int
        ``ndim`` values.

    Raises
    ------
    TypeError
        If ``value`` is neither an int nor a sequence of ints.
    ValueError
        If a sequence has the wrong length.
    """
    if _is_int(value):
        return (int(value),) * ndim
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence | np.ndarray):
        raise TypeError(
            f"{name} must be an int or a tuple of {ndim} ints, got {value!r}"
        )
    values = tuple(value)
    if not all(_is_int(v) for v in values):
        raise TypeError(f"{name} must contain only ints, got {value!r}")
    if len(values) == 1:
        return (int(values[0]),) * ndim
    if len(values) != ndim:
        raise ValueError(
            f"{name} must have {ndim} value(s), one per spatial dimension, "
            f"got {len(values)}: {value!r}"
        )
    return tuple(int(v) for v in values)


def positive_tuple(value: IntOrTuple, ndim: int, name: str) -> tuple[int, ...]:
    """Like :func:`as_tuple`, and every value must be ``>= 1``."""
    values = as_tuple(value, ndim, name)
    if any(v < 1 for v in values):
        raise ValueError(f"{name} must be positive (>= 1), got {value!r}")
    return values


def nonnegative_tuple(value: IntOrTuple, ndim: int, name: str) -> tuple[int, ...]:
    """Like :func:`as_tuple`, and every value must be ``>= 0``."""
    values = as_tuple(value, ndim, name)
    if any(v < 0 for v in values):
        raise ValueError(f"{name} must be non-negative (>= 0), got {value!r}")
    return values


def positive_int(value: object, name: str) -> int:
    """Return ``value`` as an int, requiring ``value >= 1``."""
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be positive (>= 1), got {value!r}")
    return int(value)


def as_float_array(value: object, name: str) -> np.ndarray:
    """Convert ``value`` to a floating NumPy array.

    Integer and boolean arrays become ``float64`` (as ``np.convolve`` would
    compute them); ``float32`` and ``float64`` are kept; complex and object
    arrays are rejected.
    """
    array = np.asarray(value)
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        raise TypeError(
            f"{name} must be a real floating-point array, got dtype {array.dtype}"
        )
    return array
