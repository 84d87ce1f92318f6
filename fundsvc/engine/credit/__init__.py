"""Credit engine: correlated defaults, IP recoveries, risk-sharing pools and lending programmes.

Public API::

    compile_credit(scenario, *, correlation=None, settings=None, steps_per_year=None) -> CreditModel
    simulate_credit_chunk(model, market, seed, chunk_index, *, pool_initial_override=None,
                          annual_top_up_override=None, record_defaults=False) -> CreditChunk
    summarise_credit(chunk) -> polars.DataFrame                  (one row per path and entity)
    loss_measures / pool_fans / depletion_by_year / pool_summary   (portfolio tables)
    required_pool_size(...)                                      (sizing on common random numbers)
    loan_capital(...)                                            (a loan's EL / VaR / ES contribution)
"""

from fundsvc.engine.credit.compile import CreditModel, CreditSettings, compile_credit
from fundsvc.engine.credit.kernel import (
    CreditChunk,
    DefaultTable,
    concat_chunks,
    simulate_credit_chunk,
)

__all__ = [
    "CreditChunk", "CreditModel", "CreditSettings", "DefaultTable", "compile_credit", "concat_chunks",
    "simulate_credit_chunk",
]
