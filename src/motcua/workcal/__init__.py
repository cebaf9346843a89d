"""Working calendar and deadline engine (Lịch làm việc và tính hạn giải quyết).

Pure Python — this package never imports Django (``apps.py`` beside it is the Django side
and is only imported by Django itself). See ``docs/workcal.md``.

    >>> from datetime import datetime
    >>> from motcua.workcal import VN_TZ, TimeLimit, compute_deadline
    >>> r = compute_deadline(datetime(2025, 12, 31, 10, tzinfo=VN_TZ), TimeLimit.working_days(2))
    >>> r.due.isoformat()
    '2026-01-06T17:00:00+07:00'
"""

from .bulk import UNIT_CODES, bulk_due, unit_codes
from .calendar import (
    CalendarRangeError,
    DayExplanation,
    Disagreement,
    LayerOpinion,
    WorkingCalendar,
    YearReport,
    default_calendar,
    get_calendar,
)
from .deadlines import (
    DeadlineResult,
    ScheduledStep,
    StepBudget,
    add_months,
    add_office_time,
    classify,
    compute_deadline,
    effective_reception_day,
    office_time_between,
    remaining_office_time,
    schedule_steps,
)
from .hours import DEFAULT_OFFICE_HOURS, OfficeHours, Session
from .rules import ND61_2018, ND118_2025, RULE_SETS, RuleSet, ruleset_for
from .sources import OfficialEntry, load_official_entries, official_entries
from .types import (
    VN_TZ,
    Layer,
    Outcome,
    Override,
    Pause,
    PauseKind,
    Status,
    TimeLimit,
    Unit,
)

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "ND61_2018",
    "ND118_2025",
    "RULE_SETS",
    "UNIT_CODES",
    "VN_TZ",
    "CalendarRangeError",
    "DayExplanation",
    "DeadlineResult",
    "Disagreement",
    "Layer",
    "LayerOpinion",
    "OfficeHours",
    "OfficialEntry",
    "Outcome",
    "Override",
    "Pause",
    "PauseKind",
    "RuleSet",
    "ScheduledStep",
    "Session",
    "Status",
    "StepBudget",
    "TimeLimit",
    "Unit",
    "WorkingCalendar",
    "YearReport",
    "add_months",
    "add_office_time",
    "bulk_due",
    "classify",
    "compute_deadline",
    "default_calendar",
    "effective_reception_day",
    "get_calendar",
    "load_official_entries",
    "office_time_between",
    "official_entries",
    "remaining_office_time",
    "ruleset_for",
    "schedule_steps",
    "unit_codes",
]
