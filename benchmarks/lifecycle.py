"""Benchmark of full dossier lifecycles through the services, on PostgreSQL.

Run: .venv/bin/python benchmarks/lifecycle.py [--database-url postgres://…/motcua_bench]
     [--lifecycles N] [--workers W] [--profile] [--keep]

It (re)creates its own database (``motcua_bench`` by default; the name must contain "bench"),
migrates it, loads the Hà Nội reference data and creates the actors, then:

* counts the SQL queries of each transition in a single-process warm-up run
  (``CaptureQueriesContext``);
* takes N counter dossiers of procedure 1.012783 in (``intake``, status 1; timed apart and
  reported as intakes/s), then runs their N lifecycles — receive → forward (one-stop) →
  forward (appraisal) → approve → finish → return-result, the issue's "receive → steps →
  finish → return" — in W worker processes (each with its own connection, all released at
  once) and prints lifecycles/s, transitions/s and p50/p95 of each transition;
* with ``--profile``, profiles a single-process run (cProfile) and groups its SQL by shape.

Every dossier is received by the same agency (the Service Center, H26.30): the workers take
interleaved dossiers of the same reception day, so they contend for that agency's daily code
counter as a busy one-stop would. Each act carries an explicit ``at`` on a past working day.
The database is dropped at the end unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import multiprocessing as mp
import os
import platform
import pstats
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import pct, setup_django, write_summary  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench"
PROCEDURE = "1.012783"  # 5 working days, Sở Nông nghiệp và Môi trường (H26.05)
INTAKE = "intake"
TRANSITIONS = (
    "receive",
    "forward (one-stop)",
    "forward (appraisal)",
    "approve",
    "finish",
    "return-result",
)
PER_DAY = 3000  # dossiers per reception day (the daily sequence has 4 digits)
FIRST_DAY = dt.date(2026, 1, 5)
WARMUP_PER_WORKER = 3
WARMUP_COUNTED = 20
PROFILED = 200  # half timed, half under cProfile
TARGET = 100.0  # lifecycles/s (the target on the 2-core machine)


# ----------------------------------------------------------------------------- database
def recreate_database(url: str) -> str:
    """Drop and create the benchmark database; returns its name."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"--database-url must be a PostgreSQL URL, not {parts.scheme!r}")
    if "bench" not in name or name in ("motcua", "motcua_ci"):
        sys.exit(f"refusing to drop {name!r}: the benchmark database's name must contain 'bench'")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(url: str) -> None:
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


# ----------------------------------------------------------------------------- actors
@dataclass
class Actors:
    receiver: Any
    processor: Any
    approver: Any
    profile: Any


def create_actors() -> dict[str, int]:
    from django.contrib.auth.models import Group

    from motcua.org.models import Agency, ServicePoint, User
    from motcua.org.roles import Role
    from motcua.people.models import CitizenProfile

    def officer(name: str, role: Role, agency: str, point: str | None = None) -> User:
        user = User(
            username=name,
            full_name=f"Cán bộ {name}",
            agency=Agency.objects.get(code=agency),
            service_point=ServicePoint.objects.get(code=point) if point else None,
        )
        user.set_unusable_password()
        user.save()
        user.groups.set([Group.objects.get_or_create(name=role.value)[0]])
        return user

    receiver = officer("bench-receiver", Role.RECEIVER, "H26.30", "H26.30.01")
    processor = officer("bench-processor", Role.PROCESSOR, "H26.05")
    approver = officer("bench-approver", Role.APPROVER, "H26.05")
    profile = CitizenProfile.objects.create(
        kind=CitizenProfile.Kind.PERSON, full_name="Trần Thị Bình", personal_id="001185000123"
    )
    return {
        "receiver": receiver.pk,
        "processor": processor.pk,
        "approver": approver.pk,
        "profile": profile.pk,
    }


def load_actors(pks: dict[str, int]) -> Actors:
    from motcua.org.models import User
    from motcua.people.models import CitizenProfile

    return Actors(
        receiver=User.objects.get(pk=pks["receiver"]),
        processor=User.objects.get(pk=pks["processor"]),
        approver=User.objects.get(pk=pks["approver"]),
        profile=CitizenProfile.objects.get(pk=pks["profile"]),
    )


# ----------------------------------------------------------------------------- lifecycles
def working_days(count: int) -> list[dt.date]:
    from motcua.workcal import default_calendar

    cal = default_calendar()
    days: list[dt.date] = []
    day = FIRST_DAY
    while len(days) < count:
        if cal.is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    if dt.datetime.combine(days[-1], dt.time(17)) > dt.datetime.now():  # noqa: DTZ005
        sys.exit("too many lifecycles for the working days before today")
    return days


def start_of(i: int, days: list[dt.date]) -> dt.datetime:
    """The instant dossier ``i`` arrives at the counter (its day and a 5-second slot)."""
    from motcua.workcal.types import VN_TZ

    day = days[i // PER_DAY]
    return dt.datetime.combine(day, dt.time(8), tzinfo=VN_TZ) + dt.timedelta(
        seconds=5 * (i % PER_DAY)
    )


def intake(i: int, a: Actors, days: list[dt.date]) -> Any:
    """Dossier ``i`` taken in at the counter (status 1): the set-up of a lifecycle."""
    from motcua.dossiers import services as s

    return s.dossier_intake(
        actor=a.receiver, procedure_code=PROCEDURE, applicant=a.profile, at=start_of(i, days)
    )


def lifecycle(
    i: int,
    a: Actors,
    days: list[dt.date],
    timing: dict[str, list[float]] | None,
    dossier: Any = None,
) -> None:
    """Dossier ``i`` from reception to the result returned (taken in first if not given)."""
    from motcua.dossiers import services as s

    t0 = start_of(i, days)

    def at(minutes: int) -> dt.datetime:
        return t0 + dt.timedelta(minutes=minutes)

    def run(name: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = fn(**kwargs)
        if timing is not None:
            timing[name].append(time.perf_counter() - start)
        return result

    d = dossier if dossier is not None else intake(i, a, days)
    d = run("receive", s.dossier_receive, dossier=d, actor=a.receiver, at=at(1))
    d = run("forward (one-stop)", s.dossier_forward, dossier=d, actor=a.receiver, at=at(2))
    d = run("forward (appraisal)", s.dossier_forward, dossier=d, actor=a.processor, at=at(60))
    d = run("approve", s.dossier_approve, dossier=d, actor=a.approver, at=at(90))
    d = run("finish", s.dossier_finish, dossier=d, actor=a.processor, at=at(120))
    d = run(
        "return-result",
        s.dossier_return_result,
        dossier=d,
        actor=a.receiver,
        method="counter",
        at=at(150),
    )
    assert d.state == "returned", d.state


def worker(
    indices: list[int],
    warmup: list[int],
    pks: dict[str, int],
    days: list[dt.date],
    barriers: tuple[Any, Any],
    results: Any,
) -> None:
    from django.db import connections

    connections.close_all()  # never share the parent's connection
    a = load_actors(pks)
    for i in warmup:
        lifecycle(i, a, days, None)
    # the set-up: every dossier of this worker taken in (timed apart: intakes/s)
    barriers[0].wait()
    begin_intake = time.perf_counter()
    taken = [intake(i, a, days) for i in indices]
    end_intake = time.perf_counter()
    timing: dict[str, list[float]] = defaultdict(list)
    barriers[1].wait()
    begin = time.perf_counter()
    for i, dossier in zip(indices, taken, strict=True):
        lifecycle(i, a, days, timing, dossier)
    end = time.perf_counter()
    connections.close_all()
    results.put((begin, end, dict(timing), begin_intake, end_intake))


# ----------------------------------------------------------------------------- reports
def machine(pg_version: str) -> str:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import django

    return (
        f"cpu={cpu!r} cores={os.cpu_count()} postgresql={pg_version} "
        f"python={platform.python_version()} django={django.get_version()}"
    )


_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def shape(sql: str) -> str:
    """A query without its literals, short enough to group by."""
    text = _LITERALS.sub("?", sql)
    text = re.sub(r"\(\?(?:, \?)+\)", "(…)", text)
    verb = text.split(" ", 1)[0]
    tables = re.findall(r'(?:FROM|INTO|UPDATE|JOIN) "(\w+)"', text)
    suffix = " FOR UPDATE" if "FOR UPDATE" in text else ""
    joins = f" +{len(tables) - 1} joins" if len(tables) > 1 else ""
    return f"{verb} {tables[0] if tables else text[:60]}{joins}{suffix}"


def count_queries(a: Actors, days: list[dt.date], indices: list[int]) -> dict[str, float]:
    """Average SQL statements per transition (single process), with the task enqueue after
    the commit; BEGIN and COMMIT are not counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from motcua.dossiers import services as s

    per: dict[str, list[int]] = defaultdict(list)
    originals = {}
    names = {
        "dossier_intake": INTAKE,
        "dossier_receive": "receive",
        "dossier_approve": "approve",
        "dossier_finish": "finish",
        "dossier_return_result": "return-result",
    }
    forwards: Iterator[str] = iter(())

    def counted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(**kwargs: Any) -> Any:
            label = name
            if name == "forward":
                label = next(forwards)
            with CaptureQueriesContext(connection) as ctx:
                result = fn(**kwargs)
            statements = [q for q in ctx.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
            per[label].append(len(statements))
            return result

        return call

    for attr, label in [*names.items(), ("dossier_forward", "forward")]:
        originals[attr] = getattr(s, attr)
        setattr(s, attr, counted(label, originals[attr]))
    try:
        for i in indices:
            forwards = iter(("forward (one-stop)", "forward (appraisal)"))
            lifecycle(i, a, days, None)
    finally:
        for attr, fn in originals.items():
            setattr(s, attr, fn)
    return {name: statistics.mean(per[name]) for name in (INTAKE, *TRANSITIONS)}


def _backend_cpu_seconds(pid: int) -> float | None:
    """CPU time of the PostgreSQL backend serving us (same machine only)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def profile(a: Actors, days: list[dt.date], indices: list[int]) -> None:
    """Where one process's time goes: client CPU, server CPU, SQL by shape, cProfile."""
    from django.db import connection

    half = len(indices) // 2
    timed, profiled = indices[:half], indices[half:]
    n = len(timed)

    # 1. an unprofiled run: wall time against the client's and the backend's CPU time
    sql: dict[str, list[float]] = defaultdict(list)

    def timing_wrapper(execute: Any, sql_text: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            sql[shape(sql_text)].append(time.perf_counter() - start)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    backend = int(row[0]) if row else 0
    taken = [intake(i, a, days) for i in timed]  # the set-up, not measured
    server0, client0, t0 = _backend_cpu_seconds(backend), time.process_time(), time.perf_counter()
    with connection.execute_wrapper(timing_wrapper):
        for i, dossier in zip(timed, taken, strict=True):
            lifecycle(i, a, days, None, dossier)
    wall = time.perf_counter() - t0
    client = time.process_time() - client0
    server1 = _backend_cpu_seconds(backend)
    sql_wall = sum(sum(v) for v in sql.values())
    queries = sum(len(v) for v in sql.values())
    print()
    print(
        f"profile: {n} lifecycles (receive → return) in one process (not profiled), "
        f"{wall / n * 1e3:.1f} ms each"
    )
    print(f"  client (Python) CPU     {client / n * 1e3:6.1f} ms per lifecycle")
    if server0 is not None and server1 is not None:
        print(f"  PostgreSQL backend CPU  {(server1 - server0) / n * 1e3:6.1f} ms per lifecycle")
    print(
        f"  inside cursor.execute   {sql_wall / n * 1e3:6.1f} ms per lifecycle "
        f"({queries / n:.1f} queries; the rest, {(wall - sql_wall) / n * 1e3:.1f} ms, is Python "
        "around them: ORM, services, workcal)"
    )
    print("  queries by shape (per lifecycle: count, ms inside execute):")
    for name, times in sorted(sql.items(), key=lambda kv: -sum(kv[1]))[:16]:
        print(f"    {len(times) / n:5.1f}  {sum(times) / n * 1e3:6.2f} ms  {name}")

    # 2. a profiled run: which Python functions
    taken = [intake(i, a, days) for i in profiled]
    prof = cProfile.Profile()
    prof.enable()
    for i, dossier in zip(profiled, taken, strict=True):
        lifecycle(i, a, days, None, dossier)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(r"motcua/(dossiers|workcal|core|integrations)", 24)
    print(f"  cProfile of {len(profiled)} more lifecycles, motcua functions by cumulative time:")
    for line in out.getvalue().splitlines():
        if "motcua/" in line or "ncalls" in line:
            print("   ", line.replace(str(ROOT / "src") + "/", ""))
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(14)
    print("  cProfile, all functions by own time:")
    for line in out.getvalue().splitlines()[-16:]:
        if line.strip():
            print("   ", line.replace(str(ROOT) + "/", ""))


def apply_what_if(args: argparse.Namespace) -> list[str]:
    """Change the benchmark's connection settings for an experiment; returns what changed."""
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    options = connections["default"].settings_dict.setdefault("OPTIONS", {})
    done = []
    if args.pg_setting:
        flags = " ".join(f"-c {item}" for item in args.pg_setting)
        options["options"] = f"{options.get('options', '')} {flags}".strip()
        done += args.pg_setting
    if args.prepared_statements:
        options["server_side_binding"] = True
        options["prepare_threshold"] = 2
        done.append("prepared statements")
    if args.no_outbox_kick:
        settings.MOTCUA_OUTBOX_KICK = False
        done.append("no outbox kick")
    return done


# ----------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--lifecycles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--profile", action="store_true", help="profile a 1-process run too")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--summary", help="write the headline figures to this JSON file")
    what_if = parser.add_argument_group("what-if experiments (not the production settings)")
    what_if.add_argument(
        "--pg-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the benchmark's sessions, e.g. synchronous_commit=off",
    )
    what_if.add_argument(
        "--prepared-statements",
        action="store_true",
        help="psycopg server-side binding with prepare_threshold=2 (plans are reused)",
    )
    what_if.add_argument(
        "--no-outbox-kick",
        action="store_true",
        help="do not enqueue the outbox delivery task after each commit",
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    name = recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection, connections

    from motcua.catalog.reference import load_reference
    from motcua.org.services import roles_ensure

    try:
        call_command("migrate", verbosity=0)
        load_reference()
        roles_ensure()
        pks = create_actors()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            row = cursor.fetchone()
        pg_version = str(row[0]) if row else "?"
        print(f"machine: {machine(pg_version)}")
        print(f"database {name!r} ready in {time.perf_counter() - t0:.1f} s")
        experiments = apply_what_if(args)
        if experiments:
            print(f"WHAT-IF, not the production settings: {', '.join(experiments)}")

        n, w = args.lifecycles, max(1, args.workers)
        warmup_total = w * WARMUP_PER_WORKER + WARMUP_COUNTED + (PROFILED if args.profile else 0)
        days = working_days((n + warmup_total) // PER_DAY + 2)
        # the measured dossiers first (interleaved between the workers, same days), then the
        # warm-up and profiled ones on later days
        spare = iter(range(n, n + warmup_total))
        a = load_actors(pks)
        queries = count_queries(a, days, [next(spare) for _ in range(WARMUP_COUNTED)])
        print()
        per_lifecycle = sum(queries[t] for t in TRANSITIONS)
        print(
            f"SQL statements per lifecycle: {per_lifecycle:.0f}, plus {queries[INTAKE]:.0f} "
            "for the intake (single process, warm; BEGIN/COMMIT not counted; each transition "
            "is one transaction)"
        )
        for t in (INTAKE, *TRANSITIONS):
            print(f"  {t:<20} {queries[t]:5.1f}")

        warmups = [[next(spare) for _ in range(WARMUP_PER_WORKER)] for _ in range(w)]
        profiled = [next(spare) for _ in range(PROFILED)] if args.profile else []
        connections.close_all()
        ctx = mp.get_context("fork")
        barriers = (ctx.Barrier(w + 1), ctx.Barrier(w + 1))
        results = ctx.Queue()
        procs = [
            ctx.Process(
                target=worker,
                args=(list(range(k, n, w)), warmups[k], pks, days, barriers, results),
            )
            for k in range(w)
        ]
        for p in procs:
            p.start()
        barriers[0].wait()
        barriers[1].wait()
        outcomes = [results.get(timeout=3600) for _ in procs]
        for p in procs:
            p.join()
            if p.exitcode != 0:
                sys.exit(f"a worker failed (exit code {p.exitcode})")
        wall = max(o[1] for o in outcomes) - min(o[0] for o in outcomes)
        intake_wall = max(o[4] for o in outcomes) - min(o[3] for o in outcomes)
        timing: dict[str, list[float]] = defaultdict(list)
        for _, _, per, _, _ in outcomes:
            for key, values in per.items():
                timing[key].extend(values)

        rate = n / wall
        print()
        print(f"set-up: {n} intakes in {intake_wall:.2f} s, {n / intake_wall:.1f} intakes/s")
        print(
            f"{n} lifecycles, receive → return ({n * len(TRANSITIONS)} transitions), "
            f"{w} worker processes"
        )
        print(f"  wall time        {wall:8.2f} s")
        print(f"  lifecycles/s     {rate:8.1f}   (target >= {TARGET:.0f})")
        print(f"  transitions/s    {n * len(TRANSITIONS) / wall:8.1f}")
        print("  per transition (ms)      p50      p95")
        for t in TRANSITIONS:
            values = timing[t]
            print(f"    {t:<20} {pct(values, 0.5) * 1e3:7.1f}  {pct(values, 0.95) * 1e3:7.1f}")
        total = [sum(v) for v in zip(*(timing[t] for t in TRANSITIONS), strict=True)]
        p50, p95 = pct(total, 0.5) * 1e3, pct(total, 0.95) * 1e3
        print(f"    {'whole lifecycle':<20} {p50:7.1f}  {p95:7.1f}")
        write_summary(
            args.summary,
            {
                "lifecycles": n,
                "workers": w,
                "lifecycles_per_second": round(rate, 1),
                "transitions_per_second": round(n * len(TRANSITIONS) / wall, 1),
                "intakes_per_second": round(n / intake_wall, 1),
                "lifecycle_p50_ms": round(p50, 1),
                "statements_per_lifecycle": round(per_lifecycle),
            },
        )

        if args.profile:
            profile(load_actors(pks), days, profiled)
    finally:
        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
