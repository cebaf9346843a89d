"""End to end: a dossier's lifecycle through the dossier services reaches the DVCQG simulator.

Uses the dossier tests' actors (tests/dossiers/conftest.py).
"""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.dossiers import services as s
from motcua.integrations.models import OutboxMessage
from motcua.integrations.services import outbox_deliver
from motcua.integrations.simulator import PortalSimulator
from tests.dossiers import conftest as dossier_fixtures
from tests.dossiers.conftest import Actors, take_in, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbox_settings")]

actors = dossier_fixtures.actors  # the dossier tests' fixture


def test_a_dossier_lifecycle_is_synced_in_order(actors: Actors, portal: PortalSimulator) -> None:
    start = vn(2026, 11, 2, 9)
    d = take_in(actors, start)
    d = s.dossier_receive(dossier=d, actor=actors.receiver, at=start + dt.timedelta(minutes=1))
    d = s.dossier_forward(dossier=d, actor=actors.receiver, at=start + dt.timedelta(minutes=30))
    d = s.dossier_forward(dossier=d, actor=actors.processor, at=vn(2026, 11, 3, 10))
    d = s.dossier_approve(dossier=d, actor=actors.approver, at=vn(2026, 11, 4, 10))
    d = s.dossier_finish(dossier=d, actor=actors.processor, at=vn(2026, 11, 4, 11))
    d = s.dossier_return_result(
        dossier=d, actor=actors.receiver, method="counter", at=vn(2026, 11, 5, 9)
    )

    outbox_deliver()

    portal_messages = OutboxMessage.objects.filter(topic=s.NATIONAL_PORTAL_TOPIC)
    assert set(portal_messages.values_list("status", flat=True)) == {"delivered"}
    # Taken in at the counter: no dossier code before reception, so nothing to send yet.
    assert portal_messages.order_by("pk")[0].last_error.startswith("nothing sent")
    assert d.code is not None
    record = portal.dossiers[d.code]
    assert record["MaTTHC"] == "1.012783"
    assert record["MaDonViTiepNhan"] == "H26.30"
    assert record["TrangThaiHoSo"] == 10
    assert record["NgayNopHoSo"] == "20261102090000"
    assert record["NgayTiepNhan"] == "20261102090100"
    assert record["NgayTra"] == "20261105090000"
    assert [entry["TrangThai"] for entry in portal.progress] == [2, 4, 4, 4, 9, 10]
    assert portal.progress[0]["NoiDungXuLy"] == "Tiếp nhận hồ sơ"
    assert portal.progress[-1]["NoiDungXuLy"] == "Trả kết quả"
