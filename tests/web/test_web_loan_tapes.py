"""Loan tapes through the API: a bank uploads its own loans and runs a scenario on them; another bank
can neither read the tape nor use it nor see the run; bad tapes are refused naming row and column
with nothing written; oversize bodies get a problem document."""

from __future__ import annotations

import polars as pl
import pytest

from tests.web.conftest import PASSWORD


def _client(served, username: str, role: str, tenant: str | None):
    """A fresh user (own run quota) with an all-scopes token."""
    if username not in {u.username for u in served.accounts.users()}:
        served.accounts.add_user(username, PASSWORD, role, tenant)
    _, secret = served.accounts.create_token(username, "t", ["read", "price", "run", "upload"], 1)
    c = served.client()
    c.headers["Authorization"] = f"Bearer {secret}"
    return c


def _book(served) -> pl.DataFrame:
    return served.store.loan_books.load(served.store.runs.get(served.run_id).loan_book_id)


def _tape(served, bank: str, n: int = 5) -> pl.DataFrame:
    return _book(served).filter(pl.col("bank") == bank).head(n)


def _csv(frame: pl.DataFrame) -> str:
    return frame.write_csv()


def _stored(served) -> tuple[int, int]:
    """(tape rows in the database, files in the tape folder)."""
    folder = served.store.data_dir / "loan_tapes"
    files = len(list(folder.glob("*"))) if folder.exists() else 0
    with served.store.session() as s:
        import sqlalchemy as sa

        from fundsvc.store.auth_tables import LoanTape

        return s.scalar(sa.select(sa.func.count()).select_from(LoanTape)), files


def test_bank_uploads_its_tape_and_runs_on_it_other_bank_sees_nothing(served):
    bank_a = _client(served, "tape_bank_a", "bank", "bank_a")
    bank_b = _client(served, "tape_bank_b", "bank", "bank_b")
    bureau = served.api("bureau1")
    tape = _tape(served, "bank_a")
    r = bank_a.post("/api/v1/loan-tapes", json={"content": _csv(tape), "filename": "../../etc/a tape.csv"})
    assert r.status_code == 201, r.text
    out = r.json()
    tid = out["id"]
    assert out["rows"] == tape.height and out["bank"] == "bank_a" and out["filename"] == "a tape.csv"
    assert out["total_amount_cny"] == pytest.approx(tape["amount_cny"].sum())
    # the owner bank and the bureau see it; the other bank gets exactly what a missing id gets
    assert tid in {t["id"] for t in bank_a.get("/api/v1/loan-tapes").json()}
    assert tid in {t["id"] for t in bureau.get("/api/v1/loan-tapes").json()}
    assert tid not in {t["id"] for t in bank_b.get("/api/v1/loan-tapes").json()}
    for suffix in ("", "/loans"):
        theirs, missing = bank_b.get(f"/api/v1/loan-tapes/{tid}{suffix}"), bank_b.get(f"/api/v1/loan-tapes/987654{suffix}")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["detail"].replace(str(tid), "N") == missing.json()["detail"].replace("987654", "N")
    loans = bank_a.get(f"/api/v1/loan-tapes/{tid}/loans").json()
    assert loans["total"] == tape.height and [r["loan_id"] for r in loans["rows"]] == tape["loan_id"].to_list()
    for user in ("fm_iot", "viewer1", "admin1"):
        assert served.api(user).get(f"/api/v1/loan-tapes/{tid}").status_code == 403
    # another bank cannot run on it (404 as if missing, and no run is created)
    before = len(served.store.runs.list(limit=None))
    r = bank_b.post("/api/v1/runs", json={"scenario": "quick", "paths": 100, "loan_tape_id": tid})
    assert r.status_code == 404 and str(tape["loan_id"][0]) not in r.text
    assert len(served.store.runs.list(limit=None)) == before
    # the owner runs the bundled scenario on its tape; the run is bank_a's and its loan book is the tape
    r = bank_a.post("/api/v1/runs", json={"scenario": "quick", "paths": 100, "seed": 7, "loan_tape_id": tid})
    assert r.status_code == 202, r.text
    rid = r.json()["id"]
    book = bank_a.get(f"/api/v1/runs/{rid}/tables/loan_book").json()
    assert [row["loan_id"] for row in book["rows"]] == tape["loan_id"].to_list()
    assert bureau.get(f"/api/v1/runs/{rid}").status_code == 200
    assert bank_b.get(f"/api/v1/runs/{rid}").status_code == 404
    assert bank_b.get(f"/api/v1/runs/{rid}/tables/loan_book").status_code == 404
    assert rid not in {x["id"] for x in bank_b.get("/api/v1/runs").json()}
    assert rid not in {x["id"] for x in served.api("viewer1").get("/api/v1/runs").json()}
    from fundsvc.assessment.facts import scenario_for_run

    simulated = scenario_for_run(served.store, rid)
    assert [ln.loan_id for ln in simulated.loans] == tape["loan_id"].to_list()
    # the run completes on the tape's loans: bank_a's losses are there, and only bank_a's
    import time

    deadline = time.monotonic() + 240
    while (status := bank_a.get(f"/api/v1/runs/{rid}").json()["status"]) in ("queued", "running"):
        assert time.monotonic() < deadline, "the run on the tape did not finish"
        time.sleep(0.5)
    assert status == "succeeded", bank_a.get(f"/api/v1/runs/{rid}").json()
    # bank_a's book is now the 5 tape loans instead of the scenario's own (its lending programme's
    # future loans stay as the scenario says): its expected loss is smaller than in the stored run
    def bank_el(run_id, client):
        rows = client.get(f"/api/v1/runs/{run_id}/tables/credit_loss_measures", params={"limit": 5000}).json()["rows"]
        return sum(r["value"] for r in rows if r.get("entity") == "bank:bank_a" and r.get("measure") == "el")

    assert 0 < bank_el(rid, bank_a) < bank_el(served.run_id, bank_a)
    assert bank_b.get(f"/api/v1/runs/{rid}/tables/credit_loss_measures").status_code == 404
    events = served.accounts.audit_events(action="loan_tape.upload", limit=20)
    assert any(e["target"] == str(tid) and e["username"] == "tape_bank_a" for e in events)


def test_bureau_tapes_of_several_banks_are_its_own_and_tags_are_checked(served):
    bureau = served.api("bureau1")
    bank_a = _client(served, "tape_bank_a2", "bank", "bank_a")
    mixed = pl.concat([_tape(served, "bank_a", 2), _tape(served, "bank_b", 2)])
    r = bureau.post("/api/v1/loan-tapes", json={"content": _csv(mixed), "filename": "mixed.csv"})
    assert r.status_code == 201 and r.json()["bank"] is None
    tid = r.json()["id"]
    assert bank_a.get(f"/api/v1/loan-tapes/{tid}").status_code == 404
    assert bank_a.post("/api/v1/runs", json={"scenario": "quick", "paths": 100, "loan_tape_id": tid}).status_code == 404
    # tagged to bank_a: the bank_b rows (3 and 4) are refused, without naming bank_b
    before = _stored(served)
    r = bureau.post("/api/v1/loan-tapes", json={"content": _csv(mixed), "bank": "bank_a"})
    assert r.status_code == 422
    assert [e["location"] for e in r.json()["errors"]] == ["row 3 (line 4), column 'bank'", "row 4 (line 5), column 'bank'"]
    assert "bank_b" not in r.text
    assert _stored(served) == before
    r = bureau.post("/api/v1/loan-tapes", json={"content": _csv(_tape(served, "bank_a", 2)), "bank": "bank_a"})
    assert r.status_code == 201 and r.json()["bank"] == "bank_a"
    assert r.json()["id"] in {t["id"] for t in bank_a.get("/api/v1/loan-tapes").json()}
    # a bank may not tag a tape to another bank
    r = bank_a.post("/api/v1/loan-tapes", json={"content": _csv(_tape(served, "bank_b", 2)), "bank": "bank_b"})
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"


def _with(frame: pl.DataFrame, row: int, column: str, value) -> pl.DataFrame:
    text = frame.with_columns(pl.all().cast(pl.Utf8))
    col = text[column].to_list()
    col[row] = value
    return text.with_columns(pl.Series(column, col, dtype=pl.Utf8))


@pytest.mark.parametrize("mutate, location", [
    (lambda t: _with(t, 1, "pd", "1.5"), "row 2 (line 3), column 'pd'"),
    (lambda t: _with(t, 2, "amount_cny", "lots"), "row 3 (line 4), column 'amount_cny'"),
    (lambda t: _with(t, 0, "origination", "2024-13-01"), "row 1 (line 2), column 'origination'"),
    (lambda t: _with(t, 3, "loan_id", t["loan_id"][0]), "row 4 (line 5), column 'loan_id'"),
    (lambda t: t.drop("amount_cny"), "column 'amount_cny'"),
    (lambda t: t.with_columns(pl.lit("x").alias("password")), "column 'password'"),
])
def test_bad_tapes_are_refused_naming_row_and_column_and_nothing_is_written(served, mutate, location):
    bank_a = _client(served, "tape_bank_a3", "bank", "bank_a")
    before = _stored(served)
    r = bank_a.post("/api/v1/loan-tapes", json={"content": _csv(mutate(_tape(served, "bank_a"))),
                                                "filename": "bad.csv"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert location in [e["location"] for e in r.json()["errors"]], r.json()
    assert _stored(served) == before


def test_scenario_mismatch_names_the_tape_row_at_upload_and_at_run_start(served):
    bank_a = _client(served, "tape_bank_a4", "bank", "bank_a")
    tape = _with(_tape(served, "bank_a"), 1, "pool_id", "no_such_pool")
    before = _stored(served)
    r = bank_a.post("/api/v1/loan-tapes", json={"content": _csv(tape), "filename": "p.csv", "scenario": "quick"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["location"] == "row 2 (line 3), column 'pool_id'"
    assert _stored(served) == before
    tid = bank_a.post("/api/v1/loan-tapes", json={"content": _csv(tape), "filename": "p.csv"}).json()["id"]
    runs = len(served.store.runs.list(limit=None))
    r = bank_a.post("/api/v1/runs", json={"scenario": "quick", "paths": 100, "loan_tape_id": tid})
    assert r.status_code == 422 and r.json()["errors"][0]["location"] == "row 2 (line 3), column 'pool_id'"
    assert len(served.store.runs.list(limit=None)) == runs


def test_empty_oversize_and_odd_uploads(served):
    bank_a = _client(served, "tape_bank_a5", "bank", "bank_a")
    before = _stored(served)
    header = _csv(_tape(served, "bank_a")).splitlines()[0] + "\n"
    r = bank_a.post("/api/v1/loan-tapes", json={"content": header})
    assert r.status_code == 422 and "no rows" in r.text
    big = header + ("x" * 200 + "\n") * 45_000  # > 8 MiB
    r = bank_a.post("/api/v1/loan-tapes", json={"content": big})
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    r = bank_a.post("/api/v1/loan-tapes", json={"content": "\x00\x01 not csv at all"})
    assert r.status_code == 422
    r = bank_a.post("/api/v1/loan-tapes", json={"content": header, "bank": "../x"})
    assert r.status_code == 422
    assert _stored(served) == before
    for bad in ("0", "-1", "abc", "99999999999"):
        assert bank_a.get(f"/api/v1/loan-tapes/{bad}").status_code in (404, 422)
