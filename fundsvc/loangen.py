"""Seeded generator of illustrative tech-loan books (成果贷 / 科创贷 / 人才贷).

The bundled scenarios ship loan books made by this module (``scenarios/data/*.csv``); the
command ``fundsvc generate-loans`` rebuilds them byte for byte. The books are *illustrative*:
their distributions follow published practice where we could find it (see
``scenarios/README.md``), not any real bank's portfolio.

What a generated loan looks like (defaults of :class:`LoanBookProfile`):

* product: 成果贷 55 %, 科创贷 30 %, 人才贷 15 %;
* amount: lognormal by product (成果贷 median 300万元, log-sd 0.6, so most lie in 100万–1000万元),
  clipped to [30万, 3000万] and rounded to whole 万元;
* term 1, 2 or 3 years (45 / 35 / 20 %), amortisation mostly bullet or equal principal;
* contract rate priced by the model (presets): the loan's break-even rate from
  :func:`fundsvc.credit.price_loan` at its own inputs (PD, product, IP, guarantee or the
  pool's cover, the scenario's recovery model; the request's default bank economics: funding 2 %,
  operating cost 1 %, tax 25 %, hurdle RAROC 10 %, standardised 75 % risk weight × 10.5 %) plus a
  competitive spread ``N(spread_mean, spread_sd)`` = N(0.4 %, 0.3 %) per year (assumption: banks
  quote a little above their hurdle, some below it to win a client), rounded to 0.01 %, within
  [3 %, 36 %]. Without a pricing context the old rule ``base_rate + rate_pd_slope × PD + noise``
  clipped to [3.5 %, 6 %] applies;
* rating on the tech-SME master scale, skewed to the B grades; a share of loans reports an
  annual ``pd`` instead (bank-internal model) — the grade PD times lognormal noise;
* firm size mostly micro / small, revenue within the size band (工信部联企业〔2011〕300号
  industrial thresholds: micro < 300万, small < 2000万, medium < 4亿元);
* IP pledge for most 成果贷, fewer 科创贷 / 人才贷; appraisal = amount ÷ pledge rate with the
  pledge rate (质押率) uniform in [30 %, 50 %];
* sectors over the five ecosystems of the policy plus ``other``;
* loans outside a pool may carry a guarantee share (政策性担保) or an insurance share (保证保险).

Every random draw comes from one ``numpy.random.Generator`` seeded by ``seed`` and is vectorised
over loans, so the same arguments give the same table — and the same file — every time.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import polars as pl

from fundsvc.credit.pricing.book import BookPricingContext, loan_request
from fundsvc.inputs.tables import LOAN_BOOK_COLUMNS

_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class LoanBookProfile:
    """Distribution of the generated loans. Amounts in CNY, rates per year, shares in [0, 1].

    Attributes
    ----------
    product_mix : dict
        Share of loans by product (``achievement``, ``sci_tech``, ``talent``, ``other``).
    median_amount_cny : dict
        Median loan amount by product (CNY) for a small firm; amounts are lognormal with
        log-sd ``amount_sigma``.
    size_amount_factor : dict
        Multiplier of the median amount by firm size (micro firms borrow less).
    amount_sigma : float
        Log standard deviation of amounts.
    min_amount_cny, max_amount_cny : float
        Clip bounds of amounts (CNY).
    term_mix : dict
        Share of loans by term in whole years.
    amortisation_mix : dict
        Share by amortisation (``bullet``, ``equal_principal``, ``annuity``).
    rating_mix : dict
        Share by grade of the master scale (best to worst).
    grade_pd : dict
        Annual PD of each grade (the master scale's, used for ``pd`` loans and pricing).
    pd_share : float
        Share of loans that report ``pd`` (bank model) instead of ``rating``.
    pd_noise_sigma : float
        Log-sd of a reported PD around its grade's PD.
    base_rate, rate_pd_slope, rate_noise, min_rate, max_rate : float
        Without a pricing context: contract rate = ``base_rate + rate_pd_slope × PD + N(0, rate_noise)``,
        clipped.
    spread_mean, spread_sd, priced_min_rate, priced_max_rate : float
        With a pricing context: contract rate = break-even + ``N(spread_mean, spread_sd)`` (the same
        standard normal draw as the noise above), clipped to [priced_min_rate, priced_max_rate].
    firm_size_mix : dict
        Share by firm size (``micro``, ``small``, ``medium``, ``large``).
    revenue_share : float
        Share of loans whose borrower revenue is reported.
    sector_mix : dict
        Share by sector (the five ecosystems and ``other``).
    ip_share : dict
        Probability of an IP pledge by product.
    ip_type_mix : dict
        Share of pledged IP by type.
    pledge_rate_range : tuple
        Pledge rate (loan ÷ appraisal) is uniform in this range.
    mean_extra_ip_items : float
        Number of pledged items is 1 + Poisson(this), at most 20.
    guarantee_prob, guarantee_share_range : float, tuple
        Outside a pool: chance of a guarantee and its share of the loss (uniform in the range).
    insurance_prob, insurance_share : float
        Outside a pool and without a guarantee: chance of loan insurance and its share.
    """

    product_mix: dict[str, float] = field(
        default_factory=lambda: {"achievement": 0.55, "sci_tech": 0.30, "talent": 0.15}
    )
    median_amount_cny: dict[str, float] = field(
        default_factory=lambda: {"achievement": 3_000_000, "sci_tech": 2_500_000, "talent": 1_500_000,
                                 "other": 2_000_000}
    )
    size_amount_factor: dict[str, float] = field(
        default_factory=lambda: {"micro": 0.7, "small": 1.0, "medium": 1.6, "large": 2.5}
    )
    amount_sigma: float = 0.6
    min_amount_cny: float = 300_000
    max_amount_cny: float = 30_000_000
    term_mix: dict[int, float] = field(default_factory=lambda: {1: 0.45, 2: 0.35, 3: 0.20})
    amortisation_mix: dict[str, float] = field(
        default_factory=lambda: {"bullet": 0.60, "equal_principal": 0.32, "annuity": 0.08}
    )
    rating_mix: dict[str, float] = field(
        default_factory=lambda: {"A1": 0.03, "A2": 0.07, "B1": 0.20, "B2": 0.30, "B3": 0.22,
                                 "C1": 0.12, "C2": 0.05, "C3": 0.01}
    )
    grade_pd: dict[str, float] = field(
        default_factory=lambda: {"A1": 0.003, "A2": 0.006, "B1": 0.012, "B2": 0.02, "B3": 0.035,
                                 "C1": 0.06, "C2": 0.10, "C3": 0.18}
    )
    pd_share: float = 0.15
    pd_noise_sigma: float = 0.25
    base_rate: float = 0.034
    rate_pd_slope: float = 0.45
    rate_noise: float = 0.0025
    min_rate: float = 0.035
    max_rate: float = 0.06
    spread_mean: float = 0.004
    spread_sd: float = 0.003
    priced_min_rate: float = 0.03
    priced_max_rate: float = 0.36
    firm_size_mix: dict[str, float] = field(
        default_factory=lambda: {"micro": 0.45, "small": 0.40, "medium": 0.13, "large": 0.02}
    )
    revenue_share: float = 0.8
    sector_mix: dict[str, float] = field(
        default_factory=lambda: {"smart_iot": 0.28, "biomedicine": 0.17, "high_end_equipment": 0.20,
                                 "new_materials": 0.12, "green_energy": 0.13, "other": 0.10}
    )
    ip_share: dict[str, float] = field(
        default_factory=lambda: {"achievement": 0.95, "sci_tech": 0.50, "talent": 0.30, "other": 0.20}
    )
    ip_type_mix: dict[str, float] = field(
        default_factory=lambda: {"invention_patent": 0.70, "utility_model": 0.15, "software_copyright": 0.10,
                                 "trademark": 0.04, "design_patent": 0.01}
    )
    pledge_rate_range: tuple[float, float] = (0.30, 0.50)
    mean_extra_ip_items: float = 1.5
    guarantee_prob: float = 0.35
    guarantee_share_range: tuple[float, float] = (0.4, 0.8)
    insurance_prob: float = 0.10
    insurance_share: float = 0.3


# revenue bands (CNY) by firm size: 工信部联企业〔2011〕300号, industrial enterprises
_REVENUE_BAND = {"micro": (500_000, 3_000_000), "small": (3_000_000, 20_000_000),
                 "medium": (20_000_000, 400_000_000), "large": (400_000_000, 2_000_000_000)}


def _check_mix(mix: dict, what: str) -> tuple[list, np.ndarray]:
    keys = list(mix)
    p = np.asarray([mix[k] for k in keys], dtype=float)
    if not keys or np.any(p < 0) or abs(p.sum() - 1) > 1e-9:
        raise ValueError(f"{what} must be non-negative shares summing to 1, got {mix}")
    return keys, p


def _choose(rng: np.random.Generator, mix: dict, n: int, what: str) -> np.ndarray:
    keys, p = _check_mix(mix, what)
    idx = rng.choice(len(keys), size=n, p=p)
    return np.asarray(keys, dtype=object)[idx]


def _add_years(dates: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Same calendar day ``years`` later (29 Feb → 28 Feb); dates datetime64[D], shape (n,)."""
    months = dates.astype("datetime64[M]")
    day = (dates - months.astype("datetime64[D]")) // _DAY
    target = months + (12 * years).astype("timedelta64[M]")
    month_len = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")) // _DAY
    return target.astype("datetime64[D]") + np.minimum(day, month_len - 1) * _DAY


def _origination(rng, n, start, end, terms, as_of) -> np.ndarray:
    """Origination dates uniform in [start, end]; with ``as_of``, only dates still outstanding then."""
    s = np.datetime64(start, "D")
    e = np.datetime64(end, "D")
    lo = np.full(n, s)
    if as_of is not None:
        a = np.datetime64(as_of, "D")
        earliest = _add_years(np.full(n, a), -terms) + _DAY  # matures after as_of
        lo = np.maximum(lo, earliest)
    span = (e - lo) // _DAY
    if np.any(span < 0):
        raise ValueError("origination window is empty for some terms; widen [start, end] or move as_of")
    return lo + np.floor(rng.random(n) * (span + 1)).astype(np.int64) * _DAY


def _break_even_rates(ctx: BookPricingContext, amount, terms, amort, pd, product, pool, outside, guaranteed,
                      g_share, insured, insurance_share, has_ip, ip_type, appraisal) -> np.ndarray:
    """Break-even rate of each generated loan (with its pool's cover when pooled), shape (n,)."""
    from fundsvc.credit.pricing.loan import price_loan

    out = np.empty(amount.size)
    for i in range(amount.size):
        req = loan_request(
            ctx, amount_cny=amount[i], term_years=float(terms[i]), amortisation=str(amort[i]), pd=pd[i],
            product=str(product[i]), pool_id=None if outside[i] else str(pool[i]),
            guarantee_share=g_share[i] if guaranteed[i] else 0.0,
            insurance_share=insurance_share if insured[i] else 0.0,
            ip_type=str(ip_type[i]) if has_ip[i] else None, ip_appraisal_cny=appraisal[i] if has_ip[i] else None,
            quoted_rate=None)
        out[i] = price_loan(req).break_even_rate
    return out


def generate_loan_book(
    n_loans: int,
    *,
    seed: int,
    start: dt.date,
    end: dt.date,
    banks: dict[str, float],
    pools: dict[str, float] | None = None,
    as_of: dt.date | None = None,
    id_prefix: str = "L",
    profile: LoanBookProfile | None = None,
    pricing: BookPricingContext | None = None,
) -> pl.DataFrame:
    """Generate an illustrative loan book.

    Parameters
    ----------
    n_loans : int
        Number of loans (rows), >= 1.
    seed : int
        Seed of the generator; the same arguments give an identical table.
    start, end : datetime.date
        Window of origination dates (inclusive).
    banks : dict str -> float
        Share of loans by lending bank (sums to 1).
    pools : dict str -> float, optional
        Share of loans covered by each risk-sharing pool; the rest (1 − sum) are unpooled.
    as_of : datetime.date, optional
        If given, every loan is still outstanding at this date (maturity after it); ``end``
        must not be after it.
    id_prefix : str
        Loan ids are ``{id_prefix}{i:05d}`` (1-based); borrowers ``{id_prefix}-F{i:05d}``.
    profile : LoanBookProfile, optional
        Distributions (defaults: :class:`LoanBookProfile`).
    pricing : BookPricingContext, optional
        Recovery model, pools and bank economics: contract rates are then each loan's break-even
        rate plus a spread (see the module docstring); without it the old rate rule applies.

    Returns
    -------
    polars.DataFrame
        One row per loan, columns exactly ``LOAN_BOOK_COLUMNS`` in order; amounts in CNY
        (Int64, whole 万元), rates and PDs per year (Float64), dates as ``pl.Date``.
    """
    if n_loans < 1:
        raise ValueError("n_loans must be >= 1")
    if end < start:
        raise ValueError("end must not be before start")
    if as_of is not None and end > as_of:
        raise ValueError("end must not be after as_of")
    prof = profile or LoanBookProfile()
    pools = dict(pools or {})
    pooled = sum(pools.values())
    if any(v < 0 for v in pools.values()) or pooled > 1 + 1e-9:
        raise ValueError(f"pool shares must be >= 0 and sum to at most 1, got {pools}")
    rng = np.random.default_rng(seed)
    n = n_loans

    product = _choose(rng, prof.product_mix, n, "product_mix")
    size = _choose(rng, prof.firm_size_mix, n, "firm_size_mix")
    median = np.array([prof.median_amount_cny[p] * prof.size_amount_factor[z] for p, z in zip(product, size)])
    amount = median * np.exp(prof.amount_sigma * rng.standard_normal(n))
    amount = np.round(np.clip(amount, prof.min_amount_cny, prof.max_amount_cny) / 1e4) * 1e4

    term_keys, term_p = _check_mix(prof.term_mix, "term_mix")
    terms = np.asarray(term_keys, dtype=np.int64)[rng.choice(len(term_keys), size=n, p=term_p)]
    orig = _origination(rng, n, start, end, terms, as_of)
    mat = _add_years(orig, terms)
    amort = _choose(rng, prof.amortisation_mix, n, "amortisation_mix")

    rating = _choose(rng, prof.rating_mix, n, "rating_mix")
    grade_pd = np.array([prof.grade_pd[g] for g in rating], dtype=float)
    own_pd = rng.random(n) < prof.pd_share
    pd_noise = np.exp(prof.pd_noise_sigma * rng.standard_normal(n) - 0.5 * prof.pd_noise_sigma**2)
    loan_pd = np.round(np.clip(grade_pd * pd_noise, 1e-4, 0.5), 5)
    pd_used = np.where(own_pd, loan_pd, grade_pd)
    rate_eps = rng.standard_normal(n)
    rate = prof.base_rate + prof.rate_pd_slope * pd_used + prof.rate_noise * rate_eps
    rate = np.round(np.clip(rate, prof.min_rate, prof.max_rate), 4)

    lo = np.array([_REVENUE_BAND[s][0] for s in size], dtype=float)
    hi = np.array([_REVENUE_BAND[s][1] for s in size], dtype=float)
    revenue = np.round(np.exp(np.log(lo) + rng.random(n) * np.log(hi / lo)) / 1e4) * 1e4
    has_revenue = rng.random(n) < prof.revenue_share
    sector = _choose(rng, prof.sector_mix, n, "sector_mix")
    bank = _choose(rng, banks, n, "banks")

    pool_keys = list(pools) + [""]
    pool_p = np.array(list(pools.values()) + [max(0.0, 1.0 - pooled)])
    pool = np.asarray(pool_keys, dtype=object)[rng.choice(len(pool_keys), size=n, p=pool_p / pool_p.sum())]

    ip_p = np.array([prof.ip_share.get(p, 0.0) for p in product])
    has_ip = rng.random(n) < ip_p
    ip_type = _choose(rng, prof.ip_type_mix, n, "ip_type_mix")
    pledge = rng.uniform(*prof.pledge_rate_range, size=n)
    appraisal = np.round(amount / pledge / 1e4) * 1e4
    items = np.minimum(1 + rng.poisson(prof.mean_extra_ip_items, size=n), 20)

    outside = pool == ""
    guaranteed = outside & (rng.random(n) < prof.guarantee_prob)
    g_share = np.round(rng.uniform(*prof.guarantee_share_range, size=n), 2)
    insured = outside & ~guaranteed & (rng.random(n) < prof.insurance_prob)

    if pricing is not None:
        be = _break_even_rates(pricing, amount, terms, amort, pd_used, product, pool, outside, guaranteed, g_share,
                               insured, prof.insurance_share, has_ip, ip_type, appraisal)
        rate = np.round(np.clip(be + prof.spread_mean + prof.spread_sd * rate_eps,
                                prof.priced_min_rate, prof.priced_max_rate), 4)

    ids = [f"{id_prefix}{i + 1:05d}" for i in range(n)]

    def opt(mask: np.ndarray, values: np.ndarray) -> list:
        return [v if m else None for v, m in zip(values.tolist(), mask.tolist())]

    data = {
        "loan_id": ids,
        "product": product.tolist(),
        "bank": bank.tolist(),
        "borrower": [f"{id_prefix}-F{i + 1:05d}" for i in range(n)],
        "sector": sector.tolist(),
        "firm_size": size.tolist(),
        "annual_revenue_cny": opt(has_revenue, revenue.astype(np.int64)),
        "amount_cny": amount.astype(np.int64).tolist(),
        "origination": orig.astype(dt.date).tolist(),
        "maturity": mat.astype(dt.date).tolist(),
        "amortisation": amort.tolist(),
        "rate": rate.tolist(),
        "pd": opt(own_pd, loan_pd),
        "rating": opt(~own_pd, rating),
        "pool_id": opt(~outside, pool),
        "guarantee_share": np.where(guaranteed, g_share, 0.0).tolist(),
        "insurance_share": np.where(insured, prof.insurance_share, 0.0).tolist(),
        "ip_type": opt(has_ip, ip_type),
        "ip_appraised_value_cny": opt(has_ip, appraisal.astype(np.int64)),
        "ip_items": opt(has_ip, items),
    }
    schema = {
        "loan_id": pl.Utf8, "product": pl.Utf8, "bank": pl.Utf8, "borrower": pl.Utf8, "sector": pl.Utf8,
        "firm_size": pl.Utf8, "annual_revenue_cny": pl.Int64, "amount_cny": pl.Int64,
        "origination": pl.Date, "maturity": pl.Date, "amortisation": pl.Utf8, "rate": pl.Float64,
        "pd": pl.Float64, "rating": pl.Utf8, "pool_id": pl.Utf8, "guarantee_share": pl.Float64,
        "insurance_share": pl.Float64, "ip_type": pl.Utf8, "ip_appraised_value_cny": pl.Int64,
        "ip_items": pl.Int64,
    }
    assert list(schema) == [c.name for c in LOAN_BOOK_COLUMNS]
    return pl.DataFrame(data, schema=schema)


def write_loan_book(df: pl.DataFrame, path: str | Path) -> Path:
    """Write a loan book as CSV (``.csv``) or Parquet (``.parquet`` / ``.pq``), chosen by suffix.

    The file is written to a temporary name in the same folder and renamed, so a reader never
    sees half a file. Returns the path written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise ValueError(f"unsupported loan-book format '{suffix}'; use .csv or .parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".csv":
            df.write_csv(tmp, date_format="%Y-%m-%d", line_terminator="\n")
        else:
            df.write_parquet(tmp, statistics=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------- presets


@dataclass(frozen=True)
class LoanBookPreset:
    """Arguments of :func:`generate_loan_book` for a bundled scenario's loan book."""

    name: str
    n_loans: int
    seed: int
    start: dt.date
    end: dt.date
    as_of: dt.date | None
    banks: dict[str, float]
    pools: dict[str, float]
    id_prefix: str
    profile: LoanBookProfile
    out: str
    scenario: str = ""
    """Scenario file (relative to the repository root) whose recovery profiles and pools price the
    book; empty for the old rate rule."""
    """Default output path, relative to the repository root."""

    def generate(self, n_loans: int | None = None, seed: int | None = None) -> pl.DataFrame:
        return generate_loan_book(
            self.n_loans if n_loans is None else n_loans,
            seed=self.seed if seed is None else seed,
            start=self.start, end=self.end, as_of=self.as_of, banks=self.banks, pools=self.pools,
            id_prefix=self.id_prefix, profile=self.profile,
            pricing=preset_pricing(self.scenario) if self.scenario else None,
        )


def preset_pricing(scenario_file: str) -> BookPricingContext:
    """Pricing context of a bundled scenario, read from its TOML without its loan book (which this
    module generates): ``[profiles]`` ip_recovery and recovery_sources, and ``[[pools]]``."""
    import tomllib

    from models.credit import IPRecoveryModel, RiskSharingPool
    from models.recovery import RecoverySources

    path = _REPO / scenario_file
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    prof = data.get("profiles", {})
    read = lambda ref: tomllib.loads((path.parent / ref).read_text(encoding="utf-8"))
    ip = IPRecoveryModel.model_validate(read(prof["ip_recovery"])) if "ip_recovery" in prof else IPRecoveryModel()
    src = RecoverySources.model_validate(read(prof["recovery_sources"])) if "recovery_sources" in prof else None
    pools = {p["id"]: RiskSharingPool.model_validate(p) for p in data.get("pools", [])}
    return BookPricingContext(ip, src, pools)


_REPO = Path(__file__).resolve().parents[1]

HANGZHOU_BANKS = {
    "tech_branch_a": 0.30,  # a city commercial bank's 科技支行 (the largest tech lender in such cities)
    "city_bank_b": 0.20,
    "joint_stock_c": 0.18,
    "state_bank_d": 0.20,
    "rural_bank_e": 0.12,
}


def preset(name: str) -> LoanBookPreset:
    """The loan-book preset of a bundled scenario: ``hangzhou`` or ``quick``."""
    if name == "hangzhou":
        return LoanBookPreset(
            name="hangzhou", n_loans=2000, seed=1, start=dt.date(2023, 1, 1), end=dt.date(2025, 12, 31),
            as_of=dt.date(2026, 1, 1), banks=HANGZHOU_BANKS,
            # pooled exposure kept within balance × leverage: city 1亿 × 10, district 2000万 × 8
            pools={"city-ip": 0.13, "district-ip": 0.02}, id_prefix="HZ", profile=LoanBookProfile(),
            out="scenarios/data/hangzhou_loans.csv", scenario="scenarios/hangzhou_baseline.toml",
        )
    if name == "quick":
        return LoanBookPreset(
            name="quick", n_loans=48, seed=7, start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31),
            as_of=dt.date(2026, 1, 1), banks={"bank_a": 0.6, "bank_b": 0.4}, pools={"city-ip": 0.5},
            id_prefix="Q", profile=replace(LoanBookProfile(), pd_share=0.3),
            out="scenarios/data/quick_loans.csv", scenario="scenarios/quick.toml",
        )
    raise ValueError(f"unknown preset '{name}'; use hangzhou or quick")


PRESETS: tuple[str, ...] = ("hangzhou", "quick")

__all__ = ["PRESETS", "LoanBookPreset", "LoanBookProfile", "generate_loan_book", "preset", "write_loan_book"]
