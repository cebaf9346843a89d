"""Exports of the supervisor's dashboard: Excel (openpyxl) and CSV.

* :func:`scorecard_workbook` — the Decision 766 scorecard as returned by
  :func:`motcua.indicators.selectors.scorecard_for`: a header (period, scope, rule set, total,
  previous period), one row per group followed by its indicators, the total; a second sheet
  with the figures.
* :func:`register_workbook` — a list of dossiers ("sổ theo dõi hồ sơ"): one row per dossier,
  the columns of :data:`REGISTER_COLUMNS`.
* :func:`rows_to_csv` / :func:`csv_response` — any list as CSV, UTF-8 with a byte order mark
  (so that Excel opens Vietnamese text right).

**Formula injection.** A text cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or a
carriage return) would run as a formula in a spreadsheet. In CSV such text is prefixed with
``'``; in the workbooks it is written as plain text (never as a formula). Numbers are
written as numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from .engine import Indicator, IndicatorInputError, ruleset_for

__all__ = [
    "FIGURE_LABELS",
    "REGISTER_COLUMNS",
    "csv_response",
    "register_workbook",
    "rows_to_csv",
    "safe_text",
    "scorecard_workbook",
]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

#: The first row of the scorecard table (row :data:`SCORECARD_TABLE_ROW` of the first sheet).
SCORECARD_TABLE_ROW = 9


def safe_text(value: str) -> str:
    """``value`` with ``'`` in front when a spreadsheet would read it as a formula."""
    return f"'{value}" if value.startswith(_DANGEROUS) else value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_text(str(value))


def rows_to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The rows as CSV text (with the byte order mark, ``\\r\\n`` line ends), formula-safe."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([_csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return out.getvalue()


def _content_disposition(filename: str) -> str:
    ascii_name = "".join(
        c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename
    )
    return f'attachment; filename="{ascii_name}"'


def csv_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A download of :func:`rows_to_csv` named ``filename``."""
    response = HttpResponse(rows_to_csv(headers, rows).encode("utf-8"), content_type=CSV_TYPE)
    response["Content-Disposition"] = _content_disposition(filename)
    return response


def xlsx_response(filename: str, content: bytes) -> HttpResponse:
    """A download of a workbook named ``filename``."""
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = _content_disposition(filename)
    return response


# --------------------------------------------------------------------------- workbook helpers
def _put(ws: Worksheet, row: int, column: int, value: Any, *, bold: bool = False) -> Cell:
    cell: Cell = ws.cell(row=row, column=column, value=_local_naive(value))
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    if bold:
        cell.font = Font(bold=True)
    return cell


def _to_bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _widths(ws: Worksheet, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        letter = ws.cell(row=1, column=index).column_letter
        ws.column_dimensions[letter].width = width


# --------------------------------------------------------------------------- scorecard
def _rules(data: Mapping[str, Any]) -> dict[str, Indicator]:
    try:
        return dict(ruleset_for(dt.date.fromisoformat(data["period"]["from"])).by_code)
    except (IndicatorInputError, KeyError, ValueError):
        return {}


def indicator_number(ind: Mapping[str, Any], rules: Mapping[str, Indicator]) -> str:
    """The indicator's number in the formula document (e.g. ``2.1``)."""
    rule = rules.get(ind["metric"])
    return str(ind.get("number") or (rule.ref if rule else ""))


def indicator_name_vi(ind: Mapping[str, Any], rules: Mapping[str, Indicator]) -> str:
    rule = rules.get(ind["metric"])
    return str(ind.get("name_vi") or (rule.name_vi if rule else ind["metric"]))


def scorecard_headers() -> list[str]:
    return [
        _("Group / indicator"),
        _("Code"),
        _("Number"),
        _("Name"),
        _("Numerator"),
        _("Denominator"),
        _("Ratio (%)"),
        _("Score"),
        _("Maximum"),
        _("Change"),
        _("Note"),
    ]


def scorecard_rows(data: Mapping[str, Any]) -> list[list[Any]]:
    """The scorecard table: a row per group (kind ``group``) then its indicators (kind
    ``indicator``), and the total (kind ``total``); columns of :func:`scorecard_headers`."""
    rules = _rules(data)
    rows: list[list[Any]] = []
    for group in data["groups"]:
        rows.append(
            [
                _("Group"),
                group.get("code") or group.get("group"),
                "",
                group["name_vi"],
                None,
                None,
                None,
                group["score"],
                group["max_score"],
                group.get("change"),
                "" if group.get("complete", True) else _("some indicators have no data yet"),
            ]
        )
        rows.extend(
            [
                _("Indicator"),
                ind["metric"],
                indicator_number(ind, rules),
                indicator_name_vi(ind, rules),
                ind["numerator"],
                ind["denominator"],
                ind["ratio"],
                ind["score"],
                ind["max_score"],
                ind.get("change"),
                ind.get("note", ""),
            ]
            for ind in group["indicators"]
        )
    rows.append(
        [
            _("Total"),
            "TOTAL",
            "",
            _("Total score"),
            None,
            None,
            None,
            data["total"],
            data["max_score"],
            data.get("change"),
            "" if data["complete"] else _("some indicators have no data yet"),
        ]
    )
    return rows


FIGURE_LABELS: dict[str, str] = {
    "dossiers_received": gettext_noop("Dossiers received"),
    "dossiers_online": gettext_noop("Dossiers received online"),
    "dossiers_counter": gettext_noop("Dossiers received at the counter"),
    "dossiers_post": gettext_noop("Dossiers received by post"),
    "dossiers_by_agents": gettext_noop("Dossiers submitted by service agents"),
    "dossiers_by_mandate": gettext_noop("Dossiers submitted under a mandate"),
    "dossiers_on_time": gettext_noop("Dossiers settled on time or within time"),
    "on_time_rate": gettext_noop("On-time rate (%)"),
    "reuse_rate": gettext_noop("Reuse rate of digitized data (%)"),
    "procedures_in_force": gettext_noop("Procedures in force"),
    "procedures_full_online": gettext_noop("Procedures fully online"),
    "procedures_partly_online": gettext_noop("Procedures partly online"),
    "procedures_not_online": gettext_noop("Procedures not online"),
    "procedures_level_unknown": gettext_noop("Procedures without a recorded online level"),
}


def figure_label(key: str) -> str:
    return _(FIGURE_LABELS[key]) if key in FIGURE_LABELS else key


def scorecard_workbook(data: Mapping[str, Any]) -> bytes:
    """The scorecard as an Excel workbook (``.xlsx`` bytes).

    Sheet 1 (scorecard): rows 1–7 the header (title, period, scope, rule set, total, previous
    period, as of), row :data:`SCORECARD_TABLE_ROW` the column names, then the rows of
    :func:`scorecard_rows`. Sheet 2 (figures): code, name, value."""
    wb = Workbook()
    ws: Worksheet = wb.active
    ws.title = _("Scorecard")[:31]
    period = data["period"]
    _put(ws, 1, 1, _("Decision 766/QĐ-TTg scorecard"), bold=True)
    _put(ws, 2, 1, _("Period"), bold=True)
    _put(ws, 2, 2, period["label"])
    _put(ws, 2, 3, f"{period['from']} – {period['to']}")
    _put(ws, 3, 1, _("Scope"), bold=True)
    _put(ws, 3, 2, data["scope"])
    _put(ws, 4, 1, _("Rule set"), bold=True)
    _put(ws, 4, 2, data.get("ruleset", ""))
    _put(ws, 5, 1, _("Total score"), bold=True)
    _put(ws, 5, 2, data["total"])
    _put(ws, 5, 3, data["max_score"])
    previous = data.get("previous")
    _put(ws, 6, 1, _("Previous period"), bold=True)
    if previous:
        _put(ws, 6, 2, previous["period"]["label"])
        _put(ws, 6, 3, previous["total"])
        _put(ws, 6, 4, data.get("change"))
    _put(ws, 7, 1, _("Complete"), bold=True)
    _put(ws, 7, 2, _("yes") if data["complete"] else _("no: some indicators have no data yet"))
    for column, header in enumerate(scorecard_headers(), start=1):
        _put(ws, SCORECARD_TABLE_ROW, column, header, bold=True)
    for offset, row in enumerate(scorecard_rows(data), start=1):
        emphasis = row[1] == "TOTAL" or row[0] == _("Group")
        for column, value in enumerate(row, start=1):
            _put(ws, SCORECARD_TABLE_ROW + offset, column, value, bold=emphasis)
    for row_cells in ws.iter_rows(min_row=SCORECARD_TABLE_ROW + 1):
        row_cells[10].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=SCORECARD_TABLE_ROW + 1, column=1)
    _widths(ws, [18, 36, 8, 48, 12, 12, 10, 10, 9, 9, 60])

    figures = wb.create_sheet(_("Figures")[:31])
    for column, header in enumerate((_("Code"), _("Figure"), _("Value")), start=1):
        _put(figures, 1, column, header, bold=True)
    for index, (key, value) in enumerate(data.get("figures", {}).items(), start=2):
        _put(figures, index, 1, key)
        _put(figures, index, 2, figure_label(key))
        _put(figures, index, 3, value)
    _widths(figures, [28, 48, 12])
    return _to_bytes(wb)


# --------------------------------------------------------------------------- register
#: ``(key, header msgid)`` of the register's columns, in order.
REGISTER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", gettext_noop("No.")),
    ("code", gettext_noop("Dossier code")),
    ("procedure_code", gettext_noop("Procedure code")),
    ("procedure", gettext_noop("Procedure")),
    ("applicant", gettext_noop("Applicant")),
    ("channel", gettext_noop("Channel")),
    ("received_at", gettext_noop("Received")),
    ("due_at", gettext_noop("Due")),
    ("finished_at", gettext_noop("Result ready")),
    ("returned_at", gettext_noop("Result returned")),
    ("agency", gettext_noop("Held by")),
    ("state", gettext_noop("State")),
    ("timeliness", gettext_noop("Timeliness")),
)


def register_headers() -> list[str]:
    return [_(header) for _key, header in REGISTER_COLUMNS]


def register_values(row: Mapping[str, Any]) -> list[Any]:
    return [row.get(key) for key, _header in REGISTER_COLUMNS]


def _local_naive(value: Any) -> Any:
    """Excel has no time zones: instants are written in the local time they carry."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def register_workbook(
    rows: Iterable[Mapping[str, Any]], *, meta: Sequence[tuple[str, str]] = ()
) -> bytes:
    """A list of dossiers ("sổ theo dõi hồ sơ") as an Excel workbook: a title, ``meta``
    lines (label, value), a blank row, the column names, one row per dossier.

    Each row maps the keys of :data:`REGISTER_COLUMNS` to values; instants must already be in
    local time (they are written without their time zone)."""
    wb = Workbook()
    ws: Worksheet = wb.active
    ws.title = _("Register")[:31]
    _put(ws, 1, 1, _("Dossier register"), bold=True)
    line = 2
    for label, value in meta:
        _put(ws, line, 1, label, bold=True)
        _put(ws, line, 2, value)
        line += 1
    header_row = line + 1
    for column, header in enumerate(register_headers(), start=1):
        _put(ws, header_row, column, header, bold=True)
    for offset, row in enumerate(rows, start=1):
        for column, value in enumerate(register_values(row), start=1):
            cell = _put(ws, header_row + offset, column, _local_naive(value))
            if isinstance(value, dt.datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    _widths(ws, [6, 24, 12, 48, 22, 12, 17, 17, 17, 17, 36, 20, 12])
    return _to_bytes(wb)
