"""Market factors shared by the venture and the credit side.

The factor model (simulated in ``fundsvc.engine.factors``) has one common *tech-cycle* factor
``C`` and one factor per sector ``S_k``, all standard normal at every step:

    S_k = b_k · C + sqrt(1 − b_k²) · E_k,     corr(E) = ``residual_correlation``

so the same bad tech year lowers exit values, raises loan defaults and lowers IP recovery.
Each factor follows an AR(1) in time with annual autocorrelation ``persistence`` (the per-step
coefficient is ``persistence ** (1 / steps_per_year)``), innovations scaled so the marginal stays
N(0, 1).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from pydantic import Field, field_validator, model_validator

from models.common import DomainModel, Probability, RatePerYear, Sector, Share


class Regime(StrEnum):
    """State of the venture exit market."""

    HOT = "hot"
    NORMAL = "normal"
    COLD = "cold"


REGIME_ORDER: tuple[Regime, ...] = (Regime.HOT, Regime.NORMAL, Regime.COLD)


class RegimeTilt(StrEnum):
    """How the tech-cycle factor ``C`` tilts the regime chain's moves.

    ``one_sided`` (default): only a bad cycle tilts, by ``exp(link · min(C, 0) · [1, 0, −1])`` on
    (hot, normal, cold) — cold markets become more likely and hot ones less; a good cycle leaves
    the chain as calibrated, so a stronger link never makes hot markets more likely.
    ``symmetric``: ``exp(link · C · [1, 0, −1])``, a good cycle also pushes towards hot (the
    behaviour before issue 11; a stronger link then widens the spread both ways).
    """

    ONE_SIDED = "one_sided"
    SYMMETRIC = "symmetric"


def _check_correlation(matrix: list[list[float]], n: int, what: str) -> None:
    a = np.asarray(matrix, dtype=float)
    if a.shape != (n, n):
        raise ValueError(f"{what} must be {n}x{n} (one row and column per sector), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{what} contains a value that is not a finite number")
    if not np.allclose(a, a.T, atol=1e-9):
        raise ValueError(f"{what} must be symmetric")
    if not np.allclose(np.diag(a), 1.0, atol=1e-9):
        raise ValueError(f"{what} must have 1 on the diagonal")
    if np.any(np.abs(a) > 1 + 1e-12):
        raise ValueError(f"{what} entries must lie in [-1, 1]")
    smallest = float(np.linalg.eigvalsh(a).min())
    if smallest < -1e-10:
        raise ValueError(
            f"{what} is not positive semi-definite (smallest eigenvalue {smallest:.4g}); "
            "no set of factors can have these correlations"
        )


class ExitRegimeModel(DomainModel):
    """Optional hot / normal / cold exit-market regime, a Markov chain with quarterly steps.

    ``transition[i][j]`` is the probability of moving from regime i to j in one quarter,
    in the order hot, normal, cold. ``exit_value_multiplier`` scales exit values and
    ``exit_rate_multiplier`` scales the per-quarter exit probability in each regime.
    ``tech_cycle_link`` (>= 0) tilts the chain: a tech-cycle factor below zero makes moves
    towards ``cold`` more likely and towards ``hot`` less likely (0 = independent of the
    factors); ``tilt`` says whether a good cycle also tilts towards ``hot`` (:class:`RegimeTilt`).
    """

    enabled: bool = True
    initial: dict[Regime, Probability] = Field(
        default_factory=lambda: {Regime.HOT: 0.2, Regime.NORMAL: 0.6, Regime.COLD: 0.2}
    )
    transition: list[list[Probability]] = Field(
        default_factory=lambda: [[0.85, 0.13, 0.02], [0.06, 0.88, 0.06], [0.02, 0.13, 0.85]]
    )
    exit_value_multiplier: dict[Regime, float] = Field(
        default_factory=lambda: {Regime.HOT: 1.35, Regime.NORMAL: 1.0, Regime.COLD: 0.7}
    )
    exit_rate_multiplier: dict[Regime, float] = Field(
        default_factory=lambda: {Regime.HOT: 1.4, Regime.NORMAL: 1.0, Regime.COLD: 0.55}
    )
    tech_cycle_link: float = Field(0.5, ge=0, le=5)
    tilt: RegimeTilt = RegimeTilt.ONE_SIDED

    @model_validator(mode="after")
    def _check(self) -> ExitRegimeModel:
        for name in ("initial", "exit_value_multiplier", "exit_rate_multiplier"):
            d = getattr(self, name)
            missing = [r.value for r in REGIME_ORDER if r not in d]
            if missing:
                raise ValueError(f"{name} is missing regime(s) {missing}")
        if abs(sum(self.initial.values()) - 1) > 1e-6:
            raise ValueError(f"initial probabilities must sum to 1, got {sum(self.initial.values()):.6g}")
        if len(self.transition) != 3 or any(len(r) != 3 for r in self.transition):
            raise ValueError("transition must be a 3x3 matrix (hot, normal, cold)")
        for i, row in enumerate(self.transition):
            if abs(sum(row) - 1) > 1e-6:
                raise ValueError(
                    f"transition row {i + 1} ({REGIME_ORDER[i].value}) must sum to 1, got {sum(row):.6g}"
                )
        for name in ("exit_value_multiplier", "exit_rate_multiplier"):
            bad = {r.value: v for r, v in getattr(self, name).items() if not v > 0}
            if bad:
                raise ValueError(f"{name} must be > 0, got {bad}")
        return self


class MarkingPolicy(DomainModel):
    """How held venture stakes are valued (interim NAV) and sold at the end of a fund's term.

    * **Mark to model.** A holding's NAV is its last round value (ownership × post-money) ×
      ``exp(λ f)`` × the regime's ``exit_value_multiplier`` (the same market adjustment an exit
      in that quarter would get, λ the stage profile's ``exit_value_factor_loading``, ``f`` the
      company's sector factor) × ``exp(−stale_writedown_per_year × years since the last
      round)``. ``market_adjusted = false`` marks at the last round (the behaviour before
      issue 11).
    * **End of term.** Holdings still held when the term (life + extension) ends are sold as a
      portfolio on the secondary market at ``secondary_price[regime]`` × their marked value
      (``secondary_price_no_regime`` when the market has no regime).

    Sources: Jefferies' secondary market reviews report venture LP interests at 88 % of NAV in
    2021, 68 % in 2022 and 2023 ("the largest annual drop for any strategy") and 75 % in 2024;
    PJT Park Hill found 63 % at the low (Q3 2023) — hence hot 0.88, normal 0.75, cold 0.63.
    Tail-end venture portfolios trade lower still (Lexington's purchase from Horsley Bridge, 2024:
    40–50 % discount, Secondaries Investor), so these prices are if anything generous. The stale
    write-down rate 10 % a year is an assumption (no published rate; IPEV guidelines ask for
    a recalibration of the last round price when it is no longer fair value).
    """

    market_adjusted: bool = True
    stale_writedown_per_year: float = Field(0.10, ge=0, le=2)
    secondary_price: dict[Regime, float] = Field(
        default_factory=lambda: {Regime.HOT: 0.88, Regime.NORMAL: 0.75, Regime.COLD: 0.63}
    )
    secondary_price_no_regime: float = Field(0.75, gt=0, le=1.5)

    @model_validator(mode="after")
    def _check(self) -> MarkingPolicy:
        missing = [r.value for r in REGIME_ORDER if r not in self.secondary_price]
        if missing:
            raise ValueError(f"secondary_price is missing regime(s) {missing}")
        bad = {r.value: v for r, v in self.secondary_price.items() if not 0 < v <= 1.5}
        if bad:
            raise ValueError(f"secondary_price must lie in (0, 1.5] (share of marked NAV), got {bad}")
        return self


class PublicIndex(DomainModel):
    """Public equity index used as the PME benchmark (e.g. a CSI 300 total-return proxy).

    Geometric Brownian motion with ``drift`` and ``volatility`` per year; its log return
    shock has correlation ``tech_cycle_correlation`` with the tech-cycle factor innovation.
    """

    name: str = "CSI 300 TR (simulated)"
    initial_level: float = Field(100.0, gt=0)
    drift: RatePerYear = 0.07
    volatility: float = Field(0.22, ge=0, le=2)
    tech_cycle_correlation: float = Field(0.5, ge=-1, le=1)


class MarketModel(DomainModel):
    """Shared market factors: tech cycle, sector factors, exit regime and public index.

    Parameters
    ----------
    sectors : list of Sector
        Sectors with a factor; every sector used by a sub-fund or loan must be listed.
    tech_cycle_loading : dict Sector -> float in [-1, 1]
        Loading ``b_k`` of each sector factor on the common tech-cycle factor.
    residual_correlation : list of list of float, optional
        Correlation of the sector-specific parts ``E_k`` (order of ``sectors``); identity when
        omitted. Must be symmetric, unit diagonal and positive semi-definite.
    persistence : float in [0, 1)
        Annual autocorrelation of every factor (0 = independent years).
    credit_factor_lag_years : int in [-10, 10]
        The credit side sees the tech-cycle and sector factors ``L`` years late: its factor in
        year ``t`` is the shared one of year ``t − L`` (negative ``L``: of a later year), see
        :mod:`fundsvc.engine.factor_lag`. 0 (default): the same year.
    """

    sectors: list[Sector] = Field(default_factory=lambda: list(Sector))
    tech_cycle_loading: dict[Sector, float] = Field(
        default_factory=lambda: {s: 0.6 for s in Sector}
    )
    residual_correlation: list[list[float]] | None = None
    persistence: float = Field(0.5, ge=0, lt=1)
    regime: ExitRegimeModel | None = Field(default_factory=ExitRegimeModel)
    public_index: PublicIndex = Field(default_factory=PublicIndex)
    marking: MarkingPolicy = Field(default_factory=MarkingPolicy)
    risk_free_rate: RatePerYear = Field(0.02, description="per year, for discounting and PME")
    credit_factor_lag_years: int = Field(
        0, ge=-10, le=10,
        description="years by which the credit side's tech-cycle and sector factors lag the shared ones: "
                    "credit's factor in year t is the cycle of year t − L (negative: a later year)")

    @field_validator("sectors")
    @classmethod
    def _unique_sectors(cls, v: list[Sector]) -> list[Sector]:
        if not v:
            raise ValueError("at least one sector is needed")
        dup = sorted({s.value for s in v if v.count(s) > 1})
        if dup:
            raise ValueError(f"sectors listed twice: {dup}")
        return v

    @model_validator(mode="after")
    def _check(self) -> MarketModel:
        missing = [s.value for s in self.sectors if s not in self.tech_cycle_loading]
        if missing:
            raise ValueError(f"tech_cycle_loading is missing sector(s) {missing}")
        extra = [s.value for s in self.tech_cycle_loading if s not in self.sectors]
        if extra:
            raise ValueError(f"tech_cycle_loading names sector(s) not in sectors: {extra}")
        bad = {s.value: b for s, b in self.tech_cycle_loading.items() if not -1 <= b <= 1}
        if bad:
            raise ValueError(f"tech_cycle_loading must lie in [-1, 1], got {bad}")
        if self.residual_correlation is not None:
            _check_correlation(self.residual_correlation, len(self.sectors), "residual_correlation")
        return self

    def sector_correlation(self) -> np.ndarray:
        """Correlation matrix of the sector factors, shape ``(n_sectors, n_sectors)``."""
        b = np.array([self.tech_cycle_loading[s] for s in self.sectors])
        r = (
            np.eye(len(b))
            if self.residual_correlation is None
            else np.asarray(self.residual_correlation, dtype=float)
        )
        s = np.sqrt(1 - b**2)
        c = np.outer(b, b) + np.outer(s, s) * r
        np.fill_diagonal(c, 1.0)
        return c


__all__ = ["REGIME_ORDER", "ExitRegimeModel", "MarketModel", "MarkingPolicy", "PublicIndex", "Regime", "RegimeTilt", "Share"]
