"""Normalising and checking the arguments shared by every convolution.

Every public function in ``convkit`` accepts hyper-parameters the way
``torch.nn.functional`` does: a single integer applies to every spatial
dimension, a sequence gives one value per dimension.  The helpers here turn
those into tuples of Python ints and reject bad values with a message that
names the argument and the rule it broke, so that errors surface at the call
site and never as an ``IndexError`` deep inside an implementation.

The array-like rule (one rule for every size, stride, padding, dilation,
channel count and group count in ``convkit``):

* **one integer**, used for every spatial dimension: a Python ``int``, a
  NumPy integer scalar (``np.int64(3)``) or a 0-d integer array
  (``np.array(3)``);
* **one value per dimension**: a ``tuple`` or ``list`` of such integers, or a
  1-d integer array.  Where the number of spatial dimensions is fixed (the
  convolutions, im2col), a sequence of length 1 stands for every dimension,
  as in torch (``stride=[2]`` is ``(2, 2)`` in ``conv2d``);
* **refused** with ``TypeError``: ``bool`` (``True`` is not a size), floats
  (even ``3.0``), strings, ``None``, arrays of any other dtype or rank;
  ``ValueError``: an empty sequence, or a sequence whose length is not the
  number of spatial dimensions.

Where the number of spatial dimensions is not fixed by the function (the
arithmetic and cost functions), it is the common length of the sequence
arguments (:func:`spatial_ndim`; ``(5,)`` is one dimension), and a fixed
default when every argument is a single integer.
"""

from __future__ import annotations

import numbers
from typing import Sequence, Union

import numpy as np
import numpy.typing as npt

# An integer or one integer per spatial dimension (see the module docstring).
IntOrTuple = Union[int, Sequence[int], npt.NDArray[np.integer]]


def _is_int(value: object) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _rule(name: str) -> str:
    return (
        f"{name} must be an int or a tuple/list/1-d array of ints (one per spatial dimension)"
    )


def int_values(value: object, name: str) -> tuple[tuple[int, ...], bool]:
    """Read an integer-or-sequence argument under the array-like rule.

    Parameters
    ----------
    value : int, sequence of int or integer array (0-d or 1-d)
    name : str
        Argument name, used in error messages.

    Returns
    -------
    values : tuple of int
        One value for a scalar, the values of a sequence otherwise.
    is_sequence : bool
        Whether ``value`` gave one value per dimension.

    Raises
    ------
    TypeError
        For anything that is not an integer or a sequence of integers.
    ValueError
        For an empty sequence.

    Examples
    --------
    >>> int_values(3, "stride")
    ((3,), False)
    >>> int_values(np.array([1, 2]), "stride")
    ((1, 2), True)
    """
    if _is_int(value):
        return (int(value),), False  # type: ignore[arg-type]
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iu" or value.ndim > 1:
            raise TypeError(
                f"{_rule(name)}; got an array of dtype {value.dtype} and shape {value.shape}"
            )
        if value.ndim == 0:
            return (int(value),), False
        values = tuple(int(v) for v in value)
    elif isinstance(value, (tuple, list)):
        if not all(_is_int(v) for v in value):
            raise TypeError(f"{name} must contain only ints, got {value!r}")
        values = tuple(int(v) for v in value)
    else:
        raise TypeError(f"{_rule(name)}; got {value!r}")
    if not values:
        raise ValueError(f"{name} must not be empty, got {value!r}")
    return values, True


def spatial_ndim(default: int | None = None, **arguments: object) -> tuple[int, bool]:
    """Number of spatial dimensions implied by per-dimension arguments.

    Parameters
    ----------
    default : int, optional
        The answer when every argument is a single integer; ``None`` means
        such calls are refused.
    **arguments
        ``name=value`` pairs; strings (padding modes) are skipped.

    Returns
    -------
    ndim : int
        The common length of the sequence arguments, or ``default``.
    any_sequence : bool
        Whether any argument was a sequence.

    Raises
    ------
    ValueError
        If two sequences have different lengths (the message names both).

    Examples
    --------
    >>> spatial_ndim(2, kernel_size=3, stride=(1, 2))
    (2, True)
    >>> spatial_ndim(1, kernel_size=3, stride=2)
    (1, False)
    """
    lengths: dict[str, int] = {}
    for name, value in arguments.items():
        if isinstance(value, str):
            continue
        values, is_sequence = int_values(value, name)
        if is_sequence:
            lengths[name] = len(values)
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(
            f"per-dimension arguments must all have the same length, but {described} values"
        )
    if lengths:
        return next(iter(lengths.values())), True
    if default is None:
        raise ValueError(
            f"give at least one of {', '.join(arguments)} as a tuple: "
            "the number of spatial dimensions is unknown"
        )
    return default, False


def as_tuple(value: IntOrTuple, ndim: int, name: str) -> tuple[int, ...]:
    """Expand ``value`` to a tuple of ``ndim`` Python ints.

    Parameters
    ----------
    value : int, sequence of int or integer array
        One integer (used for every dimension) or exactly ``ndim`` integers
        (see the array-like rule in the module docstring).
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
        If ``value`` is neither an integer nor a sequence of integers.
    ValueError
        If a sequence is empty or has the wrong length.

    Examples
    --------
    >>> as_tuple(3, 2, "kernel_size")
    (3, 3)
    >>> as_tuple([1, 2], 2, "stride")
    (1, 2)
    """
    values, is_sequence = int_values(value, name)
    if len(values) == 1:
        return values * ndim
    if len(values) != ndim:
        raise ValueError(
            f"{name} must have {ndim} value(s), one per spatial dimension, "
            f"got {len(values)}: {value!r}"
        )
    return values


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


def _single_int(value: object, name: str) -> int:
    """One integer under the array-like rule (a 0-d integer array counts)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value)
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, got {value!r}")
    return int(value)  # type: ignore[call-overload]


def positive_int(value: object, name: str) -> int:
    """Return ``value`` as an int, requiring ``value >= 1``."""
    number = _single_int(value, name)
    if number < 1:
        raise ValueError(f"{name} must be positive (>= 1), got {value!r}")
    return number


def nonnegative_int(value: object, name: str) -> int:
    """Return ``value`` as an int, requiring ``value >= 0``."""
    number = _single_int(value, name)
    if number < 0:
        raise ValueError(f"{name} must be non-negative (>= 0), got {value!r}")
    return number


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` if it is a ``bool`` (or NumPy bool); refuse anything else.

    ``bias=1`` or ``bias="no"`` would otherwise count as ``True``.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


# The dtypes of the torch-mirroring functions (convolutions, im2col, col2im,
# conv_matrix).  NumPy has no bfloat16.
FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def floating_array(value: npt.ArrayLike, name: str) -> np.ndarray:
    """``value`` as a float16, float32 or float64 array; every other dtype is refused.

    The dtype rule of the functions that mirror torch: nothing is converted
    silently.  Integer and boolean arrays raise ``TypeError`` (torch 2.13
    computes integer convolutions on the CPU, wrapping around on overflow,
    refuses booleans, and refuses integers in ``unfold``/``fold``; convkit
    refuses them everywhere: convert first, e.g. ``x.astype(np.float64)``),
    and so do complex and object arrays.  A Python list of floats becomes float64, as in NumPy.

    Raises
    ------
    TypeError
        Naming the argument and its dtype.
    """
    array = np.asarray(value)
    if array.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} must be a float16, float32 or float64 array, got dtype {array.dtype}"
            + (
                f"; convert it first, e.g. {name}.astype(np.float64)"
                if array.dtype.kind in "biu"
                else ""
            )
        )
    return array


def same_dtype(**arrays: np.ndarray | None) -> np.dtype:
    """The one dtype of ``arrays`` (``None`` entries skipped); mixing is refused.

    Like torch, which raises for a float32 input with a float64 weight,
    convkit never promotes silently.

    Raises
    ------
    TypeError
        Naming every argument and its dtype.

    Examples
    --------
    >>> same_dtype(input=np.zeros(2), weight=np.ones(2), bias=None)
    dtype('float64')
    """
    dtypes = {name: array.dtype for name, array in arrays.items() if array is not None}
    if len(set(dtypes.values())) > 1:
        described = ", ".join(f"{name} is {dtype}" for name, dtype in dtypes.items())
        raise TypeError(
            f"{', '.join(dtypes)} must have the same dtype (convkit, like torch, never "
            f"mixes them): {described}; convert with .astype()"
        )
    return next(iter(dtypes.values()))


def computation_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a computation runs in: float32 for float16, else ``dtype`` itself.

    float16 has an 11-bit significand: summing hundreds of products in it
    loses most digits, so float16 arrays are computed in float32 and the
    result rounded to float16 once, at the end (torch's CPU kernels also
    accumulate float16 in float32).
    """
    return np.dtype(np.float32) if np.dtype(dtype) == np.float16 else np.dtype(dtype)


def as_float_array(value: object, name: str) -> np.ndarray:
    """Convert ``value`` to a floating NumPy array, the way NumPy would.

    For the functions that mirror NumPy rather than torch
    (:mod:`convkit.correlation`, some figure helpers): integer and boolean
    arrays become ``float64``; floating arrays are kept; complex and object
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
