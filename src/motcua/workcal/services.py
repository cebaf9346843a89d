"""Changes to the working calendar: the administrator's overrides (layer c).

Each change is one transaction with its audit event; once it commits, the in-process
calendar cache is cleared and :data:`~motcua.workcal.signals.calendar_changed` is sent so
that open dossiers are re-planned.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError, ErrorKind
from motcua.core.services import audit_record
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.workcal.models import CalendarOverride
from motcua.workcal.selectors import calendar_cache_clear
from motcua.workcal.signals import calendar_changed


def _require_admin(actor: User) -> None:
    if not (actor.is_superuser or actor.has_role(Role.ADMIN)):
        raise DomainError(
            "calendar.not_allowed",
            _("Only an administrator changes the working calendar."),
            kind=ErrorKind.FORBIDDEN,
        )


def _after_commit(days: list[dt.date], cause: str, actor: User) -> None:
    def send() -> None:
        calendar_cache_clear()
        calendar_changed.send(sender=CalendarOverride, days=days, cause=cause, actor=actor)

    transaction.on_commit(send)


def _describe(override: CalendarOverride) -> str:
    kind = "working day" if override.is_working_day else "day off"
    return (
        f"{override.day.isoformat()} {kind}: {override.reason} "
        f"({override.decision_number} of {override.decision_date.isoformat()})"
    )


@transaction.atomic
def calendar_override_save(*, actor: User, override: CalendarOverride) -> CalendarOverride:
    """Create or change an override (validated by the caller's form)."""
    _require_admin(actor)
    previous_day: dt.date | None = None
    if override.pk is not None:
        previous_day = (
            CalendarOverride.objects.filter(pk=override.pk).values_list("day", flat=True).first()
        )
    override.entered_by = actor
    override.save()
    days = sorted({override.day, *([previous_day] if previous_day else [])})
    audit_record(
        action="calendar.override_saved",
        actor=actor,
        obj=override,
        data={
            "day": override.day.isoformat(),
            "working": override.is_working_day,
            "decision": override.decision_number,
        },
    )
    _after_commit(days, _describe(override), actor)
    return override


@transaction.atomic
def calendar_override_delete(*, actor: User, override: CalendarOverride) -> None:
    _require_admin(actor)
    day = override.day
    description = _describe(override)
    audit_record(
        action="calendar.override_deleted",
        actor=actor,
        obj=override,
        data={"day": day.isoformat(), "working": override.is_working_day},
    )
    override.delete()
    _after_commit([day], f"removed: {description}", actor)
