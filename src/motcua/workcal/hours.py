"""Office hours of a service point (giờ làm việc của Bộ phận Một cửa).

Office hours say *when* a working day is worked. Which days are working days is the
calendar's business (:class:`~motcua.workcal.calendar.WorkingCalendar`): the sessions apply to
every working day, make-up Saturdays included. A service point may also be open for
*reception* on Saturday mornings; that does not make Saturday a working day, so a dossier
received then counts from the next working day and no office time passes on Saturday.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from itertools import pairwise

from .types import VN_TZ

__all__ = ["DEFAULT_OFFICE_HOURS", "OfficeHours", "Session"]

_US_PER_SECOND = 1_000_000
_SATURDAY = 5


def _time_us(value: time) -> int:
    return (
        value.hour * 3600 + value.minute * 60 + value.second
    ) * _US_PER_SECOND + value.microsecond


@dataclass(frozen=True, slots=True)
class Session:
    """One office session ``[start, end)`` within a day, local time (e.g. 08:00-12:00)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if value.tzinfo is not None:
                raise ValueError("session times are local wall-clock times without tzinfo")
            if value.microsecond:
                raise ValueError("session times must be whole seconds")
        if not self.start < self.end:
            raise ValueError(f"session must start before it ends: {self.start}-{self.end}")

    @property
    def length(self) -> timedelta:
        return timedelta(microseconds=_time_us(self.end) - _time_us(self.start))

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _check_sessions(sessions: tuple[Session, ...], what: str) -> None:
    for before, after in pairwise(sessions):
        if after.start < before.end:
            raise ValueError(f"{what} must be in order and must not overlap")


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Sessions worked on every working day, plus optional Saturday reception hours."""

    sessions: tuple[Session, ...] = (
        Session(time(8, 0), time(12, 0)),
        Session(time(13, 0), time(17, 0)),
    )
    saturday_reception: tuple[Session, ...] = ()
    # Derived, in microseconds since local midnight: session bounds and office time before each.
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _ends: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _before: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sessions = tuple(self.sessions)
        saturday = tuple(self.saturday_reception)
        if not sessions:
            raise ValueError("office hours need at least one session")
        _check_sessions(sessions, "sessions")
        _check_sessions(saturday, "Saturday reception sessions")
        object.__setattr__(self, "sessions", sessions)
        object.__setattr__(self, "saturday_reception", saturday)
        starts = tuple(_time_us(s.start) for s in sessions)
        ends = tuple(_time_us(s.end) for s in sessions)
        before: list[int] = []
        total = 0
        for start, end in zip(starts, ends, strict=True):
            before.append(total)
            total += end - start
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_ends", ends)
        object.__setattr__(self, "_before", tuple(before))

    @classmethod
    def with_saturday_morning(cls, start: time = time(8), end: time = time(12)) -> OfficeHours:
        """Default weekday sessions, and reception (only) on Saturday mornings."""
        return cls(saturday_reception=(Session(start, end),))

    # ---------------------------------------------------------------- within one day
    @property
    def opening(self) -> time:
        return self.sessions[0].start

    @property
    def closing(self) -> time:
        """End of office hours: due instants of day-based limits are set to this time."""
        return self.sessions[-1].end

    @property
    def daily(self) -> timedelta:
        """Office time in one working day (8 hours by default)."""
        return timedelta(microseconds=self.daily_us)

    @property
    def daily_us(self) -> int:
        return self._before[-1] + self._ends[-1] - self._starts[-1]

    @property
    def opening_us(self) -> int:
        return self._starts[0]

    @property
    def closing_us(self) -> int:
        return self._ends[-1]

    def session_bounds_us(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """``(starts, ends, office time before each session)``, microseconds since midnight."""
        return self._starts, self._ends, self._before

    def elapsed_us(self, us_of_day: int) -> int:
        """Office time of a working day elapsed by ``us_of_day`` microseconds after midnight."""
        k = bisect_right(self._starts, us_of_day) - 1
        if k < 0:
            return 0
        return self._before[k] + min(us_of_day, self._ends[k]) - self._starts[k]

    def in_session_us(self, us_of_day: int) -> bool:
        k = bisect_right(self._starts, us_of_day) - 1
        return k >= 0 and us_of_day < self._ends[k]

    def next_start_us(self, us_of_day: int) -> int | None:
        """First session start strictly after ``us_of_day`` on the same day, if any."""
        k = bisect_right(self._starts, us_of_day)
        return self._starts[k] if k < len(self._starts) else None

    def instant_us(self, elapsed: int) -> int:
        """Earliest time of day at which ``elapsed`` (0 < elapsed <= daily) office time is done."""
        for start, end, before in zip(self._starts, self._ends, self._before, strict=True):
            if elapsed <= before + end - start:
                return start + elapsed - before
        raise ValueError("elapsed office time exceeds one day")

    def is_saturday_reception(self, local: datetime) -> bool:
        """Is ``local`` within the Saturday reception hours (reception only, no office time)?"""
        local = local.astimezone(VN_TZ)
        if local.weekday() != _SATURDAY:
            return False
        us = _time_us(local.timetz().replace(tzinfo=None))
        return any(_time_us(s.start) <= us < _time_us(s.end) for s in self.saturday_reception)


#: 08:00-12:00 and 13:00-17:00 on working days; no Saturday reception.
DEFAULT_OFFICE_HOURS = OfficeHours()
