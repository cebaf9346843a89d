"""The working calendar: which days are working days, and why.

A working day is Monday-Friday that is not an official day off, plus any make-up Saturday.
Three layers decide, later ones winning:

1. the ``holidays`` package (Vietnam) — the base for years the official data does not cover;
2. the official announcements shipped in ``motcua/data/holidays_vn.csv`` — authoritative for
   every *announced* year (see :func:`~motcua.workcal.sources.official_years`, 2019-2026 with
   the shipped file): in those years a day is off only if the CSV says so, and a package
   holiday the CSV does not list is reported as a disagreement but not applied. A row with
   an empty kind is *unconfirmed*: reported, not applied (the day keeps its weekday status)
   unless ``apply_unconfirmed=True``. A package holiday whose name the CSV lists as
   unconfirmed (Ngày Văn hóa Việt Nam, 24/11) stays unconfirmed in later, unannounced years;
3. administrator :class:`~motcua.workcal.types.Override` objects, which win over everything.

:meth:`WorkingCalendar.explain` says, for one day, what each layer says, which one wins and
where layers disagree.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from .sources import OfficialEntry, PackageDay, official_entries, official_years, package_days
from .types import Layer, Override, Status

__all__ = [
    "CalendarRangeError",
    "DayExplanation",
    "Disagreement",
    "LayerOpinion",
    "WorkingCalendar",
    "YearReport",
    "default_calendar",
    "get_calendar",
]

_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 13 June 1975.
_FIRST_SUPPORTED_YEAR = 1976


class CalendarRangeError(ValueError):
    """A date outside the years the calendar was built for."""


@dataclass(frozen=True, slots=True)
class LayerOpinion:
    """What one layer says about one day."""

    layer: Layer
    status: Status
    name: str = ""
    detail: str = ""

    def describe(self, *, short: bool = False) -> str:
        """One line; ``short`` keeps only the first clause of the detail."""
        text = f"{self.layer.value}: {self.status.value}"
        if self.name:
            text += f" — {self.name}"
        detail = self.detail.split(";")[0].strip() if short else self.detail
        if detail:
            text += f" ({detail})"
        return text


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Two layers that disagree about whether a day is worked, and how it was resolved."""

    day: date
    first: LayerOpinion
    second: LayerOpinion
    working: bool  # the day's final status
    decided_by: Layer

    @property
    def message(self) -> str:
        outcome = "working day" if self.working else "day off"
        return (
            f"{self.day.isoformat()} ({_WEEKDAY_NAMES[self.day.weekday()]}): "
            f"{self.first.describe(short=True)}; {self.second.describe(short=True)} → {outcome} "
            f"(decided by {self.decided_by.value})"
        )


@dataclass(frozen=True, slots=True)
class DayExplanation:
    """Everything the calendar knows about one day."""

    day: date
    working: bool
    decided_by: Layer
    announced_year: bool  # is the official data authoritative for this year?
    opinions: tuple[LayerOpinion, ...]
    disagreements: tuple[Disagreement, ...]

    @property
    def weekday_default(self) -> bool:
        return self.day.weekday() < 5

    def opinion(self, layer: Layer) -> LayerOpinion | None:
        return next((o for o in self.opinions if o.layer is layer), None)

    @property
    def deciding(self) -> LayerOpinion:
        found = self.opinion(self.decided_by)
        if found is None:  # pragma: no cover - every decision has an opinion
            raise AssertionError(self)
        return found

    @property
    def name(self) -> str:
        """The name of the holiday/make-up day behind the decision (or of any layer)."""
        if self.deciding.name:
            return self.deciding.name
        return next((o.name for o in self.opinions if o.name), "")

    def describe(self) -> str:
        status = "working day / ngày làm việc" if self.working else "day off / ngày nghỉ"
        head = f"{self.day.isoformat()} ({_WEEKDAY_NAMES[self.day.weekday()]}): {status}"
        lines = [f"{head} — decided by {self.decided_by.value}"]
        lines.extend(f"  {o.describe()}" for o in self.opinions)
        lines.extend(f"  disagreement: {d.message}" for d in self.disagreements)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class YearReport:
    """Days off, make-up days, unconfirmed days and overrides of one year, with disagreements."""

    year: int
    announced: bool
    days: tuple[DayExplanation, ...]
    disagreements: tuple[Disagreement, ...]


@dataclass(frozen=True, slots=True)
class _Tables:
    day0: int  # proleptic ordinal of 1 January of the first year
    working: bytes  # one byte per day: 1 = working day
    wd: tuple[int, ...]  # ordinals of working days, ascending
    rank: tuple[int, ...]  # rank[i] = number of working days before day0 + i (len n + 1)


def _norm(name: str) -> str:
    name = unicodedata.normalize("NFC", name).casefold()
    name = name.replace("(dự kiến)", "")
    return " ".join(name.split())


def _pick_overrides(overrides: Iterable[Override]) -> dict[date, Override]:
    ordered = sorted(enumerate(overrides), key=lambda p: (p[1].decision_date or date.min, p[0]))
    return {o.day: o for _, o in ordered}


@dataclass(frozen=True, eq=False)
class WorkingCalendar:
    """An immutable working calendar over ``first_year``..``last_year`` (inclusive).

    Build it once and reuse it (see :func:`get_calendar`): the day tables are computed on
    first use and cached on the instance. Dates outside the span raise
    :class:`CalendarRangeError`.
    """

    overrides: tuple[Override, ...] = ()
    apply_unconfirmed: bool = False
    first_year: int = 2000
    last_year: int = 2100
    #: Official announcements; ``None`` means the file shipped with motcua.
    entries: tuple[OfficialEntry, ...] | None = None
    #: Years for which ``entries`` are authoritative; ``None`` derives them from the entries.
    announced_years: frozenset[int] | None = None
    use_package: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", tuple(self.overrides))
        if self.first_year < _FIRST_SUPPORTED_YEAR or self.last_year < self.first_year:
            raise ValueError(
                f"calendar years must satisfy {_FIRST_SUPPORTED_YEAR} <= first <= last"
            )

    # ---------------------------------------------------------------- layers
    @cached_property
    def _entries(self) -> Mapping[date, OfficialEntry]:
        entries = official_entries() if self.entries is None else self.entries
        return {e.day: e for e in entries}

    @cached_property
    def _announced(self) -> frozenset[int]:
        if self.announced_years is not None:
            return frozenset(self.announced_years)
        return official_years(self._entries.values())

    @cached_property
    def _unconfirmed_names(self) -> frozenset[str]:
        return frozenset(
            _norm(e.name) for e in self._entries.values() if e.status is Status.UNCONFIRMED
        )

    @cached_property
    def _package(self) -> Mapping[date, PackageDay]:
        if not self.use_package:
            return {}
        return package_days(self.first_year, self.last_year)

    @cached_property
    def _override_for(self) -> Mapping[date, Override]:
        return _pick_overrides(self.overrides)

    @property
    def span(self) -> tuple[date, date]:
        return date(self.first_year, 1, 1), date(self.last_year, 12, 31)

    def _check(self, day: date) -> None:
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarRangeError(
                f"{day.isoformat()} is outside the working calendar "
                f"({self.first_year}-{self.last_year})"
            )

    def explain(self, day: date) -> DayExplanation:
        """What each layer says about ``day``, which layer wins, and the disagreements."""
        self._check(day)
        weekday_working = day.weekday() < 5
        announced = day.year in self._announced
        opinions = [
            LayerOpinion(
                Layer.WEEKDAY,
                Status.WORKING if weekday_working else Status.OFF,
                "",
                "Monday-Friday" if weekday_working else "weekend",
            )
        ]
        working, decided = weekday_working, Layer.WEEKDAY
        pkg_op: LayerOpinion | None = None
        off_op: LayerOpinion | None = None

        pkg = self._package.get(day)
        entry = self._entries.get(day)
        if pkg is not None:
            pkg_op = LayerOpinion(Layer.PACKAGE, pkg.status, pkg.name, "holidays package")
            opinions.append(pkg_op)
            name_unconfirmed = (
                entry is None
                and pkg.status is Status.OFF
                and _norm(pkg.name) in self._unconfirmed_names
            )
            if not announced:
                if name_unconfirmed and not self.apply_unconfirmed:
                    off_op = LayerOpinion(
                        Layer.OFFICIAL,
                        Status.UNCONFIRMED,
                        pkg.name,
                        "the official data lists this holiday as not confirmed",
                    )
                    decided = Layer.OFFICIAL
                else:
                    working, decided = pkg.status is Status.WORKING, Layer.PACKAGE

        if entry is not None:
            detail = entry.kind or "unconfirmed, not applied"
            if entry.note:
                detail += f"; {entry.note}"
            off_op = LayerOpinion(Layer.OFFICIAL, entry.status, entry.name, detail)
            decided = Layer.OFFICIAL
            if entry.status is Status.UNCONFIRMED:
                working = weekday_working and not self.apply_unconfirmed
            else:
                working = entry.status is Status.WORKING
        elif announced:
            off_op = LayerOpinion(
                Layer.OFFICIAL,
                Status.SILENT,
                "",
                f"the announcements for {day.year} list nothing on this date",
            )
            working = weekday_working
            decided = Layer.OFFICIAL if pkg is not None else Layer.WEEKDAY
        elif off_op is not None:  # package holiday unconfirmed by name
            working = weekday_working
        if off_op is not None:
            opinions.append(off_op)

        disagreements: list[Disagreement] = []
        ovr = self._override_for.get(day)
        pre_override = working
        if ovr is not None:
            ovr_op = LayerOpinion(
                Layer.OVERRIDE,
                Status.WORKING if ovr.working else Status.OFF,
                ovr.reason,
                ovr.describe(),
            )
            opinions.append(ovr_op)
            working, decided_final = ovr.working, Layer.OVERRIDE
        else:
            decided_final = decided

        if (
            pkg_op is not None
            and off_op is not None
            and self._says_working(pkg_op, weekday_working)
            != self._says_working(off_op, weekday_working)
        ):
            disagreements.append(Disagreement(day, pkg_op, off_op, working, decided_final))
        if ovr is not None and ovr.working != pre_override:
            lower = next(o for o in opinions if o.layer is decided)
            disagreements.append(Disagreement(day, lower, opinions[-1], working, Layer.OVERRIDE))

        return DayExplanation(
            day=day,
            working=working,
            decided_by=decided_final,
            announced_year=announced,
            opinions=tuple(opinions),
            disagreements=tuple(disagreements),
        )

    def _says_working(self, op: LayerOpinion, weekday_working: bool) -> bool:
        if op.status is Status.OFF:
            return False
        if op.status is Status.WORKING:
            return True
        if op.status is Status.UNCONFIRMED and self.apply_unconfirmed:
            return False
        return weekday_working

    def year_report(self, year: int) -> YearReport:
        """Every day of ``year`` that some layer names (days off, make-up days, unconfirmed
        days, overrides) or whose status differs from its weekday, and the disagreements."""
        self._check(date(year, 1, 1))
        named = {
            d
            for d in itertools.chain(self._package, self._entries, self._override_for)
            if d.year == year
        }
        days: list[DayExplanation] = []
        for day in sorted(named):
            ex = self.explain(day)
            interesting = (
                ex.working != ex.weekday_default
                or ex.disagreements
                or (ex.decided_by is not Layer.WEEKDAY and ex.deciding.status is not Status.SILENT)
            )
            if interesting:
                days.append(ex)
        disagreements = tuple(d for ex in days for d in ex.disagreements)
        return YearReport(year, year in self._announced, tuple(days), disagreements)

    # ---------------------------------------------------------------- tables
    @cached_property
    def _tables(self) -> _Tables:
        first, last = self.span
        day0, n = first.toordinal(), (last - first).days + 1
        # Ordinal 1 (0001-01-01) is a Monday, so weekday = (ordinal - 1) % 7.
        working = bytearray(1 if (day0 + i - 1) % 7 < 5 else 0 for i in range(n))
        special = set(itertools.chain(self._package, self._entries, self._override_for))
        for day in special:
            if first <= day <= last:
                working[day.toordinal() - day0] = 1 if self.explain(day).working else 0
        wd = tuple(day0 + i for i in range(n) if working[i])
        rank = tuple(itertools.accumulate(working, initial=0))
        return _Tables(day0=day0, working=bytes(working), wd=wd, rank=rank)

    def raw_tables(self) -> tuple[int, bytes, tuple[int, ...], tuple[int, ...]]:
        """``(ordinal of the first day, working flag per day, working-day ordinals, ranks)``.

        ``ranks[i]`` is the number of working days before day ``i``; used by the bulk API.
        """
        t = self._tables
        return t.day0, t.working, t.wd, t.rank

    def is_working_day(self, day: date) -> bool:
        self._check(day)
        t = self._tables
        return t.working[day.toordinal() - t.day0] == 1

    def working_rank(self, day: date) -> int:
        """Number of working days in the calendar before ``day`` (its rank if it is one)."""
        self._check(day)
        t = self._tables
        return t.rank[day.toordinal() - t.day0]

    def working_day_at(self, rank: int) -> date:
        """The working day of the given rank (inverse of :meth:`working_rank`)."""
        t = self._tables
        if not 0 <= rank < len(t.wd):
            raise CalendarRangeError(
                f"a deadline falls outside the working calendar "
                f"({self.first_year}-{self.last_year})"
            )
        return date.fromordinal(t.wd[rank])

    def next_working_day(self, day: date, *, include: bool = True) -> date:
        """First working day on/after ``day`` (``include=True``) or strictly after it."""
        return self.working_day_at(self.working_rank(day + timedelta(days=0 if include else 1)))

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``n`` = 0 gives ``day`` itself)."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return day
        return self.working_day_at(self.working_rank(day + timedelta(days=1)) + n - 1)

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days ``d`` with ``start < d <= end`` (negative if reversed)."""
        return self.working_rank(end + timedelta(days=1)) - self.working_rank(
            start + timedelta(days=1)
        )

    def non_working_days(self, start: date, end: date) -> list[date]:
        """Non-working days in ``[start, end]``, ascending."""
        self._check(start)
        self._check(end)
        t = self._tables
        lo, hi = start.toordinal() - t.day0, end.toordinal() - t.day0
        return [date.fromordinal(t.day0 + i) for i in range(lo, hi + 1) if not t.working[i]]

    def working_days_in(self, year: int) -> list[date]:
        """All working days of ``year``, ascending."""
        self._check(date(year, 1, 1))
        t = self._tables
        lo = date(year, 1, 1).toordinal()
        hi = date(year, 12, 31).toordinal()
        return [date.fromordinal(o) for o in t.wd if lo <= o <= hi]


@functools.lru_cache(maxsize=16)
def _cached_calendar(overrides: tuple[Override, ...], apply_unconfirmed: bool) -> WorkingCalendar:
    return WorkingCalendar(overrides=overrides, apply_unconfirmed=apply_unconfirmed)


def get_calendar(
    overrides: Sequence[Override] = (), *, apply_unconfirmed: bool = False
) -> WorkingCalendar:
    """A cached calendar (2000-2100, shipped data) for these overrides.

    Calls with equal overrides return the same instance, so its tables are built once.
    """
    return _cached_calendar(tuple(overrides), apply_unconfirmed)


def default_calendar() -> WorkingCalendar:
    """The calendar with no overrides."""
    return get_calendar(())
