"""Turn pydantic validation errors into :class:`fundsvc.errors.Problem` records a user can act on."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from fundsvc.errors import Problem
from models.scenario import CrossReferenceError

Locator = Callable[[tuple[Any, ...]], tuple[str, str]]
"""Maps a pydantic location to ``(source, location text)``."""

_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field (check the spelling)",
}


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(error: dict[str, Any]) -> str:
    """A plain-language message for one pydantic error dict, with the offending value."""
    kind = error.get("type", "")
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    msg = str(error.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    if kind.startswith("value_error") or kind == "assertion_error":
        return msg
    if "input" in error and not isinstance(error["input"], (dict, list)):
        msg = f"{msg} (got {_short(error['input'])})"
    return msg


def dotted(loc: Iterable[Any]) -> str:
    """``("sub_funds", 2, "fees", "x")`` → ``"sub_funds[2].fees.x"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def problems_from_validation(exc: ValidationError, locate: Locator) -> list[Problem]:
    """Expand a :class:`ValidationError` (including nested cross-reference errors) into problems."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, CrossReferenceError):
            for sub_loc, message in cause.problems:
                source, where = locate(loc + tuple(sub_loc))
                out.append(Problem(source, where, message))
            continue
        source, where = locate(loc)
        out.append(Problem(source, where, describe(err)))
    return out
