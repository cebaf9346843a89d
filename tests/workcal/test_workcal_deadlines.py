"""Deadline rules: each unit, pauses, classification, remaining time, steps, rule sets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from motcua.workcal import (
    ND61_2018,
    ND118_2025,
    VN_TZ,
    OfficeHours,
    Outcome,
    Pause,
    PauseKind,
    Session,
    StepBudget,
    TimeLimit,
    Unit,
    add_months,
    add_office_time,
    classify,
    compute_deadline,
    default_calendar,
    office_time_between,
    remaining_office_time,
    ruleset_for,
    schedule_steps,
)

CAL = default_calendar()


def at(y: int, mo: int, d: int, h: int = 10, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=VN_TZ)


# March 2025 has no holidays: Mon 3 .. Fri 7, Mon 10 .. Fri 14.
@pytest.mark.parametrize(
    ("received", "limit", "expected"),
    [
        (at(2025, 3, 3), TimeLimit.working_days(0), at(2025, 3, 3, 17)),
        (at(2025, 3, 3), TimeLimit.working_days(3), at(2025, 3, 6, 17)),
        (at(2025, 3, 3, 16), TimeLimit.working_days(3), at(2025, 3, 7, 17)),
        (at(2025, 3, 3), TimeLimit.same_day(), at(2025, 3, 3, 17)),
        (at(2025, 3, 3, 7), TimeLimit.same_day(), at(2025, 3, 3, 17)),  # before opening
        (at(2025, 3, 3, 12, 30), TimeLimit.same_day(), at(2025, 3, 3, 17)),  # lunch
        (at(2025, 3, 3), TimeLimit.days(5), at(2025, 3, 10, 17)),  # Sat 8 -> Mon 10
        (at(2025, 3, 3, 16), TimeLimit.days(4), at(2025, 3, 10, 17)),
        (at(2025, 3, 3), TimeLimit.days(0), at(2025, 3, 3, 17)),
        (at(2024, 1, 31), TimeLimit.months(1), at(2024, 2, 29, 17)),  # leap year
        (at(2023, 1, 31), TimeLimit.months(1), at(2023, 2, 28, 17)),
        (at(2025, 3, 31), TimeLimit.months(1), at(2025, 5, 5, 17)),  # 30/4..4/5 off
        (at(2025, 3, 14), TimeLimit.months(12), at(2026, 3, 16, 17)),  # Sat 14/3/2026
        (at(2025, 3, 3), TimeLimit.working_hours(4), at(2025, 3, 3, 15)),
        (at(2025, 3, 3), TimeLimit.working_hours(2), at(2025, 3, 3, 12)),  # ends at 12:00
        (at(2025, 3, 3, 11), TimeLimit.working_hours(8), at(2025, 3, 4, 11)),
        (at(2025, 3, 3, 16), TimeLimit.working_hours(1), at(2025, 3, 3, 17)),  # no cut-off
        (at(2025, 3, 3, 16, 30), TimeLimit.working_hours(1), at(2025, 3, 4, 8, 30)),
        (at(2025, 3, 3, 18), TimeLimit.working_hours(1), at(2025, 3, 4, 9)),
        (at(2025, 3, 3, 12, 30), TimeLimit.working_hours(1), at(2025, 3, 3, 14)),
        (at(2025, 3, 3, 12, 30), TimeLimit.working_hours(0), at(2025, 3, 3, 13)),
        (at(2025, 3, 3, 9, 15), TimeLimit.working_hours(0), at(2025, 3, 3, 9, 15)),
        (at(2025, 3, 7, 16), TimeLimit.working_hours(3), at(2025, 3, 10, 10)),
    ],
)
def test_units(received: datetime, limit: TimeLimit, expected: datetime) -> None:
    assert compute_deadline(received, limit, CAL).due == expected


def test_result_fields() -> None:
    r = compute_deadline(at(2025, 12, 31), TimeLimit.working_days(2), CAL)
    assert r.effective_reception_day == date(2025, 12, 31)
    assert r.working_days_skipped == (
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 1, 3),
        date(2026, 1, 4),
    )
    assert r.ruleset_version == "ND118-2025"
    assert r.due.tzinfo is VN_TZ
    assert r.to_dict()["due"] == "2026-01-06T17:00:00+07:00"


def test_received_in_another_zone_is_converted() -> None:
    utc = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)  # 15:30 in Hanoi: after cut-off
    r = compute_deadline(utc, TimeLimit.working_days(1), CAL)
    assert r.effective_reception_day == date(2025, 3, 4)
    assert r.due == at(2025, 3, 5, 17)


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2025, 3, 3, 10)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="aware"):
        compute_deadline(naive, TimeLimit.working_days(1), CAL)


def test_bad_limits_are_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        TimeLimit(-1, Unit.DAYS)
    with pytest.raises(ValueError):
        TimeLimit(1, "weeks")  # type: ignore[arg-type]
    assert TimeLimit(2, "days").unit is Unit.DAYS  # type: ignore[arg-type]


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
    assert add_months(date(2025, 5, 31), 0) == date(2025, 5, 31)


# ----------------------------------------------------------------------------- rule sets
def test_ruleset_chosen_by_reception_date() -> None:
    assert ruleset_for(date(2018, 6, 21)) is ND61_2018
    assert ruleset_for(date(2025, 6, 30)) is ND61_2018
    assert ruleset_for(date(2025, 7, 1)) is ND118_2025
    with pytest.raises(LookupError):
        ruleset_for(date(2018, 6, 20))
    old = compute_deadline(at(2025, 6, 30, 16), TimeLimit.working_days(1), CAL)
    assert old.ruleset_version == "ND61-2018"
    # The rule set stays the reception's even when a supplement restarts the clock later.
    restarted = compute_deadline(
        at(2025, 6, 30),
        TimeLimit.working_days(1),
        CAL,
        pauses=[Pause(at(2025, 7, 1), at(2025, 7, 3), PauseKind.SUPPLEMENT)],
    )
    assert restarted.ruleset_version == "ND61-2018"


def test_rulesets_have_the_same_rules_so_far() -> None:
    assert ND61_2018.cutoff == ND118_2025.cutoff == time(15)
    assert ND61_2018.supplement_restarts and ND118_2025.supplement_restarts
    assert "Same rules" in ND118_2025.notes


# ----------------------------------------------------------------------------- pauses
LIMIT3 = TimeLimit.working_days(3)
BASE = compute_deadline(at(2025, 3, 3), LIMIT3, CAL)


def test_base_for_pauses() -> None:
    assert BASE.due == at(2025, 3, 6, 17)


def test_financial_pause_pushes_by_office_time() -> None:
    pause = Pause(at(2025, 3, 4, 14), at(2025, 3, 4, 16), PauseKind.FINANCIAL_OBLIGATION)
    r = compute_deadline(at(2025, 3, 3), LIMIT3, CAL, pauses=[pause])
    assert r.paused == timedelta(hours=2)
    assert r.due == at(2025, 3, 7, 10)


def test_pause_over_a_weekend_consumes_only_office_time() -> None:
    pause = Pause(at(2025, 3, 7, 16), at(2025, 3, 10, 9), PauseKind.CITIZEN_VERIFICATION)
    r = compute_deadline(at(2025, 3, 3), LIMIT3, CAL, pauses=[pause])
    assert r.paused == timedelta(hours=2)
    assert r.due == at(2025, 3, 7, 10)
    night = Pause(at(2025, 3, 4, 17), at(2025, 3, 5, 8), PauseKind.OTHER)
    assert compute_deadline(at(2025, 3, 3), LIMIT3, CAL, pauses=[night]).due == BASE.due


def test_overlapping_pauses_count_once() -> None:
    a = Pause(at(2025, 3, 4, 8), at(2025, 3, 4, 11), PauseKind.FINANCIAL_OBLIGATION)
    b = Pause(at(2025, 3, 4, 10), at(2025, 3, 4, 12), PauseKind.CITIZEN_VERIFICATION)
    r = compute_deadline(at(2025, 3, 3), LIMIT3, CAL, pauses=[a, b])
    assert r.paused == timedelta(hours=4)
    assert r.due == at(2025, 3, 7, 12)


def test_zero_length_pause_changes_nothing() -> None:
    for kind in PauseKind:
        p = Pause(at(2025, 3, 4, 9), at(2025, 3, 4, 9), kind)
        if kind is PauseKind.SUPPLEMENT:
            continue  # a supplement restarts from its end: covered by the property test
        assert compute_deadline(at(2025, 3, 3), LIMIT3, CAL, pauses=[p]).due == BASE.due


def test_supplement_restarts_the_whole_limit() -> None:
    supplement = Pause(at(2025, 3, 4, 9), at(2025, 3, 10, 16), PauseKind.SUPPLEMENT)
    r = compute_deadline(at(2025, 3, 3), LIMIT3, CAL, pauses=[supplement])
    assert r.counted_from == at(2025, 3, 10, 16)
    assert r.effective_reception_day == date(2025, 3, 11)  # 16:00 is after the cut-off
    assert r.due == at(2025, 3, 14, 17)
    # A pause that ended before the restart no longer matters.
    early = Pause(at(2025, 3, 3, 14), at(2025, 3, 3, 16), PauseKind.FINANCIAL_OBLIGATION)
    again = compute_deadline(at(2025, 3, 3), LIMIT3, CAL, pauses=[early, supplement])
    assert again.due == r.due


def test_pause_end_before_start_is_rejected() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Pause(at(2025, 3, 4, 10), at(2025, 3, 4, 9))


# ----------------------------------------------------------------------------- outcomes
def test_classification() -> None:
    due = at(2026, 1, 6, 17)
    assert classify(at(2026, 1, 5, 16), due) is Outcome.EARLY
    assert classify(at(2026, 1, 6, 9), due) is Outcome.ON_TIME
    assert classify(due, due) is Outcome.ON_TIME
    assert classify(due + timedelta(seconds=1), due) is Outcome.LATE
    result = compute_deadline(at(2025, 12, 31), TimeLimit.working_days(2), CAL)
    assert classify(at(2026, 1, 6, 16), result) is Outcome.ON_TIME


def test_remaining_office_time() -> None:
    due = at(2026, 1, 6, 17)
    assert remaining_office_time(at(2026, 1, 6, 16), due, CAL) == timedelta(hours=1)
    assert remaining_office_time(at(2026, 1, 5, 8), due, CAL) == timedelta(hours=16)
    assert remaining_office_time(at(2026, 1, 7, 9), due, CAL) == timedelta(hours=-1)
    # Over the New Year days off no office time passes.
    assert remaining_office_time(at(2025, 12, 31, 17), due, CAL) == timedelta(hours=16)


def test_office_time_helpers() -> None:
    assert office_time_between(at(2025, 3, 7, 16), at(2025, 3, 10, 9), CAL) == timedelta(hours=2)
    assert add_office_time(at(2025, 3, 7, 16), timedelta(hours=2), CAL) == at(2025, 3, 10, 9)
    assert add_office_time(at(2025, 3, 8, 10), timedelta(0), CAL) == at(2025, 3, 10, 8)


def test_custom_office_hours() -> None:
    hours = OfficeHours(
        sessions=(Session(time(7, 30), time(11, 30)), Session(time(13, 30), time(16, 30)))
    )
    assert hours.daily == timedelta(hours=7)
    r = compute_deadline(at(2025, 3, 3), TimeLimit.working_days(1), CAL, office_hours=hours)
    assert r.due == at(2025, 3, 4, 16, 30)
    r = compute_deadline(at(2025, 3, 3, 11), TimeLimit.working_hours(1), CAL, office_hours=hours)
    assert r.due == at(2025, 3, 3, 14)
    with pytest.raises(ValueError, match="overlap"):
        OfficeHours(sessions=(Session(time(8), time(12)), Session(time(11), time(17))))
    with pytest.raises(ValueError, match="before it ends"):
        Session(time(12), time(8))


# ----------------------------------------------------------------------------- steps
def test_step_budgets_in_hours_end_to_end() -> None:
    steps = [
        StepBudget("receive", TimeLimit.working_hours(2), agency="H26.12"),
        StepBudget("appraise", TimeLimit.working_hours(3), agency="H26.30"),
        StepBudget("approve", TimeLimit.working_hours(2), agency="H26.12"),
        StepBudget("return", TimeLimit.working_hours(1), agency="H26.12"),
    ]
    plan = schedule_steps(at(2025, 3, 3), steps, CAL)
    assert [(s.start, s.due) for s in plan] == [
        (at(2025, 3, 3, 10), at(2025, 3, 3, 12)),
        (at(2025, 3, 3, 12), at(2025, 3, 3, 16)),
        (at(2025, 3, 3, 16), at(2025, 3, 4, 9)),
        (at(2025, 3, 4, 9), at(2025, 3, 4, 10)),
    ]
    by_agency: dict[str, timedelta] = {}
    for s in plan:
        by_agency[s.agency] = by_agency.get(s.agency, timedelta()) + office_time_between(
            s.start, s.due, CAL
        )
    assert by_agency == {"H26.12": timedelta(hours=5), "H26.30": timedelta(hours=3)}
    assert plan[1].outcome(at(2025, 3, 3, 16, 30)) is Outcome.LATE


def test_step_budgets_in_days_add_up_to_the_whole_limit() -> None:
    steps = [StepBudget("a", TimeLimit.working_days(1)), StepBudget("b", TimeLimit.working_days(1))]
    for received in (at(2025, 3, 3), at(2025, 3, 3, 16), at(2025, 4, 25, 15, 30)):
        plan = schedule_steps(received, steps, CAL)
        whole = compute_deadline(received, TimeLimit.working_days(2), CAL)
        assert plan[-1].due == whole.due
    plan = schedule_steps(at(2025, 4, 25), steps, CAL)
    assert plan[0].due == at(2025, 4, 26, 17)  # the make-up Saturday counts
    assert plan[1].due == at(2025, 4, 28, 17)


def test_step_budget_units_are_checked() -> None:
    with pytest.raises(ValueError, match="working_hours or working_days"):
        StepBudget("x", TimeLimit.days(1))
