"""Benchmark of ``motcua simulate`` on a fresh database (SQLite or PostgreSQL).

Run: .venv/bin/python benchmarks/simulate.py --dossiers 100000 [--sqlite | --database-url
     postgres://…/motcua_simbench] [--from 2025-07-01 --to 2026-10-31] [--seed 1]
     [--full-history] [--jobs N] [--keep]

It (re)creates its own database — a SQLite file in a temporary directory, or the PostgreSQL
database named in the URL (the name must contain "bench") — migrates it and loads the Hà Nội
reference data, then runs one simulation and prints where the time went: the simulated
applicants (accounts, profiles, data-store entries), the dossiers (built and written chunk by
chunk: rows/s and dossiers/s), the rollups rebuilt at the end, and the size of the database.
Finally it times ``motcua whatif`` on the busiest month. The database is dropped at the end
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_simbench"


def recreate_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to drop {name!r}: the benchmark database's name must contain 'bench'")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(parts.path.lstrip("/"))
            )
        )


def database_size() -> str:
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            row = cursor.fetchone()
            return str(row[0]) if row else "?"
    path = Path(settings.DATABASES["default"]["NAME"])
    total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return f"{total / 1e6:.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--sqlite", action="store_true", help="a SQLite file (the default)")
    where.add_argument("--database-url", default=None, help=f"PostgreSQL, e.g. {DEFAULT_URL}")
    parser.add_argument("--from", dest="first", default="2025-07-01")
    parser.add_argument("--to", dest="last", default="2026-10-31")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--full-history", action="store_true")
    parser.add_argument("--jobs", type=int, default=0, help="builder processes (0: none)")
    parser.add_argument(
        "--defer-indexes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="build the secondary indexes after the load (default: for a run that at least "
        "doubles the dossiers and adds 100,000 or more; docs/simulator.md)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="motcua-simbench-"))
    os.environ["MOTCUA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    url = args.database_url
    if url:
        recreate_postgres(url)
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from motcua.catalog.reference import load_reference
    from motcua.indicators.selectors import parse_period, parse_scope
    from motcua.indicators.whatif import HalvedStep, whatif
    from motcua.org.services import roles_ensure
    from motcua.simulate.run import simulate

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    load_reference()
    roles_ensure()
    print(f"database: {connection.vendor} ({'PostgreSQL' if url else data_dir})")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"set-up (migrate, reference data): {time.perf_counter() - started:.1f} s")

    marks: dict[str, float] = {}

    def on_pool(done: int, total: int) -> None:
        marks.setdefault("pool_start", time.perf_counter())
        marks["pool_end"] = time.perf_counter()

    def on_chunk(done: int, total: int) -> None:
        marks.setdefault("first_chunk", time.perf_counter())
        marks["last_chunk"] = time.perf_counter()
        if done == total or done % (max(total // 10, 1)) < 2_000:
            print(f"  {done:>10} / {total} dossiers, {time.perf_counter() - t0:7.1f} s", flush=True)

    t0 = time.perf_counter()
    result = simulate(
        dossiers=args.dossiers,
        first=dt.date.fromisoformat(args.first),
        last=dt.date.fromisoformat(args.last),
        seed=args.seed,
        full_history=args.full_history,
        jobs=args.jobs,
        defer_indexes=args.defer_indexes,
        progress=on_chunk,
        pool_progress=on_pool,
    )
    total = time.perf_counter() - t0
    s = result.summary
    rows = sum(s.rows.values())
    chunks = marks.get("last_chunk", t0) - marks.get("pool_end", t0)
    print(f"dossiers: {s.dossiers}, rows: {rows} ({rows / max(s.dossiers, 1):.1f} per dossier)")
    print(f"applicants created: {s.applicants_created}")
    print(
        f"total: {total:.1f} s → {s.dossiers / total:,.0f} dossiers/s, {rows / total:,.0f} rows/s"
    )
    print(f"  dossier chunks (build + write): {chunks:.1f} s")
    if s.indexes_deferred:
        print(
            f"  {s.indexes_deferred} secondary indexes built after the load: "
            f"{s.indexes_seconds:.1f} s"
        )
    tail = t0 + total - marks.get("last_chunk", t0) - s.indexes_seconds
    print(f"  rollups rebuilt at the end: {tail:.1f} s")
    print(f"on time: {s.on_time_rate:.2f} %, by channel: {dict(s.by_channel)}")
    print(f"database size: {database_size()}")
    busiest: Any = max(
        ((d, n) for d, n in _months(result.summary, args.first, args.last)), key=lambda x: x[1]
    )[0]
    t1 = time.perf_counter()
    data = whatif(parse_period(busiest), parse_scope("city"), HalvedStep("Thẩm định hồ sơ"))
    print(
        f"whatif --period {busiest} --halve-step: {time.perf_counter() - t1:.1f} s "
        f"({data['effect']['dossiers']} dossiers)"
    )
    if not args.keep:
        connection.close()
        if url:
            drop_postgres(url)
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        print(f"kept: {url or data_dir}")
    return 0


def _months(summary: Any, first: str, last: str) -> list[tuple[str, int]]:
    """The months of the period with their dossiers received (from the database)."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from motcua.dossiers.models import Dossier

    rows = (
        Dossier.objects.exclude(received_at=None)
        .annotate(m=TruncMonth("received_at"))
        .values("m")
        .annotate(n=Count("pk"))
    )
    return [(f"{r['m']:%Y-%m}", int(r["n"])) for r in rows]


if __name__ == "__main__":
    sys.exit(main())
