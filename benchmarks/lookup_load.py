"""The public progress lookup under load: wrk, from a second process, on 127.0.0.1.

Run: .venv/bin/python benchmarks/lookup_load.py --database-url postgres://…/motcua_bench10m
     [--rate 1000] [--duration 30] [--connections 8] [--workers 3] [--summary out.json]

It serves the application with gunicorn (as ``motcua up`` does) on a free port and loads
``GET /api/v1/lookup/<code>/?id_last4=NNNN`` — the citizen's lookup by dossier code and the
last four digits of the identity number, the same selector as the lookup page — with wrk
(Debian package ``wrk``), cycling through 20,000 dossiers drawn at random from the database
with their right digits (every answer is a 200 with the dossier's progress; a wrong answer
counts as an error). Two runs:

1. **capacity**: as fast as the server answers (closed loop, ``--connections``), which gives the
   machine's ceiling in requests per second and the latency at that load;
2. **at the target rate** (``--rate``, default 1,000 req/s): each connection waits between its
   requests (wrk's ``delay()``) so that together they send about ``--rate`` requests per
   second; prints the rate reached and the latency p50 / p90 / p99 (target p99 ≤ 10 ms).

The lookup's per-client rate limit (``API_LOOKUP_RATE``, 60/minute in production) is lifted for
the server under test: the load comes from one address, where real citizens come from many.
Nothing is written to the database.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, setup_django, web_server, write_summary

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench10m"
TARGET_P99_MS = 10.0
SAMPLE = 20_000

_SCRIPT = """
local paths = {%(paths)s}
local counter = 0
local pause = %(pause)s

function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end

function init(args)
  i = offset or 0
end

request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end

if pause > 0 then
  delay = function() return pause end
end

done = function(summary, latency, requests)
  io.write(string.format(
    "JSON {\\"requests\\": %%d, \\"seconds\\": %%.3f, \\"errors_status\\": %%d, " ..
    "\\"errors_connect\\": %%d, \\"errors_read\\": %%d, \\"errors_timeout\\": %%d, " ..
    "\\"p50\\": %%d, \\"p90\\": %%d, \\"p99\\": %%d, \\"max\\": %%d, \\"mean\\": %%.1f}\\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def sample_paths(limit: int) -> list[str]:
    """Lookup addresses of ``limit`` dossiers chosen at random, with their right digits."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.code, right(coalesce(p.personal_id, p.tax_code), 4) "
            "FROM dossiers_dossier d TABLESAMPLE SYSTEM (1) "
            "JOIN people_citizenprofile p ON p.id = d.applicant_id "
            "WHERE d.code IS NOT NULL LIMIT %s",
            [limit],
        )
        rows = cursor.fetchall()
    return [f"/api/v1/lookup/{quote(code)}/?id_last4={last4}" for code, last4 in rows]


def wrk(
    base: str, paths: list[str], *, connections: int, duration: int, pause_ms: int
) -> dict[str, Any]:
    """One wrk run; its figures (latencies in ms)."""
    lua = _SCRIPT % {
        "paths": ", ".join(json.dumps(p) for p in paths),
        "pause": pause_ms,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        answer = subprocess.run(
            [
                "wrk",
                "-t",
                "1",
                "-c",
                str(connections),
                "-d",
                f"{duration}s",
                "--timeout",
                "5s",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(script.name).unlink()
    found = re.search(r"^JSON (\{.*\})$", answer.stdout, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no figures:\n{answer.stdout}\n{answer.stderr}")
    figures: dict[str, Any] = json.loads(found.group(1))
    for key in ("p50", "p90", "p99", "max", "mean"):
        figures[key] = figures[key] / 1000  # µs → ms
    figures["rate"] = figures["requests"] / figures["seconds"]
    figures["errors"] = sum(figures[k] for k in figures if k.startswith("errors_"))
    figures["connections"] = connections
    figures["pause_ms"] = pause_ms
    return figures


def line(name: str, f: dict[str, Any]) -> str:
    return (
        f"| {name} | {f['connections']} | {f['rate']:,.0f} | {f['p50']:.2f} | {f['p90']:.2f} "
        f"| {f['p99']:.2f} | {f['max']:.1f} | {f['errors']} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rate", type=int, default=1000, help="target requests per second")
    parser.add_argument("--duration", type=int, default=30, help="seconds per run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--summary", help="write the headline figures to this JSON file")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("benchmarks/lookup_load.py: needs wrk (apt-get install -y wrk)")
        return 2
    setup_django(args.database_url)
    from django.db import connection

    if connection.vendor != "postgresql":
        print("benchmarks/lookup_load.py: needs PostgreSQL (--database-url postgres://…)")
        return 2
    paths = sample_paths(SAMPLE)
    connection.close()
    if not paths:
        sys.exit("no dossiers: run motcua simulate first (docs/simulator.md)")
    print(f"machine: {machine()}")
    print(
        f"{len(paths):,} dossiers looked up in turn; gunicorn {args.workers} workers; "
        f"wrk 1 thread; {args.duration} s per run"
    )
    server_env = {"API_LOOKUP_RATE": "100000000/second"}
    with web_server(args.database_url, workers=args.workers, env=server_env) as base:
        wrk(base, paths[:500], connections=args.connections, duration=3, pause_ms=0)  # warm
        capacity = wrk(
            base, paths, connections=args.connections, duration=args.duration, pause_ms=0
        )
        # each connection sends a request, gets the answer, waits `pause`: rate ≈ c / (pause
        # + latency); the pause is set from the latency measured at the capacity run's load
        # (an upper bound), then once more from the first paced run's own latency
        connections = max(args.connections, 16)
        pause = max(1, round(connections * 1000 / args.rate - capacity["p50"]))
        paced = wrk(base, paths, connections=connections, duration=5, pause_ms=pause)
        pause = max(1, round(connections * 1000 / args.rate - paced["mean"]))
        paced = wrk(base, paths, connections=connections, duration=args.duration, pause_ms=pause)
    print()
    print("| run | connections | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
    print(line("capacity (closed loop)", capacity))
    print(line(f"paced at ~{args.rate:,} req/s (pause {pause} ms)", paced))
    print()
    errors = capacity["errors"] + paced["errors"]
    reached = paced["rate"] >= 0.95 * args.rate
    verdict = "met" if reached and paced["p99"] <= TARGET_P99_MS and not errors else "NOT met"
    print(
        f"target: p99 ≤ {TARGET_P99_MS:.0f} ms at {args.rate:,} req/s "
        f"(reached {paced['rate']:,.0f} req/s, p99 {paced['p99']:.2f} ms, "
        f"{errors} errors): {verdict}"
    )
    write_summary(
        args.summary,
        {
            "capacity_rps": round(capacity["rate"]),
            "capacity_p50_ms": round(capacity["p50"], 2),
            "capacity_p99_ms": round(capacity["p99"], 2),
            "paced_rps": round(paced["rate"]),
            "paced_p50_ms": round(paced["p50"], 2),
            "paced_p99_ms": round(paced["p99"], 2),
            "errors": errors,
        },
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
