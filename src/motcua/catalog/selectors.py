"""Reads of the procedure catalogue."""

from __future__ import annotations

import datetime as dt
import re

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


#: A query word that may be (part of) a national procedure code: digits and dots.
_CODE_PART = re.compile(r"^[\d.]+$")


def versions_search(*, query: str, on: dt.date | None = None) -> QuerySet[ProcedureVersion]:
    """Accent-insensitive search on the name or the code ("dang ky khai sinh" finds
    "Đăng ký khai sinh"; "001193" finds 1.001193). Every word of the query must appear.

    Why a normalised column and not PostgreSQL's ``unaccent``: the name is folded once, on
    save, by :func:`motcua.core.text.fold` into ``ProcedureVersion.search_text``, and the query
    is folded by the same function, so

    * SQLite and PostgreSQL give exactly the same results (one code path, tested once);
    * decomposed input (a base letter followed by combining marks, as some Vietnamese
      keyboards and copied PDFs produce) is folded like precomposed input: ``unaccent``
      maps precomposed letters only;
    * "đ"/"Đ" → "d" and case folding are ours, not the dictionary's of one database;
    * the column is a plain string that can be indexed (a ``pg_trgm`` GIN index makes the
      ``LIKE '%…%'`` fast on PostgreSQL when the catalogue grows), whereas ``unaccent()``
      is not IMMUTABLE and cannot be indexed without a wrapper function.
    """
    versions = versions_in_force(on=on)
    for word in fold(query).split():
        condition = Q(search_text__contains=word)
        if _CODE_PART.match(word):
            condition |= Q(procedure__code__contains=word)
        versions = versions.filter(condition)
    return versions


def sectors_with_counts(*, on: dt.date | None = None) -> list[tuple[Sector, int]]:
    counts: dict[int, int] = {}
    for sector_id in versions_in_force(on=on).values_list("sector_id", flat=True):
        counts[sector_id] = counts.get(sector_id, 0) + 1
    sectors = Sector.objects.filter(pk__in=counts).order_by("name")
    return [(sector, counts[sector.pk]) for sector in sectors]
