"""Pages of digital mandates (the citizen's) and of service agents (start a submission for a
citizen with the citizen's one-time consent code). Thin: the rules are in services.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from motcua.accounts.services import MAX_WRONG_TRIES
from motcua.catalog.selectors import version_in_force
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.forms import apply_domain_error
from motcua.core.permissions import role_required
from motcua.dossiers.states import NationalStatus
from motcua.indicators.dashboard import mask_name, masked_number
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people import selectors, services
from motcua.people.forms import (
    AgentStartForm,
    ConsentCodeForm,
    MandateGrantForm,
    MandateRevokeForm,
)
from motcua.people.models import AgentConsent, CitizenProfile, Mandate, ServiceAgent

#: Rows shown on the agent's page (the newest).
AGENT_PAGE_SIZE = 50


# ============================================================================ mandates
@dataclass(frozen=True)
class MandateRow:
    pk: int
    person_name: str
    person_id_masked: str
    status: str
    status_label: str | Promise
    scope_label: str
    covers: list[str]
    first_day: dt.date
    last_day: dt.date | None  # inclusive; None: no end date
    revoked_at: dt.datetime | None
    can_revoke: bool


def _row(mandate: Mandate, person: CitizenProfile, *, given: bool, now: dt.datetime) -> MandateRow:
    status = selectors.mandate_status(mandate, now)
    if mandate.scope == Mandate.Scope.PROCEDURES:
        covers = sorted(p.code for p in mandate.procedures.all())
    elif mandate.scope == Mandate.Scope.SECTORS:
        covers = sorted(s.name for s in mandate.sectors.all())
    else:
        covers = []
    return MandateRow(
        pk=mandate.pk,
        person_name=person.full_name,
        person_id_masked=masked_number(person),
        status=status.value,
        status_label=status.label,
        scope_label=str(mandate.get_scope_display()),
        covers=covers,
        first_day=timezone.localtime(mandate.valid_from).date(),
        last_day=(
            timezone.localtime(mandate.valid_to - dt.timedelta(microseconds=1)).date()
            if mandate.valid_to is not None
            else None
        ),
        revoked_at=mandate.revoked_at,
        can_revoke=given and status is not selectors.MandateStatus.REVOKED,
    )


def _citizen(request: HttpRequest) -> tuple[User, CitizenProfile | None]:
    user = cast(User, request.user)
    return user, getattr(user, "citizen_profile", None)


@never_cache
@role_required(Role.CITIZEN)
@require_http_methods(["GET", "POST"])
def my_mandates(request: HttpRequest) -> HttpResponse:
    """The mandates I gave and received, and the form to give one."""
    user, profile = _citizen(request)
    form = MandateGrantForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if profile is None:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            valid_from, valid_to = form.period()
            try:
                services.mandate_grant(
                    grantor_user=user,
                    grantee_identifier=data["grantee_id"],
                    grantee_name=data["grantee_name"],
                    scope=data["scope"],
                    procedure_ids=data["procedures"],
                    sector_ids=data["sectors"],
                    valid_from=valid_from,
                    valid_to=valid_to,
                )
            except DomainError as error:
                status = error.kind.http_status
                apply_domain_error(form, error)
            else:
                messages.success(request, _("The mandate has been given."))
                return redirect("people:mandates")
    now = timezone.now()
    given = (
        [_row(m, m.grantee, given=True, now=now) for m in selectors.mandates_given(profile)]
        if profile is not None
        else []
    )
    received = (
        [_row(m, m.grantor, given=False, now=now) for m in selectors.mandates_received(profile)]
        if profile is not None
        else []
    )
    return render(
        request,
        "people/mandates.html",
        {"profile": profile, "form": form, "given": given, "received": received},
        status=status,
    )


def _own_mandate(profile: CitizenProfile | None, pk: int) -> Mandate:
    mandate = Mandate.objects.select_related("grantee").filter(pk=pk).first()
    if mandate is None:
        raise Http404
    if profile is None or mandate.grantor_id != profile.pk:
        raise PermissionDenied
    return mandate


@never_cache
@role_required(Role.CITIZEN)
@require_http_methods(["GET", "POST"])
def mandate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then revoke a mandate I gave."""
    user, profile = _citizen(request)
    mandate = _own_mandate(profile, pk)
    form = MandateRevokeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.mandate_revoke(mandate=mandate, actor=user)
            except DomainError as error:
                if error.kind is ErrorKind.FORBIDDEN:
                    raise PermissionDenied from error
                status = error.kind.http_status
                apply_domain_error(form, error)
            else:
                messages.success(request, _("The mandate has been revoked."))
                return redirect("people:mandates")
    row = _row(mandate, mandate.grantee, given=True, now=timezone.now())
    return render(request, "people/mandate_revoke.html", {"row": row, "form": form}, status=status)


# ============================================================================ agents
def _agent(request: HttpRequest) -> tuple[User, ServiceAgent]:
    user = cast(User, request.user)
    agent = services.active_agent_of(user)
    if agent is None:
        raise PermissionDenied
    return user, agent


@dataclass(frozen=True)
class AgentDossierRow:
    code: str
    procedure_code: str
    procedure_name: str
    applicant: str
    applicant_id_masked: str
    status_label: str | Promise
    submitted_at: dt.datetime


def _agent_page(
    request: HttpRequest, agent: ServiceAgent, form: AgentStartForm, status: int = 200
) -> HttpResponse:
    rows = [
        AgentDossierRow(
            code=d.identifier,
            procedure_code=d.procedure_version.procedure.code,
            procedure_name=d.procedure_version.name,
            applicant=mask_name(d.applicant),
            applicant_id_masked=masked_number(d.applicant),
            status_label=NationalStatus(d.national_status).label,
            submitted_at=d.submitted_at,
        )
        for d in selectors.agent_dossiers(agent)[:AGENT_PAGE_SIZE]
    ]
    return render(
        request,
        "people/agent_home.html",
        {
            "agent": agent,
            "form": form,
            "rows": rows,
            "counts": selectors.agent_counts(agent),
            "page_size": AGENT_PAGE_SIZE,
        },
        status=status,
    )


@never_cache
@role_required(Role.AGENT)
@require_http_methods(["GET"])
def agent_home(request: HttpRequest) -> HttpResponse:
    """The agent's dossiers, and the form to start a submission for a citizen."""
    _user, agent = _agent(request)
    return _agent_page(request, agent, AgentStartForm())


@never_cache
@role_required(Role.AGENT)
@require_POST
def agent_consent_start(request: HttpRequest) -> HttpResponse:
    """Send the citizen the consent code, then ask the agent for it."""
    user, agent = _agent(request)
    form = AgentStartForm(request.POST)
    if not form.is_valid():
        return _agent_page(request, agent, form, status=400)
    try:
        consent = services.agent_consent_request(
            agent_user=user,
            applicant_identifier=form.cleaned_data["applicant_id"],
            procedure_code=form.cleaned_data["procedure_code"],
        )
    except DomainError as error:
        if error.kind is ErrorKind.FORBIDDEN:
            raise PermissionDenied from error
        apply_domain_error(form, error)
        return _agent_page(request, agent, form, status=error.kind.http_status)
    return redirect("people:agent-consent", pk=consent.pk)


def _consent_of(user: User, agent: ServiceAgent, pk: int) -> AgentConsent:
    consent = selectors.consent_for_agent(consent_id=pk, agent=agent)
    if consent is None or consent.requested_by_id != user.pk:
        raise Http404
    return consent


def submission_url(consent: AgentConsent) -> str:
    """The submission page of the consent's procedure, carrying the consent."""
    url = reverse("portal:submit", args=[consent.procedure.code])
    return f"{url}?{urlencode({'consent': consent.pk})}"


def _usable(consent: AgentConsent) -> bool:
    return (
        consent.confirmed_at is not None
        and consent.used_by_id is None
        and consent.confirmed_at + services.CONSENT_USE_WINDOW > timezone.now()
    )


@never_cache
@role_required(Role.AGENT)
@require_http_methods(["GET", "POST"])
def agent_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent types the code the citizen reads out; then goes on to the submission."""
    user, agent = _agent(request)
    consent = _consent_of(user, agent, pk)
    form = ConsentCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.agent_consent_confirm(
                    consent=consent, agent_user=user, code=form.cleaned_data["code"]
                )
            except DomainError as error:
                if error.kind is ErrorKind.FORBIDDEN:
                    raise Http404 from error
                status = error.kind.http_status
                apply_domain_error(form, error)
            else:
                messages.success(request, _("The applicant has consented. Fill in the dossier."))
                return redirect(submission_url(consent))
    return render(
        request,
        "people/agent_consent.html",
        {
            "consent": consent,
            "procedure": version_in_force(code=consent.procedure.code),
            "form": form,
            "applicant": mask_name(consent.applicant),
            "applicant_id_masked": masked_number(consent.applicant),
            "expired": consent.expires_at <= timezone.now(),
            "locked": consent.attempts >= MAX_WRONG_TRIES,
            "usable": _usable(consent),
            "next_url": submission_url(consent) if _usable(consent) else "",
            "minutes": int(services.CONSENT_CODE_TTL.total_seconds() // 60),
        },
        status=status,
    )
