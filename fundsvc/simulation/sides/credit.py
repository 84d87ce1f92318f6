"""The credit side's output contract (:mod:`fundsvc.simulation.contract`).

Loans → defaults → recoveries → pools → bank, on the credit grid (``simulation.credit_time_step``).
The columns are :func:`fundsvc.credit.engine.outputs.credit_columns` (shapes and units there);
the tables are the ``*_table`` formulas of :mod:`fundsvc.credit.engine.outputs`, the same ones
the single-chunk functions (``loss_measures(chunk)`` …) use.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from fundsvc.engine.grid import TimeGrid, market_on
from fundsvc.simulation.contract import Columns, ColumnSpec, Reduction
from fundsvc.simulation.registry import Side, TableKind, TableName, check_table

_KEPT = ("loss_year_1", "loss_horizon", "pool_initial", "payouts", "fiscal_cost", "fiscal_cost_pv", "final_balance",
         "leverage", "lending_multiple", "new_lending", "depleted", "first_depletion_step", "pool_balance",
         "pool_payout", "pool_new_lending", "pool_outstanding")


class CreditSide:
    """Loan book, lending programmes and risk-sharing pools."""

    name = Side.CREDIT
    column_specs: tuple[ColumnSpec, ...] = (
        *(ColumnSpec.of(c, Reduction.PATHS) for c in _KEPT),
        ColumnSpec.of("n_defaults", Reduction.CHUNK),
        ColumnSpec.of("depleted_by_year", Reduction.SUM),
        ColumnSpec.of("depleted_in_year", Reduction.SUM),
        *(ColumnSpec.of(c, Reduction.SUM) for c in ("cover_hit", "cover_unpaid", "cover_unpaid_sq", "cover_claims",
                                                    "lending_paused", "lending_paused_start")),
    )

    def compile(self, scenario, grid: TimeGrid):
        """The :class:`~fundsvc.credit.engine.compile.CreditModel` on the credit grid, or None."""
        from fundsvc.credit.engine import compile_credit

        if not (scenario.loans or any(p.lending_programme is not None for p in scenario.pools)):
            return None
        return compile_credit(scenario, grid=grid.at(scenario.simulation.credit_time_step.per_year))

    def simulate(self, model, market, seed: int, chunk, *, keep_claims: bool = False):
        """``(CreditChunk, claims or None)`` of one chunk; the claims kept for pool sizing are
        compacted here, on the worker (:func:`fundsvc.credit.pools.claim_spool.compact_claims`)."""
        from fundsvc.credit.engine.kernel import assemble_chunk, chunk_claims
        from fundsvc.credit.pools.ledger import run_pools

        claims = chunk_claims(model, market_on(market, model.grid), seed, chunk.index)
        ledger = run_pools(model, claims)
        initial = ledger.balance[0, :, 0] if model.n_pools else np.zeros(0)
        if keep_claims:
            from fundsvc.credit.pools.claim_spool import compact_claims

            return assemble_chunk(model, claims, ledger, initial), compact_claims(claims)
        return assemble_chunk(model, claims, ledger, initial), None

    def columns(self, model, chunk) -> dict[str, np.ndarray]:
        from fundsvc.credit.engine.outputs import credit_columns

        return credit_columns(chunk)

    def tables(self, model, columns: Columns, kind: TableKind) -> dict[TableName, pl.DataFrame]:
        """The credit side's tables of ``kind`` from reduced columns (the one formula)."""
        from fundsvc.credit.engine.outputs import (
            FAN_QUANTILES,
            LEVELS,
            credit_entities,
            credit_paths_table,
            depletion_by_year_table,
            loss_measures_table,
            pool_fans_table,
            pool_summary_table,
        )
        from fundsvc.credit.pools.reliability import cover_table, lending_pause_table

        ents = credit_entities(model.banks, model.pool_ids)
        spy = model.grid.steps_per_year
        if kind is TableKind.PATHS:
            out = {TableName.CREDIT_PATHS: credit_paths_table(ents, model.pool_ids, spy, columns, columns.path_offset)}
        else:
            out = {TableName.CREDIT_LOSS_MEASURES: loss_measures_table(ents, columns, LEVELS),
                   TableName.CREDIT_POOL_SUMMARY: pool_summary_table(model.pool_ids, columns),
                   TableName.CREDIT_POOL_FANS: pool_fans_table(model.pool_ids, spy, columns, FAN_QUANTILES),
                   TableName.CREDIT_DEPLETION_BY_YEAR: depletion_by_year_table(model.pool_ids, columns.sums,
                                                                               columns.n_paths)}
            cover_sums = {**columns.sums, "n": columns.n_paths}
            out[TableName.CREDIT_COVER_RELIABILITY] = cover_table(cover_sums, model.pool_ids)
            out[TableName.CREDIT_LENDING_PAUSES] = lending_pause_table(cover_sums, model.pool_ids)
        return {k: check_table(k, v) for k, v in out.items()}
