"""The per-path market history and guidance TVPI the fair verdict conditions on (run artifact).

``equity_conditioning`` holds, for the run's first :data:`CONDITIONING_PATHS` paths (a subset of
the fan sample), one row per path and quarterly step: ``tvpi`` of the guidance fund as a whole at
that step (CNY-free ratio; NaN before anything is paid in) and ``log_index``, the natural log of
the public index level at the step's end. :mod:`fundsvc.assessment.conditional` re-weights these
paths by how closely their index history matches the one that happened.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from fundsvc.metrics.multiples import tvpi_path

#: Paths kept for conditioning (240k rows for 48 quarters): enough for an effective sample of a
#: few hundred after re-weighting, small enough to store with every run.
CONDITIONING_PATHS = 5_000


def conditioning_frame(calls: np.ndarray, distributions: np.ndarray, nav: np.ndarray, index_level: np.ndarray,
                       path_offset: int = 0, n_max: int = CONDITIONING_PATHS) -> pl.DataFrame:
    """Long table ``path, step, tvpi, log_index`` of the paths with run-wide index below ``n_max``.

    Computed chunk by chunk (the venture side's ``equity_conditioning`` path table): the chunk
    starting at run-wide path ``path_offset`` contributes its first ``n_max − path_offset`` paths.

    Parameters
    ----------
    calls, distributions, nav : ndarray (n, n_steps)
        The guidance fund's flows (CNY per step).
    index_level : ndarray (n, n_steps + 1)
        Public index at the start and at each step end.
    """
    n = max(0, min(calls.shape[0], n_max - path_offset))
    n_steps = calls.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        tv = tvpi_path(np.asarray(calls[:n]), np.asarray(distributions[:n]), np.asarray(nav[:n]))
        log_index = np.log(np.asarray(index_level[:n, 1: n_steps + 1]))
    return pl.DataFrame({
        "path": np.repeat(np.arange(n, dtype=np.int64) + path_offset, n_steps),
        "step": np.tile(np.arange(n_steps, dtype=np.int64), n),
        "tvpi": np.asarray(tv, np.float64).reshape(-1), "log_index": log_index.reshape(-1)},
        schema={"path": pl.Int64, "step": pl.Int64, "tvpi": pl.Float64, "log_index": pl.Float64})
