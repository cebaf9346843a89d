"""Reads of the procedure catalogue."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from motcua.catalog.models import ProcedureVersion, Sector
from motcua.core.text import fold


def versions_in_force(*, on: dt.date | None = None) -> QuerySet[ProcedureVersion]:
    """The version of every procedure in force on ``on`` (today, local time, by default)."""
    day = on or timezone.localdate()
    return (
        ProcedureVersion.objects.filter(effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=day))
        .select_related("procedure", "sector", "owner_agency", "competent_agency")
        .order_by("sector__name", "procedure__code")
    )


def version_in_force(*, code: str, on: dt.date | None = None) -> ProcedureVersion | None:
    return versions_in_force(on=on).filter(procedure__code=code).first()


def versions_search(*, query: str, on: dt.date | None = None) -> QuerySet[ProcedureVersion]:
    """Accent-insensitive search on the name or the code ("dang ky khai sinh" finds
    "Đăng ký khai sinh"). Every word of the query must appear."""
    versions = versions_in_force(on=on)
    for word in fold(query).split():
        versions = versions.filter(Q(search_text__contains=word) | Q(procedure__code=word))
    return versions


def sectors_with_counts(*, on: dt.date | None = None) -> list[tuple[Sector, int]]:
    counts: dict[int, int] = {}
    for sector_id in versions_in_force(on=on).values_list("sector_id", flat=True):
        counts[sector_id] = counts.get(sector_id, 0) + 1
    sectors = Sector.objects.filter(pk__in=counts).order_by("name")
    return [(sector, counts[sector.pk]) for sector in sectors]
