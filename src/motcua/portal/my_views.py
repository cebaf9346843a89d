"""The citizen's dossiers: the list, one dossier with its history, and the satisfaction rating
of a returned dossier (Circular 01/2018)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.core.errors import DomainError
from motcua.core.forms import apply_domain_error
from motcua.documents.models import Form
from motcua.documents.services import document_generate
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import dossier_withdraw
from motcua.dossiers.states import State
from motcua.feedback.models import DossierRating
from motcua.feedback.rating import CRITERIA
from motcua.feedback.services import dossier_rate, may_rate
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.portal import my_selectors
from motcua.portal.forms import RatingForm
from motcua.portal.selectors import public_progress
from motcua.portal.submission import drafts_of, supplement_answer
from motcua.portal.submit_forms import SupplementAnswerForm, WithdrawForm

PAGE_SIZE = 50


def _citizen(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not (user.has_role(Role.CITIZEN) or user.has_role(Role.AGENT)):
        raise PermissionDenied
    return user


def _dossier(user: User, code: str) -> Dossier:
    dossier = my_selectors.my_dossier(user=user, code=code)
    if dossier is None:
        raise Http404
    return dossier


@login_required
def my_dossiers(request: HttpRequest) -> HttpResponse:
    user = _citizen(request)
    rows = [public_progress(d) for d in my_selectors.my_dossiers(user=user)[:PAGE_SIZE]]
    return render(request, "portal/my_dossiers.html", {"rows": rows, "drafts": drafts_of(user)})


@login_required
def my_dossier(request: HttpRequest, code: str) -> HttpResponse:
    user = _citizen(request)
    dossier = _dossier(user, code)
    return render(request, "portal/my_dossier.html", _context(user, dossier, RatingForm()))


def _context(
    user: User,
    dossier: Dossier,
    form: RatingForm,
    supplement_form: SupplementAnswerForm | None = None,
    withdraw_form: WithdrawForm | None = None,
) -> dict[str, Any]:
    rating = DossierRating.objects.filter(dossier=dossier).first()
    request = my_selectors.open_supplement_request(dossier)
    if supplement_form is None and request is not None:
        supplement_form = SupplementAnswerForm(items=list(request.items))
    return {
        "dossier": dossier,
        "components": my_selectors.my_dossier_components(dossier),
        "supplement_request": request,
        "supplement_form": supplement_form,
        "can_withdraw": my_selectors.may_ask_withdrawal(dossier),
        "withdraw_form": withdraw_form or WithdrawForm(),
        "receipt": my_selectors.latest_receipt(dossier),
        "results": my_selectors.electronic_results(dossier),
        "view": public_progress(dossier),
        "history": my_selectors.my_dossier_history(dossier),
        "rating": rating,
        "rating_rows": my_selectors.rating_rows(rating) if rating is not None else [],
        "can_rate": rating is None and may_rate(user, dossier) and dossier.state == State.RETURNED,
        "form": form,
        "criteria": CRITERIA,
    }


@login_required
@require_http_methods(["POST"])
def my_dossier_rate(request: HttpRequest, code: str) -> HttpResponse:
    user = _citizen(request)
    dossier = _dossier(user, code)
    form = RatingForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            dossier_rate(
                dossier=dossier,
                actor=user,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            status = error.kind.http_status
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Thank you. Your rating has been recorded."))
            return redirect("portal:my-dossier", code=code)
    dossier.refresh_from_db()
    return render(request, "portal/my_dossier.html", _context(user, dossier, form), status=status)


@login_required
@require_http_methods(["POST"])
def my_dossier_supplement(request: HttpRequest, code: str) -> HttpResponse:
    """Answer the open supplement request with the missing papers."""
    user = _citizen(request)
    dossier = _dossier(user, code)
    supplement = my_selectors.open_supplement_request(dossier)
    if supplement is None:
        messages.error(request, _("No supplement is requested for this dossier."))
        return redirect("portal:my-dossier", code=code)
    form = SupplementAnswerForm(request.POST, request.FILES, items=list(supplement.items))
    status = 400
    if form.is_valid():
        try:
            supplement_answer(
                dossier=dossier, user=user, uploads=form.uploads(), note=form.cleaned_data["note"]
            )
        except DomainError as error:
            status = error.kind.http_status
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Your supplement has been sent."))
            return redirect("portal:my-dossier", code=code)
    return render(
        request,
        "portal/my_dossier.html",
        _context(user, dossier, RatingForm(), supplement_form=form),
        status=status,
    )


@login_required
@require_http_methods(["POST"])
def my_dossier_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    """Ask to withdraw the dossier (an officer confirms, Decree 61/2018 Art. 18)."""
    user = _citizen(request)
    dossier = _dossier(user, code)
    form = WithdrawForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            dossier_withdraw(dossier=dossier, actor=user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            status = error.kind.http_status
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Your request to withdraw the dossier has been sent."))
            return redirect("portal:my-dossier", code=code)
    return render(
        request,
        "portal/my_dossier.html",
        _context(user, dossier, RatingForm(), withdraw_form=form),
        status=status,
    )


@login_required
def my_dossier_receipt(request: HttpRequest, code: str) -> HttpResponse:
    """The newest receipt (form 01) of the dossier, as signed when printed."""
    user = _citizen(request)
    dossier = _dossier(user, code)
    receipt = my_selectors.latest_receipt(dossier)
    if receipt is None:
        # not printed at the counter (an online dossier): print it now, signed, as staff would
        try:
            receipt = document_generate(dossier=dossier, form=Form.RECEIPT, actor=user)
        except DomainError as error:  # not received yet: there is no receipt to give
            raise Http404 from error
    with receipt.file.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
