"""Electronic results (kết quả điện tử): signed PDFs issued by the competent agency, put in the
citizen's data store when the dossier is returned electronically, checked on the public
verification page.

* :func:`result_issue`: staff of the competent agency (processor, approver) issue the result of
  a finished dossier (status 9): the PDF they upload, or, without an upload, the one-page
  result notice motcua prints. Either is signed with the competent agency's certificate
  (pyHanko, a PAdES certification signature) and kept once as a
  :class:`~motcua.documents.models.StoredFile`. Results are append-only: a corrected result
  is a new row, and the newest one is the dossier's result.
* :func:`result_deliver`: called by :func:`motcua.dossiers.services.dossier_return_result`
  inside its transaction when the result is returned electronically. Without an issued result
  the notice is issued then; the result then becomes an entry of the applicant's data store.
  A failure (no signing key, no PDF engine) fails the return: nothing is half-written.
* :func:`result_notice_prepare`: renders and signs the notice *before* the return takes the
  dossier's row lock, so the lock is not held during the (slow) rendering.

Rendering and signing an upload happen before the short transaction that stores the file and
writes the row; a file whose row could not be written is removed again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError, ErrorKind
from motcua.core.services import audit_record
from motcua.documents import rendering, signing
from motcua.documents.models import ElectronicResult, StoredFile, StoreItem
from motcua.documents.services import _when
from motcua.documents.uploads import CheckedFile, check_upload, read_stored, store_bytes
from motcua.dossiers.models import Dossier
from motcua.dossiers.states import State
from motcua.indicators.rollups import rollups_touch
from motcua.org.models import Agency, User
from motcua.org.roles import Role
from motcua.workcal.types import VN_TZ

__all__ = [
    "ISSUER_ROLES",
    "ResultsUnavailable",
    "SignedResult",
    "default_title",
    "may_issue",
    "may_return_electronically",
    "result_deliver",
    "result_issue",
    "result_notice_prepare",
    "result_open",
]

logger = logging.getLogger(__name__)

#: Who issues the result of a dossier: processors and leaders of the competent agency.
ISSUER_ROLES = (Role.PROCESSOR, Role.APPROVER)
PDF = "application/pdf"
TITLE_MAX = 255
#: The title of a result when the officer gives none (and of the printed notice).
TITLE_PREFIX = "Kết quả giải quyết thủ tục hành chính: "
SIGNING_REASON = "Kết quả giải quyết thủ tục hành chính"
AUDIT_PURPOSE = "electronic result"
#: The dossier with what the notice prints and the checks read, in one query.
_RELATED = (
    "procedure_version__procedure",
    "procedure_version__sector",
    "applicant",
    "receiving_agency__parent",
    "receiving_agency__administrative_unit",
    "competent_agency__parent",
    "competent_agency__administrative_unit",
    "reception_point",
)


class ResultsUnavailable(DomainError):  # noqa: N818 - a state, like SigningUnavailable
    """The result cannot be signed here now: no PDF engine or no usable signing key. A
    :class:`DomainError` (so a return that needs it fails with a clear message and writes
    nothing); pages answer 503."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            "result.unavailable",
            _(
                "The electronic result cannot be signed right now: the PDF engine or the "
                "signing certificate is not set up. Nothing was changed; the administrator "
                "has been told."
            ),
            kind=ErrorKind.CONFLICT,
            data={"detail": detail},
        )
        self.detail = detail


@dataclass(frozen=True)
class SignedResult:
    """A signed PDF ready to be stored as a dossier's result."""

    data: bytes
    sha256: str
    signer_subject: str
    development: bool
    title: str
    source: str  # "upload" or "notice"
    agency: Agency


# ----------------------------------------------------------------------------- checks
def _staff_of(user: User, agency_id: int | None, roles: Iterable[Role]) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and agency_id is not None
        and user.agency_id == agency_id
        and any(user.has_role(r) for r in roles)
    )


def may_issue(user: User, dossier: Dossier) -> bool:
    """``user`` may issue the result of ``dossier`` now: it is finished (status 9) and they are
    a processor or leader of its competent agency."""
    return dossier.state == State.FINISHED and _staff_of(
        user, dossier.competent_agency_id, ISSUER_ROLES
    )


def may_return_electronically(user: User, dossier: Dossier) -> bool:
    """The checks of :func:`~motcua.dossiers.services.dossier_return_result` for the electronic
    return (which remains the authority): finished, and the actor is a receiver of the
    receiving agency or a processor or leader of the competent agency."""
    return dossier.state == State.FINISHED and (
        _staff_of(user, dossier.receiving_agency_id, (Role.RECEIVER,))
        or _staff_of(user, dossier.competent_agency_id, ISSUER_ROLES)
    )


def default_title(dossier: Dossier) -> str:
    """``Kết quả giải quyết thủ tục hành chính: <procedure name>`` (cut to the column)."""
    return (TITLE_PREFIX + dossier.procedure_version.name)[:TITLE_MAX]


def _load(pk: int) -> Dossier:
    return Dossier.objects.select_related(*_RELATED).get(pk=pk)


def _check_issue(actor: User, dossier: Dossier) -> None:
    if not _staff_of(actor, dossier.competent_agency_id, ISSUER_ROLES):
        raise DomainError(
            "result.not_allowed",
            _("Only processors and leaders of the competent agency issue the result."),
            kind=ErrorKind.FORBIDDEN,
        )
    if dossier.state != State.FINISHED:
        raise DomainError(
            "result.wrong_state",
            _(
                "The electronic result is issued when the dossier is finished (status 9) "
                "and before the result is returned."
            ),
            kind=ErrorKind.CONFLICT,
            fields={"dossier": _("must be finished, not yet returned")},
            data={"state": dossier.state},
        )


def _clean_title(title: str, dossier: Dossier) -> str:
    title = " ".join(str(title).split())
    if len(title) > TITLE_MAX:
        raise DomainError(
            "result.title_too_long",
            _("The title is too long."),
            kind=ErrorKind.INVALID,
            fields={"title": _("at most 255 characters")},
        )
    return title or default_title(dossier)


# ----------------------------------------------------------------------------- signing
def _unsignable() -> DomainError:
    return DomainError(
        "result.unsignable_pdf",
        _(
            "This PDF cannot be signed: it is damaged, encrypted or already signed. "
            "Upload the result as a PDF without signatures."
        ),
        kind=ErrorKind.INVALID,
        fields={"file": _("a PDF that can be signed")},
    )


def _sign(data: bytes, *, agency: Agency, uploaded: bool) -> signing.SignedPdf:
    """Sign ``data`` with ``agency``'s certificate. A PDF the officer uploaded that pyHanko
    cannot sign (or whose signature would not verify) is refused naming the field ``file``."""
    location = rendering.place_of(agency)
    try:
        signed = signing.sign_pdf(data, agency=agency, reason=SIGNING_REASON, location=location)
    except signing.SigningUnavailable as exc:
        logger.error("electronic result not signed: %s", exc)
        raise ResultsUnavailable(str(exc)) from exc
    except Exception as exc:
        if not uploaded:
            raise
        raise _unsignable() from exc
    if uploaded and not signing.verify_pdf(signed.data).intact:
        raise _unsignable()
    return signed


def _signed(signed: signing.SignedPdf, *, title: str, source: str, agency: Agency) -> SignedResult:
    return SignedResult(
        data=signed.data,
        sha256=hashlib.sha256(signed.data).hexdigest(),
        signer_subject=signed.signer_subject[:500],
        development=signed.development,
        title=title,
        source=source,
        agency=agency,
    )


def _notice(dossier: Dossier, *, at: dt.datetime, title: str) -> SignedResult:
    """Render and sign the result notice of ``dossier`` (loaded with :data:`_RELATED`)."""
    context = rendering.result_notice_context(dossier, at=at, title=title)
    try:
        pdf = rendering.render_pdf(context)
    except rendering.RenderingUnavailable as exc:
        logger.error("result notice not rendered: %s", exc)
        raise ResultsUnavailable(
            "WeasyPrint cannot load the Pango library; install the Debian packages "
            "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 (docs/forms.md)"
        ) from exc
    signed = _sign(pdf.data, agency=context.agency, uploaded=False)
    return _signed(signed, title=title, source="notice", agency=context.agency)


def _upload(upload: IO[bytes] | Any, *, agency: Agency, title: str) -> SignedResult:
    checked = check_upload(upload, field="file")
    if checked.content_type != PDF:
        raise DomainError(
            "result.not_pdf",
            _("The electronic result must be a PDF file."),
            kind=ErrorKind.INVALID,
            fields={"file": _("PDF only")},
        )
    signed = _sign(checked.data, agency=agency, uploaded=True)
    return _signed(signed, title=title, source="upload", agency=agency)


# ----------------------------------------------------------------------------- writing
def _discard(name: str | None) -> None:
    """Remove a file written for a row that was not kept (the transaction failed)."""
    if name:
        default_storage.delete(name)


def _save(
    *, dossier: Dossier, signed: SignedResult, actor: User, at: dt.datetime
) -> tuple[ElectronicResult, str | None]:
    """Store the signed file (once per content) and write the result row and its audit event;
    also the name of the file when it was written now (to remove it if the caller's
    transaction fails later). Runs inside the caller's transaction, with the dossier locked."""
    new_file = not StoredFile.objects.filter(sha256=signed.sha256).exists()
    stored: StoredFile | None = None
    try:
        with transaction.atomic():
            stored = store_bytes(CheckedFile(signed.data, PDF, signed.sha256))
            result = ElectronicResult.objects.create(
                dossier=dossier,
                file=stored,
                agency=signed.agency,
                title=signed.title,
                signer_subject=signed.signer_subject,
                development_certificate=signed.development,
                created_at=at,
                created_by=actor,
            )
            audit_record(
                action="result.issued",
                actor=actor,
                obj=result,
                purpose=AUDIT_PURPOSE,
                data={
                    "dossier": dossier.identifier,
                    "source": signed.source,
                    "sha256": signed.sha256,
                    "size": len(signed.data),
                    "title": signed.title,
                    # the result names the applicant
                    "personal_data": True,
                },
            )
            rollups_touch(dossier.pk)  # indicators 4.1–4.2
    except BaseException:
        _discard(stored.file.name if new_file and stored is not None else None)
        raise
    return result, stored.file.name if new_file else None


def _lock_finished(dossier: Dossier) -> Dossier:
    """Lock the dossier row and check, under the lock, that it is still finished."""
    locked = Dossier.objects.select_for_update().filter(pk=dossier.pk).order_by().first()
    if locked is None or locked.state != State.FINISHED:
        raise DomainError(
            "result.wrong_state",
            _(
                "The electronic result is issued when the dossier is finished (status 9) "
                "and before the result is returned."
            ),
            kind=ErrorKind.CONFLICT,
            fields={"dossier": _("must be finished, not yet returned")},
        )
    return locked


def result_issue(
    *,
    dossier: Dossier,
    actor: User,
    upload: IO[bytes] | Any = None,
    title: str = "",
    at: dt.datetime | None = None,
) -> ElectronicResult:
    """Issue the electronic result of a finished dossier: ``upload`` (a PDF, checked from its
    bytes, at most ``MOTCUA_UPLOAD_MAX_BYTES``) or, without one, the result notice motcua
    prints; signed with the competent agency's certificate, stored, audited.

    Refused with :class:`DomainError`: 403 for anyone but a processor or leader of the
    competent agency, 409 unless the dossier is finished (status 9), 422 naming ``file`` for
    a file that is not a PDF, too large, empty or cannot be signed, or ``title``. A refusal
    writes nothing. :class:`ResultsUnavailable` when signing or rendering is not possible.
    """
    at = _when(at)
    d = _load(dossier.pk)
    _check_issue(actor, d)
    title = _clean_title(title, d)
    agency = d.competent_agency
    if upload is None:
        signed = _notice(d, at=at, title=title)
    else:
        signed = _upload(upload, agency=agency, title=title)
    with transaction.atomic():
        _lock_finished(d)
        result, _written = _save(dossier=d, signed=signed, actor=actor, at=at)
    return result


def result_notice_prepare(
    *, dossier: Dossier, actor: User, at: dt.datetime | None = None
) -> SignedResult | None:
    """The signed result notice an electronic return of ``dossier`` by ``actor`` will need,
    made before the return locks the dossier; ``None`` when it will not be needed (a result
    was issued already) or the return will be refused anyway (the return checks again)."""
    if at is None or timezone.is_naive(at):
        at = timezone.now()
    d = _load(dossier.pk)
    if not may_return_electronically(actor, d):
        return None
    if ElectronicResult.objects.filter(dossier_id=d.pk).exists():
        return None
    return _notice(d, at=at, title=default_title(d))


def result_deliver(
    *,
    dossier: Dossier,
    actor: User,
    at: dt.datetime,
    prepared: SignedResult | None = None,
) -> StoreItem:
    """The result of ``dossier``, returned electronically, put in the applicant's data store.

    Runs inside :func:`~motcua.dossiers.services.dossier_return_result`'s transaction, after
    its checks, with the dossier locked. Without an issued result the notice is issued now
    (``prepared``, when the return made it before taking the lock). Returning twice gives the
    same store entry.
    """
    d = _load(dossier.pk)
    result = (
        ElectronicResult.objects.select_related("file", "agency")
        .filter(dossier_id=d.pk)
        .order_by("-created_at", "-id")
        .first()
    )
    written: str | None = None
    if result is None:
        signed = prepared
        if signed is None or signed.agency.pk != d.competent_agency_id:
            signed = _notice(d, at=at, title=default_title(d))
        result, written = _save(dossier=d, signed=signed, actor=actor, at=at)
    try:
        item, created = StoreItem.objects.get_or_create(
            owner_id=d.applicant_id,
            file=result.file,
            doc_type=result.title[:TITLE_MAX],
            defaults={
                "issuer": result.agency.name[:255],
                "issued_on": timezone.localtime(result.created_at, VN_TZ).date(),
                "source": StoreItem.Source.RESULT,
                "source_dossier": d,
                "added_by": actor,
                "created_at": at,
            },
        )
        if created:
            audit_record(
                action="store.result_added",
                actor=actor,
                obj=item,
                purpose=AUDIT_PURPOSE,
                data={"dossier": d.identifier, "result": result.pk, "sha256": result.file.sha256},
            )
        rollups_touch(d.pk)  # indicator 4.4
    except BaseException:
        _discard(written)
        raise
    return item


@transaction.atomic
def result_open(*, result: ElectronicResult, actor: User, audit: bool) -> bytes:
    """The signed file of a result the selectors let ``actor`` read; staff reads are audited
    (the result names the applicant)."""
    data = read_stored(result.file)
    if audit:
        audit_record(
            action="result.downloaded",
            actor=actor,
            obj=result,
            purpose=AUDIT_PURPOSE,
            data={"dossier": result.dossier.identifier, "personal_data": True},
        )
    return data
