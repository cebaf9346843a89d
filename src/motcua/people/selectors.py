"""Reads of digital mandates and of service agents' work."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import Dossier, SubmitterKind
from motcua.dossiers.states import State
from motcua.people.models import AgentConsent, CitizenProfile, Mandate, ServiceAgent


class MandateStatus(enum.StrEnum):
    ACTIVE = "active"
    NOT_YET = "not_yet"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def label(self) -> Promise:
        return MANDATE_STATUS_LABELS[self]


MANDATE_STATUS_LABELS: dict[MandateStatus, Promise] = {
    MandateStatus.ACTIVE: _("in force"),
    MandateStatus.NOT_YET: _("not yet in force"),
    MandateStatus.EXPIRED: _("expired"),
    MandateStatus.REVOKED: _("revoked"),
}


def _in_force(now: dt.datetime) -> Q:
    return Q(revoked_at__isnull=True, valid_from__lte=now) & (
        Q(valid_to__isnull=True) | Q(valid_to__gt=now)
    )


def mandates_given(profile: CitizenProfile) -> QuerySet[Mandate]:
    """The mandates ``profile`` gave, newest first, with what the list shows."""
    return (
        Mandate.objects.filter(grantor=profile)
        .select_related("grantee")
        .prefetch_related("procedures", "sectors")
        .order_by("-created_at", "-pk")
    )


def mandates_received(profile: CitizenProfile) -> QuerySet[Mandate]:
    """The mandates given to ``profile``, newest first."""
    return (
        Mandate.objects.filter(grantee=profile)
        .select_related("grantor")
        .prefetch_related("procedures", "sectors")
        .order_by("-created_at", "-pk")
    )


def mandate_status(mandate: Mandate, now: dt.datetime) -> MandateStatus:
    """Where the mandate stands at ``now``: a revoked or expired one stops working at once
    (the same rule as ``motcua.dossiers.services`` applies to submissions)."""
    if mandate.revoked_at is not None and mandate.revoked_at <= now:
        return MandateStatus.REVOKED
    if mandate.valid_to is not None and mandate.valid_to <= now:
        return MandateStatus.EXPIRED
    if mandate.valid_from > now:
        return MandateStatus.NOT_YET
    return MandateStatus.ACTIVE


def grantors_for(profile: CitizenProfile, now: dt.datetime) -> QuerySet[CitizenProfile]:
    """The people who gave ``profile`` a mandate in force at ``now`` (the choices of "submit
    on behalf of"); whether it covers a given procedure is checked at submission."""
    return (
        CitizenProfile.objects.filter(
            pk__in=Mandate.objects.filter(_in_force(now), grantee=profile).values("grantor_id")
        )
        .exclude(pk=profile.pk)
        .order_by("full_name", "pk")
    )


def active_mandates_from(
    *, grantor: CitizenProfile, grantee: CitizenProfile, now: dt.datetime
) -> QuerySet[Mandate]:
    """The mandates in force from ``grantor`` to ``grantee``, with their procedures and
    sectors."""
    return Mandate.objects.filter(
        _in_force(now), grantor=grantor, grantee=grantee
    ).prefetch_related("procedures", "sectors")


# ------------------------------------------------------------------------------ agents
def agent_dossiers(agent: ServiceAgent) -> QuerySet[Dossier]:
    """The dossiers the agent submitted in citizens' names, newest first."""
    return (
        Dossier.objects.filter(agent=agent, submitter_kind=SubmitterKind.AGENT)
        .select_related("procedure_version__procedure", "applicant")
        .order_by("-submitted_at", "-pk")
    )


@dataclass(frozen=True)
class AgentCounts:
    total: int
    waiting: int  # submitted, not yet received
    open: int  # received and not closed
    closed: int


_WAITING = (State.SUBMITTED.value, State.INTAKE_SUPPLEMENT.value)


def agent_counts(agent: ServiceAgent) -> AgentCounts:
    """How many of the agent's dossiers wait for reception, are being handled or are closed
    (one query)."""
    row = Dossier.objects.filter(agent=agent, submitter_kind=SubmitterKind.AGENT).aggregate(
        total=Count("pk"),
        waiting=Count("pk", filter=Q(state__in=_WAITING)),
        closed=Count("pk", filter=Q(closed_at__isnull=False)),
    )
    total, waiting, closed = row["total"], row["waiting"], row["closed"]
    return AgentCounts(
        total=total, waiting=waiting, open=max(total - waiting - closed, 0), closed=closed
    )


@dataclass(frozen=True)
class AgentFigure:
    """One agent's dossiers submitted in a period ("agents' dossiers are reported
    separately")."""

    agent_id: int
    agent_name: str
    tax_code: str
    submitted: int
    received: int
    refused: int
    returned: int


def agent_figures(start: dt.datetime, end: dt.datetime) -> list[AgentFigure]:
    """Per agent, the dossiers submitted by agents with ``start <= submitted_at < end``, and
    how many of them were received, refused at intake and returned (one query). Agents
    without a dossier in the period are left out."""
    rows = (
        Dossier.objects.filter(
            submitter_kind=SubmitterKind.AGENT,
            agent__isnull=False,
            submitted_at__gte=start,
            submitted_at__lt=end,
        )
        .values("agent_id", "agent__name", "agent__tax_code")
        .annotate(
            submitted=Count("pk"),
            received=Count("pk", filter=Q(received_at__isnull=False)),
            refused=Count("pk", filter=Q(state=State.REFUSED_INTAKE.value)),
            returned=Count("pk", filter=Q(returned_at__isnull=False)),
        )
        .order_by("agent__name", "agent_id")
    )
    return [
        AgentFigure(
            agent_id=r["agent_id"],
            agent_name=r["agent__name"],
            tax_code=r["agent__tax_code"],
            submitted=r["submitted"],
            received=r["received"],
            refused=r["refused"],
            returned=r["returned"],
        )
        for r in rows
    ]


def consent_for_agent(*, consent_id: int, agent: ServiceAgent) -> AgentConsent | None:
    """A consent requested by ``agent`` (None for another agent's: not revealed)."""
    return (
        AgentConsent.objects.filter(pk=consent_id, agent=agent)
        .select_related("applicant", "procedure", "requested_by")
        .first()
    )
