"""``fundsvc price-loan``: break-even rate, RAROC and the pool's subsidy value for one loan.

Prints a bilingual table (with and without the pool side by side), or JSON with ``--json``.
With ``--scenario FILE`` a ``--rating`` is read on the scenario's PD master scale, the IP
recovery model is the scenario's, and ``--pool ID`` takes a pool's shares and cap from it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from fundsvc.credit.pricing.mitigation import CRMMethod, IRBApproach
from fundsvc.credit.pricing.recovery_expectation import LGDMode
from fundsvc.credit.pricing.regulatory_capital import CapitalMethod, SizeThresholds
from fundsvc.errors import InputError, Problem
from models.common import Sector
from models.credit import Amortisation, IPType, LoanProduct

__all__ = ["crm_table", "register", "render_table", "result_table"]

_OPT = "<command line>"


def _pct(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{100 * x:.{digits}f}%"


def _bp(x: float) -> str:
    return f"{1e4 * x:,.1f} bp"


def result_table(result) -> Table:
    """Rich table of a :class:`PricingResult`: rows of figures, columns with / without pool."""
    from fundsvc.units import fmt_cny

    w, n = result.with_pool, result.without_pool
    t = Table(title="贷款定价 Loan pricing", header_style="bold", show_lines=False)
    t.add_column("项目 Item", overflow="fold")  # wrapped at 80 columns, never cut
    t.add_column("含资金池 With pool", justify="right", overflow="fold")
    t.add_column("无资金池 Without pool", justify="right", overflow="fold")
    both = lambda label, f, **kw: t.add_row(label, f(w, **kw), f(n, **kw))
    t.add_row("[bold]保本利率 Break-even rate[/]", f"[bold]{_pct(w.break_even_rate)}[/]", _pct(n.break_even_rate))
    both("  资金成本 Funding cost", lambda leg: _pct(leg.components.funding))
    both("  运营成本 Operating cost", lambda leg: _pct(leg.components.operating_cost))
    both("  预期损失 Expected loss", lambda leg: _pct(leg.components.expected_loss))
    both("  资本成本 Capital charge", lambda leg: _pct(leg.components.capital_charge))
    if result.quoted_rate is not None:
        t.add_row("报价利率 Quoted rate", _pct(result.quoted_rate), _pct(result.quoted_rate))
        t.add_row("[bold]报价RAROC RAROC at quoted rate[/]", f"[bold]{_pct(w.raroc)}[/]", _pct(n.raroc))
    t.add_row("目标回报 Hurdle rate", _pct(result.hurdle_rate), _pct(result.hurdle_rate))
    t.add_row("违约率 PD (annual / over term)", f"{_pct(result.pd_annual)} / {_pct(result.pd_cumulative)}", "")
    t.add_row("违约损失率 LGD unsecured", _pct(result.lgd_unsecured, 1), "")
    t.add_row("违约损失率 LGD after IP collateral 质押后", _pct(result.lgd_after_collateral, 1), "")
    both("违约损失率 LGD after sharing 分担后 (bank)", lambda leg: _pct(leg.lgd_after_sharing, 1))
    both("预期损失率 Expected loss rate (per year)", lambda leg: _pct(leg.expected_loss_rate))
    cap = w.capital
    t.add_row("资本方法 Capital method", f"{cap.method.label_zh} {cap.method.value}", "")
    both("资本占用 Capital per CNY", lambda leg: _pct(leg.capital.capital_rate))
    if cap.risk_weight is not None:
        both("风险权重 Risk weight", lambda leg: _pct(leg.capital.risk_weight, 1))
    if cap.correlation is not None:
        t.add_row("资产相关性 Asset correlation R", f"{cap.correlation:.4f}", "")
        t.add_row("有效期限 Effective maturity M", f"{cap.maturity_years:.2f} years", "")
    t.add_row("[bold]资金池补贴价值 Pool subsidy value[/]",
              f"[bold]{_bp(result.subsidy_rate)}[/] a year", f"{fmt_cny(result.subsidy_cny)} over the term")
    return t


def crm_table(rows: list[dict]) -> Table:
    """The pool's capital treatments side by side (rows of :func:`compare_mitigation`)."""
    t = Table(title="资金池缓释认定 Pool as credit-risk mitigation (capital)", header_style="bold")
    irb = any(r["irb_lgd"] is not None for r in rows)  # the IRB LGD column only where it has values
    t.add_column("认定\nTreatment", overflow="fold")  # wraps at spaces; the numbers never wrap (fits 80 columns)
    for col in ("资本占用\nCapital", "风险权重\nRW", *(("IRB LGD",) if irb else ()), "保本利率\nBreak-\neven",
                "RAROC", "补贴\nSubsidy"):
        t.add_column(col, justify="right", no_wrap=True)
    for r in rows:
        mark = " ✓" if r["chosen"] else ""
        t.add_row(f"{r['crm_zh']}\n{r['crm'].replace('_', ' ')}{mark}", _pct(r["capital_rate"]),
                  _pct(r["risk_weight"], 1), *((_pct(r["irb_lgd"], 1),) if irb else ()), _pct(r["break_even_rate"]),
                  _pct(r["raroc"]), _bp(r["subsidy_bp"] / 1e4))
    return t


def render_table(console: Console, result) -> None:
    """Print the pricing table and a one-line summary of the loan."""
    from fundsvc.units import fmt_cny

    console.print(
        f"Loan {fmt_cny(result.amount_cny)}, {result.term_years:g} years, {result.amortisation.value}; "
        f"average balance {_pct(result.average_exposure, 1)} of the amount"
    )
    console.print(result_table(result))


#: Request field → command-line option, so error messages name what the user typed.
OPTION_OF_FIELD = {
    "amount_cny": "--amount", "term_years": "--term", "pd": "--pd", "rating": "--rating",
    "amortisation": "--amortisation", "quoted_rate": "--quoted-rate", "lgd": "--lgd",
    "ip_appraisal_cny": "--ip-appraisal", "pledge_rate": "--pledge-rate", "ip_type": "--ip-type",
    "unsecured_recovery_rate": "--unsecured-recovery", "guarantee_share": "--guarantee",
    "insurance_share": "--insurance", "pool": "--pool", "pool_share": "--pool-share", "pool_cap_cny": "--pool-cap",
    "pool_pay_probability": "--pool-pay-prob", "funding_cost_rate": "--funding", "operating_cost_rate": "--opex",
    "tax_rate": "--tax", "hurdle_rate": "--hurdle", "capital_return_rate": "--capital-return",
    "capital_method": "--method", "risk_weight": "--risk-weight", "capital_ratio": "--capital-ratio",
    "annual_revenue_cny": "--revenue", "size_thresholds": "--size-thresholds", "asset_correlation": "--correlation",
    "irb_lgd": "--irb-lgd", "irb_maturity_years": "--maturity", "economic_capital_rate": "--economic-capital",
    "economic_capital_rate_without_pool": "--economic-capital-no-pool", "bank": "--bank",
    "product": "--product", "lgd_mode": "--lgd-mode", "crm": "--crm", "irb_approach": "--irb-approach",
    "lgd_floor": "--lgd-floor", "pool_risk_weight": "--pool-rw",
}


def _as_options(exc: InputError) -> InputError:
    """The same problems, located at the command-line options instead of request fields."""
    out = []
    for p in exc.problems:
        head, _, rest = p.location.partition(".")
        if p.source == "<input>" and head in OPTION_OF_FIELD:
            out.append(Problem(_OPT, OPTION_OF_FIELD[head] + (f" ({rest})" if rest else ""), p.message))
        else:
            out.append(p)
    return InputError(out)


def stored_reliability(run_id: int, pool_id: str | None, stated: float | None) -> tuple[float, str]:
    """The pool's simulated cover reliability from a stored run's ``credit_cover_reliability``
    table (share of the claimed amount paid over the horizon), and a line saying where it came from."""
    from fundsvc.credit.pools.reliability import pool_reliability
    from fundsvc.errors import NotFoundError
    from fundsvc.settings import get_settings
    from fundsvc.simulation.registry import TableName
    from fundsvc.store import Store

    if stated is not None:
        raise InputError([Problem(_OPT, "--reliability-run", "give either --reliability-run or --pool-pay-prob, not both")])
    if pool_id is None:
        raise InputError([Problem(_OPT, "--reliability-run", "needs --pool (and --scenario) to say which pool")])
    try:
        with Store.open(get_settings()) as store:
            cover = store.runs.load_table(run_id, TableName.CREDIT_COVER_RELIABILITY)
    except NotFoundError as exc:
        raise InputError([Problem(_OPT, "--reliability-run", str(exc))]) from None
    try:
        rel, se = pool_reliability(cover, pool_id)
    except KeyError as exc:
        raise InputError([Problem(_OPT, "--reliability-run", exc.args[0])]) from None
    note = (f"资金池代偿可靠性 Pool cover reliability from run {run_id}, pool '{pool_id}': "
            f"{_pct(rel)} ± {_pct(se)} of claims paid (simulated)")
    return rel, note


def _pool_from_scenario(scenario, pool_id: str):
    for pool in scenario.pools:
        if pool.id == pool_id:
            return pool
    ids = ", ".join(p.id for p in scenario.pools) or "none"
    raise InputError([Problem(_OPT, "--pool", f"unknown pool '{pool_id}'; the scenario's pools: {ids}")])


def build_fields(scenario_file: str | None, pool_id: str | None, rating: str | None, **options: Any) -> dict[str, Any]:
    """Request fields from command-line options (None means "not given")."""
    fields = {k: v for k, v in options.items() if v is not None}
    if rating is not None:
        fields["rating"] = rating
    if scenario_file is None:
        if pool_id is not None:
            raise InputError([Problem(_OPT, "--pool", "--pool needs --scenario (the pool is read from it)")])
        if rating is not None:
            raise InputError([Problem(_OPT, "--rating",
                                      "--rating needs --scenario (its pd_master_scale defines the grades), "
                                      "or give --pd")])
        return fields
    from fundsvc.inputs.bundled import resolve_scenario
    from fundsvc.inputs.loader import load_scenario

    scenario = load_scenario(resolve_scenario(scenario_file)).scenario
    fields["recovery"] = scenario.ip_recovery
    if scenario.recovery_sources is not None and "lgd" not in fields and "unsecured_recovery_rate" not in fields:
        fields["recovery_sources"] = scenario.recovery_sources  # the engine's recovery model
    if rating is not None:
        if scenario.pd_master_scale is None:
            raise InputError([Problem(_OPT, "--rating", f"scenario '{scenario.name}' has no pd_master_scale")])
        fields["master_scale"] = scenario.pd_master_scale
    if pool_id is not None:
        fields["pool"] = _pool_from_scenario(scenario, pool_id)
    return fields


def _simulation_dict(ec) -> dict[str, Any]:
    def leg(r) -> dict[str, Any]:
        return {"capital_rate": r.capital_rate, "expected_loss_cny": r.expected_loss,
                "es_contribution_cny": r.es_contribution, "var_contribution_cny": r.var_contribution,
                "portfolio_es_cny": r.portfolio_es, "portfolio_var_cny": r.portfolio_var}

    w = ec.with_pool
    return {"n_paths": w.n_paths, "level": w.level, "basis": w.basis.value, "window": w.window.value,
            "bank": ec.with_pool_bank, "with_pool": leg(ec.with_pool), "without_pool": leg(ec.without_pool)}


def register(app: typer.Typer) -> None:
    @app.command("price-loan")
    def price_loan_cmd(
        amount: Annotated[float, typer.Option(help="Loan amount, CNY")],
        term: Annotated[float, typer.Option(help="Term in years")],
        pd: Annotated[float | None, typer.Option(help="Annual PD, e.g. 0.02")] = None,
        rating: Annotated[str | None, typer.Option(help="Rating on the scenario's master scale (needs --scenario)")] = None,
        scenario: Annotated[str | None, typer.Option(help="Scenario file or bundled name (master scale, IP recovery, pools)")] = None,
        amortisation: Annotated[Amortisation, typer.Option(case_sensitive=False)] = Amortisation.BULLET,
        quoted_rate: Annotated[float | None, typer.Option(help="Contract rate offered, per year")] = None,
        lgd: Annotated[float | None, typer.Option(help="LGD after collateral, before sharing (instead of IP)")] = None,
        ip_appraisal: Annotated[float | None, typer.Option(help="Appraised value of the pledged IP, CNY")] = None,
        pledge_rate: Annotated[float | None, typer.Option(help="Loan amount ÷ IP appraisal (质押率)")] = None,
        ip_type: Annotated[IPType, typer.Option(case_sensitive=False)] = IPType.INVENTION_PATENT,
        unsecured_recovery: Annotated[float | None, typer.Option(help="Share of EAD recovered from other sources")] = None,
        guarantee: Annotated[float | None, typer.Option(help="Guarantor's share of the loss")] = None,
        insurance: Annotated[float | None, typer.Option(help="Insurer's share of the loss")] = None,
        pool: Annotated[str | None, typer.Option(help="Pool id in the scenario (its shares and cap)")] = None,
        pool_share: Annotated[float | None, typer.Option(help="Pool's share of the loss")] = None,
        pool_cap: Annotated[float | None, typer.Option(help="Most the pool pays for this loan, CNY")] = None,
        pool_pay_prob: Annotated[float | None, typer.Option(help="Stated share of the pool's claims it pays (cover reliability) [default 1]")] = None,
        reliability_run: Annotated[int | None, typer.Option(
            help="Take the pool's cover reliability (share of claims paid over the horizon) from this stored run; "
                 "needs --pool")] = None,
        funding: Annotated[float | None, typer.Option(help="Funding cost rate [default 0.02]")] = None,
        opex: Annotated[float | None, typer.Option(help="Operating cost rate [default 0.01]")] = None,
        tax: Annotated[float | None, typer.Option(help="Tax rate [default 0.25]")] = None,
        hurdle: Annotated[float | None, typer.Option(help="Target RAROC / cost of equity [default 0.10]")] = None,
        capital_return: Annotated[float | None, typer.Option(help="Return on capital [default: funding cost]")] = None,
        method: Annotated[CapitalMethod, typer.Option(case_sensitive=False, help="Capital method")] = CapitalMethod.STANDARDISED,
        risk_weight: Annotated[float | None, typer.Option(help="Standardised risk weight [default 0.75]")] = None,
        capital_ratio: Annotated[float | None, typer.Option(help="Capital per CNY of RWA [default 0.105]")] = None,
        revenue: Annotated[float | None, typer.Option(help="Borrower's annual revenue, CNY (IRB SME adjustment)")] = None,
        size_thresholds: Annotated[SizeThresholds, typer.Option(case_sensitive=False)] = SizeThresholds.CN_NFRA_2023,
        correlation: Annotated[float | None, typer.Option(help="IRB asset correlation override")] = None,
        irb_lgd: Annotated[float | None, typer.Option(help="LGD for the IRB formula (e.g. 0.45)")] = None,
        maturity: Annotated[float | None, typer.Option(help="IRB effective maturity, years")] = None,
        economic_capital: Annotated[float | None, typer.Option(help="Economic capital per CNY (method economic)")] = None,
        economic_capital_no_pool: Annotated[float | None, typer.Option(help="Economic capital per CNY without the pool")] = None,
        paths: Annotated[int, typer.Option(help="Paths for simulated economic capital")] = 20_000,
        seed: Annotated[int, typer.Option(help="Seed for simulated economic capital")] = 0,
        bank: Annotated[str | None, typer.Option(help="Lender in the scenario (simulated economic capital)")] = None,
        sector: Annotated[Sector | None, typer.Option(case_sensitive=False,
                                                      help="Borrower's sector (simulated economic capital)")] = None,
        product: Annotated[LoanProduct, typer.Option(case_sensitive=False, help="Loan product (workout recovery)")] = LoanProduct.ACHIEVEMENT,
        lgd_mode: Annotated[LGDMode | None, typer.Option(case_sensitive=False, help="average, default_weighted or downturn LGD [default: default_weighted with a scenario's recovery sources]")] = None,
        crm: Annotated[CRMMethod | None, typer.Option(case_sensitive=False, help="Pool as credit-risk mitigation: none, substitution, lgd_adjustment")] = None,
        irb_approach: Annotated[IRBApproach, typer.Option(case_sensitive=False, help="advanced (own LGD, 25 % floor) or foundation (40 %)")] = IRBApproach.ADVANCED,
        lgd_floor: Annotated[float | None, typer.Option(help="A-IRB LGD floor [default 0.25]")] = None,
        pool_rw: Annotated[float | None, typer.Option(help="Pool's risk weight under substitution [default 0.20]")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
    ) -> None:
        """Price a loan: break-even rate, RAROC at the quoted rate, and the pool's subsidy value.

        With --method economic and --scenario but no --economic-capital, the capital is the
        loan's ES contribution simulated on the scenario's book (--paths, --seed, --bank, --sector).
        """
        from fundsvc.credit.pricing.loan import price_loan

        reliability_note = None
        if reliability_run is not None:
            pool_pay_prob, reliability_note = stored_reliability(reliability_run, pool, pool_pay_prob)
        fields = build_fields(
            scenario, pool, rating,
            amount_cny=amount, term_years=term, pd=pd, amortisation=amortisation, quoted_rate=quoted_rate,
            lgd=lgd, ip_appraisal_cny=ip_appraisal, pledge_rate=pledge_rate, ip_type=ip_type,
            unsecured_recovery_rate=unsecured_recovery, guarantee_share=guarantee, insurance_share=insurance,
            pool_share=pool_share, pool_cap_cny=pool_cap, pool_pay_probability=pool_pay_prob,
            funding_cost_rate=funding, operating_cost_rate=opex, tax_rate=tax, hurdle_rate=hurdle,
            capital_return_rate=capital_return, capital_method=method, risk_weight=risk_weight,
            capital_ratio=capital_ratio, annual_revenue_cny=revenue, size_thresholds=size_thresholds,
            asset_correlation=correlation, irb_lgd=irb_lgd, irb_maturity_years=maturity,
            economic_capital_rate=economic_capital, economic_capital_rate_without_pool=economic_capital_no_pool,
            product=product, lgd_mode=lgd_mode, crm=crm, irb_approach=irb_approach, lgd_floor=lgd_floor,
            pool_risk_weight=pool_rw,
        )
        simulate = method is CapitalMethod.ECONOMIC and economic_capital is None and scenario is not None
        if simulate:  # the simulation's paths and seed, checked before anything runs
            from fundsvc.simulation.limits import run_request_problems

            bad = run_request_problems(paths=paths, seed=seed, source="command line",
                                       names={"paths": "--paths", "seed": "--seed"})
            if bad:
                raise InputError(bad)
        ec = None
        try:
            if simulate:
                from fundsvc.credit.pricing.economic_capital import price_loan_simulated
                from fundsvc.inputs.bundled import resolve_scenario
                from fundsvc.inputs.loader import load_scenario

                sc = load_scenario(resolve_scenario(scenario)).scenario
                result, ec = price_loan_simulated(fields, sc, n_paths=paths, seed=seed, bank=bank, sector=sector)
            else:
                result = price_loan(fields)
            from fundsvc.credit.pricing.crm_compare import compare_mitigation

            crm_rows = compare_mitigation(fields) if not simulate else []
        except InputError as exc:
            raise _as_options(exc) from None
        if as_json:
            out = result.to_dict()
            if reliability_note:
                out["pool_pay_probability"] = pool_pay_prob
                out["pool_reliability_source"] = reliability_note
            out["crm_comparison"] = crm_rows
            if ec is not None:
                out["economic_capital_simulation"] = _simulation_dict(ec)
            typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            console = Console(soft_wrap=True)
            render_table(console, result)
            if reliability_note:
                console.print(reliability_note)
            if crm_rows:
                console.print(crm_table(crm_rows))
            if ec is not None:
                w = ec.with_pool
                console.print(
                    f"经济资本 Economic capital simulated: {w.n_paths:,} paths, ES {100 * w.level:g}% of bank "
                    f"'{ec.with_pool_bank}' book, first year; ES contribution {_pct(w.es_contribution / w.amount_cny)} "
                    f"− EL {_pct(w.expected_loss / w.amount_cny)} of the amount (Monte Carlo noise: more --paths to tighten)"
                )
