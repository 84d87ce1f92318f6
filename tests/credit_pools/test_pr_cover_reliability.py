"""Cover reliability (fundsvc.credit.pools.reliability): a hand-built pool whose claims are refused by
the NPL pause, exact; sums split over chunks equal the whole (the baseline in the CLI and on the pools
page: test_pr_baseline_cover.py)."""

import numpy as np
import polars as pl
import pytest

from fundsvc.credit.engine.kernel import assemble_chunk, concat_chunks
from fundsvc.credit.engine.outputs import cover_reliability, lending_pauses
from fundsvc.credit.pools.ledger import run_pools
from fundsvc.credit.pools.reliability import (
    chunk_cover_sums,
    cover_table,
    lending_pause_table,
    merge_sums,
    pool_reliability,
)


def _chunk(model, claims):
    led = run_pools(model, claims)
    return assemble_chunk(model, claims, led, led.balance[0, :, 0])


@pytest.fixture
def npl_case(make_pool_model, make_claims):
    """Balance 5m, compensation paused while the NPL ratio (end of the previous year) is above 5 %.
    Four paths, three years, book of 1亿:

    path 0: NPL 10 % in year 1; claims 1m, 2m, 0   → the 2m of year 2 is refused;
    path 1: no NPL;            claims 1m, 2m, 0   → all paid;
    path 2: NPL 10 % in years 1 and 2; claims 0, 1m, 3m → 1m (year 2) and 3m (year 3) refused;
    path 3: nothing.
    """
    m = make_pool_model(years=3, triggers=[{"metric": "npl_ratio", "threshold": 0.05, "suspends": "compensation"}])
    claims = [[1e6, 2e6, 0], [1e6, 2e6, 0], [0, 1e6, 3e6], [0, 0, 0]]
    npl = [[1e7, 0, 0], [0, 0, 0], [1e7, 1e7, 0], [0, 0, 0]]
    return m, _chunk(m, make_claims(claims, npl_principal=npl))


def test_npl_pause_refusals_exact(npl_case):
    """Year 2: 2 of 4 paths refused, unpaid (2m + 1m)/4 = 750k; year 3: 1 of 4, 3m/4 = 750k;
    horizon: 2 of 4 paths, unpaid (2m + 4m)/4 = 1.5m, s.e. √(var([2m, 0, 4m, 0])/4) =
    √(11e12/3/4) = 957,427; claims (3m + 3m + 4m)/4 = 2.5m, share paid 1 − 1.5/2.5 = 40 %.
    All by the NPL pause, none by depletion."""
    _, ch = npl_case
    cv = cover_reliability(ch)
    anyr = cv.filter(pl.col("reason") == "any")
    by_year = {r["year"]: r for r in anyr.to_dicts()}
    assert by_year[1]["p_refused"] == 0.0 and by_year[1]["unpaid_mean"] == 0.0
    assert by_year[2]["p_refused"] == 0.5 and by_year[2]["unpaid_mean"] == 7.5e5
    assert by_year[3]["p_refused"] == 0.25 and by_year[3]["unpaid_mean"] == 7.5e5
    hor = by_year[None]
    assert hor["p_refused"] == 0.5
    assert hor["p_refused_se"] == pytest.approx(0.25)
    assert hor["unpaid_mean"] == 1.5e6
    assert hor["unpaid_mean_se"] == pytest.approx(np.sqrt(11e12 / 3 / 4))
    assert hor["claims_mean"] == 2.5e6
    assert hor["reliability"] == pytest.approx(0.4)
    npl_rows = cv.filter((pl.col("reason") == "npl_pause") & pl.col("year").is_null())
    assert npl_rows["unpaid_mean"][0] == 1.5e6
    others = cv.filter(pl.col("reason").is_in(["depletion", "loss_pause", "cap"]))
    assert (others["p_refused"] == 0).all() and (others["unpaid_mean"] == 0).all()
    assert pool_reliability(cv, "pool")[0] == pytest.approx(0.4)
    assert not ch.pool_depleted.any()  # P(depleted) = 0 hides these refusals


def test_lending_pause_counts(make_pool_model, make_claims):
    """Lending trigger at 5 % NPL (immediate reset): paused in year 2 on path 0 only → 1/2."""
    m = make_pool_model(years=3, triggers=[{"metric": "npl_ratio", "threshold": 0.05, "suspends": "lending"}])
    ch = _chunk(m, make_claims([[0, 0, 0], [0, 0, 0]], npl_principal=[[1e7, 0, 0], [0, 0, 0]]))
    lp = lending_pauses(ch)
    assert lp["p_paused"].to_list() == [0.0, 0.5, 0.0]
    assert lp["p_paused_se"][1] == pytest.approx(0.5 / np.sqrt(2))


def test_sums_over_chunks_equal_the_whole(npl_case, make_pool_model, make_claims):
    """The streamed reduction (sums added chunk by chunk) gives the in-memory table."""
    m, ch = npl_case
    ch2 = _chunk(m, make_claims([[5e6, 4e6, 0]], npl_principal=[[0, 0, 0]]))  # depletes the 5m pool
    whole = concat_chunks([ch, ch2])
    merged = merge_sums(chunk_cover_sums(ch), chunk_cover_sums(ch2))
    assert cover_table(merged, whole.pool_ids).equals(cover_reliability(whole))
    assert lending_pause_table(merged, whole.pool_ids).equals(lending_pauses(whole))
    dep = cover_reliability(whole).filter((pl.col("reason") == "depletion") & pl.col("year").is_null())
    assert dep["p_refused"][0] == pytest.approx(1 / 5)  # the fifth path runs the pool dry in year 2
