"""Fund multiples — DPI, RVPI, TVPI, PIC — and investor-signed flows, vectorised over paths.

Conventions
-----------
* ``contributions`` (paid-in capital: calls for investments, fees and expenses) and
  ``distributions`` are **positive amounts** in CNY per time step, shape ``(n_steps,)`` for one
  fund or ``(n_paths, n_steps)``; time runs along the last axis. The two broadcast together.
* ``nav`` is the net asset value in CNY, either at the end only (shape ``flows.shape[:-1]``:
  a scalar for one fund, ``(n_paths,)``) or a series with the flows' shape, of which the last
  value is the terminal NAV.
* A multiple is NaN where nothing has been paid in (or for the commitment-based PIC, where the
  commitment is not positive), never ``inf``.

For :func:`fundsvc.metrics.irr` the same cash flows are needed *signed from the investor's view*
(contributions negative); :func:`signed_flows` makes them, adding the terminal NAV to the last
step.

Definitions (ILPA / industry standard): ``DPI = sum D / sum C``, ``RVPI = NAV_T / sum C``,
``TVPI = DPI + RVPI``, ``PIC = sum C / commitment``; the ``*_path`` versions use cumulative sums
up to each step (and the NAV of that step), giving the J-curve of each multiple.
"""

from __future__ import annotations

import numpy as np

from fundsvc.metrics._checks import as_float_array, bad_input, check_nonnegative


def _amounts(values, argument: str) -> np.ndarray:
    arr = as_float_array(values, argument)
    check_nonnegative(arr, argument)
    return arr


def _flows(contributions, distributions) -> tuple[np.ndarray, np.ndarray]:
    c = _amounts(contributions, "contributions")
    d = _amounts(distributions, "distributions")
    try:
        np.broadcast_shapes(c.shape, d.shape)
    except ValueError:
        raise bad_input("distributions", f"shape {d.shape} does not match contributions "
                        f"{c.shape}; both are (n_steps,) or (n_paths, n_steps)") from None
    return c, d


def _terminal_nav(nav, flows_shape: tuple[int, ...]) -> np.ndarray:
    """NAV at the last step, shape ``flows_shape[:-1]``, from a terminal value or a series."""
    arr = as_float_array(nav, "nav", ndims=(0, 1, 2))
    if arr.shape == flows_shape:
        return arr[..., -1]
    try:
        return np.broadcast_to(arr, flows_shape[:-1])
    except ValueError:
        raise bad_input("nav", f"shape {arr.shape} fits neither the terminal NAV "
                        f"{flows_shape[:-1]} nor the NAV series {flows_shape}") from None


def _nav_series(nav, flows_shape: tuple[int, ...]) -> np.ndarray:
    arr = as_float_array(nav, "nav")
    try:
        return np.broadcast_to(arr, flows_shape)
    except ValueError:
        raise bad_input("nav", f"the NAV series must have the flows' shape {flows_shape}, "
                        f"got {arr.shape}") from None


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` where ``den > 0``, NaN elsewhere (also where ``den`` is NaN)."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=np.float64), den)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out if out.ndim else float(out)


def dpi(contributions, distributions):
    """Distributions to paid-in, ``sum D / sum C``.

    Parameters
    ----------
    contributions, distributions : array_like, shape (n_steps,) or (n_paths, n_steps)
        Positive amounts in CNY.

    Returns
    -------
    float or ndarray, shape (n_paths,)
    """
    c, d = _flows(contributions, distributions)
    return _ratio(d.sum(axis=-1), c.sum(axis=-1))


def rvpi(contributions, nav):
    """Residual value to paid-in, ``NAV_T / sum C``.

    Parameters
    ----------
    contributions : array_like, shape (n_steps,) or (n_paths, n_steps)
        Positive amounts in CNY.
    nav : array_like, shape () / (n_paths,) (terminal) or like ``contributions`` (series)
        Net asset value in CNY.
    """
    c = _amounts(contributions, "contributions")
    return _ratio(_terminal_nav(nav, c.shape), c.sum(axis=-1))


def tvpi(contributions, distributions, nav):
    """Total value to paid-in, ``(sum D + NAV_T) / sum C`` (= DPI + RVPI).

    Parameters as :func:`dpi` and :func:`rvpi`.
    """
    c, d = _flows(contributions, distributions)
    shape = np.broadcast_shapes(c.shape, d.shape)
    return _ratio(d.sum(axis=-1) + _terminal_nav(nav, shape), c.sum(axis=-1))


def pic(contributions, commitment):
    """Paid-in to committed capital, ``sum C / commitment``.

    Parameters
    ----------
    contributions : array_like, shape (n_steps,) or (n_paths, n_steps)
        Positive amounts in CNY.
    commitment : float or array_like, shape (n_paths,)
        Committed capital in CNY.
    """
    c = _amounts(contributions, "contributions")
    k = as_float_array(commitment, "commitment", ndims=(0, 1))
    return _ratio(c.sum(axis=-1), k)


def dpi_path(contributions, distributions) -> np.ndarray:
    """DPI at every step from cumulative sums, shape like the flows (NaN before the first call)."""
    c, d = _flows(contributions, distributions)
    return _ratio(np.cumsum(d, axis=-1), np.cumsum(c, axis=-1))


def rvpi_path(contributions, nav) -> np.ndarray:
    """RVPI at every step, ``NAV_t / cumulative C``; ``nav`` is a series shaped like the flows."""
    c = _amounts(contributions, "contributions")
    return _ratio(_nav_series(nav, c.shape), np.cumsum(c, axis=-1))


def tvpi_path(contributions, distributions, nav) -> np.ndarray:
    """TVPI at every step, ``(cumulative D + NAV_t) / cumulative C``, shape like the flows."""
    c, d = _flows(contributions, distributions)
    shape = np.broadcast_shapes(c.shape, d.shape)
    return _ratio(np.cumsum(d, axis=-1) + _nav_series(nav, shape), np.cumsum(c, axis=-1))


def pic_path(contributions, commitment) -> np.ndarray:
    """PIC at every step, ``cumulative C / commitment``, shape like the flows."""
    c = _amounts(contributions, "contributions")
    k = as_float_array(commitment, "commitment", ndims=(0, 1))
    return _ratio(np.cumsum(c, axis=-1), k[..., None])


def signed_flows(contributions, distributions, nav=None) -> np.ndarray:
    """Investor-signed flows ``D - C`` with the terminal NAV added to the last step.

    This is the input :func:`fundsvc.metrics.irr` expects for a fund's IRR (valuing the
    remaining NAV as if distributed at the last step).

    Parameters
    ----------
    contributions, distributions : array_like, shape (n_steps,) or (n_paths, n_steps)
        Positive amounts in CNY.
    nav : array_like, optional
        Terminal NAV (shape ``flows.shape[:-1]``) or NAV series (flows' shape); omitted for a
        fully realised fund.

    Returns
    -------
    ndarray, shape (n_steps,) or (n_paths, n_steps)
    """
    c, d = _flows(contributions, distributions)
    shape = np.broadcast_shapes(c.shape, d.shape)
    return _signed(c, d, None if nav is None else _terminal_nav(nav, shape))


def _signed(c: np.ndarray, d: np.ndarray, nav_t: np.ndarray | None) -> np.ndarray:
    """``d - c`` with ``nav_t`` (shape ``[...]``) added to the last step; no validation."""
    out = d - c
    if nav_t is not None:
        out[..., -1] += nav_t
    return out
