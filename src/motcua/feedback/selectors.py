"""Reads of the feedback app: who may act, queues, duplicates, public views, measures and the
satisfaction ratings' aggregates."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from motcua.core.text import fold
from motcua.dossiers.models import Handover
from motcua.feedback import conf, rating
from motcua.feedback.models import Answer, DossierRating, Report, ReportPhoto
from motcua.org.models import Agency, User
from motcua.org.roles import Role

OPEN_STATUSES = (Report.Status.SUBMITTED, Report.Status.ROUTED, Report.Status.ACCEPTED)
HANDLER_ROLES = (Role.RECEIVER, Role.PROCESSOR, Role.APPROVER)
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


# --- who may act ---------------------------------------------------------------------------


def is_dispatcher(user: User | Any) -> bool:
    """A supervisor of a city-level agency dispatches reports for the whole city."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.SUPERVISOR):
        return False
    agency: Agency | None = user.agency
    return agency is not None and agency.level == Agency.Level.CITY


def is_receiver_of(user: User | Any, report: Report) -> bool:
    """A receiving officer of the report's responsible agency (accepts, returns, rejects)."""
    return (
        getattr(user, "is_authenticated", False)
        and report.agency_id is not None
        and user.agency_id == report.agency_id
        and user.has_role(Role.RECEIVER)
    )


def is_handler_of(user: User | Any, report: Report) -> bool:
    """Staff of the responsible agency who may set the level and answer."""
    return (
        getattr(user, "is_authenticated", False)
        and report.agency_id is not None
        and user.agency_id == report.agency_id
        and any(user.has_role(role) for role in HANDLER_ROLES)
    )


def is_reporter_of(user: User | Any, report: Report) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and report.reporter_id is not None
        and report.reporter_id == user.pk
    )


# --- structure -----------------------------------------------------------------------------


def report_root(report: Report) -> Report:
    """The primary report that carries the answer and the clock (itself unless merged)."""
    seen: set[int] = set()
    current = report
    # Read the link from the database: the caller's copy may predate a merge.
    link = Report.objects.filter(pk=report.pk).values_list("merged_into_id", flat=True).first()
    while link is not None and current.pk not in seen:
        seen.add(current.pk)
        current = Report.objects.select_related("agency").get(pk=link)
        link = current.merged_into_id
    return current


def report_current_answer(report: Report) -> Answer | None:
    """The latest answer of the report's primary (merged reports share it)."""
    root = report_root(report)
    return root.answers.order_by("-at", "-pk").first()


# --- queues --------------------------------------------------------------------------------


def reports_for_dispatcher() -> QuerySet[Report]:
    return Report.objects.filter(status=Report.Status.SUBMITTED).select_related("commune")


def reports_for_agency(*, user: User) -> QuerySet[Report]:
    """The reports of the user's agency still to accept or to answer."""
    if user.agency_id is None:
        return Report.objects.none()
    return (
        Report.objects.filter(
            agency_id=user.agency_id, status__in=(Report.Status.ROUTED, Report.Status.ACCEPTED)
        )
        .select_related("commune")
        .order_by("due_at", "accept_due_at", "pk")
    )


def reports_public(
    *, commune_code: str = "", category: str = "", status: str = ""
) -> QuerySet[Report]:
    """The public list: every report except rejected ones, filterable."""
    qs = Report.objects.exclude(status=Report.Status.REJECTED).select_related("commune", "agency")
    if commune_code:
        qs = qs.filter(commune__code=commune_code)
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    return qs


def report_public_view(report: Report) -> dict[str, Any]:
    """What anyone may see of a report: no reporter, no contact, no original photos."""
    answer = report_current_answer(report)
    root = report_root(report)
    photos = ReportPhoto.objects.filter(report=report, answer__isnull=True)
    return {
        "id": report.pk,
        "category": report.category,
        "category_label": report.get_category_display(),
        "status": report.status,
        "status_label": report.get_status_display(),
        "text": report.text,
        "commune": report.commune.name,
        "address": report.address,
        "agency": root.agency.name if root.agency else "",
        "level": root.level,
        "submitted_at": report.submitted_at,
        "due_at": root.due_at,
        "merged_into": report.merged_into_id,
        "photos": [p.public_file.url for p in photos if p.public_file],
        "answer": None
        if answer is None
        else {
            "text": answer.text,
            "agency": answer.agency.name,
            "at": answer.at,
            "photos": [p.public_file.url for p in answer.photos.all() if p.public_file],
        },
    }


# --- duplicates ----------------------------------------------------------------------------


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def text_similarity(a: str, b: str) -> float:
    """Jaccard overlap of the accent-folded words (length ≥ 2) of two texts, 0..1."""
    wa = {w for w in fold(a).split() if len(w) >= 2}
    wb = {w for w in fold(b).split() if len(w) >= 2}
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


@dataclass(frozen=True)
class DuplicateSuggestion:
    report: Report
    distance_m: float | None
    similarity: float
    reason: str  # "nearby" or "similar_text"


def duplicate_suggestions(
    *,
    category: str,
    commune_id: int | None,
    text: str,
    latitude: float | None = None,
    longitude: float | None = None,
    exclude_pk: int | None = None,
    limit: int = 10,
) -> list[DuplicateSuggestion]:
    """Open primary reports of the same category within the radius, or in the same commune with
    similar text (accent-insensitive); nearest / most similar first."""
    radius = conf.duplicate_radius_m()
    threshold = conf.duplicate_text_similarity()
    base = Report.objects.filter(
        category=category, status__in=OPEN_STATUSES, merged_into__isnull=True
    ).select_related("commune")
    if exclude_pk is not None:
        base = base.exclude(pk=exclude_pk)
    where = Q(commune_id=commune_id) if commune_id is not None else Q(pk__in=[])
    if latitude is not None and longitude is not None:
        dlat = math.degrees(radius / EARTH_RADIUS_M)
        dlon = dlat / max(math.cos(math.radians(latitude)), 1e-6)
        where |= Q(
            latitude__gte=latitude - dlat,
            latitude__lte=latitude + dlat,
            longitude__gte=longitude - dlon,
            longitude__lte=longitude + dlon,
        )
    found: list[DuplicateSuggestion] = []
    for other in base.filter(where).order_by("-submitted_at")[:500]:
        distance: float | None = None
        if (
            latitude is not None
            and longitude is not None
            and other.latitude is not None
            and other.longitude is not None
        ):
            distance = haversine_m(latitude, longitude, other.latitude, other.longitude)
        similarity = text_similarity(text, other.text)
        if distance is not None and distance <= radius:
            found.append(DuplicateSuggestion(other, distance, similarity, "nearby"))
        elif other.commune_id == commune_id and similarity >= threshold:
            found.append(DuplicateSuggestion(other, distance, similarity, "similar_text"))
    found.sort(
        key=lambda s: (
            0 if s.reason == "nearby" else 1,
            s.distance_m if s.distance_m is not None else 0.0,
            -s.similarity,
        )
    )
    return found[:limit]


# --- measures ------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


@dataclass(frozen=True)
class RepeatRow:
    agency_code: str
    commune_code: str
    reports: int
    repeated: int


@dataclass(frozen=True)
class Measures:
    """Measures over primary reports submitted in [since, until).

    * received: primary reports (not merged into another), rejected ones excluded;
    * handled: received reports answered; ``handling_rate`` = handled / received;
    * on_time: handled reports answered by their due instant; ``on_time_rate`` = on_time /
      handled;
    * satisfaction: among every report (merged ones included) whose reporter rated the answer,
      ``satisfaction_rate`` = satisfied / rated;
    * repeated: per (agency, commune), reports that repeat a complaint: duplicates merged into
      another report, reports reopened after an unsatisfied answer, and citizens who added
      themselves to an existing report.
    """

    received: int
    rejected: int
    handled: int
    on_time: int
    rated: int
    satisfied: int
    repeat_rows: list[RepeatRow] = field(default_factory=list)

    @property
    def handling_rate(self) -> float | None:
        return _rate(self.handled, self.received)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.handled)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.rated)


def feedback_measures(
    *,
    since: dt.datetime,
    until: dt.datetime,
    agency: Agency | None = None,
    commune_id: int | None = None,
) -> Measures:
    scope = Report.objects.filter(submitted_at__gte=since, submitted_at__lt=until)
    if agency is not None:
        scope = scope.filter(agency=agency)
    if commune_id is not None:
        scope = scope.filter(commune_id=commune_id)
    primary = scope.filter(merged_into__isnull=True)
    counts = primary.aggregate(
        rejected=Count("pk", filter=Q(status=Report.Status.REJECTED)),
        received=Count("pk", filter=~Q(status=Report.Status.REJECTED)),
        handled=Count("pk", filter=Q(status=Report.Status.ANSWERED)),
        on_time=Count("pk", filter=Q(status=Report.Status.ANSWERED, answered_late=False)),
    )
    ratings = scope.aggregate(
        rated=Count("pk", filter=Q(satisfied__isnull=False)),
        satisfied=Count("pk", filter=Q(satisfied=True)),
    )
    rows = (
        scope.exclude(status=Report.Status.REJECTED)
        .values("agency__code", "commune__code")
        .annotate(
            reports=Count("pk", distinct=True),
            n_merged=Count("pk", filter=Q(merged_into__isnull=False), distinct=True),
            n_reopened=Count("pk", filter=Q(reopen_count__gt=0), distinct=True),
            n_followers=Count("followers", distinct=True),
        )
        .order_by("agency__code", "commune__code")
    )
    repeat_rows = [
        RepeatRow(
            agency_code=row["agency__code"] or "",
            commune_code=row["commune__code"],
            reports=row["reports"],
            repeated=row["n_merged"] + row["n_reopened"] + row["n_followers"],
        )
        for row in rows
    ]
    return Measures(
        received=counts["received"],
        rejected=counts["rejected"],
        handled=counts["handled"],
        on_time=counts["on_time"],
        rated=ratings["rated"],
        satisfied=ratings["satisfied"],
        repeat_rows=repeat_rows,
    )


# --- satisfaction ratings (Circular 01/2018) ------------------------------------------------


def rating_aggregate(
    *,
    since: dt.datetime,
    until: dt.datetime,
    agency: Agency | None = None,
    official: User | None = None,
) -> rating.Aggregate:
    """The circular's aggregate over the ratings given in [since, until): the city's, an
    agency's (ratings of dossiers it was competent for), or an official's (dossiers the
    official handed on at some step: form 05's "handed over by"). Never says who rated."""
    qs = DossierRating.objects.filter(rated_at__gte=since, rated_at__lt=until)
    if agency is not None:
        qs = qs.filter(agency=agency)
    if official is not None:
        qs = qs.filter(
            Exists(Handover.objects.filter(dossier_id=OuterRef("dossier_id"), from_user=official))
        )
    fields = [f"index_{n}" for n in range(1, 10)]
    rows = [dict(zip(range(1, 10), values, strict=True)) for values in qs.values_list(*fields)]
    return rating.aggregate(rows)
