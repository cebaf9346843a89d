"""Reads for the citizen's own dossiers (applicant, submitter or mandated person)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from motcua.dossiers.models import Dossier, Handover
from motcua.dossiers.selectors import dossiers_visible_to
from motcua.dossiers.states import Action
from motcua.feedback.models import DossierRating
from motcua.feedback.rating import CRITERIA
from motcua.org.models import User
from motcua.org.roles import Role


def _mine(user: User) -> QuerySet[Dossier]:
    """What a citizen or agent may read: ``dossiers_visible_to`` limited to the citizen's
    own grounds (a staff member who is also a citizen does not see the agency's files here)."""
    own = Q(submitter_id=user.pk)
    profile = getattr(user, "citizen_profile", None)
    if profile is not None:
        own |= Q(applicant_id=profile.pk) | Q(mandate__grantee_id=profile.pk)
    if not (user.has_role(Role.CITIZEN) or user.has_role(Role.AGENT)):
        return Dossier.objects.none()
    return dossiers_visible_to(user).filter(own)


def my_dossiers(*, user: User) -> QuerySet[Dossier]:
    return (
        _mine(user)
        .select_related("procedure_version__procedure", "current_agency")
        .order_by("-submitted_at", "-pk")
    )


def my_dossier(*, user: User, code: str) -> Dossier | None:
    key = code.strip()
    if not key or len(key) > 40:
        return None
    return (
        _mine(user)
        .select_related("procedure_version__procedure", "current_agency")
        .filter(Q(code=key) | Q(reference=key))
        .first()
    )


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    action: str
    agency: str


def _action_label(code: str) -> str:
    try:
        return str(Action(code).label)
    except ValueError:
        return code


def my_dossier_history(dossier: Dossier) -> list[HistoryRow]:
    """The hand-overs (form 05) without the officials' names."""
    rows = Handover.objects.filter(dossier=dossier).select_related("to_agency").order_by("at", "pk")
    return [
        HistoryRow(
            at=h.at,
            action=_action_label(h.action),
            agency=h.to_agency.name if h.to_agency is not None else "",
        )
        for h in rows
    ]


def rating_rows(rating: DossierRating) -> list[tuple[int, str, int | None]]:
    scores = rating.scores()
    return [(c.number, c.name_vi, scores[c.number]) for c in CRITERIA]
