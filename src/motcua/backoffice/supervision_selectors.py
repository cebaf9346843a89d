"""Reads behind the supervisor's pages (Trung tâm PVHCC / giám sát).

Everything is read through :func:`motcua.dossiers.selectors.dossiers_visible_to`, so a
supervisor's numbers cover exactly the dossiers they may read: the whole city for the Service
Center and the city People's Committee, else their agency and the agencies under it.

**Every number is a filter.** Each count on the summary carries the :class:`DossierFilter`
that selects the dossiers behind it; the list page parses the same filter back and applies
the same conditions (:func:`due_condition`), so the number on the summary and the rows of the
list it links to are the same set by construction.

Definitions (also in docs/user-guide/supervision.md):

* *open* — received and not yet finished (:data:`~motcua.dossiers.states.OPEN_AFTER_RECEPTION`);
* *waiting on the citizen* — the clock stands still (supplement, financial obligations, other
  lawful pause);
* *overdue* — the clock runs and the legal due instant has passed; or the dossier is paused
  but its due instant had passed before the pause began (the time paused is given back on
  resume, so it stays overdue); or an apology issued too late already counts it late. A
  dossier waiting for a requested supplement is never overdue: the time limit restarts from
  zero when the complete supplement arrives;
* *due today* — the clock runs, not overdue, and the due instant falls before midnight today
  (Hà Nội time);
* *step late* — the clock runs and the current step is past its own due instant.

Step times are measured in office time (working days × the office hours of the dossier's
reception point, the same clock the deadlines use) and exclude the time paused; see
:mod:`motcua.indicators.stats`. Aggregations run in the database, one query per table; the
medians and 90th percentiles are computed in Python from one query of the steps finished in
the period (fine for one supervisor's scope and a period of up to a year: a few hundred
thousand rows at most; the Decision 766 rollups of issue 8 will precompute them).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDate
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import Dossier, DossierStep, Pause, StepOutcome
from motcua.dossiers.selectors import dossiers_visible_to, supervisor_sees_all
from motcua.dossiers.states import CLOCK_RUNNING, CLOCK_STOPPED, OPEN_AFTER_RECEPTION, State
from motcua.indicators.stats import StepSample, active_office_seconds, summarize_steps
from motcua.org.models import Agency, ServicePoint, User
from motcua.workcal import DEFAULT_OFFICE_HOURS, OfficeHours
from motcua.workcal.selectors import calendar_current, office_hours_of
from motcua.workcal.types import VN_TZ

#: ``step=-``: dossiers with no current processing step (at the one-stop, or all steps done).
NO_STEP = "-"
#: ``point=-``: dossiers without a reception point.
NO_POINT = "-"
#: Days of the service point load table.
LOAD_DAYS = 7
#: Longest period of a list or of the step statistics.
MAX_PERIOD_DAYS = 366


class Due(enum.StrEnum):
    OPEN = "open"
    WAITING = "waiting"
    TODAY = "today"
    OVERDUE = "overdue"
    STEP_LATE = "step_late"

    @property
    def label(self) -> Promise:
        return DUE_LABELS[self]


DUE_LABELS: dict[Due, Promise] = {
    Due.OPEN: _("being settled"),
    Due.WAITING: _("waiting on the citizen"),
    Due.TODAY: _("due today"),
    Due.OVERDUE: _("overdue"),
    Due.STEP_LATE: _("current step late"),
}

_PAUSED_BUT_COUNTING = frozenset({State.FINANCIAL_OBLIGATION, State.PAUSED})


# --------------------------------------------------------------------------- time helpers
def local_day(instant: dt.datetime) -> dt.date:
    return instant.astimezone(VN_TZ).date()


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in Hà Nội."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=VN_TZ)


def days_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[first 00:00, last + 1 00:00)`` in Hà Nội time."""
    return day_start(first), day_start(last + dt.timedelta(days=1))


# --------------------------------------------------------------------------- conditions
def open_condition() -> Q:
    return Q(state__in=list(OPEN_AFTER_RECEPTION))


def waiting_condition() -> Q:
    return Q(state__in=list(CLOCK_STOPPED))


def overdue_condition(now: dt.datetime) -> Q:
    paused_after_due = Exists(
        Pause.objects.filter(
            dossier=OuterRef("pk"), ended_at__isnull=True, started_at__gt=OuterRef("due_at")
        )
    )
    return (
        Q(state__in=list(CLOCK_RUNNING), due_at__lt=now)
        | (Q(state__in=list(_PAUSED_BUT_COUNTING)) & Q(paused_after_due))
        | Q(state__in=list(OPEN_AFTER_RECEPTION), forced_late=True)
    )


def due_today_condition(now: dt.datetime) -> Q:
    tomorrow = day_start(local_day(now) + dt.timedelta(days=1))
    return Q(state__in=list(CLOCK_RUNNING), forced_late=False, due_at__gte=now, due_at__lt=tomorrow)


def step_late_condition(now: dt.datetime) -> Q:
    return Q(state__in=list(CLOCK_RUNNING), current_step__due_at__lt=now)


_CONDITIONS: dict[Due, Callable[[dt.datetime], Q]] = {
    Due.OPEN: lambda now: open_condition(),
    Due.WAITING: lambda now: waiting_condition(),
    Due.TODAY: due_today_condition,
    Due.OVERDUE: overdue_condition,
    Due.STEP_LATE: step_late_condition,
}


def due_condition(due: Due, now: dt.datetime) -> Q:
    """The condition behind a column of the summary (every one implies *open*)."""
    return _CONDITIONS[due](now)


# --------------------------------------------------------------------------- the filter
@dataclass(frozen=True, slots=True)
class DossierFilter:
    """What a list page shows; every number of the summary carries one.

    Two kinds of list:

    * dossiers (default): ``agency`` = current agency, ``step`` = current step name
      (:data:`NO_STEP` for none), ``due`` = a column of the summary, ``point`` = reception
      point (:data:`NO_POINT` for none), ``day`` or ``date_from``/``date_to`` = received in;
    * finished steps (``done_step`` given): steps of that name finished in
      ``date_from``–``date_to``, ``agency`` = the step's agency, ``late`` = marked late on
      form 05. One row per step.
    """

    agency: str = ""
    step: str = ""
    due: Due | None = None
    point: str = ""
    day: dt.date | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    done_step: str = ""
    late: bool = False

    @property
    def lists_steps(self) -> bool:
        return bool(self.done_step)

    def params(self) -> dict[str, str]:
        """The query parameters, in a fixed order, without the empty ones."""
        raw: list[tuple[str, str]] = [
            ("agency", self.agency),
            ("step", self.step),
            ("due", self.due.value if self.due else ""),
            ("point", self.point),
            ("day", self.day.isoformat() if self.day else ""),
            ("done_step", self.done_step),
            ("from", self.date_from.isoformat() if self.date_from else ""),
            ("to", self.date_to.isoformat() if self.date_to else ""),
            ("late", "1" if self.late else ""),
        ]
        return {k: v for k, v in raw if v}

    def querystring(self) -> str:
        return urlencode(self.params())


@dataclass(frozen=True, slots=True)
class Cell:
    """A number and the filter of the dossiers behind it."""

    value: float
    query: str

    @property
    def is_zero(self) -> bool:
        return self.value == 0


# --------------------------------------------------------------------------- summary rows
@dataclass(frozen=True, slots=True)
class DueRow:
    key: str
    label: str
    open: Cell
    waiting: Cell
    today: Cell
    overdue: Cell
    step_late: Cell


@dataclass(frozen=True, slots=True)
class StepTimeRow:
    step: str
    agency_code: str
    agency_label: str
    count: Cell
    median_hours: Cell
    p90_hours: Cell
    budget_hours: Cell
    ratio: Cell  # p90 / budget
    late: Cell

    @property
    def losing_time(self) -> bool:
        return self.ratio.value > 1


@dataclass(frozen=True, slots=True)
class LoadRow:
    code: str
    label: str
    cells: list[Cell]
    total: Cell


@dataclass(frozen=True, slots=True)
class Summary:
    now: dt.datetime
    city_wide: bool
    agency: Agency | None
    by_agency: list[DueRow]
    agency_total: DueRow
    by_step: list[DueRow]
    step_total: DueRow
    period_from: dt.date
    period_to: dt.date
    step_times: list[StepTimeRow]
    load_days: list[dt.date]
    load_rows: list[LoadRow]
    load_day_totals: list[Cell]
    load_total: Cell


def _agency_label(code: str | None, name: str | None) -> str:
    return name or code or ""


_COUNTS = ("open", "waiting", "today", "overdue", "step_late")


def _due_counts(qs: QuerySet[Dossier], now: dt.datetime, *group: str) -> list[dict[str, Any]]:
    """One grouped query: the columns of the due tables per ``group``."""
    return list(
        qs.filter(open_condition())
        .values(*group)
        .annotate(
            open=Count("pk"),
            waiting=Count("pk", filter=due_condition(Due.WAITING, now)),
            today=Count("pk", filter=due_condition(Due.TODAY, now)),
            overdue=Count("pk", filter=due_condition(Due.OVERDUE, now)),
            step_late=Count("pk", filter=due_condition(Due.STEP_LATE, now)),
        )
        .order_by(*group)
    )


def _due_row(key: str, label: str, counts: dict[str, int], base: DossierFilter) -> DueRow:
    def cell(due: Due, n: int) -> Cell:
        return Cell(
            n,
            DossierFilter(agency=base.agency, step=base.step, due=due).querystring(),
        )

    return DueRow(
        key=key,
        label=label,
        open=cell(Due.OPEN, counts["open"]),
        waiting=cell(Due.WAITING, counts["waiting"]),
        today=cell(Due.TODAY, counts["today"]),
        overdue=cell(Due.OVERDUE, counts["overdue"]),
        step_late=cell(Due.STEP_LATE, counts["step_late"]),
    )


def _worst_first(row: DueRow) -> tuple[float, float, float, str]:
    return (-row.overdue.value, -row.step_late.value, -row.today.value, row.label)


def _totals(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    totals = dict.fromkeys(_COUNTS, 0)
    for row in rows:
        for k in _COUNTS:
            totals[k] += row[k]
    return totals


def _by_agency(qs: QuerySet[Dossier], now: dt.datetime) -> tuple[list[DueRow], DueRow]:
    raw = _due_counts(qs, now, "current_agency__code", "current_agency__name")
    rows = [
        _due_row(
            r["current_agency__code"],
            _agency_label(r["current_agency__code"], r["current_agency__name"]),
            r,
            DossierFilter(agency=r["current_agency__code"]),
        )
        for r in raw
    ]
    total = _due_row("", str(_("Total")), _totals(raw), DossierFilter())
    return sorted(rows, key=_worst_first), total


def _by_step(qs: QuerySet[Dossier], now: dt.datetime) -> tuple[list[DueRow], DueRow]:
    raw = _due_counts(qs, now, "current_step__name")
    rows = []
    for r in raw:
        name = r["current_step__name"]
        key = name if name else NO_STEP
        label = name if name else str(_("No processing step (at the one-stop, or all steps done)"))
        rows.append(_due_row(key, label, r, DossierFilter(step=key)))
    total = _due_row("", str(_("Total")), _totals(raw), DossierFilter())
    return sorted(rows, key=_worst_first), total


# --------------------------------------------------------------------------- step times
@dataclass(frozen=True, slots=True)
class MeasuredStep:
    """A finished step with the office time it took (pauses excluded)."""

    step: DossierStep
    seconds: float

    @property
    def hours(self) -> float:
        return self.seconds / 3600

    @property
    def budget_hours(self) -> float:
        return self.step.budget_seconds / 3600

    @property
    def late(self) -> bool:
        return self.step.outcome == StepOutcome.LATE

    @property
    def over_budget(self) -> bool:
        return self.seconds > self.step.budget_seconds


def _finished_steps(
    visible: QuerySet[Dossier],
    date_from: dt.date,
    date_to: dt.date,
    *,
    name: str = "",
    agency: str = "",
    late: bool = False,
) -> QuerySet[DossierStep]:
    lo, hi = days_range(date_from, date_to)
    qs = DossierStep.objects.filter(
        dossier__in=visible.values("pk"),
        started_at__isnull=False,
        finished_at__gte=lo,
        finished_at__lt=hi,
    )
    if name:
        qs = qs.filter(name=name)
    if agency:
        qs = qs.filter(agency__code=agency)
    if late:
        qs = qs.filter(outcome=StepOutcome.LATE)
    return qs


def measure_steps(steps: QuerySet[DossierStep]) -> list[MeasuredStep]:
    """The office time of each step (two queries: the steps, the pauses of their dossiers).

    ``steps`` must select the related ``dossier__reception_point`` (its office hours)."""
    rows = list(steps)
    pauses: dict[int, list[tuple[dt.datetime, dt.datetime | None]]] = defaultdict(list)
    if rows:
        for dossier_id, started, ended in Pause.objects.filter(
            dossier_id__in=steps.values("dossier_id")
        ).values_list("dossier_id", "started_at", "ended_at"):
            pauses[dossier_id].append((started, ended))
    cal = calendar_current()
    hours: dict[int | None, OfficeHours] = {None: DEFAULT_OFFICE_HOURS}
    measured = []
    for step in rows:
        if step.started_at is None or step.finished_at is None:  # excluded by the query
            continue
        point = step.dossier.reception_point
        key = point.pk if point is not None else None
        if key not in hours and point is not None:
            hours[key] = office_hours_of(point)
        seconds = active_office_seconds(
            step.started_at,
            step.finished_at,
            pauses.get(step.dossier_id, ()),
            cal,
            office_hours=hours[key],
        )
        measured.append(MeasuredStep(step, seconds))
    return measured


def _step_times(
    visible: QuerySet[Dossier], date_from: dt.date, date_to: dt.date
) -> list[StepTimeRow]:
    steps = _finished_steps(visible, date_from, date_to).select_related(
        "agency", "dossier__reception_point"
    )
    groups: dict[tuple[str, str], list[MeasuredStep]] = defaultdict(list)
    for m in measure_steps(steps):
        groups[(m.step.agency.code, m.step.name)].append(m)
    rows = []
    for (agency_code, name), members in groups.items():
        agency = members[0].step.agency
        summary = summarize_steps(
            [StepSample(m.seconds, m.step.budget_seconds, m.late) for m in members]
        )
        base = DossierFilter(
            agency=agency_code, done_step=name, date_from=date_from, date_to=date_to
        )
        query = base.querystring()
        rows.append(
            StepTimeRow(
                step=name,
                agency_code=agency_code,
                agency_label=_agency_label(agency.code, agency.name),
                count=Cell(summary.count, query),
                median_hours=Cell(summary.median_seconds / 3600, query),
                p90_hours=Cell(summary.p90_seconds / 3600, query),
                budget_hours=Cell(summary.budget_seconds / 3600, query),
                ratio=Cell(summary.p90_over_budget, query),
                late=Cell(
                    summary.late,
                    DossierFilter(
                        agency=agency_code,
                        done_step=name,
                        date_from=date_from,
                        date_to=date_to,
                        late=True,
                    ).querystring(),
                ),
            )
        )
    rows.sort(key=lambda r: (-r.ratio.value, -r.count.value, r.agency_label, r.step))
    return rows


# --------------------------------------------------------------------------- load
def _load(
    visible: QuerySet[Dossier], last: dt.date
) -> tuple[list[dt.date], list[LoadRow], list[Cell], Cell]:
    days = [last - dt.timedelta(days=LOAD_DAYS - 1 - i) for i in range(LOAD_DAYS)]
    lo, hi = days_range(days[0], days[-1])
    raw = (
        visible.filter(received_at__gte=lo, received_at__lt=hi)
        .annotate(day=TruncDate("received_at", tzinfo=VN_TZ))
        .values("reception_point__code", "reception_point__name", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    grid: dict[str, dict[dt.date, int]] = defaultdict(dict)
    names: dict[str, str] = {}
    for r in raw:
        code = r["reception_point__code"] or NO_POINT
        names[code] = r["reception_point__name"] or str(_("No reception point"))
        grid[code][r["day"]] = grid[code].get(r["day"], 0) + r["n"]
    rows = []
    for code, per_day in grid.items():
        cells = [
            Cell(per_day.get(day, 0), DossierFilter(point=code, day=day).querystring())
            for day in days
        ]
        rows.append(
            LoadRow(
                code=code,
                label=names[code],
                cells=cells,
                total=Cell(
                    sum(per_day.values()),
                    DossierFilter(point=code, date_from=days[0], date_to=days[-1]).querystring(),
                ),
            )
        )
    rows.sort(key=lambda r: (-r.total.value, r.label))
    day_totals = [
        Cell(sum(grid[c].get(day, 0) for c in grid), DossierFilter(day=day).querystring())
        for day in days
    ]
    total = Cell(
        sum(c.value for c in day_totals),
        DossierFilter(date_from=days[0], date_to=days[-1]).querystring(),
    )
    return days, rows, day_totals, total


# --------------------------------------------------------------------------- entry points
def supervision_summary(
    *, user: User, now: dt.datetime, until: dt.date, period_days: int
) -> Summary:
    """The supervisor's page: due today / overdue by agency and by step (as of ``now``),
    step times in the ``period_days`` ending on ``until``, service point load in the
    :data:`LOAD_DAYS` ending on ``until``."""
    visible = dossiers_visible_to(user)
    by_agency, agency_total = _by_agency(visible, now)
    by_step, step_total = _by_step(visible, now)
    period_from = until - dt.timedelta(days=period_days - 1)
    load_days, load_rows, load_day_totals, load_total = _load(visible, until)
    return Summary(
        now=now,
        city_wide=supervisor_sees_all(user),
        agency=user.agency,
        by_agency=by_agency,
        agency_total=agency_total,
        by_step=by_step,
        step_total=step_total,
        period_from=period_from,
        period_to=until,
        step_times=_step_times(visible, period_from, until),
        load_days=load_days,
        load_rows=load_rows,
        load_day_totals=load_day_totals,
        load_total=load_total,
    )


def supervision_dossiers(*, user: User, flt: DossierFilter, now: dt.datetime) -> QuerySet[Dossier]:
    """The dossiers behind a number of the summary (dossier lists), most urgent first, with
    ``is_overdue``, ``is_due_today`` and ``is_step_late`` as of ``now``."""
    qs = dossiers_visible_to(user)
    if flt.agency:
        qs = qs.filter(current_agency__code=flt.agency)
    if flt.step == NO_STEP:
        qs = qs.filter(current_step__isnull=True)
    elif flt.step:
        qs = qs.filter(current_step__name=flt.step)
    if flt.due is not None:
        qs = qs.filter(due_condition(flt.due, now))
    if flt.point == NO_POINT:
        qs = qs.filter(reception_point__isnull=True)
    elif flt.point:
        qs = qs.filter(reception_point__code=flt.point)
    first = flt.day or flt.date_from
    last = flt.day or flt.date_to
    if first is not None:
        qs = qs.filter(received_at__gte=day_start(first))
    if last is not None:
        qs = qs.filter(received_at__lt=day_start(last + dt.timedelta(days=1)))
    return (
        qs.select_related(
            "procedure_version__procedure",
            "current_agency",
            "current_step",
            "reception_point",
        )
        .annotate(
            is_overdue=ExpressionWrapper(overdue_condition(now), output_field=BooleanField()),
            is_due_today=ExpressionWrapper(due_today_condition(now), output_field=BooleanField()),
            is_step_late=ExpressionWrapper(step_late_condition(now), output_field=BooleanField()),
        )
        .order_by(F("due_at").asc(nulls_last=True), "code", "pk")
    )


def supervision_steps(*, user: User, flt: DossierFilter) -> list[MeasuredStep]:
    """The finished steps behind a row of the step-time table, slowest first."""
    if flt.date_from is None or flt.date_to is None:
        raise ValueError("a step list needs its period")
    steps = _finished_steps(
        dossiers_visible_to(user),
        flt.date_from,
        flt.date_to,
        name=flt.done_step,
        agency=flt.agency,
        late=flt.late,
    ).select_related("agency", "dossier__reception_point", "dossier__procedure_version__procedure")
    return sorted(measure_steps(steps), key=lambda m: (-m.seconds, m.step.pk))


@dataclass(frozen=True, slots=True)
class FilterPart:
    label: Promise
    value: str


def describe_filter(flt: DossierFilter) -> list[FilterPart]:
    """The filter in words, for the heading of a list (at most two small queries)."""
    parts: list[FilterPart] = []
    if flt.agency:
        agency = Agency.objects.filter(code=flt.agency).only("name").first()
        parts.append(FilterPart(_("Agency"), agency.name if agency else flt.agency))
    if flt.done_step:
        parts.append(FilterPart(_("Finished step"), flt.done_step))
    if flt.step:
        step = str(_("no processing step")) if flt.step == NO_STEP else flt.step
        parts.append(FilterPart(_("Current step"), step))
    if flt.due is not None:
        parts.append(FilterPart(_("Situation"), str(flt.due.label)))
    if flt.point:
        point = (
            ServicePoint.objects.filter(code=flt.point).only("name").first()
            if flt.point != NO_POINT
            else None
        )
        name = point.name if point else str(_("no reception point"))
        parts.append(FilterPart(_("Reception point"), name))
    if flt.day:
        parts.append(FilterPart(_("Received on"), flt.day.strftime("%d/%m/%Y")))
    if flt.date_from and flt.date_to:
        label = _("Finished between") if flt.lists_steps else _("Received between")
        parts.append(
            FilterPart(
                label, f"{flt.date_from.strftime('%d/%m/%Y')} – {flt.date_to.strftime('%d/%m/%Y')}"
            )
        )
    if flt.late:
        parts.append(FilterPart(_("Form 05 result"), str(StepOutcome.LATE.label)))
    return parts
