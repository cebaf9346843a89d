"""The deliver_outbox background task and the read-only outbox admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from motcua.core.models import AuditEvent
from motcua.integrations.adapters import DeliveryError
from motcua.integrations.models import OutboxMessage
from motcua.integrations.services import outbox_deliver, outbox_enqueue
from motcua.integrations.tasks import deliver_outbox, purge_outbox
from tests.factories import UserFactory
from tests.integrations.conftest import FAKE_TOPIC, FakeAdapter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbox_settings")]

TASK_PATH = "motcua.integrations.tasks.deliver_outbox"
Status = OutboxMessage.Status


def put(key: str, ident: str) -> OutboxMessage:
    with transaction.atomic():
        return outbox_enqueue(topic=FAKE_TOPIC, key=key, payload={"id": ident})


def queued_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("enqueued_at"))


def test_task_delivers_and_schedules_nothing_when_done(fake: FakeAdapter) -> None:
    put("A", "a1")
    result = deliver_outbox.call()
    assert result["delivered"] == 1
    assert fake.ids == ["a1"]
    assert queued_tasks() == []


def test_task_schedules_itself_at_the_earliest_retry(fake: FakeAdapter) -> None:
    fake.fail_next(DeliveryError("down"))
    put("A", "a1")
    before = timezone.now()
    result = deliver_outbox.call()
    assert result["retrying"] == 1
    [follow_up] = queued_tasks()
    assert before + dt.timedelta(seconds=10) <= follow_up.run_after
    assert follow_up.run_after <= timezone.now() + dt.timedelta(seconds=10)


def test_task_continues_at_once_when_the_batch_was_full(fake: FakeAdapter) -> None:
    for n in range(3):
        put(f"K{n}", f"m{n}")
    assert deliver_outbox.call(2)["more"] is True
    [follow_up] = queued_tasks()
    assert follow_up.args_kwargs["args"] == [2]


def test_task_does_not_chase_a_disabled_portal(settings: Any) -> None:
    settings.MOTCUA_NATIONAL_PORTAL_URL = None
    with transaction.atomic():
        outbox_enqueue(topic="national_portal.dossier", key="H26.30-261121-0001", payload={})
    assert deliver_outbox.call()["not_configured"] == 1
    assert queued_tasks() == []


def test_admin_lists_read_only_and_filters(admin_client: Client, fake: FakeAdapter) -> None:
    put("H26.30-261121-0001", "a1")
    page = admin_client.get("/admin/integrations/outboxmessage/?status__exact=pending")
    assert page.status_code == 200
    assert "H26.30-261121-0001" in page.content.decode()
    assert admin_client.get("/admin/integrations/outboxmessage/add/").status_code == 403
    message = OutboxMessage.objects.get()
    detail = admin_client.get(f"/admin/integrations/outboxmessage/{message.pk}/change/")
    assert detail.status_code == 200
    assert "&quot;id&quot;: &quot;a1&quot;" in detail.content.decode()


def test_admin_retry_now_action(admin_client: Client, fake: FakeAdapter) -> None:
    fake.fail_next(DeliveryError("rejected", permanent=True))
    message = put("A", "a1")
    outbox_deliver(now=timezone.now() + dt.timedelta(seconds=1))
    message.refresh_from_db()
    assert message.status == Status.DEAD

    response = admin_client.post(
        "/admin/integrations/outboxmessage/",
        {"action": "retry_now", "_selected_action": [str(message.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.available_at <= timezone.now()
    event = AuditEvent.objects.get(action="integrations.outbox_retry")
    assert event.actor is not None
    assert event.data == {"messages": [message.pk]}


def test_retry_now_needs_the_change_permission(client: Client, fake: FakeAdapter) -> None:
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    client.force_login(viewer)
    put("A", "a1")
    page = client.get("/admin/integrations/outboxmessage/")
    assert page.status_code == 200
    assert "retry_now" not in page.content.decode()


def test_purge_deletes_only_old_delivered_messages(fake: FakeAdapter, t0: dt.datetime) -> None:
    fake.fail_next(DeliveryError("rejected", permanent=True))
    dead, old, recent = put("A", "a1"), put("B", "b1"), put("C", "c1")
    outbox_deliver(now=t0)  # a1 dead, b1 and c1 delivered
    long_ago = t0 - dt.timedelta(days=100)
    OutboxMessage.objects.filter(pk__in=[dead.pk, old.pk]).update(
        created_at=long_ago, delivered_at=long_ago
    )
    assert purge_outbox.call(90) == 1
    remaining = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert remaining == {dead.pk, recent.pk}
