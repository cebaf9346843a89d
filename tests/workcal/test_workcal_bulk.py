"""The numpy bulk API on the official schedules and its input handling."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from motcua.workcal import (
    UNIT_CODES,
    VN_TZ,
    CalendarRangeError,
    OfficeHours,
    TimeLimit,
    Unit,
    bulk_due,
    compute_deadline,
    default_calendar,
    unit_codes,
)

CAL = default_calendar()


def ts(y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=VN_TZ).timestamp())


def test_make_up_saturdays_and_cutoffs() -> None:
    rec = np.array([ts(2025, 4, 25), ts(2025, 4, 25, 15), ts(2026, 1, 9), ts(2025, 12, 31)])
    got = bulk_due(rec, [1, 1, 1, 2], "working_days", CAL)
    assert got.tolist() == [
        ts(2025, 4, 26, 17),
        ts(2025, 4, 28, 17),
        ts(2026, 1, 10, 17),
        ts(2026, 1, 6, 17),
    ]
    # numpy's busday_offset cannot see the make-up Saturday.
    holidays = [
        d
        for d in np.arange("2025-04-01", "2025-05-31", dtype="datetime64[D]")
        if not CAL.is_working_day(d.astype(object)) and np.is_busday(d)
    ]
    np_due = np.busday_offset(np.datetime64("2025-04-25"), 1, roll="forward", holidays=holidays)
    assert str(np_due) == "2025-04-28"


def test_mixed_units_and_datetime64_input() -> None:
    rec = np.array(
        ["2025-03-03T03:00", "2025-03-03T09:30", "2025-03-03T03:00"], dtype="datetime64[s]"
    )  # UTC: 10:00, 16:30, 10:00 in Hanoi
    units = ["working_hours", "working_hours", "months"]
    got = bulk_due(rec, [4, 1, 1], units, CAL, cutoff=[True, False, True])
    assert got.tolist() == [ts(2025, 3, 3, 15), ts(2025, 3, 4, 8, 30), ts(2025, 4, 3, 17)]
    assert unit_codes(units).tolist() == [4, 4, 3]
    assert bulk_due(rec, 1, unit_codes(units), CAL).shape == (3,)


def test_all_units_match_scalar_with_saturday_reception_hours() -> None:
    hours = OfficeHours.with_saturday_morning()
    rng = np.random.default_rng(7)
    rec = rng.integers(ts(2019, 1, 1), ts(2027, 12, 1), 3000)
    lim = rng.integers(0, 30, 3000)
    codes = rng.integers(0, len(UNIT_CODES), 3000)
    cut = rng.random(3000) < 0.5
    got = bulk_due(rec, lim, codes, CAL, office_hours=hours, cutoff=cut)
    by_code = {v: k for k, v in UNIT_CODES.items()}
    for i in range(0, 3000, 7):
        r = compute_deadline(
            datetime.fromtimestamp(int(rec[i]), VN_TZ),
            TimeLimit(int(lim[i]), by_code[int(codes[i])]),
            CAL,
            office_hours=hours,
            cutoff=bool(cut[i]),
        )
        assert int(r.due.timestamp()) == int(got[i])


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="negative"):
        bulk_due([ts(2025, 3, 3)], [-1], Unit.DAYS, CAL)
    with pytest.raises(CalendarRangeError):
        bulk_due([ts(2101, 3, 3)], [1], Unit.DAYS, CAL)
    with pytest.raises(LookupError):
        bulk_due([ts(2010, 3, 3)], [1], Unit.DAYS, CAL)
    with pytest.raises(TypeError):
        bulk_due(np.array([1.5]), [1], Unit.DAYS, CAL)
    with pytest.raises(ValueError):
        unit_codes(["fortnights"])
    assert bulk_due(np.array([], dtype=np.int64), 1, Unit.DAYS, CAL).shape == (0,)
