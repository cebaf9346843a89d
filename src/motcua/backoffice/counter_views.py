"""The counter (receiver) pages: find the procedure, take the dossier in with its checklist and
decide in one click (receive → form 01, supplement → form 02, refuse → form 03), the queue of
dossiers waiting for intake at this service point, and the results ready for return.

Thin views: they parse input with :mod:`counter_forms`, read with :mod:`counter_selectors`
and change nothing themselves (:mod:`counter_services`). Only a receiver attached to a
service point gets in; a dossier of another counter is not found (404).
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from motcua.backoffice import counter_selectors as sel
from motcua.backoffice.counter_forms import (
    DecisionForm,
    IntakeForm,
    ReturnForm,
    SupplementReceivedForm,
    apply_domain_error,
)
from motcua.backoffice.counter_services import (
    ApplicantInput,
    counter_decide,
    counter_intake,
    counter_return,
    counter_supplement_received,
    identifier_check,
)
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.permissions import role_required
from motcua.core.services import audit_record
from motcua.dossiers.models import Dossier, Refusal, SupplementRequest
from motcua.dossiers.states import State
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.identity import mask_identifier
from motcua.people.models import CitizenProfile
from motcua.people.services import profile_by_identifier

PAGE_SIZE = 50
#: Where each act leaves the officer: the next dossier of this queue.
ACT_QUEUE = {
    "receive": "intake",
    "supplement": "intake",
    "refuse": "intake",
    "supplied": "intake",
    "return": "results",
}
#: The form printed after each act (forms of the "docs" helper, documents:dossier_form).
ACT_FORM = {"receive": "01", "supplement": "02", "refuse": "03"}
QUEUE_URLS = {
    "intake": "backoffice:counter_queue",
    "waiting": "backoffice:counter_waiting",
    "results": "backoffice:counter_results",
}

#: The tab a dossier page belongs to, by the dossier's state.
STATE_TAB: dict[str, str] = {
    State.SUBMITTED: "intake",
    State.INTAKE_SUPPLEMENT: "waiting",
    State.FINISHED: "results",
}

receiver_only = role_required(Role.RECEIVER)


# ----------------------------------------------------------------------------- helpers
def _officer(request: HttpRequest) -> User:
    user = cast(User, request.user)  # role_required admits logged-in receivers only
    if not sel.is_counter_officer(user):
        raise PermissionDenied(
            _("Only a receiving officer attached to a service point works at the counter.")
        )
    return user


def _posted(request: HttpRequest) -> Any:
    """The submitted data of a POST (even an empty one), ``None`` for a GET."""
    return request.POST if request.method == "POST" else None


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _masked(profile: CitizenProfile) -> str:
    return mask_identifier(profile.personal_id or profile.tax_code or "")


def _dossier(user: User, identifier: str) -> Dossier:
    try:
        return sel.counter_dossier_get(user=user, identifier=identifier)
    except DomainError as exc:
        raise Http404(str(exc.message)) from exc


def _raise_access(exc: DomainError) -> None:
    """Access errors are pages of their own (403/404), not form messages."""
    if exc.kind == ErrorKind.FORBIDDEN:
        raise PermissionDenied(str(exc.message)) from exc
    if exc.kind == ErrorKind.NOT_FOUND:
        raise Http404(str(exc.message)) from exc


def _status(exc: DomainError) -> int:
    return 409 if exc.kind == ErrorKind.CONFLICT else 422


def _done(request: HttpRequest, user: User) -> dict[str, Any] | None:
    """The panel that confirms the last act, with its form to print."""
    identifier = request.GET.get("done", "")[:40]
    act = request.GET.get("act", "")
    if not identifier or act not in ACT_QUEUE:
        return None
    try:
        dossier = sel.counter_dossier_get(user=user, identifier=identifier)
    except DomainError:
        return None
    return {"dossier": dossier, "act": act, "form": ACT_FORM.get(act, "")}


def _after(user: User, dossier: Dossier, act: str, *, walk_in: bool = False) -> HttpResponse:
    """After every act: the next dossier of the queue, with the confirmation on top."""
    queue = ACT_QUEUE[act]
    following = sel.next_in_queue(user=user, queue=queue, after=dossier)
    if following is not None:
        name = "backoffice:counter_return" if queue == "results" else "backoffice:counter_dossier"
        url = reverse(name, args=[following.identifier])
    elif walk_in:
        url = reverse("backoffice:counter")
    else:
        url = reverse(QUEUE_URLS[queue])
    return HttpResponseRedirect(f"{url}?{urlencode({'done': dossier.identifier, 'act': act})}")


def _page(
    request: HttpRequest,
    user: User,
    template: str,
    context: dict[str, Any],
    *,
    tab: str,
    status: int = 200,
) -> HttpResponse:
    context.update(
        {
            "tab": tab,
            "counts": sel.counter_counts(user=user),
            "service_point": user.service_point,
            "done": _done(request, user),
        }
    )
    return render(request, template, context, status=status)


def _rows(dossiers: Any) -> list[dict[str, Any]]:
    return [{"dossier": d, "masked_id": _masked(d.applicant)} for d in dossiers]


# ----------------------------------------------------------------------------- pages
@receiver_only
def home(request: HttpRequest) -> HttpResponse:
    """Find the procedure (accent-insensitive), then take the dossier in."""
    user = _officer(request)
    query = request.GET.get("q", "").strip()[:200]
    context: dict[str, Any] = {
        "query": query,
        "versions": sel.procedures_for_counter(query=query),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "backoffice/counter/home.html#results", context)
    context["recent"] = [(h, State(h.state_after).label) for h in sel.done_today(user=user)]
    return _page(request, user, "backoffice/counter/home.html", context, tab="new")


@receiver_only
def queue(request: HttpRequest, queue: str) -> HttpResponse:
    """One queue of the counter: waiting for intake, waiting on the citizen, results."""
    user = _officer(request)
    page = Paginator(sel.counter_queue(user=user, queue=queue), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"queue": queue, "page": page, "rows": _rows(page.object_list)}
    return _page(request, user, "backoffice/counter/queue.html", context, tab=queue)


@receiver_only
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest, code: str) -> HttpResponse:
    """The intake form of one procedure: applicant, submitter, checklist, return, decision."""
    user = _officer(request)
    version = sel.version_for_intake(code=code)
    if version is None:
        raise Http404(_("No procedure with this code is in force."))
    choice = sel.competent_agency_choice(version=version, user=user)
    form = IntakeForm(
        _posted(request),
        documents=sel.required_documents(version=version),
        agencies=choice.options,
        fixed_agency=choice.fixed,
        default_agency_id=choice.default_id,
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            decision = form.decision_value
            try:
                dossier = counter_intake(
                    actor=user,
                    procedure_code=version.procedure.code,
                    applicant=ApplicantInput(
                        identifier=data["applicant_id"],
                        full_name=data["applicant_name"],
                        phone=data["applicant_phone"],
                        address=data["applicant_address"],
                    ),
                    decision=decision,
                    competent_agency=form.competent,
                    subject=data["subject"],
                    channel=data["channel"],
                    submitter_kind=data["submitter_kind"],
                    submitter_name=data["submitter_name"],
                    return_method=data["return_method"],
                    checklist=form.checklist(),
                    extras=form.extras(),
                    items=form.item_lines,
                    reason=data["reason"],
                    appointment_at=data["appointment_at"],
                )
            except DomainError as exc:
                _raise_access(exc)
                apply_domain_error(form, exc)
                status = _status(exc)
            else:
                return _after(user, dossier, decision.value, walk_in=True)
    context = {
        "version": version,
        "form": form,
        "competent": choice,
        "documents_listed": bool(form.documents),
        "lookup_value": form["applicant_id"].value() or "",
        "needs_appointment": not version.has_time_limit,
    }
    return _page(request, user, "backoffice/counter/intake.html", context, tab="new", status=status)


@receiver_only
def applicant_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: who is this identity number? A known applicant is shown masked (and the read is
    audited; the registration fields are then hidden); an unknown one is to be registered."""
    user = _officer(request)
    raw = request.GET.get("applicant_id", "").strip()[:20]
    context: dict[str, Any] = {"state": "empty"}
    if raw:
        try:
            identifier = identifier_check(raw)
        except DomainError as exc:
            context.update(state="invalid", error=str(exc.fields.get("applicant_id", "")))
        else:
            profile = profile_by_identifier(identifier)
            if profile is None:
                context["state"] = "new"
            else:
                with transaction.atomic():
                    audit_record(
                        action="people.profile_viewed",
                        actor=user,
                        obj=profile,
                        purpose="counter intake: applicant lookup",
                        ip_address=_ip(request),
                    )
                context.update(
                    state="found",
                    profile=profile,
                    masked_id=_masked(profile),
                    masked_phone=mask_identifier(profile.phone) if profile.phone else "",
                )
    return render(request, "backoffice/counter/_applicant.html", context)


@receiver_only
@require_http_methods(["GET", "POST"])
def dossier_page(request: HttpRequest, identifier: str) -> HttpResponse:
    """A dossier at this counter; while it waits for intake, the three decisions."""
    user = _officer(request)
    dossier = _dossier(user, identifier)
    form = DecisionForm(_posted(request))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                dossier = counter_decide(
                    dossier=dossier,
                    actor=user,
                    decision=form.decision_value,
                    items=form.item_lines,
                    reason=form.cleaned_data["reason"],
                    appointment_at=form.cleaned_data["appointment_at"],
                )
            except DomainError as exc:
                _raise_access(exc)
                apply_domain_error(form, exc)
                status = _status(exc)
            else:
                return _after(user, dossier, form.decision_value.value)
    else:
        with transaction.atomic():
            audit_record(
                action="dossier.viewed",
                actor=user,
                obj=dossier,
                purpose="counter",
                ip_address=_ip(request),
            )
    return _page(
        request,
        user,
        "backoffice/counter/dossier.html",
        _dossier_context(dossier, form=form),
        tab=STATE_TAB.get(dossier.state, ""),
        status=status,
    )


def _dossier_context(dossier: Dossier, **extra: Any) -> dict[str, Any]:
    version = dossier.procedure_version
    handed = list(sel.dossier_documents(dossier=dossier))
    by_required = {doc.required_document_id: doc for doc in handed if doc.required_document_id}
    checklist = [
        {"doc": doc, "handed": by_required.get(doc.pk)}
        for doc in sel.required_documents(version=version)
    ]
    context: dict[str, Any] = {
        "dossier": dossier,
        "version": version,
        "checklist": checklist,
        "extras": [doc for doc in handed if doc.required_document_id is None],
        "masked_id": _masked(dossier.applicant),
        "decide": dossier.state == State.SUBMITTED,
        "needs_appointment": not version.has_time_limit,
        "forms": _printable_forms(dossier),
        **extra,
    }
    if dossier.state == State.INTAKE_SUPPLEMENT:
        context["supplement_request"] = (
            SupplementRequest.objects.filter(dossier=dossier).order_by("-requested_at").first()
        )
        context.setdefault("supplied_form", SupplementReceivedForm())
    if dossier.state == State.REFUSED_INTAKE:
        context["refusal"] = Refusal.objects.filter(dossier=dossier).order_by("-at").first()
    return context


def _printable_forms(dossier: Dossier) -> list[tuple[str, Any]]:
    """The forms this dossier can print at the counter, by its state."""
    forms: list[tuple[str, Any]] = []
    if dossier.code:
        forms.append(("01", _("Receipt and appointment (form 01)")))
    if dossier.state == State.INTAKE_SUPPLEMENT or dossier.processing_supplements:
        forms.append(("02", _("Supplement request (form 02)")))
    if dossier.state == State.REFUSED_INTAKE or dossier.result_kind == "refused":
        forms.append(("03", _("Refusal (form 03)")))
    return forms


@receiver_only
@require_POST
def supplement_received(request: HttpRequest, identifier: str) -> HttpResponse:
    """The applicant brought what was asked for before intake: the dossier is back in the
    queue, to be decided again."""
    user = _officer(request)
    dossier = _dossier(user, identifier)
    form = SupplementReceivedForm(request.POST)
    if form.is_valid():
        try:
            dossier = counter_supplement_received(
                dossier=dossier, actor=user, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            _raise_access(exc)
            form.add_error(None, str(exc.message))
            return _page(
                request,
                user,
                "backoffice/counter/dossier.html",
                _dossier_context(dossier, form=DecisionForm(), supplied_form=form),
                tab="waiting",
                status=_status(exc),
            )
    else:
        return _page(
            request,
            user,
            "backoffice/counter/dossier.html",
            _dossier_context(dossier, form=DecisionForm(), supplied_form=form),
            tab="waiting",
            status=422,
        )
    url = reverse("backoffice:counter_dossier", args=[dossier.identifier])
    return HttpResponseRedirect(
        f"{url}?{urlencode({'done': dossier.identifier, 'act': 'supplied'})}"
    )


@receiver_only
@require_http_methods(["GET", "POST"])
def return_result(request: HttpRequest, identifier: str) -> HttpResponse:
    """The result handed over: how, and to whom."""
    user = _officer(request)
    dossier = _dossier(user, identifier)
    form = ReturnForm(_posted(request), initial={"method": dossier.return_method})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                dossier = counter_return(
                    dossier=dossier,
                    actor=user,
                    method=form.cleaned_data["method"],
                    collected_by=form.cleaned_data["collected_by"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                _raise_access(exc)
                apply_domain_error(form, exc)
                status = _status(exc)
            else:
                return _after(user, dossier, "return")
    else:
        with transaction.atomic():
            audit_record(
                action="dossier.viewed",
                actor=user,
                obj=dossier,
                purpose="counter: result return",
                ip_address=_ip(request),
            )
    context = {
        "dossier": dossier,
        "form": form,
        "masked_id": _masked(dossier.applicant),
        "can_return": dossier.state == State.FINISHED,
        "forms": _printable_forms(dossier),
    }
    return _page(
        request, user, "backoffice/counter/return.html", context, tab="results", status=status
    )


@receiver_only
@require_POST
def applicant_reveal(request: HttpRequest, identifier: str) -> HttpResponse:
    """htmx: show the applicant's identity number, phone and address to check them against
    their papers. Audited."""
    user = _officer(request)
    dossier = _dossier(user, identifier)
    profile = dossier.applicant
    with transaction.atomic():
        audit_record(
            action="people.profile_viewed",
            actor=user,
            obj=profile,
            purpose="counter: identity check",
            data={"dossier": dossier.identifier},
            ip_address=_ip(request),
        )
    return render(request, "backoffice/counter/_revealed.html", {"profile": profile})
