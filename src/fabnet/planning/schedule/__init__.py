"""Changeover-aware scheduling with CP-SAT: data → model (variables, constraints, objective) → `Solution`."""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from fabnet.planning.schedule.data import ScheduleData

if TYPE_CHECKING:
    from fabnet.planning.schedule.objective import Stability
    from fabnet.planning.schedule.solver import CpSatSolver, Progress, SolveOptions, Solver, solve, solve_data

__all__ = ["CpSatSolver", "Progress", "ScheduleData", "SolveOptions", "Solver", "Stability", "solve", "solve_data"]

# OR-Tools (and the pandas it pulls in) costs about a second to import; dispatching rules and the node's API need
# only `ScheduleData`, so the solver's names load on first use.
_LAZY = {"Stability": "objective", **dict.fromkeys(
    ["CpSatSolver", "Progress", "SolveOptions", "Solver", "solve", "solve_data"], "solver")}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"fabnet.planning.schedule.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'fabnet.planning.schedule' has no attribute {name!r}")
