"""A simulation run: applicants, chunks of dossiers written in one transaction each, the
dossier-code counters, the summary; and :func:`simulation_clear`.

Every chunk of :data:`CHUNK` dossiers is one transaction: its rows are inserted, the code
counters are moved past the numbers it used and the id sequences past the ids it took, then it
commits. An interrupted run leaves whole chunks only; ``--clear`` removes them.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q

from motcua.core.models import AuditEvent
from motcua.documents.models import ElectronicResult, StoreItem
from motcua.dossiers.codes import parse_code
from motcua.dossiers.models import (
    Apology,
    AppointmentChange,
    Dossier,
    DossierCodeCounter,
    DossierDocument,
    DossierStep,
    Handover,
    Pause,
    Refusal,
    SupplementRequest,
)
from motcua.feedback.models import DossierRating
from motcua.integrations.models import OutboxMessage
from motcua.org.models import Agency, User
from motcua.org.roles import Role
from motcua.people.models import CitizenProfile, Mandate
from motcua.workcal import bulk_due
from motcua.workcal.types import VN_TZ

from .builder import (
    CITIZEN_NOTICE_TOPIC,
    NATIONAL_PORTAL_TOPIC,
    Act,
    Batch,
    Context,
    DossierBuilder,
)
from .profile import DEFAULT_PROFILE, WorkloadProfile
from .scenario import (
    UNIFORMS_PER_DOSSIER,
    People,
    Pool,
    SimulationError,
    Skeleton,
    play,
    skeleton_build,
)
from .world import (
    SIM_EMAIL_DOMAIN,
    SIM_PREFIX,
    SIM_REFERENCE_PREFIX,
    UNUSABLE_PASSWORD,
    World,
    agents_ensure,
    person,
    person_has_store,
    person_home,
    person_name,
    sim_file_ensure,
    sim_result_files_ensure,
    staff_ensure,
    world_load,
)

__all__ = [
    "CHUNK",
    "Summary",
    "simulate",
    "simulation_clear",
    "simulation_refusal",
]

#: Dossiers per transaction (and per stream of random numbers: part of the seed's meaning).
CHUNK = 2_000
POOL_CHUNK = 20_000
_SHIFT = 7 * 3600
_REF_MULTIPLIER = 0x9E3779B97F  # odd: a bijection of the 40-bit numbers

#: The tables a chunk writes, in insertion order.
CHUNK_MODELS: tuple[type[models.Model], ...] = (
    Mandate,
    Dossier,
    ElectronicResult,
    StoreItem,
    DossierStep,
    Pause,
    SupplementRequest,
    Refusal,
    Apology,
    AppointmentChange,
    DossierDocument,
    Handover,
    DossierRating,
    OutboxMessage,
    AuditEvent,
)

Progress = Callable[[int, int], None]


def _quiet(done: int, total: int) -> None:
    return None


@dataclass
class Summary:
    """What a run produced (printed by ``motcua simulate``)."""

    dossiers: int = 0
    by_channel: Counter[int] = field(default_factory=Counter)
    by_state: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)
    forced_late: int = 0
    reused: int = 0
    supplements: int = 0
    pauses: int = 0
    apologies: int = 0
    ratings: int = 0
    rows: Counter[str] = field(default_factory=Counter)
    applicants_created: int = 0
    applicants: int = 0
    skipped_days: int = 0
    left_out: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    first: dt.date | None = None
    last: dt.date | None = None
    horizon: dt.datetime | None = None
    rollups: str = ""
    #: secondary indexes set aside during the load and re-created at its end
    indexes_deferred: int = 0
    indexes_seconds: float = 0.0

    @property
    def finished(self) -> int:
        return sum(self.by_outcome.values())

    @property
    def on_time(self) -> int:
        return self.by_outcome["early"] + self.by_outcome["on_time"]

    @property
    def on_time_rate(self) -> float | None:
        return 100.0 * self.on_time / self.finished if self.finished else None

    @property
    def per_second(self) -> float:
        return self.dossiers / self.seconds if self.seconds else 0.0

    def merge(self, other: Summary) -> None:
        """Add a chunk's counts."""
        self.dossiers += other.dossiers
        self.by_channel.update(other.by_channel)
        self.by_state.update(other.by_state)
        self.by_outcome.update(other.by_outcome)
        self.rows.update(other.rows)
        for name in ("forced_late", "reused", "supplements", "pauses", "apologies", "ratings"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def add(self, b: DossierBuilder) -> None:
        d = b.d
        self.dossiers += 1
        self.by_channel[int(d["channel"])] += 1
        self.by_state[str(d["state"])] += 1
        if d["outcome"]:
            # forced_late already sets the outcome to late
            self.by_outcome[str(d["outcome"])] += 1
        self.forced_late += bool(d["forced_late"])
        self.supplements += len(b.requests)
        self.pauses += len(b.pauses)
        self.apologies += b.apology is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "dossiers": self.dossiers,
            "by_channel": {str(k): v for k, v in sorted(self.by_channel.items())},
            "by_state": dict(sorted(self.by_state.items())),
            "by_outcome": dict(sorted(self.by_outcome.items())),
            "on_time_rate": None if self.on_time_rate is None else round(self.on_time_rate, 3),
            "forced_late": self.forced_late,
            "reused": self.reused,
            "supplements": self.supplements,
            "pauses": self.pauses,
            "apologies": self.apologies,
            "ratings": self.ratings,
            "rows": dict(sorted(self.rows.items())),
            "applicants": self.applicants,
            "applicants_created": self.applicants_created,
            "skipped_days": self.skipped_days,
            "left_out": [list(x) for x in self.left_out],
            "seconds": round(self.seconds, 2),
            "per_second": round(self.per_second, 1),
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
            "horizon": self.horizon.isoformat() if self.horizon else None,
            "rollups": self.rollups,
            "indexes_deferred": self.indexes_deferred,
            "indexes_seconds": round(self.indexes_seconds, 1),
        }


# ----------------------------------------------------------------------------- safety
def simulation_refusal() -> tuple[str, str] | None:
    """Why the database must not receive simulated data without ``--force``: it holds
    dossiers that are not simulated (Vietnamese, English), else ``None``."""
    real = Dossier.objects.exclude(reference__startswith=SIM_REFERENCE_PREFIX).count()
    if real:
        return (
            (
                f"cơ sở dữ liệu đã có {real} hồ sơ thật (không phải mô phỏng); thêm --force nếu "
                "thật sự muốn trộn dữ liệu mô phỏng vào."
            ),
            (
                f"the database holds {real} real (not simulated) dossiers; add --force if you "
                "really want simulated data mixed in."
            ),
        )
    return None


# ----------------------------------------------------------------------------- applicants
def _sim_profiles() -> dict[int, tuple[int, int | None, int | None]]:
    """index → (profile id, user id, home unit id) of the simulated applicants already there."""
    out: dict[int, tuple[int, int | None, int | None]] = {}
    rows = CitizenProfile.objects.filter(email__endswith=f"@{SIM_EMAIL_DOMAIN}").values_list(
        "pk", "email", "user_id", "administrative_unit_id"
    )
    for pk, email, user_id, unit_id in rows.iterator(chunk_size=20_000):
        local = email.split("@", 1)[0]
        if local.startswith("a") and local[1:].isdigit():
            out[int(local[1:])] = (pk, user_id, unit_id)
    return out


def _write_people(
    writer: Any,
    world: World,
    profile: WorkloadProfile,
    indexes: list[int],
    taken: set[str],
    sim_file: int,
    citizen_group: int,
    now: dt.datetime,
) -> dict[int, tuple[int, int, int, int]]:
    """Create applicants ``indexes`` (account, profile, data-store entry); returns index →
    (profile, user, home unit, store entry or 0)."""
    units = world.communes
    out: dict[int, tuple[int, int, int, int]] = {}
    pool = writer.lock_and_pool([User, User.groups.through, CitizenProfile, StoreItem])
    batch = Batch(pool.next)
    for index in indexes:
        p = person(index, taken)
        unit = person_home(index, units)
        user = batch.add(
            User,
            {
                "username": f"{SIM_PREFIX}c{index:08d}",
                "password": UNUSABLE_PASSWORD,
                "full_name": p.full_name,
                "email": "",
                "phone": p.phone,
                "date_joined": now,
                "last_login": None,
            },
        )
        batch.add(User.groups.through, {"user_id": user["id"], "group_id": citizen_group})
        prof = batch.add(
            CitizenProfile,
            {
                "kind": CitizenProfile.Kind.PERSON,
                "user_id": user["id"],
                "full_name": p.full_name,
                "personal_id": p.personal_id,
                "tax_code": None,
                "birth_date": p.birth_date,
                "sex": p.sex,
                "phone": p.phone,
                "email": f"a{index}@{SIM_EMAIL_DOMAIN}",
                "address": "",
                "administrative_unit_id": unit,
                "created_at": now,
            },
        )
        item = 0
        if person_has_store(index, profile.store_share):
            issued = dt.date(2021, 7, 1) + dt.timedelta(days=index % 900)
            row = batch.add(
                StoreItem,
                {
                    "owner_id": prof["id"],
                    "doc_type": "Thẻ căn cước",
                    "number": p.personal_id,
                    "issuer": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
                    "issued_on": issued,
                    "expires_on": issued.replace(year=issued.year + 15),
                    "revoked_at": None,
                    "file_id": sim_file,
                    "source": StoreItem.Source.UPLOAD,
                    "source_dossier_id": None,
                    "added_by_id": user["id"],
                    "created_at": dt.datetime(2024, 6, 1, 9, tzinfo=VN_TZ)
                    + dt.timedelta(days=index % 180),
                },
            )
            item = int(row["id"])
        out[index] = (int(prof["id"]), int(user["id"]), unit, item)
    written = (User, User.groups.through, CitizenProfile, StoreItem)
    for model in written:
        writer.insert(model, batch.rows[model])
    bases = pool.bases()
    writer.references_check({m: bases[m._meta.db_table] for m in written})
    writer.advance(pool)
    return out


def pool_ensure(
    world: World,
    profile: WorkloadProfile,
    size: int,
    writer: Any,
    sim_file: int,
    progress: Progress = _quiet,
) -> tuple[Pool, int]:
    """Applicants 0 … ``size`` − 1 (created when missing); returns the pool and how many were
    created."""
    existing = _sim_profiles()
    missing = [i for i in range(size) if i not in existing]
    citizen_group = Group.objects.get_or_create(name=Role.CITIZEN.value)[0].pk
    now = writer.now
    created: dict[int, tuple[int, int, int, int]] = {}
    if missing:
        taken = {
            str(pid)
            for pid in CitizenProfile.objects.exclude(personal_id=None).values_list(
                "personal_id", flat=True
            )
        }
        for start in range(0, len(missing), POOL_CHUNK):
            with transaction.atomic():
                created.update(
                    _write_people(
                        writer,
                        world,
                        profile,
                        missing[start : start + POOL_CHUNK],
                        taken,
                        sim_file,
                        citizen_group,
                        now,
                    )
                )
            progress(min(start + POOL_CHUNK, len(missing)), len(missing))
        _statistics_refresh()
    items: dict[int, tuple[int, int]] = {}
    if existing:
        for owner, pk, file_id in (
            StoreItem.objects.filter(owner__email__endswith=f"@{SIM_EMAIL_DOMAIN}")
            .order_by("owner_id", "pk")
            .values_list("owner_id", "pk", "file_id")
            .iterator(chunk_size=20_000)
        ):
            items.setdefault(owner, (pk, file_id))
    profile_ids = np.zeros(size, dtype=np.int64)
    users = np.zeros(size, dtype=np.int64)
    homes = np.zeros(size, dtype=np.int64)
    store = np.zeros(size, dtype=np.int64)
    store_file = np.zeros(size, dtype=np.int64)
    fallback_unit = world.communes[0]
    for i in range(size):
        if i in created:
            pk, user, unit, item = created[i]
            file_id = sim_file if item else 0
        else:
            pk, user_or_none, unit_or_none = existing[i]
            user = user_or_none or 0
            unit = unit_or_none or fallback_unit
            item, file_id = items.get(pk, (0, 0))
        profile_ids[i] = pk
        users[i] = user
        homes[i] = world.commune_agency_by_unit.get(
            unit, world.commune_agency_by_unit[fallback_unit]
        )
        store[i] = item
        store_file[i] = file_id
    if (users == 0).any():
        raise SimulationError(
            "một hồ sơ công dân mô phỏng đã mất tài khoản; chạy --clear rồi chạy lại.",
            "a simulated applicant lost its account; run --clear, then run again.",
        )
    return (
        Pool(
            profile=profile_ids,
            user=users,
            home_agency=homes,
            store_item=store,
            store_file=store_file,
            index=np.arange(size, dtype=np.int64),
            names=_Names(),
        ),
        len(missing),
    )


class _Names(Sequence[str]):
    """Applicant names computed from their index (:func:`.world.person_name`)."""

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return person_name(int(index))

    def __len__(self) -> int:  # pragma: no cover - never asked
        return 0


# ----------------------------------------------------------------------------- counters
def _counters(first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], int]:
    rows = DossierCodeCounter.objects.filter(day__gte=first, day__lte=last + dt.timedelta(days=30))
    return {(r.agency_id, r.day): r.last_value for r in rows}


def _counters_upsert(values: dict[tuple[int, dt.date], int]) -> None:
    if not values:
        return
    table = connection.ops.quote_name(DossierCodeCounter._meta.db_table)
    bigger = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (agency_id, day, last_value) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (agency_id, day) DO UPDATE SET last_value = "
            f"{bigger}({table}.last_value, excluded.last_value)",
            [
                (agency, connection.ops.adapt_datefield_value(day), value)
                for (agency, day), value in values.items()
            ],
        )


# ----------------------------------------------------------------------------- due hints
def _due_hints(world: World, sk: Skeleton, idx: np.ndarray[Any, Any]) -> dict[int, dt.datetime]:
    """The due instant at reception of the chunk's dossiers, computed at once with
    :func:`motcua.workcal.bulk_due` (it equals ``compute_deadline`` without pauses)."""
    from motcua.workcal import UNIT_CODES, Unit

    out: dict[int, dt.datetime] = {}
    groups: dict[tuple[Any, bool], list[int]] = {}
    for i in idx.tolist():
        if not sk.sequence[i]:
            continue
        v = world.versions[int(sk.version[i])]
        if not v.has_limit:
            continue
        oh = world.points[int(sk.point[i])].oh
        groups.setdefault((oh, v.cutoff_applies), []).append(i)
    for (oh, cutoff), members in groups.items():
        rows = np.asarray(members, dtype=np.int64)
        versions = [world.versions[int(sk.version[i])] for i in members]
        limits = np.asarray([v.time_limit_value or 0 for v in versions], dtype=np.int64)
        units = np.asarray([UNIT_CODES[Unit(v.time_limit_unit)] for v in versions], dtype=np.int8)
        dues = bulk_due(
            sk.received[rows], limits, units, world.calendar, office_hours=oh, cutoff=cutoff
        )
        for i, due in zip(members, dues.tolist(), strict=True):
            out[i] = dt.datetime.fromtimestamp(due, tz=VN_TZ)
    return out


# ----------------------------------------------------------------------------- run
@dataclass
class RunResult:
    summary: Summary
    acts: list[Act]
    rows: dict[type[models.Model], list[dict[str, Any]]]


@dataclass
class _RunState:
    """What building a chunk needs (inherited by the builder processes when forked)."""

    world: World
    people: People
    profile: WorkloadProfile
    sk: Skeleton
    horizon: dt.datetime
    seed: int
    offset: int
    now: dt.datetime
    full_history: bool
    record: bool
    use_due_hints: bool
    dossiers: int
    result_files: tuple[int, ...]
    result_items: dict[tuple[int, str], int]


@dataclass
class _Chunk:
    """One chunk's rows (primary keys local to the chunk: −1, −2, …), its code counters, its
    part of the summary and its recorded acts."""

    number: int
    last: int
    rows: dict[str, list[dict[str, Any]]]
    counters: dict[tuple[int, dt.date], int]
    summary: Summary
    acts: list[Act]


_MODEL_BY_LABEL = {m._meta.label: m for m in CHUNK_MODELS}
#: Ids of rows created in the chunk that audit events name in their data.
_AUDIT_DATA_IDS: tuple[tuple[str, type[models.Model]], ...] = (
    ("mandate", Mandate),
    ("result", ElectronicResult),
)


def _local_ids() -> Callable[[type[models.Model]], int]:
    """Primary keys of the rows a chunk creates: −1, −2, … per table (so that a reference to a
    row created in the chunk, negative, is told from one to an existing row)."""
    last: Counter[str] = Counter()

    def next_id(model: type[models.Model]) -> int:
        last[model._meta.db_table] -= 1
        return last[model._meta.db_table]

    return next_id


def _build_chunk(state: _RunState, chunk: int) -> _Chunk:
    start = chunk * CHUNK
    idx = np.arange(start, min(state.dossiers, start + CHUNK), dtype=np.int64)
    rng = np.random.default_rng([state.seed, chunk + 1])
    uniforms = rng.random((idx.shape[0], UNIFORMS_PER_DOSSIER))
    world, sk = state.world, state.sk
    hints = _due_hints(world, sk, idx) if state.use_due_hints else {}
    batch = Batch(_local_ids())
    ctx = Context(
        world=world,
        batch=batch,
        now=state.now,
        full_history=state.full_history,
        record=state.record,
        result_files=state.result_files,
        result_items=state.result_items,  # the same counts for every chunk of this process
    )
    summary = Summary()
    for k, i in enumerate(idx.tolist()):
        number = (state.offset + i) * _REF_MULTIPLIER % (1 << 40)
        b = DossierBuilder(ctx, i, world.versions[int(sk.version[i])], f"{number:010X}")
        play(
            b, sk, i, state.people, state.profile, uniforms[k].tolist(), state.horizon,
            hints.get(i),
        )  # fmt: skip
        b.close()
        summary.add(b)
    summary.ratings += len(batch.rows[DossierRating])
    summary.reused += len(
        {r["dossier_id"] for r in batch.rows[DossierDocument] if r["store_item_id"]}
    )
    rows = {m._meta.label: batch.rows.get(m, []) for m in CHUNK_MODELS}
    for label, chunk_rows in rows.items():
        summary.rows[label] += len(chunk_rows)
    return _Chunk(chunk, int(idx[-1]) + 1, rows, ctx.counters, summary, batch.acts)


#: For each chunk table, its foreign keys to chunk tables: (attname, target table).
def _chunk_links() -> dict[type[models.Model], list[tuple[str, str]]]:
    tables = {m._meta.db_table for m in CHUNK_MODELS}
    links: dict[type[models.Model], list[tuple[str, str]]] = {}
    for m in CHUNK_MODELS:
        links[m] = [
            (f.attname, f.related_model._meta.db_table)
            for f in m._meta.concrete_fields
            if f.is_relation
            and f.related_model is not None
            and not isinstance(f.related_model, str)
            and f.related_model._meta.db_table in tables
        ]
    return links


def _remap(chunk: _Chunk, bases: dict[str, int]) -> dict[type[models.Model], list[dict[str, Any]]]:
    """The chunk's rows with their final primary keys: the table's base + the local number
    (references to rows the chunk created follow; references to existing rows stay)."""
    links = _chunk_links()
    object_bases = {m._meta.label_lower: bases[m._meta.db_table] for m in CHUNK_MODELS}
    out: dict[type[models.Model], list[dict[str, Any]]] = {}
    for label, rows in chunk.rows.items():
        model = _MODEL_BY_LABEL[label]
        base = bases[model._meta.db_table]
        fks = [(name, bases[target]) for name, target in links[model]]
        for row in rows:
            row["id"] = base - row["id"]
            for name, offset in fks:
                value = row.get(name)
                if value is not None and value < 0:
                    row[name] = offset - value
        if model is AuditEvent:
            in_data = [(name, bases[m._meta.db_table]) for name, m in _AUDIT_DATA_IDS]
            for row in rows:
                target = object_bases.get(row["object_type"])
                local = int(row["object_id"]) if target is not None else 0
                if target is not None and local < 0:
                    row["object_id"] = str(target - local)
                data = row["data"]
                for name, data_base in in_data:
                    value = data.get(name)
                    if isinstance(value, int) and value < 0:
                        data[name] = data_base - value
        out[model] = rows
    return out


def _write_chunk(writer: Any, chunk: _Chunk, seen: set[tuple[int, int, str]]) -> None:
    # chunks built in parallel processes do not see each other's result entries: an entry
    # already in a store (same owner, file and title) is kept once, as get_or_create would
    items = chunk.rows.get(StoreItem._meta.label, [])
    kept = []
    for row in items:
        key = (row["owner_id"], row["file_id"], row["doc_type"])
        if row["source"] == StoreItem.Source.RESULT and key in seen:
            continue
        seen.add(key)
        kept.append(row)
    if len(kept) != len(items):
        chunk.rows[StoreItem._meta.label] = kept
        chunk.summary.rows[StoreItem._meta.label] -= len(items) - len(kept)
    with transaction.atomic():
        pool = writer.lock_and_pool(CHUNK_MODELS)
        bases = pool.bases()
        rows = _remap(chunk, bases)
        for model in CHUNK_MODELS:
            writer.insert(model, rows.get(model, []))
        writer.references_check({m: bases[m._meta.db_table] for m in CHUNK_MODELS if rows.get(m)})
        _counters_upsert(chunk.counters)
        writer.advance_to(
            {
                m._meta.db_table: bases[m._meta.db_table] + len(rows[m])
                for m in CHUNK_MODELS
                if rows.get(m)
            }
        )


_STATE: _RunState | None = None


def _worker_chunk(chunk: int) -> _Chunk:
    """In a builder process: the chunk from the state inherited at the fork."""
    if _STATE is None:  # pragma: no cover - set before the processes are forked
        raise RuntimeError("no simulation state in this process")
    return _build_chunk(_STATE, chunk)


def _chunks_built(state: _RunState, jobs: int) -> Iterator[_Chunk]:
    """The chunks in order: built here (``jobs`` = 0) or by ``jobs`` forked processes while
    this one writes (a few chunks ahead, never more)."""
    count = (state.dossiers + CHUNK - 1) // CHUNK
    if jobs <= 0 or count == 1:
        for chunk in range(count):
            yield _build_chunk(state, chunk)
        return
    global _STATE
    _STATE = state
    # The builders never touch the database: they inherit this process's open connection but
    # neither use nor close it (a forked multiprocessing child ends with os._exit).
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as executor:
            ahead: deque[Future[_Chunk]] = deque()
            submitted = 0
            while submitted < count or ahead:
                while submitted < count and len(ahead) < 2 * jobs:
                    ahead.append(executor.submit(_worker_chunk, submitted))
                    submitted += 1
                yield ahead.popleft().result()
    finally:
        _STATE = None


def simulate(
    *,
    dossiers: int,
    first: dt.date,
    last: dt.date,
    seed: int = 0,
    profile: WorkloadProfile = DEFAULT_PROFILE,
    horizon: dt.datetime | None = None,
    full_history: bool = False,
    write: bool = True,
    record: bool = False,
    use_due_hints: bool = True,
    jobs: int = 0,
    defer_indexes: bool | None = None,
    progress: Progress = _quiet,
    pool_progress: Progress = _quiet,
    index_progress: Callable[[str], None] | None = None,
) -> RunResult:
    """Simulate ``dossiers`` dossiers submitted from ``first`` to ``last`` (local days).

    ``jobs``: processes that build the chunks while this one writes them (0: build here).
    ``defer_indexes``: on PostgreSQL, drop the written tables' secondary indexes for the load
    and re-create them at its end (:mod:`motcua.simulate.indexes`); ``None`` (the default)
    does so when the run at least doubles the dossier table and adds 100,000 dossiers or more.
    ``write=False`` builds the rows without writing them and returns them with the scenario's
    service calls (``record``): what the equivalence test compares with the services.
    """
    from .writer import Writer

    started = time.perf_counter()
    if dossiers < 1:
        raise SimulationError("--dossiers phải lớn hơn 0.", "--dossiers must be at least 1.")
    if last < first:
        raise SimulationError(
            "--to phải không sớm hơn --from.", "--to must not be earlier than --from."
        )
    now = dt.datetime.now(tz=dt.UTC)
    horizon = min(horizon or now, now)
    world = world_load(profile)
    if not world.versions:
        raise SimulationError(
            "danh mục không có thủ tục nào dùng được cho mô phỏng.",
            "the catalogue has no procedure the simulator can use.",
        )
    writer = Writer()
    sim_file = sim_file_ensure()
    result_files = sim_result_files_ensure()
    staff = staff_ensure(world)
    agents = agents_ensure(world)
    deferral = _IndexDeferral(write and _defer_wanted(defer_indexes, dossiers), index_progress)
    with deferral:
        size = max(2, round(dossiers * profile.applicants_per_dossier))
        pool, created = pool_ensure(world, profile, size, writer, sim_file, pool_progress)
        people = People(staff=staff, agents=agents, pool=pool, sim_file=sim_file)
        sk = skeleton_build(
            world,
            profile,
            pool,
            n=dossiers,
            first=first,
            last=last,
            horizon=horizon,
            seed=seed,
            counters=_counters(first, last),
        )
        summary = Summary(
            applicants=size,
            applicants_created=created,
            skipped_days=sk.skipped_days,
            left_out=list(world.left_out),
            first=first,
            last=last,
            horizon=horizon,
        )
        state = _RunState(
            world=world,
            people=people,
            profile=profile,
            sk=sk,
            horizon=horizon,
            seed=seed,
            offset=Dossier.objects.filter(reference__startswith=SIM_REFERENCE_PREFIX).count(),
            now=writer.now,
            full_history=full_history,
            record=record,
            use_due_hints=use_due_hints,
            dossiers=dossiers,
            result_files=result_files,
            result_items=dict(
                Counter(
                    StoreItem.objects.filter(file_id__in=result_files).values_list(
                        "owner_id", "doc_type"
                    )
                )
            ),
        )
        all_acts: list[Act] = []
        all_rows: dict[type[models.Model], list[dict[str, Any]]] = {}
        kept: Counter[str] = Counter()
        seen_results = set(
            StoreItem.objects.filter(file_id__in=result_files).values_list(
                "owner_id", "file_id", "doc_type"
            )
        )
        for chunk in _chunks_built(state, jobs if write else 0):
            summary.merge(chunk.summary)
            if write:
                _write_chunk(writer, chunk, seen_results)
            else:
                # unwritten rows keep ids unique across chunks (as if written one after another)
                rows = _remap(
                    chunk, {m._meta.db_table: kept[m._meta.db_table] for m in CHUNK_MODELS}
                )
                for model, model_rows in rows.items():
                    kept[model._meta.db_table] += len(model_rows)
                    all_rows.setdefault(model, []).extend(model_rows)
                all_acts.extend(chunk.acts)
            progress(chunk.last, dossiers)
    summary.indexes_deferred = len(deferral.dropped)
    summary.indexes_seconds = deferral.seconds
    if write:
        summary.rollups = _rollups_rebuild()
        _statistics_refresh()
    summary.seconds = time.perf_counter() - started
    return RunResult(summary, all_acts, all_rows)


def _defer_wanted(asked: bool | None, dossiers: int) -> bool:
    """Whether this run sets the secondary indexes aside (see :func:`simulate`)."""
    if connection.vendor != "postgresql":
        return False
    if asked is not None:
        return asked
    return dossiers >= max(100_000, Dossier.objects.count())


class _IndexDeferral:
    """Around the load: re-create what an interrupted run set aside, set the chunk tables'
    secondary indexes aside when asked, and re-create them at the end, also when the load
    fails (what cannot be re-created then stays listed for the next run)."""

    def __init__(self, wanted: bool, progress: Callable[[str], None] | None) -> None:
        self.wanted = wanted
        self.progress = progress
        self.dropped: list[str] = []
        self.seconds = 0.0

    def __enter__(self) -> _IndexDeferral:
        from .indexes import indexes_defer, indexes_restore

        if connection.vendor == "postgresql":
            indexes_restore(self.progress)
        if self.wanted:
            self.dropped = indexes_defer(m._meta.db_table for m in CHUNK_MODELS)
        return self

    def __exit__(self, *exc: object) -> None:
        from .indexes import indexes_restore

        if self.dropped:
            started = time.perf_counter()
            indexes_restore(self.progress)
            self.seconds = time.perf_counter() - started


def _rollups_rebuild() -> str:
    """Rebuild the indicator rollups when that module exists (see docs/simulator.md); says
    what happened ("rebuilt", "absent", or the error — the dossiers stay written)."""
    try:
        from motcua.indicators import rollups
    except ImportError:
        return "absent"
    rebuild = getattr(rollups, "rollups_rebuild", None)
    if rebuild is None:
        return "absent"
    try:
        with transaction.atomic():
            rebuild()
    except DatabaseError as exc:
        return f"failed ({type(exc).__name__}: {exc}); run: motcua indicators rollups --rebuild"
    return "rebuilt"


def _statistics_refresh() -> None:
    """On PostgreSQL, refresh the planner's statistics of the tables just filled (autovacuum
    would, minutes later: until then a list of a large agency may be planned as if its tables
    were empty)."""
    if connection.vendor != "postgresql":
        return
    from motcua.indicators.models import DailyRollup, DossierFact, MonthlyRollup

    quote = connection.ops.quote_name
    analysed: tuple[type[models.Model], ...] = (
        *CHUNK_MODELS,
        User,
        CitizenProfile,
        DossierFact,
        DailyRollup,
        MonthlyRollup,
    )
    tables = [m._meta.db_table for m in analysed]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(quote(t) for t in dict.fromkeys(tables)))


# ----------------------------------------------------------------------------- clear
def _in_clause(column: str, subquery: str) -> str:
    return f"{column} IN ({subquery})"


def simulation_clear() -> dict[str, int]:
    """Delete everything simulated runs created (dossiers with an ``S`` reference and every row
    that hangs on them, their portal and notice messages and audit rows, the simulated
    accounts, applicants, data-store entries, mandates and agents) and put the dossier-code
    counters back to the last number still used. One transaction. Returns rows deleted by table.
    """
    quote = connection.ops.quote_name
    deleted: dict[str, int] = {}
    dossier_table = quote(Dossier._meta.db_table)
    sim_dossiers = f"SELECT id FROM {dossier_table} WHERE reference LIKE '{SIM_REFERENCE_PREFIX}%%'"  # noqa: S608
    with transaction.atomic():
        touched = _touched_counters()
        with connection.cursor() as cursor:

            def run(model: type[models.Model], where: str, params: Sequence[Any] = ()) -> None:
                cursor.execute(
                    f"DELETE FROM {quote(model._meta.db_table)} WHERE {where}",  # noqa: S608
                    list(params),
                )
                deleted[model._meta.label] = deleted.get(model._meta.label, 0) + max(
                    cursor.rowcount, 0
                )

            # rows of other apps that point at simulated dossiers, then the dossiers' own
            for rel in Dossier._meta.get_fields(include_hidden=True):
                if not (rel.is_relation and rel.auto_created and not rel.concrete):
                    continue
                model = rel.related_model
                if not isinstance(model, type) or rel.many_to_many or model is Dossier:
                    continue
                column = quote(str(rel.field.column))  # type: ignore[union-attr]
                run(model, _in_clause(column, sim_dossiers))
            run(
                OutboxMessage,
                "topic IN (%s, %s) AND key LIKE %s",
                [NATIONAL_PORTAL_TOPIC, CITIZEN_NOTICE_TOPIC, f"{SIM_REFERENCE_PREFIX}%"],
            )
            run(
                AuditEvent,
                f"object_type = %s AND object_id IN (SELECT CAST(id AS {_text()}) FROM "  # noqa: S608
                f"{dossier_table} WHERE reference LIKE %s)",
                [Dossier._meta.label_lower, f"{SIM_REFERENCE_PREFIX}%"],
            )
            run(Dossier, "reference LIKE %s", [f"{SIM_REFERENCE_PREFIX}%"])
            sim_profiles = (
                f"SELECT id FROM {quote(CitizenProfile._meta.db_table)} "  # noqa: S608
                f"WHERE email LIKE '%%@{SIM_EMAIL_DOMAIN}'"
            )
            run(Mandate, f"grantor_id IN ({sim_profiles}) OR grantee_id IN ({sim_profiles})")
            run(StoreItem, f"owner_id IN ({sim_profiles})")
            run(CitizenProfile, "email LIKE %s", [f"%@{SIM_EMAIL_DOMAIN}"])
            sim_users = f"SELECT id FROM {quote(User._meta.db_table)} WHERE username LIKE %s"  # noqa: S608
            through = User.groups.through
            run(through, f"user_id IN ({sim_users})", [f"{SIM_PREFIX}%"])
            from motcua.people.models import ServiceAgent

            agents_through = ServiceAgent.accounts.through
            run(agents_through, f"user_id IN ({sim_users})", [f"{SIM_PREFIX}%"])
            run(ServiceAgent, "name LIKE %s", ["Đại lý dịch vụ công (mô phỏng)%"])
            run(AuditEvent, f"actor_id IN ({sim_users})", [f"{SIM_PREFIX}%"])
            run(User, "username LIKE %s", [f"{SIM_PREFIX}%"])
        deleted["dossier code counters reset"] = _counters_reset(touched)
    _rollups_rebuild()  # derived data: a failure leaves the rows deleted all the same
    return {k: v for k, v in deleted.items() if v}


def _text() -> str:
    return "TEXT" if connection.vendor == "sqlite" else "VARCHAR(100)"


def _touched_counters() -> set[tuple[int, dt.date]]:
    """(agency, day) of the codes of the simulated dossiers."""
    codes = Agency.objects.values_list("code", "pk")
    by_code = dict(codes)
    out: set[tuple[int, dt.date]] = set()
    seen: set[str] = set()
    for code in (
        Dossier.objects.filter(reference__startswith=SIM_REFERENCE_PREFIX, code__isnull=False)
        .values_list("code", flat=True)
        .iterator(chunk_size=50_000)
    ):
        if code is None:
            continue
        prefix = code.rsplit("-", 1)[0]
        if prefix in seen:
            continue
        seen.add(prefix)
        parsed = parse_code(code)
        agency = by_code.get(parsed.agency_code)
        if agency is not None:
            out.add((agency, parsed.day))
    return out


def _counters_reset(touched: set[tuple[int, dt.date]]) -> int:
    """Each touched counter back to the highest number a remaining dossier holds (deleted when
    none does)."""
    if not touched:
        return 0
    codes = {pk: code for code, pk in Agency.objects.values_list("code", "pk")}
    remaining: dict[tuple[int, dt.date], int] = {}
    days = {day for _agency, day in touched}
    for agency, code in (
        Dossier.objects.filter(code__isnull=False, received_at__isnull=False)
        .filter(
            Q(received_at__date__gte=min(days) - dt.timedelta(days=1))
            & Q(received_at__date__lte=max(days) + dt.timedelta(days=1))
        )
        .values_list("receiving_agency_id", "code")
    ):
        if code is None:
            continue
        parsed = parse_code(code)
        key = (agency, parsed.day)
        if key in touched and codes.get(agency) == parsed.agency_code:
            remaining[key] = max(remaining.get(key, 0), parsed.sequence)
    changed = 0
    for agency, day in touched:
        value = remaining.get((agency, day))
        qs = DossierCodeCounter.objects.filter(agency_id=agency, day=day)
        if value is None:
            changed += qs.delete()[0]
        else:
            changed += qs.update(last_value=value)
    return changed
