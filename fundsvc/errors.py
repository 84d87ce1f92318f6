"""Errors a user reads.

Every error raised for bad input is an :class:`InputError` carrying one or more
:class:`Problem` records. Each names the *source* (a file path, or ``<input>`` for objects
built in Python), the *location* inside it (a dotted field path such as
``sub_funds[2].fees.management_fee_rate``, or ``row 17, column 'pd'`` for tables) and a
plain-language message. The CLI prints them without a traceback and exits with status 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class FundsvcError(Exception):
    """Base class for errors that are shown to a user as a message, not a traceback."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input.

    Attributes
    ----------
    source : str
        File the problem is in (as the user named it), or ``"<input>"``.
    location : str
        Field path (``pools[0].shares.government``) or table cell (``row 12, column 'pd'``);
        empty when the problem concerns the whole source.
    message : str
        What is wrong, in words a user understands.
    """

    source: str
    location: str
    message: str

    def render(self) -> str:
        where = f"{self.source}: {self.location}" if self.location else self.source
        return f"{where}: {self.message}"


class InputError(FundsvcError):
    """Bad input: a scenario, a table, an actuals file or an argument.

    Parameters
    ----------
    problems : iterable of Problem
        At least one problem; all of them are reported together.
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one Problem")
        super().__init__(self.render())

    @classmethod
    def single(cls, source: str, location: str, message: str) -> InputError:
        return cls([Problem(source, location, message)])

    def render(self, limit: int = 50) -> str:
        lines = [p.render() for p in self.problems[:limit]]
        extra = len(self.problems) - limit
        if extra > 0:
            lines.append(f"... and {extra} more problem(s)")
        return "\n".join(lines)


class NotFoundError(FundsvcError):
    """A named object (scenario, run, pool, loan book) does not exist."""


class StoreError(FundsvcError):
    """The database or data directory could not be read or written."""
