"""Public report pages: the list, one report, and the citizen's form."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from motcua.core.errors import DomainError, ErrorKind
from motcua.feedback import selectors, services
from motcua.feedback.forms import ReportForm, commune_choices
from motcua.feedback.models import Category, Report

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


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = Report.objects.select_related("commune", "agency").filter(pk=pk).first()
    if report is None or (
        report.status == Report.Status.REJECTED
        and not selectors.is_reporter_of(request.user, report)
    ):
        return render(request, "feedback/detail.html", {"report": None}, status=404)
    return render(request, "feedback/detail.html", {"report": selectors.report_public_view(report)})


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """The citizen's form; on success, the new report with open reports that may be the same."""
    if request.method != "POST":
        return render(request, "feedback/new.html", {"form": ReportForm(), "photo_errors": []})
    form = ReportForm(request.POST)
    photo_errors: list[str] = []
    status = 400
    if form.is_valid():
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
                },
                status=201,
            )
    return render(
        request, "feedback/new.html", {"form": form, "photo_errors": photo_errors}, status=status
    )
