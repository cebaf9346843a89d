"""Incremental rollups of the dossier indicators: kept in the lifecycle's own transaction,
rebuilt and checked from scratch on demand.

What is stored (:mod:`.models`):

* one :class:`~.models.DossierFact` per received dossier: its rollup key (reception day in
  Hà Nội time, receiving agency, competent agency, reception point, procedure version) and
  the facts the indicators count (channel, who submitted, timeliness, ``forced_late``, due
  instant, and four digitization facts: a component reused from the data store, the
  electronic result added to the applicant's store, an electronic result, a component with
  a file);
* :class:`~.models.DailyRollup`: per key, the sum of the facts' contributions
  (:func:`contribution`).

Invariant: every rollup row equals the sum of the contributions of the facts with its key,
and every fact equals what :func:`fact_expressions` derives from the dossier's rows now.
``rollups_check`` verifies both from scratch; ``rollups_rebuild`` re-establishes both.

How it is kept:

* **Lifecycle** (:func:`rollups_after_save`, called by ``dossiers.services._save`` in the
  transition's transaction, the dossier row locked): nothing to do unless a watched column
  changed (most transitions change only the state). At reception the fact is inserted with
  its digitization facts read in the same statement, and its contribution added to its
  rollup row. Later, the fact is updated only if it still holds the values the dossier had
  before (a conditional ``UPDATE``), and the difference of the lifecycle counters is added
  to the row; if the fact does not hold them (a missed change, data loaded in bulk) or the
  key changed, the dossier's contribution is re-derived from its rows (:func:`_refresh`).
* **Documents, electronic results, store items** (:func:`rollups_touch`): written by code
  outside the lifecycle; each call re-derives one dossier's facts and applies the
  difference. A missed call leaves the rollups behind, never wrong in another way:
  ``--check`` names the dossier, ``--rebuild`` (or the next touch of that dossier) fixes it.
* Row updates are additive (``INSERT … ON CONFLICT … DO UPDATE SET n = n + excluded.n`` on
  SQLite and PostgreSQL), so concurrent transactions on the same key do not lose counts;
  the per-dossier work is serialised by the dossier row's lock.

What is not stored: whether an open dossier is past its due instant (it depends on "now":
the selectors count those live on the facts' partial index of open dossiers) and whether
the national-portal messages were delivered (the outbox changes outside any dossier
transaction: counted live from the outbox's index of undelivered messages).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from motcua.documents.models import ElectronicResult, StoreItem
from motcua.dossiers.models import Channel, Dossier, DossierDocument, StepOutcome, SubmitterKind
from motcua.workcal.types import VN_TZ

from .models import (
    COUNTERS,
    DIMENSIONS,
    KEY,
    MONTH_KEY,
    PENDING,
    DailyRollup,
    DossierFact,
    MonthlyRollup,
)

__all__ = [
    "FACT_FIELDS",
    "Difference",
    "contribution",
    "fact_expressions",
    "rollups_after_save",
    "rollups_check",
    "rollups_rebuild",
    "rollups_touch",
]

#: The columns of a fact, in order (the primary key ``dossier_id`` first).
FACT_FIELDS: tuple[str, ...] = (
    "dossier_id",
    *KEY,
    "channel",
    "submitter_kind",
    "outcome",
    "forced_late",
    "due_at",
    "reused",
    "result_in_store",
    "e_result",
    "with_files",
)
DIGITIZATION: tuple[str, ...] = ("reused", "result_in_store", "e_result", "with_files")
#: Dossier columns (attribute names) the lifecycle part of a fact is made of.
WATCHED: tuple[str, ...] = (
    "received_at",
    "receiving_agency_id",
    "competent_agency_id",
    "reception_point_id",
    "procedure_version_id",
    "channel",
    "submitter_kind",
    "outcome",
    "forced_late",
    "due_at",
)
_KEY_WATCHED = WATCHED[:5]
_IN_TIME = (StepOutcome.EARLY.value, StepOutcome.ON_TIME.value)

Facts = dict[str, Any]
Key = tuple[Any, ...]


# ----------------------------------------------------------------------------- the rules
def _lifecycle_counts(f: Mapping[str, Any]) -> dict[str, int]:
    outcome, forced = f["outcome"], bool(f["forced_late"])
    return {
        "received": 1,
        "online": int(f["channel"] == Channel.ONLINE),
        "direct": int(f["channel"] == Channel.DIRECT),
        "post": int(f["channel"] == Channel.POST),
        "by_agent": int(f["submitter_kind"] == SubmitterKind.AGENT),
        "by_mandate": int(f["submitter_kind"] == SubmitterKind.MANDATE),
        "finished_early": int(outcome == StepOutcome.EARLY),
        "finished_on_time": int(outcome == StepOutcome.ON_TIME),
        "finished_late": int(outcome == StepOutcome.LATE),
        "forced_late": int(forced),
        "closed_in_time": int(outcome in _IN_TIME and not forced),
        "pending": int(outcome == "" and not forced),
    }


def _digitization_counts(f: Mapping[str, Any]) -> dict[str, int]:
    reused, in_store = bool(f["reused"]), bool(f["result_in_store"])
    e_result, files = bool(f["e_result"]), bool(f["with_files"])
    return {
        "reused": int(reused),
        "store_synced": int(reused or in_store),
        "e_result": int(e_result),
        "with_files": int(files),
        "with_files_result": int(files and e_result),
    }


def contribution(f: Mapping[str, Any]) -> tuple[int, ...]:
    """What one fact adds to its rollup row, in :data:`~.models.COUNTERS` order.

    * ``received`` 1; ``online`` / ``direct`` / ``post`` by channel; ``by_agent`` /
      ``by_mandate`` by who submitted;
    * ``finished_early`` / ``finished_on_time`` / ``finished_late`` by timeliness,
      ``forced_late`` counted late by a late apology; ``closed_in_time``: early or on time
      and not counted late; ``pending``: no timeliness yet and not counted late (on time
      while not past its due instant: the selectors count the past-due ones live);
    * ``reused`` (4.3): a component taken from the data store; ``store_synced`` (4.4): that,
      or the electronic result added to the applicant's store; ``e_result`` (4.1): an
      electronic result; ``with_files`` / ``with_files_result`` (4.2): a component with a
      file, without / with an electronic result too.
    """
    counts = {**_lifecycle_counts(f), **_digitization_counts(f)}
    return tuple(counts[name] for name in COUNTERS)


#: The same rules as SQL conditions on :class:`~.models.DossierFact` (``None``: every row).
COUNTER_RULES: dict[str, Q | None] = {
    "received": None,
    "online": Q(channel=Channel.ONLINE),
    "direct": Q(channel=Channel.DIRECT),
    "post": Q(channel=Channel.POST),
    "by_agent": Q(submitter_kind=SubmitterKind.AGENT),
    "by_mandate": Q(submitter_kind=SubmitterKind.MANDATE),
    "finished_early": Q(outcome=StepOutcome.EARLY),
    "finished_on_time": Q(outcome=StepOutcome.ON_TIME),
    "finished_late": Q(outcome=StepOutcome.LATE),
    "forced_late": Q(forced_late=True),
    "closed_in_time": Q(outcome__in=_IN_TIME, forced_late=False),
    "pending": PENDING,
    "reused": Q(reused=True),
    "store_synced": Q(reused=True) | Q(result_in_store=True),
    "e_result": Q(e_result=True),
    "with_files": Q(with_files=True),
    "with_files_result": Q(with_files=True, e_result=True),
}


def fact_expressions() -> dict[str, Any]:
    """The fact of each dossier, as expressions on :class:`Dossier` (aliases ``f_<field>``
    in :data:`FACT_FIELDS` order): the from-scratch derivation."""
    docs = DossierDocument.objects.filter(dossier_id=OuterRef("pk"))
    return {
        "f_dossier_id": F("pk"),
        "f_day": TruncDate("received_at", tzinfo=VN_TZ),
        "f_receiving_agency_id": F("receiving_agency_id"),
        "f_competent_agency_id": F("competent_agency_id"),
        "f_point_id": Coalesce("reception_point_id", Value(0), output_field=IntegerField()),
        "f_procedure_version_id": F("procedure_version_id"),
        "f_channel": F("channel"),
        "f_submitter_kind": F("submitter_kind"),
        "f_outcome": F("outcome"),
        "f_forced_late": F("forced_late"),
        "f_due_at": F("due_at"),
        "f_reused": Exists(docs.filter(store_item__isnull=False)),
        "f_result_in_store": Exists(
            StoreItem.objects.filter(
                source=StoreItem.Source.RESULT, source_dossier_id=OuterRef("pk")
            )
        ),
        "f_e_result": Exists(ElectronicResult.objects.filter(dossier_id=OuterRef("pk"))),
        "f_with_files": Exists(
            docs.filter(Q(stored_file__isnull=False) | Q(store_item__isnull=False))
        ),
    }


def _derived(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier, Any]:
    return dossiers.filter(received_at__isnull=False).order_by().values(**fact_expressions())


def _unprefixed(row: Mapping[str, Any]) -> Facts:
    return {name: _normal(name, row[f"f_{name}"]) for name in FACT_FIELDS}


def _normal(name: str, value: Any) -> Any:
    """Plain Python values (enum members and SQLite's 0/1 compare equal, but keep rows
    printable and comparable field by field)."""
    if name in {"forced_late", *DIGITIZATION}:
        return bool(value)
    if name in {"channel", *DIMENSIONS} and value is not None:
        return int(value)
    if name in {"submitter_kind", "outcome"}:
        return str(value)
    return value


def _lifecycle_of(pk: int, values: Mapping[str, Any]) -> Facts:
    """The lifecycle part of a received dossier's fact, from its column values
    (:data:`WATCHED`, by attribute name)."""
    received_at: dt.datetime = values["received_at"]
    return {
        "dossier_id": pk,
        "day": received_at.astimezone(VN_TZ).date(),
        "receiving_agency_id": values["receiving_agency_id"],
        "competent_agency_id": values["competent_agency_id"],
        "point_id": values["reception_point_id"] or 0,
        "procedure_version_id": values["procedure_version_id"],
        "channel": int(values["channel"]),
        "submitter_kind": str(values["submitter_kind"]),
        "outcome": str(values["outcome"]),
        "forced_late": bool(values["forced_late"]),
        "due_at": values["due_at"],
    }


def _key(f: Mapping[str, Any]) -> Key:
    return tuple(f[name] for name in KEY)


# ----------------------------------------------------------------------------- writing
def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model: Any, name: str) -> str:
    return str(model._meta.get_field(name).column)


_UPSERT_SQL: dict[tuple[str, str], str] = {}


def _upsert_sql(model: Any, key: Sequence[str]) -> str:
    cached = (connection.vendor, model._meta.db_table)
    if cached not in _UPSERT_SQL:
        table = _q(model._meta.db_table)
        keys = [_q(_column(model, n)) for n in key]
        counters = [_q(_column(model, n)) for n in COUNTERS]
        columns = ", ".join(keys + counters)
        marks = ", ".join(["%s"] * (len(keys) + len(counters)))
        updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
        _UPSERT_SQL[cached] = (
            f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608 - quoted names
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
        )
    return _UPSERT_SQL[cached]


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add(deltas: Mapping[Key, Sequence[int]]) -> None:
    """Add each delta to its daily and its monthly rollup row (created if missing): the
    daily rows first, then the monthly ones, each in key order (no deadlock between two
    transactions moving counts between the same rows)."""
    daily = [(key, delta) for key, delta in sorted(deltas.items()) if any(delta)]
    if not daily:
        return
    monthly: dict[Key, list[int]] = {}
    for key, delta in daily:
        row = monthly.setdefault((_month(key[0]), *key[1:]), [0] * len(COUNTERS))
        for i, value in enumerate(delta):
            row[i] += value
    day = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        for key, delta in daily:
            cursor.execute(_upsert_sql(DailyRollup, KEY), [day(key[0]), *key[1:], *delta])
        for key, values in sorted(monthly.items()):
            if any(values):
                cursor.execute(
                    _upsert_sql(MonthlyRollup, MONTH_KEY), [day(key[0]), *key[1:], *values]
                )


def _difference(old: Facts | None, new: Facts | None) -> dict[Key, tuple[int, ...]]:
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    for facts, sign in ((old, -1), (new, 1)):
        if facts is not None:
            row = deltas[_key(facts)]
            for i, value in enumerate(contribution(facts)):
                row[i] += sign * value
    return {key: tuple(values) for key, values in deltas.items()}


def _write_fact(old: Facts | None, new: Facts | None) -> None:
    if new is None:
        if old is not None:
            DossierFact.objects.filter(pk=old["dossier_id"]).delete()
        return
    values = {name: new[name] for name in FACT_FIELDS if name != "dossier_id"}
    if old is None:
        DossierFact.objects.create(dossier_id=new["dossier_id"], **values)
    else:
        changed = {name: value for name, value in values.items() if old[name] != value}
        DossierFact.objects.filter(pk=new["dossier_id"]).update(**changed)


def _refresh(dossier_id: int) -> bool:
    """Re-derive one dossier's fact from its rows, apply the difference to the rollups.
    Returns whether anything changed. The caller holds the dossier row's lock."""
    stored_row = (
        DossierFact.objects.select_for_update().filter(pk=dossier_id).values(*FACT_FIELDS).first()
    )
    stored = {n: _normal(n, v) for n, v in stored_row.items()} if stored_row else None
    derived_row = _derived(Dossier.objects.filter(pk=dossier_id)).first()
    derived = _unprefixed(derived_row) if derived_row is not None else None
    if stored == derived:
        return False
    _add(_difference(stored, derived))
    _write_fact(stored, derived)
    return True


#: Stands for the dossier's primary key in the statements compiled once (see below).
_PLACEHOLDER = 2_000_000_001
_INSERT_SQL: dict[str, tuple[str, list[Any], list[int]]] = {}


def _insert_statement() -> tuple[str, list[Any], list[int]]:
    """``INSERT INTO fact … SELECT <the derivation of one dossier> ON CONFLICT DO NOTHING
    RETURNING <its digitization facts>``, compiled once per database vendor: the SQL, its
    parameters and where the dossier's key goes in them."""
    if connection.vendor not in _INSERT_SQL:
        select = _derived(Dossier.objects.filter(pk=_PLACEHOLDER))
        sql, params = select.query.sql_with_params()
        table = _q(DossierFact._meta.db_table)
        columns = ", ".join(_q(_column(DossierFact, n)) for n in FACT_FIELDS)
        pk = _q(_column(DossierFact, "dossier_id"))
        returning = ", ".join(_q(_column(DossierFact, n)) for n in DIGITIZATION)
        statement = (
            f"INSERT INTO {table} ({columns}) {sql} ON CONFLICT ({pk}) DO NOTHING "
            f"RETURNING {returning}"
        )
        positions = [i for i, value in enumerate(params) if value == _PLACEHOLDER]
        _INSERT_SQL[connection.vendor] = (statement, list(params), positions)
    return _INSERT_SQL[connection.vendor]


def _insert_fact(dossier: Dossier) -> Facts | None:
    """Insert the fact of a dossier just received, its digitization facts read in the same
    statement. ``None`` if the dossier has a fact already."""
    statement, params, positions = _insert_statement()
    params = params[:]
    for i in positions:
        params[i] = dossier.pk
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:
        return None
    flags = {name: bool(value) for name, value in zip(DIGITIZATION, row, strict=True)}
    return _lifecycle_of(dossier.pk, _watched(dossier)) | flags


_UPDATE_SQL: dict[str, str] = {}


def _update_statement() -> str:
    """``UPDATE fact SET <the mutable columns> WHERE <the primary key and every lifecycle
    column hold the old values>`` (the due instant compared null-safe)."""
    if connection.vendor not in _UPDATE_SQL:
        same = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
        table = _q(DossierFact._meta.db_table)
        sets = ", ".join(f"{_q(_column(DossierFact, n))} = %s" for n in _MUTABLE)
        where = " AND ".join(
            f"{_q(_column(DossierFact, n))} {same if n == 'due_at' else '='} %s" for n in _LIFECYCLE
        )
        _UPDATE_SQL[connection.vendor] = f"UPDATE {table} SET {sets} WHERE {where}"  # noqa: S608
    return _UPDATE_SQL[connection.vendor]


def _adapt(name: str, value: Any) -> Any:
    if name == "day":
        return connection.ops.adapt_datefield_value(value)
    if name == "due_at":
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _update_fact(old: Facts, new: Facts) -> bool:
    """Write the new lifecycle values if the fact still holds the old ones."""
    params = [_adapt(n, new[n]) for n in _MUTABLE] + [_adapt(n, old[n]) for n in _LIFECYCLE]
    with connection.cursor() as cursor:
        cursor.execute(_update_statement(), params)
        return int(cursor.rowcount) == 1


def _watched(dossier: Dossier) -> dict[str, Any]:
    return {name: getattr(dossier, name) for name in WATCHED}


def rollups_after_save(dossier: Dossier, saved: Mapping[str, Any] | None) -> None:
    """Keep the rollups in step with a dossier just written by a lifecycle transition.

    ``saved``: the dossier's column values before the change, by attribute name (``None``
    when it was not read with them: the dossier is re-derived from its rows). Runs in the
    caller's transaction, which holds the dossier row's lock."""
    if saved is None:
        if dossier.received_at is not None:
            with transaction.atomic(savepoint=False):
                _refresh(dossier.pk)
        return
    if saved["received_at"] is None and dossier.received_at is None:
        return  # not received: counted nowhere
    now = _watched(dossier)
    changed = {name for name in WATCHED if now[name] != saved[name]}
    if not changed:
        return
    with transaction.atomic(savepoint=False):
        if saved["received_at"] is None:
            fact = _insert_fact(dossier)
            if fact is None:
                _refresh(dossier.pk)  # it had a fact already: derive it again
            else:
                _add({_key(fact): contribution(fact)})
            return
        if dossier.received_at is None or changed & set(_KEY_WATCHED):
            _refresh(dossier.pk)
            return
        old = _lifecycle_of(dossier.pk, saved)
        new = _lifecycle_of(dossier.pk, now)
        if not _update_fact(old, new):
            _refresh(dossier.pk)  # the fact did not hold the old values: derive it again
            return
        before, after = _lifecycle_counts(old), _lifecycle_counts(new)
        _add({_key(new): tuple(after.get(n, 0) - before.get(n, 0) for n in COUNTERS)})


#: The lifecycle columns of a fact that change while its key stays.
_MUTABLE = ("channel", "submitter_kind", "outcome", "forced_late", "due_at")
#: The columns of a fact's lifecycle part (the primary key first).
_LIFECYCLE = FACT_FIELDS[: -len(DIGITIZATION)]


def rollups_touch(dossier_id: int) -> bool:
    """Re-derive one dossier's contribution to the rollups and apply the difference.

    Call it in the same transaction as any change to what the digitization indicators read
    outside the lifecycle: a dossier component added, changed or removed (its ``store_item``
    or ``stored_file``), an electronic result issued, a store item made from a dossier's
    result. Cheap when nothing changed; a no-op for a dossier not yet received. Returns
    whether the rollups changed."""
    with transaction.atomic(savepoint=False):
        # FOR NO KEY UPDATE: waits for a transition of the dossier (FOR UPDATE) or another
        # touch, not for the rows that merely reference the dossier (FOR KEY SHARE)
        list(Dossier.objects.select_for_update(no_key=True).filter(pk=dossier_id).values("pk"))
        return _refresh(dossier_id)


# ----------------------------------------------------------------------------- rebuild
def _insert_select(model: Any, fields: Sequence[str], select: QuerySet[Any, Any]) -> int:
    sql, params = select.query.sql_with_params()
    table = _q(model._meta.db_table)
    columns = ", ".join(_q(_column(model, n)) for n in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
        return int(cursor.rowcount)


def aggregated(
    facts: QuerySet[DossierFact], *, monthly: bool = False
) -> QuerySet[DossierFact, Any]:
    """The daily (or monthly) rollup rows of ``facts``: the key, then :data:`COUNTERS`,
    summed in SQL."""
    period = TruncMonth("day", output_field=DateField()) if monthly else F("day")
    rows: QuerySet[DossierFact, Any] = (
        facts.order_by()
        .values(k_period=period, **{f"k_{name}": F(name) for name in DIMENSIONS})
        .annotate(
            **{
                f"n_{name}": Count("pk", filter=rule) if rule is not None else Count("pk")
                for name, rule in COUNTER_RULES.items()
            }
        )
    )
    return rows


def rollups_rebuild() -> int:
    """Recreate every fact and rollup row from the dossiers (one transaction, set-based
    SQL). Returns the number of received dossiers counted."""
    # TRUNCATE is much faster at scale, but PostgreSQL refuses it on a table with deferred
    # constraint checks pending in the same transaction: only in a transaction of our own
    truncate = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        tables = (DailyRollup, MonthlyRollup, DossierFact)
        if truncate:
            with connection.cursor() as cursor:
                names = ", ".join(_q(model._meta.db_table) for model in tables)
                cursor.execute(f"TRUNCATE {names}")
        else:
            for model in tables:
                model.objects.all().delete()
        counted = _insert_select(DossierFact, FACT_FIELDS, _derived(Dossier.objects.all()))
        facts = DossierFact.objects.all()
        _insert_select(DailyRollup, (*KEY, *COUNTERS), aggregated(facts))
        _insert_select(MonthlyRollup, (*MONTH_KEY, *COUNTERS), aggregated(facts, monthly=True))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in tables:
                cursor.execute(f"ANALYZE {_q(model._meta.db_table)}")
    return counted


# ----------------------------------------------------------------------------- check
@dataclass(frozen=True, slots=True)
class Difference:
    """One stored value that is not what the from-scratch computation gives."""

    table: str  # "fact", "rollup" or "inputs"
    key: str
    column: str
    stored: Any
    expected: Any

    def __str__(self) -> str:
        return (
            f"{self.table} {self.key}: {self.column} stored {self.stored!r}, "
            f"recomputed {self.expected!r}"
        )


def _day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=VN_TZ)
    return start, start + dt.timedelta(days=1)


def _days_with_data(first: dt.date | None, last: dt.date | None) -> Iterator[dt.date]:
    """Every day from the first to the last with a fact, a rollup row or a received dossier
    (within ``first``..``last``, widened to whole months: the monthly rows are compared)."""
    bounds: list[dt.date] = []
    for qs, field in (
        (DossierFact.objects.all(), "day"),
        (DailyRollup.objects.all(), "day"),
        (MonthlyRollup.objects.all(), "month"),
    ):
        found = qs.order_by(field).values_list(field, flat=True)
        bounds += [d for d in (found.first(), found.last()) if d is not None]
    received = Dossier.objects.filter(received_at__isnull=False).order_by("received_at")
    instants = received.values_list("received_at", flat=True)
    bounds += [i.astimezone(VN_TZ).date() for i in (instants.first(), instants.last()) if i]
    if not bounds:
        return
    low, high = min(bounds), max(bounds)
    if first is not None:
        low = max(low, first)
    if last is not None:
        high = min(high, last)
    day = _month(low)
    end = _month(_month(high) + dt.timedelta(days=31)) - dt.timedelta(days=1)  # month's last
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def _key_text(key: Key) -> str:
    return "{} recv={} comp={} point={} version={}".format(*key)


def _zeros() -> list[int]:
    return [0] * len(COUNTERS)


def _compare_rows(
    kept: Mapping[Key, Sequence[int]], expected: Mapping[Key, Sequence[int]], table: str
) -> Iterator[Difference]:
    for key in sorted(kept.keys() | expected.keys()):
        have, want = kept.get(key, _zeros()), expected.get(key, _zeros())
        for name, a, b in zip(COUNTERS, have, want, strict=True):
            if a != b:
                yield Difference(table, _key_text(key), name, a, b)


def _check_day(day: dt.date, expected: dict[Key, list[int]]) -> Iterator[Difference]:
    """Compare the day's facts and daily rows with the ones derived from the dossiers now;
    add the derived contributions to ``expected``."""
    stored = {
        row["dossier_id"]: {n: _normal(n, v) for n, v in row.items()}
        for row in DossierFact.objects.filter(day=day).values(*FACT_FIELDS)
    }
    start, end = _day_range(day)
    derived = {
        row["dossier_id"]: row
        for row in map(
            _unprefixed,
            _derived(Dossier.objects.filter(received_at__gte=start, received_at__lt=end)),
        )
    }
    for pk in sorted(stored.keys() | derived.keys()):
        old, new = stored.get(pk), derived.get(pk)
        if old is None or new is None:
            yield Difference("fact", f"dossier {pk}", "(row)", old is not None, new is not None)
            continue
        for name in FACT_FIELDS:
            if old[name] != new[name]:
                yield Difference("fact", f"dossier {pk}", name, old[name], new[name])
    daily: dict[Key, list[int]] = defaultdict(_zeros)
    for facts in derived.values():
        key = _key(facts)
        for i, value in enumerate(contribution(facts)):
            daily[key][i] += value
            expected[(_month(day), *key[1:])][i] += value
    kept = {
        tuple(r[n] for n in KEY): [r[n] for n in COUNTERS]
        for r in DailyRollup.objects.filter(day=day).values(*KEY, *COUNTERS)
    }
    yield from _compare_rows(kept, daily, "rollup")


def _check_month(month: dt.date, expected: Mapping[Key, Sequence[int]]) -> Iterator[Difference]:
    kept = {
        tuple(r[n] for n in MONTH_KEY): [r[n] for n in COUNTERS]
        for r in MonthlyRollup.objects.filter(month=month).values(*MONTH_KEY, *COUNTERS)
    }
    yield from _compare_rows(kept, expected, "monthly rollup")


def rollups_check(
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    limit: int | None = None,
) -> list[Difference]:
    """Recompute every fact and rollup row of the months of ``first``..``last`` (default:
    all days with data) from the dossiers and compare with what is stored. Returns the
    differences (at most ``limit``); an empty list means the rollups are exact."""
    found: list[Difference] = []
    month: dt.date | None = None
    expected: dict[Key, list[int]] = defaultdict(_zeros)

    def full() -> bool:
        return limit is not None and len(found) >= limit

    for day in _days_with_data(first, last):
        if month is not None and _month(day) != month:
            found += _check_month(month, expected)
            expected = defaultdict(_zeros)
        month = _month(day)
        found += _check_day(day, expected)
        if full():
            return found[:limit]
    if month is not None:
        found += _check_month(month, expected)
    return found[:limit] if limit is not None else found


def differences_in_inputs(
    pairs: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
) -> list[Difference]:
    """Compare (label, from rollups, recomputed) mappings value by value."""
    return [
        Difference("inputs", label, name, fast.get(name), slow.get(name))
        for label, fast, slow in pairs
        for name in sorted(fast.keys() | slow.keys())
        if fast.get(name) != slow.get(name)
    ]
