"""Staff dossier lists over HTTP: p50 / p99 latency, on a database filled by ``motcua simulate``.

Run: .venv/bin/python benchmarks/staff_list.py --database-url postgres://…/motcua_bench10m
     [--requests 400] [--workers 2] [--summary out.json]

It serves the application with gunicorn (as ``motcua up`` does) on a free port of 127.0.0.1 and
asks, one request at a time from this process, as two simulated officers:

* the processor of the commune People's Committee that settles the most dossiers (a commune
  one-stop officer), and the receiver of the Service Center's busiest reception point (not
  the online one);
* ``GET /api/v1/dossiers/`` — the first page (50 dossiers, newest first) and the next one by
  the cursor, ``--requests`` times each; one month's dossiers (``received_from`` /
  ``received_to``) and the dossiers of one procedure, a fifth as often;
* the processor's work inbox page (``/staff/work/``, HTML).

Every request is a new connection (gunicorn's sync workers close it after each answer), so the
time is what a browser or API client on the same network would see, connection included. It
prints p50 / p90 / p99 / max per kind and for all the API list requests together (the headline:
target p50 ≤ 15 ms). It writes to the database only an API token and a session for each of the
two officers (as their log-ins would).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, pct, setup_django, web_server, write_summary

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench10m"
TARGET_P50_MS = 15.0
#: the filtered lists (one month, one procedure) are asked once every this many first pages
FILTERED_EVERY = 5


def get(base: str, path: str, headers: dict[str, str]) -> tuple[int, bytes, float]:
    """One GET on a new connection: status, body, milliseconds to the last byte."""
    parts = urlsplit(base)
    start = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        answer = conn.getresponse()
        body = answer.read()
    finally:
        conn.close()
    return answer.status, body, (time.perf_counter() - start) * 1000


def officers() -> dict[str, Any]:
    """The two simulated officers, their agency's volume, an API token and a session each."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    from motcua.dossiers.models import Dossier
    from motcua.org.models import Agency, ServicePoint, User

    busiest_commune = (
        Dossier.objects.filter(competent_agency__level=Agency.Level.COMMUNE)
        .values("competent_agency_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    busiest_point = (
        Dossier.objects.filter(reception_point__agency__level=Agency.Level.CITY)
        .exclude(reception_point__kind=ServicePoint.Kind.ONLINE)
        .values("reception_point_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if busiest_commune is None or busiest_point is None:
        sys.exit("no simulated dossiers: run motcua simulate first (docs/simulator.md)")
    commune = Agency.objects.get(pk=busiest_commune["competent_agency_id"])
    point = ServicePoint.objects.get(pk=busiest_point["reception_point_id"])
    processor = User.objects.get(username=f"sim-processor-{commune.code}")
    receiver = User.objects.get(username=f"sim-receiver-{point.code}")
    out: dict[str, Any] = {}
    for key, user, scope, n in (
        ("processor", processor, commune.name, busiest_commune["n"]),
        ("receiver", receiver, point.name, busiest_point["n"]),
    ):
        token, _ = Token.objects.get_or_create(user=user)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        out[key] = {
            "username": user.username,
            "scope": scope,
            "dossiers": n,
            "api": {"Authorization": f"Token {token.key}", "Accept": "application/json"},
            "page": {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"},
        }
    return out


def sample_filters() -> tuple[list[tuple[str, str]], list[str]]:
    """Months with dossiers (first and last day) and the most used procedure codes."""
    from django.db.models import Count

    from motcua.dossiers.models import Dossier

    last = (
        Dossier.objects.filter(received_at__isnull=False)
        .order_by("-received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    months = []
    if last is not None:
        day = last.date().replace(day=1)
        for _ in range(12):
            end = (day + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            months.append((day.isoformat(), end.isoformat()))
            day = (day - dt.timedelta(days=1)).replace(day=1)
    codes = list(
        Dossier.objects.values("procedure_version__procedure__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("procedure_version__procedure__code", flat=True)[:8]
    )
    return months, codes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--requests", type=int, default=400, help="first pages per officer")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--summary", help="write the headline figures to this JSON file")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    from django.db import connection

    from motcua.dossiers.models import Dossier

    if connection.vendor != "postgresql":
        print("benchmarks/staff_list.py: needs PostgreSQL (--database-url postgres://…)")
        return 2
    total = Dossier.objects.count()
    who = officers()
    months, codes = sample_filters()
    connection.close()
    rng = random.Random(args.seed)
    print(f"machine: {machine()}")
    print(f"database: {args.database_url.rsplit('/', 1)[-1]}, {total:,} dossiers")
    for officer in who.values():
        print(f"  {officer['username']}: {officer['scope']}, {officer['dossiers']:,} dossiers")
    times: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    with web_server(args.database_url, workers=args.workers) as base:
        for key, officer in who.items():
            api = officer["api"]

            def ask(kind: str, path: str, headers: dict[str, str]) -> bytes:
                status, body, ms = get(base, path, headers)
                if status != 200:
                    failures.append(f"{kind} {path}: HTTP {status}")
                times[kind].append(ms)
                return body

            for _ in range(10):  # warm: connections, caches, plans
                get(base, "/api/v1/dossiers/", api)
                if key == "processor":
                    get(base, "/staff/work/", officer["page"])
            for k in range(args.requests):
                body = ask(f"{key}: API first page", "/api/v1/dossiers/", api)
                following = json.loads(body).get("next") if body else None
                if following:
                    parts = urlsplit(following)
                    ask(f"{key}: API next page", f"{parts.path}?{parts.query}", api)
                if k % FILTERED_EVERY:
                    continue
                first, last = rng.choice(months)
                query = urlencode({"received_from": first, "received_to": last})
                ask(f"{key}: API one month", f"/api/v1/dossiers/?{query}", api)
                query = urlencode({"procedure": rng.choice(codes)})
                ask(f"{key}: API one procedure", f"/api/v1/dossiers/?{query}", api)
            if key == "processor":
                for _ in range(max(1, args.requests // 4)):
                    ask(f"{key}: work inbox page", "/staff/work/", officer["page"])
    print()
    print("| request | n | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    every_api: list[float] = []
    for kind, values in times.items():
        if "API" in kind:
            every_api.extend(values)
        print(
            f"| {kind} | {len(values)} | {pct(values, 0.5):.1f} | {pct(values, 0.9):.1f} "
            f"| {pct(values, 0.99):.1f} | {max(values):.1f} |"
        )
    p50, p99 = pct(every_api, 0.5), pct(every_api, 0.99)
    print(
        f"| **all API list requests** | {len(every_api)} | **{p50:.1f}** | "
        f"{pct(every_api, 0.9):.1f} | **{p99:.1f}** | {max(every_api):.1f} |"
    )
    print()
    print(f"mean {statistics.fmean(every_api):.1f} ms; failures: {len(failures)}")
    for failure in failures[:10]:
        print(f"  {failure}")
    verdict = "met" if p50 <= TARGET_P50_MS else "NOT met"
    print(f"target: staff dossier list p50 ≤ {TARGET_P50_MS:.0f} ms (p50 {p50:.1f} ms): {verdict}")
    write_summary(
        args.summary,
        {
            "dossiers": total,
            "list_p50_ms": round(p50, 1),
            "list_p99_ms": round(p99, 1),
            "inbox_p50_ms": round(pct(times["processor: work inbox page"], 0.5), 1)
            if times.get("processor: work inbox page")
            else None,
            "failures": len(failures),
        },
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
