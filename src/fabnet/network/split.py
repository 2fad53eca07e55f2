"""Choosing and splitting one work package over the members that quoted for it (CP-SAT).

Input: the package quantity Q, the offered quotes and the weights. Decision per quote m: q_m units (0 = not
used). Constraints: Σ q_m = min(Q, Σ max_quantity_m); used_m ⇔ q_m ≥ 1; q_m ≤ max_quantity_m; at most
`max_members` members. Objective, in euro cents (integers, the same rounding as `split_objective`):

    Σ_m  cost_weight × (fixed_m × used_m + unit_m × q_m)
       + lateness_eur_per_hour / 60 × max(0, ready_m + minutes_per_unit_m × q_m − due) × used_m
       + co2_eur_per_kg × co2_per_unit_m × q_m

Lateness is per sub-order: each member delivers its share when it completes it.
"""

import math
from collections.abc import Sequence

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from fabnet.network.quotes import MemberQuote, QuoteStatus
from fabnet.planning.cp_sat import cp_solver


class AllocationWeights(BaseModel):
    """How cost, lateness and transport CO2 trade off (all expressed in euros)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cost: float = Field(default=1.0, ge=0, description="weight of the quoted price (1 = face value)")
    lateness_eur_per_hour: float = Field(default=25.0, ge=0)
    co2_eur_per_kg: float = Field(default=0.2, ge=0, description="shadow price of CO2; 0.2 = €200 per tonne")
    max_members: int | None = Field(default=None, ge=1, description="split over at most this many members")


class SplitLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    member_id: str
    quantity: int
    price_eur: float
    completion_minute: int
    lateness_minutes: int
    co2_kg: float
    operation_keys: tuple[str, ...] = Field(default=(), description="set when a package went out per operation")


class SplitResult(BaseModel):
    status: str = Field(description="OPTIMAL, FEASIBLE, or NONE when no member offered")
    lines: tuple[SplitLine, ...] = ()
    quantity_allocated: int = 0
    quantity_waiting: int = 0
    objective_cents: int | None = None


def _cents(value: float) -> int:
    return round(value * 100)


def _terms(quote: MemberQuote, weights: AllocationWeights) -> tuple[int, int, int]:
    """Integer coefficients: cents per sub-order, cents per unit (price and CO2), cents per late minute."""
    fixed = _cents(weights.cost * quote.fixed_eur)
    unit = _cents(weights.cost * quote.unit_eur + weights.co2_eur_per_kg * quote.co2_kg_per_unit)
    return fixed, unit, _cents(weights.lateness_eur_per_hour / 60)


def lateness_minutes(quote: MemberQuote, quantity: int, due: int) -> int:
    """Whole minutes late of a sub-order of `quantity` units (0 when not used)."""
    return max(0, quote.completion_minute(quantity) - due) if quantity > 0 else 0


def split_objective(quotes: Sequence[MemberQuote], split: Sequence[int], weights: AllocationWeights, due: int) -> int:
    """The objective (euro cents) of giving split[m] units to quotes[m]."""
    total = 0
    for quote, q in zip(quotes, split, strict=True):
        if q <= 0:
            continue
        fixed, unit, late_cents = _terms(quote, weights)
        total += fixed + unit * q + late_cents * lateness_minutes(quote, q, due)
    return total


def choose_split(quotes: Sequence[MemberQuote], quantity: int, due: int,
                 weights: AllocationWeights = AllocationWeights(), *, time_limit_s: float = 5.0) -> SplitResult:
    """The cheapest split of `quantity` units over the offered quotes (others are ignored)."""
    offered = [q for q in quotes if q.status is QuoteStatus.OFFERED and q.max_quantity > 0]
    if not offered:
        return SplitResult(status="NONE", quantity_waiting=quantity)
    target = min(quantity, sum(q.max_quantity for q in offered))
    model = cp_model.CpModel()
    amounts, used, late = [], [], []
    objective = []
    for m, quote in enumerate(offered):
        fixed, unit, late_cents = _terms(quote, weights)
        offset, per_unit = 100 * (quote.ready_minute - due), round(100 * quote.minutes_per_unit)
        q = model.new_int_var(0, min(quote.max_quantity, target), f"q{m}")
        u = model.new_bool_var(f"used{m}")
        model.add(q >= 1).only_enforce_if(u)
        model.add(q == 0).only_enforce_if(~u)
        horizon = max(0, math.ceil((offset + per_unit * target) / 100))
        lm = model.new_int_var(0, horizon, f"late{m}")
        # 100 × late ≥ 100 × (ready − due) + (100 × minutes_per_unit) × q: late = ceil(...) as completion_minute
        model.add(100 * lm >= offset + per_unit * q).only_enforce_if(u)
        model.add(lm == 0).only_enforce_if(~u)
        amounts.append(q)
        used.append(u)
        late.append(lm)
        objective += [fixed * u, unit * q, late_cents * lm]
    model.add(sum(amounts) == target)
    if weights.max_members is not None:
        model.add(sum(used) <= weights.max_members)
    model.minimize(sum(objective))
    solver = cp_solver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SplitResult(status="NONE", quantity_waiting=quantity)
    split = [solver.value(q) for q in amounts]
    lines = tuple(
        SplitLine(member_id=quote.member_id, quantity=q, price_eur=round(quote.price_eur(q), 2),
                  completion_minute=quote.completion_minute(q), lateness_minutes=lateness_minutes(quote, q, due),
                  co2_kg=round(quote.co2_kg(q), 4))
        for quote, q in zip(offered, split, strict=True) if q > 0
    )
    return SplitResult(status="OPTIMAL" if code == cp_model.OPTIMAL else "FEASIBLE", lines=lines,
                       quantity_allocated=target, quantity_waiting=quantity - target,
                       objective_cents=split_objective(offered, split, weights, due))
