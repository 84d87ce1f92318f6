"""NAV marking and the end-of-term secondary sale (models.market.MarkingPolicy).

The kernel is checked against the per-slot reference implementation in test_deals_reference.py
(marks and sale included); here: exact scaling by the secondary price, the regime dependence of
the sale price, and the bounds of the stale-round write-down, on the same random numbers.
"""

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np

from fundsvc.engine.venture.deal_programme import NO_REGIME_ROW
from fundsvc.engine.venture.deals import DealStatus, simulate_deals
from models.market import MarketModel

_spec = importlib.util.spec_from_file_location("deal_helpers", Path(__file__).with_name("_helpers.py"))
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)


def _setup():
    return helpers.setup(n_paths=300, market=MarketModel())


def _run(prog, paths):
    return simulate_deals(prog, paths, np.random.default_rng(5))


def test_end_sale_scales_exactly_with_the_secondary_price():
    prog, paths = _setup()
    base = _run(prog, paths)
    half = _run(dataclasses.replace(prog, secondary_price=prog.secondary_price * 0.5), paths)
    assert (base.deals.status == DealStatus.SOLD_AT_NAV).any() and base.end_sale.sum() > 0
    np.testing.assert_array_equal(half.deals.status, base.deals.status)
    np.testing.assert_allclose(half.end_sale, 0.5 * base.end_sale, rtol=1e-12)
    np.testing.assert_allclose(half.proceeds.sum(axis=1), base.proceeds.sum(axis=1) - 0.5 * base.end_sale, rtol=1e-9)


def test_sale_price_depends_on_the_regime_at_term_end():
    prog, paths = _setup()
    par = _run(dataclasses.replace(prog, secondary_price=np.array([1.0, 1.0, 1.0, 1.0])), paths)
    cold_free = _run(dataclasses.replace(prog, secondary_price=np.array([1.0, 1.0, 0.0, 1.0])), paths)
    cold = paths.regime[:, prog.end_step] == 2
    assert cold.any() and (~cold).any()
    assert np.all(cold_free.end_sale[cold] == 0.0)
    np.testing.assert_allclose(cold_free.end_sale[~cold], par.end_sale[~cold], rtol=1e-12)
    # default prices (Jefferies: hot 0.88, normal 0.75, cold 0.63) sit between
    default = _run(prog, paths)
    assert np.all(default.end_sale <= par.end_sale * 0.88 + 1e-6)
    assert np.all(default.end_sale >= par.end_sale * 0.63 - 1e-6)
    assert prog.secondary_price[NO_REGIME_ROW] == 0.75


def test_stale_writedown_lowers_marks_within_its_bounds():
    prog, paths = _setup()
    fresh = _run(dataclasses.replace(prog, stale_writedown=0.0), paths)
    stale = _run(prog, paths)  # 10 % a year = 0.025 a quarter
    assert prog.stale_writedown == 0.10 / 4
    np.testing.assert_array_equal(stale.deals.status, fresh.deals.status)
    t = np.arange(prog.n_steps)
    age = np.maximum(t - prog.start_step, 0)
    held = fresh.nav > 0
    ratio = np.where(held, stale.nav / np.where(held, fresh.nav, 1.0), 1.0)
    assert np.all(ratio <= 1.0 + 1e-12)
    assert np.all(ratio >= np.exp(-prog.stale_writedown * age)[None, :] - 1e-12)
    assert (ratio < 0.99).any()


def _extended(prog, n=2, steps=3):
    return dataclasses.replace(prog, n_extensions=n, extension_steps=steps)


def test_cold_extension_leaves_paths_that_are_not_cold_at_term_end_unchanged():
    """Hand-worked: a path whose market is not cold in the term's last quarter sells then, as
    without extensions (its draws up to that step are the same), to the last digit."""
    prog, paths = _setup()
    base = _run(prog, paths)
    ext = _run(_extended(prog), paths)
    not_cold = paths.regime[:, prog.end_step] != 2
    assert not_cold.any() and (~not_cold).any()
    np.testing.assert_array_equal(ext.end_sale[not_cold], base.end_sale[not_cold])
    np.testing.assert_array_equal(ext.deals.status[not_cold], base.deals.status[not_cold])


def test_cold_extension_sells_at_the_first_quarter_that_is_not_cold_or_at_the_last_extension():
    """Each sold deal ends at the first sale opportunity (term end, then every extension) whose
    regime is not cold, or at the last one; a deal still held at the term end either exits or
    fails meanwhile or is sold then."""
    prog, paths = _setup()
    p2 = _extended(prog)
    out = _run(p2, paths)
    chances = prog.end_step + 3 * np.arange(3)  # 25, 28, 31 on the 32-step axis
    assert chances[-1] < prog.n_steps and p2.last_step == prog.end_step + 7
    cold = paths.regime[:, chances] == 2  # (n_paths, 3)
    first = np.where(cold[:, :2].all(axis=1), 2, np.argmax(~cold, axis=1))
    expected = chances[first]
    sold = out.deals.status == DealStatus.SOLD_AT_NAV
    rows = np.nonzero(sold)[0]
    assert rows.size and (first > 0).any()
    np.testing.assert_array_equal(out.deals.end_step[sold], expected[rows])
    assert not (out.deals.status == DealStatus.ACTIVE).any()


def test_no_extension_without_a_regime():
    market = MarketModel(regime=None)
    prog, paths = helpers.setup(n_paths=200, market=market)
    base = _run(prog, paths)
    ext = _run(_extended(prog), paths)
    np.testing.assert_array_equal(ext.end_sale, base.end_sale)
    assert (base.deals.status == DealStatus.SOLD_AT_NAV).any()
