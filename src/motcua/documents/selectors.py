"""Reads of generated documents and electronic results, always through the reader's scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError, ErrorKind
from motcua.documents.models import ElectronicResult, GeneratedDocument
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import dossiers_visible_to, supervisor_sees_all
from motcua.dossiers.services import is_citizen_party
from motcua.org.models import User
from motcua.org.roles import Role


def documents_of_dossier(dossier: Dossier) -> QuerySet[GeneratedDocument]:
    """The documents printed for ``dossier``, newest first (for the dossier page; the caller
    has already checked that the reader may see the dossier)."""
    return (
        GeneratedDocument.objects.filter(dossier=dossier)
        .select_related("created_by", "agency")
        .order_by("-created_at", "-id")
    )


def _may_see_register(user: User, document: GeneratedDocument) -> bool:
    if user.is_superuser or user.has_role(Role.ADMIN):
        return True
    if user.has_role(Role.SUPERVISOR) and supervisor_sees_all(user):
        return True
    if document.created_by_id == user.pk:
        return True
    staff = {r.value for r in Role if r.is_staff_role}
    return bool(user.role_codes & staff) and user.agency_id == document.agency_id


def document_get(*, user: User, pk: int) -> GeneratedDocument:
    """One stored document the user may read: its dossier is visible to them, or (for a
    register) they printed it, belong to its agency, or supervise the whole city. Anything
    else is reported as not found."""
    document = (
        GeneratedDocument.objects.select_related("dossier", "agency", "created_by")
        .filter(pk=pk)
        .first()
    )
    allowed = False
    if document is not None and getattr(user, "is_authenticated", False):
        if document.dossier_id is not None:
            allowed = dossiers_visible_to(user).filter(pk=document.dossier_id).exists()
        else:
            allowed = _may_see_register(user, document)
    if document is None or not allowed:
        raise DomainError(
            "document.not_found",
            _("No such document is visible to you."),
            kind=ErrorKind.NOT_FOUND,
        )
    return document


def document_matching(sha256: str) -> GeneratedDocument | None:
    """The stored document whose signed file has this SHA-256 (the verification page says
    whether an uploaded file is byte for byte one this system issued)."""
    return (
        GeneratedDocument.objects.select_related("agency")
        .filter(sha256=sha256)
        .order_by("created_at")
        .first()
    )


def document_content(document: GeneratedDocument) -> bytes:
    """The stored file of a document the caller has just generated (no audit: the
    generation was audited)."""
    with document.file.open("rb") as handle:
        return bytes(handle.read())


# ----------------------------------------------------------------------------- e-results
def results_for(dossier: Dossier) -> QuerySet[ElectronicResult]:
    """The electronic results issued for ``dossier``, newest first (the first is the dossier's
    result). The caller has checked that the reader may see the dossier."""
    return (
        ElectronicResult.objects.filter(dossier=dossier)
        .select_related("file", "agency", "created_by")
        .order_by("-created_at", "-id")
    )


def latest_result(dossier: Dossier) -> ElectronicResult | None:
    """The dossier's electronic result (the newest issued), or ``None``."""
    return results_for(dossier).first()


def is_staff_reader(user: User) -> bool:
    """Reads by staff are audited (purpose-bound access to personal data)."""
    staff = {r.value for r in Role if r.is_staff_role}
    return bool(user.is_superuser or user.role_codes & staff)


def result_get(*, user: User, pk: int) -> ElectronicResult:
    """One electronic result ``user`` may download: they are a party of its dossier (the
    applicant, the submitter, a mandate holder) or staff who may see the dossier. Anything
    else, including a result that does not exist, is reported as not found."""
    result = (
        ElectronicResult.objects.select_related(
            "file", "agency", "dossier__procedure_version", "dossier__applicant"
        )
        .filter(pk=pk)
        .first()
    )
    allowed = False
    if result is not None and getattr(user, "is_authenticated", False):
        allowed = is_citizen_party(user, result.dossier) or (
            is_staff_reader(user)
            and dossiers_visible_to(user).filter(pk=result.dossier_id).exists()
        )
    if result is None or not allowed:
        raise DomainError(
            "result.not_found",
            _("No such electronic result is visible to you."),
            kind=ErrorKind.NOT_FOUND,
        )
    return result


def result_matching(sha256: str) -> ElectronicResult | None:
    """The electronic result whose signed file has this SHA-256 (the verification page says
    that an uploaded file is, byte for byte, the result of a dossier)."""
    return (
        ElectronicResult.objects.select_related("dossier", "agency")
        .filter(file__sha256=sha256)
        .order_by("created_at", "id")
        .first()
    )
