"""Re-planning open dossiers when an administrator changes the working calendar (issue 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from motcua.core.models import AuditEvent
from motcua.dossiers import services as s
from motcua.dossiers.models import AppointmentChange, Dossier
from motcua.integrations.models import OutboxMessage
from motcua.org.roles import Role
from motcua.workcal.models import CalendarOverride
from motcua.workcal.services import calendar_override_delete, calendar_override_save
from tests.dossiers.conftest import Actors, take_in, vn
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _received(actors: Actors) -> Dossier:
    d = take_in(actors, vn(2026, 11, 2, 9))
    return s.dossier_receive(dossier=d, actor=actors.receiver, at=vn(2026, 11, 2, 9, 5))


def _override(admin: object, day: dt.date, working: bool) -> CalendarOverride:
    return calendar_override_save(
        actor=admin,  # type: ignore[arg-type]
        override=CalendarOverride(
            day=day,
            is_working_day=working,
            reason="Nghỉ bù thử nghiệm",
            decision_number="99/QĐ-UBND",
            decision_date=dt.date(2026, 10, 1),
        ),
    )


def test_new_day_off_pushes_the_due_and_records_the_cause(
    actors: Actors, django_capture_on_commit_callbacks: object
) -> None:
    d = _received(actors)
    assert d.due_at == vn(2026, 11, 9, 17)
    admin = UserFactory(roles=[Role.ADMIN])
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        _override(admin, dt.date(2026, 11, 4), working=False)
    assert DBTaskResult.objects.filter(task_path__endswith="replan_after_calendar_change").exists()
    moved = s.dossiers_replan_calendar(days=[dt.date(2026, 11, 4)], cause="test", actor=admin)
    assert moved == 1
    d.refresh_from_db()
    assert d.due_at == vn(2026, 11, 10, 17) and d.appointment_at == vn(2026, 11, 10, 17)
    change = AppointmentChange.objects.filter(dossier=d).latest("id")
    assert change.cause == AppointmentChange.Cause.CALENDAR
    assert change.previous_due_at == vn(2026, 11, 9, 17)
    assert AuditEvent.objects.filter(action="dossier.replanned", object_id=str(d.pk)).exists()
    assert AuditEvent.objects.filter(action="calendar.override_saved").exists()
    assert OutboxMessage.objects.filter(key=d.reference, payload__step__action="calendar").exists()


def test_removing_a_day_off_never_makes_the_appointment_earlier(actors: Actors) -> None:
    admin = UserFactory(roles=[Role.ADMIN])
    override = _override(admin, dt.date(2026, 11, 4), working=False)
    from motcua.workcal.selectors import calendar_cache_clear

    calendar_cache_clear()
    d = _received(actors)
    assert d.due_at == vn(2026, 11, 10, 17)
    calendar_override_delete(actor=admin, override=override)
    calendar_cache_clear()
    assert s.dossiers_replan_calendar(days=[dt.date(2026, 11, 4)], cause="removed") == 0
    d.refresh_from_db()
    assert d.due_at == vn(2026, 11, 10, 17)


def test_dossiers_outside_the_window_are_untouched(actors: Actors) -> None:
    d = _received(actors)
    admin = UserFactory(roles=[Role.ADMIN])
    _override(admin, dt.date(2026, 12, 1), working=False)
    assert s.dossiers_replan_calendar(days=[dt.date(2026, 12, 1)], cause="x") == 0
    d.refresh_from_db()
    assert d.due_at == vn(2026, 11, 9, 17)


def test_only_administrators_change_the_calendar(actors: Actors) -> None:
    from motcua.core.errors import DomainError

    with pytest.raises(DomainError):
        _override(actors.receiver, dt.date(2026, 11, 4), working=False)
    assert not CalendarOverride.objects.exists()
