"""Secondary indexes set aside during a large simulated load, as ``pg_restore`` does.

A run that adds more dossiers than the tables hold writes most of its rows into indexes whose
keys arrive in random order (applicant, agency, procedure, data-store owner…): once those
indexes outgrow the buffer cache, every row costs random page reads and full-page writes to
the WAL, and the load slows down several times over (docs/simulator.md, "At national scale").
Building an index once over the finished table is a sort, far cheaper than millions of
single-row insertions.

Only **non-unique** indexes that back no constraint are set aside: primary keys and unique
constraints stay, so duplicates are still refused while the rows go in, and the foreign keys
are still checked (:meth:`motcua.simulate.writer.Writer.references_check`). Each definition is
saved in :class:`motcua.core.models.DeferredIndex` in the transaction that drops the index and
deleted in the transaction that re-creates it, so an interrupted run loses nothing:
:func:`indexes_restore` (called at the start of every run, and by ``motcua simulate
--restore-indexes``) re-creates whatever is still listed.

PostgreSQL only; on SQLite (a demo database) nothing is set aside.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection, transaction

from motcua.core.models import DeferredIndex

__all__ = ["indexes_defer", "indexes_restore", "secondary_indexes"]


def secondary_indexes(tables: Iterable[str]) -> list[tuple[str, str, str]]:
    """``(table, index, definition)`` of the non-unique indexes of ``tables`` (in the current
    schema) that back no constraint, in a stable order."""
    names = sorted(set(tables))
    if connection.vendor != "postgresql" or not names:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid)"
            " FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_class t ON t.oid = x.indrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname = current_schema() AND t.relname = ANY(%s)"
            " AND NOT x.indisunique AND NOT x.indisprimary AND x.indisvalid"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
            " ORDER BY t.relname, i.relname",
            [names],
        )
        return [(str(t), str(i), str(d)) for t, i, d in cursor.fetchall()]


def indexes_defer(tables: Iterable[str]) -> list[str]:
    """Drop the secondary indexes of ``tables``, saving their definitions, in one transaction.
    Returns the names of the indexes dropped (empty on SQLite)."""
    if connection.vendor != "postgresql":
        return []
    quote = connection.ops.quote_name
    dropped: list[str] = []
    with transaction.atomic():
        for table, name, definition in secondary_indexes(tables):
            DeferredIndex.objects.create(table=table, name=name, definition=definition)
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX {quote(name)}")
            dropped.append(name)
    return dropped


def indexes_restore(progress: Callable[[str], None] | None = None) -> list[str]:
    """Re-create every index set aside (one transaction per index, so a long rebuild that is
    interrupted keeps what it finished). Returns the names re-created."""
    if connection.vendor != "postgresql":
        return []
    restored: list[str] = []
    for pending in list(DeferredIndex.objects.order_by("table", "name")):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass(quote_ident(%s))", [pending.name])
                row = cursor.fetchone()
                if row is None or row[0] is None:
                    if progress is not None:
                        progress(pending.name)
                    cursor.execute(pending.definition)
            DeferredIndex.objects.filter(pk=pending.pk).delete()
        restored.append(pending.name)
    return restored
