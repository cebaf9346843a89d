"""Benchmark of the Decision 766 scorecard read from the incremental rollups, on PostgreSQL.

Run: .venv/bin/python benchmarks/scorecard.py [--database-url postgres://…/motcua]
     [--period 2026-10] [--agency CODE] [--repeat 20] [--recompute] [--check]

It works on the data already in the database (fill it with ``motcua simulate`` first): it
never writes. It prints the sizes (dossiers, facts, rollup rows of the period), then times,
warm, ``--repeat`` times each:

* the city's scorecard of the period as the command line and the dashboard ask for it
  (``scorecard_for(period, city)``: every indicator, the figures and the previous period's
  comparison);
* the same for one agency (``--agency``, default: the competent agency with the most
  dossiers in the period), with its sub-agencies;
* the dashboard's 12-month trend of the city (twelve scorecards);

and prints best / median / p95 with the SQL statements of one call, and the target (the
city's scorecard in at most 200 ms). ``--recompute`` also times the city's scorecard
computed from the dossiers' rows (the reference the rollups must equal), once.
``--check`` first runs ``motcua indicators rollups --check`` over the period.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import setup_django, write_summary  # noqa: E402

DEFAULT_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/motcua")
TARGET_MS = 200.0


def timed(call: Callable[[], Any], repeat: int) -> tuple[list[float], int, Any]:
    """Milliseconds of each of ``repeat`` warm calls, SQL statements of one, last result."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = call()  # warm: connection, caches, plans
    with CaptureQueriesContext(connection) as queries:
        call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    return times, len(queries), result


def line(name: str, times: list[float], statements: int) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"| {name} | {ordered[0]:.1f} | {statistics.median(ordered):.1f} | {p95:.1f} "
        f"| {statements} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--period", help="YYYY-MM, YYYY-Qn, YYYY (default: the last month)")
    parser.add_argument("--agency", help="agency code (default: the busiest competent one)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--recompute", action="store_true", help="also time the recomputation")
    parser.add_argument("--check", action="store_true", help="check the rollups first")
    parser.add_argument("--summary", help="write the headline figures to this JSON file")
    args = parser.parse_args(argv)
    setup_django(args.database_url)

    from django.db import connection
    from django.db.models import Max, Sum

    from motcua.dossiers.models import Dossier
    from motcua.indicators.dashboard import monthly_trend
    from motcua.indicators.models import PENDING, DailyRollup, DossierFact, MonthlyRollup
    from motcua.indicators.rollups import rollups_check
    from motcua.indicators.selectors import Scope, parse_period, scorecard_for
    from motcua.org.models import Agency
    from motcua.workcal.types import VN_TZ

    if connection.vendor != "postgresql":
        print("benchmarks/scorecard.py: needs PostgreSQL (--database-url postgres://…)")
        return 2
    last_day = DailyRollup.objects.aggregate(last=Max("day"))["last"]
    if last_day is None:
        print(
            "no rollups: fill the database (motcua simulate …) or run "
            "'motcua indicators rollups --rebuild'"
        )
        return 2
    period = parse_period(args.period or f"{last_day:%Y-%m}")
    now = min(dt.datetime.now(tz=VN_TZ), period.end_at + dt.timedelta(days=1))
    rows = DailyRollup.objects.filter(day__gte=period.start, day__lt=period.end)
    if args.agency:
        agency = Agency.objects.get(code=args.agency)
    else:
        busiest = (
            rows.values("competent_agency_id")
            .annotate(n=Sum("received"))
            .order_by("-n")
            .values_list("competent_agency_id", flat=True)
            .first()
        )
        agency = Agency.objects.get(pk=busiest)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = str(cursor.fetchone()[0]).split(",")[0]  # type: ignore[index]
    received = Dossier.objects.filter(received_at__isnull=False).count()
    print(f"database: {connection.settings_dict['NAME']} ({version})")
    months = MonthlyRollup.objects.filter(month__gte=period.start, month__lt=period.end)
    print(
        f"dossiers received: {received:,}; facts: {DossierFact.objects.count():,} "
        f"({DossierFact.objects.filter(PENDING).count():,} without timeliness yet); "
        f"rollup rows: {DailyRollup.objects.count():,} daily "
        f"({rows.count():,} in {period.label}), {MonthlyRollup.objects.count():,} monthly "
        f"({months.count():,} in {period.label}, "
        f"{months.aggregate(n=Sum('received'))['n'] or 0:,} dossiers)"
    )
    if args.check:
        start = time.perf_counter()
        found = rollups_check(first=period.start, last=period.last_day, limit=20)
        took = time.perf_counter() - start
        print(f"rollups --check {period.label}: {len(found)} differences ({took:.1f} s)")
        for difference in found:
            print(f"  {difference}")
        if found:
            return 1
    city, scope = Scope(), Scope(agency=agency)
    print(
        f"period {period.label}, agency {agency.code} ({agency.name}), as of {now:%Y-%m-%d %H:%M}"
    )
    print()
    print("| measurement (warm) | best ms | median ms | p95 ms | SQL statements |")
    print("|---|---|---|---|---|")
    city_times, statements, card = timed(lambda: scorecard_for(period, city, now=now), args.repeat)
    print(line("city scorecard (with the previous period)", city_times, statements))
    agency_times, statements, agency_card = timed(
        lambda: scorecard_for(period, scope, now=now), args.repeat
    )
    print(line(f"agency {agency.code} scorecard", agency_times, statements))
    trend_times, statements, _ = timed(
        lambda: monthly_trend(period, city, now=now), max(3, args.repeat // 4)
    )
    print(line("city 12-month trend (12 scorecards)", trend_times, statements))
    if args.recompute:
        times, statements, slow = timed(
            lambda: scorecard_for(period, city, now=now, recompute=True), 1
        )
        print(line("city scorecard recomputed from the dossiers", times, statements))
        same = slow["figures"] == card["figures"] and slow["total"] == card["total"]
        print(f"recomputed == rollups: {same}")
    print()
    figures = card["figures"]
    print(
        f"city {period.label}: total {card['total']} / 100; "
        f"dossiers {figures['dossiers_received']:,} (online {figures['dossiers_online']:,}, "
        f"agents {figures['dossiers_by_agents']:,}), "
        f"on time {figures['on_time_rate']} %, reuse {figures['reuse_rate']} %"
    )
    print(
        f"agency {agency.code}: total {agency_card['total']} / 100; dossiers "
        f"{agency_card['figures']['dossiers_received']:,}"
    )
    median = statistics.median(city_times)
    verdict = "met" if median <= TARGET_MS else "NOT met"
    print(f"target: city scorecard ≤ {TARGET_MS:.0f} ms (median {median:.1f} ms): {verdict}")
    write_summary(
        args.summary,
        {
            "period": period.label,
            "dossiers_received": received,
            "city_median_ms": round(median, 1),
            "agency": agency.code,
            "agency_median_ms": round(statistics.median(agency_times), 1),
            "trend_median_ms": round(statistics.median(trend_times), 1),
            "city_total": card["total"],
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
