"""The ``motcua`` command.

    motcua up               prepare the database and serve the site with the background worker
    motcua manage ...       run a Django management command
    motcua load-reference   (re)load Hà Nội's reference data (idempotent)
    motcua deadline ...     compute a legal due instant
    motcua calendar ...     list the days off and make-up days of a year, with their sources
    motcua indicators ...   the Decision 766 scorecard, or one indicator from raw counts
    motcua simulate ...     write a realistic simulated workload (or --clear it)
    motcua whatif ...       re-score a period as if a procedure were delegated or a step faster

Bad arguments end with exit status 2 and one sentence, in Vietnamese and English.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from motcua.indicators import cli as indicators_cli
from motcua.indicators import whatif as whatif_cli
from motcua.simulate import cli as simulate_cli

SETTINGS = "motcua.settings"


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one plain sentence, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            2,
            f"{self.prog}: lỗi tham số / argument error: {message} "
            f"(xem / see: {self.prog} --help)\n",
        )


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def _fail(sentence_vi: str, sentence_en: str, status: int = 1) -> int:
    print(f"motcua: {sentence_vi} / {sentence_en}", file=sys.stderr)
    return status


# ---------------------------------------------------------------------------- up


def prepare_database(*, verbose: bool = True) -> list[Any]:
    """Migrate, load reference data when the database is empty, ensure role groups, and create
    the demo accounts on first start. Idempotent. Returns the demo accounts created now."""
    from django.core.management import call_command

    from motcua.catalog.demo import demo_required_documents_ensure
    from motcua.catalog.life_events import life_events_ensure
    from motcua.catalog.reference import load_reference
    from motcua.org.models import AdministrativeUnit, User
    from motcua.org.services import demo_accounts_ensure, roles_ensure

    call_command("migrate", interactive=False, verbosity=0)
    if not AdministrativeUnit.objects.exists():
        report = load_reference()
        if verbose:
            print(f"Đã nạp dữ liệu tham chiếu / reference data loaded: {report.summary()}")
    roles_ensure()
    if User.objects.exists():
        return []
    created = demo_accounts_ensure()
    demo_required_documents_ensure()
    life_events_ensure()
    return created


def print_demo_accounts(users: Sequence[Any]) -> None:
    from motcua.org.services import DEMO_PASSWORD

    print()
    print("Tài khoản trình diễn — CHỈ ĐỂ TRÌNH DIỄN, xóa trước khi dùng thật.")
    print("Demo accounts — FOR DEMONSTRATION ONLY, delete them before real use.")
    print(f"Mật khẩu chung / shared password: {DEMO_PASSWORD}")
    for user in users:
        roles = ", ".join(sorted(user.role_codes))
        where = user.service_point or user.agency or ""
        print(f"  {user.username:<10} {roles:<20} {where}")
    print()


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 15
    for process in processes:
        remaining = max(0.1, deadline - time.monotonic())
        try:
            process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cmd_up(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        return _fail("--port phải từ 1 đến 65535.", "--port must be between 1 and 65535.", 2)
    if args.workers < 1:
        return _fail("--workers phải ít nhất là 1.", "--workers must be at least 1.", 2)
    _setup_django()
    from django.conf import settings

    created = prepare_database()
    if created:
        print_demo_accounts(created)
    from motcua.documents.system import ensure_pdf_engine

    # PDF forms need Pango/HarfBuzz: installed with apt-get when allowed, else say what to install
    problem = ensure_pdf_engine()
    if problem:
        print(f"motcua: {problem}", file=sys.stderr)
    if not _port_free(args.host, args.port):
        return _fail(
            f"cổng {args.host}:{args.port} đang bận; chọn cổng khác bằng --port.",
            f"port {args.host}:{args.port} is in use; choose another with --port.",
        )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=SETTINGS, MOTCUA_DATA_DIR=str(settings.DATA_DIR))
    web_cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "motcua.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
    ]
    processes = [subprocess.Popen(web_cmd, env=env)]
    if not args.no_worker:
        worker_cmd = [sys.executable, "-m", "motcua.cli", "manage", "db_worker"]
        processes.append(subprocess.Popen(worker_cmd, env=env))
    print(
        f"motcua đang chạy tại / is serving at http://{args.host}:{args.port}/ "
        "(Ctrl-C để dừng / to stop)",
        flush=True,
    )

    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    exit_status = 0
    while not stopping:
        for process in processes:
            if process.poll() is not None:
                print(
                    f"motcua: một tiến trình đã dừng (mã {process.returncode}); dừng tất cả. / "
                    f"a process exited (status {process.returncode}); stopping all.",
                    file=sys.stderr,
                )
                exit_status = 1
                stopping = True
                break
        time.sleep(0.3)
    _stop(processes)
    print("motcua đã dừng / motcua stopped.")
    return exit_status


# ---------------------------------------------------------------------------- others


def cmd_manage(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["motcua manage", *args.rest])
    return 0


def cmd_load_reference(args: argparse.Namespace) -> int:
    directory: Path | None = args.from_dir
    if directory is not None and not directory.is_dir():
        return _fail(f"không có thư mục {directory}.", f"there is no directory {directory}.", 2)
    _setup_django()
    from django.core.management import call_command
    from django.db import DatabaseError

    from motcua.catalog.reference import ReferenceDataError, load_reference
    from motcua.org.services import roles_ensure

    call_command("migrate", interactive=False, verbosity=0)
    try:
        report = load_reference(directory)
    except ReferenceDataError as exc:
        print(exc, file=sys.stderr)
        return 1
    except DatabaseError as exc:
        return _fail(
            f"cơ sở dữ liệu từ chối dữ liệu tham chiếu, không ghi gì ({exc}).",
            f"the database refused the reference data; nothing was written ({exc}).",
        )
    roles_ensure()
    print(f"Đã nạp dữ liệu tham chiếu / reference data loaded: {report.summary()}")
    print("(+ tạo mới / created, ~ cập nhật / updated, = không đổi / unchanged)")
    return 0


def _overrides() -> list[Any]:
    """Administrator overrides from the database, or none (said on stderr) if unreadable."""
    try:
        _setup_django()
        from motcua.workcal.selectors import overrides_from_db

        return list(overrides_from_db())
    except Exception as exc:  # noqa: BLE001 - any database problem: fall back, but say so
        print(
            "motcua: không đọc được ngày điều chỉnh từ cơ sở dữ liệu, dùng lịch chuẩn. / "
            f"could not read calendar overrides from the database ({type(exc).__name__}); "
            "using the standard calendar.",
            file=sys.stderr,
        )
        return []


def _take_option(words: list[str], name: str) -> tuple[list[str], str | None]:
    """Remove ``name VALUE`` or ``name=VALUE`` from ``words``; return the rest and the value."""
    rest: list[str] = []
    value: str | None = None
    iterator = iter(words)
    for word in iterator:
        if word == name:
            value = next(iterator, "")
        elif word.startswith(name + "="):
            value = word.split("=", 1)[1]
        else:
            rest.append(word)
    return rest, value


def cmd_deadline(words: list[str]) -> int:
    from motcua.workcal.cli import deadline_main

    rest, point_code = _take_option(words, "--service-point")
    if "-h" in rest or "--help" in rest:
        return deadline_main(rest)
    overrides = _overrides()
    office_hours = None
    if point_code is not None:
        from motcua.workcal.selectors import office_hours_for_code

        try:
            office_hours = office_hours_for_code(point_code)
        except Exception:  # noqa: BLE001 - unreadable database: same answer as unknown code
            office_hours = None
        if office_hours is None:
            return _fail(
                f"không có điểm tiếp nhận mã {point_code!r} (--service-point).",
                f"there is no service point with code {point_code!r} (--service-point).",
                2,
            )
    return deadline_main(rest, overrides=overrides, office_hours=office_hours)


def cmd_calendar(words: list[str]) -> int:
    from motcua.workcal.cli import calendar_main

    if "-h" in words or "--help" in words:
        return calendar_main(words)
    return calendar_main(words, overrides=_overrides())


def build_parser() -> Parser:
    parser = Parser(
        prog="motcua",
        description=(
            "motcua — hệ thống một cửa điện tử. / motcua — the electronic one-stop-shop. "
            "Run 'motcua up' to start with demo data."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    up = sub.add_parser(
        "up",
        help="prepare the database and serve the site with the background worker",
        description=(
            "Migrate the database, load Hà Nội's reference data and demo accounts when the "
            "database is empty, then serve the site and run the background worker until Ctrl-C."
        ),
    )
    up.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    up.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    up.add_argument("--workers", type=int, default=2, help="web server processes (2)")
    up.add_argument("--no-worker", action="store_true", help="do not start the background worker")

    manage = sub.add_parser(
        "manage",
        help="run a Django management command (motcua manage help)",
        description="Pass the remaining words to Django's management commands.",
        add_help=False,
    )
    manage.add_argument("rest", nargs=argparse.REMAINDER)

    load = sub.add_parser(
        "load-reference",
        help="load or update the reference data (units, agencies, service points, procedures)",
        description=(
            "Validate every row of the reference files, then write them in one transaction. "
            "Re-running changes only what changed. A bad row is reported with its file, line "
            "and field, and nothing is written."
        ),
    )
    load.add_argument(
        "--from",
        dest="from_dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="read the CSV files from DIR instead of the copies shipped in motcua",
    )

    sub.add_parser(
        "deadline", help="compute a legal due instant (motcua deadline --help)", add_help=False
    )
    sub.add_parser(
        "calendar", help="list days off and make-up days (motcua calendar --help)", add_help=False
    )
    indicators_cli.add_parser(sub)
    simulate_cli.add_parser(sub)
    whatif_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    # deadline and calendar parse their own arguments (motcua.workcal.cli).
    if words and words[0] == "deadline":
        return cmd_deadline(words[1:])
    if words and words[0] == "calendar":
        return cmd_calendar(words[1:])
    parser = build_parser()
    args, unknown = parser.parse_known_args(words)
    if args.command == "manage":
        args.rest = [*args.rest, *unknown]
        return cmd_manage(args)
    if unknown:
        parser.error(f"unrecognised arguments: {' '.join(unknown)}")
    handlers = {
        "up": cmd_up,
        "load-reference": cmd_load_reference,
        "indicators": indicators_cli.run,
        "simulate": simulate_cli.run,
        "whatif": whatif_cli.run,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
