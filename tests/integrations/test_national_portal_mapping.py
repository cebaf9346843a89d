"""The pure mapping of our outbox payload to the DVCQG vocabulary (no database, no network)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from motcua.integrations.national_portal import (
    PayloadError,
    portal_datetime,
    to_portal,
)


def payload(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event": "status",
        "code": "H26.30-261121-0001",
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
            "note": "Hồ sơ đầy đủ",
            "started_at": "2026-11-21T02:30:00+00:00",
            "due_at": "2026-11-21T10:30:00+00:00",
        },
    }
    base.update(changes)
    return base


def test_dossier_record_in_dvcqg_fields() -> None:
    mapped = to_portal(payload())
    assert mapped.record == {
        "MaHoSo": "H26.30-261121-0001",
        "MaTTHC": "1.001193",
        "MaDonViTiepNhan": "H26.30",
        "TrangThaiHoSo": 2,
        "KenhThucHien": 1,
        "NgayNopHoSo": "20261121085500",
        "NgayTiepNhan": "20261121093000",
        "NgayHenTra": "20261126173000",  # no appointment yet: the due instant
        "NgayKetThucXuLy": None,
        "NgayTra": None,
    }
    assert not mapped.create


def test_status_update_carries_the_status_and_dates() -> None:
    mapped = to_portal(payload(status=10, returned_at="2026-11-25T03:00:00Z"))
    assert mapped.status == {
        "MaHoSo": "H26.30-261121-0001",
        "TrangThaiHoSo": 10,
        "NgayTiepNhan": "20261121093000",
        "NgayHenTra": "20261126173000",
        "NgayKetThucXuLy": None,
        "NgayTra": "20261125100000",
    }


def test_process_log_record_for_cap_nhat_tien_trinh() -> None:
    assert to_portal(payload()).progress == {
        "MaHoSo": "H26.30-261121-0001",
        "NguoiXuLy": "Nguyễn Văn An",
        "ThoiDiemXuLy": "20261121093000",
        "PhongBanXuLy": "H26.30",
        "NoiDungXuLy": "Tiếp nhận hồ sơ: Hồ sơ đầy đủ",
        "TrangThai": 2,
        "NgayBatDau": "20261121093000",
        "NgayKetThucTheoQuyDinh": "20261121173000",
    }


def test_no_step_no_process_log_and_create_event() -> None:
    mapped = to_portal(payload(step=None, event="create", status=1, channel=2))
    assert mapped.progress is None
    assert mapped.create
    assert (mapped.record["TrangThaiHoSo"], mapped.record["KenhThucHien"]) == (1, 2)


def test_appointment_wins_over_due_instant() -> None:
    mapped = to_portal(payload(appointment_at="2026-11-27T10:00:00+00:00"))
    assert mapped.record["NgayHenTra"] == "20261127170000"


@pytest.mark.parametrize(
    ("step_changes", "content"),
    [
        ({"note": ""}, "Tiếp nhận hồ sơ"),
        ({"action": "sign_result", "note": ""}, "sign_result"),
        ({"action": "", "note": "Ý kiến phối hợp"}, "Ý kiến phối hợp"),
        ({"action": "request-supplement", "note": "Thiếu bản sao"}, None),
        ({"action": "return-result", "note": ""}, "Trả kết quả"),
    ],
)
def test_noi_dung_xu_ly(step_changes: dict[str, Any], content: str | None) -> None:
    step = {**payload()["step"], **step_changes}
    text = to_portal(payload(step=step)).progress["NoiDungXuLy"]  # type: ignore[index]
    if content is None:
        assert text == "Yêu cầu bổ sung, hoàn thiện hồ sơ: Thiếu bản sao"
    else:
        assert text == content


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-21T16:59:59+00:00", "20261121235959"),
        ("2026-11-21T17:00:00Z", "20261122000000"),  # next day in Hà Nội
        ("2026-11-21T09:30:00+07:00", "20261121093000"),
        ("2026-01-01T00:00:00.123456-05:00", "20260101120000"),
        (dt.datetime(2026, 2, 16, 20, 0, tzinfo=dt.UTC), "20260217030000"),
        (None, None),
    ],
)
def test_portal_datetime_is_local_time_yyyymmddhhmmss(value: Any, expected: str | None) -> None:
    assert portal_datetime(value) == expected


@pytest.mark.parametrize("value", ["2026-11-21T09:30:00", "21/11/2026", "", 20261121])
def test_portal_datetime_refuses_naive_or_unreadable(value: Any) -> None:
    with pytest.raises(PayloadError):
        portal_datetime(value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": None}, "code"),
        ({"procedure_code": None}, "procedure_code"),
        ({"receiving_agency": 30}, "receiving_agency"),
        ({"status": 0}, "status"),
        ({"status": 11}, "status"),
        ({"status": "2"}, "status"),
        ({"status": True}, "status"),
        ({"channel": 4}, "channel"),
        ({"submitted_at": None}, "submitted_at"),
        ({"received_at": "2026-11-21 09:30"}, "received_at"),
        ({"step": "received"}, "step"),
        ({"step": {"actor": "A", "action": "receive"}}, "at"),
        ({"step": {"actor": "A", "at": "2026-11-21T02:30:00Z"}}, "action or a note"),
    ],
)
def test_unmappable_payloads_say_which_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(PayloadError, match=field):
        to_portal(payload(**changes))


@pytest.mark.parametrize("status", range(1, 11))
def test_every_dvcqg_status_maps(status: int) -> None:
    assert to_portal(payload(status=status)).record["TrangThaiHoSo"] == status


def test_a_step_without_a_person_is_done_by_the_system() -> None:
    step = {**payload()["step"], "actor": "", "action": "calendar", "note": "Nghỉ bù 2/1"}
    progress = to_portal(payload(step=step)).progress
    assert progress is not None
    assert progress["NguoiXuLy"] == "Hệ thống"
    assert progress["NoiDungXuLy"] == "Điều chỉnh ngày hẹn trả theo lịch làm việc: Nghỉ bù 2/1"


def test_extra_fields_of_our_payload_are_ignored() -> None:
    mapped = to_portal(payload(reference="NOP-2611-000123", competent_agency="H26.12"))
    assert "NOP-2611-000123" not in repr(mapped)
    assert "H26.12" not in repr(mapped)
