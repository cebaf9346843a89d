"""``motcua manage purge_idempotency``: delete stored answers of idempotent API requests.

Run it hourly from cron or a systemd timer (see docs/api.md)::

    17 * * * *  motcua manage purge_idempotency
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.api.idempotency import RETENTION, idempotency_purge


class Command(BaseCommand):
    help = "Delete the Idempotency-Key records older than --hours (24)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours",
            type=int,
            default=int(RETENTION.total_seconds() // 3600),
            help="keep the records of the last HOURS hours (24)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours: int = options["hours"]
        if hours < 1:
            self.stderr.write("--hours must be at least 1 / --hours phải ít nhất là 1")
            raise SystemExit(2)
        deleted = idempotency_purge(older_than=dt.timedelta(hours=hours))
        self.stdout.write(
            f"Đã xóa {deleted} bản ghi Idempotency-Key / deleted {deleted} idempotency records"
        )
