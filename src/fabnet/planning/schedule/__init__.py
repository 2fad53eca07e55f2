"""Changeover-aware scheduling with CP-SAT: data → model (variables, constraints, objective) → `Solution`."""

from fabnet.planning.schedule.data import ScheduleData
from fabnet.planning.schedule.objective import Stability
from fabnet.planning.schedule.solver import CpSatSolver, Progress, SolveOptions, Solver, solve, solve_data

__all__ = ["CpSatSolver", "Progress", "ScheduleData", "SolveOptions", "Solver", "Stability", "solve", "solve_data"]
