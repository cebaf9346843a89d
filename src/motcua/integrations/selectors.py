"""Reads of the outbox."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, Min, OuterRef, QuerySet

from motcua.integrations.models import QUEUED_STATUSES, OutboxMessage


def outbox_due(*, now: dt.datetime) -> QuerySet[OutboxMessage]:
    """Queued messages that may be attempted at ``now``, oldest first.

    A message is due when its status is pending or failed, its ``available_at`` has come,
    and no older message with the same topic and key is still undelivered (pending, failed,
    being attempted, or dead): messages of one key go out strictly in order.
    """
    older_undelivered = (
        OutboxMessage.objects.filter(
            topic=OuterRef("topic"), key=OuterRef("key"), pk__lt=OuterRef("pk")
        )
        .exclude(status=OutboxMessage.Status.DELIVERED)
        .values("pk")
    )
    return (
        OutboxMessage.objects.filter(status__in=QUEUED_STATUSES, available_at__lte=now)
        .filter(~Exists(older_undelivered))
        .order_by("pk")
    )


def outbox_messages(
    *, topic: str | None = None, key: str | None = None, status: str | None = None
) -> QuerySet[OutboxMessage]:
    """Messages, oldest first, optionally of one topic, key and status."""
    messages = OutboxMessage.objects.all()
    if topic is not None:
        messages = messages.filter(topic=topic)
    if key is not None:
        messages = messages.filter(key=key)
    if status is not None:
        messages = messages.filter(status=status)
    return messages.order_by("pk")


def outbox_status_counts(*, topic: str | None = None) -> dict[str, int]:
    """How many messages are in each status (every status listed, zero included)."""
    counts = {status.value: 0 for status in OutboxMessage.Status}
    rows = outbox_messages(topic=topic).order_by().values("status").annotate(n=Count("pk"))
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def outbox_next_attempt_at(*, topic: str | None = None) -> dt.datetime | None:
    """When the earliest queued message becomes due (``None`` when nothing is queued)."""
    queued = outbox_messages(topic=topic).filter(status__in=QUEUED_STATUSES)
    result: dt.datetime | None = queued.aggregate(first=Min("available_at"))["first"]
    return result
