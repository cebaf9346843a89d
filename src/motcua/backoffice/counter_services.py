"""Changes made at the counter: the walk-in intake with its decision in one transaction, the
decision on a dossier waiting in the queue, the supplement brought in, the result returned.

They compose the lifecycle services of :mod:`motcua.dossiers.services` (which check the
actor, the state and the clock, and write the hand-over row, the audit event and the outbox
message) and add the counter's own rules:

* the applicant is looked up by identity number or tax code, and registered when unknown
  (audited by :func:`motcua.people.services.citizen_profile_register`);
* a dossier is received only when every required (not optional) document is handed in;
  otherwise the receiver requests a supplement listing what is missing, all at once
  (Decree 61/2018 Art. 15.3, 17.1);
* a walk-in dossier is taken in and decided in one transaction: a refused decision leaves
  nothing behind (no dossier, no profile).

Errors are :class:`~motcua.core.errors.DomainError`; their ``fields`` use the names of the
counter's forms (``applicant_id``, ``doc-<id>``, ``extra-<n>``, ``reason``, …).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import RequiredDocument
from motcua.catalog.selectors import version_in_force
from motcua.core.errors import DomainError, ErrorKind
from motcua.dossiers import services as lifecycle
from motcua.dossiers.models import Dossier, ReturnMethod, SubmitterKind
from motcua.dossiers.services import DocumentItem
from motcua.dossiers.states import State
from motcua.org.models import Agency, User
from motcua.people.identity import IdentityError, parse_personal_id, validate_tax_code
from motcua.people.models import CitizenProfile
from motcua.people.services import citizen_profile_register, profile_by_identifier


class Decision(enum.StrEnum):
    """The receiver's three outcomes of a check at the counter."""

    RECEIVE = "receive"  # form 01: code, clock, appointment
    SUPPLEMENT = "supplement"  # form 02: what to complete and why
    REFUSE = "refuse"  # form 03: why not


#: The form each decision prints.
DECISION_FORM = {Decision.RECEIVE: "01", Decision.SUPPLEMENT: "02", Decision.REFUSE: "03"}


@dataclass(frozen=True)
class ApplicantInput:
    """Who the dossier is for: an identity number (or tax code), and what is needed to
    register them when they are not known yet."""

    identifier: str
    full_name: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class ChecklistRow:
    """One listed required document on the checklist, ticked when handed in."""

    required_document_id: int
    given: bool
    copy_kind: str = RequiredDocument.CopyKind.ORIGINAL
    count: int = 1


@dataclass(frozen=True)
class ExtraDocument:
    """A paper not on the procedure's list, under the form's row key ``extra-<n>``."""

    key: str
    name: str
    copy_kind: str = RequiredDocument.CopyKind.ORIGINAL
    count: int = 1


def _vietnamese() -> bool:
    return (get_language() or "vi").startswith("vi")


def identifier_check(value: str, *, field: str = "applicant_id") -> str:
    """A 12-digit personal identity number or a tax code, cleaned; else INVALID naming
    ``field`` (an unknown province prefix is a warning of the identity module, not an
    error here)."""
    value = value.strip().replace(" ", "")
    try:
        if len(value) == 12 and value.isdigit():
            parse_personal_id(value)
        else:
            value = validate_tax_code(value)
    except IdentityError as exc:
        raise DomainError(
            f"identity.{exc.code}",
            _("The identity number or tax code is not valid."),
            kind=ErrorKind.INVALID,
            fields={field: exc.message_vi if _vietnamese() else exc.message_en},
        ) from exc
    return value


def applicant_resolve(*, actor: User, applicant: ApplicantInput) -> CitizenProfile:
    """The known profile with this number, or a new one registered at the counter."""
    identifier = identifier_check(applicant.identifier)
    profile = profile_by_identifier(identifier)
    if profile is not None:
        return profile
    if not applicant.full_name.strip():
        raise DomainError(
            "people.name_required",
            _("This applicant is not registered yet: write their full name to register them."),
            kind=ErrorKind.INVALID,
            fields={"applicant_name": _("required for a new applicant")},
        )
    return citizen_profile_register(
        actor=actor,
        identifier=identifier,
        full_name=applicant.full_name,
        phone=applicant.phone,
        address=applicant.address,
    )


def _missing(
    listed: dict[int, RequiredDocument], checklist: Sequence[ChecklistRow]
) -> list[RequiredDocument]:
    given = {row.required_document_id for row in checklist if row.given}
    return [doc for pk, doc in listed.items() if not doc.is_optional and pk not in given]


def _items_with_keys(
    checklist: Sequence[ChecklistRow], extras: Sequence[ExtraDocument]
) -> tuple[list[DocumentItem], list[str]]:
    items: list[DocumentItem] = []
    keys: list[str] = []
    for row in checklist:
        if row.given:
            items.append(
                DocumentItem(
                    required_document_id=row.required_document_id,
                    copy_kind=row.copy_kind,
                    count=row.count,
                )
            )
            keys.append(f"doc-{row.required_document_id}")
    for extra in extras:
        if extra.name.strip():
            items.append(
                DocumentItem(name=extra.name, copy_kind=extra.copy_kind, count=extra.count)
            )
            keys.append(extra.key)
    return items, keys


def _renamed(exc: DomainError, names: dict[str, str]) -> DomainError:
    """The same error with its field names translated to the form's."""
    exc.fields = {names.get(key, key): value for key, value in exc.fields.items()}
    return exc


def _decide(
    *,
    dossier: Dossier,
    actor: User,
    decision: Decision,
    items: Sequence[str],
    reason: str,
    appointment_at: dt.datetime | None,
    at: dt.datetime | None,
) -> Dossier:
    try:
        if decision == Decision.RECEIVE:
            return lifecycle.dossier_receive(
                dossier=dossier, actor=actor, at=at, appointment_at=appointment_at
            )
        if decision == Decision.SUPPLEMENT:
            return lifecycle.dossier_request_supplement(
                dossier=dossier, actor=actor, items=list(items), reason=reason, at=at
            )
        return lifecycle.dossier_refuse(dossier=dossier, actor=actor, reasons=reason, at=at)
    except DomainError as exc:
        raise _renamed(exc, {"reasons": "reason"}) from exc


@transaction.atomic
def counter_intake(
    *,
    actor: User,
    procedure_code: str,
    applicant: ApplicantInput,
    decision: Decision,
    competent_agency: Agency | None = None,
    subject: str = "",
    channel: int = 1,
    submitter_kind: str = SubmitterKind.SELF,
    submitter_name: str = "",
    return_method: str = ReturnMethod.COUNTER,
    checklist: Sequence[ChecklistRow] = (),
    extras: Sequence[ExtraDocument] = (),
    items: Sequence[str] = (),
    reason: str = "",
    appointment_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """A dossier handed in at the counter, checked, and decided in one click: received (form
    01), returned for a supplement (form 02) or refused (form 03). All or nothing."""
    version = version_in_force(code=procedure_code)
    listed = (
        {doc.pk: doc for doc in RequiredDocument.objects.filter(version=version)}
        if version is not None
        else {}
    )
    missing = _missing(listed, checklist)
    if decision == Decision.RECEIVE and missing:
        raise DomainError(
            "counter.documents_missing",
            _(
                "A required document is missing: request a supplement listing everything "
                "that is missing, instead of receiving the dossier."
            ),
            kind=ErrorKind.INVALID,
            fields={f"doc-{doc.pk}": _("not handed in") for doc in missing},
        )
    wanted = [str(item).strip() for item in items if str(item).strip()]
    if decision == Decision.SUPPLEMENT and not wanted:
        wanted = [doc.name for doc in missing]
    profile = applicant_resolve(actor=actor, applicant=applicant)
    documents, keys = _items_with_keys(checklist, extras)
    try:
        dossier = lifecycle.dossier_intake(
            actor=actor,
            procedure_code=procedure_code,
            applicant=profile,
            competent_agency=competent_agency,
            subject=subject,
            channel=channel,
            submitter_kind=submitter_kind,
            submitter_name=submitter_name,
            return_method=return_method,
            documents=documents,
            at=at,
        )
    except DomainError as exc:
        raise _renamed(exc, {f"documents[{i}]": key for i, key in enumerate(keys)}) from exc
    return _decide(
        dossier=dossier,
        actor=actor,
        decision=decision,
        items=wanted,
        reason=reason,
        appointment_at=appointment_at,
        at=at,
    )


@transaction.atomic
def counter_decide(
    *,
    dossier: Dossier,
    actor: User,
    decision: Decision,
    items: Sequence[str] = (),
    reason: str = "",
    appointment_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The decision on a dossier waiting in the queue (online, or brought back after a
    supplement). Later acts (a supplement or a refusal during processing) belong to the
    processing pages, not to the counter's decision."""
    if dossier.state != State.SUBMITTED:
        raise DomainError(
            "counter.not_waiting",
            _("This dossier is no longer waiting for intake."),
            kind=ErrorKind.CONFLICT,
            data={"state": dossier.state},
        )
    wanted = [str(item).strip() for item in items if str(item).strip()]
    return _decide(
        dossier=dossier,
        actor=actor,
        decision=decision,
        items=wanted,
        reason=reason,
        appointment_at=appointment_at,
        at=at,
    )


@transaction.atomic
def counter_supplement_received(
    *, dossier: Dossier, actor: User, note: str = "", at: dt.datetime | None = None
) -> Dossier:
    """The applicant brought the supplement asked for before intake: back in the queue."""
    return lifecycle.dossier_supplement(dossier=dossier, actor=actor, note=note.strip(), at=at)


@transaction.atomic
def counter_return(
    *,
    dossier: Dossier,
    actor: User,
    method: str,
    collected_by: str = "",
    note: str = "",
    at: dt.datetime | None = None,
) -> Dossier:
    """The result handed over (status 10), with who collected it when not the applicant."""
    parts = []
    if collected_by.strip():
        parts.append(f"Người nhận kết quả: {collected_by.strip()}")
    if note.strip():
        parts.append(note.strip())
    return lifecycle.dossier_return_result(
        dossier=dossier, actor=actor, method=method, note=". ".join(parts), at=at
    )
