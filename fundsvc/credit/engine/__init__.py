"""Credit portfolio engine: correlated defaults, recoveries, loss sharing and lending programmes.

Public API (imported lazily, so importing one submodule does not load the whole engine)::

    compile_credit(scenario, *, correlation=None, settings=None, steps_per_year=None) -> CreditModel
    simulate_credit_chunk(model, market, seed, chunk_index, *, pool_initial_override=None,
                          annual_top_up_override=None, record_defaults=False) -> CreditChunk
    chunk_claims(model, market, seed, chunk_index) -> ClaimSet   (claims before the pool stage)
    concat_chunks(chunks) -> CreditChunk
    summarise_credit(chunk) -> polars.DataFrame          (one row per path and entity)
    loss_measures, pool_fans, depletion_by_year, pool_summary (chunk) -> polars.DataFrame
    loss_contributions(model, chunk, ...) / loan_capital(scenario, loan, ...) -> LoanRisk
    fundsvc.credit.engine.tail: one_period_portfolio, tail_probability_is / _mc, pool_depletion_is

The pool stage (ledger) and pool sizing are in :mod:`fundsvc.credit.pools`.

Modules: ``compile`` (scenario → arrays), ``defaults`` (correlated default times), ``recovery``
(IP disposal), ``schedule`` (amortisation), ``allocation`` (who bears a default's loss),
``claims`` (book defaults → claims), ``lending`` (programme cohorts), ``kernel`` (one chunk:
claims then the pool stage), ``outputs`` (tables), ``risk_contributions`` (Euler VaR/ES
contributions of single loans), ``tail`` (importance sampling), ``reference`` (slow reference
implementations for tests), ``synthetic`` (synthetic books for tests and benchmarks).
"""

from __future__ import annotations

from models.lazy import lazy_exports

_EXPORTS = {
    "ContributionBasis": "fundsvc.credit.engine.risk_contributions",
    "LoanRisk": "fundsvc.credit.engine.risk_contributions",
    "LossWindow": "fundsvc.credit.engine.risk_contributions",
    "loan_capital": "fundsvc.credit.engine.risk_contributions",
    "loss_contributions": "fundsvc.credit.engine.risk_contributions",
    "ClaimSet": "fundsvc.credit.engine.claims",
    "CreditModel": "fundsvc.credit.engine.compile",
    "CreditSettings": "fundsvc.credit.engine.compile",
    "compile_credit": "fundsvc.credit.engine.compile",
    "CreditChunk": "fundsvc.credit.engine.kernel",
    "DefaultTable": "fundsvc.credit.engine.kernel",
    "chunk_claims": "fundsvc.credit.engine.kernel",
    "concat_chunks": "fundsvc.credit.engine.kernel",
    "simulate_credit_chunk": "fundsvc.credit.engine.kernel",
    "depletion_by_year": "fundsvc.credit.engine.outputs",
    "loss_measures": "fundsvc.credit.engine.outputs",
    "pool_fans": "fundsvc.credit.engine.outputs",
    "pool_summary": "fundsvc.credit.engine.outputs",
    "summarise_credit": "fundsvc.credit.engine.outputs",
}

__all__ = [
    "ClaimSet",
    "ContributionBasis",
    "CreditChunk",
    "CreditModel",
    "CreditSettings",
    "DefaultTable",
    "LoanRisk",
    "LossWindow",
    "chunk_claims",
    "compile_credit",
    "concat_chunks",
    "depletion_by_year",
    "loan_capital",
    "loss_contributions",
    "loss_measures",
    "pool_fans",
    "pool_summary",
    "simulate_credit_chunk",
    "summarise_credit",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
