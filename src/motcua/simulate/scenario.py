"""What happens to each simulated dossier, and when (seeded, deterministic).

Two stages:

1. :func:`skeleton_build` decides, for all dossiers at once (numpy), what fixes the order of
   receptions: channel, day and instant of submission, procedure version, applicant, where it
   is received and who is competent, a supplement asked before reception, a refusal to
   receive, and the reception instant. The dossier codes' sequence numbers follow from it, per
   receiving agency and reception day, in reception order — as the services would number them
   if the dossiers had been received one after the other in real time.
2. :func:`play` takes one dossier through the rest of its lifecycle by calling the
   :class:`~.builder.DossierBuilder` methods (the same calls :mod:`.drive` makes on the
   services): processing steps on the time budgets of its plan, a supplement during processing
   (the limit restarts), pauses for financial obligations, refusals after appraisal, the late
   few with their apology, the result returned, the citizen's rating. Nothing happens after the
   horizon (now, by default): dossiers still open then stay in their state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from motcua.dossiers.states import State
from motcua.org.roles import Role
from motcua.workcal import OfficeHours
from motcua.workcal.types import VN_TZ

from .builder import DocItem, DossierBuilder
from .profile import WorkloadProfile
from .world import COMMUNE, Actor, AgentInfo, Staff, VersionInfo, World

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

_SHIFT = 7 * 3600
_DAY = 86_400
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
DIRECT, ONLINE, POST = 1, 2, 3
MINUTE = 60
HOUR = 3600


class SimulationError(ValueError):
    """The run cannot be simulated as asked: one sentence in Vietnamese and in English."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


# ----------------------------------------------------------------------------- the pool
@dataclass
class Pool:
    """The applicants: profile, account, home commune's People's Committee, data-store entry
    (0: none) and the index that names them (:func:`.world.person`)."""

    profile: I64
    user: I64
    home_agency: I64
    store_item: I64
    store_file: I64
    index: I64
    names: Sequence[str]

    @property
    def size(self) -> int:
        return int(self.profile.shape[0])


# ----------------------------------------------------------------------------- skeleton
@dataclass
class Skeleton:
    """Per dossier (arrays of length n, sorted by submission instant)."""

    channel: npt.NDArray[np.int8]
    version: npt.NDArray[np.int32]
    applicant: npt.NDArray[np.int32]
    competent: I64
    receiving: I64
    point: I64  # the reception point (for online dossiers, the receiver's point)
    submitted: I64  # epoch seconds (UTC)
    intake_request: I64  # 0: no supplement before reception
    intake_supplement: I64
    refused: Bool
    received: I64  # the reception (or refusal) instant
    sequence: I64  # the code's number; 0 when not received before the horizon
    skipped_days: int

    @property
    def size(self) -> int:
        return int(self.submitted.shape[0])


def _sessions(oh: OfficeHours) -> tuple[I64, I64, I64]:
    starts, ends, before = oh.session_bounds_us()
    return (
        np.asarray([s // 1_000_000 for s in starts], dtype=np.int64),
        np.asarray([e // 1_000_000 for e in ends], dtype=np.int64),
        np.asarray([b // 1_000_000 for b in before], dtype=np.int64),
    )


def _office_second(oh: OfficeHours, position: I64) -> I64:
    """Second of the day at which ``position`` seconds of office time have passed."""
    starts, ends, before = _sessions(oh)
    cum_end = before + (ends - starts)
    k = np.searchsorted(cum_end, position, side="right")
    k = np.minimum(k, starts.shape[0] - 1)
    result: I64 = starts[k] + position - before[k]
    return result


def _elapsed(oh: OfficeHours, second: I64) -> I64:
    starts, ends, _before = _sessions(oh)
    total = np.zeros_like(second)
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        total += np.clip(second - s, 0, e - s)
    return total


class _Days:
    """Working-day tables of the calendar, in epoch days (local)."""

    def __init__(self, world: World) -> None:
        day0, flags, wd, ranks = world.calendar.raw_tables()
        self.day0 = day0 - _EPOCH_ORDINAL
        self.working = np.frombuffer(flags, dtype=np.uint8).astype(np.bool_)
        self.rank = np.asarray(ranks, dtype=np.int64)
        self.wd = np.asarray(wd, dtype=np.int64) - _EPOCH_ORDINAL

    def is_working(self, day: I64) -> Bool:
        result: Bool = self.working[day - self.day0]
        return result

    def next_working(self, day: I64, *, include: bool) -> I64:
        offset = day - self.day0 + (0 if include else 1)
        result: I64 = self.wd[self.rank[offset]]
        return result


def _online_reception(days: _Days, oh: OfficeHours, t: I64, rng: np.random.Generator) -> I64:
    """When a receiver takes an online dossier (or its supplement) in: the same office day
    if it arrived early enough, else the next working day, a few office minutes later."""
    local = t + _SHIFT
    day = local // _DAY
    second = local - day * _DAY
    daily = int(oh.daily.total_seconds())
    same = days.is_working(day) & (_elapsed(oh, second) < daily - 1800)
    base_day = np.where(same, day, days.next_working(day, include=False))
    start = np.where(same, _elapsed(oh, second), 0)
    delay = rng.integers(5 * MINUTE, 3 * HOUR, size=t.shape[0])
    position = np.minimum(start + delay, daily - 60)
    result: I64 = base_day * _DAY + _office_second(oh, position) - _SHIFT
    return np.maximum(result, t + 60)


def _office_instant(days: _Days, oh: OfficeHours, day: I64, rng: np.random.Generator) -> I64:
    """A uniformly drawn office instant of (working) ``day`` (not in its last 15 minutes)."""
    daily = int(oh.daily.total_seconds())
    position = np.asarray(rng.integers(0, daily - 900, size=day.shape[0]), dtype=np.int64)
    result: I64 = day * _DAY + _office_second(oh, position) - _SHIFT
    return result


def skeleton_build(
    world: World,
    profile: WorkloadProfile,
    pool: Pool,
    *,
    n: int,
    first: dt.date,
    last: dt.date,
    horizon: dt.datetime,
    seed: int,
    counters: dict[tuple[int, dt.date], int],
) -> Skeleton:
    rng = np.random.default_rng([seed, 0])
    days = _Days(world)
    horizon_s = int(horizon.timestamp())
    horizon_day = (horizon_s + _SHIFT) // _DAY
    first_day = first.toordinal() - _EPOCH_ORDINAL
    last_day = min(last.toordinal() - _EPOCH_ORDINAL, horizon_day)
    if last_day < first_day:
        raise SimulationError(
            "khoảng thời gian không có ngày nào trước hiện tại.",
            "the period has no day before now.",
        )
    all_days = np.arange(first_day, last_day + 1, dtype=np.int64)
    versions = world.versions
    # which versions are in force on each day
    in_force = np.zeros((all_days.shape[0], len(versions)), dtype=np.bool_)
    for j, v in enumerate(versions):
        lo = v.effective_from.toordinal() - _EPOCH_ORDINAL
        hi = (v.effective_to.toordinal() - _EPOCH_ORDINAL) if v.effective_to else 1 << 40
        in_force[:, j] = (all_days >= lo) & (all_days < hi)
    usable = in_force.any(axis=1)
    skipped = int((~usable).sum())
    online_ok = np.asarray([v.online for v in versions], dtype=np.bool_)
    weights = np.asarray([v.weight for v in versions], dtype=np.float64)
    working = days.is_working(all_days)
    counter_days = usable & working
    online_days = usable & (in_force & online_ok).any(axis=1)
    if not counter_days.any() and not online_days.any():
        raise SimulationError(
            "không có thủ tục nào có hiệu lực trong khoảng thời gian đã chọn.",
            "no procedure is in force in the chosen period.",
        )
    # channels
    u = rng.random(n)
    channel = np.full(n, DIRECT, dtype=np.int8)
    channel[u < profile.online_share] = ONLINE
    channel[(u >= profile.online_share) & (u < profile.online_share + profile.post_share)] = POST
    if not online_days.any():
        channel[:] = DIRECT
    if not counter_days.any():
        channel[:] = ONLINE
    online = channel == ONLINE
    # days
    day_idx = np.empty(n, dtype=np.int64)
    cw = counter_days.astype(np.float64)
    ow = np.where(working, 1.0, profile.weekend_online_weight) * online_days
    for mask, w in ((~online, cw), (online, ow)):
        count = int(mask.sum())
        if count:
            day_idx[mask] = rng.choice(all_days.shape[0], size=count, p=w / w.sum())
    # versions, per group of days with the same versions in force
    version = np.empty(n, dtype=np.int32)
    keys = [tuple(int(j) for j in np.flatnonzero(row)) for row in in_force]
    key_ids: dict[tuple[int, ...], int] = {}
    day_key = np.asarray([key_ids.setdefault(k, len(key_ids)) for k in keys], dtype=np.int64)
    dossier_key = day_key[day_idx]
    for key, kid in key_ids.items():
        members = np.asarray(key, dtype=np.int64)
        for want_online in (False, True):
            mask = (dossier_key == kid) & (online == want_online)
            count = int(mask.sum())
            if not count:
                continue
            choice = members[online_ok[members]] if want_online else members
            w = weights[choice]
            version[mask] = choice[rng.choice(choice.shape[0], size=count, p=w / w.sum())]
    # applicants and places
    applicant = rng.integers(0, pool.size, size=n).astype(np.int32)
    level = np.asarray([v.level == COMMUNE for v in versions], dtype=np.bool_)[version]
    city_comp = np.asarray([v.city_competent_id or 0 for v in versions], dtype=np.int64)[version]
    home = pool.home_agency[applicant]
    communes = np.asarray(sorted(world.commune_agency_by_unit.values()), dtype=np.int64)
    elsewhere = (~online) & (rng.random(n) < profile.other_commune_share)
    other = communes[rng.integers(0, communes.shape[0], size=n)]
    competent = np.where(level, home, city_comp)
    receiving = np.where(level, np.where(elsewhere, other, home), world.center_id)
    first_point = world.first_point_by_agency
    counter_points = np.asarray(world.center_counter_points, dtype=np.int64)
    point = np.where(
        level,
        np.asarray([first_point.get(a, 0) for a in receiving.tolist()], dtype=np.int64)
        if n
        else np.zeros(0, dtype=np.int64),
        np.where(
            online,
            world.center_online_point,
            counter_points[rng.integers(0, counter_points.shape[0], size=n)],
        ),
    )
    # instants: by office hours of the reception point
    submitted = np.empty(n, dtype=np.int64)
    received = np.empty(n, dtype=np.int64)
    intake_request = np.zeros(n, dtype=np.int64)
    intake_supplement = np.zeros(n, dtype=np.int64)
    day = all_days[day_idx]
    isup = rng.random(n) < profile.intake_supplement_rate
    refused = rng.random(n) < profile.intake_refusal_rate
    by_hours: dict[OfficeHours, list[int]] = {}
    for i, p in enumerate(point.tolist()):
        by_hours.setdefault(world.points[p].oh, []).append(i)
    for oh, members_list in by_hours.items():
        idx = np.asarray(members_list, dtype=np.int64)
        on = online[idx]
        # submission
        diurnal = np.where(
            rng.random(idx.shape[0]) < 0.85,
            rng.integers(7 * HOUR, 22 * HOUR, size=idx.shape[0]),
            rng.integers(0, _DAY, size=idx.shape[0]),
        )
        sub = np.where(
            on,
            day[idx] * _DAY + diurnal - _SHIFT,
            _office_instant(days, oh, day[idx], rng),
        )
        # a submission drawn after the horizon on the horizon's day: earlier that day
        late = sub > horizon_s
        if late.any():
            start = day[idx] * _DAY - _SHIFT
            span = np.maximum(horizon_s - start, 1)
            sub = np.where(late, start + (rng.random(idx.shape[0]) * span).astype(np.int64), sub)
        submitted[idx] = sub
        # the would-be reception
        first_rec = np.where(
            on,
            _online_reception(days, oh, sub, rng),
            sub + rng.integers(2 * MINUTE, 15 * MINUTE, size=idx.shape[0]),
        )
        # a supplement asked before reception: the citizen comes back (or uploads) later
        back_day = (first_rec + _SHIFT) // _DAY + rng.integers(1, 8, size=idx.shape[0])
        back_day = days.next_working(back_day, include=True)
        back = np.where(
            on,
            first_rec + rng.integers(12 * HOUR, 5 * _DAY, size=idx.shape[0]),
            _office_instant(days, oh, back_day, rng),
        )
        back = np.maximum(back, first_rec + 60)
        second_rec = np.where(
            on,
            _online_reception(days, oh, back, rng),
            back + rng.integers(2 * MINUTE, 15 * MINUTE, size=idx.shape[0]),
        )
        s = isup[idx]
        intake_request[idx] = np.where(s, first_rec, 0)
        intake_supplement[idx] = np.where(s, back, 0)
        received[idx] = np.where(s, second_rec, first_rec)
    # the order of the run: by submission
    order = np.argsort(submitted, kind="stable")
    channel, version, applicant = channel[order], version[order], applicant[order]
    competent, receiving, point = competent[order], receiving[order], point[order]
    submitted, received = submitted[order], received[order]
    intake_request, intake_supplement = intake_request[order], intake_supplement[order]
    refused, isup = refused[order], isup[order]
    # sequence numbers: per receiving agency and reception day, in reception order
    gets_code = (~refused) & (received <= horizon_s) & ((intake_supplement <= horizon_s) | ~isup)
    sequence = np.zeros(n, dtype=np.int64)
    idx = np.flatnonzero(gets_code)
    if idx.size:
        rday = (received[idx] + _SHIFT) // _DAY
        agency = receiving[idx]
        by = np.lexsort((idx, received[idx], rday, agency))
        a_sorted, d_sorted = agency[by], rday[by]
        new_group = np.ones(by.shape[0], dtype=np.bool_)
        new_group[1:] = (a_sorted[1:] != a_sorted[:-1]) | (d_sorted[1:] != d_sorted[:-1])
        starts = np.flatnonzero(new_group)
        group_of = np.cumsum(new_group) - 1
        position = np.arange(by.shape[0]) - starts[group_of]
        base = np.asarray(
            [
                counters.get(
                    (int(a_sorted[s]), dt.date.fromordinal(int(d_sorted[s]) + _EPOCH_ORDINAL)),
                    0,
                )
                for s in starts.tolist()
            ],
            dtype=np.int64,
        )
        sequence[idx[by]] = base[group_of] + position + 1
        top = int(sequence.max())
        if top >= 10_000:
            raise SimulationError(
                f"một cơ quan phải tiếp nhận {top} hồ sơ trong một ngày, quá 9.999 số của mã "
                "hồ sơ; giảm --dossiers hoặc kéo dài khoảng thời gian.",
                f"one agency would receive {top} dossiers in one day, more than the 9,999 "
                "numbers of the dossier code; lower --dossiers or widen the period.",
            )
    return Skeleton(
        channel=channel,
        version=version,
        applicant=applicant,
        competent=competent,
        receiving=receiving,
        point=point,
        submitted=submitted,
        intake_request=intake_request,
        intake_supplement=intake_supplement,
        refused=refused,
        received=received,
        sequence=sequence,
        skipped_days=skipped,
    )


# ----------------------------------------------------------------------------- play
INTAKE_ITEMS = ["Bản sao giấy tờ chứng minh nơi cư trú", "Tờ khai ghi đủ thông tin"]
INTAKE_REASON = "Hồ sơ chưa đầy đủ thành phần theo quy định."
PROCESSING_ITEMS = ["Giấy tờ bổ sung theo yêu cầu của cơ quan thẩm định"]
PROCESSING_REASON = "Cần bổ sung giấy tờ để thẩm định."
INTAKE_REFUSAL = "Hồ sơ không thuộc thẩm quyền giải quyết hoặc không đủ điều kiện tiếp nhận."
PROCESSING_REFUSAL = "Không đủ điều kiện theo quy định sau khi thẩm định."
FINANCIAL_REASON = "Thông báo nộp phí, lệ phí và nghĩa vụ tài chính."
VERIFICATION_REASON = "Xác minh thông tin theo đề nghị của người nộp hồ sơ."
APOLOGY_REASON = "Hồ sơ cần xác minh thêm với cơ quan liên quan nên chưa trả kết quả đúng hẹn."
FORM_NAME = "Tờ khai theo mẫu"
ID_COPY_NAME = "Bản sao thẻ căn cước"
REPRESENTATIVE_NAMES = ("Nguyễn Văn Hòa", "Trần Thị Lan", "Lê Minh Tuấn", "Phạm Thu Hà")


@dataclass
class People:
    staff: Staff
    agents: list[AgentInfo]
    pool: Pool
    sim_file: int


def _dt(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def _documents(
    version: VersionInfo,
    *,
    online: bool,
    sim_file: int,
    store: tuple[int, int] | None,
    scanned: bool = False,
) -> list[DocItem]:
    """The components handed in: the listed required ones, else a form and an identity copy.
    Online: electronic copies (one possibly taken from the data store: ``store`` =
    (entry, its file)). At the counter: paper, with the receiver's scan when ``scanned``."""
    scan = sim_file if scanned else None
    listed = [d for d in version.documents if not d.optional]
    items: list[DocItem] = []
    if listed:
        for k, doc in enumerate(listed):
            if online:
                reuse = store is not None and k == len(listed) - 1
                items.append(
                    DocItem(
                        required_document_id=doc.id,
                        copy_kind="electronic",
                        count=1,
                        stored_file_id=store[1] if reuse and store else sim_file,
                        store_item_id=store[0] if reuse and store else None,
                    )
                )
            else:
                items.append(
                    DocItem(
                        required_document_id=doc.id,
                        copy_kind=doc.copy_kind,
                        count=doc.count,
                        stored_file_id=scan,
                    )
                )
        return items
    if online:
        return [
            DocItem(name=FORM_NAME, copy_kind="electronic", stored_file_id=sim_file),
            DocItem(
                name=ID_COPY_NAME,
                copy_kind="electronic",
                stored_file_id=store[1] if store else sim_file,
                store_item_id=store[0] if store else None,
            ),
        ]
    return [
        DocItem(name=FORM_NAME, copy_kind="original", stored_file_id=scan),
        DocItem(name=ID_COPY_NAME, copy_kind="copy", stored_file_id=scan),
    ]


class _Uniforms:
    def __init__(self, values: list[float]) -> None:
        self._it: Iterator[float] = iter(values)

    def __call__(self) -> float:
        return next(self._it)

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self()

    def chance(self, p: float) -> bool:
        return self() < p


#: Uniform numbers drawn per dossier (more than any path uses).
UNIFORMS_PER_DOSSIER = 48


def play(
    b: DossierBuilder,
    sk: Skeleton,
    i: int,
    people: People,
    profile: WorkloadProfile,
    uniforms: list[float],
    horizon: dt.datetime,
    due_hint: dt.datetime | None = None,
) -> None:
    """Dossier ``i`` of the skeleton through its lifecycle, up to the horizon."""
    u = _Uniforms(uniforms)
    version = b.version
    world = b.ctx.world
    staff = people.staff
    pool = people.pool
    channel = int(sk.channel[i])
    applicant = int(sk.applicant[i])
    applicant_id = int(pool.profile[applicant])
    applicant_user = Actor(int(pool.user[applicant]), pool.names[applicant])
    competent = int(sk.competent[i])
    receiving = int(sk.receiving[i])
    point = int(sk.point[i])
    receiver = staff.receivers[point]
    t = _dt(int(sk.submitted[i]))
    store_item = int(pool.store_item[applicant])
    citizen = applicant_user  # who acts for the citizen afterwards (supplements)
    if channel == ONLINE:
        r = u()
        method = "electronic" if r < 0.75 else ("counter" if r < 0.9 else "post")
        reuse = store_item > 0 and u.chance(profile.reuse_share_online / profile.store_share)
        store = (store_item, int(pool.store_file[applicant])) if reuse else None
        docs = _documents(version, online=True, sim_file=people.sim_file, store=store)
        r = u()
        if r < profile.agent_share_online and people.agents:
            agent = people.agents[int(u() * len(people.agents)) % len(people.agents)]
            citizen = agent.account
            b.submit(
                t,
                agent.account,
                applicant_id=applicant_id,
                submitter_kind="agent",
                competent_id=competent,
                receiving_id=receiving,
                return_method=method,
                documents=docs,
                agent_id=agent.agent_id,
            )
        elif r < profile.agent_share_online + profile.mandate_share_online and pool.size > 1:
            other = (applicant + 1 + int(u() * (pool.size - 1))) % pool.size
            grantee = Actor(int(pool.user[other]), pool.names[other])
            since = t - dt.timedelta(days=1 + int(u() * 60))
            mandate = b.mandate(
                since, grantee, grantor_id=applicant_id, grantee_id=int(pool.profile[other])
            )
            citizen = grantee
            b.submit(
                t,
                grantee,
                applicant_id=applicant_id,
                submitter_kind="mandate",
                competent_id=competent,
                receiving_id=receiving,
                return_method=method,
                documents=docs,
                mandate_id=mandate,
            )
        else:
            b.submit(
                t,
                applicant_user,
                applicant_id=applicant_id,
                submitter_kind="self",
                competent_id=competent,
                receiving_id=receiving,
                return_method=method,
                documents=docs,
            )
    else:
        r = u()
        method = "counter" if r < 0.85 else ("post" if r < 0.95 else "electronic")
        representative = u.chance(profile.representative_share_counter)
        scanned = u.chance(profile.counter_digitized_share)
        citizen = receiver
        b.intake(
            t,
            receiver,
            applicant_id=applicant_id,
            applicant_name=pool.names[applicant],
            competent_id=competent,
            channel=channel,
            submitter_kind="representative" if representative else "self",
            submitter_name=REPRESENTATIVE_NAMES[int(u() * 4) % 4] if representative else "",
            return_method=method,
            documents=_documents(
                version, online=False, sim_file=people.sim_file, store=None, scanned=scanned
            ),
        )
    last = t

    def when(instant: dt.datetime) -> dt.datetime | None:
        """The instant of the next act (never before the last one), ``None`` after the
        horizon."""
        nonlocal last
        instant = max(instant, last + dt.timedelta(seconds=1))
        if instant > horizon:
            return None
        last = instant
        return instant

    if sk.intake_request[i]:
        at = when(_dt(int(sk.intake_request[i])))
        if at is None:
            return
        b.request_supplement(at, receiver, items=list(INTAKE_ITEMS), reason=INTAKE_REASON)
        at = when(_dt(int(sk.intake_supplement[i])))
        if at is None:
            return
        b.supplement(at, citizen)
    at = when(_dt(int(sk.received[i])))
    if at is None:
        return
    if sk.refused[i]:
        b.refuse(at, receiver, reasons=INTAKE_REFUSAL)
        return
    appointment = None
    if not version.has_limit:
        # no published limit: the receiver sets the appointment (same or a later day)
        k = 0 if u() < 0.6 else (1 if u() < 0.7 else 3)
        day = world.calendar.add_working_days(at.astimezone(VN_TZ).date(), k)
        appointment = dt.datetime.combine(
            day, world.points[b.d["reception_point_id"] or point].oh.closing, tzinfo=VN_TZ
        )
        if appointment <= at:
            day = world.calendar.add_working_days(day, 1)
            appointment = dt.datetime.combine(day, appointment.timetz())
    exact = at == _dt(int(sk.received[i]))
    b.receive(
        at,
        receiver,
        sequence=int(sk.sequence[i]),
        appointment_at=appointment,
        due_hint=due_hint if exact else None,
    )
    _process(b, people, profile, u, when, receiver, citizen, applicant_user, competent, method)


def _process(
    b: DossierBuilder,
    people: People,
    profile: WorkloadProfile,
    u: _Uniforms,
    when: Callable[[dt.datetime], dt.datetime | None],
    receiver: Actor,
    citizen: Actor,
    applicant_user: Actor,
    competent: int,
    method: str,
) -> None:
    staff = people.staff
    d = b.d
    received = d["received_at"]
    due = d["due_at"]
    total = max(b.office_seconds(received, due), 60.0)
    late = u.chance(profile.late_share)
    # the one-stop hands the dossier to the first step
    at = when(b.add_office(received, min(u.between(5 * MINUTE, 40 * MINUTE), 0.04 * total)))
    if at is None:
        return
    b.forward(at, receiver)
    steps = list(b.steps)
    supplement = u.chance(profile.processing_supplement_rate)
    financial = b.version.has_fee and u.chance(profile.financial_pause_rate)
    other_pause = u.chance(profile.other_pause_rate)
    refuse = u.chance(profile.processing_refusal_rate)
    apology = late and u.chance(profile.apology_share_of_late)
    apology_late = apology and u.chance(profile.late_apology_share)
    for k, step in enumerate(steps):
        actor = staff.by_role(step["role"], step["agency_id"])
        budget = step["budget_seconds"]
        if k == 0 and step["role"] != Role.APPROVER and supplement:
            ask = when(b.add_office(step["started_at"], u.between(10 * MINUTE, 0.2 * budget)))
            if ask is None:
                return
            if ask <= b.supplement_window_end():
                b.request_supplement(
                    ask, actor, items=list(PROCESSING_ITEMS), reason=PROCESSING_REASON
                )
                back = when(ask + dt.timedelta(seconds=u.between(HOUR, 10 * _DAY)))
                if back is None:
                    return
                b.supplement(back, citizen)
                due = d["due_at"]
                total = max(b.office_seconds(received, due), 60.0)
        if k == 0 and apology:
            _apologize(b, staff, u, when, competent, apology_late)
            if d["state"] != State.PROCESSING:
                return
        last_step = k == len(steps) - 1
        share = u.between(0.1, 0.9) if not late else u.between(0.5, 1.0)
        end = b.add_office(step["started_at"], share * budget)
        due = d["due_at"]
        if not late and end >= due:
            # the on-time majority: leave the rest of the steps some time before the due
            room = max(b.office_seconds(step["started_at"], due), 0.0)
            left = len(steps) - k
            end = b.add_office(step["started_at"], room * u.between(0.3, 0.8) / left)
        if late and last_step:
            end = b.add_office(due, u.between(10 * MINUTE, 3 * total / 4 + 3 * HOUR))
        if k == 0 and (financial or other_pause) and step["role"] != Role.APPROVER:
            kind = "financial_obligation" if financial else "citizen_verification"
            halt = when(end)
            if halt is None:
                return
            b.pause(
                halt,
                actor,
                kind=kind,
                reason=FINANCIAL_REASON if financial else VERIFICATION_REASON,
            )
            back = when(halt + dt.timedelta(seconds=u.between(2 * HOUR, 5 * _DAY)))
            if back is None:
                return
            b.resume(back, actor)
            end = b.add_office(back, u.between(5 * MINUTE, HOUR))
        at = when(end)
        if at is None:
            return
        if step["role"] == Role.APPROVER:
            if refuse and not late and last_step:
                b.refuse(at, actor, reasons=PROCESSING_REFUSAL)
                _return(b, at, receiver, method, when, u)
                return
            b.approve(at, actor)
        else:
            b.forward(at, actor)
    finisher = staff.processors[competent]
    gap = u.between(MINUTE, 30 * MINUTE)
    target = b.add_office(at, gap)
    limit = d["appointment_at"] or d["due_at"]
    if not late and target > limit and at < limit:
        target = at + (limit - at) / 2
    at = when(target)
    if at is None:
        return
    b.finish(at, finisher)
    if _return(b, at, receiver, method, when, u) and u.chance(profile.rating_share):
        rated = when(d["returned_at"] + dt.timedelta(seconds=u.between(HOUR, 3 * _DAY)))
        if rated is None:
            return
        b.rate(rated, applicant_user, scores=_scores(b, u))


def _apologize(
    b: DossierBuilder,
    staff: Staff,
    u: _Uniforms,
    when: Callable[[dt.datetime], dt.datetime | None],
    competent: int,
    issued_late: bool,
) -> None:
    d = b.d
    latest = b.apology_latest_timely()
    if issued_late:
        target = b.add_office(latest, u.between(10 * MINUTE, 4 * HOUR))
    else:
        start = d["last_event_at"]
        room = max(b.office_seconds(start, latest), 0.0)
        target = b.add_office(start, room * u.between(0.2, 0.9))
    at = when(target)
    if at is None:
        return
    cal = b.ctx.world.calendar
    day = cal.add_working_days(d["due_at"].astimezone(VN_TZ).date(), 2 + int(u() * 4))
    new = b.appointment_for(dt.datetime.combine(day, dt.time(12), tzinfo=VN_TZ))
    current = d["appointment_at"] or d["due_at"]
    if new <= current or new <= at:  # pragma: no cover - the day is after the due day
        return
    b.apologize(at, staff.approvers[competent], reason=APOLOGY_REASON, new_appointment_at=new)


def _return(
    b: DossierBuilder,
    at: dt.datetime,
    receiver: Actor,
    method: str,
    when: Callable[[dt.datetime], dt.datetime | None],
    u: _Uniforms,
) -> bool:
    """The result handed back; ``False`` if that is after the horizon."""
    if method == "electronic":
        target = at + dt.timedelta(seconds=u.between(MINUTE, 30 * MINUTE))
    elif method == "post":
        target = b.add_office(at, u.between(2 * HOUR, 16 * HOUR))
    else:
        target = b.add_office(at, u.between(10 * MINUTE, 5 * 8 * HOUR))
    returned = when(target)
    if returned is None:
        return False
    b.return_result(returned, receiver, method=method)
    return True


def _scores(b: DossierBuilder, u: _Uniforms) -> dict[int, int | None]:
    """The nine indices of Circular 01/2018 for one dossier (5, 8, 9 are rated for the unit,
    not per dossier: left unrated)."""
    d = b.d
    timely = {"early": 2, "on_time": 2, "late": 0}.get(d["outcome"], 1)
    steps_ok = all(s["outcome"] != "late" for s in b.steps)
    contacts = 1 if (b.requests or d["processing_supplements"]) else 2
    attitude = 2 if u() < 0.95 else (1 if u() < 0.8 else 0)
    published = 2 if u() < 0.97 else 1
    return {
        1: timely,
        2: 2 if steps_ok else 1,
        3: contacts,
        4: 2,
        5: None,
        6: published,
        7: attitude,
        8: None,
        9: None,
    }


__all__ = [
    "UNIFORMS_PER_DOSSIER",
    "People",
    "Pool",
    "SimulationError",
    "Skeleton",
    "play",
    "skeleton_build",
]
