"""Changes to citizen and organisation profiles."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError, ErrorKind
from motcua.core.services import audit_record
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.identity import IdentityError, parse_personal_id, validate_tax_code
from motcua.people.models import CitizenProfile


def _identity_error(exc: IdentityError, field: str) -> DomainError:
    text = exc.message_vi if (get_language() or "vi").startswith("vi") else exc.message_en
    return DomainError(
        f"identity.{exc.code}",
        _("The identity number or tax code is not valid."),
        kind=ErrorKind.INVALID,
        fields={field: text},
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
