"""A CP-SAT solve leaves Ctrl-C to Python: OR-Tools' own handler, on leaving, put back the OS default, so a later
Ctrl-C killed the process outright (the demo then left its hub and node processes running)."""

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fabnet.planning.cp_sat import cp_solver
from fabnet.planning.schedule import SolveOptions, solve
from fabnet.planning.synthetic import ShopShape, random_problem


def _python_catches_sigint() -> bool:
    """Whether the OS delivers SIGINT to a handler (Python's), rather than applying its default: /proc's SigCgt."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    raise AssertionError("no SigCgt line")


pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read handlers")


def test_a_schedule_solve_leaves_the_sigint_handler_to_python() -> None:
    assert _python_catches_sigint()
    problem = random_problem(1, ShopShape(jobs=4, machines=2, operations_per_job=2))
    solution = solve(problem, SolveOptions(time_limit=1.0, workers=1, seed=1))
    assert solution.operations
    assert _python_catches_sigint()


def test_every_solver_fabnet_makes_keeps_the_handler_off() -> None:
    assert cp_solver().parameters.catch_sigint_signal is False


def test_ctrl_c_after_a_solve_runs_the_programs_clean_up() -> None:
    script = textwrap.dedent("""
        import os, signal, sys
        from ortools.sat.python import cp_model
        from fabnet.planning.cp_sat import cp_solver
        model = cp_model.CpModel()
        model.new_int_var(0, 3, "x")
        cp_solver().solve(model)
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(10**7):  # the handler runs at the next bytecode boundary
                pass
        except KeyboardInterrupt:
            print("cleaned up")
            sys.exit(3)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 3, (result.returncode, result.stderr[-500:])
    assert "cleaned up" in result.stdout
