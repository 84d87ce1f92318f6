"""Seeds, chunks and random streams.

The public API takes ``seed: int | None``. The seed is normalised once
(:func:`normalise_seed`); paths are cut into chunks of a fixed size that does not depend on
the number of workers (:func:`chunk_plan`); every chunk and every model component draws from
its own stream, a ``SeedSequence`` child addressed by ``(chunk index, component, sub-key)``
(:func:`stream`). Results are therefore bit-identical whether chunks run serially, in
processes or on a cluster, and adding a sub-fund does not change the draws of the others.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

DEFAULT_CHUNK_SIZE = 10_000
"""Paths per chunk. Part of the result's identity: the same seed with another chunk size gives
other (equally valid) draws."""


class Component(IntEnum):
    """Which part of the model a random stream feeds."""

    FACTORS = 0
    VENTURE = 1
    CREDIT = 2
    LENDING = 3
    WHAT_IF = 4


def normalise_seed(seed: int | None) -> int:
    """Return ``seed`` checked to be a non-negative int below 2**63, or a fresh random one."""
    if seed is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
    seed = int(seed)
    if not 0 <= seed < 2**63:
        raise ValueError(f"seed must be in [0, 2**63), got {seed}")
    return seed


@dataclass(frozen=True, slots=True)
class Chunk:
    """Paths ``start`` (inclusive) to ``stop`` (exclusive), chunk number ``index``."""

    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start


def chunk_plan(n_paths: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> list[Chunk]:
    """Cut ``n_paths`` paths into consecutive chunks of ``chunk_size`` (the last may be shorter)."""
    if n_paths < 1:
        raise ValueError(f"n_paths must be >= 1, got {n_paths}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    return [
        Chunk(i, start, min(start + chunk_size, n_paths))
        for i, start in enumerate(range(0, n_paths, chunk_size))
    ]


def sub_key(name: str) -> int:
    """A stable 32-bit key for a named item (sub-fund id, pool id)."""
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, chunk_index: int, component: Component, *keys: int) -> np.random.Generator:
    """The random generator of one chunk and component (and optional sub-keys).

    Equal arguments always give the same stream, independent of which other streams exist.
    """
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(chunk_index, int(component), *keys))
    return np.random.Generator(np.random.PCG64(ss))
