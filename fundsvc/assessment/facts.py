"""Pure-data facts of a scenario that the assessment needs (commitments, strategies, 返投 ...).

A run stores its resolved scenario and these facts (``fundsvc.store.run_facts``), so an
assessment never re-opens a file by path: :func:`scenario_for_run` and :func:`facts_for_run`
read them back. :func:`scenario_facts` extracts the facts from a scenario (and its compiled
equity model).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from fundsvc.engine.grid import TimeGrid
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
        Simulation calendar (step 0 starts at ``start_date``).
    steps_per_year : int
    """

    sub_funds: pl.DataFrame
    pools: pl.DataFrame
    guidance_size_cny: float
    start_date: object
    end_date: object
    steps_per_year: int
    guidance_inception: object = None
    cost_per_step: tuple[float, ...] = ()
    """The guidance fund's own management cost per step (CNY), as the engine schedules it."""

    @property
    def n_steps(self) -> int:
        return len(self.cost_per_step)

    @property
    def grid(self) -> TimeGrid:
        """The venture grid the run was simulated on."""
        return TimeGrid(self.start_date, self.steps_per_year, self.n_steps)

    @property
    def sub_fund_ids(self) -> set[str]:
        return set(self.sub_funds["sub_fund_id"].to_list())

    def to_dict(self) -> dict:
        """JSON-ready form (stored with the run, ``fundsvc.store.run_facts``)."""
        def rows(frame: pl.DataFrame) -> list[dict]:
            return [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()}
                    for r in frame.to_dicts()]

        return {"sub_funds": rows(self.sub_funds), "pools": rows(self.pools),
                "guidance_size_cny": self.guidance_size_cny, "start_date": self.start_date.isoformat(),
                "end_date": self.end_date.isoformat(), "steps_per_year": self.steps_per_year,
                "guidance_inception": self.guidance_inception.isoformat() if self.guidance_inception else None,
                "cost_per_step": list(self.cost_per_step)}

    @classmethod
    def from_dict(cls, d: dict) -> ScenarioFacts:
        sub = pl.DataFrame([{**r, "vintage": dt.date.fromisoformat(r["vintage"])} for r in d["sub_funds"]],
                           schema=_SUB_SCHEMA) if d["sub_funds"] else pl.DataFrame(schema=_SUB_SCHEMA)
        pools = pl.DataFrame(d["pools"], schema=_POOL_SCHEMA) if d["pools"] else pl.DataFrame(schema=_POOL_SCHEMA)
        inc = d.get("guidance_inception")
        return cls(sub, pools, float(d["guidance_size_cny"]), dt.date.fromisoformat(d["start_date"]),
                   dt.date.fromisoformat(d["end_date"]), int(d["steps_per_year"]),
                   dt.date.fromisoformat(inc) if inc else None, tuple(float(x) for x in d["cost_per_step"]))


_SUB_SCHEMA = {"sub_fund_id": pl.Utf8, "strategy": pl.Utf8, "vintage": pl.Date, "commitment_cny": pl.Float64,
               "guidance_commitment_cny": pl.Float64, "guidance_share": pl.Float64, "priority_share": pl.Float64,
               "local_reinvestment_multiple": pl.Float64, "early_stage": pl.Boolean}
_POOL_SCHEMA = {"pool_id": pl.Utf8, "initial_balance_cny": pl.Float64, "leverage_multiplier": pl.Float64,
                "book_pooled_cny": pl.Float64}


def scenario_facts(scenario: Scenario, equity=None) -> ScenarioFacts:
    """Extract :class:`ScenarioFacts` from a validated scenario; with the compiled ``equity``
    model (``EquityModel``) its grid and management-cost schedule are taken as compiled."""
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
    schema = _SUB_SCHEMA
    pools = []
    for p in scenario.pools:
        book = sum(float(ln.amount_cny) for ln in scenario.loans if ln.pool_id == p.id)
        pools.append({"pool_id": p.id, "initial_balance_cny": float(p.initial_balance_cny),
                      "leverage_multiplier": float(p.leverage_multiplier), "book_pooled_cny": book})
    pschema = _POOL_SCHEMA
    gf = scenario.guidance_fund
    grid = equity.grid if equity is not None else TimeGrid.venture_grid(scenario)
    cost = np.zeros(grid.n_steps)
    if equity is not None:
        cost = np.asarray(equity.management_cost, float)
    elif gf is not None and scenario.sub_funds:
        from fundsvc.engine.venture.guidance import management_cost

        cost = management_cost(gf, np.array([f.guidance_commitment_cny for f in scenario.sub_funds]),
                               np.array([grid.step_of(f.vintage) for f in scenario.sub_funds]),
                               grid.step_of(gf.inception), grid.n_steps, grid.steps_per_year)
    return ScenarioFacts(
        sub_funds=pl.DataFrame(rows, schema=schema),
        pools=pl.DataFrame(pools, schema=pschema),
        guidance_size_cny=float(gf.size_cny) if gf else 0.0,
        start_date=scenario.simulation.start_date,
        end_date=scenario.simulation.end_date,
        steps_per_year=grid.steps_per_year,
        guidance_inception=gf.inception if gf else scenario.simulation.start_date,
        cost_per_step=tuple(float(x) for x in cost),
    )


def scenario_for_run(store, run_id: int, scenario_file: str | Path | None = None) -> Scenario:
    """The validated scenario a stored run simulated — never re-read from a recorded path.

    A run stored with its facts (``fundsvc.store.run_facts``) carries its resolved scenario; a
    ``scenario_file``, if given, must resolve to the same scenario (equal
    :func:`~fundsvc.store.run_facts.scenario_sha256`: the one equality rule). A run stored before
    migration 0002 has only its TOML text: it is re-validated from that text (self-contained
    scenarios), else from ``scenario_file`` when that file has the same text.
    A run that came through the run queue without facts is read from the queue's payload.

    Raises
    ------
    InputError
        ``scenario_file`` is not the scenario the run simulated.
    FundsvcError
        An old run whose text references other files, without ``scenario_file``.
    """
    from fundsvc.inputs.loader import load_scenario, load_scenario_bytes
    from fundsvc.store.run_facts import scenario_sha256

    run = store.runs.get(run_id)
    rec = store.scenarios.get(run.scenario_id)
    stored = store.run_facts.get(run_id)
    if stored is not None:
        if scenario_file is not None:
            loaded = load_scenario(scenario_file)
            if scenario_sha256(loaded.scenario) != stored.scenario_sha256:
                raise InputError.single(str(scenario_file), "", f"is not the scenario run {run_id} simulated "
                                        f"(it resolves to a different scenario than the stored '{rec.name}')")
        return stored.scenario()
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
    if rec.content.startswith("{"):  # a scenario built in Python (a what-if), stored as its JSON
        return Scenario.model_validate_json(rec.content)
    try:
        return load_scenario_bytes(rec.content.encode("utf-8"), rec.name)
    except InputError:
        raise FundsvcError(
            f"cannot re-load scenario '{rec.name}' of run {run_id}: the run was stored without its resolved "
            "scenario and its text references other files; pass the scenario file with --scenario FILE") from None


def facts_for_run(store, run_id: int, fallback: Scenario | None = None) -> ScenarioFacts:
    """The run's compiled facts as stored with it; for a run stored without facts, extracted
    from ``fallback`` (or the run's scenario, :func:`scenario_for_run`)."""
    stored = store.run_facts.get(run_id)
    if stored is not None and stored.facts:
        return ScenarioFacts.from_dict(stored.facts)
    return scenario_facts(fallback if fallback is not None else scenario_for_run(store, run_id))
