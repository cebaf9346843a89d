"""Benchmark of the working-calendar engine (run: .venv/bin/python benchmarks/workcal.py).

Prints, in one run:
* bulk due-date rate for 1 M working-day offsets, beside numpy.busday_offset on the same
  inputs (weekmask Mon-Fri, the calendar's weekday days off as a holidays list,
  roll="forward"), and the ratio ours/numpy;
* the scalar rate of compute_deadline (calls/s);
* one mixed 1 M batch (all units, per-dossier cut-off flags, Saturday reception hours,
  make-up Saturdays) and a bulk == scalar check on a sample.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import numpy as np

from motcua.workcal import (
    UNIT_CODES,
    VN_TZ,
    OfficeHours,
    TimeLimit,
    Unit,
    bulk_due,
    compute_deadline,
    default_calendar,
)

N = 1_000_000
REPEATS = 5
SEED = 20260101


def best_of(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def machine() -> str:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return (
        f"nproc={os.cpu_count()} cpu={cpu!r} ram={ram} "
        f"python={platform.python_version()} numpy={np.__version__}"
    )


def ts(d: datetime) -> int:
    return int(d.timestamp())


def main() -> None:
    print(f"machine: {machine()}")
    rng = np.random.default_rng(SEED)
    cal = default_calendar()

    t0 = time.perf_counter()
    cal.is_working_day(date(2026, 1, 1))
    bulk_due(np.array([ts(datetime(2026, 1, 5, 10, tzinfo=VN_TZ))]), 1, "working_days", cal)
    print(f"calendar build (2000-2100 tables, numpy tables): {time.perf_counter() - t0:.3f} s")

    lo = ts(datetime(2019, 1, 1, tzinfo=VN_TZ))
    hi = ts(datetime(2026, 12, 1, tzinfo=VN_TZ))
    received = rng.integers(lo, hi, N, dtype=np.int64)
    offsets = rng.integers(0, 31, N, dtype=np.int64)

    # ------------------------------------------------------------- 1 M working-day offsets
    ours_s = best_of(lambda: bulk_due(received, offsets, "working_days", cal))
    ours = bulk_due(received, offsets, "working_days", cal)

    day = (received + 7 * 3600) // 86400
    dates = day.astype("datetime64[D]")
    first, last = date(2018, 1, 1), date(2028, 12, 31)
    holidays = [
        first + timedelta(days=i)
        for i in range((last - first).days + 1)
        if (first + timedelta(days=i)).weekday() < 5
        and not cal.is_working_day(first + timedelta(days=i))
    ]
    hol = np.array(holidays, dtype="datetime64[D]")
    np_s = best_of(lambda: np.busday_offset(dates, offsets, roll="forward", holidays=hol))
    np_due = np.busday_offset(dates, offsets, roll="forward", holidays=hol)

    ours_rate, np_rate = N / ours_s, N / np_s
    print()
    print("1 M working-day offsets (epoch seconds in, due instants out; cut-off on)")
    print(f"  ours  bulk_due:          {ours_s * 1e3:8.1f} ms  {ours_rate / 1e6:6.2f} M/s")
    print(f"  numpy busday_offset:     {np_s * 1e3:8.1f} ms  {np_rate / 1e6:6.2f} M/s")
    print(f"  ratio ours/numpy: {ours_rate / np_rate:.2f} (target >= 0.5)")
    ours_days = ((ours + 7 * 3600) // 86400).astype("datetime64[D]")
    nocut = bulk_due(received, offsets, "working_days", cal, cutoff=False)
    nocut_days = ((nocut + 7 * 3600) // 86400).astype("datetime64[D]")
    print(
        f"  due day differs from numpy: {np.mean(ours_days != np_due):.1%} with the cut-off; "
        f"{np.mean(nocut_days != np_due):.1%} without it (make-up Saturdays, receptions "
        "after closing or on make-up days)"
    )

    # ------------------------------------------------------------- scalar calls
    n_scalar = 20_000
    sample = [datetime.fromtimestamp(int(s), VN_TZ) for s in received[:n_scalar]]
    lims = [TimeLimit.working_days(int(n)) for n in offsets[:n_scalar]]

    def scalar_run() -> None:
        for r, lim in zip(sample, lims, strict=True):
            compute_deadline(r, lim, cal)

    scalar_s = best_of(scalar_run, 3)
    print()
    print(
        f"scalar compute_deadline: {n_scalar / scalar_s:,.0f} calls/s "
        f"({scalar_s / n_scalar * 1e6:.1f} µs/call)"
    )

    # ------------------------------------------------------------- mixed batch
    hours = OfficeHours.with_saturday_morning()
    codes = rng.integers(0, len(UNIT_CODES), N).astype(np.int8)
    limits = np.where(
        codes == UNIT_CODES[Unit.WORKING_HOURS],
        rng.integers(0, 41, N),
        np.where(codes == UNIT_CODES[Unit.MONTHS], rng.integers(0, 4, N), rng.integers(0, 31, N)),
    )
    cutoff = rng.random(N) < 0.8
    mixed_s = best_of(
        lambda: bulk_due(received, limits, codes, cal, office_hours=hours, cutoff=cutoff), 3
    )
    mixed = bulk_due(received, limits, codes, cal, office_hours=hours, cutoff=cutoff)
    print()
    print("mixed 1 M batch (5 units, 80 % cut-off on, Saturday reception hours)")
    print(f"  bulk_due: {mixed_s * 1e3:.1f} ms  {N / mixed_s / 1e6:.2f} M/s")

    unit_of = {v: k for k, v in UNIT_CODES.items()}
    examples = [
        (datetime(2025, 4, 25, 14, 59, tzinfo=VN_TZ), 1, Unit.WORKING_DAYS, True),
        (datetime(2025, 4, 25, 15, 0, tzinfo=VN_TZ), 1, Unit.WORKING_DAYS, True),
        (datetime(2025, 4, 25, 16, 0, tzinfo=VN_TZ), 3, Unit.WORKING_HOURS, True),
        (datetime(2026, 8, 21, 15, 30, tzinfo=VN_TZ), 0, Unit.SAME_DAY, False),
        (datetime(2025, 12, 6, 9, 0, tzinfo=VN_TZ), 1, Unit.WORKING_DAYS, True),
        (datetime(2025, 12, 31, 10, 0, tzinfo=VN_TZ), 2, Unit.WORKING_DAYS, True),
        (datetime(2026, 1, 31, 10, 0, tzinfo=VN_TZ), 1, Unit.MONTHS, True),
        (datetime(2026, 2, 13, 10, 0, tzinfo=VN_TZ), 10, Unit.DAYS, True),
    ]
    ex_due = bulk_due(
        np.array([ts(e[0]) for e in examples]),
        np.array([e[1] for e in examples]),
        np.array([e[2].value for e in examples]),
        cal,
        office_hours=hours,
        cutoff=np.array([e[3] for e in examples]),
    )
    for (rec, n, unit, cut), due in zip(examples, ex_due.tolist(), strict=True):
        shown = datetime.fromtimestamp(due, VN_TZ).isoformat()
        flag = "cut-off" if cut else "no cut-off"
        print(f"  {rec:%a %Y-%m-%d %H:%M} + {n:>2} {unit.value:<13} ({flag:<10}) -> {shown}")

    # ------------------------------------------------------------- bulk == scalar
    idx = rng.choice(N, 5_000, replace=False)
    bad = 0
    for i in idx.tolist():
        r = compute_deadline(
            datetime.fromtimestamp(int(received[i]), VN_TZ),
            TimeLimit(int(limits[i]), unit_of[int(codes[i])]),
            cal,
            office_hours=hours,
            cutoff=bool(cutoff[i]),
        )
        bad += int(r.due.timestamp()) != int(mixed[i])
    wd_bad = 0
    for i in idx[:2_000].tolist():
        r = compute_deadline(
            datetime.fromtimestamp(int(received[i]), VN_TZ),
            TimeLimit.working_days(int(offsets[i])),
            cal,
        )
        wd_bad += int(r.due.timestamp()) != int(ours[i])
    verdict = "OK" if bad == 0 and wd_bad == 0 else "MISMATCH"
    print()
    print(
        f"bulk == scalar: {verdict} (mixed batch: {len(idx) - bad}/{len(idx)} equal; "
        f"working-day batch: {2_000 - wd_bad}/2000 equal)"
    )
    if verdict != "OK":
        sys.exit(1)


if __name__ == "__main__":
    main()
