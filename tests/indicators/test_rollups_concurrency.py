"""The rollups under concurrency, on PostgreSQL (real row locks, real threads).

* 16 counters take in and receive one dossier each at once, all with the same rollup key:
  the row counts 16 (the additive upsert loses nothing), ``rollups_check`` finds nothing;
* two requests add a component reused from the data store to the same dossier and touch
  it, the second while the first has not committed: the second waits for the first's lock
  and the dossier counts once as reusing data, not twice.

Transactional tests flush the database afterwards: the ``reference`` fixture (through
``actors``) reloads the reference data first. SQLite serialises writers: PostgreSQL only.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from motcua.documents.models import StoredFile, StoreItem
from motcua.dossiers import services as s
from motcua.dossiers.models import DossierDocument
from motcua.indicators.models import DailyRollup, DossierFact
from motcua.indicators.rollups import rollups_check, rollups_touch
from motcua.org.models import User
from tests.dossiers.conftest import (  # noqa: F401 - fixtures
    PROCEDURE,
    Actors,
    _fresh_calendar,
    actors,
    vn,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16
DAY = dt.date(2026, 11, 18)  # a Wednesday


@pytest.fixture(autouse=True)
def _postgres_only(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (DATABASE_URL=postgres://…)")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _run_together(work: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run ``work(i)`` in THREADS threads released at once; each closes its connection."""
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def run(i: int) -> None:
        try:
            start.wait(timeout=60)
            result = work(i)
            with lock:
                results.append(result)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted by the caller
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results, errors


def test_receptions_at_once_on_one_rollup_row(actors: Actors) -> None:  # noqa: F811
    receiver_pk, profile = actors.receiver.pk, actors.profile

    def take_in_and_receive(i: int) -> int:
        receiver = User.objects.get(pk=receiver_pk)
        at = vn(DAY.year, DAY.month, DAY.day, 9) + dt.timedelta(seconds=i)
        d = s.dossier_intake(actor=receiver, procedure_code=PROCEDURE, applicant=profile, at=at)
        d = s.dossier_receive(dossier=d, actor=receiver, at=at + dt.timedelta(minutes=5))
        return d.pk

    done, errors = _run_together(take_in_and_receive)
    assert errors == [] and len(done) == THREADS
    row = DailyRollup.objects.get()
    assert (row.day, row.received, row.direct, row.pending) == (DAY, THREADS, THREADS, THREADS)
    assert DossierFact.objects.count() == THREADS
    assert rollups_check() == []


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _reused_item(people: Actors, i: int) -> int:
    stored = StoredFile.objects.create(
        sha256=f"{i:064x}", file=f"store/{i}.pdf", size=10, content_type="application/pdf"
    )
    return StoreItem.objects.create(
        owner=people.profile,
        doc_type="Giấy tờ",
        file=stored,
        source=StoreItem.Source.UPLOAD,
        created_at=timezone.now(),
    ).pk


def test_a_touch_waits_for_another_touch_of_the_same_dossier(
    actors: Actors,  # noqa: F811
) -> None:
    """Two requests each add a reused component to one dossier and touch it; the second
    touches while the first has not committed. It must wait, then find the dossier already
    counted: it counts once, not twice."""
    at = vn(DAY.year, DAY.month, DAY.day, 9)
    d = s.dossier_intake(
        actor=actors.receiver, procedure_code=PROCEDURE, applicant=actors.profile, at=at
    )
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=at + dt.timedelta(minutes=1))
    items = [_reused_item(actors, i) for i in range(2)]
    first_touched, release = threading.Event(), threading.Event()
    changed: list[bool | BaseException] = []

    def reuse(i: int) -> bool:
        DossierDocument.objects.create(
            dossier_id=d.pk,
            name=f"Giấy tờ {i}",
            copy_kind="electronic",
            store_item_id=items[i],
            added_at=timezone.now(),
        )
        return rollups_touch(d.pk)

    def first() -> None:
        try:
            with transaction.atomic():  # hold the locks until the second one waits
                changed.append(reuse(0))
                first_touched.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_touched.wait(timeout=30)
            with transaction.atomic():
                changed.append(reuse(1))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            changed.append(exc)
        finally:
            connection.close()

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start()
    b.start()
    try:
        for _ in range(100):  # until the second waits for a lock (at most 5 s)
            if first_touched.is_set() and (_lock_waiters() > 0 or not b.is_alive()):
                break
            time.sleep(0.05)
    finally:
        release.set()
        a.join(timeout=30)
        b.join(timeout=30)
    assert changed == [True, False]
    row = DailyRollup.objects.get()
    assert (row.received, row.reused, row.store_synced, row.with_files) == (1, 1, 1, 1)
    assert rollups_check() == []
