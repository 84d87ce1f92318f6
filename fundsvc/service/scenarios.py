"""Scenarios a client may choose: a bundled one by NAME, or uploaded content — never a server path.

A name is matched against the list of bundled scenarios (``quick``, ``hangzhou_baseline`` …); any
other string is refused with the same message whether or not a file of that name exists anywhere,
so the refusal tells nothing about the server's files. Uploaded content must be self-contained
(:func:`fundsvc.inputs.loader.load_scenario_bytes`).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from fundsvc.errors import InputError, NotFoundError
from fundsvc.inputs.loader import LoadedScenario, load_scenario, load_scenario_bytes

__all__ = ["bundled_names", "load_bundled", "load_stored", "load_uploaded"]

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
UPLOAD_PREFIX = "<upload>"


def bundled_names() -> list[str]:
    """Names of the bundled scenarios (file stems), sorted."""
    from fundsvc.inputs.bundled import bundled_scenarios

    return [p.stem for p in bundled_scenarios()]


def load_bundled(name: str, *, field: str = "scenario") -> LoadedScenario:
    """The bundled scenario ``name`` (no path, no extension), validated.

    Raises
    ------
    InputError
        ``name`` is not the name of a bundled scenario (the message never echoes a path's content
        or says whether such a file exists).
    """
    from fundsvc.inputs.bundled import bundled_scenarios

    text = str(name) if name is not None else ""
    by_name = {p.stem: p for p in bundled_scenarios()}
    if not _NAME.match(text) or text not in by_name:
        shown = text if _NAME.match(text) else "(not a name)"
        raise InputError.single("<input>", field, f"'{shown}' is not a bundled scenario; choose one of "
                                f"{', '.join(sorted(by_name))} or upload the scenario's content")
    return load_scenario(by_name[text])


def load_uploaded(raw: bytes, filename: str | None) -> LoadedScenario:
    """A validated, self-contained uploaded scenario (nothing written)."""
    safe = Path((filename or "scenario.toml").replace("\\", "/")).name[:120] or "scenario.toml"
    scenario = load_scenario_bytes(raw, name=safe)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:  # load_scenario_bytes already refused it; keep the type checker honest
        raise InputError.single(safe, "", "not UTF-8 text") from None
    return LoadedScenario(scenario=scenario, path=Path(UPLOAD_PREFIX) / safe, text=text,
                          content_sha256=hashlib.sha256(raw).hexdigest(), files=(), loan_book_path=None)


def load_stored(store, scenario_id: int) -> LoadedScenario:
    """A scenario uploaded earlier and kept in the store (by its id)."""
    try:
        rec = store.scenarios.get(int(scenario_id))
    except (NotFoundError, ValueError, TypeError):
        raise NotFoundError(f"no uploaded scenario {scenario_id}") from None
    if not (rec.source_path or "").startswith(UPLOAD_PREFIX):
        raise NotFoundError(f"no uploaded scenario {scenario_id}")
    return load_uploaded(rec.content.encode("utf-8"), rec.source_path)
