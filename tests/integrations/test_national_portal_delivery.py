"""Delivery to the national portal over real HTTP, against the local DVCQG simulator."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import pytest
from django.db import transaction

from motcua.integrations.adapters import NotConfiguredError, adapter_for
from motcua.integrations.models import OutboxMessage
from motcua.integrations.national_portal import TOPIC, NationalPortalAdapter, portal_config
from motcua.integrations.services import outbox_deliver, outbox_enqueue
from motcua.integrations.simulator import PortalSimulator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbox_settings")]

Status = OutboxMessage.Status
CODE = "H26.30-261121-0001"


def event(kind: str = "status", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": kind,
        "code": CODE,
        "procedure_code": "1.001193",
        "receiving_agency": "H26.30",
        "status": 2,
        "channel": 1,
        "submitted_at": "2026-11-21T01:55:00+00:00",
        "received_at": "2026-11-21T02:30:00+00:00",
        "due_at": "2026-11-26T10:30:00+00:00",
        "appointment_at": None,
        "finished_at": None,
        "returned_at": None,
        "step": {
            "actor": "Nguyễn Văn An",
            "agency": "H26.30",
            "at": "2026-11-21T02:30:00+00:00",
            "action": "receive",
            "note": "",
            "started_at": None,
            "due_at": None,
        },
    }
    data.update(changes)
    return data


def put(payload: dict[str, Any]) -> OutboxMessage:
    with transaction.atomic():
        return outbox_enqueue(topic=TOPIC, key=payload["code"], payload=payload)


def fresh(message: OutboxMessage) -> OutboxMessage:
    message.refresh_from_db()
    return message


def paths(portal: PortalSimulator) -> list[tuple[str, int]]:
    return [(request.path, request.status) for request in portal.requests]


def test_the_national_portal_adapter_is_registered() -> None:
    assert isinstance(adapter_for(TOPIC), NationalPortalAdapter)


def test_create_then_status_and_process_log(portal: PortalSimulator, t0: dt.datetime) -> None:
    created = put(event("create", status=1, received_at=None, step=None))
    received = put(event("status", status=2))
    report = outbox_deliver(now=t0)

    assert report.delivered == 2
    assert fresh(created).status == fresh(received).status == Status.DELIVERED
    assert paths(portal) == [
        ("/token", 200),
        ("/hoso", 201),
        ("/hoso/capnhattrangthai", 200),
        ("/hoso/capnhattientrinh", 200),
    ]
    record = portal.dossiers[CODE]
    assert record["MaTTHC"] == "1.001193"
    assert record["MaDonViTiepNhan"] == "H26.30"
    assert record["TrangThaiHoSo"] == 2
    assert record["NgayNopHoSo"] == "20261121085500"
    assert record["NgayTiepNhan"] == "20261121093000"
    assert portal.status_updates[0]["TrangThaiHoSo"] == 2
    assert portal.progress == [
        {
            "MaHoSo": CODE,
            "NguoiXuLy": "Nguyễn Văn An",
            "ThoiDiemXuLy": "20261121093000",
            "PhongBanXuLy": "H26.30",
            "NoiDungXuLy": "Tiếp nhận hồ sơ",
            "TrangThai": 2,
            "NgayBatDau": None,
            "NgayKetThucTheoQuyDinh": None,
        }
    ]
    # The token is fetched once and reused.
    assert [r.authorized for r in portal.requests[1:]] == [True, True, True]


def test_status_of_a_dossier_unknown_to_the_portal_sends_the_whole_record(
    portal: PortalSimulator, t0: dt.datetime
) -> None:
    put(event("status", status=4, step=None))
    assert outbox_deliver(now=t0).delivered == 1
    assert paths(portal) == [("/token", 200), ("/hoso/capnhattrangthai", 404), ("/hoso", 201)]
    assert portal.dossiers[CODE]["TrangThaiHoSo"] == 4


def test_503_is_retried_with_backoff_then_delivered(
    portal: PortalSimulator, t0: dt.datetime
) -> None:
    portal.fail_next(1)
    message = put(event("create", step=None))

    first = outbox_deliver(now=t0)
    assert (first.retrying, first.retry_at) == (1, t0 + dt.timedelta(seconds=10))
    assert fresh(message).status == Status.FAILED
    assert message.attempts == 1
    assert "HTTP 503" in message.last_error
    assert portal.dossiers == {}

    second = outbox_deliver(now=t0 + dt.timedelta(seconds=10))
    assert second.delivered == 1
    assert fresh(message).status == Status.DELIVERED
    assert message.attempts == 2
    assert message.last_error == ""
    assert CODE in portal.dossiers


def test_portal_down_until_the_last_attempt_goes_dead(
    portal: PortalSimulator, t0: dt.datetime
) -> None:
    portal.fail_next(100)
    message = put(event("create", step=None))
    for seconds in (0, 10, 30):
        outbox_deliver(now=t0 + dt.timedelta(seconds=seconds))
    assert fresh(message).status == Status.DEAD
    assert message.attempts == 3


def test_validation_failure_is_recorded_and_dead(portal: PortalSimulator, t0: dt.datetime) -> None:
    message = put(event("create", procedure_code="1001193", step=None))  # not d.dddddd
    report = outbox_deliver(now=t0)
    assert report.dead == 1
    assert fresh(message).status == Status.DEAD
    assert "HTTP 400" in message.last_error
    assert "MaTTHC" in message.last_error
    assert portal.dossiers == {}


def test_unmappable_payload_is_dead_without_calling_the_portal(
    portal: PortalSimulator, t0: dt.datetime
) -> None:
    message = put(event("create", status=12))
    assert outbox_deliver(now=t0).dead == 1
    assert "TrangThaiHoSo" not in fresh(message).last_error
    assert "status must be an integer from 1 to 10" in message.last_error
    assert portal.requests == []


def test_an_expired_token_is_renewed_once(portal: PortalSimulator, t0: dt.datetime) -> None:
    put(event("create", step=None))
    outbox_deliver(now=t0)
    portal.revoke_tokens()
    put(event("status", status=4, step=None))
    assert outbox_deliver(now=t0).delivered == 1
    assert paths(portal)[-3:] == [
        ("/hoso/capnhattrangthai", 401),
        ("/token", 200),
        ("/hoso/capnhattrangthai", 200),
    ]


def test_wrong_credentials_are_a_retryable_failure(
    portal: PortalSimulator, settings: Any, t0: dt.datetime
) -> None:
    settings.MOTCUA_NATIONAL_PORTAL_CLIENT_SECRET = "wrong"
    message = put(event("create", step=None))
    assert outbox_deliver(now=t0).retrying == 1
    assert "token endpoint answered HTTP 401" in fresh(message).last_error


def test_unreachable_portal_is_a_retryable_failure(settings: Any, t0: dt.datetime) -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MOTCUA_NATIONAL_PORTAL_URL = f"http://127.0.0.1:{port}"
    settings.MOTCUA_NATIONAL_PORTAL_CLIENT_ID = "id"
    settings.MOTCUA_NATIONAL_PORTAL_CLIENT_SECRET = "secret"
    message = put(event("create", step=None))
    assert outbox_deliver(now=t0).retrying == 1
    assert "unreachable" in fresh(message).last_error


@pytest.mark.parametrize("url", [None, ""])
def test_without_a_url_the_adapter_is_disabled_and_nothing_is_delivered(
    settings: Any, t0: dt.datetime, url: str | None
) -> None:
    settings.MOTCUA_NATIONAL_PORTAL_URL = url
    message = put(event("create", step=None))
    report = outbox_deliver(now=t0)
    assert (report.delivered, report.not_configured) == (0, 1)
    assert fresh(message).status == Status.PENDING
    assert message.attempts == 0
    assert message.delivered_at is None
    assert "national portal not configured" in message.last_error
    assert "MOTCUA_NATIONAL_PORTAL_URL" in message.last_error


def test_the_setting_may_be_absent_altogether(settings: Any) -> None:
    del settings.MOTCUA_NATIONAL_PORTAL_URL
    with pytest.raises(NotConfiguredError, match="not configured"):
        portal_config()


def test_missing_credentials_also_disable(settings: Any) -> None:
    settings.MOTCUA_NATIONAL_PORTAL_URL = "https://dvc.example.invalid/api"
    settings.MOTCUA_NATIONAL_PORTAL_CLIENT_ID = None
    settings.MOTCUA_NATIONAL_PORTAL_CLIENT_SECRET = None
    with pytest.raises(NotConfiguredError, match="CLIENT_ID"):
        portal_config()


def test_a_non_http_url_is_refused(settings: Any) -> None:
    settings.MOTCUA_NATIONAL_PORTAL_URL = "file:///etc/passwd"
    with pytest.raises(NotConfiguredError, match="http"):
        portal_config()


def test_token_url_defaults_under_the_base_url(settings: Any) -> None:
    settings.MOTCUA_NATIONAL_PORTAL_URL = "https://dvc.example.invalid/api/"
    settings.MOTCUA_NATIONAL_PORTAL_CLIENT_ID = "id"
    settings.MOTCUA_NATIONAL_PORTAL_CLIENT_SECRET = "secret"
    config = portal_config()
    assert config.url == "https://dvc.example.invalid/api"
    assert config.token_url == "https://dvc.example.invalid/api/token"
    settings.MOTCUA_NATIONAL_PORTAL_TOKEN_URL = "https://sso.example.invalid/oauth2/token"
    assert portal_config().token_url == "https://sso.example.invalid/oauth2/token"


def test_a_dossier_without_a_code_yet_is_done_without_sending(
    portal: PortalSimulator, t0: dt.datetime
) -> None:
    with transaction.atomic():
        message = outbox_enqueue(
            topic=TOPIC,
            key="NOP-2611-000123",
            payload=event("status", code=None, status=1, channel=2, received_at=None),
        )
    report = outbox_deliver(now=t0)
    assert (report.delivered, report.skipped) == (1, 1)
    assert fresh(message).status == Status.DELIVERED
    assert message.last_error == "nothing sent: no dossier code yet (not received)"
    assert portal.requests == []


def test_a_disabled_portal_is_looked_at_once_per_run(settings: Any, t0: dt.datetime) -> None:
    settings.MOTCUA_NATIONAL_PORTAL_URL = None
    for n in range(1, 6):
        put(event("status", code=f"H26.30-261121-000{n}"))
    report = outbox_deliver(now=t0)
    assert (report.attempted, report.not_configured) == (1, 1)
    assert OutboxMessage.objects.filter(last_error="").count() == 4
