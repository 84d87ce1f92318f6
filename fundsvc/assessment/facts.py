"""Pure-data facts of a scenario that the assessment needs (commitments, strategies, 返投 ...).

A stored run keeps its scenario's TOML text but bundled scenarios reference profile files and a
loan book, so the text alone cannot always be re-validated. :func:`scenario_for_run` re-loads
the scenario from its recorded ``source_path`` when the file still exists, else from the text
(self-contained scenarios); otherwise the caller must pass the scenario explicitly.
:func:`scenario_facts` extracts the small tables (also proposed as a ``scenario_facts`` table
stored with every run).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from fundsvc.errors import FundsvcError, InputError
from models.common import Sector
from models.scenario import Scenario


@dataclass(frozen=True)
class ScenarioFacts:
    """What the assessment needs to know about the programme's mandate.

    Attributes
    ----------
    sub_funds : polars.DataFrame
        One row per sub-fund: ``sub_fund_id``, ``strategy`` (seed | angel | venture | growth),
        ``vintage`` (date), ``commitment_cny`` (whole fund), ``guidance_commitment_cny``,
        ``guidance_share``, ``priority_share`` (share of the sector mandate in the five priority
        ecosystems, i.e. not ``other``), ``local_reinvestment_multiple`` (返投 requirement ×
        guidance commitment), ``early_stage`` (bool).
    pools : polars.DataFrame
        One row per pool: ``pool_id``, ``initial_balance_cny``, ``leverage_multiplier``,
        ``book_pooled_cny`` (principal of the loan book's loans in the pool at the start).
    guidance_size_cny : float
    start_date, end_date : datetime.date
        Simulation calendar (step 0 starts at ``start_date``; quarterly steps).
    steps_per_year : int
    """

    sub_funds: pl.DataFrame
    pools: pl.DataFrame
    guidance_size_cny: float
    start_date: object
    end_date: object
    steps_per_year: int = 4
    guidance_inception: object = None
    cost_per_step: tuple[float, ...] = ()
    """The guidance fund's own management cost per quarter (CNY), as the engine schedules it."""

    @property
    def n_steps(self) -> int:
        return len(self.cost_per_step)

    @property
    def sub_fund_ids(self) -> set[str]:
        return set(self.sub_funds["sub_fund_id"].to_list())


def scenario_facts(scenario: Scenario) -> ScenarioFacts:
    """Extract :class:`ScenarioFacts` from a validated scenario."""
    rows = []
    for f in scenario.sub_funds:
        priority = sum(w for s, w in f.sector_weights.items() if s is not Sector.OTHER)
        rows.append({
            "sub_fund_id": f.id, "strategy": f.strategy.value, "vintage": f.vintage,
            "commitment_cny": float(f.commitment_cny), "guidance_commitment_cny": float(f.guidance_commitment_cny),
            "guidance_share": float(f.guidance_share), "priority_share": float(priority),
            "local_reinvestment_multiple": float(f.local_reinvestment_multiple),
            "early_stage": bool(f.strategy.is_early),
        })
    schema = {"sub_fund_id": pl.Utf8, "strategy": pl.Utf8, "vintage": pl.Date, "commitment_cny": pl.Float64,
              "guidance_commitment_cny": pl.Float64, "guidance_share": pl.Float64, "priority_share": pl.Float64,
              "local_reinvestment_multiple": pl.Float64, "early_stage": pl.Boolean}
    pools = []
    for p in scenario.pools:
        book = sum(float(ln.amount_cny) for ln in scenario.loans if ln.pool_id == p.id)
        pools.append({"pool_id": p.id, "initial_balance_cny": float(p.initial_balance_cny),
                      "leverage_multiplier": float(p.leverage_multiplier), "book_pooled_cny": book})
    pschema = {"pool_id": pl.Utf8, "initial_balance_cny": pl.Float64, "leverage_multiplier": pl.Float64,
               "book_pooled_cny": pl.Float64}
    gf = scenario.guidance_fund
    n_steps = scenario.simulation.horizon_years * 4
    cost = np.zeros(n_steps)
    if gf is not None and scenario.sub_funds:
        from fundsvc.engine.venture.guidance import management_cost, step_of

        start = scenario.simulation.start_date
        cost = management_cost(gf, np.array([f.guidance_commitment_cny for f in scenario.sub_funds]),
                               np.array([step_of(f.vintage, start) for f in scenario.sub_funds]),
                               step_of(gf.inception, start), n_steps)
    return ScenarioFacts(
        sub_funds=pl.DataFrame(rows, schema=schema),
        pools=pl.DataFrame(pools, schema=pschema),
        guidance_size_cny=float(gf.size_cny) if gf else 0.0,
        start_date=scenario.simulation.start_date,
        end_date=scenario.simulation.end_date,
        steps_per_year=4,
        guidance_inception=gf.inception if gf else scenario.simulation.start_date,
        cost_per_step=tuple(float(x) for x in cost),
    )


def scenario_for_run(store, run_id: int, scenario_file: str | Path | None = None) -> Scenario:
    """The validated scenario a stored run simulated.

    Order of attempts: ``scenario_file`` (must have the same TOML text as the stored one,
    else an :class:`InputError`), the payload of a run that came through the run queue, the
    run's recorded source path (if the file still exists and
    its text is unchanged), the stored text (self-contained scenarios only).

    Raises
    ------
    FundsvcError
        None of them works; the message says to pass ``--scenario FILE``.
    """
    from fundsvc.inputs.loader import load_scenario, load_scenario_bytes

    run = store.runs.get(run_id)
    rec = store.scenarios.get(run.scenario_id)
    stored_sha = hashlib.sha256(rec.content.encode("utf-8")).hexdigest()
    if run.queued and scenario_file is None:  # a queued run carries the exact scenario it simulated
        from fundsvc.queue.jobs import scenario_of

        return scenario_of(store, run_id)
    if scenario_file is not None:
        loaded = load_scenario(scenario_file)
        if hashlib.sha256(loaded.text.encode("utf-8")).hexdigest() != stored_sha:
            raise InputError.single(str(scenario_file), "", f"is not the scenario run {run_id} simulated "
                                    f"(its text differs from the stored scenario '{rec.name}')")
        return loaded.scenario
    if rec.source_path and Path(rec.source_path).is_file():
        try:
            loaded = load_scenario(rec.source_path)
        except InputError:
            loaded = None
        if loaded is not None and hashlib.sha256(loaded.text.encode("utf-8")).hexdigest() == stored_sha:
            return loaded.scenario
    try:
        return load_scenario_bytes(rec.content.encode("utf-8"), rec.name)
    except InputError:
        raise FundsvcError(
            f"cannot re-load scenario '{rec.name}' of run {run_id}: its file "
            f"{rec.source_path or '(unknown)'} is gone or changed and the stored text references other files; "
            "pass the scenario file with --scenario FILE") from None
