"""Random numbers of the deal kernel, drawn in a fixed order.

The deal kernel is split into *draws* and a deterministic *kernel* so that a slow reference
implementation can be fed exactly the same numbers (see ``tests/engine_deals``):

1. :func:`draw_deal_randoms` draws the per-deal numbers up front, in this order:
   ``u_entry``, ``u_sector``, ``u_local`` (uniform, shape (n_paths, n_deals)), ``z_round``
   (standard normal, shape (n_paths, n_deals, 4): one step-up shock per possible round),
   ``z_exit`` (standard normal, (n_paths, n_deals)), ``u_tail`` (uniform, (n_paths, n_deals)).
2. The kernel (:func:`fundsvc.engine.venture.deals.run_deal_kernel`) then asks a uniform
   source (``rng.random``) for the event-time numbers step by step, in an order fixed by the
   state (documented there): per step, two uniforms per candidate slot and one per entering
   deal. A test can record that sequence and replay it into a reference implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fundsvc.engine.venture.deal_programme import N_STAGES, DealProgramme

N_ROUNDS = N_STAGES - 1
"""Most rounds a company can raise after the fund's entry (seed → later)."""


@dataclass(frozen=True)
class DealDraws:
    """Per-deal random numbers, shapes (n_paths, n_deals) unless said.

    Attributes
    ----------
    u_entry : ndarray
        Uniforms choosing the entry stage (cumulative entry mix).
    u_sector : ndarray
        Uniforms choosing the sector (cumulative sector weights).
    u_local : ndarray
        Uniforms: the company is local when ``u_local < local_share``.
    z_round : ndarray, shape (n_paths, n_deals, 4)
        Standard normal step-up shock of the k-th round raised after entry.
    z_exit : ndarray
        Standard normal shock of the log-normal exit multiple.
    u_tail : ndarray
        Uniform: the exit multiple comes from the Pareto tail when ``u_tail < tail_p``, and
        then equals ``tail_scale * (u_tail / tail_p) ** (-1 / alpha)``.
    """

    u_entry: np.ndarray
    u_sector: np.ndarray
    u_local: np.ndarray
    z_round: np.ndarray
    z_exit: np.ndarray
    u_tail: np.ndarray

    @property
    def n_paths(self) -> int:
        return self.u_entry.shape[0]


def draw_deal_randoms(prog: DealProgramme, n_paths: int, rng: np.random.Generator) -> DealDraws:
    """Draw the per-deal random numbers of ``n_paths`` paths (order in the module docstring)."""
    shape = (n_paths, prog.n_deals)
    u_entry = rng.random(shape)
    u_sector = rng.random(shape)
    u_local = rng.random(shape)
    z_round = rng.standard_normal((*shape, N_ROUNDS))
    z_exit = rng.standard_normal(shape)
    u_tail = rng.random(shape)
    return DealDraws(u_entry, u_sector, u_local, z_round, z_exit, u_tail)
