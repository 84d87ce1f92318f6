"""Guidance fund and venture sub-funds: stage profiles, fees, waterfall, guidance terms.

A :class:`SubFund` is simulated either deal by deal (``mode = "deal_level"``, using a
:class:`StageProfile`) or with the Takahashi–Alexander (Yale) model
(``mode = "takahashi_alexander"``, using :class:`TakahashiAlexanderParams`).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from models.common import (
    DomainModel,
    Identifier,
    Label,
    NonNegativeRate,
    PositiveAmountCNY,
    Probability,
    RatePerYear,
    SaneDate,
    Sector,
    Share,
    Years,
    check_weights,
)


class Stage(StrEnum):
    """Financing stage of a portfolio company."""

    SEED = "seed"
    SERIES_A = "series_a"
    SERIES_B = "series_b"
    SERIES_C = "series_c"
    LATER = "later"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


class FundStage(StrEnum):
    """Investment focus of a sub-fund (what the policy calls 种子/天使/创投/成长)."""

    SEED = "seed"
    ANGEL = "angel"
    VENTURE = "venture"
    GROWTH = "growth"

    @property
    def is_early(self) -> bool:
        """Seed, angel and venture funds count as early-stage for the policy indicators."""
        return self is not FundStage.GROWTH


class SubFundMode(StrEnum):
    DEAL_LEVEL = "deal_level"
    TAKAHASHI_ALEXANDER = "takahashi_alexander"


class FeeBasis(StrEnum):
    """Base of the management fee after the investment period."""

    COMMITMENT = "commitment"
    INVESTED_COST = "invested_cost"
    NAV = "nav"


class WaterfallKind(StrEnum):
    EUROPEAN = "european"
    """Whole-fund: all contributed capital and the preferred return before any carry."""
    AMERICAN = "american"
    """Deal by deal: carry on each realised deal once its cost, fees share and hurdle are back."""


class BuyoutExercise(StrEnum):
    """When private parties buy out the guidance fund's stake at principal plus interest."""

    NEVER = "never"
    WHEN_IN_THE_MONEY = "when_in_the_money"
    """At the first quarter in the window when the stake's NAV exceeds the buy-out price."""
    AT_WINDOW_START = "at_window_start"


class StageTransition(DomainModel):
    """What happens to a company while it sits at one stage.

    From ``stage`` a company eventually either raises the next round (``p_next_round``),
    exits (``p_exit``) or fails (the rest). The time to that event is exponential with mean
    ``years_in_stage`` (converted to a per-quarter hazard by the engine).

    Valuations: the next round's pre-money is the current post-money times a lognormal
    step-up (median ``step_up_median``, log-sd ``step_up_sigma``); the new round sells
    ``round_dilution`` of the company. An exit values the company at the last post-money
    times a heavy-tailed multiple: lognormal body (median ``exit_multiple_median``, log-sd
    ``exit_multiple_sigma``) mixed with a Pareto tail (probability ``exit_tail_probability``,
    index ``exit_tail_alpha``, scale ``exit_tail_scale`` × post-money).
    """

    stage: Stage
    p_next_round: Probability
    p_exit: Probability
    years_in_stage: Years
    step_up_median: float = Field(gt=0, le=50)
    step_up_sigma: float = Field(ge=0, le=3)
    round_dilution: float = Field(ge=0, lt=1)
    exit_multiple_median: float = Field(gt=0, le=100)
    exit_multiple_sigma: float = Field(ge=0, le=5)
    exit_tail_probability: Probability = 0.0
    exit_tail_alpha: float = Field(1.5, gt=1, le=10)
    exit_tail_scale: float = Field(3.0, gt=0, le=1000)
    entry_post_money_cny: PositiveAmountCNY = Field(
        description="typical post-money valuation when a fund first invests at this stage (CNY)"
    )
    failure_recovery: Share = Field(
        0.0, description="share of invested cost recovered when a company fails (asset sale)"
    )

    @model_validator(mode="after")
    def _check(self) -> StageTransition:
        if self.p_next_round + self.p_exit > 1 + 1e-9:
            raise ValueError(
                f"p_next_round + p_exit = {self.p_next_round + self.p_exit:.4g} exceeds 1 "
                f"for stage {self.stage.value}"
            )
        if self.stage is Stage.LATER and self.p_next_round > 0:
            raise ValueError("stage 'later' is the last stage: p_next_round must be 0")
        return self


class StageProfile(DomainModel):
    """Stage progression calibration for deal-level sub-funds (one entry per stage).

    ``sources`` lists the publications the numbers are calibrated to.
    """

    name: Identifier
    description: str = ""
    sources: list[str] = Field(default_factory=list)
    stages: list[StageTransition]
    factor_sensitivity: float = Field(
        0.35, ge=0, le=3,
        description="how strongly the sector factor moves graduation/failure odds (probit shift per unit factor)",
    )
    exit_value_factor_loading: float = Field(
        0.25, ge=0, le=3, description="log exit value change per unit sector factor"
    )
    max_entry_ownership: float = Field(
        0.4, gt=0, le=1,
        description="largest stake a fund takes at entry; a bigger check is priced at a higher post-money",
    )
    exit_multiple_cap: float = Field(
        1000.0, gt=1, le=1e6,
        description="largest exit value as a multiple of the last post-money (truncates the Pareto tail)",
    )

    @model_validator(mode="after")
    def _check(self) -> StageProfile:
        seen = [t.stage for t in self.stages]
        missing = [s.value for s in STAGE_ORDER if s not in seen]
        if missing:
            raise ValueError(f"stage profile '{self.name}' is missing stage(s) {missing}")
        dup = sorted({s.value for s in seen if seen.count(s) > 1})
        if dup:
            raise ValueError(f"stage profile '{self.name}' lists stage(s) twice: {dup}")
        return self

    def transition(self, stage: Stage) -> StageTransition:
        return next(t for t in self.stages if t.stage is stage)


class FeeTerms(DomainModel):
    """Management fee and expenses of a sub-fund (rates per year)."""

    management_fee_rate: NonNegativeRate = Field(0.02, le=0.1, description="per year on commitment during the investment period")
    post_investment_fee_rate: NonNegativeRate = Field(0.015, le=0.1, description="per year after the investment period")
    post_investment_fee_basis: FeeBasis = FeeBasis.INVESTED_COST
    expense_rate: NonNegativeRate = Field(0.002, le=0.05, description="fund expenses per year on commitment")
    fees_from_commitment: bool = Field(
        True, description="fees and expenses are called from LPs within the commitment"
    )


class WaterfallTerms(DomainModel):
    """Distribution waterfall between LPs and the GP."""

    kind: WaterfallKind = WaterfallKind.EUROPEAN
    hurdle_rate: NonNegativeRate = Field(0.08, le=0.5, description="compounding preferred return per year")
    carry: Share = 0.20
    catch_up: Share = Field(1.0, description="GP share of distributions in the catch-up tier (1 = full catch-up; 0 = none)")
    gp_commitment_share: Share = Field(0.01, le=0.5, description="GP's own share of total commitment")


class ProfitConcession(DomainModel):
    """让利: the guidance fund gives up part of its profit to private LPs / the GP.

    Of the guidance fund's distributions above its paid-in capital compounded at
    ``threshold_rate`` (per year), the share ``concession_share`` goes to the other parties.
    """

    threshold_rate: NonNegativeRate = Field(0.0, le=1.0)
    concession_share: Share = 0.5


class BuyoutOption(DomainModel):
    """Private LPs' or the GP's option to buy the guidance fund's stake at principal plus interest."""

    exercise: BuyoutExercise = BuyoutExercise.NEVER
    window_start_years: Years = 3.0
    window_end_years: Years = 5.0
    interest_rate: NonNegativeRate = Field(0.03, le=1.0, description="simple interest per year on paid-in principal")
    deduct_distributions: bool = Field(
        True,
        description="the price is principal plus interest less what the guidance fund has already "
        "received from the sub-fund (so its total is principal plus interest)",
    )

    @model_validator(mode="after")
    def _check(self) -> BuyoutOption:
        if self.window_end_years < self.window_start_years:
            raise ValueError("window_end_years must not be before window_start_years")
        return self


class TakahashiAlexanderParams(DomainModel):
    """Takahashi–Alexander (2002) Yale model parameters.

    ``contribution_rates`` are the annual rates of contribution applied to the uncalled
    commitment (the last value repeats); ``growth`` is G per year; ``bow`` is B; ``yield_rate``
    Y; ``life_years`` L. ``growth_volatility`` > 0 makes G stochastic, with loading
    ``growth_factor_loading`` on the sub-fund's sector factors.
    """

    contribution_rates: list[Share] = Field(default_factory=lambda: [0.25, 0.333, 0.5])
    growth: RatePerYear = 0.13
    bow: float = Field(2.5, ge=0, le=20)
    yield_rate: Share = 0.0
    life_years: Years = 12
    growth_volatility: float = Field(0.0, ge=0, le=2)
    growth_factor_loading: float = Field(0.7, ge=-1, le=1)

    @model_validator(mode="after")
    def _check(self) -> TakahashiAlexanderParams:
        if not self.contribution_rates:
            raise ValueError("contribution_rates must list at least one rate")
        return self


class SubFund(DomainModel):
    """A venture sub-fund (子基金) the guidance fund commits to.

    Amounts in CNY, rates per year, durations in years.
    """

    id: Identifier
    name: Label
    name_zh: str = ""
    manager: str = ""
    mode: SubFundMode = SubFundMode.DEAL_LEVEL
    strategy: FundStage
    vintage: SaneDate = Field(description="first close / start of the investment period")
    commitment_cny: PositiveAmountCNY = Field(description="total fund size (all LPs and the GP)")
    guidance_share: Share = Field(description="guidance fund's share of the total commitment")
    investment_period_years: Years = 5
    life_years: Years = 10
    extension_years: float = Field(2, ge=0, le=10)
    sector_weights: dict[Sector, Share]
    local: bool = True
    local_reinvestment_multiple: float = Field(
        1.5, ge=0, le=10, description="返投: required local investment as a multiple of the guidance commitment"
    )
    local_deal_share: Share = Field(0.6, description="expected share of invested capital going to local firms")
    entry_stage_mix: dict[str, Share] | None = Field(
        None, description="share of initial deals entering at each stage; default from strategy"
    )
    n_initial_deals: int = Field(20, ge=1, le=500)
    reserve_ratio: Share = Field(0.4, lt=1, description="share of investable capital reserved for follow-ons")
    follow_on_through: Stage = Field(Stage.SERIES_C, description="last stage in which the fund follows on pro rata")
    recycling_cap: Share = Field(0.1, description="share of commitment that may be reinvested from proceeds")
    fees: FeeTerms = Field(default_factory=FeeTerms)
    waterfall: WaterfallTerms = Field(default_factory=WaterfallTerms)
    profit_concession: ProfitConcession | None = None
    buyout: BuyoutOption = Field(default_factory=BuyoutOption)
    stage_profile: Identifier = "default"
    takahashi_alexander: TakahashiAlexanderParams | None = None

    @model_validator(mode="after")
    def _check(self) -> SubFund:
        check_weights(self.sector_weights, "sector_weights")
        if self.investment_period_years > self.life_years:
            raise ValueError(
                f"investment_period_years ({self.investment_period_years}) exceeds life_years ({self.life_years})"
            )
        if self.guidance_share + self.waterfall.gp_commitment_share > 1 + 1e-9:
            raise ValueError(
                "guidance_share + waterfall.gp_commitment_share exceeds 1: "
                f"{self.guidance_share} + {self.waterfall.gp_commitment_share}"
            )
        if self.entry_stage_mix is not None:
            unknown = [k for k in self.entry_stage_mix if k not in Stage._value2member_map_]
            if unknown:
                raise ValueError(
                    f"entry_stage_mix names unknown stage(s) {unknown}; use {[s.value for s in Stage]}"
                )
            check_weights(self.entry_stage_mix, "entry_stage_mix")
        if self.mode is SubFundMode.TAKAHASHI_ALEXANDER and self.takahashi_alexander is None:
            raise ValueError("mode 'takahashi_alexander' needs a [takahashi_alexander] table")
        return self

    @property
    def guidance_commitment_cny(self) -> float:
        """The guidance fund's commitment to this sub-fund (CNY)."""
        return self.commitment_cny * self.guidance_share

    def entry_mix(self) -> dict[Stage, float]:
        """Share of initial deals by entry stage (explicit, or the strategy's default)."""
        if self.entry_stage_mix is not None:
            return {Stage(k): v for k, v in self.entry_stage_mix.items()}
        return dict(DEFAULT_ENTRY_MIX[self.strategy])


DEFAULT_ENTRY_MIX: dict[FundStage, dict[Stage, float]] = {
    FundStage.SEED: {Stage.SEED: 1.0},
    FundStage.ANGEL: {Stage.SEED: 0.8, Stage.SERIES_A: 0.2},
    FundStage.VENTURE: {Stage.SEED: 0.2, Stage.SERIES_A: 0.6, Stage.SERIES_B: 0.2},
    FundStage.GROWTH: {Stage.SERIES_B: 0.4, Stage.SERIES_C: 0.4, Stage.LATER: 0.2},
}


class GuidanceFund(DomainModel):
    """The city's guidance fund (引导基金): its size, own costs and the sub-funds it backs."""

    name: Label
    name_zh: str = ""
    size_cny: PositiveAmountCNY = Field(description="total capital of the guidance fund (CNY)")
    inception: SaneDate
    term_years: Years = 15
    management_cost_rate: NonNegativeRate = Field(
        0.005, le=0.05, description="guidance fund's own management cost per year on committed capital"
    )
    cash_yield_rate: NonNegativeRate = Field(0.015, le=1.0, description="interest earned on uncommitted cash per year")
