"""Request and response bodies of the REST API (pydantic; field types shared with the domain models)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fundsvc.credit.pricing.regulatory_capital import CapitalMethod
from models.common import OpenProbability, PositiveAmountCNY, Share
from models.credit import Amortisation, IPType

MAX_BATCH = 10_000


class LoanIn(BaseModel):
    """One loan to price (amounts in CNY, rates per year as decimals). See `fundsvc.credit.PricingRequest`."""

    model_config = ConfigDict(extra="forbid")

    amount_cny: PositiveAmountCNY = Field(ge=1, le=1e11, description="loan amount, CNY (1 CNY to 1000亿)")
    term_years: float = Field(ge=1 / 12, le=30, allow_inf_nan=False, description="term in years (a month or more)")
    amortisation: Amortisation = Amortisation.BULLET
    quoted_rate: float | None = Field(None, ge=0, le=1, allow_inf_nan=False, description="offered rate per year")
    pd: OpenProbability = Field(description="annual PD")
    lgd: Share | None = Field(None, description="LGD after collateral (instead of the IP inputs)")
    ip_appraisal_cny: PositiveAmountCNY | None = Field(None, ge=1, le=1e12)
    pledge_rate: float | None = Field(None, ge=1e-3, le=10, allow_inf_nan=False,
                                      description="loan amount ÷ IP appraisal (质押率), 0.001 to 10")
    ip_type: IPType = IPType.INVENTION_PATENT
    guarantee_share: Share = 0.0
    insurance_share: Share = 0.0
    pool_share: Share = 0.0
    pool_cap_cny: float | None = Field(None, ge=0, le=1e12, allow_inf_nan=False)
    pool_pay_probability: Share = 1.0
    funding_cost_rate: float = Field(0.02, ge=-0.05, le=1, allow_inf_nan=False)
    operating_cost_rate: float = Field(0.01, ge=0, le=1, allow_inf_nan=False)
    tax_rate: float = Field(0.25, ge=0, lt=1, allow_inf_nan=False)
    hurdle_rate: float = Field(0.10, ge=-0.5, le=2, allow_inf_nan=False)
    capital_method: CapitalMethod = Field(CapitalMethod.STANDARDISED, description="standardised or irb")


class PricingOut(BaseModel):
    """Break-even rate, RAROC at the quoted rate and the pool's subsidy (rates per year, decimals)."""

    break_even_rate: float | None
    break_even_rate_without_pool: float | None
    raroc: float | None
    expected_loss_rate: float | None
    lgd_after_sharing: float | None
    capital_rate: float | None
    pd_annual: float | None
    pd_cumulative: float | None
    subsidy_rate: float | None
    subsidy_bp: float | None
    subsidy_cny: float | None


def finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    loans: list[LoanIn] = Field(min_length=1, max_length=MAX_BATCH)


class RowProblem(BaseModel):
    row: int
    location: str
    message: str


class BatchOut(BaseModel):
    """One result per loan, in order (``null`` where the loan was refused; see ``errors``)."""

    results: list[PricingOut | None]
    errors: list[RowProblem]


class ScenarioSummary(BaseModel):
    name: str
    title: str | None = None
    id: int | None = Field(None, description="id of an uploaded scenario")


class ScenarioList(BaseModel):
    bundled: list[ScenarioSummary]
    uploaded: list[ScenarioSummary]


class ScenarioDetail(ScenarioSummary):
    content: str = Field(description="TOML text")
    sub_funds: list[str]
    pools: list[str]
    n_loans: int


class ScenarioUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: str = Field(min_length=1, max_length=2 * 1024 * 1024, description="scenario TOML text")
    filename: str = Field("scenario.toml", max_length=200)


class RunStart(BaseModel):
    """Choose a bundled scenario by NAME or an uploaded one by id (never a path)."""

    model_config = ConfigDict(extra="forbid")
    scenario: str | None = Field(None, max_length=64, description="bundled scenario name, e.g. quick")
    scenario_id: int | None = Field(None, ge=1, le=2**31 - 1, description="id of an uploaded scenario")
    loan_tape_id: int | None = Field(None, ge=1, le=2**31 - 1,
                                     description="run the scenario on this uploaded loan tape's loans instead of its "
                                                 "own (POST /loan-tapes); the run then belongs to the tape's bank")
    paths: int = Field(2000, ge=1, le=1_000_000)
    seed: int | None = Field(None, ge=0, le=2**63 - 1)


class RunOut(BaseModel):
    id: int
    scenario: str
    status: str
    paths: int
    seed: str
    created_at: dt.datetime
    finished_at: dt.datetime | None = None
    label: str | None = None
    error: str | None = None


class ProgressOut(BaseModel):
    id: int
    status: str
    done_chunks: int
    total_chunks: int
    fraction: float


class CancelOut(BaseModel):
    id: int
    cancel_requested: bool


class DisplayOut(BaseModel):
    """The page as people read it (``display=zh|en``): formatted text cells, catalogue headers."""

    lang: str
    unit: str | None = Field(None, description="the table's one money unit (万元 or 亿元), if it has money")
    headers: list[str]
    rows: list[list[str]]


class TablePage(BaseModel):
    name: str
    columns: list[str]
    rows: list[dict[str, Any]]
    total: int
    offset: int
    limit: int
    display: DisplayOut | None = Field(None, description="with ?display=zh or en: the same rows formatted")


class AssessmentOut(BaseModel):
    run_id: int
    score: float | None
    rating: str | None
    loss_ratio: float | None
    tolerated_loss_ratio: float | None
    verdict_en: str | None = None
    verdict_zh: str | None = None


class CsvUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: str = Field(min_length=1, max_length=8 * 1024 * 1024, description="CSV text with a header row")
    filename: str = Field("upload.csv", max_length=200)


class ActualsUpload(CsvUpload):
    run_id: int = Field(ge=1, le=2**31 - 1, description="run whose scenario the actuals belong to")


class LoanTapeUpload(CsvUpload):
    """A loan book as CSV (columns of `fundsvc loans` / the loan-book reader), one loan per row."""

    bank: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$",
                             description="bank the tape belongs to: a bank user's own bank (the default for "
                                         "banks); the bureau may tag a tape to a bank. Every row's `bank` must match")
    scenario: str | None = Field(None, max_length=64,
                                 description="optional: also check the loans against this bundled scenario now "
                                             "(pools, ratings, sectors); runs check it again")


class LoanTapeOut(BaseModel):
    """A stored loan tape: `bank` it belongs to (null: the bureau's tape of several banks)."""

    id: int
    rows: int = Field(description="number of loans")
    bank: str | None
    filename: str
    total_amount_cny: float | None = Field(description="sum of loan amounts, CNY")
    content_sha256: str
    created_at: dt.datetime


class UploadOut(BaseModel):
    id: int
    rows: int


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=10, max_length=200)
    role: str
    tenant: str | None = Field(None, max_length=64)


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    tenant: str | None = Field(None, max_length=64)


class UserOut(BaseModel):
    username: str
    role: str
    tenant: str | None
    disabled: bool


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=2, max_length=64)
    name: str = Field("api", max_length=200)
    scopes: list[str] = Field(min_length=1, max_length=5)
    days: float = Field(90, gt=0, le=366)


class TokenOut(BaseModel):
    id: int
    username: str
    name: str
    prefix: str
    scopes: list[str]
    expires_at: dt.datetime
    state: str
    token: str | None = Field(None, description="the secret, shown once on creation")


class MeOut(BaseModel):
    username: str
    role: str
    tenant: str | None
    scopes: list[str]
