"""Claims kept for pool sizing, in compact form, spooled to disk one chunk at a time.

Pool sizing reruns the pool stage (:func:`fundsvc.credit.pools.ledger.run_pools`) on the run's own
claims for every trial balance (common random numbers). Holding every chunk's
:class:`~fundsvc.credit.engine.claims.ClaimSet` in memory made a run's memory grow with its
paths (about 11 kB a path for ``hangzhou_baseline``). Here each chunk's claims are

* reduced on the worker to what decides a pool's payouts and depletion
  (:func:`compact_claims`): the per-bank pool claims, NPL principal, outstanding pooled principal,
  pooled net loss and the programme cohorts' defaults; the parts that only feed other parties'
  losses (bank-direct, guarantor, insurer, exposure, recovery of book loans; a cohort default's
  slot, guarantor, insurer and bank shares) are dropped;
* written by the run's reducer to one ``.npz`` file per chunk in the run's spool directory
  (:class:`ClaimSpool`), and read back one chunk at a time by the sizing passes.

Exact, not approximate: the dense arrays are mostly zero and are stored as the flat positions and
values of their non-zero *bit patterns* (so even ``-0.0`` survives), integer indices in the
narrowest integer type that holds them, and every float as the same float64. A chunk read back
gives the pool stage the same bytes for every input that reaches a pool's balance, so sizing on the
spool equals sizing on the in-memory claims bit for bit (test:
``tests/credit_pools/test_pr_sizing_stream.py``). About 3.4 kB a path on disk (measured: 34 MB per 10,000-path chunk) for
``hangzhou_baseline`` (mostly programme-cohort defaults); memory holds one chunk.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fundsvc.credit.engine.claims import ClaimSet
from fundsvc.credit.engine.lending import CohortDefaults

_DENSE = ("claim", "npl_principal", "outstanding", "net_loss")
"""ClaimSet arrays the pool stage reads for pool balances, stored sparse (bit-exact)."""
_COHORT_INTS = ("path", "step", "bank")
_COHORT_FLOATS = ("weight", "exposure", "principal", "recovery", "want")
"""CohortDefaults fields the pool stage reads for the pools' own claims and ratios."""


def _narrow(a: np.ndarray) -> np.ndarray:
    """Integer array in the narrowest of int8/int16/int32/int64 holding its values (exact)."""
    a = np.asarray(a)
    if a.size == 0:
        return a.astype(np.int8)
    lo, hi = int(a.min()), int(a.max())
    for t in (np.int8, np.int16, np.int32):
        if np.iinfo(t).min <= lo and hi <= np.iinfo(t).max:
            return a.astype(t)
    return a.astype(np.int64)


@dataclass(frozen=True)
class SparseArray:
    """A float64 array as the flat positions and values of its non-zero bit patterns.

    Attributes
    ----------
    shape : tuple of int
    index : ndarray of int (n_nonzero,)
    values : ndarray of float64 (n_nonzero,)
    """

    shape: tuple
    index: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, a: np.ndarray) -> SparseArray:
        flat = np.ascontiguousarray(a, dtype=np.float64).reshape(-1)
        idx = np.flatnonzero(flat.view(np.int64))  # bit patterns: keeps -0.0 and NaN payloads
        return cls(tuple(int(s) for s in np.shape(a)), _narrow(idx), flat[idx])

    def dense(self) -> np.ndarray:
        out = np.zeros(int(np.prod(self.shape, dtype=np.int64)))
        out[self.index.astype(np.int64)] = self.values
        return out.reshape(self.shape)


@dataclass(frozen=True)
class SizingClaims:
    """The part of one chunk's :class:`ClaimSet` that decides the pools' payouts and depletion.

    Attributes
    ----------
    n_paths, n_steps : int
    dense : dict of str to SparseArray
        ``claim`` (n_paths, n_steps, n_pools, n_banks), ``npl_principal``, ``outstanding`` and
        ``net_loss`` (n_paths, n_steps, n_pools), CNY (``net_loss`` absent when the ClaimSet had none).
    outstanding0 : ndarray (n_pools,)
    cohorts : tuple (per pool) of tuple (per programme year) of dict of str to ndarray
        The CohortDefaults fields in :data:`_COHORT_INTS` and :data:`_COHORT_FLOATS`, (n_def,).
    """

    n_paths: int
    n_steps: int
    dense: dict
    outstanding0: np.ndarray
    cohorts: tuple

    def to_claim_set(self) -> ClaimSet:
        """A :class:`ClaimSet` the pool stage can run on (dropped parts are zeros)."""
        zeros2 = np.broadcast_to(np.zeros(()), (self.n_paths, self.n_steps))
        d = {k: v.dense() for k, v in self.dense.items()}
        nb = d["claim"].shape[3]
        cohorts = tuple(tuple(_cohort(c) for c in per_pool) for per_pool in self.cohorts)
        return ClaimSet(claim=d["claim"], bank_direct=np.broadcast_to(np.zeros(()), (self.n_paths, self.n_steps, nb)),
                        guarantor=zeros2, insurer=zeros2, exposure=zeros2, recovery=zeros2,
                        n_defaults=np.broadcast_to(np.zeros((), np.int32), zeros2.shape),
                        npl_principal=d["npl_principal"], outstanding=d["outstanding"],
                        outstanding0=self.outstanding0, cohorts=cohorts, records=None, net_loss=d.get("net_loss"))


def _cohort(c: dict) -> CohortDefaults:
    n = c["path"].shape[0]
    z = np.broadcast_to(np.zeros(()), (n,))
    ints = {k: c[k].astype(np.int64) for k in _COHORT_INTS}
    return CohortDefaults(slot=np.broadcast_to(np.zeros((), np.int64), (n,)), guarantor=z, insurer=z, bank_loss=z,
                          **ints, **{k: c[k] for k in _COHORT_FLOATS})


def compact_claims(cs: ClaimSet | SizingClaims) -> SizingClaims:
    """The sizing part of a chunk's claims (see the module docstring); small to ship and to spool."""
    if isinstance(cs, SizingClaims):
        return cs
    dense = {k: SparseArray.of(getattr(cs, k)) for k in _DENSE if getattr(cs, k) is not None}
    cohorts = tuple(
        tuple({**{k: _narrow(getattr(cd, k)) for k in _COHORT_INTS},
               **{k: np.ascontiguousarray(getattr(cd, k), np.float64) for k in _COHORT_FLOATS}} for cd in per_pool)
        for per_pool in cs.cohorts)
    n_paths, n_steps = cs.exposure.shape
    return SizingClaims(n_paths, n_steps, dense, np.asarray(cs.outstanding0, np.float64).copy(), cohorts)


class ClaimSpool:
    """Compact claims of a run's chunks, one ``.npz`` file per chunk in ``directory``.

    Iterating yields each chunk's :class:`ClaimSet` in the order appended, reading one file at a
    time, so a pass over the run holds one chunk in memory. Re-iterable.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._files: list[Path] = []
        self.n_paths = 0

    def append(self, claims: ClaimSet | SizingClaims) -> None:
        """Write the next chunk's claims (compacting a full ClaimSet first)."""
        sc = compact_claims(claims)
        arrays: dict[str, np.ndarray] = {
            "meta": np.array([sc.n_paths, sc.n_steps], np.int64),
            "outstanding0": sc.outstanding0,
            "n_years": np.array([len(p) for p in sc.cohorts], np.int64),
        }
        for k, sp in sc.dense.items():
            arrays[f"d.{k}.shape"] = np.array(sp.shape, np.int64)
            arrays[f"d.{k}.index"] = sp.index
            arrays[f"d.{k}.values"] = sp.values
        for j, per_pool in enumerate(sc.cohorts):
            for y, c in enumerate(per_pool):
                for k, v in c.items():
                    arrays[f"c.{j}.{y}.{k}"] = v
        path = self.directory / f"claims-{len(self._files):06d}.npz"
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)
        self._files.append(path)
        self.n_paths += sc.n_paths

    def load(self, i: int) -> SizingClaims:
        """The compact claims of the ``i``-th chunk appended."""
        with np.load(self._files[i]) as z:
            a = {k: z[k] for k in z.files}
        n_paths, n_steps = (int(x) for x in a["meta"])
        dense = {k.split(".")[1]: SparseArray(tuple(int(s) for s in a[k]), a[k[:-5] + "index"], a[k[:-5] + "values"])
                 for k in a if k.startswith("d.") and k.endswith(".shape")}
        cohorts = tuple(tuple({k: a[f"c.{j}.{y}.{k}"] for k in (*_COHORT_INTS, *_COHORT_FLOATS)} for y in range(int(ny)))
                        for j, ny in enumerate(a["n_years"]))
        return SizingClaims(n_paths, n_steps, dense, a["outstanding0"], cohorts)

    def __len__(self) -> int:
        return len(self._files)

    def __iter__(self) -> Iterator[ClaimSet]:
        for i in range(len(self._files)):
            yield self.load(i).to_claim_set()

    def nbytes(self) -> int:
        """Bytes on disk."""
        return sum(p.stat().st_size for p in self._files if p.exists())

    def discard(self) -> None:
        """Delete the spool's files."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self._files = []
        self.n_paths = 0
