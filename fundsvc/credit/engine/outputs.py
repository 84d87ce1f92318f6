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


def _windows(chunk: CreditChunk, per_step: np.ndarray) -> dict[str, np.ndarray]:
    spy = chunk.steps_per_year
    return {"year_1": per_step[..., :spy].sum(axis=-1), "horizon": per_step.sum(axis=-1)}


def _entities(chunk: CreditChunk) -> dict[str, np.ndarray]:
    """Per-step losses (n_paths, n_steps) by entity."""
    ent = {"total": chunk.total_loss, "banks": chunk.bank_loss.sum(axis=1)}
    for i, b in enumerate(chunk.bank_ids):
        ent[f"bank:{b}"] = chunk.bank_loss[:, i, :]
    ent["guarantor"] = chunk.guarantor_loss
    ent["insurer"] = chunk.insurer_loss
    for j, p in enumerate(chunk.pool_ids):
        ent[f"pool:{p}"] = chunk.pool_payout[:, j, :]
    return ent


def loss_measures(chunk: CreditChunk, levels=LEVELS) -> pl.DataFrame:
    """EL, UL, VaR and ES per entity (total, banks, each bank, guarantor, insurer, each pool's
    payouts) and window. Columns: entity, window, measure, level, value (CNY)."""
    rows = []
    for name, per_step in _entities(chunk).items():
        for window, x in _windows(chunk, per_step).items():
            rows.append((name, window, "el", None, float(x.mean())))
            rows.append((name, window, "ul", None, float(x.std(ddof=1)) if x.size > 1 else 0.0))
            var, es = var_es(x, levels)
            for a, v, e in zip(levels, var, es):
                rows.append((name, window, "var", float(a), float(v)))
                rows.append((name, window, "es", float(a), float(e)))
    return pl.DataFrame(rows, schema={"entity": pl.Utf8, "window": pl.Utf8, "measure": pl.Utf8,
                                      "level": pl.Float64, "value": pl.Float64}, orient="row")


def _step_ends(chunk: CreditChunk) -> np.ndarray:
    return (np.arange(chunk.n_steps) + 1) / chunk.steps_per_year


def pool_fans(chunk: CreditChunk, quantiles=FAN_QUANTILES) -> pl.DataFrame:
    """Quantiles per pool and step end of balance, payout, new lending and pooled outstanding.
    Columns: pool, step, year (step end, years from start), quantity, quantile, value (CNY)."""
    q = np.asarray(quantiles, float)
    t = _step_ends(chunk)
    frames = []
    for j, p in enumerate(chunk.pool_ids):
        for name, arr in (("balance", chunk.pool_balance[:, j, 1:]), ("payout", chunk.pool_payout[:, j]),
                          ("new_lending", chunk.pool_new_lending[:, j]), ("outstanding", chunk.pool_outstanding[:, j])):
            vals = np.quantile(arr, q, axis=0)  # (n_q, n_steps)
            frames.append(pl.DataFrame({
                "pool": p, "step": np.tile(np.arange(chunk.n_steps), q.size),
                "year": np.tile(t, q.size), "quantity": name,
                "quantile": np.repeat(q, chunk.n_steps), "value": vals.reshape(-1)}))
    if not frames:
        return pl.DataFrame(schema={"pool": pl.Utf8, "step": pl.Int64, "year": pl.Float64, "quantity": pl.Utf8,
                                    "quantile": pl.Float64, "value": pl.Float64})
    return pl.concat(frames)


def first_depletion_step(chunk: CreditChunk) -> np.ndarray:
    """First step with a depletion event per path and pool, −1 if none, (n_paths, n_pools)."""
    d = chunk.pool_depleted
    any_ = d.any(axis=2)
    return np.where(any_, d.argmax(axis=2), -1)


def depletion_by_year(chunk: CreditChunk) -> pl.DataFrame:
    """P(pool depleted by the end of year y), with its binomial standard error, and the
    probability of a depletion event within year y. Columns: pool, year, p_depleted_by,
    se, p_event_in_year."""
    spy = chunk.steps_per_year
    n_years = chunk.n_steps // spy
    rows = []
    first = first_depletion_step(chunk)
    n = chunk.n_paths
    for j, p in enumerate(chunk.pool_ids):
        for y in range(1, n_years + 1):
            by = ((first[:, j] >= 0) & (first[:, j] < y * spy)).mean()
            ev = chunk.pool_depleted[:, j, (y - 1) * spy : y * spy].any(axis=1).mean()
            rows.append((p, y, float(by), float(np.sqrt(by * (1 - by) / n)), float(ev)))
    return pl.DataFrame(rows, schema={"pool": pl.Utf8, "year": pl.Int64, "p_depleted_by": pl.Float64,
                                      "se": pl.Float64, "p_event_in_year": pl.Float64}, orient="row")


def pool_path_metrics(chunk: CreditChunk) -> dict[str, np.ndarray]:
    """Per path and pool (n_paths, n_pools): payouts, fiscal_cost, fiscal_cost_pv, contributions,
    final_balance, min_balance, leverage, lending_multiple, new_lending, depleted."""
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
    }


def pool_summary(chunk: CreditChunk) -> pl.DataFrame:
    """One row per pool: initial balance, mean/P95 payouts and fiscal cost, mean PV fiscal cost,
    mean leverage and lending multiple, mean final balance, probability of depletion within the
    horizon (with its standard error)."""
    m = pool_path_metrics(chunk)
    rows = []
    n = chunk.n_paths
    for j, p in enumerate(chunk.pool_ids):
        pd_ = float(m["depleted"][:, j].mean())
        rows.append({
            "pool": p, "initial_balance": float(chunk.pool_initial[j]),
            "payouts_mean": float(m["payouts"][:, j].mean()), "payouts_p95": float(np.quantile(m["payouts"][:, j], 0.95)),
            "fiscal_cost_mean": float(m["fiscal_cost"][:, j].mean()),
            "fiscal_cost_p95": float(np.quantile(m["fiscal_cost"][:, j], 0.95)),
            "fiscal_cost_pv_mean": float(m["fiscal_cost_pv"][:, j].mean()),
            "leverage_mean": float(np.nanmean(m["leverage"][:, j])) if np.isfinite(m["leverage"][:, j]).any() else float("nan"),
            "lending_multiple_mean": float(np.nanmean(m["lending_multiple"][:, j])),
            "new_lending_mean": float(m["new_lending"][:, j].mean()),
            "final_balance_mean": float(m["final_balance"][:, j].mean()),
            "p_depleted": pd_, "p_depleted_se": float(np.sqrt(pd_ * (1 - pd_) / n)),
        })
    return pl.DataFrame(rows) if rows else pl.DataFrame()


def summarise_credit(chunk: CreditChunk, path_offset: int = 0) -> pl.DataFrame:
    """One row per path and entity.

    Entities: ``total``, ``banks``, ``bank:<id>``, ``guarantor``, ``insurer`` (columns
    loss_year_1, loss_horizon, CNY) and ``pool:<id>`` (loss = payouts, plus depleted,
    first_depletion_year, final_balance, fiscal_cost, fiscal_cost_pv, new_lending, leverage,
    lending_multiple). ``n_defaults`` (book defaults over the horizon) on the ``total`` row.
    """
    n = chunk.n_paths
    frames = []
    path = np.arange(n)
    for name, per_step in _entities(chunk).items():
        w = _windows(chunk, per_step)
        frames.append(pl.DataFrame({"path": path, "entity": name, "loss_year_1": w["year_1"],
                                    "loss_horizon": w["horizon"]}))
    base = pl.concat(frames)
    extra = [pl.DataFrame({"path": path, "entity": "total",
                           "n_defaults": chunk.n_defaults.sum(axis=1).astype(np.int64)})]
    if chunk.pool_ids:
        m = pool_path_metrics(chunk)
        first = first_depletion_step(chunk)
        for j, p in enumerate(chunk.pool_ids):
            fy = np.where(first[:, j] >= 0, first[:, j] // chunk.steps_per_year + 1, -1).astype(float)
            fy[fy < 0] = np.nan
            extra.append(pl.DataFrame({
                "path": path, "entity": f"pool:{p}", "depleted": m["depleted"][:, j],
                "first_depletion_year": fy,
                **{k: m[k][:, j] for k in ("final_balance", "fiscal_cost", "fiscal_cost_pv", "new_lending",
                                            "leverage", "lending_multiple")}}))
    ex = pl.concat(extra, how="diagonal_relaxed")
    return base.join(ex, on=["path", "entity"], how="left")
