"""Pages of the documents app: print a form, print the register, download a stored document,
verify a signed PDF (open to everyone). Thin: parse, check access, call a service, answer."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from motcua.core.errors import DomainError, ErrorKind
from motcua.core.permissions import staff_required
from motcua.documents import forms, results, selectors, services
from motcua.documents.models import ElectronicResult, Form, GeneratedDocument
from motcua.documents.signing import verify_pdf
from motcua.dossiers.selectors import dossier_get
from motcua.org.models import User

logger = logging.getLogger(__name__)


def _pdf(document: GeneratedDocument, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.filename}"'
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _problem(
    request: HttpRequest,
    *,
    status: int,
    message: str | Promise,
    fields: Mapping[str, str | Promise] | None = None,
) -> HttpResponse:
    return render(
        request,
        "documents/problem.html",
        {"status": status, "message": message, "fields": dict(fields or {})},
        status=status,
    )


def _domain_problem(request: HttpRequest, error: DomainError) -> HttpResponse:
    return _problem(
        request, status=error.kind.http_status, message=error.message, fields=error.fields
    )


def _unavailable(request: HttpRequest, error: services.DocumentsUnavailable) -> HttpResponse:
    logger.error("documents unavailable: %s", error)
    return _problem(
        request,
        status=503,
        message=_(
            "Documents cannot be printed right now: the PDF engine or the signing certificate "
            "is not set up. The administrator has been told."
        ),
    )


@require_GET
@staff_required
def dossier_form(request: HttpRequest, code: str, form: str) -> HttpResponse:
    """Generate, sign and store form ``form`` of the dossier, and show it."""
    user = cast(User, request.user)
    try:
        dossier = dossier_get(user=user, identifier=code)
        document = services.document_generate(dossier=dossier, form=form, actor=user)
    except DomainError as error:
        return _domain_problem(request, error)
    except services.DocumentsUnavailable as error:
        return _unavailable(request, error)
    return _pdf(document, selectors.document_content(document))


@require_GET
@staff_required
def register(request: HttpRequest) -> HttpResponse:
    """Form 06 for a period (and a service point): the choice form, or the signed PDF."""
    user = cast(User, request.user)
    if not any(name in request.GET for name in ("from", "to", "service_point")):
        return render(request, "documents/register.html", {"query": forms.RegisterQuery(raw={})})
    query = forms.parse_register_query(request.GET)
    if not query.is_valid or query.date_from is None or query.date_to is None:
        return render(request, "documents/register.html", {"query": query}, status=400)
    try:
        document = services.register_generate(
            actor=user,
            date_from=query.date_from,
            date_to=query.date_to,
            service_point=query.service_point,
        )
    except DomainError as error:
        query.errors.update(error.fields)
        status = error.kind.http_status if error.kind is not ErrorKind.INVALID else 400
        context: dict[str, Any] = {"query": query, "message": error.message}
        return render(request, "documents/register.html", context, status=status)
    except services.DocumentsUnavailable as error:
        return _unavailable(request, error)
    return _pdf(document, selectors.document_content(document))


@require_GET
@staff_required
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """A stored document, for staff who may see its dossier (the read is audited)."""
    user = cast(User, request.user)
    try:
        document = selectors.document_get(user=user, pk=pk)
    except DomainError as error:
        return _domain_problem(request, error)
    return _pdf(document, services.document_open(document=document, actor=user))


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Upload a PDF; say whether it is intact and who signed it. Open to everyone."""
    if request.method == "GET":
        return render(request, "documents/verify.html", {"errors": {}})
    upload = forms.read_verification_upload(request.FILES.get("file"))
    if upload.data is None:
        return render(request, "documents/verify.html", {"errors": upload.errors}, status=400)
    result = verify_pdf(upload.data)
    known = selectors.document_matching(result.sha256) if result.intact else None
    e_result = selectors.result_matching(result.sha256) if result.intact else None
    return render(
        request,
        "documents/verify_result.html",
        {
            "result": result,
            "known": known,
            "form_label": Form(known.form).label if known is not None else "",
            # only the dossier's code, the agency and the date: no personal data
            "e_result": e_result,
            "filename": getattr(request.FILES.get("file"), "name", ""),
        },
    )


def _result_pdf(result: ElectronicResult, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    name = f"{result.dossier.identifier}-ket-qua-{result.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def result_download(request: HttpRequest, pk: int) -> HttpResponse:
    """An electronic result, for a party of its dossier or staff who may see the dossier (staff
    reads are audited); not found for anyone else."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    try:
        result = selectors.result_get(user=user, pk=pk)
    except DomainError as error:
        raise Http404(error.text()) from error
    data = results.result_open(result=result, actor=user, audit=selectors.is_staff_reader(user))
    return _result_pdf(result, data)
