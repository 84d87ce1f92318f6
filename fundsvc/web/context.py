"""What the web layer shares per process: the store, accounts, run reader and run manager."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from fundsvc.auth.accounts import Accounts
from fundsvc.auth.roles import Principal
from fundsvc.service.reader import RunReader
from fundsvc.service.runs import RunManager

PRINCIPAL_KEY = "fundsvc.principal"
_bearer = HTTPBearer(auto_error=False, description="API token (`fundsvc tokens create`) or a signed-in session cookie")


@dataclass
class ServiceContext:
    store: object
    accounts: Accounts
    reader: RunReader
    runs: RunManager

    @classmethod
    def for_store(cls, store) -> ServiceContext:
        return cls(store, Accounts(store), RunReader(store), RunManager(store))


def context(request: Request) -> ServiceContext:
    return request.app.state.fundsvc


async def principal(request: Request,
                    _creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> Principal:
    """The caller authenticated by :class:`fundsvc.web.security.SecurityMiddleware` (401 if none).

    The ``HTTPBearer`` dependency only documents the scheme in OpenAPI; the middleware has already
    checked the token or the session cookie.
    """
    p = request.scope.get(PRINCIPAL_KEY)
    if p is None:
        raise HTTPException(401, "Not signed in", headers={"WWW-Authenticate": "Bearer"})
    return p
