"""outbox_deliver: order per key, backoff, dead letters, disabled adapters, crashed workers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from motcua.core.models import AuditEvent
from motcua.integrations.adapters import DeliveryError, NotConfiguredError
from motcua.integrations.models import OutboxMessage
from motcua.integrations.selectors import (
    outbox_due,
    outbox_next_attempt_at,
    outbox_status_counts,
)
from motcua.integrations.services import (
    outbox_backoff,
    outbox_deliver,
    outbox_enqueue,
    outbox_retry,
)
from tests.integrations.conftest import FAKE_TOPIC, FakeAdapter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbox_settings")]

Status = OutboxMessage.Status
SECOND = dt.timedelta(seconds=1)


def put(key: str, ident: str, topic: str = FAKE_TOPIC) -> OutboxMessage:
    with transaction.atomic():
        return outbox_enqueue(topic=topic, key=key, payload={"id": ident})


def fresh(message: OutboxMessage) -> OutboxMessage:
    message.refresh_from_db()
    return message


def test_delivers_oldest_first_and_marks_delivered(fake: FakeAdapter, t0: dt.datetime) -> None:
    first, second = put("A", "a1"), put("B", "b1")
    report = outbox_deliver(now=t0)
    assert fake.ids == ["a1", "b1"]
    assert (report.attempted, report.delivered, report.retrying, report.dead) == (2, 2, 0, 0)
    for message in (fresh(first), fresh(second)):
        assert message.status == Status.DELIVERED
        assert message.delivered_at == t0
        assert message.attempts == 1
    assert outbox_deliver(now=t0).attempted == 0  # nothing left


def test_a_message_waits_for_the_older_one_with_the_same_key(
    fake: FakeAdapter, t0: dt.datetime
) -> None:
    put("A", "a1"), put("A", "a2"), put("B", "b1")
    fake.fail_next(DeliveryError("portal down"))

    first_run = outbox_deliver(now=t0)
    assert fake.ids == ["b1"]  # a1 failed, so a2 must not overtake it
    assert (first_run.attempted, first_run.delivered, first_run.retrying) == (2, 1, 1)
    assert first_run.retry_at == t0 + 10 * SECOND
    assert [m.payload["id"] for m in outbox_due(now=t0 + 10 * SECOND)] == ["a1"]

    assert outbox_deliver(now=t0 + 9 * SECOND).attempted == 0  # not due yet
    second_run = outbox_deliver(now=t0 + 10 * SECOND)
    assert fake.ids == ["b1", "a1", "a2"]  # a2 follows a1 in the same run
    assert second_run.delivered == 2


def test_same_key_on_another_topic_is_not_held_up(fake: FakeAdapter, t0: dt.datetime) -> None:
    put("A", "a1", topic="test.unregistered")
    put("A", "a2")
    outbox_deliver(now=t0)
    assert fake.ids == ["a2"]


def test_exponential_backoff_then_dead_after_max_attempts(
    fake: FakeAdapter, t0: dt.datetime
) -> None:
    fake.always_fail = DeliveryError("HTTP 503")
    message = put("A", "a1")

    report = outbox_deliver(now=t0)
    assert report.retrying == 1
    assert fresh(message).status == Status.FAILED
    assert (message.attempts, message.available_at) == (1, t0 + 10 * SECOND)
    assert message.last_error == "HTTP 503"

    outbox_deliver(now=t0 + 10 * SECOND)
    assert fresh(message).attempts == 2
    assert message.available_at == t0 + 30 * SECOND  # waited 10 s, now 20 s

    report = outbox_deliver(now=t0 + 30 * SECOND)  # third attempt of 3
    assert (report.dead, report.retrying, report.retry_at) == (1, 0, None)
    assert fresh(message).status == Status.DEAD
    assert message.attempts == 3
    assert message.delivered_at is None

    assert outbox_deliver(now=t0 + dt.timedelta(days=30)).attempted == 0


def test_backoff_doubles_up_to_the_cap(settings: Any) -> None:
    settings.MOTCUA_OUTBOX_BACKOFF_SECONDS = 30
    settings.MOTCUA_OUTBOX_BACKOFF_MAX_SECONDS = 600
    waits = [outbox_backoff(n).total_seconds() for n in range(1, 8)]
    assert waits == [30, 60, 120, 240, 480, 600, 600]
    assert outbox_backoff(10_000).total_seconds() == 600


def test_a_permanent_error_is_dead_at_once(fake: FakeAdapter, t0: dt.datetime) -> None:
    fake.fail_next(DeliveryError("HTTP 400: MaTTHC invalid", permanent=True))
    message = put("A", "a1")
    report = outbox_deliver(now=t0)
    assert report.dead == 1
    assert fresh(message).status == Status.DEAD
    assert message.attempts == 1
    assert "MaTTHC" in message.last_error


def test_a_dead_message_blocks_its_key_until_retried(fake: FakeAdapter, t0: dt.datetime) -> None:
    fake.fail_next(DeliveryError("rejected", permanent=True))
    dead, later = put("A", "a1"), put("A", "a2")
    outbox_deliver(now=t0)
    assert fresh(dead).status == Status.DEAD
    assert outbox_deliver(now=t0 + dt.timedelta(days=1)).attempted == 0
    assert fresh(later).status == Status.PENDING

    user = None
    assert outbox_retry(message_ids=[dead.pk, later.pk], actor=user, now=t0) == 2
    assert fresh(dead).status == Status.FAILED
    assert dead.available_at == t0
    event = AuditEvent.objects.get(action="integrations.outbox_retry")
    assert event.data == {"messages": [dead.pk, later.pk]}

    outbox_deliver(now=t0)
    assert fake.ids == ["a1", "a2"]
    assert fresh(dead).status == Status.DELIVERED
    assert dead.attempts == 2


def test_retry_leaves_delivered_messages_alone(fake: FakeAdapter, t0: dt.datetime) -> None:
    message = put("A", "a1")
    outbox_deliver(now=t0)
    assert outbox_retry(message_ids=[message.pk], now=t0 + SECOND) == 0
    assert fresh(message).status == Status.DELIVERED
    assert message.available_at != t0 + SECOND


def test_a_crashing_adapter_is_recorded_and_others_still_go(
    fake: FakeAdapter, t0: dt.datetime
) -> None:
    fake.fail_next(ZeroDivisionError("bug in the adapter"))
    crashed, other = put("A", "a1"), put("B", "b1")
    report = outbox_deliver(now=t0)
    assert (report.retrying, report.delivered) == (1, 1)
    assert fresh(crashed).status == Status.FAILED
    assert crashed.last_error == "ZeroDivisionError: bug in the adapter"
    assert fresh(other).status == Status.DELIVERED


def test_unknown_topic_stays_pending_without_counting_attempts(t0: dt.datetime) -> None:
    message = put("A", "x1", topic="test.nobody-listens")
    report = outbox_deliver(now=t0)
    assert (report.attempted, report.not_configured, report.retry_at) == (1, 1, None)
    assert fresh(message).status == Status.PENDING
    assert message.attempts == 0
    assert "no adapter registered" in message.last_error
    assert message.available_at == t0 + 600 * SECOND
    assert outbox_deliver(now=t0 + 599 * SECOND).attempted == 0


def test_a_disabled_adapter_keeps_the_message_pending(fake: FakeAdapter, t0: dt.datetime) -> None:
    fake.always_fail = NotConfiguredError("fake not configured")
    message = put("A", "a1")
    for minutes in (0, 10, 20, 30, 40):
        outbox_deliver(now=t0 + dt.timedelta(minutes=minutes))
    assert fresh(message).status == Status.PENDING
    assert message.attempts == 0
    assert message.last_error == "fake not configured"
    fake.always_fail = None
    outbox_deliver(now=t0 + dt.timedelta(minutes=50))
    assert fresh(message).status == Status.DELIVERED


def test_a_worker_dying_mid_delivery_is_retried_after_the_lease(
    fake: FakeAdapter, t0: dt.datetime
) -> None:
    fake.fail_next(KeyboardInterrupt())  # not an Exception: the "worker" dies
    message = put("A", "a1")
    with pytest.raises(KeyboardInterrupt):
        outbox_deliver(now=t0)
    assert fresh(message).status == Status.PENDING
    assert (message.attempts, message.available_at) == (1, t0 + 300 * SECOND)
    assert outbox_deliver(now=t0 + 299 * SECOND).attempted == 0
    outbox_deliver(now=t0 + 300 * SECOND)
    assert fresh(message).status == Status.DELIVERED
    assert message.attempts == 2


def test_batch_limit_reports_more(fake: FakeAdapter, t0: dt.datetime) -> None:
    for n in range(5):
        put(f"K{n}", f"m{n}")
    report = outbox_deliver(batch=3, now=t0)
    assert (report.attempted, report.more) == (3, True)
    report = outbox_deliver(batch=3, now=t0)
    assert (report.attempted, report.more) == (2, False)
    assert fake.ids == ["m0", "m1", "m2", "m3", "m4"]
    with pytest.raises(ValueError, match="batch"):
        outbox_deliver(batch=0)


def test_selectors_count_and_next_attempt(fake: FakeAdapter, t0: dt.datetime) -> None:
    assert outbox_next_attempt_at() is None
    fake.fail_next(DeliveryError("down"))
    put("A", "a1"), put("B", "b1")
    outbox_deliver(now=t0)
    counts = outbox_status_counts()
    assert counts == {"pending": 0, "delivered": 1, "failed": 1, "dead": 0}
    assert outbox_next_attempt_at() == t0 + 10 * SECOND


def test_report_as_dict_is_json_ready(fake: FakeAdapter, t0: dt.datetime) -> None:
    fake.fail_next(DeliveryError("down"))
    put("A", "a1")
    data = outbox_deliver(now=t0).as_dict()
    assert data["retry_at"] == (t0 + 10 * SECOND).isoformat()
    assert data["retrying"] == 1
