"""``motcua indicators``: the Decision 766 scorecard and single indicators on the command line.

    motcua indicators score --metric CODE --numerator N --denominator D [--param name=value …]
                            [--json]
    motcua indicators --period 2026-10 [--scope city | agency:CODE | point:CODE | commune:CODE
                      | sector:CODE | procedure:CODE] [--json]
    motcua indicators rollups --rebuild | --check [--period P] [--scope S] [--limit N] [--json]

``score`` needs no database (framework-free). The scorecard reads the database (from the
rollups). ``rollups --rebuild`` recreates the rollups from the dossiers; ``rollups --check``
recomputes them from scratch and compares (exit status 1 and the differences printed when
anything differs). Bad input ends with exit status 2 and one sentence in Vietnamese and
English naming the option.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, NoReturn

from .engine import IndicatorInputError, parse_params, score_metric

__all__ = ["add_parser", "main", "run"]

USAGE_ERROR = 2
DIFFERENCES_FOUND = 1


class _UsageError(Exception):
    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


class _Parser(argparse.ArgumentParser):
    """Used by :func:`main` only: errors become one bilingual sentence, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            USAGE_ERROR,
            f"{self.prog}: lỗi tham số / argument error: {message} "
            f"(xem / see: {self.prog} --help)\n",
        )


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``indicators`` (with its ``score`` action) on the ``motcua`` subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "indicators",
        help="Decision 766 scorecard and single indicators (motcua indicators --help)",
        description=(
            "Bộ chỉ số 766 / Decision 766 service-quality index. Without an action: the "
            "scorecard of a period from the database (groups, indicators with numerator, "
            "denominator, ratio, score; total). 'score': one indicator from raw counts."
        ),
    )
    parser.add_argument("--period", help="YYYY-MM, YYYY-Qn or YYYY (e.g. 2026-10)")
    parser.add_argument(
        "--scope",
        default="city",
        help="city (default), agency:CODE, point:CODE (service point), commune:CODE, "
        "sector:CODE or procedure:CODE",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    actions = parser.add_subparsers(dest="indicators_action", metavar="ACTION")
    score = actions.add_parser(
        "score",
        help="score one indicator from raw counts",
        description=(
            "Score one indicator, named by the national portal's metric code, from raw counts. "
            "PAYMENT_TOTAL takes its inputs as --param totalDossierOnlinePaymentSuccess=…, "
            "totalDossierFinancialObligation=…, totalDossierOnlineFormalityPaymentSuccess=…, "
            "totalFeeFormality=…, totalFeeDossierFormality=…"
        ),
    )
    score.add_argument("--metric", required=True, help="metric code, e.g. PROGRESS_ON_TIME")
    score.add_argument("--numerator", help="numerator (a count)")
    score.add_argument("--denominator", help="denominator (a count)")
    score.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a named input (repeatable), e.g. syncRate=75",
    )
    # SUPPRESS: "motcua indicators --json score …" keeps the --json given before the action
    score.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    rollups = actions.add_parser(
        "rollups",
        help="rebuild or check the incremental rollups behind the scorecard",
        description=(
            "Tổng hợp tăng dần / incremental rollups. --rebuild: recreate them from the "
            "dossiers (after a bulk import or an upgrade). --check: recompute them from "
            "scratch and compare with what is stored, and compare the scorecard's counts from "
            "the rollups with the counts from the dossiers for the period (default: this "
            "month) and scope; exit status 1 and the differences printed if anything differs."
        ),
    )
    rollups.add_argument("--rebuild", action="store_true", help="recreate the rollups")
    rollups.add_argument("--check", action="store_true", help="recompute and compare")
    rollups.add_argument(
        "--period",
        default=argparse.SUPPRESS,
        help="check only the days of this period (default: every day with data) and compare "
        "its counts (default: this month)",
    )
    rollups.add_argument(
        "--scope",
        default=argparse.SUPPRESS,
        help="also compare the counts of this scope (the city's are always compared)",
    )
    rollups.add_argument(
        "--limit", type=int, default=100, help="stop after this many differences (default 100)"
    )
    rollups.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON")
    return parser


def _number(option: str, raw: str | None) -> Fraction | None:
    if raw is None:
        return None
    try:
        return Fraction(raw.strip())
    except (ValueError, ZeroDivisionError):
        raise _UsageError(
            f"{option} phải là một số (nhận được {raw!r}).",
            f"{option} must be a number (got {raw!r}).",
        ) from None


def _field_option(field_name: str) -> str:
    if field_name in {"metric", "numerator", "denominator", "period", "scope"}:
        return f"--{field_name}"
    return f"--param {field_name}"


def _print_score(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    ratio = "—" if result["ratio"] is None else f"{result['ratio']:.2f} %"
    print(f"{result['metric']}: {result['score']} / {result['max_score']} (ratio {ratio})")
    for part in result.get("parts", []):
        print(f"  {part['metric']}: {part['score']} / {part['max_score']}")
    if result.get("note"):
        print(f"  ({result['note']})")


def _run_score(args: argparse.Namespace) -> int:
    numerator = _number("--numerator", args.numerator)
    denominator = _number("--denominator", args.denominator)
    params = parse_params(args.param)
    result = score_metric(args.metric, numerator, denominator, params)
    _print_score(result, args.json)
    return 0


def _run_scorecard(args: argparse.Namespace) -> int:
    if not args.period:
        raise _UsageError(
            "cần --period (ví dụ 2026-10) hoặc hành động 'score'.",
            "--period is required (e.g. 2026-10), or use the 'score' action.",
        )
    _setup()
    from django.db import DatabaseError

    from .selectors import parse_period, parse_scope, scorecard_for

    period = parse_period(args.period)
    try:
        scope = parse_scope(args.scope)
        data = scorecard_for(period, scope)
    except DatabaseError as exc:
        return _database_error(exc)
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    print(f"{data['period']['label']} — {data['scope']}: {data['total']} / {data['max_score']}")
    figures = data["figures"]
    rate = "—" if figures["on_time_rate"] is None else f"{figures['on_time_rate']} %"
    print(
        f"  hồ sơ / dossiers: {figures['dossiers_received']} "
        f"(online {figures['dossiers_online']}), đúng hạn / on time: {rate}"
    )
    for group in data["groups"]:
        print(f"  {group['name_vi']}: {group['score']} / {group['max_score']}")
        for ind in group["indicators"]:
            shown, num, den = (
                "—" if ind[key] is None else ind[key]
                for key in ("score", "numerator", "denominator")
            )
            note = f" ({ind['note']})" if ind.get("note") else ""
            print(f"    {ind['metric']}: {num}/{den} → {shown} / {ind['max_score']}{note}")
    if not data["complete"]:
        print("  (một số chỉ số chưa có dữ liệu / some indicators have no data yet)")
    return 0


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    import django

    django.setup()


def _database_error(exc: Exception) -> int:
    print(
        "motcua indicators: không đọc được cơ sở dữ liệu (chạy 'motcua up' hoặc "
        f"'motcua manage migrate' trước). / could not read the database ({type(exc).__name__}"
        "; run 'motcua up' or 'motcua manage migrate' first).",
        file=sys.stderr,
    )
    return 1


def _inputs_as_dict(inputs: Any) -> dict[str, Any]:
    return {
        code: {
            "numerator": str(value.numerator),
            "denominator": str(value.denominator),
            **{name: str(param) for name, param in value.params.items()},
        }
        for code, value in inputs.items()
    }


def _run_rollups(args: argparse.Namespace) -> int:
    if not args.rebuild and not args.check:
        raise _UsageError("cần --rebuild hoặc --check.", "give --rebuild, --check or both.")
    if args.limit < 1:
        raise _UsageError("--limit phải lớn hơn 0.", "--limit must be at least 1.")
    _setup()
    from django.db import DatabaseError

    from motcua.workcal.types import VN_TZ

    from .rollups import differences_in_inputs, rollups_check, rollups_rebuild
    from .selectors import figures_for, indicator_inputs, parse_period, parse_scope

    raw_period = getattr(args, "period", None)
    raw_scope = getattr(args, "scope", None)
    now = dt.datetime.now(tz=VN_TZ)
    period = parse_period(raw_period or f"{now:%Y-%m}")
    scopes = [parse_scope("city")]
    if raw_scope and raw_scope.strip().lower() != "city":
        scopes.append(parse_scope(raw_scope))
    report: dict[str, Any] = {}
    try:
        if args.rebuild:
            started = time.perf_counter()
            report["rebuilt"] = rollups_rebuild()
            report["rebuild_seconds"] = round(time.perf_counter() - started, 3)
            if not args.json:
                print(
                    f"đã dựng lại / rebuilt: {report['rebuilt']} hồ sơ / dossiers "
                    f"({report['rebuild_seconds']} s)"
                )
        if args.check:
            started = time.perf_counter()
            found = rollups_check(
                first=period.start if raw_period else None,
                last=period.last_day if raw_period else None,
                limit=args.limit,
            )
            pairs = []
            for scope in scopes:
                label = f"{period.label} {scope.label}"
                fast = indicator_inputs(period, scope, now=now)
                slow = indicator_inputs(period, scope, now=now, recompute=True)
                pairs.append((label, _inputs_as_dict(fast), _inputs_as_dict(slow)))
                pairs.append(
                    (
                        f"{label} figures",
                        figures_for(period, scope, now=now),
                        figures_for(period, scope, now=now, recompute=True),
                    )
                )
            found += differences_in_inputs(pairs)
            report["differences"] = [
                {
                    "table": d.table,
                    "key": d.key,
                    "column": d.column,
                    "stored": str(d.stored),
                    "recomputed": str(d.expected),
                }
                for d in found[: args.limit]
            ]
            report["check_seconds"] = round(time.perf_counter() - started, 3)
            if not args.json:
                for difference in found[: args.limit]:
                    print(f"  {difference}")
                if found:
                    print(
                        f"KHÁC / DIFFERENT: {len(found[: args.limit])} chỗ khác / differences "
                        "(sửa bằng / fix with: motcua indicators rollups --rebuild)"
                    )
                else:
                    print(f"khớp / exact: rollups == recomputation ({report['check_seconds']} s)")
    except DatabaseError as exc:
        return _database_error(exc)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    return DIFFERENCES_FOUND if report.get("differences") else 0


def run(args: argparse.Namespace) -> int:
    """Run ``motcua indicators``; returns the exit status (2 on bad input, with a message;
    1 when ``rollups --check`` finds a difference)."""
    try:
        action = getattr(args, "indicators_action", None)
        if action == "score":
            return _run_score(args)
        if action == "rollups":
            return _run_rollups(args)
        return _run_scorecard(args)
    except IndicatorInputError as exc:
        option = _field_option(exc.field)
        print(
            f"motcua indicators: {option}: {exc.message_vi} / {option}: {exc.message_en}",
            file=sys.stderr,
        )
        return USAGE_ERROR
    except _UsageError as exc:
        print(f"motcua indicators: {exc.vi} / {exc.en}", file=sys.stderr)
        return USAGE_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (``python -m motcua.indicators.cli …``)."""
    parser = _Parser(prog="motcua")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    add_parser(sub)
    words = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(["indicators", *words])
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
