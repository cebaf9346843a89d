"""``motcua simulate``: a realistic workload written to the database, or removed from it.

    motcua simulate --dossiers N --from YYYY-MM-DD --to YYYY-MM-DD [--seed S]
                    [--full-history] [--through-services] [--force] [--json]
    motcua simulate --clear
    motcua simulate --restore-indexes

Bad input ends with exit status 2 and one sentence in Vietnamese and English naming the option.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["add_parser", "run"]

USAGE_ERROR = 2
CHANNELS = {1: "trực tiếp / counter", 2: "trực tuyến / online", 3: "bưu chính / post"}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "simulate",
        help="write a realistic simulated workload (motcua simulate --help)",
        description=(
            "Mô phỏng khối lượng hồ sơ / simulate Hà Nội's workload: N dossiers submitted "
            "between --from and --to through the bulk path that writes exactly what the "
            "lifecycle services would (see docs/simulator.md). Refuses a database with real "
            "dossiers unless --force. --clear removes every simulated row."
        ),
    )
    parser.add_argument("--dossiers", type=int, help="number of dossiers (e.g. 100000)")
    parser.add_argument("--from", dest="first", help="first submission day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", help="last submission day, YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument(
        "--clear", action="store_true", help="delete what earlier simulations created"
    )
    parser.add_argument(
        "--force", action="store_true", help="run even if the database holds real dossiers"
    )
    parser.add_argument(
        "--full-history",
        action="store_true",
        help="also write every transition's audit event, portal message and citizen notice",
    )
    parser.add_argument(
        "--through-services",
        action="store_true",
        help="play the scenario through the real services (slow: small runs, checks)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=0,
        help="processes that build dossiers while this one writes them (0: build here; "
        "1 or 2 help on an idle machine with free cores)",
    )
    parser.add_argument(
        "--defer-indexes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="PostgreSQL: drop the secondary indexes of the tables written during the load and "
        "re-create them at its end (default: when the run at least doubles the dossiers and "
        "adds 100,000 or more)",
    )
    parser.add_argument(
        "--restore-indexes",
        action="store_true",
        help="re-create the indexes an interrupted run set aside, and stop",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser


class _UsageError(Exception):
    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


def _day(option: str, raw: str | None) -> dt.date:
    if not raw:
        raise _UsageError(f"cần {option} (YYYY-MM-DD).", f"{option} is required (YYYY-MM-DD).")
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise _UsageError(
            f"{option} phải có dạng YYYY-MM-DD (nhận được {raw!r}).",
            f"{option} must look like YYYY-MM-DD (got {raw!r}).",
        ) from None


@contextmanager
def _progress(label: str, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (rich when installed, else one rewritten line)."""
    if not enabled:
        yield lambda done, total: None
        return
    try:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
    except ImportError:  # pragma: no cover - rich comes with the test tools
        started = time.monotonic()

        def line(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-9)
            print(f"\r{label}: {done}/{total} ({rate:,.0f}/s)", end="", file=sys.stderr)
            if done >= total:
                print(file=sys.stderr)

        yield line
        return
    from rich.console import Console

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _print_summary(summary: dict[str, Any]) -> None:
    n = summary["dossiers"]
    print(
        f"Đã mô phỏng / simulated: {n} hồ sơ / dossiers, {summary['from']} → {summary['to']} "
        f"(đến / up to {summary['horizon']})"
    )
    print("  theo kênh / by channel:")
    for key, count in summary["by_channel"].items():
        share = 100.0 * count / n if n else 0.0
        print(f"    {CHANNELS.get(int(key), key)}: {count} ({share:.2f} %)")
    print("  theo trạng thái / by state:")
    for state, count in summary["by_state"].items():
        print(f"    {state}: {count}")
    rate = summary["on_time_rate"]
    outcome = summary["by_outcome"]
    print(
        "  đúng hạn / on time: "
        + ("—" if rate is None else f"{rate:.2f} %")
        + f" (trước hạn / early {outcome.get('early', 0)}, đúng hạn / on time "
        f"{outcome.get('on_time', 0)}, quá hạn / late {outcome.get('late', 0)})"
    )
    print(
        f"  bổ sung / supplements {summary['supplements']}, tạm dừng / pauses "
        f"{summary['pauses']}, xin lỗi / apologies {summary['apologies']}, đánh giá / ratings "
        f"{summary['ratings']}, tái sử dụng / reuse {summary['reused']}"
    )
    print(
        f"  người nộp / applicants {summary['applicants']} "
        f"(tạo mới / created {summary['applicants_created']})"
    )
    if summary["skipped_days"]:
        print(
            f"  {summary['skipped_days']} ngày không có thủ tục nào có hiệu lực: không có hồ sơ / "
            "days without any procedure in force: no dossier"
        )
    for code, why in summary["left_out"]:
        print(f"  bỏ qua thủ tục / procedure left out {code}: {why}")
    if summary["indexes_deferred"]:
        print(
            f"  chỉ mục tạo lại sau khi nạp / indexes built after the load: "
            f"{summary['indexes_deferred']} ({summary['indexes_seconds']:.1f} s)"
        )
    if summary["rollups"] and summary["rollups"] != "rebuilt":
        print(f"  tổng hợp chỉ số / indicator rollups: {summary['rollups']}")
    rows = sum(summary["rows"].values())
    print(
        f"  {rows} dòng / rows, {summary['seconds']:.1f} s, "
        f"{summary['per_second']:,.0f} hồ sơ/giây / dossiers per second"
    )


def _run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    import django

    django.setup()
    from .run import simulate, simulation_clear, simulation_refusal
    from .scenario import SimulationError

    if args.restore_indexes:
        from .indexes import indexes_restore

        restored = indexes_restore(
            None if args.json else lambda name: print(f"  CREATE INDEX {name}", flush=True)
        )
        if args.json:
            print(json.dumps({"indexes_restored": restored}, ensure_ascii=False))
        else:
            print(f"Đã tạo lại chỉ mục / indexes re-created: {len(restored)}")
        return 0
    if args.clear:
        deleted = simulation_clear()
        if args.json:
            print(json.dumps({"deleted": deleted}, ensure_ascii=False))
        else:
            total = sum(v for k, v in deleted.items() if not k.startswith("dossier code"))
            print(f"Đã xóa dữ liệu mô phỏng / simulated data deleted: {total} dòng / rows")
            for label, count in deleted.items():
                print(f"  {label}: {count}")
        if args.dossiers is None:
            return 0
    if args.dossiers is None:
        raise _UsageError("cần --dossiers (hoặc --clear).", "--dossiers is required (or --clear).")
    if args.dossiers < 1:
        raise _UsageError("--dossiers phải lớn hơn 0.", "--dossiers must be at least 1.")
    first, last = _day("--from", args.first), _day("--to", args.last)
    if last < first:
        raise _UsageError(
            "--to phải không sớm hơn --from.", "--to must not be earlier than --from."
        )
    refusal = simulation_refusal()
    if refusal is not None and not args.force:
        print(f"motcua simulate: {refusal[0]} / {refusal[1]}", file=sys.stderr)
        return 1
    show = not args.json
    try:
        with _progress("hồ sơ / dossiers", show) as progress:
            result = simulate(
                dossiers=args.dossiers,
                first=first,
                last=last,
                seed=args.seed,
                full_history=args.full_history,
                write=not args.through_services,
                record=args.through_services,
                jobs=max(0, args.jobs),
                defer_indexes=args.defer_indexes,
                progress=progress,
            )
    except SimulationError as exc:
        print(f"motcua simulate: {exc.message_vi} / {exc.message_en}", file=sys.stderr)
        return USAGE_ERROR
    if args.through_services:
        from django.db import transaction

        from .drive import drive

        started = time.perf_counter()
        with transaction.atomic():
            driven = drive(result.acts)
            _mark_simulated([d.pk for d in driven.values()])
        result.summary.seconds += time.perf_counter() - started
    summary = result.summary.as_dict()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary)
    return 0


def _mark_simulated(pks: list[int]) -> None:
    """Dossiers written by the services get the simulated reference prefix (and so do their
    outbox messages' keys), so that --clear finds them."""
    from motcua.dossiers.models import Dossier
    from motcua.integrations.models import OutboxMessage

    from .world import SIM_REFERENCE_PREFIX

    for pk, reference in Dossier.objects.filter(pk__in=pks).values_list("pk", "reference"):
        marked = SIM_REFERENCE_PREFIX + reference[1:]
        Dossier.objects.filter(pk=pk).update(reference=marked)
        OutboxMessage.objects.filter(key=reference).update(key=marked)


def run(args: argparse.Namespace) -> int:
    """Run ``motcua simulate``; returns the exit status."""
    try:
        return _run(args)
    except _UsageError as exc:
        print(f"motcua simulate: {exc.vi} / {exc.en}", file=sys.stderr)
        return USAGE_ERROR
