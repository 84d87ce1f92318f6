"""Risk contributions of single loans to portfolio VaR / ES (economic capital).

Euler allocation on the simulated paths (Tasche 1999; e.g. Glasserman 2005, "Measuring
marginal risk contributions in credit portfolios", J. Computational Finance 9(2)):

* ES contribution of loan i: ``E[L_i | L ≥ VaR_α(L)]`` — the mean of the loan's loss over the
  ``⌈(1 − α)·n⌉`` worst paths of the portfolio; the contributions add up to the portfolio's
  ES (of the same tail set);
* VaR contribution: ``E[L_i | L ≈ VaR_α(L)]``, a kernel estimate averaging over the paths ranked
  within ``±h`` of the VaR order statistic (``h = max(5, ⌈(1 − α)·n / 4⌉)``), noisy for small n;
* economic capital = ES contribution − expected loss (unexpected-loss capital).

``basis`` chooses the portfolio: LENDER — losses borne by the loan's bank (its own share, cap
excess and unpaid pool claims) over that bank's whole book; TOTAL — net loss (exposure −
recovery) of all parties. ``window``: the first year or the whole horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import polars as pl

from fundsvc.credit.engine.compile import CreditModel, compile_credit
from fundsvc.credit.engine.kernel import CreditChunk, concat_chunks, simulate_credit_chunk
from fundsvc.engine.factors import simulate_market
from fundsvc.engine.grid import TimeGrid
from fundsvc.engine.sampling import Component, chunk_plan, stream
from fundsvc.errors import InputError, Problem
from models.credit import AchievementLoan
from models.scenario import Scenario


class ContributionBasis(StrEnum):
    LENDER = "lender"
    TOTAL = "total"


class LossWindow(StrEnum):
    YEAR_1 = "year_1"
    HORIZON = "horizon"


@dataclass(frozen=True)
class LoanRisk:
    """Risk contribution of one loan. Amounts CNY; rates per CNY of the loan amount.

    Attributes
    ----------
    loan_id : str
    amount_cny : float
    expected_loss, var_contribution, es_contribution, capital : float
        ``capital = es_contribution − expected_loss``.
    capital_rate : float
        ``capital / amount_cny`` (per CNY lent, for the chosen window).
    portfolio_var, portfolio_es : float
    level : float
    basis : ContributionBasis
    window : LossWindow
    n_paths : int
    """

    loan_id: str
    amount_cny: float
    expected_loss: float
    var_contribution: float
    es_contribution: float
    capital: float
    capital_rate: float
    portfolio_var: float
    portfolio_es: float
    level: float
    basis: ContributionBasis
    window: LossWindow
    n_paths: int


def _steps(chunk: CreditChunk, window: LossWindow) -> int:
    return chunk.steps_per_year if window is LossWindow.YEAR_1 else chunk.n_steps


def _tail_sets(total: np.ndarray, level: float):
    n = total.size
    order = np.argsort(total, kind="stable")[::-1]
    k = max(1, math.ceil((1.0 - level) * n - 1e-9))
    h = max(5, math.ceil(k / 4))
    tail = order[:k]
    near = order[max(0, k - 1 - h): min(n, k + h)]
    return tail, near, float(total[order[k - 1]])


def loss_contributions(model: CreditModel, chunk: CreditChunk, *, level: float = 0.999,
                       basis: ContributionBasis = ContributionBasis.LENDER,
                       window: LossWindow = LossWindow.YEAR_1) -> pl.DataFrame:
    """EL, VaR and ES contributions of every book loan (needs ``record_defaults=True``).

    Returns
    -------
    polars.DataFrame
        loan_id, bank, amount_cny, expected_loss, var_contribution, es_contribution, capital,
        portfolio_var, portfolio_es (CNY; for LENDER the portfolio is the loan's bank).
    """
    if chunk.defaults is None:
        raise InputError([Problem("<input>", "chunk", "simulate with record_defaults=True to get contributions")])
    d = chunk.defaults
    s = _steps(chunk, window)
    n = chunk.n_paths
    keep = (d.source == 0) & (d.step < s)
    value = (d.bank if basis is ContributionBasis.LENDER else d.exposure - d.recovery)[keep]
    item, path = d.item[keep], d.path[keep]
    nl = model.book.n_loans
    bank_of = model.book.bank[item]
    el = np.bincount(item, value, minlength=nl) / n
    var_c, es_c, p_var, p_es = (np.zeros(nl) for _ in range(4))
    portfolios = (
        [(model.book.bank == b, bank_of == b, chunk.bank_loss[:, b, :s].sum(axis=1)) for b in range(model.n_banks)]
        if basis is ContributionBasis.LENDER
        else [(np.ones(nl, bool), np.ones(item.size, bool), chunk.total_loss[:, :s].sum(axis=1))]
    )
    for members, rows, total in portfolios:
        tail, near, var = _tail_sets(total, level)
        for paths, out in ((tail, es_c), (near, var_c)):
            hit = np.zeros(n, bool)
            hit[paths] = True
            sel = rows & hit[path]
            out[members] = (np.bincount(item[sel], value[sel], minlength=nl) / paths.size)[members]
        p_var[members] = var
        p_es[members] = total[tail].mean()
    return pl.DataFrame({
        "loan_id": list(model.book.loan_ids),
        "bank": [model.banks[b] for b in model.book.bank],
        "amount_cny": model.book.amount,
        "expected_loss": el, "var_contribution": var_c, "es_contribution": es_c, "capital": es_c - el,
        "portfolio_var": p_var, "portfolio_es": p_es,
    })


def loan_capital(scenario: Scenario, loan: AchievementLoan, *, n_paths: int = 20_000, seed: int = 0,
                 level: float = 0.999, basis: ContributionBasis = ContributionBasis.LENDER,
                 window: LossWindow = LossWindow.YEAR_1, chunk_size: int = 10_000) -> LoanRisk:
    """Economic capital of ``loan`` added to the scenario's book (replacing a loan with the same id).

    Simulates the shared factors and the credit engine for ``n_paths`` paths (chunked, seeded as
    the orchestrator does) and returns the loan's Euler contributions. For pricing: the capital
    per CNY lent is ``LoanRisk.capital_rate``.
    """
    loans = [ln for ln in scenario.loans if ln.loan_id != loan.loan_id] + [loan]
    sc = scenario.model_copy(update={"loans": loans})
    model = compile_credit(sc)
    if loan.loan_id not in model.book.loan_ids:
        raise InputError([Problem("<input>", "loan", f"loan '{loan.loan_id}' is not outstanding within the horizon")])
    from fundsvc.engine.conditioning import conditions_for
    from fundsvc.engine.factor_lag import credit_view

    fg = TimeGrid.factor_grid(sc)
    conditions = conditions_for(sc, fg.n_steps, fg.steps_per_year)  # a stressed scenario's imposed market (issue 11)
    chunks = []
    for ch in chunk_plan(n_paths, chunk_size):
        market = credit_view(simulate_market(sc.market, ch.size, fg.n_steps, fg.steps_per_year,
                                             stream(seed, ch.index, Component.FACTORS), conditions),
                             sc, seed, ch.index)
        chunks.append(simulate_credit_chunk(model, market, seed, ch.index, record_defaults=True))
    chunk = concat_chunks(chunks)
    tab = loss_contributions(model, chunk, level=level, basis=basis, window=window)
    row = tab.filter(pl.col("loan_id") == loan.loan_id).row(0, named=True)
    return LoanRisk(
        loan_id=loan.loan_id, amount_cny=loan.amount_cny, expected_loss=row["expected_loss"],
        var_contribution=row["var_contribution"], es_contribution=row["es_contribution"],
        capital=row["capital"], capital_rate=row["capital"] / loan.amount_cny,
        portfolio_var=row["portfolio_var"], portfolio_es=row["portfolio_es"], level=level,
        basis=basis, window=window, n_paths=chunk.n_paths,
    )
