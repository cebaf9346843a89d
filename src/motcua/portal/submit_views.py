"""Online submission pages: start a draft, fill it in (saved between visits), review, send."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.catalog import selectors as catalog
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.forms import apply_domain_error
from motcua.documents.store import may_use_store, usable_items
from motcua.dossiers.models import ReturnMethod
from motcua.dossiers.services import _mandate_covering
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.identity import mask_email, mask_identifier
from motcua.people.models import CitizenProfile, Mandate
from motcua.portal import submission
from motcua.portal.models import SubmissionDraft
from motcua.portal.submit_forms import DraftForm


def _user(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not (user.has_role(Role.CITIZEN) or user.has_role(Role.AGENT)):
        raise PermissionDenied
    return user


def _grantors(user: User, version: Any) -> list[CitizenProfile]:
    """The people who gave ``user`` a mandate in force covering the procedure."""
    own = getattr(user, "citizen_profile", None)
    if own is None:
        return []
    now = timezone.now()
    out = []
    seen = set()
    for mandate in Mandate.objects.filter(grantee=own, revoked_at__isnull=True).select_related(
        "grantor"
    ):
        if mandate.grantor_id in seen:
            continue
        if _mandate_covering(grantor=mandate.grantor, grantee=own, version=version, at=now):
            seen.add(mandate.grantor_id)
            out.append(mandate.grantor)
    return out


@login_required
@require_http_methods(["GET", "POST"])
def submit_start(request: HttpRequest, code: str) -> HttpResponse:
    """Choose in whose name to submit (yourself, or someone who mandated you), then open the
    draft. An agent arrives here with a confirmed consent (``?consent=``)."""
    user = _user(request)
    version = catalog.version_in_force(code=code)
    if version is None:
        raise Http404
    consent_raw = request.POST.get("consent") or request.GET.get("consent") or ""
    consent_id = int(consent_raw) if consent_raw.isdigit() else None
    if request.method == "POST":
        applicant_raw = request.POST.get("applicant", "")
        try:
            draft = submission.draft_start(
                user=user,
                procedure_code=code,
                applicant_id=int(applicant_raw) if applicant_raw.isdigit() else None,
                consent_id=consent_id,
            )
        except DomainError as error:
            if error.kind == ErrorKind.NOT_FOUND:
                raise Http404 from error
            return render(
                request,
                "portal/submit_start.html",
                {"version": version, "error": error.message, "grantors": [], "consent": None},
                status=error.kind.http_status,
            )
        return redirect("portal:draft", pk=draft.pk)
    own = getattr(user, "citizen_profile", None)
    grantors = [
        {"pk": g.pk, "name": g.full_name, "id": mask_identifier(g.personal_id or g.tax_code or "")}
        for g in _grantors(user, version)
    ]
    return render(
        request,
        "portal/submit_start.html",
        {
            "version": version,
            "own": own,
            "grantors": grantors,
            "consent": consent_id,
            "is_agent": user.has_role(Role.AGENT),
            "error": None,
        },
    )


def _draft(user: User, pk: int) -> SubmissionDraft:
    draft = submission.draft_get(user=user, pk=pk)
    if draft is None:
        raise Http404
    return draft


def _form(user: User, draft: SubmissionDraft, data: Any = None, files: Any = None) -> DraftForm:
    version = draft.procedure_version
    items = usable_items(draft.applicant) if may_use_store(user, draft.applicant) else []
    initial = {
        "subject": draft.subject,
        "competent_agency": draft.competent_agency_id,
        "return_method": draft.return_method,
        "return_point": draft.return_point_id,
        "postal_address": draft.postal_address,
    }
    return DraftForm(
        data,
        files,
        initial=initial,
        components=submission.draft_components(draft),
        store_items=items,
        agencies=submission.commune_agencies() if submission.needs_agency_choice(version) else None,
    )


def _applicant(draft: SubmissionDraft) -> dict[str, str]:
    """The applicant's details from the profile (provide information once), masked."""
    p = draft.applicant
    return {
        "name": p.full_name,
        "id": mask_identifier(p.personal_id or p.tax_code or ""),
        "phone": mask_identifier(p.phone, 3) if p.phone else "",
        "email": mask_email(p.email) if p.email else "",
        "address": "•••" if p.address else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    draft = _draft(user, pk)
    status = 200
    if request.method == "POST":
        form = _form(user, draft, request.POST, request.FILES)
        if form.is_valid():
            try:
                draft = submission.draft_save(draft=draft, user=user, data=form.to_input())
            except DomainError as error:
                apply_domain_error(form, error)
                status = error.kind.http_status
            else:
                if request.POST.get("next") == "review":
                    return redirect("portal:draft-review", pk=draft.pk)
                messages.success(request, _("Your draft has been saved."))
                return redirect("portal:draft", pk=draft.pk)
        else:
            status = 400
    else:
        form = _form(user, draft)
    return render(
        request,
        "portal/draft.html",
        {"draft": draft, "form": form, "applicant": _applicant(draft)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    draft = _draft(user, pk)
    error_message = None
    status = 200
    if request.method == "POST":
        try:
            dossier = submission.draft_submit(draft=draft, user=user)
        except DomainError as error:
            error_message = error.message
            status = error.kind.http_status
            draft = _draft(user, pk)
        else:
            messages.success(
                request,
                _("Your dossier has been sent. It waits for the one-stop office to receive it."),
            )
            return redirect("portal:my-dossier", code=dossier.reference)
    return render(
        request,
        "portal/draft_review.html",
        {
            "draft": draft,
            "applicant": _applicant(draft),
            "components": submission.draft_components(draft),
            "problems": submission.draft_problems(draft),
            "return_label": (
                ReturnMethod(draft.return_method).label
                if draft.return_method in ReturnMethod.values
                else ""
            ),
            "error": error_message,
        },
        status=status,
    )


@login_required
@require_http_methods(["POST"])
def draft_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    draft = _draft(user, pk)
    draft.delete()
    messages.success(request, _("The draft has been deleted."))
    return redirect("portal:my-dossiers")
