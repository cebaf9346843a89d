"""Changes to the outbox: enqueue in the business transaction, deliver, retry, purge.

Settings (all optional, read at call time; see docs/integrations.md):

* ``MOTCUA_OUTBOX_MAX_ATTEMPTS`` (12): attempts before a message is dead;
* ``MOTCUA_OUTBOX_BACKOFF_SECONDS`` (30): wait after the first failure, doubling each time;
* ``MOTCUA_OUTBOX_BACKOFF_MAX_SECONDS`` (21600): longest wait between two attempts;
* ``MOTCUA_OUTBOX_LEASE_SECONDS`` (300): a message being attempted is hidden this long; if
  the worker dies meanwhile, the message is attempted again afterwards;
* ``MOTCUA_OUTBOX_NOT_CONFIGURED_SECONDS`` (600): wait before looking again at a message
  whose adapter is disabled (the attempt is not counted);
* ``MOTCUA_OUTBOX_KICK`` (True): a transaction that writes messages also enqueues the
  ``deliver_outbox`` background task (in the same transaction, so the worker starts after
  the commit);
* ``MOTCUA_OUTBOX_KICK_SECONDS`` (1.0): at most one such task per process and per window
  of this many seconds, plus one at the window's end for what later transactions wrote
  (0: one task per transaction).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from motcua.core.services import audit_record
from motcua.integrations.adapters import (
    DeliveryError,
    NotConfiguredError,
    NothingToDeliver,
    adapter_for,
)
from motcua.integrations.models import QUEUED_STATUSES, OutboxMessage
from motcua.integrations.selectors import outbox_due

__all__ = [
    "DeliveryReport",
    "outbox_backoff",
    "outbox_deliver",
    "outbox_enqueue",
    "outbox_purge",
    "outbox_retry",
]

logger = logging.getLogger(__name__)
Status = OutboxMessage.Status

ERROR_LIMIT = 4000
_TOPIC_MAX = OutboxMessage._meta.get_field("topic").max_length or 100
_KEY_MAX = OutboxMessage._meta.get_field("key").max_length or 200


def _number(name: str, default: float, *, minimum: float) -> float:
    value = getattr(settings, name, None)
    return max(minimum, float(default if value is None else value))


def _max_attempts() -> int:
    return int(_number("MOTCUA_OUTBOX_MAX_ATTEMPTS", 12, minimum=1))


def _seconds(name: str, default: float) -> dt.timedelta:
    return dt.timedelta(seconds=_number(name, default, minimum=1))


def outbox_backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: base × 2^(attempts−1),
    capped at ``MOTCUA_OUTBOX_BACKOFF_MAX_SECONDS``."""
    base = _number("MOTCUA_OUTBOX_BACKOFF_SECONDS", 30, minimum=1)
    cap = _number("MOTCUA_OUTBOX_BACKOFF_MAX_SECONDS", 6 * 3600, minimum=base)
    exponent = min(max(attempts, 1) - 1, 40)
    return dt.timedelta(seconds=min(cap, base * 2**exponent))


# ---------------------------------------------------------------------------- enqueue


def outbox_enqueue(*, topic: str, key: str, payload: dict[str, Any]) -> OutboxMessage:
    """Write one message for delivery after the caller's transaction commits.

    Must be called inside the transaction of the business change (``RuntimeError``
    otherwise), so the message exists if and only if the change committed. Messages with the
    same ``topic`` and ``key`` are delivered in the order they were written; the caller keeps
    that order meaningful by holding the lock of the changed object (e.g. the dossier row).
    ``payload`` must be JSON-serialisable (dates and decimals are converted by Django's
    encoder).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_enqueue must run inside the business change's transaction")
    if not isinstance(topic, str) or not topic or len(topic) > _TOPIC_MAX:
        raise ValueError(f"outbox topic must be 1 to {_TOPIC_MAX} characters: {topic!r}")
    if not isinstance(key, str) or not key or len(key) > _KEY_MAX:
        raise ValueError(f"outbox key must be 1 to {_KEY_MAX} characters: {key!r}")
    if not isinstance(payload, dict):
        raise ValueError("outbox payload must be a dict")
    message = OutboxMessage.objects.create(topic=topic, key=key, payload=payload)
    _kick_after_commit()
    return message


def _kick_after_commit() -> None:
    """Ask the background worker to deliver what this transaction writes, once it commits.

    The task row is written in the business transaction itself (no second transaction after
    the commit), once per transaction, and at most once per process and kick window: a busy
    server would otherwise queue one task per transition, most of which find nothing left
    to deliver. The first transaction of a window enqueues a task at once; the next one
    enqueues a task due at the window's end, which picks up everything written meanwhile;
    later ones in the same window enqueue nothing.
    """
    if not getattr(settings, "MOTCUA_OUTBOX_KICK", True):
        return
    pending = getattr(transaction.get_connection(), "run_on_commit", [])
    if any(callback is _kicked for _, callback, *_ in pending):
        return
    transaction.on_commit(_kicked)
    delay = _kick_window.claim(float(getattr(settings, "MOTCUA_OUTBOX_KICK_SECONDS", 1.0)))
    if delay is None:
        return
    from motcua.integrations.tasks import deliver_outbox

    if delay <= 0:
        deliver_outbox.enqueue()
    else:
        deliver_outbox.using(run_after=timezone.now() + dt.timedelta(seconds=delay)).enqueue()


def _kicked() -> None:
    """Marks a transaction that has already asked for a delivery (nothing to do on commit)."""


class _KickWindow:
    """Per-process throttle of delivery tasks (see :func:`_kick_after_commit`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._start = -float("inf")
        self._delayed = False

    def claim(self, interval: float) -> float | None:
        """Seconds until the task this transaction should enqueue is due (0: at once), or
        ``None`` when a task already covers it."""
        now = time.monotonic()
        with self._lock:
            if interval <= 0 or now - self._start >= interval:
                self._start, self._delayed = now, False
                return 0.0
            if not self._delayed:
                self._delayed = True
                return self._start + interval - now
            return None

    def reset(self) -> None:
        with self._lock:
            self._start, self._delayed = -float("inf"), False


_kick_window = _KickWindow()


# ---------------------------------------------------------------------------- deliver


@dataclass(frozen=True)
class DeliveryReport:
    """What one :func:`outbox_deliver` run did."""

    attempted: int = 0
    delivered: int = 0
    retrying: int = 0  # failed, next attempt scheduled
    dead: int = 0  # failed for good (permanent error or out of attempts)
    not_configured: int = 0  # adapter disabled or missing: nothing sent, not counted
    skipped: int = 0  # done without sending: the adapter had nothing to deliver
    more: bool = False  # stopped at the batch size while more messages were due
    retry_at: dt.datetime | None = None  # earliest retry this run scheduled

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["retry_at"] = self.retry_at.isoformat() if self.retry_at else None
        return data


@dataclass(frozen=True)
class _Outcome:
    delivered: bool
    error: str = ""
    permanent: bool = False
    not_configured: bool = False
    skipped: bool = False


def outbox_deliver(*, batch: int = 100, now: dt.datetime | None = None) -> DeliveryReport:
    """Attempt up to ``batch`` due messages, oldest first, each through its topic's adapter.

    A message is claimed in a short transaction (``SELECT … FOR UPDATE SKIP LOCKED`` where
    the database has it; SQLite serialises writers instead), which counts the attempt and
    hides the message for ``MOTCUA_OUTBOX_LEASE_SECONDS``; the adapter runs outside any
    transaction; the outcome is written in a second short transaction. So several workers can
    run side by side, a crashed worker's message comes back after the lease, and a slow
    outside system never holds a database lock. Messages of one topic and key go out in
    order: a message waits while an older one with the same key is undelivered, and once the
    older one is delivered the next is picked up in the same run.

    ``now`` fixes the clock (tests); by default the current time is read at each step.
    Call it outside of any transaction.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    clock: Callable[[], dt.datetime] = (lambda: now) if now is not None else timezone.now
    tally: dict[str, int] = dict.fromkeys(Status.values, 0)
    not_configured = skipped = 0
    disabled_topics: set[str] = set()
    retry_at: dt.datetime | None = None
    attempted = 0
    while attempted < batch:
        message = _claim_next(at=clock(), skip_topics=disabled_topics)
        if message is None:
            break
        attempted += 1
        outcome = _attempt(message)
        if outcome.not_configured:
            # Look at one message of a disabled topic per run, not at all of them.
            not_configured += 1
            disabled_topics.add(message.topic)
            _record_not_configured(message, outcome, at=clock())
            continue
        skipped += outcome.skipped
        status, next_attempt = _record(message, outcome, at=clock())
        tally[status] += 1
        if next_attempt is not None and (retry_at is None or next_attempt < retry_at):
            retry_at = next_attempt
    return DeliveryReport(
        attempted=attempted,
        delivered=tally[Status.DELIVERED],
        retrying=tally[Status.FAILED],
        dead=tally[Status.DEAD],
        not_configured=not_configured,
        skipped=skipped,
        more=attempted >= batch and outbox_due(now=clock()).exists(),
        retry_at=retry_at,
    )


def _claim_next(*, at: dt.datetime, skip_topics: set[str]) -> OutboxMessage | None:
    """Take the oldest due message: count the attempt and hide it for the lease."""
    with transaction.atomic():
        due = outbox_due(now=at)
        if skip_topics:
            due = due.exclude(topic__in=skip_topics)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        else:
            due = due.select_for_update()
        message = due.first()
        if message is None:
            return None
        message.attempts += 1
        message.available_at = at + _seconds("MOTCUA_OUTBOX_LEASE_SECONDS", 300)
        message.save(update_fields=["attempts", "available_at"])
        return message


def _attempt(message: OutboxMessage) -> _Outcome:
    """Run the adapter; never raises."""
    adapter = adapter_for(message.topic)
    if adapter is None:
        return _Outcome(
            False, f"no adapter registered for topic {message.topic!r}", not_configured=True
        )
    payload = message.payload
    if not isinstance(payload, dict):
        return _Outcome(False, "the payload is not a JSON object", permanent=True)
    try:
        adapter.deliver(payload)
    except NotConfiguredError as exc:
        return _Outcome(False, str(exc), not_configured=True)
    except NothingToDeliver as exc:
        return _Outcome(True, f"nothing sent: {exc}", skipped=True)
    except DeliveryError as exc:
        return _Outcome(False, str(exc), permanent=exc.permanent)
    except Exception as exc:  # an adapter bug must not stop the others
        logger.exception("outbox adapter for %s crashed on message %s", message.topic, message.pk)
        return _Outcome(False, f"{type(exc).__name__}: {exc}")
    return _Outcome(True)


def _record(
    message: OutboxMessage, outcome: _Outcome, *, at: dt.datetime
) -> tuple[str, dt.datetime | None]:
    """Write the outcome of an attempt; returns the new status and the next attempt time."""
    mine = OutboxMessage.objects.filter(pk=message.pk, status__in=QUEUED_STATUSES)
    if outcome.delivered:
        with transaction.atomic():
            mine.update(status=Status.DELIVERED, delivered_at=at, last_error=outcome.error)
        logger.debug(
            "outbox message %s (%s %s) delivered%s",
            message.pk,
            message.topic,
            message.key,
            f" ({outcome.error})" if outcome.error else "",
        )
        return Status.DELIVERED, None
    error = outcome.error[:ERROR_LIMIT] or "delivery failed"
    if outcome.permanent or message.attempts >= _max_attempts():
        status, next_attempt = Status.DEAD, None
        available_at = at
        logger.error(
            "outbox message %s (%s %s) is dead after %s attempt(s): %s",
            message.pk,
            message.topic,
            message.key,
            message.attempts,
            error,
        )
    else:
        status = Status.FAILED
        next_attempt = available_at = at + outbox_backoff(message.attempts)
        logger.warning(
            "outbox message %s (%s %s) failed, attempt %s, next at %s: %s",
            message.pk,
            message.topic,
            message.key,
            message.attempts,
            next_attempt.isoformat(),
            error,
        )
    with transaction.atomic():
        # attempts=… : if the lease ran out and another worker took the message meanwhile,
        # its outcome wins.
        mine.filter(attempts=message.attempts).update(
            status=status, available_at=available_at, last_error=error
        )
    return status, next_attempt


def _record_not_configured(message: OutboxMessage, outcome: _Outcome, *, at: dt.datetime) -> None:
    """Nothing was sent: give the attempt back and look again later."""
    with transaction.atomic():
        OutboxMessage.objects.filter(
            pk=message.pk, status__in=QUEUED_STATUSES, attempts=message.attempts
        ).update(
            attempts=F("attempts") - 1,
            available_at=at + _seconds("MOTCUA_OUTBOX_NOT_CONFIGURED_SECONDS", 600),
            last_error=outcome.error[:ERROR_LIMIT],
        )
    logger.info("outbox message %s kept: %s", message.pk, outcome.error)


# ---------------------------------------------------------------------------- retry


def outbox_retry(
    *, message_ids: Iterable[int], actor: Any = None, now: dt.datetime | None = None
) -> int:
    """Make undelivered messages due now ("retry now"); dead ones get one more attempt.

    Delivered messages are left alone. Writes an audit event. Returns how many were changed.
    """
    at = now or timezone.now()
    with transaction.atomic():
        targets = OutboxMessage.objects.filter(pk__in=list(message_ids)).exclude(
            status=Status.DELIVERED
        )
        ids = list(targets.order_by("pk").values_list("pk", flat=True))
        changed = OutboxMessage.objects.filter(pk__in=ids).update(
            available_at=at,
            status=Case(
                When(status=Status.DEAD, then=Value(Status.FAILED.value)),
                default=F("status"),
            ),
        )
        audit_record(action="integrations.outbox_retry", actor=actor, data={"messages": ids})
        if ids:
            _kick_after_commit()
    return changed


# ---------------------------------------------------------------------------- purge


def outbox_purge(*, before: dt.datetime) -> int:
    """Delete messages delivered before ``before``; returns how many. Undelivered messages
    (pending, failed, dead) are never deleted."""
    with transaction.atomic():
        deleted, _ = OutboxMessage.objects.filter(
            status=Status.DELIVERED, delivered_at__lt=before
        ).delete()
    return deleted
