"""The bundled stress library: ``scenarios/stresses/*.toml``, one :class:`models.stress.StressDefinition` each."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from fundsvc.errors import InputError, Problem
from fundsvc.inputs.bundled import bundled_dir
from models.stress import StressDefinition


def stresses_dir() -> Path:
    """``stresses/`` inside the bundled scenarios folder."""
    return bundled_dir() / "stresses"


def load_stress_file(path: Path) -> StressDefinition:
    """Read and validate one stress file.

    Raises
    ------
    InputError
        Naming the file and field when it cannot be read or is invalid.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError([Problem(str(path.name), "", f"cannot read the stress file: {exc}")]) from None
    try:
        return StressDefinition.model_validate(data)
    except ValidationError as exc:
        raise InputError([Problem(str(path.name), ".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()]) from None


def bundled_stresses() -> dict[str, StressDefinition]:
    """Every bundled stress by name, in file-name order."""
    d = stresses_dir()
    out: dict[str, StressDefinition] = {}
    for p in sorted(d.glob("*.toml")) if d.is_dir() else []:
        s = load_stress_file(p)
        out[s.name] = s
    return out


def get_stresses(names: list[str]) -> dict[str, StressDefinition]:
    """The named bundled stresses; an unknown name is an :class:`InputError` listing the known ones."""
    lib = bundled_stresses()
    unknown = [n for n in names if n not in lib]
    if unknown:
        raise InputError([Problem("command line", "--stress", f"unknown stress '{n}' (known: {', '.join(lib)})")
                          for n in unknown])
    return {n: lib[n] for n in names}


__all__ = ["bundled_stresses", "get_stresses", "load_stress_file", "stresses_dir"]
