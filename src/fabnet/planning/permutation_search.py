"""Iterated greedy search over job sequences for permutation flow shops (Ruiz & Stützle 2007/2008).

Remove a few jobs, re-insert each at its best position, improve by insertion local search, accept by a
simulated-annealing-like rule. Makespan-only objectives use Taillard's acceleration (all insertion positions
in one pass, setups included); other objectives evaluate each candidate sequence in full.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

import numpy as np

from fabnet.planning.schedule.data import ScheduleData


@dataclass(frozen=True)
class FlowShop:
    """Arrays of a flow-shop shaped problem: processing, setups, initial setups, releases, dues, weights."""

    p: list[list[int]]  # job -> machine -> minutes
    setup: list[list[list[int]]]  # machine -> from job -> to job
    initial: list[list[int]]  # machine -> job
    release: list[int]
    due: list[int | None]
    weight: list[int]
    w_makespan: int
    w_tardiness: int
    w_setup: int

    @classmethod
    def from_data(cls, data: ScheduleData) -> FlowShop:
        n, machines = len(data.jobs), range(len(data.machines))
        ops = [[data.job_operation_on(j, k) for k in machines] for j in range(n)]
        fam = [[data.operations[ops[j][k]].family for k in machines] for j in range(n)]
        w = data.problem.objective
        return cls(
            p=[[data.operations[ops[j][k]].modes[0].duration for k in machines] for j in range(n)],
            setup=[[[data.setup(k, fam[a][k], fam[b][k]) for b in range(n)] for a in range(n)] for k in machines],
            initial=[[data.initial_setup(k, fam[b][k]) for b in range(n)] for k in machines],
            release=[max(data.operations[i].release for i in data.jobs[j].operations) for j in range(n)],
            due=[job.due for job in data.jobs],
            weight=[job.weight for job in data.jobs],
            w_makespan=w.makespan,
            w_tardiness=w.weighted_tardiness,
            w_setup=w.total_setup,
        )

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Processing (n, m); setups (m, n + 1, n) with row n = from the initial family; release; due; weight."""
        cached = self.__dict__.get("_arrays")
        if cached is None:
            n = len(self.p)
            setups = np.array([[*rows, initial] for rows, initial in zip(self.setup, self.initial, strict=True)],
                              dtype=np.int64).reshape(len(self.setup), n + 1, n)
            due = np.array([d if d is not None else np.iinfo(np.int64).max // 4 for d in self.due], dtype=np.int64)
            cached = (np.array(self.p, dtype=np.int64), setups, np.array(self.release, dtype=np.int64), due,
                      np.array(self.weight, dtype=np.int64))
            object.__setattr__(self, "_arrays", cached)
        return cached

    @property
    def makespan_only(self) -> bool:
        return not self.w_tardiness and not self.w_setup and self.w_makespan > 0

    def cost(self, sequence: list[int]) -> int:
        m = len(self.setup)
        finish = [0] * m
        previous = -1
        tardiness = total_setup = 0
        for j in sequence:
            ready = self.release[j]
            pj = self.p[j]
            for k in range(m):
                s = self.initial[k][j] if previous < 0 else self.setup[k][previous][j]
                total_setup += s
                f = finish[k] + s
                ready = (ready if ready > f else f) + pj[k]
                finish[k] = ready
            due = self.due[j]
            if due is not None and ready > due:
                tardiness += self.weight[j] * (ready - due)
            previous = j
        return self.w_makespan * finish[-1] + self.w_tardiness * tardiness + self.w_setup * total_setup

    def best_insertion(self, sequence: list[int], job: int) -> tuple[int, int]:
        """(cost, position) of the best place for `job` in `sequence`."""
        if self.makespan_only:
            return self._best_insertion_makespan(sequence, job)
        return self._best_insertion_vectorised(sequence, job)

    def _best_insertion_vectorised(self, sequence: list[int], job: int) -> tuple[int, int]:
        """Every insertion position at once: numpy vectors over positions, one step per slot and machine."""
        p, setups, release, due, weight = self.arrays
        n_all = len(self.p)
        m, n = setups.shape[0], len(sequence)
        seq = np.array(sequence, dtype=np.int64)
        # prefix completion rows and prefix costs (tardiness and setups of the first `i` jobs)
        heads = np.zeros((n + 1, m), dtype=np.int64)  # heads[i] = row after i jobs
        prefix_cost = np.zeros(n + 1, dtype=np.int64)
        previous = n_all
        for i, j in enumerate(sequence):
            ready = release[j]
            row = heads[i]
            extra = 0
            for k in range(m):
                s = setups[k, previous, j]
                extra += s
                ready = max(ready, row[k] + s) + p[j, k]
                heads[i + 1, k] = ready
            late = max(0, ready - due[j]) * weight[j]
            prefix_cost[i + 1] = prefix_cost[i] + self.w_tardiness * late + self.w_setup * extra
            previous = j
        positions = np.arange(n + 1)
        state = heads[positions].copy()  # the row before the inserted job, per position
        prev = np.where(positions > 0, np.concatenate(([n_all], seq))[positions], n_all)
        cost = prefix_cost.copy()
        # the inserted job
        ready = np.full(n + 1, release[job])
        for k in range(m):
            s = setups[k, prev, job]
            cost += self.w_setup * s
            ready = np.maximum(ready, state[:, k] + s) + p[job, k]
            state[:, k] = ready
        cost += self.w_tardiness * weight[job] * np.maximum(0, ready - due[job])
        # the suffix after it, slot by slot
        prev = np.full(n + 1, job)
        for t in range(n):
            active = positions[: n - t]  # positions whose suffix still has a job at offset t
            jobs = seq[active + t]
            sub = state[active]
            before = prev[active]
            ready = release[jobs]
            for k in range(m):
                s = setups[k, before, jobs]
                cost[active] += self.w_setup * s
                ready = np.maximum(ready, sub[:, k] + s) + p[jobs, k]
                sub[:, k] = ready
            state[active] = sub
            cost[active] += self.w_tardiness * weight[jobs] * np.maximum(0, ready - due[jobs])
            prev[active] = jobs
        cost += self.w_makespan * state[:, m - 1]
        best_at = int(np.argmin(cost))
        return int(cost[best_at]), best_at

    def _best_insertion_makespan(self, sequence: list[int], job: int) -> tuple[int, int]:
        m, n = len(self.setup), len(sequence)
        p, setup, initial, release = self.p, self.setup, self.initial, self.release
        heads = [[0] * m for _ in range(n)]
        for i, j in enumerate(sequence):
            ready = release[j]
            for k in range(m):
                before = initial[k][j] if i == 0 else heads[i - 1][k] + setup[k][sequence[i - 1]][j]
                ready = (ready if ready > before else before) + p[j][k]
                heads[i][k] = ready
        tails = [[0] * (m + 1) for _ in range(n + 1)]
        for i in range(n - 1, -1, -1):
            j = sequence[i]
            nxt = sequence[i + 1] if i + 1 < n else -1
            row, below = tails[i], tails[i + 1]
            for k in range(m - 1, -1, -1):
                down = row[k + 1]
                right = below[k] + setup[k][j][nxt] if nxt >= 0 else 0
                row[k] = (down if down > right else right) + p[j][k]
        # paths that start at a later job's release and never pass the inserted job
        release_tail = [0] * (n + 1)
        for i in range(n - 1, -1, -1):
            release_tail[i] = max(release_tail[i + 1], release[sequence[i]] + tails[i][0])
        best_cost, best_at = None, 0
        pj = p[job]
        for at in range(n + 1):
            ready = release[job]
            value = release_tail[at]
            for k in range(m):
                before = initial[k][job] if at == 0 else heads[at - 1][k] + setup[k][sequence[at - 1]][job]
                ready = (ready if ready > before else before) + pj[k]
                through = ready + (setup[k][job][sequence[at]] + tails[at][k] if at < n else 0)
                if through > value:
                    value = through
            if at == n:
                value = max(value, heads[n - 1][m - 1] if n else 0)
            if best_cost is None or value < best_cost:
                best_cost, best_at = value, at
        assert best_cost is not None
        return self.w_makespan * best_cost, best_at


def iterated_greedy(
    shop: FlowShop, start: list[int], seconds: float, seed: int = 0, destruction: int = 4
) -> list[int]:
    """The best sequence found within `seconds`, starting from `start`."""
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    n = len(start)
    if n < 2:
        return list(start)
    mean_p = sum(sum(row) for row in shop.p) / (n * len(shop.setup))
    temperature = 0.5 * mean_p / 10 * max(1, shop.w_makespan + shop.w_tardiness + shop.w_setup)
    current = _local_search(shop, list(start), deadline, rng)
    current_cost = shop.cost(current)
    best, best_cost = list(current), current_cost
    while time.monotonic() < deadline:
        partial = list(current)
        removed = [partial.pop(rng.randrange(len(partial))) for _ in range(min(destruction, n - 1))]
        for job in removed:
            _, at = shop.best_insertion(partial, job)
            partial.insert(at, job)
        partial = _local_search(shop, partial, deadline, rng)
        cost = shop.cost(partial)
        if cost < current_cost or rng.random() < math.exp(-(cost - current_cost) / temperature):
            current, current_cost = partial, cost
            if cost < best_cost:
                best, best_cost = list(partial), cost
    return best


def _local_search(shop: FlowShop, sequence: list[int], deadline: float, rng: random.Random) -> list[int]:
    """Insertion neighbourhood, first improvement, until no job can be moved for the better."""
    cost = shop.cost(sequence)
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for job in rng.sample(sequence, len(sequence)):
            if time.monotonic() >= deadline:
                break
            at = sequence.index(job)
            rest = sequence[:at] + sequence[at + 1:]
            value, where = shop.best_insertion(rest, job)
            if value < cost:
                sequence = [*rest[:where], job, *rest[where:]]
                cost = value
                improved = True
    return sequence
