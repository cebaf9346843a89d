"""Django side of the working calendar: build engine objects from the database."""

from __future__ import annotations

import time

from motcua.org.models import ServicePoint
from motcua.workcal.calendar import WorkingCalendar, get_calendar
from motcua.workcal.hours import OfficeHours, Session
from motcua.workcal.models import CalendarOverride
from motcua.workcal.types import Override


def overrides_from_db() -> list[Override]:
    """The administrator's overrides (layer c) as engine objects, oldest day first."""
    rows = CalendarOverride.objects.select_related("entered_by").order_by("day")
    return [
        Override(
            day=row.day,
            working=row.is_working_day,
            reason=row.reason,
            decision_number=row.decision_number,
            decision_date=row.decision_date,
            entered_by=str(row.entered_by) if row.entered_by else "",
        )
        for row in rows
    ]


def office_hours_of(point: ServicePoint) -> OfficeHours:
    """A service point's office hours; Saturday morning reception when it is enabled."""
    saturday: tuple[Session, ...] = ()
    if point.saturday_reception:
        saturday = (Session(point.morning_start, point.morning_end),)
    return OfficeHours(
        sessions=(
            Session(point.morning_start, point.morning_end),
            Session(point.afternoon_start, point.afternoon_end),
        ),
        saturday_reception=saturday,
    )


def office_hours_for_code(code: str) -> OfficeHours | None:
    point = ServicePoint.objects.filter(code=code).first()
    return office_hours_of(point) if point is not None else None


_CALENDAR_TTL = 30.0  # seconds; overrides saved in this process invalidate at once
_calendar_cache: dict[str, tuple[float, WorkingCalendar]] = {}


def calendar_current() -> WorkingCalendar:
    """The working calendar with the administrator's overrides, cached for a few seconds.

    Saving or deleting an override in this process clears the cache at once (see
    :func:`calendar_cache_clear`); other processes see it within ``_CALENDAR_TTL`` seconds.
    Dossiers whose due instants depend on a changed day are re-planned by
    :mod:`motcua.workcal` services, so the short delay never leaves a wrong appointment.
    """
    now = time.monotonic()
    hit = _calendar_cache.get("current")
    if hit is not None and now - hit[0] < _CALENDAR_TTL:
        return hit[1]
    cal = get_calendar(overrides_from_db())
    _calendar_cache["current"] = (now, cal)
    return cal


def calendar_cache_clear() -> None:
    _calendar_cache.clear()
