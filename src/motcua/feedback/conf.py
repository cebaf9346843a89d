"""Settings of the feedback app, with their documented defaults (docs/feedback.md §Settings).

Each value is read from Django settings when present (``MOTCUA_FEEDBACK_*``), so a deployment
changes them in ``settings.py`` / the environment without touching code.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from motcua.workcal import TimeLimit

# Acceptance within 8 working hours (iHanoi, QĐ 1207/QĐ-UBND; domain-vn §8.4).
ACCEPT_WORKING_HOURS = 8
# Urgent handling within 4 working hours from acceptance (same source).
URGENT_WORKING_HOURS = 4
# Normal: 15 working days, the national portal's on-time handling rule used by QĐ 766
# indicator 5.2 (domain-vn §8.3); QĐ 1207's own figure is UNCONFIRMED (page truncated).
NORMAL_WORKING_DAYS = 15
# Complex: 30 working days, a project default (twice the normal limit) until QĐ 1207's
# figure is confirmed (UNCONFIRMED, domain-vn §8.4).
COMPLEX_WORKING_DAYS = 30
# Duplicate suggestions: same category within this many metres...
DUPLICATE_RADIUS_M = 200.0
# ...or same commune and a word overlap (Jaccard of accent-folded words) at least this high.
DUPLICATE_TEXT_SIMILARITY = 0.5
# Hà Nội's extent (south, west, north, east), a little generous: 20.53–21.39 N, 105.28–106.03 E.
CITY_BBOX = (20.53, 105.28, 21.39, 106.03)
# Anonymous reports (with a phone number or an e-mail for the answer) are accepted.
ALLOW_ANONYMOUS = True


def _get(name: str, default: Any) -> Any:
    return getattr(settings, f"MOTCUA_FEEDBACK_{name}", default)


def accept_limit() -> TimeLimit:
    return TimeLimit.working_hours(int(_get("ACCEPT_WORKING_HOURS", ACCEPT_WORKING_HOURS)))


def level_limit(level: str) -> TimeLimit:
    if level == "urgent":
        return TimeLimit.working_hours(int(_get("URGENT_WORKING_HOURS", URGENT_WORKING_HOURS)))
    if level == "complex":
        return TimeLimit.working_days(int(_get("COMPLEX_WORKING_DAYS", COMPLEX_WORKING_DAYS)))
    return TimeLimit.working_days(int(_get("NORMAL_WORKING_DAYS", NORMAL_WORKING_DAYS)))


def duplicate_radius_m() -> float:
    return float(_get("DUPLICATE_RADIUS_M", DUPLICATE_RADIUS_M))


def duplicate_text_similarity() -> float:
    return float(_get("DUPLICATE_TEXT_SIMILARITY", DUPLICATE_TEXT_SIMILARITY))


def city_bbox() -> tuple[float, float, float, float]:
    south, west, north, east = _get("CITY_BBOX", CITY_BBOX)
    return float(south), float(west), float(north), float(east)


def allow_anonymous() -> bool:
    return bool(_get("ALLOW_ANONYMOUS", ALLOW_ANONYMOUS))
