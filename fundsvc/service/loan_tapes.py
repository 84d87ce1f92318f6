"""Loan tapes uploaded by banks and the bureau, and runs of a scenario on a tape: tenancy in one place.

A *tape* is a loan book (CSV, the columns of :data:`fundsvc.inputs.tables.LOAN_BOOK_COLUMNS`) sent
through the API. Rules:

* A tape belongs to one bank (``tenant``) or, when the bureau uploads loans of several banks
  without naming one, to the bureau alone. A bank user's tape belongs to its own bank and every
  row's ``bank`` must be that bank; the bureau may tag a tape to a bank (then the same check).
* A bank sees its own bank's tapes; the bureau sees all; other roles none. An invisible tape is
  reported exactly like a missing one (``no loan tape N``).
* A run on a tape simulates the scenario with the tape's loans as the loan book in place of the
  scenario's own; the scenario's lending programmes (loans still to be originated by the banks
  of a pool) stay as the scenario defines them.
* A run on a tape of a bank belongs to that bank (its results are visible to the bank and the
  bureau only, whoever of them started it); a run on a bureau tape is the bureau's.
* A tape is read and checked completely (every row and column, duplicate loan ids, the bank
  rule, and the scenario's pools, ratings and sectors when one is named) before anything is
  written; problems name the tape's row and column (``row 3 (line 4), column 'pd'``) and never
  echo another bank's values.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import replace
from pathlib import Path

import polars as pl
from pydantic import ValidationError

from fundsvc.auth.roles import Principal, Role
from fundsvc.errors import InputError, NotFoundError, Problem
from fundsvc.inputs.loader import LoadedScenario
from fundsvc.service.policy import Action, Forbidden, filter_table, require

__all__ = ["MAX_TAPE_PROBLEMS", "combine", "list_tapes", "read_tape", "start_tape_run", "tape_loans",
           "upload_tape", "visible_tape"]

MAX_TAPE_PROBLEMS = 50
"""At most this many problems are reported for one tape (the first ones, in row order)."""


def _safe_name(filename: str | None) -> str:
    name = Path((filename or "loans.csv").replace("\\", "/")).name[:120] or "loans.csv"
    return name if name.lower().endswith(".csv") else name + ".csv"


def read_tape(content: str, filename: str | None) -> tuple[list, pl.DataFrame, str]:
    """Validate a CSV tape completely; return (loans, typed frame, file name shown in messages).

    ``loans`` are :class:`models.credit.AchievementLoan`; the frame has one row per loan and the
    columns of :func:`fundsvc.inputs.tables.loan_book_frame` (plus ``first_loan`` when given).

    Raises
    ------
    InputError
        Naming row and column of each problem (at most :data:`MAX_TAPE_PROBLEMS`).
    """
    from fundsvc.inputs.tables import loan_book_frame, read_loan_book, row_location

    shown = _safe_name(filename)
    with tempfile.TemporaryDirectory(prefix="fundsvc-tape-") as tmp:
        path = Path(tmp) / "upload.csv"  # always read as CSV, whatever name the client gave
        path.write_text(content, encoding="utf-8")
        try:
            loans = read_loan_book(path, display=shown)
        except InputError as exc:
            raise InputError(exc.problems[:MAX_TAPE_PROBLEMS]) from None
    seen: dict[str, int] = {}
    problems = []
    for i, loan in enumerate(loans):
        if loan.loan_id in seen:
            problems.append(Problem(shown, row_location(path, i, "loan_id"),
                                    f"duplicate loan_id (first in row {seen[loan.loan_id] + 1})"))
        seen.setdefault(loan.loan_id, i)
    if problems:
        raise InputError(problems[:MAX_TAPE_PROBLEMS])
    frame = loan_book_frame(loans)
    if any(loan.first_loan for loan in loans):
        frame = frame.with_columns(pl.Series("first_loan", ["true" if ln.first_loan else "false" for ln in loans]))
    return loans, frame, shown


def _tenant_for(who: Principal, bank: str | None) -> str | None:
    """The bank a new tape belongs to (``None``: the bureau's own tape of several banks)."""
    if who.role is Role.BANK:
        if bank is not None and bank != who.tenant:
            raise Forbidden("a bank may upload only its own bank's loans")
        return who.tenant
    if who.role is Role.BUREAU:
        return bank
    raise Forbidden(f"role {who.role.value} may not upload loan tapes")


def _check_bank(frame: pl.DataFrame, tenant: str | None, shown: str) -> None:
    if tenant is None:
        return
    from fundsvc.inputs.tables import row_location

    bad = frame.with_row_index("row").filter(pl.col("bank") != tenant)["row"].to_list()
    if bad:  # the rows' values are not echoed (they may name another bank)
        raise InputError([Problem(shown, row_location(Path(shown), i, "bank"),
                                  f"every loan of this tape must be lent by {tenant}")
                          for i in bad[:MAX_TAPE_PROBLEMS]])


def combine(loaded: LoadedScenario, loans: list, *, shown: str, tape_id: int | None = None,
            content_sha256: str = "") -> LoadedScenario:
    """The scenario ``loaded`` with its loans replaced by the tape's, validated as a whole.

    Problems in the loans (a pool, rating or sector the scenario does not know) name the tape's
    row and column; others name the scenario's key.
    """
    from fundsvc.inputs.problems import dotted, problems_from_validation
    from fundsvc.inputs.tables import row_location
    from models.scenario import Scenario

    data = loaded.scenario.model_dump()
    data["loans"] = loans
    csv_path = Path(shown)

    def locate(loc):
        if len(loc) >= 2 and loc[0] == "loans" and isinstance(loc[1], int):
            col = next((str(p) for p in loc[2:] if isinstance(p, str)), None)
            return shown, row_location(csv_path, loc[1], col)
        return f"scenario {loaded.scenario.name}", dotted(loc)

    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, locate)[:MAX_TAPE_PROBLEMS]) from None
    label = f"<loan tape {tape_id}>" if tape_id is not None else "<loan tape>"
    digest = hashlib.sha256(f"{loaded.content_sha256}:{content_sha256}".encode()).hexdigest()
    return replace(loaded, scenario=scenario, path=Path(label) / Path(str(loaded.path)).name,
                   content_sha256=digest, files=(), loan_book_path=Path(label) / shown)


def upload_tape(store, accounts, who: Principal, content: str, filename: str | None, *, bank: str | None = None,
                check_with: LoadedScenario | None = None):
    """Validate and store a tape for ``who``; return its :class:`~fundsvc.store.loan_tapes.LoanTapeRecord`.

    ``bank`` tags the tape to a bank (a bank user's tapes are always its own bank's);
    ``check_with`` also checks the loans against a scenario (pools, ratings, sectors).
    Nothing is written unless every check passes.
    """
    require(who, Action.UPLOAD_LOAN_TAPE)
    tenant = _tenant_for(who, bank)
    loans, frame, shown = read_tape(content, filename)
    _check_bank(frame, tenant, shown)
    if check_with is not None:
        combine(check_with, loans, shown=shown)
    rec = store.loan_tapes.add(frame, name=shown, content_sha256=hashlib.sha256(content.encode("utf-8")).hexdigest(),
                               user_id=who.user_id, role=who.role.value, tenant=tenant)
    accounts.audit(who.username, "loan_tape.upload", str(rec.id), detail={"rows": rec.n_loans, "bank": tenant})
    return rec


def _visible(who: Principal, rec) -> bool:
    if who.role is Role.BUREAU:
        return True
    return who.role is Role.BANK and rec.tenant is not None and rec.tenant == who.tenant


def visible_tape(store, who: Principal, tape_id: int):
    """The tape's record, or :class:`NotFoundError` when it does not exist or is not ``who``'s to see."""
    require(who, Action.READ_LOAN_TAPES)
    try:
        rec = store.loan_tapes.get(int(tape_id))
    except (NotFoundError, ValueError, TypeError, OverflowError):
        raise NotFoundError(f"no loan tape {tape_id}") from None
    if not _visible(who, rec):
        raise NotFoundError(f"no loan tape {tape_id}")
    return rec


def list_tapes(store, who: Principal, limit: int = 200) -> list:
    """The tapes ``who`` may see, newest first."""
    require(who, Action.READ_LOAN_TAPES)
    if who.role is Role.BUREAU:
        return store.loan_tapes.list(everyone=True, limit=limit)
    return store.loan_tapes.list(who.tenant if who.role is Role.BANK else None, limit=limit)


def tape_loans(store, who: Principal, tape_id: int) -> pl.DataFrame:
    """The tape's loans (one row per loan), filtered like a run's loan book (defence in depth)."""
    rec = visible_tape(store, who, tape_id)
    return filter_table(who, "loan_book", store.loan_tapes.load(rec.id))


def _loans_of(store, rec) -> list:
    from fundsvc.inputs.tables import read_loan_book

    with tempfile.TemporaryDirectory(prefix="fundsvc-tape-") as tmp:
        path = Path(tmp) / "tape.parquet"
        store.loan_tapes.load(rec.id).write_parquet(path)
        return read_loan_book(path, display=rec.name)


def start_tape_run(manager, who: Principal, tape_id: int, loaded: LoadedScenario, *, paths: int,
                   seed: int | None = None, label: str = "api") -> int:
    """Queue a run of ``loaded`` on the tape's loans (instead of the scenario's own); return its id.

    The run belongs to the tape's bank (or to the bureau for a bureau tape), whoever started it.
    """
    from fundsvc.service.runs import start_run

    require(who, Action.START_RUN)
    rec = visible_tape(manager.store, who, tape_id)
    combined = combine(loaded, _loans_of(manager.store, rec), shown=rec.name, tape_id=rec.id,
                       content_sha256=rec.content_sha256)
    owner = (Role.BANK.value, rec.tenant) if rec.tenant is not None else (Role.BUREAU.value, None)
    return start_run(manager, who, combined, paths=paths, seed=seed, label=label, owner=owner,
                     audit={"loan_tape": rec.id})
