"""Bundled pool rule sets (pure data): the rules real programmes use, chosen by ``rule_set`` on a pool.

A rule set supplies the pool's rule fields that the scenario does not set itself (keys given in
the scenario win). Sources and what is an assumption: ``scenarios/README.md`` (section "Pool rule
sets"). Amounts CNY, shares and ratios as decimals.
"""

from __future__ import annotations

from typing import Any

POOL_RULE_SETS: dict[str, dict[str, Any]] = {
    # Ningbo technology-credit risk pool (科技信贷风险池): funded by the city, the district (county)
    # and the bank 4:4:2 or 4:3:3; loans up to 10x the pool.
    "ningbo_442": {
        "funding_shares": {"city": 0.4, "district": 0.4, "bank": 0.2},
        "leverage_multiplier": 10.0,
    },
    "ningbo_433": {
        "funding_shares": {"city": 0.4, "district": 0.3, "bank": 0.3},
        "leverage_multiplier": 10.0,
    },
    # Anhui technology-loan risk-compensation pool: 30 % of the defaulted loan's principal balance,
    # 35 % for a firm's first loan or a pure-credit / IP-pledge loan; cumulative compensation at
    # most 80 % of what the bank actually bore.
    "anhui_30_35_80": {
        "shares": {"pool": 0.30, "bank": 0.70},
        "sharing_rule": "pool_first",
        "loss_basis": "principal",
        "compensation": {"kind": "tiered", "base_rate": 0.30, "enhanced_rate": 0.35,
                         "enhanced_for": ["first_loan", "ip_pledge", "pure_credit"]},
        "caps": [{"kind": "cumulative_share_of_loss", "share": 0.80}],
    },
    # A city scheme capping compensation at 50 % of each loan's non-performing balance.
    "npl_balance_cap_50": {
        "caps": [{"kind": "share_of_non_performing", "share": 0.50}],
    },
    # A pause of new business when the programme's NPL ratio passes 5 %, resumed once it is back
    # at or below 3 % (thresholds: assumption).
    "npl_pause_5_resume_3": {
        "triggers": [{"metric": "npl_ratio", "threshold": 0.05, "suspends": "lending",
                      "reset": {"kind": "hysteresis", "resume_below": 0.03}}],
    },
}


def apply_rule_set(data: Any) -> Any:
    """Fill a pool's raw fields from its ``rule_set`` (keys set in ``data`` win); other input unchanged."""
    if not isinstance(data, dict) or data.get("rule_set") is None:
        return data
    name = data["rule_set"]
    if name not in POOL_RULE_SETS:
        raise ValueError(f"unknown rule_set '{name}' (bundled: {sorted(POOL_RULE_SETS)})")
    return {**POOL_RULE_SETS[name], **data}
