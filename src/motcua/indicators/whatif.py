"""What-if re-scoring (``motcua whatif``): the city's reform questions on a period's real (or
simulated) dossiers, answered on a copy in memory — nothing is written.

    motcua whatif --period 2026-10 [--scope city | agency:CODE | commune:CODE | …]
                  (--delegate PROCEDURE_CODE:commune | --halve-step "STEP NAME") [--json]

* ``--delegate 1.012783:commune`` — "if procedure X were delegated to commune level": every
  dossier of X received in the period is settled by the People's Committee of the applicant's
  commune (the commune of the reception point when the applicant's is not recorded), received
  at that commune's one-stop when it was received at the Service Center, and processed on the
  commune's plan: its approved process for X, else the default plan sized on the legal limit
  (:func:`motcua.dossiers.clock.plan_steps`). The legal limit does not change, so the due
  instant is recomputed with the commune point's office hours (:mod:`motcua.workcal`); the
  steps get the plan's budgets over the same processing interval, and their due instants and
  timeliness are recomputed. Procedure X's versions in force lose their fixed competent agency
  (indicators 3.1–3.2 count them for no department any more).
* ``--halve-step "Thẩm định hồ sơ"`` — "if step Y's budget were halved": every step named Y
  (case and spaces ignored) gets half its budget: its due instant is recomputed from its start
  (``workcal.add_office_time``, as the services do) and its timeliness against its real end.
  The dossier's time limit is cut by the office time taken off, in whole units of the limit
  (working days, calendar days, hours: what a published time limit can be), and its due
  instant recomputed with the same pauses and cut-off (``workcal.compute_deadline``); the real
  instants stay, so a dossier that took longer than the new limit becomes late.

Before and after are counted by the same in-memory rules as
:func:`motcua.indicators.selectors.indicator_inputs` (a test checks they agree on the real
tables) and scored by :mod:`motcua.indicators.engine`. The core (:func:`apply_delegation`,
:func:`apply_halved_step`, :func:`count_inputs`, :func:`compare`) is framework-free; only
:func:`load` and :func:`whatif` read the database, and only read it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the deadline engine (and numpy) load when a what-if runs, not before
    from motcua.workcal import OfficeHours, TimeLimit, WorkingCalendar

from .engine import IndicatorInputError, MetricInput, score_card
from .engine import ruleset_for as indicator_ruleset_for

__all__ = [
    "Delegation",
    "DossierRow",
    "HalvedStep",
    "ScopeSets",
    "StepRow",
    "VersionRow",
    "add_parser",
    "apply_delegation",
    "apply_halved_step",
    "compare",
    "count_inputs",
    "load",
    "run",
    "whatif",
]

USAGE_ERROR = 2
#: A step is never given less office time (as :data:`motcua.dossiers.clock.MIN_STEP_SECONDS`;
#: repeated so that the core imports no Django).
MIN_STEP_SECONDS = 15 * 60
#: The indicators counted from the dossiers in memory (the rest are taken as they are).
MODELLED = (
    "PROGRESS_ON_TIME",
    "DOSSIER_SYNC",
    "REUSED_DIGITIZED_DATA",
    "SYNCED_WITH_DVCQG_PERSONAL_STORAGE",
    "ORIGINAL_RESULT_AVAILABLE",
    "SO_HOA_GIAY_TO_GIAI_QUYET",
    "ONLINE_SERVICE_PROVIDED",
    "ONLINE_SERVICE_USED",
    "ONLINE_DOSSIER_SHARE",
)


# ----------------------------------------------------------------------------- rows
@dataclass(frozen=True, slots=True)
class StepRow:
    order: int
    name: str
    role: str
    agency_id: int
    budget_seconds: int
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    outcome: str


@dataclass(frozen=True, slots=True)
class PauseRow:
    kind: str
    started_at: dt.datetime
    ended_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DossierRow:
    """What the indicators need of one dossier received in the period."""

    id: int
    version_id: int
    procedure_id: int
    channel: int
    received_at: dt.datetime
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    outcome: str
    forced_late: bool
    competent_id: int
    receiving_id: int
    point_id: int | None
    applicant_unit_id: int | None
    time_limit_value: int | None
    time_limit_unit: str
    cutoff_applies: bool
    synced: bool
    reused: bool
    result_in_store: bool
    result_document: bool
    electronic: bool
    files: bool
    steps: tuple[StepRow, ...] = ()
    pauses: tuple[PauseRow, ...] = ()


@dataclass(frozen=True, slots=True)
class VersionRow:
    id: int
    procedure_id: int
    code: str
    competent_id: int | None
    online_level: str
    sector_id: int


@dataclass(frozen=True, slots=True)
class ScopeSets:
    """A scope as sets of ids (see :func:`motcua.indicators.selectors.scope_dossiers`):
    a dossier is in scope when its competent or receiving agency is in ``agencies``, its
    reception point in ``points`` or its version in ``versions``; ``city`` takes them all.
    ``version_agencies`` / ``version_filter`` say which procedure versions count for 3.1–3.2
    (``None``: none for a service point)."""

    label: str
    city: bool = False
    agencies: frozenset[int] = frozenset()
    points: frozenset[int] = frozenset()
    versions: frozenset[int] = frozenset()
    version_filter: Callable[[VersionRow], bool] | None = None

    def holds(self, d: DossierRow) -> bool:
        if self.city:
            return True
        return (
            d.competent_id in self.agencies
            or d.receiving_id in self.agencies
            or (d.point_id is not None and d.point_id in self.points)
            or d.version_id in self.versions
        )


@dataclass(frozen=True)
class World:
    """The reference facts a change needs (read by :func:`load`)."""

    calendar: WorkingCalendar
    #: commune unit → its People's Committee; agency → its unit
    commune_agency_by_unit: Mapping[int, int]
    #: agency → the point a dossier is received at (its first active point by code)
    first_point: Mapping[int, int]
    point_unit: Mapping[int, int | None]
    point_hours: Mapping[int, OfficeHours]
    commune_agencies: frozenset[int]
    #: (version, agency or None) → the steps of its approved process
    processes: Mapping[tuple[int, int | None], tuple[tuple[str, str, int | None, int, str], ...]]
    default_plan: tuple[tuple[str, str, float], ...]


# ----------------------------------------------------------------------------- counting
def count_inputs(
    rows: Iterable[DossierRow],
    scope: ScopeSets,
    versions: Sequence[VersionRow],
    *,
    as_of: dt.datetime,
) -> dict[str, MetricInput]:
    """The dossier indicators of :func:`motcua.indicators.selectors.indicator_inputs`, counted
    in memory over ``rows`` (the dossiers received in the period)."""
    total = on_time = synced = reused = store = documents = electronic = digitized = online = 0
    online_procedures: set[int] = set()
    for d in rows:
        if not scope.holds(d):
            continue
        total += 1
        if not d.forced_late and (
            d.outcome in ("early", "on_time")
            or (d.outcome == "" and (d.due_at is None or d.due_at >= as_of))
        ):
            on_time += 1
        synced += d.synced
        reused += d.reused
        store += d.reused or d.result_in_store
        if d.result_document:
            documents += 1
            electronic += d.electronic
        digitized += d.files and (not d.result_document or d.electronic)
        if d.channel == 2:
            online += 1
            online_procedures.add(d.procedure_id)
    inputs: dict[str, MetricInput] = {
        "PROGRESS_ON_TIME": MetricInput(on_time, total),
        "DOSSIER_SYNC": MetricInput(synced, total),
        "REUSED_DIGITIZED_DATA": MetricInput(reused, total),
        "SYNCED_WITH_DVCQG_PERSONAL_STORAGE": MetricInput(store, total),
        "ORIGINAL_RESULT_AVAILABLE": MetricInput(electronic, documents),
        "SO_HOA_GIAY_TO_GIAI_QUYET": MetricInput(digitized, total),
    }
    if scope.version_filter is not None:
        known = [v for v in versions if v.online_level and scope.version_filter(v)]
        if known:
            offered = [v for v in known if v.online_level != "none"]
            used = sum(1 for v in offered if v.procedure_id in online_procedures)
            inputs["ONLINE_SERVICE_PROVIDED"] = MetricInput(len(offered), len(known))
            inputs["ONLINE_SERVICE_USED"] = MetricInput(used, len(offered))
    if total:
        inputs["ONLINE_DOSSIER_SHARE"] = MetricInput(
            online, total, {"syncRate": Fraction(synced * 100, total)}
        )
    else:
        inputs["ONLINE_DOSSIER_SHARE"] = MetricInput(online, total)
    return inputs


# ----------------------------------------------------------------------------- changes
@dataclass(frozen=True)
class Delegation:
    procedure_code: str
    level: str = "commune"


@dataclass(frozen=True)
class HalvedStep:
    name: str


@dataclass
class Effect:
    """What a change did to the rows (printed with the scores)."""

    dossiers: int = 0
    not_moved: int = 0
    steps: int = 0
    steps_late_before: int = 0
    steps_late_after: int = 0
    limits_cut: int = 0
    moved_to: Counter[int] = field(default_factory=Counter)
    moved_from: Counter[int] = field(default_factory=Counter)

    def as_dict(self, agency_codes: Mapping[int, str]) -> dict[str, Any]:
        return {
            "dossiers": self.dossiers,
            "not_moved": self.not_moved,
            "steps": self.steps,
            "steps_late_before": self.steps_late_before,
            "steps_late_after": self.steps_late_after,
            "limits_cut": self.limits_cut,
            "moved": sum(self.moved_to.values()),
            "moved_to": {agency_codes.get(a, str(a)): n for a, n in self.moved_to.most_common(10)},
            "moved_from": {
                agency_codes.get(a, str(a)): n for a, n in self.moved_from.most_common(10)
            },
        }


def _limit(value: int | None, unit: str) -> TimeLimit | None:
    from motcua.workcal import TimeLimit, Unit

    if unit == Unit.SAME_DAY:
        return TimeLimit.same_day()
    if value is None or not unit:
        return None
    return TimeLimit(value, Unit(unit))


def _due(d: DossierRow, world: World, limit: TimeLimit, point: int | None) -> dt.datetime:
    """The legal due instant, as :func:`motcua.dossiers.clock.legal_due` computes it."""
    from motcua.workcal import DEFAULT_OFFICE_HOURS, compute_deadline, ruleset_for
    from motcua.workcal import Pause as ClockPause
    from motcua.workcal import PauseKind as ClockPauseKind
    from motcua.workcal.types import VN_TZ

    local = d.received_at.astimezone(VN_TZ)
    hours = world.point_hours.get(point, DEFAULT_OFFICE_HOURS) if point else DEFAULT_OFFICE_HOURS
    pauses = [
        ClockPause(p.started_at, p.ended_at, ClockPauseKind(p.kind))
        for p in d.pauses
        if p.ended_at is not None
    ]
    return compute_deadline(
        local,
        limit,
        world.calendar,
        office_hours=hours,
        cutoff=d.cutoff_applies,
        pauses=pauses,
        ruleset=ruleset_for(local.date()),
    ).due


def _outcome(d: DossierRow, due: dt.datetime | None) -> str:
    from motcua.workcal import classify

    if d.finished_at is None or not d.outcome:
        return d.outcome
    if d.forced_late:
        return "late"
    if due is None:
        return d.outcome
    return str(classify(d.finished_at, due))


def _plan(
    world: World, version_id: int, competent: int, total_seconds: float, hours: OfficeHours
) -> list[tuple[str, str, int, int]]:
    steps = world.processes.get((version_id, competent)) or world.processes.get((version_id, None))
    if steps:
        day = int(hours.daily.total_seconds())
        return [
            (
                name,
                role,
                agency or competent,
                max(MIN_STEP_SECONDS, value * (3600 if unit == "working_hours" else day)),
            )
            for name, role, agency, value, unit in steps
        ]
    return [
        (name, role, competent, max(MIN_STEP_SECONDS, int(total_seconds * share) // 60 * 60))
        for name, role, share in world.default_plan
    ]


def apply_delegation(
    rows: Sequence[DossierRow],
    versions: Sequence[VersionRow],
    change: Delegation,
    world: World,
) -> tuple[list[DossierRow], list[VersionRow], Effect]:
    """The period as if ``change.procedure_code`` were settled by the communes (module doc)."""
    from motcua.workcal import DEFAULT_OFFICE_HOURS

    target = {v.id for v in versions if v.code == change.procedure_code}
    target_procedures = {v.procedure_id for v in versions if v.code == change.procedure_code}
    effect = Effect()
    out: list[DossierRow] = []
    for d in rows:
        if d.procedure_id not in target_procedures and d.version_id not in target:
            out.append(d)
            continue
        effect.dossiers += 1
        unit = d.applicant_unit_id
        if unit is None and d.point_id is not None:
            unit = world.point_unit.get(d.point_id)
        commune = world.commune_agency_by_unit.get(unit) if unit is not None else None
        if commune is None:
            effect.not_moved += 1
            out.append(d)
            continue
        receiving, point = d.receiving_id, d.point_id
        if receiving not in world.commune_agencies:
            receiving = commune
            point = world.first_point.get(commune, point)
        hours = (
            world.point_hours.get(point, DEFAULT_OFFICE_HOURS) if point else DEFAULT_OFFICE_HOURS
        )
        limit = _limit(d.time_limit_value, d.time_limit_unit)
        due = _due(d, world, limit, point) if limit is not None else d.due_at
        if commune != d.competent_id:
            effect.moved_from[d.competent_id] += 1
            effect.moved_to[commune] += 1
        steps = _replan(d, world, commune, due, hours, effect)
        out.append(
            replace(
                d,
                competent_id=commune,
                receiving_id=receiving,
                point_id=point,
                due_at=due,
                outcome=_outcome(d, due),
                steps=steps,
            )
        )
    new_versions = [replace(v, competent_id=None) if v.id in target else v for v in versions]
    return out, new_versions, effect


def _replan(
    d: DossierRow,
    world: World,
    competent: int,
    due: dt.datetime | None,
    hours: OfficeHours,
    effect: Effect,
) -> tuple[StepRow, ...]:
    """The commune's plan laid over the dossier's real processing interval: the same first
    start and last end, cut in proportion to the plan's budgets."""
    from motcua.workcal import add_office_time, classify, office_time_between

    started = [s for s in d.steps if s.started_at is not None]
    if not started or due is None:
        return d.steps
    cal = world.calendar
    total = max(office_time_between(d.received_at, due, cal, office_hours=hours).total_seconds(), 0)
    plan = _plan(world, d.version_id, competent, total, hours)
    first = min(s.started_at for s in started if s.started_at is not None)
    ends = [s.finished_at for s in d.steps if s.finished_at is not None]
    done = len(ends) == len(d.steps)
    last = max(ends) if done and ends else None
    span = (
        office_time_between(first, last, cal, office_hours=hours).total_seconds()
        if last is not None
        else None
    )
    budget_total = sum(p[3] for p in plan) or 1
    out: list[StepRow] = []
    start = first
    for order, (name, role, agency, budget) in enumerate(plan, start=1):
        step_due = add_office_time(start, dt.timedelta(seconds=budget), cal, office_hours=hours)
        end = (
            add_office_time(
                start, dt.timedelta(seconds=span * budget / budget_total), cal, office_hours=hours
            )
            if span is not None
            else None
        )
        outcome = str(classify(end, step_due)) if end is not None else ""
        out.append(StepRow(order, name, role, agency, budget, start, step_due, end, outcome))
        effect.steps += 1
        if end is None:
            break
        start = end
    effect.steps_late_before += sum(1 for s in d.steps if s.outcome == "late")
    effect.steps_late_after += sum(1 for s in out if s.outcome == "late")
    return tuple(out)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def apply_halved_step(
    rows: Sequence[DossierRow], change: HalvedStep, world: World
) -> tuple[list[DossierRow], Effect]:
    """The period as if every step named ``change.name`` had half its budget (module doc)."""
    from motcua.workcal import DEFAULT_OFFICE_HOURS, TimeLimit, Unit, add_office_time, classify

    wanted = _fold(change.name)
    effect = Effect()
    out: list[DossierRow] = []
    cal = world.calendar
    for d in rows:
        hit = [s for s in d.steps if _fold(s.name) == wanted]
        if not hit:
            out.append(d)
            continue
        effect.dossiers += 1
        hours = (
            world.point_hours.get(d.point_id, DEFAULT_OFFICE_HOURS)
            if d.point_id
            else DEFAULT_OFFICE_HOURS
        )
        removed = 0
        steps: list[StepRow] = []
        for s in d.steps:
            if _fold(s.name) != wanted:
                steps.append(s)
                continue
            budget = max(MIN_STEP_SECONDS, s.budget_seconds // 2)
            removed += s.budget_seconds - budget
            due = (
                add_office_time(s.started_at, dt.timedelta(seconds=budget), cal, office_hours=hours)
                if s.started_at is not None
                else None
            )
            outcome = (
                str(classify(s.finished_at, due))
                if s.finished_at is not None and due is not None
                else s.outcome
            )
            effect.steps += 1
            effect.steps_late_before += s.outcome == "late"
            effect.steps_late_after += outcome == "late"
            steps.append(replace(s, budget_seconds=budget, due_at=due, outcome=outcome))
        limit = _limit(d.time_limit_value, d.time_limit_unit)
        due_at = d.due_at
        value = d.time_limit_value
        if limit is not None and limit.unit is not Unit.SAME_DAY and value is not None:
            unit_seconds = (
                3600 if limit.unit is Unit.WORKING_HOURS else int(hours.daily.total_seconds())
            )
            if limit.unit is Unit.MONTHS:
                unit_seconds *= 22  # a month of working days
            cut = min(removed // unit_seconds, value)
            if cut:
                value -= cut
                effect.limits_cut += 1
                due_at = _due(d, world, TimeLimit(value, limit.unit), d.point_id)
        out.append(
            replace(
                d,
                steps=tuple(steps),
                time_limit_value=value,
                due_at=due_at,
                outcome=_outcome(d, due_at) if due_at != d.due_at else d.outcome,
            )
        )
    return out, effect


# ----------------------------------------------------------------------------- scoring
def compare(
    before: Mapping[str, MetricInput],
    after: Mapping[str, MetricInput],
    *,
    period_start: dt.date,
) -> dict[str, Any]:
    """Both scorecards and the change of each indicator and group."""
    rules = indicator_ruleset_for(period_start)
    card_before = score_card(before, rules).as_dict()
    card_after = score_card(after, rules).as_dict()
    indicators: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    for g_before, g_after in zip(card_before["groups"], card_after["groups"], strict=True):
        groups.append(
            {
                "group": g_before["group"],
                "name_vi": g_before["name_vi"],
                "before": g_before["score"],
                "after": g_after["score"],
                "change": round(g_after["score"] - g_before["score"], 2),
                "max_score": g_before["max_score"],
            }
        )
        for i_before, i_after in zip(g_before["indicators"], g_after["indicators"], strict=True):
            change = (
                None
                if i_before["score"] is None or i_after["score"] is None
                else round(i_after["score"] - i_before["score"], 2)
            )
            indicators.append(
                {
                    "metric": i_before["metric"],
                    "group": g_before["group"],
                    "modelled": i_before["metric"] in MODELLED,
                    "before": _brief(i_before),
                    "after": _brief(i_after),
                    "change": change,
                }
            )
    return {
        "ruleset": card_before["ruleset"],
        "total": {
            "before": card_before["total"],
            "after": card_after["total"],
            "change": round(card_after["total"] - card_before["total"], 2),
        },
        "groups": groups,
        "indicators": indicators,
    }


def _brief(ind: Mapping[str, Any]) -> dict[str, Any]:
    return {k: ind[k] for k in ("numerator", "denominator", "ratio", "score", "max_score")}


# ----------------------------------------------------------------------------- database
def load(period: Any, *, as_of: dt.datetime) -> tuple[list[DossierRow], list[VersionRow], World]:
    """Read (only read) the dossiers received in ``period``, city-wide, with their steps and
    pauses, the procedure versions in force on its last day and the reference facts."""
    from django.db.models import Exists, OuterRef, Q

    from motcua.catalog.models import ProcedureVersion, Process
    from motcua.catalog.selectors import versions_in_force
    from motcua.documents.models import ElectronicResult, StoreItem
    from motcua.dossiers.clock import DEFAULT_PLAN
    from motcua.dossiers.models import Dossier, DossierDocument, DossierStep, Pause
    from motcua.integrations.models import OutboxMessage
    from motcua.org.models import Agency, ServicePoint
    from motcua.workcal.selectors import calendar_current, office_hours_of

    from .selectors import NATIONAL_PORTAL_TOPIC

    received = Dossier.objects.filter(
        received_at__gte=period.start_at, received_at__lt=period.end_at
    )
    portal = OutboxMessage.objects.filter(topic=NATIONAL_PORTAL_TOPIC, key=OuterRef("reference"))
    docs = DossierDocument.objects.filter(dossier=OuterRef("pk"))
    values = received.annotate(
        w_synced=~Exists(portal.exclude(status=OutboxMessage.Status.DELIVERED)),
        w_reused=Exists(docs.filter(store_item__isnull=False)),
        w_store=Exists(
            StoreItem.objects.filter(source=StoreItem.Source.RESULT, source_dossier=OuterRef("pk"))
        ),
        w_electronic=Exists(ElectronicResult.objects.filter(dossier=OuterRef("pk"))),
        w_files=Exists(docs.filter(Q(stored_file__isnull=False) | Q(store_item__isnull=False))),
    ).values_list(
        "pk",
        "procedure_version_id",
        "procedure_version__procedure_id",
        "channel",
        "received_at",
        "due_at",
        "finished_at",
        "outcome",
        "forced_late",
        "competent_agency_id",
        "receiving_agency_id",
        "reception_point_id",
        "applicant__administrative_unit",
        "time_limit_value",
        "time_limit_unit",
        "cutoff_applies",
        "w_synced",
        "w_reused",
        "w_store",
        "procedure_version__result_type",
        "w_electronic",
        "w_files",
    )
    steps: dict[int, list[StepRow]] = {}
    for s in (
        DossierStep.objects.filter(dossier__in=received.values("pk"))
        .order_by("dossier_id", "order")
        .values_list(
            "dossier_id",
            "order",
            "name",
            "role",
            "agency_id",
            "budget_seconds",
            "started_at",
            "due_at",
            "finished_at",
            "outcome",
        )
        .iterator(chunk_size=20_000)
    ):
        steps.setdefault(s[0], []).append(StepRow(*s[1:]))
    pauses: dict[int, list[PauseRow]] = {}
    for pause in (
        Pause.objects.filter(dossier__in=received.values("pk"))
        .order_by("dossier_id", "started_at")
        .values_list("dossier_id", "kind", "started_at", "ended_at")
    ):
        pauses.setdefault(pause[0], []).append(PauseRow(*pause[1:]))
    rows = [
        DossierRow(
            id=r[0],
            version_id=r[1],
            procedure_id=r[2],
            channel=r[3],
            received_at=_aware(r[4]),
            due_at=r[5],
            finished_at=r[6],
            outcome=r[7],
            forced_late=r[8],
            competent_id=r[9],
            receiving_id=r[10],
            point_id=r[11],
            applicant_unit_id=r[12],
            time_limit_value=r[13],
            time_limit_unit=r[14],
            cutoff_applies=r[15],
            synced=r[16],
            reused=r[17],
            result_in_store=r[18],
            result_document=r[19] == ProcedureVersion.ResultType.DOCUMENT,
            electronic=r[20],
            files=r[21],
            steps=tuple(steps.get(r[0], ())),
            pauses=tuple(pauses.get(r[0], ())),
        )
        for r in values.iterator(chunk_size=20_000)
    ]
    versions = [
        VersionRow(v.pk, v.procedure_id, v.procedure.code, v.competent_agency_id, v.online_level,
                   v.sector_id)
        for v in versions_in_force(on=period.last_day)
    ]  # fmt: skip
    points = list(ServicePoint.objects.filter(is_active=True).order_by("code"))
    first_point: dict[int, int] = {}
    for p in points:
        first_point.setdefault(p.agency_id, p.pk)
    communes = {
        a.administrative_unit_id: a.pk
        for a in Agency.objects.filter(
            level=Agency.Level.COMMUNE,
            kind=Agency.Kind.PEOPLES_COMMITTEE,
            is_active=True,
            administrative_unit__isnull=False,
        ).order_by("-code")
        if a.administrative_unit_id is not None
    }
    processes: dict[tuple[int, int | None], tuple[tuple[str, str, int | None, int, str], ...]] = {}
    for process in Process.objects.order_by("-pk").prefetch_related("steps"):
        processes[(process.version_id, process.agency_id)] = tuple(
            (s.name, s.role, s.agency_id, s.budget_value, s.budget_unit)
            for s in sorted(process.steps.all(), key=lambda s: s.order)
        )
    world = World(
        calendar=calendar_current(),
        commune_agency_by_unit=communes,
        first_point=first_point,
        point_unit={p.pk: p.administrative_unit_id for p in points},
        point_hours={p.pk: office_hours_of(p) for p in points},
        commune_agencies=frozenset(communes.values()),
        processes={k: v for k, v in processes.items() if v},
        default_plan=tuple((name, role.value, share) for name, role, share in DEFAULT_PLAN),
    )
    return rows, versions, world


def _aware(value: dt.datetime | None) -> dt.datetime:
    if value is None:  # pragma: no cover - the query asks for received dossiers
        raise ValueError("a received dossier without a reception instant")
    return value


def scope_sets(scope: Any) -> ScopeSets:
    """A :class:`~motcua.indicators.selectors.Scope` as sets of ids."""
    from motcua.catalog.models import ProcedureVersion
    from motcua.org.models import ServicePoint

    from .selectors import _agencies_of, _subtree

    if scope.agency is not None:
        ids = frozenset(_subtree(scope.agency))
        return ScopeSets(scope.label, agencies=ids, version_filter=lambda v: v.competent_id in ids)
    if scope.point is not None:
        return ScopeSets(scope.label, points=frozenset({scope.point.pk}))
    if scope.commune is not None:
        ids = frozenset(_agencies_of(scope.commune))
        points = frozenset(
            ServicePoint.objects.filter(administrative_unit=scope.commune).values_list(
                "pk", flat=True
            )
        )
        return ScopeSets(
            scope.label, agencies=ids, points=points, version_filter=lambda v: v.competent_id in ids
        )
    if scope.sector is not None:
        sector = scope.sector.pk
        versions = frozenset(
            ProcedureVersion.objects.filter(sector_id=sector).values_list("pk", flat=True)
        )
        return ScopeSets(
            scope.label, versions=versions, version_filter=lambda v: v.sector_id == sector
        )
    if scope.procedure is not None:
        procedure = scope.procedure.pk
        versions = frozenset(
            ProcedureVersion.objects.filter(procedure_id=procedure).values_list("pk", flat=True)
        )
        return ScopeSets(
            scope.label, versions=versions, version_filter=lambda v: v.procedure_id == procedure
        )
    return ScopeSets("city", city=True, version_filter=lambda v: True)


def whatif(
    period: Any,
    scope: Any,
    change: Delegation | HalvedStep,
    *,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Before and after ``change`` for ``period`` and ``scope`` (reads only)."""
    from motcua.org.models import Agency

    from .selectors import _as_of, indicator_inputs

    as_of = _as_of(period, now)
    rows, versions, world = load(period, as_of=as_of)
    sets = scope_sets(scope)
    if isinstance(change, Delegation):
        if not any(v.code == change.procedure_code for v in versions):
            raise IndicatorInputError(
                "delegate",
                f"không có thủ tục mã {change.procedure_code!r} có hiệu lực trong kỳ.",
                f"no procedure {change.procedure_code!r} is in force in the period.",
            )
        after_rows, after_versions, effect = apply_delegation(rows, versions, change, world)
    else:
        after_rows, effect = apply_halved_step(rows, change, world)
        after_versions = versions
        if not effect.steps:
            raise IndicatorInputError(
                "halve-step",
                f"không có bước nào tên {change.name!r} trong các hồ sơ của kỳ.",
                f"no step named {change.name!r} in the period's dossiers.",
            )
    # the indicators not counted from the dossiers (petitions…) are taken as they are
    base = dict(indicator_inputs(period, scope, now=now))
    before = {**base, **count_inputs(rows, sets, versions, as_of=as_of)}
    after = {**base, **count_inputs(after_rows, sets, after_versions, as_of=as_of)}
    for name in MODELLED:  # a modelled indicator without input stays without input
        if name not in before:
            after.pop(name, None)
    codes = dict(Agency.objects.values_list("pk", "code"))
    result = compare(before, after, period_start=period.start)
    return {
        "period": {"label": period.label, "from": period.start.isoformat(),
                   "to": period.last_day.isoformat()},
        "scope": scope.label,
        "change": (
            {"delegate": change.procedure_code, "level": change.level}
            if isinstance(change, Delegation)
            else {"halve_step": change.name}
        ),
        "effect": effect.as_dict(codes),
        **result,
    }  # fmt: skip


# ----------------------------------------------------------------------------- command line
def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "whatif",
        help="re-score a period as if a procedure were delegated or a step's budget halved",
        description=(
            "Giả định / what-if: re-score a period's dossiers as if procedure X were delegated "
            "to commune level (--delegate CODE:commune) or the budget of step Y halved "
            "(--halve-step NAME), on a copy in memory; nothing is written."
        ),
    )
    parser.add_argument("--period", required=True, help="YYYY-MM, YYYY-Qn or YYYY")
    parser.add_argument("--scope", default="city", help="city (default), agency:CODE, …")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--delegate", metavar="CODE:commune", help="e.g. 1.012783:commune")
    what.add_argument("--halve-step", metavar="NAME", help='e.g. "Thẩm định hồ sơ"')
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _change(args: argparse.Namespace) -> Delegation | HalvedStep:
    if args.delegate:
        code, sep, level = str(args.delegate).partition(":")
        if not sep or level.strip().lower() != "commune" or not code.strip():
            raise IndicatorInputError(
                "delegate",
                f"--delegate phải có dạng MÃ_THỦ_TỤC:commune (nhận được {args.delegate!r}).",
                f"--delegate must look like PROCEDURE_CODE:commune (got {args.delegate!r}).",
            )
        return Delegation(code.strip())
    name = str(args.halve_step or "").strip()
    if not name:
        raise IndicatorInputError(
            "halve-step", "--halve-step cần tên bước.", "--halve-step needs a step name."
        )
    return HalvedStep(name)


def _say(*parts: str, file: Any = None) -> None:
    """One line on stdout (or ``file``): the command's output."""
    (file or sys.stdout).write(" ".join(parts) + "\n")


def _print(data: Mapping[str, Any]) -> None:
    total = data["total"]
    change = data["change"]
    what = (
        f"giao thủ tục {change['delegate']} cho cấp xã / procedure {change['delegate']} "
        "delegated to communes"
        if "delegate" in change
        else f"giảm nửa thời gian bước “{change['halve_step']}” / step budget halved"
    )
    _say(f"{data['period']['label']} — {data['scope']}: {what}")
    _say(f"  tổng điểm / total: {total['before']} → {total['after']} ({total['change']:+.2f})")
    effect = data["effect"]
    _say(
        f"  hồ sơ bị ảnh hưởng / dossiers affected: {effect['dossiers']}"
        + (
            f" (không chuyển được / not moved: {effect['not_moved']})"
            if effect["not_moved"]
            else ""
        )
        + f"; bước trễ / late steps: {effect['steps_late_before']} → {effect['steps_late_after']}"
    )
    if effect["limits_cut"]:
        _say(f"  thời hạn bị rút ngắn / limits cut: {effect['limits_cut']}")
    for group in data["groups"]:
        _say(
            f"  {group['name_vi']}: {group['before']} → {group['after']} ({group['change']:+.2f})"
            f" / {group['max_score']}"
        )
    for ind in data["indicators"]:
        before, after = ind["before"], ind["after"]
        if before["score"] is None and after["score"] is None:
            continue
        mark = "" if ind["modelled"] else " (không mô phỏng / not modelled)"
        _say(
            f"    {ind['metric']}: {before['numerator']}/{before['denominator']} → "
            f"{after['numerator']}/{after['denominator']}, {before['score']} → {after['score']}"
            f"{mark}"
        )


def run(args: argparse.Namespace) -> int:
    """Run ``motcua whatif``; returns the exit status (2 on bad input)."""
    try:
        change = _change(args)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
        import django

        django.setup()
        from .selectors import parse_period, parse_scope

        period = parse_period(args.period)
        scope = parse_scope(args.scope)
        data = whatif(period, scope, change)
    except IndicatorInputError as exc:
        option = f"--{exc.field}"
        message = f"motcua whatif: {option}: {exc.message_vi} / {option}: {exc.message_en}"
        _say(message, file=sys.stderr)
        return USAGE_ERROR
    if args.json:
        _say(json.dumps(data, ensure_ascii=False))
    else:
        _print(data)
    return 0
