"""Vectorised due instants for many dossiers at once (numpy).

The calendar's working days are turned into integer tables once per calendar (cached):

* ``working[i]`` — is day ``day0 + i`` a working day;
* ``rank[i]`` — how many working days come before day ``day0 + i`` (so ``rank[i]`` is also the
  index of the first working day on or after it);
* ``wd`` — the working days themselves (epoch days), ascending; ``wd[rank[i] + n]`` is the
  n-th working day after an effective day.

Make-up Saturdays and swapped days are ordinary entries of these tables, which is why
``numpy.busday_offset`` (a weekmask plus holidays) cannot give the answer. Working-hour limits
map instants to *office-time positions* (``rank * daily + elapsed``) and back, finding the
session with ``np.searchsorted``.

Instants are int64 epoch seconds (UTC); Asia/Ho_Chi_Minh is a fixed UTC+7 over the supported
years, so local days are ``(t + 25200) // 86400``. Results match
:func:`motcua.workcal.deadlines.compute_deadline` (without pauses) to the second.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from .calendar import CalendarRangeError, WorkingCalendar, default_calendar
from .hours import DEFAULT_OFFICE_HOURS, OfficeHours
from .rules import RULE_SETS, RuleSet
from .types import Unit

__all__ = ["UNIT_CODES", "bulk_due", "unit_codes"]

_SHIFT = 7 * 3600  # UTC+7
_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

#: Integer codes for units in bulk arrays.
UNIT_CODES: dict[Unit, int] = {
    Unit.WORKING_DAYS: 0,
    Unit.SAME_DAY: 1,
    Unit.DAYS: 2,
    Unit.MONTHS: 3,
    Unit.WORKING_HOURS: 4,
}

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class _DayTables:
    day0: int  # epoch day of the calendar's first day
    n: int
    working: Bool
    rank: I64  # len n + 1
    wd: I64  # epoch days of working days


@functools.lru_cache(maxsize=32)
def _day_tables(cal: WorkingCalendar) -> _DayTables:
    day0, flags, wd_ordinals, ranks = cal.raw_tables()
    working = np.frombuffer(flags, dtype=np.uint8).astype(np.bool_)
    rank = np.asarray(ranks, dtype=np.int64)
    wd = np.asarray(wd_ordinals, dtype=np.int64) - _EPOCH_ORDINAL
    return _DayTables(day0 - _EPOCH_ORDINAL, len(working), working, rank, wd)


@dataclass(frozen=True, eq=False)
class _HourTables:
    close_at: I64  # epoch seconds of closing time, per working day (indexed by rank)
    open_at: I64  # epoch seconds of opening time, per working day
    starts: I64  # session starts, seconds of day
    ends: I64
    before: I64  # office seconds before each session
    cum_end: I64  # office seconds at the end of each session
    daily: int
    closing: int


@functools.lru_cache(maxsize=64)
def _hour_tables(cal: WorkingCalendar, oh: OfficeHours) -> _HourTables:
    d = _day_tables(cal)
    starts_us, ends_us, before_us = oh.session_bounds_us()
    starts = np.asarray([s // 1_000_000 for s in starts_us], dtype=np.int64)
    ends = np.asarray([e // 1_000_000 for e in ends_us], dtype=np.int64)
    before = np.asarray([b // 1_000_000 for b in before_us], dtype=np.int64)
    closing = int(ends[-1])
    base = d.wd * _DAY - _SHIFT
    return _HourTables(
        close_at=base + closing,
        open_at=base + int(starts[0]),
        starts=starts,
        ends=ends,
        before=before,
        cum_end=before + (ends - starts),
        daily=oh.daily_us // 1_000_000,
        closing=closing,
    )


def unit_codes(units: Sequence[str | Unit] | npt.ArrayLike) -> npt.NDArray[np.int8]:
    """Convert unit names (or :class:`Unit` values) to the integer codes of :data:`UNIT_CODES`."""
    arr = np.asarray(units)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int8)
    names, inverse = np.unique(arr.astype(str), return_inverse=True)
    table = np.asarray([UNIT_CODES[Unit(str(name))] for name in names], dtype=np.int8)
    return table[inverse.reshape(arr.shape)]


def _as_epoch_seconds(received: npt.ArrayLike) -> I64:
    arr = np.asarray(received)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[s]").astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError("received must be int epoch seconds or datetime64 values")
    return arr.astype(np.int64, copy=False)


def _take(table: I64, idx: I64) -> I64:
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= table.shape[0]):
        raise CalendarRangeError("a deadline falls outside the working calendar's years")
    return table[idx]


def _cutoff_seconds(rule_set: RuleSet) -> int:
    c = rule_set.cutoff
    return c.hour * 3600 + c.minute * 60 + c.second


def _cutoff_per_item(day: I64, closing: int) -> int | I64:
    """Cut-off (seconds of day, capped at closing) of the rule set in force on each day."""
    cutoffs = {_cutoff_seconds(rs) for rs in RULE_SETS}
    if len(cutoffs) == 1:
        return min(cutoffs.pop(), closing)
    ordered = sorted(RULE_SETS, key=lambda rs: rs.effective_from)
    starts = np.asarray([rs.effective_from.toordinal() - _EPOCH_ORDINAL for rs in ordered])
    values = np.asarray([min(_cutoff_seconds(rs), closing) for rs in ordered], dtype=np.int64)
    return values[np.searchsorted(starts, day, side="right") - 1]


def bulk_due(
    received: npt.ArrayLike,
    limits: npt.ArrayLike,
    units: Unit | str | npt.ArrayLike,
    calendar: WorkingCalendar | None = None,
    *,
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    cutoff: bool | npt.ArrayLike = True,
) -> I64:
    """Due instants (int64 epoch seconds, UTC) for arrays of receptions.

    ``received``: int epoch seconds or ``datetime64`` (UTC); ``limits``: non-negative ints
    (scalar or array); ``units``: one unit for all, or an array of unit names or
    :data:`UNIT_CODES`; ``cutoff``: bool, or a bool array (per dossier). The cut-off time
    is the one of the rule set in force on each reception day. Pauses are not handled here
    (use :func:`~motcua.workcal.deadlines.compute_deadline`).
    """
    cal = calendar or default_calendar()
    rec = np.atleast_1d(_as_epoch_seconds(received))
    n_items = rec.shape[0]
    lim = np.broadcast_to(np.asarray(limits, dtype=np.int64), rec.shape)
    if lim.size and int(lim.min()) < 0:
        raise ValueError("limits must not be negative")
    cut = np.broadcast_to(np.asarray(cutoff, dtype=np.bool_), rec.shape)

    d = _day_tables(cal)
    h = _hour_tables(cal, office_hours)
    local = rec + _SHIFT
    day = local // _DAY
    sec = local - day * _DAY
    off = day - d.day0
    if n_items and (int(off.min()) < 0 or int(off.max()) >= d.n):
        raise CalendarRangeError("a reception instant is outside the working calendar's years")

    first_rule_day = min(rs.effective_from for rs in RULE_SETS).toordinal() - _EPOCH_ORDINAL
    if n_items and int(day.min()) < first_rule_day:
        raise LookupError("a reception instant is before the first deadline rule set")
    cutoff_s = _cutoff_per_item(day, h.closing)
    out = np.empty(n_items, dtype=np.int64)

    if isinstance(units, (Unit, str)):
        code = UNIT_CODES[Unit(units)]
        out[:] = _group(code, rec, lim, cut, off, sec, d, h, cutoff_s)
        return out
    codes = np.broadcast_to(unit_codes(units), rec.shape)
    for code in np.unique(codes).tolist():
        idx = np.flatnonzero(codes == code)
        out[idx] = _group(
            int(code),
            rec[idx],
            _sub(lim, idx),
            _sub(cut, idx),
            off[idx],
            sec[idx],
            d,
            h,
            cutoff_s if isinstance(cutoff_s, int) else cutoff_s[idx],
        )
    return out


def _sub(values: Any, idx: I64) -> Any:
    return values[idx] if np.ndim(values) else values


def _group(
    code: int,
    rec: I64,
    lim: Any,
    cut: Any,
    off: I64,
    sec: I64,
    d: _DayTables,
    h: _HourTables,
    cutoff_s: int | I64,
) -> I64:
    if code == UNIT_CODES[Unit.WORKING_HOURS]:
        return _working_hours(rec, np.asarray(lim, dtype=np.int64), off, sec, d, h)
    working = d.working[off]
    limit_sec = np.where(cut, cutoff_s, h.closing)
    same = working & (sec < limit_sec)
    eff_rank = d.rank[off + 1 - same.astype(np.int64)]
    if code == UNIT_CODES[Unit.WORKING_DAYS]:
        return _take(h.close_at, eff_rank + lim)
    if code == UNIT_CODES[Unit.SAME_DAY]:
        return _take(h.close_at, eff_rank)
    eff_day = _take(d.wd, eff_rank)
    if code == UNIT_CODES[Unit.DAYS]:
        target = eff_day + lim
    elif code == UNIT_CODES[Unit.MONTHS]:
        eff_d = eff_day.astype("datetime64[D]")
        month = eff_d.astype("datetime64[M]")
        dom = (eff_d - month.astype("datetime64[D]")).astype(np.int64)
        t_month = month + np.asarray(lim).astype("timedelta64[M]")
        first = t_month.astype("datetime64[D]")
        length = ((t_month + 1).astype("datetime64[D]") - first).astype(np.int64)
        target = first.astype(np.int64) + np.minimum(dom, length - 1)
    else:
        raise ValueError(f"unknown unit code {code}")
    return _take(h.close_at, _take(d.rank, target - d.day0))


def _working_hours(rec: I64, lim: I64, off: I64, sec: I64, d: _DayTables, h: _HourTables) -> I64:
    working = d.working[off]
    elapsed = np.zeros_like(sec)
    in_session = np.zeros(sec.shape, dtype=np.bool_)
    for s, e in zip(h.starts.tolist(), h.ends.tolist(), strict=True):
        elapsed += np.clip(sec - s, 0, e - s)
        in_session |= (sec >= s) & (sec < e)
    in_office = working & in_session
    pos = d.rank[off] * h.daily + np.where(working, elapsed, 0)

    target = pos + lim * 3600
    q = (target - 1) // h.daily
    rem = target - q * h.daily  # in (0, daily]
    k = np.searchsorted(h.cum_end, rem, side="left")
    t = h.starts[k] + rem - h.before[k]
    due = _take(d.wd, q) * _DAY + t - _SHIFT

    zero = lim == 0
    if bool(zero.any()):
        # N = 0: the reception itself when in office time, else the next opening.
        nk = np.searchsorted(h.starts, sec, side="right")
        later_today = working & (nk < h.starts.shape[0])
        today_open = (off + d.day0) * _DAY + h.starts[np.minimum(nk, h.starts.shape[0] - 1)]
        next_open = _take(h.open_at, d.rank[off + 1])
        start = np.where(in_office, rec, np.where(later_today, today_open - _SHIFT, next_open))
        due = np.where(zero, start, due)
    return due
