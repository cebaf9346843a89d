"""Property tests (hypothesis) of the deadline engine, and bulk == scalar."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.workcal import (
    VN_TZ,
    Pause,
    PauseKind,
    TimeLimit,
    Unit,
    bulk_due,
    compute_deadline,
    default_calendar,
)

CAL = default_calendar()
LO = int(datetime(2019, 1, 1, tzinfo=VN_TZ).timestamp())
HI = int(datetime(2028, 12, 31, tzinfo=VN_TZ).timestamp())
DAY_UNITS = [Unit.WORKING_DAYS, Unit.SAME_DAY, Unit.DAYS, Unit.MONTHS]
ALL_UNITS = [*DAY_UNITS, Unit.WORKING_HOURS]
SETTINGS = settings(max_examples=200, deadline=None)

instants = st.integers(min_value=LO, max_value=HI).map(lambda s: datetime.fromtimestamp(s, VN_TZ))
limits = st.integers(min_value=0, max_value=60)


@SETTINGS
@given(received=instants, n=limits, unit=st.sampled_from(DAY_UNITS), cutoff=st.booleans())
def test_day_units_end_on_a_working_day_at_closing(
    received: datetime, n: int, unit: Unit, cutoff: bool
) -> None:
    r = compute_deadline(received, TimeLimit(n, unit), CAL, cutoff=cutoff)
    assert CAL.is_working_day(r.due.date())
    assert CAL.is_working_day(r.effective_reception_day)
    assert (r.due.hour, r.due.minute) == (17, 0)
    assert r.due > received or r.due.date() == received.date()
    for day in r.working_days_skipped:
        assert not CAL.is_working_day(day)


@SETTINGS
@given(received=instants, n=st.integers(0, 120))
def test_working_hours_end_in_office_time(received: datetime, n: int) -> None:
    r = compute_deadline(received, TimeLimit.working_hours(n), CAL)
    assert CAL.is_working_day(r.due.date())
    assert 8 <= r.due.hour <= 17
    assert r.due >= received


@SETTINGS
@given(
    a=instants,
    delta=st.integers(0, 10 * 86400),
    n=limits,
    unit=st.sampled_from(ALL_UNITS),
    cutoff=st.booleans(),
)
def test_monotonic_in_reception(a: datetime, delta: int, n: int, unit: Unit, cutoff: bool) -> None:
    b = a + timedelta(seconds=delta)
    limit = TimeLimit(n, unit)
    assert (
        compute_deadline(a, limit, CAL, cutoff=cutoff).due
        <= compute_deadline(b, limit, CAL, cutoff=cutoff).due
    )


@SETTINGS
@given(received=instants, n=limits, m=st.integers(0, 20), unit=st.sampled_from(ALL_UNITS))
def test_monotonic_in_limit(received: datetime, n: int, m: int, unit: Unit) -> None:
    if unit is Unit.SAME_DAY:
        unit = Unit.WORKING_DAYS
    assert (
        compute_deadline(received, TimeLimit(n, unit), CAL).due
        <= compute_deadline(received, TimeLimit(n + m, unit), CAL).due
    )


@SETTINGS
@given(received=instants, n=st.integers(0, 40), m=st.integers(0, 40), cutoff=st.booleans())
def test_working_days_n_then_m_is_n_plus_m(
    received: datetime, n: int, m: int, cutoff: bool
) -> None:
    first = compute_deadline(received, TimeLimit.working_days(n), CAL, cutoff=cutoff)
    # Count M more from the first due day (received there in the morning: same effective day).
    morning = first.due.replace(hour=9)
    second = compute_deadline(morning, TimeLimit.working_days(m), CAL, cutoff=cutoff)
    assert second.effective_reception_day == first.due.date()
    whole = compute_deadline(received, TimeLimit.working_days(n + m), CAL, cutoff=cutoff)
    assert second.due == whole.due
    eff = first.effective_reception_day
    assert CAL.add_working_days(CAL.add_working_days(eff, n), m) == CAL.add_working_days(eff, n + m)


@SETTINGS
@given(
    received=instants,
    offset=st.integers(0, 30 * 86400),
    n=limits,
    unit=st.sampled_from(ALL_UNITS),
    kind=st.sampled_from([k for k in PauseKind if k is not PauseKind.SUPPLEMENT]),
)
def test_zero_length_pause_changes_nothing(
    received: datetime, offset: int, n: int, unit: Unit, kind: PauseKind
) -> None:
    limit = TimeLimit(n, unit)
    moment = received + timedelta(seconds=offset)
    plain = compute_deadline(received, limit, CAL)
    paused = compute_deadline(received, limit, CAL, pauses=[Pause(moment, moment, kind)])
    assert paused.due == plain.due


@SETTINGS
@given(received=instants, n=limits, unit=st.sampled_from(ALL_UNITS))
def test_zero_length_supplement_at_reception_changes_nothing(
    received: datetime, n: int, unit: Unit
) -> None:
    limit = TimeLimit(n, unit)
    pause = Pause(received, received, PauseKind.SUPPLEMENT)
    assert (
        compute_deadline(received, limit, CAL, pauses=[pause]).due
        == compute_deadline(received, limit, CAL).due
    )


@SETTINGS
@given(
    items=st.lists(
        st.tuples(
            st.integers(LO, HI),
            st.integers(0, 60),
            st.sampled_from(ALL_UNITS),
            st.booleans(),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_bulk_agrees_with_scalar(items: list[tuple[int, int, Unit, bool]]) -> None:
    rec = np.array([i[0] for i in items], dtype=np.int64)
    lim = np.array([i[1] for i in items], dtype=np.int64)
    units = np.array([i[2].value for i in items])
    cut = np.array([i[3] for i in items])
    got = bulk_due(rec, lim, units, CAL, cutoff=cut)
    for (sec, n, unit, cutoff), due in zip(items, got.tolist(), strict=True):
        expected = compute_deadline(
            datetime.fromtimestamp(sec, VN_TZ), TimeLimit(n, unit), CAL, cutoff=cutoff
        )
        assert int(expected.due.timestamp()) == due, (sec, n, unit, cutoff)
