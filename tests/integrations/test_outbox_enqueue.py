"""outbox_enqueue: only inside the business transaction, and gone if that rolls back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from motcua.integrations.models import OutboxMessage
from motcua.integrations.services import outbox_enqueue

TOPIC = "national_portal.dossier"
TASK_PATH = "motcua.integrations.tasks.deliver_outbox"


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside"):
        outbox_enqueue(topic=TOPIC, key="H26.30-261121-0001", payload={"status": 2})
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_message_rolls_back_with_the_business_change() -> None:
    with pytest.raises(RuntimeError, match="business rule broke"), transaction.atomic():
        outbox_enqueue(topic=TOPIC, key="H26.30-261121-0001", payload={"status": 2})
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("business rule broke")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_committed_message_is_pending_and_due_now() -> None:
    with transaction.atomic():
        message = outbox_enqueue(
            topic=TOPIC, key="H26.30-261121-0001", payload={"status": 2, "note": "Tiếp nhận"}
        )
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 0
    assert message.delivered_at is None
    assert message.last_error == ""
    assert message.available_at <= timezone.now()
    assert message.payload == {"status": 2, "note": "Tiếp nhận"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("topic", "key", "payload"),
    [("", "k", {}), ("t", "", {}), ("t", "k", ["not", "a", "dict"]), ("t" * 101, "k", {})],
)
def test_bad_arguments_are_programming_errors(topic: str, key: str, payload: Any) -> None:
    with pytest.raises(ValueError, match="outbox"), transaction.atomic():
        outbox_enqueue(topic=topic, key=key, payload=payload)


@pytest.mark.django_db
def test_one_delivery_task_is_enqueued_per_committed_transaction(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MOTCUA_OUTBOX_KICK = True
    settings.MOTCUA_OUTBOX_KICK_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox_enqueue(topic=TOPIC, key="A", payload={})
        outbox_enqueue(topic=TOPIC, key="B", payload={})
        # written in the business transaction: it exists exactly when the messages do
        assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1
    assert len(callbacks) == 1
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1


@pytest.mark.django_db
def test_a_rolled_back_transaction_leaves_no_delivery_task(settings: Any) -> None:
    settings.MOTCUA_OUTBOX_KICK_SECONDS = 0
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
        outbox_enqueue(topic=TOPIC, key="A", payload={})
        raise RuntimeError("boom")
    assert not DBTaskResult.objects.filter(task_path=TASK_PATH).exists()


@pytest.mark.django_db(transaction=True)  # five real commits
def test_a_busy_process_enqueues_one_task_now_and_one_at_the_end_of_the_window(
    settings: Any,
) -> None:
    settings.MOTCUA_OUTBOX_KICK_SECONDS = 60
    before = timezone.now()
    for key in "ABCDE":  # five transactions within one window
        with transaction.atomic():
            outbox_enqueue(topic=TOPIC, key=key, payload={})
    tasks = list(DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("enqueued_at"))
    assert len(tasks) == 2
    first, second = (task.task.run_after for task in tasks)
    assert first is None  # due at once
    assert second is not None
    assert before + dt.timedelta(seconds=50) < second <= timezone.now() + dt.timedelta(seconds=60)


@pytest.mark.django_db
def test_no_task_when_the_kick_is_switched_off(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MOTCUA_OUTBOX_KICK = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox_enqueue(topic=TOPIC, key="A", payload={})
    assert callbacks == []
    assert not DBTaskResult.objects.filter(task_path=TASK_PATH).exists()
