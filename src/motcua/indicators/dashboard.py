"""Reads behind the supervisor's Decision 766 dashboard (``/staff/indicators/``).

* **Who may see what** (:func:`scope_choices`, :func:`scope_allowed`): a supervisor of the
  Service Center or of the city People's Committee (city level) may pick the city or any
  agency; any other supervisor only their agency and the agencies under it; a supervisor
  without an agency nothing. The same rule as the dossiers a supervisor may read
  (:func:`motcua.dossiers.selectors.dossiers_visible_to`).
* **Trends** (:func:`monthly_trend`): the total and each group's score for the 12 months up to
  the period's last month, each scored alone (``compare=False``); months after today or
  before the first rule set have no value.
* **Where time is lost** (:func:`lost_time`): the steps of the scope's dossiers finished in
  the period, in office time with the pauses taken out (the clock of the supervision page,
  :func:`motcua.backoffice.supervision_selectors.measure_steps`); a step loses the time it
  took beyond its budget. The ten agencies and the ten steps that lost the most.
* **Drill-down** (:func:`drill_down`): the dossiers behind the numerator and the denominator
  of the indicators counted from dossiers (``PROGRESS_ON_TIME``, ``DOSSIER_SYNC``,
  ``ONLINE_DOSSIER_SHARE``), and the dossiers behind a row of the lost-time tables. The
  conditions are those of :func:`motcua.indicators.selectors.indicator_inputs` (a test checks
  that the counts agree).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from motcua.backoffice.supervision_selectors import MeasuredStep, measure_steps
from motcua.dossiers.models import Channel, Dossier, DossierStep, StepOutcome
from motcua.dossiers.selectors import dossiers_visible_to, supervisor_sees_all
from motcua.integrations.models import OutboxMessage
from motcua.org.models import Agency, User
from motcua.people.identity import mask_identifier
from motcua.people.models import CitizenProfile
from motcua.workcal.types import VN_TZ

from .engine import IndicatorInputError
from .selectors import (
    NATIONAL_PORTAL_TOPIC,
    Period,
    Scope,
    _received,
    _subtree,
    scope_dossiers,
    scorecard_for,
)

__all__ = [
    "DRILLABLE",
    "LOST_TIME",
    "LostTimeRow",
    "ScopeChoice",
    "TrendMonth",
    "default_scope",
    "drill_down",
    "lost_time",
    "mask_name",
    "monthly_trend",
    "not_drillable_reason",
    "register_rows",
    "scope_allowed",
    "scope_choices",
]

#: Indicators counted from dossiers: each of their numbers opens a list of dossiers.
DRILLABLE: tuple[str, ...] = ("PROGRESS_ON_TIME", "DOSSIER_SYNC", "ONLINE_DOSSIER_SHARE")
#: The pseudo-metric of the lost-time tables' drill-down.
LOST_TIME = "LOST_TIME"
PARTS = ("numerator", "denominator")
TREND_MONTHS = 12
WORST = 10


# --------------------------------------------------------------------------- scopes
@dataclass(frozen=True, slots=True)
class ScopeChoice:
    value: str  # ``city`` or ``agency:CODE``
    label: str


def _sees_city(user: User) -> bool:
    return supervisor_sees_all(user)


def _own_agencies(user: User) -> list[Agency]:
    if user.agency is None:
        return []
    return list(Agency.objects.filter(pk__in=_subtree(user.agency)).order_by("code"))


def scope_choices(user: User) -> list[ScopeChoice]:
    """The scopes ``user`` may pick, the widest first."""
    if _sees_city(user):
        agencies = list(Agency.objects.order_by("code").only("code", "name"))
        city = [ScopeChoice("city", str(_("The whole city")))]
    else:
        agencies, city = _own_agencies(user), []
    return city + [ScopeChoice(f"agency:{a.code}", f"{a.name} ({a.code})") for a in agencies]


def scope_allowed(user: User, scope: Scope) -> bool:
    """Whether ``user`` may see the indicators of ``scope``: a city-level supervisor any; the
    others their agency's subtree, its service points and, for a commune's own agency, its
    commune. Sectors and procedures span the city: city-level only."""
    if _sees_city(user):
        return True
    if user.agency is None:
        return False
    subtree = _subtree(user.agency)
    if scope.agency is not None:
        return scope.agency.pk in subtree
    if scope.point is not None:
        return scope.point.agency_id in subtree
    if scope.commune is not None:
        return user.agency.administrative_unit_id == scope.commune.pk
    return False


def default_scope(user: User) -> Scope | None:
    """The city for a city-level supervisor, else their agency (``None``: nothing)."""
    if _sees_city(user):
        return Scope()
    return Scope(user.agency) if user.agency is not None else None


# --------------------------------------------------------------------------- trends
@dataclass(frozen=True, slots=True)
class TrendMonth:
    period: Period
    total: float | None
    groups: dict[str, float | None] = field(default_factory=dict)


def _month(day: dt.date) -> Period:
    start = dt.date(day.year, day.month, 1)
    end = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return Period("month", start, end, f"{start:%Y-%m}")


def trend_months(period: Period, count: int = TREND_MONTHS) -> list[Period]:
    """The ``count`` months up to the month of ``period``'s last day, oldest first."""
    months = [_month(period.last_day)]
    while len(months) < count:
        months.append(months[-1].previous())
    return months[::-1]


def monthly_trend(
    period: Period, scope: Scope, *, now: dt.datetime, count: int = TREND_MONTHS
) -> list[TrendMonth]:
    """Total and group scores of each of the ``count`` months up to ``period``."""
    today = now.astimezone(VN_TZ).date()
    out: list[TrendMonth] = []
    for month in trend_months(period, count):
        if month.start > today:
            out.append(TrendMonth(month, None))
            continue
        try:
            data = scorecard_for(month, scope, now=now, compare=False)
        except IndicatorInputError:  # before the first rule set
            out.append(TrendMonth(month, None))
            continue
        groups = {g.get("code") or g["group"]: g["score"] for g in data["groups"]}
        out.append(TrendMonth(month, data["total"], groups))
    return out


# --------------------------------------------------------------------------- lost time
@dataclass(frozen=True, slots=True)
class LostTimeRow:
    agency_code: str
    agency_name: str
    step: str  # "" on an agency row
    steps: int
    over_budget: int
    late: int
    lost_hours: float


def _finished_steps(period: Period, scope: Scope) -> QuerySet[DossierStep]:
    steps = DossierStep.objects.filter(
        dossier__in=scope_dossiers(scope).values("pk"),
        started_at__isnull=False,
        finished_at__gte=period.start_at,
        finished_at__lt=period.end_at,
    )
    if scope.agency is not None:
        steps = steps.filter(agency_id__in=_subtree(scope.agency))
    return steps.select_related("agency", "dossier__reception_point")


def _lost_seconds(m: MeasuredStep) -> float:
    return max(0.0, m.seconds - m.step.budget_seconds)


def _rows(groups: dict[tuple[str, str], list[MeasuredStep]]) -> list[LostTimeRow]:
    rows = []
    for (code, step), members in groups.items():
        lost = sum(_lost_seconds(m) for m in members)
        if lost <= 0:
            continue
        rows.append(
            LostTimeRow(
                agency_code=code,
                agency_name=members[0].step.agency.name,
                step=step,
                steps=len(members),
                over_budget=sum(1 for m in members if m.over_budget),
                late=sum(1 for m in members if m.late),
                lost_hours=round(lost / 3600, 2),
            )
        )
    rows.sort(key=lambda r: (-r.lost_hours, -r.late, r.agency_code, r.step))
    return rows[:WORST]


def lost_time(period: Period, scope: Scope) -> tuple[list[LostTimeRow], list[LostTimeRow]]:
    """The ten agencies and the ten (agency, step) pairs that lost the most office time in
    steps finished in ``period`` (only those that lost some)."""
    by_agency: dict[tuple[str, str], list[MeasuredStep]] = defaultdict(list)
    by_step: dict[tuple[str, str], list[MeasuredStep]] = defaultdict(list)
    for m in measure_steps(_finished_steps(period, scope)):
        by_agency[(m.step.agency.code, "")].append(m)
        by_step[(m.step.agency.code, m.step.name)].append(m)
    return _rows(by_agency), _rows(by_step)


# --------------------------------------------------------------------------- drill-down
def on_time_condition(as_of: dt.datetime) -> Q:
    """``PROGRESS_ON_TIME``'s numerator (as in ``selectors.indicator_inputs``)."""
    return Q(outcome__in=[StepOutcome.EARLY, StepOutcome.ON_TIME], forced_late=False) | Q(
        outcome="", forced_late=False
    ) & (Q(due_at__isnull=True) | Q(due_at__gte=as_of))


def synced_condition() -> Q:
    """``DOSSIER_SYNC``'s numerator: no national-portal message left undelivered."""
    portal = OutboxMessage.objects.filter(topic=NATIONAL_PORTAL_TOPIC, key=OuterRef("reference"))
    return ~Q(Exists(portal.exclude(status=OutboxMessage.Status.DELIVERED)))


def _numerator(metric: str, period: Period, now: dt.datetime) -> Q:
    if metric == "PROGRESS_ON_TIME":
        return on_time_condition(min(now, period.end_at))
    if metric == "DOSSIER_SYNC":
        return synced_condition()
    return Q(channel=Channel.ONLINE)


_RECEIVED = _("Dossiers received in the period (the denominator)")
DESCRIPTIONS: dict[tuple[str, str], StrPromise] = {
    ("PROGRESS_ON_TIME", "numerator"): _(
        "Dossiers received in the period and settled early or on time, or not yet past their "
        "due instant (the numerator)"
    ),
    ("PROGRESS_ON_TIME", "denominator"): _RECEIVED,
    ("DOSSIER_SYNC", "numerator"): _(
        "Dossiers received in the period whose every message to the national portal was "
        "delivered (the numerator)"
    ),
    ("DOSSIER_SYNC", "denominator"): _RECEIVED,
    ("ONLINE_DOSSIER_SHARE", "numerator"): _(
        "Dossiers received online in the period (the numerator is their number times the "
        "synchronisation rate)"
    ),
    ("ONLINE_DOSSIER_SHARE", "denominator"): _RECEIVED,
    (LOST_TIME, ""): _("Dossiers with a step finished in the period beyond its time budget"),
}


def describe(metric: str, part: str) -> StrPromise:
    """What a drill-down list holds, in words."""
    return DESCRIPTIONS[(metric, "" if metric == LOST_TIME else part)]


def not_drillable_reason(metric: str, has_score: bool) -> StrPromise | None:
    """Why an indicator's numbers open no list (``None``: they do)."""
    if metric in DRILLABLE:
        return None
    if not has_score:
        return _("no data yet: this system does not record it")
    if metric in {"ONLINE_SERVICE_PROVIDED", "ONLINE_SERVICE_USED"}:
        return _("counts procedures, not dossiers")
    if metric.startswith("PETITION_"):
        return _("counts petitions, not dossiers")
    return _("no list of dossiers behind this number")


def drill_down(
    *,
    user: User,
    period: Period,
    scope: Scope,
    metric: str,
    part: str,
    now: dt.datetime,
    agency: str = "",
    step: str = "",
) -> QuerySet[Dossier]:
    """The dossiers behind one number (oldest reception first), within what ``user`` may read.

    ``metric`` is one of :data:`DRILLABLE` with ``part`` ``numerator`` or ``denominator``, or
    :data:`LOST_TIME` with ``agency`` (a code) and optionally ``step`` (a step name): the
    dossiers with such a step finished in the period beyond its budget."""
    if metric == LOST_TIME:
        steps = _finished_steps(period, scope).filter(agency__code=agency)
        if step:
            steps = steps.filter(name=step)
        ids = {m.step.dossier_id for m in measure_steps(steps) if _lost_seconds(m) > 0}
        qs = Dossier.objects.filter(pk__in=ids)
    elif metric in DRILLABLE and part in PARTS:
        qs = _received(period, scope)
        if part == "numerator":
            qs = qs.filter(_numerator(metric, period, now))
    else:
        raise ValueError(f"no drill-down for {metric!r} / {part!r}")
    visible = dossiers_visible_to(user)
    return (
        qs.filter(pk__in=visible.values("pk"))
        .select_related("procedure_version__procedure", "applicant", "current_agency")
        .order_by("received_at", "pk")
    )


# --------------------------------------------------------------------------- register rows
def mask_name(profile: CitizenProfile | None) -> str:
    """A person's name as family name and initials (``Trần T. B.``); an organisation's name
    as it is (not personal data)."""
    if profile is None:
        return ""
    if profile.kind != CitizenProfile.Kind.PERSON:
        return profile.full_name
    words = profile.full_name.split()
    if not words:
        return ""
    return " ".join([words[0], *(f"{w[0]}." for w in words[1:])])


def masked_number(profile: CitizenProfile | None) -> str:
    if profile is None:
        return ""
    number = profile.personal_id or profile.tax_code or ""
    return mask_identifier(number) if number else ""


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(VN_TZ) if value is not None else None


def timeliness(d: Dossier) -> str:
    if d.forced_late:
        return str(_("counted as late"))
    return str(d.get_outcome_display()) if d.outcome else ""


def register_row(number: int, d: Dossier) -> dict[str, Any]:
    """One row of the register (keys of ``exports.REGISTER_COLUMNS``), personal data masked,
    instants in Hà Nội time."""
    return {
        "number": number,
        "code": d.code or d.reference,
        "procedure_code": d.procedure_version.procedure.code,
        "procedure": d.procedure_version.name,
        "applicant": mask_name(d.applicant),
        "channel": str(d.get_channel_display()),
        "received_at": _local(d.received_at),
        "due_at": _local(d.due_at),
        "finished_at": _local(d.finished_at),
        "returned_at": _local(d.returned_at),
        "agency": d.current_agency.name,
        "state": str(d.get_state_display()),
        "timeliness": timeliness(d),
    }


def register_rows(dossiers: Iterable[Dossier], start: int = 1) -> Iterator[dict[str, Any]]:
    for number, d in enumerate(dossiers, start=start):
        yield register_row(number, d)
