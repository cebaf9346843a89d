"""Generating, signing and storing the forms (01–06, stop notice); reading them back.

Each generation reads the dossier, renders the PDF, signs it with the issuing agency's
certificate, then stores the file and writes the :class:`GeneratedDocument` row and its audit
event in one short transaction. Rendering and signing (hundreds of milliseconds) happen before
that transaction, so they never hold a database lock; a file whose row could not be written is
removed again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError, ErrorKind
from motcua.core.services import audit_record
from motcua.documents import rendering, signing
from motcua.documents.models import DOSSIER_FORMS, Form, GeneratedDocument
from motcua.dossiers.models import Apology, Dossier, Refusal, StopNotice, SupplementRequest
from motcua.dossiers.selectors import dossiers_visible_to
from motcua.org.models import Agency, ServicePoint, User
from motcua.org.roles import Role
from motcua.workcal.types import VN_TZ

__all__ = [
    "DocumentsUnavailable",
    "document_generate",
    "document_open",
    "register_generate",
]

STAFF_ROLE_CODES = frozenset(r.value for r in Role if r.is_staff_role)
#: Longest period of one register (form 06).
REGISTER_MAX_DAYS = 366


class DocumentsUnavailable(Exception):  # noqa: N818 - a state of the installation
    """PDFs cannot be made here now: the PDF engine or the signing key is missing."""


def _when(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return timezone.now()
    if timezone.is_naive(at):
        raise DomainError(
            "time.naive",
            _("The time must include a time zone."),
            kind=ErrorKind.INVALID,
            fields={"at": _("naive")},
        )
    return at


def _not_applicable(message: Any) -> DomainError:
    return DomainError("document.not_applicable", message, kind=ErrorKind.CONFLICT)


def _source_row(
    dossier: Dossier, form: str
) -> SupplementRequest | Refusal | Apology | StopNotice | None:
    """The row the form prints, or a DomainError when the form does not apply."""
    if form == Form.RECEIPT:
        if not dossier.code or dossier.received_at is None:
            raise _not_applicable(
                _("The receipt (form 01) is printed only for a received dossier with a code.")
            )
        return None
    if form == Form.CONTROL_SHEET:
        return None
    if form == Form.SUPPLEMENT:
        request = dossier.supplement_requests.order_by("-requested_at", "-id").first()
        if request is None:
            raise _not_applicable(_("No supplement was requested for this dossier (form 02)."))
        return request
    if form == Form.REFUSAL:
        refusal = dossier.refusals.order_by("-at", "-id").first()
        if refusal is None:
            raise _not_applicable(_("This dossier was not refused (form 03)."))
        return refusal
    if form == Form.APOLOGY:
        apology = Apology.objects.filter(dossier=dossier).first()
        if apology is None:
            raise _not_applicable(_("No apology was issued for this dossier (form 04)."))
        return apology
    notice = StopNotice.objects.filter(dossier=dossier).first()
    if notice is None:
        raise _not_applicable(_("Processing of this dossier was not stopped (stop notice)."))
    return notice


def _render_and_sign(context: rendering.FormContext) -> tuple[rendering.RenderedPdf, Any]:
    try:
        pdf = rendering.render_pdf(context)
    except rendering.RenderingUnavailable as exc:
        raise DocumentsUnavailable(
            "WeasyPrint cannot load the Pango library; install the Debian packages "
            "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 (docs/forms.md)"
        ) from exc
    location = rendering.place_of(context.agency)
    try:
        signed = signing.sign_pdf(
            pdf.data, agency=context.agency, reason=context.reason, location=location
        )
    except signing.SigningUnavailable as exc:
        raise DocumentsUnavailable(str(exc)) from exc
    return pdf, signed


def _store(
    *,
    context: rendering.FormContext,
    dossier: Dossier | None,
    actor: User,
    at: dt.datetime,
    stem: str,
) -> GeneratedDocument:
    pdf, signed = _render_and_sign(context)
    local = timezone.localtime(at, VN_TZ)
    name = (
        f"documents/{local:%Y}/{local:%m}/{stem}-mau-{context.form}-"
        f"{local:%Y%m%d%H%M%S}-{secrets.token_hex(4)}.pdf"
    )
    stored = default_storage.save(name, ContentFile(signed.data))
    try:
        with transaction.atomic():
            document = GeneratedDocument.objects.create(
                dossier=dossier,
                form=context.form,
                form_version=rendering.FORM_VERSIONS[context.form],
                agency=context.agency,
                service_point=context.service_point,
                file=stored,
                sha256=hashlib.sha256(signed.data).hexdigest(),
                size=len(signed.data),
                pages=pdf.pages,
                signer_subject=signed.signer_subject[:500],
                development_certificate=signed.development,
                parameters=context.parameters,
                created_at=at,
                created_by=actor,
            )
            audit_record(
                action="document.generated",
                actor=actor,
                obj=document,
                purpose=f"print form {context.form}",
                data={
                    "form": context.form,
                    "dossier": dossier.identifier if dossier is not None else None,
                    "sha256": document.sha256,
                    "parameters": context.parameters,
                    # the forms print the applicant's name, address and phone
                    "personal_data": True,
                },
            )
    except BaseException:
        default_storage.delete(stored)
        raise
    return document


def document_generate(
    *, dossier: Dossier, form: str, actor: User, at: dt.datetime | None = None
) -> GeneratedDocument:
    """Print ``form`` of ``dossier``: render, sign with the issuing agency's certificate, store.

    Refused with :class:`DomainError` when the actor may not see the dossier (not found), the
    form is unknown, or it does not apply (02 needs a supplement request, 03 a refusal, 04 an
    apology, the stop notice a stop, 01 a received dossier with a code). Reprinting adds a row.
    """
    at = _when(at)
    if form not in Form.values:
        raise DomainError(
            "document.unknown_form",
            _("There is no such form."),
            kind=ErrorKind.NOT_FOUND,
            fields={"form": _("01, 02, 03, 04, 05 or stop")},
        )
    if form not in DOSSIER_FORMS:
        raise DomainError(
            "document.register_not_per_dossier",
            _(
                "The register (form 06) covers a period, not one dossier: "
                "print it from the register page."
            ),
            kind=ErrorKind.INVALID,
            fields={"form": _("01, 02, 03, 04, 05 or stop")},
        )
    visible = (
        dossiers_visible_to(actor)
        .select_related(
            "procedure_version__procedure",
            "procedure_version__sector",
            "applicant",
            "receiving_agency__parent",
            "receiving_agency__administrative_unit",
            "competent_agency__parent",
            "competent_agency__administrative_unit",
            "current_agency__parent",
            "current_agency__administrative_unit",
            "reception_point",
        )
        .filter(pk=dossier.pk)
        .first()
    )
    if visible is None:
        raise DomainError(
            "dossier.not_found",
            _("No dossier with this code is visible to you."),
            kind=ErrorKind.NOT_FOUND,
        )
    source = _source_row(visible, form)
    context = rendering.dossier_form_context(visible, form, at=at, source=source)
    return _store(context=context, dossier=visible, actor=actor, at=at, stem=visible.identifier)


def _staff_or_forbidden(actor: User) -> None:
    if not getattr(actor, "is_authenticated", False) or not (
        actor.is_superuser or actor.role_codes & STAFF_ROLE_CODES
    ):
        raise DomainError(
            "document.forbidden",
            _("Only staff print the dossier register."),
            kind=ErrorKind.FORBIDDEN,
        )


def _register_agency(actor: User, service_point: ServicePoint | None) -> Agency:
    if service_point is not None:
        return service_point.agency
    if actor.agency is not None:
        return actor.agency
    center = Agency.objects.filter(kind=Agency.Kind.SERVICE_CENTER, is_active=True).first()
    if center is None:
        raise DomainError(
            "document.register_agency",
            _("Choose the service point whose register to print."),
            kind=ErrorKind.INVALID,
            fields={"service_point": _("required")},
        )
    return center


def register_generate(
    *,
    actor: User,
    date_from: dt.date,
    date_to: dt.date,
    service_point: ServicePoint | None = None,
    at: dt.datetime | None = None,
) -> GeneratedDocument:
    """Form 06: the register of the dossiers received from ``date_from`` to ``date_to``
    (local days, both included), at ``service_point`` when given, within the actor's scope."""
    at = _when(at)
    _staff_or_forbidden(actor)
    if date_to < date_from:
        raise DomainError(
            "document.register_period",
            _("The end of the period is before its start."),
            kind=ErrorKind.INVALID,
            fields={"to": _("must not be before the start")},
        )
    if (date_to - date_from).days >= REGISTER_MAX_DAYS:
        raise DomainError(
            "document.register_period",
            _("A register covers at most one year; choose a shorter period."),
            kind=ErrorKind.INVALID,
            fields={"to": _("at most 366 days after the start")},
        )
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=VN_TZ)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=VN_TZ)
    dossiers = (
        dossiers_visible_to(actor)
        .filter(code__isnull=False, received_at__gte=start, received_at__lt=end)
        .select_related("procedure_version", "applicant", "competent_agency")
        .prefetch_related("handovers")
        .order_by("received_at", "id")
    )
    if service_point is not None:
        dossiers = dossiers.filter(reception_point=service_point)
    limit = int(settings.MOTCUA_REGISTER_MAX_ROWS)
    rows = list(dossiers[: limit + 1])
    if len(rows) > limit:
        raise DomainError(
            "document.register_too_long",
            _("Too many dossiers for one register; choose a shorter period or one service point."),
            kind=ErrorKind.INVALID,
            fields={"to": _("shorten the period")},
        )
    agency = _register_agency(actor, service_point)
    context = rendering.register_context(
        dossiers=rows,
        agency=agency,
        date_from=date_from,
        date_to=date_to,
        service_point=service_point,
        at=at,
    )
    stem = f"so-{service_point.code if service_point is not None else agency.code}"
    return _store(context=context, dossier=None, actor=actor, at=at, stem=stem)


@transaction.atomic
def document_open(*, document: GeneratedDocument, actor: User) -> bytes:
    """The stored PDF, for someone the selectors allowed to see it; the read is audited
    (the forms carry personal data)."""
    with document.file.open("rb") as handle:
        data = handle.read()
    audit_record(
        action="document.downloaded",
        actor=actor,
        obj=document,
        purpose=f"read form {document.form}",
        data={
            "form": document.form,
            "dossier": document.dossier.identifier if document.dossier is not None else None,
        },
    )
    return bytes(data)
