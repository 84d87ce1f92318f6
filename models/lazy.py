"""Public names of a package imported on first use (PEP 562), one mechanism for every package.

Usage in a package's ``__init__``::

    _WHERE = {"Scenario": "models.scenario", ...}   # public name -> submodule defining it
    __getattr__, __dir__ = lazy_exports(__name__, _WHERE)

A name is imported from its submodule the first time it is asked for and then kept in the
package's namespace; an unknown name raises :class:`AttributeError` (so ``from pkg import sub``
still finds a submodule). Kept in ``models`` (no dependency on ``fundsvc``) so both packages use it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, where: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose public names live in the submodules ``where`` names."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
