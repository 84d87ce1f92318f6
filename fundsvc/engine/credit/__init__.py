"""Credit engine: correlated defaults, IP recoveries, risk-sharing pools and lending programmes.

Public API::

    compile_credit(scenario, *, correlation=None, settings=None, steps_per_year=None) -> CreditModel
    simulate_credit_chunk(model, market, seed, chunk_index, *, pool_initial_override=None,
                          annual_top_up_override=None, record_defaults=False) -> CreditChunk
    concat_chunks(chunks) -> CreditChunk
    summarise_credit(chunk) -> polars.DataFrame          (one row per path and entity)
    loss_measures, pool_fans, depletion_by_year, pool_summary (chunk) -> polars.DataFrame
    chunk_claims(model, market, seed, chunk_index) -> ClaimSet
    required_pool_size(model, claims, target, ...) -> SizingResult  (common random numbers)
    loss_contributions(model, chunk, ...) / loan_capital(scenario, loan, ...) -> LoanRisk
    fundsvc.engine.credit.tail: one_period_portfolio, tail_probability_is / _mc, pool_depletion_is
"""

from fundsvc.engine.credit.capital import (
    ContributionBasis,
    LoanRisk,
    LossWindow,
    loan_capital,
    loss_contributions,
)
from fundsvc.engine.credit.claims import ClaimSet
from fundsvc.engine.credit.compile import CreditModel, CreditSettings, compile_credit
from fundsvc.engine.credit.kernel import (
    CreditChunk,
    DefaultTable,
    concat_chunks,
    simulate_credit_chunk,
)
from fundsvc.engine.credit.outputs import (
    depletion_by_year,
    loss_measures,
    pool_fans,
    pool_summary,
    summarise_credit,
)
from fundsvc.engine.credit.sizing import (
    SizingResult,
    SizingVariable,
    chunk_claims,
    required_pool_size,
)

__all__ = [
    "ClaimSet", "ContributionBasis", "CreditChunk", "CreditModel", "CreditSettings", "DefaultTable", "LoanRisk",
    "LossWindow", "SizingResult", "SizingVariable", "chunk_claims", "compile_credit", "concat_chunks",
    "depletion_by_year", "loan_capital", "loss_contributions", "loss_measures", "pool_fans", "pool_summary",
    "required_pool_size", "simulate_credit_chunk", "summarise_credit",
]
