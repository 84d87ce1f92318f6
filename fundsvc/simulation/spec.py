"""What to run: :class:`RunSpec`, the one place where paths, seed, chunk size and executor are
defaulted (the API, the service, the CLI and the dashboards' bootstrap all resolve through it).

Defaults: ``paths`` — the scenario's ``simulation.paths``; ``seed`` — the scenario's
``simulation.seed``, else a fresh random seed (normalised, recorded with the run);
``chunk_size`` — :data:`~fundsvc.engine.sampling.DEFAULT_CHUNK_SIZE`; ``executor`` — Dask when a
scheduler address is given (argument or ``FUNDSVC_DASK_ADDRESS`` where the caller reads settings),
local processes when ``workers > 1``, else serial; ``fan_paths`` — :data:`DEFAULT_FAN_PATHS`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

from fundsvc.engine.sampling import DEFAULT_CHUNK_SIZE, normalise_seed

DEFAULT_FAN_PATHS = 20_000
"""Fan charts (quantiles per step) use the run's first paths, up to this many."""


class Executor(StrEnum):
    SERIAL = "serial"
    PROCESSES = "processes"
    DASK = "dask"


@dataclass(frozen=True)
class RunSpec:
    """A fully resolved run request (no ``None`` left where a default exists).

    Attributes
    ----------
    paths : int
        Monte Carlo paths (>= 1).
    seed : int
        Normalised seed; with ``chunk_size`` the result's identity.
    chunk_size : int
        Paths per chunk (>= 1).
    executor : Executor
    workers : int or None
        Processes for ``Executor.PROCESSES`` (None: one per core, at most one per chunk).
    fan_paths : int
        How many of the first paths feed the fan charts.
    depletion_target : float or None
        Also size each pool for P(depletion within the horizon) <= target, in (0, 1).
    dask_address : str or None
        Scheduler address for ``Executor.DASK`` (None: ``FUNDSVC_DASK_ADDRESS``).
    keep_paths_in_memory : bool or None
        Read the path-level tables into the result (None: when ``paths`` is small enough).
    precision : float or None
        Target relative half-width of the headline figures' 95 % intervals, in (0, 1): chunks
        are added until it is met and ``paths`` is the budget (default
        :data:`fundsvc.simulation.precision.DEFAULT_MAX_PATHS` when not given; sequential
        stopping, :mod:`fundsvc.simulation.precision`).
    """

    paths: int
    seed: int
    chunk_size: int = DEFAULT_CHUNK_SIZE
    executor: Executor = Executor.SERIAL
    workers: int | None = None
    fan_paths: int = DEFAULT_FAN_PATHS
    depletion_target: float | None = None
    dask_address: str | None = None
    keep_paths_in_memory: bool | None = None
    precision: float | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.paths < 1:
            problems.append(f"paths must be at least 1, got {self.paths}")
        if self.chunk_size < 1:
            problems.append(f"chunk_size must be at least 1, got {self.chunk_size}")
        if self.workers is not None and self.workers < 1:
            problems.append(f"workers must be at least 1, got {self.workers}")
        if self.depletion_target is not None and not 0 < self.depletion_target < 1:
            problems.append(f"depletion_target must lie strictly between 0 and 1, got {self.depletion_target}")
        if self.precision is not None and not 0 < self.precision < 1:
            problems.append(f"precision must lie strictly between 0 and 1, got {self.precision}")
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def resolve(cls, scenario=None, *, paths: int | None = None, seed: int | None = None,
                chunk_size: int | None = None, executor: Executor | str | None = None,
                workers: int | None = None, fan_paths: int | None = None,
                depletion_target: float | None = None, dask_address: str | None = None,
                keep_paths_in_memory: bool | None = None, precision: float | None = None) -> RunSpec:
        """Fill every unset field with its default (module docstring); ``scenario`` supplies
        ``paths`` and ``seed`` (required unless ``paths`` is given)."""
        sim = scenario.simulation if scenario is not None else None
        if paths is None and precision is not None:  # with a precision target, ``paths`` is the budget
            from fundsvc.simulation.precision import DEFAULT_MAX_PATHS

            paths = DEFAULT_MAX_PATHS
        if paths is None:
            if sim is None:
                raise ValueError("paths must be given when there is no scenario to default it from")
            paths = sim.paths
        if seed is None and sim is not None:
            seed = sim.seed
        if executor is None:
            executor = (Executor.DASK if dask_address else
                        Executor.PROCESSES if workers is not None and workers > 1 else Executor.SERIAL)
        return cls(paths=int(paths), seed=normalise_seed(seed),
                   chunk_size=DEFAULT_CHUNK_SIZE if chunk_size is None else int(chunk_size),
                   executor=Executor(executor), workers=workers,
                   fan_paths=DEFAULT_FAN_PATHS if fan_paths is None else int(fan_paths),
                   depletion_target=depletion_target, dask_address=dask_address,
                   keep_paths_in_memory=keep_paths_in_memory, precision=precision)

    def to_dict(self) -> dict:
        """JSON-ready form (stored with the run's parameters)."""
        d = asdict(self)
        d["executor"] = self.executor.value
        return d
