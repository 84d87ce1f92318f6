"""Input checks shared by the analytic credit functions.

Every check raises :class:`fundsvc.errors.InputError` naming the argument, so a caller of the
service sees which input was wrong and why, never a traceback or a silent NaN.
"""

from __future__ import annotations

import numpy as np

from fundsvc.errors import InputError, Problem

SOURCE = "<input>"


def _describe_bad(values: np.ndarray, bad: np.ndarray) -> str:
    n_bad = int(np.count_nonzero(bad))
    first = values[bad].ravel()[0]
    if n_bad == 1:
        return f"got {first!r}"
    return f"got {first!r} (first of {n_bad} bad values)"


def as_float_array(name: str, value) -> np.ndarray:
    """Convert ``value`` to a float ndarray, reporting non-numeric input as an InputError."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            [Problem(SOURCE, name, f"must be a number or array of numbers; got {value!r}")]
        ) from None
    return arr


def check_range(
    name: str,
    value,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> np.ndarray:
    """Return ``value`` as a float array after checking ``low (<|<=) value (<|<=) high``.

    NaN always fails. The interval is written in the message with the usual bracket notation.
    """
    arr = as_float_array(name, value)
    lo_ok = arr > low if low_open else arr >= low
    hi_ok = arr < high if high_open else arr <= high
    bad = ~(lo_ok & hi_ok)
    if np.any(bad):
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise InputError(
            [Problem(SOURCE, name, f"must lie in {interval}; {_describe_bad(arr, bad)}")]
        )
    return arr


def check_probability(
    name: str, value, *, open_low: bool = False, open_high: bool = False
) -> np.ndarray:
    """Check a probability (default closed interval [0, 1])."""
    return check_range(name, value, 0.0, 1.0, low_open=open_low, high_open=open_high)


def check_correlation(name: str, value, *, allow_zero: bool = True) -> np.ndarray:
    """Check a one-factor asset correlation: [0, 1) (or (0, 1) when ``allow_zero`` is False)."""
    return check_range(name, value, 0.0, 1.0, low_open=not allow_zero, high_open=True)


def check_nonnegative_int(name: str, value) -> int:
    """Check a non-negative integer scalar (a count)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InputError([Problem(SOURCE, name, f"must be a non-negative integer; got {value!r}")])
    return int(value)


def check_positive_int(name: str, value) -> int:
    """Check a positive integer scalar."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError([Problem(SOURCE, name, f"must be a positive integer; got {value!r}")])
    return int(value)


def fail(name: str, message: str) -> InputError:
    """Build (not raise) a single-problem InputError for ``name``."""
    return InputError([Problem(SOURCE, name, message)])
