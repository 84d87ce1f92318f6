"""Errors as RFC 9457 problem details (``application/problem+json``) that name the field or row."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from fundsvc.errors import FundsvcError, InputError, NotFoundError
from fundsvc.service.policy import Forbidden
from fundsvc.service.runs import QuotaExceeded

PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger("fundsvc.web")


class ProblemItem(BaseModel):
    """One thing wrong with the request."""

    source: str = Field(description="file or part of the request (body, query, path, or an uploaded file name)")
    location: str = Field(description="field path (loans[3].pd) or table cell (row 12, column 'pd')")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[ProblemItem] = Field(default_factory=list)


PROBLEM_RESPONSES = {
    code: {"model": Problem, "description": desc, "content": {PROBLEM_TYPE: {}}}
    for code, desc in ((400, "Bad request"), (401, "Not signed in"), (403, "Not allowed for this role or token"),
                       (404, "Not found (or not visible to you)"), (413, "Request too large"),
                       (422, "Invalid input; `errors` names each field or row"), (429, "Quota exceeded"))
}


def problem(status: int, title: str, detail: str | None = None, errors: list[dict] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, errors=[ProblemItem(**e) for e in errors or []])
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def _loc(loc) -> tuple[str, str]:
    parts = list(loc)
    source = str(parts.pop(0)) if parts and parts[0] in ("body", "query", "path", "header", "cookie") else "body"
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + str(p)
    return source, out


def install(app: FastAPI) -> None:
    """Register the exception handlers that turn every error into a problem document."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = []
        for e in exc.errors()[:100]:
            source, where = _loc(e.get("loc", ()))
            errors.append({"source": source, "location": where, "message": str(e.get("msg", "invalid"))})
        return problem(422, "Invalid input", f"{len(exc.errors())} problem(s)", errors)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError):
        errors = [{"source": p.source, "location": p.location, "message": p.message} for p in exc.problems[:100]]
        return problem(422, "Invalid input", f"{len(exc.problems)} problem(s)", errors)

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError):
        return problem(404, "Not found", str(exc))

    @app.exception_handler(QuotaExceeded)
    async def _quota(request: Request, exc: QuotaExceeded):
        return problem(429, "Quota exceeded", str(exc))

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden):
        return problem(403, "Forbidden", str(exc))

    @app.exception_handler(FundsvcError)
    async def _fundsvc(request: Request, exc: FundsvcError):
        return problem(400, "Request failed", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return problem(exc.status_code, str(exc.detail) if exc.detail else "Error", None,
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "Internal error", "the error was logged on the server")
