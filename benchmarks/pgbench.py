"""The machine's ceiling for small write transactions: ``pgbench`` against the same server.

Run: .venv/bin/python benchmarks/pgbench.py [--server-url postgres://postgres@127.0.0.1:5432]
     [--scale 20] [--clients 4] [--duration 30] [--summary out.json]

It (re)creates a database ``motcua_pgbench``, initialises pgbench's tables (``pgbench -i -s``),
runs pgbench's default TPC-B-like transaction (five statements: three updates, a select, an
insert) with ``--clients`` clients over 2 threads for ``--duration`` seconds, prints the TPS
and latency, and drops the database. It is the figure to compare the lifecycle benchmark's
transitions per second with: the most this server, on this machine, commits of a comparable
small transaction.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, write_summary

DATABASE = "motcua_pgbench"


def pgbench_binary() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    return str(versions[-1]) if versions else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--scale", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--summary", help="write the headline figures to this JSON file")
    args = parser.parse_args(argv)
    binary = pgbench_binary()
    if binary is None:
        print("benchmarks/pgbench.py: pgbench not found (it comes with the PostgreSQL server)")
        return 2
    parts = urlsplit(args.server_url)
    connect = [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]
    psql = ["psql", *connect, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qAtc"]
    os.environ.setdefault("PGOPTIONS", "-c client_min_messages=warning")
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {DATABASE}"], check=True)
    try:
        version = subprocess.run(
            [*psql, "SHOW server_version"], check=True, capture_output=True, text=True
        ).stdout.strip()
        settings = subprocess.run(
            [
                *psql,
                (
                    "SELECT string_agg(name || '=' || current_setting(name), ', ') "
                    "FROM pg_settings WHERE name IN ('shared_buffers', 'synchronous_commit', "
                    "'max_wal_size', 'fsync')"
                ),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        subprocess.run(
            [binary, *connect, "-i", "-q", "-s", str(args.scale), DATABASE],
            check=True,
            capture_output=True,
        )
        run = subprocess.run(
            [
                binary,
                *connect,
                "-c",
                str(args.clients),
                "-j",
                "2",
                "-T",
                str(args.duration),
                DATABASE,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"], check=False)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", run.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", run.stdout)
    if tps is None:
        print(run.stdout)
        return 1
    print(f"machine: {machine()}")
    print(f"PostgreSQL {version} ({settings})")
    print(
        f"pgbench TPC-B-like, scale {args.scale}, {args.clients} clients, 2 threads, "
        f"{args.duration} s: {float(tps.group(1)):,.0f} TPS, latency average "
        f"{latency.group(1) if latency else '?'} ms"
    )
    write_summary(
        args.summary,
        {
            "tps": round(float(tps.group(1))),
            "latency_ms": float(latency.group(1)) if latency else None,
            "clients": args.clients,
            "scale": args.scale,
            "postgresql": version,
            "settings": settings,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
