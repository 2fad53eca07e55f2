"""ODRL usage and access policies: evaluation of permissions, prohibitions, duties and their constraints.

Supported left operands: `dateTime`, `count`, `purpose`, `spatial`, `hub` (membership of a hub), `member`;
logical constraints `and`, `andSequence`, `or`, `xone`. An unknown left operand or operator never holds, so an
unknown constraint on a permission denies (fail closed) and on a prohibition does not trigger it.
Duties: `delete` (after a `dateTime`), `compensate` (an amount for billing), `inform` (each use is reported).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

# ODRL's `use` is the broadest action; onward sharing is `distribute`, which `use` does not imply.
IMPLIED_BY_USE = frozenset({"use", "read", "reproduce", "display", "print", "execute", "modify", "derive"})


@dataclass(frozen=True)
class UsageContext:
    """The facts a use is judged on; `uses_so_far` counts earlier permitted uses under the same agreement."""

    now: datetime
    action: str = "use"
    purpose: str | None = None
    spatial: str | None = None
    hub: str | None = None
    member: str | None = None
    uses_so_far: int = 0


@dataclass(frozen=True)
class Duty:
    action: str
    due: datetime | None = None
    amount: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)


def parse_datetime(value: str) -> datetime:
    """ISO 8601 as ODRL writes it (`2023-12-31T06:00Z` has no seconds); naive means UTC."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _values(operand: object) -> list[str]:
    if isinstance(operand, list):
        return [str(item.get("@id", item)) if isinstance(item, dict) else str(item) for item in operand]
    if isinstance(operand, dict):
        return [str(operand.get("@value", operand.get("@id", "")))]
    return [str(operand)]


def _compare_order(left: float | datetime, operator: str, right: float | datetime) -> bool:
    checks: dict[str, Callable[[], bool]] = {
        "eq": lambda: left == right,
        "neq": lambda: left != right,
        "lt": lambda: left < right,  # type: ignore[operator]
        "lteq": lambda: left <= right,  # type: ignore[operator]
        "gt": lambda: left > right,  # type: ignore[operator]
        "gteq": lambda: left >= right,  # type: ignore[operator]
    }
    check = checks.get(operator)
    return bool(check and check())


def _compare_set(actual: str | None, operator: str, right: object) -> bool:
    if actual is None:
        return False
    values = _values(right)
    if operator in ("eq", "isA", "isPartOf", "hasPart"):
        return actual in values if len(values) > 1 else actual == values[0]
    if operator in ("isAnyOf", "isAllOf"):
        return actual in values
    if operator in ("neq", "isNoneOf"):
        return actual not in values
    return False


def _atomic_holds(constraint: dict, context: UsageContext) -> bool:
    left, operator, right = constraint.get("leftOperand"), constraint.get("operator"), constraint.get("rightOperand")
    left = str(left).removeprefix("odrl:").removeprefix("fabnet:")
    try:
        if left == "dateTime":
            return _compare_order(context.now, str(operator), parse_datetime(_values(right)[0]))
        if left == "count":
            # `count lteq N`: at most N uses in total, so this use is the (uses_so_far + 1)-th.
            return _compare_order(float(context.uses_so_far + 1), str(operator), float(_values(right)[0]))
    except (ValueError, TypeError):
        return False
    actual = {"purpose": context.purpose, "spatial": context.spatial, "hub": context.hub, "member": context.member}
    if left in actual:
        return _compare_set(actual[left], str(operator), right)
    return False


def holds(constraint: dict, context: UsageContext) -> bool:
    """Whether one (atomic or logical) constraint is satisfied."""
    if "and" in constraint or "andSequence" in constraint:
        return all(holds(item, context) for item in constraint.get("and", constraint.get("andSequence", [])))
    if "or" in constraint:
        return any(holds(item, context) for item in constraint["or"])
    if "xone" in constraint:
        return sum(holds(item, context) for item in constraint["xone"]) == 1
    return _atomic_holds(constraint, context)


def _action_of(rule: dict) -> str:
    action = rule.get("action", "")
    if isinstance(action, dict):
        action = action.get("@id", action.get("rdf:value", ""))
    return str(action).removeprefix("odrl:")


def _covers(rule_action: str, wanted: str) -> bool:
    return rule_action == wanted or (rule_action == "use" and wanted in IMPLIED_BY_USE)


def _duty(rule: dict) -> Duty:
    action = _action_of(rule)
    due: datetime | None = None
    amount: Decimal | None = None
    currency: str | None = None
    for constraint in rule.get("constraint", []):
        left = str(constraint.get("leftOperand", "")).removeprefix("odrl:")
        value = _values(constraint.get("rightOperand"))[0]
        if left == "dateTime":
            due = parse_datetime(value)
        elif left == "payAmount":
            try:
                amount = Decimal(value)
            except InvalidOperation:
                amount = None
            currency = str(constraint.get("unit", "EUR")).rsplit(":", 1)[-1]
    return Duty(action=action, due=due, amount=amount, currency=currency)


def duties(policy: dict) -> list[Duty]:
    """Every duty of the policy: top-level obligations and the duties attached to permissions."""
    found = [_duty(rule) for rule in policy.get("obligation", [])]
    for permission in policy.get("permission", []):
        found.extend(_duty(rule) for rule in permission.get("duty", []))
    return found


def evaluate(policy: dict, context: UsageContext) -> Decision:
    """Allowed if a permission covering the action has all its constraints met and no prohibition applies."""
    reasons: list[str] = []
    permitted = False
    for permission in policy.get("permission", []):
        if not _covers(_action_of(permission), context.action):
            continue
        failing = [c for c in permission.get("constraint", []) if not holds(c, context)]
        if not failing:
            permitted = True
            break
        reasons.extend(f"constraint {c.get('leftOperand', 'logical')} not met" for c in failing)
    if not permitted:
        if not reasons:
            reasons.append(f"no permission for action {context.action!r}")
        return Decision(False, reasons)
    for prohibition in policy.get("prohibition", []):
        if _covers(_action_of(prohibition), context.action) and all(
            holds(c, context) for c in prohibition.get("constraint", [])
        ):
            return Decision(False, [f"action {context.action!r} is prohibited"])
    return Decision(True, [], duties(policy))


def delete_after(policy: dict) -> datetime | None:
    """The earliest date by which a `delete` duty requires the asset to be gone, if any."""
    dates = [duty.due for duty in duties(policy) if duty.action == "delete" and duty.due is not None]
    return min(dates) if dates else None


def expiry(policy: dict) -> datetime | None:
    """When use ends: the earliest of a `delete` duty and a `dateTime lt/lteq` constraint on every permission."""
    limits = [d for d in [delete_after(policy)] if d is not None]
    for permission in policy.get("permission", []):
        for constraint in permission.get("constraint", []):
            if constraint.get("leftOperand") == "dateTime" and constraint.get("operator") in ("lt", "lteq"):
                try:
                    limits.append(parse_datetime(_values(constraint.get("rightOperand"))[0]))
                except ValueError:
                    continue
    return min(limits) if limits else None
