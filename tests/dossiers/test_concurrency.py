"""The dossier services under concurrency, on PostgreSQL (real row locks, real threads).

* 32 counters take in and receive one dossier each at the same agency on the same day: the
  codes are 0001…0032, without gaps or duplicates;
* 32 officers act on the same dossier at once: exactly one succeeds, the others get a
  DomainError (never a database error), and the dossier shows one act.

Transactional tests flush the database afterwards: the ``reference`` fixture (through
``actors``) reloads the reference data first. SQLite serialises writers, so these tests
run on PostgreSQL only (``DATABASE_URL=postgres://…``).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from motcua.core.errors import DomainError
from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier, DossierCodeCounter, Handover
from motcua.dossiers.states import State
from motcua.org.models import User
from tests.dossiers.conftest import PROCEDURE, Actors, vn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 32
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


def test_32_counters_receive_at_once_and_get_codes_0001_to_0032(actors: Actors) -> None:
    receiver_pk, profile = actors.receiver.pk, actors.profile

    def take_in_and_receive(i: int) -> str:
        receiver = User.objects.get(pk=receiver_pk)  # one instance per thread
        at = vn(DAY.year, DAY.month, DAY.day, 9) + dt.timedelta(seconds=i)
        d = s.dossier_intake(actor=receiver, procedure_code=PROCEDURE, applicant=profile, at=at)
        d = s.dossier_receive(dossier=d, actor=receiver, at=at + dt.timedelta(minutes=5))
        assert d.code is not None
        return d.code

    codes, errors = _run_together(take_in_and_receive)
    assert errors == []
    assert sorted(codes) == [f"H26.30-261118-{n:04d}" for n in range(1, THREADS + 1)]
    assert DossierCodeCounter.objects.get(agency__code="H26.30", day=DAY).last_value == THREADS
    stored = Dossier.objects.filter(state=State.RECEIVED).values_list("code", flat=True)
    assert sorted(str(code) for code in stored) == sorted(codes)


def _processing_dossier(actors: Actors) -> Dossier:
    at = vn(DAY.year, DAY.month, DAY.day, 9)
    d = s.dossier_intake(
        actor=actors.receiver, procedure_code=PROCEDURE, applicant=actors.profile, at=at
    )
    return s.dossier_receive(dossier=d, actor=actors.receiver, at=at + dt.timedelta(minutes=1))


# Regression: services._lock used to lock with SELECT … FOR UPDATE OF the dossier joined to
# current_agency/current_step; an officer who waited for the lock while the winner changed
# those columns got Dossier.DoesNotExist (PostgreSQL re-checks the join), not a DomainError.


@pytest.mark.parametrize(
    ("action", "state_after"),
    [
        ("receive", State.RECEIVED),
        ("forward", State.PROCESSING),
    ],
)
def test_32_officers_act_on_one_dossier_and_exactly_one_wins(
    actors: Actors, action: str, state_after: State
) -> None:
    at = vn(DAY.year, DAY.month, DAY.day, 10)
    call: Callable[..., Dossier]
    if action == "receive":
        d = s.dossier_intake(
            actor=actors.receiver, procedure_code=PROCEDURE, applicant=actors.profile, at=at
        )
        call = s.dossier_receive
    else:
        d = _processing_dossier(actors)
        call = s.dossier_forward
    rows_before = Handover.objects.filter(dossier=d).count()
    officers = [actors.receiver.pk, actors.other_receiver.pk]  # both of the receiving agency

    def act(i: int) -> str:
        officer = User.objects.get(pk=officers[i % 2])
        return call(dossier=Dossier(pk=d.pk), actor=officer, at=at).state

    won, errors = _run_together(act)
    assert won == [state_after], errors
    assert len(errors) == THREADS - 1
    unexpected = [e for e in errors if not isinstance(e, DomainError)]
    assert unexpected == [], unexpected  # no IntegrityError, deadlock or serialization failure
    # the losers see the winner's work: the act is no longer possible from the new state
    assert {e.code for e in errors if isinstance(e, DomainError)} <= {
        "dossier.illegal_transition",
        "dossier.not_allowed",
    }
    d.refresh_from_db()
    assert d.state == state_after
    rows = list(Handover.objects.filter(dossier=d).order_by("seq"))
    assert len(rows) == rows_before + 1
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[-1].action == action
    if action == "receive":
        assert d.code == "H26.30-261118-0001"
        assert DossierCodeCounter.objects.get(agency__code="H26.30", day=DAY).last_value == 1


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def test_an_officer_who_waited_for_the_lock_gets_a_domain_error(actors: Actors) -> None:
    """Deterministic form of the race: B waits on the row lock while A forwards."""
    d = _processing_dossier(actors)
    at = vn(DAY.year, DAY.month, DAY.day, 10)
    a_forwarded, release = threading.Event(), threading.Event()
    outcome: list[BaseException | str] = []

    def officer_a() -> None:
        try:
            with transaction.atomic():  # hold the dossier's lock until B waits for it
                s.dossier_forward(dossier=Dossier(pk=d.pk), actor=actors.receiver, at=at)
                a_forwarded.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def officer_b() -> None:
        try:
            a_forwarded.wait(timeout=30)
            s.dossier_forward(dossier=Dossier(pk=d.pk), actor=actors.other_receiver, at=at)
            outcome.append("forwarded twice")
        except BaseException as exc:  # noqa: BLE001 - asserted below
            outcome.append(exc)
        finally:
            connection.close()

    a, b = threading.Thread(target=officer_a), threading.Thread(target=officer_b)
    a.start()
    b.start()
    try:
        for _ in range(200):  # until B is blocked on A's row lock (at most 10 s)
            if a_forwarded.is_set() and _lock_waiters() > 0:
                break
            time.sleep(0.05)
        assert _lock_waiters() > 0, "officer B never waited for the lock"
    finally:
        release.set()
        a.join(timeout=30)
        b.join(timeout=30)
    assert len(outcome) == 1
    # actual: Dossier.DoesNotExist("Dossier matching query does not exist.")
    assert isinstance(outcome[0], DomainError), repr(outcome[0])
    assert outcome[0].code in ("dossier.illegal_transition", "dossier.not_allowed")


def test_retries_under_the_same_idempotency_keys_create_no_extra_dossiers(
    actors: Actors,
) -> None:
    """32 requests through the API, two per Idempotency-Key (a client retrying at once):
    16 dossiers, and every retry gets the first answer."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token = Token.objects.create(user=actors.receiver).key
    applicant_id = actors.profile.personal_id

    def submit(i: int) -> tuple[str, int, str]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        key = f"retry-{i // 2}"
        response = client.post(
            "/api/v1/dossiers/",
            {"procedure": PROCEDURE, "applicant_id": applicant_id},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        return key, response.status_code, response.json()["reference"]

    results, errors = _run_together(submit)
    assert not errors, errors
    assert {status for _, status, _ in results} == {201}
    by_key: dict[str, set[str]] = {}
    for key, _, reference in results:
        by_key.setdefault(key, set()).add(reference)
    assert len(by_key) == THREADS // 2
    assert all(len(refs) == 1 for refs in by_key.values())  # the retry replayed the first
    assert Dossier.objects.count() == THREADS // 2
