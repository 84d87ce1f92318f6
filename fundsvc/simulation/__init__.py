"""Orchestration: compile a scenario, simulate chunks of paths on an executor, merge, store."""

from fundsvc.simulation.compiled import CompiledScenario, compile_scenario
from fundsvc.simulation.result import SimulationResult
from fundsvc.simulation.runner import DEFAULT_FAN_PATHS, Executor, run_simulation

__all__ = ["DEFAULT_FAN_PATHS", "CompiledScenario", "Executor", "SimulationResult", "compile_scenario", "run_simulation"]
