"""Reads for the citizen's own dossiers (applicant, submitter or mandated person)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from motcua.documents.models import ElectronicResult, Form, GeneratedDocument
from motcua.dossiers.models import Dossier, DossierDocument, Handover, SupplementRequest
from motcua.dossiers.selectors import dossiers_visible_to
from motcua.dossiers.states import Action, State, allowed_from
from motcua.feedback.models import DossierRating
from motcua.feedback.rating import CRITERIA
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.models import Mandate


def _mine(user: User) -> QuerySet[Dossier]:
    """What a citizen or agent may read: ``dossiers_visible_to`` limited to the citizen's
    own grounds (a staff member who is also a citizen does not see the agency's files here)."""
    own = Q(submitter_id=user.pk)
    profile = getattr(user, "citizen_profile", None)
    if profile is not None:
        # the grantors of a mandate in force (``dossiers_visible_to`` narrows each one to the
        # procedures or sectors its mandate covers)
        now = timezone.now()
        grantors = Mandate.objects.filter(
            grantee=profile, revoked_at__isnull=True, valid_from__lte=now
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=now))
        own |= Q(applicant_id=profile.pk) | Q(applicant_id__in=grantors.values("grantor_id"))
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


def may_ask_withdrawal(dossier: Dossier) -> bool:
    """The lifecycle allows the citizen's request to withdraw (not already asked)."""
    return dossier.state != State.WITHDRAWAL_REQUESTED and allowed_from(
        Action.WITHDRAW, dossier.state
    )


def open_supplement_request(dossier: Dossier) -> SupplementRequest | None:
    """The supplement request still waiting for the citizen, if any."""
    if dossier.state not in (State.INTAKE_SUPPLEMENT, State.SUPPLEMENT_REQUESTED):
        return None
    return (
        SupplementRequest.objects.filter(dossier=dossier, fulfilled_at__isnull=True)
        .order_by("-requested_at")
        .first()
    )


@dataclass(frozen=True)
class ComponentRow:
    name: str
    from_store: bool
    has_file: bool


def my_dossier_components(dossier: Dossier) -> list[ComponentRow]:
    return [
        ComponentRow(d.name, d.store_item_id is not None, d.stored_file_id is not None)
        for d in DossierDocument.objects.filter(dossier=dossier).order_by("added_at", "pk")
    ]


def latest_receipt(dossier: Dossier) -> GeneratedDocument | None:
    return (
        GeneratedDocument.objects.filter(dossier=dossier, form=Form.RECEIPT)
        .order_by("-created_at", "-pk")
        .first()
    )


def electronic_results(dossier: Dossier) -> list[ElectronicResult]:
    """The dossier's signed electronic results, newest first (once it is returned or ready)."""
    if dossier.state not in (State.FINISHED, State.RETURNED):
        return []
    return list(
        ElectronicResult.objects.filter(dossier=dossier)
        .select_related("agency", "file")
        .order_by("-created_at", "-pk")
    )
