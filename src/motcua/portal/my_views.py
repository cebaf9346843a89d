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
from motcua.dossiers.models import Dossier
from motcua.dossiers.states import State
from motcua.feedback.models import DossierRating
from motcua.feedback.rating import CRITERIA
from motcua.feedback.services import dossier_rate, may_rate
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.portal import my_selectors
from motcua.portal.forms import RatingForm
from motcua.portal.selectors import public_progress

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
    return render(request, "portal/my_dossiers.html", {"rows": rows})


@login_required
def my_dossier(request: HttpRequest, code: str) -> HttpResponse:
    user = _citizen(request)
    dossier = _dossier(user, code)
    return render(request, "portal/my_dossier.html", _context(user, dossier, RatingForm()))


def _context(user: User, dossier: Dossier, form: RatingForm) -> dict[str, Any]:
    rating = DossierRating.objects.filter(dossier=dossier).first()
    return {
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
            for name, message in error.fields.items():
                form.add_error(name if name in form.fields else None, str(message))
            if not error.fields:
                form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Thank you. Your rating has been recorded."))
            return redirect("portal:my-dossier", code=code)
    dossier.refresh_from_db()
    return render(request, "portal/my_dossier.html", _context(user, dossier, form), status=status)
