"""Reads of the public portal: procedure search with typo tolerance, sectors, dossier lookup.

The exact search is :func:`motcua.catalog.selectors.versions_search` (every folded word of the
query appears in the folded name). When it finds nothing, the portal tries a *close* match so
that a typo ("khai snh", "ket hn") still finds the procedure:

* on PostgreSQL, ``pg_trgm``'s ``word_similarity`` between the folded query and the folded
  name (``ProcedureVersion.search_text``), computed in the database (the extension is enabled
  by ``core`` migration 0003);
* on other databases (SQLite), :mod:`difflib` in Python over the folded names of the
  procedures in force: each query word is compared with the closest word of the name, and the
  name's score is the mean over the query words.

The two measures are not the same number, so the two back-ends may order close matches
differently and may disagree at the edge of the thresholds; exact matches are identical on
both (docs/portal.md).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, FloatField, Func, Q, QuerySet, Value
from django.db.models.functions import Length
from django.utils.functional import Promise

from motcua.catalog import selectors as catalog
from motcua.catalog.models import LifeEvent, ProcedureVersion, Sector
from motcua.core.text import fold
from motcua.dossiers.models import Dossier
from motcua.dossiers.states import NationalStatus

#: Least ``word_similarity`` (0–1) for a close match on PostgreSQL.
TRIGRAM_THRESHOLD = 0.45
#: Least mean ``difflib`` ratio (0–1) of the query words for a close match elsewhere.
DIFFLIB_THRESHOLD = 0.75
#: At most this many close matches are shown.
CLOSE_MATCH_LIMIT = 20


@dataclass(frozen=True)
class SearchResult:
    versions: list[ProcedureVersion]
    #: True when nothing matched exactly and the versions are close matches (typos).
    approximate: bool


class _WordSimilarity(Func):
    """``word_similarity(query, column)`` of ``pg_trgm``."""

    function = "WORD_SIMILARITY"
    output_field = FloatField()


def _close_matches_postgresql(
    folded: str, versions: QuerySet[ProcedureVersion]
) -> list[ProcedureVersion]:
    scored = (
        versions.annotate(score=_WordSimilarity(Value(folded), "search_text"))
        .filter(score__gte=TRIGRAM_THRESHOLD)
        .order_by("-score", Length("search_text"), "procedure__code")
    )
    return list(scored[:CLOSE_MATCH_LIMIT])


_WORD = re.compile(r"[a-z0-9.]+")


def _difflib_score(query_words: list[str], name_words: list[str]) -> float:
    """Mean over the query words of the ``difflib`` ratio with the closest word of the name."""
    if not query_words or not name_words:
        return 0.0
    total = 0.0
    for word in query_words:
        total += max(difflib.SequenceMatcher(None, word, other).ratio() for other in name_words)
    return total / len(query_words)


def _close_matches_python(
    folded: str, versions: QuerySet[ProcedureVersion]
) -> list[ProcedureVersion]:
    query_words = _WORD.findall(folded)
    scored: list[tuple[float, str, ProcedureVersion]] = []
    for version in versions:
        words = _WORD.findall(version.search_text)
        score = _difflib_score(query_words, words)
        if score >= DIFFLIB_THRESHOLD:
            # rank: mostly the words, a little the whole name (a name about as long as the
            # query beats a long name that merely contains the same words)
            whole = difflib.SequenceMatcher(None, folded, " ".join(words)).ratio()
            scored.append((0.8 * score + 0.2 * whole, version.procedure.code, version))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [version for _, _, version in scored[:CLOSE_MATCH_LIMIT]]


def procedures_search(*, query: str, on: dt.date | None = None) -> SearchResult:
    """Procedures in force matching ``query``: exact (accent-insensitive) matches ordered by
    sector, or, when there are none, close matches ordered by closeness."""
    exact = list(catalog.versions_search(query=query, on=on).prefetch_related("fees"))
    folded = fold(query)
    if exact or not folded:
        return SearchResult(versions=exact, approximate=False)
    versions = catalog.versions_in_force(on=on)
    if connection.vendor == "postgresql":
        close = _close_matches_postgresql(folded, versions)
    else:
        close = _close_matches_python(folded, versions)
    return SearchResult(versions=close, approximate=True)


def sector_by_code(*, code: str) -> Sector | None:
    return Sector.objects.filter(code=code).first()


def sector_versions(*, sector: Sector, on: dt.date | None = None) -> list[ProcedureVersion]:
    """The procedures of ``sector`` in force, by code."""
    return list(
        catalog.versions_in_force(on=on)
        .filter(sector=sector)
        .prefetch_related("fees")
        .order_by("procedure__code")
    )


@dataclass(frozen=True)
class FeeLine:
    description: str
    #: The amount written the Vietnamese way ("50.000 đ"), empty when not published.
    amount: str


def format_dong(amount: int) -> str:
    """An amount in đồng with "." between thousands: 50000 → "50.000 đ"."""
    return f"{amount:,}".replace(",", ".") + " đ"


def fee_lines(version: ProcedureVersion) -> list[FeeLine]:
    return [
        FeeLine(
            description=fee.description,
            amount=format_dong(fee.amount) if fee.amount is not None else "",
        )
        for fee in version.fees.all()
    ]


@dataclass(frozen=True)
class PublicProgress:
    """What the public lookup shows of a dossier: nothing about the applicant."""

    code: str
    procedure_code: str
    procedure_name: str
    national_status: int
    status_label: str | Promise
    received_at: dt.datetime | None
    appointment_at: dt.datetime | None
    current_agency: str
    finished_at: dt.datetime | None
    returned_at: dt.datetime | None


def public_progress(dossier: Dossier) -> PublicProgress:
    """The public view of a dossier found by
    :func:`motcua.dossiers.selectors.dossier_lookup_public`; the status in the national
    portal's wording (``TrangThaiHoSo`` 1–10)."""
    return PublicProgress(
        code=dossier.identifier,
        procedure_code=dossier.procedure_version.procedure.code,
        procedure_name=dossier.procedure_version.name,
        national_status=dossier.national_status,
        status_label=NationalStatus(dossier.national_status).label,
        received_at=dossier.received_at,
        appointment_at=dossier.appointment_at,
        current_agency=dossier.current_agency.name,
        finished_at=dossier.finished_at,
        returned_at=dossier.returned_at,
    )


def life_events() -> list[LifeEvent]:
    """The life events with the number of their procedures in force."""
    in_force = catalog.versions_in_force().values("procedure_id")
    return list(
        LifeEvent.objects.annotate(
            procedure_count=Count("procedures", filter=Q(procedures__in=in_force), distinct=True)
        ).order_by("order", "name")
    )


def life_event_by_slug(*, slug: str) -> LifeEvent | None:
    return LifeEvent.objects.filter(slug=slug).first()


def life_event_versions(*, event: LifeEvent) -> list[ProcedureVersion]:
    return list(
        catalog.versions_in_force().filter(procedure__life_events=event).order_by("procedure__code")
    )
