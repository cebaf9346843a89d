"""Changes to dossiers: one function per transition of the lifecycle (domain-vn.md §1).

Every transition function is keyword-only and runs in one transaction. It

1. locks the dossier row (``SELECT … FOR UPDATE``), so two officers cannot act on the same
   dossier at once;
2. checks the actor's role and scope, the current state (:data:`~motcua.dossiers.states.
   TRANSITIONS`) and the clock;
3. writes the new state, one hand-over row (form 05) with the step's due instant and its
   EARLY/ON_TIME/LATE result, the audit event and an outbox message for the national portal.

A refused request raises :class:`~motcua.core.errors.DomainError` and writes nothing.
``at`` (the instant of the act) defaults to now; it may be given for imports and
simulations, but never earlier than the dossier's last event nor in the future.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import OnlineLevel, ProcedureVersion, RequiredDocument
from motcua.catalog.selectors import version_in_force
from motcua.core.compiled import CompiledRead
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.services import audit_record
from motcua.dossiers import clock, refs
from motcua.dossiers.codes import format_for
from motcua.dossiers.models import (
    Apology,
    AppointmentChange,
    Channel,
    Dossier,
    DossierCodeCounter,
    DossierDocument,
    DossierStep,
    Handover,
    Pause,
    PauseKind,
    Refusal,
    ResultKind,
    ReturnMethod,
    StepOutcome,
    StopNotice,
    SubmitterKind,
    SupplementRequest,
    SupplementStage,
)
from motcua.dossiers.states import (
    OPEN_AFTER_RECEPTION,
    Action,
    State,
    allowed_from,
    national_status,
)
from motcua.integrations.services import outbox_enqueue
from motcua.org.models import Agency, ServicePoint, User
from motcua.org.roles import Role
from motcua.people.models import CitizenProfile, Mandate, ServiceAgent
from motcua.people.services import profile_by_identifier
from motcua.workcal import classify
from motcua.workcal.types import VN_TZ

#: How far in the future an explicit ``at`` may lie (clock skew between servers).
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
NATIONAL_PORTAL_TOPIC = "national_portal.dossier"
CITIZEN_NOTICE_TOPIC = "notify.citizen"

STAFF_ROLES = (Role.RECEIVER, Role.PROCESSOR, Role.APPROVER)


# ----------------------------------------------------------------------------- codes
def dossier_code_allocate(*, agency: Agency, day: dt.date) -> str:
    """Issue the next dossier code of ``agency`` for reception day ``day`` (local date).

    Must run inside the transaction that records the reception: the counter row stays locked
    until that transaction ends, so concurrent receptions queue up and a rollback returns the
    number. Works on PostgreSQL (row lock) and SQLite (the write lock of an IMMEDIATE
    transaction).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("dossier_code_allocate must run inside the reception's transaction")
    sequence = _counter_next(agency.pk, day)
    try:
        return format_for(day).format(agency.code, day, sequence)
    except ValueError as exc:
        raise DomainError(
            "dossier.code_exhausted",
            _("The receiving agency has used every dossier number of the day."),
        ) from exc


def _counter_next(agency_id: int, day: dt.date) -> int:
    """Add one to the agency's counter of ``day`` and return it: one upsert statement that
    holds the counter row's lock until the caller's transaction ends (PostgreSQL, and SQLite
    from 3.35, which have ``INSERT … ON CONFLICT … RETURNING``)."""
    connection = transaction.get_connection()
    if connection.vendor == "sqlite" and not connection.features.can_return_rows_from_bulk_insert:
        DossierCodeCounter.objects.bulk_create(
            [DossierCodeCounter(agency_id=agency_id, day=day, last_value=0)],
            ignore_conflicts=True,
        )
        counter = DossierCodeCounter.objects.select_for_update().get(agency_id=agency_id, day=day)
        DossierCodeCounter.objects.filter(pk=counter.pk).update(last_value=F("last_value") + 1)
        return counter.last_value + 1
    table = connection.ops.quote_name(DossierCodeCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, day, last_value) VALUES (%s, %s, 1) "  # noqa: S608
            "ON CONFLICT (agency_id, day) DO UPDATE SET last_value = "
            f"{table}.last_value + 1 RETURNING last_value",
            [agency_id, connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - RETURNING always gives the row
        raise RuntimeError("the dossier code counter returned no row")
    return int(row[0])


# ----------------------------------------------------------------------------- helpers
def _err(
    code: str,
    message: Any,
    kind: ErrorKind = ErrorKind.CONFLICT,
    **fields: Any,
) -> DomainError:
    return DomainError(code, message, kind=kind, fields=fields)


def _when(at: dt.datetime | None, dossier: Dossier | None = None) -> dt.datetime:
    now = timezone.now()
    if at is None:
        at = now
    elif timezone.is_naive(at):
        raise _err(
            "time.naive", _("The time must include a time zone."), ErrorKind.INVALID, at=_("naive")
        )
    if at > now + MAX_CLOCK_SKEW:
        raise _err(
            "time.future",
            _("The time of the act cannot be in the future."),
            ErrorKind.INVALID,
            at=_("must not be in the future"),
        )
    last = dossier.last_event_at if dossier is not None else None
    if last is not None and at < last:
        raise _err(
            "time.before_last_event",
            _("The time of the act cannot be earlier than the dossier's last event."),
            ErrorKind.INVALID,
            at=_("must not be earlier than the last event"),
        )
    return at


#: The transitions' two reads, compiled once (see :mod:`motcua.core.compiled`).
_LOCKING_READ = CompiledRead(
    Dossier, lambda pk: Dossier.objects.select_for_update().filter(pk=pk).order_by()
)
_STEPS_READ = CompiledRead(
    DossierStep, lambda dossier: DossierStep.objects.filter(dossier_id=dossier).order_by("order")
)


def _lock(dossier: Dossier) -> Dossier:
    """Lock the dossier row and read it fresh, with its processing steps.

    The lock is taken on the dossier row alone, by primary key, with no join: on PostgreSQL
    a ``FOR UPDATE`` over a join re-checks the join after waiting for a concurrent transition
    and could pair the new dossier row with an old step. Agencies, the reception point and
    the procedure version come from the in-process reference cache (:mod:`.refs`); the steps
    are read in one more statement once the dossier has any.
    """
    found = _LOCKING_READ.fetch(dossier.pk)
    if not found:
        raise Dossier.DoesNotExist(f"no dossier with id {dossier.pk}")
    d = found[0]
    refs.attach_dossier(d)
    if d.current_step_id is not None:
        steps = _steps(d)
        current = next((s for s in steps if s.pk == d.current_step_id), None)
        Dossier._meta.get_field("current_step").set_cached_value(d, current)
    _snapshot(d)
    return d


#: The columns a transition may change; ``_save`` writes only those that changed.
_DOSSIER_FIELDS = tuple(
    f for f in Dossier._meta.concrete_fields if not f.primary_key and f.name != "updated_at"
)


def _snapshot(d: Dossier) -> None:
    d._saved_values = {f.attname: getattr(d, f.attname) for f in _DOSSIER_FIELDS}  # type: ignore[attr-defined]


def _save(d: Dossier) -> None:
    """Write the dossier's changed columns (all of them if it was not read by ``_lock``) and
    keep the indicator rollups in step, in the same transaction."""
    from motcua.indicators.rollups import rollups_after_save

    saved: dict[str, Any] | None = getattr(d, "_saved_values", None)
    if saved is None:
        d.save()
    else:
        changed = [f.name for f in _DOSSIER_FIELDS if getattr(d, f.attname) != saved[f.attname]]
        if changed:
            d.save(update_fields=[*changed, "updated_at"])
    rollups_after_save(d, saved)
    _snapshot(d)


def _begin(dossier: Dossier, at: dt.datetime | None, action: Action) -> tuple[Dossier, dt.datetime]:
    """The start of every transition: lock and re-read the dossier, fix the instant of the act
    (not before the last event, not in the future), check the state allows ``action``."""
    d = _lock(dossier)
    when = _when(at, d)
    _check_state(d, action)
    return d, when


def _check_state(dossier: Dossier, action: Action) -> None:
    if not allowed_from(action, dossier.state):
        raise DomainError(
            "dossier.illegal_transition",
            format_lazy(
                _("“{action}” is not possible while the dossier is “{state}”."),
                action=action.label,
                state=State(dossier.state).label,
            ),
            kind=ErrorKind.CONFLICT,
            data={"action": action.value, "state": dossier.state},
        )


def _has_role(actor: User, roles: Iterable[Role]) -> bool:
    return any(actor.has_role(r) for r in roles)


def _forbidden(message: Any | None = None) -> DomainError:
    return DomainError(
        "dossier.not_allowed",
        message or _("You are not allowed to do this on this dossier."),
        kind=ErrorKind.FORBIDDEN,
    )


def _require_staff(actor: User, agency: Agency | None, roles: Iterable[Role]) -> None:
    """The actor holds one of ``roles`` and works in ``agency``."""
    roles = tuple(roles)
    if not _has_role(actor, roles) or agency is None or actor.agency_id != agency.pk:
        raise _forbidden(
            format_lazy(
                _("Only {roles} of {agency} may do this."),
                roles=", ".join(str(r.label) for r in roles),
                agency=agency.name if agency is not None else "-",
            )
        )


def _is_staff_of(actor: User, agency: Agency | None, roles: Iterable[Role]) -> bool:
    return agency is not None and actor.agency_id == agency.pk and _has_role(actor, roles)


def _profile_of(actor: User) -> CitizenProfile | None:
    try:
        return actor.citizen_profile
    except CitizenProfile.DoesNotExist:
        return None


def _mandate_covering(
    *, grantor: CitizenProfile, grantee: CitizenProfile, version: ProcedureVersion, at: dt.datetime
) -> Mandate | None:
    for mandate in Mandate.objects.filter(
        grantor=grantor, grantee=grantee, revoked_at__isnull=True, valid_from__lte=at
    ).prefetch_related("procedures", "sectors"):
        if mandate.valid_to is not None and mandate.valid_to <= at:
            continue
        if mandate.scope == Mandate.Scope.ALL:
            return mandate
        if mandate.scope == Mandate.Scope.PROCEDURES and any(
            p.pk == version.procedure_id for p in mandate.procedures.all()
        ):
            return mandate
        if mandate.scope == Mandate.Scope.SECTORS and any(
            s.pk == version.sector_id for s in mandate.sectors.all()
        ):
            return mandate
    return None


def is_citizen_party(actor: User, dossier: Dossier, at: dt.datetime | None = None) -> bool:
    """The applicant, the person who submitted it, or the holder of a valid mandate.

    Whoever submitted under a mandate acts only while a mandate covers the dossier: a revoked
    or expired mandate stops working at once, also for the dossiers submitted under it."""
    if (
        dossier.submitter_id is not None
        and dossier.submitter_id == actor.pk
        and dossier.submitter_kind != SubmitterKind.MANDATE
    ):
        return True
    profile = _profile_of(actor)
    if profile is None:
        return False
    if profile.pk == dossier.applicant_id:
        return True
    return (
        _mandate_covering(
            grantor=dossier.applicant,
            grantee=profile,
            version=dossier.procedure_version,
            at=at or timezone.now(),
        )
        is not None
    )


def _check_return_method(value: str, *, field: str) -> None:
    if value not in ReturnMethod.values:
        raise DomainError(
            "dossier.return_method",
            _("Unknown way of returning the result."),
            kind=ErrorKind.INVALID,
            fields={field: _("counter, post or electronic")},
        )


def _new_reference(at: dt.datetime) -> str:
    day = clock.local(at).strftime("%y%m%d")
    return f"N{day}-{secrets.token_hex(5).upper()}"


def _portal_payload(
    dossier: Dossier, *, action: str, at: dt.datetime, note: str, actor: User | None
) -> dict[str, Any]:
    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    step = dossier.current_step
    return {
        # the reception creates the record on the portal; later acts update its status
        "event": "create" if action == Action.RECEIVE.value else "status",
        "code": dossier.code,
        "reference": dossier.reference,
        "procedure_code": dossier.procedure_version.procedure.code,
        "receiving_agency": dossier.receiving_agency.code,
        "competent_agency": dossier.competent_agency.code,
        "status": dossier.national_status,
        "channel": dossier.channel,
        "submitted_at": iso(dossier.submitted_at),
        "received_at": iso(dossier.received_at),
        "due_at": iso(dossier.due_at),
        "appointment_at": iso(dossier.appointment_at),
        "finished_at": iso(dossier.finished_at),
        "returned_at": iso(dossier.returned_at),
        "step": {
            "actor": str(actor) if actor is not None else "",
            "agency": dossier.current_agency.code,
            "at": iso(at),
            "action": action,
            "note": note,
            "started_at": iso(step.started_at if step else None),
            "due_at": iso(step.due_at if step else None),
        },
    }


def _record(
    dossier: Dossier,
    *,
    action: Action,
    actor: User | None,
    at: dt.datetime,
    new_state: str,
    from_agency: Agency | None = None,
    to_agency: Agency | None = None,
    to_role: str = "",
    step: DossierStep | None = None,
    note: str = "",
    audit: dict[str, Any] | None = None,
) -> Handover:
    """Write the new state, the hand-over row, the audit event and the outbox message."""
    before = dossier.state
    dossier.state = new_state
    dossier.national_status = national_status(new_state)
    dossier.event_count += 1
    dossier.last_event_at = at
    _save(dossier)
    seq = dossier.event_count
    handover = Handover.objects.create(
        dossier=dossier,
        seq=seq,
        action=action.value,
        at=at,
        from_user=actor,
        from_agency=from_agency,
        to_agency=to_agency or dossier.current_agency,
        to_role=to_role,
        step=step,
        step_due_at=step.due_at if step is not None else None,
        outcome=step.outcome if step is not None else "",
        state_before=before,
        state_after=new_state,
        national_status=dossier.national_status,
        note=note,
    )
    audit_record(
        action=f"dossier.{action.value}",
        actor=actor,
        obj=dossier,
        data={
            "code": dossier.identifier,
            "state_before": before,
            "state_after": new_state,
            "at": at.isoformat(),
            **(audit or {}),
        },
    )
    outbox_enqueue(
        topic=NATIONAL_PORTAL_TOPIC,
        key=dossier.reference,
        payload=_portal_payload(
            dossier, action=handover.action, at=handover.at, note=handover.note, actor=actor
        ),
    )
    return handover


def _notify_citizen(dossier: Dossier, template: str, **extra: Any) -> None:
    outbox_enqueue(
        topic=CITIZEN_NOTICE_TOPIC,
        key=dossier.reference,
        payload={
            "template": template,
            "dossier": dossier.identifier,
            "applicant_id": dossier.applicant_id,
            "submitter_id": dossier.submitter_id,
            **extra,
        },
    )


def _change_appointment(
    dossier: Dossier,
    *,
    cause: str,
    at: dt.datetime,
    by: User | None,
    due_at: dt.datetime | None,
    appointment_at: dt.datetime | None,
    note: str = "",
) -> None:
    AppointmentChange.objects.create(
        dossier=dossier,
        at=at,
        cause=cause,
        due_at=due_at,
        appointment_at=appointment_at,
        previous_due_at=dossier.due_at,
        previous_appointment_at=dossier.appointment_at,
        note=note,
        by=by,
    )
    dossier.due_at = due_at
    dossier.appointment_at = appointment_at


def _finish_step(step: DossierStep, at: dt.datetime) -> None:
    step.finished_at = at
    step.outcome = StepOutcome(str(classify(at, step.due_at))) if step.due_at else ""
    step.save(update_fields=["finished_at", "outcome"])


def _start_step(dossier: Dossier, step: DossierStep, at: dt.datetime) -> None:
    step.started_at = at
    step.finished_at = None
    step.outcome = ""
    step.due_at = clock.step_due(at, step.budget_seconds, dossier.reception_point)
    step.save(update_fields=["started_at", "finished_at", "outcome", "due_at"])
    dossier.current_step = step
    dossier.current_agency = step.agency


def _steps(dossier: Dossier) -> list[DossierStep]:
    """The dossier's processing steps in order, read once per transition."""
    cached: list[DossierStep] | None = getattr(dossier, "_steps", None)
    if cached is None:
        cached = [refs.attach_step(s) for s in _STEPS_READ.fetch(dossier.pk)]
        dossier._steps = cached  # type: ignore[attr-defined]
    return cached


def _close_open_pauses(dossier: Dossier, at: dt.datetime, actor: User) -> None:
    Pause.objects.filter(dossier=dossier, ended_at__isnull=True).update(ended_at=at, ended_by=actor)


def _version_for(procedure_code: str, at: dt.datetime) -> ProcedureVersion:
    version = version_in_force(code=procedure_code, on=clock.local(at).date())
    if version is None:
        raise _err(
            "procedure.not_in_force",
            _("No procedure with this code is in force."),
            ErrorKind.INVALID,
            procedure=_("unknown procedure code or not in force on this day"),
        )
    return version


@dataclass(frozen=True)
class DocumentItem:
    """One component handed in: a listed required document (by id) or an extra one (by name)."""

    required_document_id: int | None = None
    name: str = ""
    copy_kind: str = RequiredDocument.CopyKind.ORIGINAL
    count: int = 1
    #: the electronic copy (online submission, supplements): a stored file's id …
    stored_file_id: int | None = None
    #: … or the citizen's data-store entry it was taken from (reuse, Decision 766 4.3–4.4)
    store_item_id: int | None = None


MAX_COPIES = 99


def _save_documents(
    dossier: Dossier,
    version: ProcedureVersion,
    items: Sequence[DocumentItem],
    *,
    actor: User,
    at: dt.datetime,
) -> None:
    """Check and store the components handed in (all or nothing: the caller's transaction)."""
    listed = {doc.pk: doc for doc in version.required_documents.all()} if items else {}
    rows: list[DossierDocument] = []
    for index, item in enumerate(items):
        field = f"documents[{index}]"
        required = None
        if item.required_document_id is not None:
            required = listed.get(item.required_document_id)
            if required is None:
                raise _err(
                    "dossier.document_unknown",
                    _("This document is not one of the procedure's required documents."),
                    ErrorKind.INVALID,
                    **{field: _("unknown required document")},
                )
        name = (item.name.strip() or (required.name if required else ""))[:500]
        if not name:
            raise _err(
                "dossier.document_name",
                _("Name every document that is not on the procedure's list."),
                ErrorKind.INVALID,
                **{field: _("name required")},
            )
        if item.copy_kind not in RequiredDocument.CopyKind.values:
            raise _err(
                "dossier.document_copy_kind",
                _(
                    "Say whether the document is an original, a certified copy, a copy or an "
                    "electronic copy."
                ),
                ErrorKind.INVALID,
                **{field: _("original, certified_copy, copy or electronic")},
            )
        if not 1 <= item.count <= MAX_COPIES:
            raise _err(
                "dossier.document_count",
                _("The number of copies must be between 1 and 99."),
                ErrorKind.INVALID,
                **{field: _("between 1 and 99")},
            )
        rows.append(
            DossierDocument(
                dossier=dossier,
                required_document=required,
                name=name,
                copy_kind=item.copy_kind,
                count=item.count,
                stored_file_id=item.stored_file_id,
                store_item_id=item.store_item_id,
                added_at=at,
                added_by=actor,
            )
        )
    DossierDocument.objects.bulk_create(rows)


def _resolve_competent(
    version: ProcedureVersion, competent_agency: Agency | None, receiving: Agency | None
) -> Agency:
    if competent_agency is not None:
        if not competent_agency.is_active:
            raise _err(
                "agency.inactive",
                _("The competent agency is no longer active."),
                ErrorKind.INVALID,
                competent_agency=_("inactive agency"),
            )
        return competent_agency
    if version.competent_agency is not None:
        return version.competent_agency
    if (
        receiving is not None
        and receiving.level == Agency.Level.COMMUNE
        and "commune" in version.level_list
    ):
        return receiving
    raise _err(
        "dossier.competent_agency_required",
        _("Say which agency is competent to settle this dossier."),
        ErrorKind.INVALID,
        competent_agency=_("required for this procedure"),
    )


def _default_receiving_agency(competent: Agency) -> Agency:
    """Online dossiers go to the one-stop of the competent commune, or to the Service
    Center for city-level procedures."""
    if competent.level == Agency.Level.COMMUNE and competent.service_points.exists():
        return competent
    center = Agency.objects.filter(kind=Agency.Kind.SERVICE_CENTER, is_active=True).first()
    return center or competent


# ----------------------------------------------------------------------------- creation
@transaction.atomic
def dossier_submit(
    *,
    actor: User,
    procedure_code: str,
    applicant: CitizenProfile | None = None,
    applicant_identifier: str | None = None,
    competent_agency: Agency | None = None,
    receiving_agency: Agency | None = None,
    subject: str = "",
    return_method: str = ReturnMethod.ELECTRONIC,
    return_point: ServicePoint | None = None,
    return_address: str = "",
    applicant_consent: bool = False,
    documents: Sequence[DocumentItem] = (),
    at: dt.datetime | None = None,
) -> Dossier:
    """Online submission (status 1) by the applicant, a mandate holder or an agent, with the
    components handed in (their electronic copies)."""
    at = _when(at)
    version = _version_for(procedure_code, at)
    if version.online_level == OnlineLevel.NONE:
        raise _err(
            "procedure.not_online",
            _("This procedure cannot be submitted online."),
            ErrorKind.INVALID,
            procedure=_("not offered online"),
        )
    mandate: Mandate | None = None
    agent: ServiceAgent | None = None
    no_mandate = _forbidden(_("You hold no valid mandate from this applicant for this procedure."))
    if actor.has_role(Role.AGENT):
        agent = ServiceAgent.objects.filter(accounts=actor, is_active=True).first()
        if agent is None:
            raise _forbidden(_("Your account is not linked to an active service agent."))
        if applicant is None and not applicant_identifier:
            raise _err(
                "dossier.applicant_required",
                _("An agent submits in the applicant's name: say who the applicant is."),
                ErrorKind.INVALID,
                applicant_id=_("required"),
            )
        if not applicant_consent:
            raise _err(
                "dossier.consent_required",
                _("An agent may submit only with the applicant's consent."),
                ErrorKind.INVALID,
                applicant_consent=_("the applicant's consent is required"),
            )
        if applicant is None and applicant_identifier:
            applicant = profile_by_identifier(applicant_identifier)
        if applicant is None:
            raise _err(
                "dossier.applicant_unknown",
                _("The applicant must have an account on the portal before an agent submits."),
                ErrorKind.INVALID,
                applicant_id=_("no portal account with this number"),
            )
        kind = SubmitterKind.AGENT
    elif actor.has_role(Role.CITIZEN):
        own = _profile_of(actor)
        if own is None:
            raise _forbidden(_("Your account has no citizen profile."))
        if applicant is None and applicant_identifier:
            if applicant_identifier in (own.personal_id, own.tax_code):
                applicant = own
            else:
                applicant = profile_by_identifier(applicant_identifier)
                if applicant is None:
                    raise no_mandate
        if applicant is None or applicant.pk == own.pk:
            applicant, kind = own, SubmitterKind.SELF
        else:
            mandate = _mandate_covering(grantor=applicant, grantee=own, version=version, at=at)
            if mandate is None:
                raise no_mandate
            kind = SubmitterKind.MANDATE
    else:
        raise _forbidden(_("Only citizens and service agents submit dossiers online."))
    _check_return_method(return_method, field="return_method")
    competent = _resolve_competent(version, competent_agency, receiving_agency)
    receiving = receiving_agency or _default_receiving_agency(competent)
    if not receiving.service_points.filter(is_active=True).exists():
        raise _err(
            "dossier.receiving_agency",
            _("This agency has no one-stop service point to receive dossiers."),
            ErrorKind.INVALID,
            receiving_agency=_("has no service point"),
        )
    dossier = Dossier.objects.create(
        reference=_new_reference(at),
        state=State.SUBMITTED,
        national_status=national_status(State.SUBMITTED),
        procedure_version=version,
        applicant=applicant,
        submitter=actor,
        submitter_kind=kind,
        submitter_name=str(actor),
        mandate=mandate,
        agent=agent,
        channel=Channel.ONLINE,
        subject=subject,
        return_method=return_method,
        return_point=return_point if return_method == ReturnMethod.COUNTER else None,
        return_address=return_address.strip() if return_method == ReturnMethod.POST else "",
        receiving_agency=receiving,
        competent_agency=competent,
        current_agency=receiving,
        submitted_at=at,
        time_limit_value=version.time_limit_value,
        time_limit_unit=version.time_limit_unit,
        cutoff_applies=version.cutoff_applies,
    )
    _snapshot(dossier)
    _save_documents(dossier, version, documents, actor=actor, at=at)
    _record(
        dossier,
        action=Action.SUBMIT,
        actor=actor,
        at=at,
        new_state=State.SUBMITTED,
        to_agency=receiving,
        to_role=Role.RECEIVER.value,
        audit={
            "submitter_kind": kind,
            "applicant": applicant.pk,
            "applicant_consent": bool(applicant_consent) if agent is not None else None,
            "mandate": mandate.pk if mandate is not None else None,
        },
    )
    return dossier


@transaction.atomic
def dossier_intake(
    *,
    actor: User,
    procedure_code: str,
    applicant: CitizenProfile,
    competent_agency: Agency | None = None,
    subject: str = "",
    channel: int = Channel.DIRECT,
    submitter_kind: str = SubmitterKind.SELF,
    submitter_name: str = "",
    return_method: str = ReturnMethod.COUNTER,
    documents: Sequence[DocumentItem] = (),
    at: dt.datetime | None = None,
) -> Dossier:
    """A dossier brought to the counter (or by post) of the actor's service point.

    Boundary-free: any service point takes any applicant, wherever they live; the reception
    point, the receiving agency (the point's) and the competent agency are kept apart.
    """
    at = _when(at)
    if not actor.has_role(Role.RECEIVER) or actor.service_point_id is None:
        raise _forbidden(_("Only a receiving officer at a service point takes dossiers in."))
    point: ServicePoint = ServicePoint.objects.select_related("agency").get(
        pk=actor.service_point_id
    )
    if channel not in (Channel.DIRECT, Channel.POST):
        raise _err(
            "dossier.channel",
            _("At the counter a dossier arrives in person or by post."),
            ErrorKind.INVALID,
            channel=_("1 (in person) or 3 (post)"),
        )
    if submitter_kind not in (SubmitterKind.SELF, SubmitterKind.REPRESENTATIVE):
        raise _err(
            "dossier.submitter_kind",
            _("At the counter the applicant comes in person or sends a representative."),
            ErrorKind.INVALID,
            submitter_kind=_("self or representative"),
        )
    if submitter_kind == SubmitterKind.REPRESENTATIVE and not submitter_name.strip():
        raise _err(
            "dossier.submitter_name",
            _("Write the name of the representative who brought the dossier."),
            ErrorKind.INVALID,
            submitter_name=_("required for a representative"),
        )
    _check_return_method(return_method, field="return_method")
    version = _version_for(procedure_code, at)
    receiving = point.agency
    competent = _resolve_competent(version, competent_agency, receiving)
    dossier = Dossier.objects.create(
        reference=_new_reference(at),
        state=State.SUBMITTED,
        national_status=national_status(State.SUBMITTED),
        procedure_version=version,
        applicant=applicant,
        submitter=None,
        submitter_kind=submitter_kind,
        submitter_name=submitter_name.strip() or applicant.full_name,
        channel=channel,
        subject=subject,
        return_method=return_method,
        reception_point=point,
        receiving_agency=receiving,
        competent_agency=competent,
        current_agency=receiving,
        submitted_at=at,
        time_limit_value=version.time_limit_value,
        time_limit_unit=version.time_limit_unit,
        cutoff_applies=version.cutoff_applies,
    )
    _snapshot(dossier)
    _save_documents(dossier, version, documents, actor=actor, at=at)
    _record(
        dossier,
        action=Action.INTAKE,
        actor=actor,
        at=at,
        new_state=State.SUBMITTED,
        from_agency=None,
        to_agency=receiving,
        to_role=Role.RECEIVER.value,
        audit={
            "service_point": point.code,
            "applicant": applicant.pk,
            "documents": len(documents),
        },
    )
    return dossier


# ----------------------------------------------------------------------------- intake
@transaction.atomic
def dossier_receive(
    *,
    dossier: Dossier,
    actor: User,
    at: dt.datetime | None = None,
    appointment_at: dt.datetime | None = None,
) -> Dossier:
    """Valid reception: the code is assigned, the clock starts, the appointment is set."""
    d, at = _begin(dossier, at, Action.RECEIVE)
    _require_staff(actor, d.receiving_agency, (Role.RECEIVER,))
    if d.reception_point is None:
        point = (
            ServicePoint.objects.filter(
                pk=actor.service_point_id or 0, agency=d.receiving_agency
            ).first()
            or d.receiving_agency.service_points.filter(is_active=True).order_by("code").first()
        )
        d.reception_point = point
    local_day = clock.local(at).date()
    d.code = dossier_code_allocate(agency=d.receiving_agency, day=local_day)
    d.received_at = at
    d.counted_from = at
    due = clock.legal_due(d, [])
    if due is None:
        if appointment_at is None or appointment_at <= at:
            raise _err(
                "dossier.appointment_required",
                _("This procedure publishes no time limit: give the appointment yourself."),
                ErrorKind.INVALID,
                appointment_at=_("required, after the reception"),
            )
        due_at = appointment_at
        d.ruleset_version = ""
    else:
        due_at = due.due
        d.ruleset_version = due.ruleset_version
        d.counted_from = due.counted_from
    _change_appointment(
        d,
        cause=AppointmentChange.Cause.RECEIVE,
        at=at,
        by=actor,
        due_at=due_at,
        appointment_at=due_at,
    )
    d.first_appointment_at = due_at
    DossierStep.objects.bulk_create(
        [
            DossierStep(
                dossier=d,
                order=planned.order,
                name=planned.name,
                role=planned.role,
                agency=planned.agency,
                inter_agency=planned.agency.pk != d.competent_agency_id,
                budget_seconds=planned.budget_seconds,
            )
            for planned in clock.plan_steps(d, d.procedure_version)
        ]
    )
    d.current_agency = d.receiving_agency
    _record(
        d,
        action=Action.RECEIVE,
        actor=actor,
        at=at,
        new_state=State.RECEIVED,
        from_agency=None,
        to_agency=d.receiving_agency,
        to_role=Role.RECEIVER.value,
        audit={"code": d.code, "due_at": due_at.isoformat()},
    )
    _notify_citizen(d, "received", appointment_at=due_at.isoformat())
    return d


@transaction.atomic
def dossier_request_supplement(
    *,
    dossier: Dossier,
    actor: User,
    items: list[str],
    reason: str,
    at: dt.datetime | None = None,
) -> Dossier:
    """Form 02. Before intake: no clock. During processing: once, within the window, and the
    clock stops until the complete supplement arrives (then the limit restarts)."""
    d, at = _begin(dossier, at, Action.REQUEST_SUPPLEMENT)
    items = [str(i).strip() for i in items if str(i).strip()]
    if not items or not reason.strip():
        raise _err(
            "dossier.supplement_content",
            _("Say what must be completed and why, all at once."),
            ErrorKind.INVALID,
            **({"items": _("list at least one document or content")} if not items else {}),
            **({"reason": _("required")} if not reason.strip() else {}),
        )
    if d.state == State.SUBMITTED:
        _require_staff(actor, d.receiving_agency, (Role.RECEIVER,))
        SupplementRequest.objects.create(
            dossier=d,
            stage=SupplementStage.INTAKE,
            items=items,
            reason=reason.strip(),
            requested_at=at,
            requested_by=actor,
        )
        _record(
            d,
            action=Action.REQUEST_SUPPLEMENT,
            actor=actor,
            at=at,
            new_state=State.INTAKE_SUPPLEMENT,
            from_agency=d.receiving_agency,
            note=reason.strip(),
            audit={"stage": "intake", "items": items},
        )
        _notify_citizen(d, "supplement_requested", items=items, reason=reason.strip())
        return d
    if not (
        _is_staff_of(actor, d.current_agency, STAFF_ROLES)
        or _is_staff_of(actor, d.receiving_agency, (Role.RECEIVER,))
    ):
        raise _forbidden()
    if d.processing_supplements >= 1:
        raise _err(
            "dossier.supplement_once",
            _("A supplement was already requested during processing; only one is allowed."),
        )
    window_end = clock.supplement_window_end(d, d.procedure_version)
    if at > window_end:
        raise DomainError(
            "dossier.supplement_window_passed",
            format_lazy(
                _("A supplement may be requested only until {deadline}."),
                deadline=clock.local(window_end).strftime("%H:%M %d/%m/%Y"),
            ),
        )
    pause = Pause.objects.create(
        dossier=d,
        kind=PauseKind.SUPPLEMENT,
        reason=reason.strip(),
        started_at=at,
        started_by=actor,
        resume_state=d.state,
    )
    SupplementRequest.objects.create(
        dossier=d,
        stage=SupplementStage.PROCESSING,
        items=items,
        reason=reason.strip(),
        requested_at=at,
        requested_by=actor,
        pause=pause,
    )
    d.processing_supplements += 1
    _record(
        d,
        action=Action.REQUEST_SUPPLEMENT,
        actor=actor,
        at=at,
        new_state=State.SUPPLEMENT_REQUESTED,
        from_agency=d.current_agency,
        note=reason.strip(),
        audit={"stage": "processing", "items": items},
    )
    _notify_citizen(d, "supplement_requested", items=items, reason=reason.strip())
    return d


@transaction.atomic
def dossier_supplement(
    *, dossier: Dossier, actor: User, note: str = "", at: dt.datetime | None = None
) -> Dossier:
    """The complete supplement arrives (from the citizen, or brought to the counter)."""
    d, at = _begin(dossier, at, Action.SUPPLEMENT)
    if not (
        is_citizen_party(actor, d, at) or _is_staff_of(actor, d.receiving_agency, (Role.RECEIVER,))
    ):
        raise _forbidden()
    request = (
        SupplementRequest.objects.filter(dossier=d, fulfilled_at__isnull=True)
        .order_by("-requested_at")
        .first()
    )
    if request is not None:
        request.fulfilled_at = at
        request.fulfilled_by = actor
        request.save(update_fields=["fulfilled_at", "fulfilled_by"])
    if d.state == State.INTAKE_SUPPLEMENT:
        _record(
            d,
            action=Action.SUPPLEMENT,
            actor=actor,
            at=at,
            new_state=State.SUBMITTED,
            to_agency=d.receiving_agency,
            to_role=Role.RECEIVER.value,
            note=note,
        )
        return d
    pause = Pause.objects.select_for_update().get(
        dossier=d, kind=PauseKind.SUPPLEMENT, ended_at__isnull=True
    )
    pause.ended_at = at
    pause.ended_by = actor
    pause.save(update_fields=["ended_at", "ended_by"])
    _replan_after_pause(
        d, at=at, actor=actor, cause=AppointmentChange.Cause.SUPPLEMENT, restart=True, pause=pause
    )
    _record(
        d,
        action=Action.SUPPLEMENT,
        actor=actor,
        at=at,
        new_state=pause.resume_state,
        to_agency=d.current_agency,
        note=note,
        audit={"due_at": d.due_at.isoformat() if d.due_at else None},
    )
    return d


def _replan_after_pause(
    d: Dossier, *, at: dt.datetime, actor: User, cause: str, restart: bool, pause: Pause
) -> None:
    """New due instant and appointment after a pause ends; the current step gets its time
    back (restart: its whole budget from now; pause: the office time it lost)."""
    pauses = list(Pause.objects.filter(dossier=d))
    new = clock.legal_due(d, pauses)
    if new is not None:
        due_at = new.due
        d.counted_from = new.counted_from
    else:
        if not (d.first_appointment_at is not None):
            raise RuntimeError("dossier clock used before reception")
        due_at = clock.shift_by_pauses(d.first_appointment_at, pauses, d.reception_point)
    if d.due_at is not None and not restart:
        due_at = max(due_at, d.due_at)
    # The appointment is the end of the due day (DESIGN §4), never earlier than before on a
    # plain pause; an apology's appointment moves by the citizen's time after the apology.
    appointment = clock.appointment_for(d, due_at)
    apology = Apology.objects.filter(dossier=d).first()
    if apology is not None:
        since = max(pause.started_at, apology.issued_at)
        shift = clock.office_seconds_between(since, at, d.reception_point) if at > since else 0
        current = max(d.appointment_at or apology.new_appointment_at, apology.new_appointment_at)
        moved = clock.add_office_seconds(current, shift, d.reception_point) if shift else current
        appointment = max(appointment, clock.appointment_for(d, moved))
    elif d.appointment_at is not None and not restart:
        appointment = max(appointment, d.appointment_at)
    _change_appointment(
        d,
        cause=cause,
        at=at,
        by=actor,
        due_at=due_at,
        appointment_at=appointment,
        note=pause.reason,
    )
    step = d.current_step
    if step is not None and step.started_at is not None:
        if restart:
            _start_step(d, step, at)
        elif step.due_at is not None:
            lost = clock.office_seconds_between(pause.started_at, at, d.reception_point)
            step.due_at = clock.add_office_seconds(step.due_at, lost, d.reception_point)
            step.save(update_fields=["due_at"])


@transaction.atomic
def dossier_refuse(
    *, dossier: Dossier, actor: User, reasons: str, at: dt.datetime | None = None
) -> Dossier:
    """Form 03: at intake (status 3), or after appraisal within the time limit (the refusal
    is the result, returned through the one-stop)."""
    d, at = _begin(dossier, at, Action.REFUSE)
    if not reasons.strip():
        raise _err(
            "dossier.refusal_reasons",
            _("A refusal states its reasons."),
            ErrorKind.INVALID,
            reasons=_("required"),
        )
    if d.state == State.SUBMITTED:
        _require_staff(actor, d.receiving_agency, (Role.RECEIVER,))
        Refusal.objects.create(
            dossier=d, stage=SupplementStage.INTAKE, reasons=reasons.strip(), at=at, by=actor
        )
        d.closed_at = at
        _record(
            d,
            action=Action.REFUSE,
            actor=actor,
            at=at,
            new_state=State.REFUSED_INTAKE,
            from_agency=d.receiving_agency,
            note=reasons.strip(),
            audit={"stage": "intake"},
        )
        _notify_citizen(d, "refused", reasons=reasons.strip())
        return d
    _require_staff(actor, d.competent_agency, (Role.APPROVER,))
    limit = d.appointment_at or d.due_at
    if limit is not None and at > limit:
        raise _err(
            "dossier.refusal_after_deadline",
            _(
                "A refusal after appraisal must be issued within the time limit; "
                "issue an apology with a new appointment first."
            ),
        )
    Refusal.objects.create(
        dossier=d, stage=SupplementStage.PROCESSING, reasons=reasons.strip(), at=at, by=actor
    )
    step = d.current_step
    from_agency = d.current_agency
    if step is not None:
        _finish_step(step, at)
    d.current_step = None
    d.current_agency = d.receiving_agency
    d.result_kind = ResultKind.REFUSED
    _finish_clock(d, at)
    _record(
        d,
        action=Action.REFUSE,
        actor=actor,
        at=at,
        new_state=State.FINISHED,
        from_agency=from_agency,
        to_agency=d.receiving_agency,
        to_role=Role.RECEIVER.value,
        step=step,
        note=reasons.strip(),
        audit={"stage": "processing"},
    )
    _notify_citizen(d, "refused", reasons=reasons.strip())
    return d


def _finish_clock(d: Dossier, at: dt.datetime) -> None:
    d.finished_at = at
    if d.forced_late:
        d.outcome = StepOutcome.LATE
    elif d.due_at is not None:
        d.outcome = StepOutcome(str(classify(at, d.due_at)))


# ----------------------------------------------------------------------------- processing
def _require_step_actor(actor: User, d: Dossier, roles: tuple[Role, ...]) -> DossierStep:
    step = d.current_step
    if step is None:
        raise _err(
            "dossier.no_current_step",
            _("Every processing step is done: the result can be finished."),
        )
    role = Role(step.role)
    if role not in roles:
        raise _err(
            "dossier.wrong_step_action",
            format_lazy(
                _("The current step “{step}” is for a {role}."), step=step.name, role=role.label
            ),
        )
    _require_staff(actor, step.agency, (role,))
    return step


def _advance(d: Dossier, *, actor: User, at: dt.datetime, action: Action, note: str) -> Dossier:
    steps = _steps(d)
    step = d.current_step
    if d.state == State.RECEIVED:
        _require_staff(actor, d.receiving_agency, (Role.RECEIVER,))
        nxt = steps[0] if steps else None
        from_agency = d.receiving_agency
        finished = None
    else:
        roles = (Role.APPROVER,) if action is Action.APPROVE else (Role.PROCESSOR, Role.RECEIVER)
        step = _require_step_actor(actor, d, roles)
        _finish_step(step, at)
        finished = step
        from_agency = step.agency
        later = [s for s in steps if s.order > step.order]
        nxt = later[0] if later else None
        if action is Action.APPROVE:
            d.approved_at = at
    if nxt is not None:
        _start_step(d, nxt, at)
        to_agency, to_role = nxt.agency, nxt.role
    else:
        d.current_step = None
        d.current_agency = d.competent_agency
        to_agency, to_role = d.competent_agency, ""
    _record(
        d,
        action=action,
        actor=actor,
        at=at,
        new_state=State.PROCESSING,
        from_agency=from_agency,
        to_agency=to_agency,
        to_role=to_role,
        step=finished,
        note=note,
        audit={"next_step": nxt.order if nxt else None},
    )
    return d


@transaction.atomic
def dossier_forward(
    *, dossier: Dossier, actor: User, note: str = "", at: dt.datetime | None = None
) -> Dossier:
    """Hand the dossier to the next step of its process (another officer or agency)."""
    d, at = _begin(dossier, at, Action.FORWARD)
    return _advance(d, actor=actor, at=at, action=Action.FORWARD, note=note)


@transaction.atomic
def dossier_approve(
    *, dossier: Dossier, actor: User, note: str = "", at: dt.datetime | None = None
) -> Dossier:
    """The leader approves at the approval step."""
    d, at = _begin(dossier, at, Action.APPROVE)
    return _advance(d, actor=actor, at=at, action=Action.APPROVE, note=note)


@transaction.atomic
def dossier_return_step(
    *, dossier: Dossier, actor: User, reason: str, at: dt.datetime | None = None
) -> Dossier:
    """Send the dossier back to the previous step, with the reason."""
    d, at = _begin(dossier, at, Action.RETURN_STEP)
    if not reason.strip():
        raise _err(
            "dossier.return_reason",
            _("Say why the dossier goes back."),
            ErrorKind.INVALID,
            reason=_("required"),
        )
    steps = _steps(d)
    step = d.current_step
    if step is None:
        if not _is_staff_of(actor, d.competent_agency, STAFF_ROLES):
            raise _forbidden()
        previous = steps[-1] if steps else None
        from_agency = d.competent_agency
    else:
        _require_staff(actor, step.agency, (Role(step.role),))
        earlier = [s for s in steps if s.order < step.order]
        previous = earlier[-1] if earlier else None
        from_agency = step.agency
        step.started_at = None
        step.due_at = None
        step.save(update_fields=["started_at", "due_at"])
    if previous is None:
        d.current_step = None
        d.current_agency = d.receiving_agency
        _record(
            d,
            action=Action.RETURN_STEP,
            actor=actor,
            at=at,
            new_state=State.RECEIVED,
            from_agency=from_agency,
            to_agency=d.receiving_agency,
            to_role=Role.RECEIVER.value,
            note=reason.strip(),
        )
        return d
    if Role(previous.role) is Role.APPROVER:
        d.approved_at = None
    _start_step(d, previous, at)
    _record(
        d,
        action=Action.RETURN_STEP,
        actor=actor,
        at=at,
        new_state=State.PROCESSING,
        from_agency=from_agency,
        to_agency=previous.agency,
        to_role=previous.role,
        note=reason.strip(),
    )
    return d


@transaction.atomic
def dossier_pause(
    *,
    dossier: Dossier,
    actor: User,
    kind: str,
    reason: str,
    at: dt.datetime | None = None,
) -> Dossier:
    """Stop the clock for financial obligations (status 6) or another lawful pause."""
    d, at = _begin(dossier, at, Action.PAUSE)
    if kind not in (
        PauseKind.FINANCIAL_OBLIGATION,
        PauseKind.CITIZEN_VERIFICATION,
        PauseKind.OTHER,
    ):
        raise DomainError(
            "dossier.pause_kind",
            _("Unknown kind of pause (a supplement is requested with request-supplement)."),
            kind=ErrorKind.INVALID,
            fields={"kind": _("financial_obligation, citizen_verification or other")},
        )
    if not reason.strip():
        raise _err(
            "dossier.pause_reason",
            _("A pause states its legal reason."),
            ErrorKind.INVALID,
            reason=_("required"),
        )
    if not _is_staff_of(actor, d.current_agency, STAFF_ROLES):
        raise _forbidden()
    Pause.objects.create(
        dossier=d,
        kind=kind,
        reason=reason.strip(),
        started_at=at,
        started_by=actor,
        resume_state=d.state,
    )
    new_state = (
        State.FINANCIAL_OBLIGATION if kind == PauseKind.FINANCIAL_OBLIGATION else State.PAUSED
    )
    _record(
        d,
        action=Action.PAUSE,
        actor=actor,
        at=at,
        new_state=new_state,
        from_agency=d.current_agency,
        note=reason.strip(),
        audit={"kind": kind},
    )
    if kind == PauseKind.FINANCIAL_OBLIGATION:
        _notify_citizen(d, "financial_obligation", reason=reason.strip())
    return d


@transaction.atomic
def dossier_resume(
    *, dossier: Dossier, actor: User, note: str = "", at: dt.datetime | None = None
) -> Dossier:
    """End the pause: the due instant moves by the office time the pause took."""
    d, at = _begin(dossier, at, Action.RESUME)
    if not _is_staff_of(actor, d.current_agency, STAFF_ROLES) and not _is_staff_of(
        actor, d.receiving_agency, (Role.RECEIVER,)
    ):
        raise _forbidden()
    pause = Pause.objects.select_for_update().get(dossier=d, ended_at__isnull=True)
    pause.ended_at = at
    pause.ended_by = actor
    pause.save(update_fields=["ended_at", "ended_by"])
    _replan_after_pause(
        d, at=at, actor=actor, cause=AppointmentChange.Cause.RESUME, restart=False, pause=pause
    )
    _record(
        d,
        action=Action.RESUME,
        actor=actor,
        at=at,
        new_state=pause.resume_state,
        from_agency=d.current_agency,
        note=note,
        audit={"due_at": d.due_at.isoformat() if d.due_at else None},
    )
    return d


@transaction.atomic
def dossier_apologize(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    new_appointment_at: dt.datetime,
    at: dt.datetime | None = None,
) -> Dossier:
    """Form 04: apology with one new appointment. Due at least one working day before the
    due instant; a later one is recorded and sent but marks the dossier late."""
    d, at = _begin(dossier, at, Action.APOLOGIZE)
    _require_staff(actor, d.competent_agency, (Role.APPROVER,))
    if Apology.objects.filter(dossier=d).exists():
        raise _err(
            "dossier.apology_once",
            _("This dossier already has an apology; the appointment can be moved only once."),
        )
    if not reason.strip():
        raise _err(
            "dossier.apology_reason",
            _("An apology states the reason for the delay."),
            ErrorKind.INVALID,
            reason=_("required"),
        )
    if timezone.is_naive(new_appointment_at):
        raise _err(
            "time.naive",
            _("The time must include a time zone."),
            ErrorKind.INVALID,
            new_appointment_at=_("naive"),
        )
    current = d.appointment_at or d.due_at
    if current is not None and new_appointment_at <= current:
        raise _err(
            "dossier.apology_appointment",
            _("The new appointment must be later than the current one."),
            ErrorKind.INVALID,
            new_appointment_at=_("must be later than the current appointment"),
        )
    if new_appointment_at <= at:
        raise _err(
            "dossier.apology_appointment",
            _("The new appointment must be later than the current one."),
            ErrorKind.INVALID,
            new_appointment_at=_("must be in the future"),
        )
    latest = clock.apology_latest_timely(d, due=_due_if_resumed(d, at)) if d.due_at else at
    is_late = at > latest
    Apology.objects.create(
        dossier=d,
        reason=reason.strip(),
        issued_at=at,
        issued_by=actor,
        previous_appointment_at=current or at,
        new_appointment_at=new_appointment_at,
        latest_timely_at=latest,
        is_late=is_late,
    )
    if is_late:
        d.forced_late = True
    _change_appointment(
        d,
        cause=AppointmentChange.Cause.APOLOGY,
        at=at,
        by=actor,
        due_at=d.due_at,
        appointment_at=new_appointment_at,
        note=reason.strip(),
    )
    _record(
        d,
        action=Action.APOLOGIZE,
        actor=actor,
        at=at,
        new_state=d.state,
        from_agency=d.current_agency,
        note=reason.strip(),
        audit={"new_appointment_at": new_appointment_at.isoformat(), "late": is_late},
    )
    _notify_citizen(
        d, "apology", reason=reason.strip(), new_appointment_at=new_appointment_at.isoformat()
    )
    return d


def _due_if_resumed(d: Dossier, at: dt.datetime) -> dt.datetime | None:
    """The due instant as it would be if an open pause ended at ``at`` (the citizen's time so
    far is not the agency's), else the current one."""
    pauses = list(Pause.objects.filter(dossier=d))
    open_pauses = [p for p in pauses if p.ended_at is None]
    if not open_pauses or d.due_at is None:
        return d.due_at
    for p in open_pauses:
        p.ended_at = max(at, p.started_at)
    projected = clock.legal_due(d, pauses)
    return max(d.due_at, projected.due) if projected is not None else d.due_at


# ----------------------------------------------------------------------------- endings
@transaction.atomic
def dossier_withdraw(
    *,
    dossier: Dossier,
    actor: User,
    reason: str = "",
    confirm: bool | None = None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The citizen asks to withdraw (status 7); a receiving officer or the competent
    leader confirms (status 8, with a stop notice) or declines (back where it was)."""
    d, at = _begin(dossier, at, Action.WITHDRAW)
    if d.state != State.WITHDRAWAL_REQUESTED:
        if not is_citizen_party(actor, d, at):
            raise _forbidden(_("Only the applicant or their representative asks to withdraw."))
        d.state_before_withdrawal = d.state
        _record(
            d,
            action=Action.WITHDRAW,
            actor=actor,
            at=at,
            new_state=State.WITHDRAWAL_REQUESTED,
            note=reason.strip(),
        )
        return d
    if not (
        _is_staff_of(actor, d.receiving_agency, (Role.RECEIVER,))
        or _is_staff_of(actor, d.competent_agency, (Role.APPROVER,))
    ):
        raise _forbidden()
    if confirm is None:
        raise _err(
            "dossier.withdraw_decision",
            _("Confirm or decline the withdrawal."),
            ErrorKind.INVALID,
            confirm=_("true or false"),
        )
    if not confirm:
        previous = d.state_before_withdrawal or State.SUBMITTED
        d.state_before_withdrawal = ""
        _record(
            d,
            action=Action.WITHDRAW,
            actor=actor,
            at=at,
            new_state=previous,
            note=reason.strip(),
            audit={"decision": "declined"},
        )
        return d
    requested = (
        Handover.objects.filter(dossier=d, action=Action.WITHDRAW.value)
        .order_by("-seq")
        .values_list("at", flat=True)
        .first()
    )
    StopNotice.objects.create(
        dossier=d,
        reason=reason.strip() or str(_("Withdrawn at the citizen's request.")),
        citizen_requested=True,
        requested_at=requested,
        stage=d.state_before_withdrawal,
        at=at,
        by=actor,
    )
    _stop(d, at, actor)
    _record(
        d,
        action=Action.WITHDRAW,
        actor=actor,
        at=at,
        new_state=State.STOPPED,
        note=reason.strip(),
        audit={"decision": "confirmed"},
    )
    _notify_citizen(d, "stopped", reason=reason.strip())
    return d


def _stop(d: Dossier, at: dt.datetime, actor: User) -> None:
    _close_open_pauses(d, at, actor)
    if d.current_step is not None:
        _finish_step(d.current_step, at)
    d.current_step = None
    d.closed_at = at


@transaction.atomic
def dossier_stop(
    *,
    dossier: Dossier,
    actor: User,
    reason: str,
    financial_settlement: str = "",
    at: dt.datetime | None = None,
) -> Dossier:
    """Stop processing (status 8) with a stop notice (Circular 03/2025)."""
    d, at = _begin(dossier, at, Action.STOP)
    _require_staff(actor, d.competent_agency, (Role.APPROVER,))
    if not reason.strip():
        raise _err(
            "dossier.stop_reason",
            _("A stop notice states its reason."),
            ErrorKind.INVALID,
            reason=_("required"),
        )
    StopNotice.objects.create(
        dossier=d,
        reason=reason.strip(),
        citizen_requested=False,
        stage=d.state,
        financial_settlement=financial_settlement.strip(),
        at=at,
        by=actor,
    )
    _stop(d, at, actor)
    _record(d, action=Action.STOP, actor=actor, at=at, new_state=State.STOPPED, note=reason.strip())
    _notify_citizen(d, "stopped", reason=reason.strip())
    return d


@transaction.atomic
def dossier_finish(
    *, dossier: Dossier, actor: User, note: str = "", at: dt.datetime | None = None
) -> Dossier:
    """The result is ready (status 9); an early result is announced to the citizen."""
    d, at = _begin(dossier, at, Action.FINISH)
    if d.current_step is not None:
        raise _err(
            "dossier.steps_pending",
            format_lazy(_("The step “{step}” is not done yet."), step=d.current_step.name),
        )
    needs_approval = DossierStep.objects.filter(dossier=d, role=Role.APPROVER.value).exists()
    if needs_approval and d.approved_at is None:
        raise _err("dossier.not_approved", _("The result has not been approved."))
    if not (
        _is_staff_of(actor, d.competent_agency, STAFF_ROLES)
        or _is_staff_of(actor, d.receiving_agency, (Role.RECEIVER,))
    ):
        raise _forbidden()
    from_agency = d.current_agency
    d.current_agency = d.receiving_agency
    d.result_kind = ResultKind.GRANTED
    _finish_clock(d, at)
    _record(
        d,
        action=Action.FINISH,
        actor=actor,
        at=at,
        new_state=State.FINISHED,
        from_agency=from_agency,
        to_agency=d.receiving_agency,
        to_role=Role.RECEIVER.value,
        note=note,
        audit={"outcome": d.outcome},
    )
    if d.outcome == StepOutcome.EARLY:
        _notify_citizen(
            d,
            "result_ready_early",
            appointment_at=(d.appointment_at.isoformat() if d.appointment_at else None),
        )
    else:
        _notify_citizen(d, "result_ready")
    return d


@transaction.atomic
def dossier_return_result(
    *,
    dossier: Dossier,
    actor: User,
    method: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> Dossier:
    """The result reaches the citizen at the counter, by post or electronically (status 10).

    Returned electronically, the dossier's electronic result (the newest issued; without one,
    the result notice, signed now for the competent agency) is added to the applicant's data
    store, in the same transaction: if it cannot be signed the return fails and writes nothing.
    The notice is rendered and signed before the dossier's row is locked."""
    from motcua.documents import results  # documents builds on dossiers, not the other way

    prepared = None
    if method == ReturnMethod.ELECTRONIC:
        prepared = results.result_notice_prepare(dossier=dossier, actor=actor, at=at)
    d, at = _begin(dossier, at, Action.RETURN_RESULT)
    _check_return_method(method, field="method")
    allowed = _is_staff_of(actor, d.receiving_agency, (Role.RECEIVER,)) or (
        method == ReturnMethod.ELECTRONIC
        and _is_staff_of(actor, d.competent_agency, (Role.PROCESSOR, Role.APPROVER))
    )
    if not allowed:
        raise _forbidden()
    d.returned_at = at
    d.returned_by_method = method
    d.closed_at = at
    _record(
        d,
        action=Action.RETURN_RESULT,
        actor=actor,
        at=at,
        new_state=State.RETURNED,
        from_agency=d.receiving_agency,
        to_agency=d.receiving_agency,
        note=note,
        audit={"method": method},
    )
    if method == ReturnMethod.ELECTRONIC:
        results.result_deliver(dossier=d, actor=actor, at=at, prepared=prepared)
    return d


#: Transition functions by API action name (creation actions excluded).
TRANSITION_FUNCTIONS: dict[Action, Callable[..., Dossier]] = {
    Action.RECEIVE: dossier_receive,
    Action.REQUEST_SUPPLEMENT: dossier_request_supplement,
    Action.SUPPLEMENT: dossier_supplement,
    Action.REFUSE: dossier_refuse,
    Action.FORWARD: dossier_forward,
    Action.RETURN_STEP: dossier_return_step,
    Action.APPROVE: dossier_approve,
    Action.PAUSE: dossier_pause,
    Action.RESUME: dossier_resume,
    Action.APOLOGIZE: dossier_apologize,
    Action.WITHDRAW: dossier_withdraw,
    Action.STOP: dossier_stop,
    Action.FINISH: dossier_finish,
    Action.RETURN_RESULT: dossier_return_result,
}


# ----------------------------------------------------------------------------- calendar
def dossiers_replan_calendar(*, days: list[dt.date], cause: str, actor: User | None = None) -> int:
    """Re-plan open dossiers after the working calendar changed on ``days``.

    Only dossiers whose counting window (from the start of counting to the due day) covers
    one of the days can move. The legal due instant is recomputed with the new calendar and
    the closed pauses, but never made earlier than before: the appointment given to the
    citizen stands. Each dossier is re-planned in its own transaction, with an appointment
    change (cause "calendar"), an audit event and a national-portal update. Returns how many
    dossiers moved.
    """
    if not days:
        return 0
    first, last = min(days), max(days)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=VN_TZ)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=VN_TZ)
    candidates = Dossier.objects.filter(
        state__in=list(OPEN_AFTER_RECEPTION),
        due_at__isnull=False,
        counted_from__lt=end,
        due_at__gte=start,
    ).values_list("pk", flat=True)
    moved = 0
    for pk in list(candidates):
        with transaction.atomic():
            if _replan_one(pk, cause=cause, actor=actor):
                moved += 1
    return moved


def _replan_one(pk: int, *, cause: str, actor: User | None) -> bool:
    d = _lock(Dossier(pk=pk))
    if d.state not in OPEN_AFTER_RECEPTION or d.due_at is None:
        return False
    new = clock.legal_due(d, list(Pause.objects.filter(dossier=d)))
    if new is None or new.due <= d.due_at:
        return False
    at = timezone.now()
    appointment = max(d.appointment_at or new.due, new.due)
    _change_appointment(
        d,
        cause=AppointmentChange.Cause.CALENDAR,
        at=at,
        by=actor,
        due_at=new.due,
        appointment_at=appointment,
        note=cause,
    )
    if d.current_step is not None and d.current_step.due_at is not None:
        # the step's budget is office time: a new day off inside it pushes it too
        step = d.current_step
        if step.started_at is not None:
            step.due_at = clock.step_due(step.started_at, step.budget_seconds, d.reception_point)
            step.save(update_fields=["due_at"])
    _save(d)
    audit_record(
        action="dossier.replanned",
        actor=actor,
        obj=d,
        data={"code": d.code, "due_at": new.due.isoformat(), "cause": cause},
    )
    outbox_enqueue(
        topic=NATIONAL_PORTAL_TOPIC,
        key=d.reference,
        payload=_portal_payload(d, action="calendar", at=at, note=cause, actor=actor),
    )
    _notify_citizen(d, "appointment_moved", appointment_at=appointment.isoformat())
    return True
