"""Reads for citizen accounts: finding an account by identity number, phone or e-mail."""

from __future__ import annotations

import re

from motcua.accounts.models import AccountIdentity, CitizenAccount, VerificationCode
from motcua.org.models import User

_PHONE_STRIP = re.compile(r"[\s.\-()]")
PHONE_RE = re.compile(r"^0\d{9}$")


def normalize_phone(raw: str) -> str:
    """A Vietnamese phone number in its national form (``0`` + 9 digits), or ``""`` if not one.

    Accepts spaces, dots, dashes and the ``+84`` / ``84`` prefixes.
    """
    value = _PHONE_STRIP.sub("", raw.strip())
    if value.startswith("+84"):
        value = "0" + value[3:]
    elif value.startswith("84") and len(value) == 11:
        value = "0" + value[2:]
    return value if PHONE_RE.match(value) else ""


def identifier_kind(identifier: str) -> str:
    """``personal_id``, ``email``, ``phone`` or ``other`` (a staff username, say)."""
    value = identifier.strip().replace(" ", "")
    if len(value) == 12 and value.isdigit():
        return "personal_id"
    if "@" in value:
        return "email"
    if normalize_phone(value):
        return "phone"
    return "other"


def citizen_user_by_identifier(identifier: str) -> User | None:
    """The citizen account (active or not) with this identity number, phone or e-mail.

    Phone and e-mail only find self-registered citizen accounts, and only when exactly one
    account has them; staff log in with their username.
    """
    value = identifier.strip()
    kind = identifier_kind(value)
    users = User.objects.all()
    if kind == "personal_id":
        found = users.filter(citizen_profile__personal_id=value.replace(" ", ""))
    elif kind == "email":
        found = users.filter(email__iexact=value, citizen_account__isnull=False)
    elif kind == "phone":
        found = users.filter(phone=normalize_phone(value), citizen_account__isnull=False)
    else:
        return None
    matches = list(found[:2])
    return matches[0] if len(matches) == 1 else None


def citizen_account_of(user: User) -> CitizenAccount | None:
    return CitizenAccount.objects.filter(user=user).first()


def is_unverified(user: User) -> bool:
    """A self-registered account still waiting for its verification code."""
    return CitizenAccount.objects.filter(user=user, verified_at__isnull=True).exists()


def latest_code(user: User, purpose: str) -> VerificationCode | None:
    return (
        VerificationCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )


def provider_identity(*, provider: str, subject: str) -> AccountIdentity | None:
    return (
        AccountIdentity.objects.filter(provider=provider, subject=subject)
        .select_related("user")
        .first()
    )


def provider_verified_users(provider: str | None = None) -> list[int]:
    """Primary keys of accounts whose identity came from a provider (Decision 766, 4.5)."""
    rows = AccountIdentity.objects.all()
    if provider:
        rows = rows.filter(provider=provider)
    return list(rows.values_list("user_id", flat=True).distinct())
