"""One-at-a-time sensitivity on common random numbers: which inputs drive the headline figures.

Each input of :class:`SensitivityInput` is moved down and up by a relative step ``δ`` (default
20 %), one at a time, and the scenario is re-simulated with the **same seed and chunk size** as
the base run, so every run uses the same random numbers (the engine seeds each chunk from the
seed alone): differences between runs are the input's effect, not sampling noise.

For each output ``Y`` (guidance TVPI mean, P(guidance TVPI < 1), banks' expected loss and VaR
99.9 % over the horizon, P(depletion) of the first pool and P(some claim on it refused or reduced
over the horizon) — its cover failure) the result gives ``Y−``, ``Y0``, ``Y+``,
the swing ``Y+ − Y−`` (tornado bar) and the elasticity ``(Y+ − Y−) / (2 δ Y0)``. Their Monte
Carlo errors are batch means over chunks (:func:`fundsvc.metrics.uncertainty.batch_means`): the
statistic is computed per chunk for the down and up runs, the per-chunk differences are i.i.d.
(independent chunk seeds) and common random numbers make them far less noisy than independent
runs would be. For tail figures (VaR 99.9 %) per-chunk estimates from small chunks are biased,
so their standard error is indicative only. Cover failure is summed over paths inside the run (no
per-path column), so its swing's error is the *unpaired* one, ``√(se₋² + se₊²)`` from the two runs'
binomial standard errors: conservative, since common random numbers make the paired error smaller
(``se_method`` says which applies to each row).

Each output is also named by its owner and measure (columns ``entity`` — ``guidance``, ``banks``
or ``pool:<id>``, the entity keys :func:`fundsvc.service.policy.filter_table` understands — and
``measure``, a catalogue code), so stored results are filtered and labelled like run tables.
:meth:`Sensitivity.to_document` / :meth:`Sensitivity.from_document` are the stored JSON form
(kept with the base run, :class:`fundsvc.store.stress_results.StressKind` ``sensitivity``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import polars as pl

from fundsvc.metrics.risk import value_at_risk
from fundsvc.metrics.uncertainty import batch_means

#: Relative step of each input (assumption: ±20 % is a plausible planning range for all of them).
DEFAULT_STEP = 0.2


class SensitivityInput(StrEnum):
    """Inputs moved one at a time (each by a relative step)."""

    LOAN_PD = "loan_pd"                      # every loan's annual PD and the master scale's PDs
    TECH_CYCLE_LOADING = "tech_cycle_loading"  # loadings of the sectors on the common tech cycle
    PERSISTENCE = "persistence"              # year-on-year persistence of the market factors
    POOL_FUNDING = "pool_funding"            # the pools' initial funds


def _scale_pd(s, f: float):
    loans = [ln.model_copy(update={"pd": min(ln.pd * f, 0.999)}) if ln.pd is not None else ln for ln in s.loans]
    upd = {"loans": loans}
    if s.pd_master_scale is not None:
        grades = [g.model_copy(update={"pd": min(g.pd * f, 0.999)}) for g in s.pd_master_scale.grades]
        upd["pd_master_scale"] = s.pd_master_scale.model_copy(update={"grades": grades})
    return s.model_copy(update=upd)


def _scale_loading(s, f: float):
    load = {k: float(np.clip(v * f, -1.0, 1.0)) for k, v in s.market.tech_cycle_loading.items()}
    return s.model_copy(update={"market": s.market.model_copy(update={"tech_cycle_loading": load})})


def _scale_persistence(s, f: float):
    p = float(min(s.market.persistence * f, 0.99))
    return s.model_copy(update={"market": s.market.model_copy(update={"persistence": p})})


def _scale_pools(s, f: float):
    pools = [p.model_copy(update={"funders": {k: v * f for k, v in p.funders.items()}}) for p in s.pools]
    return s.model_copy(update={"pools": pools})


_APPLY: dict[SensitivityInput, Callable] = {
    SensitivityInput.LOAN_PD: _scale_pd, SensitivityInput.TECH_CYCLE_LOADING: _scale_loading,
    SensitivityInput.PERSISTENCE: _scale_persistence, SensitivityInput.POOL_FUNDING: _scale_pools,
}


def perturbed(scenario, item: SensitivityInput, factor: float):
    """The scenario with ``item`` multiplied by ``factor`` (validated like any scenario)."""
    changed = _APPLY[SensitivityInput(item)](scenario, factor)
    return type(changed).model_validate(changed.model_dump())


# ---------------------------------------------------------------- outputs per chunk
def _chunk_values(result, chunk_size: int) -> dict[str, np.ndarray]:
    """Each output's estimate per chunk, shape (n_chunks,)."""
    out = {}
    ep = result.equity_paths
    if ep is not None:
        g = ep.filter(pl.col("entity") == "guidance").sort("path")
        chunk = (g["path"].to_numpy() // chunk_size)
        tv = g["tvpi"].to_numpy()
        k = chunk.max() + 1
        cnt = np.bincount(chunk, minlength=k)
        out["guidance TVPI mean"] = np.bincount(chunk, tv, k) / cnt
        out["guidance P(TVPI<1)"] = np.bincount(chunk, (tv < 1).astype(float), k) / cnt
    cp = result.credit_paths
    if cp is not None:
        b = cp.filter(pl.col("entity") == "banks").sort("path")
        if b.height:
            chunk = b["path"].to_numpy() // chunk_size
            x = b["loss_horizon"].to_numpy()
            k = chunk.max() + 1
            out["banks EL (horizon)"] = np.bincount(chunk, x, k) / np.bincount(chunk, minlength=k)
            out["banks VaR 99.9% (horizon)"] = np.array([float(value_at_risk(x[chunk == c], 0.999)) for c in range(k)])
        pools = sorted(e for e in cp["entity"].unique().to_list() if e.startswith("pool:"))
        if pools:
            p = cp.filter(pl.col("entity") == pools[0]).sort("path")
            chunk = p["path"].to_numpy() // chunk_size
            k = chunk.max() + 1
            out[f"{pools[0]} P(depleted)"] = (np.bincount(chunk, p["depleted"].cast(pl.Float64).to_numpy(), k)
                                             / np.bincount(chunk, minlength=k))
    return out


def _whole_values(result) -> dict[str, float]:
    """Each output over all paths (the headline estimates)."""
    h = {r["figure"]: r["estimate"] for r in result.headlines.iter_rows(named=True)}
    out = {k: v for k, v in h.items() if k in ("guidance TVPI mean", "guidance P(TVPI<1)", "banks EL (horizon)",
                                                "banks VaR 99.9% (horizon)")}
    pools = [k for k in h if k.startswith("pool ") and k.endswith("P(depleted)")]
    if pools:
        out[f"pool:{pools[0][5:-len(' P(depleted)')]} P(depleted)"] = h[pools[0]]
    out.update({k: v for k, (v, _) in _cover_failure(result).items()})
    return out


def _cover_failure(result) -> dict[str, tuple[float, float]]:
    """``{"pool:ID P(cover refused)": (p, se)}`` for the first pool: P(some claim refused or reduced
    over the horizon, any reason) and its binomial standard error (the cover-reliability table)."""
    from fundsvc.simulation.registry import TableName

    cover = result.tables().get(TableName.CREDIT_COVER_RELIABILITY)
    if cover is None or cover.is_empty():
        return {}
    rows = cover.filter(pl.col("year").is_null() & (pl.col("reason") == "any")).sort("pool")
    if rows.is_empty():
        return {}
    r = rows.row(0, named=True)
    return {f"pool:{r['pool']} P(cover refused)": (float(r["p_refused"]), float(r["p_refused_se"]))}


#: measure code (catalogue) of each output name's suffix, after its entity
MEASURES: dict[str, str] = {
    "TVPI mean": "tvpi_mean", "P(TVPI<1)": "p_tvpi_below_1", "EL (horizon)": "el_horizon",
    "VaR 99.9% (horizon)": "var_999_horizon", "P(depleted)": "p_depleted", "P(cover refused)": "p_cover_refused",
}


def split_output(output: str) -> tuple[str, str]:
    """``"pool:city-ip P(depleted)"`` → ``("pool:city-ip", "p_depleted")``: the output's entity key and
    measure code (an unknown suffix is returned as the measure unchanged)."""
    entity, _, rest = output.partition(" ")
    return entity, MEASURES.get(rest, rest)


@dataclass(frozen=True)
class Sensitivity:
    """Tornado table: one row per input and output (see :meth:`table`)."""

    rows: list[dict]
    step: float
    paths: int
    seed: int

    def table(self) -> pl.DataFrame:
        """input, output, low, base, high, swing, swing_se, elasticity, elasticity_se, se_method,
        entity, measure, rank (rank 1 = largest |swing| for that output). Values are in the
        output's unit: CNY for EL and VaR, a multiple for TVPI, a probability otherwise."""
        df = pl.DataFrame(self.rows, infer_schema_length=None).with_columns(
            pl.col(c).cast(pl.Float64) for c in ("low", "base", "high", "swing", "swing_se", "elasticity",
                                                 "elasticity_se"))
        parts = [split_output(o) for o in df["output"].to_list()]
        return df.with_columns(
            pl.Series("entity", [p[0] for p in parts], dtype=pl.Utf8),
            pl.Series("measure", [p[1] for p in parts], dtype=pl.Utf8),
            pl.col("swing").abs().rank("ordinal", descending=True).over("output").cast(pl.Int64).alias("rank"))

    def to_document(self, **extra) -> dict:
        """The JSON document stored with the base run: step, paths, seed, ``extra`` (scenario name,
        chunk size …) and the rows (NaN → null)."""
        def plain(v):
            if isinstance(v, float | np.floating):
                return None if np.isnan(v) else float(v)
            return v

        rows = [{k: plain(v) for k, v in r.items()} for r in self.rows]
        return {**extra, "step": self.step, "paths": self.paths, "seed": self.seed, "rows": rows}

    @classmethod
    def from_document(cls, doc: dict) -> Sensitivity:
        """Inverse of :meth:`to_document` (null → NaN)."""
        rows = [{k: (float("nan") if v is None and k not in ("input", "output", "se_method") else v)
                 for k, v in r.items()} for r in doc.get("rows", [])]
        return cls(rows, float(doc["step"]), int(doc["paths"]), int(doc["seed"]))


def run_sensitivity(scenario, *, inputs=None, step: float = DEFAULT_STEP, paths: int = 2000, seed: int = 1,
                    chunk_size: int = 250, progress: Callable[[str], None] | None = None,
                    base=None) -> Sensitivity:
    """One-at-a-time ± ``step`` changes of each input on common random numbers (module docstring).

    Parameters
    ----------
    scenario : models.Scenario
    inputs : iterable of SensitivityInput, optional
        Default: all.
    step : float
        Relative change, in (0, 1).
    paths, seed, chunk_size
        Every run uses these (common random numbers). Small chunks give more batches for the
        standard errors.
    base : SimulationResult, optional
        The base scenario already simulated with these ``paths``, ``seed`` and ``chunk_size`` (for
        example the run stored by ``fundsvc sensitivity --store``); not simulated again.
    """
    from fundsvc.simulation import compile_scenario, run_simulation

    if not 0 < step < 1:
        raise ValueError(f"step must lie strictly between 0 and 1, got {step}")
    items = [SensitivityInput(i) for i in (inputs or list(SensitivityInput))]

    def run(s):
        return run_simulation(compile_scenario(s), paths=paths, seed=seed, chunk_size=chunk_size)

    if base is None:
        base = run(scenario)
    y0 = _whole_values(base)
    rows = []
    for item in items:
        if progress is not None:
            progress(item.value)
        lo, hi = run(perturbed(scenario, item, 1 - step)), run(perturbed(scenario, item, 1 + step))
        ylo, yhi = _whole_values(lo), _whole_values(hi)
        clo, chi = _chunk_values(lo, chunk_size), _chunk_values(hi, chunk_size)
        cover_lo, cover_hi = _cover_failure(lo), _cover_failure(hi)
        unpaired = {k: float(np.hypot(cover_lo[k][1], se_hi)) for k, (_, se_hi) in cover_hi.items() if k in cover_lo}
        for out, base_v in y0.items():
            if out not in ylo or out not in yhi or (out not in clo and out not in unpaired):
                continue
            swing = yhi[out] - ylo[out]
            if out in clo:
                _, swing_se = batch_means(chi[out] - clo[out])
                method = "paired batch means"
            else:
                swing_se, method = unpaired[out], "unpaired (conservative)"
            denom = 2 * step * base_v
            el = swing / denom if denom else float("nan")
            el_se = abs(swing_se / denom) if denom else float("nan")
            rows.append({"input": item.value, "output": out, "low": ylo[out], "base": base_v, "high": yhi[out],
                         "swing": swing, "swing_se": swing_se, "elasticity": el, "elasticity_se": el_se,
                         "se_method": method})
    return Sensitivity(rows, step, paths, seed)
