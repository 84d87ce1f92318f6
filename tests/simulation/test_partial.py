"""Side-selective reruns (fundsvc.simulation.partial): only the sides whose inputs changed are
simulated again; the reused side's tables equal a full rerun's exactly (same seed and chunk size)."""

from __future__ import annotations

import pytest

PATHS, CHUNK, SEED = 400, 150, 5  # three chunks, the last one short: the reduction order matters


@pytest.fixture(scope="module")
def quick(scenarios_dir):
    from fundsvc.inputs.loader import load_scenario
    from fundsvc.simulation.compiled import compile_scenario

    s = load_scenario(scenarios_dir / "quick.toml").scenario
    return s, compile_scenario(s)


@pytest.fixture(scope="module")
def base_full(quick):
    return _full(quick[0])


def _full(scenario):
    import fundsvc
    from fundsvc.simulation.partial import summary_tables

    return summary_tables(fundsvc.simulate(scenario, paths=PATHS, seed=SEED, chunk_size=CHUNK))


def _assert_equal_to_full(part, full, sides):
    from fundsvc.simulation.registry import TableKind, tables_of

    expected = {t for s in sides for t in tables_of(s, TableKind.SUMMARY) if t in full}
    assert expected and expected <= set(part.tables)
    for name in expected:
        assert part.tables[name].equals(full[name]), name  # bit-identical, not approximately


def _smaller_pool(s):
    """``s`` with its first pool funded with a quarter of the money."""
    p0 = s.pools[0]
    funders = {k: v * 0.25 for k, v in p0.funders.items()}
    return type(s).model_validate(s.model_copy(update={"pools": [
        p0.model_copy(update={"funders": funders}), *s.pools[1:]]}).model_dump())


def test_every_scenario_field_is_classified():
    """A new Scenario field must say which sides read it, or a what-if could skip a side it changed."""
    from fundsvc.simulation.partial import SIDE_INPUTS
    from models.scenario import Scenario

    assert set(Scenario.model_fields) == set(SIDE_INPUTS)


def test_changed_sides(quick):
    from dashboards.whatif import WhatIf, modified_scenario
    from fundsvc.simulation.partial import changed_sides
    from fundsvc.simulation.registry import Side

    s, _ = quick
    assert changed_sides(s, s) == frozenset()
    assert changed_sides(s, modified_scenario(s, WhatIf(1.2))) == {Side.VENTURE}
    assert changed_sides(s, _smaller_pool(s)) == {Side.CREDIT}
    market = s.market.model_copy(update={"persistence": s.market.persistence * 0.5 + 0.1})
    assert changed_sides(s, s.model_copy(update={"market": market})) == {Side.VENTURE, Side.CREDIT}
    assert changed_sides(s, s.model_copy(update={"title": "renamed"})) == frozenset()


def test_venture_change_reruns_venture_only_and_reuses_credit_exactly(quick, base_full):
    """A venture what-if: the venture tables recomputed and the credit tables taken from the base
    run are both bit-identical to a full rerun of the changed scenario (same seed, chunk size)."""
    from dashboards.whatif import WhatIf, modified_scenario
    from fundsvc.simulation.partial import rerun_changed
    from fundsvc.simulation.registry import Side

    s, compiled = quick
    mod = modified_scenario(s, WhatIf(1.3, 0.3, 0.015))
    part = rerun_changed(compiled, mod, paths=PATHS, seed=SEED, chunk_size=CHUNK, base_tables=base_full)
    assert part.rerun == {Side.VENTURE} and part.reused == {Side.CREDIT}
    assert "credit" not in part.seconds  # the credit kernel did not run
    _assert_equal_to_full(part, _full(mod), (Side.VENTURE, Side.CREDIT))


def test_credit_change_reruns_credit_only(quick, base_full):
    """The other way round: a pool change reruns the credit side; the venture tables are reused."""
    from fundsvc.simulation.partial import rerun_changed
    from fundsvc.simulation.registry import Side

    s, compiled = quick
    p0 = s.pools[0]
    mod = _smaller_pool(s)
    cache: dict = {}
    part = rerun_changed(compiled, mod, paths=PATHS, seed=SEED, chunk_size=CHUNK, base_tables=base_full,
                         market_cache=cache)
    assert part.rerun == {Side.CREDIT} and part.reused == {Side.VENTURE}
    full = _full(mod)
    _assert_equal_to_full(part, full, (Side.VENTURE, Side.CREDIT))
    # direction: a quarter of the pool's money is depleted at least as often
    base = base_full["credit_pool_summary"]
    pid = p0.id
    p_dep = lambda f: f.filter(f["pool"] == pid)["p_depleted"][0]
    assert p_dep(part.tables["credit_pool_summary"]) >= p_dep(base)
    # the cached factor paths give the same numbers again
    again = rerun_changed(compiled, mod, paths=PATHS, seed=SEED, chunk_size=CHUNK, market_cache=cache)
    assert len(cache) == 3 and again.tables["credit_loss_measures"].equals(full["credit_loss_measures"])


def test_shared_input_change_reruns_everything(quick):
    from fundsvc.simulation.partial import rerun_changed
    from fundsvc.simulation.registry import Side

    s, compiled = quick
    market = s.market.model_copy(update={"persistence": s.market.persistence * 0.5 + 0.1})
    mod = type(s).model_validate(s.model_copy(update={"market": market}).model_dump())
    part = rerun_changed(compiled, mod, paths=PATHS, seed=SEED, chunk_size=CHUNK, market_cache={})
    assert part.rerun == {Side.VENTURE, Side.CREDIT} and part.reused == frozenset()
    _assert_equal_to_full(part, _full(mod), (Side.VENTURE, Side.CREDIT))
