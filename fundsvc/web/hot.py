"""A short path for the one hot API operation: ``POST /api/v1/pricing/loan``.

Banks call single-loan pricing from their own systems many times a second, and the pricing
itself takes about half a millisecond, while FastAPI's routing, dependency solving and thread-pool
hop cost as much again (measured with ``bench/bench_api.py`` and cProfile: the server's CPU per request fell from about
2.2 to 1.3–1.5 ms together with the one-query token lookup).
This ASGI layer sits between :class:`fundsvc.web.security.SecurityMiddleware` (which has already
checked Host, size, sign-in, Origin and CSRF, and adds the security headers) and FastAPI. For a
well-formed request of a caller allowed to price it answers directly with the same validation
(:class:`~fundsvc.web.api_models.LoanIn`), the same policy check and the same pricing function as
the FastAPI route (:func:`fundsvc.web.api.price_loan_route`, which stays the documented operation).
Anything else — another path, not JSON, a body that fails validation, a caller who may not price,
a loan the kernel refuses — is handed on unchanged (the body replayed) to FastAPI, so errors come
from the one place that writes problem documents.
"""

from __future__ import annotations

import orjson
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from fundsvc.errors import InputError
from fundsvc.service.policy import Action, can
from fundsvc.web.context import PRINCIPAL_KEY

__all__ = ["HOT_PRICING_PATH", "HotPricing"]

HOT_PRICING_PATH = "/api/v1/pricing/loan"
_JSON = (b"application/json",)
_RESPONSE_HEADERS = [(b"content-type", b"application/json")]


class HotPricing:
    """ASGI wrapper answering valid single-loan pricing requests without the FastAPI stack."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != HOT_PRICING_PATH or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        who = scope.get(PRINCIPAL_KEY)
        if who is None or not can(who, Action.PRICE) or not _is_json(scope):
            return await self.app(scope, receive, send)
        chunks, messages = [], []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":  # disconnect: let the framework see it
                return await self.app(scope, _replay(messages, receive), send)
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        # in the thread pool like FastAPI's sync routes: the event loop keeps reading other requests
        out = await run_in_threadpool(_price, b"".join(chunks))
        if out is None:
            return await self.app(scope, _replay(messages, receive), send)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*_RESPONSE_HEADERS, (b"content-length", str(len(out)).encode())]})
        await send({"type": "http.response.body", "body": out})


def _price(body: bytes) -> bytes | None:
    """The JSON answer for a valid loan body, or ``None`` to let the FastAPI route answer."""
    from fundsvc.web.api import _price_one
    from fundsvc.web.api_models import LoanIn

    try:
        return orjson.dumps(_price_one(LoanIn.model_validate_json(body)))
    except (ValidationError, InputError, ValueError):
        return None


def _is_json(scope) -> bool:
    for k, v in scope["headers"]:
        if k.lower() == b"content-type":
            return v.split(b";", 1)[0].strip().lower() in _JSON
    return False


def _replay(messages: list[dict], receive):
    """A ``receive`` that gives back ``messages`` first, then reads on."""
    pending = list(messages)

    async def replayed():
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
