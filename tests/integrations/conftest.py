"""Fixtures of the integration tests: a fake adapter, the national portal simulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from motcua.integrations import adapters, national_portal
from motcua.integrations.simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    PortalSimulator,
)

FAKE_TOPIC = "test.fake"


class FakeAdapter:
    """Records what it delivers; raises the queued failures first, one per call."""

    topic = FAKE_TOPIC

    def __init__(self) -> None:
        self.delivered: list[dict[str, Any]] = []
        self.failures: list[BaseException] = []
        self.always_fail: BaseException | None = None

    def deliver(self, message_payload: dict[str, Any]) -> None:
        if self.always_fail is not None:
            raise self.always_fail
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(message_payload)

    def fail_next(self, *errors: BaseException) -> None:
        self.failures.extend(errors)

    @property
    def ids(self) -> list[Any]:
        return [payload.get("id") for payload in self.delivered]


@pytest.fixture
def fake() -> Iterator[FakeAdapter]:
    adapter = FakeAdapter()
    adapters.register(adapter)
    yield adapter
    adapters.unregister(FAKE_TOPIC)


@pytest.fixture
def t0() -> dt.datetime:
    """A base instant a little after now, so that messages written now are due."""
    return timezone.now() + dt.timedelta(seconds=1)


@pytest.fixture
def outbox_settings(settings: Any) -> Any:
    settings.MOTCUA_OUTBOX_MAX_ATTEMPTS = 3
    settings.MOTCUA_OUTBOX_BACKOFF_SECONDS = 10
    settings.MOTCUA_OUTBOX_BACKOFF_MAX_SECONDS = 3600
    settings.MOTCUA_OUTBOX_LEASE_SECONDS = 300
    settings.MOTCUA_OUTBOX_NOT_CONFIGURED_SECONDS = 600
    settings.MOTCUA_OUTBOX_KICK = False
    return settings


@pytest.fixture
def portal(outbox_settings: Any) -> Iterator[PortalSimulator]:
    """The DVCQG simulator, running, with motcua configured to deliver to it."""
    with PortalSimulator() as simulator:
        outbox_settings.MOTCUA_NATIONAL_PORTAL_URL = simulator.url
        outbox_settings.MOTCUA_NATIONAL_PORTAL_CLIENT_ID = DEFAULT_CLIENT_ID
        outbox_settings.MOTCUA_NATIONAL_PORTAL_CLIENT_SECRET = DEFAULT_CLIENT_SECRET
        outbox_settings.MOTCUA_NATIONAL_PORTAL_TIMEOUT = 5
        national_portal.adapter.forget_tokens()
        yield simulator
