"""Idempotency-Key: a retried write replays its first answer and changes nothing."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from motcua.api.idempotency import RETENTION, idempotency_purge
from motcua.api.models import IdempotencyRecord
from tests.api.urls import EFFECT_PREFIX
from tests.factories import UserFactory

pytestmark = pytest.mark.urls("tests.api.urls")

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _effects() -> int:
    return Group.objects.filter(name__startswith=EFFECT_PREFIX).count()


def _client(user: Any = None) -> APIClient:
    client = APIClient()
    client.force_authenticate(user or UserFactory())
    return client


def _post(client: APIClient, key: str | None, body: Any = None, **extra: Any) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/t/effects/", body or {}, format="json", **headers, **EN, **extra)


@pytest.mark.django_db
def test_a_retry_replays_the_first_answer_without_a_second_effect() -> None:
    client = _client()
    key = str(uuid.uuid4())
    first = _post(client, key, {"n": 1})
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    second = _post(client, key, {"n": 1})
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"]
    assert _effects() == 1


@pytest.mark.django_db
def test_the_same_json_in_another_key_order_is_the_same_request() -> None:
    client = _client()
    client.post(
        "/t/effects/",
        data='{"a": 1, "b": [1, 2]}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    again = client.post(
        "/t/effects/",
        data='{ "b": [1,2], "a": 1 }',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert again["Idempotent-Replayed"] == "true"
    assert _effects() == 1


@pytest.mark.django_db
def test_the_same_key_for_a_different_request_is_refused() -> None:
    client = _client()
    assert _post(client, "key-1", {"n": 1}).status_code == 201
    response = _post(client, "key-1", {"n": 2})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "idempotency.key_reused"
    assert body["message"] == "This Idempotency-Key was already used for a different request."
    assert set(body["fields"]) == {"Idempotency-Key"}
    vi = client.post("/t/effects/", {"n": 3}, format="json", HTTP_IDEMPOTENCY_KEY="key-1").json()
    assert vi["message"] == "Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác."
    assert _effects() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_user() -> None:
    assert _post(_client(), "shared", {"n": 1}).status_code == 201
    other = _post(_client(), "shared", {"n": 1})
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert _effects() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", " padded", "tab\there", "x" * 256, "khóa"])
def test_a_malformed_key_is_400_on_the_header_field(key: str) -> None:
    response = _post(_client(), key)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "idempotency.key_invalid"
    assert body["message"] == "The Idempotency-Key header is not valid."
    assert list(body["fields"]) == ["Idempotency-Key"]
    assert _effects() == 0


@pytest.mark.django_db
def test_without_the_header_every_request_runs() -> None:
    client = _client()
    assert _post(client, None).status_code == 201
    assert _post(client, None).status_code == 201
    assert _effects() == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_a_refusal_is_stored_and_replayed_too() -> None:
    client = _client()
    first = _post(client, "refused", {"outcome": "conflict"})
    assert first.status_code == 409
    assert first.json()["code"] == "test.conflict"
    second = _post(client, "refused", {"outcome": "conflict"})
    assert second.status_code == 409
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_server_error_keeps_nothing_so_the_retry_runs_again() -> None:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(UserFactory())
    crashed = _post(client, "crash", {"outcome": "crash"})
    assert crashed.status_code == 500
    assert crashed.json()["code"] == "server_error"
    assert _effects() == 0  # the effect of the failed run was rolled back with the record
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_anonymous_requests_share_one_key_space() -> None:
    def post() -> Any:
        return APIClient().post(
            "/t/anonymous-effects/", {"n": 1}, format="json", HTTP_IDEMPOTENCY_KEY="anon-1"
        )

    assert post().status_code == 201
    assert post()["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.get().user is None
    assert _effects() == 1


@pytest.mark.django_db
def test_purge_deletes_records_older_than_the_retention() -> None:
    client = _client()
    _post(client, "old", {"n": 1})
    _post(client, "new", {"n": 1})
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - RETENTION - dt.timedelta(minutes=1)
    )
    assert idempotency_purge(older_than=RETENTION) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    out = StringIO()
    call_command("purge_idempotency", "--hours", "1", stdout=out)
    assert "deleted 0" in out.getvalue()
    assert idempotency_purge(older_than=timezone.now() + dt.timedelta(seconds=1)) == 1


@pytest.mark.django_db(transaction=True)
def test_32_concurrent_requests_with_one_key_make_one_effect() -> None:
    """On PostgreSQL the unique index makes the 31 others wait for the first transaction; on
    SQLite the write transactions run one at a time. Either way: one effect, 32 equal answers."""
    user = UserFactory()
    key = str(uuid.uuid4())
    start = threading.Barrier(32)
    lock = threading.Lock()
    answers: list[tuple[int, Any, bool]] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            client = _client(user)
            start.wait()
            response = _post(client, key, {"n": 1})
            with lock:
                answers.append(
                    (response.status_code, response.json(), "Idempotent-Replayed" in response)
                )
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(answers) == 32
    assert {status for status, _, _ in answers} == {201}
    assert len({body["group"] for _, body, _ in answers}) == 1
    assert sorted(replayed for _, _, replayed in answers) == [False] + [True] * 31
    assert _effects() == 1
    assert IdempotencyRecord.objects.count() == 1
