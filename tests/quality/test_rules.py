"""Run rules: each rule fires on its textbook pattern, and the O(1) stream tracker equals the window evaluator."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fabnet.quality.rules import NELSON, WESTERN_ELECTRIC, RuleTracker, evaluate_rules, rule_set


def fired_at(z: list[float], rules, code: str) -> list[int]:
    return np.flatnonzero(evaluate_rules(np.asarray(z), rules)[code]).tolist()


def test_western_electric_patterns() -> None:
    assert fired_at([0, 3.2, 0], WESTERN_ELECTRIC, "WE1") == [1]
    assert fired_at([0, 2.5, 0.1, 2.2], WESTERN_ELECTRIC, "WE2") == [3]
    assert fired_at([0, 2.5, -2.2, 0], WESTERN_ELECTRIC, "WE2") == []  # opposite sides
    assert fired_at([1.5, 1.2, 0, 1.1, 1.3], WESTERN_ELECTRIC, "WE3") == [4]
    assert fired_at([0.1] * 7 + [-0.1], WESTERN_ELECTRIC, "WE4") == []
    assert fired_at([0.1] * 8, WESTERN_ELECTRIC, "WE4") == [7]


def test_nelson_patterns() -> None:
    assert fired_at([0.2] * 9, NELSON, "N2") == [8]
    assert fired_at([-1.0, -0.6, -0.2, 0.1, 0.4, 0.9], NELSON, "N3") == [5]
    assert fired_at([-1.0, -0.6, -0.2, -0.2, 0.4, 0.9], NELSON, "N3") == []  # a tie breaks the trend
    zigzag = [0.5 if i % 2 else -0.5 for i in range(14)]
    assert fired_at(zigzag, NELSON, "N4") == [13]
    assert fired_at(zigzag[:13], NELSON, "N4") == []
    assert fired_at([0.3, -0.3] * 7 + [0.2], NELSON, "N7") == [14]
    assert fired_at([1.5, -1.5] * 4, NELSON, "N8") == [7]


def test_unknown_rule_set_names_the_choices() -> None:
    with pytest.raises(ValueError, match="western-electric"):
        rule_set("iso")


def stream(z: list[float], rules) -> dict[str, list[int]]:
    tracker = RuleTracker(rules)
    out: dict[str, list[int]] = {rule.code: [] for rule in rules}
    for i, value in enumerate(z):
        for rule in tracker.update(value):
            out[rule.code].append(i)
    return out


# values on a coarse grid so ties, zeros and exact limits (|z| = 1, 2, 3) occur often
points = st.lists(st.integers(-14, 14).map(lambda k: k / 4), min_size=1, max_size=120)


@settings(max_examples=150, deadline=None)
@given(points, st.sampled_from(["nelson", "western-electric"]))
def test_stream_tracker_equals_window_evaluator(z: list[float], name: str) -> None:
    rules = rule_set(name)
    batch = {code: np.flatnonzero(hits).tolist() for code, hits in evaluate_rules(np.asarray(z), rules).items()}
    assert stream(z, rules) == batch


@settings(max_examples=100, deadline=None)
@given(points, points)
def test_replaying_the_history_restores_the_tracker(before: list[float], after: list[float]) -> None:
    original = RuleTracker(NELSON)
    for value in before:
        original.update(value)
    copy = RuleTracker(NELSON)
    copy.replay(original.history())
    assert [[r.code for r in original.update(v)] for v in after] == [[r.code for r in copy.update(v)] for v in after]
