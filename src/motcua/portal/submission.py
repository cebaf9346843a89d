"""Online submission: the guided form's draft, and the submission that turns it into a dossier.

1. :func:`draft_start` opens (or reopens) the draft of one account for one procedure and one
   applicant: the citizen themself, a person who gave them a mandate in force for the
   procedure, or — for a service agent — the citizen whose one-time consent code was confirmed.
2. :func:`draft_save` keeps what was filled in between visits: what is requested, the agency
   (for procedures any commune settles), each required document uploaded (checked and stored
   once by its SHA-256) or taken from the applicant's data store, and the return channel.
   A refused upload refuses the whole save: nothing is stored, the draft stays as it was.
3. :func:`draft_problems` lists what is still missing (shown on the review step).
4. :func:`draft_submit` creates the dossier (status 1, waiting for intake) with its components
   through :func:`motcua.dossiers.services.dossier_submit`, keeps the new uploads in the
   applicant's data store, marks the agent's consent used and deletes the draft — all in one
   transaction: an interrupted submission leaves the draft, never half a dossier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from motcua.catalog.models import OnlineLevel, ProcedureVersion, RequiredDocument
from motcua.catalog.selectors import versions_in_force
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.services import audit_record
from motcua.documents.models import StoredFile, StoreItem
from motcua.documents.store import may_use_store, store_put, usable_item
from motcua.documents.uploads import CheckedFile, check_upload, store_bytes
from motcua.dossiers.models import Dossier, ReturnMethod
from motcua.dossiers.services import DocumentItem, _mandate_covering, dossier_submit
from motcua.indicators.rollups import rollups_touch
from motcua.org.models import Agency, ServicePoint, User
from motcua.org.roles import Role
from motcua.people.models import AgentConsent, CitizenProfile
from motcua.people.services import agent_consent_take, agent_consent_use
from motcua.portal.models import SubmissionDraft

__all__ = [
    "ComponentView",
    "draft_components",
    "draft_problems",
    "draft_save",
    "draft_start",
    "draft_submit",
    "drafts_of",
]


def _profile_of(user: User) -> CitizenProfile | None:
    try:
        return user.citizen_profile
    except CitizenProfile.DoesNotExist:
        return None


def _invalid(code: str, message: Any, **fields: Any) -> DomainError:
    return DomainError(code, message, kind=ErrorKind.INVALID, fields=fields)


def _forbidden(message: Any) -> DomainError:
    return DomainError("submission.forbidden", message, kind=ErrorKind.FORBIDDEN)


def _version(procedure_code: str) -> ProcedureVersion:
    version = (
        versions_in_force()
        .filter(procedure__code=procedure_code)
        .select_related("procedure", "competent_agency")
        .first()
    )
    if version is None:
        raise DomainError(
            "procedure.not_in_force",
            _("No procedure with this code is in force."),
            kind=ErrorKind.NOT_FOUND,
        )
    # a blank level is "not published": Hanoi receives every procedure online since 03/9/2025
    if version.online_level == OnlineLevel.NONE:
        raise _invalid(
            "procedure.not_online",
            _("This procedure cannot be submitted online."),
            procedure=_("not offered online"),
        )
    return version


def _consent(*, user: User, consent_id: int, version: ProcedureVersion) -> AgentConsent:
    """The agent's confirmed, unused consent for this procedure (checked and locked by
    :func:`motcua.people.services.agent_consent_take`)."""
    consent = (
        AgentConsent.objects.filter(pk=consent_id, requested_by=user)
        .select_related("applicant")
        .first()
    )
    if consent is None:
        raise _forbidden(_("An agent submits only with the applicant's consent (a one-time code)."))
    return agent_consent_take(
        consent_id=consent.pk,
        agent_user=user,
        applicant=consent.applicant,
        procedure=version.procedure,
    )


@transaction.atomic
def draft_start(
    *,
    user: User,
    procedure_code: str,
    applicant_id: int | None = None,
    consent_id: int | None = None,
) -> SubmissionDraft:
    """Open the draft of ``user`` for the procedure, in the applicant's name."""
    version = _version(procedure_code)
    consent: AgentConsent | None = None
    if user.has_role(Role.AGENT):
        if consent_id is None:
            raise _forbidden(
                _("An agent submits only with the applicant's consent (a one-time code).")
            )
        consent = _consent(user=user, consent_id=consent_id, version=version)
        applicant = consent.applicant
    elif user.has_role(Role.CITIZEN):
        own = _profile_of(user)
        if own is None:
            raise _forbidden(_("Your account has no citizen profile."))
        applicant = own
        if applicant_id is not None and applicant_id != own.pk:
            grantor = CitizenProfile.objects.filter(pk=applicant_id).first()
            if grantor is None or (
                _mandate_covering(grantor=grantor, grantee=own, version=version, at=timezone.now())
                is None
            ):
                raise _forbidden(
                    _("You hold no valid mandate from this applicant for this procedure.")
                )
            applicant = grantor
    else:
        raise _forbidden(_("Only citizens and service agents submit dossiers online."))
    draft, created = SubmissionDraft.objects.get_or_create(
        user=user,
        procedure_version=version,
        applicant=applicant,
        defaults={"return_method": ReturnMethod.ELECTRONIC, "consent": consent},
    )
    if not created and consent is not None and draft.consent_id != consent.pk:
        draft.consent = consent
        draft.save(update_fields=["consent", "updated_at"])
    return draft


def drafts_of(user: User) -> list[SubmissionDraft]:
    return list(
        SubmissionDraft.objects.filter(user=user)
        .select_related("procedure_version__procedure", "applicant")
        .order_by("-updated_at")
    )


def draft_get(*, user: User, pk: int) -> SubmissionDraft | None:
    return (
        SubmissionDraft.objects.filter(pk=pk, user=user)
        .select_related(
            "procedure_version__procedure",
            "procedure_version__competent_agency",
            "applicant",
            "return_point",
            "competent_agency",
            "consent",
        )
        .first()
    )


def needs_agency_choice(version: ProcedureVersion) -> bool:
    """Procedures any commune settles (no single competent agency): the citizen chooses."""
    return version.competent_agency_id is None and "commune" in version.level_list


def commune_agencies() -> list[Agency]:
    return list(
        Agency.objects.filter(level=Agency.Level.COMMUNE, is_active=True)
        .filter(service_points__is_active=True)
        .distinct()
        .order_by("name")
    )


# ----------------------------------------------------------------------------- components
@dataclass(frozen=True)
class ComponentView:
    """One required document of the procedure and what the draft holds for it."""

    document: RequiredDocument
    field: str
    stored_file: StoredFile | None
    filename: str
    store_item: StoreItem | None

    @property
    def filled(self) -> bool:
        return self.stored_file is not None or self.store_item is not None


def _field(document_id: int) -> str:
    return f"doc_{document_id}"


def _required_documents(version: ProcedureVersion) -> list[RequiredDocument]:
    return list(version.required_documents.all().order_by("order", "pk"))


def draft_components(draft: SubmissionDraft) -> list[ComponentView]:
    documents = _required_documents(draft.procedure_version)
    entries: Mapping[str, Any] = draft.components or {}
    file_ids = {int(e["stored_file"]) for e in entries.values() if e.get("stored_file")}
    item_ids = {int(e["store_item"]) for e in entries.values() if e.get("store_item")}
    files = StoredFile.objects.in_bulk(file_ids)
    items = StoreItem.objects.filter(owner=draft.applicant).in_bulk(item_ids)
    out = []
    for doc in documents:
        entry = entries.get(str(doc.pk)) or {}
        out.append(
            ComponentView(
                document=doc,
                field=_field(doc.pk),
                stored_file=files.get(int(entry["stored_file"]))
                if entry.get("stored_file")
                else None,
                filename=str(entry.get("filename", ""))[:255],
                store_item=items.get(int(entry["store_item"])) if entry.get("store_item") else None,
            )
        )
    return out


# ----------------------------------------------------------------------------- saving
@dataclass
class DraftInput:
    """What the guided form sent (already parsed by the form)."""

    subject: str = ""
    competent_agency_id: int | None = None
    return_method: str = ReturnMethod.ELECTRONIC
    return_point_id: int | None = None
    postal_address: str = ""
    uploads: Mapping[int, IO[bytes] | Any] | None = None
    reuse: Mapping[int, int] | None = None
    remove: frozenset[int] = frozenset()


@transaction.atomic
def draft_save(*, draft: SubmissionDraft, user: User, data: DraftInput) -> SubmissionDraft:
    """Keep what was filled in. Every upload is checked before any is stored; a refused file
    or choice refuses the whole save (:class:`DomainError` naming the field)."""
    draft = SubmissionDraft.objects.select_for_update().get(pk=draft.pk, user=user)
    version = draft.procedure_version
    documents = {doc.pk: doc for doc in _required_documents(version)}
    errors: dict[str, Any] = {}
    checked: dict[int, tuple[CheckedFile, str]] = {}
    for doc_id, upload in (data.uploads or {}).items():
        if doc_id not in documents:
            errors[_field(doc_id)] = _("not a document of this procedure")
            continue
        try:
            checked[doc_id] = (
                check_upload(upload, field=_field(doc_id)),
                str(getattr(upload, "name", "") or "")[:255],
            )
        except DomainError as error:
            errors.update(error.fields)
    reused: dict[int, StoreItem] = {}
    if data.reuse:
        if not may_use_store(user, draft.applicant):
            raise _forbidden(_("Only the applicant or a person they mandated uses their store."))
        for doc_id, item_id in data.reuse.items():
            if doc_id not in documents:
                errors[_field(doc_id)] = _("not a document of this procedure")
                continue
            try:
                reused[doc_id] = usable_item(
                    owner=draft.applicant, item_id=item_id, field=_field(doc_id)
                )
            except DomainError as error:
                errors.update(error.fields)
    if data.return_method not in ReturnMethod.values:
        errors["return_method"] = _("at the counter, by post or electronically")
    point: ServicePoint | None = None
    if data.return_point_id is not None:
        point = ServicePoint.objects.filter(pk=data.return_point_id, is_active=True).first()
        if point is None:
            errors["return_point"] = _("not an open service point")
    agency: Agency | None = None
    if data.competent_agency_id is not None:
        agency = next((a for a in commune_agencies() if a.pk == data.competent_agency_id), None)
        if agency is None or not needs_agency_choice(version):
            errors["competent_agency"] = _("not a commune that settles this procedure")
    if errors:
        raise _invalid(
            "submission.invalid",
            _("Some answers need correcting: see the marked fields."),
            **errors,
        )
    components: dict[str, Any] = dict(draft.components or {})
    for doc_id in data.remove:
        components.pop(str(doc_id), None)
    for doc_id, (file_check, filename) in checked.items():
        stored = store_bytes(file_check)
        components[str(doc_id)] = {"stored_file": stored.pk, "filename": filename}
    for doc_id, item in reused.items():
        components[str(doc_id)] = {"store_item": item.pk}
    draft.components = components
    draft.subject = data.subject.strip()[:5000]
    draft.competent_agency = agency
    draft.return_method = data.return_method
    draft.return_point = point
    draft.postal_address = data.postal_address.strip()[:255]
    draft.save()
    return draft


def draft_problems(draft: SubmissionDraft) -> dict[str, StrPromise | str]:
    """What still stops the submission, by field (empty when it can be sent)."""
    problems: dict[str, StrPromise | str] = {}
    for component in draft_components(draft):
        if not component.filled and not component.document.is_optional:
            problems[component.field] = format_lazy(
                _("“{name}” is required: upload it or take it from the data store."),
                name=component.document.name,
            )
        if component.store_item is not None:
            state = component.store_item.validity(timezone.localdate())
            if state != StoreItem.Validity.VALID:
                problems[component.field] = _(
                    "The paper taken from the data store is expired or withdrawn from use."
                )
    if needs_agency_choice(draft.procedure_version) and draft.competent_agency is None:
        problems["competent_agency"] = _("Choose the commune or ward that settles the dossier.")
    if draft.return_method == ReturnMethod.COUNTER and draft.return_point is None:
        problems["return_point"] = _("Choose the service point where you will collect the result.")
    if draft.return_method == ReturnMethod.POST and not draft.postal_address:
        problems["postal_address"] = _("Give the address the result is posted to.")
    if draft.return_method not in ReturnMethod.values:
        problems["return_method"] = _("Choose how to receive the result.")
    return problems


@transaction.atomic
def draft_submit(*, draft: SubmissionDraft, user: User) -> Dossier:
    """Send the draft: one dossier with its components, or nothing at all."""
    draft = (
        SubmissionDraft.objects.select_for_update(of=("self",))
        .select_related("procedure_version__procedure", "applicant", "consent")
        .get(pk=draft.pk, user=user)
    )
    problems = draft_problems(draft)
    if problems:
        raise _invalid(
            "submission.incomplete",
            _("The dossier is not complete yet: see the marked fields."),
            **problems,
        )
    consent: AgentConsent | None = None
    if user.has_role(Role.AGENT):
        if draft.consent_id is None:
            raise _forbidden(
                _("An agent submits only with the applicant's consent (a one-time code).")
            )
        consent = _consent(user=user, consent_id=draft.consent_id, version=draft.procedure_version)
    items: list[DocumentItem] = []
    new_uploads: list[tuple[StoredFile, RequiredDocument]] = []
    for component in draft_components(draft):
        if not component.filled:
            continue
        items.append(
            DocumentItem(
                required_document_id=component.document.pk,
                copy_kind=RequiredDocument.CopyKind.ELECTRONIC,
                count=1,
                stored_file_id=(
                    component.stored_file.pk
                    if component.stored_file is not None
                    else component.store_item.file_id  # type: ignore[union-attr]
                ),
                store_item_id=component.store_item.pk if component.store_item else None,
            )
        )
        if component.stored_file is not None:
            new_uploads.append((component.stored_file, component.document))
    dossier = dossier_submit(
        actor=user,
        procedure_code=draft.procedure_version.procedure.code,
        applicant=draft.applicant,
        competent_agency=draft.competent_agency,
        subject=draft.subject,
        return_method=draft.return_method,
        return_point=draft.return_point,
        return_address=draft.postal_address,
        applicant_consent=consent is not None,
        documents=items,
    )
    for stored, document in new_uploads:
        store_put(
            owner=draft.applicant,
            stored=stored,
            doc_type=document.name,
            source=StoreItem.Source.UPLOAD,
            actor=user,
            source_dossier=dossier,
        )
    if consent is not None:
        agent_consent_use(consent, dossier)
    reused = [i.store_item_id for i in items if i.store_item_id is not None]
    audit_record(
        action="dossier.components_online",
        actor=user,
        obj=dossier,
        data={
            "components": len(items),
            "reused_from_store": reused,
            "uploaded": [s.sha256 for s, _doc in new_uploads],
        },
    )
    draft.delete()
    return dossier


# ----------------------------------------------------------------------------- supplements
@transaction.atomic
def supplement_answer(
    *, dossier: Dossier, user: User, uploads: list[tuple[str, IO[bytes] | Any]], note: str = ""
) -> Dossier:
    """The citizen answers a supplement request with the missing papers: every file is
    checked first, then stored once, attached to the dossier and kept in the applicant's data
    store, and the supplement is recorded (the clock restarts as the law says) — together."""
    from motcua.dossiers.models import DossierDocument
    from motcua.dossiers.services import dossier_supplement

    checked = [
        (name, check_upload(upload, field=f"item_{index}"))
        for index, (name, upload) in enumerate(uploads)
    ]
    if not checked:
        raise _invalid(
            "supplement.nothing",
            _("Upload at least one of the papers asked for."),
            items=_("at least one file"),
        )
    now = timezone.now()
    result = dossier_supplement(dossier=dossier, actor=user, note=note.strip(), at=now)
    for name, file_check in checked:
        stored = store_bytes(file_check)
        DossierDocument.objects.create(
            dossier=result,
            name=name[:500],
            copy_kind=RequiredDocument.CopyKind.ELECTRONIC,
            count=1,
            stored_file=stored,
            added_at=now,
            added_by=user,
        )
        store_put(
            owner=result.applicant,
            stored=stored,
            doc_type=name,
            source=StoreItem.Source.UPLOAD,
            actor=user,
            source_dossier=result,
        )
    rollups_touch(result.pk)  # a received dossier's components changed (indicators 4.2–4.4)
    return result
