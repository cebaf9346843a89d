"""The simulator's bulk writer: a row pointing at nothing never lands, whether the foreign keys
are checked by the database's triggers (SQLite, PostgreSQL without superuser rights) or, with the
triggers off for speed, by :meth:`Writer.references_check` (PostgreSQL superuser)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from motcua.dossiers.models import AppointmentChange
from motcua.simulate.writer import Writer
from motcua.workcal.types import VN_TZ

AT = dt.datetime(2026, 3, 4, 9, tzinfo=VN_TZ)


def _write(writer: Writer, dossier_id: int) -> None:
    with transaction.atomic():
        pool = writer.lock_and_pool([AppointmentChange])
        base = pool.bases()[AppointmentChange._meta.db_table]
        writer.insert(
            AppointmentChange,
            [{"id": base + 1, "dossier_id": dossier_id, "at": AT, "cause": "receive"}],
        )
        writer.references_check({AppointmentChange: base})


@pytest.mark.django_db(transaction=True)
def test_a_dangling_reference_rolls_the_chunk_back() -> None:
    writer = Writer()
    if connection.vendor == "postgresql":
        # CI and the benchmarks connect as the superuser "postgres": the fast path is taken
        assert writer.bulk_references
    with pytest.raises(IntegrityError):
        _write(writer, dossier_id=987_654_321)
    assert not AppointmentChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_triggers_are_back_after_the_check() -> None:
    """After the chunk's check, the same transaction's next writes are checked by the
    database again (the replica mode lasts only while the chunk is written)."""
    writer = Writer()
    with pytest.raises(IntegrityError), transaction.atomic():
        pool = writer.lock_and_pool([AppointmentChange])
        writer.references_check({AppointmentChange: pool.bases()[AppointmentChange._meta.db_table]})
        AppointmentChange.objects.create(dossier_id=987_654_321, at=AT, cause="receive")
    assert not AppointmentChange.objects.exists()
