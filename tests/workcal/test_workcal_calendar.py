"""Calendar layers, explanations, disagreements and overrides."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from motcua.workcal import (
    VN_TZ,
    CalendarRangeError,
    Layer,
    Override,
    Status,
    TimeLimit,
    WorkingCalendar,
    compute_deadline,
    default_calendar,
    get_calendar,
    load_official_entries,
    official_entries,
)

CAL = default_calendar()
CULTURE_DAY = date(2026, 11, 24)


def at(y: int, mo: int, d: int, h: int = 10) -> datetime:
    return datetime(y, mo, d, h, tzinfo=VN_TZ)


def test_shipped_csv_loads_and_has_every_kind() -> None:
    entries = official_entries()
    kinds = {e.kind for e in entries}
    assert kinds == {"holiday", "compensatory", "swapped_off", "makeup_workday", ""}
    unconfirmed = [e for e in entries if e.status is Status.UNCONFIRMED]
    assert [e.day for e in unconfirmed] == [CULTURE_DAY]
    # Every make-up day is a Saturday; every day off named by the CSV is applied.
    for e in entries:
        if e.kind == "makeup_workday":
            assert e.day.weekday() == 5
            assert CAL.is_working_day(e.day)
        elif e.kind:
            assert not CAL.is_working_day(e.day)


def test_csv_loader_rejects_unknown_kinds_and_duplicates() -> None:
    header = "date,kind,name,source,note\n"
    with pytest.raises(ValueError, match="unknown kind"):
        load_official_entries(header + "2030-01-01,festival,x,,\n")
    with pytest.raises(ValueError, match="duplicate"):
        load_official_entries(header + "2030-01-01,holiday,x,,\n2030-01-01,holiday,y,,\n")


def test_explanation_agrees_with_tables_for_every_day() -> None:
    day = date(2018, 1, 1)
    while day <= date(2028, 12, 31):
        assert CAL.explain(day).working is CAL.is_working_day(day), day
        day += timedelta(days=1)


def test_announced_years_are_2019_to_2026() -> None:
    assert CAL.explain(date(2019, 6, 3)).announced_year
    assert CAL.explain(date(2026, 6, 3)).announced_year
    assert not CAL.explain(date(2018, 6, 4)).announced_year
    assert not CAL.explain(date(2027, 6, 3)).announced_year


def test_package_is_the_base_beyond_the_csv() -> None:
    ex = CAL.explain(date(2027, 2, 8))  # Mùng ba Tết 2027 per the holidays package
    assert not ex.working
    assert ex.decided_by is Layer.PACKAGE
    # Spill-over row 2018-12-31 (swapped off for New Year 2019) is applied in 2018.
    assert not CAL.is_working_day(date(2018, 12, 31))
    assert CAL.is_working_day(date(2019, 1, 5))


def test_culture_day_2026_is_a_reported_disagreement_and_working_by_default() -> None:
    ex = CAL.explain(CULTURE_DAY)
    assert ex.working
    assert ex.decided_by is Layer.OFFICIAL
    pkg = ex.opinion(Layer.PACKAGE)
    official = ex.opinion(Layer.OFFICIAL)
    assert pkg is not None and pkg.status is Status.OFF
    assert official is not None and official.status is Status.UNCONFIRMED
    assert len(ex.disagreements) == 1
    (d,) = ex.disagreements
    assert {d.first.layer, d.second.layer} == {Layer.PACKAGE, Layer.OFFICIAL}
    assert d.working
    report = CAL.year_report(2026)
    assert [x.day for x in report.disagreements] == [CULTURE_DAY]
    assert CULTURE_DAY in [x.day for x in report.days]


def test_culture_day_in_unannounced_years_stays_unconfirmed() -> None:
    ex = CAL.explain(date(2027, 11, 24))
    assert ex.working
    assert ex.disagreements


def test_apply_unconfirmed_makes_culture_day_off() -> None:
    cal = WorkingCalendar(apply_unconfirmed=True)
    assert not cal.is_working_day(CULTURE_DAY)
    assert not cal.is_working_day(date(2027, 11, 24))


def test_override_makes_culture_day_off_and_moves_deadlines() -> None:
    received = at(2026, 11, 23)
    limit = TimeLimit.working_days(1)
    assert compute_deadline(received, limit, CAL).due == at(2026, 11, 24, 17)
    ovr = Override(
        CULTURE_DAY,
        working=False,
        reason="Ngày Văn hóa Việt Nam",
        decision_number="12/2026/QH16",
        decision_date=date(2026, 10, 1),
        entered_by="admin",
    )
    cal = get_calendar([ovr])
    assert not cal.is_working_day(CULTURE_DAY)
    ex = cal.explain(CULTURE_DAY)
    assert ex.decided_by is Layer.OVERRIDE
    assert "12/2026/QH16" in ex.deciding.detail
    assert any(d.decided_by is Layer.OVERRIDE for d in ex.disagreements)
    result = compute_deadline(received, limit, cal)
    assert result.due == at(2026, 11, 25, 17)
    assert CULTURE_DAY in result.working_days_skipped


def test_override_with_decision_wins_over_csv() -> None:
    # The CSV makes Saturday 10/1/2026 a working day; a decision cancels the make-up day.
    cancel = Override(date(2026, 1, 10), False, "hủy làm bù", "99/QĐ-UBND", date(2026, 1, 5), "x")
    # ... and another makes the CSV's swapped day 2/1/2026 a working day.
    work = Override(date(2026, 1, 2), True, "làm việc", "100/QĐ-UBND", date(2025, 12, 30), "x")
    cal = get_calendar([cancel, work])
    assert not cal.is_working_day(date(2026, 1, 10))
    assert cal.is_working_day(date(2026, 1, 2))
    assert compute_deadline(at(2026, 1, 9), TimeLimit.working_days(1), cal).due == at(
        2026, 1, 12, 17
    )
    assert compute_deadline(at(2025, 12, 31), TimeLimit.working_days(1), cal).due == at(
        2026, 1, 2, 17
    )
    assert cal.explain(date(2026, 1, 2)).decided_by is Layer.OVERRIDE


def test_latest_decision_wins_among_overrides_of_one_day() -> None:
    day = date(2025, 3, 5)
    older = Override(day, False, "nghỉ", "1/QĐ", date(2025, 1, 1))
    newer = Override(day, True, "làm việc lại", "2/QĐ", date(2025, 2, 1))
    assert get_calendar([newer, older]).is_working_day(day)
    newest = Override(day, False, "x", "3/QĐ", date(2025, 3, 1))
    assert not get_calendar([newest, newer, older]).is_working_day(day)


def test_get_calendar_caches_by_overrides() -> None:
    ovr = Override(date(2025, 3, 5), False, "x")
    assert get_calendar([ovr]) is get_calendar((ovr,))
    assert get_calendar() is default_calendar()


def test_out_of_range_dates_raise() -> None:
    with pytest.raises(CalendarRangeError):
        CAL.is_working_day(date(1999, 12, 31))
    with pytest.raises(CalendarRangeError):
        CAL.explain(date(2101, 1, 1))


def test_day_counting_helpers() -> None:
    assert CAL.next_working_day(date(2025, 1, 25)) == date(2025, 2, 3)
    assert CAL.next_working_day(date(2025, 2, 3), include=False) == date(2025, 2, 4)
    assert CAL.add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)
    # (25/4, 5/5]: Saturday 26/4 (make-up), 28/4, 29/4, 5/5
    assert CAL.working_days_between(date(2025, 4, 25), date(2025, 5, 5)) == 4
    days_2026 = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    assert CAL.working_days_in(2026) == [d for d in days_2026 if CAL.is_working_day(d)]
