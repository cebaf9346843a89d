"""Deadline arithmetic: due instants, pauses, classification, per-step budgets.

All functions take aware datetimes and return aware datetimes in Asia/Ho_Chi_Minh. Office
time is measured on the calendar's working days within the office-hours sessions, to the
microsecond.

Rules (see :mod:`motcua.workcal.rules` for the legal basis):

* **effective reception day** — the reception day, unless the dossier was received at or
  after the cut-off (15:00, when the cut-off is on), after closing, or on a day that is not a
  working day: then the next working day;
* ``working_days`` N — end of office hours of the N-th working day after the effective
  reception day (N = 0: that day itself); ``same_day`` — as ``working_days`` 0;
* ``days`` N — effective reception day + N calendar days, moved to the next working day if
  needed, at end of office hours;
* ``months`` N — the same day number N months later (the month's last day when it does not
  exist), moved to the next working day if needed, at end of office hours;
* ``working_hours`` N — the earliest instant at which N hours of office time have passed since
  reception (since the next opening when received outside office hours); no cut-off;
* pauses — a supplement restarts the limit from the instant the complete supplement arrived;
  any other pause pushes the due instant by the office time it consumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .calendar import WorkingCalendar, default_calendar
from .hours import DEFAULT_OFFICE_HOURS, OfficeHours
from .rules import RuleSet, ruleset_for
from .types import DAY_UNITS, VN_TZ, Outcome, Pause, PauseKind, TimeLimit, Unit, ensure_aware

__all__ = [
    "DeadlineResult",
    "ScheduledStep",
    "StepBudget",
    "add_months",
    "add_office_time",
    "classify",
    "compute_deadline",
    "effective_reception_day",
    "office_time_between",
    "remaining_office_time",
    "schedule_steps",
]

_US = 1_000_000
_HOUR_US = 3600 * _US


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=VN_TZ)


def _at(day: date, us_of_day: int) -> datetime:
    return _local_midnight(day) + timedelta(microseconds=us_of_day)


def _us_of_day(local: datetime) -> int:
    return (local.hour * 3600 + local.minute * 60 + local.second) * _US + local.microsecond


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` months; the month's last day if the day does not exist."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last = (nxt - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


class _Clock:
    """Office-time positions on one calendar with one set of office hours."""

    __slots__ = ("cal", "oh", "w")

    def __init__(self, cal: WorkingCalendar, oh: OfficeHours) -> None:
        self.cal = cal
        self.oh = oh
        self.w = oh.daily_us

    def position(self, local: datetime) -> int:
        """Office time (µs) from the calendar's start to ``local``."""
        day = local.date()
        base = self.cal.working_rank(day) * self.w
        if self.cal.is_working_day(day):
            return base + self.oh.elapsed_us(_us_of_day(local))
        return base

    def instant(self, pos: int) -> datetime:
        """Earliest instant whose position is ``pos`` (``pos`` > 0)."""
        q, rem = divmod(pos - 1, self.w)
        return _at(self.cal.working_day_at(q), self.oh.instant_us(rem + 1))

    def start(self, local: datetime) -> datetime:
        """``local`` if it is office time, else the next opening."""
        day = local.date()
        if self.cal.is_working_day(day):
            us = _us_of_day(local)
            if self.oh.in_session_us(us):
                return local
            nxt = self.oh.next_start_us(us)
            if nxt is not None:
                return _at(day, nxt)
        return _at(self.cal.next_working_day(day, include=False), self.oh.opening_us)

    def add(self, local: datetime, amount_us: int) -> datetime:
        if amount_us <= 0:
            return self.start(local) if amount_us == 0 else local
        return self.instant(self.position(local) + amount_us)


def effective_reception_day(
    received: datetime,
    calendar: WorkingCalendar | None = None,
    *,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    cutoff: bool = True,
    ruleset: RuleSet | None = None,
) -> date:
    """The working day a dossier counts as received on (cut-off, closing, non-working days)."""
    local = ensure_aware(received, "received")
    cal = calendar or default_calendar()
    rs = ruleset or ruleset_for(local.date())
    day, us = local.date(), _us_of_day(local)
    if (
        cal.is_working_day(day)
        and us < office_hours.closing_us
        and (not cutoff or us < _us_of_day_time(rs))
    ):
        return day
    return cal.next_working_day(day, include=False)


def _us_of_day_time(rs: RuleSet) -> int:
    t = rs.cutoff
    return (t.hour * 3600 + t.minute * 60 + t.second) * _US + t.microsecond


@dataclass(frozen=True, slots=True)
class DeadlineResult:
    """The legal due instant of a time limit, with what is needed to explain it."""

    due: datetime
    effective_reception_day: date
    working_days_skipped: tuple[date, ...]  # non-working days from counting start to due
    ruleset: RuleSet
    limit: TimeLimit
    received: datetime  # the original reception instant
    counted_from: datetime  # the reception, or the end of the last supplement (restart)
    paused: timedelta  # office time added by pauses

    @property
    def ruleset_version(self) -> str:
        return self.ruleset.version

    def to_dict(self) -> dict[str, object]:
        return {
            "due": self.due.isoformat(),
            "effective_reception_day": self.effective_reception_day.isoformat(),
            "working_days_skipped": [d.isoformat() for d in self.working_days_skipped],
            "rule_set": self.ruleset.version,
        }


def _base_due(
    start: datetime,
    limit: TimeLimit,
    clock: _Clock,
    rs: RuleSet,
    cutoff: bool,
) -> tuple[datetime, date]:
    cal, oh = clock.cal, clock.oh
    if limit.unit is Unit.WORKING_HOURS:
        begin = clock.start(start)
        if limit.value == 0:
            return begin, begin.date()
        return clock.instant(clock.position(begin) + limit.value * _HOUR_US), begin.date()
    eff = effective_reception_day(start, cal, office_hours=oh, cutoff=cutoff, ruleset=rs)
    if limit.unit is Unit.WORKING_DAYS:
        due_day = cal.add_working_days(eff, limit.value)
    elif limit.unit is Unit.SAME_DAY:
        due_day = eff
    elif limit.unit is Unit.DAYS:
        due_day = cal.next_working_day(eff + timedelta(days=limit.value))
    else:
        due_day = cal.next_working_day(add_months(eff, limit.value))
    return _at(due_day, oh.closing_us), eff


def _merged_office_time(clock: _Clock, intervals: Sequence[tuple[datetime, datetime]]) -> int:
    total = 0
    cur_s: datetime | None = None
    cur_e: datetime | None = None
    for s, e in sorted(intervals):
        if cur_s is None or cur_e is None or s > cur_e:
            if cur_s is not None and cur_e is not None:
                total += clock.position(cur_e) - clock.position(cur_s)
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_s is not None and cur_e is not None:
        total += clock.position(cur_e) - clock.position(cur_s)
    return total


def compute_deadline(
    received: datetime,
    limit: TimeLimit,
    calendar: WorkingCalendar | None = None,
    *,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    cutoff: bool = True,
    pauses: Sequence[Pause] = (),
    ruleset: RuleSet | None = None,
) -> DeadlineResult:
    """The legal due instant of ``limit`` for a dossier received at ``received``.

    ``cutoff`` switches the 15:00 cut-off (day units only). ``pauses`` are closed intervals:
    the latest :attr:`PauseKind.SUPPLEMENT` restarts the limit from its end (the complete
    supplement); the others push the due instant by the office time they consumed after the
    counting start (overlapping pauses count once). The rule set is the one in force on the
    reception date unless given.
    """
    local = ensure_aware(received, "received")
    cal = calendar or default_calendar()
    rs = ruleset or ruleset_for(local.date())
    clock = _Clock(cal, office_hours)

    start = local
    extending: list[Pause] = []
    for p in pauses:
        if p.kind is PauseKind.SUPPLEMENT and rs.supplement_restarts:
            start = max(start, p.end)
        elif rs.pauses_extend or p.kind is PauseKind.SUPPLEMENT:
            extending.append(p)

    due, eff = _base_due(start, limit, clock, rs, cutoff)
    # Counting starts on the effective reception day: a pause before it (received after the
    # cut-off or outside office hours, paused before the next working day) costs nothing.
    floor = start
    if limit.unit in DAY_UNITS and eff > start.date():
        floor = max(start, _at(eff, office_hours.opening_us))
    intervals = [(max(p.start, floor), p.end) for p in extending if p.end > floor]
    paused_us = _merged_office_time(clock, intervals) if intervals else 0
    if paused_us > 0:
        due = clock.instant(clock.position(due) + paused_us)
    skipped = tuple(cal.non_working_days(start.date(), due.date()))
    return DeadlineResult(
        due=due,
        effective_reception_day=eff,
        working_days_skipped=skipped,
        ruleset=rs,
        limit=limit,
        received=local,
        counted_from=start,
        paused=timedelta(microseconds=paused_us),
    )


def classify(completed_at: datetime, due: datetime | DeadlineResult) -> Outcome:
    """EARLY before the due day, ON_TIME on it (not after the due instant), else LATE."""
    done = ensure_aware(completed_at, "completed_at")
    due_at = ensure_aware(due.due if isinstance(due, DeadlineResult) else due, "due")
    if done > due_at:
        return Outcome.LATE
    if done.date() < due_at.date():
        return Outcome.EARLY
    return Outcome.ON_TIME


def office_time_between(
    start: datetime,
    end: datetime,
    calendar: WorkingCalendar | None = None,
    *,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> timedelta:
    """Office time from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    clock = _Clock(calendar or default_calendar(), office_hours)
    a = ensure_aware(start, "start")
    b = ensure_aware(end, "end")
    return timedelta(microseconds=clock.position(b) - clock.position(a))


def remaining_office_time(
    at: datetime,
    due: datetime | DeadlineResult,
    calendar: WorkingCalendar | None = None,
    *,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> timedelta:
    """Office time left at ``at`` until ``due``; negative (overdue) after it."""
    due_at = due.due if isinstance(due, DeadlineResult) else due
    return office_time_between(at, due_at, calendar, office_hours=office_hours)


def add_office_time(
    start: datetime,
    amount: timedelta,
    calendar: WorkingCalendar | None = None,
    *,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> datetime:
    """Earliest instant at which ``amount`` of office time has passed since ``start``.

    ``amount`` = 0 gives ``start`` if it is office time, else the next opening.
    """
    if amount < timedelta(0):
        raise ValueError("amount must not be negative")
    clock = _Clock(calendar or default_calendar(), office_hours)
    us = amount // timedelta(microseconds=1)
    return clock.add(ensure_aware(start, "start"), us)


# ------------------------------------------------------------------------- per-step budgets
_STEP_UNITS = frozenset({Unit.WORKING_HOURS, Unit.WORKING_DAYS})


@dataclass(frozen=True, slots=True)
class StepBudget:
    """One step of an internal process with its time budget (working hours or days)."""

    code: str
    limit: TimeLimit
    agency: str = ""
    name: str = ""

    def __post_init__(self) -> None:
        if self.limit.unit not in _STEP_UNITS:
            raise ValueError("a step budget is in working_hours or working_days")


@dataclass(frozen=True, slots=True)
class ScheduledStep:
    """A step laid on the calendar: its own start and due instants."""

    index: int
    budget: StepBudget
    start: datetime
    due: datetime

    @property
    def code(self) -> str:
        return self.budget.code

    @property
    def agency(self) -> str:
        return self.budget.agency

    def outcome(self, finished_at: datetime) -> Outcome:
        return classify(finished_at, self.due)


def schedule_steps(
    received: datetime,
    steps: Sequence[StepBudget],
    calendar: WorkingCalendar | None = None,
    *,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    cutoff: bool = True,
) -> tuple[ScheduledStep, ...]:
    """Lay step budgets end to end from ``received``.

    Step 1 starts at reception, each next step at the previous step's due instant. A
    working-day budget N ends at closing of the N-th working day after the step's base day:
    for the first step the effective reception day (cut-off applies), for later steps the
    day on which the step starts. A working-hour budget ends when that much office time has
    passed since the step's start.
    """
    local = ensure_aware(received, "received")
    cal = calendar or default_calendar()
    clock = _Clock(cal, office_hours)
    out: list[ScheduledStep] = []
    cur = local
    for i, step in enumerate(steps):
        n = step.limit.value
        if step.limit.unit is Unit.WORKING_DAYS:
            if i == 0:
                base = effective_reception_day(cur, cal, office_hours=office_hours, cutoff=cutoff)
            else:
                base = cal.next_working_day(cur.date())
            due = _at(cal.add_working_days(base, n), office_hours.closing_us)
        else:
            due = clock.add(cur, n * _HOUR_US)
        out.append(ScheduledStep(i, step, cur, due))
        cur = due
    return tuple(out)
