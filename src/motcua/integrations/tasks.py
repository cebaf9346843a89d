"""Background work of the outbox (django-tasks; the database backend's ``db_worker`` runs it).

``deliver_outbox`` is enqueued

* after every commit that wrote outbox messages (see ``outbox_enqueue``; setting
  ``MOTCUA_OUTBOX_KICK``), and after an administrator's "retry now";
* by itself: again at once when it stopped at its batch size, and at the earliest retry time
  when it scheduled retries.

Messages whose adapter is disabled are not chased (no endless loop while the national portal
is not configured); a periodic run (cron or a systemd timer, see docs/integrations.md) picks
them up, together with messages left by a worker that died during a lease.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tasks import task

from motcua.integrations.services import outbox_deliver, outbox_purge


@task()
def deliver_outbox(batch: int = 100) -> dict[str, Any]:
    """Deliver up to ``batch`` due outbox messages; returns the run's report as a dict."""
    report = outbox_deliver(batch=batch)
    if report.more:
        deliver_outbox.enqueue(batch)
    elif report.retry_at is not None:
        deliver_outbox.using(run_after=report.retry_at).enqueue(batch)
    return report.as_dict()


@task()
def purge_outbox(days: int = 90) -> int:
    """Delete messages delivered more than ``days`` days ago; returns how many."""
    return outbox_purge(before=timezone.now() - dt.timedelta(days=days))
