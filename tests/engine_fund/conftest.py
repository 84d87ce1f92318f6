"""Shared builders for the fund-economics tests."""

from __future__ import annotations

import datetime as dt

import pytest

from models.common import Sector
from models.venture import FundStage, SubFund


def build_sub_fund(**overrides) -> SubFund:
    """A valid sub-fund with small round numbers; override any field (nested as dicts)."""
    base = {
        "id": "f1",
        "name": "Test fund",
        "strategy": FundStage.VENTURE,
        "vintage": dt.date(2026, 1, 1),
        "commitment_cny": 100.0,
        "guidance_share": 0.3,
        "investment_period_years": 1,
        "life_years": 2,
        "sector_weights": {Sector.SMART_IOT: 1.0},
    }
    base.update(overrides)
    return SubFund.model_validate(base)


@pytest.fixture
def make_sub_fund():
    return build_sub_fund
