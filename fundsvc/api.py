"""The Python API: ``fundsvc.simulate(...)``.

>>> import fundsvc
>>> result = fundsvc.simulate("scenarios/quick.toml", paths=2000, seed=7)  # doctest: +SKIP
>>> result.equity_summary()                                                # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from fundsvc.inputs.loader import LoadedScenario, load_scenario
from fundsvc.simulation import Executor, SimulationResult, compile_scenario, run_simulation
from fundsvc.simulation.precision import DEFAULT_MAX_PATHS
from fundsvc.simulation.runner import Progress
from fundsvc.simulation.spec import RunSpec
from models.scenario import Scenario


def _scenario(scenario: Scenario | LoadedScenario | str | Path) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, LoadedScenario):
        return scenario.scenario
    if isinstance(scenario, (str, Path)):
        from fundsvc.inputs.bundled import resolve_scenario

        return load_scenario(resolve_scenario(str(scenario))).scenario
    raise TypeError(f"scenario must be a Scenario, a LoadedScenario or a path, got {type(scenario).__name__}")


def simulate(
    scenario: Scenario | LoadedScenario | str | Path,
    *,
    paths: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    executor: Executor | str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    depletion_target: float | None = None,
    dask_address: str | None = None,
    precision: float | None = None,
    steps=None,
) -> SimulationResult:
    """Simulate a scenario's guidance fund, sub-funds, loans and pools jointly.

    Parameters
    ----------
    scenario : Scenario, LoadedScenario, or path / bundled name
    paths : int, optional
        Monte Carlo paths; default the scenario's ``simulation.paths``.
    seed : int, optional
        Default the scenario's ``simulation.seed`` (a fresh one if that is empty). The same
        scenario, seed and chunk size give bit-identical results on any executor.
    chunk_size : int, optional
        Paths per chunk (default :data:`~fundsvc.engine.sampling.DEFAULT_CHUNK_SIZE`).
    executor : Executor or str, optional
        ``"serial"``, ``"processes"`` or ``"dask"`` (defaults: :class:`~fundsvc.simulation.spec.RunSpec`).
    workers : int, optional
        Processes for the process executor.
    progress : callable(done_chunks, total_chunks), optional
    steps : callable(stage, fraction), optional
        Finer progress: the stage running next and the fraction of the run's work done, also
        within a chunk (:data:`fundsvc.simulation.runner.StepProgress`).
    depletion_target : float, optional
        Also size each pool for P(depletion within the horizon) <= target.
    dask_address : str, optional
        Scheduler address for ``executor="dask"`` (default ``FUNDSVC_DASK_ADDRESS``); giving it
        implies the Dask executor.
    precision : float, optional
        Target relative half-width (e.g. 0.01) of the headline figures' 95 % intervals: chunks
        are added until it is met (sequential stopping), with ``paths`` as the budget (default
        1,000,000 when ``paths`` is not given). ``result.n_paths`` are the paths used.

    Returns
    -------
    SimulationResult
        ``equity_paths`` (polars, one row per path and entity), ``equity_summary()``,
        ``equity_fans``, ``equity_pacing``, ``credit_paths``, ``credit_tables``.

    Raises
    ------
    InputError
        Paths, seed, chunk size or depletion target out of bounds (:mod:`fundsvc.simulation.limits`).
    """
    from fundsvc.simulation.limits import check_run_request

    s = _scenario(scenario)
    if paths is None:   # with a precision target, ``paths`` is the budget
        paths = DEFAULT_MAX_PATHS if precision is not None else s.simulation.paths
    check_run_request(paths=paths, seed=seed, chunk_size=chunk_size,
                      depletion_target=depletion_target)  # InputError before any work
    spec = RunSpec.resolve(s, paths=paths, seed=seed, chunk_size=chunk_size,
                           executor=Executor.DASK if dask_address else executor, workers=workers,
                           depletion_target=depletion_target, dask_address=dask_address, precision=precision)
    return run_simulation(compile_scenario(s), spec, progress=progress, steps=steps)
