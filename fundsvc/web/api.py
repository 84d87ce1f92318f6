"""The REST API ``/api/v1``: pricing, scenarios, runs and their tables, assessments and reports,
actuals and loan-tape uploads, users and tokens.

Every route takes the caller from :func:`fundsvc.web.context.principal` and goes through the
service layer (:mod:`fundsvc.service`) for what it may see and do; errors are problem documents
(:mod:`fundsvc.web.problems`).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Response
from fastapi import Path as PathParam

from fundsvc.auth.roles import Principal, Role
from fundsvc.errors import InputError, NotFoundError
from fundsvc.service import scenarios as scen_service
from fundsvc.service.policy import Action, Forbidden, require
from fundsvc.service.pricing import price_batch
from fundsvc.service.runs import cancel_run, run_progress, start_run
from fundsvc.web.api_models import (
    MAX_BATCH,
    ActualsUpload,
    AssessmentOut,
    BatchIn,
    BatchOut,
    CancelOut,
    DisplayOut,
    LoanIn,
    LoanTapeOut,
    LoanTapeUpload,
    MeOut,
    PricingOut,
    ProgressOut,
    RoleIn,
    RowProblem,
    RunOut,
    RunStart,
    ScenarioDetail,
    ScenarioList,
    ScenarioSummary,
    ScenarioUpload,
    TablePage,
    TokenIn,
    TokenOut,
    UploadOut,
    UserIn,
    UserOut,
    finite,
)
from fundsvc.web.context import ServiceContext, context, principal
from fundsvc.web.problems import PROBLEM_RESPONSES

router = APIRouter(responses=PROBLEM_RESPONSES, generate_unique_id_function=lambda route: route.name)
Caller = Annotated[Principal, Depends(principal)]
Ctx = Annotated[ServiceContext, Depends(context)]
RunId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
Name = Annotated[str, PathParam(min_length=1, max_length=64)]
MAX_PAGE = 5000


# ---------------------------------------------------------------------- pricing
def _row_problems(i: int, exc: InputError) -> list[RowProblem]:
    return [RowProblem(row=i, location=f"loans[{i}].{p.location}".rstrip("."), message=p.message)
            for p in exc.problems[:20]]


def _price_one(loan: LoanIn) -> dict:
    """Price one API loan with the pricing kernel of :func:`fundsvc.credit.price_loan` (one formula)."""
    out = price_batch([loan.__dict__])[0]
    if isinstance(out, InputError):
        raise out
    return out


def price_one(loan: LoanIn) -> PricingOut:
    """:class:`PricingOut` of one API loan."""
    return PricingOut(**_price_one(loan))


@router.post("/pricing/loan", response_model=PricingOut, tags=["pricing"], summary="Price one loan")
def price_loan_route(loan: LoanIn, who: Caller) -> Response:
    """Priced in the thread pool, written with orjson. A valid request of a caller who may price is
    answered by :class:`fundsvc.web.hot.HotPricing` in front of FastAPI with this same function and
    validation; this route answers everything else (and documents the operation)."""
    require(who, Action.PRICE)
    return Response(orjson.dumps(_price_one(loan)), media_type="application/json")


@router.post("/pricing/batch", response_model=BatchOut, tags=["pricing"],
             summary=f"Price up to {MAX_BATCH:,} loans; refused rows are named in `errors`")
def price_batch_route(batch: BatchIn, who: Caller) -> Response:
    """All loans in one call of the vectorised kernel; the body is written straight to JSON (its
    schema is ``BatchOut``: ``results`` per loan, a ``PricingOut`` or null, and ``errors``)."""
    require(who, Action.PRICE)
    results: list[dict | None] = []
    errors: list[dict] = []
    # a validated model's __dict__ holds its field values (read only here; 100× cheaper than model_dump)
    for i, out in enumerate(price_batch([loan.__dict__ for loan in batch.loans])):
        if isinstance(out, InputError):
            results.append(None)
            if len(errors) < 1000:
                errors.extend(p.model_dump() for p in _row_problems(i, out))
        else:
            results.append(out)
    return Response(orjson.dumps({"results": results, "errors": errors[:1000]}), media_type="application/json")


# ---------------------------------------------------------------------- scenarios
@router.get("/scenarios", response_model=ScenarioList, tags=["scenarios"])
def list_scenarios(who: Caller, ctx: Ctx) -> ScenarioList:
    require(who, Action.READ)
    bundled = [ScenarioSummary(name=n) for n in scen_service.bundled_names()]
    uploaded = []
    if who.role is Role.BUREAU:
        uploaded = [ScenarioSummary(name=r.name, id=r.id) for r in ctx.store.scenarios.list(limit=200)
                    if (r.source_path or "").startswith(scen_service.UPLOAD_PREFIX)]
    return ScenarioList(bundled=bundled, uploaded=uploaded)


def _detail(loaded, id_: int | None = None) -> ScenarioDetail:
    s = loaded.scenario
    return ScenarioDetail(name=s.name, title=getattr(s, "title", None), id=id_, content=loaded.text,
                          sub_funds=[f.id for f in s.sub_funds], pools=[p.id for p in s.pools], n_loans=len(s.loans))


@router.get("/scenarios/bundled/{name}", response_model=ScenarioDetail, tags=["scenarios"],
            summary="A bundled scenario by NAME")
def show_bundled(name: Name, who: Caller) -> ScenarioDetail:
    require(who, Action.READ)
    if who.role is not Role.BUREAU:  # loan-level books and sub-fund terms are the bureau's
        raise Forbidden(f"role {who.role.value} may not read scenario texts")
    try:
        return _detail(scen_service.load_bundled(name, field="name"))
    except InputError:
        raise NotFoundError(f"no bundled scenario '{name[:64]}'") from None


@router.get("/scenarios/uploaded/{scenario_id}", response_model=ScenarioDetail, tags=["scenarios"])
def show_uploaded(scenario_id: RunId, who: Caller, ctx: Ctx) -> ScenarioDetail:
    require(who, Action.UPLOAD_SCENARIO)
    return _detail(scen_service.load_stored(ctx.store, scenario_id), scenario_id)


@router.post("/scenarios/validate", response_model=ScenarioSummary, tags=["scenarios"],
             summary="Validate scenario content (nothing stored)")
def validate_scenario(body: ScenarioUpload, who: Caller) -> ScenarioSummary:
    require(who, Action.READ)
    loaded = scen_service.load_uploaded(body.content.encode("utf-8"), body.filename)
    return ScenarioSummary(name=loaded.scenario.name, title=getattr(loaded.scenario, "title", None))


@router.post("/scenarios", response_model=ScenarioSummary, status_code=201, tags=["scenarios"],
             summary="Upload a scenario (stored; start runs from it by id)")
def upload_scenario(body: ScenarioUpload, who: Caller, ctx: Ctx) -> ScenarioSummary:
    require(who, Action.UPLOAD_SCENARIO)
    loaded = scen_service.load_uploaded(body.content.encode("utf-8"), body.filename)
    rec = ctx.store.scenarios.add(loaded.scenario.name, loaded.text, source_path=str(loaded.path))
    ctx.accounts.audit(who.username, "scenario.upload", str(rec.id))
    return ScenarioSummary(name=rec.name, title=getattr(loaded.scenario, "title", None), id=rec.id)


# ---------------------------------------------------------------------- runs
def _run_out(r) -> RunOut:
    return RunOut(id=r.id, scenario=r.scenario_name, status=str(getattr(r.status, "value", r.status)),
                  paths=r.n_paths, seed=str(r.seed), created_at=r.created_at, finished_at=r.finished_at,
                  label=r.label, error=(r.error or None) and r.error[:500])


@router.get("/runs", response_model=list[RunOut], tags=["runs"])
def list_runs(who: Caller, ctx: Ctx, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[RunOut]:
    return [_run_out(r) for r in ctx.reader.runs(who, limit=limit)]


@router.post("/runs", response_model=RunOut, status_code=202, tags=["runs"],
             summary="Start a run of a bundled (by name) or uploaded (by id) scenario, optionally on an "
                     "uploaded loan tape")
def start_run_route(body: RunStart, who: Caller, ctx: Ctx) -> RunOut:
    require(who, Action.START_RUN)
    if (body.scenario is None) == (body.scenario_id is None):
        raise InputError.single("body", "scenario", "give either scenario (a bundled name) or scenario_id")
    if body.scenario is not None:
        loaded = scen_service.load_bundled(body.scenario)
    else:
        require(who, Action.UPLOAD_SCENARIO)
        loaded = scen_service.load_stored(ctx.store, body.scenario_id)
    if body.loan_tape_id is not None:
        from fundsvc.service.loan_tapes import start_tape_run

        run_id = start_tape_run(ctx.runs, who, body.loan_tape_id, loaded, paths=body.paths, seed=body.seed,
                                label="api")
    else:
        run_id = start_run(ctx.runs, who, loaded, paths=body.paths, seed=body.seed, label="api")
    return _run_out(ctx.reader.record(who, run_id))


@router.get("/runs/{run_id}", response_model=RunOut, tags=["runs"])
def get_run(run_id: RunId, who: Caller, ctx: Ctx) -> RunOut:
    return _run_out(ctx.reader.record(who, run_id))


@router.get("/runs/{run_id}/progress", response_model=ProgressOut, tags=["runs"])
def get_progress(run_id: RunId, who: Caller, ctx: Ctx) -> ProgressOut:
    rec = ctx.reader.record(who, run_id)
    p = run_progress(ctx.runs, rec.id)
    status = str(getattr(rec.status, "value", rec.status))
    if p is None:
        done = 1 if status in ("succeeded", "failed") else 0
        return ProgressOut(id=rec.id, status=status, done_chunks=done, total_chunks=1, fraction=float(done))
    state = p.state if p.state == "cancelled" else status
    return ProgressOut(id=rec.id, status=state, done_chunks=p.done, total_chunks=p.total,
                       fraction=1.0 if status == "succeeded" else p.fraction)


@router.post("/runs/{run_id}/cancel", response_model=CancelOut, tags=["runs"])
def cancel_run_route(run_id: RunId, who: Caller, ctx: Ctx) -> CancelOut:
    rec = ctx.reader.record(who, run_id)
    return CancelOut(id=rec.id, cancel_requested=cancel_run(ctx.runs, who, rec.id))


@router.get("/runs/{run_id}/tables", response_model=list[str], tags=["runs"])
def list_tables(run_id: RunId, who: Caller, ctx: Ctx) -> list[str]:
    return ctx.reader.table_names(who, run_id)


@router.get("/runs/{run_id}/tables/{name}", response_model=TablePage, tags=["runs"],
            responses={200: {"content": {"text/csv": {}, "application/vnd.apache.parquet": {}}}},
            summary="A run table as JSON (paged), CSV or Parquet; rows you may not see are left out")
def get_table(run_id: RunId, name: Name, who: Caller, ctx: Ctx,
              format: Literal["json", "csv", "parquet"] = "json",
              offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
              limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000,
              display: Annotated[Literal["zh", "en"] | None, Query(
                  description="also return the rows formatted for reading (units, %, ×, translated codes)")] = None):
    frame = ctx.reader.table(who, run_id, name)
    total = frame.height
    page = frame.slice(offset, limit)
    if format == "json":
        rows = [{k: (finite(v) if isinstance(v, float) else v) for k, v in row.items()} for row in page.to_dicts()]
        shown = None
        if display is not None:
            from fundsvc.service.display import display_table

            d = display_table(frame, display, offset=offset, limit=limit)
            shown = DisplayOut(lang=d.lang, unit=d.unit, headers=d.headers, rows=d.rows)
        return TablePage(name=name, columns=page.columns, rows=rows, total=total, offset=offset, limit=limit,
                         display=shown)
    ctx.accounts.audit(who.username, "download", f"run {run_id} {name}.{format}")
    if format == "csv":
        return Response(("\ufeff" + page.write_csv()).encode("utf-8"), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="run{run_id}_{name}.csv"'})
    buf = io.BytesIO()
    page.write_parquet(buf)
    return Response(buf.getvalue(), media_type="application/vnd.apache.parquet",
                    headers={"Content-Disposition": f'attachment; filename="run{run_id}_{name}.parquet"'})


# ---------------------------------------------------------------------- assessments and reports
def _assess(ctx: ServiceContext, who: Principal, run_id: int, period: str | None = None):
    from fundsvc.assessment import assess_run
    from fundsvc.assessment.facts import scenario_for_run

    require(who, Action.ASSESS)
    rec = ctx.reader.record(who, run_id)
    if str(getattr(rec.status, "value", rec.status)) != "succeeded":
        raise InputError.single("path", "run_id", f"run {rec.id} has not succeeded")
    scen = scenario_for_run(ctx.store, rec.id, None)
    latest = ctx.store.actuals.latest(rec.scenario_id)
    frame = ctx.store.actuals.load(latest.id) if latest is not None else None
    as_of = None
    if period is not None:
        from fundsvc.assessment.periods import parse_period

        try:
            p = parse_period(period)
        except ValueError:
            raise InputError.single("query", "period", "not a period: use 2026, 2026-Q3 or 2026-09") from None
        if frame is not None and frame.filter(frame["period_end"] <= p.as_of).height == 0:
            frame = None
        as_of = p.as_of if frame is not None else None
        period = f"{p.label} {p.title_zh} {p.title_en}"
    return assess_run(ctx.store, rec.id, actuals=frame, as_of=as_of, scenario=scen, period=period, save=True)


@router.post("/runs/{run_id}/assessment", response_model=AssessmentOut, tags=["assessments"],
             summary="Assess a run as a whole fund (bureau)")
def assess_route(run_id: RunId, who: Caller, ctx: Ctx) -> AssessmentOut:
    a = _assess(ctx, who, run_id)
    return AssessmentOut(run_id=run_id, score=finite(a.score), rating=a.rating, loss_ratio=finite(a.loss_ratio),
                         tolerated_loss_ratio=finite(a.tolerated_loss_ratio), verdict_en=a.verdict_en or None,
                         verdict_zh=a.verdict_zh or None)


@router.get("/runs/{run_id}/report", tags=["assessments"], response_class=Response,
            responses={200: {"content": {"text/html": {}, "application/vnd.openxmlformats-officedocument"
                                                           ".spreadsheetml.sheet": {}}}},
            summary="Periodic report (xlsx or html) of a run (bureau)")
def report_route(run_id: RunId, who: Caller, ctx: Ctx,
                 period: Annotated[str, Query(min_length=4, max_length=7, pattern=r"^(19|20|21)\d{2}(-Q[1-4]|-(0[1-9]|1[0-2]))?$",
                                          description="2026 (年通报), 2026-Q3 (季分析) or 2026-09 (月监测)")],
                 format: Literal["xlsx", "html"] = "html") -> Response:
    from fundsvc.assessment.reports import ReportFormat, write_report

    a = _assess(ctx, who, run_id, period)
    with tempfile.TemporaryDirectory(prefix="fundsvc-report-") as tmp:
        path = write_report(a, Path(tmp) / f"report.{format}", ReportFormat(format))
        data = path.read_bytes()
    ctx.accounts.audit(who.username, "download", f"run {run_id} report {period}.{format}")
    media = "text/html; charset=utf-8" if format == "html" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="report-run{run_id}-{period}.{format}"'})


# ---------------------------------------------------------------------- uploads
def _as_file(content: str, filename: str, tmp: str) -> tuple[Path, str]:
    safe = Path(filename.replace("\\", "/")).name[:120] or "upload.csv"
    path = Path(tmp) / ("upload.parquet" if safe.endswith(".parquet") else "upload.csv")
    path.write_text(content, encoding="utf-8")
    return path, safe


@router.post("/actuals", response_model=UploadOut, status_code=201, tags=["uploads"],
             summary="Upload realised cash flows (a fund manager only for its own sub-fund)")
def upload_actuals(body: ActualsUpload, who: Caller, ctx: Ctx) -> UploadOut:
    import hashlib

    from fundsvc.assessment.facts import scenario_facts, scenario_for_run
    from fundsvc.inputs.actuals import SCHEMA, read_actuals

    require(who, Action.UPLOAD_ACTUALS)
    rec = ctx.reader.record(who, body.run_id)
    ids = scenario_facts(scenario_for_run(ctx.store, rec.id, None)).sub_fund_ids
    if who.role is Role.FUND_MANAGER:
        ids = {i for i in ids if i == who.tenant}
    with tempfile.TemporaryDirectory(prefix="fundsvc-upload-") as tmp:
        path, shown = _as_file(body.content, body.filename, tmp)
        frame = read_actuals(path, ids, display=shown)
    imp = ctx.store.actuals.add(frame.select(list(SCHEMA)[:5]), source_path=f"<upload>/{shown}",
                                content_sha256=hashlib.sha256(body.content.encode()).hexdigest(),
                                scenario_id=rec.scenario_id)
    ctx.accounts.audit(who.username, "actuals.upload", str(imp.id), detail={"rows": frame.height})
    return UploadOut(id=imp.id, rows=frame.height)


def _tape_out(rec) -> LoanTapeOut:
    return LoanTapeOut(id=rec.id, rows=rec.n_loans, bank=rec.tenant, filename=rec.name,
                       total_amount_cny=finite(rec.total_amount_cny), content_sha256=rec.content_sha256,
                       created_at=rec.created_at)


@router.post("/loan-tapes", response_model=LoanTapeOut, status_code=201, tags=["uploads"],
             summary="Upload a loan tape (a bank only its own loans); start runs on it with POST /runs")
def upload_loan_tape(body: LoanTapeUpload, who: Caller, ctx: Ctx) -> LoanTapeOut:
    """The tape is checked completely before anything is stored: every row and column with the
    loan-book reader, duplicate loan ids, every row's `bank` against the tape's bank, and (with
    `scenario`) the scenario's pools, ratings and sectors. Problems name the row and column."""
    from fundsvc.service.loan_tapes import upload_tape

    require(who, Action.UPLOAD_LOAN_TAPE)
    check = scen_service.load_bundled(body.scenario) if body.scenario is not None else None
    rec = upload_tape(ctx.store, ctx.accounts, who, body.content, body.filename, bank=body.bank, check_with=check)
    return _tape_out(rec)


@router.get("/loan-tapes", response_model=list[LoanTapeOut], tags=["uploads"],
            summary="Loan tapes you may see (a bank: its own bank's; the bureau: all)")
def list_loan_tapes(who: Caller, ctx: Ctx, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[LoanTapeOut]:
    from fundsvc.service.loan_tapes import list_tapes

    return [_tape_out(r) for r in list_tapes(ctx.store, who, limit=limit)]


@router.get("/loan-tapes/{tape_id}", response_model=LoanTapeOut, tags=["uploads"])
def get_loan_tape(tape_id: RunId, who: Caller, ctx: Ctx) -> LoanTapeOut:
    from fundsvc.service.loan_tapes import visible_tape

    return _tape_out(visible_tape(ctx.store, who, tape_id))


@router.get("/loan-tapes/{tape_id}/loans", response_model=TablePage, tags=["uploads"],
            summary="The loans of a tape (paged)")
def get_loan_tape_loans(tape_id: RunId, who: Caller, ctx: Ctx,
                        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
                        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000) -> TablePage:
    from fundsvc.service.loan_tapes import tape_loans

    frame = tape_loans(ctx.store, who, tape_id)
    page = frame.slice(offset, limit)
    rows = [{k: (finite(v) if isinstance(v, float) else v) for k, v in row.items()} for row in page.to_dicts()]
    return TablePage(name="loan_book", columns=page.columns, rows=rows, total=frame.height, offset=offset,
                     limit=limit)


# ---------------------------------------------------------------------- identity, users, tokens
@router.get("/me", response_model=MeOut, tags=["users"])
def me(who: Caller) -> MeOut:
    return MeOut(username=who.username, role=who.role.value, tenant=who.tenant,
                 scopes=sorted(s.value for s in who.scopes))


def _user_out(u) -> UserOut:
    return UserOut(username=u.username, role=u.role.value, tenant=u.tenant, disabled=u.disabled)


@router.get("/users", response_model=list[UserOut], tags=["users"])
def list_users(who: Caller, ctx: Ctx) -> list[UserOut]:
    require(who, Action.MANAGE_USERS)
    return [_user_out(u) for u in ctx.accounts.users()]


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"])
def add_user(body: UserIn, who: Caller, ctx: Ctx) -> UserOut:
    require(who, Action.MANAGE_USERS)
    return _user_out(ctx.accounts.add_user(body.username, body.password, body.role, body.tenant, actor=who.username))


@router.post("/users/{username}/disable", response_model=UserOut, tags=["users"])
def disable_user(username: Name, who: Caller, ctx: Ctx) -> UserOut:
    require(who, Action.MANAGE_USERS)
    if username == who.username:
        raise InputError.single("path", "username", "you cannot disable yourself")
    return _user_out(ctx.accounts.disable(username, actor=who.username))


@router.post("/users/{username}/role", response_model=UserOut, tags=["users"])
def set_role(username: Name, body: RoleIn, who: Caller, ctx: Ctx) -> UserOut:
    require(who, Action.MANAGE_USERS)
    return _user_out(ctx.accounts.set_role(username, body.role, body.tenant, actor=who.username))


def _token_out(t, secret: str | None = None) -> TokenOut:
    return TokenOut(id=t.id, username=t.username, name=t.name, prefix=t.prefix, scopes=list(t.scopes),
                    expires_at=t.expires_at, state=t.state, token=secret)


@router.get("/tokens", response_model=list[TokenOut], tags=["users"])
def list_tokens(who: Caller, ctx: Ctx) -> list[TokenOut]:
    require(who, Action.MANAGE_USERS)
    return [_token_out(t) for t in ctx.accounts.tokens()]


@router.post("/tokens", response_model=TokenOut, status_code=201, tags=["users"])
def create_token(body: TokenIn, who: Caller, ctx: Ctx) -> TokenOut:
    require(who, Action.MANAGE_USERS)
    info, secret = ctx.accounts.create_token(body.username, body.name, body.scopes, body.days, actor=who.username)
    return _token_out(info, secret)


@router.post("/tokens/{token_id}/revoke", response_model=TokenOut, tags=["users"])
def revoke_token(token_id: RunId, who: Caller, ctx: Ctx) -> TokenOut:
    require(who, Action.MANAGE_USERS)
    ctx.accounts.revoke_token(token_id, actor=who.username)
    return _token_out(next(t for t in ctx.accounts.tokens() if t.id == token_id))


__all__ = ["price_one", "router"]
