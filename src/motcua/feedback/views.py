"""Public report pages: the list, one report, the citizen's form (with a check for open
reports about the same problem), following an open report, and the reporter's rating and
reopening."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.static import serve

from motcua.core.errors import DomainError, ErrorKind
from motcua.feedback import selectors, services
from motcua.feedback.forms import FollowForm, RateForm, ReportForm, commune_choices
from motcua.feedback.models import Category, Report
from motcua.feedback.throttle import submit_allowed
from motcua.org.models import AdministrativeUnit

PAGE_SIZE = 50


def report_list(request: HttpRequest) -> HttpResponse:
    """Public list, filterable by commune, category and status (no personal data)."""
    commune = request.GET.get("commune", "")[:10]
    category = request.GET.get("category", "")[:30]
    status = request.GET.get("status", "")[:20]
    qs = selectors.reports_public(commune_code=commune, category=category, status=status)
    rows = [selectors.report_public_view(r) for r in qs[:PAGE_SIZE]]
    return render(
        request,
        "feedback/list.html",
        {
            "rows": rows,
            "communes": commune_choices(),
            "categories": Category.choices,
            "statuses": [
                (v, label) for v, label in Report.Status.choices if v != Report.Status.REJECTED
            ],
            "selected": {"commune": commune, "category": category, "status": status},
        },
    )


def _public_report(request: HttpRequest, pk: int) -> Report | None:
    """The report if anyone may open it (a rejected report only by its reporter)."""
    report = Report.objects.select_related("commune", "agency").filter(pk=pk).first()
    if report is None or (
        report.status == Report.Status.REJECTED
        and not selectors.is_reporter_of(request.user, report)
    ):
        return None
    return report


def _detail_context(request: HttpRequest, report: Report) -> dict[str, Any]:
    """The public view, plus what the logged-in reporter may do (rate, reopen) and whether
    anyone may still follow the report."""
    root = selectors.report_root(report)
    reporter = selectors.is_reporter_of(request.user, report)
    answered = root.status == Report.Status.ANSWERED
    return {
        "report": selectors.report_public_view(report),
        "is_reporter": reporter,
        "satisfied": report.satisfied if reporter else None,
        "can_rate": reporter and answered and report.satisfied is None,
        "can_reopen": reporter and answered and report.satisfied is False and root.reopen_count < 1,
        "can_follow": not reporter and root.status in selectors.OPEN_STATUSES,
        "follow_target": root.pk,
        "follow_form": FollowForm(),
    }


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _public_report(request, pk)
    if report is None:
        return render(request, "feedback/detail.html", {"report": None}, status=404)
    return render(request, "feedback/detail.html", _detail_context(request, report))


def _suggestions(data: dict[str, Any]) -> list[selectors.DuplicateSuggestion]:
    commune = AdministrativeUnit.objects.filter(code=data.get("commune") or "").first()
    return selectors.duplicate_suggestions(
        category=data["category"],
        commune_id=commune.pk if commune is not None else None,
        text=data["text"],
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
    )


def _new_page(request: HttpRequest, form: ReportForm, status: int, **extra: Any) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "photo_errors": [],
        "checked": False,
        "suggestions": [],
        "photos_dropped": False,
        "follow_form": FollowForm(),
    }
    context.update(extra)
    return render(request, "feedback/new.html", context, status=status)


def _throttled(request: HttpRequest, form: Any) -> bool:
    """Count one filing or following against the caller's budget (motcua.feedback.throttle);
    when it is spent, say so on the form and mark it (answered 429)."""
    allowed, wait = submit_allowed(request)
    if allowed:
        return False
    form.throttled = True
    form.add_error(
        None,
        str(
            format_lazy(
                _("Too many reports from this connection. Please try again in {n} seconds."),
                n=wait,
            )
        ),
    )
    return True


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """The citizen's form; "check" shows open reports that may be the same before sending;
    on success, the new report with open reports that may be the same."""
    if request.method != "POST":
        return _new_page(request, ReportForm(), 200)
    form = ReportForm(request.POST)
    if "check" in request.POST:
        # A server-rendered step: what was typed is kept; files cannot be kept by a browser.
        if not form.is_valid():
            return _new_page(request, form, 400)
        data = form.cleaned_data
        follow = FollowForm(
            initial={"contact_phone": data["contact_phone"], "contact_email": data["contact_email"]}
        )
        return _new_page(
            request,
            form,
            200,
            checked=True,
            suggestions=_suggestions(data),
            photos_dropped=bool(request.FILES.getlist("photos")),
            follow_form=follow,
        )
    photo_errors: list[str] = []
    status = 400
    if form.is_valid() and not _throttled(request, form):
        data = form.cleaned_data
        user = request.user if request.user.is_authenticated else None
        try:
            report = services.report_submit(
                actor=user,
                category=data["category"],
                text=data["text"],
                commune_code=data["commune"],
                address=data["address"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                contact_email=data["contact_email"],
                dossier_code=data["dossier_code"],
                photos=request.FILES.getlist("photos"),
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except DomainError as error:
            status = error.kind.http_status
            if error.kind is ErrorKind.FORBIDDEN:
                form.add_error(None, str(error.message))
            for name, message in error.fields.items():
                if name in form.fields:
                    form.add_error(name, str(message))
                else:
                    photo_errors.append(str(message))
            if not error.fields and error.kind is not ErrorKind.FORBIDDEN:
                form.add_error(None, str(error.message))
        else:
            suggestions = selectors.duplicate_suggestions(
                category=report.category,
                commune_id=report.commune_id,
                text=report.text,
                latitude=report.latitude,
                longitude=report.longitude,
                exclude_pk=report.pk,
            )
            return render(
                request,
                "feedback/submitted.html",
                {
                    "report": selectors.report_public_view(report),
                    "suggestions": suggestions,
                    "follow_form": FollowForm(),
                },
                status=201,
            )
    if form.errors.get("__all__") and getattr(form, "throttled", False):
        status = 429
    return _new_page(request, form, status, photo_errors=photo_errors)


@require_POST
def report_follow(request: HttpRequest, pk: int) -> HttpResponse:
    """Add oneself to an open report (anonymous: with a phone or an e-mail for the answer)."""
    report = _public_report(request, pk)
    if report is None:
        return render(request, "feedback/detail.html", {"report": None}, status=404)
    form = FollowForm(request.POST)
    status = 400
    if form.is_valid() and not _throttled(request, form):
        user = request.user if request.user.is_authenticated else None
        try:
            follower = services.report_follow(
                report=report,
                actor=user,
                contact_phone=form.cleaned_data["contact_phone"],
                contact_email=form.cleaned_data["contact_email"],
            )
        except DomainError as error:
            status = error.kind.http_status
            matched = False
            for name, message in error.fields.items():
                if name in form.fields:
                    form.add_error(name, str(message))
                    matched = True
            if not matched:
                form.add_error(None, str(error.message))
        else:
            messages.success(
                request,
                format_lazy(
                    _("You now follow report PA-{pk}; you will be told when it is answered."),
                    pk=follower.report_id,
                ),
            )
            return redirect("feedback:detail", pk=follower.report_id)
    context = _detail_context(request, report)
    context["follow_form"] = form
    context["follow_open"] = True
    if getattr(form, "throttled", False):
        status = 429
    return render(request, "feedback/detail.html", context, status=status)


def _reporter_act(request: HttpRequest, pk: int, act: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(f"/feedback/{pk}/")
    report = _public_report(request, pk)
    if report is None:
        return render(request, "feedback/detail.html", {"report": None}, status=404)
    user: Any = request.user
    try:
        if act == "rate":
            form = RateForm(request.POST)
            if not form.is_valid():
                raise DomainError(
                    "feedback.invalid",
                    _("Choose satisfied or not satisfied."),
                    kind=ErrorKind.MALFORMED,
                )
            satisfied = form.cleaned_data["satisfied"] == "yes"
            services.report_rate(report=report, actor=user, satisfied=satisfied)
            done = _("Thank you: your rating was recorded.")
        else:
            services.report_reopen(report=report, actor=user)
            done = _("The report was reopened and sent back to the agency.")
    except DomainError as error:
        report.refresh_from_db()
        context = _detail_context(request, report)
        context["error"] = error.text()
        return render(request, "feedback/detail.html", context, status=error.kind.http_status)
    messages.success(request, done)
    return redirect("feedback:detail", pk=pk)


@require_POST
def report_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter marks the answer satisfying or not."""
    return _reporter_act(request, pk, "rate")


@require_POST
def report_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter, not satisfied, sends the report back to the agency (once)."""
    return _reporter_act(request, pk, "reopen")


def public_photo(request: HttpRequest, path: str) -> HttpResponse | FileResponse:
    """The public copy of a report or answer photo (EXIF removed) under
    ``MEDIA_URL/feedback/public/``; originals are never served. A front web server may serve
    that folder itself (docs/operations.md); this view makes ``motcua up`` complete."""
    if not path.startswith("feedback/public/") or "\x00" in path:
        raise Http404
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
