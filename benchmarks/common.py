"""What the benchmarks share: Django set-up, percentiles, the machine's description, a web
server of the real application (gunicorn) on a free local port, and the summary file that
``benchmarks/national.py`` collects."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

BENCH_SECRET = "benchmark-only-not-a-secret"


def setup_django(url: str) -> None:
    """Django on the database at ``url`` (the environment of the benchmark's own process)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ.setdefault("SECRET_KEY", BENCH_SECRET)
    os.environ.setdefault("MOTCUA_DATA_DIR", str(Path(tempfile.gettempdir()) / "motcua-bench"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_gib() -> float | None:
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return None


def machine() -> str:
    memory = memory_gib()
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({cpu_name()}), "
        f"{memory:.1f} GiB RAM, Python {platform.python_version()}"
        if memory
        else f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


def write_summary(path: str | None, figures: Mapping[str, Any]) -> None:
    """Write the benchmark's headline figures as JSON (``--summary PATH``), for national.py."""
    if path:
        Path(path).write_text(json.dumps(dict(figures), indent=2, default=str), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def web_server(
    url: str, *, workers: int, env: Mapping[str, str] | None = None, timeout: float = 60
) -> Iterator[str]:
    """The application served by gunicorn (sync workers, as ``motcua up`` runs it) on a free
    port of 127.0.0.1, on the database at ``url``; yields the base address. Access logs are off
    (they would cost the server more than the benchmark's requests)."""
    port = free_port()
    data_dir = os.environ.get("MOTCUA_DATA_DIR") or str(
        Path(tempfile.gettempdir()) / "motcua-bench"
    )
    server_env = dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="motcua.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", BENCH_SECRET),
        MOTCUA_DATA_DIR=data_dir,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT / "src"),
    )
    server_env.update(env or {})
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "motcua.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--backlog",
        "2048",
    ]
    process = subprocess.Popen(command, env=server_env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {process.returncode}")
            # not up yet: connection refused or no answer
            with (
                suppress(urllib.error.URLError, ConnectionError, TimeoutError),
                urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer,  # noqa: S310
            ):
                if answer.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer on {base} in {timeout:.0f} s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
