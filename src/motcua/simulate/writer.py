"""Batched inserts of simulated rows: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Rows are dictionaries keyed by the model's attribute names (``dossier_id``, not ``dossier``);
a column missing from a row takes the model field's default (or ``NULL``/``""`` when the field
allows it), so a column added to a model later with a default needs no change here. Primary
keys are allocated by :meth:`Writer.reserve` inside the caller's transaction, so the rows can
point at each other before they are written (the foreign keys are deferred to the commit).

On PostgreSQL, when the connected role may (a superuser, as for ``pg_restore
--disable-triggers``), a chunk's rows are written with the per-row foreign-key triggers off
(``session_replication_role = replica`` for the chunk's transaction only) and every foreign key
of the rows just written is then checked in one set-based query per column
(:meth:`Writer.references_check`): a dangling reference still rolls the whole chunk back, at a
fraction of the cost of one trigger call per row and reference.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models

__all__ = ["IdPool", "TableSpec", "Writer"]

_UTC = dt.UTC
_MISSING = object()


@dataclass(frozen=True)
class TableSpec:
    """The columns of one model's table, in order, with what to do with each value."""

    model: type[models.Model]
    table: str
    attnames: tuple[str, ...]
    columns: tuple[str, ...]
    defaults: tuple[Any, ...]
    kinds: tuple[str, ...]  # "dt", "date", "json", "time" or ""
    json_encoders: tuple[type[json.JSONEncoder] | None, ...]

    @classmethod
    def of(cls, model: type[models.Model]) -> TableSpec:
        attnames: list[str] = []
        columns: list[str] = []
        defaults: list[Any] = []
        kinds: list[str] = []
        encoders: list[type[json.JSONEncoder] | None] = []
        for f in model._meta.concrete_fields:
            attnames.append(f.attname)
            columns.append(str(f.column))
            defaults.append(_default(f))
            encoder: type[json.JSONEncoder] | None = None
            if isinstance(f, models.DateTimeField):
                kind = "dt"
            elif isinstance(f, models.DateField):
                kind = "date"
            elif isinstance(f, models.TimeField):
                kind = "time"
            elif isinstance(f, models.JSONField):
                kind = "json"
                encoder = f.encoder
            else:
                kind = ""
            kinds.append(kind)
            encoders.append(encoder)
        return cls(
            model=model,
            table=model._meta.db_table,
            attnames=tuple(attnames),
            columns=tuple(columns),
            defaults=tuple(defaults),
            kinds=tuple(kinds),
            json_encoders=tuple(encoders),
        )


def _default(f: models.Field[Any, Any]) -> Any:
    if f.has_default():
        return f.get_default()
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return _MISSING  # set by the writer to the write instant
    if f.null:
        return None
    if f.primary_key:
        return _MISSING
    if f.empty_strings_allowed and f.blank:
        return ""
    return _MISSING


def _sqlite_dt(value: dt.datetime | None) -> str | None:
    """As Django stores an aware datetime in SQLite: UTC, naive, ``str()``."""
    if value is None:
        return None
    if value.tzinfo is not _UTC:
        value = value.astimezone(_UTC)
    return value.isoformat(" ")[:-6]


def _same(value: Any) -> Any:
    return value


def _iso(value: dt.date | dt.time | None) -> str | None:
    return None if value is None else value.isoformat()


def _json(encoder: type[json.JSONEncoder]) -> Callable[[Any], str | None]:
    def convert(value: Any) -> str | None:
        return None if value is None else json.dumps(value, cls=encoder)

    return convert


def _may_skip_triggers() -> bool:
    """Whether this PostgreSQL role may set ``session_replication_role`` (superusers only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


class IdPool:
    """The next primary key of each table, handed out in memory."""

    def __init__(self, bases: dict[str, int]) -> None:
        self._bases = dict(bases)
        self._next = dict(bases)

    def next(self, model: type[models.Model]) -> int:
        table = model._meta.db_table
        value = self._next[table] + 1
        self._next[table] = value
        return value

    def bases(self) -> dict[str, int]:
        """The last id in use of each table when the pool was made."""
        return dict(self._bases)

    def used(self) -> dict[str, int]:
        return {t: v for t, v in self._next.items() if v > self._bases[t]}


class Writer:
    """Writes batches of rows of several models to the default database."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.specs: dict[type[models.Model], TableSpec] = {}
        self.now = dt.datetime.now(tz=_UTC)
        self._converters: dict[str, Callable[[Mapping[str, Any]], tuple[Any, ...]]] = {}
        self.bulk_references = self.vendor == "postgresql" and _may_skip_triggers()

    def spec(self, model: type[models.Model]) -> TableSpec:
        found = self.specs.get(model)
        if found is None:
            found = self.specs[model] = TableSpec.of(model)
        return found

    # ------------------------------------------------------------------ primary keys
    def lock_and_pool(self, models_: Iterable[type[models.Model]]) -> IdPool:
        """Inside the chunk's transaction: stop other writers of these tables (PostgreSQL;
        SQLite's IMMEDIATE transaction already holds the database's write lock) and return the
        next free primary key of each. :meth:`advance` moves the sequences past what was used."""
        quote = connection.ops.quote_name
        tables = [m._meta.db_table for m in models_]
        bases: dict[str, int] = {}
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # simulated rows are re-creatable: no need to wait for the WAL flush
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                if self.bulk_references:
                    # checked afterwards, per column, by references_check
                    cursor.execute("SET LOCAL session_replication_role TO replica")
                cursor.execute(
                    "LOCK TABLE "
                    + ", ".join(quote(t) for t in tables)
                    + " IN SHARE ROW EXCLUSIVE MODE"
                )
            for table in tables:
                cursor.execute(f"SELECT MAX(id) FROM {quote(table)}")  # noqa: S608
                row = cursor.fetchone()
                top = int(row[0] or 0) if row else 0
                if self.vendor == "sqlite":
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                    seq = cursor.fetchone()
                    if seq is not None:
                        top = max(top, int(seq[0] or 0))
                elif self.vendor == "postgresql":
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                    name = cursor.fetchone()
                    if name is not None and name[0]:
                        # the name comes from the catalogue, already quoted where needed
                        cursor.execute(f"SELECT last_value FROM {name[0]}")  # noqa: S608
                        seq = cursor.fetchone()
                        if seq is not None and seq[0] is not None:
                            top = max(top, int(seq[0]))
                bases[table] = top
        return IdPool(bases)

    def advance(self, pool: IdPool) -> None:
        """Move each table's id sequence to the last id used (so later inserts by the
        services never collide with the simulated rows)."""
        self.advance_to(pool.used())

    def advance_to(self, lasts: Mapping[str, int]) -> None:
        """Move the id sequence of each table to (at least) the given last id."""
        with connection.cursor() as cursor:
            for table, last in lasts.items():
                if self.vendor == "postgresql":
                    cursor.execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, true)", [table, last]
                    )
                elif self.vendor == "sqlite":
                    cursor.execute(
                        "UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s",
                        [last, table],
                    )
                    if cursor.rowcount == 0:
                        cursor.execute(
                            "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                            [table, last],
                        )

    def references_check(self, bases: Mapping[type[models.Model], int]) -> None:
        """Inside the chunk's transaction, when the row triggers were off: every foreign key of
        the rows written after ``bases`` (the last id in use before the chunk, per model) must
        point at an existing row. Raises :class:`django.db.IntegrityError` naming the first
        table and column that does not (the caller's transaction is then rolled back)."""
        if not self.bulk_references:
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # the rows written (a primary-key range) and an index look-up each, never a scan of
            # a large table, whatever the planner's statistics say (they lag a bulk load)
            cursor.execute("SET LOCAL enable_hashjoin TO OFF")
            cursor.execute("SET LOCAL enable_mergejoin TO OFF")
            cursor.execute("SET LOCAL enable_seqscan TO OFF")
            # planned for this chunk's ids (a generic plan of the prepared statement, made for
            # "any id", walked a whole foreign-key index: slower at every chunk), without JIT
            # compilation or parallel workers, which cost more than the check itself
            cursor.execute("SET LOCAL plan_cache_mode TO force_custom_plan")
            cursor.execute("SET LOCAL jit TO OFF")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather TO 0")
            for model, base in bases.items():
                table = quote(model._meta.db_table)
                for f in model._meta.concrete_fields:
                    if not (f.many_to_one or f.one_to_one):
                        continue
                    if not getattr(f, "db_constraint", False):
                        continue
                    target = f.target_field  # type: ignore[attr-defined]
                    other = quote(target.model._meta.db_table)
                    column, key = quote(str(f.column)), quote(str(target.column))
                    cursor.execute(
                        f"SELECT c.id FROM {table} c WHERE c.id > %s"  # noqa: S608
                        f" AND c.{column} IS NOT NULL AND NOT EXISTS"
                        f" (SELECT 1 FROM {other} p WHERE p.{key} = c.{column}) LIMIT 1",
                        [base],
                    )
                    row = cursor.fetchone()
                    if row is not None:
                        raise IntegrityError(
                            f"{model._meta.db_table}.{f.column} of row {row[0]} points at no "
                            f"row of {target.model._meta.db_table}"
                        )
            for name in (
                "enable_hashjoin",
                "enable_mergejoin",
                "enable_seqscan",
                "plan_cache_mode",
                "jit",
                "max_parallel_workers_per_gather",
            ):
                cursor.execute(f"SET LOCAL {name} TO DEFAULT")
            # checked: what the transaction writes next is checked by the triggers again
            cursor.execute("SET LOCAL session_replication_role TO origin")

    # ------------------------------------------------------------------ rows
    def _converter(self, spec: TableSpec) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        """A function ``row → tuple`` for ``spec``, generated once per table (a plain tuple
        expression: far faster than deciding per value what to do)."""
        key = spec.table
        found = self._converters.get(key)
        if found is not None:
            return found
        sqlite = self.vendor == "sqlite"
        env: dict[str, Any] = {"_now": self.now, "_dt": _sqlite_dt if sqlite else _same}
        parts: list[str] = []
        for k, (name, default, kind, encoder) in enumerate(
            zip(spec.attnames, spec.defaults, spec.kinds, spec.json_encoders, strict=True)
        ):
            if default is _MISSING and kind != "dt":
                value = f"row[{name!r}]"
            elif default is _MISSING:
                value = f"row.get({name!r}, _now)"
            else:
                env[f"_d{k}"] = default
                value = f"row.get({name!r}, _d{k})"
            if kind == "dt":
                value = f"_dt({value})"
            elif kind == "json":
                env[f"_j{k}"] = _json(encoder or DjangoJSONEncoder)
                value = f"_j{k}({value})"
            elif kind in ("date", "time") and sqlite:
                value = f"_iso({value})"
                env["_iso"] = _iso
            parts.append(value)
        source = "def convert(row):\n    return (" + ", ".join(parts) + ",)\n"
        exec(source, env)  # noqa: S102 - generated from the model's field names only
        convert: Callable[[Mapping[str, Any]], tuple[Any, ...]] = env["convert"]
        self._converters[key] = convert
        return convert

    def _tuples(self, spec: TableSpec, rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        convert = self._converter(spec)
        return [convert(row) for row in rows]

    def insert(self, model: type[models.Model], rows: list[dict[str, Any]]) -> int:
        """Insert ``rows`` (each with its primary key set) into ``model``'s table."""
        if not rows:
            return 0
        spec = self.spec(model)
        data = self._tuples(spec, rows)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in spec.columns)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {quote(spec.table)} ({columns}) FROM STDIN") as copy:
                    for values in data:
                        copy.write_row(values)
            else:
                marks = ", ".join(["%s"] * len(spec.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(spec.table)} ({columns}) VALUES ({marks})",  # noqa: S608
                    data,
                )
        return len(data)
