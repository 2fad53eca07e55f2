"""The CP-SAT solver as fabnet runs it: with Python, not OR-Tools, handling Ctrl-C."""

from ortools.sat.python import cp_model


def cp_solver() -> cp_model.CpSolver:
    """A new CP-SAT solver whose search leaves the process's SIGINT handler as it found it.

    OR-Tools' own Ctrl-C handler (on by default) puts back the operating system's default when a solve ends, not
    Python's: from then on a Ctrl-C, or a SIGINT to a node, ends the process at once — no `finally`, so the demo
    left its hub and node processes running. Solves here are bounded by their time limits, so Python's
    KeyboardInterrupt after the solve returns is soon enough.
    """
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False
    return solver
