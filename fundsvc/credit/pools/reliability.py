"""Cover reliability of the pools: how often, why and by how much claims go unpaid; lending pauses.

Per pool and programme year ``y`` (steps of year y), over paths:

* ``p_refused`` — probability that some claim is refused or reduced in year y, in total
  (``reason = any``) and by reason (:class:`~fundsvc.credit.pools.ledger.Refusal`: ``depletion``
  — the balance ran short; ``npl_pause`` / ``loss_pause`` — compensation paused by an NPL-ratio or
  cumulative-loss trigger; ``cap`` — a running cap such as 80 % of the cumulative loss). A path
  counts when the refused amount exceeds ``TOLERANCE_CNY``. Standard error ``√(p(1 − p)/n)``.
* ``unpaid_mean`` — expected refused amount in year y (CNY, over all paths), with standard error
  ``sd/√n``; ``claims_mean`` — expected claims (after per-loan caps); ``reliability`` =
  1 − unpaid_mean ÷ claims_mean (share of the claimed amount the pool pays; 1 without claims).
  Refused claims fall on the banks in the same step and are not carried forward, so in this model
  a claim is never merely *delayed*.
* Rows with ``year`` null summarise the whole horizon (``p_refused``: some refusal in any year).

Lending pauses: per pool and year, the probability that new lending is paused by a trigger at
some step of the year (``p_paused``, with s.e.) and at the year's first step (``p_paused_at_start``,
when a lending programme lends).

Both tables are computed from per-path columns (:func:`cover_path_columns`) summed over paths.
In a run these are SUM columns of the credit side's output contract
(:func:`fundsvc.credit.engine.outputs.credit_columns`, :mod:`fundsvc.simulation.sides.credit`;
registered as ``credit_cover_reliability`` / ``credit_lending_pauses``), so an in-memory run and a
streamed run use the same formula (:func:`cover_table`, :func:`lending_pause_table`).
:func:`cover_sums` / :func:`merge_sums` give the same sums outside a run.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from fundsvc.credit.pools.ledger import Refusal

TOLERANCE_CNY = 1e-6
REASONS: tuple[str, ...] = ("any", *(r.name.lower() for r in Refusal))
"""Reason labels: index 0 = any reason, then :class:`Refusal` order."""


def cover_path_columns(refused_by: np.ndarray, claims: np.ndarray, lending_paused: np.ndarray,
                       steps_per_year: int) -> dict[str, np.ndarray]:
    """Per-path columns whose sums over paths give the tables (path axis first).

    Parameters
    ----------
    refused_by : ndarray (n_paths, n_pools, n_steps, len(Refusal)), CNY
    claims : ndarray (n_paths, n_pools, n_steps), CNY
    lending_paused : ndarray of bool (n_paths, n_pools, n_steps)
    steps_per_year : int

    Returns
    -------
    dict of ndarray: per (path, pool, year + 1 [last = horizon], reason [any, then Refusal order]):
    ``cover_hit`` (int8, a refusal above ``TOLERANCE_CNY``), ``cover_unpaid``, ``cover_unpaid_sq``
    (CNY, CNY²); per (path, pool, year + 1): ``cover_claims``; per (path, pool, year):
    ``lending_paused`` (int8, paused at some step of the year), ``lending_paused_start`` (int8,
    paused at the year's first step).
    """
    n_paths, n_pools, n_steps, _ = refused_by.shape
    n_years = n_steps // steps_per_year
    steps = n_years * steps_per_year
    per_reason = np.concatenate([refused_by.sum(axis=3, keepdims=True), refused_by], axis=3)
    yr = per_reason[:, :, :steps].reshape(n_paths, n_pools, n_years, steps_per_year, per_reason.shape[3])
    hit = (yr > TOLERANCE_CNY).any(axis=3)
    unpaid = yr.sum(axis=3)
    hit = np.concatenate([hit, hit.any(axis=2, keepdims=True)], axis=2)
    unpaid = np.concatenate([unpaid, unpaid.sum(axis=2, keepdims=True)], axis=2)
    cl = claims[:, :, :steps].reshape(n_paths, n_pools, n_years, steps_per_year).sum(axis=3)
    lp = lending_paused[:, :, :steps].reshape(n_paths, n_pools, n_years, steps_per_year)
    return {
        "cover_hit": hit.astype(np.int8),
        "cover_unpaid": unpaid,
        "cover_unpaid_sq": unpaid ** 2,
        "cover_claims": np.concatenate([cl, cl.sum(axis=2, keepdims=True)], axis=2),
        "lending_paused": lp.any(axis=3).astype(np.int8),
        "lending_paused_start": lp[:, :, :, 0].astype(np.int8),
    }


def cover_sums(refused_by: np.ndarray, claims: np.ndarray, lending_paused: np.ndarray,
               steps_per_year: int) -> dict[str, np.ndarray]:
    """Mergeable sums over the paths of one chunk: :func:`cover_path_columns` summed over paths
    (integer counts as int64) and ``n`` (paths)."""
    cols = cover_path_columns(refused_by, claims, lending_paused, steps_per_year)
    out = {k: v.sum(axis=0, dtype=np.int64 if v.dtype == np.int8 else float) for k, v in cols.items()}
    out["n"] = np.array(refused_by.shape[0], np.int64)
    return out


def chunk_cover_sums(chunk) -> dict[str, np.ndarray]:
    """:func:`cover_sums` of a :class:`~fundsvc.credit.engine.kernel.CreditChunk`."""
    return cover_sums(chunk.pool_refused_by, chunk.pool_claims, chunk.pool_lending_paused, chunk.steps_per_year)


def merge_sums(a: dict[str, np.ndarray] | None, b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Add two chunks' sums (the runner adds them in chunk order, so float sums are bit-identical
    however the work is split)."""
    if a is None:
        return {k: np.array(v, copy=True) for k, v in b.items()}
    return {k: a[k] + b[k] for k in a}


def cover_table(sums: dict[str, np.ndarray], pool_ids) -> pl.DataFrame:
    """Cover reliability per pool, year (null = whole horizon) and reason (see the module notes)."""
    n = int(sums["n"])
    rows = []
    n_cols = sums["cover_hit"].shape[1]
    for j, pool in enumerate(pool_ids):
        for c in range(n_cols):
            year = c + 1 if c < n_cols - 1 else None
            claims_mean = float(sums["cover_claims"][j, c] / n) if n else float("nan")
            for r, reason in enumerate(REASONS):
                p = sums["cover_hit"][j, c, r] / n if n else float("nan")
                mean = sums["cover_unpaid"][j, c, r] / n if n else float("nan")
                var = max(sums["cover_unpaid_sq"][j, c, r] / n - mean ** 2, 0.0) * n / (n - 1) if n > 1 else 0.0
                rel = 1.0 - mean / claims_mean if claims_mean > 0 else 1.0
                rows.append((pool, year, reason, float(p), float(np.sqrt(p * (1 - p) / n)) if n else float("nan"),
                             float(mean), float(np.sqrt(var / n)) if n else float("nan"), claims_mean,
                             float(rel) if r == 0 else None))
    return pl.DataFrame(rows, schema={"pool": pl.Utf8, "year": pl.Int64, "reason": pl.Utf8, "p_refused": pl.Float64,
                                      "p_refused_se": pl.Float64, "unpaid_mean": pl.Float64,
                                      "unpaid_mean_se": pl.Float64, "claims_mean": pl.Float64,
                                      "reliability": pl.Float64}, orient="row")


def lending_pause_table(sums: dict[str, np.ndarray], pool_ids) -> pl.DataFrame:
    """Probability that new lending is paused by a trigger, per pool and year (with s.e.)."""
    n = int(sums["n"])
    rows = []
    for j, pool in enumerate(pool_ids):
        for y in range(sums["lending_paused"].shape[1]):
            p = sums["lending_paused"][j, y] / n if n else float("nan")
            ps = sums["lending_paused_start"][j, y] / n if n else float("nan")
            rows.append((pool, y + 1, float(p), float(np.sqrt(p * (1 - p) / n)) if n else float("nan"), float(ps)))
    return pl.DataFrame(rows, schema={"pool": pl.Utf8, "year": pl.Int64, "p_paused": pl.Float64,
                                      "p_paused_se": pl.Float64, "p_paused_at_start": pl.Float64}, orient="row")


def pool_reliability(cover: pl.DataFrame, pool_id: str) -> tuple[float, float]:
    """Simulated reliability of a pool's cover over the horizon (share of claims paid) and its
    standard error (delta method on the unpaid mean, claims taken as known), from :func:`cover_table`."""
    row = cover.filter((pl.col("pool") == pool_id) & pl.col("year").is_null() & (pl.col("reason") == "any"))
    if row.height == 0:
        raise KeyError(f"no cover reliability for pool '{pool_id}'")
    claims = row["claims_mean"][0]
    se = row["unpaid_mean_se"][0] / claims if claims > 0 else 0.0
    return float(row["reliability"][0]), float(se)
