"""Portfolio outputs of the credit engine as tidy polars tables.

Loss windows: ``year_1`` (losses of the first simulated year) and ``horizon`` (sum over all
steps, undiscounted). Risk measures over paths: EL = mean, UL = standard deviation,
VaR_α = empirical α-quantile (inverted CDF), ES_α = VaR_α + E[(L − VaR_α)⁺]/(1 − α) (the
Rockafellar–Uryasev form, equal to E[L | L ≥ VaR_α] for continuous losses), computed by
:mod:`fundsvc.metrics.risk`.

Pools: payouts, balance fans (quantiles per step end), depletion probability by year (a path is
depleted by year y when a depletion event occurred in any step up to the end of y),
fiscal cost = payouts − interest earned (also as a present value at the market risk-free rate,
step-end dating), leverage achieved = mean pooled principal outstanding ÷ mean end-of-step
balance, lending multiple = (pooled book at start + new lending) ÷ (initial + replenishments).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from fundsvc.credit.engine.kernel import CreditChunk
from fundsvc.credit.pools.reliability import REASONS, cover_path_columns
from fundsvc.metrics.risk import expected_shortfall, value_at_risk, weighted_es, weighted_var

LEVELS: tuple[float, ...] = (0.95, 0.99, 0.995, 0.999)
FAN_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)


def var_es(losses: np.ndarray, levels=LEVELS) -> tuple[np.ndarray, np.ndarray]:
    """Empirical VaR and ES of each column (:mod:`fundsvc.metrics.risk` definitions).

    Parameters
    ----------
    losses : ndarray (n_paths,) or (n_paths, k)
    levels : sequence of float in (0, 1)

    Returns
    -------
    var, es : ndarray (n_levels,) or (n_levels, k)
    """
    lv = np.asarray(levels, float)
    return value_at_risk(losses, lv, axis=0), expected_shortfall(losses, lv, axis=0)


def weighted_var_es(losses: np.ndarray, weights: np.ndarray, levels=LEVELS) -> tuple[np.ndarray, np.ndarray]:
    """VaR and ES from importance-sampling samples with likelihood ratios ``weights`` (mean 1
    under the sampling law): the unbiased tail estimator ``P(L > l) ≈ Σ w·1{L > l} / n``
    (:func:`fundsvc.metrics.risk.weighted_var` / ``weighted_es``)."""
    lv = np.asarray(levels, float)
    return weighted_var(losses, lv, weights), weighted_es(losses, lv, weights)


WINDOWS: tuple[str, ...] = ("year_1", "horizon")
"""Loss windows; column ``loss_<window>``."""
POOL_STEP_QUANTITIES: tuple[str, ...] = ("balance", "payout", "new_lending", "outstanding")
"""Per-step pool quantities of the fans; column ``pool_<quantity>`` (balance at step ends)."""
POOL_PATH_METRICS: tuple[str, ...] = ("payouts", "fiscal_cost", "fiscal_cost_pv", "final_balance", "leverage",
                                      "lending_multiple", "new_lending", "depleted", "first_depletion_step")


def credit_entities(bank_ids, pool_ids) -> tuple[str, ...]:
    """Entity order of the per-path losses: total, banks, each bank, guarantor, insurer, each pool."""
    return ("total", "banks", *(f"bank:{b}" for b in bank_ids), "guarantor", "insurer",
            *(f"pool:{p}" for p in pool_ids))


def _entity_losses(chunk: CreditChunk) -> list[np.ndarray]:
    """Per-step losses (n_paths, n_steps) in :func:`credit_entities` order."""
    ent = [chunk.total_loss, chunk.bank_loss.sum(axis=1)]
    ent += [chunk.bank_loss[:, i, :] for i in range(len(chunk.bank_ids))]
    ent += [chunk.guarantor_loss, chunk.insurer_loss]
    ent += [chunk.pool_payout[:, j, :] for j in range(len(chunk.pool_ids))]
    return ent


def first_depletion_step(chunk: CreditChunk) -> np.ndarray:
    """First step with a depletion event per path and pool, −1 if none, (n_paths, n_pools)."""
    d = chunk.pool_depleted
    any_ = d.any(axis=2)
    return np.where(any_, d.argmax(axis=2), -1)


def _step_ends(chunk: CreditChunk) -> np.ndarray:
    return (np.arange(chunk.n_steps) + 1) / chunk.steps_per_year


def pool_path_metrics(chunk: CreditChunk) -> dict[str, np.ndarray]:
    """Per path and pool (n_paths, n_pools): payouts, fiscal_cost, fiscal_cost_pv, contributions,
    final_balance, min_balance, leverage, lending_multiple, new_lending, depleted,
    first_depletion_step (−1 if none)."""
    t = _step_ends(chunk)
    disc = (1.0 + chunk.discount_rate) ** (-t)
    pay, inter, repl = chunk.pool_payout, chunk.pool_interest, chunk.pool_replenishment
    bal_end = chunk.pool_balance[:, :, 1:]
    mean_bal = bal_end.mean(axis=2)
    out0 = chunk.pool_book_outstanding0 if chunk.pool_book_outstanding0 is not None else np.zeros(len(chunk.pool_ids))
    contrib = chunk.pool_initial[None, :] + repl.sum(axis=2)
    return {
        "payouts": pay.sum(axis=2),
        "fiscal_cost": pay.sum(axis=2) - inter.sum(axis=2),
        "fiscal_cost_pv": ((pay - inter) * disc).sum(axis=2),
        "contributions": contrib,
        "final_balance": chunk.pool_balance[:, :, -1],
        "min_balance": chunk.pool_balance.min(axis=2),
        "leverage": np.divide(chunk.pool_outstanding.mean(axis=2), mean_bal,
                              out=np.full(mean_bal.shape, np.nan), where=mean_bal > 0),
        "lending_multiple": np.divide(out0[None, :] + chunk.pool_new_lending.sum(axis=2), contrib,
                                      out=np.full(contrib.shape, np.nan), where=contrib > 0),
        "new_lending": chunk.pool_new_lending.sum(axis=2),
        "depleted": chunk.pool_depleted.any(axis=2),
        "first_depletion_step": first_depletion_step(chunk),
    }


COVER_COLUMNS: tuple[str, ...] = ("cover_hit", "cover_unpaid", "cover_unpaid_sq", "cover_claims", "lending_paused",
                                  "lending_paused_start")
"""Cover-reliability columns of :func:`credit_columns` (SUM-reduced; :mod:`fundsvc.credit.pools.reliability`)."""


def credit_columns(chunk: CreditChunk) -> dict[str, np.ndarray]:
    """The credit side's named per-path columns (path axis first) — everything the tables read.

    * ``loss_year_1``, ``loss_horizon`` : (n_paths, n_entities), CNY, :func:`credit_entities` order;
    * ``n_defaults`` : (n_paths,) int64, book defaults over the horizon;
    * ``pool_initial`` : (n_paths, n_pools) pool balance at the start (the same on every path);
    * every :func:`pool_path_metrics` : (n_paths, n_pools);
    * ``pool_balance``, ``pool_payout``, ``pool_new_lending``, ``pool_outstanding`` :
      (n_paths, n_pools, n_steps), balance at step ends;
    * ``depleted_by_year`` : (n_paths, n_pools, n_years) bool, depleted by the end of year y;
      ``depleted_in_year`` : same shape, a depletion event within year y;
    * ``cover_hit``, ``cover_unpaid``, ``cover_unpaid_sq``, ``cover_claims``, ``lending_paused``,
      ``lending_paused_start`` : cover reliability per path (:data:`COVER_COLUMNS`,
      :func:`fundsvc.credit.pools.reliability.cover_path_columns`), summed over paths by the reducer.
    """
    spy, n_steps, n = chunk.steps_per_year, chunk.n_steps, chunk.n_paths
    per_step = _entity_losses(chunk)
    cols = {"loss_year_1": np.stack([x[:, :spy].sum(axis=-1) for x in per_step], axis=1),
            "loss_horizon": np.stack([x.sum(axis=-1) for x in per_step], axis=1),
            "n_defaults": chunk.n_defaults.sum(axis=1).astype(np.int64),
            "pool_initial": np.broadcast_to(np.asarray(chunk.pool_balance[:, :, 0]), (n, len(chunk.pool_ids)))}
    m = pool_path_metrics(chunk)
    cols.update(m)
    cols.update({"pool_balance": chunk.pool_balance[:, :, 1:], "pool_payout": chunk.pool_payout,
                 "pool_new_lending": chunk.pool_new_lending, "pool_outstanding": chunk.pool_outstanding})
    n_years = n_steps // spy
    first = m["first_depletion_step"]
    ends = (np.arange(1, n_years + 1) * spy)[None, None, :]
    cols["depleted_by_year"] = (first[:, :, None] >= 0) & (first[:, :, None] < ends)
    cols["depleted_in_year"] = chunk.pool_depleted[:, :, : n_years * spy].reshape(
        n, len(chunk.pool_ids), n_years, spy).any(axis=3)
    refused_by = chunk.pool_refused_by
    if refused_by is None:
        refused_by = np.zeros((*chunk.pool_claims.shape, len(REASONS) - 1))
    paused = chunk.pool_lending_paused
    if paused is None:
        paused = np.zeros(chunk.pool_claims.shape, bool)
    cols.update(cover_path_columns(refused_by, chunk.pool_claims, paused, spy))
    return cols


# ---------------------------------------------------------------- tables from columns (the one formula)
def loss_measures_table(entities, cols, levels=LEVELS) -> pl.DataFrame:
    """EL, UL, VaR and ES per entity and window from the ``loss_<window>`` columns, each with its
    Monte Carlo standard error and 95 % interval (:func:`fundsvc.simulation.uncertainty.loss_measure_rows`).
    Columns: entity, window, measure, level, value, se, lo, hi (CNY)."""
    from fundsvc.simulation.uncertainty import LOSS_MEASURE_SCHEMA, loss_measure_rows

    rows = []
    for e, name in enumerate(entities):
        for window in WINDOWS:
            x = np.ascontiguousarray(cols[f"loss_{window}"][:, e])
            rows += loss_measure_rows(name, window, x, levels)
    return pl.DataFrame(rows, schema=LOSS_MEASURE_SCHEMA, orient="row")


def pool_fans_table(pool_ids, steps_per_year: int, cols, quantiles=FAN_QUANTILES) -> pl.DataFrame:
    """Quantiles per pool and step end of balance, payout, new lending and pooled outstanding,
    computed one step column at a time (memory-mapped columns stay on disk).
    Columns: pool, step, year (step end, years from start), quantity, quantile, value (CNY)."""
    q = np.asarray(quantiles, float)
    frames = []
    for j, p in enumerate(pool_ids):
        for name in POOL_STEP_QUANTITIES:
            arr = cols[f"pool_{name}"]
            n_steps = arr.shape[2]
            vals = np.empty((q.size, n_steps))
            for s in range(n_steps):
                vals[:, s] = np.quantile(np.ascontiguousarray(arr[:, j, s]), q)
            t = (np.arange(n_steps) + 1) / steps_per_year
            frames.append(pl.DataFrame({
                "pool": p, "step": np.tile(np.arange(n_steps), q.size),
                "year": np.tile(t, q.size), "quantity": name,
                "quantile": np.repeat(q, n_steps), "value": vals.reshape(-1)}))
    if not frames:
        return pl.DataFrame(schema={"pool": pl.Utf8, "step": pl.Int64, "year": pl.Float64, "quantity": pl.Utf8,
                                    "quantile": pl.Float64, "value": pl.Float64})
    return pl.concat(frames)


def depletion_by_year_table(pool_ids, sums, n_paths: int) -> pl.DataFrame:
    """P(pool depleted by the end of year y) with its binomial standard error, and the
    probability of a depletion event within year y, from the path counts ``sums`` (the
    ``depleted_by_year`` / ``depleted_in_year`` columns summed over paths, (n_pools, n_years)).
    Columns: pool, year, p_depleted_by, se, p_event_in_year."""
    rows = []
    n = n_paths
    for j, p in enumerate(pool_ids):
        by_counts, ev_counts = sums["depleted_by_year"][j], sums["depleted_in_year"][j]
        for y in range(1, by_counts.shape[0] + 1):
            by = by_counts[y - 1] / n
            ev = ev_counts[y - 1] / n
            rows.append((p, y, float(by), float(np.sqrt(by * (1 - by) / n)), float(ev)))
    return pl.DataFrame(rows, schema={"pool": pl.Utf8, "year": pl.Int64, "p_depleted_by": pl.Float64,
                                      "se": pl.Float64, "p_event_in_year": pl.Float64}, orient="row")


def pool_summary_table(pool_ids, cols) -> pl.DataFrame:
    """One row per pool: initial balance, mean/P95 payouts and fiscal cost, mean PV fiscal cost,
    mean leverage and lending multiple, mean final balance, probability of depletion within the
    horizon (with its standard error), and the Monte Carlo error columns of
    :func:`fundsvc.simulation.uncertainty.pool_error_columns`."""
    from fundsvc.simulation.uncertainty import pool_error_columns

    rows = []
    for j, p in enumerate(pool_ids):
        c = {k: np.ascontiguousarray(cols[k][:, j]) for k in (*POOL_PATH_METRICS, "pool_initial")}
        n = c["depleted"].shape[0]
        pd_ = float(c["depleted"].mean())
        lev = c["leverage"]
        rows.append({
            "pool": p, "initial_balance": float(c["pool_initial"][0]),
            "payouts_mean": float(c["payouts"].mean()), "payouts_p95": float(np.quantile(c["payouts"], 0.95)),
            "fiscal_cost_mean": float(c["fiscal_cost"].mean()),
            "fiscal_cost_p95": float(np.quantile(c["fiscal_cost"], 0.95)),
            "fiscal_cost_pv_mean": float(c["fiscal_cost_pv"].mean()),
            "leverage_mean": float(np.nanmean(lev)) if np.isfinite(lev).any() else float("nan"),
            "lending_multiple_mean": float(np.nanmean(c["lending_multiple"])),
            "new_lending_mean": float(c["new_lending"].mean()),
            "final_balance_mean": float(c["final_balance"].mean()),
            "p_depleted": pd_, "p_depleted_se": float(np.sqrt(pd_ * (1 - pd_) / n)),
            **pool_error_columns(c),
        })
    return pl.DataFrame(rows) if rows else pl.DataFrame(schema=_POOL_SUMMARY_SCHEMA)


_POOL_SUMMARY_SCHEMA = {"pool": pl.Utf8, **{k: pl.Float64 for k in (
    "initial_balance", "payouts_mean", "payouts_p95", "fiscal_cost_mean", "fiscal_cost_p95", "fiscal_cost_pv_mean",
    "leverage_mean", "lending_multiple_mean", "new_lending_mean", "final_balance_mean", "p_depleted",
    "p_depleted_se", "payouts_mean_se", "payouts_p95_lo", "payouts_p95_hi", "fiscal_cost_mean_se",
    "fiscal_cost_p95_lo", "fiscal_cost_p95_hi", "p_depleted_lo", "p_depleted_hi")}}


def credit_paths_table(entities, pool_ids, steps_per_year: int, cols, path_offset: int = 0) -> pl.DataFrame:
    """One row per path and entity (entity-major).

    Entities (:func:`credit_entities`): ``total``, ``banks``, ``bank:<id>``, ``guarantor``,
    ``insurer`` (columns loss_year_1, loss_horizon, CNY) and ``pool:<id>`` (loss = payouts, plus
    depleted, first_depletion_year, final_balance, fiscal_cost, fiscal_cost_pv, new_lending,
    leverage, lending_multiple — the registry's ``CREDIT_POOL_METRICS``, from the columns of the
    same names; null on other entities). ``n_defaults`` (book defaults over the horizon) on the
    ``total`` row only.
    """
    from fundsvc.simulation.registry import CREDIT_POOL_METRICS, TableName

    schema = TableName.CREDIT_PATHS.spec.schema
    n = cols["loss_horizon"].shape[0]
    path = np.arange(n, dtype=np.int64) + path_offset
    pool_pos = {f"pool:{p}": j for j, p in enumerate(pool_ids)}
    frames = []
    for e, name in enumerate(entities):
        d: dict = {"path": path, "entity": name, "loss_year_1": cols["loss_year_1"][:, e],
                   "loss_horizon": cols["loss_horizon"][:, e],
                   "n_defaults": cols["n_defaults"] if name == "total" else None}
        j = pool_pos.get(name)
        if j is not None:
            first = cols["first_depletion_step"][:, j]
            fy = np.where(first >= 0, first // steps_per_year + 1, -1).astype(float)
            fy[fy < 0] = np.nan
            d.update({k: cols[k][:, j] for k in CREDIT_POOL_METRICS if k != "first_depletion_year"})
            d["first_depletion_year"] = fy
        frames.append(pl.DataFrame({k: d.get(k) for k in schema}, schema=schema, strict=False))
    return pl.concat(frames)


# ---------------------------------------------------------------- one chunk (the same formulas)
def _chunk_entities(chunk: CreditChunk) -> tuple[str, ...]:
    return credit_entities(chunk.bank_ids, chunk.pool_ids)


def loss_measures(chunk: CreditChunk, levels=LEVELS) -> pl.DataFrame:
    """:func:`loss_measures_table` of one chunk's paths (entities: total, banks, each bank,
    guarantor, insurer, each pool's payouts)."""
    return loss_measures_table(_chunk_entities(chunk), credit_columns(chunk), levels)


def pool_fans(chunk: CreditChunk, quantiles=FAN_QUANTILES) -> pl.DataFrame:
    """:func:`pool_fans_table` of one chunk's paths."""
    return pool_fans_table(chunk.pool_ids, chunk.steps_per_year, credit_columns(chunk), quantiles)


def depletion_by_year(chunk: CreditChunk) -> pl.DataFrame:
    """:func:`depletion_by_year_table` of one chunk's paths."""
    cols = credit_columns(chunk)
    sums = {k: cols[k].sum(axis=0) for k in ("depleted_by_year", "depleted_in_year")}
    return depletion_by_year_table(chunk.pool_ids, sums, chunk.n_paths)


def pool_summary(chunk: CreditChunk) -> pl.DataFrame:
    """:func:`pool_summary_table` of one chunk's paths."""
    return pool_summary_table(chunk.pool_ids, credit_columns(chunk))


def summarise_credit(chunk: CreditChunk, path_offset: int = 0) -> pl.DataFrame:
    """:func:`credit_paths_table` of one chunk's paths."""
    return credit_paths_table(_chunk_entities(chunk), chunk.pool_ids, chunk.steps_per_year,
                              credit_columns(chunk), path_offset)


def cover_reliability(chunk: CreditChunk) -> pl.DataFrame:
    """Cover reliability per pool, year and reason (:func:`fundsvc.credit.pools.reliability.cover_table`)
    of one chunk's paths, from the same SUM columns the reducer adds."""
    from fundsvc.credit.pools.reliability import cover_table

    return cover_table(_cover_sums(chunk), chunk.pool_ids)


def lending_pauses(chunk: CreditChunk) -> pl.DataFrame:
    """P(new lending paused) per pool and year (:func:`fundsvc.credit.pools.reliability.lending_pause_table`)."""
    from fundsvc.credit.pools.reliability import lending_pause_table

    return lending_pause_table(_cover_sums(chunk), chunk.pool_ids)


def _cover_sums(chunk: CreditChunk) -> dict[str, np.ndarray]:
    cols = credit_columns(chunk)
    sums = {k: np.asarray(cols[k]).sum(axis=0) for k in COVER_COLUMNS}
    sums["n"] = chunk.n_paths
    return sums
