"""Machines: skills and their ranges, shift calendars, maintenance and changeovers; errors name the field."""

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.samples import machine
from fabnet.domain import (
    SKILLS,
    ChangeoverMatrix,
    ChangeoverRule,
    Machine,
    MachineSkill,
    Shift,
    ShiftCalendar,
    SkillDefinition,
    TimeWindow,
    register_skill,
    skill_definition,
)
from fabnet.domain.errors import describe

WEEK = 7 * 1440


def error_of(record_type: type, /, **fields: object) -> str:
    with pytest.raises(ValidationError) as raised:
        record_type(**fields)
    return describe(raised.value)


def machine_fields(**changes: object) -> dict[str, object]:
    return {**machine().model_dump(), **changes}


def test_unknown_skill_is_refused_naming_the_field_and_the_known_skills() -> None:
    message = error_of(Machine, **machine_fields(skills=[{"skill": "cut.plasma"}]))
    assert message.startswith("skills.0.skill: unknown skill 'cut.plasma'; known skills: ")
    assert "cut.laser" in message
    assert "inspect.cmm" in message


def test_inverted_thickness_range_is_refused() -> None:
    message = error_of(MachineSkill, skill="bend.press_brake", min_thickness_mm=8, max_thickness_mm=2)
    assert message == "input: thickness range is inverted: min_thickness_mm 8.0 > max_thickness_mm 2.0"
    nested = error_of(Machine, **machine_fields(skills=[{"skill": "cut.laser", "min_thickness_mm": 30,
                                                         "max_thickness_mm": 20}]))
    assert nested.startswith("skills.0: thickness range is inverted")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"skills": []}, "skills"),
        ({"hourly_rate_eur": Decimal("-1")}, "hourly_rate_eur"),
        ({"hourly_rate_eur": Decimal("95.555")}, "hourly_rate_eur"),
        ({"power_kw": 0}, "power_kw"),
        ({"idle_power_kw": 40.0}, "input: idle_power_kw"),  # a rule across fields names them in the reason
        ({"year_of_construction": 1900}, "year_of_construction"),
        ({"skills": [{"skill": "cut.laser", "envelope_mm": [3000, -1, 25]}]}, "skills.0.envelope_mm.1"),
        ({"skills": [{"skill": "cut.laser", "tolerance_mm": 0}]}, "skills.0.tolerance_mm"),
        ({"maintenance": [{"start": 100, "end": 100}]}, "maintenance.0"),
        ({"calendar": {"shifts": [{"start_minute": 600, "end_minute": 500}]}}, "calendar.shifts.0"),
        ({"calendar": {"shifts": [{"weekdays": [7], "start_minute": 0, "end_minute": 60}]}},
         "calendar.shifts.0.weekdays.0"),
        ({"changeovers": {"rules": [{"from_family": "a", "to_family": "b", "minutes": -5}]}},
         "changeovers.rules.0.minutes"),
    ],
)
def test_bad_machine_fields_are_named(changes: dict[str, object], field: str) -> None:
    message = error_of(Machine, **machine_fields(**changes))
    assert message.startswith(f"{field}:") or message.startswith(f"{field} "), message


def test_idle_power_message_gives_both_figures() -> None:
    assert error_of(Machine, **machine_fields(idle_power_kw=40.0)).endswith("idle_power_kw 40.0 exceeds power_kw 30.0")


def test_skill_ranges_answer_what_a_machine_can_take() -> None:
    laser = machine().skill("cut.laser")
    assert laser is not None
    assert machine().skill("weld.mig") is None
    assert laser.handles_material("S235")
    assert not laser.handles_material("316L")
    assert MachineSkill(skill="cut.laser").handles_material("anything")
    assert laser.fits_envelope((25.0, 1400.0, 2900.0))  # rotated to fit
    assert not laser.fits_envelope((30.0, 1400.0, 2900.0))
    assert MachineSkill(skill="cut.laser").fits_envelope((1e6, 1e6, 1e6))


def test_changeover_matrix_uses_rules_then_default() -> None:
    matrix = ChangeoverMatrix(default_minutes=15, rules=(ChangeoverRule(from_family="a", to_family="b", minutes=40),))
    assert matrix.minutes("a", "b") == 40
    assert matrix.minutes("b", "a") == 15
    assert matrix.minutes("a", "a") == 0
    assert matrix.minutes(None, "b") == 0


def test_time_window_must_have_positive_length() -> None:
    assert error_of(TimeWindow, start=50, end=10) == "input: end 10 must be after start 50"
    assert TimeWindow(start=0, end=1).reason == "maintenance"


def test_skill_vocabulary_is_complete_and_extensible() -> None:
    issue_skills = {"cut.laser", "cut.waterjet", "bend.press_brake", "weld.mig", "weld.robot", "mill.cnc_3axis",
                    "mill.cnc_5axis", "turn.cnc", "print.metal_waam", "print.polymer_fdm", "coat.powder",
                    "assemble.manual", "inspect.cmm"}
    assert issue_skills <= set(SKILLS)
    with pytest.raises(ValueError, match=r"unknown skill 'cut\.plasma'"):
        skill_definition("cut.plasma")
    plasma = SkillDefinition(code="cut.plasma", name="Plasma cutting", process="cut", parameters={"current_a": "A"})
    try:
        assert register_skill(plasma) is plasma
        assert MachineSkill(skill="cut.plasma").skill == "cut.plasma"
    finally:
        SKILLS.pop("cut.plasma")
    assert error_of(SkillDefinition, code="Cut-Plasma", name="x", process="cut").startswith("code:")


def test_a_calendar_without_shifts_is_always_available() -> None:
    assert ShiftCalendar().working_windows(5000) == [(0, 5000)]
    assert ShiftCalendar().unavailable(5000) == []


def test_day_shifts_on_weekdays_leave_nights_and_weekend_unavailable() -> None:
    calendar = ShiftCalendar(shifts=(Shift(start_minute=480, end_minute=1020),))
    windows = calendar.working_windows(WEEK)
    assert windows == [(d * 1440 + 480, d * 1440 + 1020) for d in range(5)]
    assert calendar.unavailable(WEEK)[0] == (0, 480)
    assert calendar.unavailable(WEEK)[-1] == (4 * 1440 + 1020, WEEK)
    # starting on a Saturday, the first working minute is Monday 08:00
    assert calendar.working_windows(WEEK, start_weekday=5)[0] == (2 * 1440 + 480, 2 * 1440 + 1020)


def test_an_overnight_shift_is_merged_with_the_next_morning() -> None:
    calendar = ShiftCalendar(shifts=(Shift(start_minute=360, end_minute=840), Shift(start_minute=840,
                                                                                    end_minute=1320),
                                     Shift(start_minute=1320, end_minute=1800)))
    assert calendar.working_windows(3 * 1440)[0] == (360, 3 * 1440)


shifts = st.builds(
    lambda weekdays, start, length: Shift(weekdays=tuple(sorted(weekdays)), start_minute=start,
                                          end_minute=start + length),
    st.sets(st.integers(0, 6), min_size=1),
    st.integers(0, 1439),
    st.integers(1, 1440),
)


def covered(calendar: ShiftCalendar, minute: int, start_weekday: int) -> bool:
    """The oracle: is some shift running at this minute of the horizon (including one begun the day before)?"""
    if not calendar.shifts:
        return True
    day = minute // 1440
    for shift in calendar.shifts:
        for shift_day in (day - 1, day):
            if (start_weekday + shift_day) % 7 in shift.weekdays and \
                    shift_day * 1440 + shift.start_minute <= minute < shift_day * 1440 + shift.end_minute:
                return True
    return False


@given(st.lists(shifts, max_size=4), st.integers(1, 3 * WEEK), st.integers(0, 6),
       st.lists(st.integers(0, 3 * WEEK - 1), max_size=30))
def test_working_windows_and_unavailable_partition_the_horizon(
    shift_list: list[Shift], horizon: int, start_weekday: int, probes: list[int]
) -> None:
    calendar = ShiftCalendar(shifts=tuple(shift_list))
    windows = calendar.working_windows(horizon, start_weekday)
    gaps = calendar.unavailable(horizon, start_weekday)
    for intervals in (windows, gaps):
        assert all(0 <= start < end <= horizon for start, end in intervals)
        # sorted, and neither overlapping nor touching: a merged list
        assert all(a[1] < b[0] for a, b in itertools.pairwise(intervals))
    # together, in order, they tile [0, horizon) alternately with no hole and no overlap
    tiles = sorted(windows + gaps)
    assert tiles[0][0] == 0
    assert tiles[-1][1] == horizon
    assert all(a[1] == b[0] for a, b in itertools.pairwise(tiles))
    assert sum(end - start for start, end in tiles) == horizon
    # and the working part is exactly the minutes some shift covers
    boundaries = {m for start, end in windows for m in (start, end - 1, end)}
    for minute in {*boundaries, *(p % horizon for p in probes)} - {horizon}:
        in_window = any(start <= minute < end for start, end in windows)
        assert in_window == covered(calendar, minute, start_weekday), minute


def test_a_night_shift_begun_before_the_horizon_still_counts() -> None:
    sunday_night = ShiftCalendar(shifts=(Shift(weekdays=(6,), start_minute=22 * 60, end_minute=30 * 60),))
    # the horizon starts on Monday 00:00: Sunday's shift runs on until 06:00
    assert sunday_night.working_windows(WEEK)[0] == (0, 360)
    assert sunday_night.unavailable(WEEK)[0] == (360, 6 * 1440 + 22 * 60)
