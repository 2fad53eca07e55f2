"""Readers for published scheduling benchmark formats (FJSPLIB, JSP, SDST-PFSP, TT-PFSP) into a `Problem`."""

from __future__ import annotations

from collections.abc import Iterator

from fabnet.planning.problem import Job, Mode, Objective, Problem, ProblemMachine, ProblemOperation, Setup

MAKESPAN = Objective(weighted_tardiness=0, total_setup=0, makespan=1)
TOTAL_TARDINESS = Objective(weighted_tardiness=1, total_setup=0, makespan=0)


class InstanceFormatError(ValueError):
    """The instance text does not follow the format it was read as."""


def _numbers(text: str, name: str) -> Iterator[int]:
    try:
        values = [int(token) for token in text.split()]
    except ValueError as error:
        raise InstanceFormatError(f"{name}: not a list of integers ({error})") from error
    return iter(values)


def _take(numbers: Iterator[int], name: str) -> int:
    try:
        return next(numbers)
    except StopIteration:
        raise InstanceFormatError(f"{name}: the file ends early") from None


def _machines(count: int) -> tuple[ProblemMachine, ...]:
    return tuple(ProblemMachine(id=f"m{index + 1}") for index in range(count))


def read_fjsp(text: str, name: str = "fjsp") -> Problem:
    """FJSPLIB (Brandimarte): `jobs machines avg`, then per job `ops` and per op `k (machine duration)*k`, 1-based."""
    header, _, body = text.strip().partition("\n")
    head = _numbers(" ".join(header.split()[:2]), name)  # the third field (average machines per op) may be a decimal
    job_count, machine_count = _take(head, name), _take(head, name)
    numbers = _numbers(body, name)
    jobs = []
    for j in range(job_count):
        operations = []
        for o in range(_take(numbers, name)):
            modes = []
            for _ in range(_take(numbers, name)):
                machine, duration = _take(numbers, name), _take(numbers, name)
                if not 1 <= machine <= machine_count:
                    raise InstanceFormatError(f"{name}: job {j + 1} operation {o + 1}: machine {machine} out of range")
                modes.append(Mode(machine=f"m{machine}", duration=duration))
            operations.append(ProblemOperation(id=f"j{j + 1}/o{o + 1}", modes=tuple(modes)))
        jobs.append(Job(id=f"j{j + 1}", operations=tuple(operations)))
    return Problem(machines=_machines(machine_count), jobs=tuple(jobs), objective=MAKESPAN)


def read_jsp(text: str, name: str = "jsp") -> Problem:
    """Job shop: `jobs machines`, then per job `machine(0-based) duration` pairs in route order."""
    numbers = _numbers(text, name)
    job_count, machine_count = _take(numbers, name), _take(numbers, name)
    jobs = []
    for j in range(job_count):
        operations = []
        for o in range(machine_count):
            machine, duration = _take(numbers, name), _take(numbers, name)
            if not 0 <= machine < machine_count:
                raise InstanceFormatError(f"{name}: job {j + 1} operation {o + 1}: machine {machine} out of range")
            mode = Mode(machine=f"m{machine + 1}", duration=duration)
            operations.append(ProblemOperation(id=f"j{j + 1}/o{o + 1}", modes=(mode,)))
        jobs.append(Job(id=f"j{j + 1}", operations=tuple(operations)))
    return Problem(machines=_machines(machine_count), jobs=tuple(jobs), objective=MAKESPAN)


def _flow_shop_jobs(numbers: Iterator[int], jobs: int, machines: int, name: str, due: list[int] | None) -> list[Job]:
    result = []
    for j in range(jobs):
        operations = tuple(
            ProblemOperation(
                id=f"j{j + 1}/m{k + 1}",
                family=f"j{j + 1}",
                modes=(Mode(machine=f"m{k + 1}", duration=_take(numbers, name)),),
            )
            for k in range(machines)
        )
        result.append(Job(id=f"j{j + 1}", due=due[j] if due else None, operations=operations))
    return result


def read_sdst_pfsp(text: str, name: str = "sdst-pfsp") -> Problem:
    """SDST permutation flow shop (makespan): `n`, `m`, n×m times, then m blocks of n×n setups `s_k[i][j]`.

    Each job is its own setup family, so the job-to-job setup matrices become family setups per machine.
    """
    numbers = _numbers(text, name)
    job_count, machine_count = _take(numbers, name), _take(numbers, name)
    jobs = _flow_shop_jobs(numbers, job_count, machine_count, name, None)
    setups = []
    for k in range(machine_count):
        for i in range(job_count):
            for j in range(job_count):
                duration = _take(numbers, name)
                if i != j and duration:
                    setups.append(
                        Setup(machine=f"m{k + 1}", from_family=f"j{i + 1}", to_family=f"j{j + 1}", duration=duration)
                    )
    return Problem(
        machines=_machines(machine_count), jobs=tuple(jobs), setups=tuple(setups), objective=MAKESPAN, permutation=True
    )


def read_tt_pfsp(text: str, name: str = "tt-pfsp") -> Problem:
    """Permutation flow shop, total tardiness: `n`, `m`, n due dates, then n×m processing times."""
    numbers = _numbers(text, name)
    job_count, machine_count = _take(numbers, name), _take(numbers, name)
    due = [_take(numbers, name) for _ in range(job_count)]
    jobs = _flow_shop_jobs(numbers, job_count, machine_count, name, due)
    return Problem(machines=_machines(machine_count), jobs=tuple(jobs), objective=TOTAL_TARDINESS, permutation=True)


READERS = {"fjsp": read_fjsp, "jsp": read_jsp, "sdst-pfsp": read_sdst_pfsp, "tt-pfsp": read_tt_pfsp}
