"""The dossier's clock: the Django-side adapter between dossiers and :mod:`motcua.workcal`.

Everything here reads the dossier and the catalogue and returns instants; nothing writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q

from motcua.catalog.models import ProcedureVersion, Process, ProcessStep
from motcua.dossiers.models import Dossier, Pause
from motcua.org.models import Agency, ServicePoint
from motcua.org.roles import Role
from motcua.workcal import (
    DEFAULT_OFFICE_HOURS,
    OfficeHours,
    TimeLimit,
    Unit,
    WorkingCalendar,
    add_office_time,
    compute_deadline,
    effective_reception_day,
    office_time_between,
    ruleset_for,
)
from motcua.workcal import Pause as ClockPause
from motcua.workcal import PauseKind as ClockPauseKind
from motcua.workcal.selectors import calendar_current, office_hours_of
from motcua.workcal.types import VN_TZ

#: Share of the office time between reception and the legal due instant given to each step
#: of the default plan, used when the procedure has no approved internal process. The rest
#: is left to the one-stop for handing the result back.
DEFAULT_PLAN: tuple[tuple[str, Role, float], ...] = (
    ("Thẩm định hồ sơ", Role.PROCESSOR, 0.60),
    ("Phê duyệt, ký kết quả", Role.APPROVER, 0.25),
)
#: A step is never given less than this much office time.
MIN_STEP_SECONDS = 15 * 60
#: Supplements during processing: within this many working days of reception (ND 61 Art 19.4).
DEFAULT_SUPPLEMENT_WINDOW_DAYS = 3


def calendar() -> WorkingCalendar:
    return calendar_current()


def office_hours(point: ServicePoint | None) -> OfficeHours:
    return office_hours_of(point) if point is not None else DEFAULT_OFFICE_HOURS


def local(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(VN_TZ)


def office_day_seconds(oh: OfficeHours) -> int:
    return int(oh.daily.total_seconds())


def _dossier_limit(dossier: Dossier) -> TimeLimit | None:
    if dossier.time_limit_unit == Unit.SAME_DAY:
        return TimeLimit.same_day()
    if dossier.time_limit_value is None or not dossier.time_limit_unit:
        return None
    return TimeLimit(dossier.time_limit_value, Unit(dossier.time_limit_unit))


def clock_pauses(pauses: list[Pause]) -> list[ClockPause]:
    """Closed pauses as workcal objects (open ones do not move the due instant yet)."""
    return [
        ClockPause(p.started_at, p.ended_at, ClockPauseKind(p.kind))
        for p in pauses
        if p.ended_at is not None
    ]


@dataclass(frozen=True, slots=True)
class Due:
    due: dt.datetime
    counted_from: dt.datetime
    ruleset_version: str


def legal_due(dossier: Dossier, pauses: list[Pause]) -> Due | None:
    """The legal due instant from the reception and the closed pauses; ``None`` if the
    procedure publishes no time limit."""
    if not (dossier.received_at is not None):
        raise RuntimeError("dossier clock used before reception")
    limit = _dossier_limit(dossier)
    if limit is None:
        return None
    rs = ruleset_for(local(dossier.received_at).date())
    result = compute_deadline(
        local(dossier.received_at),
        limit,
        calendar(),
        office_hours=office_hours(dossier.reception_point),
        cutoff=dossier.cutoff_applies,
        pauses=clock_pauses(pauses),
        ruleset=rs,
    )
    return Due(result.due, result.counted_from, rs.version)


def shift_by_pauses(
    instant: dt.datetime, pauses: list[Pause], point: ServicePoint | None
) -> dt.datetime:
    """``instant`` pushed by the office time of the closed pauses (no published limit)."""
    seconds = sum(
        max(
            0.0,
            office_time_between(
                p.started_at, p.ended_at, calendar(), office_hours=office_hours(point)
            ).total_seconds(),
        )
        for p in pauses
        if p.ended_at is not None
    )
    return add_office_time(
        instant, dt.timedelta(seconds=seconds), calendar(), office_hours=office_hours(point)
    )


def office_seconds_between(
    start: dt.datetime, end: dt.datetime, point: ServicePoint | None
) -> float:
    return office_time_between(
        start, end, calendar(), office_hours=office_hours(point)
    ).total_seconds()


def add_office_seconds(
    start: dt.datetime, seconds: float, point: ServicePoint | None
) -> dt.datetime:
    return add_office_time(
        local(start),
        dt.timedelta(seconds=max(0.0, seconds)),
        calendar(),
        office_hours=office_hours(point),
    )


def appointment_for(dossier: Dossier, due: dt.datetime) -> dt.datetime:
    """The appointment for a due instant: the end of that office day for day-based limits
    (DESIGN §4), the instant itself for limits in working hours."""
    if dossier.time_limit_unit == Unit.WORKING_HOURS:
        return due
    oh = office_hours(dossier.reception_point)
    end = dt.datetime.combine(local(due).date(), oh.closing, tzinfo=VN_TZ)
    return max(end, due)


def step_due(start: dt.datetime, budget_seconds: int, point: ServicePoint | None) -> dt.datetime:
    return add_office_seconds(start, budget_seconds, point)


def supplement_window_end(dossier: Dossier, version: ProcedureVersion) -> dt.datetime:
    """Closing of the N-th working day after the effective reception day."""
    if not (dossier.received_at is not None):
        raise RuntimeError("dossier clock used before reception")
    oh = office_hours(dossier.reception_point)
    cal = calendar()
    eff = effective_reception_day(
        local(dossier.received_at), cal, office_hours=oh, cutoff=dossier.cutoff_applies
    )
    days = version.supplement_window_days
    n = DEFAULT_SUPPLEMENT_WINDOW_DAYS if days is None else days
    day = cal.add_working_days(eff, n)
    closing = oh.closing
    return dt.datetime.combine(day, closing, tzinfo=VN_TZ)


def apology_latest_timely(dossier: Dossier, due: dt.datetime | None = None) -> dt.datetime:
    """The last instant at which an apology is timely: closing of the working day before
    the due day (the law: at least one working day before the due instant)."""
    due = due or dossier.due_at
    if due is None:
        raise RuntimeError("dossier clock used before reception")
    oh = office_hours(dossier.reception_point)
    cal = calendar()
    due_day = local(due).date()
    day = due_day - dt.timedelta(days=1)
    while not cal.is_working_day(day):
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, oh.closing, tzinfo=VN_TZ)


@dataclass(frozen=True, slots=True)
class PlannedStep:
    order: int
    name: str
    role: str
    agency: Agency
    budget_seconds: int


def plan_steps(dossier: Dossier, version: ProcedureVersion) -> list[PlannedStep]:
    """The processing plan: the approved internal process of the version for the competent
    agency (or for every agency), else :data:`DEFAULT_PLAN` sized on the time limit."""
    point = dossier.reception_point
    oh = office_hours(point)
    # the competent agency's own process first, else the one for every agency
    process = (
        Process.objects.filter(version=version)
        .filter(Q(agency=dossier.competent_agency) | Q(agency__isnull=True))
        .order_by(F("agency").asc(nulls_last=True), "pk")
        .first()
    )
    if process is not None:
        steps: list[ProcessStep] = list(process.steps.select_related("agency").order_by("order"))
        if steps:
            day = office_day_seconds(oh)
            return [
                PlannedStep(
                    order=i,
                    name=step.name,
                    role=step.role,
                    agency=step.agency or dossier.competent_agency,
                    budget_seconds=max(
                        MIN_STEP_SECONDS,
                        step.budget_value
                        * (
                            3600
                            if step.budget_unit == ProcessStep.BudgetUnit.WORKING_HOURS
                            else day
                        ),
                    ),
                )
                for i, step in enumerate(steps, start=1)
            ]
    if not (dossier.received_at is not None and dossier.due_at is not None):
        raise RuntimeError("dossier clock used before reception")
    total = office_seconds_between(dossier.received_at, dossier.due_at, point)
    return [
        PlannedStep(
            order=i,
            name=name,
            role=role.value,
            agency=dossier.competent_agency,
            budget_seconds=max(MIN_STEP_SECONDS, int(total * share) // 60 * 60),
        )
        for i, (name, role, share) in enumerate(DEFAULT_PLAN, start=1)
    ]
