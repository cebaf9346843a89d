"""The ``motcua`` command: plain errors for bad arguments, and ``motcua up`` end to end."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

MOTCUA = [sys.executable, "-m", "motcua.cli"]


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MOTCUA_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(  # noqa: S603
        [*MOTCUA, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ["nonsense"],
        ["up", "--port", "abc"],
        ["up", "--port", "70000"],
        ["up", "--workers", "0"],
        ["load-reference", "--from", "/does/not/exist"],
        ["load-reference", "--unknown-flag"],
    ],
)
def test_bad_arguments_exit_2_with_one_sentence(args: list[str], tmp_path: Path) -> None:
    result = _run(args, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert " / " in lines[0]  # Vietnamese, then English


def test_help_is_plain_words(tmp_path: Path) -> None:
    for args in (["--help"], ["up", "--help"], ["load-reference", "--help"]):
        result = _run(args, tmp_path)
        assert result.returncode == 0
        assert "usage: motcua" in result.stdout


def test_load_reference_reports_a_bad_file_and_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    import importlib.resources
    import shutil

    for name in (
        "hanoi_units.csv",
        "hanoi_agencies.csv",
        "hanoi_service_points.csv",
        "procedures_hanoi.csv",
    ):
        with importlib.resources.as_file(
            importlib.resources.files("motcua.data").joinpath(name)
        ) as source:
            shutil.copy(source, data / name)
    units = (data / "hanoi_units.csv").read_text(encoding="utf-8").splitlines()
    units[3] = units[3].replace("phường", "quận", 1)  # no districts since 1 July 2025
    (data / "hanoi_units.csv").write_text("\n".join(units) + "\n", encoding="utf-8")

    result = _run(["load-reference", "--from", str(data)], tmp_path)
    assert result.returncode == 1
    assert "hanoi_units.csv:4: kind" in result.stderr
    assert "Traceback" not in result.stderr

    count_units = "from motcua.org.models import AdministrativeUnit as U; print(U.objects.count())"
    result = _run(["manage", "shell", "-c", count_units], tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "0"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_up_serves_the_site_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "MOTCUA_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(  # noqa: S603
        [*MOTCUA, "up", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        html = ""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    html = response.read().decode()
                    break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.5)
        assert process.poll() is None, "motcua up exited early"
        assert "Thủ tục hành chính" in html
        assert len(set(re.findall(r'href="/procedures/(\d\.\d{6})/"', html))) == 62
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "FOR DEMONSTRATION ONLY" in output
    assert "tiepnhan" in output
    assert "motcua stopped" in output
    assert "Traceback" not in output
