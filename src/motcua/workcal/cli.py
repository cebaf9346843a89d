"""``motcua deadline`` and ``motcua calendar``: command-line front ends of the engine.

Both functions return a process exit code and never raise on bad input: they print one
sentence, Vietnamese then English, on stderr and return 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import NoReturn

from .calendar import CalendarRangeError, DayExplanation, Disagreement, get_calendar
from .deadlines import compute_deadline
from .hours import DEFAULT_OFFICE_HOURS, OfficeHours
from .types import VN_TZ, Layer, Override, TimeLimit, Unit

__all__ = ["calendar_main", "deadline_main"]

_UNITS = ", ".join(u.value for u in Unit)
_WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


class _UsageError(Exception):
    """Bad input: carries the one-sentence bilingual message."""


class _ExitRequestError(Exception):
    """argparse asked to exit (``--help``): carries the exit status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _bilingual(vi: str, en: str) -> str:
    return f"Lỗi: {vi} / Error: {en}"


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports errors as one bilingual sentence, without exiting."""

    def error(self, message: str) -> NoReturn:
        required = "the following arguments are required: "
        unknown = "unrecognized arguments: "
        if message.startswith(required):
            names = message[len(required) :]
            raise _UsageError(
                _bilingual(f"thiếu tham số bắt buộc {names}.", f"missing required option {names}.")
            )
        if message.startswith(unknown):
            names = message[len(unknown) :]
            raise _UsageError(
                _bilingual(f"tham số không được hỗ trợ: {names}.", f"unknown option {names}.")
            )
        raise _UsageError(
            _bilingual(f"tham số không hợp lệ ({message}).", f"invalid arguments ({message}).")
        )

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise _ExitRequestError(status)


def _deadline_parser() -> _Parser:
    parser = _Parser(
        prog="motcua deadline",
        description=(
            "Tính hạn trả kết quả theo lịch làm việc. / Work out when a result is due: "
            "give the time the dossier was received and the legal time limit."
        ),
        epilog=(
            "Example / Ví dụ: motcua deadline --received 2025-12-31T10:00 --limit 2 "
            "--unit working_days. Dossiers received at or after 15:00, after closing or on a "
            "day off count from the next working day; day-based limits end at closing time "
            "(17:00). The motcua command also takes --service-point CODE to use that service "
            "point's office hours, and applies the administrator's calendar overrides."
        ),
    )
    parser.add_argument(
        "--received",
        required=True,
        metavar="TIME",
        help=(
            "when the dossier was received, e.g. 2025-12-31T10:00; without a UTC offset it is "
            "Vietnam time (Asia/Ho_Chi_Minh)"
        ),
    )
    parser.add_argument(
        "--limit",
        metavar="N",
        help="the time limit, a whole number of units (not needed for same_day)",
    )
    parser.add_argument(
        "--unit",
        default=Unit.WORKING_DAYS.value,
        metavar="UNIT",
        help=f"unit of the time limit: one of {_UNITS} (default working_days)",
    )
    parser.add_argument(
        "--no-cutoff",
        action="store_true",
        help="do not apply the 15:00 cut-off (a dossier received late still counts that day)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a JSON object instead of the due time alone",
    )
    return parser


def _parse_received(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _UsageError(
            _bilingual(
                f"--received phải là thời điểm ISO 8601, ví dụ 2025-12-31T10:00 "
                f"(nhận được '{text}').",
                f"--received must be an ISO 8601 time such as 2025-12-31T10:00 (got '{text}').",
            )
        ) from None
    if value.tzinfo is None:
        return value.replace(tzinfo=VN_TZ)
    return value.astimezone(VN_TZ)


def _parse_limit(text: str | None, unit: Unit) -> int:
    if text is None:
        if unit is Unit.SAME_DAY:
            return 0
        raise _UsageError(
            _bilingual(
                "thiếu --limit (số đơn vị thời hạn).", "missing --limit (the number of units)."
            )
        )
    try:
        value = int(text.strip())
    except ValueError:
        value = -1
    if value < 0:
        raise _UsageError(
            _bilingual(
                f"--limit phải là số nguyên không âm (nhận được '{text}').",
                f"--limit must be a whole number, zero or more (got '{text}').",
            )
        )
    return value


def _parse_unit(text: str) -> Unit:
    try:
        return Unit(text.strip())
    except ValueError:
        raise _UsageError(
            _bilingual(
                f"--unit phải là một trong {_UNITS} (nhận được '{text}').",
                f"--unit must be one of {_UNITS} (got '{text}').",
            )
        ) from None


def _run(parser: _Parser, argv: Sequence[str]) -> argparse.Namespace:
    return parser.parse_args(list(argv))


def deadline_main(
    argv: Sequence[str],
    overrides: Sequence[Override] = (),
    office_hours: OfficeHours | None = None,
) -> int:
    """``motcua deadline``: print the due instant (ISO 8601, +07:00) or a JSON object."""
    try:
        args = _run(_deadline_parser(), argv)
        unit = _parse_unit(args.unit)
        limit = TimeLimit(_parse_limit(args.limit, unit), unit)
        received = _parse_received(args.received)
        try:
            result = compute_deadline(
                received,
                limit,
                get_calendar(overrides),
                office_hours=office_hours or DEFAULT_OFFICE_HOURS,
                cutoff=not args.no_cutoff,
            )
        except CalendarRangeError:
            raise _UsageError(
                _bilingual(
                    "thời điểm tiếp nhận hoặc hạn trả nằm ngoài lịch làm việc (2000-2100).",
                    "the reception time or the due date is outside the working calendar "
                    "(2000-2100).",
                )
            ) from None
        except LookupError as exc:
            raise _UsageError(
                _bilingual(
                    "chưa có quy tắc tính hạn cho ngày tiếp nhận này (trước 21/06/2018).",
                    f"{exc}.",
                )
            ) from None
    except _UsageError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    except _ExitRequestError as exc:
        return exc.status

    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(result.due.isoformat())
    return 0


# --------------------------------------------------------------------------- calendar
def _calendar_parser() -> _Parser:
    parser = _Parser(
        prog="motcua calendar",
        description=(
            "Liệt kê ngày nghỉ, ngày làm bù và chỗ các nguồn lịch không khớp. / List the days "
            "off and make-up working days of a year, where each comes from, and where the "
            "holidays package, the official announcements and the overrides disagree."
        ),
    )
    parser.add_argument("--year", required=True, metavar="YYYY", help="the year to list")
    parser.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="instead of the list, explain one day: what every source says about it",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    return parser


def _source(ex: DayExplanation) -> str:
    op = ex.deciding
    if op.layer is Layer.OVERRIDE:
        return f"override: {op.detail}"
    if op.layer is Layer.OFFICIAL:
        return f"official ({op.detail.split(';')[0].strip()})"
    return op.layer.value


def _day_json(ex: DayExplanation) -> dict[str, object]:
    return {
        "date": ex.day.isoformat(),
        "weekday": ex.day.strftime("%a"),
        "working": ex.working,
        "decided_by": ex.decided_by.value,
        "name": ex.name,
        "source": _source(ex),
        "opinions": [
            {"layer": o.layer.value, "status": o.status.value, "name": o.name, "detail": o.detail}
            for o in ex.opinions
        ],
    }


def _disagreement_json(d: Disagreement) -> dict[str, object]:
    return {
        "date": d.day.isoformat(),
        "layers": [d.first.layer.value, d.second.layer.value],
        "says": [d.first.status.value, d.second.status.value],
        "working": d.working,
        "decided_by": d.decided_by.value,
        "message": d.message,
    }


def calendar_main(argv: Sequence[str], overrides: Sequence[Override] = ()) -> int:
    """``motcua calendar``: days off and make-up days of a year, then the disagreements."""
    try:
        args = _run(_calendar_parser(), argv)
        try:
            year = int(args.year)
        except ValueError:
            year = -1
        cal = get_calendar(overrides)
        if not cal.first_year <= year <= cal.last_year:
            raise _UsageError(
                _bilingual(
                    f"--year phải là năm từ {cal.first_year} đến {cal.last_year} "
                    f"(nhận được '{args.year}').",
                    f"--year must be a year from {cal.first_year} to {cal.last_year} "
                    f"(got '{args.year}').",
                )
            )
        one_day: date | None = None
        if args.date is not None:
            try:
                one_day = date.fromisoformat(args.date)
            except ValueError:
                one_day = None
            if one_day is None or one_day.year != year:
                raise _UsageError(
                    _bilingual(
                        f"--date phải là một ngày YYYY-MM-DD trong năm {year} "
                        f"(nhận được '{args.date}').",
                        f"--date must be a YYYY-MM-DD day in {year} (got '{args.date}').",
                    )
                )
    except _UsageError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    except _ExitRequestError as exc:
        return exc.status

    if one_day is not None:
        ex = cal.explain(one_day)
        print(json.dumps(_day_json(ex), ensure_ascii=False) if args.json else ex.describe())
        return 0

    report = cal.year_report(year)
    if args.json:
        payload = {
            "year": year,
            "announced": report.announced,
            "days": [_day_json(ex) for ex in report.days],
            "disagreements": [_disagreement_json(d) for d in report.disagreements],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0

    basis = (
        "theo công bố chính thức (holidays_vn.csv) / from the official announcements"
        if report.announced
        else "theo thư viện holidays / from the holidays package (no official announcements)"
    )
    print(f"Lịch làm việc năm {year} / Working calendar {year} — {basis}")
    for ex in report.days:
        status = "làm việc / working" if ex.working else "nghỉ / day off"
        weekday = _WEEKDAYS_VI[ex.day.weekday()]
        print(f"{ex.day.isoformat()}  {weekday:<9} {status:<18} {ex.name}  [{_source(ex)}]")
    print()
    print("Các nguồn không khớp / Disagreements between layers:")
    if not report.disagreements:
        print("  (không có / none)")
    for d in report.disagreements:
        print(f"  {d.message}")
    return 0
