"""Small immutable value types shared by the working-calendar engine.

Everything here is plain Python (no Django). Instants are always *aware* datetimes; the
engine works in ``Asia/Ho_Chi_Minh`` (UTC+7 all year, no daylight saving since 1975).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "VN_TZ",
    "Layer",
    "Outcome",
    "Override",
    "Pause",
    "PauseKind",
    "Status",
    "TimeLimit",
    "Unit",
    "ensure_aware",
]

#: The only time zone the engine computes in.
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def ensure_aware(value: datetime, what: str = "instant") -> datetime:
    """Return ``value`` converted to Asia/Ho_Chi_Minh; reject naive datetimes."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime (got naive {value.isoformat()})")
    return value.astimezone(VN_TZ)


class Unit(enum.StrEnum):
    """Units of a legal time limit (``DonViTinh`` on the national portal)."""

    WORKING_DAYS = "working_days"  # ngày làm việc
    SAME_DAY = "same_day"  # trong ngày
    DAYS = "days"  # ngày (calendar days)
    MONTHS = "months"  # tháng
    WORKING_HOURS = "working_hours"  # giờ làm việc


#: Units that count whole days (the cut-off applies, due at the end of office hours).
DAY_UNITS = frozenset({Unit.WORKING_DAYS, Unit.SAME_DAY, Unit.DAYS, Unit.MONTHS})


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A legal time limit: ``value`` units (``value`` is ignored for :attr:`Unit.SAME_DAY`)."""

    value: int
    unit: Unit

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise TypeError(f"time limit value must be an int, got {self.value!r}")
        if self.value < 0:
            raise ValueError(f"time limit must not be negative, got {self.value}")
        # Accept plain strings ("working_days") and normalise them to the enum.
        object.__setattr__(self, "unit", Unit(self.unit))

    @classmethod
    def working_days(cls, n: int) -> TimeLimit:
        return cls(n, Unit.WORKING_DAYS)

    @classmethod
    def same_day(cls) -> TimeLimit:
        return cls(0, Unit.SAME_DAY)

    @classmethod
    def days(cls, n: int) -> TimeLimit:
        return cls(n, Unit.DAYS)

    @classmethod
    def months(cls, n: int) -> TimeLimit:
        return cls(n, Unit.MONTHS)

    @classmethod
    def working_hours(cls, n: int) -> TimeLimit:
        return cls(n, Unit.WORKING_HOURS)

    def __str__(self) -> str:
        if self.unit is Unit.SAME_DAY:
            return "same day"
        return f"{self.value} {self.unit.value.replace('_', ' ')}"


class Layer(enum.StrEnum):
    """Where a day's status comes from, weakest first."""

    WEEKDAY = "weekday"  # Monday-Friday work, Saturday/Sunday off
    PACKAGE = "holidays_package"  # the `holidays` PyPI package (Vietnam)
    OFFICIAL = "official"  # announcements shipped in motcua/data/holidays_vn.csv
    OVERRIDE = "override"  # an administrator's override (with its decision)


class Status(enum.StrEnum):
    """What one layer says about one day."""

    OFF = "off"  # a day off (holiday, compensatory, swapped)
    WORKING = "working"  # a working day (e.g. a make-up Saturday)
    UNCONFIRMED = "unconfirmed"  # announced but not confirmed: not applied by default
    SILENT = "silent"  # an announced year that lists nothing for this day: ordinary day


class Outcome(enum.StrEnum):
    """Classification of a completion against its due instant."""

    EARLY = "early"  # trước hạn: completed before the due day
    ON_TIME = "on_time"  # đúng hạn: on the due day, not after the due instant
    LATE = "late"  # quá hạn: after the due instant


class PauseKind(enum.StrEnum):
    """Why the clock stopped (tạm dừng)."""

    SUPPLEMENT = "supplement"  # yêu cầu bổ sung during processing: restarts the limit
    FINANCIAL_OBLIGATION = "financial_obligation"  # nghĩa vụ tài chính: pushes the due
    CITIZEN_VERIFICATION = "citizen_verification"  # verification asked by the citizen
    OTHER = "other"  # any other legal pause: pushes the due


@dataclass(frozen=True, slots=True)
class Pause:
    """A closed interval during which the clock stood still."""

    start: datetime
    end: datetime
    kind: PauseKind = PauseKind.OTHER

    def __post_init__(self) -> None:
        start = ensure_aware(self.start, "pause start")
        end = ensure_aware(self.end, "pause end")
        if end < start:
            raise ValueError("pause ends before it starts")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "kind", PauseKind(self.kind))

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Override:
    """An administrator's decision that a day is (not) a working day.

    Overrides win over every other layer. When several overrides name the same day, the one
    with the latest ``decision_date`` wins (an override without a decision date counts as
    oldest); among equals, the one given last wins.
    """

    day: date
    working: bool
    reason: str = ""
    decision_number: str = ""
    decision_date: date | None = None
    entered_by: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.day, datetime):
            raise TypeError("Override.day must be a date, not a datetime")

    def describe(self) -> str:
        parts = [self.reason or ("working day" if self.working else "day off")]
        if self.decision_number:
            decided = f"decision {self.decision_number}"
            if self.decision_date is not None:
                decided += f" of {self.decision_date.isoformat()}"
            parts.append(decided)
        if self.entered_by:
            parts.append(f"entered by {self.entered_by}")
        return "; ".join(parts)
