"""A readable summary of a validated scenario (what ``fundsvc validate`` prints)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from models.credit import Party
from models.scenario import Scenario


@dataclass(frozen=True)
class ScenarioSummary:
    """Counts and totals of a scenario; amounts in CNY."""

    name: str
    title: str
    n_sub_funds: int
    guidance_size_cny: float
    guidance_committed_cny: float
    sub_fund_capital_cny: float
    sub_funds: list[dict]
    n_pools: int
    pools: list[dict]
    n_loans: int
    loan_total_cny: float
    loans_by_product: dict[str, tuple[int, float]]
    loans_by_bank: dict[str, tuple[int, float]]
    pooled_loans: int
    paths: int
    horizon_years: int
    seed: int | None

    @property
    def leverage(self) -> float:
        """Total sub-fund capital ÷ guidance commitments (one common 放大倍数 definition)."""
        return self.sub_fund_capital_cny / self.guidance_committed_cny if self.guidance_committed_cny else float("nan")


def summarise(s: Scenario) -> ScenarioSummary:
    by_product: dict[str, list] = defaultdict(lambda: [0, 0.0])
    by_bank: dict[str, list] = defaultdict(lambda: [0, 0.0])
    for ln in s.loans:
        for d, k in ((by_product, ln.product.value), (by_bank, ln.bank)):
            d[k][0] += 1
            d[k][1] += ln.amount_cny
    pooled = Counter(ln.pool_id for ln in s.loans if ln.pool_id)
    return ScenarioSummary(
        name=s.name,
        title=s.title,
        n_sub_funds=len(s.sub_funds),
        guidance_size_cny=s.guidance_fund.size_cny if s.guidance_fund else 0.0,
        guidance_committed_cny=sum(f.guidance_commitment_cny for f in s.sub_funds),
        sub_fund_capital_cny=sum(f.commitment_cny for f in s.sub_funds),
        sub_funds=[
            {
                "id": f.id, "name": f.name_zh or f.name, "strategy": f.strategy.value, "mode": f.mode.value,
                "vintage": f.vintage.isoformat(), "commitment_cny": f.commitment_cny,
                "guidance_share": f.guidance_share,
                "sectors": ", ".join(k.value for k, v in sorted(f.sector_weights.items(), key=lambda kv: -kv[1]) if v > 0),
            }
            for f in s.sub_funds
        ],
        n_pools=len(s.pools),
        pools=[
            {
                "id": p.id, "name": p.name_zh or p.name, "balance_cny": p.initial_balance_cny,
                "shares": ":".join(f"{p.shares[k] * 10:g}" for k in Party if k in p.shares),
                "share_parties": "/".join(k.value for k in Party if k in p.shares),
                "rule": p.sharing_rule.value + (f" · {p.rule_set}" if p.rule_set else ""), "leverage": p.leverage_multiplier, "loans": pooled.get(p.id, 0),
                "programme": p.lending_programme is not None,
            }
            for p in s.pools
        ],
        n_loans=len(s.loans),
        loan_total_cny=sum(ln.amount_cny for ln in s.loans),
        loans_by_product={k: (v[0], v[1]) for k, v in sorted(by_product.items())},
        loans_by_bank={k: (v[0], v[1]) for k, v in sorted(by_bank.items())},
        pooled_loans=sum(pooled.values()),
        paths=s.simulation.paths,
        horizon_years=s.simulation.horizon_years,
        seed=s.simulation.seed,
    )
