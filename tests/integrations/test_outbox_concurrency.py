"""Several workers deliver side by side: every message once, and in order within its key."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from motcua.integrations import adapters
from motcua.integrations.models import OutboxMessage
from motcua.integrations.services import outbox_deliver, outbox_enqueue

TOPIC = "test.concurrent"
KEYS = ("H26.30-261121-0001", "H26.30-261121-0002", "H26.30-261121-0003", "H26.02-261121-0001")
PER_KEY = 8
WORKERS = 4


class SlowRecorder:
    topic = TOPIC

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[str, int]] = []

    def deliver(self, message_payload: dict[str, Any]) -> None:
        time.sleep(0.005)  # long enough for the workers to overlap
        with self.lock:
            self.seen.append((message_payload["key"], message_payload["n"]))


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_deliver_each_message_once_in_key_order(settings: Any) -> None:
    settings.MOTCUA_OUTBOX_KICK = False
    recorder = SlowRecorder()
    adapters.register(recorder)
    try:
        with transaction.atomic():
            for n in range(PER_KEY):
                for key in KEYS:
                    outbox_enqueue(topic=TOPIC, key=key, payload={"key": key, "n": n})
        errors: list[BaseException] = []
        start = threading.Barrier(WORKERS)

        def work() -> None:
            try:
                start.wait()
                for _ in range(50):
                    if outbox_deliver(batch=5).attempted == 0 and not (
                        OutboxMessage.objects.exclude(status="delivered").exists()
                    ):
                        break
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=work) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        adapters.unregister(TOPIC)

    assert errors == []
    assert sorted(recorder.seen) == sorted((key, n) for key in KEYS for n in range(PER_KEY))
    for key in KEYS:
        assert [n for k, n in recorder.seen if k == key] == list(range(PER_KEY))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"delivered"}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
