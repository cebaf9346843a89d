"""``motcua deadline`` / ``motcua calendar`` functions: output formats and bad input."""

from __future__ import annotations

import json
from datetime import date

import pytest

from motcua.workcal import OfficeHours, Override
from motcua.workcal.cli import calendar_main, deadline_main


def test_deadline_prints_iso_with_offset(capsys: pytest.CaptureFixture[str]) -> None:
    code = deadline_main(
        ["--received", "2025-12-31T10:00", "--limit", "2", "--unit", "working_days"]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert out == "2026-01-06T17:00:00+07:00\n"
    assert err == ""


def test_deadline_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = deadline_main(
        ["--received", "2025-12-31T10:00", "--limit", "2", "--unit", "working_days", "--json"]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"due", "effective_reception_day", "working_days_skipped"} <= set(data)
    assert data["due"] == "2026-01-06T17:00:00+07:00"
    assert data["effective_reception_day"] == "2025-12-31"
    assert data["working_days_skipped"] == ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--received", "2025-03-03T15:00", "--limit", "0", "--unit", "same_day"],
            "2025-03-04T17:00:00+07:00",
        ),
        (
            ["--received", "2025-03-03T15:00", "--unit", "same_day", "--no-cutoff"],
            "2025-03-03T17:00:00+07:00",
        ),
        (
            ["--received", "2025-03-03T10:00", "--limit", "5", "--unit", "days"],
            "2025-03-10T17:00:00+07:00",
        ),
        (
            ["--received", "2025-03-31T10:00", "--limit", "1", "--unit", "months"],
            "2025-05-05T17:00:00+07:00",
        ),
        (
            ["--received", "2025-03-03T10:00", "--limit", "4", "--unit", "working_hours"],
            "2025-03-03T15:00:00+07:00",
        ),
        # An offset-aware --received is converted (03:00 UTC = 10:00 in Hanoi).
        (["--received", "2025-03-03T03:00:00+00:00", "--limit", "1"], "2025-03-04T17:00:00+07:00"),
    ],
)
def test_deadline_units(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert deadline_main(argv) == 0
    assert capsys.readouterr().out.strip() == expected


def test_deadline_uses_overrides_and_office_hours(capsys: pytest.CaptureFixture[str]) -> None:
    off = Override(date(2025, 3, 4), False, "bão", "5/QĐ-UBND", date(2025, 3, 1), "admin")
    assert deadline_main(["--received", "2025-03-03T10:00", "--limit", "1"], [off]) == 0
    assert capsys.readouterr().out.strip() == "2025-03-05T17:00:00+07:00"
    hours = OfficeHours.with_saturday_morning()
    assert (
        deadline_main(
            ["--received", "2025-03-08T09:00", "--limit", "0", "--unit", "same_day"],
            office_hours=hours,
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == "2025-03-10T17:00:00+07:00"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--received", "2025-12-31T10:00", "--limit", "2", "--unit", "weeks"], "--unit"),
        (["--received", "2025-12-31T10:00", "--limit", "-1"], "--limit"),
        (["--received", "2025-12-31T10:00", "--limit", "two"], "--limit"),
        (["--received", "31/12/2025 10h", "--limit", "2"], "--received"),
        (["--received", "2025-12-31T10:00"], "--limit"),
        (["--limit", "2"], "--received"),
        (["--received", "2025-12-31T10:00", "--limit", "2", "--frobnicate"], "--frobnicate"),
        (["--received", "2010-01-04T10:00", "--limit", "2"], "2018"),
        (["--received", "2100-12-31T10:00", "--limit", "20"], "2100"),
    ],
)
def test_deadline_bad_input_exits_2_with_one_sentence(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert deadline_main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Lỗi: ")
    assert " / Error: " in lines[0]
    assert needle in lines[0]
    assert "Traceback" not in err


def test_help_is_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert deadline_main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: motcua deadline")
    assert "--no-cutoff" in out and "working_hours" in out
    assert calendar_main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: motcua calendar")


def test_calendar_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert calendar_main(["--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert "2026-01-02" in out and "swapped_off" in out
    assert "2026-08-22" in out and "makeup_workday" in out
    _head, tail = out.split("Disagreements between layers:")
    assert "2026-11-24" in tail and "holidays_package" in tail


def test_calendar_json(capsys: pytest.CaptureFixture[str]) -> None:
    off = Override(date(2026, 11, 24), False, "Ngày Văn hóa Việt Nam", "1/2026/QH", None, "a")
    assert calendar_main(["--year", "2026", "--json"], [off]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["year"] == 2026 and data["announced"] is True
    days = {d["date"]: d for d in data["days"]}
    assert days["2026-01-10"]["working"] is True
    assert days["2026-02-17"]["working"] is False
    assert days["2026-11-24"]["working"] is False
    assert days["2026-11-24"]["decided_by"] == "override"
    assert "1/2026/QH" in days["2026-11-24"]["source"]
    layers = {tuple(d["layers"]) for d in data["disagreements"] if d["date"] == "2026-11-24"}
    assert ("holidays_package", "official") in layers


def test_calendar_explains_one_day(capsys: pytest.CaptureFixture[str]) -> None:
    assert calendar_main(["--year", "2026", "--date", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert "holidays_package: off" in out and "official: unconfirmed" in out


@pytest.mark.parametrize(
    "argv",
    [["--year", "1990"], ["--year", "next"], ["--year", "2026", "--date", "2025-01-01"], []],
)
def test_calendar_bad_input(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert calendar_main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Lỗi: ") and " / Error: " in err[0]
