"""Bounds of a run request, checked before anything is stored or simulated.

One place for the limits every entry point applies (CLI, run queue, dashboards, API): paths in
``1 .. MAX_PATHS`` (the same cap as a scenario file's ``simulation.paths``), seeds in
``[0, 2**63)``, chunk sizes in ``1 .. MAX_CHUNK_SIZE``, a depletion target strictly inside (0, 1).
"""

from __future__ import annotations

import math
import operator

from fundsvc.errors import InputError, Problem
from models.scenario import MAX_PATHS, MAX_SEED

MAX_CHUNK_SIZE = 1_000_000
"""Paths per chunk; a chunk's arrays are held in memory at once."""


def _integer(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def run_request_problems(*, paths, seed=None, chunk_size=None, depletion_target=None,
                         source: str = "<input>", names: dict[str, str] | None = None) -> list[Problem]:
    """Every problem with a run request (empty if it is fine).

    ``names`` maps ``paths``/``seed``/``chunk_size``/``depletion_target`` to how the caller
    calls them (``--paths`` on the command line).
    """
    names = {"paths": "paths", "seed": "seed", "chunk_size": "chunk_size",
             "depletion_target": "depletion_target"} | (names or {})
    problems = []
    n = _integer(paths)
    if n is None or not 1 <= n <= MAX_PATHS:
        problems.append(Problem(source, names["paths"], f"must be a whole number from 1 to {MAX_PATHS:,}, got {paths!r}"))
    if seed is not None:
        s = _integer(seed)
        if s is None or not 0 <= s < MAX_SEED:
            problems.append(Problem(source, names["seed"], f"must be a whole number in [0, 2**63), got {seed!r}"))
    if chunk_size is not None:
        c = _integer(chunk_size)
        if c is None or not 1 <= c <= MAX_CHUNK_SIZE:
            problems.append(Problem(source, names["chunk_size"],
                                    f"must be a whole number from 1 to {MAX_CHUNK_SIZE:,}, got {chunk_size!r}"))
    if depletion_target is not None:
        ok = isinstance(depletion_target, (int, float)) and not isinstance(depletion_target, bool) \
            and math.isfinite(depletion_target) and 0 < depletion_target < 1
        if not ok:
            problems.append(Problem(source, names["depletion_target"],
                                    f"must lie strictly between 0 and 1, got {depletion_target!r}"))
    return problems


def check_run_request(scenario=None, **request) -> None:
    """Raise :class:`InputError` listing every problem of a run request (see
    :func:`run_request_problems`); ``scenario`` is accepted for symmetry and not inspected
    (a validated :class:`models.Scenario` already holds its own bounds)."""
    del scenario
    problems = run_request_problems(**request)
    if problems:
        raise InputError(problems)
