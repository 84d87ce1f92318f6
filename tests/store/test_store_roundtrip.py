"""Every table round-trips through the repositories, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import enum
import math

import numpy as np
import polars as pl
import pytest

from fundsvc.errors import NotFoundError, StoreError
from fundsvc.store import RunStatus, Store
from fundsvc.store.scenarios import content_sha256

SCENARIO_TEXT = '[guidance_fund]\nname = "示范引导基金"\ncommitment_cny = 1.0e9\n'


def add_scenario(store: Store, text: str = SCENARIO_TEXT, name: str = "demo") -> int:
    return store.scenarios.add(name, text, source_path=f"scenarios/{name}.toml").id


def loans_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "loan_id": ["L1", "L2", "L3"],
        "sector": ["生物医药", "智能物联", "other"],
        "amount_cny": [5_000_000.0, 3_000_000.0, 2_500_000.0],
        "pd": [0.02, 0.035, 0.05],
        "start": [dt.date(2025, 1, 15), dt.date(2025, 3, 1), dt.date(2025, 6, 30)],
    })


def summary_tables() -> dict[str, pl.DataFrame]:
    return {
        "irr_quantiles": pl.DataFrame({
            "quantile": [0.05, 0.5, 0.95],
            "irr": [-0.12, 0.081, math.nan],
            "tvpi": pl.Series([0.7, 1.4, math.inf], dtype=pl.Float32),
        }),
        "cash_flows": pl.DataFrame({
            "period_end": [dt.date(2025, 12, 31), dt.date(2026, 12, 31)],
            "calls_cny": [1.5e8, 2.0e8],
            "n_defaults": pl.Series([3, None], dtype=pl.UInt32),
            "note": ["第一年", "with \"quotes\" and \\ and \x00 nul"],
            "regime": pl.Series(["hot", "cold"], dtype=pl.Enum(["cold", "normal", "hot"])),
            "as_of": pl.Series([1, 2]).cast(pl.Datetime("ns", "Asia/Shanghai")),
        }),
        "empty": pl.DataFrame({"a": pl.Series([], dtype=pl.Int64)}),
    }


def test_scenario_round_trip_and_lookup(store: Store) -> None:
    added = store.scenarios.add("demo", SCENARIO_TEXT, source_path="scenarios/demo.toml")
    got = store.scenarios.get(added.id)
    assert got == added
    assert got.content == SCENARIO_TEXT
    assert got.content_sha256 == content_sha256(SCENARIO_TEXT)
    assert got.created_at.tzinfo == dt.UTC
    assert store.scenarios.get_by_name("demo") == added
    assert store.scenarios.find_by_content(SCENARIO_TEXT) == added
    assert store.scenarios.find_by_content(SCENARIO_TEXT + " ") is None
    assert [s.id for s in store.scenarios.list()] == [added.id]
    with pytest.raises(NotFoundError, match="no scenario with id 999999"):
        store.scenarios.get(999_999)
    with pytest.raises(NotFoundError, match="no scenario named 'nope'"):
        store.scenarios.get_by_name("nope")


def test_adding_the_same_content_again_returns_the_existing_row(store: Store) -> None:
    first = store.scenarios.add("demo", SCENARIO_TEXT, source_path="a.toml")
    again = store.scenarios.add("renamed", SCENARIO_TEXT, source_path="b.toml")
    other = store.scenarios.add("demo", SCENARIO_TEXT.replace("1.0e9", "2.0e9"))
    assert again == first  # same id, original name and path kept
    assert other.id != first.id
    assert len(store.scenarios.list()) == 2


def test_concurrent_add_of_the_same_content_returns_the_winner(store: Store,
                                                               monkeypatch) -> None:
    """Another process inserts the same text between our check and our insert: the unique
    constraint fires inside a SAVEPOINT and the winner's row is returned (on PostgreSQL the
    transaction must stay usable after the error)."""
    import fundsvc.store.scenarios as scenarios_module

    winner = store.scenarios.add("first", SCENARIO_TEXT)
    real_find = scenarios_module._find
    calls = []

    def blind_first_look(session, sha):
        calls.append(sha)
        return None if len(calls) == 1 else real_find(session, sha)

    monkeypatch.setattr(scenarios_module, "_find", blind_first_look)
    assert store.scenarios.add("second", SCENARIO_TEXT) == winner
    assert len(calls) == 2
    assert len(store.scenarios.list()) == 1


def test_loan_book_round_trip(store: Store) -> None:
    scenario_id = add_scenario(store)
    loans = loans_frame()
    book = store.loan_books.add(scenario_id, "bank A", loans, source_path="loans.csv")
    assert book.n_loans == 3
    assert book.total_amount_cny == pytest.approx(10_500_000.0)
    assert (store.data_dir / book.parquet_path).is_file()
    assert store.loan_books.get(book.id) == book
    assert store.loan_books.load(book.id).equals(loans)
    assert store.loan_books.add(scenario_id, "again", loans) == book  # idempotent
    assert [b.id for b in store.loan_books.list(scenario_id)] == [book.id]
    with pytest.raises(NotFoundError):
        store.loan_books.add(999_999, "x", loans)
    with pytest.raises(StoreError, match="no 'amount_cny' column"):
        store.loan_books.add(scenario_id, "x", loans.drop("amount_cny"))


class Executor(enum.Enum):
    PROCESSES = "processes"


@pytest.mark.parametrize("seed", [0, 2**63 - 1, 2**63, 2**128 - 1, np.uint64(2**64 - 1)])
def test_run_round_trip_keeps_every_field(store: Store, seed: int) -> None:
    scenario_id = add_scenario(store)
    book = store.loan_books.add(scenario_id, "book", loans_frame())
    run_id = store.runs.create(scenario_id, seed=seed, n_paths=1_000_000, chunk_size=25_000,
                               executor=Executor.PROCESSES, loan_book_id=book.id,
                               label="基准 base case", parameters={"horizon_years": 12,
                                                                   "regimes": True},
                               code_version="0.1.0+gabc")
    run = store.runs.get(run_id)
    assert run.seed == int(seed) and type(run.seed) is int
    assert (run.status, run.n_paths, run.chunk_size) == (RunStatus.QUEUED, 1_000_000, 25_000)
    assert (run.executor, run.loan_book_id, run.label) == ("processes", book.id, "基准 base case")
    assert run.parameters == {"horizon_years": 12, "regimes": True}
    assert run.code_version == "0.1.0+gabc"
    assert run.scenario_name == "demo"
    assert run.created_at.tzinfo == dt.UTC
    assert run.artifact_dir.startswith(f"runs/{run_id}-")


def test_run_defaults(store: Store) -> None:
    run = store.runs.get(store.runs.create(add_scenario(store), seed=1, n_paths=10))
    assert run.chunk_size == store.settings.chunk_size
    assert run.executor == "serial"
    assert run.code_version.startswith("0.")


def test_run_tables_and_artifacts_round_trip(store: Store) -> None:
    run_id = store.runs.create(add_scenario(store), seed=7, n_paths=1000)
    store.runs.mark_running(run_id)
    tables = summary_tables()
    rng = np.random.default_rng(7)
    arrays = {"irr": pl.DataFrame({"irr": rng.normal(0.08, 0.1, 1000)}),
              "pool_balance_cny": pl.DataFrame({f"t{t}": rng.uniform(0, 1e8, 1000)
                                                for t in range(12)})}
    done = store.runs.complete(run_id, tables, arrays, timings={"venture": 1.25, "credit": 0.5})
    assert done.status is RunStatus.SUCCEEDED
    assert done.timings == {"venture": 1.25, "credit": 0.5}
    for name, frame in tables.items():
        back = store.runs.load_table(run_id, name)
        assert back.schema == frame.schema, name
        assert back.equals(frame, null_equal=True), name
    for name, frame in arrays.items():
        assert store.runs.load_array(run_id, name).equals(frame)
    assert [(t.name, t.n_rows) for t in store.runs.tables(run_id)] == [
        ("cash_flows", 2), ("empty", 0), ("irr_quantiles", 3)]
    infos = store.runs.artifacts(run_id)
    assert [(a.name, a.n_rows) for a in infos] == [("irr", 1000), ("pool_balance_cny", 1000)]
    for info in infos:
        path = store.data_dir / info.relative_path
        assert path == store.runs.artifact_path(run_id, info.name)
        assert path.stat().st_size == info.n_bytes
        assert path.parent.name == done.artifact_dir.split("/")[-1]


def test_actuals_round_trip(store: Store) -> None:
    scenario_id = add_scenario(store)
    actuals = pl.DataFrame({
        "sub_fund_id": ["SF-02", "SF-01", "SF-01"],
        "period_end": [dt.date(2025, 12, 31), dt.date(2025, 6, 30), dt.date(2025, 12, 31)],
        "calls_cny": [2.0e7, 1.0e7, 0.0],
        "distributions_cny": [0.0, 0.0, 3.5e6],
        "nav_cny": [1.9e7, None, 1.2e7],
    })
    first = store.actuals.add(actuals, source_path="actuals.csv", scenario_id=scenario_id)
    assert first.n_rows == 3 and first.scenario_id == scenario_id
    back = store.actuals.load(first.id)
    assert back.equals(actuals.sort("sub_fund_id", "period_end"), null_equal=True)
    assert store.actuals.add(actuals, scenario_id=scenario_id) == first  # same content
    unattached = store.actuals.add(actuals)  # same content, no scenario: a separate import
    assert unattached.id != first.id and unattached.scenario_id is None
    assert store.actuals.latest(scenario_id) == first
    assert store.actuals.latest() == unattached
    with pytest.raises(StoreError, match="nav_cny"):
        store.actuals.add(actuals.drop("nav_cny"))


def test_assessment_round_trip(store: Store) -> None:
    run_id = store.runs.create(add_scenario(store), seed=1, n_paths=10)
    content = {"verdict": "within tolerance", "percentile": 0.37, "scores": {"政策效应": 82.5}}
    added = store.assessments.add(run_id, content)
    assert store.assessments.get(added.id) == added
    assert added.content == content
    assert [a.id for a in store.assessments.list(run_id)] == [added.id]
    with pytest.raises(StoreError, match="JSON"):
        store.assessments.add(run_id, {"irr": math.nan})


def test_delete_removes_rows_of_every_child_table_and_the_files(store: Store) -> None:
    run_id = store.runs.create(add_scenario(store), seed=3, n_paths=10)
    store.runs.mark_running(run_id)
    done = store.runs.complete(run_id, summary_tables(), {"x": pl.DataFrame({"x": [1.0]})})
    store.assessments.add(run_id, {"ok": True})
    run_dir = store.data_dir / done.artifact_dir
    assert run_dir.is_dir()
    store.runs.delete(run_id)
    with pytest.raises(NotFoundError):
        store.runs.get(run_id)
    assert store.assessments.list(run_id) == []
    with pytest.raises(NotFoundError):
        store.runs.load_table(run_id, "empty")
    assert not run_dir.exists()
