"""Processing pages: the processor's and approver's inbox, the dossier page and its actions.

Thin views: they check who is asking (role and scope), parse the input with
:mod:`motcua.backoffice.work_forms`, call one transition service of
:mod:`motcua.dossiers.services` or the selectors of :mod:`motcua.backoffice.work_selectors`,
and render. A refused act is shown on the page (403 when the actor may not, 409 when the
dossier's state or clock does not allow it, 422 for input a rule refuses), never a 500.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from motcua.backoffice import work_selectors as sel
from motcua.backoffice.work_forms import ActionForm, ResultUploadForm, action_form
from motcua.backoffice.work_services import applicant_personal_data_reveal, dossier_view_record
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.permissions import role_required, staff_required
from motcua.documents import results
from motcua.documents.selectors import results_for
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import dossier_get
from motcua.dossiers.services import TRANSITION_FUNCTIONS
from motcua.dossiers.states import Action
from motcua.org.models import User
from motcua.org.roles import Role

PAGE_SIZE = 50
MAX_QUERY = 100
#: The dossier page's act that is not a transition: upload the electronic result.
ISSUE_RESULT = "issue-result"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the decorators admit only logged-in staff


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _load(user: User, code: str) -> Dossier:
    """The dossier if the user may see it. Staff asking for a dossier of another agency get
    403 (it exists but is not theirs); a code that exists nowhere is 404."""
    try:
        return dossier_get(user=user, identifier=code)
    except DomainError as exc:
        if Dossier.objects.filter(Q(code=code) | Q(reference=code)).exists():
            raise PermissionDenied(exc.text()) from exc
        raise Http404(exc.text()) from exc


# ----------------------------------------------------------------------------- inbox
@require_GET
@role_required(Role.PROCESSOR, Role.APPROVER)
def inbox(request: HttpRequest) -> HttpResponse:
    """Dossiers waiting on me, sorted by office time left, coloured by urgency, with counts."""
    user = _user(request)
    query = request.GET.get("q", "").strip()
    show = request.GET.get("show", "")
    errors: list[Any] = []
    if len(query) > MAX_QUERY:
        errors.append(
            format_lazy(_("“{field}”: at most {n} characters."), field=_("Search"), n=MAX_QUERY)
        )
        query = query[:MAX_QUERY]
    if show and show not in {u.value for u in sel.Urgency}:
        errors.append(format_lazy(_("“{field}”: unknown filter."), field=_("Show")))
        show = ""
    data = sel.inbox_for(user=user, query=query)
    page = Paginator(data.only(show), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "inbox": data,
        "page": page,
        "query": query,
        "show": show,
        "errors": errors,
        "filters": [("", _("All"), data.total)]
        + [(u.value, u.label, data.counts[u.value]) for u in sel.Urgency],
        "agency": user.agency,
    }
    template = "backoffice/work/inbox.html"
    if getattr(request, "htmx", False):
        template += "#inbox_list"
    return render(request, template, context)


# ----------------------------------------------------------------------------- the page
def _action_items(page: sel.DossierPage, bound: dict[Action, ActionForm]) -> list[dict[str, Any]]:
    items = []
    for act in page.actions:
        form = bound.get(act)
        if form is None:
            initial: dict[str, Any] = {}
            if act is Action.APOLOGIZE and page.apology_hint is not None:
                initial["new_appointment_at"] = page.apology_hint.suggested
            form = action_form(act, initial=initial)
        items.append(
            {
                "action": act,
                "label": form.label or act.label,
                "form": form,
                "irreversible": act in sel.IRREVERSIBLE or form.needs_confirmation,
                "open": act in bound,
            }
        )
    return items


def _render_page(
    request: HttpRequest,
    dossier: Dossier,
    *,
    bound: dict[Action, ActionForm] | None = None,
    error: str = "",
    status: int = 200,
    revealed: bool = False,
    result_form: ResultUploadForm | None = None,
) -> HttpResponse:
    user = _user(request)
    page = sel.dossier_page(user=user, dossier=dossier, revealed=revealed)
    bound = bound or {}
    # the electronic return is offered here to whoever the return service allows
    if results.may_return_electronically(user, page.dossier):
        page.actions.append(Action.RETURN_RESULT)
    # a form the officer filled stays on the page even if the act is no longer offered
    extra = [a for a in bound if a not in page.actions]
    page.actions.extend(extra)
    can_issue = results.may_issue(user, page.dossier)
    context = {
        "page": page,
        "d": page.dossier,
        "applicant": page.applicant,
        "action_items": _action_items(page, bound),
        "error": error,
        "in_inbox": bool(sel.work_roles(user)),
        "e_results": list(results_for(page.dossier)[:50]),
        "can_issue_result": can_issue,
        "result_form": result_form or ResultUploadForm(),
        "result_form_open": result_form is not None,
    }
    return render(request, "backoffice/dossier/page.html", context, status=status)


@require_GET
@staff_required
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The dossier page: applicant, documents, process, hand-overs, pauses, appointments,
    audit trail, and the actions the reader may take now."""
    user = _user(request)
    dossier = _load(user, code)
    dossier_view_record(actor=user, dossier=dossier, ip_address=_ip(request))
    return _render_page(request, dossier)


@require_POST
@staff_required
def dossier_applicant(request: HttpRequest, code: str) -> HttpResponse:
    """Show the applicant's identity number, phone, e-mail and address (audited)."""
    user = _user(request)
    dossier = _load(user, code)
    applicant_personal_data_reveal(actor=user, dossier=dossier, ip_address=_ip(request))
    if getattr(request, "htmx", False):
        return render(
            request,
            "backoffice/dossier/page.html#applicant",
            {"d": dossier, "applicant": sel.applicant_view(dossier.applicant, revealed=True)},
        )
    return _render_page(request, dossier, revealed=True)


@require_POST
@staff_required
def dossier_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """One processing act through its transition service, then the next dossier in my queue
    (after finishing, the dossier again when the officer may upload its electronic result)."""
    if action == ISSUE_RESULT:
        return _issue_result(request, code)
    try:
        act = Action(action)
    except ValueError as exc:
        raise Http404 from exc
    if act not in sel.WORK_ACTIONS and act is not Action.RETURN_RESULT:
        raise Http404
    user = _user(request)
    dossier = _load(user, code)
    form = action_form(act, request.POST)
    if not form.is_valid():
        return _render_page(
            request,
            dossier,
            bound={act: form},
            error=str(_("Check the fields marked below.")),
            status=422,
        )
    service = TRANSITION_FUNCTIONS[act]
    try:
        service(dossier=dossier, actor=user, **form.service_kwargs())
    except DomainError as exc:
        if exc.kind is ErrorKind.NOT_FOUND:
            raise Http404(exc.text()) from exc
        form.add_domain_errors(exc.fields)
        # no signing key or PDF engine for the electronic result: the installation, not the act
        status = 503 if isinstance(exc, results.ResultsUnavailable) else exc.kind.http_status
        return _render_page(request, dossier, bound={act: form}, error=exc.text(), status=status)
    done = format_lazy(
        _("Done: “{action}” on dossier {code}."),
        action=form.label or act.label,
        code=dossier.identifier,
    )
    if act is Action.FINISH and results.may_issue(user, Dossier.objects.get(pk=dossier.pk)):
        messages.success(
            request,
            format_lazy(
                _("{done} Upload the electronic result below, or return it electronically."),
                done=done,
            ),
        )
        return redirect(reverse("backoffice:dossier", args=[dossier.identifier]) + "#results")
    following = sel.inbox_next(user=user, after=dossier) if sel.work_roles(user) else None
    if following is not None:
        messages.success(
            request,
            format_lazy(
                _("{done} Next in your queue: {code}."), done=done, code=following.identifier
            ),
        )
        return redirect("backoffice:dossier", code=following.identifier)
    messages.success(request, done)
    if sel.work_roles(user):
        return redirect("backoffice:work-inbox")
    return redirect("backoffice:dossier", code=dossier.identifier)


def _issue_result(request: HttpRequest, code: str) -> HttpResponse:
    """Upload the electronic result of a finished dossier: signed with the competent agency's
    certificate and kept with the dossier (the service checks who, when and what file)."""
    user = _user(request)
    dossier = _load(user, code)
    form = ResultUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_page(
            request,
            dossier,
            result_form=form,
            error=str(_("Check the fields marked below.")),
            status=422,
        )
    try:
        issued = results.result_issue(
            dossier=dossier,
            actor=user,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
        )
    except results.ResultsUnavailable as exc:
        return _render_page(request, dossier, result_form=form, error=exc.text(), status=503)
    except DomainError as exc:
        if exc.kind is ErrorKind.NOT_FOUND:
            raise Http404(exc.text()) from exc
        form.add_domain_errors(exc.fields)
        return _render_page(
            request, dossier, result_form=form, error=exc.text(), status=exc.kind.http_status
        )
    messages.success(
        request,
        format_lazy(
            _("The electronic result “{title}” of dossier {code} was signed and stored."),
            title=issued.title,
            code=dossier.identifier,
        ),
    )
    return redirect(reverse("backoffice:dossier", args=[dossier.identifier]) + "#results")
