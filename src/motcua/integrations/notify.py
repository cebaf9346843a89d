"""Notices to citizens (outbox topic ``notify.citizen``): by e-mail and by SMS.

The dossier services (received, supplement requested, refused, apology, result ready, …) and
the feedback services (report rejected, answered) write a ``notify.citizen`` message in the
same transaction as the change; this adapter delivers it later from the outbox worker:

1. **Who.** A dossier notice goes to the applicant (the profile's e-mail and phone) and, when
   someone else submitted it, to the submitting account too. A report notice goes to the
   reporters of the report and of the duplicates merged into it (their accounts, or the phone
   and e-mail an anonymous reporter left), and to its followers.
2. **What.** A short text in Vietnamese (the site's default language) naming the dossier code
   or the report number, the appointment or reason when there is one, and the public link
   (``MOTCUA_PUBLIC_BASE_URL``): never a name, identity number or address.
3. **How.** E-mail through Django's mail backend (``EMAIL_BACKEND``: SMTP in production, the
   console in development). SMS through the gateway at ``MOTCUA_SMS_URL`` with the bearer
   token ``MOTCUA_SMS_TOKEN`` and the brandname ``MOTCUA_SMS_SENDER``, in our own small JSON
   protocol (``POST {"to", "text", "sender"}`` → 2xx; see
   :mod:`motcua.integrations.sms_simulator`, the local simulator the tests use), without
   diacritics, as brandname SMS are usually sent. No SMS URL: SMS are skipped, e-mail still
   goes. The real providers' APIs differ: a deployment puts a bridge to its provider behind
   this protocol (docs/integrations.md).

Delivery is at least once: SMS are sent first, and a temporary SMS failure makes the outbox
retry the whole notice, so a recipient may get an e-mail twice, never none. A notice with no
reachable recipient is done without sending (:class:`NothingToDeliver`, reason kept).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from motcua.core.text import strip_marks
from motcua.integrations.adapters import DeliveryError, NothingToDeliver, register
from motcua.workcal.types import VN_TZ

__all__ = [
    "TOPIC",
    "CitizenNoticeAdapter",
    "Notice",
    "Recipient",
    "normalise_mobile",
    "notice_for",
    "recipients_for",
]

logger = logging.getLogger(__name__)

TOPIC = "notify.citizen"
SMS_MAX = 320  # two concatenated GSM-7 segments
_MOBILE = re.compile(r"^(?:\+?84|0)([35789]\d{8})$")


@dataclass(frozen=True)
class Recipient:
    email: str = ""
    phone: str = ""  # international form, 84xxxxxxxxx


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str
    link: str
    recipients: list[Recipient] = field(default_factory=list)


def normalise_mobile(raw: str) -> str:
    """``0912 345 678`` / ``+84912345678`` → ``84912345678``; ``""`` when not a mobile."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    match = _MOBILE.match(digits)
    return f"84{match[1]}" if match else ""


def _when(value: Any) -> str:
    if not value:
        return ""
    try:
        instant = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if instant.tzinfo is not None:
        instant = instant.astimezone(VN_TZ)
    return f"{instant:%H:%M %d/%m/%Y}"


def _base_url() -> str:
    return str(getattr(settings, "MOTCUA_PUBLIC_BASE_URL", "") or "").rstrip("/")


# ---------------------------------------------------------------------------- texts

_DOSSIER_TEXTS: dict[str, Any] = {
    "received": _("Dossier {code} was received. Appointment to return the result: {when}."),
    "supplement_requested": _("Dossier {code} needs to be supplemented. {reason}"),
    "refused": _("Dossier {code} was not accepted. Reason: {reason}"),
    "financial_obligation": _("Dossier {code}: please fulfil the financial obligation. {reason}"),
    "apology": _(
        "Dossier {code} is late and we apologise. New appointment: {when}. Reason: {reason}"
    ),
    "stopped": _("Processing of dossier {code} was stopped. Reason: {reason}"),
    "result_ready": _("The result of dossier {code} is ready."),
    "result_ready_early": _("The result of dossier {code} is ready ahead of the appointment."),
    "appointment_moved": _("The appointment of dossier {code} is now {when}."),
}
_REPORT_TEXTS: dict[str, Any] = {
    "feedback.rejected": _("Your report no. {number} was not accepted. Reason: {reason}"),
    "feedback.answered": _("Your report no. {number} has been answered."),
}


def _dossier_notice(payload: Mapping[str, Any]) -> tuple[str, str, str]:
    code = str(payload.get("dossier", ""))
    template = str(payload.get("template", ""))
    when = _when(payload.get("new_appointment_at") or payload.get("appointment_at"))
    reason = str(payload.get("reason") or payload.get("reasons") or "").strip()
    text = _DOSSIER_TEXTS.get(template, _("There is news about dossier {code}."))
    body = str(format_lazy(text, code=code, when=when or "-", reason=reason)).strip()
    link = f"{_base_url()}/lookup/?{urllib.parse.urlencode({'code': code})}"
    subject = str(format_lazy(_("Dossier {code}"), code=code))
    return subject, body, link


def _report_notice(payload: Mapping[str, Any]) -> tuple[str, str, str]:
    reports = list(payload.get("reports") or [])
    number = str(reports[0]) if reports else ""
    template = str(payload.get("template", ""))
    reason = str(payload.get("reason") or "").strip()
    text = _REPORT_TEXTS.get(template, _("There is news about your report no. {number}."))
    body = str(format_lazy(text, number=number, reason=reason)).strip()
    link = f"{_base_url()}/feedback/{number}/"
    subject = str(format_lazy(_("Report no. {number}"), number=number))
    return subject, body, link


# ---------------------------------------------------------------------------- recipients


def _add(out: dict[tuple[str, str], Recipient], email: str, phone: str) -> None:
    recipient = Recipient((email or "").strip().lower(), normalise_mobile(phone))
    if recipient.email or recipient.phone:
        out.setdefault((recipient.email, recipient.phone), recipient)


def _from_users(out: dict[tuple[str, str], Recipient], user_ids: Iterable[int]) -> None:
    from motcua.org.models import User

    for user in User.objects.filter(pk__in=list(user_ids), is_active=True).select_related(
        "citizen_profile"
    ):
        profile = getattr(user, "citizen_profile", None)
        email = user.email or (profile.email if profile is not None else "")
        phone = user.phone or (profile.phone if profile is not None else "")
        _add(out, email, phone)


def recipients_for(payload: Mapping[str, Any]) -> list[Recipient]:
    """The distinct e-mail / phone pairs a notice goes to (see the module doc)."""
    out: dict[tuple[str, str], Recipient] = {}
    if payload.get("reports"):
        from motcua.feedback.models import Report, ReportFollower

        reports = [int(pk) for pk in payload["reports"]]
        for email, phone in Report.objects.filter(
            pk__in=reports, reporter__isnull=True
        ).values_list("contact_email", "contact_phone"):
            _add(out, email, phone)
        for email, phone in ReportFollower.objects.filter(
            report_id=reports[0], user__isnull=True
        ).values_list("contact_email", "contact_phone"):
            _add(out, email, phone)
        _from_users(out, payload.get("user_ids") or [])
    else:
        from motcua.people.models import CitizenProfile

        applicant = payload.get("applicant_id")
        profile = CitizenProfile.objects.filter(pk=int(applicant)).first() if applicant else None
        if profile is not None:
            _add(out, profile.email, profile.phone)
        if payload.get("submitter_id"):
            _from_users(out, [int(payload["submitter_id"])])
    # a phone and an e-mail of one person given separately are merged when possible
    merged: list[Recipient] = []
    for r in out.values():
        if not r.email and any(m.phone == r.phone for m in merged):
            continue
        if not r.phone and any(m.email == r.email for m in merged):
            continue
        merged.append(r)
    return merged


def notice_for(payload: Mapping[str, Any]) -> Notice:
    """The subject, text, link and recipients of one ``notify.citizen`` payload, in Vietnamese."""
    with translation.override(settings.LANGUAGE_CODE or "vi"):
        subject, body, link = (
            _report_notice(payload) if payload.get("reports") else _dossier_notice(payload)
        )
    return Notice(subject, body, link, recipients_for(payload))


# ---------------------------------------------------------------------------- channels


def _sms_settings() -> tuple[str, str, str, float]:
    url = str(getattr(settings, "MOTCUA_SMS_URL", "") or "").strip()
    token = str(getattr(settings, "MOTCUA_SMS_TOKEN", "") or "").strip()
    sender = str(getattr(settings, "MOTCUA_SMS_SENDER", "") or "MOTCUA").strip()
    timeout = float(getattr(settings, "MOTCUA_SMS_TIMEOUT", 10) or 10)
    return url, token, sender, timeout


def _send_sms(to: str, text: str) -> None:
    url, token, sender, timeout = _sms_settings()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DeliveryError(f"MOTCUA_SMS_URL must be an http(s) URL, not {url!r}", permanent=True)
    body = json.dumps({"to": to, "text": text, "sender": sender}).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "User-Agent": "motcua",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", errors="replace")
        exc.close()
        raise DeliveryError(
            f"SMS gateway answered HTTP {exc.code}: {detail}",
            permanent=400 <= exc.code < 500 and exc.code not in (408, 429),
        ) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"SMS gateway unreachable: {getattr(exc, 'reason', exc)}") from exc


def sms_text(notice: Notice) -> str:
    """The SMS form of a notice: no diacritics (brandname SMS), at most :data:`SMS_MAX`."""
    text = strip_marks(f"{notice.text} {notice.link}")
    return text if len(text) <= SMS_MAX else text[: SMS_MAX - 1] + "…"


class CitizenNoticeAdapter:
    """Delivers ``notify.citizen`` messages by SMS (when configured) and e-mail."""

    topic = TOPIC

    def deliver(self, message_payload: dict[str, Any]) -> None:
        notice = notice_for(message_payload)
        if not notice.recipients:
            raise NothingToDeliver("no e-mail or mobile number known for this notice")
        sms_on = bool(_sms_settings()[0])
        phones = sorted({r.phone for r in notice.recipients if r.phone})
        emails = sorted({r.email for r in notice.recipients if r.email})
        if not emails and not (sms_on and phones):
            raise NothingToDeliver("only phone numbers known and no SMS gateway configured")
        if sms_on:
            text = sms_text(notice)
            for phone in phones:
                _send_sms(phone, text)
        elif phones:
            logger.info("SMS not configured (MOTCUA_SMS_URL): %d SMS skipped", len(phones))
        if emails:
            try:
                send_mail(
                    f"[motcua] {notice.subject}",
                    f"{notice.text}\n\n{notice.link}\n",
                    None,
                    emails,
                    fail_silently=False,
                )
            except OSError as exc:  # smtplib errors are OSErrors
                raise DeliveryError(f"e-mail not sent: {exc}") from exc


adapter = register(CitizenNoticeAdapter())
