"""Reads behind the counter (receiver) pages.

The counter of a receiver is their service point. They see, on top of what
:func:`motcua.dossiers.selectors.dossiers_visible_to` already allows:

* the dossiers taken in or received at their point (``reception_point``);
* the online dossiers of their agency that no point has received yet (``reception_point`` is
  empty until reception).

A dossier of another service point of the same agency is not at this counter: it is reported
as not found, like any dossier outside the reader's scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Level, ProcedureVersion, RequiredDocument
from motcua.catalog.selectors import versions_in_force, versions_search
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.text import fold
from motcua.dossiers.models import Dossier, DossierDocument, Handover
from motcua.dossiers.selectors import DOSSIER_RELATED, dossiers_visible_to
from motcua.dossiers.states import Action, State
from motcua.org.models import Agency, User
from motcua.org.roles import Role

#: The queues of the counter, each a state of the dossier.
QUEUE_STATES: dict[str, str] = {
    "intake": State.SUBMITTED,
    "waiting": State.INTAKE_SUPPLEMENT,
    "results": State.FINISHED,
}

#: Acts shown in "done today at this counter".
COUNTER_ACTIONS = (
    Action.RECEIVE.value,
    Action.REQUEST_SUPPLEMENT.value,
    Action.REFUSE.value,
    Action.RETURN_RESULT.value,
    Action.SUPPLEMENT.value,
)

SEARCH_LIMIT = 25


def is_counter_officer(user: User) -> bool:
    """A receiver attached to a service point (and its agency)."""
    return (
        user.has_role(Role.RECEIVER)
        and user.service_point_id is not None
        and user.agency_id is not None
    )


def counter_dossiers(*, user: User) -> QuerySet[Dossier]:
    """The dossiers at ``user``'s counter (empty for someone who is not a counter officer)."""
    if not is_counter_officer(user):
        return Dossier.objects.none()
    here = Q(reception_point_id=user.service_point_id) | Q(
        reception_point__isnull=True, receiving_agency_id=user.agency_id
    )
    return dossiers_visible_to(user).filter(here)


def _with_rows(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """What a queue row shows, in the same query (no query per row)."""
    return qs.select_related(
        "procedure_version__procedure", "applicant", "competent_agency", "reception_point"
    )


def counter_queue(*, user: User, queue: str) -> QuerySet[Dossier]:
    """One queue of the counter, oldest first (first come, first served); results ready for
    return by appointment."""
    state = QUEUE_STATES[queue]
    qs = _with_rows(counter_dossiers(user=user).filter(state=state))
    if queue == "results":
        return qs.order_by("appointment_at", "finished_at", "id")
    return qs.order_by("submitted_at", "id")


def counter_counts(*, user: User) -> dict[str, int]:
    """How many dossiers wait in each queue: one query."""
    aggregates = {name: Count("pk", filter=Q(state=state)) for name, state in QUEUE_STATES.items()}
    row = counter_dossiers(user=user).aggregate(**aggregates)
    return {name: int(row[name] or 0) for name in QUEUE_STATES}


def next_in_queue(*, user: User, queue: str, after: Dossier | None = None) -> Dossier | None:
    """The first dossier waiting in ``queue`` other than ``after``."""
    qs = counter_queue(user=user, queue=queue)
    if after is not None:
        qs = qs.exclude(pk=after.pk)
    return qs.first()


def counter_dossier_get(*, user: User, identifier: str) -> Dossier:
    """One dossier of this counter by code or submission number, else NOT_FOUND."""
    dossier = (
        counter_dossiers(user=user)
        .select_related(*DOSSIER_RELATED)
        .filter(Q(code=identifier) | Q(reference=identifier))
        .first()
    )
    if dossier is None:
        raise DomainError(
            "dossier.not_found",
            _("No dossier with this code is at your counter."),
            kind=ErrorKind.NOT_FOUND,
        )
    return dossier


def dossier_documents(*, dossier: Dossier) -> QuerySet[DossierDocument]:
    return DossierDocument.objects.filter(dossier=dossier).order_by("id")


def done_today(*, user: User, limit: int = 10) -> QuerySet[Handover]:
    """What this officer did at the counter today (to reprint a receipt), newest first."""
    start = dt.datetime.combine(
        timezone.localdate(), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    return (
        Handover.objects.filter(from_user=user, at__gte=start, action__in=COUNTER_ACTIONS)
        .select_related("dossier__procedure_version__procedure", "dossier__applicant")
        .order_by("-at", "-id")[:limit]
    )


# ----------------------------------------------------------------------------- catalogue
def procedures_for_counter(*, query: str, limit: int = SEARCH_LIMIT) -> list[ProcedureVersion]:
    """Procedures in force matching ``query`` without accents, best matches first: the exact
    code, then names holding the whole phrase, shorter names first. Each carries
    ``document_count`` (its listed required documents), all in one query."""
    query = query.strip()
    if not query:
        return []
    phrase = fold(query)
    ranked = (
        versions_search(query=query)
        .annotate(
            document_count=Count("required_documents"),
            rank=Case(
                When(procedure__code=query, then=Value(0)),
                When(search_text__contains=phrase, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            name_length=Length("name"),
        )
        .order_by("rank", "name_length", "procedure__code")
    )
    return list(ranked[:limit])


def version_for_intake(*, code: str) -> ProcedureVersion | None:
    """The version in force of ``code`` with what the intake form shows."""
    return versions_in_force().filter(procedure__code=code).prefetch_related("fees").first()


def required_documents(*, version: ProcedureVersion) -> list[RequiredDocument]:
    return list(RequiredDocument.objects.filter(version=version).order_by("order", "id"))


@dataclass(frozen=True)
class CompetentChoice:
    """How the intake form asks for the competent agency."""

    fixed: Agency | None  # the procedure names it: nothing to choose
    options: list[Agency]  # otherwise the agencies to choose from
    default_id: int | None  # the receiver's own commune, when it is competent


def competent_agency_choice(*, version: ProcedureVersion, user: User) -> CompetentChoice:
    """The procedure's competent agency when published, else the agencies that may be
    competent at its levels (commune People's Committees for commune-level procedures, the
    city's agencies for city-level ones)."""
    if version.competent_agency is not None:
        return CompetentChoice(version.competent_agency, [], version.competent_agency.pk)
    levels = set(version.level_list)
    condition = Q(pk__in=[])
    # district-level procedures went to the communes when districts ended (1 July 2025)
    commune_level = bool(levels & {Level.COMMUNE, Level.DISTRICT})
    if commune_level:
        condition |= Q(level=Agency.Level.COMMUNE, kind=Agency.Kind.PEOPLES_COMMITTEE)
    if levels & {Level.CITY, Level.MINISTRY, Level.OTHER} or not levels:
        condition |= Q(level=Agency.Level.CITY) & ~Q(kind=Agency.Kind.SERVICE_CENTER)
    options = list(Agency.objects.filter(condition, is_active=True).order_by("level", "name"))
    own = user.agency
    default = (
        own.pk if own is not None and own.level == Agency.Level.COMMUNE and commune_level else None
    )
    return CompetentChoice(None, options, default)
