"""Changes to dossiers. For now: allocating dossier codes."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F

from motcua.dossiers.codes import format_for
from motcua.dossiers.models import DossierCodeCounter
from motcua.org.models import Agency


def dossier_code_allocate(*, agency: Agency, day: dt.date) -> str:
    """Issue the next dossier code of ``agency`` for reception day ``day`` (local date).

    Must run inside the transaction that records the reception: the counter row stays locked
    until that transaction ends, so concurrent receptions queue up and a rollback returns the
    number. Works on PostgreSQL (row lock) and SQLite (the write lock of an IMMEDIATE
    transaction).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("dossier_code_allocate must run inside the reception's transaction")
    DossierCodeCounter.objects.bulk_create(
        [DossierCodeCounter(agency=agency, day=day, last_value=0)], ignore_conflicts=True
    )
    counter = DossierCodeCounter.objects.select_for_update().get(agency=agency, day=day)
    DossierCodeCounter.objects.filter(pk=counter.pk).update(last_value=F("last_value") + 1)
    sequence = counter.last_value + 1
    return format_for(day).format(agency.code, day, sequence)
