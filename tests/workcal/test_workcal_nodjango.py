"""motcua.workcal must import and work without Django."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import motcua

SCRIPT = """
import sys
sys.modules["django"] = None  # any "import django" now raises ImportError
import motcua.workcal
import motcua.workcal.cli
import motcua.workcal.bulk
from datetime import datetime
from motcua.workcal import VN_TZ, TimeLimit, compute_deadline
r = compute_deadline(datetime(2025, 12, 31, 10, tzinfo=VN_TZ), TimeLimit.working_days(2))
assert r.due.isoformat() == "2026-01-06T17:00:00+07:00", r.due
loaded = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
assert loaded == ["django"], loaded
print("ok")
"""


def test_workcal_imports_without_django() -> None:
    src = str(Path(motcua.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": src}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
