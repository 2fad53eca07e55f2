"""ODRL evaluation: permissions, prohibitions, duties; purpose, dateTime, count, spatial and hub constraints."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fabnet.exchange.odrl import UsageContext, delete_after, duties, evaluate, expiry

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def constraint(left: str, operator: str, right: object) -> dict:
    return {"leftOperand": left, "operator": operator, "rightOperand": right}


def permit(*constraints: dict, action: str = "use") -> dict:
    return {"permission": [{"action": action, "constraint": list(constraints)}]}


@pytest.mark.parametrize(
    ("policy", "context", "allowed"),
    [
        (permit(constraint("purpose", "eq", "order-1")), UsageContext(NOW, purpose="order-1"), True),
        (permit(constraint("purpose", "eq", "order-1")), UsageContext(NOW, purpose="order-2"), False),
        (permit(constraint("purpose", "isAnyOf", ["a", "b"])), UsageContext(NOW, purpose="b"), True),
        (permit(constraint("dateTime", "lteq", "2026-12-31T00:00Z")), UsageContext(NOW), True),
        (permit(constraint("dateTime", "lt", "2026-01-01T00:00:00Z")), UsageContext(NOW), False),
        (permit(constraint("count", "lteq", "3")), UsageContext(NOW, uses_so_far=2), True),
        (permit(constraint("count", "lteq", "3")), UsageContext(NOW, uses_so_far=3), False),
        (permit(constraint("spatial", "eq", "NL")), UsageContext(NOW, spatial="NL"), True),
        (permit(constraint("spatial", "eq", "NL")), UsageContext(NOW, spatial="DE"), False),
        (permit(constraint("hub", "eq", "urn:hub:brainport")), UsageContext(NOW, hub="urn:hub:brainport"), True),
        (permit(constraint("hub", "eq", "urn:hub:brainport")), UsageContext(NOW, hub="urn:hub:rotterdam"), False),
        (permit(constraint("shoeSize", "eq", "44")), UsageContext(NOW), False),
        (permit({"or": [constraint("purpose", "eq", "x"), constraint("spatial", "eq", "NL")]}),
         UsageContext(NOW, spatial="NL"), True),
        (permit({"xone": [constraint("purpose", "eq", "x"), constraint("spatial", "eq", "NL")]}),
         UsageContext(NOW, purpose="x", spatial="NL"), False),
        (permit({"and": [constraint("purpose", "eq", "x"), constraint("spatial", "eq", "NL")]}),
         UsageContext(NOW, purpose="x", spatial="NL"), True),
        (permit(), UsageContext(NOW, action="distribute"), False),
        (permit(action="distribute"), UsageContext(NOW, action="distribute"), True),
    ],
)
def test_constraints(policy: dict, context: UsageContext, allowed: bool) -> None:
    assert evaluate(policy, context).allowed is allowed


def test_prohibition_wins_over_permission() -> None:
    policy = {"permission": [{"action": "use"}, {"action": "distribute"}], "prohibition": [{"action": "distribute"}]}
    assert evaluate(policy, UsageContext(NOW)).allowed
    decision = evaluate(policy, UsageContext(NOW, action="distribute"))
    assert not decision.allowed and "prohibited" in decision.reasons[0]


def test_duties_delete_compensate_inform() -> None:
    policy = {
        "permission": [{"action": "use", "duty": [
            {"action": "compensate", "constraint": [{**constraint("payAmount", "eq", "99.95"), "unit": "EUR"}]},
            {"action": "inform"},
        ]}],
        "obligation": [{"action": "delete", "constraint": [constraint("dateTime", "eq", "2027-01-01T00:00:00Z")]}],
    }
    found = {duty.action: duty for duty in duties(policy)}
    assert found["compensate"].amount == Decimal("99.95") and found["compensate"].currency == "EUR"
    assert "inform" in found
    assert delete_after(policy) == datetime(2027, 1, 1, tzinfo=UTC)
    assert evaluate(policy, UsageContext(NOW)).duties


def test_expiry_is_the_earliest_limit() -> None:
    policy = {"permission": [{"action": "use", "constraint": [constraint("dateTime", "lt", "2026-09-01T00:00:00Z")]}],
              "obligation": [{"action": "delete", "constraint": [constraint("dateTime", "eq",
                                                                                "2027-01-01T00:00:00Z")]}]}
    assert expiry(policy) == datetime(2026, 9, 1, tzinfo=UTC)
    assert expiry({"permission": [{"action": "use"}]}) is None
