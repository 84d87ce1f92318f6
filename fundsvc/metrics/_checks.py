"""Input coercion shared by the metrics modules: arrays in, :class:`InputError` out."""

from __future__ import annotations

import numpy as np

from fundsvc.errors import InputError


def bad_input(argument: str, message: str) -> InputError:
    """An :class:`InputError` about a Python argument (source ``<input>``)."""
    return InputError.single("<input>", argument, message)


def as_float_array(values, argument: str, ndims: tuple[int, ...] = (1, 2)) -> np.ndarray:
    """``values`` as a float64 array whose number of dimensions is one of ``ndims``."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise bad_input(argument, f"must be numbers ({exc})") from None
    if arr.ndim not in ndims:
        allowed = " or ".join(str(d) for d in ndims)
        raise bad_input(argument, f"must have {allowed} dimension(s), got shape {arr.shape}")
    return arr


def check_level(level, argument: str = "level") -> np.ndarray:
    """A probability level (scalar or 1-D) strictly between 0 and 1, as float64."""
    arr = as_float_array(level, argument, ndims=(0, 1))
    if not np.all((arr > 0) & (arr < 1)):
        raise bad_input(argument, f"must lie strictly between 0 and 1, got {arr.tolist()}")
    return arr


def check_positive_scalar(value, argument: str) -> float:
    """A finite, strictly positive number."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise bad_input(argument, f"must be a number, got {value!r}") from None
    if not np.isfinite(out) or out <= 0:
        raise bad_input(argument, f"must be a positive number, got {value!r}")
    return out


def check_nonnegative(arr: np.ndarray, argument: str) -> None:
    """Raise if any entry is negative (amounts that the convention says are positive)."""
    bad = arr < 0
    if bad.any():
        first = np.unravel_index(np.argmax(bad), arr.shape)
        raise bad_input(
            f"{argument}[{', '.join(str(int(i)) for i in first)}]",
            f"must be a non-negative amount (got {arr[first]!r}; {int(bad.sum())} negative "
            "value(s)); contributions and distributions are given as positive amounts",
        )
