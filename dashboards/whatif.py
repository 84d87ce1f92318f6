"""What-if reruns: change graduation rates, reserves or fees and simulate a few thousand paths."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

__all__ = ["WhatIf", "modified_scenario", "run_whatif", "run_whatif_queued", "submit_whatif"]


@dataclass(frozen=True)
class WhatIf:
    """Changes to apply to every sub-fund of a scenario.

    Attributes
    ----------
    graduation_multiplier : float
        Factor on every stage's ``p_next_round`` (capped so ``p_next_round + p_exit <= 1``).
    reserve_ratio : float or None
        Share of investable capital reserved for follow-ons (deal-level sub-funds); None = unchanged.
    management_fee_rate : float or None
        Management fee per year in the investment period; None = unchanged.
    """

    graduation_multiplier: float = 1.0
    reserve_ratio: float | None = None
    management_fee_rate: float | None = None


def modified_scenario(scenario, change: WhatIf):
    """A validated copy of ``scenario`` with ``change`` applied (the input is not modified)."""
    profiles = []
    for prof in scenario.stage_profiles:
        stages = []
        for st in prof.stages:
            p_next = min(st.p_next_round * change.graduation_multiplier, 1.0 - st.p_exit)
            stages.append(st.model_copy(update={"p_next_round": max(p_next, 0.0)}))
        profiles.append(prof.model_copy(update={"stages": stages}))
    funds = []
    for f in scenario.sub_funds:
        upd = {}
        if change.reserve_ratio is not None:
            upd["reserve_ratio"] = change.reserve_ratio
        if change.management_fee_rate is not None:
            upd["fees"] = f.fees.model_copy(update={"management_fee_rate": change.management_fee_rate})
        funds.append(f.model_copy(update=upd))
    data = scenario.model_copy(update={"stage_profiles": profiles, "sub_funds": funds}).model_dump()
    return type(scenario).model_validate(data)


def run_whatif(scenario, change: WhatIf, *, paths: int = 2000, seed: int = 2026) -> pl.DataFrame:
    """Simulate the changed scenario (``paths`` paths, fixed ``seed``) and return its ``equity_summary``."""
    import fundsvc

    result = fundsvc.simulate(modified_scenario(scenario, change), paths=paths, seed=seed)
    return result.equity_summary()


WHATIF_OWNER = "what-if"
WHATIF_PRIORITY = 10
"""What-if reruns go before page runs (priority 5) and plain submissions (0): a user waits."""


def submit_whatif(store, scenario, change: WhatIf, *, paths: int = 2000, seed: int = 2026,
                  quota=None) -> int:
    """Queue a what-if rerun (the changed scenario, ``paths`` paths, fixed ``seed``) on the run
    queue and return its run id; a queue worker executes it (:mod:`fundsvc.queue`)."""
    from fundsvc.queue import loaded_from_model, submit

    return submit(store, loaded_from_model(modified_scenario(scenario, change), source="<what-if>"),
                  paths=paths, seed=seed, label="what-if", owner=WHATIF_OWNER, priority=WHATIF_PRIORITY,
                  quota=quota, depletion_target=None)


def run_whatif_queued(store, scenario, change: WhatIf, *, paths: int = 2000, seed: int = 2026,
                      timeout: float = 300.0, ensure_worker=None) -> pl.DataFrame:
    """:func:`run_whatif` through the run queue: submit, wait for the run, return its stored
    ``equity_summary`` (the same numbers as :func:`run_whatif`: same scenario, paths and seed).

    Raises
    ------
    FundsvcError
        The run failed, was cancelled or did not finish within ``timeout`` seconds.
    """
    import time

    from fundsvc.errors import FundsvcError
    from fundsvc.store import RunStatus

    run_id = submit_whatif(store, scenario, change, paths=paths, seed=seed)
    if ensure_worker is not None:
        ensure_worker()
    deadline = time.monotonic() + timeout
    while True:
        run = store.runs.get(run_id)
        if run.status is RunStatus.SUCCEEDED:
            return store.runs.load_table(run_id, "equity_summary")
        if run.status.is_final:
            raise FundsvcError(f"what-if run {run_id} {run.status.value}: {run.error}")
        if time.monotonic() > deadline:
            store.runs.request_cancel(run_id)
            raise FundsvcError(f"what-if run {run_id} did not finish within {timeout:.0f} s; cancelled")
        time.sleep(0.1)
