"""All the benchmarks at national scale, with one command, on PostgreSQL.

Run (after filling the database, a separate step — see docs/performance.md):

    .venv/bin/python benchmarks/simulate.py --dossiers 10000000 --from 2025-01-01 \\
        --to 2026-10-31 --seed 1 --jobs 1 --keep \\
        --database-url postgres://postgres@127.0.0.1:5432/motcua_bench10m
    .venv/bin/python benchmarks/national.py \\
        [--database-url postgres://postgres@127.0.0.1:5432/motcua_bench10m] [--quick]

It runs, one after the other (each alone on the machine), and prints as they come:

1. ``scorecard.py``: the Decision 766 scorecard of the last month for the city and for one
   agency, read from the rollups (target ≤ 200 ms);
2. ``staff_list.py``: a staff user's dossier lists over HTTP, p50 / p99 (target p50 ≤ 15 ms);
3. ``lookup_load.py``: the public lookup under load from wrk, a second process, at capacity
   and at 1,000 req/s (target p99 ≤ 10 ms);
4. ``lifecycle.py``: dossier lifecycles through the services per second (its own database);
5. ``pgbench.py``: pgbench's TPS on the same server, the machine's ceiling;

then a summary table of the headline figures. ``--quick`` shortens every run (for trying the
command on a small database); the figures in docs/performance.md come from a full run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench10m"


def run(name: str, arguments: list[str], summary: Path) -> dict[str, Any] | None:
    """Run ``benchmarks/<name>`` (output shown as it comes); its summary, or None if it failed."""
    print(f"\n==== {name} {' '.join(arguments)} ====", flush=True)
    started = time.perf_counter()
    status = subprocess.run(
        [sys.executable, str(HERE / name), *arguments, "--summary", str(summary)], check=False
    ).returncode
    print(f"---- {name}: exit {status}, {time.perf_counter() - started:.0f} s", flush=True)
    if not summary.exists():
        return None
    figures: dict[str, Any] = json.loads(summary.read_text(encoding="utf-8"))
    figures["exit"] = status
    return figures


def database_facts(url: str) -> tuple[str, str]:
    import psycopg

    with psycopg.connect(url) as conn:
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        row = size.fetchone()
        version = conn.execute("SHOW server_version").fetchone()
    return (str(row[0]) if row else "?", str(version[0]) if version else "?")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--quick", action="store_true", help="short runs, to try the command")
    parser.add_argument(
        "--lifecycle-url",
        default="postgres://postgres@127.0.0.1:5432/motcua_lifebench",
        help="the lifecycle benchmark's own database (dropped and created)",
    )
    args = parser.parse_args(argv)
    url = args.database_url
    size, version = database_facts(url)
    print(f"machine: {machine()}; PostgreSQL {version}")
    print(f"database: {url.rsplit('/', 1)[-1]} ({size})")
    quick = args.quick
    out = Path(tempfile.mkdtemp(prefix="motcua-national-"))
    results = {
        "scorecard": run(
            "scorecard.py",
            ["--database-url", url, "--repeat", "5" if quick else "20"],
            out / "scorecard.json",
        ),
        "staff_list": run(
            "staff_list.py",
            ["--database-url", url, "--requests", "40" if quick else "200"],
            out / "staff_list.json",
        ),
        "lookup": run(
            "lookup_load.py",
            ["--database-url", url, "--duration", "5" if quick else "30"],
            out / "lookup.json",
        ),
        "lifecycle": run(
            "lifecycle.py",
            ["--database-url", args.lifecycle_url, "--lifecycles", "300" if quick else "3000"],
            out / "lifecycle.json",
        ),
        "pgbench": run(
            "pgbench.py",
            ["--duration", "5" if quick else "30"],
            out / "pgbench.json",
        ),
    }
    s, li, lo, lc, pg = (results[k] or {} for k in results)

    def value(figures: dict[str, Any], key: str, unit: str = "") -> str:
        found = figures.get(key)
        return "—" if found is None else f"{found:,}{unit}" if unit else f"{found:,}"

    print("\n==== summary ====")
    print(f"machine: {machine()}; PostgreSQL {version}; database {size}")
    rows = [
        ("dossiers in the database", value(s, "dossiers_received"), ""),
        (
            f"city scorecard {s.get('period', '')} (median)",
            value(s, "city_median_ms", " ms"),
            "≤ 200 ms",
        ),
        (
            f"agency {s.get('agency', '')} scorecard (median)",
            value(s, "agency_median_ms", " ms"),
            "",
        ),
        (
            "staff dossier list p50 / p99",
            f"{value(li, 'list_p50_ms', ' ms')} / {value(li, 'list_p99_ms', ' ms')}",
            "p50 ≤ 15 ms",
        ),
        (
            "public lookup, capacity: req/s, p50 / p99",
            (
                f"{value(lo, 'capacity_rps')}, {value(lo, 'capacity_p50_ms', ' ms')} / "
                f"{value(lo, 'capacity_p99_ms', ' ms')}"
            ),
            "",
        ),
        (
            "public lookup, paced: req/s, p50 / p99",
            (
                f"{value(lo, 'paced_rps')}, {value(lo, 'paced_p50_ms', ' ms')} / "
                f"{value(lo, 'paced_p99_ms', ' ms')}"
            ),
            "p99 ≤ 10 ms at 1,000 req/s",
        ),
        ("lifecycles/s (receive → return)", value(lc, "lifecycles_per_second"), "≥ 100"),
        ("pgbench TPS (TPC-B-like)", value(pg, "tps"), ""),
    ]
    print("| measurement | figure | target |")
    print("|---|---|---|")
    for name, figure, target in rows:
        print(f"| {name} | {figure} | {target} |")
    failed = [name for name, figures in results.items() if not figures or figures.get("exit")]
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
