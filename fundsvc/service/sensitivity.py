"""Stored sensitivity analyses (one-at-a-time tornado around a base run), read for a principal.

The dashboards' Sensitivity page and the API (the run table ``sensitivity``) read them here: the
run must be visible (:meth:`fundsvc.service.reader.RunReader.record`) and the rows are filtered
by :func:`fundsvc.service.policy.filter_table` on their ``entity`` (``guidance``, ``banks``,
``pool:<id>``) like every run table — a bank sees the guidance fund and the pools it lends under,
never the all-bank aggregates; no output names a single bank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from fundsvc.auth.roles import Principal
from fundsvc.store.stress_results import StressKind

__all__ = ["TABLE_NAME", "SensitivityView", "runs_with_sensitivity", "stored_sensitivity"]

TABLE_NAME = "sensitivity"
"""Name of the stored analysis as a run table (``/api/v1/runs/{id}/tables/sensitivity``)."""


@dataclass(frozen=True)
class SensitivityView:
    """The newest sensitivity analysis stored with a run, as the caller may see it.

    ``table``: :meth:`fundsvc.validation.sensitivity.Sensitivity.table` (one row per input and
    output; values in the output's unit: CNY, a multiple or a probability) plus ``relative_step``
    (relative change of each input), ``paths`` and ``seed``; only visible rows. ``hidden``: outputs left out
    for the caller's role. ``base_is_run``: the base figures are the run's own (same chunks); when
    False the base was simulated again with smaller chunks for the standard errors, and differs from
    the run's figures by Monte Carlo noise.
    """

    run_id: int
    created_at: dt.datetime
    step: float
    paths: int
    seed: int
    table: pl.DataFrame
    hidden: int
    base_is_run: bool = True

    def outputs(self) -> list[str]:
        """Output names in the order they were computed."""
        return self.table["output"].unique(maintain_order=True).to_list() if self.table.height else []


def stored_sensitivity(reader, principal: Principal, run_id: int) -> SensitivityView | None:
    """The newest analysis stored with ``run_id`` filtered for ``principal``, ``None`` if none is stored.

    Raises :class:`fundsvc.errors.NotFoundError` when the run does not exist or is not visible.
    ``reader`` is a :class:`fundsvc.service.reader.RunReader`.
    """
    from fundsvc.validation.sensitivity import Sensitivity

    rec = reader.record(principal, run_id)
    stored = reader.store.stress_results.latest(rec.id, StressKind.SENSITIVITY)
    if stored is None:
        return None
    res = Sensitivity.from_document(stored.content)
    full = res.table().with_columns(relative_step=pl.lit(res.step), paths=pl.lit(res.paths, dtype=pl.Int64),
                                    seed=pl.lit(res.seed, dtype=pl.Int64))
    shown = reader.filter(principal, rec, TABLE_NAME, full)
    hidden = full["output"].n_unique() - (shown["output"].n_unique() if shown.height else 0)
    return SensitivityView(rec.id, stored.created_at, res.step, res.paths, res.seed, shown, hidden,
                           bool(stored.content.get("base_is_run", True)))


def runs_with_sensitivity(reader, principal: Principal) -> list[int]:
    """Ids of the visible runs that have a stored sensitivity analysis, newest first."""
    from fundsvc.service.policy import Action, require, run_visible

    require(principal, Action.READ)
    ids = reader.store.stress_results.run_ids(StressKind.SENSITIVITY)
    owners = reader.owners()

    return [i for i in sorted(ids, reverse=True) if run_visible(principal, owners.get(i))]
