"""Background work of the dossiers app (django-tasks; ``db_worker`` runs it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from motcua.dossiers.services import dossiers_replan_calendar
from motcua.org.models import User


@task()
def replan_after_calendar_change(days: list[str], cause: str, actor_id: int | None) -> int:
    """Re-plan the open dossiers touched by a calendar change (see
    :func:`motcua.dossiers.services.dossiers_replan_calendar`)."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return dossiers_replan_calendar(
        days=[dt.date.fromisoformat(d) for d in days], cause=cause, actor=actor
    )


def on_calendar_changed(
    sender: Any, *, days: list[dt.date], cause: str, actor: Any, **_: Any
) -> None:
    """Receiver of :data:`motcua.workcal.signals.calendar_changed`: queue the re-planning."""
    replan_after_calendar_change.enqueue(
        [d.isoformat() for d in days], cause, getattr(actor, "pk", None)
    )
