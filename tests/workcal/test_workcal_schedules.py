"""Table-driven checks against the official holiday schedules (holidays_vn.csv)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from motcua.workcal import (
    VN_TZ,
    Layer,
    OfficeHours,
    TimeLimit,
    Unit,
    compute_deadline,
    default_calendar,
)


def at(y: int, mo: int, d: int, h: int = 10, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=VN_TZ)


CAL = default_calendar()

# (received, limit, unit, expected due) — cut-off on, default office hours.
SCHEDULES = [
    # Tết Quý Mão 2023: 20/1 and 23-26/1 off.
    ("tet-2023 before", at(2023, 1, 19), 1, Unit.WORKING_DAYS, at(2023, 1, 27, 17)),
    ("tet-2023 cut-off", at(2023, 1, 19, 15), 1, Unit.WORKING_DAYS, at(2023, 1, 30, 17)),
    ("tet-2023 same day", at(2023, 1, 19, 14, 59), 0, Unit.SAME_DAY, at(2023, 1, 19, 17)),
    ("tet-2023 same day late", at(2023, 1, 19, 15), 0, Unit.SAME_DAY, at(2023, 1, 27, 17)),
    ("tet-2023 received on Tết", at(2023, 1, 24), 0, Unit.SAME_DAY, at(2023, 1, 27, 17)),
    # Tết Ất Tỵ 2025: 27-31/1 off.
    ("tet-2025", at(2025, 1, 24, 9), 1, Unit.WORKING_DAYS, at(2025, 2, 3, 17)),
    ("tet-2025 14:59", at(2025, 1, 24, 14, 59), 0, Unit.SAME_DAY, at(2025, 1, 24, 17)),
    ("tet-2025 15:00", at(2025, 1, 24, 15), 0, Unit.SAME_DAY, at(2025, 2, 3, 17)),
    ("tet-2025 5 wd", at(2025, 1, 22), 5, Unit.WORKING_DAYS, at(2025, 2, 5, 17)),
    # Tết Bính Ngọ 2026: 16-20/2 off.
    ("tet-2026", at(2026, 2, 13), 3, Unit.WORKING_DAYS, at(2026, 2, 25, 17)),
    ("tet-2026 hours", at(2026, 2, 13, 16), 2, Unit.WORKING_HOURS, at(2026, 2, 23, 9)),
    # 30/4-1/5 2025: Saturday 26/4 worked, 30/4, 1/5, 2/5 off.
    ("30-4 2025 make-up sat", at(2025, 4, 25), 1, Unit.WORKING_DAYS, at(2025, 4, 26, 17)),
    ("30-4 2025 on make-up", at(2025, 4, 26, 9), 0, Unit.SAME_DAY, at(2025, 4, 26, 17)),
    ("30-4 2025 across", at(2025, 4, 29), 1, Unit.WORKING_DAYS, at(2025, 5, 5, 17)),
    ("30-4 2025 cut-off", at(2025, 4, 29, 16), 0, Unit.WORKING_DAYS, at(2025, 5, 5, 17)),
    ("30-4 2025 hours", at(2025, 4, 25, 16), 3, Unit.WORKING_HOURS, at(2025, 4, 26, 10)),
    # Quốc khánh 2025: 1/9 and 2/9 off.
    ("2-9 2025", at(2025, 8, 29), 1, Unit.WORKING_DAYS, at(2025, 9, 3, 17)),
    # Quốc khánh 2026: Saturday 22/8 worked; 31/8 (swapped), 1/9, 2/9 off.
    ("2-9 2026 make-up", at(2026, 8, 21), 1, Unit.WORKING_DAYS, at(2026, 8, 22, 17)),
    ("2-9 2026 across", at(2026, 8, 28), 1, Unit.WORKING_DAYS, at(2026, 9, 3, 17)),
    ("2-9 2026 days", at(2026, 8, 27), 4, Unit.DAYS, at(2026, 9, 3, 17)),
    # New Year 2026: 1/1 and 2/1 off, Saturday 10/1 worked.
    ("new-year 2026", at(2025, 12, 31), 2, Unit.WORKING_DAYS, at(2026, 1, 6, 17)),
    ("new-year 2026 make-up", at(2026, 1, 9), 1, Unit.WORKING_DAYS, at(2026, 1, 10, 17)),
    ("new-year 2026 on make-up", at(2026, 1, 10, 9), 1, Unit.WORKING_DAYS, at(2026, 1, 12, 17)),
    ("new-year 2026 cut-off", at(2025, 12, 31, 15), 0, Unit.SAME_DAY, at(2026, 1, 5, 17)),
]


@pytest.mark.parametrize(
    ("received", "value", "unit", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in SCHEDULES],
)
def test_official_schedules(received: datetime, value: int, unit: Unit, expected: datetime) -> None:
    result = compute_deadline(received, TimeLimit(value, unit), CAL)
    assert result.due == expected
    assert result.due.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2023, 1, 20), False),
        (date(2023, 1, 26), False),
        (date(2023, 1, 27), True),
        (date(2025, 1, 27), False),
        (date(2025, 1, 31), False),
        (date(2025, 2, 3), True),
        (date(2026, 2, 16), False),
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),
        (date(2025, 4, 26), True),  # make-up Saturday
        (date(2025, 5, 2), False),  # swapped off
        (date(2025, 9, 1), False),
        (date(2025, 9, 2), False),
        (date(2026, 8, 22), True),  # make-up Saturday
        (date(2026, 8, 31), False),  # swapped off
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 1, 2), False),
        (date(2026, 1, 10), True),
        (date(2026, 1, 17), False),  # an ordinary Saturday
        (date(2026, 11, 24), True),  # unconfirmed: working by default
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working
    assert CAL.explain(day).working is working


def test_cutoff_boundary_14_59_vs_15_00() -> None:
    limit = TimeLimit.working_days(1)
    early = compute_deadline(at(2025, 3, 4, 14, 59, 59), limit, CAL)
    late = compute_deadline(at(2025, 3, 4, 15, 0, 0), limit, CAL)
    assert early.effective_reception_day == date(2025, 3, 4)
    assert early.due == at(2025, 3, 5, 17)
    assert late.effective_reception_day == date(2025, 3, 5)
    assert late.due == at(2025, 3, 6, 17)
    # Without the cut-off, 15:00 still counts the same day; after closing it does not.
    assert compute_deadline(at(2025, 3, 4, 15), limit, CAL, cutoff=False).due == at(2025, 3, 5, 17)
    after_close = compute_deadline(at(2025, 3, 4, 17, 30), limit, CAL, cutoff=False)
    assert after_close.effective_reception_day == date(2025, 3, 5)


def test_received_saturday_morning_counts_from_monday() -> None:
    hours = OfficeHours.with_saturday_morning()
    saturday = at(2025, 12, 6, 9)
    assert hours.is_saturday_reception(saturday)
    assert not CAL.is_working_day(saturday.date())
    r = compute_deadline(saturday, TimeLimit.working_days(1), CAL, office_hours=hours)
    assert r.effective_reception_day == date(2025, 12, 8)
    assert r.due == at(2025, 12, 9, 17)
    assert r.working_days_skipped == (date(2025, 12, 6), date(2025, 12, 7))
    same = compute_deadline(saturday, TimeLimit.same_day(), CAL, office_hours=hours)
    assert same.due == at(2025, 12, 8, 17)
    hrs = compute_deadline(saturday, TimeLimit.working_hours(2), CAL, office_hours=hours)
    assert hrs.due == at(2025, 12, 8, 10)


def test_make_up_saturday_has_full_office_hours() -> None:
    r = compute_deadline(at(2026, 8, 22, 8), TimeLimit.working_hours(8), CAL)
    assert r.due == at(2026, 8, 22, 17)


def test_explain_make_up_day_names_the_official_layer() -> None:
    ex = CAL.explain(date(2026, 8, 22))
    assert ex.decided_by is Layer.OFFICIAL
    assert "làm bù" in ex.name
