"""Changes to citizen accounts: register, verify, resend a code, reset a password, and log in
through an identity provider. Each is one transaction with its audit row."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from motcua.accounts import selectors
from motcua.accounts.idp import Claims
from motcua.accounts.models import AccountIdentity, CitizenAccount, VerificationCode
from motcua.accounts.sms import sms_sender
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.services import audit_record
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.identity import IdentityError, mask_email, mask_identifier, parse_personal_id
from motcua.people.models import CitizenProfile

logger = logging.getLogger("motcua.accounts")

CODE_TTL = dt.timedelta(minutes=15)
MAX_WRONG_TRIES = 5
RESEND_INTERVAL = dt.timedelta(seconds=60)
MAX_CODES_PER_HOUR = 5
#: Version of the personal-data notice shown on the registration page (Decree 13/2023).
CONSENT_VERSION = "2026-01"


# ---------------------------------------------------------------------- helpers
def _identity_text(exc: IdentityError) -> str:
    return exc.message_vi if (get_language() or "vi").startswith("vi") else exc.message_en


def _code_hash(user_id: int, purpose: str, code: str) -> str:
    return salted_hmac("motcua.accounts.code", f"{user_id}:{purpose}:{code}").hexdigest()


def _citizen_group() -> Group:
    return Group.objects.get_or_create(name=Role.CITIZEN.value)[0]


def _free_username(base: str) -> str:
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


@dataclass(frozen=True)
class CodeSent:
    """Where a code went (masked), for the page that asks for it."""

    channel: str
    destination: str


def _send_code(user: User, purpose: str, code: str) -> CodeSent:
    minutes = int(CODE_TTL.total_seconds() // 60)
    site = settings.MOTCUA_BRAND["name"] if hasattr(settings, "MOTCUA_BRAND") else "motcua"
    text = gettext(
        "Your %(site)s code is %(code)s. It expires in %(minutes)d minutes. "
        "Do not give it to anyone, not even an officer."
    ) % {"site": site, "code": code, "minutes": minutes}
    if user.email:
        subject = (
            gettext("Your account verification code")
            if purpose == VerificationCode.Purpose.VERIFY
            else gettext("Your password reset code")
        )
        send_mail(subject, text, None, [user.email], fail_silently=False)
        return CodeSent(VerificationCode.Channel.EMAIL, mask_email(user.email))
    sms_sender().send(phone=user.phone, text=text)
    return CodeSent(VerificationCode.Channel.SMS, mask_identifier(user.phone, 3))


def _issue_code(user: User, purpose: str, *, now: dt.datetime) -> CodeSent:
    """A new code for ``user``; older unused codes of the purpose stop working. Throttled."""
    recent = VerificationCode.objects.filter(
        user=user, purpose=purpose, created_at__gte=now - dt.timedelta(hours=1)
    ).order_by("-created_at")
    last = recent.first()
    if last is not None and now - last.created_at < RESEND_INTERVAL:
        wait = int((RESEND_INTERVAL - (now - last.created_at)).total_seconds()) + 1
        raise DomainError(
            "accounts.resend_too_soon",
            _("A code was sent a moment ago. Wait %(seconds)d seconds before asking again.")
            % {"seconds": wait},
            kind=ErrorKind.CONFLICT,
        )
    if recent.count() >= MAX_CODES_PER_HOUR:
        raise DomainError(
            "accounts.too_many_codes",
            _("Too many codes were requested. Try again in an hour."),
            kind=ErrorKind.CONFLICT,
        )
    VerificationCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
        expires_at=now
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    channel = VerificationCode.Channel.EMAIL if user.email else VerificationCode.Channel.SMS
    VerificationCode.objects.create(
        user=user,
        purpose=purpose,
        channel=channel,
        code_hash=_code_hash(user.pk, purpose, code),
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    try:
        return _send_code(user, purpose, code)
    except Exception as exc:  # any mail/SMS failure: the whole step is rolled back
        logger.exception("verification code could not be sent")
        raise DomainError(
            "accounts.send_failed",
            _("The code could not be sent. Please try again later."),
            kind=ErrorKind.CONFLICT,
        ) from exc


def _check_code(user: User, purpose: str, code: str, *, now: dt.datetime) -> DomainError | None:
    """Check ``code``; count a wrong try. Returns the error to raise after commit, or None."""
    row = (
        VerificationCode.objects.select_for_update()
        .filter(user=user, purpose=purpose, used_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None or row.expires_at <= now:
        return DomainError(
            "accounts.code_expired",
            _("The code has expired. Ask for a new code."),
            kind=ErrorKind.INVALID,
            fields={"code": _("The code has expired. Ask for a new code.")},
        )
    if row.attempts >= MAX_WRONG_TRIES:
        return DomainError(
            "accounts.code_locked",
            _("Too many wrong tries. Ask for a new code."),
            kind=ErrorKind.INVALID,
            fields={"code": _("Too many wrong tries. Ask for a new code.")},
        )
    cleaned = code.strip().replace(" ", "")
    if not constant_time_compare(row.code_hash, _code_hash(user.pk, purpose, cleaned)):
        row.attempts += 1
        row.save(update_fields=["attempts"])
        left = MAX_WRONG_TRIES - row.attempts
        message = (
            _("The code is wrong. %(left)d tries left.") % {"left": left}
            if left > 0
            else _("Too many wrong tries. Ask for a new code.")
        )
        return DomainError(
            "accounts.code_wrong", message, kind=ErrorKind.INVALID, fields={"code": message}
        )
    row.used_at = now
    row.save(update_fields=["used_at"])
    return None


def _unknown_identifier() -> DomainError:
    return DomainError(
        "accounts.not_found",
        _("No account is waiting for a code with this identity number, phone or e-mail."),
        kind=ErrorKind.NOT_FOUND,
        fields={"identifier": _("No account found with this information.")},
    )


# ---------------------------------------------------------------------- register
@transaction.atomic
def citizen_register(
    *,
    personal_id: str,
    full_name: str,
    birth_date: dt.date | None,
    phone: str,
    email: str,
    password: str,
    consent: bool,
    ip_address: str | None = None,
) -> tuple[User, CodeSent]:
    """Create an inactive citizen account (user, profile link, citizen role, consent) and send
    its verification code. A profile created at a counter is linked, never duplicated."""
    now = timezone.now()
    errors: dict[str, str | Promise] = {}
    number = personal_id.strip().replace(" ", "")
    name = " ".join(full_name.split())
    phone_value = selectors.normalize_phone(phone) if phone.strip() else ""
    email_value = email.strip().lower()

    try:
        parse_personal_id(number, birth_date=birth_date)
    except IdentityError as exc:
        errors["personal_id"] = _identity_text(exc)
    if not name:
        errors["full_name"] = _("Write your full name.")
    if birth_date is None:
        errors["birth_date"] = _("Write your date of birth.")
    elif birth_date > timezone.localdate():
        errors["birth_date"] = _("The date of birth is in the future.")
    if phone.strip() and not phone_value:
        errors["phone"] = _("A phone number has 10 digits and starts with 0 (or +84).")
    if not phone_value and not email_value and "phone" not in errors:
        errors["email"] = _("Give a phone number or an e-mail address (at least one).")
    if not consent:
        errors["consent"] = _("You must agree to the processing of your personal data.")
    if (
        email_value
        and User.objects.filter(email__iexact=email_value, citizen_account__isnull=False).exists()
    ):
        errors["email"] = _("This e-mail address is already used by another account.")
    if (
        phone_value
        and User.objects.filter(phone=phone_value, citizen_account__isnull=False).exists()
    ):
        errors["phone"] = _("This phone number is already used by another account.")

    profile = None
    if "personal_id" not in errors:
        profile = CitizenProfile.objects.select_for_update().filter(personal_id=number).first()
        if profile is not None and profile.user_id is not None:
            errors["personal_id"] = _(
                "An account with this identity number already exists. Log in, or verify it "
                "with the code we sent."
            )
        elif profile is not None and (
            (profile.birth_date and birth_date and profile.birth_date != birth_date)
            or (name and not _same_name(profile.full_name, name))
        ):
            errors["personal_id"] = _(
                "These details do not match the profile registered at the one-stop office. "
                "Check them, or ask the office to correct the profile."
            )

    candidate = User(username=number, full_name=name, email=email_value, phone=phone_value)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password1"] = " ".join(str(m) for m in exc.messages)

    if errors:
        raise DomainError(
            "accounts.register_invalid",
            _("Please correct the highlighted fields."),
            kind=ErrorKind.INVALID,
            fields=errors,
        )

    user = User(
        username=_free_username(number),
        full_name=name,
        email=email_value,
        phone=phone_value,
        is_active=False,
    )
    user.set_password(password)
    user.save()
    user.groups.add(_citizen_group())
    CitizenAccount.objects.create(user=user, consent_at=now, consent_version=CONSENT_VERSION)
    if profile is None:
        profile = CitizenProfile.objects.create(
            kind=CitizenProfile.Kind.PERSON,
            personal_id=number,
            full_name=name,
            birth_date=birth_date,
            phone=phone_value,
            email=email_value,
            user=user,
        )
        linked = False
    else:
        profile.user = user
        update = ["user"]
        for field, value in (
            ("birth_date", birth_date),
            ("phone", phone_value),
            ("email", email_value),
        ):
            if value and not getattr(profile, field):
                setattr(profile, field, value)
                update.append(field)
        profile.save(update_fields=update)
        linked = True
    sent = _issue_code(user, VerificationCode.Purpose.VERIFY, now=now)
    audit_record(
        action="accounts.registered",
        actor=None,
        obj=user,
        purpose="citizen self-registration",
        data={"profile": profile.pk, "linked_counter_profile": linked, "channel": sent.channel},
        ip_address=ip_address,
    )
    return user, sent


# ---------------------------------------------------------------------- verify
def account_verify(*, identifier: str, code: str, ip_address: str | None = None) -> User:
    """Activate an account with its code. Wrong tries are counted even though they fail."""
    now = timezone.now()
    with transaction.atomic():
        user = selectors.citizen_user_by_identifier(identifier)
        if user is None or not selectors.is_unverified(user):
            raise _unknown_identifier()
        error = _check_code(user, VerificationCode.Purpose.VERIFY, code, now=now)
        if error is None:
            user.is_active = True
            user.save(update_fields=["is_active"])
            CitizenAccount.objects.filter(user=user).update(verified_at=now)
            audit_record(action="accounts.verified", actor=user, obj=user, ip_address=ip_address)
    if error is not None:
        raise error
    return user


@transaction.atomic
def verification_code_resend(*, identifier: str) -> CodeSent:
    """A new verification code for an account still waiting for one (throttled)."""
    user = selectors.citizen_user_by_identifier(identifier)
    if user is None or not selectors.is_unverified(user):
        raise _unknown_identifier()
    return _issue_code(user, VerificationCode.Purpose.VERIFY, now=timezone.now())


# ---------------------------------------------------------------------- password reset
@transaction.atomic
def password_reset_request(*, identifier: str) -> CodeSent | None:
    """Send a reset code to a verified, active citizen account; None when there is none (the
    page says the same either way, so it does not tell who has an account)."""
    user = selectors.citizen_user_by_identifier(identifier)
    if user is None or not user.is_active or selectors.is_unverified(user):
        return None
    return _issue_code(user, VerificationCode.Purpose.RESET, now=timezone.now())


def password_reset_confirm(
    *, identifier: str, code: str, password: str, ip_address: str | None = None
) -> User:
    """Set a new password with a reset code."""
    now = timezone.now()
    with transaction.atomic():
        user = selectors.citizen_user_by_identifier(identifier)
        if user is None or not user.is_active:
            raise DomainError(
                "accounts.code_expired",
                _("The code has expired. Ask for a new code."),
                kind=ErrorKind.INVALID,
                fields={"code": _("The code has expired. Ask for a new code.")},
            )
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as exc:
            raise DomainError(
                "accounts.password_invalid",
                _("Please correct the highlighted fields."),
                kind=ErrorKind.INVALID,
                fields={"password1": " ".join(str(m) for m in exc.messages)},
            ) from exc
        error = _check_code(user, VerificationCode.Purpose.RESET, code, now=now)
        if error is None:
            user.set_password(password)
            user.save(update_fields=["password"])
            audit_record(
                action="accounts.password_reset", actor=user, obj=user, ip_address=ip_address
            )
    if error is not None:
        raise error
    return user


# ---------------------------------------------------------------------- identity provider
def idp_needs_consent(*, provider: str, claims: Claims) -> bool:
    """Whether logging in with these claims creates or first links an account without a
    recorded consent (then the citizen is asked first)."""
    known = selectors.provider_identity(provider=provider, subject=claims.subject)
    if known is not None:
        return False
    if claims.identity_number:
        profile = CitizenProfile.objects.filter(personal_id=claims.identity_number).first()
        if profile is not None and profile.user_id is not None:
            account = CitizenAccount.objects.filter(user_id=profile.user_id).first()
            return account is None or account.consent_at is None
    return True


def _idp_refused(code: str, message: object) -> DomainError:
    return DomainError(code, message, kind=ErrorKind.INVALID)  # type: ignore[arg-type]


@transaction.atomic
def idp_login(
    *, provider: str, claims: Claims, consent: bool = False, ip_address: str | None = None
) -> User:
    """The account of the person the provider vouched for: known identity → its account;
    otherwise the profile with that identity number is linked (or created) with a new or
    existing account. Records the provider identity and its assurance level."""
    now = timezone.now()
    if not claims.subject:
        raise _idp_refused(
            "idp.no_subject", _("The identity provider did not confirm who you are.")
        )
    identity = (
        AccountIdentity.objects.select_for_update()
        .filter(provider=provider, subject=claims.subject)
        .select_related("user")
        .first()
    )
    if identity is not None:
        user = identity.user
        if not user.is_active and not selectors.is_unverified(user):
            raise _idp_refused("idp.disabled", _("This account has been disabled."))
        if not user.is_active:
            _activate_from_provider(user, now)
        identity.last_login_at = now
        identity.assurance_level = claims.assurance_level
        identity.save(update_fields=["last_login_at", "assurance_level"])
        audit_record(
            action="accounts.idp_login",
            actor=user,
            obj=user,
            data={"provider": provider, "assurance_level": claims.assurance_level},
            ip_address=ip_address,
        )
        return user

    if not claims.identity_number:
        raise _idp_refused(
            "idp.no_identity_number",
            _(
                "The identity provider did not send your personal identity number, so no "
                "account can be opened. No account was created."
            ),
        )
    try:
        parse_personal_id(claims.identity_number)
    except IdentityError as exc:
        raise _idp_refused(
            "idp.bad_identity_number",
            _(
                "The identity provider sent an invalid personal identity number. No account was "
                "created."
            ),
        ) from exc
    number = claims.identity_number
    profile = CitizenProfile.objects.select_for_update().filter(personal_id=number).first()
    linked: User | None = profile.user if profile is not None else None
    account = CitizenAccount.objects.filter(user=linked).first() if linked is not None else None
    if (account is None or account.consent_at is None) and not consent:
        raise _idp_refused(
            "accounts.consent_required",
            _("You must agree to the processing of your personal data."),
        )
    if linked is not None:
        user = linked
        if not user.is_active and not selectors.is_unverified(user):
            raise _idp_refused("idp.disabled", _("This account has been disabled."))
        if not user.is_active or selectors.is_unverified(user):
            # An unverified self-registration: the provider proves the identity now, and the
            # password someone else may have chosen stops working.
            user.set_unusable_password()
            user.save(update_fields=["password"])
            _activate_from_provider(user, now)
        if account is None:
            CitizenAccount.objects.create(
                user=user, consent_at=now, consent_version=CONSENT_VERSION, verified_at=now
            )
        elif account.consent_at is None:
            account.consent_at, account.consent_version = now, CONSENT_VERSION
            account.save(update_fields=["consent_at", "consent_version"])
        if not user.has_role(Role.CITIZEN):
            user.groups.add(_citizen_group())
    else:
        user = User(
            username=_free_username(number),
            full_name=claims.full_name or (profile.full_name if profile else ""),
            email=claims.email.lower(),
            phone=selectors.normalize_phone(claims.phone) if claims.phone else "",
            is_active=True,
        )
        user.set_unusable_password()
        user.save()
        user.groups.add(_citizen_group())
        CitizenAccount.objects.create(
            user=user, consent_at=now, consent_version=CONSENT_VERSION, verified_at=now
        )
        if profile is None:
            profile = CitizenProfile.objects.create(
                kind=CitizenProfile.Kind.PERSON,
                personal_id=number,
                full_name=claims.full_name or number,
                birth_date=claims.birth_date,
                phone=user.phone,
                email=user.email,
                user=user,
            )
        else:
            profile.user = user
            profile.save(update_fields=["user"])
    AccountIdentity.objects.create(
        user=user,
        provider=provider,
        subject=claims.subject,
        assurance_level=claims.assurance_level,
        first_login_at=now,
        last_login_at=now,
    )
    audit_record(
        action="accounts.idp_linked",
        actor=user,
        obj=user,
        data={
            "provider": provider,
            "assurance_level": claims.assurance_level,
            "profile": profile.pk if profile else None,
        },
        ip_address=ip_address,
    )
    return user


def _activate_from_provider(user: User, now: dt.datetime) -> None:
    user.is_active = True
    user.save(update_fields=["is_active"])
    CitizenAccount.objects.filter(user=user, verified_at__isnull=True).update(verified_at=now)
