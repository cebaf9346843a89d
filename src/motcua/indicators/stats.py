"""Small statistics for supervision and indicators: order statistics of durations and the
time a processing step really took, in office time, against its budget.

Framework-free (no Django import): the callers read the rows from the database in one query
each and hand plain values in. Everything here is pure and deterministic.

Definitions (documented because supervisors compare them with other reports):

* **percentile** — linear interpolation between the closest ranks of the sorted values
  (Hyndman & Fan type 7, the default of numpy and of Excel's ``PERCENTILE.INC``): the
  ``q``-th percentile of ``x₀ ≤ … ≤ xₙ₋₁`` is ``x[h]`` at the fractional rank
  ``h = (n − 1)·q``. The **median** is the 50th percentile (for an even count, the mean of
  the two middle values).
* **time of a step** — the office time (working days × office hours of the dossier's
  reception point, :func:`motcua.workcal.office_time_between`) from the step's start to its
  end, less the office time of the pauses that overlap it (time waiting on the citizen —
  supplements, financial obligations, verification at the citizen's request — is never the
  agency's time). Overlapping pauses are merged first, so no time is subtracted twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from motcua.workcal import DEFAULT_OFFICE_HOURS, OfficeHours, WorkingCalendar, office_time_between

__all__ = [
    "StepSample",
    "StepSummary",
    "active_office_seconds",
    "median",
    "merge_intervals",
    "percentile",
    "summarize_steps",
]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th quantile (``0 ≤ q ≤ 1``) of ``values`` by linear interpolation (type 7).

    Raises :class:`ValueError` for no values or ``q`` outside ``[0, 1]``.
    """
    if not 0.0 <= q <= 1.0 or math.isnan(q):
        raise ValueError(f"q must be between 0 and 1 (got {q!r})")
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    fraction = rank - low
    if fraction == 0.0 or ordered[low] == ordered[high]:
        return float(ordered[low])
    a, b = float(ordered[low]), float(ordered[high])
    # clamped: rounding of a + (b − a)·f must not step outside [a, b]
    return min(max(a + (b - a) * fraction, a), b)


def median(values: Sequence[float]) -> float:
    """The 50th percentile of ``values`` (see :func:`percentile`)."""
    return percentile(values, 0.5)


def merge_intervals(
    intervals: Iterable[tuple[datetime, datetime]],
) -> list[tuple[datetime, datetime]]:
    """The union of ``intervals`` as disjoint intervals, earliest first (empty ones dropped)."""
    ordered = sorted((a, b) for a, b in intervals if b > a)
    merged: list[tuple[datetime, datetime]] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def active_office_seconds(
    start: datetime,
    end: datetime,
    pauses: Iterable[tuple[datetime, datetime | None]] = (),
    calendar: WorkingCalendar | None = None,
    *,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> float:
    """Office seconds from ``start`` to ``end`` while the clock ran: the office time of the
    interval less that of the ``pauses`` (``(from, until)``; ``until`` ``None`` = still
    paused) clipped to it. ``0`` when ``end`` is not after ``start``."""
    if end <= start:
        return 0.0
    clipped = [
        (max(p_start, start), min(p_end if p_end is not None else end, end))
        for p_start, p_end in pauses
    ]
    total = office_time_between(start, end, calendar, office_hours=office_hours).total_seconds()
    paused = sum(
        office_time_between(a, b, calendar, office_hours=office_hours).total_seconds()
        for a, b in merge_intervals(clipped)
    )
    return max(0.0, total - paused)


@dataclass(frozen=True, slots=True)
class StepSample:
    """One finished step: the office time it took, its budget, and whether form 05 marked it
    late (finished after its due instant)."""

    seconds: float
    budget_seconds: float
    late: bool = False


@dataclass(frozen=True, slots=True)
class StepSummary:
    """Order statistics of a group of finished steps (e.g. one step name in one agency)."""

    count: int
    median_seconds: float
    p90_seconds: float
    budget_seconds: float  # the median budget: budgets differ when plans are sized per dossier
    late: int

    @property
    def late_share(self) -> float:
        return self.late / self.count if self.count else 0.0

    @property
    def p90_over_budget(self) -> float:
        """How many budgets the slowest tenth take (> 1: time is lost at this step)."""
        return self.p90_seconds / self.budget_seconds if self.budget_seconds > 0 else math.inf


def summarize_steps(samples: Sequence[StepSample]) -> StepSummary:
    """Median and 90th percentile of the steps' office time, median budget, late count."""
    if not samples:
        raise ValueError("no steps to summarize")
    seconds = [s.seconds for s in samples]
    return StepSummary(
        count=len(samples),
        median_seconds=median(seconds),
        p90_seconds=percentile(seconds, 0.9),
        budget_seconds=median([s.budget_seconds for s in samples]),
        late=sum(1 for s in samples if s.late),
    )
