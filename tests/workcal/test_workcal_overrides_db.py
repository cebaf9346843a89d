"""The Django side of the calendar: overrides from the admin and per-service-point hours."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from motcua.cli import main
from motcua.org.models import ServicePoint
from motcua.workcal.models import CalendarOverride
from motcua.workcal.selectors import office_hours_for_code, office_hours_of, overrides_from_db

pytestmark = pytest.mark.usefixtures("reference")


def _deadline(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["deadline", *args, "--json"]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_an_override_decides_the_unconfirmed_day(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--received", "2026-11-23T09:00", "--limit", "1", "--unit", "working_days")
    assert _deadline(capsys, *args)["due"] == "2026-11-24T17:00:00+07:00"
    CalendarOverride.objects.create(
        day=dt.date(2026, 11, 24),
        is_working_day=False,
        reason="Ngày Văn hóa Việt Nam",
        decision_number="01/QĐ-TEST",
        decision_date=dt.date(2026, 11, 1),
    )
    [override] = overrides_from_db()
    assert (override.day, override.working, override.decision_number) == (
        dt.date(2026, 11, 24),
        False,
        "01/QĐ-TEST",
    )
    assert _deadline(capsys, *args)["due"] == "2026-11-25T17:00:00+07:00"


def test_service_point_hours_are_used(capsys: pytest.CaptureFixture[str]) -> None:
    point = ServicePoint.objects.get(code="H26.30.01")
    point.afternoon_end = dt.time(16, 30)
    point.save(update_fields=["afternoon_end"])
    result = _deadline(
        capsys,
        "--received",
        "2026-03-02T09:00",
        "--limit",
        "0",
        "--unit",
        "working_days",
        "--service-point",
        "H26.30.01",
    )
    assert result["due"] == "2026-03-02T16:30:00+07:00"


def test_unknown_service_point_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "deadline",
            "--received",
            "2026-03-02T09:00",
            "--limit",
            "1",
            "--unit",
            "working_days",
            "--service-point",
            "NOPE",
        ]
    )
    assert status == 2
    assert "NOPE" in capsys.readouterr().err


def test_saturday_reception_does_not_make_saturday_a_working_day() -> None:
    point = ServicePoint.objects.get(code="H26.30.02")
    point.saturday_reception = True
    point.save(update_fields=["saturday_reception"])
    hours = office_hours_of(point)
    assert len(hours.saturday_reception) == 1
    assert office_hours_for_code("H26.30.02") == hours
    assert office_hours_for_code("NOPE") is None
