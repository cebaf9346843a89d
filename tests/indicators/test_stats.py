"""Properties of the supervision statistics (motcua.indicators.stats), no database."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.indicators.stats import (
    StepSample,
    active_office_seconds,
    median,
    merge_intervals,
    percentile,
    summarize_steps,
)
from motcua.workcal import VN_TZ, default_calendar, office_time_between

values = st.lists(
    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=60,
)
quantiles = st.floats(min_value=0, max_value=1)


# ------------------------------------------------------------------------------ percentiles
def test_known_values() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    # type 7: rank (10 − 1)·0.9 = 8.1 → 9 + 0.1·(10 − 9)
    assert percentile([float(v) for v in range(1, 11)], 0.9) == pytest.approx(9.1)
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1.0, 100.0], 0.9) == pytest.approx(90.1)


def test_refuses_no_values_and_bad_q() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile([1.0], 1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile([1.0], math.nan)


@given(values, quantiles)
def test_percentile_lies_within_the_values(xs: list[float], q: float) -> None:
    assert min(xs) <= percentile(xs, q) <= max(xs)


@given(values)
def test_ends_are_min_and_max(xs: list[float]) -> None:
    assert percentile(xs, 0.0) == min(xs)
    assert percentile(xs, 1.0) == max(xs)


@given(values, quantiles, quantiles)
def test_percentile_is_monotone_in_q(xs: list[float], q1: float, q2: float) -> None:
    lo, hi = sorted((q1, q2))
    assert percentile(xs, lo) <= percentile(xs, hi)


@given(values, st.randoms(use_true_random=False))
def test_order_of_the_values_does_not_matter(xs: list[float], rnd: object) -> None:
    shuffled = list(xs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert percentile(shuffled, 0.9) == percentile(xs, 0.9)
    assert median(shuffled) == median(xs)


@given(values)
def test_median_agrees_with_the_standard_library(xs: list[float]) -> None:
    assert median(xs) == pytest.approx(statistics.median(xs), rel=1e-12, abs=1e-6)


@given(values)
def test_p90_agrees_with_inclusive_quantiles(xs: list[float]) -> None:
    if len(xs) < 2:
        return
    expected = statistics.quantiles(xs, n=10, method="inclusive")[8]
    assert percentile(xs, 0.9) == pytest.approx(expected, rel=1e-9, abs=1e-6)


@given(st.floats(min_value=0, max_value=1e9), st.integers(1, 30), quantiles)
def test_constant_values(x: float, n: int, q: float) -> None:
    assert percentile([x] * n, q) == x


# ------------------------------------------------------------------------------ office time
BASE = dt.datetime(2026, 10, 1, 0, 0, tzinfo=VN_TZ)
instants = st.integers(min_value=0, max_value=60 * 24 * 40).map(
    lambda m: BASE + dt.timedelta(minutes=m)
)
CAL = default_calendar()


def office(a: dt.datetime, b: dt.datetime) -> float:
    return office_time_between(a, b, CAL).total_seconds()


def test_pause_inside_a_step_is_not_the_agencys_time() -> None:
    start = dt.datetime(2026, 11, 2, 9, tzinfo=VN_TZ)  # Monday
    end = dt.datetime(2026, 11, 4, 9, tzinfo=VN_TZ)  # Wednesday: 16 office hours later
    assert active_office_seconds(start, end, calendar=CAL) == 16 * 3600
    pause = (dt.datetime(2026, 11, 2, 14, tzinfo=VN_TZ), dt.datetime(2026, 11, 3, 14, tzinfo=VN_TZ))
    assert active_office_seconds(start, end, [pause], CAL) == 8 * 3600
    # the same pause recorded twice is subtracted once
    assert active_office_seconds(start, end, [pause, pause], CAL) == 8 * 3600
    # a weekend costs nothing: Friday 16:00 → Monday 09:00 is 2 office hours
    fri = dt.datetime(2026, 11, 6, 16, tzinfo=VN_TZ)
    mon = dt.datetime(2026, 11, 9, 9, tzinfo=VN_TZ)
    assert active_office_seconds(fri, mon, calendar=CAL) == 2 * 3600


def test_open_pause_runs_to_the_end_of_the_step() -> None:
    start = dt.datetime(2026, 11, 2, 8, tzinfo=VN_TZ)
    end = dt.datetime(2026, 11, 2, 17, tzinfo=VN_TZ)
    still_paused = (dt.datetime(2026, 11, 2, 15, tzinfo=VN_TZ), None)
    assert active_office_seconds(start, end, [still_paused], CAL) == 6 * 3600


pauses = st.lists(st.tuples(instants, instants).map(lambda t: tuple(sorted(t))), max_size=4)


@settings(max_examples=60, deadline=None)
@given(instants, instants, pauses)
def test_active_time_is_between_zero_and_the_office_time(
    a: dt.datetime, b: dt.datetime, ps: list[tuple[dt.datetime, dt.datetime]]
) -> None:
    start, end = min(a, b), max(a, b)
    active = active_office_seconds(start, end, ps, CAL)
    assert 0 <= active <= office(start, end)
    if not ps:
        assert active == office(start, end)


@settings(max_examples=60, deadline=None)
@given(instants, instants, instants, pauses)
def test_active_time_adds_up_over_a_split(
    a: dt.datetime, b: dt.datetime, c: dt.datetime, ps: list[tuple[dt.datetime, dt.datetime]]
) -> None:
    x, y, z = sorted((a, b, c))
    whole = active_office_seconds(x, z, ps, CAL)
    parts = active_office_seconds(x, y, ps, CAL) + active_office_seconds(y, z, ps, CAL)
    assert whole == pytest.approx(parts, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(instants, instants)
def test_a_pause_over_the_whole_step_leaves_nothing(a: dt.datetime, b: dt.datetime) -> None:
    start, end = min(a, b), max(a, b)
    covering = (start - dt.timedelta(days=1), end + dt.timedelta(days=1))
    assert active_office_seconds(start, end, [covering], CAL) == 0


@given(pauses)
def test_merged_intervals_are_disjoint_and_cover_the_same_instants(
    ps: list[tuple[dt.datetime, dt.datetime]],
) -> None:
    merged = merge_intervals(ps)
    assert all(a < b for a, b in merged)
    assert all(merged[i][1] < merged[i + 1][0] for i in range(len(merged) - 1))
    for a, b in ps:
        if b > a:  # every non-empty input lies inside one merged interval
            assert any(m0 <= a and b <= m1 for m0, m1 in merged)


# ------------------------------------------------------------------------------ summaries
def test_summary_of_steps_against_budget() -> None:
    hour = 3600.0
    samples = [StepSample(h * hour, 8 * hour, late=h > 8) for h in (2, 4, 6, 8, 10, 30)]
    s = summarize_steps(samples)
    assert s.count == 6 and s.late == 2
    assert s.median_seconds == 7 * hour
    assert s.p90_seconds == pytest.approx(20 * hour)  # rank 4.5 → 10 + 0.5·(30 − 10)
    assert s.budget_seconds == 8 * hour
    assert s.p90_over_budget == pytest.approx(2.5)
    assert s.late_share == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        summarize_steps([])


@given(
    st.lists(st.tuples(values.map(lambda v: v[0]), st.floats(1, 1e6), st.booleans()), min_size=1)
)
def test_summary_bounds(rows: list[tuple[float, float, bool]]) -> None:
    s = summarize_steps([StepSample(a, b, late) for a, b, late in rows])
    assert s.count == len(rows)
    assert s.median_seconds <= s.p90_seconds
    assert 0 <= s.late == sum(1 for r in rows if r[2]) <= s.count
    assert min(r[1] for r in rows) <= s.budget_seconds <= max(r[1] for r in rows)
