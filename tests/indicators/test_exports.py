"""Excel and CSV exports read back with openpyxl / csv."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from openpyxl import load_workbook

from motcua.indicators.engine import MetricInput, score_card
from motcua.indicators.exports import (
    REGISTER_COLUMNS,
    SCORECARD_TABLE_ROW,
    csv_response,
    register_workbook,
    rows_to_csv,
    safe_text,
    scorecard_workbook,
)
from motcua.workcal.types import VN_TZ


def _card() -> dict[str, Any]:
    card = score_card(
        {
            "PROGRESS_ON_TIME": MetricInput(2, 3),
            "DOSSIER_SYNC": MetricInput(1, 3),
            "ONLINE_DOSSIER_SHARE": MetricInput(0, 3),
        }
    ).as_dict()
    return {
        "period": {"label": "2026-11", "kind": "month", "from": "2026-11-01", "to": "2026-11-30"},
        "scope": "agency:H26.05",
        **card,
        "figures": {"dossiers_received": 3, "on_time_rate": 66.67},
        "previous": {"period": {"label": "2026-10"}, "total": 20.0, "complete": False},
        "change": round(card["total"] - 20.0, 2),
    }


def test_scorecard_workbook_matches_the_data() -> None:
    data = _card()
    wb = load_workbook(io.BytesIO(scorecard_workbook(data)))
    assert len(wb.worksheets) == 2
    ws = wb.worksheets[0]
    assert ws.cell(2, 2).value == "2026-11"
    assert ws.cell(2, 3).value == "2026-11-01 – 2026-11-30"
    assert ws.cell(3, 2).value == "agency:H26.05"
    assert ws.cell(4, 2).value == data["ruleset"]
    assert (ws.cell(5, 2).value, ws.cell(5, 3).value) == (data["total"], 100)
    assert (ws.cell(6, 2).value, ws.cell(6, 3).value) == ("2026-10", 20.0)
    assert ws.cell(6, 4).value == data["change"]
    rows = list(ws.iter_rows(min_row=SCORECARD_TABLE_ROW + 1, values_only=True))
    # 6 group rows, 21 indicator rows, the total
    assert len(rows) == 6 + 21 + 1
    assert rows[0][1] == "transparency" and rows[0][7] == data["groups"][0]["score"]
    progress = next(r for r in rows if r[1] == "PROGRESS_ON_TIME")
    assert progress[2] == "2.1"
    assert progress[3] == "Hồ sơ xử lý trước hạn, đúng hạn"  # name from the rule set
    assert progress[4:9] == (2, 3, 66.67, 13.33, 20)
    missing = next(r for r in rows if r[1] == "PUBLISH_ON_TIME")
    assert missing[7] is None and missing[10] == "no data yet"
    assert rows[-1][1] == "TOTAL" and rows[-1][7] == data["total"] and rows[-1][8] == 100
    figures = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2]) for r in figures] == [("dossiers_received", 3), ("on_time_rate", 66.67)]


def test_register_workbook() -> None:
    received = dt.datetime(2026, 11, 2, 9, 1, tzinfo=VN_TZ)
    rows = [
        {
            "number": 1,
            "code": "H26.30-261102-0001",
            "procedure_code": "1.012783",
            "procedure": "Cấp đổi Giấy chứng nhận",
            "applicant": "Trần T. B.",
            "received_at": received,
            "due_at": None,
            "state": '=HYPERLINK("http://x")',
        }
    ]
    wb = load_workbook(
        io.BytesIO(register_workbook(rows, meta=[("Kỳ", "2026-11")])), data_only=False
    )
    ws = wb.worksheets[0]
    assert (ws.cell(2, 1).value, ws.cell(2, 2).value) == ("Kỳ", "2026-11")
    header = [c.value for c in ws[4]]
    assert len(header) == len(REGISTER_COLUMNS)
    data = [c.value for c in ws[5]]
    assert data[1] == "H26.30-261102-0001" and data[4] == "Trần T. B."
    assert data[6] == received.replace(tzinfo=None)  # local time, no zone
    state = ws.cell(5, 12)
    assert state.value == '=HYPERLINK("http://x")' and state.data_type == "s"  # never a formula


def test_csv_has_bom_and_vietnamese() -> None:
    text = rows_to_csv(["Mã", "Tên"], [["H26.05", "Sở Nông nghiệp và Môi trường"], [1, None]])
    assert text.startswith("\ufeff")
    raw = text.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [["Mã", "Tên"], ["H26.05", "Sở Nông nghiệp và Môi trường"], ["1", ""]]


def test_csv_formula_injection_guard() -> None:
    evil = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "ok", "a=b"]
    text = rows_to_csv(["h"] * len(evil), [evil, [-6.67, 0, 3]])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == ["'=1+1", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx", "ok", "a=b"]
    assert rows[2] == ["-6.67", "0", "3"]  # numbers stay numbers
    assert safe_text("=x") == "'=x" and safe_text("x=") == "x="


def test_csv_response_headers() -> None:
    response = csv_response("danh sách 11/2026.csv", ["a"], [["=b"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="danh_s_ch_11_2026.csv"'
    assert response.content.decode("utf-8-sig").splitlines() == ["a", "'=b"]
