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


def conditioning_frame(sample, n_max: int = CONDITIONING_PATHS) -> pl.DataFrame | None:
    """Long table ``path, step, tvpi, log_index`` from a FanSample (None without index levels).

    Parameters
    ----------
    sample : FanSample
        ``guidance_calls`` etc. shape (n, n_steps); ``index_level`` shape (n, n_steps + 1).
    """
    if sample is None or sample.index_level is None:
        return None
    n = min(n_max, sample.guidance_calls.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        tv = tvpi_path(sample.guidance_calls[:n], sample.guidance_distributions[:n], sample.guidance_nav[:n])
    n_steps = tv.shape[1]
    log_index = np.log(sample.index_level[:n, 1: n_steps + 1])
    return pl.DataFrame({
        "path": np.repeat(np.arange(n, dtype=np.int64), n_steps),
        "step": np.tile(np.arange(n_steps, dtype=np.int64), n),
        "tvpi": tv.reshape(-1), "log_index": log_index.reshape(-1)})
