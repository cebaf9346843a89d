"""Changes to citizen and organisation profiles, digital mandates (ủy quyền số) and the
applicant's consent to a service agent (đại lý dịch vụ công). Each change is one transaction
with its audit row."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from motcua.accounts.services import MAX_CODES_PER_HOUR, MAX_WRONG_TRIES, RESEND_INTERVAL
from motcua.accounts.sms import sms_sender
from motcua.catalog.models import OnlineLevel, Procedure, Sector
from motcua.catalog.selectors import version_in_force
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.services import audit_record
from motcua.core.text import fold
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.identity import (
    IdentityError,
    mask_email,
    mask_identifier,
    parse_personal_id,
    validate_tax_code,
)
from motcua.people.models import AgentConsent, CitizenProfile, Mandate, ServiceAgent

if TYPE_CHECKING:
    from motcua.dossiers.models import Dossier

logger = logging.getLogger("motcua.people")

StrOrPromise = str | Promise


def _identity_text(exc: IdentityError) -> str:
    return exc.message_vi if (get_language() or "vi").startswith("vi") else exc.message_en


def _identity_error(exc: IdentityError, field: str) -> DomainError:
    return DomainError(
        f"identity.{exc.code}",
        _("The identity number or tax code is not valid."),
        kind=ErrorKind.INVALID,
        fields={field: _identity_text(exc)},
    )


def profile_by_identifier(identifier: str) -> CitizenProfile | None:
    """The profile with this personal identity number or tax code."""
    value = identifier.strip()
    if len(value) == 12 and value.isdigit():
        return CitizenProfile.objects.filter(personal_id=value).first()
    return CitizenProfile.objects.filter(tax_code=value).first()


@transaction.atomic
def citizen_profile_register(
    *, actor: User, identifier: str, full_name: str, phone: str = "", address: str = ""
) -> CitizenProfile:
    """A receiving officer registers a person (12-digit identity number) or an organisation
    (tax code) met at the counter. Audited: it records personal data."""
    if not actor.has_role(Role.RECEIVER):
        raise DomainError(
            "people.not_allowed",
            _("Only a receiving officer registers applicants."),
            kind=ErrorKind.FORBIDDEN,
        )
    if not full_name.strip():
        raise DomainError(
            "people.name_required",
            _("Write the applicant's full name."),
            kind=ErrorKind.INVALID,
            fields={"applicant_name": _("required")},
        )
    value = identifier.strip()
    try:
        if len(value) == 12 and value.isdigit():
            parse_personal_id(value)
            kind, personal_id, tax_code = CitizenProfile.Kind.PERSON, value, None
        else:
            validate_tax_code(value)
            kind, personal_id, tax_code = CitizenProfile.Kind.ORGANISATION, None, value
    except IdentityError as exc:
        raise _identity_error(exc, "applicant_id") from exc
    if profile_by_identifier(value) is not None:
        raise DomainError(
            "people.exists",
            _("An applicant with this number is already registered."),
            kind=ErrorKind.CONFLICT,
            fields={"applicant_id": _("already registered")},
        )
    profile = CitizenProfile.objects.create(
        kind=kind,
        full_name=full_name.strip(),
        personal_id=personal_id,
        tax_code=tax_code,
        phone=phone.strip(),
        address=address.strip(),
    )
    audit_record(
        action="people.profile_registered",
        actor=actor,
        obj=profile,
        purpose="counter intake",
    )
    return profile


# ============================================================================ mandates
#: A mandate's grantee is a person, identified by a 12-digit personal identity number.
GRANTEE_ID_FIELD = "grantee_id"


def _own_profile(user: User) -> CitizenProfile | None:
    try:
        return user.citizen_profile
    except CitizenProfile.DoesNotExist:
        return None


def _citizen_profile_of(user: User) -> CitizenProfile:
    profile = _own_profile(user) if user.has_role(Role.CITIZEN) else None
    if profile is None:
        raise DomainError(
            "people.not_a_citizen",
            _("Only a citizen whose account is linked to a profile gives a mandate."),
            kind=ErrorKind.FORBIDDEN,
        )
    return profile


@transaction.atomic
def mandate_grant(
    *,
    grantor_user: User,
    grantee_identifier: str,
    grantee_name: str,
    scope: str,
    procedure_ids: Sequence[int] = (),
    sector_ids: Sequence[int] = (),
    valid_from: dt.datetime,
    valid_to: dt.datetime | None,
) -> Mandate:
    """The citizen ``grantor_user`` lets the person with ``grantee_identifier`` act for them.

    A grantee without a profile gets one (no account: they can use the mandate once they
    register). A grantee who has a profile is never named back to the grantor: the name the
    grantor wrote must match it (accents, case and spacing aside), which also catches a
    mistyped number. All refusals are collected and raised together, by field.
    """
    grantor = _citizen_profile_of(grantor_user)
    now = timezone.now()
    errors: dict[str, StrOrPromise] = {}
    number = grantee_identifier.strip().replace(" ", "")
    name = " ".join(grantee_name.split())
    try:
        parse_personal_id(number)
    except IdentityError as exc:
        errors[GRANTEE_ID_FIELD] = _identity_text(exc)
    else:
        if number == grantor.personal_id:
            errors[GRANTEE_ID_FIELD] = _("You cannot give a mandate to yourself.")
    if not name:
        errors["grantee_name"] = _("Write the full name of the person you authorize.")
    if scope not in Mandate.Scope.values:
        errors["scope"] = _("Choose what the mandate covers.")
    procedures: list[Procedure] = []
    sectors: list[Sector] = []
    if scope == Mandate.Scope.PROCEDURES:
        wanted = set(procedure_ids)
        procedures = list(Procedure.objects.filter(pk__in=wanted))
        if not wanted:
            errors["procedures"] = _("Choose at least one procedure.")
        elif len(procedures) != len(wanted):
            errors["procedures"] = _("One of the chosen procedures does not exist.")
    elif scope == Mandate.Scope.SECTORS:
        wanted = set(sector_ids)
        sectors = list(Sector.objects.filter(pk__in=wanted))
        if not wanted:
            errors["sectors"] = _("Choose at least one sector.")
        elif len(sectors) != len(wanted):
            errors["sectors"] = _("One of the chosen sectors does not exist.")
    if valid_to is not None:
        if valid_to <= valid_from:
            errors["valid_to"] = _("The end date must come after the start date.")
        elif valid_to <= now:
            errors["valid_to"] = _("The end date is already past.")

    grantee = None
    if GRANTEE_ID_FIELD not in errors:
        grantee = CitizenProfile.objects.select_for_update().filter(personal_id=number).first()
        if grantee is not None and name and fold(grantee.full_name) != fold(name):
            # the same answer whatever the recorded name is: it is not revealed
            errors[GRANTEE_ID_FIELD] = _(
                "The identity number and the name do not match the person we know. Check both."
            )
    if errors:
        raise DomainError(
            "people.mandate_invalid",
            _("The mandate could not be given. Correct the marked fields."),
            kind=ErrorKind.INVALID,
            fields=errors,
        )
    created = grantee is None
    if grantee is None:
        grantee = CitizenProfile.objects.create(
            kind=CitizenProfile.Kind.PERSON, personal_id=number, full_name=name
        )
    mandate = Mandate.objects.create(
        grantor=grantor,
        grantee=grantee,
        scope=scope,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    if procedures:
        mandate.procedures.set(procedures)
    if sectors:
        mandate.sectors.set(sectors)
    audit_record(
        action="people.mandate_granted",
        actor=grantor_user,
        obj=mandate,
        purpose="digital mandate",
        data={
            "grantor": grantor.pk,
            "grantee": grantee.pk,
            "grantee_profile_created": created,
            "scope": scope,
            "procedures": sorted(p.pk for p in procedures),
            "sectors": sorted(s.pk for s in sectors),
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to is not None else None,
        },
    )
    return mandate


@transaction.atomic
def mandate_revoke(*, mandate: Mandate, actor: User) -> Mandate:
    """The grantor ends the mandate now. It stops working at once, also for dossiers
    already submitted under it."""
    locked = Mandate.objects.select_for_update().get(pk=mandate.pk)
    profile = _own_profile(actor)
    if profile is None or profile.pk != locked.grantor_id:
        raise DomainError(
            "people.mandate_not_yours",
            _("Only the person who gave a mandate may revoke it."),
            kind=ErrorKind.FORBIDDEN,
        )
    if locked.revoked_at is not None:
        raise DomainError(
            "people.mandate_already_revoked",
            _("This mandate has already been revoked."),
            kind=ErrorKind.CONFLICT,
        )
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit_record(
        action="people.mandate_revoked",
        actor=actor,
        obj=locked,
        purpose="digital mandate",
        data={"grantor": locked.grantor_id, "grantee": locked.grantee_id},
    )
    mandate.revoked_at = locked.revoked_at
    return locked


# ============================================================================ agent consent
#: How long the code sent to the applicant is valid, and how long a confirmed consent may
#: then be used for the submission.
CONSENT_CODE_TTL = dt.timedelta(minutes=10)
CONSENT_USE_WINDOW = dt.timedelta(minutes=60)
_CONSENT_SALT = "motcua.people.agent_consent"


def _consent_hash(consent_id: int, code: str) -> str:
    return salted_hmac(_CONSENT_SALT, f"{consent_id}:{code}").hexdigest()


def active_agent_of(user: User) -> ServiceAgent | None:
    """The active service agent whose account ``user`` is (agent role required)."""
    if not user.is_active or not user.has_role(Role.AGENT):
        return None
    return ServiceAgent.objects.filter(accounts=user, is_active=True).order_by("pk").first()


def _require_agent(user: User) -> ServiceAgent:
    agent = active_agent_of(user)
    if agent is None:
        raise DomainError(
            "people.not_an_agent",
            _("Your account is not linked to an active service agent."),
            kind=ErrorKind.FORBIDDEN,
        )
    return agent


def _contact_of(applicant: CitizenProfile) -> tuple[str, str]:
    """The applicant's e-mail and phone: the profile's, else the linked account's."""
    user = applicant.user
    email = applicant.email or (user.email if user is not None else "")
    phone = applicant.phone or (user.phone if user is not None else "")
    return email.strip(), phone.strip()


def _send_consent_code(
    *,
    agent: ServiceAgent,
    version_name: str,
    procedure_code: str,
    email: str,
    phone: str,
    code: str,
) -> str:
    """Send the code by e-mail (preferred, as for account codes) or text message, in the
    site's language (the citizen's, not the agent's). Returns the masked destination."""
    site = settings.MOTCUA_BRAND["name"] if hasattr(settings, "MOTCUA_BRAND") else "motcua"
    minutes = int(CONSENT_CODE_TTL.total_seconds() // 60)
    with translation.override(settings.LANGUAGE_CODE):
        # the code comes first: the procedure code also holds six digits
        text = gettext(
            "Consent code %(code)s. The service agent %(agent)s asks to submit, in your "
            "name on %(site)s, a dossier for the procedure %(procedure)s (%(name)s). Give "
            "this code to the agent only if you agree. It expires in %(minutes)d minutes."
        ) % {
            "code": code,
            "agent": agent.name,
            "site": site,
            "procedure": procedure_code,
            "name": version_name,
            "minutes": minutes,
        }
        subject = gettext("Consent to a submission in your name")
    if email:
        send_mail(subject, text, None, [email], fail_silently=False)
        return mask_email(email)
    sms_sender().send(phone=phone, text=text)
    return mask_identifier(phone, 3)


@transaction.atomic
def agent_consent_request(
    *, agent_user: User, applicant_identifier: str, procedure_code: str
) -> AgentConsent:
    """An agent asks the applicant's consent to submit one procedure in their name: a 6-digit
    code goes to the applicant's e-mail or phone, and the agent types it back
    (:func:`agent_consent_confirm`). Only the code's hash is kept."""
    agent = _require_agent(agent_user)
    now = timezone.now()
    number = applicant_identifier.strip().replace(" ", "")
    errors: dict[str, StrOrPromise] = {}
    applicant = None
    if not number:
        errors["applicant_id"] = _("Write the applicant's identity number or tax code.")
    else:
        applicant = profile_by_identifier(number)
        if applicant is None:
            errors["applicant_id"] = _(
                "No citizen with this number is known. The citizen first needs an account "
                "on the portal (or a profile at a one-stop office) with a phone or e-mail."
            )
        elif not any(_contact_of(applicant)):
            errors["applicant_id"] = _(
                "This citizen has no phone or e-mail on record, so no code can be sent. The "
                "citizen needs a portal account, or must add a phone or e-mail to their "
                "profile."
            )
    code_value = procedure_code.strip()
    version = version_in_force(code=code_value) if code_value else None
    if version is None:
        errors["procedure_code"] = _("No procedure with this code is in force.")
    elif version.online_level == OnlineLevel.NONE:
        errors["procedure_code"] = _("This procedure cannot be submitted online.")
    if errors or applicant is None or version is None:
        raise DomainError(
            "people.consent_invalid",
            _("The consent code could not be sent. Correct the marked fields."),
            kind=ErrorKind.INVALID,
            fields=errors,
        )
    # the same throttle as account codes: a citizen is not flooded with messages
    recent = AgentConsent.objects.filter(
        applicant=applicant, created_at__gte=now - dt.timedelta(hours=1)
    )
    last = recent.filter(agent=agent).order_by("-created_at").first()
    if last is not None and now - last.created_at < RESEND_INTERVAL:
        wait = int((RESEND_INTERVAL - (now - last.created_at)).total_seconds()) + 1
        raise DomainError(
            "people.consent_too_soon",
            _("A code was sent a moment ago. Wait %(seconds)d seconds before asking again.")
            % {"seconds": wait},
            kind=ErrorKind.CONFLICT,
        )
    if recent.count() >= MAX_CODES_PER_HOUR:
        raise DomainError(
            "people.consent_too_many",
            _("Too many codes were sent to this citizen. Try again in an hour."),
            kind=ErrorKind.CONFLICT,
        )
    # an older, unconfirmed request of this agent for the same submission stops working
    AgentConsent.objects.filter(
        agent=agent,
        applicant=applicant,
        procedure=version.procedure,
        confirmed_at__isnull=True,
        expires_at__gt=now,
    ).update(expires_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    consent = AgentConsent.objects.create(
        agent=agent,
        requested_by=agent_user,
        applicant=applicant,
        procedure=version.procedure,
        code_hash="",
        created_at=now,
        expires_at=now + CONSENT_CODE_TTL,
    )
    email, phone = _contact_of(applicant)
    try:
        consent.sent_to = _send_consent_code(
            agent=agent,
            version_name=version.name,
            procedure_code=version.procedure.code,
            email=email,
            phone=phone,
            code=code,
        )
    except Exception as exc:  # any mail/SMS failure: the whole request is rolled back
        logger.exception("agent consent code could not be sent")
        raise DomainError(
            "people.consent_send_failed",
            _("The code could not be sent. Please try again later."),
            kind=ErrorKind.CONFLICT,
        ) from exc
    consent.code_hash = _consent_hash(consent.pk, code)
    consent.save(update_fields=["code_hash", "sent_to"])
    audit_record(
        action="people.agent_consent_requested",
        actor=agent_user,
        obj=consent,
        purpose="service agent submission",
        data={
            "agent": agent.pk,
            "applicant": applicant.pk,
            "procedure": version.procedure.code,
            "channel": "email" if email else "sms",
        },
    )
    return consent


def _consent_of_agent(consent_pk: int, agent_user: User) -> AgentConsent:
    """The consent row, locked, requested by this very agent account (else refused)."""
    agent = _require_agent(agent_user)
    row = (
        AgentConsent.objects.select_for_update()
        .filter(pk=consent_pk)
        .select_related("procedure", "applicant")
        .first()
    )
    if row is None or row.agent_id != agent.pk or row.requested_by_id != agent_user.pk:
        raise DomainError(
            "people.consent_not_yours",
            _("This consent was not requested by your account."),
            kind=ErrorKind.FORBIDDEN,
        )
    return row


def _code_error(code: str, message: StrOrPromise) -> DomainError:
    return DomainError(f"people.{code}", message, kind=ErrorKind.INVALID, fields={"code": message})


def agent_consent_confirm(*, consent: AgentConsent, agent_user: User, code: str) -> AgentConsent:
    """The agent types the code the applicant read out. At most five wrong tries; a wrong
    try is counted even though the call fails."""
    now = timezone.now()
    error: DomainError | None = None
    with transaction.atomic():
        row = _consent_of_agent(consent.pk, agent_user)
        if row.used_by_id is not None or row.confirmed_at is not None:
            error = DomainError(
                "people.consent_done",
                _("This consent has already been confirmed."),
                kind=ErrorKind.CONFLICT,
            )
        elif row.expires_at <= now:
            error = _code_error("consent_expired", _("The code has expired. Ask for a new code."))
        elif row.attempts >= MAX_WRONG_TRIES:
            error = _code_error("consent_locked", _("Too many wrong tries. Ask for a new code."))
        else:
            cleaned = code.strip().replace(" ", "")
            if not constant_time_compare(row.code_hash, _consent_hash(row.pk, cleaned)):
                row.attempts += 1
                row.save(update_fields=["attempts"])
                left = MAX_WRONG_TRIES - row.attempts
                message = (
                    _("The code is wrong. %(left)d tries left.") % {"left": left}
                    if left > 0
                    else _("Too many wrong tries. Ask for a new code.")
                )
                error = _code_error("consent_code_wrong", message)
            else:
                row.confirmed_at = now
                row.save(update_fields=["confirmed_at"])
                audit_record(
                    action="people.agent_consent_confirmed",
                    actor=agent_user,
                    obj=row,
                    purpose="service agent submission",
                    data={"agent": row.agent_id, "applicant": row.applicant_id},
                )
    consent.attempts, consent.confirmed_at = row.attempts, row.confirmed_at
    if error is not None:
        raise error
    return row


def agent_consent_take(
    *, consent_id: int, agent_user: User, applicant: CitizenProfile, procedure: Procedure
) -> AgentConsent:
    """Check, inside the submission's transaction, that a confirmed consent covers this
    submission, and lock it until the transaction ends. The caller then submits and marks it
    used with :func:`agent_consent_use`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("agent_consent_take must run inside the submission's transaction")
    row = _consent_of_agent(consent_id, agent_user)
    now = timezone.now()
    if row.used_by_id is not None:
        raise DomainError(
            "people.consent_used",
            _("This consent has already been used for a dossier. Ask for a new one."),
            kind=ErrorKind.CONFLICT,
            fields={"consent": _("already used")},
        )
    if row.confirmed_at is None:
        raise DomainError(
            "people.consent_unconfirmed",
            _("The applicant's consent has not been confirmed with the code."),
            kind=ErrorKind.INVALID,
            fields={"consent": _("not confirmed")},
        )
    if row.confirmed_at + CONSENT_USE_WINDOW <= now:
        raise DomainError(
            "people.consent_expired",
            _("The applicant's consent has expired. Ask for a new code."),
            kind=ErrorKind.INVALID,
            fields={"consent": _("expired")},
        )
    if row.applicant_id != applicant.pk or row.procedure_id != procedure.pk:
        raise DomainError(
            "people.consent_mismatch",
            _("The applicant's consent was given for another applicant or procedure."),
            kind=ErrorKind.INVALID,
            fields={"consent": _("for another applicant or procedure")},
        )
    return row


def agent_consent_use(consent: AgentConsent, dossier: Dossier) -> AgentConsent:
    """Mark the consent used by ``dossier`` (in the submission's transaction, after
    :func:`agent_consent_take`). A consent serves one dossier only, even under a race."""
    if dossier.agent_id != consent.agent_id or dossier.applicant_id != consent.applicant_id:
        raise DomainError(
            "people.consent_mismatch",
            _("The applicant's consent was given for another applicant or procedure."),
            kind=ErrorKind.INVALID,
        )
    updated = AgentConsent.objects.filter(pk=consent.pk, used_by__isnull=True).update(
        used_by=dossier
    )
    if updated != 1:
        raise DomainError(
            "people.consent_used",
            _("This consent has already been used for a dossier. Ask for a new one."),
            kind=ErrorKind.CONFLICT,
        )
    consent.used_by = dossier
    audit_record(
        action="people.agent_consent_used",
        actor=dossier.submitter,
        obj=consent,
        purpose="service agent submission",
        data={"dossier": dossier.pk, "applicant": consent.applicant_id, "agent": consent.agent_id},
    )
    return consent
