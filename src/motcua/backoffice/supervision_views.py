"""The supervisor's pages: the summary and the list behind each of its numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.core.paginator import EmptyPage, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.backoffice import supervision_selectors as selectors
from motcua.backoffice.supervision_forms import DossierFilterForm, SummaryForm
from motcua.core.permissions import role_required
from motcua.org.models import User
from motcua.org.roles import Role

PAGE_SIZE = 50


def now() -> dt.datetime:
    """The instant the figures are computed at (a seam for tests)."""
    return timezone.now()


def _errors(form: Any) -> list[tuple[str, str]]:
    """``(field label, message)`` for each error of ``form``."""
    out: list[tuple[str, str]] = []
    for name, messages in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields else name
        out.extend((f"{label} ({name})", str(m)) for m in messages)
    return out


@role_required(Role.SUPERVISOR)
def summary(request: HttpRequest) -> HttpResponse:
    """Due today / overdue by agency and by step, step times against budget, service point
    load per day, and the place of the Decision 766 scorecard."""
    user = cast(User, request.user)  # role_required admits only logged-in supervisors
    current = now()
    form = SummaryForm(request.GET, today=selectors.local_day(current))
    context: dict[str, Any] = {"form": form, "list_url": reverse("backoffice:supervision-dossiers")}
    if not form.is_valid():
        context["errors"] = _errors(form)
        return render(request, "backoffice/supervision/summary.html", context, status=400)
    context["summary"] = selectors.supervision_summary(
        user=user,
        now=current,
        until=form.cleaned_data["until"],
        period_days=form.cleaned_data["days"],
    )
    return render(request, "backoffice/supervision/summary.html", context)


@role_required(Role.SUPERVISOR)
def dossiers(request: HttpRequest) -> HttpResponse:
    """The dossiers (or finished steps) behind one number of the summary."""
    user = cast(User, request.user)
    current = now()
    form = DossierFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "now": current}
    if not form.is_valid():
        context["errors"] = _errors(form)
        return render(request, "backoffice/supervision/dossiers.html", context, status=400)
    flt = form.to_filter()
    rows: Any = (
        selectors.supervision_steps(user=user, flt=flt)
        if flt.lists_steps
        else selectors.supervision_dossiers(user=user, flt=flt, now=current)
    )
    paginator = Paginator(rows, PAGE_SIZE)
    try:
        page = paginator.page(form.page_number)
    except EmptyPage:
        context["errors"] = [(f"{_('Page')} (page)", str(_("there is no such page")))]
        return render(request, "backoffice/supervision/dossiers.html", context, status=400)
    query = flt.querystring()
    context.update(
        flt=flt,
        description=selectors.describe_filter(flt),
        page=page,
        query=query,
        query_prefix=f"{query}&" if query else "",
    )
    return render(request, "backoffice/supervision/dossiers.html", context)
